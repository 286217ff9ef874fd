//! The tax year's ledger: every payment issued in the year, accepted or
//! rejected, sorted into what is reported on Form 1099-NEC and what is not,
//! and why; the returns (one per recipient TIN); and, for a correction run,
//! what changed since the returns filed before.
//!
//! The reconciliation proves the sorting loses nothing: reported + below
//! threshold + exempt + rejected = every payment row of the year in
//! `payments.csv`, counted and summed straight from the raw rows. No I/O
//! happens here; [`crate::ops::tax1099`] reads and writes.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::load::{self, Table};
use crate::model::{Extract, Id, Payee, Tin, TinType};
use crate::problem::Problem;

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
}

impl Filing {
    /// The word in `reconciliation.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Filing::Original => "original",
            Filing::Corrected => "corrected",
            Filing::Void => "void",
            Filing::Unchanged => "unchanged",
        }
    }

    /// Whether a statement and an upload row are produced.
    pub fn produces(self) -> bool {
        !matches!(self, Filing::Unchanged)
    }

    /// Whether the statement is marked CORRECTED.
    pub fn corrected(self) -> bool {
        matches!(self, Filing::Corrected | Filing::Void)
    }
}

/// A row of `payments.csv` that validation rejected, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedPayment {
    /// Line in `payments.csv`.
    pub line: u64,
    /// The payment_id cell, as given.
    pub payment_id: String,
    /// The payee_number cell, as given.
    pub payee_number: String,
    /// The issue date, when it reads as a date.
    pub issue_date: Option<NaiveDate>,
    /// The amount, when it reads as money.
    pub amount: Option<Decimal>,
    /// Why it was rejected (the first error on its line).
    pub reason: String,
}

/// The rows of the raw `payments.csv` that did not become payments.
pub fn rejected_payments(raw: &Table, accepted: &Extract, problems: &[Problem]) -> Vec<RejectedPayment> {
    let kept: std::collections::BTreeSet<u64> = accepted.payments.values().map(|p| p.origin.line).collect();
    let spec = raw.spec;
    let cell = |row: &load::RawRow, name: &str| row.cells.get(spec.col(name)).cloned().flatten().unwrap_or_default();
    raw.rows
        .iter()
        .filter(|r| !kept.contains(&r.line))
        .map(|r| {
            let reason = problems
                .iter()
                .find(|p| p.is_error() && p.file == spec.name && p.line == Some(r.line))
                .map_or_else(|| "rejected (see rejects.csv)".to_string(), |p| p.rule.clone());
            RejectedPayment {
                line: r.line,
                payment_id: cell(r, "payment_id"),
                payee_number: cell(r, "payee_number"),
                issue_date: NaiveDate::parse_from_str(&cell(r, "issue_date"), "%Y-%m-%d").ok(),
                amount: crate::validate::parse_amount(&cell(r, "amount")),
                reason,
            }
        })
        .collect()
}

/// Every payment row of `year` in the raw file: how many, and the sum of
/// those whose amount reads as money. The reconciliation must come to this.
pub fn raw_year_totals(raw: &Table, year: i32) -> (usize, Decimal, usize) {
    let spec = raw.spec;
    let (date_col, amount_col) = (spec.col("issue_date"), spec.col("amount"));
    let mut count = 0;
    let mut sum = Decimal::ZERO;
    let mut unreadable = 0;
    for r in &raw.rows {
        let date = r.cells.get(date_col).cloned().flatten().and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        if date.is_some_and(|d| d.year() == year) {
            count += 1;
            match r.cells.get(amount_col).cloned().flatten().and_then(|s| crate::validate::parse_amount(&s)) {
                Some(a) => sum += a,
                None => unreadable += 1,
            }
        }
    }
    (count, sum, unreadable)
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
            returns.insert(get(account).to_string(), Filed { name: get(name).to_string(), tin: get(tin).to_string(), amount: value });
        }
        Ok(Previous { returns })
    }
}

