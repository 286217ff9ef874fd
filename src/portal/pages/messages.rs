//! Contact Us: a provider's message center. The payee's people write to
//! a unit (Customer Service, the SSPS unit) with an optional attachment,
//! read the unit's answers and answer back (`/messages`); state staff
//! answer from their side (`super::staff`). A new message notifies the
//! other side by email through the outbox: a link, no personal data.
//!
//! Attachments: one per message, at most [`MAX_ATTACHMENT`] bytes, a PDF,
//! PNG or JPEG recognized by its first bytes (the name and the browser's
//! type are not trusted); served back only to the thread's payee and to
//! staff, always as a download.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::date;
use super::entry::err;
use crate::portal::store::{MessageRecord, NewMessage, Role, Thread, Unit};
use crate::portal::web::{not_found, redirect, to_sign_in, Chrome, FieldError, SignedIn, Visitor};
use crate::portal::Portal;

/// The largest attachment taken.
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;
/// The longest message.
pub const MAX_BODY: usize = 5_000;
/// Messages a person may send in an hour (each may carry 5 MB).
pub const MESSAGES_PER_HOUR: i64 = 20;

/// Whether `me` reached the hour's messages (staff answers are not
/// counted against them).
pub(super) fn too_many(p: &Portal, me: &SignedIn, now: i64) -> bool {
    me.account.staff_role.is_none() && p.store.messages_since(me.account.id, now - 3600).unwrap_or(i64::MAX) >= MESSAGES_PER_HOUR
}

/// The longest subject.
pub const MAX_SUBJECT: usize = 120;

/// The type of an attachment by its first bytes; `None` for anything but
/// a PDF, PNG or JPEG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A file name kept for the download: letters, digits, `.`, `-`, `_`,
/// at most 80 characters, else `attachment`.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = base.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(80).collect();
    if kept.trim_matches('.').is_empty() {
        "attachment".into()
    } else {
        kept
    }
}

/// A message form as posted (multipart).
#[derive(Default)]
pub struct Posted {
    /// Form token.
    pub csrf: String,
    /// The unit (new threads).
    pub unit: String,
    /// The subject (new threads).
    pub subject: String,
    /// The text.
    pub body: String,
    /// The attachment: name, bytes (empty when none).
    pub file: Option<(String, Vec<u8>)>,
    /// Too large, cut off.
    pub too_large: bool,
}

/// Reads a multipart message form; the attachment is read up to one byte
/// over the limit, and a larger one is refused.
pub async fn read_form(mut m: Multipart) -> Posted {
    let mut out = Posted::default();
    while let Ok(Some(mut field)) = m.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        if name == "attachment" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let mut bytes = Vec::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                if bytes.len() + chunk.len() > MAX_ATTACHMENT {
                    out.too_large = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            if !bytes.is_empty() || out.too_large {
                out.file = Some((file_name, bytes));
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "csrf" => out.csrf = text,
            "unit" => out.unit = text,
            "subject" => out.subject = text.chars().filter(|c| !c.is_control()).take(MAX_SUBJECT + 1).collect(),
            "body" => out.body = text.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_BODY + 1).collect(),
            _ => {}
        }
    }
    out
}

/// The message's checks; the attachment's name and type when it has one.
pub fn check(p: &Portal, v: &Visitor, posted: &Posted, new_thread: bool) -> Result<Option<(String, &'static str)>, Vec<FieldError>> {
    let t = v.words(p);
    let mut errors = vec![];
    if new_thread && Unit::parse(&posted.unit).is_none() {
        errors.push(err("unit", t.s("message_unit_missing").to_string()));
    }
    if new_thread && posted.subject.trim().is_empty() {
        errors.push(err("subject", t.s("message_subject_missing").to_string()));
    } else if posted.subject.chars().count() > MAX_SUBJECT {
        errors.push(err("subject", t.f("message_subject_long", &[("max", &MAX_SUBJECT.to_string())])));
    }
    if posted.body.trim().is_empty() {
        errors.push(err("body", t.s("message_body_missing").to_string()));
    } else if posted.body.chars().count() > MAX_BODY {
        errors.push(err("body", t.f("message_body_long", &[("max", &MAX_BODY.to_string())])));
    }
    let mut kept = None;
    if let Some((name, bytes)) = &posted.file {
        if posted.too_large {
            errors.push(err("attachment", t.s("message_file_large").to_string()));
        } else {
            match sniff(bytes) {
                Some(kind) => kept = Some((clean_name(name), kind)),
                None => errors.push(err("attachment", t.s("message_file_type").to_string())),
            }
        }
    }
    if errors.is_empty() {
        Ok(kept)
    } else {
        Err(errors)
    }
}

