//! The address book.

use async_trait::async_trait;
use meiduo_domain::ports::{AddressRepository, StoreError};
use meiduo_domain::{Address, AddressId, AddressInput, AddressView, UserId};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::codec::{get, get_u64, id, now};
use crate::store::SqlStore;

pub(crate) const VIEW_SQL: &str = "SELECT a.id, a.user_id, a.title, a.receiver, a.province_id, \
    a.city_id, a.district_id, a.place, a.mobile, a.tel, a.email, a.is_deleted, \
    p.name AS province, c.name AS city, d.name AS district FROM tb_address a \
    JOIN tb_areas p ON p.id = a.province_id JOIN tb_areas c ON c.id = a.city_id \
    JOIN tb_areas d ON d.id = a.district_id";

pub(crate) fn address(row: &QueryResult) -> Result<Address, StoreError> {
    Ok(Address {
        id: AddressId(get_u64(row, "id")?),
        user_id: UserId(get_u64(row, "user_id")?),
        title: get(row, "title")?,
        receiver: get(row, "receiver")?,
        province_id: get_u64(row, "province_id")?,
        city_id: get_u64(row, "city_id")?,
        district_id: get_u64(row, "district_id")?,
        place: get(row, "place")?,
        mobile: get(row, "mobile")?,
        tel: get(row, "tel")?,
        email: get(row, "email")?,
        is_deleted: get(row, "is_deleted")?,
    })
}

fn view(row: &QueryResult) -> Result<AddressView, StoreError> {
    Ok(AddressView {
        address: address(row)?,
        province: get(row, "province")?,
        city: get(row, "city")?,
        district: get(row, "district")?,
    })
}

fn input_values(input: &AddressInput) -> Vec<Value> {
    vec![
        input.title.clone().into(),
        input.receiver.clone().into(),
        id(input.province_id),
        id(input.city_id),
        id(input.district_id),
        input.place.clone().into(),
        input.mobile.as_str().into(),
        Value::String(input.tel.clone()),
        Value::String(input.email.clone()),
    ]
}

impl SqlStore {
    pub(crate) async fn address_view(
        &self,
        conn: &impl ConnectionTrait,
        user: UserId,
        address: AddressId,
    ) -> Result<Option<AddressView>, StoreError> {
        let sql = format!("{VIEW_SQL} WHERE a.id = ? AND a.user_id = ? AND a.is_deleted = 0");
        self.row(conn, &sql, vec![id(address.0), id(user.0)])
            .await?
            .map(|row| view(&row))
            .transpose()
    }

    pub(crate) async fn address_list(&self, user: UserId) -> Result<Vec<AddressView>, StoreError> {
        let sql = format!("{VIEW_SQL} WHERE a.user_id = ? AND a.is_deleted = 0 ORDER BY a.id");
        self.rows(&self.db, &sql, vec![id(user.0)]).await?.iter().map(view).collect()
    }

    pub(crate) async fn address_create(
        &self,
        user: UserId,
        input: &AddressInput,
        limit: u32,
    ) -> Result<Option<AddressView>, StoreError> {
        let tx = self.begin_tx().await?;
        // Lock the user's row: concurrent creations for one user queue here.
        let lock =
            format!("SELECT default_address_id FROM tb_users WHERE id = ?{}", self.for_update());
        let Some(owner) = self.row(tx.conn(), &lock, vec![id(user.0)]).await? else {
            return Ok(None);
        };
        let has_default: Option<i64> = get(&owner, "default_address_id")?;
        let count = self
            .row(
                tx.conn(),
                "SELECT COUNT(*) AS n FROM tb_address WHERE user_id = ? AND is_deleted = 0",
                vec![id(user.0)],
            )
            .await?
            .map_or(Ok(0), |row| get_u64(&row, "n"))?;
        if count >= u64::from(limit) {
            return Ok(None);
        }
        let mut values = vec![id(user.0)];
        values.extend(input_values(input));
        values.extend([now(), now()]);
        let result = tx
            .conn()
            .execute_raw(self.stmt(
                "INSERT INTO tb_address (user_id, title, receiver, province_id, city_id, \
                 district_id, place, mobile, tel, email, is_deleted, create_time, update_time) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                values,
            ))
            .await
            .map_err(crate::error::classify)?;
        let new_id = AddressId(result.last_insert_id());
        if has_default.is_none() {
            self.exec(
                tx.conn(),
                "UPDATE tb_users SET default_address_id = ? WHERE id = ?",
                vec![id(new_id.0), id(user.0)],
            )
            .await?;
        }
        let created = self.address_view(tx.conn(), user, new_id).await?;
        tx.finish().await?;
        Ok(created)
    }

