//! Signing in and out, registering with a letter's code, the second
//! factor's step at sign-in, the language switch and keeping a session
//! alive ([`super::security`] turns the second factor on and off).
//!
//! Every POST is checked ([`Portal::form_ok`]) before anything else; a
//! refused form is shown again with a fresh token and answers 403.
//! Passwords are hashed and verified on the blocking pool, never on the
//! async threads. Failures are counted per account (or unknown email) and
//! per address ([`crate::portal::auth`] has the numbers).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;

use super::{FormPage, Para};
use crate::portal::auth;
use crate::portal::store::{NewAccount, Refused, Stage};
use crate::portal::web::{redirect, set_cookie, to_sign_in, Field, FieldError, Visitor, LANG, SESSION};
use crate::portal::Portal;

pub(super) type Fields = Form<HashMap<String, String>>;

pub(super) fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

/// Where a person starts: state staff their inbox, providers' people
/// their payments.
pub(super) fn start_page(account: &crate::portal::store::Account) -> &'static str {
    if account.staff_role.is_some() {
        "/staff"
    } else {
        "/payments"
    }
}

/// `/`: the start page when signed in, else the sign-in page.
pub async fn home(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    match &v.me {
        Some(me) => redirect(start_page(&me.account)),
        None => to_sign_in(&v),
    }
}

fn sign_in_form(p: &Portal, v: &Visitor, status: StatusCode, email: &str, errors: Vec<FieldError>, notice: Option<String>) -> Response {
    let t = v.words(p);
    let mut c = v.chrome(p, t.s("sign_in_title").to_string(), "");
    let fields = vec![
        Field::new(t, "email", "email", "email").value(email).auto("username").errors(&errors),
        Field::new(t, "password", "password", "password").auto("current-password").errors(&errors),
    ];
    c.errors = errors;
    c.notice = notice;
    let page = FormPage {
        c,
        intro: Some(t.s("sign_in_intro").to_string()),
        action: "/sign-in",
        fields,
        button: t.s("sign_in_button").to_string(),
        after: vec![
            Para { text: t.s("no_account").to_string(), href: None },
            Para { text: t.s("register_link").to_string(), href: Some("/register") },
        ],
    };
    let mut res = v.html(status, askama::Template::render(&page), p);
    if v.expired || v.stale {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, None));
    }
    res
}

/// GET `/sign-in`.
pub async fn sign_in_page(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    if v.me.is_some() {
        return redirect("/payments");
    }
    let t = v.words(&p);
    let notice = if q.contains_key("timeout") {
        Some(t.s("timed_out"))
    } else if q.contains_key("out") {
        Some(t.s("signed_out"))
    } else if q.contains_key("registered") {
        Some(t.s("registered"))
    } else if q.contains_key("invited") {
        Some(t.s("invited"))
    } else {
        None
    };
    sign_in_form(&p, &v, StatusCode::OK, "", vec![], notice.map(str::to_string))
}

/// Audits a sign-in event of an account known by its email (under its
/// first payee, so staff find it in that payee's log), or of an unknown
/// email (no account, no payee).
fn audit_account(p: &Portal, v: &Visitor, event: &str, account: Option<&crate::portal::store::Account>, detail: &str) {
    let payee = account.and_then(|a| p.store.memberships(a.id).ok()).and_then(|m| m.into_iter().next()).map(|m| m.payee_number);
    let e = crate::portal::store::AuditEvent {
        event,
        account_id: account.map(|a| a.id),
        payee_number: payee.as_deref(),
        detail,
        address: &v.address,
        at: v.now,
    };
    if let Err(err) = p.store.audit(&e) {
        (p.log)(&format!("audit log not written: {err}"));
    }
}

pub(super) fn err(field: &'static str, message: String) -> FieldError {
    FieldError { field: field.into(), message }
}

/// The time a lock ends, as the page says it: Washington time, rounded
/// up to the minute, so trying again at the minute shown works.
pub(super) fn until(p: &Portal, v: &Visitor, last: i64) -> String {
    let end = (last + p.policy.window).saturating_add(59).div_euclid(60) * 60;
    let at = crate::portal::pacific(end);
    match v.lang {
        crate::model::Language::En => format!("{} Pacific time", at.format("%-I:%M %p")),
        crate::model::Language::Es => {
            let (pm, h) = at.format("%p %-I").to_string().split_once(' ').map(|(a, b)| (a == "PM", b.to_string())).unwrap_or_default();
            format!("las {h}:{} {}, hora del Pacífico", at.format("%M"), if pm { "p. m." } else { "a. m." })
        }
    }
}

