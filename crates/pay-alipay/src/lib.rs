//! Alipay's open-platform protocol (RSA2) as the domain's payment gateway, and a sandbox that
//! plays Alipay's part locally so that staging and the embedded default pay offline.

pub mod gateway;
pub mod keys;
pub mod sandbox;
pub mod sandbox_http;
pub mod sign;

pub use gateway::{AlipayConfig, AlipayGateway, PRODUCTION_GATEWAY, SANDBOX_GATEWAY};
