//! Stage 2, validate: raw rows → typed records, every rule checked.
//!
//! Each row is checked against every rule of the record format (see
//! `docs/records.md`); a row that breaks any rule is rejected and every
//! broken rule is reported, not only the first. Then the cross-file
//! references are checked in dependency order, and a record whose reference
//! points at a rejected record is rejected too, naming that cause. Nothing
//! is dropped silently: every row of every file ends up either in the
//! [`Extract`] or in the problems list, and [`FileCounts`] proves it.
//!
//! This module is the public face and the driver; the rules live in three
//! private submodules, one per seam: `cells` reads one cell at a time
//! (amounts, dates, codes, bounds), `files` makes one file's rows into
//! records, and `references` checks what joins the files.

mod cells;
mod files;
mod references;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::calendar::Holidays;
use crate::load::{self, Loaded, TableState};
use crate::model::*;
use crate::problem::Problem;

pub use cells::{parse_amount, WA_COUNTIES};

/// Rows read and rejected for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    /// Whether the file was in the folder.
    pub present: bool,
    /// Whether the file could be read at all.
    pub usable: bool,
    /// Data rows read.
    pub rows: usize,
    /// Rows rejected (by their own rules or through a dependency).
    pub rejected: usize,
    /// Rows accepted into the extract.
    pub accepted: usize,
}

/// The outcome of validation.
#[derive(Debug)]
pub struct Validated {
    /// Every accepted record.
    pub extract: Extract,
    /// Every problem, load problems first, then in file and line order.
    pub problems: Vec<Problem>,
    /// Accounting per file: rows = accepted + rejected.
    pub counts: BTreeMap<&'static str, FileCounts>,
}

impl Validated {
    /// Problems that reject something.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    /// Whether a file of the format was present and readable.
    pub fn usable(&self, file: &str) -> bool {
        self.counts.get(file).is_some_and(|c| c.usable)
    }
}

/// What a rejected record was, for the messages of records that depend on it.
#[derive(Debug, Clone)]
struct Rejected {
    line: u64,
    reason: String,
}

