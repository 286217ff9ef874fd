//! The documents pages: the runs' documents of the signed-in payee by
//! kind, the 1099 statements of every year, each document's archived
//! PDF/A copy (checked against its manifest SHA-256 on every download)
//! and its tagged PDF/UA-1 copy made on demand, and each payment's
//! remittance advice (archived, or made now from the extract).
//!
//! A document id is looked up only among the payee's own documents;
//! another payee's id, a malformed id or an encoded path answer 404 and
//! are audited. A file whose bytes no longer match is never served.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{money, month};
use crate::portal::store::DocRecord;
use crate::portal::web::{not_found, pdf, to_sign_in, Chrome, Visitor};
use crate::portal::Portal;

/// A row of a documents table.
pub struct DocRow {
    id: String,
    period: String,
    pages: i64,
    amount: String,
}

/// A kind's table.
pub struct Group {
    title: String,
    period_label: String,
    rows: Vec<DocRow>,
}

/// The documents and 1099 pages.
#[derive(askama::Template)]
#[template(path = "portal/documents.html")]
pub struct DocumentsPage<'a> {
    c: Chrome<'a>,
    intro: String,
    groups: Vec<Group>,
}

/// The kinds a provider sees, in page order (registration letters are
/// never served: they carry a code).
const SHOWN: [&str; 4] = ["invoice", "notice", "remittance", "overpayment"];

