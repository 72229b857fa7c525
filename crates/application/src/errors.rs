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

    /// Page 1 and the default size when absent; sizes above the cap are capped. `None` for a page
    /// or size of 0.
    pub fn new(page: Option<u64>, page_size: Option<u64>) -> Option<Self> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(Self::DEFAULT_SIZE).min(Self::MAX_SIZE);
        (page >= 1 && page_size >= 1).then_some(PageRequest { page, page_size })
    }

    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}
