//! Catalog reads for browsing, and browse history.

use std::collections::BTreeMap;

use async_trait::async_trait;
use meiduo_domain::ports::{BrowseHistory, CatalogQueries, StoreError};
use meiduo_domain::{
    Breadcrumb, Category, CategoryId, CategoryNode, ChannelEntry, ChannelGroupMenu, ChannelLink,
    Page, SkuComment, SkuDetailData, SkuId, SkuOrdering, SkuSummary, Specification, SpuDetail,
    SpuId, UserId,
};
use sea_orm::{QueryResult, Value};

use crate::codec::{
    self, SKU_COLUMNS, get, get_money, get_u32, get_u64, id, like_pattern, now, placeholders,
};
use crate::store::SqlStore;

const SUMMARY_COLUMNS: &str = "id, name, price, default_image_url, comments";

impl SqlStore {
    fn summary(&self, row: &QueryResult) -> Result<SkuSummary, StoreError> {
        Ok(SkuSummary {
            id: SkuId(get_u64(row, "id")?),
            name: get(row, "name")?,
            price: get_money(self.backend, row, "price")?,
            default_image: get(row, "default_image_url")?,
            comments: get_u32(row, "comments")?,
        })
    }

    async fn summaries(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        self.rows(&self.db, sql, values).await?.iter().map(|row| self.summary(row)).collect()
    }

    async fn count(&self, sql: &str, values: Vec<Value>) -> Result<u64, StoreError> {
        self.row(&self.db, sql, values).await?.map_or(Ok(0), |row| get_u64(&row, "n"))
    }

    async fn category(&self, category: u64) -> Result<Option<(Category, Option<u64>)>, StoreError> {
        let row = self
            .row(
                &self.db,
                "SELECT id, name, parent_id FROM tb_goods_category WHERE id = ?",
                vec![id(category)],
            )
            .await?;
        row.map(|row| {
            let parent: Option<i64> = get(&row, "parent_id")?;
            Ok((
                Category { id: CategoryId(get_u64(&row, "id")?), name: get(&row, "name")? },
                parent.map(|p| p as u64),
            ))
        })
        .transpose()
    }

    async fn channel_link(&self, category: Category) -> Result<Option<ChannelLink>, StoreError> {
        let row = self
            .row(
                &self.db,
                "SELECT url FROM tb_goods_channel WHERE category_id = ? ORDER BY id LIMIT 1",
                vec![id(category.id.0)],
            )
            .await?;
        row.map(|row| Ok(ChannelLink { url: get(&row, "url")?, category })).transpose()
    }
}

#[async_trait]
impl CatalogQueries for SqlStore {
    async fn category_menu(&self) -> Result<Vec<ChannelGroupMenu>, StoreError> {
        let categories = self
            .rows(&self.db, "SELECT id, name, parent_id FROM tb_goods_category ORDER BY id", vec![])
            .await?;
        let mut names = BTreeMap::new();
        let mut children: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for row in &categories {
            let cat = get_u64(row, "id")?;
            names.insert(cat, get::<String>(row, "name")?);
            if let Some(parent) = get::<Option<i64>>(row, "parent_id")? {
                children.entry(parent as u64).or_default().push(cat);
            }
        }
        let category = |cat: u64| Category {
            id: CategoryId(cat),
            name: names.get(&cat).cloned().unwrap_or_default(),
        };
        let channels = self
            .rows(&self.db, "SELECT group_id, category_id, url FROM tb_goods_channel ORDER BY group_id, sequence, id", vec![])
            .await?;
        let mut groups: Vec<ChannelGroupMenu> = Vec::new();
        for row in &channels {
            let group_id = get_u64(row, "group_id")?;
            let cat1 = get_u64(row, "category_id")?;
            if groups.last().map(|g| g.group_id) != Some(group_id) {
                groups.push(ChannelGroupMenu {
                    group_id,
                    channels: Vec::new(),
                    sub_cats: Vec::new(),
                });
            }
            let Some(group) = groups.last_mut() else { continue };
            let first = category(cat1);
            group.channels.push(ChannelEntry {
                id: first.id,
                name: first.name,
                url: get(row, "url")?,
            });
            for cat2 in children.get(&cat1).into_iter().flatten() {
                let second = category(*cat2);
                group.sub_cats.push(CategoryNode {
                    id: second.id,
                    name: second.name,
                    sub_cats: children
                        .get(cat2)
                        .into_iter()
                        .flatten()
                        .map(|c| category(*c))
                        .collect(),
                });
            }
        }
        Ok(groups)
    }