/// A message as shown.
pub struct MessageView {
    id: i64,
    from_staff: bool,
    who: String,
    at: String,
    paragraphs: Vec<String>,
    attachment: Option<String>,
}

/// A thread row.
pub struct ThreadRow {
    pub(super) id: i64,
    pub(super) subject: String,
    pub(super) unit: String,
    pub(super) updated: String,
    pub(super) status: String,
}

/// GET `/messages`.
#[derive(askama::Template)]
#[template(path = "portal/messages.html")]
pub struct MessagesPage<'a> {
    c: Chrome<'a>,
    rows: Vec<ThreadRow>,
}

/// The thread page (provider or staff).
#[derive(askama::Template)]
#[template(path = "portal/thread.html")]
pub struct ThreadPage<'a> {
    pub(super) c: Chrome<'a>,
    pub(super) back: (&'static str, String),
    pub(super) base: String,
    pub(super) facts: Vec<(String, String)>,
    pub(super) messages: Vec<MessageView>,
    pub(super) body: String,
}

/// GET `/messages/new`.
#[derive(askama::Template)]
#[template(path = "portal/message-new.html")]
pub struct NewPage<'a> {
    c: Chrome<'a>,
    units: Vec<(&'static str, String, bool)>,
    subject: String,
    body: String,
}

pub(super) fn unit_words(p: &Portal, v: &Visitor, u: Unit) -> String {
    v.words(p).s(&format!("unit_{}", u.word())).to_string()
}

pub(super) fn thread_row(p: &Portal, v: &Visitor, th: &Thread, staff: bool) -> ThreadRow {
    let t = v.words(p);
    let status = match (th.waiting_for_staff, staff) {
        (true, false) => t.s("thread_waiting"),
        (false, false) => t.s("thread_answered"),
        (true, true) => t.s("thread_to_answer"),
        (false, true) => t.s("thread_answered_staff"),
    };
    ThreadRow {
        id: th.id,
        subject: th.subject.clone(),
        unit: unit_words(p, v, th.unit),
        updated: date(p, v.lang, crate::portal::pacific(th.updated_at).date()),
        status: status.to_string(),
    }
}

pub(super) fn message_views(p: &Portal, v: &Visitor, messages: &[MessageRecord], unit: Unit) -> Vec<MessageView> {
    let t = v.words(p);
    messages
        .iter()
        .map(|m| MessageView {
            id: m.id,
            from_staff: m.from_staff,
            who: if m.from_staff { unit_words(p, v, unit) } else { t.s("message_from_provider").to_string() },
            at: {
                let at = crate::portal::pacific(m.at);
                format!("{} {}", date(p, v.lang, at.date()), at.format("%H:%M"))
            },
            paragraphs: m.body.split("\n\n").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            attachment: m.attachment.as_ref().map(|(n, _)| n.clone()),
        })
        .collect()
}

/// Queues the email that tells the other side a message is waiting.
pub(super) fn notify(p: &Portal, to: &[String], path: &str, now: i64) {
    let en = p.words.get(crate::model::Language::En);
    let es = p.words.get(crate::model::Language::Es);
    let link = format!("{}{path}", p.public_url);
    let subject = format!("{} / {}", en.s("message_mail_subject"), es.s("message_mail_subject"));
    let body = format!("{}\n\n{link}\n\n---\n\n{}\n\n{link}\n", en.s("message_mail_body"), es.s("message_mail_body"));
    for address in to {
        if let Err(e) = p.store.queue_mail(address, &subject, &body, now) {
            (p.log)(&format!("notice not queued: {e}"));
        }
    }
}

