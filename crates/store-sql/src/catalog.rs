//! SKU stock and sales, and catalog reads.

use async_trait::async_trait;
use meiduo_domain::ports::{DynTransaction, SkuCatalog, StockGuard, StockRepository, StoreError};
use meiduo_domain::{Quantity, Sku, SkuId, SpuId};
use sea_orm::{ConnectionTrait, Value};
use time::OffsetDateTime;

use crate::codec::{self, SKU_COLUMNS, placeholders};
use crate::store::SqlStore;
use crate::tx::SqlTransaction;

impl SqlStore {
    async fn select_skus(
        &self,
        conn: &impl ConnectionTrait,
        ids: &[SkuId],
    ) -> Result<Vec<Sku>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {SKU_COLUMNS} FROM tb_sku WHERE id IN ({}) ORDER BY id",
            placeholders(ids.len())
        );
        let values = ids.iter().map(|sku| codec::id(sku.0)).collect();
        let rows = self.rows(conn, &sql, values).await?;
        rows.iter().map(|row| codec::sku(self.backend, row)).collect()
    }
}

#[async_trait]
impl StockRepository for SqlStore {
    async fn read_skus(
        &self,
        tx: &mut DynTransaction,
        ids: &[SkuId],
    ) -> Result<Vec<Sku>, StoreError> {
        let tx = SqlTransaction::of(tx)?;
        self.select_skus(tx.conn(), ids).await
    }

    async fn take_stock(
        &self,
        tx: &mut DynTransaction,
        sku: SkuId,
        count: Quantity,
        guard: StockGuard,
    ) -> Result<bool, StoreError> {
        let tx = SqlTransaction::of(tx)?;
        let n = i64::from(count.get());
        let mut values = vec![
            Value::BigInt(Some(n)),
            Value::BigInt(Some(n)),
            codec::moment(OffsetDateTime::now_utc()),
            Value::BigInt(Some(sku.0 as i64)),
        ];
        let condition = match guard {
            StockGuard::Equals(expected) => {
                values.push(Value::BigInt(Some(i64::from(expected))));
                "stock = ?"
            }
            StockGuard::Covers => {
                values.push(Value::BigInt(Some(n)));
                "stock >= ?"
            }
        };
        let sql = format!(
            "UPDATE tb_sku SET stock = stock - ?, sales = sales + ?, update_time = ? \
             WHERE id = ? AND {condition} AND is_launched = 1"
        );
        Ok(self.exec(tx.conn(), &sql, values).await? == 1)
    }

    async fn add_spu_sales(
        &self,
        tx: &mut DynTransaction,
        spu: SpuId,
        count: u32,
    ) -> Result<(), StoreError> {
        let tx = SqlTransaction::of(tx)?;
        let values = vec![Value::BigInt(Some(i64::from(count))), Value::BigInt(Some(spu.0 as i64))];
        self.exec(tx.conn(), "UPDATE tb_goods SET sales = sales + ? WHERE id = ?", values).await?;
        Ok(())
    }
}

#[async_trait]
impl SkuCatalog for SqlStore {
    async fn find_skus(&self, ids: &[SkuId]) -> Result<Vec<Sku>, StoreError> {
        self.select_skus(&self.db, ids).await
    }
}
