//! When an invoice claimed online is processed and paid: the booklet's
//! payment timing (seed 002, "How to process your invoice" and "When will
//! I be paid?") counted in Washington's working days, the state holidays
//! coming from [`Holidays`] (a data file), never from code.
//!
//! The portal is processed like Invoice Express, the booklet's other
//! electronic claim: a claim sent before the day's cutoff on a working day
//! counts as sent that day, later ones on the next working day; SSPS
//! processes it the next working day (the warrant is dated that day);
//! direct deposit settles on the 5th working day after the claim day; a
//! warrant is mailed on the 2nd business day after it. A paper invoice is
//! answered within 12 working days of its mailing ([`MAILED_WARRANT_DAYS`],
//! shown on the SSPS calendar for comparison).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::calendar::Holidays;
use crate::model::Month;

/// Working days after the claim day to a direct deposit's settlement
/// (booklet: "the 5th working day after you call in the invoice").
pub const DIRECT_DEPOSIT_DAYS: u32 = 5;

/// Working days after the claim day to a warrant's mailing (booklet: "DSHS
/// will mail your check on the 2nd business day after you have called in
/// your invoice").
pub const WARRANT_DAYS: u32 = 2;

/// Working days after a paper invoice is mailed within which DSHS mails
/// the check (booklet: "within 12 working days after you mail the
/// completed invoice").
pub const MAILED_WARRANT_DAYS: u32 = 12;

/// Whether `d` is a working day: a weekday that is not a state holiday (a
/// year the holiday file does not cover counts weekdays only).
pub fn is_working_day(h: &Holidays, d: NaiveDate) -> bool {
    h.is_business_day(d).unwrap_or(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
}

/// The `n`th working day after `d` (`n` = 0: `d` itself).
pub fn working_days_after(h: &Holidays, d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        match day.succ_opt() {
            Some(next) => day = next,
            None => return day,
        }
        if is_working_day(h, day) {
            left -= 1;
        }
    }
    day
}

/// The last working day of `month`: the first day its invoice may be
/// claimed (booklet: "you must call in your invoice on or after the last
/// working day of the previous month").
pub fn last_working_day(h: &Holidays, month: Month) -> NaiveDate {
    let mut d = month.last_day();
    while !is_working_day(h, d) && d > month.first_day() {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// How a provider is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paid {
    /// Direct deposit (EFT): the date is the settlement date.
    DirectDeposit,
    /// A warrant by mail: the date is the day it is mailed.
    Warrant,
}

/// A claim's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// The working day the claim counts as sent.
    pub claim_day: NaiveDate,
    /// The day SSPS processes it (the payment is dated that day).
    pub processed: NaiveDate,
    /// How it is paid.
    pub paid: Paid,
    /// Direct deposit: the settlement date; warrant: the mailing date.
    pub payment: NaiveDate,
}

/// The dates of a claim sent at `sent` (Washington time), with the day's
/// `cutoff`.
pub fn expected(h: &Holidays, sent: NaiveDateTime, cutoff: NaiveTime, paid: Paid) -> Expected {
    let day = sent.date();
    let claim_day = if is_working_day(h, day) && sent.time() < cutoff { day } else { working_days_after(h, day, 1) };
    let payment = match paid {
        Paid::DirectDeposit => working_days_after(h, claim_day, DIRECT_DEPOSIT_DAYS),
        Paid::Warrant => working_days_after(h, claim_day, WARRANT_DAYS),
    };
    Expected { claim_day, processed: working_days_after(h, claim_day, 1), paid, payment }
}

/// One month of the SSPS calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMonth {
    /// The service month.
    pub month: Month,
    /// The invoice's date: the month's last day (FOR MONTH ENDING).
    pub invoice_date: NaiveDate,
    /// The first day it may be claimed online or by telephone.
    pub claim_from: NaiveDate,
    /// Claimed that day before the cutoff: processed on this day.
    pub processed: NaiveDate,
    /// Direct deposit settles on this day.
    pub direct_deposit: NaiveDate,
    /// A warrant is mailed on this day.
    pub warrant: NaiveDate,
    /// Around this day a new child's first invoice comes (the 12th of the
    /// next month, or the working day after).
    pub new_child_invoice: NaiveDate,
}