    pub(crate) async fn address_update(
        &self,
        user: UserId,
        address: AddressId,
        input: &AddressInput,
    ) -> Result<Option<AddressView>, StoreError> {
        let mut values = input_values(input);
        values.extend([now(), id(address.0), id(user.0)]);
        let changed = self
            .exec(
                &self.db,
                "UPDATE tb_address SET title = ?, receiver = ?, province_id = ?, city_id = ?, \
                 district_id = ?, place = ?, mobile = ?, tel = ?, email = ?, update_time = ? \
                 WHERE id = ? AND user_id = ? AND is_deleted = 0",
                values,
            )
            .await?;
        if changed == 0 {
            return Ok(None);
        }
        self.address_view(&self.db, user, address).await
    }

    pub(crate) async fn address_delete(
        &self,
        user: UserId,
        address: AddressId,
    ) -> Result<bool, StoreError> {
        let tx = self.begin_tx().await?;
        let changed = self
            .exec(
                tx.conn(),
                "UPDATE tb_address SET is_deleted = 1, update_time = ? \
                 WHERE id = ? AND user_id = ? AND is_deleted = 0",
                vec![now(), id(address.0), id(user.0)],
            )
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        self.exec(
            tx.conn(),
            "UPDATE tb_users SET default_address_id = NULL WHERE id = ? AND default_address_id = ?",
            vec![id(user.0), id(address.0)],
        )
        .await?;
        tx.finish().await?;
        Ok(true)
    }

    pub(crate) async fn address_set_title(
        &self,
        user: UserId,
        address: AddressId,
        title: &str,
    ) -> Result<bool, StoreError> {
        let changed = self
            .exec(
                &self.db,
                "UPDATE tb_address SET title = ?, update_time = ? \
                 WHERE id = ? AND user_id = ? AND is_deleted = 0",
                vec![title.into(), now(), id(address.0), id(user.0)],
            )
            .await?;
        Ok(changed > 0)
    }

    pub(crate) async fn address_set_default(
        &self,
        user: UserId,
        address: AddressId,
    ) -> Result<bool, StoreError> {
        let changed = self
            .exec(
                &self.db,
                "UPDATE tb_users SET default_address_id = ?, update_time = ? WHERE id = ? AND \
                 EXISTS (SELECT 1 FROM tb_address WHERE id = ? AND user_id = ? AND is_deleted = 0)",
                vec![id(address.0), now(), id(user.0), id(address.0), id(user.0)],
            )
            .await?;
        Ok(changed > 0)
    }
}

#[async_trait]
impl AddressRepository for SqlStore {
    async fn find_for_user(
        &self,
        user: UserId,
        address_id: AddressId,
    ) -> Result<Option<Address>, StoreError> {
        let sql = format!("{VIEW_SQL} WHERE a.id = ? AND a.user_id = ?");
        self.row(&self.db, &sql, vec![id(address_id.0), id(user.0)])
            .await?
            .map(|row| address(&row))
            .transpose()
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<AddressView>, StoreError> {
        self.address_list(user).await
    }

    async fn create(
        &self,
        user: UserId,
        input: &AddressInput,
        limit: u32,
    ) -> Result<Option<AddressView>, StoreError> {
        self.address_create(user, input, limit).await
    }

    async fn update(
        &self,
        user: UserId,
        address_id: AddressId,
        input: &AddressInput,
    ) -> Result<Option<AddressView>, StoreError> {
        self.address_update(user, address_id, input).await
    }

    async fn delete(&self, user: UserId, address_id: AddressId) -> Result<bool, StoreError> {
        self.address_delete(user, address_id).await
    }

    async fn set_title(
        &self,
        user: UserId,
        address_id: AddressId,
        title: &str,
    ) -> Result<bool, StoreError> {
        self.address_set_title(user, address_id, title).await
    }

    async fn set_default(&self, user: UserId, address_id: AddressId) -> Result<bool, StoreError> {
        self.address_set_default(user, address_id).await
    }
}
