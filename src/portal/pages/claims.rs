//! Claiming invoices online: the payee's invoices open to a claim, one
//! invoice's claim form (TOTAL UNITS and a corrected rate per line, Save,
//! Check and submit), the confirmation with the password, and the frozen
//! claim with its expected payment date. The month calendar that works a
//! line's units out is in [`super::calendar`].
//!
//! Every invoice is looked up among the signed-in payee's open invoices
//! (`portal::claims`); any other number answers 404 and is audited. A
//! submission is refused by the store once made, so a replayed or second
//! submit changes nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::entry::{err, field, locked, until, Fields};
use super::{date, money, month};
use crate::claim::entry::{LineEntry, Problem};
use crate::claim::timing::{self, Paid};
use crate::portal::claims::{self, Closed, Entries, LineCheck, OpenInvoice};
use crate::portal::store::{ClaimRecord, ClaimState, ClaimWrite, Role};
use crate::portal::web::{not_found, redirect, to_sign_in, Chrome, FieldError, SignedIn, Visitor};
use crate::portal::{auth, Portal};

/// A row of the invoices table.
pub struct InvoiceRow {
    number: String,
    month: String,
    provider: String,
    lines: usize,
    total: String,
    status: String,
    open: bool,
}

/// GET `/claims`.
#[derive(askama::Template)]
#[template(path = "portal/claims.html")]
pub struct ClaimsPage<'a> {
    c: Chrome<'a>,
    intro: String,
    rows: Vec<InvoiceRow>,
}

/// GET `/claims`: the invoices of the months open to claims.
pub async fn list(State(p): State<Arc<Portal>>, headers: HeaderMap, ConnectInfo(addr): ConnectInfo<SocketAddr>) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let t = v.words(&p);
    let stored = p.store.claims_of(me.payee()).unwrap_or_default();
    let rows = claims::invoices(&p, me.payee())
        .into_iter()
        .map(|i| {
            let record = stored.iter().find(|c| c.invoice_number == i.invoice.number);
            InvoiceRow {
                number: i.invoice.number.clone(),
                month: month(&p, v.lang, &i.month.to_string()),
                provider: i.invoice.provider_name.clone(),
                lines: i.lines.len(),
                total: format!("${}", i.invoice.total),
                status: status(&p, &v, &i, record),
                open: i.closed.is_none() || record.is_some(),
            }
        })
        .collect();
    let months_back = p.settings.claims.months_back.to_string();
    let page = ClaimsPage {
        c: v.chrome(&p, t.s("claims_title").to_string(), "claims"),
        intro: t.f("claims_intro", &[("months", &months_back), ("cutoff", &cutoff_words(&p, &v))]),
        rows,
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// The cutoff as the pages say it.
pub(super) fn cutoff_words(p: &Portal, v: &Visitor) -> String {
    let c = p.settings.claims.cutoff;
    match v.lang {
        crate::model::Language::En => c.format("%-I:%M %p").to_string().replace("PM", "p.m.").replace("AM", "a.m."),
        crate::model::Language::Es => c.format("%-H:%M").to_string(),
    }
}

fn status(p: &Portal, v: &Visitor, i: &OpenInvoice, record: Option<&ClaimRecord>) -> String {
    let t = v.words(p);
    match (record, i.closed) {
        (Some(r), _) if r.state == ClaimState::Submitted => t.f(
            "claim_status_submitted",
            &[("date", &date(p, v.lang, crate::portal::pacific(r.submitted_at.unwrap_or(r.saved_at)).date()))],
        ),
        (_, Some(Closed::Paid)) => t.s("claim_status_paid").to_string(),
        (_, Some(Closed::ClaimedElsewhere)) => t.s("claim_status_elsewhere").to_string(),
        (_, Some(Closed::NotYet(d))) => t.f("claim_status_not_yet", &[("date", &date(p, v.lang, d))]),
        (Some(r), None) => t.f("claim_status_draft", &[("date", &date(p, v.lang, crate::portal::pacific(r.saved_at).date()))]),
        (None, None) => t.s("claim_status_open").to_string(),
    }
}

/// One line of the claim form or the frozen claim.
pub struct LineView {
    n: usize,
    reference: String,
    child: String,
    service: String,
    period: String,
    rate: String,
    max_units: String,
    units: String,
    corrected_rate: String,
    units_error: Option<String>,
    rate_error: Option<String>,
    /// What the attendance supports, in words, when it is known.
    worked_out: Option<String>,
    /// Whether the line's units can be worked out from a calendar.
    calendar: bool,
    amount: String,
}

/// GET `/claims/{number}`.
#[derive(askama::Template)]
#[template(path = "portal/claim.html")]
pub struct ClaimPage<'a> {
    c: Chrome<'a>,
    number: String,
    month_ending: String,
    provider: String,
    total_authorized: String,
    lines: Vec<LineView>,
    /// Submitted: the facts to show instead of the form.
    frozen: Option<Frozen>,
    /// Not open to claims: why.
    closed: Option<String>,
}

