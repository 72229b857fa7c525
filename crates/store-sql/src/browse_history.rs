//! [`BrowseHistory`]: which SKUs a user looked at last.

use async_trait::async_trait;
use meiduo_domain::ports::{BrowseHistory, StoreError};
use meiduo_domain::{SkuId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::codec::{db_id, id_of, now};
use crate::entity::browse_history;
use crate::error::store;
use crate::store::Db;

/// Browse history in `tb_browse_history`.
#[derive(Debug, Clone)]
pub struct SqlBrowseHistory {
    db: Db,
}

impl SqlBrowseHistory {
    pub(crate) fn new(db: Db) -> Self {
        SqlBrowseHistory { db }
    }
}

/// A visit's row id.
#[derive(Debug, FromQueryResult)]
struct VisitId {
    id: i64,
}

/// A visited SKU.
#[derive(Debug, FromQueryResult)]
struct Visited {
    sku_id: i64,
}

fn of_user(user: UserId) -> sea_orm::Condition {
    sea_orm::Condition::all().add(browse_history::Column::UserId.eq(db_id(user.0)))
}

#[async_trait]
impl BrowseHistory for SqlBrowseHistory {
    async fn record(&self, user: UserId, sku: SkuId, keep: u32) -> Result<(), StoreError> {
        let tx = self.db.begin().await?;
        browse_history::Entity::delete_many()
            .filter(of_user(user))
            .filter(browse_history::Column::SkuId.eq(db_id(sku.0)))
            .exec(&tx)
            .await
            .map_err(store)?;
        let at = now();
        let visit = browse_history::ActiveModel {
            user_id: Set(db_id(user.0)),
            sku_id: Set(db_id(sku.0)),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        };
        browse_history::Entity::insert(visit).exec_without_returning(&tx).await.map_err(store)?;
        let stale: Vec<i64> = browse_history::Entity::find()
            .select_only()
            .column(browse_history::Column::Id)
            .filter(of_user(user))
            .order_by_desc(browse_history::Column::Id)
            .limit(100)
            .offset(u64::from(keep))
            .into_model::<VisitId>()
            .all(&tx)
            .await
            .map_err(store)?
            .into_iter()
            .map(|row| row.id)
            .collect();
        if !stale.is_empty() {
            browse_history::Entity::delete_many()
                .filter(browse_history::Column::Id.is_in(stale))
                .exec(&tx)
                .await
                .map_err(store)?;
        }
        tx.commit().await.map_err(store)
    }

    async fn recent(&self, user: UserId, limit: u32) -> Result<Vec<SkuId>, StoreError> {
        browse_history::Entity::find()
            .select_only()
            .column(browse_history::Column::SkuId)
            .filter(of_user(user))
            .order_by_desc(browse_history::Column::Id)
            .limit(u64::from(limit))
            .into_model::<Visited>()
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(|row| id_of(row.sku_id).map(SkuId))
            .collect()
    }
}
