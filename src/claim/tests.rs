//! Unit tests of [`super`] (`src/claim.rs`).

use super::*;
use crate::model::{Origin, Unit};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn auth(kind: ServiceKind, program: Program, units: &str, start: &str, end: &str) -> Authorization {
    fn id<T: crate::model::Identifier>(s: &str) -> T {
        T::parse(s).unwrap()
    }
    Authorization {
        origin: Origin { file: "authorizations.csv", line: 2 },
        reference_number: id("3000000001"),
        authorization_number: id("AB1"),
        provider_number: id("5001"),
        client_id: id("C1"),
        worker_id: id("W1"),
        program,
        service_code: "4301".into(),
        service_name: "CARE".into(),
        service_kind: kind,
        unit: Unit::Day,
        units_authorized: dec(units),
        rate: dec("50.00"),
        copay: None,
        start_date: d(start),
        end_date: d(end),
        reporting_unit: id("6TH"),
        action: None,
        action_date: None,
    }
}

/// Attendance rows: `X` on each listed day of `month` ("2026-03-02 X 9").
fn rows(spec: &[(&str, Mark, Option<&str>)]) -> Vec<Attendance> {
    spec.iter()
        .enumerate()
        .map(|(i, (date, mark, hours))| Attendance {
            origin: Origin { file: "attendance.csv", line: i as u64 + 2 },
            reference_number: ReferenceNumber::parse("3000000001").unwrap(),
            date: d(date),
            mark: *mark,
            hours: hours.map(dec),
        })
        .collect()
}

/// Every weekday of `month` from `from` to `to` marked `mark`, with `hours`.
fn weekdays(month: Month, from: u32, to: u32, mark: Mark, hours: Option<&str>) -> Vec<(String, Mark, Option<String>)> {
    (from..=to)
        .filter_map(|day| NaiveDate::from_ymd_opt(month.year(), month.month(), day))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .map(|d| (d.to_string(), mark, hours.map(str::to_string)))
        .collect()
}

fn run(line: &Authorization, month: &str, spec: Vec<(String, Mark, Option<String>)>) -> LineMonth {
    let spec: Vec<(&str, Mark, Option<&str>)> = spec.iter().map(|(a, m, h)| (a.as_str(), *m, h.as_deref())).collect();
    let att = rows(&spec);
    let refs: Vec<&Attendance> = att.iter().collect();
    correct_units(line, "Child", Month::parse(month).unwrap(), &refs, &refs, &Holidays::washington())
}

#[test]
fn a_month_of_23_weekdays_is_still_22_and_absences_count_against_it() {
    // December 2025 has 23 weekdays; Christmas (Thursday) is a holiday.
    let m = Month::parse("2025-12").unwrap();
    let n =
        (1..=31).filter(|&day| !matches!(NaiveDate::from_ymd_opt(2025, 12, day).unwrap().weekday(), Weekday::Sat | Weekday::Sun)).count();
    assert_eq!(n, 23);
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2025-07-01", "2025-12-31");
    let all = run(&line, "2025-12", weekdays(m, 1, 31, Mark::Attended, None));
    assert_eq!(all.correct, dec("22"));
    // Six absences (the holiday is not one): 21.
    let mut spec = weekdays(m, 1, 31, Mark::Attended, None);
    for (date, mark, _) in spec.iter_mut() {
        if ["2025-12-01", "2025-12-02", "2025-12-03", "2025-12-04", "2025-12-05", "2025-12-08", "2025-12-25"].contains(&date.as_str()) {
            *mark = Mark::Absent;
        }
    }
    let six = run(&line, "2025-12", spec);
    assert_eq!(six.correct, dec("21"));
    assert_eq!(six.reasoning[0], "absent 6 days, 1 more than the 5 allowed: 22 − 1 = 21");
    assert_eq!(six.reasoning[1], "1 day on a state holiday: not absent and not closed (holidays are included in the authorization)");
}

