//! A claim entered by hand, line by line, checked by the booklet's rules
//! before it is sent: what the provider portal's claim form does (pure;
//! the words of each problem are the caller's, chosen by [`Problem`]).
//!
//! Each line's TOTAL UNITS box and optional corrected rate are read as
//! typed, then checked: a blank box (booklet: a blank box sends the
//! invoice back; 0 is an answer), more than the pre-printed TOTAL UNITS, a
//! corrected rate not in dollars and cents or not below the printed one,
//! a fee over its cap, a bonus claimed without its condition, and, when
//! the month's attendance is known (a calendar filled in, or the
//! extract's `attendance.csv`), more than it supports ([`super::judge`]).
//! A month's attendance from a calendar is turned into the extract's
//! [`Attendance`] rows ([`calendar_rows`]) so the one set of rules in
//! [`super::correct_units`] works it out, with its reasoning in words.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{judge, LineMonth, Verdict, ACTIVITY_FEE_CAP, REGISTRATION_FEE_CAP};
use crate::model::{Attendance, Authorization, InvoiceClaim, InvoiceNumber, Mark, Month, Origin, Program, ServiceKind};

/// The most units a box takes (a month has at most 744 hours).
pub const MAX_UNITS: u32 = 9_999;

/// One line as the provider typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineEntry {
    /// TOTAL UNITS, as typed.
    #[serde(default)]
    pub units: String,
    /// CORRECTED RATE (IF LOWER), as typed; empty when none.
    #[serde(default)]
    pub corrected_rate: String,
    /// The month's calendar, by day of the month: `X` attended (`X:6.5`
    /// with hours), `A` absent, `C` closed; a day not listed was not a
    /// scheduled day (weekends) or is left as the extract has it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calendar: BTreeMap<u32, String>,
}

/// What is wrong with a line's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The TOTAL UNITS box is empty.
    Blank,
    /// The units are not a number of at most two decimals, 0 or more.
    UnitsNotANumber,
    /// More than the pre-printed TOTAL UNITS.
    AboveAuthorized {
        /// The pre-printed units.
        max: Decimal,
    },
    /// The corrected rate is not dollars and cents (`12.00`).
    RateNotDollarsAndCents,
    /// The corrected rate is not below the printed rate.
    RateNotLower {
        /// The printed rate.
        printed: Decimal,
    },
    /// A fee's rate (corrected, else printed) is over its cap.
    RateOverCap {
        /// The cap.
        cap: Decimal,
    },
    /// An activity fee on a program that does not pay one.
    FeeNotPaid {
        /// The line's program code.
        program: &'static str,
    },
    /// The non-standard hour bonus is all or nothing.
    BonusNotWhole {
        /// The pre-printed units.
        max: Decimal,
    },
    /// The infant bonus needs the child's days in care: the care line's
    /// calendar is not filled in.
    BonusNeedsCalendar,
    /// More than the month's attendance supports.
    NotSupported {
        /// What may be claimed.
        correct: Decimal,
        /// Why: the line's reasoning, to be said in the reader's language.
        steps: Vec<super::words::Step>,
    },
}

/// A line checked.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The units, when they parse.
    pub units: Option<Decimal>,
    /// The corrected rate, when given and it parses.
    pub corrected_rate: Option<Decimal>,
    /// What is wrong; empty when the line may be sent.
    pub problems: Vec<Problem>,
    /// Fewer units than the attendance supports: what may be claimed (not
    /// an error: the provider may claim less).
    pub under: Option<Decimal>,
}

/// Units as a person writes them: digits, at most one point.
fn parse_units(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') || s.bytes().filter(|b| *b == b'.').count() > 1 {
        return None;
    }
    let d: Decimal = s.parse().ok()?;
    (d.scale() <= 2 && !d.is_sign_negative() && d <= Decimal::from(MAX_UNITS)).then_some(d)
}

