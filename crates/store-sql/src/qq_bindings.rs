//! [`QqBindings`] in `tb_oauth_qq`; the unique `openid` decides between concurrent bindings.

use async_trait::async_trait;
use meiduo_domain::UserId;
use meiduo_domain::ports::{BindError, QqBindings, StoreError};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::codec::{db_id, id_of, now};
use crate::entity::oauth_qq;
use crate::error::{classify, store};
use crate::store::Db;

/// QQ bindings on the pool.
#[derive(Debug, Clone)]
pub struct SqlQqBindings {
    db: Db,
}

impl SqlQqBindings {
    pub(crate) fn new(db: Db) -> Self {
        SqlQqBindings { db }
    }
}

#[async_trait]
impl QqBindings for SqlQqBindings {
    async fn user_of(&self, openid: &str) -> Result<Option<UserId>, StoreError> {
        let user: Option<i64> = oauth_qq::Entity::find()
            .select_only()
            .column(oauth_qq::Column::UserId)
            .filter(oauth_qq::Column::Openid.eq(openid))
            .into_tuple()
            .one(&self.db.conn)
            .await
            .map_err(store)?;
        user.map(|id| id_of(id).map(UserId)).transpose()
    }

    async fn bind(&self, openid: &str, user: UserId) -> Result<(), BindError> {
        let at = now();
        let row = oauth_qq::ActiveModel {
            user_id: Set(db_id(user.0)),
            openid: Set(openid.to_owned()),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        };
        match oauth_qq::Entity::insert(row).exec_without_returning(&self.db.conn).await {
            Ok(_) => Ok(()),
            Err(error) => match classify(error) {
                failure if failure.is_duplicate_of("openid") => Err(BindError::AlreadyBound),
                failure => Err(BindError::Store(failure.into())),
            },
        }
    }
}
