//! DRF-style pages: `{count, next, previous, results}` with `page` and `page_size`.

use actix_web::HttpRequest;
use meiduo_application::errors::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode};

/// `page` (from 1) and `page_size` (capped at 20).
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
pub struct PageQuery {
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl PageQuery {
    pub fn request(self) -> Result<PageRequest, ApiError> {
        PageRequest::new(self.page, self.page_size).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidField,
                "page",
                "page is 1 to 1000000 and page_size at least 1",
            )
        })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

impl<T> Paged<T> {
    /// The page, with links to its neighbours built from the request's own URL.
    pub fn new(req: &HttpRequest, page: PageRequest, count: u64, results: Vec<T>) -> Self {
        let link = |number: u64| {
            let info = req.connection_info();
            let mut query: Vec<String> = req
                .query_string()
                .split('&')
                .filter(|pair| {
                    !pair.is_empty()
                        && !pair.starts_with("page=")
                        && !pair.starts_with("page_size=")
                })
                .map(str::to_owned)
                .collect();
            query.push(format!("page={number}"));
            query.push(format!("page_size={}", page.page_size));
            format!("{}://{}{}?{}", info.scheme(), info.host(), req.path(), query.join("&"))
        };
        let last = count.div_ceil(page.page_size).max(1);
        Paged {
            count,
            next: (page.page < last).then(|| link(page.page + 1)),
            previous: (page.page > 1).then(|| link((page.page - 1).min(last))),
            results,
        }
    }
}
