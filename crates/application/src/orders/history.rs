//! The buyer's orders and their comments.

use std::sync::Arc;

use meiduo_domain::ports::{
    CatalogChanges, CatalogQueries, LineComment, NewComment, OrderRepository, StatusChange,
    StoreError, Transaction, UnitOfWork,
};
use meiduo_domain::{
    Money, Order, OrderGoods, OrderId, OrderStatus, PayMethod, Quantity, SkuId, SkuSummary, UserId,
};

use crate::errors::{PageRequest, ServiceFailure};

/// The longest comment.
pub const MAX_COMMENT_LEN: usize = 500;

/// Why an order-history request failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrderHistoryError {
    #[error("no such order")]
    NotFound,
    #[error("the order has no line of that SKU")]
    LineNotFound,
    #[error("the order is not waiting for comments")]
    NotCommentable,
    #[error("this line was commented already")]
    AlreadyCommented,
    #[error("{field}: {message}")]
    InvalidField { field: &'static str, message: &'static str },
    #[error("an order that is {from:?} cannot become {to:?}")]
    InvalidTransition { from: OrderStatus, to: OrderStatus },
    #[error(transparent)]
    Failure(#[from] ServiceFailure),
}

impl From<StoreError> for OrderHistoryError {
    fn from(value: StoreError) -> Self {
        OrderHistoryError::Failure(value.into())
    }
}

/// An order line with its SKU's name and image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLineView {
    pub sku: SkuSummary,
    pub count: Quantity,
    pub price: Money,
}

/// An order with its lines, for "my orders".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub order: Order,
    pub lines: Vec<OrderLineView>,
}

/// A comment as the client sent it.
#[derive(Debug, Clone)]
pub struct CommentForm {
    pub sku: SkuId,
    pub comment: String,
    pub score: i64,
    pub is_anonymous: bool,
}

/// The order-history use cases.
pub struct OrderHistory {
    uow: Arc<dyn UnitOfWork>,
    orders: Arc<dyn OrderRepository>,
    catalog: Arc<dyn CatalogQueries>,
    changes: Arc<dyn CatalogChanges>,
}

impl std::fmt::Debug for OrderHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderHistory").finish_non_exhaustive()
    }
}

