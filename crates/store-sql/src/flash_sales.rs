//! [`FlashSales`]: the SKUs on flash sale (`tb_flash_sale`), with their stock.

use async_trait::async_trait;
use meiduo_domain::SkuId;
use meiduo_domain::ports::{FlashSaleSku, FlashSales, StoreError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::codec::{count_of, db_id, id_of, now};
use crate::entity::{flash_sale, sku};
use crate::error::{classify, store};
use crate::store::Db;

/// The flash sales, on the pool.
#[derive(Debug, Clone)]
pub struct SqlFlashSales {
    db: Db,
}

impl SqlFlashSales {
    pub(crate) fn new(db: Db) -> Self {
        SqlFlashSales { db }
    }
}

fn on_sale(sku: i64, stock: i32) -> Result<FlashSaleSku, StoreError> {
    Ok(FlashSaleSku { sku: SkuId(id_of(sku)?), stock: count_of(i64::from(stock))? })
}

#[async_trait]
impl FlashSales for SqlFlashSales {
    async fn mark(&self, id: SkuId) -> Result<Option<FlashSaleSku>, StoreError> {
        let found: Option<(i64, i32)> = sku::Entity::find_by_id(db_id(id.0))
            .select_only()
            .column(sku::Column::Id)
            .column(sku::Column::Stock)
            .into_tuple()
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        let Some((sku_id, stock)) = found else {
            return Ok(None);
        };
        let at = now();
        let inserted = flash_sale::Entity::insert(flash_sale::ActiveModel {
            sku_id: Set(sku_id),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        })
        .exec_without_returning(&self.db.conn)
        .await;
        match inserted.map_err(classify) {
            Ok(_) => {}
            // Marked already (the unique key): marking again is no error.
            Err(duplicate) if duplicate.is_duplicate_of("sku") => {}
            Err(other) => return Err(other.into()),
        }
        on_sale(sku_id, stock).map(Some)
    }

    async fn unmark(&self, id: SkuId) -> Result<bool, StoreError> {
        let removed = flash_sale::Entity::delete_many()
            .filter(flash_sale::Column::SkuId.eq(db_id(id.0)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(removed.rows_affected > 0)
    }

    async fn marked(&self) -> Result<Vec<FlashSaleSku>, StoreError> {
        let ids: Vec<i64> = flash_sale::Entity::find()
            .select_only()
            .column(flash_sale::Column::SkuId)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, i32)> = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .column(sku::Column::Stock)
            .filter(sku::Column::Id.is_in(ids))
            .order_by_asc(sku::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        rows.into_iter().map(|(sku, stock)| on_sale(sku, stock)).collect()
    }
}
