//! The signed-in pages read from the extract: payments (filtered, paged,
//! newest first) and one payment with its lines, authorizations current
//! and of the past 12 months, and the provider file (TIN masked).
//!
//! Ids in paths are looked up only among the signed-in payee's records;
//! anything else answers 404, like a path that does not exist.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;

use super::{date, money, month};
use crate::portal::catalog::PaymentFilter;
use crate::portal::web::{not_found, to_sign_in, Chrome, Field, FieldError};
use crate::portal::Portal;

/// Payments a page.
pub const PAGE: usize = 25;

/// A row of the payments table.
pub struct PaymentRow {
    id: String,
    issue_date: String,
    method: String,
    settlement: String,
    invoices: String,
    amount: String,
}

/// The payments page.
#[derive(askama::Template)]
#[template(path = "portal/payments.html")]
pub struct PaymentsPage<'a> {
    c: Chrome<'a>,
    fields: Vec<Field>,
    filtered: bool,
    shown_of: String,
    rows: Vec<PaymentRow>,
    pages: usize,
    page_of: String,
    prev: Option<String>,
    next: Option<String>,
}

fn parse_amount(s: &str) -> Option<Decimal> {
    let cleaned: String = s.chars().filter(|c| !matches!(c, '$' | ',' | ' ')).collect();
    cleaned.parse::<Decimal>().ok().filter(|d| d.scale() <= 2)
}

/// GET `/payments?from=&to=&min=&max=&invoice=&page=`.
pub async fn payments(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut errors = vec![];
    let mut filter = PaymentFilter::default();
    let mut kept: Vec<(&str, String)> = vec![];
    for (k, slot) in [("from", &mut filter.from), ("to", &mut filter.to)] {
        if let Some(s) = get(k) {
            match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => {
                    *slot = Some(d);
                    kept.push((k, d.to_string()));
                }
                Err(_) => errors
                    .push(FieldError { field: (if k == "from" { "from" } else { "to" }).into(), message: t.s("error_date").to_string() }),
            }
        }
    }
    for (k, slot) in [("min", &mut filter.min), ("max", &mut filter.max)] {
        if let Some(s) = get(k) {
            match parse_amount(s) {
                Some(d) => {
                    *slot = Some(d);
                    kept.push((k, d.to_string()));
                }
                None => errors
                    .push(FieldError { field: (if k == "min" { "min" } else { "max" }).into(), message: t.s("error_amount").to_string() }),
            }
        }
    }
    if let Some(s) = get("invoice") {
        // Invoice numbers are letters, digits and hyphens; anything else
        // matches nothing (and never reaches a link).
        let clean: String = s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(30).collect();
        filter.invoice = Some(clean.clone());
        kept.push(("invoice", clean));
    }
    let all = p.catalog.payments(me.payee(), &filter);
    let pages = all.len().div_ceil(PAGE).max(1);
    let page = get("page").and_then(|s| s.parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let link = |n: usize| {
        let mut parts: Vec<String> = kept.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("page={n}"));
        format!("/payments?{}", parts.join("&"))
    };
    let rows = all
        .iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .map(|pay| {
            let mut invoices: Vec<&str> =
                p.catalog.lines(pay).iter().filter_map(|l| l.invoice_number.as_ref().map(|n| n.as_str())).collect();
            invoices.sort_unstable();
            invoices.dedup();
            PaymentRow {
                id: pay.payment_id.as_str().to_string(),
                issue_date: date(&p, v.lang, pay.issue_date),
                method: t.s(&format!("method_{}", pay.method.code())).to_string(),
                settlement: pay.settlement_date.map(|d| date(&p, v.lang, d)).unwrap_or_default(),
                invoices: invoices.join(", "),
                amount: money(pay.amount),
            }
        })
        .collect();
    let value = |k: &str| q.get(k).map(|s| s.trim().chars().take(40).collect::<String>()).unwrap_or_default();
    let fields = vec![
        Field::new(t, "from", "filter_from", "text").value(&value("from")).hint(t, "date_hint").errors(&errors),
        Field::new(t, "to", "filter_to", "text").value(&value("to")).hint(t, "date_hint").errors(&errors),
        Field::new(t, "min", "filter_min", "text").value(&value("min")).mode("decimal").errors(&errors),
        Field::new(t, "max", "filter_max", "text").value(&value("max")).mode("decimal").errors(&errors),
        Field::new(t, "invoice", "filter_invoice", "text").value(&value("invoice")).errors(&errors),
    ];
    let total = all.len();
    let shown = rows_len(total, page);
    let mut c = v.chrome(&p, t.s("payments_title").to_string(), "payments");
    c.errors = errors;
    let page_view = PaymentsPage {
        c,
        fields,
        filtered: !kept.is_empty(),
        shown_of: t.f("shown_of", &[("shown", &shown.to_string()), ("total", &total.to_string())]),
        rows,
        pages,
        page_of: t.f("page_of", &[("page", &page.to_string()), ("pages", &pages.to_string())]),
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    };
    v.html(StatusCode::OK, askama::Template::render(&page_view), &p)
}

fn rows_len(total: usize, page: usize) -> usize {
    total.saturating_sub((page - 1) * PAGE).min(PAGE)
}

/// A line of a payment.
pub struct LineRow {
    no: u32,
    child: String,
    service: String,
    month: String,
    invoice: String,
    units: String,
    rate: String,
    amount: String,
}

