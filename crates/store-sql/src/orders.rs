//! Orders and addresses.

use async_trait::async_trait;
use meiduo_domain::ports::{AddressRepository, DynTransaction, OrderRepository, StoreError};
use meiduo_domain::{
    Address, AddressId, Order, OrderGoods, OrderId, OrderStatus, PayMethod, Quantity, SkuId, UserId,
};
use sea_orm::{ConnectionTrait, Value};

use crate::codec::{self, get, get_moment, get_money, get_u32, get_u64};
use crate::error::classify;
use crate::store::SqlStore;
use crate::tx::SqlTransaction;

#[async_trait]
impl OrderRepository for SqlStore {
    async fn insert(
        &self,
        tx: &mut DynTransaction,
        order: &Order,
        lines: &[OrderGoods],
    ) -> Result<(), StoreError> {
        let tx = SqlTransaction::of(tx)?;
        let b = self.backend;
        let header = vec![
            Value::String(Some(order.order_id.as_str().to_owned())),
            Value::BigInt(Some(order.user_id.0 as i64)),
            Value::BigInt(Some(order.address_id.0 as i64)),
            Value::BigInt(Some(i64::from(order.total_count))),
            codec::money(b, order.total_amount),
            codec::money(b, order.freight),
            Value::SmallInt(Some(i16::from(order.pay_method.code()))),
            Value::SmallInt(Some(i16::from(order.status.code()))),
            codec::moment(order.created_at),
            codec::moment(order.updated_at),
        ];
        tx.conn()
            .execute_raw(self.stmt(
                "INSERT INTO tb_order_info (order_id, user_id, address_id, total_count, \
                 total_amount, freight, pay_method, status, create_time, update_time) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                header,
            ))
            .await
            .map_err(classify)?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut values = Vec::with_capacity(lines.len() * 7);
        for line in lines {
            values.extend([
                Value::String(Some(order.order_id.as_str().to_owned())),
                Value::BigInt(Some(line.sku_id.0 as i64)),
                Value::BigInt(Some(i64::from(line.count.get()))),
                codec::money(b, line.price),
                Value::String(Some(String::new())),
                codec::moment(order.created_at),
                codec::moment(order.created_at),
            ]);
        }
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; lines.len()].join(", ");
        let sql = format!(
            "INSERT INTO tb_order_goods (order_id, sku_id, count, price, comment, create_time, \
             update_time) VALUES {rows}"
        );
        tx.conn().execute_raw(self.stmt(&sql, values)).await.map_err(classify)?;
        Ok(())
    }

    async fn find_for_user(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Option<(Order, Vec<OrderGoods>)>, StoreError> {
        let b = self.backend;
        let id = Value::String(Some(order_id.as_str().to_owned()));
        let Some(row) = self
            .db
            .query_one_raw(self.stmt(
                "SELECT order_id, user_id, address_id, total_count, total_amount, freight, \
                 pay_method, status, create_time, update_time FROM tb_order_info \
                 WHERE order_id = ? AND user_id = ?",
                vec![id.clone(), Value::BigInt(Some(user.0 as i64))],
            ))
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        let corrupt = |what: String| StoreError::Internal(format!("order {order_id}: {what}"));
        let order = Order {
            order_id: OrderId::parse(&get::<String>(&row, "order_id")?)
                .map_err(|e| corrupt(e.to_string()))?,
            user_id: UserId(get_u64(&row, "user_id")?),
            address_id: AddressId(get_u64(&row, "address_id")?),
            total_count: get_u32(&row, "total_count")?,
            total_amount: get_money(b, &row, "total_amount")?,
            freight: get_money(b, &row, "freight")?,
            pay_method: PayMethod::from_code(get(&row, "pay_method")?)
                .map_err(|e| corrupt(e.to_string()))?,
            status: OrderStatus::from_code(get(&row, "status")?)
                .map_err(|e| corrupt(e.to_string()))?,
            created_at: get_moment(&row, "create_time")?,
            updated_at: get_moment(&row, "update_time")?,
        };
        let rows = self
            .db
            .query_all_raw(self.stmt(
                "SELECT sku_id, count, price FROM tb_order_goods WHERE order_id = ? ORDER BY sku_id",
                vec![id],
            ))
            .await
            .map_err(classify)?;
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            lines.push(OrderGoods {
                sku_id: SkuId(get_u64(row, "sku_id")?),
                count: Quantity::from_stored(get_u32(row, "count")?)
                    .ok_or_else(|| corrupt("a line of 0 units".into()))?,
                price: get_money(b, row, "price")?,
            });
        }
        Ok(Some((order, lines)))
    }
}

#[async_trait]
impl AddressRepository for SqlStore {
    async fn find_for_user(
        &self,
        user: UserId,
        id: AddressId,
    ) -> Result<Option<Address>, StoreError> {
        let row = self
            .db
            .query_one_raw(self.stmt(
                "SELECT id, user_id, title, receiver, province_id, city_id, district_id, place, \
                 mobile, tel, email, is_deleted FROM tb_address WHERE id = ? AND user_id = ?",
                vec![Value::BigInt(Some(id.0 as i64)), Value::BigInt(Some(user.0 as i64))],
            ))
            .await
            .map_err(classify)?;
        row.map(|row| {
            Ok(Address {
                id: AddressId(get_u64(&row, "id")?),
                user_id: UserId(get_u64(&row, "user_id")?),
                title: get(&row, "title")?,
                receiver: get(&row, "receiver")?,
                province_id: get_u64(&row, "province_id")?,
                city_id: get_u64(&row, "city_id")?,
                district_id: get_u64(&row, "district_id")?,
                place: get(&row, "place")?,
                mobile: get(&row, "mobile")?,
                tel: get(&row, "tel")?,
                email: get(&row, "email")?,
                is_deleted: get(&row, "is_deleted")?,
            })
        })
        .transpose()
    }
}
