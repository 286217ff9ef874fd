//! One payee's part of an extract: what composing that payee's documents
//! reads, cloned out of the whole (the provider portal keeps one validated
//! extract in memory and makes a payee's document on demand from its part,
//! `crate::ondemand`).
//!
//! [`Extract::for_payee`] scans the whole extract once per call;
//! [`PayeeIndex`], built once, finds the same records without scanning
//! (measured on 23,000 payees: `benches/ondemand.rs`).

use std::collections::{BTreeMap, BTreeSet};

use super::{Extract, PayeeNumber, PaymentId, ProviderNumber, ReferenceNumber, Tin};

/// Where one payee's records sit in an extract (keys, and positions in
/// the extract's lists).
#[derive(Debug, Clone, Default)]
struct Part {
    providers: Vec<ProviderNumber>,
    /// Its providers' authorization lines.
    authorizations: Vec<ReferenceNumber>,
    payments: Vec<PaymentId>,
    /// Positions in `payment_lines`.
    payment_lines: Vec<usize>,
    /// Positions in `invoice_claims` and `attendance` (of its providers' lines).
    invoice_claims: Vec<usize>,
    attendance: Vec<usize>,
    overpayments: Vec<super::OverpaymentId>,
}

/// Every payee's records, found once: [`PayeeIndex::part`] then clones one
/// payee's part without scanning the extract. Built from, and valid for,
/// one extract that does not change.
#[derive(Debug, Default)]
pub struct PayeeIndex {
    parts: BTreeMap<PayeeNumber, Part>,
    /// The payees sharing a TIN (their 1099 return is one).
    by_tin: BTreeMap<(super::TinType, String), Vec<PayeeNumber>>,
}

fn tin_key(t: &Tin) -> (super::TinType, String) {
    (t.kind(), t.for_irs_filing().to_string())
}

impl PayeeIndex {
    /// Finds every payee's records in `x`.
    pub fn new(x: &Extract) -> PayeeIndex {
        let mut parts: BTreeMap<PayeeNumber, Part> = x.payees.keys().map(|k| (k.clone(), Part::default())).collect();
        let mut by_tin: BTreeMap<(super::TinType, String), Vec<PayeeNumber>> = BTreeMap::new();
        for p in x.payees.values() {
            by_tin.entry(tin_key(&p.tin)).or_default().push(p.payee_number.clone());
        }
        let mut payee_of_provider: BTreeMap<&ProviderNumber, &PayeeNumber> = BTreeMap::new();
        for p in x.providers.values() {
            if let Some(part) = parts.get_mut(&p.payee_number) {
                part.providers.push(p.provider_number.clone());
                payee_of_provider.insert(&p.provider_number, &p.payee_number);
            }
        }
        let mut payee_of_line: BTreeMap<&ReferenceNumber, &PayeeNumber> = BTreeMap::new();
        for a in x.authorizations.values() {
            if let Some(payee) = payee_of_provider.get(&a.provider_number) {
                payee_of_line.insert(&a.reference_number, payee);
                parts.entry((*payee).clone()).or_default().authorizations.push(a.reference_number.clone());
            }
        }
        let mut payee_of_payment: BTreeMap<&PaymentId, &PayeeNumber> = BTreeMap::new();
        for p in x.payments.values() {
            if let Some(part) = parts.get_mut(&p.payee_number) {
                part.payments.push(p.payment_id.clone());
                payee_of_payment.insert(&p.payment_id, &p.payee_number);
            }
        }
        for (i, l) in x.payment_lines.iter().enumerate() {
            if let Some(part) = payee_of_payment.get(&l.payment_id).and_then(|p| parts.get_mut(*p)) {
                part.payment_lines.push(i);
            }
        }
        for (i, c) in x.invoice_claims.iter().enumerate() {
            if let Some(part) = payee_of_line.get(&c.reference_number).and_then(|p| parts.get_mut(*p)) {
                part.invoice_claims.push(i);
            }
        }
        for (i, a) in x.attendance.iter().enumerate() {
            if let Some(part) = payee_of_line.get(&a.reference_number).and_then(|p| parts.get_mut(*p)) {
                part.attendance.push(i);
            }
        }
        for o in x.overpayments.values() {
            if let Some(part) = parts.get_mut(&o.payee_number) {
                part.overpayments.push(o.overpayment_id.clone());
            }
        }
        PayeeIndex { parts, by_tin }
    }

