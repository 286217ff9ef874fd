//! Sorting the tax year's payments: [`build`] and its steps. The accepted
//! payments of the year are counted per payee and their payees grouped by
//! TIN; each TIN (a recipient) gets its account, its status (reported,
//! below the threshold, exempt), what this run files for it against what
//! was filed before, the returns that makes and one reconciliation row per
//! payee. Then the returns filed before under accounts that lead no TIN now
//! are corrected to zero or held, and the rejected payment rows of the year
//! get rows of their own. [`Sorter`] holds the ledger under construction;
//! [`build`] runs its steps in order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use rust_decimal::Decimal;

use super::{furnished, Filed, Filing, Held, Ledger, Previous, RejectedPayment, Return, Row, Status};
use crate::model::{Extract, Payee, PayeeNumber, Tin, TinType};

/// Sorts the year's payments. `rejected` are the raw rows validation
/// refused; `previous` the returns an earlier run filed (correction runs).
///
/// The steps, in order: the year's payments counted per payee
/// (`YearPayments::of`) and their payees grouped by TIN (`recipients`);
/// each recipient sorted (`Sorter::sort_recipient`); the returns filed
/// before under accounts that lead no TIN now carried
/// (`Sorter::carry_previous`); the rejected rows set aside
/// (`Sorter::set_aside_rejected`); everything put in order
/// (`Sorter::finish`).
pub fn build(year: i32, threshold: Decimal, x: &Extract, rejected: &[RejectedPayment], previous: Option<&Previous>) -> Ledger {
    let empty = Previous::default();
    let prev = previous.unwrap_or(&empty);
    let mut s = Sorter {
        year,
        threshold,
        x,
        prev,
        payments: YearPayments::of(year, x, rejected),
        rows: Vec::new(),
        returns: Vec::new(),
        held: Vec::new(),
        leads: BTreeSet::new(),
    };
    let groups = recipients(x, &s.payments);
    for members in groups.values() {
        s.sort_recipient(members);
    }
    s.carry_previous();
    s.set_aside_rejected();
    s.finish()
}

/// The payments of the year, counted per payee.
struct YearPayments<'a> {
    /// Accepted payments of the year, per payee: how many, their net amount.
    accepted: BTreeMap<&'a PayeeNumber, (usize, Decimal)>,
    /// Rejected payment rows of the year, per payee number as given.
    rejected: BTreeMap<&'a str, Vec<&'a RejectedPayment>>,
    /// Rejected payment rows whose issue date cannot be read (their year is
    /// unknown).
    undated: Vec<RejectedPayment>,
}

impl<'a> YearPayments<'a> {
    /// Counts the accepted payments issued in `year` per payee, and sets the
    /// rejected rows of the year aside per payee number as given (those of
    /// other years are left out, those without a readable date kept apart).
    fn of(year: i32, x: &'a Extract, rejected: &'a [RejectedPayment]) -> YearPayments<'a> {
        let mut accepted: BTreeMap<&PayeeNumber, (usize, Decimal)> = BTreeMap::new();
        for p in x.payments.values().filter(|p| p.issue_date.year() == year) {
            let e = accepted.entry(&p.payee_number).or_default();
            e.0 += 1;
            e.1 += p.amount;
        }
        let mut undated = Vec::new();
        let mut by_payee: BTreeMap<&str, Vec<&RejectedPayment>> = BTreeMap::new();
        for r in rejected {
            match r.raw.issue_date {
                Some(d) if d.year() == year => by_payee.entry(r.raw.payee_number.as_str()).or_default().push(r),
                Some(_) => {}
                None => undated.push(r.clone()),
            }
        }
        YearPayments { accepted, rejected: by_payee, undated }
    }

    /// A payee's accepted payments of the year: how many, their net amount.
    fn paid(&self, id: &PayeeNumber) -> (usize, Decimal) {
        self.accepted.get(id).copied().unwrap_or_default()
    }

    /// A payee number's rejected payment rows of the year: how many, and
    /// the sum of the amounts that can be read.
    fn rejected_sum(&self, id: &str) -> (usize, Decimal) {
        self.rejected.get(id).map_or((0, Decimal::ZERO), |l| (l.len(), l.iter().filter_map(|r| r.raw.amount).sum()))
    }
}

/// Payees grouped by TIN: the return is the recipient's, whatever the
/// payee numbers (validation keeps no payment whose payee was rejected).
/// Only payees paid in the year are in a group, in payee order.
fn recipients<'x>(x: &'x Extract, payments: &YearPayments<'_>) -> BTreeMap<(TinType, String), Vec<&'x Payee>> {
    let mut groups: BTreeMap<(TinType, String), Vec<&Payee>> = BTreeMap::new();
    for id in payments.accepted.keys() {
        if let Some(payee) = x.payees.get(*id) {
            groups.entry(tin_key(&payee.tin)).or_default().push(payee);
        }
    }
    groups
}