/// A submitted claim's facts.
pub struct Frozen {
    submitted: String,
    expected: String,
    total: String,
}

fn problem_words(p: &Portal, v: &Visitor, l: &LineCheck, n: usize, problem: &Problem) -> (bool, String) {
    let t = v.words(p);
    let n = n.to_string();
    let units = l.checked.units.map(|u| u.normalize().to_string()).unwrap_or_default();
    match problem {
        Problem::Blank => (true, t.f("claim_blank", &[("n", &n)])),
        Problem::UnitsNotANumber => (true, t.f("claim_units_nan", &[("n", &n)])),
        Problem::AboveAuthorized { max } => {
            (true, t.f("claim_above", &[("n", &n), ("units", &units), ("max", &max.normalize().to_string())]))
        }
        Problem::RateNotDollarsAndCents => (false, t.f("claim_rate_format", &[("n", &n)])),
        Problem::RateNotLower { printed } => (false, t.f("claim_rate_not_lower", &[("n", &n), ("rate", &money(*printed))])),
        Problem::RateOverCap { cap } => (false, t.f("claim_rate_cap", &[("n", &n), ("cap", &money(*cap))])),
        Problem::FeeNotPaid { program } => (true, t.f("claim_fee_not_paid", &[("n", &n), ("program", program)])),
        Problem::BonusNotWhole { max } => (true, t.f("claim_bonus_whole", &[("n", &n), ("max", &max.normalize().to_string())])),
        Problem::BonusNeedsCalendar => (true, t.f("claim_bonus_calendar", &[("n", &n), ("child", &l.child)])),
        Problem::NotSupported { correct, steps } => (
            true,
            t.f(
                "claim_not_supported",
                &[
                    ("n", &n),
                    ("units", &units),
                    ("correct", &correct.normalize().to_string()),
                    ("words", &crate::claim::words::joined(steps, v.lang)),
                ],
            ),
        ),
    }
}

/// The lines as shown, and the errors for the summary (only when
/// `show_errors`: a fresh form shows none).
fn line_views(p: &Portal, v: &Visitor, checks: &[LineCheck], entries: &Entries, show_errors: bool) -> (Vec<LineView>, Vec<FieldError>) {
    let t = v.words(p);
    let mut errors = vec![];
    let views = checks
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = i + 1;
            let r = l.line.reference_number.to_string();
            let e = entries.get(&r).cloned().unwrap_or_default();
            let (mut units_error, mut rate_error) = (None, None);
            if show_errors {
                for problem in &l.checked.problems {
                    let (on_units, words) = problem_words(p, v, l, n, problem);
                    let id = if on_units { format!("u-{r}") } else { format!("r-{r}") };
                    errors.push(FieldError { field: id.into(), message: words.clone() });
                    let slot = if on_units { &mut units_error } else { &mut rate_error };
                    slot.get_or_insert(words);
                }
            }
            let worked_out = l.month.as_ref().map(|m| {
                let why = crate::claim::words::joined(&m.steps, v.lang);
                t.f("claim_worked_out", &[("correct", &m.correct.normalize().to_string()), ("why", &why)])
            });
            let amount = match (l.checked.units, l.checked.problems.is_empty()) {
                (Some(u), true) => {
                    u.checked_mul(l.checked.corrected_rate.unwrap_or(l.line.rate)).map(|a| money(a.round_dp(2))).unwrap_or_default()
                }
                _ => String::new(),
            };
            LineView {
                n,
                reference: r,
                child: l.child.clone(),
                service: format!("{} {}", l.line.service_code, l.line.service_name),
                period: format!("{} – {}", crate::compose::form_date(l.line.start_date), crate::compose::form_date(l.line.end_date)),
                rate: money(l.line.rate),
                max_units: l.line.units_authorized.normalize().to_string(),
                units: e.units.chars().take(12).collect(),
                corrected_rate: e.corrected_rate.chars().take(12).collect(),
                units_error,
                rate_error,
                worked_out,
                calendar: super::calendar::takes_calendar(&l.line),
                amount,
            }
        })
        .collect();
    (views, errors)
}

