//! [`AreaRepository`]: provinces, cities and districts.

use async_trait::async_trait;
use meiduo_domain::ports::{AreaRepository, StoreError};
use meiduo_domain::{Area, AreaWithSubs};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::codec::{db_id, id_of};
use crate::entity::area;
use crate::error::store;
use crate::store::Db;

/// The areas, on the pool.
#[derive(Debug, Clone)]
pub struct SqlAreas {
    db: Db,
}

impl SqlAreas {
    pub(crate) fn new(db: Db) -> Self {
        SqlAreas { db }
    }

    async fn find(&self, filter: sea_orm::Condition) -> Result<Vec<area::Model>, StoreError> {
        area::Entity::find()
            .filter(filter)
            .order_by_asc(area::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)
    }
}

fn to_area(row: area::Model) -> Result<Area, StoreError> {
    Ok(Area { id: id_of(row.id)?, name: row.name })
}

#[async_trait]
impl AreaRepository for SqlAreas {
    async fn provinces(&self) -> Result<Vec<Area>, StoreError> {
        let rows =
            self.find(sea_orm::Condition::all().add(area::Column::ParentId.is_null())).await?;
        rows.into_iter().map(to_area).collect()
    }

    async fn with_subs(&self, area_id: u64) -> Result<Option<AreaWithSubs>, StoreError> {
        let Some(this) =
            area::Entity::find_by_id(db_id(area_id)).one(&self.db.conn).await.map_err(store)?
        else {
            return Ok(None);
        };
        let subs = self
            .find(sea_orm::Condition::all().add(area::Column::ParentId.eq(db_id(area_id))))
            .await?
            .into_iter()
            .map(to_area)
            .collect::<Result<_, _>>()?;
        let this = to_area(this)?;
        Ok(Some(AreaWithSubs { id: this.id, name: this.name, subs }))
    }

    async fn lineage(&self, ids: &[u64]) -> Result<Vec<(u64, Option<u64>, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .find(
                sea_orm::Condition::all()
                    .add(area::Column::Id.is_in(ids.iter().map(|id| db_id(*id)))),
            )
            .await?;
        rows.into_iter()
            .map(|row| Ok((id_of(row.id)?, row.parent_id.map(id_of).transpose()?, row.name)))
            .collect()
    }
}
