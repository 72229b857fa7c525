//! Pieces shared by the use cases' error enums.

use meiduo_domain::ports::{CartStoreError, CodeStoreError, StoreError};

/// A failure of a port that is not the client's doing, as every use case reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceFailure {
    /// A service is down or timed out: the client may try again later.
    #[error("a service is unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged, shown to clients only as an internal error.
    #[error("unexpected failure: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceFailure {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::Unavailable(why) => ServiceFailure::Unavailable(why),
            other => ServiceFailure::Internal(other.to_string()),
        }
    }
}

impl From<CartStoreError> for ServiceFailure {
    fn from(value: CartStoreError) -> Self {
        match value {
            CartStoreError::Unavailable(why) => ServiceFailure::Unavailable(why),
            CartStoreError::Internal(why) => ServiceFailure::Internal(why),
        }
    }
}

impl From<CodeStoreError> for ServiceFailure {
    fn from(value: CodeStoreError) -> Self {
        match value {
            CodeStoreError::Unavailable(why) => ServiceFailure::Unavailable(why),
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
    pub const DEFAULT_SIZE: u64 = 10;
    pub const MAX_SIZE: u64 = 20;
    /// The highest page number accepted (far beyond any list; keeps offsets small).
    pub const MAX_PAGE: u64 = 1_000_000;

    /// Page 1 and the default size when absent; sizes above the cap are capped. `None` for a page
    /// or size of 0, or a page above [`Self::MAX_PAGE`].
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Option<Self> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(Self::DEFAULT_SIZE).min(Self::MAX_SIZE);
        ((1..=Self::MAX_PAGE).contains(&page) && page_size >= 1)
            .then_some(PageRequest { page, page_size })
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
        assert_eq!(PageRequest::new(None, None), Some(PageRequest { page: 1, page_size: 10 }));
        assert_eq!(PageRequest::new(Some(3), Some(500)).map(PageRequest::offset), Some(40));
        assert_eq!(PageRequest::new(Some(0), None), None);
        assert_eq!(PageRequest::new(Some(u64::MAX), None), None);
        assert_eq!(PageRequest::new(Some(1), Some(0)), None);
    }
}