#[test]
fn a_holiday_on_a_friday_is_neither_absent_nor_closed() {
    // July 3, 2026 (a Friday) is Independence Day observed.
    let m = Month::parse("2026-07").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2026-07-01", "2026-12-31");
    let mut spec = weekdays(m, 1, 31, Mark::Absent, None);
    for (date, mark, _) in spec.iter_mut() {
        if date.as_str() >= "2026-07-06" {
            *mark = Mark::Attended;
        }
        if date.as_str() == "2026-07-03" {
            *mark = Mark::Closed; // the provider wrote C: still a holiday
        }
    }
    let r = run(&line, "2026-07", spec);
    // July 1 and 2 absent: 2 absences, the 3rd a holiday, not a closure.
    assert_eq!(r.correct, dec("22"), "{:?}", r.reasoning);
    assert!(r.days.iter().any(|x| x.date == d("2026-07-03") && x.counted == DayKind::Holiday));
    assert!(!r.reasoning.iter().any(|s| s.starts_with("closed")), "{:?}", r.reasoning);
}

#[test]
fn an_authorization_starting_on_a_weekend_counts_from_the_monday() {
    // March 7, 2026 is a Saturday: scheduled days are March 9–31, 17 weekdays.
    let m = Month::parse("2026-03").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2026-03-07", "2026-08-31");
    let mut spec = weekdays(m, 9, 31, Mark::Attended, None);
    spec[0].1 = Mark::Absent;
    let r = run(&line, "2026-03", spec);
    assert_eq!(r.correct, dec("17"), "{:?}", r.reasoning);
    assert_eq!(r.reasoning[0], "authorized only 03/07 to 03/31: at most the 17 days scheduled in that part of the month");
    assert_eq!(r.reasoning[1], "absent 1 day, no more than the 5 allowed: 17");
    assert!(r.days.iter().filter(|x| x.counted == DayKind::NotAuthorized).count() == 6);
}

#[test]
fn seasonal_full_months_are_31_days_counted_every_calendar_day() {
    // June 2026 has 30 days; a seasonal full month is still 31.
    let line = auth(ServiceKind::FullDay, Program::Seasonal, "31", "2026-06-01", "2026-09-30");
    let spec: Vec<(String, Mark, Option<String>)> =
        (1..=30).map(|day| (format!("2026-06-{day:02}"), if day <= 7 { Mark::Absent } else { Mark::Attended }, None)).collect();
    let r = run(&line, "2026-06", spec);
    // Seven absences (weekends count), two over the five: 31 − 2 = 29.
    assert_eq!(r.correct, dec("29"), "{:?}", r.reasoning);
    assert_eq!(r.reasoning[0], "absent 7 days, 2 more than the 5 allowed: 31 − 2 = 29");
    // The same month on a regular 22-day authorization ignores weekends.
    let regular = auth(ServiceKind::FullDay, Program::Wccc, "22", "2026-06-01", "2026-09-30");
    let spec: Vec<(String, Mark, Option<String>)> =
        (1..=30).map(|day| (format!("2026-06-{day:02}"), if day <= 7 { Mark::Absent } else { Mark::Attended }, None)).collect();
    let r = run(&regular, "2026-06", spec);
    // June 1–5 are the weekdays among the first seven; Juneteenth is a holiday.
    assert_eq!(r.correct, dec("22"), "{:?}", r.reasoning);
}

#[test]
fn half_day_extras_stop_at_the_authorized_room() {
    // 25 half days: 3 extra at most, though the child had 6 long days.
    let m = Month::parse("2026-03").unwrap();
    let line = auth(ServiceKind::HalfDay, Program::Wccc, "25", "2026-01-01", "2026-06-30");
    let mut spec = weekdays(m, 1, 31, Mark::Attended, Some("4"));
    for row in spec.iter_mut().take(6) {
        row.2 = Some("7.5".into());
    }
    let r = run(&line, "2026-03", spec);
    assert_eq!(r.correct, dec("25"), "{:?}", r.reasoning);
    assert_eq!(r.reasoning[1], "6 days of 5 or more hours in care: 3 extra half days (at most 3 extra): 22 + 3 = 25");
    // The extra half days are never absence days: eight absences leave 19 + 3.
    let mut spec = weekdays(m, 1, 31, Mark::Attended, Some("6"));
    for row in spec.iter_mut().take(8) {
        row.1 = Mark::Absent;
        row.2 = None;
    }
    let r = run(&line, "2026-03", spec);
    assert_eq!(r.correct, dec("22"), "{:?}", r.reasoning);
}

