//! A payee's people: the administrator invites staff by email with a role
//! (view, claim, manage users), changes roles and removes people
//! (`/people`); an invited person accepts with the link of the email,
//! making their own account or, signed in, adding the payee to theirs
//! (`/invite/{token}`); a person working for several payees switches
//! between them (`POST /payee`).
//!
//! The invitation's token is 256 random bits, sent only in the email and
//! stored as its SHA-256; it works once, for 7 days, and only for the
//! invited email. Every change is audited.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

use super::entry::{err, field, Fields};
use super::{date, Para};
use crate::portal::auth;
use crate::portal::store::{Accept, InviteRecord, InviteRefused, Member, Role};
use crate::portal::web::{not_found, redirect, set_cookie, to_sign_in, Chrome, Field, FieldError, SignedIn, Visitor, SESSION};
use crate::portal::Portal;

/// Invitations a payee may send in a day (each is an email from the
/// state's server).
pub const INVITES_PER_DAY: i64 = 20;

/// How long an invitation works.
pub const INVITE_SECONDS: i64 = 7 * 86_400;

/// A row of the people table.
pub struct PersonRow {
    id: i64,
    email: String,
    role: Role,
    role_words: String,
    since: String,
    me: bool,
}

/// GET `/people`.
#[derive(askama::Template)]
#[template(path = "portal/people.html")]
pub struct PeoplePage<'a> {
    c: Chrome<'a>,
    rows: Vec<PersonRow>,
    roles: Vec<(&'static str, String)>,
    email: Field,
    role_error: Option<String>,
}

fn role_words(v: &Visitor, p: &Portal, r: Role) -> String {
    v.words(p).s(&format!("role_{}", r.word())).to_string()
}

fn people_view(
    p: &Portal,
    v: &Visitor,
    me: &SignedIn,
    status: StatusCode,
    errors: Vec<FieldError>,
    email: &str,
    notice: Option<String>,
) -> Response {
    let t = v.words(p);
    let members: Vec<Member> = p.store.members(me.payee()).unwrap_or_default();
    let rows = members
        .into_iter()
        .map(|m| PersonRow {
            id: m.account_id,
            me: m.account_id == me.account.id,
            role_words: role_words(v, p, m.role),
            role: m.role,
            since: date(p, v.lang, crate::portal::pacific(m.added_at).date()),
            email: m.email,
        })
        .collect();
    let email_field = Field::new(t, "email", "people_email", "email").value(email).auto("off").errors(&errors);
    let role_error = errors.iter().find(|e| e.field == "role").map(|e| e.message.clone());
    let mut c = v.chrome(p, t.s("people_title").to_string(), "people");
    c.errors = errors;
    c.notice = notice;
    let page = PeoplePage {
        c,
        rows,
        roles: Role::ALL.iter().rev().map(|r| (r.word(), role_words(v, p, *r))).collect(),
        email: email_field,
        role_error,
    };
    v.html(status, askama::Template::render(&page), p)
}

/// The signed-in administrator of the current payee, or the answer.
fn admin<'a>(p: &Portal, v: &'a Visitor) -> Result<&'a SignedIn, Box<Response>> {
    match &v.me {
        None => Err(Box::new(to_sign_in(v))),
        Some(me) if me.may(Role::Admin) => Ok(me),
        // Not theirs to manage: as a page that does not exist.
        Some(_) => Err(Box::new(not_found(p, v, "people"))),
    }
}

/// GET `/people`.
pub async fn people(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    match admin(&p, &v) {
        Ok(me) => people_view(&p, &v, me, StatusCode::OK, vec![], "", None),
        Err(res) => *res,
    }
}

