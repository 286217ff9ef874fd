//! Monthly payments (`payments.csv`) and their lines (`payment_lines.csv`).
//!
//! With `payments = N` each payee is paid N times, one a month ending with the chosen
//! month, on the 10th (or the next weekday), by EFT or warrant as its `direct_deposit`
//! says; each payment pays every authorization line of the payee for the month before,
//! with an occasional overpayment recovery (`OVP`). Twelve of them ending in December
//! make the year of payments that `ssps tax1099` (and its benchmark) reports.

use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};

use super::out::Out;
use super::payees::Payee;
use super::{money, Gen, Rng, SampleError};
use crate::load;

const FIRST_PAYMENT: u64 = 700_000_001; // 9 digits: warrant or EFT trace number

/// The payments being written, and the current payee's lines to pay.
pub(super) struct Payments {
    per_payee: usize,
    payments: Out,
    lines: Out,
    next_id: u64,
    buffer: Vec<PayLine>,
}

/// An authorization line as its payments need it.
pub(super) struct PayLine {
    /// The provider's ordinal within its payee (its invoice letter).
    pub(super) ordinal: usize,
    pub(super) reference: String,
    pub(super) unit: &'static str,
    pub(super) units: u32,
    /// Cents a unit.
    pub(super) rate: u64,
}

impl Payments {
    /// Opens both files for `per_payee` payments a payee.
    pub(super) fn create(dir: &Path, per_payee: usize) -> Result<Payments, SampleError> {
        Ok(Payments {
            per_payee,
            payments: Out::create(dir, &load::PAYMENTS)?,
            lines: Out::create(dir, &load::PAYMENT_LINES)?,
            next_id: FIRST_PAYMENT,
            buffer: Vec::new(),
        })
    }

    /// Keeps an authorization line of the current payee, to be paid.
    pub(super) fn owe(&mut self, line: PayLine) {
        self.buffer.push(line);
    }

    /// Flushes both files; returns the numbers of payments and of lines written.
    pub(super) fn finish(self) -> Result<(usize, usize), SampleError> {
        let counts = (self.payments.rows as usize, self.lines.rows as usize);
        self.payments.finish()?;
        self.lines.finish()?;
        Ok(counts)
    }
}

/// `d`, or the Monday after when it falls on a weekend.
fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        chrono::Weekday::Sat => d + chrono::Duration::days(2),
        chrono::Weekday::Sun => d + chrono::Duration::days(1),
        _ => d,
    }
}

impl Gen {
    /// The payee's monthly payments for its authorization lines (none unless asked for).
    pub(super) fn payments(&mut self, r: &mut Rng, payee: &Payee) -> Result<(), SampleError> {
        let m0 = self.m0;
        let Some(p) = self.pay.as_mut() else { return Ok(()) };
        let lines = std::mem::take(&mut p.buffer);
        let eft = payee.fields[load::PAYEES.col("direct_deposit")] == "Y";
        let payee_id = crate::model::PayeeNumber::parse(&payee.number).expect("sample payee numbers are identifiers");
        for k in 0..p.per_payee {
            let issue_month = m0 - Months::new((p.per_payee - 1 - k) as u32);
            let service = crate::model::Month::of(issue_month.pred_opt().expect("month is after 1900"));
            let issue = weekday_on_or_after(issue_month.with_day(10).expect("the 10th exists"));
            let id = p.next_id.to_string();
            p.next_id += 1;
            let mut total: i64 = 0;
            let mut rows: Vec<[String; 10]> = Vec::with_capacity(lines.len() + 1);
            for (n, l) in lines.iter().enumerate() {
                let units = match l.unit {
                    "DA" => r.range(u64::from(l.units.saturating_sub(7).max(1)), u64::from(l.units)),
                    "HR" => r.range(1, u64::from(l.units.max(1))),
                    _ => u64::from(l.units),
                };
                let amount = units * l.rate;
                total += amount as i64;
                rows.push([
                    id.clone(),
                    (n + 1).to_string(),
                    l.reference.clone(),
                    crate::compose::invoice_number(&payee_id, l.ordinal, service),
                    service.to_string(),
                    units.to_string(),
                    money(l.rate),
                    money(amount),
                    String::new(),
                    String::new(),
                ]);
            }
            // Now and then an overpayment is recovered from a payment.
            if total > 20_000 && r.chance(30) {
                let recovered = (total / 10).min(12_000);
                total -= recovered;
                rows.push([
                    id.clone(),
                    (rows.len() + 1).to_string(),
                    String::new(),
                    String::new(),
                    service.to_string(),
                    String::new(),
                    String::new(),
                    format!("-{}", money(recovered as u64)),
                    "OVP".to_string(),
                    format!("Recovery of overpayment, notice VOP-{}-{:04}", service.year(), r.range(1, 9999)),
                ]);
            }
            let settlement = if eft { weekday_on_or_after(issue + chrono::Duration::days(2)).to_string() } else { String::new() };
            p.payments.write(&[
                id.clone(),
                payee.number.clone(),
                issue.to_string(),
                settlement,
                if eft { "EFT" } else { "WARRANT" }.to_string(),
                money(total as u64),
            ])?;
            for row in &rows {
                p.lines.write(row)?;
            }
        }
        Ok(())
    }
}
