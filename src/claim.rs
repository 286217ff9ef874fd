//! Claim checking: the child-care booklet's billing rules (seed 002), from a
//! month's attendance to the units a provider may write in TOTAL UNITS.
//!
//! [`correct_units`] works out one authorization line's month, with its
//! reasoning in words ("absent 9 days, 4 more than the 5 allowed: 22 − 4 =
//! 18"); [`check`] does it for every line with attendance or a claim in the
//! month and judges each claim in `invoice_claims.csv`. Pure: no I/O, state
//! holidays from [`Holidays`] (a data file by year), never from code.
//!
//! [`entry`] checks a claim typed into the provider portal line by line
//! with the same rules; [`timing`] says when a claim sent online is
//! processed and paid.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::calendar::Holidays;

pub mod entry;
pub mod timing;
pub mod words;
use crate::model::{Attendance, Authorization, Extract, InvoiceClaim, Language, Mark, Month, Program, ReferenceNumber, ServiceKind};
use words::Step;

/// Absent days paid each month on a full-time authorization (booklet p. 9:
/// "DSHS allows up to 5 absences each month").
pub const PAID_ABSENCES: u32 = 5;

/// A full-time month in days (booklet p. 9: "DSHS considers each full-time
/// month as 22 days").
pub const FULL_TIME_DAYS: u32 = 22;

/// The seasonal program's full month (booklet p. 33: "DSHS considers a
/// full-month (every day of the month) as 31 days").
pub const SEASONAL_FULL_MONTH: u32 = 31;

/// A half day is fewer than 5 hours; a day of 5 or more hours in care earns
/// an extra half day on a half-day authorization over 22 (booklet p. 12).
pub const LONG_DAY_HOURS: u32 = 5;

/// Care beyond this many hours a day is extended-hours care (booklet p. 32).
pub const EXTENDED_AFTER_HOURS: u32 = 10;

/// Days in care before the infant bonus may be claimed (booklet p. 7:
/// "You may only claim the infant bonus when the child has been in your
/// care for five days").
pub const INFANT_BONUS_DAYS: u32 = 5;

/// The registration fee's cap (booklet p. 8: "$50.00 or the provider's
/// usual registration fee, whichever is less").
pub const REGISTRATION_FEE_CAP: Decimal = Decimal::from_parts(5000, 0, 0, false, 2);

/// The activity fee's cap a month (booklet p. 8: "up to $20 per child, per
/// month", Working Connections only).
pub const ACTIVITY_FEE_CAP: Decimal = Decimal::from_parts(2000, 0, 0, false, 2);

/// How a claim compares with the correct units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The claim equals the correct units (and, for fees, the rate is allowed).
    Correct,
    /// More than may be claimed.
    Over,
    /// Less than may be claimed.
    Under,
}

/// One authorization line's month worked out.
#[derive(Debug, Clone, Serialize)]
pub struct LineMonth {
    /// The line's reference number.
    pub reference_number: String,
    /// The provider.
    pub provider_number: String,
    /// The child.
    pub child: String,
    /// The service name as printed.
    pub service: String,
    /// The service kind (`full_day`, …).
    pub kind: ServiceKind,
    /// The pre-printed TOTAL UNITS.
    #[serde(serialize_with = "crate::money::json_units")]
    pub units_authorized: Decimal,
    /// The pre-printed rate.
    #[serde(serialize_with = "crate::money::json")]
    pub rate: Decimal,
    /// The units that may be claimed.
    #[serde(serialize_with = "crate::money::json_units")]
    pub correct: Decimal,
    /// Why, step by step, in words (English: `ssps claim`'s worksheet).
    pub reasoning: Vec<String>,
    /// The same steps, to be said in the reader's language
    /// ([`Step::say`]).
    #[serde(skip)]
    pub steps: Vec<Step>,
    /// Each day of the month as the rules saw it (for the worksheet).
    pub days: Vec<Day>,
    /// The highest rate that may be paid per unit when the rule caps it
    /// (registration and activity fees).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "crate::money::json_opt")]
    pub rate_cap: Option<Decimal>,
}

/// One day of the month for one line.
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// The date.
    pub date: NaiveDate,
    /// What the day counted as.
    pub counted: DayKind,
    /// Hours in care, when recorded.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "crate::money::json_units_opt")]
    pub hours: Option<Decimal>,
}