/// One Form 1099-NEC: one recipient TIN's reportable payments of the year.
#[derive(Debug, Clone)]
pub struct Return {
    /// The account number: the lowest payee number among the TIN's payees.
    pub account: Id,
    /// The payee the return is under (name and address).
    pub payee: Payee,
    /// Every payee number whose payments it adds up.
    pub members: Vec<Id>,
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
    /// Accounts filed before that this run voids but cannot (the payee is
    /// no longer in the extract).
    pub blocked: Vec<String>,
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

/// Groups the TIN's payees by the same nine digits and kind.
fn tin_key(t: &Tin) -> (TinType, String) {
    (t.kind(), t.for_irs_filing().to_string())
}

/// Sorts the year's payments. `rejected` are the raw rows validation
/// refused; `previous` the returns an earlier run filed (correction runs).
pub fn build(
    year: i32,
    threshold: Decimal,
    x: &Extract,
    rejected: &[RejectedPayment],
    previous: Option<&Previous>,
) -> Ledger {
    // Accepted payments of the year, per payee.
    let mut per_payee: BTreeMap<&Id, (usize, Decimal)> = BTreeMap::new();
    for p in x.payments.values().filter(|p| p.issue_date.year() == year) {
        let e = per_payee.entry(&p.payee_number).or_default();
        e.0 += 1;
        e.1 += p.amount;
    }
    // Reportable payees grouped by TIN.
    let mut groups: BTreeMap<(TinType, String), Vec<&Payee>> = BTreeMap::new();
    let mut rows = Vec::new();
    for (id, (n, amount)) in &per_payee {
        // Validation keeps no payment whose payee was rejected.
        let Some(payee) = x.payees.get(*id) else { continue };
        if payee.reportable_1099 {
            groups.entry(tin_key(&payee.tin)).or_default().push(payee);
        } else {
            rows.push(payee_row(payee, Status::Exempt, *n, *amount, "reportable_1099 = N: exempt from 1099 reporting (e.g. a corporation)".into()));
        }
    }
    let mut returns = Vec::new();
    for members in groups.values() {
        // Members come in payee order: the first is the account.
        let (n, total) = members.iter().fold((0, Decimal::ZERO), |(n, t), p| {
            let (k, a) = per_payee.get(&p.payee_number).copied().unwrap_or_default();
            (n + k, t + a)
        });
        let lead = members[0];
        let ids: Vec<Id> = members.iter().map(|p| p.payee_number.clone()).collect();
        let shared = if members.len() > 1 {
            format!(" (the TIN's payees {} together)", ids.iter().map(Id::as_str).collect::<Vec<_>>().join(", "))
        } else {
            String::new()
        };
        let reported = total >= threshold;
        let filed = previous.and_then(|p| p.returns.get(lead.payee_number.as_str())).cloned();
        let filing = match (&filed, reported) {
            (None, true) => Some(Filing::Original),
            (None, false) => None,
            (Some(f), true) => Some(if f.amount == total && f.name == lead.name && f.tin == lead.tin.truncated() {
                Filing::Unchanged
            } else {
                Filing::Corrected
            }),
            // Filed before, now not reportable: void it, unless it is zero already.
            (Some(f), false) => (!f.amount.is_zero()).then_some(Filing::Void),
        };
        for p in members {
            let (k, a) = per_payee.get(&p.payee_number).copied().unwrap_or_default();
            let (status, reason) = if reported {
                (Status::Reported, format!("net ${} paid in {year}{shared} is at least the ${} threshold", dollars(total), dollars(threshold)))
            } else {
                (Status::BelowThreshold, format!("net ${} paid in {year}{shared} is under the ${} threshold", dollars(total), dollars(threshold)))
            };
            let mut row = payee_row(p, status, k, a, reason);
            if let Some(f) = filing {
                row.return_account = Some(lead.payee_number.to_string());
                row.return_amount = Some(if reported { total } else { Decimal::ZERO });
                row.filing = Some(f);
            } else if let Some(f) = &filed {
                // Voided before and still not reportable: the IRS holds zero.
                row.return_account = Some(lead.payee_number.to_string());
                row.return_amount = Some(f.amount);
            }
            row.previous_amount = filed.as_ref().map(|f| f.amount);
            if filing.is_some_and(Filing::produces) && p.payee_number == lead.payee_number {
                row.furnished = Some(furnished(p));
            }
            rows.push(row);
        }
        if let Some(filing) = filing {
            returns.push(Return {
                account: lead.payee_number.clone(),
                payee: lead.clone(),
                members: ids,
                amount: if reported { total } else { Decimal::ZERO },
                payments: n,
                filing,
                previous: filed,
            });
        }
    }
    // Returns filed before whose account has no return now (its payee has
    // no payments, or another payee of its TIN now leads): void them.
    let mut blocked = Vec::new();
    if let Some(prev) = previous {
        let now: std::collections::BTreeSet<String> = returns.iter().map(|r| r.account.to_string()).collect();
        for (account, f) in &prev.returns {
            if now.contains(account) || f.amount.is_zero() {
                continue;
            }
            let payee = Id::parse(account).and_then(|id| x.payees.get(&id));
            match payee {
                Some(p) => {
                    returns.push(Return {
                        account: p.payee_number.clone(),
                        payee: p.clone(),
                        members: vec![p.payee_number.clone()],
                        amount: Decimal::ZERO,
                        payments: 0,
                        filing: Filing::Void,
                        previous: Some(f.clone()),
                    });
                    let mut row = payee_row(p, Status::BelowThreshold, 0, Decimal::ZERO, format!("no reportable payments in {year} under this account any more"));
                    row.return_account = Some(account.clone());
                    row.return_amount = Some(Decimal::ZERO);
                    row.filing = Some(Filing::Void);
                    row.previous_amount = Some(f.amount);
                    row.furnished = Some(furnished(p));
                    rows.push(row);
                }
                None => blocked.push(account.clone()),
            }
        }
    }
    // Rejected payment rows of the year, per payee number as given.
    let mut undated = Vec::new();
    let mut by_payee: BTreeMap<&str, Vec<&RejectedPayment>> = BTreeMap::new();
    for r in rejected {
        match r.issue_date {
            Some(d) if d.year() == year => by_payee.entry(r.payee_number.as_str()).or_default().push(r),
            Some(_) => {}
            None => undated.push(r.clone()),
        }
    }
    for (payee_number, list) in by_payee {
        let payee = Id::parse(payee_number).and_then(|id| x.payees.get(&id));
        let amount: Decimal = list.iter().filter_map(|r| r.amount).sum();
        let unreadable = list.iter().filter(|r| r.amount.is_none()).count();
        let mut reason: Vec<String> = list
            .iter()
            .map(|r| format!("payment {} (payments.csv line {}): {}", if r.payment_id.is_empty() { "?" } else { &r.payment_id }, r.line, r.reason))
            .collect();
        if unreadable > 0 {
            reason.push(format!("{unreadable} amount(s) unreadable, not in the sum"));
        }
        rows.push(Row {
            payee_number: payee_number.to_string(),
            name: payee.map(|p| p.name.clone()).unwrap_or_default(),
            tin: payee.map(|p| p.tin.truncated()).unwrap_or_default(),
            tin_type: payee.map(|p| p.tin.kind().code().to_string()).unwrap_or_default(),
            status: Status::Rejected,
            payments: list.len(),
            amount,
            return_account: None,
            return_amount: None,
            filing: None,
            previous_amount: None,
            furnished: None,
            reason: reason.join("; "),
        });
    }
    rows.sort_by(|a, b| (&a.payee_number, a.status).cmp(&(&b.payee_number, b.status)));
    returns.sort_by(|a, b| a.account.cmp(&b.account));
    Ledger { year, threshold, returns, rows, undated, blocked }
}

fn payee_row(p: &Payee, status: Status, payments: usize, amount: Decimal, reason: String) -> Row {
    Row {
        payee_number: p.payee_number.to_string(),
        name: p.name.clone(),
        tin: p.tin.truncated(),
        tin_type: p.tin.kind().code().to_string(),
        status,
        payments,
        amount,
        return_account: None,
        return_amount: None,
        filing: None,
        previous_amount: None,
        furnished: None,
        reason,
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

/// `$2,000.00`.
fn dollars(d: Decimal) -> String {
    crate::compose::money(d)
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
    w.write_record(["TOTAL all payments of the year", "", "", "", "", &all.payments.to_string(), &format!("{:.2}", all.amount), "", "", "", "", "", ""])?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_previous_reconciliation_reads_back_the_returns_it_filed() {
        let text = "payee_number,name,tin,tin_type,status,payments,amount,return_account,return_amount,filing,previous_amount,reason\r\n\
            100,A Care,***-**-1234,SSN,reported,12,2500.00,100,2600.00,original,,x\r\n\
            101,A Care 2,***-**-1234,SSN,reported,1,100.00,100,2600.00,original,,x\r\n\
            102,B Care,XX-XXX5678,EIN,below_threshold,3,10.00,,,,,x\r\n\
            TOTAL reported,,,,reported,13,2600.00,,,,,\r\n";
        let p = Previous::parse(text, "prev/tax1099/reconciliation.csv").unwrap();
        assert_eq!(p.returns.len(), 1);
        assert_eq!(p.returns["100"], Filed { name: "A Care".into(), tin: "***-**-1234".into(), amount: "2600.00".parse().unwrap() });
        let bad = "payee_number,name\r\n";
        assert_eq!(Previous::parse(bad, "r.csv").unwrap_err().to_string(), "r.csv: has no column tin");
    }
}
