//! The one place the use cases are assembled from ports: the server, the load generator and the
//! tests each fill [`Ports`] with the adapters they chose and call [`UseCases::build`].

use std::sync::Arc;
use std::time::Duration;

use meiduo_domain::ports::{
    AddressRepository, AdminQueries, AreaRepository, AuditLog, BrowseHistory, CaptchaPainter,
    CartStore, CatalogChanges, CatalogEditor, CatalogQueries, CategoryVisitStore, Clock,
    FlashSales, IdempotencyKeys, ImageStore, Mailer, OrderIdSource, OrderRepository, Outbox,
    PasswordHasher, PaymentGateway, PaymentRepository, QqBindings, QqOAuth, RateLimits,
    RightsAdmin, SaleGate, SignedTokens, SkuCatalog, SkuDocuments, SkuIndex, SmsSender,
    StaffDirectory, UnitOfWork, UserRepository, VerificationCodes,
};

use crate::accounts::{AccountPorts, Accounts, SmsPolicy};
use crate::addresses::Addresses;
use crate::admin::{Admin, AdminPorts};
use crate::cart::Carts;
use crate::catalog::Catalog;
use crate::deliveries::{Deliveries, DeliveryPolicy};
use crate::orders::{
    IdempotentOrders, KeyPolicy, OrderHistory, PlaceOrder, PlaceOrderPorts, Settlement,
};
use crate::payments::{PaymentPorts, Payments};
use crate::policy::OrderPolicy;

/// Every port a use case needs, with the adapters of one deployment.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Ports {
    /// Transactions, and the stock, order and payment repositories bound to each.
    pub uow: Arc<dyn UnitOfWork>,
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub codes: Arc<dyn VerificationCodes>,
    pub captchas: Arc<dyn CaptchaPainter>,
    pub outbox: Arc<dyn Outbox>,
    pub mailer: Arc<dyn Mailer>,
    pub qq: Arc<dyn QqOAuth>,
    pub qq_bindings: Arc<dyn QqBindings>,
    pub limits: Arc<dyn RateLimits>,
    pub idempotency_keys: Arc<dyn IdempotencyKeys>,
    pub tokens: Arc<dyn SignedTokens>,
    pub sms: Arc<dyn SmsSender>,
    pub areas: Arc<dyn AreaRepository>,
    pub addresses: Arc<dyn AddressRepository>,
    /// The storefront's catalog reads (cached or not: the wiring's choice).
    pub catalog: Arc<dyn CatalogQueries>,
    /// Hears of changed sales and comments (whatever caches the catalog).
    pub catalog_changes: Arc<dyn CatalogChanges>,
    /// SKUs by id, as settlement, comments and browse history check them.
    pub skus: Arc<dyn SkuCatalog>,
    /// SKUs by id, as the cart checks them on every addition (may be cached for a moment: the
    /// order checks stock again in its transaction).
    pub cart_skus: Arc<dyn SkuCatalog>,
    pub browse_history: Arc<dyn BrowseHistory>,
    pub orders: Arc<dyn OrderRepository>,
    pub payments: Arc<dyn PaymentRepository>,
    pub gateway: Arc<dyn PaymentGateway>,
    pub carts: Arc<dyn CartStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn OrderIdSource>,
    /// Staff and their rights.
    pub staff: Arc<dyn StaffDirectory>,
    /// The admin API's statistics and listings.
    pub admin_queries: Arc<dyn AdminQueries>,
    pub audit: Arc<dyn AuditLog>,
    /// Groups, permissions and staff accounts.
    pub rights: Arc<dyn RightsAdmin>,
    /// Visits per category per day.
    pub category_visits: Arc<dyn CategoryVisitStore>,
    /// The catalog's rows as operators edit them.
    pub catalog_editor: Arc<dyn CatalogEditor>,
    /// Where uploaded pictures are kept.
    pub images: Arc<dyn ImageStore>,
    /// This process's full-text index of the SKUs on sale.
    pub search_index: Arc<dyn SkuIndex>,
    /// Where the index reads the SKUs from.
    pub sku_documents: Arc<dyn SkuDocuments>,
    /// The SKUs on flash sale, as the database records them.
    pub flash_sales: Arc<dyn FlashSales>,
    /// The flash sales' gates (shared by the replicas: Redis; else this process's).
    pub sale_gate: Arc<dyn SaleGate>,
}

/// The rules of one deployment.
#[derive(Debug, Clone)]
pub struct Policies {
    pub order: OrderPolicy,
    pub sms: SmsPolicy,
    /// The front end's page that verifies an email (the mailed link adds `?token=`).
    pub email_verify_url: String,
    /// How the outbox's worker delivers.
    pub delivery: DeliveryPolicy,
    /// Our application id at the payment gateway (callbacks naming another are refused).
    pub payment_app_id: String,
    /// Our merchant id at the payment gateway (callbacks paying another seller are refused).
    pub payment_seller_id: String,
    /// Unpaid online orders older than this are cancelled.
    pub unpaid_ttl: Duration,
    /// The search index is built anew at least this often (between, it reads changes).
    pub search_rebuild: Duration,
}