#[test]
fn part_time_pays_only_days_attended_and_never_more_than_authorized() {
    let m = Month::parse("2026-03").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "12", "2026-01-01", "2026-06-30");
    let r = run(&line, "2026-03", weekdays(m, 1, 13, Mark::Attended, None));
    assert_eq!(r.correct, dec("10"));
    let r = run(&line, "2026-03", weekdays(m, 1, 31, Mark::Attended, None));
    assert_eq!(r.correct, dec("12"));
    assert_eq!(r.reasoning.last().unwrap(), "never more than the pre-printed TOTAL UNITS, 12");
}

#[test]
fn extended_hours_bonuses_and_fees() {
    let m = Month::parse("2026-08").unwrap();
    let ext = auth(ServiceKind::ExtendedHours, Program::Seasonal, "40", "2026-06-01", "2026-09-30");
    let r = run(
        &ext,
        "2026-08",
        vec![
            ("2026-08-03".into(), Mark::Attended, Some("11.5".into())),
            ("2026-08-04".into(), Mark::Attended, Some("12".into())),
            ("2026-08-05".into(), Mark::Attended, Some("9".into())),
        ],
    );
    assert_eq!(r.correct, dec("3.5"));
    let infant = auth(ServiceKind::InfantBonus, Program::Wccc, "1", "2026-08-01", "2026-12-31");
    assert_eq!(run(&infant, "2026-08", weekdays(m, 3, 5, Mark::Attended, None)).correct, dec("0"));
    assert_eq!(run(&infant, "2026-08", weekdays(m, 3, 7, Mark::Attended, None)).correct, dec("1"));
    let activity = auth(ServiceKind::ActivityFee, Program::Seasonal, "1", "2026-08-01", "2026-12-31");
    let r = run(&activity, "2026-08", weekdays(m, 3, 4, Mark::Attended, None));
    assert_eq!((r.correct, r.reasoning[0].as_str()), (dec("0"), "only Working Connections (WCCC) pays an activity fee, not SEASONAL"));
    // A fee's rate written above the cap is over, whatever the units.
    let mut fee = auth(ServiceKind::RegistrationFee, Program::Wccc, "1", "2026-08-01", "2026-12-31");
    fee.rate = dec("75.00");
    let r = run(&fee, "2026-08", weekdays(m, 3, 4, Mark::Attended, None));
    let claim = InvoiceClaim {
        origin: Origin { file: "invoice_claims.csv", line: 2 },
        invoice_number: crate::model::InvoiceNumber::parse("501A-260801").unwrap(),
        reference_number: fee.reference_number.clone(),
        month: m,
        units_claimed: dec("1"),
        corrected_rate: Some(dec("60.00")),
    };
    let j = judge(&claim, &r);
    assert_eq!((j.verdict, j.words.as_str()), (Verdict::Over, "over: the rate written, $60.00, is more than the $50.00 allowed"));
    // The printed $75.00 with no lower rate written is over too; $45.00 written is correct; 0 (not charged) is correct.
    let printed = InvoiceClaim { corrected_rate: None, ..claim.clone() };
    let j = judge(&printed, &r);
    assert_eq!(
        (j.verdict, j.words.as_str()),
        (Verdict::Over, "over: the printed rate $75.00 is more than the $50.00 allowed; write $50.00 below it")
    );
    let lower = InvoiceClaim { corrected_rate: Some(dec("45.00")), ..claim.clone() };
    assert_eq!(judge(&lower, &r).verdict, Verdict::Correct);
    let none = InvoiceClaim { units_claimed: dec("0"), corrected_rate: None, ..claim.clone() };
    assert_eq!(judge(&none, &r).words, "correct: 0 claimed (not used this month)");
    // No day attended: no fee either.
    let r = run(&fee, "2026-08", vec![]);
    assert_eq!((r.correct, r.reasoning[0].as_str()), (dec("0"), "the child attended no day this month: nothing may be claimed"));
    // The non-standard hour bonus cannot be prorated.
    let ns = auth(ServiceKind::NonstandardBonus, Program::Wccc, "1", "2026-08-01", "2026-12-31");
    let r = run(&ns, "2026-08", weekdays(m, 3, 4, Mark::Attended, None));
    let half = InvoiceClaim { units_claimed: dec("0.5"), corrected_rate: None, reference_number: ns.reference_number.clone(), ..claim };
    let j = judge(&half, &r);
    assert_eq!(j.verdict, Verdict::Under);
    assert_eq!(j.words, "0.5 claimed: the non-standard hour bonus cannot be prorated (claim 0 or 1)");
}