/// What a day counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Outside the authorization (before its start or after its end).
    NotAuthorized,
    /// A weekend day (not a scheduled day, except in a seasonal full month).
    Weekend,
    /// A Washington state holiday: neither absent nor a closure.
    Holiday,
    /// The facility was closed (not a holiday): never billable.
    Closed,
    /// The child attended.
    Attended,
    /// A scheduled day the child did not attend.
    Absent,
}

/// Days a month's attendance of one line counts.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    scheduled: u32,
    attended: u32,
    absent: u32,
    closed: u32,
    holidays: u32,
    long_days: u32,
    extended_hours: Decimal,
}

/// Works out the units one line may claim for `month` from `attendance`
/// (this line's rows, any order) and the state holidays. `care` is the
/// attendance of the child's care lines at the same provider, for the
/// bonuses that follow the child's days in care.
pub fn correct_units(
    line: &Authorization,
    child: &str,
    month: Month,
    attendance: &[&Attendance],
    care: &[&Attendance],
    holidays: &Holidays,
) -> LineMonth {
    let seasonal_month = line.program == Program::Seasonal && line.units_authorized >= Decimal::from(SEASONAL_FULL_MONTH);
    let by_date: BTreeMap<NaiveDate, &Attendance> = attendance.iter().map(|a| (a.date, *a)).collect();
    let mut counts = Counts::default();
    let mut day_list = Vec::new();
    let mut d = month.first_day();
    while d <= month.last_day() {
        let row = by_date.get(&d);
        let hours = row.and_then(|a| a.hours);
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let kind = if d < line.start_date || d > line.end_date {
            DayKind::NotAuthorized
        } else if holidays.is_holiday(d) == Some(true) {
            // Booklet p. 17: a holiday is neither an absent day nor a closure day.
            counts.holidays += 1;
            if row.is_some_and(|a| a.mark == Mark::Attended) {
                counts.attended += 1;
            }
            DayKind::Holiday
        } else if weekend && !seasonal_month {
            // Booklet p. 10: each week has 5 days; a weekend day in care
            // still counts as a day attended.
            if row.is_some_and(|a| a.mark == Mark::Attended) {
                counts.attended += 1;
                DayKind::Attended
            } else {
                DayKind::Weekend
            }
        } else {
            match row.map(|a| a.mark) {
                // Booklet p. 18: a closure day (not a holiday) is never billable.
                Some(Mark::Closed) => {
                    counts.closed += 1;
                    DayKind::Closed
                }
                Some(Mark::Attended) => {
                    counts.scheduled += 1;
                    counts.attended += 1;
                    DayKind::Attended
                }
                // No row, `A`, or `H` (validation rejects `H` on a day that is
                // not a holiday): an absent day, also every day after a child
                // left care early (booklet p. 15).
                _ => {
                    counts.scheduled += 1;
                    counts.absent += 1;
                    DayKind::Absent
                }
            }
        };
        if kind == DayKind::Attended || (kind == DayKind::Holiday && row.is_some_and(|a| a.mark == Mark::Attended)) {
            if hours.is_some_and(|h| h >= Decimal::from(LONG_DAY_HOURS)) {
                counts.long_days += 1;
            }
            if let Some(h) = hours {
                let over = h - Decimal::from(EXTENDED_AFTER_HOURS);
                if over > Decimal::ZERO {
                    counts.extended_hours += over;
                }
            }
        }
        day_list.push(Day { date: d, counted: kind, hours });
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    let max = line.units_authorized;
    let mut why = Vec::new();
    let mut rate_cap = None;
    let authorized_in_month = line.start_date <= month.last_day() && line.end_date >= month.first_day();
    let care_in_month = care_days(care, line, month);
    let correct = match line.service_kind {
        _ if !authorized_in_month => {
            why.push(Step::NotInMonth { from: line.start_date, to: line.end_date, month });
            Decimal::ZERO
        }
        ServiceKind::FullDay | ServiceKind::HalfDay | ServiceKind::SpecialNeeds => {
            day_units(line, month, seasonal_month, &counts, &mut why)
        }
        ServiceKind::ExtendedHours => {
            // Hours may be recorded on the extended-hours line or on the
            // child's care line.
            let h = if counts.extended_hours.is_zero() { extended_hours(care, line, month) } else { counts.extended_hours };
            why.push(Step::ExtendedHours { hours: h });
            h
        }
        ServiceKind::InfantBonus => {
            let in_care = care_in_month;
            if in_care >= INFANT_BONUS_DAYS {
                why.push(Step::InfantInCare { days: in_care });
                max
            } else {
                why.push(Step::InfantTooFew { days: in_care });
                Decimal::ZERO
            }
        }
        ServiceKind::NonstandardBonus => {
            let in_care = care_in_month;
            if in_care > 0 {
                why.push(Step::NonstandardWhole);
                max
            } else {
                why.push(Step::NoDayAttended);
                Decimal::ZERO
            }
        }
        // Booklet p. 9: no day attended, no payment of any kind that month.
        ServiceKind::RegistrationFee | ServiceKind::ActivityFee if care_in_month == 0 => {
            why.push(Step::NoDayAttended);
            Decimal::ZERO
        }
        ServiceKind::RegistrationFee => {
            rate_cap = Some(REGISTRATION_FEE_CAP);
            why.push(Step::RegistrationFee);
            max
        }
        ServiceKind::ActivityFee => {
            if line.program == Program::Wccc {
                rate_cap = Some(ACTIVITY_FEE_CAP);
                why.push(Step::ActivityFeeCap);
                max
            } else {
                why.push(Step::ActivityFeeNotPaid { program: line.program.code().to_string() });
                Decimal::ZERO
            }
        }
    };
    // Booklet p. 20: never more than the pre-printed TOTAL UNITS.
    let correct = if correct > max {
        why.push(Step::NeverMore { max });
        max
    } else {
        correct
    };
    LineMonth {
        reference_number: line.reference_number.to_string(),
        provider_number: line.provider_number.to_string(),
        child: child.to_string(),
        service: line.service_name.clone(),
        kind: line.service_kind,
        units_authorized: max,
        rate: line.rate,
        correct,
        reasoning: why.iter().map(|s| s.say(Language::En)).collect(),
        steps: why,
        days: day_list,
        rate_cap,
    }
}

/// Days the child was in care in the month at this provider (the care
/// lines' attendance): what the bonuses go by.
fn care_days(care: &[&Attendance], line: &Authorization, month: Month) -> u32 {
    let mut dates: Vec<NaiveDate> = care
        .iter()
        .filter(|a| a.mark == Mark::Attended && Month::of(a.date) == month && a.date >= line.start_date && a.date <= line.end_date)
        .map(|a| a.date)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    dates.len() as u32
}

/// Hours over 10 a day in the care lines' attendance (each date once, its
/// longest record).
fn extended_hours(care: &[&Attendance], line: &Authorization, month: Month) -> Decimal {
    let mut by_date: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    for a in care
        .iter()
        .filter(|a| a.mark == Mark::Attended && Month::of(a.date) == month && a.date >= line.start_date && a.date <= line.end_date)
    {
        if let Some(h) = a.hours {
            let e = by_date.entry(a.date).or_default();
            *e = (*e).max(h);
        }
    }
    by_date.values().map(|h| (*h - Decimal::from(EXTENDED_AFTER_HOURS)).max(Decimal::ZERO)).sum()
}

/// Day units: full-time with the absent-day chart, or part-time by days attended.
fn day_units(line: &Authorization, month: Month, seasonal_month: bool, c: &Counts, why: &mut Vec<Step>) -> Decimal {
    let max = line.units_authorized;
    let base = if seasonal_month { SEASONAL_FULL_MONTH } else { FULL_TIME_DAYS };
    // Booklet p. 30, situation 2: no day attended, nothing may be claimed.
    if c.attended == 0 {
        why.push(Step::NoDayAttended);
        return Decimal::ZERO;
    }
    let full_time = max >= Decimal::from(FULL_TIME_DAYS);
    if !full_time {
        // Part-time: only the days attended (booklet p. 9: absent days are
        // paid on full-time authorizations).
        why.push(Step::PartTime { max, attended: c.attended });
        return Decimal::from(c.attended);
    }
    // Booklet pp. 13–14: an authorization starting or ending inside the
    // month pays at most the days the child was scheduled in that part;
    // absent days still apply, counted against those days.
    let m0 = month.first_day();
    let m1 = month.last_day();
    let mut start = base;
    if line.start_date > m0 || line.end_date < m1 {
        let part = c.scheduled + c.closed + c.holidays;
        let (from, to) = (line.start_date.max(m0), line.end_date.min(m1));
        if part < base {
            why.push(Step::PartOfMonth { from, to, scheduled: part });
            start = part;
        } else {
            why.push(Step::PartOfMonthAll { from, to, scheduled: part });
        }
    }
    let mut units = start;
    let over = c.absent.saturating_sub(PAID_ABSENCES);
    if over > 0 {
        units = start.saturating_sub(over);
        why.push(Step::AbsentOver { absent: c.absent, over, start, units });
    } else {
        why.push(Step::AbsentWithin { absent: c.absent, start });
    }
    if c.holidays > 0 {
        why.push(Step::Holidays { days: c.holidays });
    }
    if c.closed > 0 {
        let after = units.saturating_sub(c.closed);
        why.push(Step::Closed { closed: c.closed, units, after });
        units = after;
    }
    let mut total = Decimal::from(units);
    // Booklet p. 12: half days over 22 pay an extra half day for each day of
    // 5 or more hours, at most (units − 22); never absence days.
    if line.service_kind == ServiceKind::HalfDay && max > Decimal::from(FULL_TIME_DAYS) {
        let room = max - Decimal::from(FULL_TIME_DAYS);
        let extra = Decimal::from(c.long_days).min(room);
        if c.long_days > 0 {
            let capped = (Decimal::from(c.long_days) > room).then_some(room);
            why.push(Step::LongDays { days: c.long_days, extra, capped, total });
            total += extra;
        }
    }
    total
}

/// One claim judged.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimCheck {
    /// The invoice number.
    pub invoice_number: String,
    /// The line.
    pub reference_number: String,
    /// Units the provider wrote.
    #[serde(serialize_with = "crate::money::json_units")]
    pub claimed: Decimal,
    /// The rate the provider wrote below the printed one, if any.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "crate::money::json_opt")]
    pub corrected_rate: Option<Decimal>,
    /// Correct, over or under.
    pub verdict: Verdict,
    /// The verdict in words.
    pub words: String,
    /// `invoice_claims.csv` line.
    pub line: u64,
}