/// The ledger under construction.
struct Sorter<'a> {
    /// The tax year.
    year: i32,
    /// The reporting threshold.
    threshold: Decimal,
    /// The accepted records.
    x: &'a Extract,
    /// The returns an earlier run filed (none for a first run).
    prev: &'a Previous,
    /// The payments of the year.
    payments: YearPayments<'a>,
    /// The reconciliation rows so far, unsorted.
    rows: Vec<Row>,
    /// The returns so far, unsorted.
    returns: Vec<Return>,
    /// The accounts held so far, unsorted.
    held: Vec<Held>,
    /// The accounts a TIN's return is under in this run.
    leads: BTreeSet<String>,
}

/// One recipient: a TIN's payees and what their payments of the year come to.
struct Recipient<'m> {
    /// The TIN's payees, in payee order.
    members: &'m [&'m Payee],
    /// The payee the return is under (see [`lead_of`]).
    lead: &'m Payee,
    /// The account number: the lead's payee number.
    account: String,
    /// The members' payee numbers.
    ids: Vec<PayeeNumber>,
    /// Accepted payments of the year.
    payments: usize,
    /// Their net amount.
    total: Decimal,
    /// Rejected payment rows of the year.
    rejected_n: usize,
    /// Their readable amounts.
    rejected_amount: Decimal,
    /// Whether any of the TIN's payees is reportable.
    reportable: bool,
    /// Whether some are reportable and some not.
    mixed: bool,
    /// Reportable and at least the threshold.
    reported: bool,
    /// Box 1 this run: the total when reported, else zero.
    amount: Decimal,
    /// The return filed before under the account (correction runs).
    filed: Option<Filed>,
}

