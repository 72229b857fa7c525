//! The sandbox's inbound side: its pages and API over HTTP, mounted by the server when the
//! sandbox plays Alipay's part (`/sandbox/alipay/...`).

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::gateway::parse_form;
use crate::sandbox::{Sandbox, SandboxError, deliver};

/// Mounts the sandbox's pages and API; `sandbox` answers them.
pub fn configure(sandbox: Arc<Sandbox>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(sandbox)).service(page).service(pay).service(api);
    }
}

/// What every sandbox page shows first: nothing here is real money.
pub const SANDBOX_BANNER: &str = "<div id=\"sandbox-banner\" style=\"background:#c00;color:#fff;\
     padding:12px;font:bold 18px sans-serif;text-align:center\">沙箱 SANDBOX · 这不是支付宝, 不会扣款 · \
     This is not Alipay: no money moves, and an order paid here is paid for free</div>";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn refused(error: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::BadRequest()
        .content_type("text/plain; charset=utf-8")
        .body(format!("sandbox: {error}"))
}

/// The page the page-pay URL opens: the order and a "pay" button.
#[get("/sandbox/alipay/gateway.do")]
async fn page(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    let params = match parse_form(req.query_string()) {
        Ok(params) => params,
        Err(error) => return refused(error),
    };
    match sandbox.open(&params) {
        Ok(page) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>支付宝沙箱</title></head><body>{SANDBOX_BANNER}\
             <h1>支付宝沙箱 · Alipay sandbox</h1><p>{}</p><p>订单号 {}</p><p>金额 ¥{}</p>\
             <form method=\"post\" action=\"/sandbox/alipay/pay\">\
             <input type=\"hidden\" name=\"request\" value=\"{}\"><button type=\"submit\">付款 Pay</button></form>\
             </body></html>",
            escape(&page.subject),
            escape(&page.out_trade_no),
            escape(&page.total_amount),
            escape(req.query_string()),
        )),
        Err(error) => refused(error),
    }
}

/// The buyer pays: the sandbox posts its signed notification and sends the browser back.
#[post("/sandbox/alipay/pay")]
async fn pay(sandbox: web::Data<Sandbox>, body: String) -> HttpResponse {
    let request = match parse_form(&body) {
        Ok(form) => {
            form.into_iter().find(|(k, _)| k == "request").map(|(_, v)| v).unwrap_or_default()
        }
        Err(error) => return refused(error),
    };
    let params = match parse_form(&request) {
        Ok(params) => params,
        Err(error) => return refused(error),
    };
    match sandbox.pay(&params, time::OffsetDateTime::now_utc()) {
        Ok(paid) => {
            if let Some(url) = paid.notify_url.clone() {
                let notification = paid.notification.clone();
                actix_web::rt::spawn(async move {
                    deliver(&url, &notification).await;
                });
            }
            match paid.return_url {
                Some(url) => HttpResponse::SeeOther().insert_header(("Location", url)).finish(),
                None => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("paid"),
            }
        }
        Err(SandboxError::BadSignature) => refused(SandboxError::BadSignature),
        Err(error) => refused(error),
    }
}

/// `alipay.trade.query` and `alipay.trade.refund`, answered like Alipay.
#[post("/sandbox/alipay/gateway.do")]
async fn api(sandbox: web::Data<Sandbox>, body: String) -> HttpResponse {
    match parse_form(&body)
        .map_err(|e| e.to_string())
        .and_then(|p| sandbox.api(&p).map_err(|e| e.to_string()))
    {
        Ok(json) => HttpResponse::Ok().content_type("application/json;charset=utf-8").body(json),
        Err(error) => refused(error),
    }
}