    async fn breadcrumb(&self, category: CategoryId) -> Result<Option<Breadcrumb>, StoreError> {
        let Some((this, parent)) = self.category(category.0).await? else {
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
        let order = match ordering {
            SkuOrdering::Newest => "create_time DESC, id DESC",
            SkuOrdering::PriceAscending => "price ASC, id ASC",
            SkuOrdering::PriceDescending => "price DESC, id ASC",
            SkuOrdering::BestSelling => "sales DESC, id ASC",
        };
        let count = self
            .count(
                "SELECT COUNT(*) AS n FROM tb_sku WHERE category_id = ? AND is_launched = 1",
                vec![id(category.0)],
            )
            .await?;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tb_sku WHERE category_id = ? AND is_launched = 1 \
             ORDER BY {order} LIMIT ? OFFSET ?"
        );
        let items = self.summaries(&sql, vec![id(category.0), id(limit), id(offset)]).await?;
        Ok(Page { count, items })
    }

    async fn hot_skus(
        &self,
        category: CategoryId,
        limit: u64,
    ) -> Result<Vec<SkuSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tb_sku WHERE category_id = ? AND is_launched = 1 \
             ORDER BY sales DESC, id ASC LIMIT ?"
        );
        self.summaries(&sql, vec![id(category.0), id(limit)]).await
    }

    async fn sku_detail(&self, sku_id: SkuId) -> Result<Option<SkuDetailData>, StoreError> {
        let sql = format!(
            "SELECT {SKU_COLUMNS}, market_price, comments FROM tb_sku WHERE id = ? AND is_launched = 1"
        );
        let Some(row) = self.row(&self.db, &sql, vec![id(sku_id.0)]).await? else {
            return Ok(None);
        };
        let sku = codec::sku(self.backend, &row)?;
        let market_price = get_money(self.backend, &row, "market_price")?;
        let comments = get_u32(&row, "comments")?;
        let spu_row = self
            .row(
                &self.db,
                "SELECT id, name, desc_detail, desc_pack, desc_service FROM tb_goods WHERE id = ?",
                vec![id(sku.spu_id.0)],
            )
            .await?
            .ok_or_else(|| StoreError::Internal(format!("SKU {sku_id} has no SPU")))?;
        let spu = SpuDetail {
            id: SpuId(get_u64(&spu_row, "id")?),
            name: get(&spu_row, "name")?,
            desc_detail: get(&spu_row, "desc_detail")?,
            desc_pack: get(&spu_row, "desc_pack")?,
            desc_service: get(&spu_row, "desc_service")?,
        };
        let images = self
            .rows(
                &self.db,
                "SELECT image FROM tb_sku_image WHERE sku_id = ? ORDER BY id",
                vec![id(sku_id.0)],
            )
            .await?
            .iter()
            .map(|row| get::<String>(row, "image"))
            .collect::<Result<_, _>>()?;
        let option_rows = self
            .rows(
                &self.db,
                "SELECT s.id AS spec_id, s.name AS spec_name, o.id AS option_id, o.value \
                 FROM tb_goods_specification s JOIN tb_specification_option o ON o.spec_id = s.id \
                 WHERE s.goods_id = ? ORDER BY s.id, o.id",
                vec![id(spu.id.0)],
            )
            .await?;
        let mut specs: Vec<Specification> = Vec::new();
        for row in &option_rows {
            let spec = get_u64(row, "spec_id")?;
            if specs.last().map(|s| s.id) != Some(spec) {
                specs.push(Specification {
                    id: spec,
                    name: get(row, "spec_name")?,
                    options: Vec::new(),
                });
            }
            if let Some(last) = specs.last_mut() {
                last.options.push((get_u64(row, "option_id")?, get(row, "value")?));
            }
        }
        let variant_rows = self
            .rows(
                &self.db,
                "SELECT ss.sku_id, ss.spec_id, ss.option_id FROM tb_sku_specification ss \
                 JOIN tb_sku k ON k.id = ss.sku_id WHERE k.goods_id = ? AND k.is_launched = 1 \
                 ORDER BY ss.sku_id, ss.spec_id",
                vec![id(spu.id.0)],
            )
            .await?;
        let mut variants: Vec<(SkuId, Vec<(u64, u64)>)> = Vec::new();
        for row in &variant_rows {
            let sku = SkuId(get_u64(row, "sku_id")?);
            if variants.last().map(|(s, _)| *s) != Some(sku) {
                variants.push((sku, Vec::new()));
            }
            if let Some((_, options)) = variants.last_mut() {
                options.push((get_u64(row, "spec_id")?, get_u64(row, "option_id")?));
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
        let pattern: Value = like_pattern(text).into();
        let filter = "is_launched = 1 AND (name LIKE ? ESCAPE '!' OR caption LIKE ? ESCAPE '!')";
        let count = self
            .count(
                &format!("SELECT COUNT(*) AS n FROM tb_sku WHERE {filter}"),
                vec![pattern.clone(), pattern.clone()],
            )
            .await?;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tb_sku WHERE {filter} ORDER BY sales DESC, id ASC LIMIT ? OFFSET ?"
        );
        let items =
            self.summaries(&sql, vec![pattern.clone(), pattern, id(limit), id(offset)]).await?;
        Ok(Page { count, items })
    }

    async fn sku_summaries(&self, ids: &[SkuId]) -> Result<Vec<SkuSummary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM tb_sku WHERE id IN ({})",
            placeholders(ids.len())
        );
        let found = self.summaries(&sql, ids.iter().map(|s| id(s.0)).collect()).await?;
        Ok(ids.iter().filter_map(|want| found.iter().find(|s| s.id == *want).cloned()).collect())
    }

    async fn sku_comments(&self, sku: SkuId, limit: u64) -> Result<Vec<SkuComment>, StoreError> {
        let rows = self
            .rows(
                &self.db,
                "SELECT u.username, g.comment, g.score, g.is_anonymous FROM tb_order_goods g \
                 JOIN tb_order_info o ON o.order_id = g.order_id JOIN tb_users u ON u.id = o.user_id \
                 WHERE g.sku_id = ? AND g.is_commented = 1 ORDER BY g.update_time DESC, g.id DESC LIMIT ?",
                vec![id(sku.0), id(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(SkuComment {
                    username: get(row, "username")?,
                    comment: get(row, "comment")?,
                    score: u8::try_from(get::<i64>(row, "score")?).unwrap_or(0),
                    is_anonymous: get(row, "is_anonymous")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl BrowseHistory for SqlStore {
    async fn record(&self, user: UserId, sku: SkuId, keep: u32) -> Result<(), StoreError> {
        let tx = self.begin_tx().await?;
        self.exec(
            tx.conn(),
            "DELETE FROM tb_browse_history WHERE user_id = ? AND sku_id = ?",
            vec![id(user.0), id(sku.0)],
        )
        .await?;
        self.exec(
            tx.conn(),
            "INSERT INTO tb_browse_history (user_id, sku_id, create_time, update_time) VALUES (?, ?, ?, ?)",
            vec![id(user.0), id(sku.0), now(), now()],
        )
        .await?;
        let stale = self
            .rows(
                tx.conn(),
                "SELECT id FROM tb_browse_history WHERE user_id = ? ORDER BY id DESC LIMIT 100 OFFSET ?",
                vec![id(user.0), id(u64::from(keep))],
            )
            .await?;
        if !stale.is_empty() {
            let ids: Vec<Value> =
                stale.iter().map(|row| get_u64(row, "id").map(id)).collect::<Result<_, _>>()?;
            let sql =
                format!("DELETE FROM tb_browse_history WHERE id IN ({})", placeholders(ids.len()));
            self.exec(tx.conn(), &sql, ids).await?;
        }
        tx.finish().await
    }

    async fn recent(&self, user: UserId, limit: u32) -> Result<Vec<SkuId>, StoreError> {
        let rows = self
            .rows(
                &self.db,
                "SELECT sku_id FROM tb_browse_history WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                vec![id(user.0), id(u64::from(limit))],
            )
            .await?;
        rows.iter().map(|row| get_u64(row, "sku_id").map(SkuId)).collect()
    }
}
