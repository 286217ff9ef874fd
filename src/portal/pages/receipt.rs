//! A submitted claim's receipt: `GET /claims/{number}/receipt` (the
//! PDF/A-2b copy, `?download=1` to save it) and `/receipt/accessible`
//! (tagged PDF/UA-1), made on demand by the claim receipt kind
//! (`ops::receipts`) from the submission as stored. Only the signed-in
//! payee's submitted claims have one; anything else answers 404. The
//! receipt's total is checked against the claim's, worked out again from
//! the stored lines.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::documents::{serve_made, tagged_copy};
use crate::compose::receipt::Submitted;
use crate::model::{InvoiceNumber, PayeeNumber};
use crate::portal::claims::{self, OpenInvoice};
use crate::portal::store::ClaimState;
use crate::portal::web::{not_found, pdf, to_sign_in, SignedIn, Visitor};
use crate::portal::Portal;

/// The submission of `inv` as the receipt kind takes it, and its total;
/// `None` when it was not submitted.
fn submitted(p: &Portal, me: &SignedIn, inv: &OpenInvoice) -> Option<(Submitted, rust_decimal::Decimal)> {
    let record = p.store.claim(me.payee(), &inv.invoice.number).ok().flatten().filter(|r| r.state == ClaimState::Submitted)?;
    let entries = claims::read_entries(&record.entries);
    let checks = inv.check(p, &entries);
    let total = claims::amount(&checks)?;
    let lines = checks
        .iter()
        .map(|c| Some((c.line.reference_number.clone(), c.checked.units?, c.checked.corrected_rate)))
        .collect::<Option<Vec<_>>>()?;
    let sent = crate::portal::pacific(record.submitted_at.unwrap_or(record.saved_at));
    let claim = Submitted {
        payee: PayeeNumber::parse(me.payee())?,
        invoice_number: InvoiceNumber::parse(&inv.invoice.number)?,
        month: inv.month,
        lines,
        sent,
        expected: super::claims::expected(p, me, sent),
    };
    Some((claim, total))
}

async fn answer(p: Arc<Portal>, v: Visitor, number: String, tagged: bool, download: bool) -> Response {
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some((claim, total)) = claims::invoice(&p, me.payee(), &number).and_then(|inv| submitted(&p, me, &inv)) else {
        return not_found(&p, &v, "receipt");
    };
    let id = format!("CR-{}", claim.invoice_number);
    let key = format!("CR\u{0}{}\u{0}{id}\u{0}{tagged}", me.payee());
    let made = tagged_copy(&p, key, move |p| match &p.remaker {
        Some(r) => match r.receipt(&p.catalog, &claim, tagged)? {
            Some((bytes, amount)) if amount == total => Ok(Some(bytes)),
            Some((_, amount)) => Err(format!("receipt {id}: the receipt's total {amount} is not the claim's {total}")),
            None => Ok(None),
        },
        None => Ok(None),
    })
    .await;
    let name = format!("CR-{number}{}.pdf", if tagged { "-accessible" } else { "" });
    match made {
        Ok(Some(bytes)) if !tagged => {
            p.audit("download", v.me.as_ref(), &name, &v);
            pdf(bytes.as_ref().clone(), &name, download)
        }
        other => serve_made(&p, &v, other, &name),
    }
}

/// GET `/claims/{number}/receipt`.
pub async fn receipt(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    answer(p, v, number, false, q.contains_key("download")).await
}

/// GET `/claims/{number}/receipt/accessible`.
pub async fn receipt_accessible(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    answer(p, v, number, true, true).await
}
