//! DRF-style pages: `{count, next, previous, results}` with `page` and `page_size`, read as the
//! original's `PageNumberPagination` reads them: 2 per page unless `page_size` (at most 20) says
//! otherwise, a `page_size` that is not a positive number ignored, and a `page` that is not a
//! page of the list answered 404 `{"detail": "Invalid page."}`.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use meiduo_application::errors::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorCode};

/// `page` (from 1) and `page_size` (2 by default, capped at 20), as the client typed them.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// A page of the list, from 1.
    #[param(value_type = Option<u64>)]
    pub page: Option<String>,
    /// Items per page: 2 by default, at most 20; anything but a positive number means 2.
    #[param(value_type = Option<String>)]
    pub page_size: Option<String>,
}

pub(crate) fn invalid_page() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::InvalidPage, "Invalid page.")
}

/// A page as DRF's `PageNumberPagination` reads the two parameters: a `page` that is not a
/// number is 404, a size that is not a positive number means the list's default, a size above
/// its cap is the cap.
pub(crate) fn page_request(
    page: Option<&str>,
    page_size: Option<&str>,
    default_size: u64,
    max_size: u64,
) -> Result<PageRequest, ApiError> {
    let page = match page {
        None => None,
        Some(raw) => Some(raw.trim().parse::<u64>().map_err(|_| invalid_page())?),
    };
    let page_size =
        page_size.and_then(|raw| raw.trim().parse::<u64>().ok()).filter(|size| *size > 0);
    PageRequest::sized(page, page_size, default_size, max_size).ok_or_else(invalid_page)
}

/// 404 `invalid_page` for a page past the last of `count` items; else the last page's number.
pub(crate) fn last_page(page: PageRequest, count: u64) -> Result<u64, ApiError> {
    let last = page.last_page(count);
    if page.page > last { Err(invalid_page()) } else { Ok(last) }
}

impl PageQuery {
    pub fn request(&self) -> Result<PageRequest, ApiError> {
        page_request(
            self.page.as_deref(),
            self.page_size.as_deref(),
            PageRequest::DEFAULT_SIZE,
            PageRequest::MAX_SIZE,
        )
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
    /// The page, with links to its neighbours: the public URL with the request's path and query
    /// (never its `Host` or forwarded headers, which a client picks); 404 for a page past the
    /// last one (page 1 of an empty list is a page).
    pub fn new(
        req: &HttpRequest,
        public_url: &str,
        page: PageRequest,
        count: u64,
        results: Vec<T>,
    ) -> Result<Self, ApiError> {
        let last = last_page(page, count)?;
        let link = |number: u64| {
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
            format!("{}{}?{}", public_url.trim_end_matches('/'), req.path(), query.join("&"))
        };
        Ok(Paged {
            count,
            next: (page.page < last).then(|| link(page.page + 1)),
            previous: (page.page > 1).then(|| link(page.page - 1)),
            results,
        })
    }
}