/// A month checked.
#[derive(Debug, Clone, Serialize)]
pub struct MonthCheck {
    /// The month.
    pub month: Month,
    /// Every line with attendance or a claim in the month, in provider,
    /// child, reference order.
    pub lines: Vec<LineMonth>,
    /// Every claim for the month, in file order, each with its line's index
    /// in `lines`.
    pub claims: Vec<(usize, ClaimCheck)>,
}

impl MonthCheck {
    /// Whether every claim is correct.
    pub fn all_correct(&self) -> bool {
        self.claims.iter().all(|(_, c)| c.verdict == Verdict::Correct)
    }
}

/// Judges a claim against the line's month.
pub fn judge(c: &InvoiceClaim, m: &LineMonth) -> ClaimCheck {
    let correct = m.correct;
    let claimed = c.units_claimed;
    let mut verdict = if claimed == correct {
        Verdict::Correct
    } else if claimed > correct {
        Verdict::Over
    } else {
        Verdict::Under
    };
    let mut words = match verdict {
        Verdict::Correct => format!("correct: {} claimed", claimed.normalize()),
        Verdict::Over => format!("over: {} claimed, {} may be claimed", claimed.normalize(), correct.normalize()),
        Verdict::Under => format!("under: {} claimed, {} may be claimed", claimed.normalize(), correct.normalize()),
    };
    // Booklet pp. 7–8: a fee not used, or a non-standard bonus not due, is
    // claimed as 0.
    let zero_allowed = matches!(m.kind, ServiceKind::NonstandardBonus | ServiceKind::ActivityFee | ServiceKind::RegistrationFee);
    if zero_allowed && claimed.is_zero() && verdict == Verdict::Under {
        verdict = Verdict::Correct;
        words = "correct: 0 claimed (not used this month)".into();
    }
    // The all-or-nothing bonus: a part is never right.
    if m.kind == ServiceKind::NonstandardBonus && !claimed.is_zero() && claimed != m.units_authorized {
        verdict = if claimed > correct { Verdict::Over } else { Verdict::Under };
        words = format!(
            "{} claimed: the non-standard hour bonus cannot be prorated (claim 0 or {})",
            claimed.normalize(),
            m.units_authorized.normalize()
        );
    }
    // Fees: the rate paid (a lower one written below the printed one, else
    // the printed one) must stay within the cap.
    if let Some(cap) = m.rate_cap {
        let rate = c.corrected_rate.unwrap_or(m.rate);
        if rate > cap && !claimed.is_zero() && verdict != Verdict::Over {
            verdict = Verdict::Over;
            words = match c.corrected_rate {
                Some(r) => format!("over: the rate written, ${r}, is more than the ${cap} allowed"),
                None => format!("over: the printed rate ${} is more than the ${cap} allowed; write ${cap} below it", m.rate),
            };
        }
    }
    ClaimCheck {
        invoice_number: c.invoice_number.to_string(),
        reference_number: c.reference_number.to_string(),
        claimed,
        corrected_rate: c.corrected_rate,
        verdict,
        words,
        line: c.origin.line,
    }
}

