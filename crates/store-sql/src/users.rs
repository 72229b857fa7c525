//! Users and areas.

use async_trait::async_trait;
use meiduo_domain::ports::{AreaRepository, StoreError, UserRepository};
use meiduo_domain::{AddressId, Area, AreaWithSubs, NewUser, User, UserId};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::codec::{get, get_u64, id, now, placeholders};
use crate::error::classify;
use crate::store::SqlStore;

const USER_COLUMNS: &str =
    "id, username, mobile, email, email_active, default_address_id, password";

fn user(row: &QueryResult) -> Result<User, StoreError> {
    let default: Option<i64> = get(row, "default_address_id")?;
    Ok(User {
        id: UserId(get_u64(row, "id")?),
        username: get(row, "username")?,
        mobile: get(row, "mobile")?,
        email: get(row, "email")?,
        email_active: get(row, "email_active")?,
        default_address_id: default.map(|id| AddressId(id as u64)),
    })
}

#[async_trait]
impl UserRepository for SqlStore {
    async fn count_username(&self, username: &str) -> Result<u64, StoreError> {
        let row = self
            .row(
                &self.db,
                "SELECT COUNT(*) AS n FROM tb_users WHERE username = ?",
                vec![username.into()],
            )
            .await?;
        row.map_or(Ok(0), |row| get_u64(&row, "n"))
    }

    async fn count_mobile(&self, mobile: &str) -> Result<u64, StoreError> {
        let row = self
            .row(
                &self.db,
                "SELECT COUNT(*) AS n FROM tb_users WHERE mobile = ?",
                vec![mobile.into()],
            )
            .await?;
        row.map_or(Ok(0), |row| get_u64(&row, "n"))
    }

    async fn create(&self, new: &NewUser) -> Result<User, StoreError> {
        let result = self
            .db
            .execute_raw(self.stmt(
                "INSERT INTO tb_users (username, password, mobile, email_active, is_active, \
                 create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![
                    new.username.as_str().into(),
                    new.password_hash.clone().into(),
                    new.mobile.as_str().into(),
                    Value::Bool(Some(false)),
                    Value::Bool(Some(true)),
                    now(),
                    now(),
                ],
            ))
            .await
            .map_err(classify)?;
        Ok(User {
            id: UserId(result.last_insert_id()),
            username: new.username.as_str().to_owned(),
            mobile: new.mobile.as_str().to_owned(),
            email: None,
            email_active: false,
            default_address_id: None,
        })
    }

    async fn find_credentials(&self, login: &str) -> Result<Option<(User, String)>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM tb_users WHERE (username = ? OR mobile = ?) AND is_active = 1"
        );
        let row = self.row(&self.db, &sql, vec![login.into(), login.into()]).await?;
        row.map(|row| Ok((user(&row)?, get(&row, "password")?))).transpose()
    }

    async fn find(&self, user_id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM tb_users WHERE id = ?");
        self.row(&self.db, &sql, vec![id(user_id.0)]).await?.map(|row| user(&row)).transpose()
    }
}

fn area(row: &QueryResult) -> Result<Area, StoreError> {
    Ok(Area { id: get_u64(row, "id")?, name: get(row, "name")? })
}

#[async_trait]
impl AreaRepository for SqlStore {
    async fn provinces(&self) -> Result<Vec<Area>, StoreError> {
        let rows = self
            .rows(
                &self.db,
                "SELECT id, name FROM tb_areas WHERE parent_id IS NULL ORDER BY id",
                vec![],
            )
            .await?;
        rows.iter().map(area).collect()
    }

    async fn with_subs(&self, area_id: u64) -> Result<Option<AreaWithSubs>, StoreError> {
        let Some(row) = self
            .row(&self.db, "SELECT id, name FROM tb_areas WHERE id = ?", vec![id(area_id)])
            .await?
        else {
            return Ok(None);
        };
        let this = area(&row)?;
        let subs = self
            .rows(
                &self.db,
                "SELECT id, name FROM tb_areas WHERE parent_id = ? ORDER BY id",
                vec![id(area_id)],
            )
            .await?
            .iter()
            .map(area)
            .collect::<Result<_, _>>()?;
        Ok(Some(AreaWithSubs { id: this.id, name: this.name, subs }))
    }

    async fn lineage(&self, ids: &[u64]) -> Result<Vec<(u64, Option<u64>, String)>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, parent_id, name FROM tb_areas WHERE id IN ({})",
            placeholders(ids.len())
        );
        let rows = self.rows(&self.db, &sql, ids.iter().map(|v| id(*v)).collect()).await?;
        rows.iter()
            .map(|row| {
                let parent: Option<i64> = get(row, "parent_id")?;
                Ok((get_u64(row, "id")?, parent.map(|p| p as u64), get(row, "name")?))
            })
            .collect()
    }
}
