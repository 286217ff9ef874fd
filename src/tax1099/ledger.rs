//! The tax year's ledger: every payment issued in the year, accepted or
//! rejected, sorted into what is reported on Form 1099-NEC and what is not,
//! and why; the returns (one per recipient TIN); and, for a correction run,
//! what changed since the returns filed before.
//!
//! The reconciliation proves the sorting loses nothing: reported + below
//! threshold + exempt + rejected = every payment row of the year in
//! `payments.csv`, counted and summed straight from the raw rows. No I/O
//! happens here; [`crate::ops::tax1099`] reads and writes.
//!
//! This module holds the ledger's types, the raw payment rows, the
//! identity, and `reconciliation.csv` written and read back; the sorting
//! itself, [`build`], is in the private submodule `sort`, step by step.

mod sort;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::load::{self, Table};
use crate::model::{Extract, Payee, PayeeNumber, Tin};
use crate::problem::Problem;

pub use sort::build;

/// Why a payment is or is not on a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// On a Form 1099-NEC.
    Reported,
    /// The recipient's net total for the year is under the threshold.
    BelowThreshold,
    /// The payee is exempt from 1099 reporting (`reportable_1099 = N`).
    Exempt,
    /// The payment (or its payee) was rejected by validation.
    Rejected,
}

impl Status {
    /// The word in `reconciliation.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::BelowThreshold => "below_threshold",
            Status::Exempt => "exempt",
            Status::Rejected => "rejected",
        }
    }

    /// Every status, in report order.
    pub const ALL: [Status; 4] = [Status::Reported, Status::BelowThreshold, Status::Exempt, Status::Rejected];
}

/// What this run files for a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filing {
    /// A first return for this recipient (statement and upload row).
    Original,
    /// The amount, name or TIN differs from the return filed before: a
    /// corrected statement and a correction row.
    Corrected,
    /// A return filed before that should not have been: corrected to zero.
    Void,
    /// Filed before and still right: nothing is produced.
    Unchanged,
    /// The recipient's TIN changed since the return was filed (IRS error
    /// type 2): the filed return is corrected to zero under the TIN it was
    /// filed with, and a new original is filed under the new TIN.
    TwoStep,
    /// Filed before and not touched by this run although the figures
    /// differ: some of the recipient's payments (or the payee itself) were
    /// rejected, or the filed TIN cannot be read back. Fix and rerun.
    Held,
}

impl Filing {
    /// The word in `reconciliation.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Filing::Original => "original",
            Filing::Corrected => "corrected",
            Filing::Void => "void",
            Filing::Unchanged => "unchanged",
            Filing::TwoStep => "two_step",
            Filing::Held => "held",
        }
    }

    /// Whether a statement and an upload row are produced.
    pub fn produces(self) -> bool {
        !matches!(self, Filing::Unchanged | Filing::Held)
    }

    /// Whether the statement is marked CORRECTED.
    pub fn corrected(self) -> bool {
        matches!(self, Filing::Corrected | Filing::Void)
    }
}

/// A row of `payments.csv` that validation rejected, as far as it can be read.
#[derive(Debug, Clone)]
pub struct RejectedPayment {
    /// The row.
    pub raw: RawPayment,
    /// Why it was rejected (the first error on its line).
    pub reason: String,
}

/// A row of the raw `payments.csv`, read as far as it can be (kept small:
/// the year's reconciliation needs only these cells of every row).
#[derive(Debug, Clone)]
pub struct RawPayment {
    /// Line in the file.
    pub line: u64,
    /// The payment_id cell, as given.
    pub payment_id: String,
    /// The payee_number cell, as given.
    pub payee_number: String,
    /// The issue date, when it reads as a date.
    pub issue_date: Option<NaiveDate>,
    /// The amount, when it reads as money.
    pub amount: Option<Decimal>,
}

/// Every row of the raw `payments.csv` (taken before validation).
pub fn raw_payments(raw: &Table) -> Vec<RawPayment> {
    let spec = raw.spec;
    let cell = |row: &load::RawRow, name: &str| row.cells.get(spec.col(name)).cloned().flatten().unwrap_or_default();
    raw.rows
        .iter()
        .map(|r| RawPayment {
            line: r.line,
            payment_id: cell(r, "payment_id"),
            payee_number: cell(r, "payee_number"),
            issue_date: NaiveDate::parse_from_str(&cell(r, "issue_date"), "%Y-%m-%d").ok(),
            amount: crate::validate::parse_amount(&cell(r, "amount")),
        })
        .collect()
}

/// The rows of the raw `payments.csv` that did not become payments.
pub fn rejected_payments(raw: &[RawPayment], accepted: &Extract, problems: &[Problem]) -> Vec<RejectedPayment> {
    let kept: std::collections::BTreeSet<u64> = accepted.payments.values().map(|p| p.origin.line).collect();
    let mut reasons: BTreeMap<u64, &str> = BTreeMap::new();
    for p in problems.iter().filter(|p| p.is_error() && p.file == load::PAYMENTS.name) {
        if let Some(line) = p.line {
            reasons.entry(line).or_insert(p.rule.as_str());
        }
    }
    raw.iter()
        .filter(|r| !kept.contains(&r.line))
        .map(|r| RejectedPayment {
            raw: r.clone(),
            reason: reasons.get(&r.line).map_or_else(|| "rejected (see rejects.csv)".to_string(), |s| s.to_string()),
        })
        .collect()
}