/// One payment.
#[derive(askama::Template)]
#[template(path = "portal/payment.html")]
pub struct PaymentPage<'a> {
    c: Chrome<'a>,
    id: String,
    issue_date: String,
    method: String,
    settlement: String,
    amount: String,
    on_demand: bool,
    lines: Vec<LineRow>,
}

/// GET `/payments/{id}`.
pub async fn payment(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(pay) = p.catalog.payment_of(me.payee(), &id) else { return not_found(&p, &v, "payment") };
    let t = v.words(&p);
    let lines = p
        .catalog
        .lines(pay)
        .into_iter()
        .map(|l| {
            let auth = l.reference_number.as_ref().and_then(|r| p.catalog.authorization_of(me.payee(), r.as_str()));
            let service = match (&l.adjustment_code, &l.description, auth) {
                (Some(code), Some(d), _) => format!("{} {code}: {d}", t.s("adjustment")),
                (Some(code), None, _) => format!("{} {code}", t.s("adjustment")),
                (None, _, Some(a)) => format!("{} {}", a.service_code, a.service_name),
                (None, Some(d), None) => d.clone(),
                (None, None, None) => String::new(),
            };
            LineRow {
                no: l.line_no,
                child: auth.map(|a| p.catalog.client_name(a)).unwrap_or_default(),
                service,
                month: month(&p, v.lang, &l.service_month.to_string()),
                invoice: l.invoice_number.as_ref().map(|n| n.as_str().to_string()).unwrap_or_default(),
                units: l.units.map(|u| u.normalize().to_string()).unwrap_or_default(),
                rate: l.rate.map(money).unwrap_or_default(),
                amount: money(l.amount),
            }
        })
        .collect();
    let archived = p.store.document(me.payee(), &format!("RA-{id}")).ok().flatten().is_some();
    let page = PaymentPage {
        c: v.chrome(&p, t.f("payment_title", &[("id", &id)]), "payments"),
        id: pay.payment_id.as_str().to_string(),
        issue_date: date(&p, v.lang, pay.issue_date),
        method: t.s(&format!("method_{}", pay.method.code())).to_string(),
        settlement: pay.settlement_date.map(|d| date(&p, v.lang, d)).unwrap_or_default(),
        amount: money(pay.amount),
        on_demand: !archived,
        lines,
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// A row of the authorizations table.
pub struct AuthRow {
    reference: String,
    number: String,
    child: String,
    service: String,
    program: String,
    from: String,
    to: String,
    units: String,
    rate: String,
}

/// The authorizations page.
#[derive(askama::Template)]
#[template(path = "portal/authorizations.html")]
pub struct AuthorizationsPage<'a> {
    c: Chrome<'a>,
    groups: Vec<(String, Vec<AuthRow>)>,
}

/// GET `/authorizations`.
pub async fn authorizations(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let today = p.today();
    let (mut current, mut ended) = (vec![], vec![]);
    for a in p.catalog.authorizations(me.payee(), today) {
        let row = AuthRow {
            reference: a.reference_number.as_str().to_string(),
            number: a.authorization_number.as_str().to_string(),
            child: p.catalog.client_name(a),
            service: format!("{} {}", a.service_code, a.service_name),
            program: a.program.code().to_string(),
            from: date(&p, v.lang, a.start_date),
            to: date(&p, v.lang, a.end_date),
            units: format!("{} {}", a.units_authorized.normalize(), a.unit.code()),
            rate: money(a.rate),
        };
        if a.end_date >= today {
            current.push(row);
        } else {
            ended.push(row);
        }
    }
    let page = AuthorizationsPage {
        c: v.chrome(&p, t.s("authorizations_title").to_string(), "authorizations"),
        groups: vec![(t.s("current").to_string(), current), (t.s("ended").to_string(), ended)],
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// The provider file.
#[derive(askama::Template)]
#[template(path = "portal/provider.html")]
pub struct ProviderPage<'a> {
    c: Chrome<'a>,
    facts: Vec<(String, String)>,
    providers: Vec<(String, String, String, String)>,
}

/// GET `/provider`.
pub async fn provider(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let Some(payee) = p.catalog.payee(me.payee()) else { return not_found(&p, &v, "payee not in extract") };
    let a = &payee.address;
    let address = [Some(a.line1.clone()), a.line2.clone(), Some(format!("{} {} {}", a.city, a.state, a.zip))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    let delivery = format!("delivery_{}", payee.delivery.code());
    let mut facts = vec![(t.s("name").to_string(), payee.name.clone())];
    if let Some(dba) = &payee.dba_name {
        facts.push((t.s("dba_name").to_string(), dba.clone()));
    }
    facts.extend([
        (t.s("payee_number").to_string(), payee.payee_number.as_str().to_string()),
        (t.s("address").to_string(), address),
        (t.s("tin").to_string(), payee.tin.masked()),
        (t.s("direct_deposit").to_string(), t.s(if payee.direct_deposit { "yes" } else { "no" }).to_string()),
        (t.s("delivery").to_string(), t.s(&delivery).to_string()),
        (t.s("language").to_string(), if crate::portal::i18n::code(payee.language) == "es" { "Español" } else { "English" }.to_string()),
    ]);
    let providers = p
        .catalog
        .providers(me.payee())
        .into_iter()
        .map(|x| (x.provider_number.as_str().to_string(), x.name.clone(), x.provider_type.code().replace('_', " "), x.county.clone()))
        .collect();
    let page = ProviderPage { c: v.chrome(&p, t.s("provider_title").to_string(), "provider"), facts, providers };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}