#[test]
fn a_part_month_pays_its_scheduled_days_less_absences_over_five_and_closures() {
    // Erin's authorization ends on the 20th: 14 scheduled days in August 2025.
    let m = Month::parse("2025-08").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2025-05-01", "2025-08-20");
    let mut spec = weekdays(m, 1, 20, Mark::Attended, None);
    for row in spec.iter_mut().take(8) {
        row.1 = Mark::Absent;
    }
    let r = run(&line, "2025-08", spec);
    assert_eq!(r.correct, dec("11"), "{:?}", r.reasoning);
    assert_eq!(r.reasoning[1], "absent 8 days, 3 more than the 5 allowed: 14 − 3 = 11");
    // Two closure days inside the part: 14 − 2 = 12.
    let mut spec = weekdays(m, 1, 20, Mark::Attended, None);
    spec[3].1 = Mark::Closed;
    spec[4].1 = Mark::Closed;
    let r = run(&line, "2025-08", spec);
    assert_eq!(r.correct, dec("12"), "{:?}", r.reasoning);
    assert_eq!(r.reasoning.last().unwrap(), "closed 2 days, never billable: 14 − 2 = 12");
}

#[test]
fn weekend_care_is_attendance_but_not_a_scheduled_day() {
    // Absent every weekday of August 2025 but in care on Saturday the 2nd:
    // the child attended, so the chart applies: 21 absences, 22 − 16 = 6.
    let m = Month::parse("2025-08").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2025-07-01", "2025-12-31");
    let mut spec = weekdays(m, 1, 31, Mark::Absent, None);
    spec.push(("2025-08-02".into(), Mark::Attended, None));
    let r = run(&line, "2025-08", spec);
    assert_eq!(r.correct, dec("6"), "{:?}", r.reasoning);
    assert!(r.days.iter().any(|x| x.date == d("2025-08-02") && x.counted == DayKind::Attended));
}

#[test]
fn a_half_day_line_of_exactly_22_has_no_extra_half_days() {
    let m = Month::parse("2026-03").unwrap();
    let line = auth(ServiceKind::HalfDay, Program::Wccc, "22", "2026-01-01", "2026-06-30");
    let r = run(&line, "2026-03", weekdays(m, 1, 31, Mark::Attended, Some("8")));
    assert_eq!(r.correct, dec("22"), "{:?}", r.reasoning);
    assert!(!r.reasoning.iter().any(|s| s.contains("extra half")), "{:?}", r.reasoning);
}

#[test]
fn a_line_not_authorized_in_the_month_pays_nothing() {
    let m = Month::parse("2025-07").unwrap();
    let line = auth(ServiceKind::FullDay, Program::Wccc, "22", "2025-08-08", "2025-11-30");
    let r = run(&line, "2025-07", weekdays(m, 1, 31, Mark::Attended, None));
    assert_eq!(r.correct, dec("0"));
    assert_eq!(r.reasoning, ["the line is authorized 08/08/2025 to 11/30/2025, not in 2025-07: nothing may be claimed"]);
}
