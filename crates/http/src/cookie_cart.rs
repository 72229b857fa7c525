//! The anonymous cart, kept in a signed cookie named `carts`: serde JSON
//! `{"<sku_id>": {"count": n, "selected": bool}}` (the original's layout, which was a pickle),
//! signed with the `cookie` crate's signed jar. Anything tampered, oversized or malformed reads as
//! an empty cart, and the answer replaces the cookie.

use std::collections::BTreeMap;

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use meiduo_application::cart::ANONYMOUS_CART_LINES;
use meiduo_domain::{Cart, CartLine, Quantity, QuantityLimit, SkuId};
use serde::{Deserialize, Serialize};

pub const COOKIE_NAME: &str = "carts";
/// Browsers keep about 4 KB per cookie; a larger one is refused as malformed.
const MAX_COOKIE_LEN: usize = 4000;
const COOKIE_DAYS: i64 = 30;

#[derive(Debug, Serialize, Deserialize)]
struct StoredLine {
    count: i64,
    selected: bool,
}

/// What the request's cookie held.
#[derive(Debug, Default)]
pub struct CookieCart {
    pub cart: Cart,
    /// The cookie was present but unusable: the answer must replace it.
    pub was_bad: bool,
}

/// Reads the cart of the request's `carts` cookie.
pub fn read(req: &HttpRequest, key: &Key, limit: QuantityLimit) -> CookieCart {
    let Some(raw) = req.cookie(COOKIE_NAME) else {
        return CookieCart::default();
    };
    if raw.value().len() > MAX_COOKIE_LEN {
        return CookieCart { cart: Cart::new(), was_bad: true };
    }
    let mut jar = CookieJar::new();
    jar.add_original(raw.into_owned());
    let parsed = jar
        .signed(key)
        .get(COOKIE_NAME)
        .and_then(|cookie| {
            serde_json::from_str::<BTreeMap<String, StoredLine>>(cookie.value()).ok()
        })
        .and_then(|lines| {
            if lines.len() > ANONYMOUS_CART_LINES {
                return None;
            }
            lines
                .into_iter()
                .map(|(sku, line)| {
                    Some(CartLine {
                        sku_id: SkuId(sku.parse().ok()?),
                        count: Quantity::new(line.count, limit).ok()?,
                        selected: line.selected,
                    })
                })
                .collect::<Option<Vec<_>>>()
        });
    match parsed {
        Some(lines) => CookieCart { cart: Cart::from_lines(lines), was_bad: false },
        None => CookieCart { cart: Cart::new(), was_bad: true },
    }
}

/// The signed cookie that holds `cart` (an expiring one when the cart is empty); `Secure` when
/// the shop is served over https.
pub fn write(cart: &Cart, key: &Key, secure: bool) -> Cookie<'static> {
    if cart.is_empty() {
        return clear(secure);
    }
    let lines: BTreeMap<String, StoredLine> = cart
        .lines()
        .map(|line| {
            (
                line.sku_id.0.to_string(),
                StoredLine { count: i64::from(line.count.get()), selected: line.selected },
            )
        })
        .collect();
    let json = serde_json::to_string(&lines).unwrap_or_else(|_| "{}".to_owned());
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(Cookie::new(COOKIE_NAME, json));
    let mut cookie = jar.get(COOKIE_NAME).cloned().unwrap_or_else(|| Cookie::new(COOKIE_NAME, ""));
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_max_age(CookieDuration::days(COOKIE_DAYS));
    cookie.set_secure(secure);
    cookie
}

/// A cookie that removes `carts`.
pub fn clear(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::new(COOKIE_NAME, "");
    cookie.set_path("/");
    cookie.set_secure(secure);
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn key() -> Key {
        Key::derive_from(&[7u8; 64])
    }

    fn request_with(cookie: Cookie<'static>) -> HttpRequest {
        TestRequest::default().cookie(cookie).to_http_request()
    }

    #[test]
    fn a_written_cart_reads_back() {
        let cart = Cart::from_lines([CartLine {
            sku_id: SkuId(3),
            count: Quantity::new(2, QuantityLimit::DEFAULT).unwrap(),
            selected: false,
        }]);
        let read = read(&request_with(write(&cart, &key(), false)), &key(), QuantityLimit::DEFAULT);
        assert!(!read.was_bad);
        assert_eq!(read.cart, cart);
        assert_eq!(write(&cart, &key(), true).secure(), Some(true), "https: Secure");
        assert_ne!(write(&cart, &key(), false).secure(), Some(true));
        assert_eq!(clear(true).secure(), Some(true));
    }

    #[test]
    fn tampered_unsigned_and_oversized_cookies_read_as_empty() {
        let cart = Cart::from_lines([CartLine {
            sku_id: SkuId(3),
            count: Quantity::new(2, QuantityLimit::DEFAULT).unwrap(),
            selected: true,
        }]);
        let good = write(&cart, &key(), false);
        let tampered = Cookie::new(COOKIE_NAME, good.value().replace("\"count\":2", "\"count\":9"));
        let unsigned = Cookie::new(COOKIE_NAME, r#"{"3":{"count":1,"selected":true}}"#);
        let huge = Cookie::new(COOKIE_NAME, "x".repeat(5000));
        let other_key = write(&cart, &Key::derive_from(&[9u8; 64]), false);
        for cookie in [tampered, unsigned, huge, other_key] {
            let read = read(&request_with(cookie), &key(), QuantityLimit::DEFAULT);
            assert!(read.was_bad);
            assert!(read.cart.is_empty());
        }
    }

    #[test]
    fn signed_garbage_and_bad_counts_read_as_empty() {
        for body in [
            r#"{"3":{"count":0,"selected":true}}"#,
            r#"{"x":{"count":1,"selected":true}}"#,
            "[1,2]",
        ] {
            let mut jar = CookieJar::new();
            jar.signed_mut(&key()).add(Cookie::new(COOKIE_NAME, body));
            let cookie = jar.get(COOKIE_NAME).cloned().unwrap();
            let read = read(&request_with(cookie), &key(), QuantityLimit::DEFAULT);
            assert!(read.was_bad, "{body}");
        }
    }
}
