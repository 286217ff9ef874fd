//! Stage 2, validate: raw rows → typed records, every rule checked.
//!
//! Each row is checked against every rule of the record format (see
//! `docs/records.md`); a row that breaks any rule is rejected and every
//! broken rule is reported, not only the first. Then the cross-file
//! references are checked in dependency order, and a record whose reference
//! points at a rejected record is rejected too, naming that cause. Nothing
//! is dropped silently: every row of every file ends up either in the
//! [`Extract`] or in the problems list, and [`FileCounts`] proves it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::calendar::Holidays;
use crate::load::{self, FileSpec, Loaded, RawRow, TableState};
use crate::model::*;
use crate::money::Quantity;
use crate::problem::{mask_tin, Problem};

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

/// Typed access to one row's cells, collecting every problem.
struct Cells<'a> {
    spec: &'static FileSpec,
    row: &'a RawRow,
    problems: Vec<Problem>,
}

impl<'a> Cells<'a> {
    fn new(spec: &'static FileSpec, row: &'a RawRow) -> Cells<'a> {
        Cells { spec, row, problems: row.problems.clone() }
    }

    fn raw(&self, col: &str) -> Option<&'a str> {
        self.row.cells[self.spec.col(col)].as_deref()
    }

    fn fail(&mut self, col: &str, value: Option<&str>, rule: impl Into<String>) {
        let shown = if col == "tin" { value.map(mask_tin) } else { value.map(str::to_string) };
        self.problems.push(Problem::error(self.spec.name, Some(self.row.line), Some(col), shown.as_deref(), rule));
    }

    /// A broken rule about a cell whose value is not echoed (too long to).
    fn fail_withheld(&mut self, col: &str, rule: impl Into<String>) {
        self.problems.push(Problem::error(self.spec.name, Some(self.row.line), Some(col), None, rule).withheld());
    }

    /// A required cell; reports when empty (unless a load problem already
    /// explains why it is empty).
    fn required(&mut self, col: &str) -> Option<&'a str> {
        let v = self.raw(col);
        if v.is_none() && !self.problems.iter().any(|p| p.column.as_deref() == Some(col)) {
            self.fail(col, None, "is required");
        }
        v
    }

    fn text(&mut self, col: &str) -> Option<String> {
        self.required(col).map(str::to_string)
    }

    fn opt_text(&self, col: &str) -> Option<String> {
        self.raw(col).map(str::to_string)
    }

    fn check_id(&mut self, col: &str, v: &str) -> Option<Id> {
        let id = Id::parse(v);
        if id.is_none() {
            self.fail(col, Some(v), "an identifier is 1 to 20 letters, digits or hyphens (no spaces or other signs)");
        }
        id
    }

    fn id(&mut self, col: &str) -> Option<Id> {
        let v = self.required(col)?;
        self.check_id(col, v)
    }

    fn opt_id(&mut self, col: &str) -> Result<Option<Id>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.check_id(col, v).map(Some).ok_or(()),
        }
    }

    fn parse_date(&mut self, col: &str, v: &str) -> Option<NaiveDate> {
        let b = v.as_bytes();
        let shaped = b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        let d = if shaped { NaiveDate::parse_from_str(v, "%Y-%m-%d").ok() } else { None };
        if d.is_none() {
            if shaped {
                self.fail(col, Some(v), "is not a real calendar date");
            } else {
                self.fail(col, Some(v), "a date is written YYYY-MM-DD, like 2026-10-31");
            }
        }
        d
    }

    fn date(&mut self, col: &str) -> Option<NaiveDate> {
        let v = self.required(col)?;
        self.parse_date(col, v)
    }

    fn opt_date(&mut self, col: &str) -> Result<Option<NaiveDate>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.parse_date(col, v).map(Some).ok_or(()),
        }
    }

    fn month(&mut self, col: &str) -> Option<Month> {
        let v = self.required(col)?;
        let m = Month::parse(v);
        if m.is_none() {
            self.fail(col, Some(v), "a month is written YYYY-MM, like 2026-10");
        }
        m
    }

    fn parse_decimal(&mut self, col: &str, v: &str, negative_ok: bool, kind: Quantity) -> Option<Decimal> {
        let d = parse_amount(v);
        match d {
            None => {
                self.fail(col, Some(v), kind.rule());
                None
            }
            Some(d) if d.is_sign_negative() && !d.is_zero() && !negative_ok => {
                self.fail(col, Some(v), "may not be negative");
                None
            }
            Some(d) if d.abs() > kind.max() => {
                self.fail(col, Some(v), kind.too_large());
                None
            }
            Some(d) => Some(d),
        }
    }

    /// Money or units: never negative unless `negative_ok`.
    fn decimal(&mut self, col: &str, negative_ok: bool, kind: Quantity) -> Option<Decimal> {
        let v = self.required(col)?;
        self.parse_decimal(col, v, negative_ok, kind)
    }

    fn opt_decimal(&mut self, col: &str, negative_ok: bool, kind: Quantity) -> Result<Option<Decimal>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.parse_decimal(col, v, negative_ok, kind).map(Some).ok_or(()),
        }
    }

    fn code<T>(&mut self, col: &str, parse: fn(&str) -> Option<T>, expected: String) -> Option<T> {
        let v = self.required(col)?;
        let c = parse(v);
        if c.is_none() {
            self.fail(col, Some(v), format!("must be {expected}"));
        }
        c
    }

    fn opt_code<T>(&mut self, col: &str, parse: fn(&str) -> Option<T>, expected: String, default: T) -> Option<T> {
        match self.raw(col) {
            None => Some(default),
            Some(v) => {
                let c = parse(v);
                if c.is_none() {
                    self.fail(col, Some(v), format!("must be {expected} (or empty)"));
                }
                c
            }
        }
    }

    fn flag(&mut self, col: &str, default: bool) -> Option<bool> {
        match self.raw(col) {
            None => Some(default),
            Some("Y") => Some(true),
            Some("N") => Some(false),
            Some(v) => {
                self.fail(col, Some(v), "must be Y or N (or empty)");
                None
            }
        }
    }

    /// Address columns; `required` for payees, optional for clients (but
    /// one that is given must be whole). An address that is missing a part
    /// or has a malformed state or ZIP does not reject the record: it is
    /// kept as given, marked not mailable, and reported as `unmailable`
    /// naming `recipient` and the field, so the record's documents are still
    /// made (for download) and the mailroom knows what to fix.
    fn address(&mut self, required: bool, recipient: Option<&str>, consequence: &str) -> Option<Address> {
        let cols = ["address_line1", "address_line2", "city", "state", "zip"];
        if !required && !cols.iter().any(|c| self.raw(c).is_some()) {
            return None;
        }
        let to = recipient.map_or_else(String::new, |r| format!(" to {r}"));
        let consequence = format!("the address cannot be mailed{to}; {consequence}");
        let mut mailable = true;
        let mut part = |this: &mut Self, col: &str, ok: fn(&str) -> bool, rule: &str| -> String {
            let v = this.raw(col);
            let fine = v.is_some_and(ok);
            if !fine {
                mailable = false;
                let rule = match v {
                    None => format!("is required: {consequence}"),
                    Some(_) => format!("{rule}: {consequence}"),
                };
                this.problems.push(Problem::unmailable(this.spec.name, Some(this.row.line), Some(col), v, rule));
            }
            // A value shaped like a TIN is never kept for a document (a
            // shifted column); the problem shows it masked.
            let v = v.filter(|v| fine || !crate::load::holds_tin(v, false));
            v.unwrap_or("").to_string()
        };
        let line1 = part(self, "address_line1", |_| true, "");
        let city = part(self, "city", |_| true, "");
        let state = part(self, "state", |s| USPS_STATES.contains(&s), "must be a two-letter USPS state code in capitals, like WA");
        let zip = part(self, "zip", valid_zip, "a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923");
        Some(Address { line1, line2: self.opt_text("address_line2"), city, state, zip, mailable })
    }

    fn ok(&self) -> bool {
        !self.problems.iter().any(Problem::is_error)
    }
}

