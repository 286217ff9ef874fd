//! The SSPS Calendar: for each service month of a year, when its invoice
//! is dated, the first day it can be claimed, and when a claim sent that
//! day is processed and paid; the state holidays; the same as an
//! iCalendar file (RFC 5545) to add to any calendar program.
//!
//! Every date comes from `claim::timing` over the state holiday file, so
//! the page and the claim pages never disagree. Only years the holiday
//! file covers are offered.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};

use super::{date, month};
use crate::claim::timing::{self, CalendarMonth, MAILED_WARRANT_DAYS};
use crate::portal::web::{not_found, to_sign_in, Chrome};
use crate::portal::Portal;

/// A row of the months table.
pub struct MonthRow {
    month: String,
    invoice_date: String,
    claim_from: String,
    processed: String,
    direct_deposit: String,
    warrant: String,
    new_child: String,
}

/// GET `/calendar`.
#[derive(askama::Template)]
#[template(path = "portal/schedule.html")]
pub struct SchedulePage<'a> {
    c: Chrome<'a>,
    year: i32,
    intro: String,
    years: Vec<i32>,
    months: Vec<MonthRow>,
    holidays: Vec<(String, String)>,
}

/// The year asked for (`?year=`), else the current one; `None` when the
/// holiday file does not cover it.
fn year(p: &Portal, q: &HashMap<String, String>) -> Option<i32> {
    let y = match q.get("year") {
        Some(s) => s.parse().ok()?,
        None => p.today().year(),
    };
    p.holidays.years().contains(&y).then_some(y)
}

/// GET `/calendar?year=`.
pub async fn page(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(_) = &v.me else { return to_sign_in(&v) };
    let Some(y) = year(&p, &q) else { return not_found(&p, &v, "calendar") };
    let t = v.words(&p);
    let d = |x: NaiveDate| date(&p, v.lang, x);
    let months = timing::year(&p.holidays, y)
        .iter()
        .map(|m| MonthRow {
            month: month(&p, v.lang, &m.month.to_string()),
            invoice_date: d(m.invoice_date),
            claim_from: d(m.claim_from),
            processed: d(m.processed),
            direct_deposit: d(m.direct_deposit),
            warrant: d(m.warrant),
            new_child: d(m.new_child_invoice),
        })
        .collect();
    let holidays = p.holidays.of_year(y).unwrap_or_default().into_iter().map(|(day, name)| (d(day), name.to_string())).collect();
    let today = p.today().year();
    let years = p.holidays.years().into_iter().filter(|x| (today - 1..=today + 1).contains(x)).collect();
    let page = SchedulePage {
        c: v.chrome(&p, t.f("schedule_title", &[("year", &y.to_string())]), "calendar"),
        year: y,
        intro: t.f("schedule_intro", &[("cutoff", &super::claims::cutoff_words(&p, &v)), ("days", &MAILED_WARRANT_DAYS.to_string())]),
        years,
        months,
        holidays,
    };
    v.html(StatusCode::OK, askama::Template::render(&page), &p)
}

/// Text escaped for an iCalendar value (RFC 5545 3.3.11).
fn ics_text(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).fold(String::new(), |mut out, c| {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        out
    })
}

/// An all-day event.
fn event(out: &mut String, uid: &str, stamp: &str, day: NaiveDate, summary: &str, description: &str) {
    let next = day.succ_opt().unwrap_or(day);
    for line in [
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}@ssps-portal"),
        format!("DTSTAMP:{stamp}"),
        format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")),
        format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")),
        format!("SUMMARY:{}", ics_text(summary)),
        format!("DESCRIPTION:{}", ics_text(description)),
        "TRANSP:TRANSPARENT".to_string(),
        "END:VEVENT".to_string(),
    ] {
        fold(out, &line);
    }
}

/// One content line, folded at 75 octets (RFC 5545 3.1), CRLF ended.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The year's calendar as iCalendar text, in the page's words.
pub fn ics(p: &Portal, lang: crate::model::Language, year: i32, months: &[CalendarMonth], stamp: &str) -> String {
    let t = p.words.get(lang);
    let mut out = String::new();
    for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Washington DSHS//SSPS Provider Portal//EN", "CALSCALE:GREGORIAN"] {
        fold(&mut out, line);
    }
    fold(&mut out, &format!("X-WR-CALNAME:{}", ics_text(&t.f("schedule_title", &[("year", &year.to_string())]))));
    for m in months {
        let name = month(p, lang, &m.month.to_string());
        let summary = t.f("ics_claim_from", &[("month", &name)]);
        let description = t.f(
            "ics_claim_from_text",
            &[("processed", &date(p, lang, m.processed)), ("dd", &date(p, lang, m.direct_deposit)), ("warrant", &date(p, lang, m.warrant))],
        );
        event(&mut out, &format!("claim-{}", m.month), stamp, m.claim_from, &summary, &description);
    }
    for (day, name) in p.holidays.of_year(year).unwrap_or_default() {
        let summary = t.f("ics_holiday", &[("name", name)]);
        event(&mut out, &format!("holiday-{}", day.format("%Y%m%d")), stamp, day, &summary, t.s("ics_holiday_text"));
    }
    fold(&mut out, "END:VCALENDAR");
    out
}

/// GET `/calendar.ics?year=`.
pub async fn ics_file(
    State(p): State<Arc<Portal>>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let v = p.visitor(&headers, addr);
    let Some(_) = &v.me else { return to_sign_in(&v) };
    let Some(y) = year(&p, &q) else { return not_found(&p, &v, "calendar") };
    let stamp = chrono::DateTime::from_timestamp(v.now, 0).unwrap_or_default().format("%Y%m%dT%H%M%SZ").to_string();
    let body = ics(&p, v.lang, y, &timing::year(&p.holidays, y), &stamp);
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"ssps-calendar-{y}.ics\""))
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_are_escaped_and_folded() {
        assert_eq!(ics_text("O'Connor, Family; Care\\2"), "O'Connor\\, Family\\; Care\\\\2");
        let mut out = String::new();
        fold(&mut out, &format!("SUMMARY:{}", "é".repeat(40)));
        let lines: Vec<&str> = out.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1].starts_with(' '));
    }
}
