//! The extract as the portal reads it: one validated [`Extract`] in
//! memory, indexed by payee, so every page reads only the signed-in
//! payee's records.
//!
//! Built once at start from `--data` (loading and validating 23,000
//! payees takes a few seconds); pages never touch the extract folder.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Authorization, Extract, Payee, Payment, PaymentLine, Provider};

/// One payee's records, by key into the extract.
#[derive(Debug, Default)]
struct PayeeIndex {
    providers: Vec<String>,
    /// Newest first (issue date, then payment id, descending).
    payments: Vec<String>,
    authorizations: Vec<String>,
}

/// The extract, indexed by payee.
pub struct Catalog {
    extract: Extract,
    /// Each payee's part, for composing its documents (invoices to claim,
    /// documents made on demand).
    parts: crate::model::payee::PayeeIndex,
    payees: HashMap<String, PayeeIndex>,
    /// Each payment's lines, in line order (indexes into `payment_lines`).
    lines: HashMap<String, Vec<usize>>,
}

/// What the payments page filters by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentFilter {
    /// Issued on or after.
    pub from: Option<NaiveDate>,
    /// Issued on or before.
    pub to: Option<NaiveDate>,
    /// Amount at least.
    pub min: Option<Decimal>,
    /// Amount at most.
    pub max: Option<Decimal>,
    /// A line of the payment pays this invoice number (exact, case
    /// insensitive).
    pub invoice: Option<String>,
}

impl Catalog {
    /// Indexes a validated extract.
    pub fn new(extract: Extract) -> Catalog {
        let mut payees: HashMap<String, PayeeIndex> =
            extract.payees.keys().map(|k| (k.as_str().to_string(), PayeeIndex::default())).collect();
        let mut provider_payee: HashMap<&str, &str> = HashMap::new();
        for p in extract.providers.values() {
            if let Some(ix) = payees.get_mut(p.payee_number.as_str()) {
                ix.providers.push(p.provider_number.as_str().to_string());
            }
            provider_payee.insert(p.provider_number.as_str(), p.payee_number.as_str());
        }
        for a in extract.authorizations.values() {
            if let Some(ix) = provider_payee.get(a.provider_number.as_str()).and_then(|p| payees.get_mut(*p)) {
                ix.authorizations.push(a.reference_number.as_str().to_string());
            }
        }
        let mut payments: Vec<&Payment> = extract.payments.values().collect();
        payments.sort_by(|a, b| (b.issue_date, b.payment_id.as_str()).cmp(&(a.issue_date, a.payment_id.as_str())));
        for p in payments {
            if let Some(ix) = payees.get_mut(p.payee_number.as_str()) {
                ix.payments.push(p.payment_id.as_str().to_string());
            }
        }
        let mut lines: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, l) in extract.payment_lines.iter().enumerate() {
            lines.entry(l.payment_id.as_str().to_string()).or_default().push(i);
        }
        for v in lines.values_mut() {
            v.sort_by_key(|&i| extract.payment_lines[i].line_no);
        }
        let parts = crate::model::payee::PayeeIndex::new(&extract);
        Catalog { extract, parts, payees, lines }
    }

    /// The whole extract (for rendering on demand).
    pub fn extract(&self) -> &Extract {
        &self.extract
    }

    /// A payee's part of the extract (what composing its documents reads).
    pub fn part(&self, payee: &crate::model::PayeeNumber) -> Extract {
        self.parts.part(&self.extract, payee)
    }

    /// A payee of the extract.
    pub fn payee(&self, payee: &str) -> Option<&Payee> {
        let key = crate::model::PayeeNumber::parse(payee)?;
        self.extract.payees.get(&key)
    }

    /// The payee numbers, in order.
    pub fn payee_numbers(&self) -> Vec<String> {
        self.extract.payees.keys().map(|k| k.as_str().to_string()).collect()
    }

    /// A payee's providers.
    pub fn providers(&self, payee: &str) -> Vec<&Provider> {
        self.payees
            .get(payee)
            .map(|ix| {
                ix.providers
                    .iter()
                    .filter_map(|p| crate::model::ProviderNumber::parse(p).and_then(|k| self.extract.providers.get(&k)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A payee's payments matching `filter`, newest first.
    pub fn payments(&self, payee: &str, filter: &PaymentFilter) -> Vec<&Payment> {
        let Some(ix) = self.payees.get(payee) else { return vec![] };
        let invoice = filter.invoice.as_deref().map(str::to_ascii_uppercase);
        ix.payments
            .iter()
            .filter_map(|id| self.payment_of(payee, id))
            .filter(|p| filter.from.is_none_or(|d| p.issue_date >= d))
            .filter(|p| filter.to.is_none_or(|d| p.issue_date <= d))
            .filter(|p| filter.min.is_none_or(|m| p.amount >= m))
            .filter(|p| filter.max.is_none_or(|m| p.amount <= m))
            .filter(|p| {
                invoice.as_deref().is_none_or(|inv| {
                    self.lines(p).iter().any(|l| l.invoice_number.as_ref().is_some_and(|n| n.as_str().eq_ignore_ascii_case(inv)))
                })
            })
            .collect()
    }

    /// A payment of this payee's (None for another payee's: the pages
    /// answer 404 alike).
    pub fn payment_of(&self, payee: &str, payment_id: &str) -> Option<&Payment> {
        let key = crate::model::PaymentId::parse(payment_id)?;
        self.extract.payments.get(&key).filter(|p| p.payee_number.as_str() == payee)
    }

    /// A payment's lines, in line order.
    pub fn lines(&self, payment: &Payment) -> Vec<&PaymentLine> {
        self.lines.get(payment.payment_id.as_str()).map(|v| v.iter().map(|&i| &self.extract.payment_lines[i]).collect()).unwrap_or_default()
    }

    /// The authorization line a payment line names, if it is this payee's.
    pub fn authorization_of(&self, payee: &str, reference: &str) -> Option<&Authorization> {
        let key = crate::model::ReferenceNumber::parse(reference)?;
        let a = self.extract.authorizations.get(&key)?;
        self.extract.providers.get(&a.provider_number).filter(|p| p.payee_number.as_str() == payee).map(|_| a)
    }

    /// A payee's authorization lines in effect on `today` or ended within
    /// the 12 months before it, newest start first.
    pub fn authorizations(&self, payee: &str, today: NaiveDate) -> Vec<&Authorization> {
        let since = today.checked_sub_months(chrono::Months::new(12)).unwrap_or(today);
        let mut v: Vec<&Authorization> = self
            .payees
            .get(payee)
            .map(|ix| {
                ix.authorizations
                    .iter()
                    .filter_map(|r| crate::model::ReferenceNumber::parse(r).and_then(|k| self.extract.authorizations.get(&k)))
                    .filter(|a| a.end_date >= since)
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| (b.start_date, b.reference_number.as_str()).cmp(&(a.start_date, a.reference_number.as_str())));
        v
    }

    /// A child's name, as the paper documents print it.
    pub fn client_name(&self, a: &Authorization) -> String {
        self.extract.clients.get(&a.client_id).map(|c| c.full_name()).unwrap_or_default()
    }
}