/// Parses a format decimal: optional `-`, digits, optional `.` and 1–2 digits.
pub fn parse_amount(v: &str) -> Option<Decimal> {
    let body = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int_ok = !int.is_empty() && int.len() <= 15 && int.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = frac.is_none_or(|f| (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    if !(int_ok && frac_ok) {
        return None;
    }
    v.parse::<Decimal>().ok()
}

fn valid_zip(z: &str) -> bool {
    let b = z.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (b.len() == 5 && digits(b)) || (b.len() == 10 && digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]))
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '"'))
        && !domain.contains('@')
}

/// USPS state and territory codes, including military (AA, AE, AP).
const USPS_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA",
    "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX",
    "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// Washington's 39 counties (provider county decides the subsidy region).
pub const WA_COUNTIES: &[&str] = &[
    "Adams",
    "Asotin",
    "Benton",
    "Chelan",
    "Clallam",
    "Clark",
    "Columbia",
    "Cowlitz",
    "Douglas",
    "Ferry",
    "Franklin",
    "Garfield",
    "Grant",
    "Grays Harbor",
    "Island",
    "Jefferson",
    "King",
    "Kitsap",
    "Kittitas",
    "Klickitat",
    "Lewis",
    "Lincoln",
    "Mason",
    "Okanogan",
    "Pacific",
    "Pend Oreille",
    "Pierce",
    "San Juan",
    "Skagit",
    "Skamania",
    "Snohomish",
    "Spokane",
    "Stevens",
    "Thurston",
    "Wahkiakum",
    "Walla Walla",
    "Whatcom",
    "Whitman",
    "Yakima",
];

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
    let mut lines: Vec<PaymentLine> = v.whole(taken(load::PAYMENT_LINES.name)).into_iter().filter_map(|r| v.payment_line(&r)).collect();
    for row in v.whole(taken(load::SSP_EVENTS.name)) {
        let row = &row;
        if let Some(e) = v.ssp_event(row) {
            v.insert_unique(&mut x.ssp_events, e.event_id.clone(), e, "event_id", row.line);
        }
    }

    // Cross-file references, in dependency order.
    let mut known: BTreeMap<&'static str, BTreeSet<Id>> = BTreeMap::new();
    known.insert(load::PAYEES.name, x.payees.keys().cloned().collect());
    v.retain_refs(&mut x.providers, load::PROVIDERS.name, "provider", &known, |p| {
        vec![("payee_number", "payee", load::PAYEES.name, p.payee_number.clone())]
    });
    known.insert(load::PROVIDERS.name, x.providers.keys().cloned().collect());
    known.insert(load::CLIENTS.name, x.clients.keys().cloned().collect());
    known.insert(load::WORKERS.name, x.workers.keys().cloned().collect());
    v.retain_refs(&mut x.authorizations, load::AUTHORIZATIONS.name, "authorization line", &known, |a| {
        vec![
            ("provider_number", "provider", load::PROVIDERS.name, a.provider_number.clone()),
            ("client_id", "client", load::CLIENTS.name, a.client_id.clone()),
            ("worker_id", "worker", load::WORKERS.name, a.worker_id.clone()),
        ]
    });
    known.insert(load::AUTHORIZATIONS.name, x.authorizations.keys().cloned().collect());
    x.invoice_claims = v.retain_refs_vec(claims, load::INVOICE_CLAIMS.name, &known, |c| {
        vec![("reference_number", "authorization line", load::AUTHORIZATIONS.name, c.reference_number.clone())]
    });
    x.attendance = v.retain_refs_vec(attendance, load::ATTENDANCE.name, &known, |a| {
        vec![("reference_number", "authorization line", load::AUTHORIZATIONS.name, a.reference_number.clone())]
    });
    v.retain_refs(&mut x.payments, load::PAYMENTS.name, "payment", &known, |p| {
        vec![("payee_number", "payee", load::PAYEES.name, p.payee_number.clone())]
    });
    v.check_payment_sums(&mut x.payments, &mut lines);
    known.insert(load::PAYMENTS.name, x.payments.keys().cloned().collect());
    x.payment_lines = v.retain_refs_vec(lines, load::PAYMENT_LINES.name, &known, |l| {
        vec![("payment_id", "payment", load::PAYMENTS.name, l.payment_id.clone())]
    });
    v.retain_refs(&mut x.ssp_events, load::SSP_EVENTS.name, "event", &known, |e| {
        vec![
            ("client_id", "client", load::CLIENTS.name, e.client_id.clone()),
            ("worker_id", "worker", load::WORKERS.name, e.worker_id.clone()),
        ]
    });
    // An SSP letter is mailed to the client: the client needs an address.
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
        v.reject_dependent(load::SSP_EVENTS.name, line, "client_id", client.as_str(), format!("event {id}"), {
            let m = format!("client {client} has no mailing address in clients.csv (line {client_line}); a letter cannot be sent");
            (m.clone(), m)
        });
    }

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
    let kept: [(&'static str, BTreeSet<u64>, usize); 10] = [
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

/// A reference to check: (column, what it names, target file, the key).
type RefCheck = (&'static str, &'static str, &'static str, Id);
/// Accepted keys per file.
type Known = BTreeMap<&'static str, BTreeSet<Id>>;

struct Validator {
    problems: Vec<Problem>,
    rejected: RejectedKeys,
    counts: BTreeMap<&'static str, FileCounts>,
    present: BTreeSet<&'static str>,
}

impl Validator {
    /// Keeps the rows whose shape is whole; a broken one (field count, a
    /// swallowed line break) is rejected here, its problem reported and its
    /// cells never read.
    fn whole(&mut self, mut rows: Vec<RawRow>) -> Vec<RawRow> {
        rows.retain_mut(|r| {
            if r.broken {
                self.problems.append(&mut r.problems);
            }
            !r.broken
        });
        rows
    }

    /// Records the row's problems; `Some(record)` when it has no error.
    fn finish<T>(&mut self, cells: Cells<'_>, key_col: &str, label: &str, record: Option<T>) -> Option<T> {
        let key = cells.raw(key_col).map(str::to_string);
        let rec_label = key.as_ref().map(|k| format!("{label} {k}"));
        self.finish_labeled(cells, key, rec_label, record)
    }

    /// As [`Self::finish`], with the record's key and label given.
    fn finish_labeled<T>(&mut self, cells: Cells<'_>, key: Option<String>, rec_label: Option<String>, record: Option<T>) -> Option<T> {
        let ok = cells.ok() && record.is_some();
        let first_error = cells.problems.iter().find(|p| p.is_error()).map(|p| {
            let col = p.column.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
            format!("{col}{}", p.rule)
        });
        for p in cells.problems {
            self.problems.push(p.for_record(rec_label.clone()));
        }
        if !ok {
            if let Some(k) = key {
                self.rejected.add(cells.spec.name, &k, cells.row.line, first_error.unwrap_or_default());
            }
            return None;
        }
        record
    }

    fn insert_unique<T>(&mut self, map: &mut BTreeMap<Id, T>, key: Id, rec: T, col: &'static str, line: u64)
    where
        T: HasOrigin + HasKey,
    {
        let file = rec.origin().file;
        let first = match (map.get(&key), self.rejected.get(file, key.as_str())) {
            (Some(first), _) => Some(format!("line {} has the same value", first.origin().line)),
            (None, Some(r)) => Some(format!("line {} has the same value (and was rejected)", r.line)),
            (None, None) => None,
        };
        if let Some(first) = first {
            self.problems.push(
                Problem::error(
                    file,
                    Some(line),
                    Some(col),
                    Some(key.as_str()),
                    format!("must be unique, but {first}; this row is rejected"),
                )
                .for_record(Some(rec.key_label())),
            );
            return;
        }
        map.insert(key, rec);
    }

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

    fn retain_refs<T: HasOrigin + HasKey>(
        &mut self,
        map: &mut BTreeMap<Id, T>,
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
    fn check_payment_sums(&mut self, payments: &mut BTreeMap<Id, Payment>, lines: &mut Vec<PaymentLine>) {
        let mut seen: BTreeMap<(Id, u32), u64> = BTreeMap::new();
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
        let mut sums: BTreeMap<&Id, (Option<Decimal>, usize)> = BTreeMap::new();
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

    fn payee(&mut self, row: &RawRow) -> Option<Payee> {
        let spec = &load::PAYEES;
        let mut c = Cells::new(spec, row);
        let payee_number = c.id("payee_number");
        let name = c.text("name");
        let dba_name = c.opt_text("dba_name");
        let consequence = match c.raw("delivery") {
            Some("email") => "nothing is mailed now (delivery is email), but fix it before choosing mail",
            _ => "their documents are made for download only (channel unmailable) until it is fixed",
        };
        let address = c.address(true, name.as_deref(), consequence);
        let tin_type = c.code("tin_type", TinType::parse, TinType::expected());
        let tin_raw = c.required("tin");
        let tin = match (tin_raw, tin_type) {
            (Some(raw), Some(kind)) => {
                let t = Tin::parse(raw, kind);
                if t.is_none() {
                    c.fail("tin", Some(raw), "a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN");
                }
                t
            }
            _ => None,
        };
        let delivery = c.opt_code("delivery", Delivery::parse, Delivery::expected(), Delivery::Mail);
        let email = c.opt_text("email");
        match (&delivery, &email) {
            (Some(Delivery::Email | Delivery::Both), None) => {
                c.fail("email", None, "an email address is required when delivery is email or both")
            }
            (_, Some(e)) if !valid_email(e) => {
                let e = e.clone();
                c.fail("email", Some(&e), "must be one email address, like billing@example.org")
            }
            _ => {}
        }
        let language = c.opt_code("language", Language::parse, Language::expected(), Language::En);
        let direct_deposit = c.flag("direct_deposit", false);
        let reportable_1099 = c.flag("reportable_1099", true);
        let consent = c.flag("consent_electronic_1099", false);
        let rec = (|| {
            Some(Payee {
                origin: Origin { file: spec.name, line: row.line },
                payee_number: payee_number?,
                name: name?,
                dba_name,
                address: address?,
                tin: tin?,
                delivery: delivery?,
                email,
                language: language?,
                direct_deposit: direct_deposit?,
                reportable_1099: reportable_1099?,
                consent_electronic_1099: consent?,
            })
        })();
        self.finish(c, "payee_number", "payee", rec)
    }

    fn provider(&mut self, row: &RawRow) -> Option<Provider> {
        let spec = &load::PROVIDERS;
        let mut c = Cells::new(spec, row);
        let provider_number = c.id("provider_number");
        let payee_number = c.id("payee_number");
        let name = c.text("name");
        let provider_type = c.code("provider_type", ProviderType::parse, ProviderType::expected());
        let county = c.required("county").and_then(|v| {
            let found = WA_COUNTIES.iter().find(|k| k.eq_ignore_ascii_case(v)).map(|k| k.to_string());
            if found.is_none() {
                c.fail("county", Some(v), "must be one of Washington's 39 counties, like King or Grays Harbor");
            }
            found
        });
        let phone = c.opt_text("phone");
        let rec = (|| {
            Some(Provider {
                origin: Origin { file: spec.name, line: row.line },
                provider_number: provider_number?,
                payee_number: payee_number?,
                name: name?,
                provider_type: provider_type?,
                county: county?,
                phone,
            })
        })();
        self.finish(c, "provider_number", "provider", rec)
    }

    fn client(&mut self, row: &RawRow) -> Option<Client> {
        let spec = &load::CLIENTS;
        let mut c = Cells::new(spec, row);
        let client_id = c.id("client_id");
        let case_number = c.id("case_number");
        let first_name = c.text("first_name");
        let last_name = c.text("last_name");
        let birth_date = c.date("birth_date");
        let recipient = match (&first_name, &last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            _ => None,
        };
        let address = c.address(false, recipient.as_deref(), "letters to this client cannot be mailed until it is fixed");
        let language = c.opt_code("language", Language::parse, Language::expected(), Language::En);
        let rec = (|| {
            Some(Client {
                origin: Origin { file: spec.name, line: row.line },
                client_id: client_id?,
                case_number: case_number?,
                first_name: first_name?,
                last_name: last_name?,
                birth_date: birth_date?,
                address,
                language: language?,
            })
        })();
        self.finish(c, "client_id", "client", rec)
    }

    fn worker(&mut self, row: &RawRow) -> Option<Worker> {
        let spec = &load::WORKERS;
        let mut c = Cells::new(spec, row);
        let worker_id = c.id("worker_id");
        let name = c.text("name");
        let phone = c.text("phone");
        let office = c.opt_text("office");
        let rec = (|| {
            Some(Worker { origin: Origin { file: spec.name, line: row.line }, worker_id: worker_id?, name: name?, phone: phone?, office })
        })();
        self.finish(c, "worker_id", "worker", rec)
    }

    fn authorization(&mut self, row: &RawRow) -> Option<Authorization> {
        let spec = &load::AUTHORIZATIONS;
        let mut c = Cells::new(spec, row);
        let reference_number = c.required("reference_number").and_then(|v| {
            let ok = v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                c.fail("reference_number", Some(v), "a reference number is exactly 10 digits");
            }
            ok.then(|| Id::parse(v)).flatten()
        });
        let authorization_number = c.id("authorization_number");
        let provider_number = c.id("provider_number");
        let client_id = c.id("client_id");
        let worker_id = c.id("worker_id");
        let program = c.code("program", Program::parse, Program::expected());
        let service_code = c.required("service_code").and_then(|v| {
            let ok = v.chars().count() == 4 && v.bytes().all(|b| b.is_ascii_alphanumeric());
            if !ok {
                c.fail("service_code", Some(v), "a service code is 4 letters or digits, like 4301");
            }
            ok.then(|| v.to_string())
        });
        let service_name = c.text("service_name");
        let service_kind = c.code("service_kind", ServiceKind::parse, ServiceKind::expected());
        let unit = c.code("unit", Unit::parse, Unit::expected());
        let units_authorized = c.decimal("units_authorized", false, Quantity::Units);
        let rate = c.decimal("rate", false, Quantity::Rate);
        let copay = c.opt_decimal("copay", false, Quantity::Rate);
        let start_date = c.date("start_date");
        let end_date = c.date("end_date");
        if let (Some(s), Some(e)) = (start_date, end_date) {
            if e < s {
                c.fail("end_date", Some(&e.to_string()), format!("the service period ends before it starts ({s})"));
            } else if s.checked_add_months(Months::new(6)).is_some_and(|limit| e >= limit) {
                c.fail("end_date", Some(&e.to_string()), format!("a service period is at most 6 months long; this one starts {s}"));
            }
        }
        let reporting_unit = c.id("reporting_unit");
        let action = match c.raw("action") {
            None => Some(None),
            Some(_) => c.opt_code("action", |s| Action::parse(s).map(Some), Action::expected(), None),
        };
        let action_date = c.opt_date("action_date");
        match (&action, &action_date) {
            (Some(Some(_)), Ok(None)) => c.fail("action_date", None, "is required when action is set"),
            (Some(None), Ok(Some(d))) => {
                let p = Problem::warning(
                    spec.name,
                    Some(row.line),
                    Some("action_date"),
                    Some(&d.to_string()),
                    "an action_date without an action is ignored",
                );
                c.problems.push(p);
            }
            _ => {}
        }
        let rec = (|| {
            Some(Authorization {
                origin: Origin { file: spec.name, line: row.line },
                reference_number: reference_number?,
                authorization_number: authorization_number?,
                provider_number: provider_number?,
                client_id: client_id?,
                worker_id: worker_id?,
                program: program?,
                service_code: service_code?,
                service_name: service_name?,
                service_kind: service_kind?,
                unit: unit?,
                units_authorized: units_authorized?,
                rate: rate?,
                copay: copay.ok()?,
                start_date: start_date?,
                end_date: end_date?,
                reporting_unit: reporting_unit?,
                action: action?,
                action_date: if action.flatten().is_some() { action_date.ok()? } else { None },
            })
        })();
        self.finish(c, "reference_number", "authorization line", rec)
    }

    fn claim(&mut self, row: &RawRow) -> Option<InvoiceClaim> {
        let spec = &load::INVOICE_CLAIMS;
        let mut c = Cells::new(spec, row);
        let invoice_number = c.id("invoice_number");
        let reference_number = c.id("reference_number");
        let month = c.month("month");
        let units_claimed = c.decimal("units_claimed", false, Quantity::Units);
        let corrected_rate = c.opt_decimal("corrected_rate", false, Quantity::Rate);
        let rec = (|| {
            Some(InvoiceClaim {
                origin: Origin { file: spec.name, line: row.line },
                invoice_number: invoice_number?,
                reference_number: reference_number?,
                month: month?,
                units_claimed: units_claimed?,
                corrected_rate: corrected_rate.ok()?,
            })
        })();
        self.finish(c, "reference_number", "claim for line", rec)
    }

    fn attendance(&mut self, row: &RawRow, holidays: &Holidays) -> Option<Attendance> {
        let spec = &load::ATTENDANCE;
        let mut c = Cells::new(spec, row);
        let reference_number = c.id("reference_number");
        let date = c.date("date");
        let mark = c.code("mark", Mark::parse, Mark::expected());
        let hours = c.opt_decimal("hours", false, Quantity::Units);
        if let Ok(Some(h)) = hours {
            if h > Decimal::from(24) {
                c.fail("hours", Some(&h.to_string()), "hours in care in one day cannot be more than 24");
            }
        }
        if let (Some(Mark::Holiday), Some(d)) = (mark, date) {
            match holidays.is_holiday(d) {
                Some(true) => {}
                Some(false) => c.fail("mark", Some("H"), format!("{d} is not a Washington state holiday, so it cannot be marked H")),
                None => c.fail(
                    "mark",
                    Some("H"),
                    format!("the holiday calendar has no year {}; add it to data/holidays-wa.toml", d.format("%Y")),
                ),
            }
        }
        let rec = (|| {
            Some(Attendance {
                origin: Origin { file: spec.name, line: row.line },
                reference_number: reference_number?,
                date: date?,
                mark: mark?,
                hours: hours.ok()?,
            })
        })();
        self.finish(c, "reference_number", "attendance for line", rec)
    }

    fn payment(&mut self, row: &RawRow) -> Option<Payment> {
        let spec = &load::PAYMENTS;
        let mut c = Cells::new(spec, row);
        let payment_id = c.id("payment_id");
        let payee_number = c.id("payee_number");
        let issue_date = c.date("issue_date");
        let settlement_date = c.opt_date("settlement_date");
        let method = c.code("method", PaymentMethod::parse, PaymentMethod::expected());
        if let (Some(PaymentMethod::Eft), Ok(None)) = (method, settlement_date) {
            c.fail("settlement_date", None, "is required for an EFT payment");
        }
        if let (Some(i), Ok(Some(s))) = (issue_date, settlement_date) {
            if s < i {
                c.fail("settlement_date", Some(&s.to_string()), format!("funds cannot settle before the payment is issued ({i})"));
            }
        }
        let amount = c.decimal("amount", true, Quantity::Money);
        let rec = (|| {
            Some(Payment {
                origin: Origin { file: spec.name, line: row.line },
                payment_id: payment_id?,
                payee_number: payee_number?,
                issue_date: issue_date?,
                settlement_date: settlement_date.ok()?,
                method: method?,
                amount: amount?,
            })
        })();
        self.finish(c, "payment_id", "payment", rec)
    }

    fn payment_line(&mut self, row: &RawRow) -> Option<PaymentLine> {
        let spec = &load::PAYMENT_LINES;
        let mut c = Cells::new(spec, row);
        let payment_id = c.id("payment_id");
        let line_no = c.required("line_no").and_then(|v| {
            let n = v.parse::<u32>().ok().filter(|n| *n >= 1 && v.bytes().all(|b| b.is_ascii_digit()));
            if n.is_none() {
                c.fail("line_no", Some(v), "a line number is a whole number 1, 2, 3 …");
            }
            n
        });
        let reference_number = c.opt_id("reference_number");
        let invoice_number = c.opt_id("invoice_number");
        let service_month = c.month("service_month");
        let units = c.opt_decimal("units", false, Quantity::Units);
        let rate = c.opt_decimal("rate", false, Quantity::Rate);
        let amount = c.decimal("amount", true, Quantity::Money);
        let rec = (|| {
            Some(PaymentLine {
                origin: Origin { file: spec.name, line: row.line },
                payment_id: payment_id?,
                line_no: line_no?,
                reference_number: reference_number.ok()?,
                invoice_number: invoice_number.ok()?,
                service_month: service_month?,
                units: units.ok()?,
                rate: rate.ok()?,
                amount: amount?,
                adjustment_code: c.opt_text("adjustment_code"),
                description: c.opt_text("description"),
            })
        })();
        let label = match (c.raw("line_no"), c.raw("payment_id")) {
            (Some(n), Some(p)) => Some(format!("line {n} of payment {p}")),
            (None, Some(p)) => Some(format!("a line of payment {p}")),
            _ => None,
        };
        let key = c.raw("payment_id").map(str::to_string);
        self.finish_labeled(c, key, label, rec)
    }

    fn ssp_event(&mut self, row: &RawRow) -> Option<SspEvent> {
        let spec = &load::SSP_EVENTS;
        let mut c = Cells::new(spec, row);
        let event_id = c.id("event_id");
        let client_id = c.id("client_id");
        let au_number = c.id("au_number");
        let event = c.code("event", SspEventKind::parse, SspEventKind::expected());
        let program_type = c.code("program_type", SspProgramType::parse, SspProgramType::expected());
        let effective_date = c.date("effective_date");
        let amount = c.opt_decimal("amount", false, Quantity::Money);
        let previous_amount = c.opt_decimal("previous_amount", false, Quantity::Money);
        let reason_code = c.opt_text("reason_code");
        if let Some(r) = &reason_code {
            if !(r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit())) {
                let r = r.clone();
                c.fail("reason_code", Some(&r), "a reason code is 3 digits, like 111 or 599");
            }
        }
        let worker_id = c.id("worker_id");
        let eft = c.opt_code("eft", Eft::parse, Eft::expected(), Eft::None);
        let worker_text = c.opt_text("worker_text");
        if let Some(kind) = event {
            let needs_amount = matches!(kind, SspEventKind::Open | SspEventKind::Reopen | SspEventKind::AmountChange);
            if needs_amount && matches!(amount, Ok(None)) {
                let article = if kind.code().starts_with(['a', 'o']) { "an" } else { "a" };
                c.fail("amount", None, format!("is required for {article} {kind} event (the new monthly SSP amount)"));
            }
            if kind == SspEventKind::AmountChange && matches!(previous_amount, Ok(None)) {
                c.fail("previous_amount", None, "is required for an amount_change event");
            }
            if kind == SspEventKind::Close && reason_code.is_none() {
                c.fail("reason_code", None, "is required for a close event");
            }
        }
        if let Some(t) = &worker_text {
            let n = t.chars().count();
            let max = crate::compose::letter::WORKER_TEXT_MAX;
            let word_max = crate::compose::letter::WORKER_WORD_MAX;
            if n > max {
                c.fail_withheld("worker_text", format!("is {n} characters long; a letter has room for {max}"));
            } else if let Some(ch) = t.chars().find(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t')) {
                c.fail_withheld("worker_text", format!("contains the control character U+{:04X}, which cannot be printed", ch as u32));
            } else if let Some(w) = t.split_whitespace().find(|w| w.chars().count() > word_max) {
                let head: String = w.chars().take(20).collect();
                c.fail_withheld(
                    "worker_text",
                    format!(
                        "has a word of {} characters (\"{head}…\"); a line of the letter holds words of up to {word_max}",
                        w.chars().count()
                    ),
                );
            }
        }
        if reason_code.as_deref() == Some("599") && worker_text.is_none() {
            c.fail("worker_text", None, "reason 599 needs the worker's text explaining the closure; it is printed in the letter");
        }
        let rec = (|| {
            Some(SspEvent {
                origin: Origin { file: spec.name, line: row.line },
                event_id: event_id?,
                client_id: client_id?,
                au_number: au_number?,
                event: event?,
                program_type: program_type?,
                effective_date: effective_date?,
                amount: amount.ok()?,
                previous_amount: previous_amount.ok()?,
                reason_code,
                worker_id: worker_id?,
                eft: eft?,
                worker_text,
            })
        })();
        self.finish(c, "event_id", "event", rec)
    }
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
}

#[cfg(test)]
mod tests;