/// GET `/messages`.
pub async fn list(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let rows = p.store.threads_of(me.payee()).unwrap_or_default().iter().map(|th| thread_row(&p, &v, th, false)).collect();
    let page = MessagesPage { c: v.chrome(&p, t.s("messages_title").to_string(), "messages"), rows };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

fn new_view(p: &Portal, v: &Visitor, status: StatusCode, posted: &Posted, errors: Vec<FieldError>) -> Response {
    let t = v.words(p);
    let mut c = v.chrome(p, t.s("message_new_title").to_string(), "messages");
    c.errors = errors;
    let page = NewPage {
        c,
        units: Unit::ALL.iter().map(|u| (u.word(), unit_words(p, v, *u), posted.unit == u.word())).collect(),
        subject: posted.subject.clone(),
        body: posted.body.clone(),
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/messages/new`.
pub async fn new_page(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    if v.me.is_none() {
        return to_sign_in(&v);
    }
    new_view(&p, &v, StatusCode::OK, &Posted { unit: "customer_service".into(), ..Posted::default() }, vec![])
}

/// The staff of a unit, by email (for notices).
pub(super) fn staff_of(p: &Portal, unit: Unit) -> Vec<String> {
    p.store.staff(Some(unit.word())).unwrap_or_default()
}

/// POST `/messages/new`.
pub async fn create(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    form: Multipart,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let posted = read_form(form).await;
    let t = v.words(&p);
    if !p.form_ok(&headers, &v, Some(&posted.csrf)) {
        return new_view(&p, &v, StatusCode::FORBIDDEN, &posted, vec![err("body", t.s("error_form_expired").to_string())]);
    }
    if !me.may(Role::View) {
        return not_found(&p, &v, "messages");
    }
    if too_many(&p, me, v.now) {
        let message = t.f("message_too_many", &[("n", &MESSAGES_PER_HOUR.to_string())]);
        return new_view(&p, &v, StatusCode::TOO_MANY_REQUESTS, &posted, vec![err("body", message)]);
    }
    let attachment = match check(&p, &v, &posted, true) {
        Ok(a) => a,
        Err(errors) => return new_view(&p, &v, StatusCode::OK, &posted, errors),
    };
    let unit = Unit::parse(&posted.unit).unwrap_or(Unit::CustomerService);
    let bytes = posted.file.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
    let message = NewMessage {
        author: me.account.id,
        from_staff: false,
        body: posted.body.trim(),
        attachment: attachment.as_ref().map(|(n, k)| (n.as_str(), *k, bytes)),
        now: v.now,
    };
    match p.store.start_thread(me.payee(), unit, posted.subject.trim(), &message) {
        Ok(id) => {
            p.audit("message", Some(me), &id.to_string(), &v);
            notify(&p, &staff_of(&p, unit), &format!("/staff/messages/{id}"), v.now);
            redirect(&format!("/messages/{id}?sent=1"))
        }
        Err(_) => v.message(&p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None),
    }
}

/// The payee's thread `id`, or `None` (another payee's answers 404).
fn own_thread(p: &Portal, me: &SignedIn, id: &str) -> Option<Thread> {
    let id: i64 = id.parse().ok()?;
    p.store.thread(id).ok().flatten().filter(|th| th.payee_number == me.payee() && !me.payee().is_empty())
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
    let messages = p.store.messages(th.id).unwrap_or_default();
    let mut c = v.chrome(p, th.subject.clone(), "messages");
    c.errors = errors;
    c.notice = notice;
    let page = ThreadPage {
        c,
        back: ("/messages", t.s("back_to_messages").to_string()),
        base: format!("/messages/{}", th.id),
        facts: vec![(t.s("message_unit").to_string(), unit_words(p, v, th.unit))],
        messages: message_views(p, v, &messages, th.unit),
        body: body.to_string(),
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/messages/{id}`.
pub async fn thread(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(th) = own_thread(&p, me, &id) else { return not_found(&p, &v, "thread") };
    let notice = q.contains_key("sent").then(|| v.words(&p).s("message_sent").to_string());
    thread_view(&p, &v, &th, StatusCode::OK, vec![], "", notice)
}

/// POST `/messages/{id}`: a reply.
pub async fn reply(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    form: Multipart,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(th) = own_thread(&p, me, &id) else { return not_found(&p, &v, "thread") };
    let posted = read_form(form).await;
    let shown = |status, errors| thread_view(&p, &v, &th, status, errors, &posted.body, None);
    if let Err(res) = store_reply(&p, &v, me, &headers, &th, &posted, &shown) {
        return *res;
    }
    p.audit("message", Some(me), &th.id.to_string(), &v);
    notify(&p, &staff_of(&p, th.unit), &format!("/staff/messages/{}", th.id), v.now);
    redirect(&format!("/messages/{}?sent=1", th.id))
}

/// Stores an answer posted to `th` by `me` (a provider's person, or state
/// staff: `from_staff` follows the account), after the form token, the
/// hour's limit (providers' people) and the message's checks; on a refusal
/// the answer `shown` makes (the thread page with its errors).
pub(super) fn store_reply(
    p: &Portal,
    v: &Visitor,
    me: &SignedIn,
    headers: &HeaderMap,
    th: &Thread,
    posted: &Posted,
    shown: &dyn Fn(StatusCode, Vec<FieldError>) -> Response,
) -> Result<(), Box<Response>> {
    let t = v.words(p);
    if !p.form_ok(headers, v, Some(&posted.csrf)) {
        return Err(Box::new(shown(StatusCode::FORBIDDEN, vec![err("body", t.s("error_form_expired").to_string())])));
    }
    if too_many(p, me, v.now) {
        let message = t.f("message_too_many", &[("n", &MESSAGES_PER_HOUR.to_string())]);
        return Err(Box::new(shown(StatusCode::TOO_MANY_REQUESTS, vec![err("body", message)])));
    }
    let attachment = check(p, v, posted, false).map_err(|errors| Box::new(shown(StatusCode::OK, errors)))?;
    let bytes = posted.file.as_ref().map(|(_, b)| b.as_slice()).unwrap_or_default();
    let message = NewMessage {
        author: me.account.id,
        from_staff: me.account.staff_role.is_some(),
        body: posted.body.trim(),
        attachment: attachment.as_ref().map(|(n, k)| (n.as_str(), *k, bytes)),
        now: v.now,
    };
    if p.store.add_message(th.id, &message).is_err() {
        return Err(Box::new(v.message(p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None)));
    }
    Ok(())
}

/// An attachment, as a download (never shown inline).
pub(super) fn attachment_answer(p: &Portal, v: &Visitor, thread_id: i64, message_id: &str) -> Response {
    let Some(a) = message_id.parse::<i64>().ok().and_then(|m| p.store.attachment(m).ok().flatten()) else {
        return not_found(p, v, "attachment");
    };
    if a.thread_id != thread_id {
        return not_found(p, v, "attachment");
    }
    p.audit("download", v.me.as_ref(), &format!("attachment {message_id}"), v);
    (
        [
            (header::CONTENT_TYPE, a.kind),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", a.name)),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        a.bytes,
    )
        .into_response()
}

/// GET `/messages/{id}/attachments/{message}`.
pub async fn attachment(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path((id, message)): Path<(String, String)>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(th) = own_thread(&p, me, &id) else { return not_found(&p, &v, "thread") };
    attachment_answer(&p, &v, th.id, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_known_by_their_first_bytes_and_names_are_cleaned() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<script>alert(1)</script>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(clean_name("C:\\Users\\me\\Invoice Oct.pdf"), "InvoiceOct.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("\"><img src=x>.pdf"), "imgsrcx.pdf");
        assert_eq!(clean_name(".."), "attachment");
    }
}
