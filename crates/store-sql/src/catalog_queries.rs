//! [`CatalogQueries`]: the catalog as the storefront browses it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use meiduo_domain::ports::{CatalogQueries, StoreError};
use meiduo_domain::{
    Breadcrumb, Category, CategoryId, CategoryNode, ChannelEntry, ChannelGroupMenu, ChannelLink,
    Page, SkuComment, SkuDetailData, SkuId, SkuOrdering, SkuSummary, Specification, SpuDetail,
    SpuId,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::codec::{count_of, db_id, id_of, like_pattern};
use crate::entity::{
    goods, goods_category, goods_channel, goods_specification, order_goods, order_info, sku,
    sku_image, sku_specification, specification_option, user,
};
use crate::error::store;
use crate::store::Db;

/// The storefront's catalog reads, on the pool.
#[derive(Debug, Clone)]
pub struct SqlCatalogQueries {
    db: Db,
}

/// An option of a specification of an SPU.
#[derive(Debug, FromQueryResult)]
struct SpecOption {
    spec_id: i64,
    spec_name: String,
    option_id: i64,
    value: String,
}

/// A comment with its author.
#[derive(Debug, FromQueryResult)]
struct CommentRow {
    username: String,
    comment: String,
    score: i16,
    is_anonymous: bool,
}

fn to_category(row: &goods_category::Model) -> Result<Category, StoreError> {
    Ok(Category { id: CategoryId(id_of(row.id)?), name: row.name.clone() })
}

/// The launched SKUs that match `filter`.
fn launched(filter: Condition) -> Select<sku::Entity> {
    sku::Entity::find().filter(sku::Column::IsLaunched.eq(true)).filter(filter)
}

impl SqlCatalogQueries {
    pub(crate) fn new(db: Db) -> Self {
        SqlCatalogQueries { db }
    }

    async fn summaries(&self, select: Select<sku::Entity>) -> Result<Vec<SkuSummary>, StoreError> {
        select
            .into_partial_model::<sku::Summary>()
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(sku::Summary::into_domain)
            .collect()
    }

    /// Summaries of these SKUs that match `filter`, in the order of `ids`.
    async fn summaries_of(
        &self,
        ids: &[SkuId],
        filter: Condition,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = sku::Entity::find()
            .filter(sku::Column::Id.is_in(ids.iter().map(|s| db_id(s.0))))
            .filter(filter);
        let found = self.summaries(select).await?;
        Ok(ids.iter().filter_map(|want| found.iter().find(|s| s.id == *want).cloned()).collect())
    }

    /// A page of the launched SKUs that match `filter`, in `order`.
    async fn page(
        &self,
        filter: Condition,
        order: &[(sku::Column, sea_orm::Order)],
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError> {
        let count = launched(filter.clone()).count(&self.db.conn).await.map_err(store)?;
        let mut select = launched(filter);
        for (column, direction) in order {
            select = select.order_by(*column, direction.clone());
        }
        let items = self.summaries(select.limit(limit).offset(offset)).await?;
        Ok(Page { count, items })
    }

    async fn category(&self, category: i64) -> Result<Option<(Category, Option<i64>)>, StoreError> {
        let row =
            goods_category::Entity::find_by_id(category).one(&self.db.conn).await.map_err(store)?;
        row.map(|row| Ok((to_category(&row)?, row.parent_id))).transpose()
    }

    async fn channel_link(&self, category: Category) -> Result<Option<ChannelLink>, StoreError> {
        let row = goods_channel::Entity::find()
            .filter(goods_channel::Column::CategoryId.eq(db_id(category.id.0)))
            .order_by_asc(goods_channel::Column::Id)
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(row.map(|row| ChannelLink { url: row.url, category }))
    }
}

#[async_trait]
impl CatalogQueries for SqlCatalogQueries {
    async fn category_menu(&self) -> Result<Vec<ChannelGroupMenu>, StoreError> {
        let categories = goods_category::Entity::find()
            .order_by_asc(goods_category::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut names = BTreeMap::new();
        let mut children: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for row in &categories {
            names.insert(row.id, to_category(row)?);
            if let Some(parent) = row.parent_id {
                children.entry(parent).or_default().push(row.id);
            }
        }
        let category = |cat: i64| -> Result<Category, StoreError> {
            names.get(&cat).cloned().ok_or_else(|| {
                StoreError::unexpected(format!("a channel names category {cat}, which is gone"))
            })
        };
        let channels = goods_channel::Entity::find()
            .order_by_asc(goods_channel::Column::GroupId)
            .order_by_asc(goods_channel::Column::Sequence)
            .order_by_asc(goods_channel::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut groups: Vec<ChannelGroupMenu> = Vec::new();
        for channel in channels {
            let group_id = id_of(channel.group_id)?;
            if groups.last().map(|g| g.group_id) != Some(group_id) {
                groups.push(ChannelGroupMenu {
                    group_id,
                    channels: Vec::new(),
                    sub_cats: Vec::new(),
                });
            }
            let Some(group) = groups.last_mut() else { continue };
            let first = category(channel.category_id)?;
            group.channels.push(ChannelEntry { id: first.id, name: first.name, url: channel.url });
            for cat2 in children.get(&channel.category_id).into_iter().flatten() {
                let second = category(*cat2)?;
                group.sub_cats.push(CategoryNode {
                    id: second.id,
                    name: second.name,
                    sub_cats: children
                        .get(cat2)
                        .into_iter()
                        .flatten()
                        .map(|c| category(*c))
                        .collect::<Result<_, _>>()?,
                });
            }
        }
        Ok(groups)
    }

    async fn breadcrumb(&self, category: CategoryId) -> Result<Option<Breadcrumb>, StoreError> {
        let Some((this, parent)) = self.category(db_id(category.0)).await? else {
            return Ok(None);
        };
        let Some(parent) = parent else {
            return Ok(Some(Breadcrumb {
                cat1: self.channel_link(this).await?,
                ..Breadcrumb::default()
            }));
        };
        let Some((up, grand)) = self.category(parent).await? else {
            return Ok(Some(Breadcrumb::default()));
        };
        match grand {
            // A second-level category.
            None => Ok(Some(Breadcrumb {
                cat1: self.channel_link(up).await?,
                cat2: Some(this),
                cat3: None,
            })),
            // A third-level category.
            Some(grand) => {
                let top = match self.category(grand).await? {
                    Some((top, _)) => self.channel_link(top).await?,
                    None => None,
                };
                Ok(Some(Breadcrumb { cat1: top, cat2: Some(up), cat3: Some(this) }))
            }
        }
    }

    async fn list_skus(
        &self,
        category: CategoryId,
        ordering: SkuOrdering,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError> {
        use sea_orm::Order::{Asc, Desc};
        let order = match ordering {
            SkuOrdering::Newest => [(sku::Column::CreateTime, Desc), (sku::Column::Id, Desc)],
            SkuOrdering::Oldest => [(sku::Column::CreateTime, Asc), (sku::Column::Id, Asc)],
            SkuOrdering::PriceAscending => [(sku::Column::Price, Asc), (sku::Column::Id, Asc)],
            SkuOrdering::PriceDescending => [(sku::Column::Price, Desc), (sku::Column::Id, Asc)],
            SkuOrdering::BestSelling => [(sku::Column::Sales, Desc), (sku::Column::Id, Asc)],
            SkuOrdering::LeastSelling => [(sku::Column::Sales, Asc), (sku::Column::Id, Asc)],
        };
        let filter = Condition::all().add(sku::Column::CategoryId.eq(db_id(category.0)));
        self.page(filter, &order, offset, limit).await
    }

    async fn hot_skus(
        &self,
        category: CategoryId,
        limit: u64,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        let select = launched(Condition::all().add(sku::Column::CategoryId.eq(db_id(category.0))))
            .order_by_desc(sku::Column::Sales)
            .order_by_asc(sku::Column::Id)
            .limit(limit);
        self.summaries(select).await
    }

    async fn sku_detail(&self, sku_id: SkuId) -> Result<Option<SkuDetailData>, StoreError> {
        let Some(row) = launched(Condition::all().add(sku::Column::Id.eq(db_id(sku_id.0))))
            .one(&self.db.conn)
            .await
            .map_err(store)?
        else {
            return Ok(None);
        };
        let market_price = row.market_price.money()?;
        let comments = count_of(i64::from(row.comments))?;
        let sku = row.into_sku()?;
        let spu_row = goods::Entity::find_by_id(db_id(sku.spu_id.0))
            .one(&self.db.conn)
            .await
            .map_err(store)?
            .ok_or_else(|| StoreError::unexpected(format!("SKU {sku_id} has no SPU")))?;
        let spu = SpuDetail {
            id: SpuId(id_of(spu_row.id)?),
            name: spu_row.name,
            desc_detail: spu_row.desc_detail,
            desc_pack: spu_row.desc_pack,
            desc_service: spu_row.desc_service,
        };
        let images = sku_image::Entity::find()
            .filter(sku_image::Column::SkuId.eq(db_id(sku_id.0)))
            .order_by_asc(sku_image::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(|row| row.image)
            .collect();
        let options = Query::select()
            .expr_as(
                Expr::col((goods_specification::Entity, goods_specification::Column::Id)),
                "spec_id",
            )
            .expr_as(
                Expr::col((goods_specification::Entity, goods_specification::Column::Name)),
                "spec_name",
            )
            .expr_as(
                Expr::col((specification_option::Entity, specification_option::Column::Id)),
                "option_id",
            )
            .column((specification_option::Entity, specification_option::Column::Value))
            .from(goods_specification::Entity)
            .inner_join(
                specification_option::Entity,
                Expr::col((specification_option::Entity, specification_option::Column::SpecId))
                    .equals((goods_specification::Entity, goods_specification::Column::Id)),
            )
            .and_where(
                Expr::col((goods_specification::Entity, goods_specification::Column::GoodsId))
                    .eq(db_id(spu.id.0)),
            )
            .order_by(
                (goods_specification::Entity, goods_specification::Column::Id),
                sea_orm::Order::Asc,
            )
            .order_by(
                (specification_option::Entity, specification_option::Column::Id),
                sea_orm::Order::Asc,
            )
            .to_owned();
        let option_rows = SpecOption::find_by_statement(self.db.backend.build(&options))
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut specs: Vec<Specification> = Vec::new();
        for row in option_rows {
            let spec = id_of(row.spec_id)?;
            if specs.last().map(|s| s.id) != Some(spec) {
                specs.push(Specification { id: spec, name: row.spec_name, options: Vec::new() });
            }
            if let Some(last) = specs.last_mut() {
                last.options.push((id_of(row.option_id)?, row.value));
            }
        }
        let siblings = Query::select()
            .column(sku::Column::Id)
            .from(sku::Entity)
            .and_where(sku::Column::GoodsId.eq(db_id(spu.id.0)))
            .and_where(sku::Column::IsLaunched.eq(true))
            .to_owned();
        let variant_rows = sku_specification::Entity::find()
            .filter(sku_specification::Column::SkuId.in_subquery(siblings))
            .order_by_asc(sku_specification::Column::SkuId)
            .order_by_asc(sku_specification::Column::SpecId)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let mut variants: Vec<(SkuId, Vec<(u64, u64)>)> = Vec::new();
        for row in variant_rows {
            let sku = SkuId(id_of(row.sku_id)?);
            if variants.last().map(|(s, _)| *s) != Some(sku) {
                variants.push((sku, Vec::new()));
            }
            if let Some((_, options)) = variants.last_mut() {
                options.push((id_of(row.spec_id)?, id_of(row.option_id)?));
            }
        }
        Ok(Some(SkuDetailData { sku, market_price, comments, spu, images, specs, variants }))
    }

    async fn search_skus(
        &self,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuSummary>, StoreError> {
        let pattern = like_pattern(text);
        let like = |column: sku::Column| {
            Expr::col((sku::Entity, column))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('!'))
        };
        let filter = Condition::any().add(like(sku::Column::Name)).add(like(sku::Column::Caption));
        use sea_orm::Order::{Asc, Desc};
        self.page(filter, &[(sku::Column::Sales, Desc), (sku::Column::Id, Asc)], offset, limit)
            .await
    }

    async fn sku_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError> {
        self.summaries_of(ids, Condition::all()).await
    }

    async fn launched_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError> {
        self.summaries_of(ids, Condition::all().add(sku::Column::IsLaunched.eq(true))).await
    }

    async fn sku_comments(&self, sku: SkuId, limit: u64) -> Result<Vec<SkuComment>, StoreError> {
        let query = Query::select()
            .column((user::Entity, user::Column::Username))
            .column((order_goods::Entity, order_goods::Column::Comment))
            .column((order_goods::Entity, order_goods::Column::Score))
            .column((order_goods::Entity, order_goods::Column::IsAnonymous))
            .from(order_goods::Entity)
            .inner_join(
                order_info::Entity,
                Expr::col((order_info::Entity, order_info::Column::OrderId))
                    .equals((order_goods::Entity, order_goods::Column::OrderId)),
            )
            .inner_join(
                user::Entity,
                Expr::col((user::Entity, user::Column::Id))
                    .equals((order_info::Entity, order_info::Column::UserId)),
            )
            .and_where(
                Expr::col((order_goods::Entity, order_goods::Column::SkuId)).eq(db_id(sku.0)),
            )
            .and_where(Expr::col((order_goods::Entity, order_goods::Column::IsCommented)).eq(true))
            .order_by((order_goods::Entity, order_goods::Column::UpdateTime), sea_orm::Order::Desc)
            .order_by((order_goods::Entity, order_goods::Column::Id), sea_orm::Order::Desc)
            .limit(limit)
            .to_owned();
        let rows = CommentRow::find_by_statement(self.db.backend.build(&query))
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(rows
            .into_iter()
            .map(|row| SkuComment {
                username: row.username,
                comment: row.comment,
                score: u8::try_from(row.score).unwrap_or(0),
                is_anonymous: row.is_anonymous,
            })
            .collect())
    }
}
