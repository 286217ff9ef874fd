//! A claim line's month calendar: the provider marks each day attended
//! (with hours for half-day and extended-hours lines), absent or closed;
//! the booklet's rules (`crate::claim::correct_units`) work out the units
//! with their reasoning in words, and the provider may use them in the
//! TOTAL UNITS box.
//!
//! The calendar is kept with the claim's draft (`LineEntry::calendar`),
//! prefilled from the draft, else the extract's attendance, else every
//! scheduled weekday attended. Holidays come from the state's holiday
//! file. Works without JavaScript: one select per day.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Weekday};

use super::claims::{claim_view, Shown};
use super::date;
use super::entry::{field, Fields};
use crate::claim::entry::parse_day;
use crate::model::{Authorization, Mark};
use crate::portal::claims::{self, Entries, OpenInvoice};
use crate::portal::store::{ClaimState, ClaimWrite};
use crate::portal::web::{not_found, redirect, to_sign_in, Chrome, FieldError, SignedIn, Visitor};
use crate::portal::Portal;

/// One day's row.
pub struct DayRow {
    day: u32,
    label: String,
    /// (value, words, selected); empty when the day takes no mark.
    options: Vec<(&'static str, String, bool)>,
    /// Words instead of a choice (outside the authorization).
    fixed: Option<String>,
    hours: String,
    error: Option<String>,
}

/// GET `/claims/{number}/lines/{reference}/calendar`.
#[derive(askama::Template)]
#[template(path = "portal/claim-calendar.html")]
pub struct CalendarPage<'a> {
    c: Chrome<'a>,
    number: String,
    reference: String,
    intro: String,
    hours: bool,
    days: Vec<DayRow>,
    /// The units worked out and why.
    result: Option<(String, Vec<String>)>,
}