/// How many failures a key has in the window, and when its lock ends.
/// The window is the last `window` seconds, its start excluded: a lock
/// ends `window` seconds after the last failure, as the page says.
pub(super) fn locked(p: &Portal, key: &str, limit: u32, now: i64) -> Option<i64> {
    match p.store.failures_since(key, now - p.policy.window + 1) {
        Ok((n, Some(last))) if n >= limit => Some(last),
        _ => None,
    }
}

/// POST `/sign-in`.
pub async fn sign_in(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let t = v.words(&p);
    let email = field(&form, "email").trim().to_lowercase();
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return sign_in_form(&p, &v, StatusCode::FORBIDDEN, &email, vec![err("email", t.s("error_form_expired").to_string())], None);
    }
    let password = field(&form, "password").to_string();
    let mut errors = vec![];
    if email.is_empty() {
        errors.push(err("email", t.s("error_email_empty").to_string()));
    }
    if password.is_empty() {
        errors.push(err("password", t.s("error_password_empty").to_string()));
    }
    if !errors.is_empty() {
        return sign_in_form(&p, &v, StatusCode::OK, &email, errors, None);
    }
    let now = v.now;
    let address_key = auth::failure_key_address(&v.address);
    let account = p.store.account_by_email(&email).ok().flatten();
    let key = account.as_ref().map_or_else(|| auth::failure_key_email(&email), |a| auth::failure_key_account(a.id));
    let lock = locked(&p, &key, p.policy.account_failures, now).or_else(|| locked(&p, &address_key, p.policy.address_failures, now));
    if let Some(last) = lock {
        audit_account(&p, &v, "locked", account.as_ref(), account.as_ref().map_or("unknown email", |_| "account"));
        let message = t.f("error_locked", &[("time", &until(&p, &v, last))]);
        return sign_in_form(&p, &v, StatusCode::TOO_MANY_REQUESTS, &email, vec![err("email", message)], None);
    }
    let hash = account.as_ref().map_or_else(|| auth::dummy_hash().to_string(), |a| a.password_hash.clone());
    let pw = password.clone();
    let good = p.argon2(move || auth::verify_password(&pw, &hash)).await.unwrap_or(false);
    let Some(account) = account.clone().filter(|_| good) else {
        let _ = p.store.record_failure(&key, now);
        let _ = p.store.record_failure(&address_key, now);
        audit_account(&p, &v, "sign_in_failed", account.as_ref(), "");
        return sign_in_form(&p, &v, StatusCode::OK, &email, vec![err("email", t.s("error_sign_in").to_string())], None);
    };
    // A new session id at sign-in: whatever id the browser had is dropped.
    if let Some(old) = v.me.as_ref().or(v.half.as_ref()) {
        let _ = p.store.delete_session(&auth::session_hash(&old.sid));
    }
    let sid = auth::new_session_id();
    let stage = if account.totp.is_some() { Stage::Password } else { Stage::Full };
    // The failures are forgotten once signed in; with a second factor due
    // they still count (wrong codes among them), or entering the password
    // again would start a fresh run of guesses at the code.
    if stage == Stage::Full {
        let _ = p.store.clear_failures(&key);
    }
    if p.store.create_session(&auth::session_hash(&sid), account.id, stage, now).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    let session = crate::portal::store::Session { account_id: account.id, created_at: now, last_seen: now, stage, payee_number: None };
    let signed = crate::portal::web::SignedIn::load(&p, sid.clone(), session, account);
    p.audit(if stage == Stage::Full { "sign_in" } else { "sign_in_password" }, Some(&signed), "", &v);
    let mut res = redirect(if stage == Stage::Full { start_page(&signed.account) } else { "/sign-in/code" });
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, Some(&sid)));
    res
}