impl OrderHistory {
    /// `changes` hears of every comment (a SKU's comment count changed).
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        orders: Arc<dyn OrderRepository>,
        catalog: Arc<dyn CatalogQueries>,
        changes: Arc<dyn CatalogChanges>,
    ) -> Self {
        OrderHistory { uow, orders, catalog, changes }
    }

    async fn with_skus(
        &self,
        lines: Vec<OrderGoods>,
    ) -> Result<Vec<OrderLineView>, OrderHistoryError> {
        let ids: Vec<SkuId> = lines.iter().map(|line| line.sku_id).collect();
        let skus =
            if ids.is_empty() { Vec::new() } else { self.catalog.sku_summaries(&ids).await? };
        Ok(lines
            .into_iter()
            .map(|line| OrderLineView {
                sku: skus.iter().find(|sku| sku.id == line.sku_id).cloned().unwrap_or(SkuSummary {
                    id: line.sku_id,
                    name: String::new(),
                    price: line.price,
                    default_image: None,
                    comments: 0,
                }),
                count: line.count,
                price: line.price,
            })
            .collect())
    }

    /// A page of the user's orders, newest first, with their lines.
    #[tracing::instrument(name = "order_history.list", skip_all, fields(user_id = %user))]
    pub async fn list(
        &self,
        user: UserId,
        page: PageRequest,
    ) -> Result<(u64, Vec<OrderView>), OrderHistoryError> {
        let found = self.orders.list_for_user(user, page.offset(), page.page_size).await?;
        let mut views = Vec::with_capacity(found.items.len());
        for (order, lines) in found.items {
            views.push(OrderView { order, lines: self.with_skus(lines).await? });
        }
        Ok((found.count, views))
    }

    /// The user's order, with its lines.
    #[tracing::instrument(name = "order_history.get", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn get(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<OrderView, OrderHistoryError> {
        let (order, lines) =
            self.orders.find_for_user(user, order_id).await?.ok_or(OrderHistoryError::NotFound)?;
        Ok(OrderView { order, lines: self.with_skus(lines).await? })
    }

    /// The user's order, with its lines and its status changes from its placing on (the
    /// placing read from the order itself).
    #[tracing::instrument(name = "order_history.detail", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn detail(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<(OrderView, Vec<StatusChange>), OrderHistoryError> {
        let view = self.get(user, order_id).await?;
        let first = match view.order.pay_method {
            PayMethod::Alipay => OrderStatus::Unpaid,
            PayMethod::Cash => OrderStatus::Unsend,
        };
        let mut history = vec![StatusChange {
            from: None,
            to: first,
            actor: format!("user:{}", user.0),
            at: view.order.created_at,
        }];
        history.extend(self.orders.history(order_id).await?);
        Ok((view, history))
    }

    /// Moves an order along the transition table on behalf of `actor`: refused when the table
    /// does not allow it from the status read, or when the order left that status meanwhile.
    async fn advance(
        &self,
        order: &Order,
        to: OrderStatus,
        actor: &str,
    ) -> Result<(), OrderHistoryError> {
        let from = order.status;
        from.transition(to).map_err(|_| OrderHistoryError::InvalidTransition { from, to })?;
        if self.orders.transition(&order.order_id, from, to, actor).await? {
            Ok(())
        } else {
            Err(OrderHistoryError::InvalidTransition { from, to })
        }
    }

    /// The buyer confirms receipt: Unreceived → Uncomment.
    #[tracing::instrument(name = "order_history.receive", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn receive(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Order, OrderHistoryError> {
        let (mut order, _) =
            self.orders.find_for_user(user, order_id).await?.ok_or(OrderHistoryError::NotFound)?;
        self.advance(&order, OrderStatus::Uncomment, &format!("user:{}", user.0)).await?;
        order.status = OrderStatus::Uncomment;
        Ok(order)
    }

    /// The shop ships the order: Unsend → Unreceived.
    pub async fn ship(&self, order_id: &OrderId) -> Result<Order, OrderHistoryError> {
        self.ship_as(order_id, "shop").await
    }

    /// `actor` (`shop`, `admin:<id>`) ships the order: Unsend → Unreceived.
    #[tracing::instrument(name = "order_history.ship", skip_all, fields(order_id = %order_id, actor))]
    pub async fn ship_as(
        &self,
        order_id: &OrderId,
        actor: &str,
    ) -> Result<Order, OrderHistoryError> {
        let buyer = order_id.buyer().ok_or(OrderHistoryError::NotFound)?;
        let (mut order, _) =
            self.orders.find_for_user(buyer, order_id).await?.ok_or(OrderHistoryError::NotFound)?;
        self.advance(&order, OrderStatus::Unreceived, actor).await?;
        order.status = OrderStatus::Unreceived;
        Ok(order)
    }

    /// Any order with its lines, for operators (its buyer is read from its number).
    #[tracing::instrument(name = "order_history.any", skip_all, fields(order_id = %order_id))]
    pub async fn any(&self, order_id: &OrderId) -> Result<OrderView, OrderHistoryError> {
        let buyer = order_id.buyer().ok_or(OrderHistoryError::NotFound)?;
        self.get(buyer, order_id).await
    }

    /// The lines of the user's order that wait for a comment.
    #[tracing::instrument(name = "order_history.uncommented", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn uncommented(
        &self,
        user: UserId,
        order_id: &OrderId,
    ) -> Result<Vec<OrderLineView>, OrderHistoryError> {
        let lines =
            self.orders.uncommented(user, order_id).await?.ok_or(OrderHistoryError::NotFound)?;
        self.with_skus(lines).await
    }

    /// Comments a line of the user's order (once); the last comment finishes the order.
    #[tracing::instrument(name = "order_history.comment", skip_all, fields(user_id = %user, order_id = %order_id))]
    pub async fn comment(
        &self,
        user: UserId,
        order_id: &OrderId,
        form: CommentForm,
    ) -> Result<bool, OrderHistoryError> {
        let comment = form.comment.trim();
        if comment.is_empty() || comment.chars().count() > MAX_COMMENT_LEN {
            return Err(OrderHistoryError::InvalidField {
                field: "comment",
                message: "1 to 500 characters",
            });
        }
        let score = u8::try_from(form.score)
            .ok()
            .filter(|score| *score <= 5)
            .ok_or(OrderHistoryError::InvalidField { field: "score", message: "0 to 5" })?;
        let comment = NewComment {
            sku: form.sku,
            comment: comment.to_owned(),
            score,
            is_anonymous: form.is_anonymous,
        };
        let tx = self.uow.begin().await?;
        let outcome = Self::comment_in(&*tx, user, order_id, &comment).await;
        match &outcome {
            Ok(_) => tx.commit().await?,
            Err(_) => {
                if let Err(error) = tx.rollback().await {
                    tracing::warn!(%error, "rollback of a refused comment failed");
                }
            }
        }
        let order_finished = outcome?;
        self.changes.comments_changed(form.sku).await;
        Ok(order_finished)
    }

    /// The comment's writes, in `tx`: the order is locked, must be the user's and wait for
    /// comments; the line takes the comment once, the SKU's and SPU's counters grow, and the
    /// last comment moves the order Uncomment → Finished. Whether it finished the order.
    async fn comment_in(
        tx: &dyn Transaction,
        user: UserId,
        order_id: &OrderId,
        comment: &NewComment,
    ) -> Result<bool, OrderHistoryError> {
        let locked = tx.orders().lock(order_id).await?;
        // Another user's order is as invisible as a missing one.
        let Some(order) = locked.filter(|order| order.user_id == user) else {
            return Err(OrderHistoryError::NotFound);
        };
        if order.status != OrderStatus::Uncomment {
            return Err(OrderHistoryError::NotCommentable);
        }
        match tx.orders().comment_line(order_id, comment).await? {
            LineComment::Commented => {}
            LineComment::AlreadyCommented => return Err(OrderHistoryError::AlreadyCommented),
            LineComment::NoSuchLine => return Err(OrderHistoryError::LineNotFound),
        }
        tx.stock().count_comment(comment.sku).await?;
        if tx.orders().uncommented_count(order_id).await? > 0 {
            return Ok(false);
        }
        OrderStatus::Uncomment
            .transition(OrderStatus::Finished)
            .map_err(|e| ServiceFailure::Unexpected(Box::new(e)))?;
        let actor = format!("user:{}", user.0);
        if !tx
            .orders()
            .move_status(order_id, OrderStatus::Uncomment, OrderStatus::Finished, &actor)
            .await?
        {
            return Err(ServiceFailure::unexpected(format!(
                "order {order_id} left Uncomment while it was locked"
            ))
            .into());
        }
        Ok(true)
    }
}