/// The year's SSPS calendar: for each service month of `year`, the
/// invoice date and the dates of a claim sent on its first day.
pub fn year(h: &Holidays, year: i32) -> Vec<CalendarMonth> {
    (1..=12)
        .filter_map(|m| Month::parse(&format!("{year:04}-{m:02}")))
        .map(|month| {
            let claim_from = last_working_day(h, month);
            let twelfth = NaiveDate::from_ymd_opt(month.next().first_day().year(), month.next().first_day().month(), 12);
            let new_child =
                twelfth.map_or(month.next().first_day(), |d| if is_working_day(h, d) { d } else { working_days_after(h, d, 1) });
            let noon = claim_from.and_hms_opt(12, 0, 0).unwrap_or_default();
            let cutoff = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
            CalendarMonth {
                month,
                invoice_date: month.last_day(),
                claim_from,
                processed: working_days_after(h, claim_from, 1),
                direct_deposit: expected(h, noon, cutoff, Paid::DirectDeposit).payment,
                warrant: expected(h, noon, cutoff, Paid::Warrant).payment,
                new_child_invoice: new_child,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn cutoff() -> NaiveTime {
        NaiveTime::from_hms_opt(16, 30, 0).unwrap()
    }

    #[test]
    fn the_booklets_example_in_working_days() {
        // Booklet: called in on Wednesday January 3, 2001, before 5:00 p.m.;
        // the check is dated January 4; direct deposit on January 10, the
        // 5th working day. (2001 is outside the holiday file: weekdays.)
        let h = Holidays::washington();
        let e = expected(&h, at("2001-01-03 10:00"), NaiveTime::from_hms_opt(17, 0, 0).unwrap(), Paid::DirectDeposit);
        assert_eq!((e.claim_day, e.processed, e.payment), (d("2001-01-03"), d("2001-01-04"), d("2001-01-10")));
    }

    #[test]
    fn after_the_cutoff_and_over_holidays() {
        let h = Holidays::washington();
        // Wednesday 25 November 2026 at 16:45: after the cutoff; Thursday 26
        // and Friday 27 are holidays; the claim day is Monday 30 November.
        let e = expected(&h, at("2026-11-25 16:45"), cutoff(), Paid::DirectDeposit);
        assert_eq!(e.claim_day, d("2026-11-30"));
        assert_eq!(e.processed, d("2026-12-01"));
        assert_eq!(e.payment, d("2026-12-07"));
        // The same at 16:29: counts on the 25th.
        let e = expected(&h, at("2026-11-25 16:29"), cutoff(), Paid::Warrant);
        assert_eq!((e.claim_day, e.processed, e.payment), (d("2026-11-25"), d("2026-11-30"), d("2026-12-01")));
        // A Saturday counts as Monday.
        assert_eq!(expected(&h, at("2026-12-05 09:00"), cutoff(), Paid::Warrant).claim_day, d("2026-12-07"));
    }

    #[test]
    fn claims_open_on_the_months_last_working_day() {
        let h = Holidays::washington();
        // October 2026 ends on a Saturday: Friday the 30th.
        assert_eq!(last_working_day(&h, Month::parse("2026-10").unwrap()), d("2026-10-30"));
        // December 2026: Thursday the 31st.
        assert_eq!(last_working_day(&h, Month::parse("2026-12").unwrap()), d("2026-12-31"));
        let y = year(&h, 2026);
        assert_eq!(y.len(), 12);
        let nov = &y[10];
        // November 30 2026 is a Monday; processed December 1; the 12th of
        // December is a Saturday: a new child's invoice comes Monday the 14th.
        assert_eq!((nov.claim_from, nov.processed, nov.new_child_invoice), (d("2026-11-30"), d("2026-12-01"), d("2026-12-14")));
        assert_eq!(nov.direct_deposit, d("2026-12-07"));
    }
}