/// POST `/people/invite`: email and role.
pub async fn invite(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match admin(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    let t = v.words(&p);
    let email = field(&form, "email").trim().to_lowercase();
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return people_view(&p, &v, me, StatusCode::FORBIDDEN, vec![err("email", t.s("error_form_expired").to_string())], &email, None);
    }
    let mut errors = vec![];
    if !super::entry::email_ok(&email) {
        errors.push(err("email", t.s("error_email_invalid").to_string()));
    }
    let role = Role::parse(field(&form, "role"));
    if role.is_none() {
        errors.push(err("role", t.s("people_role_missing").to_string()));
    }
    let members = p.store.members(me.payee()).unwrap_or_default();
    if members.iter().any(|m| m.email == email) {
        errors.push(err("email", t.s("people_already").to_string()));
    }
    if errors.is_empty() && p.store.invites_since(me.payee(), v.now - 86_400).unwrap_or(i64::MAX) >= INVITES_PER_DAY {
        errors.push(err("email", t.f("people_too_many", &[("n", &INVITES_PER_DAY.to_string())])));
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return people_view(&p, &v, me, StatusCode::OK, errors, &email, None);
    };
    let token = auth::new_session_id();
    let record = InviteRecord {
        payee_number: me.payee().to_string(),
        email: email.clone(),
        role,
        staff: None,
        invited_by: me.account.id,
        expires_at: v.now + INVITE_SECONDS,
        used_at: None,
    };
    let link = format!("{}/invite/{token}", p.public_url);
    let en = p.words.get(crate::model::Language::En);
    let es = p.words.get(crate::model::Language::Es);
    let subject = format!("{} / {}", en.s("invite_mail_subject"), es.s("invite_mail_subject"));
    let body = format!(
        "{}\n\n{link}\n\n{}\n\n---\n\n{}\n\n{link}\n\n{}\n",
        en.s("invite_mail_body"),
        en.s("invite_mail_ignore"),
        es.s("invite_mail_body"),
        es.s("invite_mail_ignore")
    );
    let queued =
        p.store.create_invite(&auth::session_hash(&token), &record, v.now).and_then(|_| p.store.queue_mail(&email, &subject, &body, v.now));
    if queued.is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit("invite", Some(me), role.word(), &v);
    people_view(&p, &v, me, StatusCode::OK, vec![], "", Some(t.f("people_invited", &[("email", &email)])))
}

/// POST `/people/{id}/role` and `/people/{id}/remove`.
pub async fn change(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path((id, what)): Path<(String, String)>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let me = match admin(&p, &v) {
        Ok(me) => me,
        Err(res) => return *res,
    };
    let t = v.words(&p);
    let Ok(id) = id.parse::<i64>() else { return not_found(&p, &v, "person") };
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return people_view(&p, &v, me, StatusCode::FORBIDDEN, vec![err("email", t.s("error_form_expired").to_string())], "", None);
    }
    let result = match (what.as_str(), Role::parse(field(&form, "role"))) {
        ("role", Some(role)) => p.store.set_role(me.payee(), id, role).map(|r| r.map(|found| (found, role.word()))),
        ("remove", _) => p.store.remove_member(me.payee(), id).map(|r| r.map(|found| (found, "removed"))),
        _ => return not_found(&p, &v, "person"),
    };
    match result {
        // Another payee's person, or no one: as a page that does not exist.
        Ok(Ok((false, _))) => not_found(&p, &v, "person"),
        Ok(Ok((true, detail))) => {
            p.audit(if detail == "removed" { "person_removed" } else { "role_changed" }, Some(me), &format!("{id} {detail}"), &v);
            if id == me.account.id {
                // Their own change: the page they may see now.
                return redirect("/payments");
            }
            people_view(&p, &v, me, StatusCode::OK, vec![], "", Some(t.s("people_changed").to_string()))
        }
        Ok(Err(_)) => people_view(&p, &v, me, StatusCode::CONFLICT, vec![err("email", t.s("people_last_admin").to_string())], "", None),
        Err(_) => v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None),
    }
}

