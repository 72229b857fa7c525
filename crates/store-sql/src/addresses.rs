//! [`AddressRepository`]: the address book.

use async_trait::async_trait;
use meiduo_domain::ports::{AddressRepository, StoreError};
use meiduo_domain::{AddressId, AddressInput, AddressView, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, PaginatorTrait,
    QueryFilter, QuerySelect,
};

use crate::codec::{db_id, id_of, now};
use crate::entity::{address, area, user};
use crate::error::store;
use crate::store::Db;

/// The address book, on the pool.
#[derive(Debug, Clone)]
pub struct SqlAddresses {
    db: Db,
}

/// An address row with the names of its three areas.
#[derive(Debug, FromQueryResult)]
struct ViewRow {
    #[sea_orm(nested)]
    address: address::Model,
    province: String,
    city: String,
    district: String,
}

impl ViewRow {
    fn into_view(self) -> Result<AddressView, StoreError> {
        Ok(AddressView {
            address: self.address.into_address()?,
            province: self.province,
            city: self.city,
            district: self.district,
        })
    }
}

/// `SELECT address.*, p.name AS province, c.name AS city, d.name AS district FROM tb_address
/// JOIN tb_areas p ... JOIN tb_areas c ... JOIN tb_areas d ...` of the user's live addresses.
fn views_of(user: UserId) -> SelectStatement {
    let mut query = Query::select();
    query.columns(address::Column::iter().map(|c| (address::Entity, c))).from(address::Entity);
    for (alias, column, name) in [
        ("p", address::Column::ProvinceId, "province"),
        ("c", address::Column::CityId, "city"),
        ("d", address::Column::DistrictId, "district"),
    ] {
        query
            .join_as(
                JoinType::InnerJoin,
                area::Entity,
                Alias::new(alias),
                Expr::col((Alias::new(alias), area::Column::Id)).equals((address::Entity, column)),
            )
            .expr_as(Expr::col((Alias::new(alias), area::Column::Name)), Alias::new(name));
    }
    query
        .and_where(Expr::col((address::Entity, address::Column::UserId)).eq(db_id(user.0)))
        .and_where(Expr::col((address::Entity, address::Column::IsDeleted)).eq(false))
        .to_owned()
}

fn live(user: UserId, id: AddressId) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(address::Column::Id.eq(db_id(id.0)))
        .add(address::Column::UserId.eq(db_id(user.0)))
        .add(address::Column::IsDeleted.eq(false))
}

impl SqlAddresses {
    pub(crate) fn new(db: Db) -> Self {
        SqlAddresses { db }
    }

    async fn view(
        &self,
        conn: &impl ConnectionTrait,
        user: UserId,
        id: AddressId,
    ) -> Result<Option<AddressView>, StoreError> {
        let query = views_of(user)
            .and_where(Expr::col((address::Entity, address::Column::Id)).eq(db_id(id.0)))
            .to_owned();
        ViewRow::find_by_statement(self.db.backend.build(&query))
            .one(conn)
            .await
            .map_err(store)?
            .map(ViewRow::into_view)
            .transpose()
    }

    /// The fields an input sets, on a row to insert or update.
    fn apply(row: &mut address::ActiveModel, input: &AddressInput) {
        row.title = Set(input.title.clone());
        row.receiver = Set(input.receiver.clone());
        row.province_id = Set(db_id(input.province_id));
        row.city_id = Set(db_id(input.city_id));
        row.district_id = Set(db_id(input.district_id));
        row.place = Set(input.place.clone());
        row.mobile = Set(input.mobile.as_str().to_owned());
        row.tel = Set(input.tel.clone());
        row.email = Set(input.email.clone());
        row.update_time = Set(now());
    }
}

