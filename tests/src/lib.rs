//! The end-to-end suites live in `tests/tests/`: the use cases over the real adapters on real
//! databases. This library is empty; the suites share the store's `testing` fixtures.