/// Checks `month`: every line with attendance or a claim in it, and every claim.
pub fn check(x: &Extract, holidays: &Holidays, month: Month) -> MonthCheck {
    let mut by_line: BTreeMap<&ReferenceNumber, Vec<&Attendance>> = BTreeMap::new();
    for a in x.attendance.iter().filter(|a| Month::of(a.date) == month) {
        by_line.entry(&a.reference_number).or_default().push(a);
    }
    let claims: Vec<&InvoiceClaim> = x.invoice_claims.iter().filter(|c| c.month == month).collect();
    let mut refs: Vec<&ReferenceNumber> = by_line.keys().copied().chain(claims.iter().map(|c| &c.reference_number)).collect();
    refs.sort_unstable();
    refs.dedup();
    let mut lines: Vec<LineMonth> = Vec::new();
    for r in refs {
        let Some(line) = x.authorizations.get(r) else { continue };
        let child = x.clients.get(&line.client_id).map(|c| c.full_name()).unwrap_or_default();
        let own: Vec<&Attendance> = by_line.get(r).cloned().unwrap_or_default();
        // The child's care lines at this provider (for the bonuses).
        let care: Vec<&Attendance> = x
            .authorizations
            .values()
            .filter(|o| o.client_id == line.client_id && o.provider_number == line.provider_number)
            .filter(|o| matches!(o.service_kind, ServiceKind::FullDay | ServiceKind::HalfDay))
            .flat_map(|o| by_line.get(&o.reference_number).cloned().unwrap_or_default())
            .collect();
        lines.push(correct_units(line, &child, month, &own, &care, holidays));
    }
    lines.sort_by(|a, b| (&a.provider_number, &a.child, &a.reference_number).cmp(&(&b.provider_number, &b.child, &b.reference_number)));
    // Booklet p. 7: the infant bonus is paid once for the infant: a line
    // claimed in an earlier month may not be claimed again.
    for l in lines.iter_mut().filter(|l| l.kind == ServiceKind::InfantBonus && !l.correct.is_zero()) {
        let earlier = x
            .invoice_claims
            .iter()
            .filter(|c| c.reference_number.as_str() == l.reference_number && c.month < month && !c.units_claimed.is_zero())
            .map(|c| c.month)
            .min();
        if let Some(m) = earlier {
            let step = Step::InfantOnce { month: m };
            l.reasoning.push(step.say(Language::En));
            l.steps.push(step);
            l.correct = Decimal::ZERO;
        }
    }
    let index: BTreeMap<&str, usize> = lines.iter().enumerate().map(|(i, l)| (l.reference_number.as_str(), i)).collect();
    let mut seen: BTreeMap<&str, &InvoiceClaim> = BTreeMap::new();
    let claims = claims
        .iter()
        .filter_map(|c| {
            let &i = index.get(c.reference_number.as_str())?;
            let mut j = judge(c, &lines[i]);
            // A line claimed twice for one month: the second claim is over.
            if let Some(first) = seen.get(c.reference_number.as_str()) {
                if !c.units_claimed.is_zero() {
                    j.verdict = Verdict::Over;
                    j.words = format!(
                        "over: this line is already claimed for {month} on invoice {} (invoice_claims.csv line {})",
                        first.invoice_number, first.origin.line
                    );
                }
            } else {
                seen.insert(c.reference_number.as_str(), c);
            }
            Some((i, j))
        })
        .collect();
    MonthCheck { month, lines, claims }
}

#[cfg(test)]
mod tests;