/// Keys of rejected records per file.
#[derive(Default)]
struct RejectedKeys(BTreeMap<&'static str, BTreeMap<String, Rejected>>);

impl RejectedKeys {
    fn add(&mut self, file: &'static str, key: &str, line: u64, reason: String) {
        self.0.entry(file).or_default().entry(key.to_string()).or_insert(Rejected { line, reason });
    }
    fn get(&self, file: &str, key: &str) -> Option<&Rejected> {
        self.0.get(file).and_then(|m| m.get(key))
    }
}

/// The state of one validation run, shared by the rules of every seam
/// (its methods live in [`files`] and [`references`]).
struct Validator {
    /// Every problem so far, in the order found (sorted at the end).
    problems: Vec<Problem>,
    /// Keys of the rows rejected so far, for the records that refer to them.
    rejected: RejectedKeys,
    /// Accounting per file.
    counts: BTreeMap<&'static str, FileCounts>,
    /// Files that were present and readable (references into the others
    /// are not checked).
    present: BTreeSet<&'static str>,
}

/// Validates everything that was loaded. Never fails: problems are collected.
pub fn validate(loaded: Loaded, holidays: &Holidays) -> Validated {
    let mut v =
        Validator { problems: loaded.problems, rejected: RejectedKeys::default(), counts: BTreeMap::new(), present: BTreeSet::new() };
    let mut x = Extract::default();
    let mut tables = loaded.tables;
    for spec in load::FILES {
        let t = &tables[spec.name];
        let c = v.counts.entry(spec.name).or_default();
        c.present = !matches!(t.state, TableState::Absent);
        c.usable = matches!(t.state, TableState::Read);
        c.rows = t.rows.len();
        if c.usable {
            v.present.insert(spec.name);
        }
    }
    // Each file's raw rows are taken and dropped one by one as they become
    // records, so a large file (1.3 million payment lines) is never held
    // twice, raw and typed.
    let mut taken = |name: &str| tables.get_mut(name).map(|t| std::mem::take(&mut t.rows)).unwrap_or_default();

    // Each file on its own.
    for row in v.whole(taken(load::PAYEES.name)) {
        let row = &row;
        if let Some(p) = v.payee(row) {
            v.insert_unique(&mut x.payees, p.payee_number.clone(), p, "payee_number", row.line);
        }
    }
    for row in v.whole(taken(load::PROVIDERS.name)) {
        let row = &row;
        if let Some(p) = v.provider(row) {
            v.insert_unique(&mut x.providers, p.provider_number.clone(), p, "provider_number", row.line);
        }
    }
    for row in v.whole(taken(load::CLIENTS.name)) {
        let row = &row;
        if let Some(c) = v.client(row) {
            v.insert_unique(&mut x.clients, c.client_id.clone(), c, "client_id", row.line);
        }
    }
    for row in v.whole(taken(load::WORKERS.name)) {
        let row = &row;
        if let Some(w) = v.worker(row) {
            v.insert_unique(&mut x.workers, w.worker_id.clone(), w, "worker_id", row.line);
        }
    }
    for row in v.whole(taken(load::AUTHORIZATIONS.name)) {
        let row = &row;
        if let Some(a) = v.authorization(row) {
            v.insert_unique(&mut x.authorizations, a.reference_number.clone(), a, "reference_number", row.line);
        }
    }
    let claims: Vec<InvoiceClaim> = v.whole(taken(load::INVOICE_CLAIMS.name)).into_iter().filter_map(|r| v.claim(&r)).collect();
    let attendance: Vec<Attendance> =
        v.whole(taken(load::ATTENDANCE.name)).into_iter().filter_map(|r| v.attendance(&r, holidays)).collect();
    for row in v.whole(taken(load::PAYMENTS.name)) {
        let row = &row;
        if let Some(p) = v.payment(row) {
            v.insert_unique(&mut x.payments, p.payment_id.clone(), p, "payment_id", row.line);
        }
    }
    let lines: Vec<PaymentLine> = v.whole(taken(load::PAYMENT_LINES.name)).into_iter().filter_map(|r| v.payment_line(&r)).collect();
    for row in v.whole(taken(load::SSP_EVENTS.name)) {
        let row = &row;
        if let Some(e) = v.ssp_event(row) {
            v.insert_unique(&mut x.ssp_events, e.event_id.clone(), e, "event_id", row.line);
        }
    }
    for row in v.whole(taken(load::SSP_CASES.name)) {
        let row = &row;
        if let Some(c) = v.ssp_case(row) {
            v.insert_unique(&mut x.ssp_cases, c.au_number.clone(), c, "au_number", row.line);
        }
    }

    for row in v.whole(taken(load::OVERPAYMENTS.name)) {
        let row = &row;
        if let Some(o) = v.overpayment(row) {
            v.insert_unique(&mut x.overpayments, o.overpayment_id.clone(), o, "overpayment_id", row.line);
        }
    }

    // Cross-file references, in dependency order.
    v.resolve_references(&mut x, claims, attendance, lines);

    // Accounting.
    let accepted = [
        (load::PAYEES.name, x.payees.len()),
        (load::PROVIDERS.name, x.providers.len()),
        (load::CLIENTS.name, x.clients.len()),
        (load::WORKERS.name, x.workers.len()),
        (load::AUTHORIZATIONS.name, x.authorizations.len()),
        (load::INVOICE_CLAIMS.name, x.invoice_claims.len()),
        (load::ATTENDANCE.name, x.attendance.len()),
        (load::PAYMENTS.name, x.payments.len()),
        (load::PAYMENT_LINES.name, x.payment_lines.len()),
        (load::SSP_EVENTS.name, x.ssp_events.len()),
        (load::OVERPAYMENTS.name, x.overpayments.len()),
        (load::SSP_CASES.name, x.ssp_cases.len()),
    ];
    for (file, n) in accepted {
        let c = v.counts.entry(file).or_default();
        c.accepted = n;
        c.rejected = c.rows - n;
    }
    let mut problems = v.problems;
    // Load problems of whole files first, then by file order and line.
    sort_problems(&mut problems);
    Validated { extract: x, problems, counts: v.counts }
}

/// One figure of a file's accounting proof: `expected` must equal `found`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Balance {
    /// The extract file.
    pub file: &'static str,
    /// What is compared.
    pub what: &'static str,
    /// The figure from reading.
    pub expected: usize,
    /// The figure from the records and the problems.
    pub found: usize,
}

impl Balance {
    /// Whether the figures agree.
    pub fn ok(&self) -> bool {
        self.expected == self.found
    }
}