/// The invitation of a URL's token, if it can still be accepted.
fn open_invite(p: &Portal, token: &str, now: i64) -> Option<InviteRecord> {
    if !auth::id_shaped(token) {
        return None;
    }
    p.store.invite(&auth::session_hash(token)).ok().flatten().filter(|i| i.used_at.is_none() && now < i.expires_at)
}

fn invite_form(p: &Portal, v: &Visitor, token: &str, inv: &InviteRecord, status: StatusCode, errors: Vec<FieldError>) -> Response {
    invite_form_with(p, v, token, inv, status, errors, None)
}

/// The invitation page; a staff invitation also enrols the second factor
/// (`pending`: the key already shown, kept on an error).
fn invite_form_with(
    p: &Portal,
    v: &Visitor,
    token: &str,
    inv: &InviteRecord,
    status: StatusCode,
    errors: Vec<FieldError>,
    pending: Option<String>,
) -> Response {
    let t = v.words(p);
    let has_account = p.store.account_by_email(&inv.email).ok().flatten().is_some();
    let signed_as = v.me.as_ref().map(|m| m.account.email.clone());
    let (intro, fields, button, after) = match (has_account, signed_as) {
        // The invited person, signed in: one button.
        (true, Some(email)) if email == inv.email => {
            (t.s("invite_accept_intro").to_string(), vec![], t.s("invite_accept").to_string(), vec![])
        }
        (true, _) => {
            let page = super::Message {
                c: v.chrome(p, t.s("invite_title").to_string(), ""),
                text: t.s("invite_sign_in_first").to_string(),
                link: Some(("/sign-in", t.s("sign_in_title").to_string())),
            };
            return v.html(status, askama::Template::render(&page), p);
        }
        (false, _) => (
            t.f(if inv.staff.is_some() { "invite_staff_intro" } else { "invite_new_intro" }, &[("email", &inv.email)]),
            {
                let mut fields = vec![
                    Field::new(t, "password", "new_password", "password").auto("new-password").hint(t, "password_hint").errors(&errors),
                    Field::new(t, "confirm", "confirm_password", "password").auto("new-password").errors(&errors),
                ];
                if inv.staff.is_some() {
                    fields.push(Field::new(t, "code", "totp_code", "text").auto("one-time-code").mode("numeric").errors(&errors));
                }
                fields
            },
            t.s("invite_create").to_string(),
            vec![Para { text: t.s("invite_ignore").to_string(), href: None }],
        ),
    };
    let mut c = v.chrome(p, t.s("invite_title").to_string(), "");
    c.errors = errors;
    // State staff sign in with the second factor from the first time.
    let (totp_key, enrol) = match inv.staff {
        Some(_) => {
            let (key, enrol) = super::security::new_enrol(p, 0, pending);
            (Some(key), enrol)
        }
        None => (None, String::new()),
    };
    let page = InvitePage { c, token: token.to_string(), intro, fields, button, after, totp_key, enrol };
    v.html(status, askama::Template::render(&page), p)
}

/// The invitation page.
#[derive(askama::Template)]
#[template(path = "portal/invite.html")]
pub struct InvitePage<'a> {
    c: Chrome<'a>,
    token: String,
    intro: String,
    fields: Vec<Field>,
    button: String,
    after: Vec<Para>,
    /// A staff invitation: the second factor's key to enter in an app.
    totp_key: Option<String>,
    /// That key, sealed, carried by the form.
    enrol: String,
}

/// GET `/invite/{token}`.
pub async fn invitation(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    match open_invite(&p, &token, v.now) {
        Some(inv) => invite_form(&p, &v, &token, &inv, StatusCode::OK, vec![]),
        None => v.message(&p, StatusCode::NOT_FOUND, "invite_title", "invite_not_valid", Some(("/sign-in", "sign_in_title"))),
    }
}

