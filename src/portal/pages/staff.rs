//! State staff (customer service, the SSPS unit): every page here needs
//! an account with a staff role and the second factor on (a staff member
//! without it is sent to turn it on first, and cannot turn it off). They
//! read and answer the providers' messages, look a payee up (the provider
//! file with the TIN masked, its people, its claims, its registration
//! letters), request a new registration letter, unlock a person's sign-in,
//! and read the audit log. Staff never see a password, a code or a
//! session: the store has only their hashes.
//!
//! Staff accounts are made with `ssps portal staff` (an invitation by
//! email, as a payee's people are invited).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::date;
use super::entry::Fields;
use super::messages::{self, attachment_answer, message_views, notify, read_form, store_reply, unit_words, ThreadPage, ThreadRow};
use crate::portal::auth;
use crate::portal::store::{Thread, Unit};
use crate::portal::web::{not_found, redirect, to_sign_in, Chrome, FieldError, SignedIn, Visitor};
use crate::portal::Portal;

/// The signed-in staff member, or the answer.
fn staff<'a>(p: &Portal, v: &'a Visitor) -> Result<&'a SignedIn, Box<Response>> {
    match &v.me {
        None => Err(Box::new(to_sign_in(v))),
        Some(me) if me.account.staff_role.is_none() => Err(Box::new(not_found(p, v, "staff"))),
        Some(me) if me.account.totp.is_none() => Err(Box::new(redirect("/security?staff=1"))),
        Some(me) => Ok(me),
    }
}

/// Audits a staff action about `payee` (recorded under that payee, so the
/// payee's audit log shows it).
fn audit_for(p: &Portal, v: &Visitor, me: &SignedIn, event: &str, payee: &str, detail: &str) {
    let e = crate::portal::store::AuditEvent {
        event,
        account_id: Some(me.account.id),
        payee_number: Some(payee).filter(|x| !x.is_empty()),
        detail,
        address: &v.address,
        at: v.now,
    };
    if let Err(err) = p.store.audit(&e) {
        (p.log)(&format!("audit log not written: {err}"));
    }
}

/// A thread of the inbox, with its payee.
pub struct InboxRow {
    row: ThreadRow,
    payee: String,
}

/// GET `/staff`.
#[derive(askama::Template)]
#[template(path = "portal/staff.html")]
pub struct InboxPage<'a> {
    c: Chrome<'a>,
    units: Vec<(&'static str, String, bool)>,
    all_units: bool,
    rows: Vec<InboxRow>,
}