#[async_trait]
impl AddressRepository for SqlAddresses {
    async fn is_usable(&self, user: UserId, address_id: AddressId) -> Result<bool, StoreError> {
        let found = address::Entity::find()
            .select_only()
            .column(address::Column::Id)
            .filter(live(user, address_id))
            .into_tuple::<i64>()
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(found.is_some())
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<AddressView>, StoreError> {
        let query = views_of(user)
            .order_by((address::Entity, address::Column::Id), sea_orm::Order::Asc)
            .to_owned();
        ViewRow::find_by_statement(self.db.backend.build(&query))
            .all(&self.db.conn)
            .await
            .map_err(store)?
            .into_iter()
            .map(ViewRow::into_view)
            .collect()
    }

    async fn create(
        &self,
        user: UserId,
        input: &AddressInput,
        limit: u32,
    ) -> Result<Option<AddressView>, StoreError> {
        let tx = self.db.begin().await?;
        // Lock the user's row: concurrent creations for one user queue here.
        let Some(owner) = user::Entity::find_by_id(db_id(user.0))
            .lock_exclusive()
            .one(&tx)
            .await
            .map_err(store)?
        else {
            return Ok(None);
        };
        let count = address::Entity::find()
            .filter(address::Column::UserId.eq(db_id(user.0)))
            .filter(address::Column::IsDeleted.eq(false))
            .count(&tx)
            .await
            .map_err(store)?;
        if count >= u64::from(limit) {
            return Ok(None);
        }
        let mut row = address::ActiveModel {
            user_id: Set(db_id(user.0)),
            is_deleted: Set(false),
            create_time: Set(now()),
            ..Default::default()
        };
        Self::apply(&mut row, input);
        let inserted = address::Entity::insert(row).exec(&tx).await.map_err(store)?;
        let new_id = AddressId(id_of(inserted.last_insert_id)?);
        if owner.default_address_id.is_none() {
            user::Entity::update_many()
                .col_expr(user::Column::DefaultAddressId, Expr::value(db_id(new_id.0)))
                .filter(user::Column::Id.eq(db_id(user.0)))
                .exec(&tx)
                .await
                .map_err(store)?;
        }
        let created = self.view(&tx, user, new_id).await?;
        tx.commit().await.map_err(store)?;
        Ok(created)
    }

    async fn update(
        &self,
        user: UserId,
        address_id: AddressId,
        input: &AddressInput,
    ) -> Result<Option<AddressView>, StoreError> {
        let mut row = address::ActiveModel::default();
        Self::apply(&mut row, input);
        let changed = address::Entity::update_many()
            .set(row)
            .filter(live(user, address_id))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        self.view(&self.db.conn, user, address_id).await
    }

    async fn delete(&self, user: UserId, address_id: AddressId) -> Result<bool, StoreError> {
        let tx = self.db.begin().await?;
        let changed = address::Entity::update_many()
            .col_expr(address::Column::IsDeleted, Expr::value(true))
            .col_expr(address::Column::UpdateTime, Expr::value(now()))
            .filter(live(user, address_id))
            .exec(&tx)
            .await
            .map_err(store)?;
        if changed.rows_affected == 0 {
            return Ok(false);
        }
        user::Entity::update_many()
            .col_expr(user::Column::DefaultAddressId, Expr::value(Option::<i64>::None))
            .filter(user::Column::Id.eq(db_id(user.0)))
            .filter(user::Column::DefaultAddressId.eq(db_id(address_id.0)))
            .exec(&tx)
            .await
            .map_err(store)?;
        tx.commit().await.map_err(store)?;
        Ok(true)
    }

    async fn set_title(
        &self,
        user: UserId,
        address_id: AddressId,
        title: &str,
    ) -> Result<bool, StoreError> {
        let changed = address::Entity::update_many()
            .col_expr(address::Column::Title, Expr::value(title))
            .col_expr(address::Column::UpdateTime, Expr::value(now()))
            .filter(live(user, address_id))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(changed.rows_affected > 0)
    }

    async fn set_default(&self, user: UserId, address_id: AddressId) -> Result<bool, StoreError> {
        let owned = Query::select()
            .expr(Expr::val(1))
            .from(address::Entity)
            .cond_where(live(user, address_id))
            .to_owned();
        let changed = user::Entity::update_many()
            .col_expr(user::Column::DefaultAddressId, Expr::value(db_id(address_id.0)))
            .col_expr(user::Column::UpdateTime, Expr::value(now()))
            .filter(user::Column::Id.eq(db_id(user.0)))
            .filter(Expr::exists(owned))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(changed.rows_affected > 0)
    }
}
