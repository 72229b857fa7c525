//! [`CatalogEditor`]: the catalog's rows as operators read and write them. Every write is one
//! transaction that checks its references first, so that a missing row is a clear error rather
//! than a foreign key's.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use meiduo_domain::ports::{CatalogEditError, CatalogEditor, StoreError};
use meiduo_domain::{
    BrandRecord, ChannelForm, ChannelRecord, NamedRef, OptionRecord, OptionValue, Page, SkuForm,
    SkuImageRecord, SkuRecord, SkuRemoval, SkuSpecChoice, SpecRecord, SpuForm, SpuRecord,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::codec::{DbMoney, count_of, db_id, id_of, like_pattern, now};
use crate::entity::{
    brand, goods, goods_category, goods_channel, goods_channel_group, goods_specification,
    order_goods, sku, sku_image, sku_specification, specification_option,
};
use crate::error::store;
use crate::store::Db;

/// The catalog's administration, on the pool.
#[derive(Debug, Clone)]
pub struct SqlCatalogEditor {
    db: Db,
}

/// Names of rows by id.
async fn names<E, C>(
    conn: &impl ConnectionTrait,
    id: C,
    name: C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, String>, StoreError>
where
    E: EntityTrait<Column = C>,
    E::Model: Sync,
    C: ColumnTrait,
{
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(i64, String)> = E::find()
        .select_only()
        .column(id)
        .column(name)
        .filter(id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await
        .map_err(store)?;
    Ok(rows.into_iter().collect())
}

/// Whether any row has `column = value` (the row exists, or something still references one).
async fn any_row<E, C>(
    conn: &impl ConnectionTrait,
    column: C,
    value: i64,
) -> Result<bool, StoreError>
where
    E: EntityTrait<Column = C>,
    E::Model: Sync,
    C: ColumnTrait,
{
    let found = E::find().filter(column.eq(value)).count(conn).await.map_err(store)?;
    Ok(found > 0)
}

fn unknown(field: &'static str, what: &'static str, id: u64) -> CatalogEditError {
    CatalogEditError::UnknownReference { field, what, id }
}

fn named(rows: Vec<(i64, String)>) -> Result<Vec<NamedRef>, StoreError> {
    rows.into_iter().map(|(id, name)| Ok(NamedRef { id: id_of(id)?, name })).collect()
}

/// A page of `select`'s rows, each turned into a record by `records`.
async fn page_of<E, T, F, Fut>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    offset: u64,
    limit: u64,
    records: F,
) -> Result<Page<T>, StoreError>
where
    E: EntityTrait,
    E::Model: Sync,
    F: FnOnce(Vec<E::Model>) -> Fut,
    Fut: Future<Output = Result<Vec<T>, StoreError>>,
{
    let count = select.clone().count(conn).await.map_err(store)?;
    let rows = select.offset(offset).limit(limit).all(conn).await.map_err(store)?;
    Ok(Page { count, items: records(rows).await? })
}

async fn sku_records(
    conn: &impl ConnectionTrait,
    rows: Vec<sku::Model>,
) -> Result<Vec<SkuRecord>, StoreError> {
    let spus = names::<goods::Entity, _>(
        conn,
        goods::Column::Id,
        goods::Column::Name,
        rows.iter().map(|r| r.goods_id),
    )
    .await?;
    let categories = names::<goods_category::Entity, _>(
        conn,
        goods_category::Column::Id,
        goods_category::Column::Name,
        rows.iter().map(|r| r.category_id),
    )
    .await?;
    let choices: Vec<(i64, i64, i64)> = sku_specification::Entity::find()
        .select_only()
        .column(sku_specification::Column::SkuId)
        .column(sku_specification::Column::SpecId)
        .column(sku_specification::Column::OptionId)
        .filter(sku_specification::Column::SkuId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(sku_specification::Column::SpecId)
        .into_tuple()
        .all(conn)
        .await
        .map_err(store)?;
    let mut specs: BTreeMap<i64, Vec<SkuSpecChoice>> = BTreeMap::new();
    for (sku_id, spec_id, option_id) in choices {
        let choice = SkuSpecChoice { spec_id: id_of(spec_id)?, option_id: id_of(option_id)? };
        specs.entry(sku_id).or_default().push(choice);
    }
    rows.into_iter()
        .map(|row| {
            Ok(SkuRecord {
                id: id_of(row.id)?,
                spu: spus.get(&row.goods_id).cloned().unwrap_or_default(),
                spu_id: id_of(row.goods_id)?,
                category: categories.get(&row.category_id).cloned().unwrap_or_default(),
                category_id: id_of(row.category_id)?,
                price: row.price.money()?,
                cost_price: row.cost_price.money()?,
                market_price: row.market_price.money()?,
                stock: count_of(i64::from(row.stock))?,
                sales: count_of(i64::from(row.sales))?,
                comments: count_of(i64::from(row.comments))?,
                is_launched: row.is_launched,
                default_image: row.default_image_url,
                specs: specs.remove(&row.id).unwrap_or_default(),
                name: row.name,
                caption: row.caption,
            })
        })
        .collect()
}

async fn spu_records(
    conn: &impl ConnectionTrait,
    rows: Vec<goods::Model>,
) -> Result<Vec<SpuRecord>, StoreError> {
    let brands = names::<brand::Entity, _>(
        conn,
        brand::Column::Id,
        brand::Column::Name,
        rows.iter().map(|r| r.brand_id),
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(SpuRecord {
                id: id_of(row.id)?,
                brand: brands.get(&row.brand_id).cloned().unwrap_or_default(),
                brand_id: id_of(row.brand_id)?,
                category1_id: id_of(row.category1_id)?,
                category2_id: id_of(row.category2_id)?,
                category3_id: id_of(row.category3_id)?,
                sales: u64::try_from(row.sales).unwrap_or_default(),
                comments: u64::try_from(row.comments).unwrap_or_default(),
                name: row.name,
                desc_detail: row.desc_detail,
                desc_pack: row.desc_pack,
                desc_service: row.desc_service,
            })
        })
        .collect()
}

async fn spec_records(
    conn: &impl ConnectionTrait,
    rows: Vec<goods_specification::Model>,
) -> Result<Vec<SpecRecord>, StoreError> {
    let spus = names::<goods::Entity, _>(
        conn,
        goods::Column::Id,
        goods::Column::Name,
        rows.iter().map(|r| r.goods_id),
    )
    .await?;
    let options = specification_option::Entity::find()
        .filter(specification_option::Column::SpecId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(specification_option::Column::Id)
        .all(conn)
        .await
        .map_err(store)?;
    let mut by_spec: BTreeMap<i64, Vec<OptionValue>> = BTreeMap::new();
    for option in options {
        by_spec
            .entry(option.spec_id)
            .or_default()
            .push(OptionValue { id: id_of(option.id)?, value: option.value });
    }
    rows.into_iter()
        .map(|row| {
            Ok(SpecRecord {
                id: id_of(row.id)?,
                spu: spus.get(&row.goods_id).cloned().unwrap_or_default(),
                spu_id: id_of(row.goods_id)?,
                options: by_spec.remove(&row.id).unwrap_or_default(),
                name: row.name,
            })
        })
        .collect()
}

async fn option_records(
    conn: &impl ConnectionTrait,
    rows: Vec<specification_option::Model>,
) -> Result<Vec<OptionRecord>, StoreError> {
    let specs = names::<goods_specification::Entity, _>(
        conn,
        goods_specification::Column::Id,
        goods_specification::Column::Name,
        rows.iter().map(|r| r.spec_id),
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(OptionRecord {
                id: id_of(row.id)?,
                spec: specs.get(&row.spec_id).cloned().unwrap_or_default(),
                spec_id: id_of(row.spec_id)?,
                value: row.value,
            })
        })
        .collect()
}

async fn channel_records(
    conn: &impl ConnectionTrait,
    rows: Vec<goods_channel::Model>,
) -> Result<Vec<ChannelRecord>, StoreError> {
    let groups = names::<goods_channel_group::Entity, _>(
        conn,
        goods_channel_group::Column::Id,
        goods_channel_group::Column::Name,
        rows.iter().map(|r| r.group_id),
    )
    .await?;
    let categories = names::<goods_category::Entity, _>(
        conn,
        goods_category::Column::Id,
        goods_category::Column::Name,
        rows.iter().map(|r| r.category_id),
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(ChannelRecord {
                id: id_of(row.id)?,
                group: groups.get(&row.group_id).cloned().unwrap_or_default(),
                group_id: id_of(row.group_id)?,
                category: categories.get(&row.category_id).cloned().unwrap_or_default(),
                category_id: id_of(row.category_id)?,
                url: row.url,
                sequence: u32::try_from(row.sequence).unwrap_or_default(),
            })
        })
        .collect()
}

fn brand_record(row: brand::Model) -> Result<BrandRecord, StoreError> {
    Ok(BrandRecord {
        id: id_of(row.id)?,
        name: row.name,
        logo: row.logo,
        first_letter: row.first_letter,
    })
}

fn image_record(row: sku_image::Model) -> Result<SkuImageRecord, StoreError> {
    Ok(SkuImageRecord { id: id_of(row.id)?, sku: id_of(row.sku_id)?, image: row.image })
}

async fn first<T>(
    records: impl Future<Output = Result<Vec<T>, StoreError>>,
) -> Result<Option<T>, StoreError> {
    Ok(records.await?.into_iter().next())
}

impl SqlCatalogEditor {
    pub(crate) fn new(db: Db) -> Self {
        SqlCatalogEditor { db }
    }

    async fn sku_in(conn: &impl ConnectionTrait, id: i64) -> Result<Option<SkuRecord>, StoreError> {
        let rows = sku::Entity::find_by_id(id).all(conn).await.map_err(store)?;
        first(sku_records(conn, rows)).await
    }

    async fn spu_in(conn: &impl ConnectionTrait, id: i64) -> Result<Option<SpuRecord>, StoreError> {
        let rows = goods::Entity::find_by_id(id).all(conn).await.map_err(store)?;
        first(spu_records(conn, rows)).await
    }

    async fn spec_in(
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<SpecRecord>, StoreError> {
        let rows = goods_specification::Entity::find_by_id(id).all(conn).await.map_err(store)?;
        first(spec_records(conn, rows)).await
    }

    async fn option_in(
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<OptionRecord>, StoreError> {
        let rows = specification_option::Entity::find_by_id(id).all(conn).await.map_err(store)?;
        first(option_records(conn, rows)).await
    }

    async fn channel_in(
        conn: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<ChannelRecord>, StoreError> {
        let rows = goods_channel::Entity::find_by_id(id).all(conn).await.map_err(store)?;
        first(channel_records(conn, rows)).await
    }

    /// Points the SKU's default picture at its first picture (or none) when it is not one of
    /// its pictures any more.
    async fn settle_default_image(
        conn: &impl ConnectionTrait,
        sku_id: i64,
    ) -> Result<(), StoreError> {
        let Some(row) = sku::Entity::find_by_id(sku_id).one(conn).await.map_err(store)? else {
            return Ok(());
        };
        let pictures: Vec<String> = sku_image::Entity::find()
            .select_only()
            .column(sku_image::Column::Image)
            .filter(sku_image::Column::SkuId.eq(sku_id))
            .order_by_asc(sku_image::Column::Id)
            .into_tuple()
            .all(conn)
            .await
            .map_err(store)?;
        let keeps = row.default_image_url.as_ref().is_some_and(|path| pictures.contains(path));
        if !keeps {
            sku::Entity::update_many()
                .col_expr(sku::Column::DefaultImageUrl, Expr::value(pictures.into_iter().next()))
                .col_expr(sku::Column::UpdateTime, Expr::value(now()))
                .filter(sku::Column::Id.eq(sku_id))
                .exec(conn)
                .await
                .map_err(store)?;
        }
        Ok(())
    }
}

#[async_trait]
impl CatalogEditor for SqlCatalogEditor {
    async fn skus<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SkuRecord>, StoreError> {
        let mut select = sku::Entity::find().order_by_asc(sku::Column::Id);
        if let Some(keyword) = keyword {
            select = select.filter(
                Expr::col(sku::Column::Name).like(LikeExpr::new(like_pattern(keyword)).escape('!')),
            );
        }
        let conn = &self.db.conn;
        page_of(conn, select, offset, limit, |rows| sku_records(conn, rows)).await
    }

    async fn sku(&self, id: u64) -> Result<Option<SkuRecord>, StoreError> {
        Self::sku_in(&self.db.conn, db_id(id)).await
    }

    async fn save_sku<'a>(
        &self,
        id: Option<u64>,
        form: &'a SkuForm,
    ) -> Result<Option<SkuRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<goods::Entity, _>(&txn, goods::Column::Id, db_id(form.spu_id)).await? {
            return Err(unknown("spu_id", "SPU", form.spu_id));
        }
        if !any_row::<goods_category::Entity, _>(
            &txn,
            goods_category::Column::Id,
            db_id(form.category_id),
        )
        .await?
        {
            return Err(unknown("category_id", "category", form.category_id));
        }
        for choice in &form.specs {
            let option = specification_option::Entity::find_by_id(db_id(choice.option_id))
                .one(&txn)
                .await
                .map_err(store)?;
            if option.is_none_or(|o| o.spec_id != db_id(choice.spec_id)) {
                return Err(unknown("specs", "option of that specification", choice.option_id));
            }
        }
        let backend = self.db.backend;
        let money = |amount| DbMoney::new(backend, amount);
        let at = now();
        let sku_id = match id {
            None => {
                sku::Entity::insert(sku::ActiveModel {
                    name: Set(form.name.clone()),
                    caption: Set(form.caption.clone()),
                    goods_id: Set(db_id(form.spu_id)),
                    category_id: Set(db_id(form.category_id)),
                    price: Set(money(form.price)),
                    cost_price: Set(money(form.cost_price)),
                    market_price: Set(money(form.market_price)),
                    stock: Set(i32::try_from(form.stock).unwrap_or(i32::MAX)),
                    sales: Set(0),
                    comments: Set(0),
                    is_launched: Set(form.is_launched),
                    default_image_url: Set(None),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let id = db_id(id);
                let Some(current) = sku::Entity::find_by_id(id).one(&txn).await.map_err(store)?
                else {
                    return Ok(None);
                };
                // The difference to the stock the form showed (or to the stock read now),
                // applied to whatever the stock is when the update runs: units sold in between
                // stay sold.
                let was = form.stock_was.map_or(i64::from(current.stock), i64::from);
                let delta = i64::from(form.stock) - was;
                let changed = sku::Entity::update_many()
                    .col_expr(sku::Column::Name, Expr::value(form.name.clone()))
                    .col_expr(sku::Column::Caption, Expr::value(form.caption.clone()))
                    .col_expr(sku::Column::GoodsId, Expr::value(db_id(form.spu_id)))
                    .col_expr(sku::Column::CategoryId, Expr::value(db_id(form.category_id)))
                    .col_expr(sku::Column::Price, Expr::value(money(form.price)))
                    .col_expr(sku::Column::CostPrice, Expr::value(money(form.cost_price)))
                    .col_expr(sku::Column::MarketPrice, Expr::value(money(form.market_price)))
                    .col_expr(sku::Column::Stock, Expr::col(sku::Column::Stock).add(delta))
                    .col_expr(sku::Column::IsLaunched, Expr::value(form.is_launched))
                    .col_expr(sku::Column::UpdateTime, Expr::value(at))
                    .filter(sku::Column::Id.eq(id))
                    .filter(Expr::col(sku::Column::Stock).add(delta).gte(0))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                if changed.rows_affected == 0 {
                    return Err(CatalogEditError::StockBelowZero);
                }
                sku_specification::Entity::delete_many()
                    .filter(sku_specification::Column::SkuId.eq(id))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                id
            }
        };
        for choice in &form.specs {
            sku_specification::Entity::insert(sku_specification::ActiveModel {
                sku_id: Set(sku_id),
                spec_id: Set(db_id(choice.spec_id)),
                option_id: Set(db_id(choice.option_id)),
                create_time: Set(at),
                update_time: Set(at),
                ..Default::default()
            })
            .exec(&txn)
            .await
            .map_err(store)?;
        }
        let saved = Self::sku_in(&txn, sku_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn remove_sku(
        &self,
        id: u64,
    ) -> Result<Option<(SkuRemoval, Vec<String>)>, CatalogEditError> {
        let id = db_id(id);
        let txn = self.db.begin().await?;
        if sku::Entity::find_by_id(id).one(&txn).await.map_err(store)?.is_none() {
            return Ok(None);
        }
        if any_row::<order_goods::Entity, _>(&txn, order_goods::Column::SkuId, id).await? {
            sku::Entity::update_many()
                .col_expr(sku::Column::IsLaunched, Expr::value(false))
                .col_expr(sku::Column::UpdateTime, Expr::value(now()))
                .filter(sku::Column::Id.eq(id))
                .exec(&txn)
                .await
                .map_err(store)?;
            txn.commit().await.map_err(store)?;
            return Ok(Some((SkuRemoval::Unlaunched, Vec::new())));
        }
        let pictures: Vec<String> = sku_image::Entity::find()
            .select_only()
            .column(sku_image::Column::Image)
            .filter(sku_image::Column::SkuId.eq(id))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(store)?;
        sku_specification::Entity::delete_many()
            .filter(sku_specification::Column::SkuId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        sku_image::Entity::delete_many()
            .filter(sku_image::Column::SkuId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        sku::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(Some((SkuRemoval::Deleted, pictures)))
    }

    async fn sku_names(&self) -> Result<Vec<NamedRef>, StoreError> {
        let rows = sku::Entity::find()
            .select_only()
            .column(sku::Column::Id)
            .column(sku::Column::Name)
            .order_by_asc(sku::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        named(rows)
    }

    async fn categories_under(&self, parent: Option<u64>) -> Result<Vec<NamedRef>, StoreError> {
        let filter = match parent {
            None => goods_category::Column::ParentId.is_null(),
            Some(parent) => goods_category::Column::ParentId.eq(db_id(parent)),
        };
        let rows = goods_category::Entity::find()
            .select_only()
            .column(goods_category::Column::Id)
            .column(goods_category::Column::Name)
            .filter(filter)
            .order_by_asc(goods_category::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        named(rows)
    }

    async fn third_level_categories(&self) -> Result<Vec<NamedRef>, StoreError> {
        let all: Vec<(i64, String, Option<i64>)> = goods_category::Entity::find()
            .select_only()
            .column(goods_category::Column::Id)
            .column(goods_category::Column::Name)
            .column(goods_category::Column::ParentId)
            .order_by_asc(goods_category::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        let parent: BTreeMap<i64, Option<i64>> = all.iter().map(|(id, _, p)| (*id, *p)).collect();
        let third = all
            .into_iter()
            .filter(|(_, _, p)| p.and_then(|p| parent.get(&p).copied().flatten()).is_some())
            .map(|(id, name, _)| (id, name))
            .collect();
        named(third)
    }

    async fn spus<'a>(
        &self,
        keyword: Option<&'a str>,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SpuRecord>, StoreError> {
        let mut select = goods::Entity::find().order_by_asc(goods::Column::Id);
        if let Some(keyword) = keyword {
            select = select.filter(
                Expr::col(goods::Column::Name)
                    .like(LikeExpr::new(like_pattern(keyword)).escape('!')),
            );
        }
        let conn = &self.db.conn;
        page_of(conn, select, offset, limit, |rows| spu_records(conn, rows)).await
    }

    async fn spu(&self, id: u64) -> Result<Option<SpuRecord>, StoreError> {
        Self::spu_in(&self.db.conn, db_id(id)).await
    }

    async fn save_spu<'a>(
        &self,
        id: Option<u64>,
        form: &'a SpuForm,
    ) -> Result<Option<SpuRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<brand::Entity, _>(&txn, brand::Column::Id, db_id(form.brand_id)).await? {
            return Err(unknown("brand_id", "brand", form.brand_id));
        }
        let fields = ["category1_id", "category2_id", "category3_id"];
        for (field, category) in fields.into_iter().zip(form.category_ids) {
            if !any_row::<goods_category::Entity, _>(
                &txn,
                goods_category::Column::Id,
                db_id(category),
            )
            .await?
            {
                return Err(unknown(field, "category", category));
            }
        }
        let [c1, c2, c3] = form.category_ids.map(db_id);
        let at = now();
        let spu_id = match id {
            None => {
                goods::Entity::insert(goods::ActiveModel {
                    name: Set(form.name.clone()),
                    brand_id: Set(db_id(form.brand_id)),
                    category1_id: Set(c1),
                    category2_id: Set(c2),
                    category3_id: Set(c3),
                    sales: Set(0),
                    comments: Set(0),
                    desc_detail: Set(form.desc_detail.clone()),
                    desc_pack: Set(form.desc_pack.clone()),
                    desc_service: Set(form.desc_service.clone()),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let changed = goods::Entity::update_many()
                    .col_expr(goods::Column::Name, Expr::value(form.name.clone()))
                    .col_expr(goods::Column::BrandId, Expr::value(db_id(form.brand_id)))
                    .col_expr(goods::Column::Category1Id, Expr::value(c1))
                    .col_expr(goods::Column::Category2Id, Expr::value(c2))
                    .col_expr(goods::Column::Category3Id, Expr::value(c3))
                    .col_expr(goods::Column::DescDetail, Expr::value(form.desc_detail.clone()))
                    .col_expr(goods::Column::DescPack, Expr::value(form.desc_pack.clone()))
                    .col_expr(goods::Column::DescService, Expr::value(form.desc_service.clone()))
                    .col_expr(goods::Column::UpdateTime, Expr::value(at))
                    .filter(goods::Column::Id.eq(db_id(id)))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                if changed.rows_affected == 0 {
                    return Ok(None);
                }
                // Its SKUs stay in its third-level category.
                sku::Entity::update_many()
                    .col_expr(sku::Column::CategoryId, Expr::value(c3))
                    .filter(sku::Column::GoodsId.eq(db_id(id)))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                db_id(id)
            }
        };
        let saved = Self::spu_in(&txn, spu_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn delete_spu(&self, id: u64) -> Result<bool, CatalogEditError> {
        let id = db_id(id);
        let txn = self.db.begin().await?;
        if any_row::<sku::Entity, _>(&txn, sku::Column::GoodsId, id).await? {
            return Err(CatalogEditError::InUse("SKUs"));
        }
        if any_row::<goods_specification::Entity, _>(&txn, goods_specification::Column::GoodsId, id)
            .await?
        {
            return Err(CatalogEditError::InUse("specifications"));
        }
        let deleted = goods::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn spu_names(&self) -> Result<Vec<NamedRef>, StoreError> {
        let rows = goods::Entity::find()
            .select_only()
            .column(goods::Column::Id)
            .column(goods::Column::Name)
            .order_by_asc(goods::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        named(rows)
    }

    async fn spu_specs(&self, spu: u64) -> Result<Vec<SpecRecord>, StoreError> {
        let rows = goods_specification::Entity::find()
            .filter(goods_specification::Column::GoodsId.eq(db_id(spu)))
            .order_by_asc(goods_specification::Column::Id)
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        spec_records(&self.db.conn, rows).await
    }

    async fn brands(&self, offset: u64, limit: u64) -> Result<Page<BrandRecord>, StoreError> {
        let select = brand::Entity::find().order_by_asc(brand::Column::Id);
        page_of(&self.db.conn, select, offset, limit, |rows| async move {
            rows.into_iter().map(brand_record).collect()
        })
        .await
    }

    async fn brand(&self, id: u64) -> Result<Option<BrandRecord>, StoreError> {
        let row = brand::Entity::find_by_id(db_id(id)).one(&self.db.conn).await.map_err(store)?;
        row.map(brand_record).transpose()
    }

    async fn save_brand<'a>(
        &self,
        id: Option<u64>,
        brand: &'a BrandRecord,
    ) -> Result<Option<BrandRecord>, CatalogEditError> {
        let at = now();
        let conn = &self.db.conn;
        let id = match id {
            None => {
                brand::Entity::insert(brand::ActiveModel {
                    name: Set(brand.name.clone()),
                    logo: Set(brand.logo.clone()),
                    first_letter: Set(brand.first_letter.clone()),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(conn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let changed = brand::Entity::update_many()
                    .col_expr(brand::Column::Name, Expr::value(brand.name.clone()))
                    .col_expr(brand::Column::Logo, Expr::value(brand.logo.clone()))
                    .col_expr(brand::Column::FirstLetter, Expr::value(brand.first_letter.clone()))
                    .col_expr(brand::Column::UpdateTime, Expr::value(at))
                    .filter(brand::Column::Id.eq(db_id(id)))
                    .exec(conn)
                    .await
                    .map_err(store)?;
                if changed.rows_affected == 0 {
                    return Ok(None);
                }
                db_id(id)
            }
        };
        let row = brand::Entity::find_by_id(id).one(conn).await.map_err(store)?;
        Ok(row.map(brand_record).transpose()?)
    }

    async fn delete_brand(&self, id: u64) -> Result<bool, CatalogEditError> {
        let id = db_id(id);
        let txn = self.db.begin().await?;
        if any_row::<goods::Entity, _>(&txn, goods::Column::BrandId, id).await? {
            return Err(CatalogEditError::InUse("SPUs"));
        }
        let deleted = brand::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn specs(&self, offset: u64, limit: u64) -> Result<Page<SpecRecord>, StoreError> {
        let select =
            goods_specification::Entity::find().order_by_asc(goods_specification::Column::Id);
        let conn = &self.db.conn;
        page_of(conn, select, offset, limit, |rows| spec_records(conn, rows)).await
    }

    async fn spec(&self, id: u64) -> Result<Option<SpecRecord>, StoreError> {
        Self::spec_in(&self.db.conn, db_id(id)).await
    }

    async fn save_spec<'a>(
        &self,
        id: Option<u64>,
        name: &'a str,
        spu: u64,
    ) -> Result<Option<SpecRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<goods::Entity, _>(&txn, goods::Column::Id, db_id(spu)).await? {
            return Err(unknown("spu_id", "SPU", spu));
        }
        let at = now();
        let spec_id = match id {
            None => {
                goods_specification::Entity::insert(goods_specification::ActiveModel {
                    goods_id: Set(db_id(spu)),
                    name: Set(name.to_owned()),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let id = db_id(id);
                let Some(current) =
                    goods_specification::Entity::find_by_id(id).one(&txn).await.map_err(store)?
                else {
                    return Ok(None);
                };
                if current.goods_id != db_id(spu)
                    && any_row::<sku_specification::Entity, _>(
                        &txn,
                        sku_specification::Column::SpecId,
                        id,
                    )
                    .await?
                {
                    return Err(CatalogEditError::InUse("SKUs of its SPU"));
                }
                goods_specification::Entity::update_many()
                    .col_expr(goods_specification::Column::Name, Expr::value(name))
                    .col_expr(goods_specification::Column::GoodsId, Expr::value(db_id(spu)))
                    .col_expr(goods_specification::Column::UpdateTime, Expr::value(at))
                    .filter(goods_specification::Column::Id.eq(id))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                id
            }
        };
        let saved = Self::spec_in(&txn, spec_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn delete_spec(&self, id: u64) -> Result<bool, CatalogEditError> {
        let id = db_id(id);
        let txn = self.db.begin().await?;
        if any_row::<sku_specification::Entity, _>(&txn, sku_specification::Column::SpecId, id)
            .await?
        {
            return Err(CatalogEditError::InUse("SKUs"));
        }
        specification_option::Entity::delete_many()
            .filter(specification_option::Column::SpecId.eq(id))
            .exec(&txn)
            .await
            .map_err(store)?;
        let deleted =
            goods_specification::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn options(&self, offset: u64, limit: u64) -> Result<Page<OptionRecord>, StoreError> {
        let select =
            specification_option::Entity::find().order_by_asc(specification_option::Column::Id);
        let conn = &self.db.conn;
        page_of(conn, select, offset, limit, |rows| option_records(conn, rows)).await
    }

    async fn option(&self, id: u64) -> Result<Option<OptionRecord>, StoreError> {
        Self::option_in(&self.db.conn, db_id(id)).await
    }

    async fn save_option<'a>(
        &self,
        id: Option<u64>,
        value: &'a str,
        spec: u64,
    ) -> Result<Option<OptionRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<goods_specification::Entity, _>(
            &txn,
            goods_specification::Column::Id,
            db_id(spec),
        )
        .await?
        {
            return Err(unknown("spec_id", "specification", spec));
        }
        let at = now();
        let option_id = match id {
            None => {
                specification_option::Entity::insert(specification_option::ActiveModel {
                    spec_id: Set(db_id(spec)),
                    value: Set(value.to_owned()),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let id = db_id(id);
                let Some(current) =
                    specification_option::Entity::find_by_id(id).one(&txn).await.map_err(store)?
                else {
                    return Ok(None);
                };
                if current.spec_id != db_id(spec)
                    && any_row::<sku_specification::Entity, _>(
                        &txn,
                        sku_specification::Column::OptionId,
                        id,
                    )
                    .await?
                {
                    return Err(CatalogEditError::InUse("SKUs"));
                }
                specification_option::Entity::update_many()
                    .col_expr(specification_option::Column::Value, Expr::value(value))
                    .col_expr(specification_option::Column::SpecId, Expr::value(db_id(spec)))
                    .col_expr(specification_option::Column::UpdateTime, Expr::value(at))
                    .filter(specification_option::Column::Id.eq(id))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                id
            }
        };
        let saved = Self::option_in(&txn, option_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn delete_option(&self, id: u64) -> Result<bool, CatalogEditError> {
        let id = db_id(id);
        let txn = self.db.begin().await?;
        if any_row::<sku_specification::Entity, _>(&txn, sku_specification::Column::OptionId, id)
            .await?
        {
            return Err(CatalogEditError::InUse("SKUs"));
        }
        let deleted =
            specification_option::Entity::delete_by_id(id).exec(&txn).await.map_err(store)?;
        txn.commit().await.map_err(store)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn channels(&self, offset: u64, limit: u64) -> Result<Page<ChannelRecord>, StoreError> {
        let select = goods_channel::Entity::find()
            .order_by_asc(goods_channel::Column::GroupId)
            .order_by_asc(goods_channel::Column::Sequence)
            .order_by_asc(goods_channel::Column::Id);
        let conn = &self.db.conn;
        page_of(conn, select, offset, limit, |rows| channel_records(conn, rows)).await
    }

    async fn channel(&self, id: u64) -> Result<Option<ChannelRecord>, StoreError> {
        Self::channel_in(&self.db.conn, db_id(id)).await
    }

    async fn save_channel<'a>(
        &self,
        id: Option<u64>,
        form: &'a ChannelForm,
    ) -> Result<Option<ChannelRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<goods_channel_group::Entity, _>(
            &txn,
            goods_channel_group::Column::Id,
            db_id(form.group_id),
        )
        .await?
        {
            return Err(unknown("group_id", "channel group", form.group_id));
        }
        if !any_row::<goods_category::Entity, _>(
            &txn,
            goods_category::Column::Id,
            db_id(form.category_id),
        )
        .await?
        {
            return Err(unknown("category_id", "category", form.category_id));
        }
        let mut others = goods_channel::Entity::find()
            .filter(goods_channel::Column::CategoryId.eq(db_id(form.category_id)));
        if let Some(id) = id {
            others = others.filter(goods_channel::Column::Id.ne(db_id(id)));
        }
        if others.count(&txn).await.map_err(store)? > 0 {
            return Err(CatalogEditError::Taken("category_id"));
        }
        let at = now();
        let sequence = i32::try_from(form.sequence).unwrap_or(i32::MAX);
        let channel_id = match id {
            None => {
                goods_channel::Entity::insert(goods_channel::ActiveModel {
                    group_id: Set(db_id(form.group_id)),
                    category_id: Set(db_id(form.category_id)),
                    url: Set(form.url.clone()),
                    sequence: Set(sequence),
                    create_time: Set(at),
                    update_time: Set(at),
                    ..Default::default()
                })
                .exec(&txn)
                .await
                .map_err(store)?
                .last_insert_id
            }
            Some(id) => {
                let changed = goods_channel::Entity::update_many()
                    .col_expr(goods_channel::Column::GroupId, Expr::value(db_id(form.group_id)))
                    .col_expr(
                        goods_channel::Column::CategoryId,
                        Expr::value(db_id(form.category_id)),
                    )
                    .col_expr(goods_channel::Column::Url, Expr::value(form.url.clone()))
                    .col_expr(goods_channel::Column::Sequence, Expr::value(sequence))
                    .col_expr(goods_channel::Column::UpdateTime, Expr::value(at))
                    .filter(goods_channel::Column::Id.eq(db_id(id)))
                    .exec(&txn)
                    .await
                    .map_err(store)?;
                if changed.rows_affected == 0 {
                    return Ok(None);
                }
                db_id(id)
            }
        };
        let saved = Self::channel_in(&txn, channel_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(saved)
    }

    async fn delete_channel(&self, id: u64) -> Result<bool, CatalogEditError> {
        let deleted = goods_channel::Entity::delete_by_id(db_id(id))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(deleted.rows_affected > 0)
    }

    async fn channel_groups(&self) -> Result<Vec<NamedRef>, StoreError> {
        let rows = goods_channel_group::Entity::find()
            .select_only()
            .column(goods_channel_group::Column::Id)
            .column(goods_channel_group::Column::Name)
            .order_by_asc(goods_channel_group::Column::Id)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        named(rows)
    }

    async fn images(&self, offset: u64, limit: u64) -> Result<Page<SkuImageRecord>, StoreError> {
        let select = sku_image::Entity::find().order_by_asc(sku_image::Column::Id);
        page_of(&self.db.conn, select, offset, limit, |rows| async move {
            rows.into_iter().map(image_record).collect()
        })
        .await
    }

    async fn image(&self, id: u64) -> Result<Option<SkuImageRecord>, StoreError> {
        let row =
            sku_image::Entity::find_by_id(db_id(id)).one(&self.db.conn).await.map_err(store)?;
        row.map(image_record).transpose()
    }

    async fn add_image<'a>(
        &self,
        sku: u64,
        path: &'a str,
    ) -> Result<SkuImageRecord, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<sku::Entity, _>(&txn, sku::Column::Id, db_id(sku)).await? {
            return Err(unknown("sku", "SKU", sku));
        }
        let at = now();
        let id = sku_image::Entity::insert(sku_image::ActiveModel {
            sku_id: Set(db_id(sku)),
            image: Set(path.to_owned()),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        })
        .exec(&txn)
        .await
        .map_err(store)?
        .last_insert_id;
        Self::settle_default_image(&txn, db_id(sku)).await?;
        txn.commit().await.map_err(store)?;
        Ok(SkuImageRecord { id: id_of(id)?, sku, image: path.to_owned() })
    }

    async fn replace_image<'a>(
        &self,
        id: u64,
        sku: u64,
        path: &'a str,
    ) -> Result<Option<SkuImageRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        if !any_row::<sku::Entity, _>(&txn, sku::Column::Id, db_id(sku)).await? {
            return Err(unknown("sku", "SKU", sku));
        }
        let Some(before) =
            sku_image::Entity::find_by_id(db_id(id)).one(&txn).await.map_err(store)?
        else {
            return Ok(None);
        };
        if before.sku_id == db_id(sku) {
            // A SKU whose default was the old file shows the new one.
            sku::Entity::update_many()
                .col_expr(sku::Column::DefaultImageUrl, Expr::value(path))
                .filter(sku::Column::Id.eq(db_id(sku)))
                .filter(sku::Column::DefaultImageUrl.eq(before.image.clone()))
                .exec(&txn)
                .await
                .map_err(store)?;
        }
        sku_image::Entity::update_many()
            .col_expr(sku_image::Column::SkuId, Expr::value(db_id(sku)))
            .col_expr(sku_image::Column::Image, Expr::value(path))
            .col_expr(sku_image::Column::UpdateTime, Expr::value(now()))
            .filter(sku_image::Column::Id.eq(db_id(id)))
            .exec(&txn)
            .await
            .map_err(store)?;
        Self::settle_default_image(&txn, before.sku_id).await?;
        Self::settle_default_image(&txn, db_id(sku)).await?;
        txn.commit().await.map_err(store)?;
        Ok(Some(image_record(before)?))
    }

    async fn delete_image(&self, id: u64) -> Result<Option<SkuImageRecord>, CatalogEditError> {
        let txn = self.db.begin().await?;
        let Some(row) = sku_image::Entity::find_by_id(db_id(id)).one(&txn).await.map_err(store)?
        else {
            return Ok(None);
        };
        sku_image::Entity::delete_by_id(row.id).exec(&txn).await.map_err(store)?;
        Self::settle_default_image(&txn, row.sku_id).await?;
        txn.commit().await.map_err(store)?;
        Ok(Some(image_record(row)?))
    }
}