/// A rate in dollars and cents: digits, a point, two digits.
fn parse_rate(s: &str) -> Option<Decimal> {
    let s = s.trim().trim_start_matches('$');
    let (whole, cents) = s.split_once('.')?;
    let ok = !whole.is_empty()
        && whole.len() <= 6
        && whole.bytes().all(|b| b.is_ascii_digit())
        && cents.len() == 2
        && cents.bytes().all(|b| b.is_ascii_digit());
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

/// Checks one line's entry. `month` is the line worked out from the
/// month's known attendance, or `None` when nothing is known of it;
/// `care_known` says whether the child's care lines have attendance (for
/// the infant bonus).
pub fn check_line(
    line: &Authorization,
    invoice: &InvoiceNumber,
    for_month: Month,
    entry: &LineEntry,
    month: Option<&LineMonth>,
    care_known: bool,
) -> Checked {
    let mut out = Checked::default();
    let units = entry.units.trim();
    if units.is_empty() {
        out.problems.push(Problem::Blank);
    } else {
        match parse_units(units) {
            Some(u) => out.units = Some(u),
            None => out.problems.push(Problem::UnitsNotANumber),
        }
    }
    let rate = entry.corrected_rate.trim();
    if !rate.is_empty() {
        match parse_rate(rate) {
            Some(r) if r >= line.rate => out.problems.push(Problem::RateNotLower { printed: line.rate }),
            Some(r) => out.corrected_rate = Some(r),
            None => out.problems.push(Problem::RateNotDollarsAndCents),
        }
    }
    let Some(u) = out.units else { return out };
    if u > line.units_authorized {
        out.problems.push(Problem::AboveAuthorized { max: line.units_authorized });
        return out;
    }
    let claimed = !u.is_zero();
    let paid_rate = out.corrected_rate.unwrap_or(line.rate);
    match line.service_kind {
        ServiceKind::RegistrationFee if claimed && paid_rate > REGISTRATION_FEE_CAP => {
            out.problems.push(Problem::RateOverCap { cap: REGISTRATION_FEE_CAP })
        }
        ServiceKind::ActivityFee if claimed && line.program != Program::Wccc => {
            out.problems.push(Problem::FeeNotPaid { program: line.program.code() })
        }
        ServiceKind::ActivityFee if claimed && paid_rate > ACTIVITY_FEE_CAP => {
            out.problems.push(Problem::RateOverCap { cap: ACTIVITY_FEE_CAP })
        }
        ServiceKind::NonstandardBonus if claimed && u != line.units_authorized => {
            out.problems.push(Problem::BonusNotWhole { max: line.units_authorized })
        }
        ServiceKind::InfantBonus if claimed && !care_known => out.problems.push(Problem::BonusNeedsCalendar),
        _ => {}
    }
    if !out.problems.is_empty() {
        return out;
    }
    if let Some(m) = month {
        let claim = InvoiceClaim {
            origin: Origin { file: "portal", line: 0 },
            invoice_number: invoice.clone(),
            reference_number: line.reference_number.clone(),
            month: for_month,
            units_claimed: u,
            corrected_rate: out.corrected_rate,
        };
        let j = judge(&claim, m);
        match j.verdict {
            Verdict::Over => out.problems.push(Problem::NotSupported { correct: m.correct, steps: m.steps.clone() }),
            Verdict::Under => out.under = Some(m.correct),
            Verdict::Correct => {}
        }
    }
    out
}

/// A calendar day's mark as stored: `X`, `X:6.5`, `A`, `C`.
pub fn parse_day(code: &str) -> Option<(Mark, Option<Decimal>)> {
    let (mark, hours) = match code.split_once(':') {
        Some((m, h)) => (m, Some(h)),
        None => (code, None),
    };
    let mark = match mark {
        "X" => Mark::Attended,
        "A" => Mark::Absent,
        "C" => Mark::Closed,
        _ => return None,
    };
    let hours = match hours {
        Some(h) => {
            let d: Decimal = h.parse().ok()?;
            if d.is_sign_negative() || d > Decimal::from(24) || d.scale() > 2 || mark != Mark::Attended {
                return None;
            }
            Some(d)
        }
        None => None,
    };
    Some((mark, hours))
}

/// A line's month as attendance rows: the calendar's days when it has any,
/// else the extract's rows of that line in `month`.
pub fn calendar_rows(
    line: &Authorization,
    month: Month,
    calendar: &BTreeMap<u32, String>,
    extract_rows: &[&Attendance],
) -> Vec<Attendance> {
    if calendar.is_empty() {
        return extract_rows.iter().filter(|a| Month::of(a.date) == month).map(|a| (*a).clone()).collect();
    }
    calendar
        .iter()
        .filter_map(|(day, code)| {
            let date = chrono::Datelike::with_day(&month.first_day(), *day)?;
            let (mark, hours) = parse_day(code)?;
            Some(Attendance {
                origin: Origin { file: "portal", line: u64::from(*day) },
                reference_number: line.reference_number.clone(),
                date,
                mark,
                hours,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Holidays;
    use crate::model::{Identifier, Unit};
    use chrono::NaiveDate;

    fn auth(kind: ServiceKind, units: &str, rate: &str) -> Authorization {
        fn id<T: Identifier>(s: &str) -> T {
            T::parse(s).unwrap()
        }
        Authorization {
            origin: Origin { file: "authorizations.csv", line: 2 },
            reference_number: id("2000000011"),
            authorization_number: id("AB1"),
            provider_number: id("5001"),
            client_id: id("C1"),
            worker_id: id("W1"),
            program: Program::Wccc,
            service_code: "4301".into(),
            service_name: "FULL DAY CARE CENTER".into(),
            service_kind: kind,
            unit: Unit::Day,
            units_authorized: units.parse().unwrap(),
            rate: rate.parse().unwrap(),
            copay: None,
            start_date: "2025-07-01".parse().unwrap(),
            end_date: "2025-12-31".parse().unwrap(),
            reporting_unit: id("6TH"),
            action: None,
            action_date: None,
        }
    }

    fn entry(units: &str, rate: &str) -> LineEntry {
        LineEntry { units: units.into(), corrected_rate: rate.into(), calendar: BTreeMap::new() }
    }

    fn inv() -> InvoiceNumber {
        InvoiceNumber::parse("999A-250901").unwrap()
    }

    fn aug() -> Month {
        Month::parse("2025-08").unwrap()
    }

    /// The booklet's Willow (p. 10): August 2025, absent 9 weekdays.
    fn willow_calendar() -> BTreeMap<u32, String> {
        let absent = [1, 7, 8, 12, 13, 19, 20, 26, 27];
        (1..=31)
            .filter_map(|day| {
                let date = NaiveDate::from_ymd_opt(2025, 8, day).unwrap();
                let weekend = matches!(chrono::Datelike::weekday(&date), chrono::Weekday::Sat | chrono::Weekday::Sun);
                (!weekend).then(|| (day, if absent.contains(&day) { "A".to_string() } else { "X".to_string() }))
            })
            .collect()
    }

    fn worked(line: &Authorization, cal: &BTreeMap<u32, String>) -> LineMonth {
        let rows = calendar_rows(line, aug(), cal, &[]);
        let refs: Vec<&Attendance> = rows.iter().collect();
        super::super::correct_units(line, "Willow Example", aug(), &refs, &refs, &Holidays::washington())
    }

    #[test]
    fn willows_calendar_supports_18_and_19_is_refused_with_the_reasoning() {
        let line = auth(ServiceKind::FullDay, "22", "50.00");
        let m = worked(&line, &willow_calendar());
        assert_eq!(m.correct, Decimal::from(18));
        let ok = check_line(&line, &inv(), aug(), &entry("18", ""), Some(&m), true);
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        let over = check_line(&line, &inv(), aug(), &entry("19", ""), Some(&m), true);
        match &over.problems[..] {
            [Problem::NotSupported { correct, steps }] => {
                assert_eq!(*correct, Decimal::from(18));
                assert_eq!(
                    super::super::words::joined(steps, crate::model::Language::En),
                    "absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18"
                );
                assert_eq!(
                    super::super::words::joined(steps, crate::model::Language::Es),
                    "ausente 9 días, 4 más de las 5 ausencias permitidas: 22 − 4 = 18"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(check_line(&line, &inv(), aug(), &entry("16", ""), Some(&m), true).under, Some(Decimal::from(18)));
    }

    #[test]
    fn blank_bad_and_above_the_printed_units() {
        let line = auth(ServiceKind::FullDay, "22", "50.00");
        assert_eq!(check_line(&line, &inv(), aug(), &entry(" ", ""), None, false).problems, vec![Problem::Blank]);
        assert_eq!(check_line(&line, &inv(), aug(), &entry("1e3", ""), None, false).problems, vec![Problem::UnitsNotANumber]);
        assert_eq!(check_line(&line, &inv(), aug(), &entry("-1", ""), None, false).problems, vec![Problem::UnitsNotANumber]);
        assert_eq!(
            check_line(&line, &inv(), aug(), &entry("23", ""), None, false).problems,
            vec![Problem::AboveAuthorized { max: Decimal::from(22) }]
        );
        let zero = check_line(&line, &inv(), aug(), &entry("0", ""), None, false);
        assert!(zero.problems.is_empty());
        assert_eq!(zero.units, Some(Decimal::ZERO));
    }

    #[test]
    fn corrected_rates_are_dollars_and_cents_and_lower() {
        let line = auth(ServiceKind::FullDay, "22", "50.00");
        assert_eq!(check_line(&line, &inv(), aug(), &entry("10", "12"), None, false).problems, vec![Problem::RateNotDollarsAndCents]);
        assert_eq!(
            check_line(&line, &inv(), aug(), &entry("10", "50.00"), None, false).problems,
            vec![Problem::RateNotLower { printed: "50.00".parse().unwrap() }]
        );
        let ok = check_line(&line, &inv(), aug(), &entry("10", "$45.50"), None, false);
        assert_eq!(ok.corrected_rate, Some("45.50".parse().unwrap()));
        assert!(ok.problems.is_empty());
    }

    #[test]
    fn fees_and_bonuses() {
        let reg = auth(ServiceKind::RegistrationFee, "1", "75.00");
        assert_eq!(
            check_line(&reg, &inv(), aug(), &entry("1", ""), None, false).problems,
            vec![Problem::RateOverCap { cap: REGISTRATION_FEE_CAP }]
        );
        assert!(check_line(&reg, &inv(), aug(), &entry("1", "50.00"), None, false).problems.is_empty());
        assert!(check_line(&reg, &inv(), aug(), &entry("0", ""), None, false).problems.is_empty());
        let mut act = auth(ServiceKind::ActivityFee, "1", "20.00");
        act.program = Program::Seasonal;
        assert_eq!(
            check_line(&act, &inv(), aug(), &entry("1", ""), None, false).problems,
            vec![Problem::FeeNotPaid { program: "SEASONAL" }]
        );
        let ns = auth(ServiceKind::NonstandardBonus, "4", "10.00");
        assert_eq!(
            check_line(&ns, &inv(), aug(), &entry("2", ""), None, false).problems,
            vec![Problem::BonusNotWhole { max: Decimal::from(4) }]
        );
        let infant = auth(ServiceKind::InfantBonus, "1", "100.00");
        assert_eq!(check_line(&infant, &inv(), aug(), &entry("1", ""), None, false).problems, vec![Problem::BonusNeedsCalendar]);
        // In care 3 days: no bonus.
        let cal: BTreeMap<u32, String> = [(4, "X"), (5, "X"), (6, "X")].into_iter().map(|(d, m)| (d, m.to_string())).collect();
        let rows = calendar_rows(&infant, aug(), &cal, &[]);
        let refs: Vec<&Attendance> = rows.iter().collect();
        let m = super::super::correct_units(&infant, "Baby", aug(), &[], &refs, &Holidays::washington());
        let c = check_line(&infant, &inv(), aug(), &entry("1", ""), Some(&m), true);
        assert!(matches!(&c.problems[..], [Problem::NotSupported { correct, .. }] if correct.is_zero()), "{:?}", c.problems);
    }

    #[test]
    fn calendar_days_parse_strictly() {
        assert_eq!(parse_day("X:6.5"), Some((Mark::Attended, Some("6.5".parse().unwrap()))));
        assert_eq!(parse_day("A"), Some((Mark::Absent, None)));
        assert_eq!(parse_day("A:3"), None);
        assert_eq!(parse_day("X:25"), None);
        assert_eq!(parse_day("H"), None);
    }
}