impl Default for Policies {
    /// The original's rules: freight 10.00, 200 units a line, SMS codes for 5 minutes, unpaid
    /// orders cancelled after 30 minutes; no payment application id.
    fn default() -> Self {
        Policies {
            order: OrderPolicy::default(),
            sms: SmsPolicy::default(),
            email_verify_url: "http://www.meiduo.site:8080/success_verify_email.html".to_owned(),
            delivery: DeliveryPolicy::default(),
            payment_app_id: String::new(),
            payment_seller_id: String::new(),
            unpaid_ttl: Duration::from_secs(30 * 60),
            search_rebuild: Duration::from_secs(30 * 60),
        }
    }
}

/// Every use case, ready to serve.
#[allow(missing_debug_implementations)]
pub struct UseCases {
    pub accounts: Arc<Accounts>,
    pub deliveries: Arc<Deliveries>,
    pub addresses: Addresses,
    pub catalog: Catalog,
    pub carts: Carts,
    pub settlement: Settlement,
    pub place_order: Arc<PlaceOrder>,
    /// `POST /orders/` with an `Idempotency-Key`.
    pub place_order_once: IdempotentOrders,
    pub history: OrderHistory,
    pub payments: Arc<Payments>,
    /// The operators' side (`/meiduo_admin/`).
    pub admin: Admin,
    /// The operators' administration of the catalog.
    pub catalog_admin: crate::catalog_admin::CatalogAdmin,
    /// Visits of category lists, counted in memory and flushed in the background.
    pub visits: Arc<crate::visits::CategoryVisits>,
    /// Keeps the search index on the database's catalog.
    pub search: Arc<crate::search::SearchIndexing>,
    /// Flash sales: opened and closed by operators, reconciled in the background.
    pub flash_sale: Arc<crate::flash_sale::FlashSale>,
}

impl UseCases {
    /// Assembles every use case from `ports` under `policies`.
    pub fn build(ports: &Ports, policies: &Policies) -> Self {
        let p = ports.clone();
        let place_order = Arc::new(PlaceOrder::new(
            PlaceOrderPorts {
                uow: p.uow.clone(),
                addresses: p.addresses.clone(),
                carts: p.carts.clone(),
                clock: p.clock.clone(),
                ids: p.ids.clone(),
                changes: p.catalog_changes.clone(),
                gate: p.sale_gate.clone(),
            },
            policies.order.clone(),
        ));
        let admin = Admin::new(
            AdminPorts {
                staff: p.staff.clone(),
                queries: p.admin_queries.clone(),
                audit: p.audit.clone(),
                users: p.users.clone(),
                hasher: p.hasher.clone(),
                clock: p.clock.clone(),
                rights: p.rights.clone(),
                visits: p.category_visits.clone(),
            },
            OrderHistory::new(
                p.uow.clone(),
                p.orders.clone(),
                p.catalog.clone(),
                p.catalog_changes.clone(),
            ),
        );
        let catalog_admin =
            crate::catalog_admin::CatalogAdmin::new(crate::catalog_admin::CatalogAdminPorts {
                editor: p.catalog_editor.clone(),
                images: p.images.clone(),
                changes: p.catalog_changes.clone(),
                audit: p.audit.clone(),
                clock: p.clock.clone(),
            });
        UseCases {
            flash_sale: Arc::new(crate::flash_sale::FlashSale::new(
                p.flash_sales.clone(),
                p.sale_gate.clone(),
                p.audit.clone(),
                p.clock.clone(),
            )),
            admin,
            catalog_admin,
            visits: Arc::new(crate::visits::CategoryVisits::new(
                p.category_visits.clone(),
                p.clock.clone(),
            )),
            accounts: Arc::new(Accounts::new(
                AccountPorts {
                    users: p.users.clone(),
                    hasher: p.hasher,
                    codes: p.codes,
                    outbox: p.outbox.clone(),
                    captchas: p.captchas,
                    tokens: p.tokens,
                    qq: p.qq,
                    qq_bindings: p.qq_bindings,
                    limits: p.limits,
                },
                policies.sms,
                policies.email_verify_url.clone(),
            )),
            deliveries: Arc::new(Deliveries::new(p.outbox, p.sms, p.mailer, policies.delivery)),
            addresses: Addresses::new(p.addresses.clone(), p.areas.clone(), p.users),
            catalog: Catalog::new(
                p.catalog.clone(),
                p.skus.clone(),
                p.areas,
                p.browse_history,
                p.search_index.clone(),
            ),
            search: Arc::new(crate::search::SearchIndexing::new(
                p.sku_documents,
                p.search_index,
                p.clock.clone(),
                policies.search_rebuild,
            )),
            carts: Carts::new(p.carts.clone(), p.cart_skus, policies.order.max_count),
            settlement: Settlement::new(p.carts.clone(), p.skus, policies.order.freight),
            place_order_once: IdempotentOrders::new(
                place_order.clone(),
                p.idempotency_keys,
                p.clock.clone(),
                KeyPolicy::default(),
            ),
            place_order,
            history: OrderHistory::new(
                p.uow.clone(),
                p.orders.clone(),
                p.catalog,
                p.catalog_changes,
            ),
            payments: Arc::new(Payments::new(
                PaymentPorts {
                    uow: p.uow,
                    orders: p.orders,
                    payments: p.payments,
                    gateway: p.gateway,
                    clock: p.clock,
                },
                policies.payment_app_id.clone(),
                policies.payment_seller_id.clone(),
                policies.unpaid_ttl,
            )),
        }
    }
}
