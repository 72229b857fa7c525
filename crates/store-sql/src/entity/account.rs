//! Users, their addresses, and the areas addresses name.

pub(crate) mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub username: String,
        /// An argon2 PHC string.
        pub password: String,
        pub mobile: String,
        pub email: Option<String>,
        pub email_active: bool,
        pub default_address_id: Option<i64>,
        pub is_active: bool,
        /// What the user's login tokens must carry.
        pub token_stamp: String,
        pub is_staff: bool,
        pub is_superuser: bool,
        pub last_login: Option<TimeDateTime>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();

    impl Model {
        /// The domain's user (without the password hash).
        pub(crate) fn to_user(
            &self,
        ) -> Result<meiduo_domain::User, meiduo_domain::ports::StoreError> {
            use crate::codec::id_of;
            use meiduo_domain::{AddressId, User, UserId};
            Ok(User {
                id: UserId(id_of(self.id)?),
                username: self.username.clone(),
                mobile: self.mobile.clone(),
                email: self.email.clone(),
                email_active: self.email_active,
                default_address_id: self.default_address_id.map(id_of).transpose()?.map(AddressId),
                token_stamp: self.token_stamp.clone(),
            })
        }
    }
}

pub(crate) mod area {
    use sea_orm::entity::prelude::*;

    /// Provinces, cities and districts; the id is the national division code.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_areas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub parent_id: Option<i64>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod address {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_address")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub title: String,
        pub receiver: String,
        pub province_id: i64,
        pub city_id: i64,
        pub district_id: i64,
        pub place: String,
        pub mobile: String,
        pub tel: Option<String>,
        pub email: Option<String>,
        pub is_deleted: bool,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();

    impl Model {
        /// The domain's address.
        pub(crate) fn into_address(
            self,
        ) -> Result<meiduo_domain::Address, meiduo_domain::ports::StoreError> {
            use crate::codec::id_of;
            use meiduo_domain::{Address, AddressId, UserId};
            Ok(Address {
                id: AddressId(id_of(self.id)?),
                user_id: UserId(id_of(self.user_id)?),
                title: self.title,
                receiver: self.receiver,
                province_id: id_of(self.province_id)?,
                city_id: id_of(self.city_id)?,
                district_id: id_of(self.district_id)?,
                place: self.place,
                mobile: self.mobile,
                tel: self.tel,
                email: self.email,
                is_deleted: self.is_deleted,
            })
        }
    }
}

pub(crate) mod verification_code {
    use sea_orm::entity::prelude::*;

    /// A verification code under its key (`sms:<mobile>`, `img:<uuid>`, `used:<token id>`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_verification_code")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code_key: String,
        pub code: String,
        pub wrong_tries: i32,
        pub sent_at: TimeDateTime,
        pub expires_at: TimeDateTime,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod outbox {
    use sea_orm::entity::prelude::*;

    /// A queued SMS or mail.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub payload: String,
        pub attempts: i32,
        pub next_attempt_at: TimeDateTime,
        pub locked_until: Option<TimeDateTime>,
        pub failed: bool,
        pub last_error: Option<String>,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod oauth_qq {
    use sea_orm::entity::prelude::*;

    /// A QQ identity bound to an account.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_oauth_qq")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub openid: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod rate_limit {
    use sea_orm::entity::prelude::*;

    /// A fixed-window counter.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_rate_limit")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub limit_key: String,
        pub hits: i32,
        pub window_ends: TimeDateTime,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod admin_audit {
    use sea_orm::entity::prelude::*;

    /// Every write made through the admin API; `changes` is JSON
    /// (`[{"field", "before", "after"}]`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_admin_audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub actor_id: i64,
        pub actor: String,
        pub action: String,
        pub resource: String,
        pub resource_id: String,
        pub changes: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod permission {
    use sea_orm::entity::prelude::*;

    /// `<action>_<model>`, Django's way.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_permission")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub content_type_id: i64,
        pub codename: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod user_permission {
    use sea_orm::entity::prelude::*;

    /// The permissions a staff user holds of its own.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_user_permissions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub permission_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod content_type {
    use sea_orm::entity::prelude::*;

    /// What permissions are about (Django's `ContentType`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_content_type")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub app_label: String,
        pub model: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod group {
    use sea_orm::entity::prelude::*;

    /// A group of permissions.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_group")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod group_permission {
    use sea_orm::entity::prelude::*;

    /// The permissions of a group.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_group_permissions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub group_id: i64,
        pub permission_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}

pub(crate) mod user_group {
    use sea_orm::entity::prelude::*;

    /// The groups a staff user belongs to.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tb_user_groups")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub group_id: i64,
        pub create_time: TimeDateTime,
        pub update_time: TimeDateTime,
    }

    super::super::no_relations!();
}