/// How the claim page answers: its status, a notice at the top, whether
/// the lines' errors show, and one more error for the summary.
pub(crate) struct Shown {
    status: StatusCode,
    notice: Option<String>,
    errors: bool,
    extra: Option<FieldError>,
}

impl Shown {
    /// With this status, nothing more.
    pub(crate) fn status(status: StatusCode) -> Shown {
        Shown { status, notice: None, errors: false, extra: None }
    }

    /// With the lines' errors.
    pub(crate) fn errors() -> Shown {
        Shown { errors: true, ..Shown::status(StatusCode::OK) }
    }

    /// With a notice.
    pub(crate) fn notice(words: &str) -> Shown {
        Shown { notice: Some(words.to_string()), ..Shown::status(StatusCode::OK) }
    }

    /// Refused: the claim was submitted already.
    pub(crate) fn already_submitted(t: &crate::portal::i18n::Words) -> Shown {
        Shown { notice: Some(t.s("claim_already_submitted").to_string()), ..Shown::status(StatusCode::CONFLICT) }
    }
}

/// The claim page of `inv` for `me`.
pub(super) fn claim_view(p: &Portal, v: &Visitor, me: &SignedIn, inv: &OpenInvoice, entries: &Entries, shown: Shown) -> Response {
    let Shown { status, notice, errors: show_errors, extra } = shown;
    let t = v.words(p);
    let record = p.store.claim(me.payee(), &inv.invoice.number).ok().flatten();
    let submitted = record.as_ref().filter(|r| r.state == ClaimState::Submitted);
    let entries = match submitted {
        Some(r) => claims::read_entries(&r.entries),
        None => entries.clone(),
    };
    let checks = inv.check(p, &entries);
    let (lines, errors) = line_views(p, v, &checks, &entries, show_errors && submitted.is_none());
    let frozen = submitted.map(|r| {
        let at = crate::portal::pacific(r.submitted_at.unwrap_or(r.saved_at));
        let e = expected(p, me, at);
        Frozen {
            submitted: t.f("claim_submitted_at", &[("date", &date(p, v.lang, at.date())), ("time", &at.format("%H:%M").to_string())]),
            expected: expected_words(p, v, &e),
            total: claims::amount(&checks).map(money).unwrap_or_default(),
        }
    });
    let closed = match (submitted, inv.closed) {
        (None, None) if !me.may(Role::Claim) => Some(t.s("claim_view_only").to_string()),
        (None, Some(c)) => Some(match c {
            Closed::Paid => t.s("claim_closed_paid").to_string(),
            Closed::ClaimedElsewhere => t.s("claim_closed_elsewhere").to_string(),
            Closed::NotYet(d) => t.f("claim_closed_not_yet", &[("date", &date(p, v.lang, d))]),
        }),
        _ => None,
    };
    let mut c = v.chrome(p, t.f("claim_title", &[("number", &inv.invoice.number)]), "claims");
    c.errors = extra.into_iter().chain(errors).collect();
    c.notice = notice;
    let page = ClaimPage {
        c,
        number: inv.invoice.number.clone(),
        month_ending: inv.invoice.month_ending.clone(),
        provider: format!("{} ({})", inv.invoice.provider_name, inv.invoice.provider_number),
        total_authorized: format!("${}", inv.invoice.total),
        lines,
        frozen,
        closed,
    };
    v.html(status, askama::Template::render(&page), p)
}

/// The claim's dates for a payee's payment method.
pub(super) fn expected(p: &Portal, me: &SignedIn, at: chrono::NaiveDateTime) -> timing::Expected {
    let dd = p.catalog.payee(me.payee()).is_some_and(|x| x.direct_deposit);
    timing::expected(&p.holidays, at, p.settings.claims.cutoff, if dd { Paid::DirectDeposit } else { Paid::Warrant })
}

fn expected_words(p: &Portal, v: &Visitor, e: &timing::Expected) -> String {
    let t = v.words(p);
    let key = match e.paid {
        Paid::DirectDeposit => "claim_expected_dd",
        Paid::Warrant => "claim_expected_warrant",
    };
    t.f(key, &[("processed", &date(p, v.lang, e.processed)), ("payment", &date(p, v.lang, e.payment))])
}

/// GET `/claims/{number}`.
pub async fn claim(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(inv) = claims::invoice(&p, me.payee(), &number) else { return not_found(&p, &v, "claim") };
    let record = p.store.claim(me.payee(), &inv.invoice.number).ok().flatten();
    let entries = record.map(|r| claims::read_entries(&r.entries)).unwrap_or_default();
    claim_view(&p, &v, me, &inv, &entries, Shown::status(StatusCode::OK))
}