    /// `payee`'s part of `x` (the extract this index was built from), the
    /// same records as [`Extract::for_payee`]; empty when the payee is not
    /// in it.
    pub fn part(&self, x: &Extract, payee: &PayeeNumber) -> Extract {
        let mut out = Extract::default();
        let Some(p) = x.payees.get(payee) else { return out };
        let Some(own) = self.parts.get(payee) else { return out };
        let siblings = self.by_tin.get(&tin_key(&p.tin)).map_or(&[][..], Vec::as_slice);
        let mut payment_parts = vec![own];
        for s in siblings.iter().filter(|s| *s != payee) {
            payment_parts.extend(self.parts.get(s));
        }
        for s in siblings {
            if let Some(q) = x.payees.get(s) {
                out.payees.insert(s.clone(), q.clone());
            }
        }
        for k in &own.providers {
            if let Some(v) = x.providers.get(k) {
                out.providers.insert(k.clone(), v.clone());
            }
        }
        for k in &own.authorizations {
            if let Some(v) = x.authorizations.get(k) {
                out.authorizations.insert(k.clone(), v.clone());
            }
        }
        for part in &payment_parts {
            for k in &part.payments {
                if let Some(v) = x.payments.get(k) {
                    out.payments.insert(k.clone(), v.clone());
                }
            }
        }
        let mut lines: Vec<usize> = payment_parts.iter().flat_map(|p| p.payment_lines.iter().copied()).collect();
        lines.sort_unstable();
        out.payment_lines = lines.iter().filter_map(|&i| x.payment_lines.get(i).cloned()).collect();
        out.invoice_claims = own.invoice_claims.iter().filter_map(|&i| x.invoice_claims.get(i).cloned()).collect();
        out.attendance = own.attendance.iter().filter_map(|&i| x.attendance.get(i).cloned()).collect();
        for k in &own.overpayments {
            if let Some(v) = x.overpayments.get(k) {
                out.overpayments.insert(k.clone(), v.clone());
            }
        }
        add_referenced(x, &mut out);
        out
    }
}

impl Extract {
    /// The records composing `payee`'s documents reads, cloned: the payee
    /// and the payees sharing its TIN (its 1099 return adds up their
    /// payments), its providers and their authorization lines, the
    /// payments of those payees and their lines, the invoice claims and
    /// attendance of its lines, its rows of `overpayments.csv`; then the
    /// authorization lines its payment lines and overpayments name (for
    /// the child's name), and the clients and workers the lines name.
    /// Nothing of the SSP clients' letters. Empty when the payee is not in
    /// the extract.
    ///
    /// Scans the whole extract; build a [`PayeeIndex`] once to find the
    /// same records without scanning.
    pub fn for_payee(&self, payee: &PayeeNumber) -> Extract {
        let mut out = Extract::default();
        let Some(p) = self.payees.get(payee) else { return out };
        for q in self.payees.values().filter(|q| q.tin == p.tin) {
            out.payees.insert(q.payee_number.clone(), q.clone());
        }
        for v in self.providers.values().filter(|v| v.payee_number == *payee) {
            out.providers.insert(v.provider_number.clone(), v.clone());
        }
        for v in self.authorizations.values().filter(|a| out.providers.contains_key(&a.provider_number)) {
            out.authorizations.insert(v.reference_number.clone(), v.clone());
        }
        for v in self.payments.values().filter(|v| out.payees.contains_key(&v.payee_number)) {
            out.payments.insert(v.payment_id.clone(), v.clone());
        }
        out.payment_lines = self.payment_lines.iter().filter(|l| out.payments.contains_key(&l.payment_id)).cloned().collect();
        out.invoice_claims = self.invoice_claims.iter().filter(|c| out.authorizations.contains_key(&c.reference_number)).cloned().collect();
        out.attendance = self.attendance.iter().filter(|a| out.authorizations.contains_key(&a.reference_number)).cloned().collect();
        for v in self.overpayments.values().filter(|v| v.payee_number == *payee) {
            out.overpayments.insert(v.overpayment_id.clone(), v.clone());
        }
        add_referenced(self, &mut out);
        out
    }
}