fn code_form(p: &Portal, v: &Visitor, status: StatusCode, errors: Vec<FieldError>) -> Response {
    let t = v.words(p);
    let mut c = v.chrome(p, t.s("totp_title").to_string(), "");
    let fields = vec![Field::new(t, "code", "totp_code", "text").auto("one-time-code").mode("numeric").errors(&errors)];
    c.errors = errors;
    let page = FormPage {
        c,
        intro: Some(t.s("totp_intro").to_string()),
        action: "/sign-in/code",
        fields,
        button: t.s("totp_button").to_string(),
        after: vec![],
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/sign-in/code`: the second factor's form.
pub async fn code_page(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    if v.me.is_some() {
        return redirect("/payments");
    }
    if v.half.is_none() {
        return to_sign_in(&v);
    }
    code_form(&p, &v, StatusCode::OK, vec![])
}

/// POST `/sign-in/code`: a good code ends the half session and begins a
/// full one under a new id; wrong codes count as failed sign-ins.
pub async fn code(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(half) = v.half.as_ref() else { return to_sign_in(&v) };
    let t = v.words(&p);
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return code_form(&p, &v, StatusCode::FORBIDDEN, vec![err("code", t.s("error_form_expired").to_string())]);
    }
    let now = v.now;
    let key = auth::failure_key_account(half.account.id);
    if let Some(last) = locked(&p, &key, p.policy.account_failures, now) {
        return code_form(&p, &v, StatusCode::TOO_MANY_REQUESTS, vec![err("code", t.f("error_locked", &[("time", &until(&p, &v, last))]))]);
    }
    let secret = half.account.totp.as_ref().map(|(sealed, nonce)| p.keys.seal_totp(half.account.id, nonce, sealed));
    let step = secret.and_then(|s| auth::totp_step(&s, field(&form, "code"), now));
    let fresh = step.is_some_and(|s| p.store.take_totp_step(half.account.id, s).unwrap_or(false));
    if !fresh {
        let _ = p.store.record_failure(&key, now);
        p.audit("sign_in_failed", Some(half), "security code", &v);
        return code_form(&p, &v, StatusCode::OK, vec![err("code", t.s("error_totp").to_string())]);
    }
    let _ = p.store.clear_failures(&key);
    let _ = p.store.delete_session(&auth::session_hash(&half.sid));
    let sid = auth::new_session_id();
    if p.store.create_session(&auth::session_hash(&sid), half.account.id, Stage::Full, now).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit("sign_in", Some(half), "security code", &v);
    let mut res = redirect(start_page(&half.account));
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, Some(&sid)));
    res
}

/// POST `/sign-out`.
pub async fn sign_out(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = v.me.as_ref().or(v.half.as_ref()) else { return redirect("/sign-in?out=1") };
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return v.message(&p, StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text", Some(("/payments", "back_to_payments")));
    }
    let _ = p.store.delete_session(&auth::session_hash(&me.sid));
    p.audit("sign_out", Some(me), "", &v);
    let mut res = redirect("/sign-in?out=1");
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, None));
    res
}

/// POST `/language`: the account's language, or signed out a cookie's.
pub async fn language(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return v.message(&p, StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text", Some(("/", "back_to_payments")));
    }
    let lang = if field(&form, "lang") == "es" { "es" } else { "en" };
    // Back to the page the form was on (our own path only: browsers read
    // a backslash as a slash, so `/\host` would leave the site too).
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'))
        .unwrap_or("/")
        .to_string();
    let mut res = redirect(&back);
    match v.me.as_ref().or(v.half.as_ref()) {
        Some(me) => {
            let _ = p.store.set_language(me.account.id, lang);
        }
        None => {
            res.headers_mut().append(header::SET_COOKIE, set_cookie(LANG, Some(lang)));
        }
    }
    res
}

/// POST `/session/extend`: the timeout warning's "Stay signed in" (the
/// visitor lookup already marked the session used).
pub async fn extend(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    if v.me.is_none() {
        return (StatusCode::UNAUTHORIZED, "signed out").into_response();
    }
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return (StatusCode::FORBIDDEN, "form token refused").into_response();
    }
    if headers.get(header::ACCEPT).is_some_and(|a| a.as_bytes().starts_with(b"application/json")) {
        return ([(header::CONTENT_TYPE, "application/json")], format!("{{\"idle_seconds\":{}}}", p.policy.idle)).into_response();
    }
    redirect("/payments")
}

/// A plausible email address: one `@`, a dot in the domain, no spaces or
/// brackets, at most 254 characters.
/// Whether `e` is shaped like an email address (one `@`, a dotted
/// domain, no spaces, at most 254 characters).
pub fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\"@\\".contains(c) && c != '@')
        && e.matches('@').count() == 1
}

fn register_form(p: &Portal, v: &Visitor, status: StatusCode, form: &HashMap<String, String>, errors: Vec<FieldError>) -> Response {
    let t = v.words(p);
    let mut c = v.chrome(p, t.s("register_title").to_string(), "");
    let fields = vec![
        Field::new(t, "payee", "payee_number", "text")
            .value(field(form, "payee"))
            .hint(t, "payee_number_hint")
            .mode("numeric")
            .errors(&errors),
        Field::new(t, "code", "registration_code", "text")
            .value(field(form, "code"))
            .hint(t, "registration_code_hint")
            .auto("off")
            .errors(&errors),
        Field::new(t, "email", "email", "email").value(field(form, "email")).hint(t, "email_hint").auto("email").errors(&errors),
        Field::new(t, "password", "new_password", "password").hint(t, "password_hint").auto("new-password").errors(&errors),
        Field::new(t, "confirm", "confirm_password", "password").auto("new-password").errors(&errors),
    ];
    c.errors = errors;
    let page = FormPage {
        c,
        intro: Some(t.s("register_intro").to_string()),
        action: "/register",
        fields,
        button: t.s("register_button").to_string(),
        after: vec![Para { text: t.s("lost_letter").to_string(), href: None }],
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/register`.
pub async fn register_page(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    if v.me.is_some() {
        return redirect("/payments");
    }
    register_form(&p, &v, StatusCode::OK, &HashMap::new(), vec![])
}

/// POST `/register`: the payee number and the code of the payee's newest
/// letter, unexpired and unused; then the email and password rules.
pub async fn register(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(mut form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let t = v.words(&p);
    form.remove("password").map(|pw| form.insert("password_value".into(), pw));
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return register_form(&p, &v, StatusCode::FORBIDDEN, &form, vec![err("payee", t.s("error_form_expired").to_string())]);
    }
    let now = v.now;
    let payee = field(&form, "payee").trim().to_string();
    let code = field(&form, "code").trim().to_string();
    let email = field(&form, "email").trim().to_lowercase();
    let password = field(&form, "password_value").to_string();
    let mut errors = vec![];
    if payee.is_empty() {
        errors.push(err("payee", t.s("error_payee_empty").to_string()));
    }
    if code.is_empty() {
        errors.push(err("code", t.s("error_code_empty").to_string()));
    }
    if !errors.is_empty() {
        return register_form(&p, &v, StatusCode::OK, &form, errors);
    }
    // Codes are 60 bits, but guessing is still throttled like passwords.
    let address_key = format!("register:{}", auth::failure_key_address(&v.address));
    let payee_key = format!("register-payee:{}", payee.chars().filter(char::is_ascii_alphanumeric).take(20).collect::<String>());
    let lock = locked(&p, &payee_key, p.policy.account_failures, now).or_else(|| locked(&p, &address_key, p.policy.address_failures, now));
    if let Some(last) = lock {
        return register_form(
            &p,
            &v,
            StatusCode::TOO_MANY_REQUESTS,
            &form,
            vec![err("code", t.f("error_locked", &[("time", &until(&p, &v, last))]))],
        );
    }
    let letter = p.catalog.payee(&payee).and_then(|_| p.store.newest_letter(&payee).ok().flatten());
    let Some(letter) = letter.filter(|d| crate::regcode::matches(&p.secret, &payee, *d, &code)) else {
        let _ = p.store.record_failure(&payee_key, now);
        let _ = p.store.record_failure(&address_key, now);
        p.audit("register_failed", None, "code", &v);
        return register_form(&p, &v, StatusCode::OK, &form, vec![err("code", t.s("error_code").to_string())]);
    };
    if p.today() > crate::regcode::expires(letter) {
        p.audit("register_failed", None, "expired code", &v);
        return register_form(&p, &v, StatusCode::OK, &form, vec![err("code", t.s("error_code_expired").to_string())]);
    }
    let used_key = crate::regcode::used_key(&p.secret, &payee, letter);
    if p.store.code_used(&used_key).unwrap_or(true) {
        p.audit("register_failed", None, "used code", &v);
        return register_form(&p, &v, StatusCode::OK, &form, vec![err("code", t.s("error_code_used").to_string())]);
    }
    let mut errors = vec![];
    if !email_ok(&email) {
        errors.push(err("email", t.s("error_email_invalid").to_string()));
    }
    if let Some(problem) = auth::password_problem(&password, &payee, &email) {
        errors.push(err("password", t.s(problem.key()).to_string()));
    } else if password != field(&form, "confirm") {
        errors.push(err("confirm", t.s("error_password_mismatch").to_string()));
    }
    if !errors.is_empty() {
        return register_form(&p, &v, StatusCode::OK, &form, errors);
    }
    let Some(Ok(hash)) = p.argon2(move || auth::hash_password(&password)).await else {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    };
    let language = p.catalog.payee(&payee).map_or("en", |x| crate::portal::i18n::code(x.language));
    let new = NewAccount { payee_number: &payee, email: &email, password_hash: &hash, language, used_key: &used_key };
    match p.store.create_account(&new, now) {
        Ok(Ok(_)) => {
            let _ = p.store.audit(&crate::portal::store::AuditEvent {
                event: "register",
                account_id: None,
                payee_number: Some(&payee),
                detail: "",
                address: &v.address,
                at: now,
            });
            redirect("/sign-in?registered=1")
        }
        Ok(Err(refused)) => {
            let (f, key) = match refused {
                Refused::CodeUsed => ("code", "error_code_used"),
                Refused::PayeeHasAccount => ("payee", "error_has_account"),
                Refused::EmailTaken => ("email", "error_email_taken"),
            };
            register_form(&p, &v, StatusCode::OK, &form, vec![err(f, t.s(key).to_string())])
        }
        Err(_) => v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None),
    }
}
