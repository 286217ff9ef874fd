//! The sign-in security page: turning the second factor (TOTP) on, with
//! a first code proving the app holds the key, and off, with the password
//! again. Either change ends every session of the account but this one,
//! which goes on under a new id. Also the opt-in email notice of new
//! documents.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;

use super::entry::{err, field, locked, until, Fields};
use crate::portal::auth;
use crate::portal::store::Stage;
use crate::portal::web::{set_cookie, to_sign_in, Field, FieldError, Visitor, SESSION};
use crate::portal::Portal;

/// The security page.
#[derive(askama::Template)]
#[template(path = "portal/security.html")]
pub struct SecurityPage<'a> {
    c: crate::portal::web::Chrome<'a>,
    enabled: bool,
    key: String,
    enrol: String,
    fields: Vec<Field>,
    /// Email notices of new documents (providers' people only).
    notices: Option<bool>,
}

fn security(
    p: &Portal,
    v: &Visitor,
    status: StatusCode,
    errors: Vec<FieldError>,
    notice: Option<String>,
    pending: Option<String>,
) -> Response {
    let Some(me) = &v.me else { return to_sign_in(v) };
    let t = v.words(p);
    let mut c = v.chrome(p, t.s("security_title").to_string(), "security");
    let enabled = me.account.totp.is_some();
    // A new key to enrol is carried, sealed to this account, in the form.
    let (key, enrol) = if enabled { (String::new(), String::new()) } else { new_enrol(p, me.account.id, pending) };
    let fields = if enabled {
        vec![Field::new(t, "password", "confirm_with_password", "password").auto("current-password").errors(&errors)]
    } else {
        vec![Field::new(t, "code", "totp_code", "text").auto("one-time-code").mode("numeric").errors(&errors)]
    };
    c.errors = errors;
    c.notice = notice;
    let notices = me.account.staff_role.is_none().then_some(me.account.notify_documents);
    v.html(status, askama::Template::render(&SecurityPage { c, enabled, key, enrol, fields, notices }), p)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// A key to enrol (or the pending one), as shown (base32) and as carried in
/// the form (sealed to `account`: 0 for an account still to be made).
pub(super) fn new_enrol(p: &Portal, account: i64, pending: Option<String>) -> (String, String) {
    let enrol = pending.unwrap_or_else(|| {
        let nonce = auth::random::<16>();
        let sealed = p.keys.seal_totp(account, &nonce, &auth::new_totp_secret());
        format!("{}{}", auth::hex(&nonce), auth::hex(&sealed))
    });
    let secret = unseal_enrol(p, account, &enrol).unwrap_or_default();
    (auth::base32(&secret), enrol)
}

/// The key a form carries, unsealed.
pub(super) fn unseal_enrol(p: &Portal, account: i64, enrol: &str) -> Option<Vec<u8>> {
    let bytes = unhex(enrol)?;
    if bytes.len() != 36 {
        return None;
    }
    Some(p.keys.seal_totp(account, &bytes[..16], &bytes[16..]))
}

/// GET `/security`.
pub async fn security_page(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    // State staff are sent here until their second factor is on.
    let notice = q.contains_key("staff").then(|| v.words(&p).s("staff_totp_first").to_string());
    security(&p, &v, StatusCode::OK, vec![], notice, None)
}

/// POST `/security/totp/on`: the first code proves the app has the key.
pub async fn totp_on(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let enrol = field(&form, "enrol").to_string();
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return security(&p, &v, StatusCode::FORBIDDEN, vec![err("code", t.s("error_form_expired").to_string())], None, None);
    }
    let Some(secret) = unseal_enrol(&p, me.account.id, &enrol) else {
        return security(&p, &v, StatusCode::OK, vec![err("code", t.s("error_totp").to_string())], None, None);
    };
    let Some(step) = auth::totp_step(&secret, field(&form, "code"), v.now) else {
        return security(&p, &v, StatusCode::OK, vec![err("code", t.s("error_totp").to_string())], None, Some(enrol));
    };
    let nonce = auth::random::<16>();
    let sealed = p.keys.seal_totp(me.account.id, &nonce, &secret);
    if p.store.set_totp(me.account.id, Some((&sealed, &nonce))).is_err() || p.store.take_totp_step(me.account.id, step).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit("totp_on", Some(me), "", &v);
    renewed(&p, &headers, addr, me.account.id, v.now, t.s("totp_enabled"))
}

/// POST `/security/totp/off`: asks for the password again.
pub async fn totp_off(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return security(&p, &v, StatusCode::FORBIDDEN, vec![err("password", t.s("error_form_expired").to_string())], None, None);
    }
    // State staff sign in with the second factor, always.
    if me.account.staff_role.is_some() {
        return security(&p, &v, StatusCode::FORBIDDEN, vec![err("password", t.s("staff_totp_required").to_string())], None, None);
    }
    // The password is checked here too: a locked account's is not (a
    // session left open must not be a way around the lockout).
    let key = auth::failure_key_account(me.account.id);
    if let Some(last) = locked(&p, &key, p.policy.account_failures, v.now) {
        let message = t.f("error_locked", &[("time", &until(&p, &v, last))]);
        return security(&p, &v, StatusCode::TOO_MANY_REQUESTS, vec![err("password", message)], None, None);
    }
    let (pw, hash) = (field(&form, "password").to_string(), me.account.password_hash.clone());
    let good = p.argon2(move || auth::verify_password(&pw, &hash)).await.unwrap_or(false);
    if !good {
        let _ = p.store.record_failure(&key, v.now);
        return security(&p, &v, StatusCode::OK, vec![err("password", t.s("error_password_wrong").to_string())], None, None);
    }
    if p.store.set_totp(me.account.id, None).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit("totp_off", Some(me), "", &v);
    renewed(&p, &headers, addr, me.account.id, v.now, t.s("totp_disabled"))
}

/// After a change of how an account signs in: every session of the
/// account ends (other browsers must sign in again), this one goes on
/// under a new id.
fn renewed(p: &Portal, headers: &HeaderMap, addr: SocketAddr, account: i64, now: i64, notice: &str) -> Response {
    let sid = auth::new_session_id();
    let ok =
        p.store.delete_sessions_of(account).is_ok() && p.store.create_session(&auth::session_hash(&sid), account, Stage::Full, now).is_ok();
    let mut headers = headers.clone();
    let cookie = format!("{SESSION}={sid}");
    headers.remove(header::COOKIE);
    headers.insert(header::COOKIE, axum::http::HeaderValue::from_str(&cookie).unwrap_or_else(|_| axum::http::HeaderValue::from_static("")));
    let v = p.visitor(&headers, addr);
    if !ok {
        return v.message(p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    let mut res = security(p, &v, StatusCode::OK, vec![], Some(notice.to_string()), None);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, Some(&sid)));
    res
}

/// POST `/security/notices`: the email notice of new documents on or off.
pub async fn notices(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return security(&p, &v, StatusCode::FORBIDDEN, vec![err("notify", t.s("error_form_expired").to_string())], None, None);
    }
    let on = field(&form, "notify") == "on";
    if p.store.set_notify(me.account.id, on).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit(if on { "notices_on" } else { "notices_off" }, Some(me), "", &v);
    // The page as it is now.
    let v = p.visitor(&headers, addr);
    security(&p, &v, StatusCode::OK, vec![], Some(t.s(if on { "notices_saved_on" } else { "notices_saved_off" }).to_string()), None)
}
