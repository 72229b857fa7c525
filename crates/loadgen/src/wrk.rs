//! Scripts for wrk, the client that measures the static-file ceiling, so that the server's
//! busiest answers are measured by the same client as the ceiling they are compared with (the
//! load generator's own client costs the shared cores more than wrk does). Each script sends
//! the prepared shoppers' requests in turn, with their tokens.

use std::fmt::Write as _;

use meiduo_domain::SkuId;

use crate::Shopper;

/// `POST /carts/` of one unit of a random SKU of `skus`, the shoppers in turn.
pub fn cart_add(prefix: &str, shoppers: &[Shopper], skus: &[SkuId]) -> String {
    let mut lua =
        String::from("-- meiduo-loadgen: one unit of a random SKU, the shoppers in turn\n");
    lua.push_str(&tokens(shoppers));
    lua.push_str("local bodies = {");
    for sku in skus {
        let _ = write!(lua, r#"'{{"sku_id":{},"count":1}}',"#, sku.0);
    }
    lua.push_str("}\n");
    let _ = write!(
        lua,
        r#"local i = 0
function init(args)
  math.randomseed(math.floor(os.clock() * 1000000))
  i = math.random(#tokens)
end
function request()
  i = i % #tokens + 1
  return wrk.format("POST", "{prefix}/carts/",
    {{["Authorization"] = tokens[i], ["Content-Type"] = "application/json"}},
    bodies[math.random(#bodies)])
end
{ANSWERS}"#
    );
    lua
}

/// `POST /orders/` of each shopper's selection to its own address, the shoppers in turn (after
/// a flash sale, those it turned away: every answer should be `sold_out`).
pub fn orders(prefix: &str, shoppers: &[Shopper]) -> String {
    let mut lua = String::from("-- meiduo-loadgen: each shopper orders its selection, in turn\n");
    lua.push_str(&tokens(shoppers));
    lua.push_str("local addresses = {");
    for shopper in shoppers {
        let _ = write!(lua, "{},", shopper.address.0);
    }
    lua.push_str("}\n");
    let _ = write!(
        lua,
        r#"local requests = {{}}
local i = 0
function init(args)
  for k = 1, #tokens do
    requests[k] = wrk.format("POST", "{prefix}/orders/",
      {{["Authorization"] = tokens[k], ["Content-Type"] = "application/json"}},
      '{{"address":' .. addresses[k] .. ',"pay_method":1}}')
  end
  math.randomseed(math.floor(os.clock() * 1000000))
  i = math.random(#tokens)
end
function request()
  i = i % #tokens + 1
  return requests[i]
end
{ANSWERS}"#
    );
    lua
}

/// Counts the answers by status and error code in each thread, and prints the sums at the end
/// (so that a run shows what it was answered, not only how fast).
const ANSWERS: &str = r#"local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
answers = {}
function response(status, headers, body)
  local key = tostring(status)
  if status >= 300 then
    key = key .. " " .. (string.match(body, '"code"%s*:%s*"([^"]*)"') or "?")
  end
  answers[key] = (answers[key] or 0) + 1
end
function done(summary, latency, requests)
  local sums = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("answers")) do
      sums[key] = (sums[key] or 0) + n
    end
  end
  for key, n in pairs(sums) do
    io.write(string.format("answers %s: %d\n", key, n))
  end
end
"#;

/// The shoppers' `Authorization` values as a Lua table `tokens`.
fn tokens(shoppers: &[Shopper]) -> String {
    let mut lua = String::from("local tokens = {");
    for shopper in shoppers {
        // A JWT holds only base64url characters and dots: nothing to escape in a Lua string.
        let _ = write!(lua, "'JWT {}',", shopper.token);
    }
    lua.push_str("}\n");
    lua
}

#[cfg(test)]
mod tests {
    use meiduo_domain::{AddressId, UserId};

    use super::*;

    fn shopper(n: u64) -> Shopper {
        Shopper { user: UserId(n), address: AddressId(n + 100), token: format!("t{n}.x.y") }
    }

    #[test]
    fn the_scripts_carry_every_shopper_and_sku() {
        let shoppers = [shopper(1), shopper(2)];
        let carts = cart_add("", &shoppers, &[SkuId(7), SkuId(9)]);
        assert!(carts.contains("local tokens = {'JWT t1.x.y','JWT t2.x.y',}"), "{carts}");
        assert!(carts.contains(r#"'{"sku_id":7,"count":1}','{"sku_id":9,"count":1}',"#));
        assert!(carts.contains(r#""POST", "/carts/""#));
        let orders = orders("/api", &shoppers);
        assert!(orders.contains("local addresses = {101,102,}"), "{orders}");
        assert!(orders.contains(r#""POST", "/api/orders/""#));
        assert!(carts.contains("function response(") && orders.contains("function done("));
    }
}