impl Sorter<'_> {
    /// Sorts one recipient: its account, what this run files for it, the
    /// returns that makes, its account when held, and its payees' rows.
    fn sort_recipient(&mut self, members: &[&Payee]) {
        let r = self.recipient(members);
        self.leads.insert(r.account.clone());
        let mut notes = r.notes();
        let mut filing = r.filing(&mut notes);
        let made = r.returns(self.prev, &mut filing, &mut notes);
        if filing == Some(Filing::Held) {
            self.held.push(Held { account: r.account.clone(), filed: r.filed.as_ref().map_or(Decimal::ZERO, |f| f.amount), now: r.amount });
        }
        self.push_member_rows(&r, filing, &notes);
        self.returns.extend(made);
    }

    /// Adds up a TIN's payees' payments of the year (accepted and
    /// rejected), chooses its account, and decides whether it is reported.
    fn recipient<'m>(&self, members: &'m [&'m Payee]) -> Recipient<'m> {
        let (payments, total) = members.iter().fold((0, Decimal::ZERO), |(n, t), p| {
            let (k, a) = self.payments.paid(&p.payee_number);
            (n + k, t + a)
        });
        let (rejected_n, rejected_amount) = members
            .iter()
            .map(|m| self.payments.rejected_sum(m.payee_number.as_str()))
            .fold((0, Decimal::ZERO), |(a, b), (c, d)| (a + c, b + d));
        // Exemption belongs to the recipient: if any of the TIN's payees is
        // reportable, the TIN is (over-reporting costs nothing; missing a
        // return is penalized).
        let reportable = members.iter().any(|p| p.reportable_1099);
        let mixed = reportable && members.iter().any(|p| !p.reportable_1099);
        let lead = lead_of(members, self.prev);
        let account = lead.payee_number.to_string();
        let ids: Vec<PayeeNumber> = members.iter().map(|p| p.payee_number.clone()).collect();
        let reported = reportable && total >= self.threshold;
        let amount = if reported { total } else { Decimal::ZERO };
        let filed = self.prev.returns.get(&account).cloned();
        Recipient { members, lead, account, ids, payments, total, rejected_n, rejected_amount, reportable, mixed, reported, amount, filed }
    }

    /// One reconciliation row per payee of the recipient, with its status
    /// and reason (and `notes`), the return's state when there is or was a
    /// return, and how the statement is furnished on the lead's row when
    /// one is produced.
    fn push_member_rows(&mut self, r: &Recipient<'_>, filing: Option<Filing>, notes: &[String]) {
        let return_amount = r.return_amount(filing);
        let note = if notes.is_empty() { String::new() } else { format!("; {}", notes.join("; ")) };
        for p in r.members {
            let (k, a) = self.payments.paid(&p.payee_number);
            let (status, reason) = r.status(self.year, self.threshold, &note);
            let mut row = payee_row(p, status, k, a, reason);
            if filing.is_some() || r.filed.is_some() {
                row.return_account = Some(r.account.clone());
                row.return_amount = return_amount;
                row.filing = filing;
                row.previous_amount = r.filed.as_ref().map(|f| f.amount);
            }
            if filing.is_some_and(Filing::produces) && p.payee_number == r.lead.payee_number {
                row.furnished = Some(furnished(p));
            }
            self.rows.push(row);
        }
    }

    /// Returns filed before under an account that leads no TIN now (its
    /// payee has no payments in the year, or left the extract): corrected to
    /// zero, or held when the payee's payments or record were rejected. The
    /// filed state goes on the payee's first row, or a row of its own.
    fn carry_previous(&mut self) {
        let (x, prev, year) = (self.x, self.prev, self.year);
        for (account, f) in &prev.returns {
            if self.leads.contains(account) || f.amount.is_zero() {
                continue;
            }
            let payee = PayeeNumber::parse(account).and_then(|id| x.payees.get(&id));
            let (rejected_n, _) = self.payments.rejected_sum(account);
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
                (None, Some(_)) => (
                    Filing::Held,
                    format!("held at the ${} filed: the TIN changed and the TIN filed cannot be read back", dollars(f.amount)),
                ),
                (None, None) => (
                    Filing::Held,
                    format!("held at the ${} filed: the payee is not in this extract (rejected or removed)", dollars(f.amount)),
                ),
            };
            if filing == Filing::Held {
                self.held.push(Held { account: account.clone(), filed: f.amount, now: Decimal::ZERO });
            }
            let return_amount = if filing == Filing::Void { Decimal::ZERO } else { f.amount };
            match self.rows.iter_mut().find(|r| &r.payee_number == account) {
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
                None => self.rows.push(Row {
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
                self.returns.push(Return {
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
    }

    /// The rejected payment rows of the year: one row per payee number as
    /// given, status rejected, each payment and its reason in the row's
    /// reason (and how many amounts could not be read, left out of the sum).
    fn set_aside_rejected(&mut self) {
        for (payee_number, list) in &self.payments.rejected {
            let payee = PayeeNumber::parse(payee_number).and_then(|id| self.x.payees.get(&id));
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
            self.rows.push(Row {
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
    }

    /// The ledger: rows in payee then status order (a payee's return state
    /// stays on its first row; a carried row of a rejected payee merges
    /// with its rejects), returns in account order (a void before the new
    /// return of a TIN change), held accounts in account order.
    fn finish(self) -> Ledger {
        let Sorter { year, threshold, mut rows, mut returns, mut held, payments, .. } = self;
        rows.sort_by(|a, b| {
            (&a.payee_number, a.status, a.return_account.is_none()).cmp(&(&b.payee_number, b.status, b.return_account.is_none()))
        });
        returns.sort_by(|a, b| (&a.account, a.filing != Filing::Void).cmp(&(&b.account, b.filing != Filing::Void)));
        held.sort_by(|a, b| a.account.cmp(&b.account));
        Ledger { year, threshold, returns, rows, undated: payments.undated, held }
    }
}

impl Recipient<'_> {
    /// What the reconciliation says about the TIN beyond its status: payees
    /// added up under one account, mixed exemption flags, differing names,
    /// rejected payments left out.
    fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = Vec::new();
        if self.members.len() > 1 {
            notes.push(format!(
                "the TIN's payees {} are added up under account {}",
                self.ids.iter().map(PayeeNumber::as_str).collect::<Vec<_>>().join(", "),
                self.account
            ));
        }
        if self.mixed {
            notes.push(
                "some of the TIN's payees have reportable_1099 = N, others not: exemption belongs to the recipient, so the TIN is reported"
                    .into(),
            );
        }
        if self.members.iter().any(|m| m.name != self.lead.name) {
            notes.push(format!("the TIN's payees have different names: the return uses {}", self.lead.name));
        }
        if self.rejected_n > 0 {
            notes.push(format!(
                "{} rejected payment(s) of ${} are not included (with them: ${})",
                self.rejected_n,
                dollars(self.rejected_amount),
                dollars(self.total + self.rejected_amount)
            ));
        }
        notes
    }

    /// What this run files for the TIN, against what was filed before
    /// (`None`: nothing, ever). A filed return that this run would lower
    /// while some of the recipient's payments are rejected is held, with a
    /// note in `notes`.
    fn filing(&self, notes: &mut Vec<String>) -> Option<Filing> {
        let (lead, amount, reported) = (self.lead, self.amount, self.reported);
        match &self.filed {
            None => reported.then_some(Filing::Original),
            // Corrected to zero before and still not reportable: nothing.
            Some(f) if f.amount.is_zero() && !reported => None,
            Some(f) if f.amount == amount && f.name == lead.name && f.tin == lead.tin.truncated() => Some(Filing::Unchanged),
            // Lowering or zeroing a filed return while some of the
            // recipient's payments are rejected would file a data error.
            Some(f) if self.rejected_n > 0 && amount < f.amount => {
                notes.push(format!("held at the ${} filed: the rejected payments must be fixed first", dollars(f.amount)));
                Some(Filing::Held)
            }
            Some(f) if f.tin != lead.tin.truncated() => Some(if reported { Filing::TwoStep } else { Filing::Void }),
            Some(_) => Some(if reported { Filing::Corrected } else { Filing::Void }),
        }
    }

    /// The returns this run makes for the TIN: for a void or a TIN change
    /// the filed return corrected to zero (as filed, see [`as_filed`]); then
    /// the original or corrected return, or the unchanged one. When the
    /// return cannot be rebuilt as filed (the TIN filed cannot be read
    /// back), `filing` becomes held, with a note in `notes`.
    fn returns(&self, prev: &Previous, filing: &mut Option<Filing>, notes: &mut Vec<String>) -> Vec<Return> {
        let lead = self.lead;
        let mut made = Vec::new();
        if let (Some(f), Some(Filing::TwoStep | Filing::Void)) = (&self.filed, *filing) {
            match as_filed(lead, &self.account, f, prev) {
                Some(old) => made.push(Return {
                    account: lead.payee_number.clone(),
                    payee: old,
                    members: self.ids.clone(),
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
                    *filing = Some(Filing::Held);
                }
            }
        }
        let filing = *filing;
        if matches!(filing, Some(Filing::Original | Filing::Corrected | Filing::TwoStep)) {
            made.push(Return {
                account: lead.payee_number.clone(),
                payee: lead.clone(),
                members: self.ids.clone(),
                amount: self.amount,
                payments: self.payments,
                filing: if filing == Some(Filing::TwoStep) { Filing::Original } else { filing.unwrap_or(Filing::Original) },
                previous: self.filed.clone(),
            });
        }
        if matches!(filing, Some(Filing::Unchanged)) {
            made.push(Return {
                account: lead.payee_number.clone(),
                payee: lead.clone(),
                members: self.ids.clone(),
                amount: self.amount,
                payments: self.payments,
                filing: Filing::Unchanged,
                previous: self.filed.clone(),
            });
        }
        made
    }

    /// Box 1 of the TIN's return after this run, as the rows show it: the
    /// figure filed when held, unchanged or not filed now, else this run's.
    fn return_amount(&self, filing: Option<Filing>) -> Option<Decimal> {
        match filing {
            Some(Filing::Held | Filing::Unchanged) => self.filed.as_ref().map(|f| f.amount),
            Some(_) => Some(self.amount),
            None => self.filed.as_ref().map(|f| f.amount),
        }
    }

    /// The status of the TIN's payees and its reason in words, `note`
    /// appended.
    fn status(&self, year: i32, threshold: Decimal, note: &str) -> (Status, String) {
        if self.reported {
            (
                Status::Reported,
                format!("net ${} paid in {year} is at least the ${} threshold{note}", dollars(self.total), dollars(threshold)),
            )
        } else if !self.reportable {
            (Status::Exempt, format!("reportable_1099 = N: exempt from 1099 reporting (e.g. a corporation){note}"))
        } else {
            (
                Status::BelowThreshold,
                format!("net ${} paid in {year} is under the ${} threshold{note}", dollars(self.total), dollars(threshold)),
            )
        }
    }
}

/// The payee a TIN's return is under: the payee number a return was filed
/// under before (one filed with an amount first), else the lowest (members
/// come in payee order).
fn lead_of<'m>(members: &[&'m Payee], prev: &Previous) -> &'m Payee {
    members
        .iter()
        .find(|m| prev.returns.get(m.payee_number.as_str()).is_some_and(|f| !f.amount.is_zero()))
        .or_else(|| members.iter().find(|m| prev.returns.contains_key(m.payee_number.as_str())))
        .copied()
        .unwrap_or(members[0])
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

/// A payee's reconciliation row, with no return state yet.
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

/// `$2,000.00`.
fn dollars(d: Decimal) -> String {
    crate::money::printed(d)
}
