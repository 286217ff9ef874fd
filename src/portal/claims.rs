//! Invoices a payee may claim online, and a claim's lines checked by the
//! booklet's rules (`crate::claim::entry`) before it is sent.
//!
//! An invoice is the one the runs print (`compose::invoices` over the
//! payee's part of the extract, so the number, lines and amounts are the
//! paper's). It may be claimed from the last working day of its month,
//! for the current month and [`ClaimSettings::months_back`] before it,
//! unless the extract shows one of its lines claimed for that month by
//! mail or telephone (`invoice_claims.csv`) or paid (a payment line of
//! that service month): an invoice is never claimed twice.
//!
//! [`ClaimSettings::months_back`]: crate::compose::registration::ClaimSettings

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Portal;
use crate::claim::entry::{self, Checked, LineEntry};
use crate::claim::LineMonth;
use crate::compose::Invoice;
use crate::model::{Attendance, Authorization, Extract, InvoiceNumber, Month, PayeeNumber, ServiceKind};

/// Why an invoice cannot be claimed online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Its month's last working day has not come: it opens then.
    NotYet(NaiveDate),
    /// Claimed by mail or telephone (the extract's `invoice_claims.csv`).
    ClaimedElsewhere,
    /// Already paid.
    Paid,
}

/// An invoice of the payee's, open to a claim or not.
pub struct OpenInvoice {
    /// The invoice as printed.
    pub invoice: Invoice,
    /// Its service month.
    pub month: Month,
    /// Its lines' authorizations, in the invoice's order.
    pub lines: Vec<Authorization>,
    /// The children's names, by reference number.
    pub children: BTreeMap<String, String>,
    /// Why it cannot be claimed online, if it cannot.
    pub closed: Option<Closed>,
    /// The attendance the extract has for its lines that month.
    attendance: Vec<Attendance>,
}

/// The months open to claims on `today`: the current one and
/// `months_back` before it, newest first.
pub fn months(today: NaiveDate, months_back: u32) -> Vec<Month> {
    let mut m = Month::of(today);
    let mut out = vec![m];
    for _ in 0..months_back {
        m = m.prev();
        out.push(m);
    }
    out
}

/// The payee's invoices of the months open to claims, newest month first.
pub fn invoices(p: &Portal, payee: &str) -> Vec<OpenInvoice> {
    let Some(number) = PayeeNumber::parse(payee) else { return vec![] };
    let part = p.catalog.part(&number);
    let today = p.today();
    let mut out = vec![];
    for month in months(today, p.settings.claims.months_back) {
        let Ok(invoices) = crate::compose::invoices(&part, month) else { continue };
        for inv in invoices.into_iter().filter(|i| i.payee_number == payee) {
            out.push(open(p, &part, inv, month, today));
        }
    }
    out
}

/// One invoice of the payee's, by number (`None` for another payee's, or
/// one of a month not open to claims).
pub fn invoice(p: &Portal, payee: &str, number: &str) -> Option<OpenInvoice> {
    invoices(p, payee).into_iter().find(|i| i.invoice.number == number)
}

fn open(p: &Portal, part: &Extract, invoice: Invoice, month: Month, today: NaiveDate) -> OpenInvoice {
    let lines: Vec<Authorization> = invoice.meta.references.iter().filter_map(|r| part.authorizations.get(r).cloned()).collect();
    let children = lines
        .iter()
        .map(|a| (a.reference_number.to_string(), part.clients.get(&a.client_id).map(|c| c.full_name()).unwrap_or_default()))
        .collect();
    // Claimed or paid by any of its lines for the month, whatever invoice
    // number the other channel recorded.
    let refs = &invoice.meta.references;
    let opens = crate::claim::timing::last_working_day(&p.holidays, month);
    let closed =
        if part.payment_lines.iter().any(|l| l.service_month == month && l.reference_number.as_ref().is_some_and(|r| refs.contains(r))) {
            Some(Closed::Paid)
        } else if part.invoice_claims.iter().any(|c| c.month == month && refs.contains(&c.reference_number)) {
            Some(Closed::ClaimedElsewhere)
        } else if today < opens {
            Some(Closed::NotYet(opens))
        } else {
            None
        };
    let attendance = part
        .attendance
        .iter()
        .filter(|a| Month::of(a.date) == month && invoice.meta.references.contains(&a.reference_number))
        .cloned()
        .collect();
    OpenInvoice { invoice, month, lines, children, closed, attendance }
}

