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

/// Groups the TIN's payees by the same nine digits and kind.
fn tin_key(t: &Tin) -> (TinType, String) {
    (t.kind(), t.for_irs_filing().to_string())
}

/// The kind of a truncated TIN as printed.
fn truncated_kind(t: &str) -> &'static str {
    if t.starts_with("XX-") {
        "EIN"
    } else {
        "SSN"
    }
}

/// The return as filed before, to correct it to zero: the filed name and
/// TIN (the full TIN from the earlier upload files when it changed since).
fn as_filed(current: &Payee, account: &str, f: &Filed, previous: &Previous) -> Option<Payee> {
    let mut p = current.clone();
    p.name = f.name.clone();
    if f.tin != current.tin.truncated() {
        let old = previous.tins.get(account)?;
        if old.truncated() != f.tin {
            return None;
        }
        p.tin = old.clone();
    }
    Some(p)
}

/// Sorts the year's payments. `rejected` are the raw rows validation
/// refused; `previous` the returns an earlier run filed (correction runs).
pub fn build(year: i32, threshold: Decimal, x: &Extract, rejected: &[RejectedPayment], previous: Option<&Previous>) -> Ledger {
    // Accepted payments of the year, per payee.
    let mut per_payee: BTreeMap<&Id, (usize, Decimal)> = BTreeMap::new();
    for p in x.payments.values().filter(|p| p.issue_date.year() == year) {
        let e = per_payee.entry(&p.payee_number).or_default();
        e.0 += 1;
        e.1 += p.amount;
    }
    // Rejected payment rows of the year, per payee number as given.
    let mut undated = Vec::new();
    let mut rejected_by: BTreeMap<&str, Vec<&RejectedPayment>> = BTreeMap::new();
    for r in rejected {
        match r.raw.issue_date {
            Some(d) if d.year() == year => rejected_by.entry(r.raw.payee_number.as_str()).or_default().push(r),
            Some(_) => {}
            None => undated.push(r.clone()),
        }
    }
    let rejected_sum = |id: &str| -> (usize, Decimal) {
        rejected_by.get(id).map_or((0, Decimal::ZERO), |l| (l.len(), l.iter().filter_map(|r| r.raw.amount).sum()))
    };
    // Payees grouped by TIN: the return is the recipient's, whatever the
    // payee numbers (validation keeps no payment whose payee was rejected).
    let mut groups: BTreeMap<(TinType, String), Vec<&Payee>> = BTreeMap::new();
    for id in per_payee.keys() {
        if let Some(payee) = x.payees.get(*id) {
            groups.entry(tin_key(&payee.tin)).or_default().push(payee);
        }
    }
    let empty = Previous::default();
    let prev = previous.unwrap_or(&empty);
    let mut rows = Vec::new();
    let mut returns = Vec::new();
    let mut held = Vec::new();
    let mut leads = std::collections::BTreeSet::new();
    for members in groups.values() {
        let (n, total) = members.iter().fold((0, Decimal::ZERO), |(n, t), p| {
            let (k, a) = per_payee.get(&p.payee_number).copied().unwrap_or_default();
            (n + k, t + a)
        });
        let (rejected_n, rejected_amount) =
            members.iter().map(|m| rejected_sum(m.payee_number.as_str())).fold((0, Decimal::ZERO), |(a, b), (c, d)| (a + c, b + d));
        // Exemption belongs to the recipient: if any of the TIN's payees is
        // reportable, the TIN is (over-reporting costs nothing; missing a
        // return is penalized).
        let reportable = members.iter().any(|p| p.reportable_1099);
        let mixed = reportable && members.iter().any(|p| !p.reportable_1099);
        // The account: the payee number a return was filed under before,
        // else the lowest (members come in payee order).
        let lead = members
            .iter()
            .find(|m| prev.returns.get(m.payee_number.as_str()).is_some_and(|f| !f.amount.is_zero()))
            .or_else(|| members.iter().find(|m| prev.returns.contains_key(m.payee_number.as_str())))
            .copied()
            .unwrap_or(members[0]);
        leads.insert(lead.payee_number.to_string());
        let account = lead.payee_number.to_string();
        let ids: Vec<Id> = members.iter().map(|p| p.payee_number.clone()).collect();
        let reported = reportable && total >= threshold;
        let amount = if reported { total } else { Decimal::ZERO };
        let filed = prev.returns.get(&account).cloned();
        let mut notes: Vec<String> = Vec::new();
        if members.len() > 1 {
            notes.push(format!(
                "the TIN's payees {} are added up under account {account}",
                ids.iter().map(Id::as_str).collect::<Vec<_>>().join(", ")
            ));
        }
        if mixed {
            notes.push(
                "some of the TIN's payees have reportable_1099 = N, others not: exemption belongs to the recipient, so the TIN is reported"
                    .into(),
            );
        }
        if members.iter().any(|m| m.name != lead.name) {
            notes.push(format!("the TIN's payees have different names: the return uses {}", lead.name));
        }
        if rejected_n > 0 {
            notes.push(format!(
                "{rejected_n} rejected payment(s) of ${} are not included (with them: ${})",
                dollars(rejected_amount),
                dollars(total + rejected_amount)
            ));
        }
        // What this run files.
        let mut filing = match &filed {
            None => reported.then_some(Filing::Original),
            // Corrected to zero before and still not reportable: nothing.
            Some(f) if f.amount.is_zero() && !reported => None,
            Some(f) if f.amount == amount && f.name == lead.name && f.tin == lead.tin.truncated() => Some(Filing::Unchanged),
            // Lowering or zeroing a filed return while some of the
            // recipient's payments are rejected would file a data error.
            Some(f) if rejected_n > 0 && amount < f.amount => {
                notes.push(format!("held at the ${} filed: the rejected payments must be fixed first", dollars(f.amount)));
                Some(Filing::Held)
            }
            Some(f) if f.tin != lead.tin.truncated() => Some(if reported { Filing::TwoStep } else { Filing::Void }),
            Some(_) => Some(if reported { Filing::Corrected } else { Filing::Void }),
        };
        let mut made = Vec::new();
        if let (Some(f), Some(Filing::TwoStep | Filing::Void)) = (&filed, filing) {
            match as_filed(lead, &account, f, prev) {
                Some(old) => made.push(Return {
                    account: lead.payee_number.clone(),
                    payee: old,
                    members: ids.clone(),
                    amount: Decimal::ZERO,
                    payments: 0,
                    filing: Filing::Void,
                    previous: Some(f.clone()),
                }),
                None => {
                    notes.push(format!(
                        "held: the TIN changed from {} and the TIN filed cannot be read back from the earlier run's upload files",
                        f.tin
                    ));
                    filing = Some(Filing::Held);
                }
            }
        }
        if matches!(filing, Some(Filing::Original | Filing::Corrected | Filing::TwoStep)) {
            made.push(Return {
                account: lead.payee_number.clone(),
                payee: (*lead).clone(),
                members: ids.clone(),
                amount,
                payments: n,
                filing: if filing == Some(Filing::TwoStep) { Filing::Original } else { filing.unwrap_or(Filing::Original) },
                previous: filed.clone(),
            });
        }
        if matches!(filing, Some(Filing::Unchanged)) {
            made.push(Return {
                account: lead.payee_number.clone(),
                payee: (*lead).clone(),
                members: ids.clone(),
                amount,
                payments: n,
                filing: Filing::Unchanged,
                previous: filed.clone(),
            });
        }
        if filing == Some(Filing::Held) {
            held.push(Held { account: account.clone(), filed: filed.as_ref().map_or(Decimal::ZERO, |f| f.amount), now: amount });
        }
        let return_amount = match filing {
            Some(Filing::Held | Filing::Unchanged) => filed.as_ref().map(|f| f.amount),
            Some(_) => Some(amount),
            None => filed.as_ref().map(|f| f.amount),
        };
        let note = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
        for p in members {
            let (k, a) = per_payee.get(&p.payee_number).copied().unwrap_or_default();
            let (status, reason) = if reported {
                (
                    Status::Reported,
                    format!("net ${} paid in {year} is at least the ${} threshold{note}", dollars(total), dollars(threshold)),
                )
            } else if !reportable {
                (Status::Exempt, format!("reportable_1099 = N: exempt from 1099 reporting (e.g. a corporation){note}"))
            } else {
                (
                    Status::BelowThreshold,
                    format!("net ${} paid in {year} is under the ${} threshold{note}", dollars(total), dollars(threshold)),
                )
            };
            let mut row = payee_row(p, status, k, a, reason);
            if filing.is_some() || filed.is_some() {
                row.return_account = Some(account.clone());
                row.return_amount = return_amount;
                row.filing = filing;
                row.previous_amount = filed.as_ref().map(|f| f.amount);
            }
            if filing.is_some_and(Filing::produces) && p.payee_number == lead.payee_number {
                row.furnished = Some(furnished(p));
            }
            rows.push(row);
        }
        returns.extend(made);
    }
    // Returns filed before under an account that leads no TIN now (its
    // payee has no payments in the year, or left the extract): corrected to
    // zero, or held when the payee's payments or record were rejected.
    for (account, f) in &prev.returns {
        if leads.contains(account) || f.amount.is_zero() {
            continue;
        }
        let payee = Id::parse(account).and_then(|id| x.payees.get(&id));
        let (rejected_n, _) = rejected_sum(account);
        let void = payee.filter(|_| rejected_n == 0).and_then(|p| as_filed(p, account, f, prev));
        let (filing, reason) = match (&void, payee) {
            (Some(_), _) => (
                Filing::Void,
                format!(
                    "no payments in {year} under this account any more: the return filed with ${} is corrected to zero",
                    dollars(f.amount)
                ),
            ),
            (None, Some(_)) if rejected_n > 0 => {
                (Filing::Held, format!("held at the ${} filed: this payee's payments of {year} were rejected", dollars(f.amount)))
            }
            (None, Some(_)) => {
                (Filing::Held, format!("held at the ${} filed: the TIN changed and the TIN filed cannot be read back", dollars(f.amount)))
            }
            (None, None) => {
                (Filing::Held, format!("held at the ${} filed: the payee is not in this extract (rejected or removed)", dollars(f.amount)))
            }
        };
        if filing == Filing::Held {
            held.push(Held { account: account.clone(), filed: f.amount, now: Decimal::ZERO });
        }
        let return_amount = if filing == Filing::Void { Decimal::ZERO } else { f.amount };
        // The filed state goes on the payee's first row, or a row of its own.
        match rows.iter_mut().find(|r| &r.payee_number == account) {
            Some(row) => {
                row.return_account = Some(account.clone());
                row.return_amount = Some(return_amount);
                row.filing = Some(filing);
                row.previous_amount = Some(f.amount);
                row.reason = format!("{}; {reason}", row.reason);
                if filing == Filing::Void {
                    row.furnished = payee.map(furnished);
                }
            }
            None => rows.push(Row {
                payee_number: account.clone(),
                name: f.name.clone(),
                tin: f.tin.clone(),
                tin_type: truncated_kind(&f.tin).to_string(),
                status: if payee.is_some() { Status::BelowThreshold } else { Status::Rejected },
                payments: 0,
                amount: Decimal::ZERO,
                return_account: Some(account.clone()),
                return_amount: Some(return_amount),
                filing: Some(filing),
                previous_amount: Some(f.amount),
                furnished: (filing == Filing::Void).then(|| payee.map(furnished)).flatten(),
                reason,
            }),
        }
        if let (Some(old), Some(p)) = (void, payee) {
            returns.push(Return {
                account: p.payee_number.clone(),
                payee: old,
                members: vec![p.payee_number.clone()],
                amount: Decimal::ZERO,
                payments: 0,
                filing: Filing::Void,
                previous: Some(f.clone()),
            });
        }
    }
    // Rejected payment rows of the year, per payee number as given.
    for (payee_number, list) in rejected_by {
        let payee = Id::parse(payee_number).and_then(|id| x.payees.get(&id));
        let amount: Decimal = list.iter().filter_map(|r| r.raw.amount).sum();
        let unreadable = list.iter().filter(|r| r.raw.amount.is_none()).count();
        let mut reason: Vec<String> = list
            .iter()
            .map(|r| {
                let id = if r.raw.payment_id.is_empty() { "?" } else { &r.raw.payment_id };
                format!("payment {id} (payments.csv line {}): {}", r.raw.line, r.reason)
            })
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
    // Rows in payee then status order; a payee's return state stays on its
    // first row (a carried row of a rejected payee merges with its rejects).
    rows.sort_by(|a, b| {
        (&a.payee_number, a.status, a.return_account.is_none()).cmp(&(&b.payee_number, b.status, b.return_account.is_none()))
    });
    returns.sort_by(|a, b| (&a.account, a.filing != Filing::Void).cmp(&(&b.account, b.filing != Filing::Void)));
    held.sort_by(|a, b| a.account.cmp(&b.account));
    Ledger { year, threshold, returns, rows, undated, held }
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

    /// An extract of `n` payees, each paid `amount` once on 2026-03-10,
    /// through the real load and validate stages.
    pub(crate) fn extract(n: usize, amount: &str) -> (Extract, Vec<RawPayment>) {
        let mut payees = String::from("payee_number,name,address_line1,city,state,zip,tin,tin_type\n");
        let mut payments = String::from("payment_id,payee_number,issue_date,method,amount\n");
        for k in 0..n {
            payees.push_str(&format!("{},Payee {k},1 Main St,Olympia,WA,98501,5{:08},SSN\n", 300000000 + k, k));
            payments.push_str(&format!("{},{},2026-03-10,WARRANT,{amount}\n", 600000000 + k, 300000000 + k));
        }
        let mut problems = Vec::new();
        let mut tables = BTreeMap::new();
        for spec in load::FILES {
            let table = match spec.name {
                "payees.csv" => load::read_table(spec, payees.as_bytes(), &mut problems),
                "payments.csv" => load::read_table(spec, payments.as_bytes(), &mut problems),
                _ => Table { spec, state: load::TableState::Absent, rows: Vec::new() },
            };
            tables.insert(spec.name, table);
        }
        let raw = raw_payments(&tables["payments.csv"]);
        let loaded = load::Loaded { dir: "mem".into(), tables, problems };
        let v = crate::validate::validate(loaded, &crate::calendar::Holidays::washington());
        assert!(v.problems.iter().all(|p| !p.is_error()), "{:?}", v.problems);
        (v.extract, raw)
    }

    #[test]
    fn a_reconciliation_written_reads_back_as_the_filed_state() {
        let (x, raw) = extract(3, "2500.00");
        let first = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
        assert_eq!(first.returns.len(), 3);
        assert!(first.returns.iter().all(|r| r.filing == Filing::Original));
        let text = String::from_utf8(write_reconciliation(&first).unwrap()).unwrap();
        let prev = Previous::parse(&text, "r.csv").unwrap();
        assert_eq!(prev.returns.len(), 3);
        assert_eq!(
            prev.returns["300000001"],
            Filed { name: "Payee 1".into(), tin: "***-**-0001".into(), amount: "2500.00".parse().unwrap() }
        );
        // The same year again: nothing to file.
        let again = build(2026, "2000.00".parse().unwrap(), &x, &[], Some(&prev));
        assert_eq!(again.filed().count(), 0);
        assert!(again.returns.iter().all(|r| r.filing == Filing::Unchanged));
        // A higher threshold: every return corrected to zero, under the same account and TIN.
        let zeroed = build(2026, "3000.00".parse().unwrap(), &x, &[], Some(&prev));
        let got: Vec<(&str, Filing, String)> =
            zeroed.returns.iter().map(|r| (r.account.as_str(), r.filing, r.amount.to_string())).collect();
        assert_eq!(
            got,
            [("300000000", Filing::Void, "0".into()), ("300000001", Filing::Void, "0".into()), ("300000002", Filing::Void, "0".into())]
        );
        let rows = String::from_utf8(write_reconciliation(&zeroed).unwrap()).unwrap();
        assert!(rows.contains("300000001,Payee 1,***-**-0001,SSN,below_threshold,1,2500.00,300000001,0.00,void,2500.00,mail,"), "{rows}");
    }

    #[test]
    fn the_identity_fails_when_a_payment_is_lost() {
        let (x, raw) = extract(4, "2500.00");
        let mut l = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
        let id = Identity::of(&l, &raw);
        assert!(id.holds(), "{id:?}");
        assert_eq!((id.input_payments, id.input_amount), (4, "10000.00".parse().unwrap()));
        // A row dropped, or an amount changed, and the identity no longer holds.
        let lost = l.rows.pop().unwrap();
        assert!(!Identity::of(&l, &raw).holds());
        l.rows.push(Row { amount: lost.amount - Decimal::new(1, 2), ..lost });
        let id = Identity::of(&l, &raw);
        assert_eq!((id.sorted_payments, id.holds()), (4, false));
    }

    #[test]
    fn the_upload_files_hold_at_most_250_returns_each() {
        let (x, raw) = extract(251, "2000.00");
        let l = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
        let layout = super::super::iris::Layout::bundled();
        let returns: Vec<&Return> = l.filed().collect();
        let files = layout.files("iris-1099nec", &returns, &super::super::Payer::bundled(), 2026).unwrap();
        let names: Vec<(&str, usize)> = files.iter().map(|f| (f.name.as_str(), f.returns)).collect();
        assert_eq!(names, [("iris-1099nec-001.csv", 250), ("iris-1099nec-002.csv", 1)]);
        let back = layout.read_back(&files[1].bytes).unwrap();
        assert_eq!(back, [("300000250".to_string(), "2000.00".parse().unwrap())]);
        let tins = layout.filed_tins(&files[1].bytes).unwrap();
        assert_eq!(tins[0].1.for_irs_filing(), "500000250");
        assert_eq!(files.iter().map(|f| f.amount).sum::<Decimal>(), "502000.00".parse::<Decimal>().unwrap());
    }
}