/// Adds to `out` the authorization lines its payment lines and staff
/// overpayments name, then the clients and workers of all its lines.
fn add_referenced(x: &Extract, out: &mut Extract) {
    let named: BTreeSet<&ReferenceNumber> = out
        .payment_lines
        .iter()
        .filter_map(|l| l.reference_number.as_ref())
        .chain(out.overpayments.values().filter_map(|o| o.reference_number.as_ref()))
        .filter(|r| !out.authorizations.contains_key(*r))
        .collect();
    let extra: Vec<_> = named.into_iter().filter_map(|r| x.authorizations.get(r)).cloned().collect();
    for a in extra {
        out.authorizations.insert(a.reference_number.clone(), a);
    }
    for a in out.authorizations.values() {
        if let Some(c) = x.clients.get(&a.client_id) {
            out.clients.entry(c.client_id.clone()).or_insert_with(|| c.clone());
        }
        if let Some(w) = x.workers.get(&a.worker_id) {
            out.workers.entry(w.worker_id.clone()).or_insert_with(|| w.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;

    use super::*;
    use crate::compose::Document;
    use crate::model::Month;

    fn example() -> Extract {
        crate::pipeline::read_extract(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026")).unwrap().extract
    }

    fn sample() -> Extract {
        let dir = tempfile::tempdir().unwrap();
        let month = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let opts = crate::sample::SampleOptions { payees: 60, month, seed: 7, bad_rows: 0, payments: 2, ssp_cases: 0 };
        crate::sample::generate(&opts, dir.path()).unwrap();
        crate::pipeline::read_extract(dir.path()).unwrap().extract
    }

    /// `payee`'s documents among `docs`, as the template gets them.
    fn theirs<D: Document>(docs: &[D], payee: &PayeeNumber) -> String {
        let mine: Vec<&D> = docs.iter().filter(|d| d.to().id.as_str() == payee.as_str()).collect();
        serde_json::to_string(&mine).unwrap()
    }

    #[test]
    fn a_payees_part_composes_the_documents_the_whole_extract_composes_for_it() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let month = Month::parse("2026-10").unwrap();
        for x in [example(), sample()] {
            let index = PayeeIndex::new(&x);
            let invoices = crate::compose::invoices(&x, month).unwrap();
            let advices = crate::compose::remittance::remittances(&x, d("2025-01-01"), d("2026-12-31")).unwrap();
            let notices = crate::compose::notice::notices(&x, d("2026-01-01"), d("2026-12-31")).unwrap();
            for p in x.payees.keys() {
                let part = x.for_payee(p);
                assert_eq!(format!("{part:?}"), format!("{:?}", index.part(&x, p)), "payee {p}: scanned and indexed parts differ");
                assert_eq!(part.payees.keys().collect::<Vec<_>>(), [p]);
                assert_eq!(theirs(&crate::compose::invoices(&part, month).unwrap(), p), theirs(&invoices, p));
                let own = crate::compose::remittance::remittances(&part, d("2025-01-01"), d("2026-12-31")).unwrap();
                assert_eq!(theirs(&own, p), theirs(&advices, p));
                assert_eq!(
                    theirs(&crate::compose::notice::notices(&part, d("2026-01-01"), d("2026-12-31")).unwrap(), p),
                    theirs(&notices, p)
                );
            }
        }
    }

    #[test]
    fn a_payees_part_holds_the_payees_sharing_its_tin_and_their_payments_but_not_their_lines_of_care() {
        let mut x = example();
        let (a, b) = (PayeeNumber::parse("100200300").unwrap(), PayeeNumber::parse("100200302").unwrap());
        let tin = x.payees[&a].tin.clone();
        x.payees.get_mut(&b).unwrap().tin = tin;
        let index = PayeeIndex::new(&x);
        for part in [x.for_payee(&a), index.part(&x, &a)] {
            assert_eq!(part.payees.keys().collect::<Vec<_>>(), [&a, &b]);
            assert!(part.payments.values().any(|p| p.payee_number == b));
            assert_eq!(part.payments.len(), x.payments.values().filter(|p| p.payee_number == a || p.payee_number == b).count());
            assert!(part.providers.values().all(|v| v.payee_number == a));
        }
    }

    #[test]
    fn a_payee_not_in_the_extract_has_an_empty_part() {
        let x = example();
        let nobody = PayeeNumber::parse("999999999").unwrap();
        for part in [x.for_payee(&nobody), PayeeIndex::new(&x).part(&x, &nobody), PayeeIndex::default().part(&x, &nobody)] {
            assert!(part.payees.is_empty() && part.providers.is_empty() && part.authorizations.is_empty() && part.payments.is_empty());
        }
        // An index of another extract finds nothing, and does not panic.
        let a = PayeeNumber::parse("100200300").unwrap();
        assert!(PayeeIndex::default().part(&x, &a).providers.is_empty());
    }
}