/// The accounting proof of every file, computed from what is really there,
/// not from the counters alone: the rows read equal the records kept plus
/// the rows rejected; the counters agree with the records in the extract;
/// every rejected row has an error on its own line (so it is in
/// `rejects.csv`), and no kept record has one.
pub fn accounting(v: &Validated) -> Vec<Balance> {
    let x = &v.extract;
    fn lines<'a, T: HasOrigin + 'a>(it: impl Iterator<Item = &'a T>) -> BTreeSet<u64> {
        it.map(|r| r.origin().line).collect()
    }
    let kept: [(&'static str, BTreeSet<u64>, usize); 12] = [
        (load::PAYEES.name, lines(x.payees.values()), x.payees.len()),
        (load::PROVIDERS.name, lines(x.providers.values()), x.providers.len()),
        (load::CLIENTS.name, lines(x.clients.values()), x.clients.len()),
        (load::WORKERS.name, lines(x.workers.values()), x.workers.len()),
        (load::AUTHORIZATIONS.name, lines(x.authorizations.values()), x.authorizations.len()),
        (load::INVOICE_CLAIMS.name, lines(x.invoice_claims.iter()), x.invoice_claims.len()),
        (load::ATTENDANCE.name, lines(x.attendance.iter()), x.attendance.len()),
        (load::PAYMENTS.name, lines(x.payments.values()), x.payments.len()),
        (load::PAYMENT_LINES.name, lines(x.payment_lines.iter()), x.payment_lines.len()),
        (load::SSP_EVENTS.name, lines(x.ssp_events.values()), x.ssp_events.len()),
        (load::OVERPAYMENTS.name, lines(x.overpayments.values()), x.overpayments.len()),
        (load::SSP_CASES.name, lines(x.ssp_cases.values()), x.ssp_cases.len()),
    ];
    let mut out = Vec::new();
    for (file, kept_lines, records) in kept {
        let c = v.counts.get(file).cloned().unwrap_or_default();
        // Rows start after the header (line 1); file-level problems have no line.
        let error_lines: BTreeSet<u64> =
            v.problems.iter().filter(|p| p.is_error() && p.file == file).filter_map(|p| p.line).filter(|&l| l > 1).collect();
        let kept_with_errors = kept_lines.intersection(&error_lines).count();
        let b = |what, expected, found| Balance { file, what, expected, found };
        out.push(b("rows read = accepted + rejected", c.rows, c.accepted + c.rejected));
        out.push(b("records accepted = records kept", c.accepted, records));
        out.push(b("records kept on distinct lines", records, kept_lines.len()));
        out.push(b("rows rejected = rows with an error in the rejects", c.rejected, error_lines.len() - kept_with_errors));
        out.push(b("records kept that have an error", 0, kept_with_errors));
    }
    out
}

/// Puts problems in report order: load problems of whole files first, then
/// by the files' order in the format, line and severity.
pub fn sort_problems(problems: &mut [Problem]) {
    let order = |f: &str| load::FILES.iter().position(|s| s.name == f).unwrap_or(usize::MAX);
    problems.sort_by(|a, b| (order(&a.file), &a.file, a.line, a.severity).cmp(&(order(&b.file), &b.file, b.line, b.severity)));
}

/// Records that know where they came from.
pub trait HasOrigin {
    /// File and line.
    fn origin(&self) -> &Origin;
}

/// Records that can name themselves in a message.
pub trait HasKey {
    /// `payee 100200300`, `attendance for line 1000004007 on 2026-10-02`.
    fn key_label(&self) -> String;
}

macro_rules! has_origin {
    ($($t:ty => |$r:ident| $label:expr;)+) => {$(
        impl HasOrigin for $t { fn origin(&self) -> &Origin { &self.origin } }
        impl HasKey for $t { fn key_label(&self) -> String { let $r = self; $label } }
    )+};
}

has_origin! {
    Payee => |r| format!("payee {}", r.payee_number);
    Provider => |r| format!("provider {}", r.provider_number);
    Client => |r| format!("client {}", r.client_id);
    Worker => |r| format!("worker {}", r.worker_id);
    Authorization => |r| format!("authorization line {}", r.reference_number);
    InvoiceClaim => |r| format!("claim for line {} in {}", r.reference_number, r.month);
    Attendance => |r| format!("attendance for line {} on {}", r.reference_number, r.date);
    Payment => |r| format!("payment {}", r.payment_id);
    PaymentLine => |r| format!("line {} of payment {}", r.line_no, r.payment_id);
    SspEvent => |r| format!("event {}", r.event_id);
    StaffOverpayment => |r| format!("overpayment {}", r.overpayment_id);
    SspCase => |r| format!("case {}", r.au_number);
}

#[cfg(test)]
mod tests;