/// GET `/staff?unit=`: the messages, those waiting for an answer first;
/// and the payee lookup.
pub async fn inbox(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    if let Err(res) = staff(&p, &v) {
        return *res;
    }
    let t = v.words(&p);
    let unit = q.get("unit").and_then(|u| Unit::parse(u));
    let rows = p
        .store
        .all_threads(unit, 200)
        .unwrap_or_default()
        .iter()
        .map(|th| InboxRow { row: messages::thread_row(&p, &v, th, true), payee: th.payee_number.clone() })
        .collect();
    let units = Unit::ALL.iter().map(|u| (u.word(), unit_words(&p, &v, *u), Some(*u) == unit)).collect();
    let page = InboxPage { c: v.chrome(&p, t.s("staff_title").to_string(), "staff"), units, all_units: unit.is_none(), rows };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

fn staff_thread(p: &Portal, id: &str) -> Option<Thread> {
    p.store.thread(id.parse().ok()?).ok().flatten()
}

fn thread_view(
    p: &Portal,
    v: &Visitor,
    th: &Thread,
    status: StatusCode,
    errors: Vec<FieldError>,
    body: &str,
    notice: Option<String>,
) -> Response {
    let t = v.words(p);
    let mut c = v.chrome(p, th.subject.clone(), "staff");
    c.errors = errors;
    c.notice = notice;
    let name = p.catalog.payee(&th.payee_number).map(|x| x.name.clone()).unwrap_or_default();
    let page = ThreadPage {
        c,
        back: ("/staff", t.s("back_to_inbox").to_string()),
        base: format!("/staff/messages/{}", th.id),
        facts: vec![
            (t.s("payee_number").to_string(), th.payee_number.clone()),
            (t.s("staff_payee_name").to_string(), name),
            (t.s("message_unit").to_string(), unit_words(p, v, th.unit)),
        ],
        messages: message_views(p, v, &p.store.messages(th.id).unwrap_or_default(), th.unit),
        body: body.to_string(),
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/staff/messages/{id}`.
pub async fn thread(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    if let Err(res) = staff(&p, &v) {
        return *res;
    }
    let Some(th) = staff_thread(&p, &id) else { return not_found(&p, &v, "thread") };
    let notice = q.contains_key("sent").then(|| v.words(&p).s("message_sent").to_string());
    thread_view(&p, &v, &th, StatusCode::OK, vec![], "", notice)
}

/// POST `/staff/messages/{id}`: an answer; the payee's people are told by
/// email.
pub async fn answer(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    form: Multipart,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match staff(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    let Some(th) = staff_thread(&p, &id) else { return not_found(&p, &v, "thread") };
    let posted = read_form(form).await;
    let shown = |status, errors| thread_view(&p, &v, &th, status, errors, &posted.body, None);
    if let Err(res) = store_reply(&p, &v, me, &headers, &th, &posted, &shown) {
        return *res;
    }
    audit_for(&p, &v, me, "staff_answer", &th.payee_number, &th.id.to_string());
    let people: Vec<String> = p.store.members(&th.payee_number).unwrap_or_default().into_iter().map(|m| m.email).collect();
    notify(&p, &people, &format!("/messages/{}", th.id), v.now);
    redirect(&format!("/staff/messages/{}?sent=1", th.id))
}

/// GET `/staff/messages/{id}/attachments/{message}`.
pub async fn attachment(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path((id, message)): Path<(String, String)>,
) -> Response {
    let v = p.visitor(&headers, addr);
    if let Err(res) = staff(&p, &v) {
        return *res;
    }
    let Some(th) = staff_thread(&p, &id) else { return not_found(&p, &v, "thread") };
    attachment_answer(&p, &v, th.id, &message)
}

/// A person of the looked-up payee.
pub struct PersonRow {
    id: i64,
    email: String,
    role: String,
    locked: bool,
}

/// GET `/staff/payee?payee=`.
#[derive(askama::Template)]
#[template(path = "portal/staff-payee.html")]
pub struct PayeePage<'a> {
    c: Chrome<'a>,
    payee: String,
    facts: Vec<(String, String)>,
    people: Vec<PersonRow>,
    claims: Vec<(String, String)>,
    letter: String,
    requested: bool,
}

fn payee_view(p: &Portal, v: &Visitor, payee: &str, notice: Option<String>) -> Response {
    let t = v.words(p);
    let Some(x) = p.catalog.payee(payee) else {
        let c = v.chrome(p, t.s("staff_lookup_title").to_string(), "staff");
        let page = super::Message { c, text: t.s("staff_no_payee").to_string(), link: Some(("/staff", t.s("back_to_inbox").to_string())) };
        return v.html(StatusCode::NOT_FOUND, askama::Template::render(&page), p);
    };
    let providers: Vec<String> = p.catalog.providers(payee).iter().map(|pr| format!("{} ({})", pr.name, pr.provider_number)).collect();
    let facts = vec![
        (t.s("payee_number").to_string(), x.payee_number.to_string()),
        (t.s("staff_payee_name").to_string(), x.name.clone()),
        (t.s("tin").to_string(), x.tin.masked()),
        (t.s("direct_deposit").to_string(), t.s(if x.direct_deposit { "yes" } else { "no" }).to_string()),
        (t.s("staff_providers").to_string(), providers.join("; ")),
    ];
    let window = v.now - p.policy.window + 1;
    let people = p
        .store
        .members(payee)
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let (n, _) = p.store.failures_since(&auth::failure_key_account(m.account_id), window).unwrap_or((0, None));
            PersonRow {
                id: m.account_id,
                locked: n >= p.policy.account_failures,
                role: t.s(&format!("role_{}", m.role.word())).to_string(),
                email: m.email,
            }
        })
        .collect();
    let claims = p
        .store
        .claims_of(payee)
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c.invoice_number,
                t.s(if c.state == crate::portal::store::ClaimState::Submitted { "staff_claim_submitted" } else { "staff_claim_draft" })
                    .to_string(),
            )
        })
        .collect();
    let letter =
        p.store.newest_letter(payee).ok().flatten().map(|d| date(p, v.lang, d)).unwrap_or_else(|| t.s("staff_no_letter").to_string());
    let requested = p.store.letters_requested().unwrap_or_default().iter().any(|r| r == payee);
    let mut c = v.chrome(p, t.f("staff_payee_title", &[("payee", payee)]), "staff");
    c.notice = notice;
    let page = PayeePage { c, payee: payee.to_string(), facts, people, claims, letter, requested };
    v.html(StatusCode::OK, askama::Template::render(&page), p)
}

/// GET `/staff/payee?payee=`: the lookup.
pub async fn payee(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match staff(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    let payee: String = q.get("payee").map(|s| s.trim().chars().filter(char::is_ascii_alphanumeric).take(20).collect()).unwrap_or_default();
    audit_for(&p, &v, me, "staff_lookup", &payee, "");
    payee_view(&p, &v, &payee, None)
}

/// POST `/staff/payee/{payee}/letter`: a new registration letter, made by
/// the next `ssps registration-letters --db` run.
pub async fn letter(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(payee): Path<String>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match staff(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    if p.catalog.payee(&payee).is_none() {
        return not_found(&p, &v, "payee");
    }
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return payee_view(&p, &v, &payee, Some(v.words(&p).s("error_form_expired").to_string()));
    }
    if p.store.request_letter(&payee, me.account.id, v.now).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    audit_for(&p, &v, me, "letter_requested", &payee, "");
    payee_view(&p, &v, &payee, Some(v.words(&p).s("staff_letter_requested").to_string()))
}

/// POST `/staff/accounts/{id}/unlock`: forgets the person's failed
/// sign-ins (account and email).
pub async fn unlock(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match staff(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    // Providers' people only: staff accounts are not unlocked by colleagues.
    let found = id.parse::<i64>().ok().and_then(|id| p.store.account(id).ok().flatten());
    let Some(account) = found.filter(|a| a.staff_role.is_none()) else {
        return not_found(&p, &v, "account");
    };
    let payee = p.store.memberships(account.id).unwrap_or_default().first().map(|m| m.payee_number.clone()).unwrap_or_default();
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return payee_view(&p, &v, &payee, Some(v.words(&p).s("error_form_expired").to_string()));
    }
    let _ = p.store.clear_failures(&auth::failure_key_account(account.id));
    let _ = p.store.clear_failures(&auth::failure_key_email(&account.email));
    audit_for(&p, &v, me, "unlocked", &payee, &account.id.to_string());
    payee_view(&p, &v, &payee, Some(v.words(&p).s("staff_unlocked").to_string()))
}

/// GET `/staff/audit?payee=`.
#[derive(askama::Template)]
#[template(path = "portal/staff-audit.html")]
pub struct AuditPage<'a> {
    c: Chrome<'a>,
    payee: String,
    rows: Vec<(String, String, String, String)>,
}

/// GET `/staff/audit?payee=`: the newest 500 events, of one payee if asked
/// (found by the store's index, however old).
pub async fn audit(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    if let Err(res) = staff(&p, &v) {
        return *res;
    }
    let t = v.words(&p);
    let payee: String = q.get("payee").map(|s| s.trim().chars().filter(char::is_ascii_alphanumeric).take(20).collect()).unwrap_or_default();
    let rows = p
        .store
        .audit_tail(Some(payee.as_str()).filter(|p| !p.is_empty()), 500)
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let at = crate::portal::pacific(r.at);
            (format!("{} {}", date(&p, v.lang, at.date()), at.format("%H:%M:%S")), r.event, r.payee_number.unwrap_or_default(), r.detail)
        })
        .collect();
    let page = AuditPage { c: v.chrome(&p, t.s("staff_audit_title").to_string(), "audit"), payee, rows };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}