/// The form's boxes over the stored entries (calendars kept).
fn entries_from_form(inv: &OpenInvoice, stored: &Entries, form: &std::collections::HashMap<String, String>) -> Entries {
    let mut out = stored.clone();
    for line in &inv.lines {
        let r = line.reference_number.to_string();
        let e: &mut LineEntry = out.entry(r.clone()).or_default();
        e.units = field(form, &format!("u-{r}")).trim().chars().take(12).collect();
        e.corrected_rate = field(form, &format!("r-{r}")).trim().chars().take(12).collect();
    }
    out
}

/// A person whose role does not let them claim: refused, audited.
pub(super) fn not_allowed(p: &Portal, v: &Visitor, me: &SignedIn) -> Response {
    p.audit("not_allowed", Some(me), "claim", v);
    v.message(p, StatusCode::FORBIDDEN, "not_allowed_title", "claim_view_only", Some(("/claims", "back_to_claims")))
}

/// What a claim write answers: the page, or a server error.
fn store_failed(p: &Portal, v: &Visitor) -> Response {
    v.message(p, StatusCode::SERVICE_UNAVAILABLE, "server_error_title", "server_error_text", None)
}

/// POST `/claims/{number}`: Save, or Check and submit.
pub async fn save(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(inv) = claims::invoice(&p, me.payee(), &number) else { return not_found(&p, &v, "claim") };
    if !me.may(Role::Claim) {
        return not_allowed(&p, &v, me);
    }
    let t = v.words(&p);
    let stored = p.store.claim(me.payee(), &inv.invoice.number).ok().flatten();
    if stored.as_ref().is_some_and(|r| r.state == ClaimState::Submitted) {
        return claim_view(&p, &v, me, &inv, &Entries::new(), Shown::already_submitted(t));
    }
    let entries = entries_from_form(&inv, &stored.map(|r| claims::read_entries(&r.entries)).unwrap_or_default(), &form);
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        let first = inv.lines.first().map(|l| format!("u-{}", l.reference_number)).unwrap_or_default();
        let expired = FieldError { field: first.into(), message: t.s("error_form_expired").to_string() };
        return claim_view(&p, &v, me, &inv, &entries, Shown { extra: Some(expired), ..Shown::status(StatusCode::FORBIDDEN) });
    }
    if inv.closed.is_some() {
        return claim_view(&p, &v, me, &inv, &entries, Shown::status(StatusCode::CONFLICT));
    }
    let json = claims::write_entries(&entries);
    let write = ClaimWrite {
        payee_number: me.payee(),
        invoice_number: &inv.invoice.number,
        month: &inv.month.to_string(),
        entries: &json,
        account_id: me.account.id,
        now: v.now,
    };
    match p.store.save_claim(&write) {
        Ok(Ok(())) => {}
        Ok(Err(_)) => return claim_view(&p, &v, me, &inv, &entries, Shown::already_submitted(t)),
        Err(_) => return store_failed(&p, &v),
    }
    if field(&form, "action") == "submit" {
        let checks = inv.check(&p, &entries);
        if checks.iter().all(|c| c.checked.problems.is_empty()) {
            return redirect(&format!("/claims/{}/confirm", inv.invoice.number));
        }
        return claim_view(&p, &v, me, &inv, &entries, Shown::errors());
    }
    p.audit("claim_saved", Some(me), &inv.invoice.number, &v);
    claim_view(&p, &v, me, &inv, &entries, Shown::notice(t.s("claim_saved")))
}

/// GET `/claims/{number}/confirm`.
#[derive(askama::Template)]
#[template(path = "portal/claim-confirm.html")]
pub struct ConfirmPage<'a> {
    c: Chrome<'a>,
    number: String,
    lines: Vec<LineView>,
    total: String,
    expected: String,
    password_error: Option<String>,
    /// The fingerprint of the lines shown: the submission must be these.
    draft: String,
}

/// The fingerprint of a claim's lines (SHA-256 of the stored JSON), so the
/// confirmation submits the lines the person saw, not ones a co-worker
/// saved since.
fn fingerprint(entries: &Entries) -> String {
    use sha2::Digest;
    crate::portal::auth::hex(&sha2::Sha256::digest(claims::write_entries(entries).as_bytes()))
}

