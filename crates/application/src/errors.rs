//! Pieces shared by the use cases' error enums.

use meiduo_domain::ports::{Cause, StoreError};

/// A failure of a port that is not the client's doing, as every use case reports it: the one
/// pair of "try later" and "our fault" that each use case's error enum wraps.
#[derive(Debug, thiserror::Error)]
pub enum ServiceFailure {
    /// A service is down or timed out: the client may try again later.
    #[error("a service is unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// Anything else: logged, shown to clients only as an internal error.
    #[error("unexpected failure: {0}")]
    Unexpected(#[source] Cause),
}

impl ServiceFailure {
    /// An unexpected failure described by a message.
    pub fn unexpected(message: impl Into<String>) -> Self {
        ServiceFailure::Unexpected(message.into().into())
    }
}

/// Two failures are equal when they are of the same kind and read the same (the causes are not
/// comparable otherwise); this lets use-case errors, which wrap them, compare in tests.
impl PartialEq for ServiceFailure {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && self.to_string() == other.to_string()
    }
}

impl Eq for ServiceFailure {}

impl From<StoreError> for ServiceFailure {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::Unavailable(cause) => ServiceFailure::Unavailable(cause),
            // A conflict that reaches a use case's caller was not retried there: unexpected.
            other @ (StoreError::Conflict(_) | StoreError::Unexpected(_)) => {
                ServiceFailure::Unexpected(Box::new(other))
            }
        }
    }
}

/// Paging of a list: 1-based page number and page size, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub page_size: u64,
}

impl PageRequest {
    /// The original's page size (its `StandardResultsSetPagination`).
    pub const DEFAULT_SIZE: u64 = 2;
    pub const MAX_SIZE: u64 = 20;
    /// The highest page number accepted (far beyond any list; keeps offsets small).
    pub const MAX_PAGE: u64 = 1_000_000;

    /// Page 1 and the default size when absent; sizes above the cap are capped. `None` for a page
    /// or size of 0, or a page above [`Self::MAX_PAGE`].
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Option<Self> {
        Self::sized(page, page_size, Self::DEFAULT_SIZE, Self::MAX_SIZE)
    }

    /// The same for a list with its own default size and cap (the admin's pages: 10 and 10).
    pub fn sized(
        page: Option<u64>,
        page_size: Option<u64>,
        default_size: u64,
        max_size: u64,
    ) -> Option<Self> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(default_size).min(max_size);
        ((1..=Self::MAX_PAGE).contains(&page) && page_size >= 1)
            .then_some(PageRequest { page, page_size })
    }

    /// The number of the last page of a list of `count` items (1 for an empty list).
    pub fn last_page(self, count: u64) -> u64 {
        count.div_ceil(self.page_size).max(1)
    }

    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(PageRequest::new(None, None), Some(PageRequest { page: 1, page_size: 2 }));
        assert_eq!(PageRequest::new(Some(3), Some(500)).map(PageRequest::offset), Some(40));
        assert_eq!(PageRequest::new(Some(0), None), None);
        assert_eq!(PageRequest::new(Some(u64::MAX), None), None);
        assert_eq!(PageRequest::new(Some(1), Some(0)), None);
        assert_eq!(
            PageRequest::sized(None, None, 10, 10),
            Some(PageRequest { page: 1, page_size: 10 })
        );
        assert_eq!(
            PageRequest::sized(Some(2), Some(50), 10, 10).map(PageRequest::offset),
            Some(10)
        );
        let page = PageRequest { page: 1, page_size: 10 };
        assert_eq!((page.last_page(0), page.last_page(10), page.last_page(11)), (1, 1, 2));
    }
}
