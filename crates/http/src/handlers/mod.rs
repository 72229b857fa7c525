//! The endpoints, by area.
// actix-web's route macros wrap each handler in a unit struct of the same name.
#![allow(unreachable_pub)]

pub mod admin;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod flash_sale;
pub mod health;
pub mod orders;
pub mod payment;
pub mod places;
pub mod rights;
pub mod users;