/// Every payment row of `year` in the raw file: how many, the sum of those
/// whose amount reads as money, and how many do not. The reconciliation
/// must come to this.
pub fn raw_year_totals(raw: &[RawPayment], year: i32) -> (usize, Decimal, usize) {
    let mut count = 0;
    let mut sum = Decimal::ZERO;
    let mut unreadable = 0;
    for r in raw.iter().filter(|r| r.issue_date.is_some_and(|d| d.year() == year)) {
        count += 1;
        match r.amount {
            Some(a) => sum += a,
            None => unreadable += 1,
        }
    }
    (count, sum, unreadable)
}

/// The reconciliation identity: every payment row of the year in the raw
/// file against the sorted rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Payment rows of the year in `payments.csv`.
    pub input_payments: usize,
    /// Their sum (readable amounts).
    pub input_amount: Decimal,
    /// Rows of the year whose amount cannot be read.
    pub unreadable: usize,
    /// Payments in the reconciliation's rows, all statuses.
    pub sorted_payments: usize,
    /// Their amounts.
    pub sorted_amount: Decimal,
}

impl Identity {
    /// Counts both sides.
    pub fn of(ledger: &Ledger, raw: &[RawPayment]) -> Identity {
        let (input_payments, input_amount, unreadable) = raw_year_totals(raw, ledger.year);
        let tallies = ledger.tallies();
        Identity {
            input_payments,
            input_amount,
            unreadable,
            sorted_payments: tallies.values().map(|t| t.payments).sum(),
            sorted_amount: tallies.values().map(|t| t.amount).sum(),
        }
    }

    /// reported + below threshold + exempt + rejected = every payment of the year.
    pub fn holds(&self) -> bool {
        self.input_payments == self.sorted_payments && self.input_amount == self.sorted_amount
    }
}

/// What the IRS holds for a return after an earlier run (from that run's
/// `reconciliation.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    /// The recipient's name on the return.
    pub name: String,
    /// The truncated TIN printed on the statement (its last four digits and
    /// kind tell a changed TIN).
    pub tin: String,
    /// Box 1 as filed.
    pub amount: Decimal,
}

/// The returns an earlier run left filed, by account number.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// By account number (the payee number the return is under).
    pub returns: BTreeMap<String, Filed>,
    /// The full TINs filed, by account number, read back from the earlier
    /// runs' IRIS upload files (the only place they are kept): needed to
    /// correct a return under the TIN it was filed with.
    pub tins: BTreeMap<String, Tin>,
}

/// Why an earlier run's reconciliation cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PreviousError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl Previous {
    /// Reads `reconciliation.csv` as [`write_reconciliation`] writes it:
    /// every row with a return account holds that return's filed state.
    pub fn parse(text: &str, file: &str) -> Result<Previous, PreviousError> {
        let err = |message: String| PreviousError { file: file.to_string(), message };
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let headers = r.headers().map_err(|e| err(e.to_string()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| err(format!("has no column {name}")));
        let (payee, name, tin, account, amount) =
            (col("payee_number")?, col("name")?, col("tin")?, col("return_account")?, col("return_amount")?);
        let mut returns = BTreeMap::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| err(e.to_string()))?;
            let get = |c: usize| rec.get(c).unwrap_or_default();
            // Only the row of the payee the return is under describes it.
            if get(account).is_empty() || get(account) != get(payee) {
                continue;
            }
            let value: Decimal =
                get(amount).parse().map_err(|_| err(format!("line {}: return_amount {:?} is not an amount", i + 2, get(amount))))?;
            let name = crate::spreadsheet::restore(get(name)).to_string();
            returns.insert(get(account).to_string(), Filed { name, tin: get(tin).to_string(), amount: value });
        }
        Ok(Previous { returns, tins: BTreeMap::new() })
    }
}

/// One Form 1099-NEC: one recipient TIN's reportable payments of the year.
#[derive(Debug, Clone)]
pub struct Return {
    /// The account number: the lowest payee number among the TIN's payees.
    pub account: PayeeNumber,
    /// The payee the return is under (name and address).
    pub payee: Payee,
    /// Every payee number whose payments it adds up.
    pub members: Vec<PayeeNumber>,
    /// Box 1: the net paid in the year.
    pub amount: Decimal,
    /// Payments it adds up.
    pub payments: usize,
    /// What this run files.
    pub filing: Filing,
    /// What was filed before (correction runs).
    pub previous: Option<Filed>,
}

