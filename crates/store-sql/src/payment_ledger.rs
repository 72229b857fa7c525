//! [`PaymentLedger`] inside a transaction: the order's payment and refund records.

use async_trait::async_trait;
use meiduo_domain::ports::{PaymentLedger, StoreError};
use meiduo_domain::{Money, OrderId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::codec::{DbMoney, now};
use crate::entity::{payment, payment_refund};
use crate::error::store;
use crate::unit_of_work::Tx;

/// The payment ledger bound to one transaction.
#[derive(Debug)]
pub(crate) struct SqlPaymentLedger {
    tx: Tx,
}

impl SqlPaymentLedger {
    pub(crate) fn new(tx: Tx) -> Self {
        SqlPaymentLedger { tx }
    }
}

#[async_trait]
impl PaymentLedger for SqlPaymentLedger {
    async fn paid_trade(&self, order_id: &OrderId) -> Result<Option<String>, StoreError> {
        paid_trade(self.tx.conn(), order_id).await
    }

    async fn insert_payment(&self, order_id: &OrderId, trade_id: &str) -> Result<(), StoreError> {
        let at = now();
        let row = payment::ActiveModel {
            order_id: Set(order_id.as_str().to_owned()),
            trade_id: Set(trade_id.to_owned()),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        };
        // A duplicate key (a concurrent confirmation got there first) is a conflict.
        payment::Entity::insert(row).exec_without_returning(self.tx.conn()).await.map_err(store)?;
        Ok(())
    }

    async fn record_refund(
        &self,
        order_id: &OrderId,
        trade_id: &str,
        amount: Money,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let known = payment_refund::Entity::find()
            .filter(payment_refund::Column::TradeId.eq(trade_id))
            .count(self.tx.conn())
            .await
            .map_err(store)?;
        if known > 0 {
            return Ok(false);
        }
        let at = now();
        let row = payment_refund::ActiveModel {
            order_id: Set(order_id.as_str().to_owned()),
            trade_id: Set(trade_id.to_owned()),
            amount: Set(DbMoney::new(self.tx.backend, amount)),
            reason: Set(reason.to_owned()),
            refunded: Set(false),
            create_time: Set(at),
            update_time: Set(at),
            ..Default::default()
        };
        payment_refund::Entity::insert(row)
            .exec_without_returning(self.tx.conn())
            .await
            .map_err(store)?;
        Ok(true)
    }
}

/// The trade number of the order's payment, on `conn`.
pub(crate) async fn paid_trade(
    conn: &impl sea_orm::ConnectionTrait,
    order_id: &OrderId,
) -> Result<Option<String>, StoreError> {
    let row = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id.as_str()))
        .one(conn)
        .await
        .map_err(store)?;
    Ok(row.map(|row| row.trade_id))
}