/// POST `/invite/{token}`: a new person's password, or the signed-in
/// invited person's acceptance.
pub async fn accept(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let t = v.words(&p);
    let Some(inv) = open_invite(&p, &token, v.now) else {
        return v.message(&p, StatusCode::NOT_FOUND, "invite_title", "invite_not_valid", Some(("/sign-in", "sign_in_title")));
    };
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return invite_form(&p, &v, &token, &inv, StatusCode::FORBIDDEN, vec![err("password", t.s("error_form_expired").to_string())]);
    }
    let hash_token = auth::session_hash(&token);
    let accepted = match &v.me {
        Some(me) if me.account.email == inv.email => p.store.accept_invite(&hash_token, Accept::Existing(me.account.id), v.now),
        _ => {
            let password = field(&form, "password").to_string();
            let mut errors = vec![];
            if let Some(problem) = auth::password_problem(&password, &inv.payee_number, &inv.email) {
                errors.push(err("password", t.s(problem.key()).to_string()));
            } else if field(&form, "confirm") != password {
                errors.push(err("confirm", t.s("error_password_mismatch").to_string()));
            }
            // A staff member proves the app holds the key before the account exists.
            let enrol = field(&form, "enrol").to_string();
            let staff_totp = match inv.staff {
                Some(_) => match super::security::unseal_enrol(&p, 0, &enrol)
                    .and_then(|k| auth::totp_step(&k, field(&form, "code"), v.now).map(|s| (k, s)))
                {
                    Some(found) => Some(found),
                    None => {
                        errors.push(err("code", t.s("error_totp").to_string()));
                        None
                    }
                },
                None => None,
            };
            if !errors.is_empty() {
                let pending = (inv.staff.is_some() && super::security::unseal_enrol(&p, 0, &enrol).is_some()).then_some(enrol);
                return invite_form_with(&p, &v, &token, &inv, StatusCode::OK, errors, pending);
            }
            let Some(Ok(hash)) = p.argon2(move || auth::hash_password(&password)).await else {
                return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
            };
            let made = p.store.accept_invite(
                &hash_token,
                Accept::New { password_hash: &hash, language: crate::portal::i18n::code(v.lang) },
                v.now,
            );
            if let (Ok(Ok(account)), Some((key, step))) = (&made, staff_totp) {
                let nonce = auth::random::<16>();
                let sealed = p.keys.seal_totp(*account, &nonce, &key);
                if p.store.set_totp(*account, Some((&sealed, &nonce))).is_err() || p.store.take_totp_step(*account, step).is_err() {
                    return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
                }
            }
            made
        }
    };
    match accepted {
        Ok(Ok(account)) => {
            let _ = p.store.audit(&crate::portal::store::AuditEvent {
                event: "invite_accepted",
                account_id: Some(account),
                payee_number: Some(&inv.payee_number),
                detail: inv.role.word(),
                address: &v.address,
                at: v.now,
            });
            match &v.me {
                Some(me) => {
                    let _ = p.store.set_session_payee(&auth::session_hash(&me.sid), &inv.payee_number);
                    redirect("/payments")
                }
                None => redirect("/sign-in?invited=1"),
            }
        }
        Ok(Err(InviteRefused::EmailHasAccount)) => invite_form(&p, &v, &token, &inv, StatusCode::CONFLICT, vec![]),
        Ok(Err(_)) => v.message(&p, StatusCode::NOT_FOUND, "invite_title", "invite_not_valid", Some(("/sign-in", "sign_in_title"))),
        Err(_) => v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None),
    }
}

/// POST `/payee`: work for another of the person's payees.
pub async fn switch(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let want = field(&form, "payee");
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) || !me.payees.iter().any(|m| m.payee_number == want) {
        return not_found(&p, &v, "payee");
    }
    if p.store.set_session_payee(&auth::session_hash(&me.sid), want).is_err() {
        return v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None);
    }
    p.audit("payee_switched", Some(me), want, &v);
    let mut res = redirect("/payments");
    // The same session goes on; the cookie is set again unchanged.
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION, Some(&me.sid)));
    res
}