/// One line of the reconciliation: a payee's payments of one status.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The payee number (as given, for a rejected row).
    pub payee_number: String,
    /// The payee's legal name (empty when the payee itself was rejected).
    pub name: String,
    /// The TIN, truncated.
    pub tin: String,
    /// `SSN` or `EIN`.
    pub tin_type: String,
    /// Reported or why not.
    pub status: Status,
    /// Payments of the year.
    pub payments: usize,
    /// Their net amount.
    pub amount: Decimal,
    /// The return these payments are on (or were on, for a void).
    pub return_account: Option<String>,
    /// Box 1 of that return after this run.
    pub return_amount: Option<Decimal>,
    /// What this run filed for that return.
    pub filing: Option<Filing>,
    /// Box 1 as filed before (correction runs).
    pub previous_amount: Option<Decimal>,
    /// How this run furnishes the statement: `mail`, `electronic` or
    /// `unmailable` (on the row of the payee the return is under).
    pub furnished: Option<&'static str>,
    /// The reason, in words.
    pub reason: String,
}

/// Count and amount of one status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Payments.
    pub payments: usize,
    /// Payees (rows).
    pub payees: usize,
    /// Net amount.
    pub amount: Decimal,
}

/// A return left as filed (see [`Filing::Held`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The account number.
    pub account: String,
    /// Box 1 as filed (and still held).
    pub filed: Decimal,
    /// What this run found reportable for the TIN (zero when not reported).
    pub now: Decimal,
}

/// The year sorted out.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The tax year.
    pub year: i32,
    /// The reporting threshold.
    pub threshold: Decimal,
    /// Every return, in account order (including unchanged ones).
    pub returns: Vec<Return>,
    /// The reconciliation rows, in payee then status order.
    pub rows: Vec<Row>,
    /// Rejected payment rows whose issue date cannot be read: their year is
    /// unknown, so the tax desk must look at each.
    pub undated: Vec<RejectedPayment>,
    /// Accounts filed before that this run leaves as filed although they
    /// differ (rejected payments or payee, an unreadable filed TIN): the
    /// run ends with exit status 1.
    pub held: Vec<Held>,
}

impl Ledger {
    /// Totals per status.
    pub fn tallies(&self) -> BTreeMap<Status, Tally> {
        let mut out: BTreeMap<Status, Tally> = Status::ALL.iter().map(|s| (*s, Tally::default())).collect();
        for r in &self.rows {
            let t = out.entry(r.status).or_default();
            t.payments += r.payments;
            t.payees += 1;
            t.amount += r.amount;
        }
        out
    }

    /// The returns this run files (statements and upload rows).
    pub fn filed(&self) -> impl Iterator<Item = &Return> {
        self.returns.iter().filter(|r| r.filing.produces())
    }
}

/// How a payee's statement is furnished: electronically with consent and
/// an email address for the notice, else by mail when the address can be.
pub fn furnished(p: &Payee) -> &'static str {
    if p.consent_electronic_1099 && p.email.is_some() {
        "electronic"
    } else if p.address.mailable {
        "mail"
    } else {
        "unmailable"
    }
}

/// The columns of `reconciliation.csv`.
pub const RECONCILIATION_HEADER: [&str; 13] = [
    "payee_number",
    "name",
    "tin",
    "tin_type",
    "status",
    "payments",
    "amount",
    "return_account",
    "return_amount",
    "filing",
    "previous_amount",
    "furnished",
    "reason",
];

/// `reconciliation.csv`: the rows, then a total row per status and the
/// grand total. TINs are truncated: this file is for people.
pub fn write_reconciliation(ledger: &Ledger) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(RECONCILIATION_HEADER)?;
    let opt = |d: Option<Decimal>| d.map(|d| format!("{:.2}", d.round_dp(2))).unwrap_or_default();
    for r in &ledger.rows {
        w.write_record([
            r.payee_number.as_str(),
            &r.name,
            &r.tin,
            &r.tin_type,
            r.status.code(),
            &r.payments.to_string(),
            &format!("{:.2}", r.amount.round_dp(2)),
            r.return_account.as_deref().unwrap_or_default(),
            &opt(r.return_amount),
            r.filing.map(Filing::code).unwrap_or_default(),
            &opt(r.previous_amount),
            r.furnished.unwrap_or_default(),
            &r.reason,
        ])?;
    }
    let tallies = ledger.tallies();
    let mut all = Tally::default();
    for (status, t) in &tallies {
        all.payments += t.payments;
        all.payees += t.payees;
        all.amount += t.amount;
        let label = format!("TOTAL {}", status.code());
        w.write_record([&label, "", "", "", status.code(), &t.payments.to_string(), &format!("{:.2}", t.amount), "", "", "", "", "", ""])?;
    }
    w.write_record([
        "TOTAL all payments of the year",
        "",
        "",
        "",
        "",
        &all.payments.to_string(),
        &format!("{:.2}", all.amount),
        "",
        "",
        "",
        "",
        "",
        "",
    ])?;
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    // For people: cells neutralised against spreadsheet formulas.
    crate::spreadsheet::neutralise(&bytes, csv::Terminator::CRLF)
}

#[cfg(test)]
mod tests;