fn confirm_view(
    p: &Portal,
    v: &Visitor,
    me: &SignedIn,
    inv: &OpenInvoice,
    entries: &Entries,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let t = v.words(p);
    let checks = inv.check(p, entries);
    let (lines, _) = line_views(p, v, &checks, entries, false);
    let mut c = v.chrome(p, t.f("claim_confirm_title", &[("number", &inv.invoice.number)]), "claims");
    if let Some(e) = &error {
        c.errors = vec![err("password", e.clone())];
    }
    let page = ConfirmPage {
        c,
        number: inv.invoice.number.clone(),
        lines,
        total: claims::amount(&checks).map(money).unwrap_or_default(),
        expected: expected_words(p, v, &expected(p, me, crate::portal::pacific(v.now))),
        password_error: error,
        draft: fingerprint(entries),
    };
    v.html(status, askama::Template::render(&page), p)
}

/// The stored draft of an open invoice, checked: the entries when every
/// line passes, else the answer to give (the claim page with its errors).
fn ready(p: &Portal, v: &Visitor, me: &SignedIn, inv: &OpenInvoice) -> Result<Entries, Box<Response>> {
    let record = p.store.claim(me.payee(), &inv.invoice.number).ok().flatten();
    let t = v.words(p);
    match record {
        Some(r) if r.state == ClaimState::Submitted => {
            Err(Box::new(claim_view(p, v, me, inv, &Entries::new(), Shown::already_submitted(t))))
        }
        _ if inv.closed.is_some() => Err(Box::new(claim_view(p, v, me, inv, &Entries::new(), Shown::status(StatusCode::CONFLICT)))),
        Some(r) => {
            let entries = claims::read_entries(&r.entries);
            if inv.check(p, &entries).iter().all(|c| c.checked.problems.is_empty()) {
                Ok(entries)
            } else {
                Err(Box::new(claim_view(p, v, me, inv, &entries, Shown::errors())))
            }
        }
        None => Err(Box::new(claim_view(p, v, me, inv, &Entries::new(), Shown::errors()))),
    }
}

/// GET `/claims/{number}/confirm`.
pub async fn confirm_page(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(inv) = claims::invoice(&p, me.payee(), &number) else { return not_found(&p, &v, "claim") };
    match ready(&p, &v, me, &inv) {
        Ok(entries) => confirm_view(&p, &v, me, &inv, &entries, None, StatusCode::OK),
        Err(res) => *res,
    }
}

/// POST `/claims/{number}/confirm`: the password again, then the claim
/// is submitted and frozen.
pub async fn submit(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(number): Path<String>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some(inv) = claims::invoice(&p, me.payee(), &number) else { return not_found(&p, &v, "claim") };
    if !me.may(Role::Claim) {
        return not_allowed(&p, &v, me);
    }
    let t = v.words(&p);
    let entries = match ready(&p, &v, me, &inv) {
        Ok(e) => e,
        Err(res) => return *res,
    };
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        return confirm_view(&p, &v, me, &inv, &entries, Some(t.s("error_form_expired").to_string()), StatusCode::FORBIDDEN);
    }
    if field(&form, "draft") != fingerprint(&entries) {
        // Saved again since this confirmation was shown: show the lines now.
        return confirm_view(&p, &v, me, &inv, &entries, Some(t.s("claim_changed").to_string()), StatusCode::CONFLICT);
    }
    let key = auth::failure_key_account(me.account.id);
    if let Some(last) = locked(&p, &key, p.policy.account_failures, v.now) {
        let message = t.f("error_locked", &[("time", &until(&p, &v, last))]);
        return confirm_view(&p, &v, me, &inv, &entries, Some(message), StatusCode::TOO_MANY_REQUESTS);
    }
    let password = field(&form, "password").to_string();
    if password.is_empty() {
        return confirm_view(&p, &v, me, &inv, &entries, Some(t.s("error_password_empty").to_string()), StatusCode::OK);
    }
    let hash = me.account.password_hash.clone();
    if !p.argon2(move || auth::verify_password(&password, &hash)).await.unwrap_or(false) {
        let _ = p.store.record_failure(&key, v.now);
        return confirm_view(&p, &v, me, &inv, &entries, Some(t.s("error_password_wrong").to_string()), StatusCode::OK);
    }
    let json = claims::write_entries(&entries);
    let write = ClaimWrite {
        payee_number: me.payee(),
        invoice_number: &inv.invoice.number,
        month: &inv.month.to_string(),
        entries: &json,
        account_id: me.account.id,
        now: v.now,
    };
    match p.store.submit_claim(&write) {
        Ok(Ok(())) => {
            p.audit("claim_submitted", Some(me), &inv.invoice.number, &v);
            claim_view(&p, &v, me, &inv, &entries, Shown::notice(t.s("claim_submitted")))
        }
        Ok(Err(_)) => claim_view(&p, &v, me, &inv, &entries, Shown::already_submitted(t)),
        Err(_) => store_failed(&p, &v),
    }
}
