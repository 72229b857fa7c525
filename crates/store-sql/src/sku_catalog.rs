//! [`SkuCatalog`]: SKUs by id, outside any transaction.

use async_trait::async_trait;
use meiduo_domain::ports::{SkuCatalog, StoreError};
use meiduo_domain::{Sku, SkuId};

use crate::stock::read_skus;
use crate::store::Db;

/// SKUs by id, on the pool.
#[derive(Debug, Clone)]
pub struct SqlSkuCatalog {
    db: Db,
}

impl SqlSkuCatalog {
    pub(crate) fn new(db: Db) -> Self {
        SqlSkuCatalog { db }
    }
}

#[async_trait]
impl SkuCatalog for SqlSkuCatalog {
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError> {
        read_skus(&self.db.conn, ids).await
    }
}