fn groups(p: &Portal, v: &Visitor, payee: &str, kinds: &[&str]) -> Vec<Group> {
    let t = v.words(p);
    let docs = p.store.documents_of(payee, None).unwrap_or_default();
    kinds
        .iter()
        .map(|kind| {
            let mut rows: Vec<&DocRecord> = docs.iter().filter(|d| d.kind == *kind && d.ok).collect();
            // One row per document id: the newest run's.
            rows.sort_by(|a, b| (b.month.as_str(), b.document_id.as_str()).cmp(&(a.month.as_str(), a.document_id.as_str())));
            rows.dedup_by(|a, b| a.document_id == b.document_id);
            Group {
                title: t.s(&format!("kind_{kind}")).to_string(),
                period_label: t.s(if *kind == "1099nec" { "tax_year" } else { "month" }).to_string(),
                rows: rows
                    .into_iter()
                    .map(|d| DocRow {
                        id: d.document_id.clone(),
                        period: if *kind == "1099nec" { d.month.get(..4).unwrap_or("").to_string() } else { month(p, v.lang, &d.month) },
                        pages: d.pages,
                        amount: d.amount.parse().map(money).unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// GET `/documents`.
pub async fn list(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let page = DocumentsPage {
        c: v.chrome(&p, t.s("documents_title").to_string(), "documents"),
        intro: t.s("documents_intro").to_string(),
        groups: groups(&p, &v, me.payee(), &SHOWN),
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// GET `/tax`: the 1099-NEC statements of every year on file.
pub async fn tax(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let page = DocumentsPage {
        c: v.chrome(&p, t.s("tax_title").to_string(), "tax"),
        intro: t.s("tax_intro").to_string(),
        groups: groups(&p, &v, me.payee(), &["1099nec"]),
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// Whether an id from a path has the shape of a document or payment id.
fn shaped(id: &str) -> bool {
    !id.is_empty() && id.len() <= 80 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The payee's servable document `id`, or the answer to give instead
/// (boxed: a response is large next to the record).
fn find(p: &Portal, v: &Visitor, id: &str) -> Result<DocRecord, Box<Response>> {
    let me = v.me.as_ref().ok_or_else(|| Box::new(to_sign_in(v)))?;
    if !shaped(id) {
        return Err(Box::new(not_found(p, v, "malformed id")));
    }
    match p.store.document(me.payee(), id) {
        Ok(Some(d)) if SHOWN.contains(&d.kind.as_str()) || d.kind == "1099nec" => Ok(d),
        _ => Err(Box::new(not_found(p, v, id))),
    }
}

/// Reads an archived document, checking its bytes again.
fn archived(p: &Portal, v: &Visitor, d: &DocRecord, download: bool) -> Response {
    let dir = p.runs.join(&d.run);
    match crate::portal::index::read_verified(&dir, &d.file, &d.sha256) {
        Ok(bytes) => {
            p.audit("download", v.me.as_ref(), &d.document_id, v);
            pdf(bytes, &format!("{}.pdf", d.document_id), download)
        }
        Err(why) => {
            (p.log)(&format!(
                "document not served: run {} document {}: {why}",
                crate::problem::shown(&d.run, 80, crate::problem::Masking::Hyphenated),
                d.document_id
            ));
            p.audit("tampered", v.me.as_ref(), &d.document_id, v);
            unavailable(p, v)
        }
    }
}

fn unavailable(p: &Portal, v: &Visitor) -> Response {
    v.message(p, StatusCode::SERVICE_UNAVAILABLE, "unavailable_title", "unavailable_text", Some(("/documents", "nav_documents")))
}

/// GET `/documents/{id}`: the archived copy, shown or (`?download=1`)
/// downloaded.
pub async fn document(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    match find(&p, &v, &id) {
        Ok(d) => archived(&p, &v, &d, q.contains_key("download")),
        Err(res) => *res,
    }
}

/// Makes (or takes from the cache) a tagged copy.
pub(super) async fn tagged_copy(
    p: &Arc<Portal>,
    key: String,
    make: impl FnOnce(&Portal) -> Result<Option<Vec<u8>>, String> + Send + 'static,
) -> Result<Option<Arc<Vec<u8>>>, String> {
    let cached = || p.tagged_cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key);
    if let Some(hit) = cached() {
        return Ok(Some(hit));
    }
    // One render per core at a time: a burst of requests waits here
    // instead of holding a Typst compilation's memory each.
    let _slot = p.render_slots.acquire().await.map_err(|e| e.to_string())?;
    if let Some(hit) = cached() {
        return Ok(Some(hit));
    }
    let portal = p.clone();
    let made = tokio::task::spawn_blocking(move || make(&portal)).await.map_err(|e| e.to_string())??;
    Ok(made.map(|pdf| {
        let pdf = Arc::new(pdf);
        p.tagged_cache.lock().unwrap_or_else(|e| e.into_inner()).put(key, pdf.clone());
        pdf
    }))
}

/// GET `/documents/{id}/accessible`: the tagged PDF/UA-1 copy.
pub async fn accessible(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let d = match find(&p, &v, &id) {
        Ok(d) => d,
        Err(res) => return *res,
    };
    let Some(run) = p.store.runs().ok().and_then(|runs| runs.into_iter().find(|r| r.name == d.run)) else { return unavailable(&p, &v) };
    let key = format!("{}\u{0}{}", d.run, d.document_id);
    let doc = d.clone();
    let made = tagged_copy(&p, key, move |p| match &p.remaker {
        Some(r) => r.tagged(&p.catalog, &run, &doc),
        None => Ok(None),
    })
    .await;
    serve_made(&p, &v, made, &format!("{}-accessible.pdf", d.document_id))
}

pub(super) fn serve_made(p: &Portal, v: &Visitor, made: Result<Option<Arc<Vec<u8>>>, String>, name: &str) -> Response {
    match made {
        Ok(Some(bytes)) => {
            p.audit("download", v.me.as_ref(), name, v);
            pdf(bytes.as_ref().clone(), name, true)
        }
        Ok(None) => unavailable(p, v),
        Err(why) => {
            (p.log)(&format!("document not made: {why}"));
            unavailable(p, v)
        }
    }
}

/// GET `/payments/{id}/remittance`: the archived advice when a run made
/// one, else one made now from the extract.
pub async fn remittance(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    if !shaped(&id) || p.catalog.payment_of(me.payee(), &id).is_none() {
        return not_found(&p, &v, "payment");
    }
    let download = q.contains_key("download");
    if let Ok(Some(d)) = p.store.document(me.payee(), &format!("RA-{id}")) {
        return archived(&p, &v, &d, download);
    }
    let payee = me.payee().to_string();
    let key = format!("RA\u{0}{payee}\u{0}{id}\u{0}untagged");
    let pid = id.clone();
    let made = tagged_copy(&p, key, move |p| match &p.remaker {
        Some(r) => r.remittance(&p.catalog, &payee, &pid, false),
        None => Ok(None),
    })
    .await;
    match made {
        Ok(Some(bytes)) => {
            p.audit("download", v.me.as_ref(), &format!("RA-{id}"), &v);
            pdf(bytes.as_ref().clone(), &format!("RA-{id}.pdf"), download)
        }
        other => serve_made(&p, &v, other, &format!("RA-{id}.pdf")),
    }
}

/// GET `/payments/{id}/remittance/accessible`.
pub async fn remittance_accessible(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    if !shaped(&id) || p.catalog.payment_of(me.payee(), &id).is_none() {
        return not_found(&p, &v, "payment");
    }
    let payee = me.payee().to_string();
    let key = format!("RA\u{0}{payee}\u{0}{id}\u{0}tagged");
    let pid = id.clone();
    let made = tagged_copy(&p, key, move |p| match &p.remaker {
        Some(r) => r.remittance(&p.catalog, &payee, &pid, true),
        None => Ok(None),
    })
    .await;
    serve_made(&p, &v, made, &format!("RA-{id}-accessible.pdf"))
}
