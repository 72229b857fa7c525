//! The QQ sandbox's pages and API, mounted under `/qq-sandbox` by the server when QQ login is
//! played locally.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::sandbox::QqSandbox;

/// What every sandbox page shows first: nobody here is really QQ's user.
pub const SANDBOX_BANNER: &str = "<div id=\"sandbox-banner\" style=\"background:#c00;color:#fff;\
     padding:12px;font:bold 18px sans-serif;text-align:center\">沙箱 SANDBOX · 这不是 QQ · This is not \
     QQ: anyone can log in here under any QQ number</div>";

/// Mounts the sandbox's endpoints.
pub fn configure(sandbox: Arc<QqSandbox>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(sandbox))
            .service(authorize)
            .service(approve)
            .service(token)
            .service(me);
    }
}

fn params(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(req.query_string().as_bytes()).into_owned().collect()
}

fn param<'a>(params: &'a std::collections::HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn callback(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("callback( {body} );\n"))
}

fn error(code: i64, description: &str) -> HttpResponse {
    callback(serde_json::json!({"error": code, "error_description": description}))
}

/// The login page: type a QQ number and approve.
#[get("/qq-sandbox/oauth2.0/authorize")]
async fn authorize(req: HttpRequest) -> HttpResponse {
    let p = params(&req);
    let hidden = ["client_id", "redirect_uri", "state"]
        .iter()
        .map(|name| {
            format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(param(&p, name)))
        })
        .collect::<String>();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>QQ 沙箱</title></head><body>{SANDBOX_BANNER}\
         <h1>QQ 登录沙箱 · QQ login sandbox</h1>\
         <form method=\"get\" action=\"/qq-sandbox/oauth2.0/approve\">{hidden}\
         <label>QQ 号 <input name=\"qq\" value=\"10001\" pattern=\"[0-9]{{5,12}}\"></label>\
         <button type=\"submit\">授权并登录 Approve</button></form></body></html>"
    ))
}

/// Approval: back to the application with a code.
#[get("/qq-sandbox/oauth2.0/approve")]
async fn approve(req: HttpRequest, sandbox: web::Data<QqSandbox>) -> HttpResponse {
    let p = params(&req);
    match sandbox.approve(
        param(&p, "client_id"),
        param(&p, "redirect_uri"),
        param(&p, "state"),
        param(&p, "qq"),
    ) {
        Ok(back) => HttpResponse::Found().insert_header((header::LOCATION, back)).finish(),
        Err(message) => HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(format!("QQ sandbox: {message}")),
    }
}

/// Code → access token, URL-encoded as QQ answers.
#[get("/qq-sandbox/oauth2.0/token")]
async fn token(req: HttpRequest, sandbox: web::Data<QqSandbox>) -> HttpResponse {
    let p = params(&req);
    if param(&p, "grant_type") != "authorization_code" {
        return error(100_005, "grant_type is wrong");
    }
    match sandbox.exchange(
        param(&p, "client_id"),
        param(&p, "client_secret"),
        param(&p, "code"),
        param(&p, "redirect_uri"),
    ) {
        Ok(token) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("access_token={token}&expires_in=7776000&refresh_token={token}R")),
        Err((code, description)) => error(code, description),
    }
}

/// Access token → openid.
#[get("/qq-sandbox/oauth2.0/me")]
async fn me(req: HttpRequest, sandbox: web::Data<QqSandbox>) -> HttpResponse {
    let p = params(&req);
    match sandbox.me(param(&p, "access_token")) {
        Ok((client_id, openid)) => {
            callback(serde_json::json!({"client_id": client_id, "openid": openid}))
        }
        Err((code, description)) => error(code, description),
    }
}
