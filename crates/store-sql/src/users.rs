//! [`UserRepository`]: registered users.

use async_trait::async_trait;
use meiduo_domain::ports::{CreateUserError, Message, StoreError, UserRepository};
use meiduo_domain::{NewUser, User, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::codec::{db_id, id_of, now};
use crate::entity::user;
use crate::error::{DbFailure, classify, store};
use crate::outbox::enqueue_on;
use crate::store::Db;

/// Registered users, on the pool.
#[derive(Debug, Clone)]
pub struct SqlUsers {
    db: Db,
}

impl SqlUsers {
    pub(crate) fn new(db: Db) -> Self {
        SqlUsers { db }
    }

    async fn count_where(&self, column: user::Column, value: &str) -> Result<u64, StoreError> {
        user::Entity::find().filter(column.eq(value)).count(&self.db.conn).await.map_err(store)
    }
}

#[async_trait]
impl UserRepository for SqlUsers {
    async fn count_username(&self, username: &str) -> Result<u64, StoreError> {
        self.count_where(user::Column::Username, username).await
    }

    async fn count_mobile(&self, mobile: &str) -> Result<u64, StoreError> {
        self.count_where(user::Column::Mobile, mobile).await
    }

    async fn create(&self, new: &NewUser) -> Result<User, CreateUserError> {
        insert_user(&self.db.conn, new, None).await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        token_stamp: &str,
    ) -> Result<bool, StoreError> {
        let changed = user::Entity::update_many()
            .col_expr(user::Column::Password, Expr::value(password_hash))
            .col_expr(user::Column::TokenStamp, Expr::value(token_stamp))
            .col_expr(user::Column::UpdateTime, Expr::value(now()))
            .filter(user::Column::Id.eq(db_id(id.0)))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(changed.rows_affected == 1)
    }

    async fn token_stamp(&self, id: UserId) -> Result<Option<String>, StoreError> {
        user::Entity::find_by_id(db_id(id.0))
            .filter(user::Column::IsActive.eq(true))
            .select_only()
            .column(user::Column::TokenStamp)
            .into_tuple()
            .one(&self.db.conn)
            .await
            .map_err(store)
    }

    async fn token_stamps(&self, ids: &[UserId]) -> Result<Vec<(UserId, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String)> = user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().map(|id| db_id(id.0))))
            .filter(user::Column::IsActive.eq(true))
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::TokenStamp)
            .into_tuple()
            .all(&self.db.conn)
            .await
            .map_err(store)?;
        rows.into_iter().map(|(id, stamp)| Ok((UserId(id_of(id)?), stamp))).collect()
    }

    async fn password_hash(&self, id: UserId) -> Result<Option<String>, StoreError> {
        user::Entity::find_by_id(db_id(id.0))
            .select_only()
            .column(user::Column::Password)
            .into_tuple()
            .one(&self.db.conn)
            .await
            .map_err(store)
    }

    async fn change_email(
        &self,
        id: UserId,
        email: &str,
        then: &Message,
    ) -> Result<bool, StoreError> {
        let tx = self.db.begin().await?;
        let changed = user::Entity::update_many()
            .col_expr(user::Column::Email, Expr::value(Some(email.to_owned())))
            .col_expr(user::Column::EmailActive, Expr::value(false))
            .col_expr(user::Column::UpdateTime, Expr::value(now()))
            .filter(user::Column::Id.eq(db_id(id.0)))
            .exec(&tx)
            .await
            .map_err(store)?;
        if changed.rows_affected != 1 {
            return Ok(false);
        }
        enqueue_on(&tx, then).await?;
        tx.commit().await.map_err(store)?;
        Ok(true)
    }

    async fn verify_email(&self, id: UserId, email: &str) -> Result<bool, StoreError> {
        let verified = user::Entity::update_many()
            .col_expr(user::Column::EmailActive, Expr::value(true))
            .col_expr(user::Column::UpdateTime, Expr::value(now()))
            .filter(user::Column::Id.eq(db_id(id.0)))
            .filter(user::Column::Email.eq(email))
            .exec(&self.db.conn)
            .await
            .map_err(store)?;
        Ok(verified.rows_affected == 1)
    }

    async fn find_credentials(&self, login: &str) -> Result<Option<(User, String)>, StoreError> {
        let found = user::Entity::find()
            .filter(
                Condition::any()
                    .add(user::Column::Username.eq(login))
                    .add(user::Column::Mobile.eq(login)),
            )
            .filter(user::Column::IsActive.eq(true))
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        found.map(|row| Ok((row.to_user()?, row.password))).transpose()
    }

    async fn find(&self, user_id: UserId) -> Result<Option<User>, StoreError> {
        let found =
            user::Entity::find_by_id(db_id(user_id.0)).one(&self.db.conn).await.map_err(store)?;
        found.as_ref().map(user::Model::to_user).transpose()
    }
}

/// Inserts a user: a shopper, or (`staff` = `Some(superuser)`) a staff member.
pub(crate) async fn insert_user(
    conn: &impl sea_orm::ConnectionTrait,
    new: &NewUser,
    staff: Option<bool>,
) -> Result<User, CreateUserError> {
    let at = now();
    let row = user::ActiveModel {
        username: Set(new.username.as_str().to_owned()),
        password: Set(new.password_hash.clone()),
        mobile: Set(new.mobile.as_str().to_owned()),
        email: Set(None),
        email_active: Set(false),
        default_address_id: Set(None),
        is_active: Set(true),
        token_stamp: Set(new.token_stamp.clone()),
        is_staff: Set(staff.is_some()),
        is_superuser: Set(staff.unwrap_or(false)),
        create_time: Set(at),
        update_time: Set(at),
        ..Default::default()
    };
    let inserted = match user::Entity::insert(row).exec(conn).await {
        Ok(inserted) => inserted,
        // The unique keys are named after their columns (MySQL) or named with them (SQLite:
        // "UNIQUE constraint failed: tb_users.mobile").
        Err(error) => match classify(error) {
            failure if failure.is_duplicate_of("mobile") => {
                return Err(CreateUserError::MobileTaken);
            }
            failure if failure.is_duplicate_of("username") => {
                return Err(CreateUserError::UsernameTaken);
            }
            DbFailure::Duplicate { source, .. } => {
                return Err(StoreError::Unexpected(Box::new(source)).into());
            }
            DbFailure::Store(error) => return Err(error.into()),
        },
    };
    Ok(User {
        id: UserId(id_of(inserted.last_insert_id)?),
        username: new.username.as_str().to_owned(),
        mobile: new.mobile.as_str().to_owned(),
        email: None,
        email_active: false,
        default_address_id: None,
        token_stamp: new.token_stamp.clone(),
    })
}
