//! Cross-file references, checked once every file has been read on its
//! own: a provider's payee, an authorization line's provider, client and
//! worker, a claim's or attendance row's authorization line, a payment's
//! payee, a payment line's payment, an SSP event's client and worker must
//! be accepted records (an SSP case's client only gets a warning). They are checked in dependency order, so a record
//! whose reference points at a rejected record is rejected too, naming that
//! cause. Also here: the rules that join two files (a payment's amount
//! equals the sum of its lines, whose line numbers are unique within it;
//! an SSP event's client has a mailing address).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{HasKey, HasOrigin, Validator};
use crate::load;
use crate::model::*;
use crate::problem::Problem;

/// A reference to check: (column, what it names, target file, the key).
/// The key is the role-less [`Id`]: one check serves every file's key, and
/// the target file names the role.
type RefCheck = (&'static str, &'static str, &'static str, Id);
/// Accepted keys per file (role-less, as [`RefCheck`]'s key).
type Known = BTreeMap<&'static str, BTreeSet<Id>>;

impl Validator {
    fn reject_dependent(&mut self, file: &'static str, line: u64, col: &str, value: &str, label: String, (rule, short): (String, String)) {
        let key = label.rsplit(' ').next().unwrap_or_default().to_string();
        self.rejected.add(file, &key, line, short);
        self.problems.push(Problem::error(file, Some(line), Some(col), Some(value), rule).for_record(Some(label)));
    }

    /// Explains why a reference does not resolve; `None` when it does (or
    /// when the referenced file is not in the extract and cannot be checked).
    /// Returns the message for this record and a short reason for the
    /// records that depend on it in turn (so chains stay one level deep).
    fn missing_ref(&self, what: &str, file: &'static str, key: &Id, known: &Known) -> Option<(String, String)> {
        let found = known.get(file).is_some_and(|k| k.contains(key));
        if found || !self.present.contains(file) {
            return None;
        }
        Some(match self.rejected.get(file, key.as_str()) {
            Some(r) => (
                format!("{what} {key} was rejected ({file} line {}: {}), so this record is rejected too", r.line, r.reason),
                format!("{what} {key} was rejected ({file} line {})", r.line),
            ),
            None => {
                let m = format!("there is no {what} {key} in {file}");
                (m.clone(), m)
            }
        })
    }

    fn retain_refs<K: Identifier, T: HasOrigin + HasKey>(
        &mut self,
        map: &mut BTreeMap<K, T>,
        file: &'static str,
        label: &str,
        known: &Known,
        refs: impl Fn(&T) -> Vec<RefCheck>,
    ) {
        let mut bad = Vec::new();
        for (k, rec) in map.iter() {
            for (col, what, target, key) in refs(rec) {
                if let Some(rule) = self.missing_ref(what, target, &key, known) {
                    bad.push((k.clone(), rec.origin().line, col, key.to_string(), rule));
                }
            }
        }
        for (k, line, col, value, rule) in bad {
            map.remove(&k);
            self.reject_dependent(file, line, col, &value, format!("{label} {k}"), rule);
        }
    }

    fn retain_refs_vec<T: HasOrigin + HasKey>(
        &mut self,
        recs: Vec<T>,
        file: &'static str,
        known: &Known,
        refs: impl Fn(&T) -> Vec<RefCheck>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(recs.len());
        for rec in recs {
            let mut ok = true;
            for (col, what, target, key) in refs(&rec) {
                if let Some((rule, _)) = self.missing_ref(what, target, &key, known) {
                    self.problems.push(
                        Problem::error(file, Some(rec.origin().line), Some(col), Some(key.as_str()), rule)
                            .for_record(Some(rec.key_label())),
                    );
                    ok = false;
                }
            }
            if ok {
                out.push(rec);
            }
        }
        out
    }

    /// Rejects lines that repeat a line_no within their payment (and that
    /// payment), then payments whose amount differs from their lines' sum.
    fn check_payment_sums(&mut self, payments: &mut BTreeMap<PaymentId, Payment>, lines: &mut Vec<PaymentLine>) {
        let mut seen: BTreeMap<(PaymentId, u32), u64> = BTreeMap::new();
        let mut repeated = Vec::new();
        lines.retain(|l| match seen.get(&(l.payment_id.clone(), l.line_no)) {
            Some(&first) => {
                repeated.push((l.origin.line, l.line_no, l.payment_id.clone(), l.key_label(), first));
                false
            }
            None => {
                seen.insert((l.payment_id.clone(), l.line_no), l.origin.line);
                true
            }
        });
        for (line, line_no, payment_id, label, first) in repeated {
            self.problems.push(
                Problem::error(
                    load::PAYMENT_LINES.name,
                    Some(line),
                    Some("line_no"),
                    Some(&line_no.to_string()),
                    format!("line_no must be unique within payment {payment_id}, but line {first} has the same number"),
                )
                .for_record(Some(label)),
            );
            if let Some(p) = payments.remove(&payment_id) {
                self.rejected.add(load::PAYMENTS.name, p.payment_id.as_str(), p.origin.line, "two of its lines share a line_no".into());
                self.problems.push(
                    Problem::error(
                        load::PAYMENTS.name,
                        Some(p.origin.line),
                        None,
                        None,
                        format!("payment_lines.csv line {line} repeats a line_no of this payment; the payment is rejected"),
                    )
                    .for_record(Some(format!("payment {}", p.payment_id))),
                );
            }
        }
        if !self.present.contains(load::PAYMENT_LINES.name) {
            return;
        }
        // Checked sums: `None` once a payment's lines overflow (impossible
        // within the format's bounds; rejected, never a panic).
        let mut sums: BTreeMap<&PaymentId, (Option<Decimal>, usize)> = BTreeMap::new();
        for l in lines.iter() {
            let e = sums.entry(&l.payment_id).or_insert((Some(Decimal::ZERO), 0));
            e.0 = e.0.and_then(|s| s.checked_add(l.amount));
            e.1 += 1;
        }
        let mut bad = Vec::new();
        for (id, p) in payments.iter() {
            let (sum, n) = sums.get(id).copied().unwrap_or((Some(Decimal::ZERO), 0));
            if sum != Some(p.amount) {
                bad.push((id.clone(), p.origin.line, p.amount, sum, n));
            }
        }
        for (id, line, amount, sum, n) in bad {
            payments.remove(&id);
            let sum = sum.map_or_else(|| "too large to add up".to_string(), |s| s.to_string());
            let rule = format!(
                "the payment's amount {amount} does not equal the sum of its {n} line(s) in payment_lines.csv, {sum}; the payment and its lines are rejected"
            );
            self.problems.push(
                Problem::error(load::PAYMENTS.name, Some(line), Some("amount"), Some(&amount.to_string()), rule)
                    .for_record(Some(format!("payment {id}"))),
            );
            self.rejected.add(load::PAYMENTS.name, id.as_str(), line, format!("amount {amount} ≠ sum of lines {sum}"));
        }
    }

    /// Checks every cross-file reference in dependency order (a file's
    /// keys are known only once its own references are checked), removing
    /// the records whose references do not resolve and the payments (and
    /// lines) that do not add up, and moves the surviving claims, attendance
    /// rows and payment lines into the extract.
    pub(super) fn resolve_references(
        &mut self,
        x: &mut Extract,
        claims: Vec<InvoiceClaim>,
        attendance: Vec<Attendance>,
        mut lines: Vec<PaymentLine>,
    ) {
        let mut known: BTreeMap<&'static str, BTreeSet<Id>> = BTreeMap::new();
        known.insert(load::PAYEES.name, x.payees.keys().map(PayeeNumber::to_id).collect());
        self.retain_refs(&mut x.providers, load::PROVIDERS.name, "provider", &known, |p| {
            vec![("payee_number", "payee", load::PAYEES.name, p.payee_number.to_id())]
        });
        known.insert(load::PROVIDERS.name, x.providers.keys().map(ProviderNumber::to_id).collect());
        known.insert(load::CLIENTS.name, x.clients.keys().map(ClientId::to_id).collect());
        known.insert(load::WORKERS.name, x.workers.keys().map(WorkerId::to_id).collect());
        self.retain_refs(&mut x.authorizations, load::AUTHORIZATIONS.name, "authorization line", &known, |a| {
            vec![
                ("provider_number", "provider", load::PROVIDERS.name, a.provider_number.to_id()),
                ("client_id", "client", load::CLIENTS.name, a.client_id.to_id()),
                ("worker_id", "worker", load::WORKERS.name, a.worker_id.to_id()),
            ]
        });
        known.insert(load::AUTHORIZATIONS.name, x.authorizations.keys().map(ReferenceNumber::to_id).collect());
        x.invoice_claims = self.retain_refs_vec(claims, load::INVOICE_CLAIMS.name, &known, |c| {
            vec![("reference_number", "authorization line", load::AUTHORIZATIONS.name, c.reference_number.to_id())]
        });
        x.attendance = self.retain_refs_vec(attendance, load::ATTENDANCE.name, &known, |a| {
            vec![("reference_number", "authorization line", load::AUTHORIZATIONS.name, a.reference_number.to_id())]
        });
        self.retain_refs(&mut x.payments, load::PAYMENTS.name, "payment", &known, |p| {
            vec![("payee_number", "payee", load::PAYEES.name, p.payee_number.to_id())]
        });
        self.check_payment_sums(&mut x.payments, &mut lines);
        known.insert(load::PAYMENTS.name, x.payments.keys().map(PaymentId::to_id).collect());
        x.payment_lines = self.retain_refs_vec(lines, load::PAYMENT_LINES.name, &known, |l| {
            vec![("payment_id", "payment", load::PAYMENTS.name, l.payment_id.to_id())]
        });
        self.retain_refs(&mut x.ssp_events, load::SSP_EVENTS.name, "event", &known, |e| {
            vec![
                ("client_id", "client", load::CLIENTS.name, e.client_id.to_id()),
                ("worker_id", "worker", load::WORKERS.name, e.worker_id.to_id()),
            ]
        });
        self.reject_events_without_address(x);
        self.retain_refs(&mut x.overpayments, load::OVERPAYMENTS.name, "overpayment", &known, |o| {
            let mut refs = vec![
                ("payee_number", "payee", load::PAYEES.name, o.payee_number.to_id()),
                ("provider_number", "provider", load::PROVIDERS.name, o.provider_number.to_id()),
            ];
            if let Some(r) = &o.reference_number {
                refs.push(("reference_number", "authorization line", load::AUTHORIZATIONS.name, r.to_id()));
            }
            refs
        });
        self.reject_overpayments_of_another_payee(x);
        self.warn_cases_without_client(x);
    }

    /// A staff overpayment's provider belongs to its payee, and its line
    /// (when given) to its provider: the notice goes to that payee.
    fn reject_overpayments_of_another_payee(&mut self, x: &mut Extract) {
        let mut bad = Vec::new();
        for (id, o) in &x.overpayments {
            if let Some(p) = x.providers.get(&o.provider_number) {
                if p.payee_number != o.payee_number {
                    let m = format!(
                        "provider {} belongs to payee {} (providers.csv line {}), not to payee {}",
                        p.provider_number, p.payee_number, p.origin.line, o.payee_number
                    );
                    bad.push((id.clone(), o.origin.line, "provider_number", o.provider_number.to_string(), m));
                    continue;
                }
            }
            if let Some(a) = o.reference_number.as_ref().and_then(|r| x.authorizations.get(r)) {
                if a.provider_number != o.provider_number {
                    let m = format!(
                        "authorization line {} is of provider {} (authorizations.csv line {}), not of provider {}",
                        a.reference_number, a.provider_number, a.origin.line, o.provider_number
                    );
                    bad.push((id.clone(), o.origin.line, "reference_number", a.reference_number.to_string(), m));
                }
            }
        }
        for (id, line, col, value, m) in bad {
            x.overpayments.remove(&id);
            self.reject_dependent(load::OVERPAYMENTS.name, line, col, &value, format!("overpayment {id}"), (m.clone(), m));
        }
    }

    /// A case whose client is not among the accepted clients (no such row,
    /// or a rejected one) is kept, with a warning: its amount is ACES's, not
    /// the client file's, and the MILs report must count it; it is listed
    /// without a name. Not checked when `clients.csv` is absent.
    fn warn_cases_without_client(&mut self, x: &Extract) {
        if !self.present.contains(load::CLIENTS.name) {
            return;
        }
        for case in x.ssp_cases.values().filter(|c| !x.clients.contains_key(&c.client_id)) {
            let client = &case.client_id;
            let why = match self.rejected.get(load::CLIENTS.name, client.as_str()) {
                Some(r) => format!("client {client} was rejected (clients.csv line {})", r.line),
                None => format!("there is no client {client} in clients.csv"),
            };
            let rule = format!("{why}; the case is kept and listed without the client's name");
            let p = Problem::warning(load::SSP_CASES.name, Some(case.origin.line), Some("client_id"), Some(client.as_str()), rule);
            self.problems.push(p.for_record(Some(case.key_label())));
        }
    }

    /// An SSP letter is mailed to the client: the client needs an address.
    /// Rejects the events whose (accepted) client has none, naming it.
    fn reject_events_without_address(&mut self, x: &mut Extract) {
        let mut no_address = Vec::new();
        for (id, e) in &x.ssp_events {
            if let Some(c) = x.clients.get(&e.client_id) {
                if c.address.is_none() {
                    no_address.push((id.clone(), e.origin.line, c.client_id.clone(), c.origin.line));
                }
            }
        }
        for (id, line, client, client_line) in no_address {
            x.ssp_events.remove(&id);
            self.reject_dependent(load::SSP_EVENTS.name, line, "client_id", client.as_str(), format!("event {id}"), {
                let m = format!("client {client} has no mailing address in clients.csv (line {client_line}); a letter cannot be sent");
                (m.clone(), m)
            });
        }
    }
}
