//! The payment sandbox's pages and API, served when the sandbox plays Alipay's part.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use meiduo_pay_alipay::gateway::parse_form;
use meiduo_pay_alipay::sandbox::{SandboxError, deliver};

use crate::state::ApiState;

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
pub async fn page(req: HttpRequest, state: web::Data<ApiState>) -> HttpResponse {
    let Some(sandbox) = &state.sandbox else { return HttpResponse::NotFound().finish() };
    let params = match parse_form(req.query_string()) {
        Ok(params) => params,
        Err(error) => return refused(error),
    };
    match sandbox.open(&params) {
        Ok(page) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>支付宝沙箱</title></head><body>\
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
pub async fn pay(state: web::Data<ApiState>, body: String) -> HttpResponse {
    let Some(sandbox) = &state.sandbox else { return HttpResponse::NotFound().finish() };
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
pub async fn api(state: web::Data<ApiState>, body: String) -> HttpResponse {
    let Some(sandbox) = &state.sandbox else { return HttpResponse::NotFound().finish() };
    match parse_form(&body)
        .map_err(|e| e.to_string())
        .and_then(|p| sandbox.api(&p).map_err(|e| e.to_string()))
    {
        Ok(json) => HttpResponse::Ok().content_type("application/json;charset=utf-8").body(json),
        Err(error) => refused(error),
    }
}