/// The days of the invoice's month.
fn days(inv: &OpenInvoice) -> impl Iterator<Item = NaiveDate> {
    let last = inv.month.last_day();
    inv.month.first_day().iter_days().take_while(move |d| *d <= last)
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The calendar shown: the draft's, else the extract's rows, else every
/// weekday of the authorization attended.
fn prefill(p: &Portal, inv: &OpenInvoice, line: &Authorization, entries: &Entries) -> BTreeMap<u32, String> {
    if let Some(cal) = entries.get(line.reference_number.as_str()).map(|e| &e.calendar).filter(|c| !c.is_empty()) {
        return cal.clone();
    }
    let rows = inv.rows(line, &Entries::new());
    if !rows.is_empty() {
        return rows
            .iter()
            .filter(|a| a.mark != Mark::Holiday)
            .map(|a| {
                let code = match (a.mark, a.hours) {
                    (Mark::Attended, Some(h)) => format!("X:{}", h.normalize()),
                    (m, _) => m.code().to_string(),
                };
                (a.date.day(), code)
            })
            .collect();
    }
    days(inv)
        .filter(|d| !weekend(*d) && p.holidays.is_holiday(*d) != Some(true) && *d >= line.start_date && *d <= line.end_date)
        .map(|d| (d.day(), "X".to_string()))
        .collect()
}

/// Whether a line's units come from its days (care, special needs,
/// extended hours): the lines a calendar is offered for.
pub fn takes_calendar(line: &Authorization) -> bool {
    use crate::model::ServiceKind;
    matches!(line.service_kind, ServiceKind::FullDay | ServiceKind::HalfDay | ServiceKind::SpecialNeeds | ServiceKind::ExtendedHours)
}

/// Whether a line's days take hours (half days and extended hours).
fn takes_hours(line: &Authorization) -> bool {
    use crate::model::ServiceKind;
    matches!(line.service_kind, ServiceKind::HalfDay | ServiceKind::ExtendedHours)
}

fn rows(
    p: &Portal,
    v: &Visitor,
    inv: &OpenInvoice,
    line: &Authorization,
    cal: &BTreeMap<u32, String>,
    bad: &BTreeMap<u32, String>,
) -> Vec<DayRow> {
    let t = v.words(p);
    let mut out = vec![];
    for d in days(inv) {
        let day = d.day();
        let code = cal.get(&day).map(String::as_str).unwrap_or("");
        let (mark, hours) = parse_day(code).map_or((None, None), |(m, h)| (Some(m), h));
        let holiday = p.holidays.is_holiday(d) == Some(true);
        let label = format!("{} {}", t.s(&format!("weekday_{}", d.weekday().number_from_monday())), date(p, v.lang, d));
        let pick = |value: &'static str, key: &str, m: Option<Mark>| (value, t.s(key).to_string(), mark == m);
        let (options, fixed) = if d < line.start_date || d > line.end_date {
            (vec![], Some(t.s("day_not_authorized").to_string()))
        } else if holiday {
            (vec![pick("", "day_holiday", None), pick("X", "day_attended", Some(Mark::Attended))], None)
        } else if weekend(d) {
            (vec![pick("", "day_not_scheduled", None), pick("X", "day_attended", Some(Mark::Attended))], None)
        } else {
            // A scheduled weekday with no mark is absent (the rules' reading).
            let chosen = match mark {
                Some(Mark::Attended) => "X",
                Some(Mark::Closed) => "C",
                _ => "A",
            };
            let choices = [("X", "day_attended"), ("A", "day_absent"), ("C", "day_closed")];
            (choices.iter().map(|(val, key)| (*val, t.s(key).to_string(), *val == chosen)).collect(), None)
        };
        out.push(DayRow {
            day,
            label,
            options,
            fixed,
            hours: hours.map(|h| h.normalize().to_string()).unwrap_or_default(),
            error: bad.get(&day).cloned(),
        });
    }
    out
}

/// The invoice and line of a calendar URL, the payee's own only.
fn find(p: &Portal, me: &SignedIn, number: &str, reference: &str) -> Option<(OpenInvoice, Authorization)> {
    let inv = claims::invoice(p, me.payee(), number)?;
    let line = inv.lines.iter().find(|l| l.reference_number.as_str() == reference)?.clone();
    Some((inv, line))
}

fn stored_entries(p: &Portal, me: &SignedIn, inv: &OpenInvoice) -> (Entries, bool) {
    match p.store.claim(me.payee(), &inv.invoice.number).ok().flatten() {
        Some(r) => (claims::read_entries(&r.entries), r.state == ClaimState::Submitted),
        None => (Entries::new(), false),
    }
}

#[allow(clippy::too_many_arguments)]
fn view(
    p: &Portal,
    v: &Visitor,
    inv: &OpenInvoice,
    line: &Authorization,
    cal: &BTreeMap<u32, String>,
    bad: &BTreeMap<u32, String>,
    result: Option<(String, Vec<String>)>,
    status: StatusCode,
) -> Response {
    let t = v.words(p);
    let child = inv.children.get(line.reference_number.as_str()).cloned().unwrap_or_default();
    let mut c =
        v.chrome(p, t.f("calendar_title", &[("child", &child), ("month", &super::month(p, v.lang, &inv.month.to_string()))]), "claims");
    c.errors = bad.iter().map(|(day, e)| FieldError { field: format!("d-{day}").into(), message: e.clone() }).collect();
    let page = CalendarPage {
        c,
        number: inv.invoice.number.clone(),
        reference: line.reference_number.to_string(),
        intro: t.f("calendar_intro", &[("service", &line.service_name), ("max", &line.units_authorized.normalize().to_string())]),
        hours: takes_hours(line),
        days: rows(p, v, inv, line, cal, bad),
        result,
    };
    v.html(status, askama::Template::render(&page), p)
}

/// GET `/claims/{number}/lines/{reference}/calendar`.
pub async fn calendar(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path((number, reference)): Path<(String, String)>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some((inv, line)) = find(&p, me, &number, &reference).filter(|(_, l)| takes_calendar(l)) else { return not_found(&p, &v, "claim") };
    let (entries, frozen) = stored_entries(&p, me, &inv);
    if frozen || inv.closed.is_some() || !me.may(crate::portal::store::Role::Claim) {
        return redirect(&format!("/claims/{}", inv.invoice.number));
    }
    let cal = prefill(&p, &inv, &line, &entries);
    view(&p, &v, &inv, &line, &cal, &BTreeMap::new(), None, StatusCode::OK)
}

/// POST `/claims/{number}/lines/{reference}/calendar`: `action=work`
/// works the units out and keeps the calendar; `action=use` also puts
/// them in the TOTAL UNITS box and goes back to the claim.
pub async fn calendar_post(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path((number, reference)): Path<(String, String)>,
    axum::Form(form): Fields,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(me) = &v.me else { return to_sign_in(&v) };
    let Some((inv, line)) = find(&p, me, &number, &reference).filter(|(_, l)| takes_calendar(l)) else { return not_found(&p, &v, "claim") };
    if !me.may(crate::portal::store::Role::Claim) {
        return super::claims::not_allowed(&p, &v, me);
    }
    let t = v.words(&p);
    let (mut entries, frozen) = stored_entries(&p, me, &inv);
    if frozen || inv.closed.is_some() {
        return claim_view(&p, &v, me, &inv, &entries, Shown::already_submitted(t));
    }
    // Read the days: a mark, and hours for an attended day.
    let mut cal = BTreeMap::new();
    let mut bad = BTreeMap::new();
    for d in days(&inv) {
        let day = d.day();
        let mark = field(&form, &format!("d-{day}"));
        let hours = field(&form, &format!("h-{day}")).trim();
        let code = match (mark, hours.is_empty()) {
            ("X", true) => Some("X".to_string()),
            ("X", false) => Some(format!("X:{hours}")),
            ("A" | "C", _) => Some(mark.to_string()),
            _ => None,
        };
        if let Some(code) = code {
            if parse_day(&code).is_some() {
                cal.insert(day, code);
            } else {
                bad.insert(day, t.f("day_hours_bad", &[("date", &date(&p, v.lang, d))]));
            }
        }
    }
    if !p.form_ok(&headers, &v, form.get("csrf").map(String::as_str)) {
        bad.insert(1, t.s("error_form_expired").to_string());
    }
    if !bad.is_empty() {
        return view(&p, &v, &inv, &line, &cal, &bad, None, StatusCode::OK);
    }
    let r = line.reference_number.to_string();
    entries.entry(r.clone()).or_default().calendar = cal.clone();
    let (worked, _) = inv.worked_out(&p, &line, &entries);
    let use_it = field(&form, "action") == "use";
    if let (true, Some(m)) = (use_it, &worked) {
        entries.entry(r.clone()).or_default().units = m.correct.normalize().to_string();
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
    if !matches!(p.store.save_claim(&write), Ok(Ok(()))) {
        return claim_view(&p, &v, me, &inv, &entries, Shown::already_submitted(t));
    }
    if use_it {
        return redirect(&format!("/claims/{}#u-{r}", inv.invoice.number));
    }
    let result = worked.map(|m| {
        let why = m.steps.iter().map(|s| s.say(v.lang)).collect();
        (t.f("calendar_result", &[("units", &m.correct.normalize().to_string())]), why)
    });
    view(&p, &v, &inv, &line, &cal, &BTreeMap::new(), result, StatusCode::OK)
}