/// The lines as entered, by reference number (the stored JSON).
pub type Entries = BTreeMap<String, LineEntry>;

/// Reads stored entries; empty when there are none or they do not parse.
pub fn read_entries(json: &str) -> Entries {
    serde_json::from_str(json).unwrap_or_default()
}

/// Stored entries as JSON.
pub fn write_entries(e: &Entries) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| "{}".into())
}

/// A line checked, with the month worked out when attendance is known.
pub struct LineCheck {
    /// The line.
    pub line: Authorization,
    /// The child.
    pub child: String,
    /// The entry checked.
    pub checked: Checked,
    /// The line's month by the rules, when its attendance is known.
    pub month: Option<LineMonth>,
}

impl OpenInvoice {
    /// The attendance of `line` for the month: its calendar in `entries`
    /// when filled in, else the extract's.
    pub fn rows(&self, line: &Authorization, entries: &Entries) -> Vec<Attendance> {
        let calendar = entries.get(line.reference_number.as_str()).map(|e| e.calendar.clone()).unwrap_or_default();
        let extract: Vec<&Attendance> = self.attendance.iter().filter(|a| a.reference_number == line.reference_number).collect();
        entry::calendar_rows(line, self.month, &calendar, &extract)
    }

    /// `line`'s month by the rules from the attendance known (`None` when
    /// none is known), and whether the child's care lines have any.
    pub fn worked_out(&self, p: &Portal, line: &Authorization, entries: &Entries) -> (Option<LineMonth>, bool) {
        let own = self.rows(line, entries);
        let care: Vec<Attendance> = self
            .lines
            .iter()
            .filter(|o| o.client_id == line.client_id && matches!(o.service_kind, ServiceKind::FullDay | ServiceKind::HalfDay))
            .flat_map(|o| self.rows(o, entries))
            .collect();
        let own_refs: Vec<&Attendance> = own.iter().collect();
        let care_refs: Vec<&Attendance> = care.iter().collect();
        let known = match line.service_kind {
            ServiceKind::FullDay | ServiceKind::HalfDay | ServiceKind::SpecialNeeds => !own.is_empty(),
            ServiceKind::ExtendedHours => !own.is_empty() || !care.is_empty(),
            _ => !care.is_empty(),
        };
        let child = self.children.get(line.reference_number.as_str()).cloned().unwrap_or_default();
        let month = known.then(|| crate::claim::correct_units(line, &child, self.month, &own_refs, &care_refs, &p.holidays));
        (month, !care.is_empty())
    }

    /// Every line's entry checked.
    pub fn check(&self, p: &Portal, entries: &Entries) -> Vec<LineCheck> {
        let number = InvoiceNumber::parse(&self.invoice.number);
        self.lines
            .iter()
            .map(|line| {
                let e = entries.get(line.reference_number.as_str()).cloned().unwrap_or_default();
                let (month, care_known) = self.worked_out(p, line, entries);
                let checked = match &number {
                    Some(n) => entry::check_line(line, n, self.month, &e, month.as_ref(), care_known),
                    None => Checked::default(),
                };
                LineCheck {
                    line: line.clone(),
                    child: self.children.get(line.reference_number.as_str()).cloned().unwrap_or_default(),
                    checked,
                    month,
                }
            })
            .collect()
    }
}

/// A claim's amount: each line's units × its rate (the corrected one when
/// given); `None` on overflow or a line that does not parse.
pub fn amount(checks: &[LineCheck]) -> Option<Decimal> {
    checks.iter().try_fold(Decimal::ZERO, |sum, c| {
        let units = c.checked.units?;
        let rate = c.checked.corrected_rate.unwrap_or(c.line.rate);
        sum.checked_add(units.checked_mul(rate)?.round_dp(2))
    })
}
