//! Synthetic extract generator for load and performance testing (`ssps sample`).
//!
//! # Role
//! [`generate`] writes the five files the monthly 08-141 child-care invoice draws on
//! (`payees.csv`, `providers.csv`, `clients.csv`, `workers.csv`, `authorizations.csv`) in the
//! record format of `shared/spec/records.md`, at any scale: one payee per legal entity, one
//! invoice per provider, each provider with 1 to 14 authorization lines that overlap the
//! chosen month. The line-count distribution is calibrated so that 23,000 payees give about
//! 32,000 invoice pages at 6 lines a page (about 1.39 pages per payee), the size of a real
//! monthly SSPS run.
//!
//! The data looks real without being real: Washington's 39 counties, each with real cities
//! and ZIP codes; people's names of many origins, about 15% of children with a non-ASCII
//! first or last name (`Sofía`, `Nguyễn`, `Łukasz`, ...) and some with apostrophes
//! (`O'Brien`); fictional phone numbers (`555-01NN`); `example.org` mail addresses;
//! SSN-shaped and EIN-shaped TINs that are random digits.
//!
//! With `ssp_cases = N` it also writes N State Supplemental Payment clients (with
//! addresses, about 12% Spanish-speaking) into `clients.csv` and one case action each into
//! `ssp_events.csv`: approvals, closures with reason codes 109, 110, 111 and 599 (with the
//! worker's text), amount changes (341 and MIL amounts from $0.54) and SSI terminations,
//! effective the first day of the next month, for `ssps letters`.
//!
//! With `payments = N` it also writes `payments.csv` and `payment_lines.csv`: N payments
//! a payee, one a month ending with the chosen month, issued on the 10th (or the next
//! weekday), by EFT (with a settlement date two days later) or warrant as the payee's
//! `direct_deposit` says, each paying every authorization line of the payee for the month
//! before at its rate (days a little under the authorized maximum), with an occasional
//! overpayment recovery (`OVP`). The invoice numbers are those the invoices would carry.
//!
//! # Determinism
//! The same [`SampleOptions`] always produce byte-identical files, on any machine: the only
//! source of variety is a small SplitMix64 generator seeded from `seed`, each payee draws
//! from its own stream (derived from the seed and the payee's index), identifiers are
//! sequential, nothing reads the clock or iterates a hash map, and rows are written with
//! LF line ends. Rows are written as they are made, so memory stays small whatever the scale.
//!
//! # Bad rows
//! With `bad_rows = K`, K deliberately broken rows are appended at the ends of the files,
//! cycling through the 14 kinds of [`BAD_ROW_KINDS`] (so the first 14 rows are 14 different
//! kinds, spread over all five files). Each breaks exactly one rule and is otherwise valid:
//! it refers to records that exist, and it never changes a valid record (a duplicate
//! `payee_number` always comes after the payee that first used it). Every bad row is listed
//! in [`SampleReport::bad_rows`] with its file and line number (header = line 1); no field
//! contains a line break, so one record is one line.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

/// The files [`generate`] writes, in the order they are listed in the report.
pub const FILES: [&str; 5] = [PAYEES_CSV, PROVIDERS_CSV, CLIENTS_CSV, WORKERS_CSV, AUTHORIZATIONS_CSV];

const PAYEES_CSV: &str = "payees.csv";
const PROVIDERS_CSV: &str = "providers.csv";
const CLIENTS_CSV: &str = "clients.csv";
const WORKERS_CSV: &str = "workers.csv";
const AUTHORIZATIONS_CSV: &str = "authorizations.csv";

const PAYEE_HEADER: [&str; 16] = [
    "payee_number",
    "name",
    "dba_name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip",
    "tin",
    "tin_type",
    "delivery",
    "email",
    "language",
    "direct_deposit",
    "reportable_1099",
    "consent_electronic_1099",
];
const PROVIDER_HEADER: [&str; 6] = ["provider_number", "payee_number", "name", "provider_type", "county", "phone"];
const CLIENT_HEADER: [&str; 11] = [
    "client_id",
    "case_number",
    "first_name",
    "last_name",
    "birth_date",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip",
    "language",
];
const WORKER_HEADER: [&str; 4] = ["worker_id", "name", "phone", "office"];
const AUTH_HEADER: [&str; 18] = [
    "reference_number",
    "authorization_number",
    "provider_number",
    "client_id",
    "worker_id",
    "program",
    "service_code",
    "service_name",
    "service_kind",
    "unit",
    "units_authorized",
    "rate",
    "copay",
    "start_date",
    "end_date",
    "reporting_unit",
    "action",
    "action_date",
];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of payees (legal entities); at least 1. Providers, children and lines follow.
    pub payees: usize,
    /// The invoice month: any day of it (the first day is used).
    pub month: NaiveDate,
    /// Seed of the generator: the same options give the same bytes.
    pub seed: u64,
    /// Number of deliberately broken rows appended (see the module doc).
    pub bad_rows: usize,
    /// Payments per payee (`payments.csv`, `payment_lines.csv`): one a month,
    /// issued on the 10th (or the next weekday) of each of the `payments`
    /// months ending with `month`, each paying the month before for every
    /// authorization line of the payee; 0 writes neither file.
    pub payments: usize,
    /// State Supplemental Payment clients, each with one case action in
    /// `ssp_events.csv` (effective the first day of the next month) and an
    /// address in `clients.csv`; 0 writes no `ssp_events.csv`.
    pub ssp_cases: usize,
}

impl SampleOptions {
    /// Options for `payees` payees in the month of `month`, seed 0, no bad rows.
    pub fn new(payees: usize, month: NaiveDate) -> Self {
        SampleOptions { payees, month, seed: 0, bad_rows: 0, payments: 0, ssp_cases: 0 }
    }
}

/// What [`generate`] wrote. Counts are of valid records only; bad rows are listed apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleReport {
    /// Valid rows in `payees.csv`.
    pub payees: usize,
    /// Valid rows in `providers.csv` (one invoice each).
    pub providers: usize,
    /// Valid rows in `clients.csv` (children).
    pub clients: usize,
    /// Valid rows in `workers.csv`.
    pub workers: usize,
    /// Valid rows in `authorizations.csv`.
    pub authorizations: usize,
    /// Rows in `ssp_events.csv` (their clients are counted in `clients`).
    pub ssp_events: usize,
    /// Rows in `payments.csv`.
    pub payments: usize,
    /// Rows in `payment_lines.csv`.
    pub payment_lines: usize,
    /// The broken rows, in the order they were written.
    pub bad_rows: Vec<BadRow>,
}

/// One deliberately broken row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// File name inside the output directory, e.g. `authorizations.csv`.
    pub file: &'static str,
    /// 1-based line number in that file; the header is line 1.
    pub line: u64,
    /// What is wrong: one of [`BAD_ROW_KINDS`].
    pub what: &'static str,
}

/// Errors of [`generate`]; each I/O error names its path.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The options cannot be honoured.
    #[error("invalid sample options: {0}")]
    InvalidOptions(String),
    /// The output folder holds files ssps's sample did not write.
    #[error("refusing to write a sample into {0}: it is not empty and was not written by ssps sample (it has no {SAMPLE_MARKER} marker); nothing was changed, choose another --out folder")]
    NotASampleFolder(PathBuf),
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A file could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// The kinds of broken rows, in the order `--bad-rows` cycles through them.
pub const BAD_ROW_KINDS: [&str; 14] = [
    BadKind::Rate3.what(),
    BadKind::PayeeZip.what(),
    BadKind::BadDate.what(),
    BadKind::NegativeUnits.what(),
    BadKind::Tin8.what(),
    BadKind::SpaceId.what(),
    BadKind::UnknownProgram.what(),
    BadKind::DuplicatePayee.what(),
    BadKind::EndBeforeStart.what(),
    BadKind::EmailMissing.what(),
    BadKind::TooLong.what(),
    BadKind::Reference9.what(),
    BadKind::MissingProvider.what(),
    BadKind::MissingClient.what(),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadKind {
    Rate3,
    PayeeZip,
    BadDate,
    NegativeUnits,
    Tin8,
    SpaceId,
    UnknownProgram,
    DuplicatePayee,
    EndBeforeStart,
    EmailMissing,
    TooLong,
    Reference9,
    MissingProvider,
    MissingClient,
}

const BAD_CYCLE: [BadKind; 14] = [
    BadKind::Rate3,
    BadKind::PayeeZip,
    BadKind::BadDate,
    BadKind::NegativeUnits,
    BadKind::Tin8,
    BadKind::SpaceId,
    BadKind::UnknownProgram,
    BadKind::DuplicatePayee,
    BadKind::EndBeforeStart,
    BadKind::EmailMissing,
    BadKind::TooLong,
    BadKind::Reference9,
    BadKind::MissingProvider,
    BadKind::MissingClient,
];

impl BadKind {
    const fn what(self) -> &'static str {
        match self {
            BadKind::Rate3 => "rate with 3 decimals",
            BadKind::PayeeZip => "malformed zip 9850",
            BadKind::BadDate => "impossible date 2026-02-30",
            BadKind::NegativeUnits => "negative units_authorized",
            BadKind::Tin8 => "tin with 8 digits",
            BadKind::SpaceId => "identifier with a space",
            BadKind::UnknownProgram => "unknown program DAYCARE",
            BadKind::DuplicatePayee => "duplicate payee_number",
            BadKind::EndBeforeStart => "end_date before start_date",
            BadKind::EmailMissing => "delivery email with empty email",
            BadKind::TooLong => "service period longer than 6 months",
            BadKind::Reference9 => "reference_number of 9 digits",
            BadKind::MissingProvider => "provider_number that does not exist",
            BadKind::MissingClient => "client_id that does not exist",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------

/// The marker of a folder `ssps sample` wrote: only such a folder (or an
/// empty one) is written into.
pub const SAMPLE_MARKER: &str = ".ssps-sample";

/// Writes the files into `out_dir` (created if missing; an earlier sample's
/// files replaced, a folder it did not write refused) and reports what it
/// wrote.
///
/// # Errors
/// [`SampleError::InvalidOptions`] for zero payees or a month out of range;
/// [`SampleError::NotASampleFolder`] for a folder with other content;
/// [`SampleError::CreateDir`] or [`SampleError::Write`], naming the path, when the
/// directory or a file cannot be created or written.
pub fn generate(opts: &SampleOptions, out_dir: &Path) -> Result<SampleReport, SampleError> {
    if opts.payees == 0 {
        return Err(SampleError::InvalidOptions("payees must be at least 1".to_string()));
    }
    let m0 = opts.month.with_day(1).expect("day 1 exists in every month");
    let next_month =
        m0.checked_add_months(Months::new(1)).ok_or_else(|| SampleError::InvalidOptions(format!("month {m0} is out of range")))?;
    if m0.year() < 1900 {
        return Err(SampleError::InvalidOptions(format!("month {m0} is out of range")));
    }
    // Never overwrite an extract (or anything else) it did not write.
    let marker = out_dir.join(SAMPLE_MARKER);
    if out_dir.exists() {
        let empty =
            fs::read_dir(out_dir).map_err(|source| SampleError::CreateDir { path: out_dir.to_path_buf(), source })?.next().is_none();
        if !empty && !marker.is_file() {
            return Err(SampleError::NotASampleFolder(out_dir.to_path_buf()));
        }
    }
    fs::create_dir_all(out_dir).map_err(|source| SampleError::CreateDir { path: out_dir.to_path_buf(), source })?;
    fs::write(&marker, "ssps sample\n").map_err(|source| SampleError::Write { path: marker.clone(), source })?;

    // Pre-pass: the number of providers decides the number of workers, who must exist
    // before the authorizations that name them. Each payee's first draw is its count.
    let total_providers: usize = (0..opts.payees).map(|i| provider_count(&mut payee_rng(opts.seed, i))).sum();
    let worker_count = ((total_providers + 25) / 50).max(5);

    let mut workers_out = Out::create(out_dir, WORKERS_CSV, &WORKER_HEADER)?;
    let workers = make_workers(opts.seed, worker_count);
    for w in &workers {
        workers_out.write(&w.fields)?;
    }

    let days = (next_month - m0).num_days() as u32;
    let birth_hi = m0.pred_opt().expect("month is after 1900");
    let mut birth_lo = NaiveDate::from_ymd_opt(2012, 1, 1).expect("valid date");
    if birth_lo >= birth_hi {
        birth_lo = birth_hi - Months::new(12 * 12);
    }
    let mut g = Gen {
        m0,
        m_end: next_month.pred_opt().expect("valid date"),
        days,
        birth_lo,
        birth_hi,
        county_weights: COUNTIES.iter().map(|c| c.weight).collect(),
        workers,
        next_payee: FIRST_PAYEE,
        next_provider: FIRST_PROVIDER,
        next_client: FIRST_CLIENT,
        next_case: FIRST_CASE,
        next_auth: FIRST_AUTH,
        next_ref: FIRST_REFERENCE,
        payees: Out::create(out_dir, PAYEES_CSV, &PAYEE_HEADER)?,
        providers: Out::create(out_dir, PROVIDERS_CSV, &PROVIDER_HEADER)?,
        clients: Out::create(out_dir, CLIENTS_CSV, &CLIENT_HEADER)?,
        auths: Out::create(out_dir, AUTHORIZATIONS_CSV, &AUTH_HEADER)?,
        workers_out,
        first_valid: None,
        ordinal: 0,
        pay: if opts.payments > 0 {
            Some(Payments {
                per_payee: opts.payments,
                payments: Out::create(out_dir, PAYMENTS_CSV, &PAYMENT_HEADER)?,
                lines: Out::create(out_dir, PAYMENT_LINES_CSV, &PAYMENT_LINE_HEADER)?,
                next_id: FIRST_PAYMENT,
                buffer: Vec::new(),
            })
        } else {
            None
        },
    };

    for i in 0..opts.payees {
        g.payee(&mut payee_rng(opts.seed, i), i)?;
    }
    let mut ssp_events = 0;
    if opts.ssp_cases > 0 {
        let mut events = Out::create(out_dir, SSP_EVENTS_CSV, &SSP_HEADER)?;
        for k in 0..opts.ssp_cases {
            g.ssp_case(&mut Rng::stream(opts.seed, STREAM_SSP, k as u64), k, next_month, &mut events)?;
        }
        ssp_events = events.rows as usize;
        events.finish()?;
    }

    let (payments, payment_lines) = match g.pay.take() {
        Some(p) => {
            let counts = (p.payments.rows as usize, p.lines.rows as usize);
            p.payments.finish()?;
            p.lines.finish()?;
            counts
        }
        None => (0, 0),
    };
    let mut report = SampleReport {
        payments,
        payment_lines,
        ssp_events,
        payees: g.payees.rows as usize,
        providers: g.providers.rows as usize,
        clients: g.clients.rows as usize,
        workers: g.workers_out.rows as usize,
        authorizations: g.auths.rows as usize,
        bad_rows: Vec::with_capacity(opts.bad_rows),
    };
    let mut r = Rng::stream(opts.seed, STREAM_BAD, 0);
    for n in 0..opts.bad_rows {
        report.bad_rows.push(g.bad_row(&mut r, n)?);
    }

    for out in [g.payees, g.providers, g.clients, g.workers_out, g.auths] {
        out.finish()?;
    }
    Ok(report)
}

const FIRST_PAYEE: u64 = 300_000_001; // 9 digits
const FIRST_PROVIDER: u64 = 1_000_001; // 7 digits
const FIRST_CLIENT: u64 = 1_000_001; // `C` + 7 digits
const FIRST_CASE: u64 = 2_000_001; // `CS-` + 7 digits
const FIRST_AUTH: u64 = 1_000_001; // `A` + 7 digits
const FIRST_REFERENCE: u64 = 1_000_000_000; // 10 digits
const FIRST_WORKER: u64 = 10_001; // `W` + 5 digits

const STREAM_PAYEE: u64 = 1;
const STREAM_WORKER: u64 = 2;
const STREAM_BAD: u64 = 3;
const STREAM_SSP: u64 = 4;

const SSP_EVENTS_CSV: &str = "ssp_events.csv";
const SSP_HEADER: [&str; 12] = [
    "event_id",
    "client_id",
    "au_number",
    "event",
    "program_type",
    "effective_date",
    "amount",
    "previous_amount",
    "reason_code",
    "worker_id",
    "eft",
    "worker_text",
];
const PAYMENTS_CSV: &str = "payments.csv";
const PAYMENT_LINES_CSV: &str = "payment_lines.csv";
const PAYMENT_HEADER: [&str; 6] = ["payment_id", "payee_number", "issue_date", "settlement_date", "method", "amount"];
const PAYMENT_LINE_HEADER: [&str; 10] = [
    "payment_id",
    "line_no",
    "reference_number",
    "invoice_number",
    "service_month",
    "units",
    "rate",
    "amount",
    "adjustment_code",
    "description",
];
const FIRST_PAYMENT: u64 = 700_000_001; // 9 digits: warrant or EFT trace number

const FIRST_SSP_CLIENT: u64 = 8_000_001; // `C` + 7 digits, after the children's
const FIRST_SSP_CASE: u64 = 5_600_001; // `AC-` + 7 digits
const FIRST_SSP_AU: u64 = 7_700_001; // `SP-` + 7 digits
const FIRST_SSP_EVENT: u64 = 900_001; // `E` + 6 digits

/// What a worker writes when closing a case by hand (reason 599).
const SSP_WORKER_TEXTS: [&str; 4] = [
    "Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012.",
    "You told us on the phone that you moved to Oregon. SSP is paid only to Washington residents.",
    "Social Security says you are no longer blind, and you are not 65 or older. See WAC 388-474-0012.",
    "You asked us in writing to stop your SSP.",
];

/// `d`, or the Monday after when it falls on a weekend.
fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        chrono::Weekday::Sat => d + chrono::Duration::days(2),
        chrono::Weekday::Sun => d + chrono::Duration::days(1),
        _ => d,
    }
}

fn payee_rng(seed: u64, index: usize) -> Rng {
    Rng::stream(seed, STREAM_PAYEE, index as u64)
}

/// Providers per payee: 90% one, 7% two, 3% three.
fn provider_count(r: &mut Rng) -> usize {
    [1, 2, 3][r.weighted(&[900, 70, 30])]
}

/// Authorization lines per provider (index + 1 = lines). With 6 lines a page: 79% of
/// invoices have 1 page, 19% 2 pages, 2% 3 pages, so 1.23 pages a provider and, with
/// 1.13 providers a payee, 1.39 pages a payee (23,000 payees ≈ 32,000 pages).
const LINES_PER_PROVIDER: [u32; 14] = [230, 170, 120, 100, 90, 80, 50, 40, 30, 25, 25, 20, 12, 8];

/// Lines per child (index + 1): a base line and up to three extras.
const LINES_PER_CHILD: [u32; 4] = [55, 30, 12, 3];

/// A CSV output file that counts its rows.
struct Out {
    path: PathBuf,
    w: csv::Writer<File>,
    rows: u64,
}

impl Out {
    fn create(dir: &Path, name: &'static str, header: &[&str]) -> Result<Out, SampleError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| SampleError::Write { path: path.clone(), source })?;
        let w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).buffer_capacity(1 << 16).from_writer(file);
        let mut out = Out { path, w, rows: 0 };
        let result = out.w.write_record(header);
        result.map_err(|e| write_error(&out.path, e))?;
        Ok(out)
    }

    /// Writes one record; returns its line number (header = 1).
    fn write<T: AsRef<[u8]>>(&mut self, record: &[T]) -> Result<u64, SampleError> {
        debug_assert!(record.iter().all(|f| !f.as_ref().contains(&b'\n') && !f.as_ref().contains(&b'\r')));
        let result = self.w.write_record(record);
        result.map_err(|e| write_error(&self.path, e))?;
        self.rows += 1;
        Ok(self.rows + 1)
    }

    fn finish(mut self) -> Result<(), SampleError> {
        self.w.flush().map_err(|source| SampleError::Write { path: self.path.clone(), source })
    }
}

fn write_error(path: &Path, e: csv::Error) -> SampleError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    SampleError::Write { path: path.to_path_buf(), source }
}

struct Worker {
    id: String,
    reporting_unit: String,
    fields: [String; 4],
}

fn make_workers(seed: u64, count: usize) -> Vec<Worker> {
    let mut r = Rng::stream(seed, STREAM_WORKER, 0);
    (0..count)
        .map(|i| {
            let id = format!("W{}", FIRST_WORKER + i as u64);
            let (office, area) = *r.pick(OFFICES);
            let name = format!("{} {}", person_first(&mut r), person_last(&mut r));
            let phone = phone(&mut r, area);
            let letters = b"ABCDEFGHJKLMNPRSTWXY";
            let reporting_unit = format!("{}{}{}", r.range(1, 6), *r.pick(letters) as char, *r.pick(letters) as char);
            Worker { fields: [id.clone(), name, phone, office.to_string()], id, reporting_unit }
        })
        .collect()
}

/// What a bad row may refer to: a valid payee, provider, client and worker.
struct Anchor {
    payee: String,
    provider: String,
    provider_center: bool,
    client: String,
    worker: usize,
}

struct Gen {
    m0: NaiveDate,
    m_end: NaiveDate,
    days: u32,
    birth_lo: NaiveDate,
    birth_hi: NaiveDate,
    county_weights: Vec<u32>,
    workers: Vec<Worker>,
    next_payee: u64,
    next_provider: u64,
    next_client: u64,
    next_case: u64,
    next_auth: u64,
    next_ref: u64,
    payees: Out,
    providers: Out,
    clients: Out,
    workers_out: Out,
    auths: Out,
    first_valid: Option<Anchor>,
    /// The provider being written, as its payee's 0-based ordinal (its invoice letter).
    ordinal: usize,
    /// Payments, when asked for.
    pay: Option<Payments>,
}

/// The payments being written, and the current payee's lines to pay.
struct Payments {
    per_payee: usize,
    payments: Out,
    lines: Out,
    next_id: u64,
    buffer: Vec<PayLine>,
}

/// An authorization line as its payments need it.
struct PayLine {
    ordinal: usize,
    reference: String,
    unit: &'static str,
    units: u32,
    rate: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProviderType {
    Center,
    FamilyHome,
    InHome,
    Relative,
}

impl ProviderType {
    fn as_str(self) -> &'static str {
        match self {
            ProviderType::Center => "center",
            ProviderType::FamilyHome => "family_home",
            ProviderType::InHome => "in_home",
            ProviderType::Relative => "relative",
        }
    }
}

/// A payee as the rest of its records need it.
struct Payee {
    number: String,
    /// Name the facility goes by (dba, or the legal name without its suffix).
    facility: String,
    county: usize,
    city: &'static str,
    fields: Vec<String>,
}

/// Per-provider daily rates, in cents.
struct Rates {
    full: u64,
    half: u64,
    seasonal: u64,
}

/// One authorization line before it gets its identifiers.
struct Service {
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    unit: &'static str,
    units: u32,
    rate: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    Nonstandard,
    Infant,
    Registration,
    Activity,
    ExtendedHours,
    SpecialNeeds,
}

impl Gen {
    /// One SSP client (clients.csv) and their case action (ssp_events.csv).
    fn ssp_case(&mut self, r: &mut Rng, k: usize, effective: NaiveDate, events: &mut Out) -> Result<(), SampleError> {
        let client_id = format!("C{}", FIRST_SSP_CLIENT + k as u64);
        // The first five cases take the five actions in turn, the first of them a MIL
        // case at the lowest MIL amount, so even a small sample has every letter.
        let program = if k == 0 { "M" } else { ["I", "M", "A", "B"][r.weighted(&[300, 50, 450, 200])] };
        let (lo, hi) = if program == "A" { (1930, 1960) } else { (1945, 1995) };
        let birth = NaiveDate::from_ymd_opt(r.range(lo, hi) as i32, r.range(1, 12) as u32, r.range(1, 28) as u32).expect("valid date");
        let county = r.weighted(&self.county_weights);
        let (city, zip) = *r.pick(COUNTIES[county].places);
        let line2 = if r.chance(200) { format!("Apt {}", r.range(1, 300)) } else { String::new() };
        let language = if r.chance(120) { "es" } else { "" };
        self.clients.write(&[
            client_id.clone(),
            format!("AC-{}", FIRST_SSP_CASE + k as u64),
            person_first(r).to_string(),
            person_last(r).to_string(),
            birth.to_string(),
            format!("{} {}", r.range(10, 24999), r.pick(STREETS)),
            line2,
            city.to_string(),
            "WA".to_string(),
            zip.to_string(),
            language.to_string(),
        ])?;
        let actions = ["open", "reopen", "close", "amount_change", "ssi_termination"];
        let event = if k < actions.len() { actions[k] } else { actions[r.weighted(&[300, 50, 200, 300, 150])] };
        // MIL payments are whatever the client's 1974 level was, as low as $0.54 (seed 001).
        let amount = |r: &mut Rng| match program {
            "M" if k == 0 => money(54),
            "M" => money(r.range(54, 12_000)),
            _ => money([4600, 5400][r.below(2) as usize]),
        };
        let (new, previous, reason, text) = match event {
            "open" | "reopen" => (amount(r), String::new(), "", ""),
            "amount_change" => (amount(r), amount(r), if r.chance(700) { "341" } else { "" }, ""),
            "close" => match r.weighted(&[250, 100, 350, 300]) {
                0 => (String::new(), String::new(), "109", ""),
                1 => (String::new(), String::new(), "110", ""),
                2 => (String::new(), String::new(), "111", ""),
                _ => (String::new(), String::new(), "599", *r.pick(&SSP_WORKER_TEXTS)),
            },
            _ => (String::new(), String::new(), if r.chance(500) { "109" } else { "" }, ""),
        };
        let worker = &self.workers[r.below(self.workers.len() as u64) as usize].id;
        events.write(&[
            format!("E{}", FIRST_SSP_EVENT + k as u64),
            client_id,
            format!("SP-{}", FIRST_SSP_AU + k as u64),
            event.to_string(),
            program.to_string(),
            effective.to_string(),
            new,
            previous,
            reason.to_string(),
            worker.clone(),
            if r.chance(450) { "registered" } else { "none" }.to_string(),
            text.to_string(),
        ])?;
        Ok(())
    }

    fn payee(&mut self, r: &mut Rng, index: usize) -> Result<(), SampleError> {
        let n_providers = provider_count(r);
        let org = if n_providers > 1 { true } else { r.chance(350) };
        // The first 39 payees visit every county once, so any run of 39 or more payees
        // has all of them; the rest follow population, with a floor for small counties.
        let county = if index < COUNTIES.len() { index } else { r.weighted(&self.county_weights) };
        let number = self.next_payee;
        self.next_payee += 1;
        let payee = make_payee(r, number, org, county);
        self.payees.write(&payee.fields)?;

        let mut sites: Vec<&str> = Vec::with_capacity(n_providers);
        for j in 0..n_providers {
            let county = if j == 0 || r.chance(600) { payee.county } else { r.weighted(&self.county_weights) };
            let ptype = if org {
                // A multi-site organisation runs centers; a few single-site ones a home.
                if n_providers > 1 || r.chance(920) {
                    ProviderType::Center
                } else {
                    ProviderType::FamilyHome
                }
            } else {
                [ProviderType::FamilyHome, ProviderType::InHome, ProviderType::Relative][r.weighted(&[750, 130, 120])]
            };
            let name = if n_providers > 1 {
                let site = if j == 0 { payee.city } else { r.pick(COUNTIES[county].places).0 };
                let n_same = sites.iter().filter(|s| **s == site).count();
                sites.push(site);
                if n_same == 0 {
                    format!("{} - {}", payee.facility, site)
                } else {
                    format!("{} - {} {}", payee.facility, site, ["North", "East"][n_same - 1])
                }
            } else {
                payee.facility.clone()
            };
            let provider_number = self.next_provider.to_string();
            self.next_provider += 1;
            let phone = if r.chance(850) {
                let area = county_area(r, county);
                phone(r, area)
            } else {
                String::new()
            };
            self.providers.write(&[
                provider_number.as_str(),
                payee.number.as_str(),
                name.as_str(),
                ptype.as_str(),
                COUNTIES[county].name,
                phone.as_str(),
            ])?;
            let rates = provider_rates(r, ptype);
            let lines = r.weighted(&LINES_PER_PROVIDER) as u32 + 1;
            self.ordinal = j;
            self.children(r, &provider_number, ptype, &rates, lines)?;
            if self.first_valid.is_none() {
                self.first_valid = Some(Anchor {
                    payee: payee.number.clone(),
                    provider: provider_number.clone(),
                    provider_center: ptype == ProviderType::Center,
                    client: format!("C{FIRST_CLIENT}"),
                    worker: 0,
                });
            }
        }
        self.payments(r, &payee)
    }

    /// The payee's monthly payments for its authorization lines (none unless asked for).
    fn payments(&mut self, r: &mut Rng, payee: &Payee) -> Result<(), SampleError> {
        let m0 = self.m0;
        let Some(p) = self.pay.as_mut() else { return Ok(()) };
        let lines = std::mem::take(&mut p.buffer);
        let eft = payee.fields[13] == "Y";
        let payee_id = crate::model::Id::parse(&payee.number).expect("sample payee numbers are identifiers");
        for k in 0..p.per_payee {
            let issue_month = m0 - Months::new((p.per_payee - 1 - k) as u32);
            let service = crate::model::Month::of(issue_month.pred_opt().expect("month is after 1900"));
            let issue = weekday_on_or_after(issue_month.with_day(10).expect("the 10th exists"));
            let id = p.next_id.to_string();
            p.next_id += 1;
            let mut total: i64 = 0;
            let mut rows: Vec<[String; 10]> = Vec::with_capacity(lines.len() + 1);
            for (n, l) in lines.iter().enumerate() {
                let units = match l.unit {
                    "DA" => r.range(u64::from(l.units.saturating_sub(7).max(1)), u64::from(l.units)),
                    "HR" => r.range(1, u64::from(l.units.max(1))),
                    _ => u64::from(l.units),
                };
                let amount = units * l.rate;
                total += amount as i64;
                rows.push([
                    id.clone(),
                    (n + 1).to_string(),
                    l.reference.clone(),
                    crate::compose::invoice_number(&payee_id, l.ordinal, service),
                    service.to_string(),
                    units.to_string(),
                    money(l.rate),
                    money(amount),
                    String::new(),
                    String::new(),
                ]);
            }
            // Now and then an overpayment is recovered from a payment.
            if total > 20_000 && r.chance(30) {
                let recovered = (total / 10).min(12_000);
                total -= recovered;
                rows.push([
                    id.clone(),
                    (rows.len() + 1).to_string(),
                    String::new(),
                    String::new(),
                    service.to_string(),
                    String::new(),
                    String::new(),
                    format!("-{}", money(recovered as u64)),
                    "OVP".to_string(),
                    format!("Recovery of overpayment, notice VOP-{}-{:04}", service.year(), r.range(1, 9999)),
                ]);
            }
            let settlement = if eft { weekday_on_or_after(issue + chrono::Duration::days(2)).to_string() } else { String::new() };
            p.payments.write(&[
                id.clone(),
                payee.number.clone(),
                issue.to_string(),
                settlement,
                if eft { "EFT" } else { "WARRANT" }.to_string(),
                money(total as u64),
            ])?;
            for row in &rows {
                p.lines.write(row)?;
            }
        }
        Ok(())
    }

    /// Writes the children of one provider and their `lines` authorization lines.
    fn children(&mut self, r: &mut Rng, provider: &str, ptype: ProviderType, rates: &Rates, lines: u32) -> Result<(), SampleError> {
        let mut remaining = lines;
        let mut family: Option<(String, &'static str)> = None;
        while remaining > 0 {
            let client_id = format!("C{}", self.next_client);
            self.next_client += 1;
            let (case_number, last) = match &family {
                Some((case, last)) if r.chance(300) => (case.clone(), *last),
                _ => {
                    let case = format!("CS-{}", self.next_case);
                    self.next_case += 1;
                    (case, child_last(r))
                }
            };
            let first = child_first(r);
            let birth = self.birth_date(r);
            let language = if r.chance(120) { "es" } else { "" };
            self.write_client(&client_id, &case_number, first, last, &birth.to_string(), language)?;
            family = Some((case_number, last));

            let infant = birth + Months::new(12) > self.m0;
            let age_years = self.m0.years_since(birth).unwrap_or(0);
            let mut program = PROGRAMS[r.weighted(&PROGRAM_WEIGHTS)];
            if program == "SEASONAL" && age_years < 5 {
                program = "WCCC";
            }
            let base = base_service(r, program, ptype, rates, age_years);
            let mut extras: Vec<Extra> = if program == "SEASONAL" {
                vec![Extra::ExtendedHours, Extra::Nonstandard, Extra::Registration]
            } else {
                let mut v = vec![Extra::Nonstandard, Extra::Registration, Extra::SpecialNeeds];
                if program == "WCCC" {
                    v.push(Extra::Activity);
                }
                if infant {
                    v.push(Extra::Infant);
                }
                v
            };
            let wanted = r.weighted(&LINES_PER_CHILD) as u32 + 1;
            let k = wanted.min(remaining).min(1 + extras.len() as u32);
            // Partial Fisher-Yates: the first k-1 entries become the chosen extras.
            for x in 0..(k as usize - 1) {
                let y = x + r.below((extras.len() - x) as u64) as usize;
                extras.swap(x, y);
            }
            extras.truncate(k as usize - 1);

            let period = self.period(r);
            let worker = r.below(self.workers.len() as u64) as usize;
            let authorization = format!("A{}", self.next_auth);
            self.next_auth += 1;
            let copay = copay(r);
            let mut services = vec![base];
            services.extend(extras.iter().map(|e| extra_service(r, *e)));
            for (n, s) in services.iter().enumerate() {
                // Gaps of 1..=7 keep the last four digits distinct within an invoice.
                self.next_ref += 1 + r.below(7);
                let reference = self.next_ref.to_string();
                let copay = if n == 0 { copay.as_str() } else { "" };
                let line = AuthLine {
                    reference: &reference,
                    authorization: &authorization,
                    provider,
                    client: &client_id,
                    worker,
                    program,
                    service: s,
                    units: &s.units.to_string(),
                    rate: &money(s.rate),
                    copay,
                    start: &period.start.to_string(),
                    end: &period.end.to_string(),
                    action: period.action,
                    action_date: &period.action_date.map(|d| d.to_string()).unwrap_or_default(),
                };
                self.write_auth(&line)?;
                if let Some(p) = self.pay.as_mut() {
                    p.buffer.push(PayLine {
                        ordinal: self.ordinal,
                        reference: reference.clone(),
                        unit: s.unit,
                        units: s.units,
                        rate: s.rate,
                    });
                }
            }
            remaining -= k;
        }
        Ok(())
    }

    fn write_client(&mut self, id: &str, case: &str, first: &str, last: &str, birth: &str, language: &str) -> Result<u64, SampleError> {
        self.clients.write(&[id, case, first, last, birth, "", "", "", "", "", language])
    }

    fn write_auth(&mut self, l: &AuthLine<'_>) -> Result<u64, SampleError> {
        let w = &self.workers[l.worker];
        self.auths.write(&[
            l.reference,
            l.authorization,
            l.provider,
            l.client,
            &w.id,
            l.program,
            l.service.code,
            l.service.name,
            l.service.kind,
            l.service.unit,
            l.units,
            l.rate,
            l.copay,
            l.start,
            l.end,
            &w.reporting_unit,
            l.action,
            l.action_date,
        ])
    }

    fn birth_date(&self, r: &mut Rng) -> NaiveDate {
        // Young children are more common in care: 55% born in the last six years.
        let recent = self.birth_hi - Months::new(72);
        let lo = if r.chance(550) && recent > self.birth_lo { recent } else { self.birth_lo };
        let span = (self.birth_hi - lo).num_days() as u64;
        lo + chrono::Days::new(r.below(span + 1))
    }

    /// A service period of at most 6 months that overlaps the month: 90% cover the
    /// whole month, 5.5% start inside it, 4.5% end inside it.
    fn period(&self, r: &mut Rng) -> Period {
        let p = r.below(1000);
        let in_month = |r: &mut Rng, first: u32, last: u32| self.m0 + chrono::Days::new(r.range(u64::from(first), u64::from(last)));
        let (start, end, action, action_date) = if p < 55 {
            let start = in_month(r, 1, self.days - 1);
            let end = (start + Months::new(r.range(1, 6) as u32)).pred_opt().expect("date");
            let (action, date) =
                if r.chance(750) { ("new", Some(in_month(r, 0, (start - self.m0).num_days() as u32))) } else { ("", None) };
            (start, end, action, date)
        } else if p < 100 {
            let end = in_month(r, 0, self.days - 2);
            let start = self.m0 - Months::new(r.range(0, 5) as u32);
            let (action, date) =
                if r.chance(700) { ("terminate", Some(in_month(r, 0, (end - self.m0).num_days() as u32))) } else { ("", None) };
            (start, end, action, date)
        } else {
            let before = r.range(0, 5) as u32;
            let months = r.range(u64::from(before) + 1, 6) as u32;
            let start = self.m0 - Months::new(before);
            let end = (start + Months::new(months)).pred_opt().expect("date");
            let (action, date) = match r.below(1000) {
                0..=39 => ("change", Some(in_month(r, 0, self.days - 1))),
                40..=59 if before == 0 => ("new", Some(self.m0)),
                _ => ("", None),
            };
            (start, end, action, date)
        };
        debug_assert!(start <= self.m_end && end >= self.m0 && start <= end);
        Period { start, end, action, action_date }
    }

    // -----------------------------------------------------------------------------------
    // Bad rows
    // -----------------------------------------------------------------------------------

    fn bad_row(&mut self, r: &mut Rng, n: usize) -> Result<BadRow, SampleError> {
        let kind = BAD_CYCLE[n % BAD_CYCLE.len()];
        let cycle = (n / BAD_CYCLE.len()) as u64;
        let anchor = self.first_valid.as_ref().expect("at least one payee was written");
        let anchor_payee = anchor.payee.clone();
        let anchor_provider = anchor.provider.clone();
        let anchor_client = anchor.client.clone();
        let (file, line) = match kind {
            BadKind::PayeeZip | BadKind::Tin8 | BadKind::DuplicatePayee | BadKind::EmailMissing => {
                let county = r.weighted(&self.county_weights);
                let number = if kind == BadKind::DuplicatePayee {
                    // An earlier payee's number, never a later one's: rows are appended.
                    let used = self.next_payee - FIRST_PAYEE;
                    FIRST_PAYEE + (cycle * 7919 + 13) % used
                } else {
                    let n = self.next_payee;
                    self.next_payee += 1;
                    n
                };
                let org = r.chance(400);
                let mut p = make_payee(r, number, org, county);
                match kind {
                    BadKind::PayeeZip => p.fields[7] = "9850".to_string(),
                    BadKind::Tin8 => {
                        let digits = p.fields[8].len() - 1;
                        p.fields[8].truncate(digits);
                    }
                    BadKind::EmailMissing => {
                        p.fields[10] = "email".to_string();
                        p.fields[11] = String::new();
                    }
                    _ => {}
                }
                (PAYEES_CSV, self.payees.write(&p.fields)?)
            }
            BadKind::BadDate => {
                let id = format!("C{}", self.next_client);
                self.next_client += 1;
                let case = format!("CS-{}", self.next_case);
                self.next_case += 1;
                let (first, last) = (child_first(r), child_last(r));
                let line = self.write_client(&id, &case, first, last, "2026-02-30", "")?;
                (CLIENTS_CSV, line)
            }
            BadKind::SpaceId => {
                let id = format!("AB {}", 12 + cycle);
                match cycle % 3 {
                    0 => {
                        let phone = phone(r, "509");
                        let line = self.providers.write(&[
                            id.as_str(),
                            &anchor_payee,
                            "Broken Identifier Child Care",
                            "family_home",
                            "Yakima",
                            &phone,
                        ])?;
                        (PROVIDERS_CSV, line)
                    }
                    1 => {
                        let name = format!("{} {}", person_first(r), person_last(r));
                        let phone = phone(r, "360");
                        let line = self.workers_out.write(&[id.as_str(), &name, &phone, "CSO Olympia"])?;
                        (WORKERS_CSV, line)
                    }
                    _ => {
                        let case = format!("CS-{}", self.next_case);
                        self.next_case += 1;
                        let (first, last) = (child_first(r), child_last(r));
                        let birth = self.birth_date(r).to_string();
                        (CLIENTS_CSV, self.write_client(&id, &case, first, last, &birth, "")?)
                    }
                }
            }
            _ => {
                let anchor = self.first_valid.as_ref().expect("anchor");
                let (code, name) =
                    if anchor.provider_center { ("4301", "FULL DAY CARE CENTER") } else { ("4321", "FULL DAY CARE FAMILY HOME") };
                let worker = anchor.worker;
                let service = Service { code, name, kind: "full_day", unit: "DA", units: 22, rate: r.range(4000, 9000) };
                self.next_ref += 1;
                let mut reference = self.next_ref.to_string();
                let authorization = format!("A{}", self.next_auth);
                self.next_auth += 1;
                let mut provider = anchor_provider;
                let mut client = anchor_client;
                let mut program = "WCCC";
                let mut units = "22".to_string();
                let mut rate = money(service.rate);
                let mut start = self.m0;
                let mut end = self.m_end;
                match kind {
                    BadKind::Rate3 => {
                        rate = format!("{}.{:02}{}", r.range(20, 119), r.below(100), r.range(1, 9));
                    }
                    BadKind::NegativeUnits => units = "-22".to_string(),
                    BadKind::UnknownProgram => program = "DAYCARE",
                    BadKind::EndBeforeStart => {
                        start = self.m0 + chrono::Days::new(14);
                        end = self.m0 + chrono::Days::new(3);
                    }
                    BadKind::TooLong => {
                        start = self.m0 - Months::new(3);
                        end = (self.m0 + Months::new(6)).pred_opt().expect("date");
                    }
                    BadKind::Reference9 => reference = format!("{}", 100_000_000 + cycle * 37 + 5),
                    BadKind::MissingProvider => {
                        provider = (self.next_provider + 1000 + cycle).to_string();
                    }
                    BadKind::MissingClient => {
                        client = format!("C{}", self.next_client + 1000 + cycle);
                    }
                    _ => unreachable!("payee, client and identifier kinds are handled above"),
                }
                let line = AuthLine {
                    reference: &reference,
                    authorization: &authorization,
                    provider: &provider,
                    client: &client,
                    worker,
                    program,
                    service: &service,
                    units: &units,
                    rate: &rate,
                    copay: "",
                    start: &start.to_string(),
                    end: &end.to_string(),
                    action: "",
                    action_date: "",
                };
                (AUTHORIZATIONS_CSV, self.write_auth(&line)?)
            }
        };
        Ok(BadRow { file, line, what: kind.what() })
    }
}

struct AuthLine<'a> {
    reference: &'a str,
    authorization: &'a str,
    provider: &'a str,
    client: &'a str,
    worker: usize,
    program: &'static str,
    service: &'a Service,
    units: &'a str,
    rate: &'a str,
    copay: &'a str,
    start: &'a str,
    end: &'a str,
    action: &'static str,
    action_date: &'a str,
}

struct Period {
    start: NaiveDate,
    end: NaiveDate,
    action: &'static str,
    action_date: Option<NaiveDate>,
}

const PROGRAMS: [&str; 6] = ["WCCC", "SEASONAL", "TEEN_PARENT", "EFP", "CPS", "CWS"];
const PROGRAM_WEIGHTS: [u32; 6] = [800, 60, 40, 40, 35, 25];

fn provider_rates(r: &mut Rng, ptype: ProviderType) -> Rates {
    let full = match ptype {
        ProviderType::Center => r.range(5500, 12000),
        ProviderType::FamilyHome => r.range(3500, 8500),
        ProviderType::InHome | ProviderType::Relative => r.range(2400, 5500),
    };
    Rates { full, half: (full / 2).max(2000), seasonal: r.range(4000, 9000) }
}

fn base_service(r: &mut Rng, program: &str, ptype: ProviderType, rates: &Rates, age_years: u32) -> Service {
    let full_day = r.chance(680);
    let half_units = if r.chance(800) { 30 } else { 22 };
    let (code, name, kind, units, rate) = if program == "SEASONAL" {
        ("4331", "SEASONAL FULL MONTH CARE", "full_day", 31, rates.seasonal)
    } else if ptype == ProviderType::Center {
        if program == "CPS" && full_day {
            ("4311", "FULL DAY CARE CENTER CPS", "full_day", 22, rates.full)
        } else if full_day {
            ("4301", "FULL DAY CARE CENTER", "full_day", 22, rates.full)
        } else {
            ("4302", "HALF DAY CARE CENTER", "half_day", half_units, rates.half)
        }
    } else if age_years >= 6 && r.chance(350) {
        ("4323", "SCHOOL AGE CARE FAMILY HOME", "half_day", 22, rates.half)
    } else if full_day {
        ("4321", "FULL DAY CARE FAMILY HOME", "full_day", 22, rates.full)
    } else {
        ("4322", "HALF DAY CARE FAMILY HOME", "half_day", half_units, rates.half)
    };
    Service { code, name, kind, unit: "DA", units, rate }
}

fn extra_service(r: &mut Rng, extra: Extra) -> Service {
    let (code, name, kind, unit, units, rate) = match extra {
        Extra::Nonstandard => ("4385", "NON-STANDARD HOUR BONUS", "nonstandard_bonus", "MO", 1, 7500),
        Extra::Infant => ("4386", "INFANT BONUS", "infant_bonus", "EA", 1, 25000),
        Extra::Registration => ("4388", "REGISTRATION FEE", "registration_fee", "EA", 1, 5000),
        Extra::Activity => ("4390", "ACTIVITY FEE", "activity_fee", "MO", 1, 2000),
        Extra::ExtendedHours => ("4335", "SEASONAL EXTENDED HOURS", "extended_hours", "HR", 40, r.range(600, 950)),
        Extra::SpecialNeeds => ("4395", "SPECIAL NEEDS RATE", "special_needs", "DA", 22, r.range(2000, 3500)),
    };
    Service { code, name, kind, unit, units, rate }
}

/// The family's monthly co-payment: empty 30%, zero 25%, else 5.00..=250.00.
fn copay(r: &mut Rng) -> String {
    match r.below(100) {
        0..=29 => String::new(),
        30..=54 => "0.00".to_string(),
        _ => money(r.range(1, 50) * 500),
    }
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn phone(r: &mut Rng, area: &str) -> String {
    format!("({area}) 555-01{:02}", r.below(100))
}

fn county_area(r: &mut Rng, county: usize) -> &'static str {
    match COUNTIES[county].name {
        "King" => r.pick_str(&["206", "206", "425", "253"]),
        _ => COUNTIES[county].area,
    }
}

fn make_payee(r: &mut Rng, number: u64, org: bool, county: usize) -> Payee {
    let number = number.to_string();
    let (name, dba, facility, is_inc, local) = if org {
        let prefix = *r.pick(ORG_PREFIXES);
        let kind = *r.pick(ORG_KINDS);
        let (name, is_inc) = match r.below(100) {
            0..=54 => (format!("{prefix} {kind} LLC"), false),
            55..=84 => (format!("{prefix} {kind} Inc"), true),
            _ => (
                format!(
                    "{prefix} {}",
                    r.pick(&["Child Development Association", "Parent Cooperative Association", "Early Learning Association"])
                ),
                false,
            ),
        };
        let dba = if r.chance(300) { format!("{prefix} {}", r.pick(ORG_KINDS)) } else { String::new() };
        let facility = if dba.is_empty() { format!("{prefix} {kind}") } else { dba.clone() };
        let local = format!("{}.{}", r.pick(&["billing", "office", "ap", "admin", "director"]), ascii_slug(prefix));
        (name, dba, facility, is_inc, local)
    } else {
        let first = person_first(r);
        let last = person_last(r);
        let name = format!("{first} {last}");
        let dba = match r.below(100) {
            0..=24 => format!("{last} Family Child Care"),
            25..=34 => format!("{first}'s Little Ones"),
            35..=44 => format!("{last} Home Daycare"),
            45..=47 => format!("{last} Family Care #2"),
            _ => String::new(),
        };
        let facility = if dba.is_empty() { name.clone() } else { dba.clone() };
        let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
        (name, dba, facility, false, local)
    };

    let address1 = format!("{} {}", r.range(10, 24999), r.pick(STREETS));
    let address2 = match r.below(1000) {
        0..=119 => format!("Apt {}{}", r.range(1, 40), *r.pick(b"ABCDEF") as char),
        120..=199 => format!("Suite {}", r.range(1, 9) * 100),
        200..=219 => format!("Unit {}", r.range(1, 60)),
        220..=229 => format!("Apt #{} [rear]", r.range(1, 9)),
        _ => String::new(),
    };
    let (city, zip5) = *r.pick(COUNTIES[county].places);
    let zip = if r.chance(300) { format!("{zip5}-{:04}", r.range(1, 9999)) } else { zip5.to_string() };
    let (tin, tin_type) = if org {
        (format!("{}-{:07}", r.pick(EIN_PREFIXES), r.below(10_000_000)), "EIN")
    } else {
        let area = r.range(1, 665);
        (format!("{area:03}-{:02}-{:04}", r.range(1, 99), r.range(1, 9999)), "SSN")
    };
    let delivery = ["mail", "email", "both"][r.weighted(&[700, 150, 150])];
    let email = if delivery != "mail" || r.chance(100) {
        let suffix = if r.chance(300) { r.range(1, 99).to_string() } else { String::new() };
        format!("{local}{suffix}@example.org")
    } else {
        String::new()
    };
    let language = if r.chance(100) { "es" } else { "en" };
    let direct_deposit = if r.chance(750) { "Y" } else { "N" };
    let reportable = if is_inc && r.chance(600) { "N" } else { "Y" };
    let consent =
        if delivery == "mail" { ["Y", "N", ""][r.weighted(&[100, 500, 400])] } else { ["Y", "N", ""][r.weighted(&[700, 100, 200])] };
    let fields = vec![
        number.clone(),
        name,
        dba,
        address1,
        address2,
        city.to_string(),
        "WA".to_string(),
        zip,
        tin,
        tin_type.to_string(),
        delivery.to_string(),
        email,
        language.to_string(),
        direct_deposit.to_string(),
        reportable.to_string(),
        consent.to_string(),
    ];
    Payee { number, facility, county, city, fields }
}

/// Lower-case ASCII letters and digits of `text`, with accents dropped (`Trần` → `tran`).
fn ascii_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ạ' | 'ả' | 'ậ' | 'ặ' | 'Å' | 'Á' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' | 'Ç' | 'Č' => "c",
            'đ' | 'Đ' | 'ď' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ễ' | 'ệ' | 'ề' | 'É' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ı' | 'İ' => "i",
            'ł' | 'Ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ơ' | 'ọ' | 'ồ' | 'ộ' | 'ớ' | 'ở' | 'Ö' | 'Ø' | 'Ó' => "o",
            'ř' => "r",
            'ś' | 'š' | 'ş' | 'Š' | 'Ş' | 'ß' => "s",
            'ù' | 'ú' | 'û' | 'ü' | 'ư' | 'ủ' | 'ừ' | 'ứ' | 'Ü' => "u",
            'ý' | 'ỳ' | 'ỹ' => "y",
            'ź' | 'ż' | 'ž' | 'Ž' => "z",
            _ => "",
        };
        out.push_str(base);
    }
    if out.is_empty() {
        out.push_str("provider");
    }
    out
}

/// A child's first name: about 8% from the non-ASCII list.
fn child_first(r: &mut Rng) -> &'static str {
    if r.chance(80) {
        r.pick_str(FIRST_NON_ASCII)
    } else {
        r.pick_str(FIRST_ASCII)
    }
}

/// A child's family name: about 8% from the non-ASCII list.
fn child_last(r: &mut Rng) -> &'static str {
    if r.chance(80) {
        r.pick_str(LAST_NON_ASCII)
    } else {
        r.pick_str(LAST_ASCII)
    }
}

fn person_first(r: &mut Rng) -> &'static str {
    if r.chance(60) {
        r.pick_str(FIRST_NON_ASCII)
    } else {
        r.pick_str(FIRST_ASCII)
    }
}

fn person_last(r: &mut Rng) -> &'static str {
    if r.chance(60) {
        r.pick_str(LAST_NON_ASCII)
    } else {
        r.pick_str(LAST_ASCII)
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers
// ---------------------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// 2014): tiny, fast, and the same on every platform.
pub(crate) struct Rng {
    state: u64,
}

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// An independent stream for (`seed`, `stream`, `index`).
    pub(crate) fn stream(seed: u64, stream: u64, index: u64) -> Rng {
        let s = mix64(seed ^ mix64(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        Rng { state: mix64(s.wrapping_add(mix64(index.wrapping_add(0xD1B5_4A32_D192_ED03)))) }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-40 for our `n`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille` / 1000.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given relative weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

/// A Washington county: relative weight (2020 census population in thousands, at least
/// 20 so small counties still show up), telephone area code, and real places with a ZIP
/// code of that place (USPS; all in the 980-994 prefixes).
struct County {
    name: &'static str,
    weight: u32,
    area: &'static str,
    places: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
const COUNTIES: [County; 39] = [
    County { name: "Adams", weight: 20, area: "509", places: &[("Ritzville", "99169"), ("Othello", "99344"), ("Lind", "99341"), ("Washtucna", "99371")] },
    County { name: "Asotin", weight: 22, area: "509", places: &[("Clarkston", "99403"), ("Asotin", "99402"), ("Anatone", "99401")] },
    County { name: "Benton", weight: 206, area: "509", places: &[("Kennewick", "99336"), ("Kennewick", "99337"), ("Kennewick", "99338"), ("Richland", "99352"), ("Richland", "99354"), ("West Richland", "99353"), ("Prosser", "99350"), ("Benton City", "99320")] },
    County { name: "Chelan", weight: 79, area: "509", places: &[("Wenatchee", "98801"), ("Leavenworth", "98826"), ("Chelan", "98816"), ("Cashmere", "98815"), ("Entiat", "98822")] },
    County { name: "Clallam", weight: 77, area: "360", places: &[("Port Angeles", "98362"), ("Port Angeles", "98363"), ("Sequim", "98382"), ("Forks", "98331"), ("Clallam Bay", "98326")] },
    County { name: "Clark", weight: 503, area: "360", places: &[("Vancouver", "98660"), ("Vancouver", "98661"), ("Vancouver", "98662"), ("Vancouver", "98663"), ("Vancouver", "98664"), ("Vancouver", "98682"), ("Vancouver", "98683"), ("Vancouver", "98684"), ("Vancouver", "98685"), ("Vancouver", "98686"), ("Camas", "98607"), ("Battle Ground", "98604"), ("Washougal", "98671"), ("Ridgefield", "98642"), ("La Center", "98629")] },
    County { name: "Columbia", weight: 20, area: "509", places: &[("Dayton", "99328"), ("Starbuck", "99359")] },
    County { name: "Cowlitz", weight: 110, area: "360", places: &[("Longview", "98632"), ("Kelso", "98626"), ("Castle Rock", "98611"), ("Woodland", "98674"), ("Kalama", "98625")] },
    County { name: "Douglas", weight: 43, area: "509", places: &[("East Wenatchee", "98802"), ("Bridgeport", "98813"), ("Waterville", "98858"), ("Rock Island", "98850")] },
    County { name: "Ferry", weight: 20, area: "509", places: &[("Republic", "99166"), ("Curlew", "99118"), ("Inchelium", "99138")] },
    County { name: "Franklin", weight: 96, area: "509", places: &[("Pasco", "99301"), ("Connell", "99326"), ("Mesa", "99343"), ("Kahlotus", "99335")] },
    County { name: "Garfield", weight: 20, area: "509", places: &[("Pomeroy", "99347")] },
    County { name: "Grant", weight: 99, area: "509", places: &[("Moses Lake", "98837"), ("Ephrata", "98823"), ("Quincy", "98848"), ("Grand Coulee", "99133"), ("Royal City", "99357"), ("Mattawa", "99349")] },
    County { name: "Grays Harbor", weight: 75, area: "360", places: &[("Aberdeen", "98520"), ("Hoquiam", "98550"), ("Elma", "98541"), ("Montesano", "98563"), ("Ocean Shores", "98569"), ("Westport", "98595")] },
    County { name: "Island", weight: 86, area: "360", places: &[("Oak Harbor", "98277"), ("Coupeville", "98239"), ("Langley", "98260"), ("Camano Island", "98282"), ("Freeland", "98249"), ("Clinton", "98236")] },
    County { name: "Jefferson", weight: 32, area: "360", places: &[("Port Townsend", "98368"), ("Port Hadlock", "98339"), ("Quilcene", "98376"), ("Chimacum", "98325")] },
    County { name: "King", weight: 2270, area: "206", places: &[("Seattle", "98101"), ("Seattle", "98103"), ("Seattle", "98105"), ("Seattle", "98106"), ("Seattle", "98108"), ("Seattle", "98115"), ("Seattle", "98117"), ("Seattle", "98118"), ("Seattle", "98122"), ("Seattle", "98125"), ("Seattle", "98126"), ("Seattle", "98133"), ("Seattle", "98144"), ("Seattle", "98146"), ("Seattle", "98168"), ("Seattle", "98178"), ("Bellevue", "98004"), ("Bellevue", "98006"), ("Bellevue", "98007"), ("Bellevue", "98008"), ("Kent", "98030"), ("Kent", "98031"), ("Kent", "98032"), ("Kent", "98042"), ("Renton", "98055"), ("Renton", "98056"), ("Renton", "98058"), ("Renton", "98059"), ("Federal Way", "98003"), ("Federal Way", "98023"), ("Auburn", "98001"), ("Auburn", "98002"), ("Auburn", "98092"), ("Redmond", "98052"), ("Kirkland", "98033"), ("Kirkland", "98034"), ("Shoreline", "98155"), ("Burien", "98166"), ("Tukwila", "98188"), ("SeaTac", "98198"), ("Issaquah", "98027"), ("Sammamish", "98074"), ("Bothell", "98011"), ("Enumclaw", "98022"), ("North Bend", "98045"), ("Vashon", "98070")] },
    County { name: "Kitsap", weight: 275, area: "360", places: &[("Bremerton", "98310"), ("Bremerton", "98311"), ("Bremerton", "98312"), ("Port Orchard", "98366"), ("Port Orchard", "98367"), ("Silverdale", "98383"), ("Poulsbo", "98370"), ("Bainbridge Island", "98110"), ("Kingston", "98346")] },
    County { name: "Kittitas", weight: 44, area: "509", places: &[("Ellensburg", "98926"), ("Cle Elum", "98922"), ("Kittitas", "98934"), ("Roslyn", "98941")] },
    County { name: "Klickitat", weight: 22, area: "509", places: &[("Goldendale", "98620"), ("White Salmon", "98672"), ("Bingen", "98605"), ("Lyle", "98635")] },
    County { name: "Lewis", weight: 82, area: "360", places: &[("Chehalis", "98532"), ("Centralia", "98531"), ("Morton", "98356"), ("Winlock", "98596"), ("Toledo", "98591")] },
    County { name: "Lincoln", weight: 20, area: "509", places: &[("Davenport", "99122"), ("Odessa", "99159"), ("Reardan", "99029"), ("Wilbur", "99185")] },
    County { name: "Mason", weight: 65, area: "360", places: &[("Shelton", "98584"), ("Belfair", "98528"), ("Allyn", "98524"), ("Union", "98592")] },
    County { name: "Okanogan", weight: 42, area: "509", places: &[("Omak", "98841"), ("Okanogan", "98840"), ("Tonasket", "98855"), ("Brewster", "98812"), ("Oroville", "98844"), ("Twisp", "98856")] },
    County { name: "Pacific", weight: 23, area: "360", places: &[("Raymond", "98577"), ("South Bend", "98586"), ("Long Beach", "98631"), ("Ilwaco", "98624")] },
    County { name: "Pend Oreille", weight: 20, area: "509", places: &[("Newport", "99156"), ("Ione", "99139"), ("Cusick", "99119"), ("Metaline Falls", "99153")] },
    County { name: "Pierce", weight: 921, area: "253", places: &[("Tacoma", "98402"), ("Tacoma", "98403"), ("Tacoma", "98404"), ("Tacoma", "98405"), ("Tacoma", "98406"), ("Tacoma", "98407"), ("Tacoma", "98408"), ("Tacoma", "98409"), ("Tacoma", "98418"), ("Tacoma", "98444"), ("Tacoma", "98445"), ("Lakewood", "98499"), ("Puyallup", "98371"), ("Puyallup", "98372"), ("Puyallup", "98373"), ("Puyallup", "98374"), ("Spanaway", "98387"), ("Gig Harbor", "98332"), ("Gig Harbor", "98335"), ("Bonney Lake", "98391"), ("Sumner", "98390"), ("University Place", "98466"), ("Fife", "98424"), ("Graham", "98338"), ("Eatonville", "98328"), ("Buckley", "98321")] },
    County { name: "San Juan", weight: 20, area: "360", places: &[("Friday Harbor", "98250"), ("Eastsound", "98245"), ("Lopez Island", "98261")] },
    County { name: "Skagit", weight: 129, area: "360", places: &[("Mount Vernon", "98273"), ("Mount Vernon", "98274"), ("Burlington", "98233"), ("Anacortes", "98221"), ("Sedro-Woolley", "98284"), ("La Conner", "98257")] },
    County { name: "Skamania", weight: 20, area: "509", places: &[("Stevenson", "98648"), ("Carson", "98610"), ("North Bonneville", "98639")] },
    County { name: "Snohomish", weight: 828, area: "425", places: &[("Everett", "98201"), ("Everett", "98203"), ("Everett", "98204"), ("Everett", "98208"), ("Lynnwood", "98036"), ("Lynnwood", "98037"), ("Marysville", "98270"), ("Marysville", "98271"), ("Edmonds", "98020"), ("Edmonds", "98026"), ("Mukilteo", "98275"), ("Lake Stevens", "98258"), ("Monroe", "98272"), ("Arlington", "98223"), ("Mill Creek", "98012"), ("Snohomish", "98290"), ("Stanwood", "98292"), ("Mountlake Terrace", "98043")] },
    County { name: "Spokane", weight: 539, area: "509", places: &[("Spokane", "99201"), ("Spokane", "99202"), ("Spokane", "99203"), ("Spokane", "99205"), ("Spokane", "99207"), ("Spokane", "99208"), ("Spokane", "99212"), ("Spokane", "99217"), ("Spokane", "99223"), ("Spokane", "99224"), ("Spokane Valley", "99206"), ("Spokane Valley", "99216"), ("Spokane Valley", "99037"), ("Cheney", "99004"), ("Airway Heights", "99001"), ("Deer Park", "99006"), ("Liberty Lake", "99019"), ("Medical Lake", "99022")] },
    County { name: "Stevens", weight: 46, area: "509", places: &[("Colville", "99114"), ("Chewelah", "99109"), ("Kettle Falls", "99141"), ("Springdale", "99173")] },
    County { name: "Thurston", weight: 294, area: "360", places: &[("Olympia", "98501"), ("Olympia", "98502"), ("Olympia", "98506"), ("Olympia", "98512"), ("Olympia", "98516"), ("Lacey", "98503"), ("Lacey", "98513"), ("Tumwater", "98501"), ("Yelm", "98597"), ("Tenino", "98589"), ("Rainier", "98576")] },
    County { name: "Wahkiakum", weight: 20, area: "360", places: &[("Cathlamet", "98612"), ("Skamokawa", "98647"), ("Grays River", "98621")] },
    County { name: "Walla Walla", weight: 62, area: "509", places: &[("Walla Walla", "99362"), ("College Place", "99324"), ("Waitsburg", "99361"), ("Prescott", "99348")] },
    County { name: "Whatcom", weight: 226, area: "360", places: &[("Bellingham", "98225"), ("Bellingham", "98226"), ("Bellingham", "98229"), ("Ferndale", "98248"), ("Lynden", "98264"), ("Blaine", "98230"), ("Everson", "98247"), ("Sumas", "98295")] },
    County { name: "Whitman", weight: 47, area: "509", places: &[("Pullman", "99163"), ("Colfax", "99111"), ("Palouse", "99161"), ("Tekoa", "99033")] },
    County { name: "Yakima", weight: 256, area: "509", places: &[("Yakima", "98901"), ("Yakima", "98902"), ("Yakima", "98903"), ("Yakima", "98908"), ("Sunnyside", "98944"), ("Grandview", "98930"), ("Toppenish", "98948"), ("Selah", "98942"), ("Wapato", "98951"), ("Zillah", "98953"), ("Moxee", "98936")] },
];

/// DSHS Community Services Offices (and their area codes) that authorizing workers sit in.
const OFFICES: &[(&str, &str)] = &[
    ("CSO Yakima", "509"),
    ("CSO Sunnyside", "509"),
    ("CSO Toppenish", "509"),
    ("CSO Othello", "509"),
    ("CSO Moses Lake", "509"),
    ("CSO Wenatchee", "509"),
    ("CSO Okanogan", "509"),
    ("CSO Colville", "509"),
    ("CSO Spokane North", "509"),
    ("CSO Spokane Valley", "509"),
    ("CSO Spokane Southwest", "509"),
    ("CSO Clarkston", "509"),
    ("CSO Walla Walla", "509"),
    ("CSO Tri-Cities", "509"),
    ("CSO Ellensburg", "509"),
    ("CSO Goldendale", "509"),
    ("CSO Bellingham", "360"),
    ("CSO Mount Vernon", "360"),
    ("CSO Oak Harbor", "360"),
    ("CSO Everett", "425"),
    ("CSO Lynnwood", "425"),
    ("CSO Smokey Point", "360"),
    ("CSO King Eastside", "425"),
    ("CSO Belltown", "206"),
    ("CSO Capitol Hill", "206"),
    ("CSO Rainier", "206"),
    ("CSO White Center", "206"),
    ("CSO Renton", "425"),
    ("CSO Auburn", "253"),
    ("CSO Federal Way", "253"),
    ("CSO Pierce North", "253"),
    ("CSO Pierce South", "253"),
    ("CSO Lakewood", "253"),
    ("CSO Puyallup Valley", "253"),
    ("CSO Bremerton", "360"),
    ("CSO Olympia", "360"),
    ("CSO Shelton", "360"),
    ("CSO Aberdeen", "360"),
    ("CSO Chehalis", "360"),
    ("CSO Longview", "360"),
    ("CSO Vancouver", "360"),
    ("CSO Port Angeles", "360"),
    ("CSO Forks", "360"),
    ("CSO Long Beach", "360"),
];

/// Valid IRS EIN prefixes (campus codes).
#[rustfmt::skip]
const EIN_PREFIXES: &[&str] = &[
    "20", "26", "27", "45", "46", "47", "81", "82", "83", "84", "85", "86", "87", "88", "91", "92",
    "93", "94", "98", "99",
];

#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Main St", "1st Ave", "2nd Ave", "Pacific Ave", "Rainier Ave S", "NE 45th St", "Cedar Loop SE",
    "W Nob Hill Blvd", "E Division Ave", "Harbor View Dr", "Elm St", "Maple Ave", "Fir St",
    "Alder St", "Madrona Dr", "Orchard Ave", "Canyon Rd", "Mill Plain Blvd", "Evergreen Way",
    "Hillside Dr", "S 19th St", "N 4th St", "Lakeview Blvd", "Columbia St", "Yakima Ave",
    "River Rd", "Sunset Blvd", "Broadway", "Wheeler Rd", "Aurora Ave N",
    "Martin Luther King Jr Way S", "SE 256th St", "Pine St", "Spruce St", "Cherry Ln",
    "Apple Blossom Dr", "Wheatland Rd", "Bridge St", "Meridian Ave E", "Capitol Way S",
    "Hewitt Ave", "Sprague Ave", "Nob Hill Blvd", "Summitview Ave", "Lewis St", "Court St",
    "Commercial Ave", "Front St", "Railroad Ave", "Marine Dr", "Old Highway 99", "Kitsap Way",
    "State St", "Division St", "Grand Ave",
];

#[rustfmt::skip]
const ORG_PREFIXES: &[&str] = &[
    "Sunrise", "Little Sprouts", "Rainbow Bridge", "Tiny Tots", "Happy Hearts", "Evergreen Kids",
    "Cascade", "Olympic View", "Columbia River", "Puget Sound", "Blue Heron", "Cedar Tree",
    "Salmon Creek", "Mountain View", "Apple Valley", "Wheatland", "Palouse Hills", "Orca Bay",
    "Madrona", "Tahoma", "Kids' Corner", "ABC Kids", "Acorn & Oak", "Busy Bees",
    "Little Explorers", "Nuestra Casa", "Casa de los Niños", "Harvest Valley", "Riverbend",
    "Growing Tree", "First Steps", "Bright Futures", "Kiddie Kampus", "Small Wonders", "Sunflower",
    "Little Learners", "Wildflower", "Pine Cone", "Lighthouse", "Huckleberry", "Firefly",
    "Mi Pequeño Mundo", "Rising Stars", "Golden Grain", "Stepping Stones", "Treehouse",
];

const ORG_KINDS: &[&str] = &[
    "Early Learning Center",
    "Child Care Center",
    "Learning Academy",
    "Kids Academy",
    "Child Development Center",
    "Preschool",
    "Daycare",
    "Early Learning",
];

#[rustfmt::skip]
const FIRST_ASCII: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Mia", "Lucas", "Isabella", "Mateo",
    "Amara", "Kwame", "Aaliyah", "Jamal", "Fatima", "Omar", "Aisha", "Mohamed", "Priya", "Arjun",
    "Mei", "Wei", "Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Ahmed", "Layla", "Santiago", "Camila",
    "Diego", "Valeria", "Ximena", "Carlos", "Maria", "Ana", "Luis", "Emily", "James", "Grace",
    "Ethan", "Hannah", "Daniel", "Abigail", "Samuel", "Harper", "Benjamin", "Ivan", "Olga",
    "Dmitri", "Anastasia", "Nikolai", "Tatiana", "Kofi", "Ngozi", "Chinedu", "Abdi", "Hodan",
    "Farah", "Tenzin", "Kai", "Leilani", "Keoni", "Malia", "Sione", "Tala", "Lan", "Huong", "Bao",
    "Tuan", "Linh", "Thanh", "Anh", "Hung", "Raj", "Deepa", "Sunita", "Rohan", "Jasmine", "Zara",
    "Yusuf", "Mariam", "Khadija", "Nasra", "Hamza", "Elena", "Sara", "Jacob", "Wyatt", "Lily",
    "Nora", "Owen", "Riley", "Aria", "Maya", "Jayden", "Sebastian", "Natalia", "Gabriel", "Isaac",
    "Miguel", "Rosa", "Guadalupe", "Willow", "Blaine", "Madeleine", "Rebekka", "Erin", "Alyssa",
    "Henry", "Evelyn", "Oliver", "Amelia", "Charlotte", "Sophia", "Mason", "Logan", "Aiden",
    "Scarlett", "Chloe", "Zoe", "Jose", "Sofia", "Anna-Marie", "Mary Kate", "Jean-Luc", "Dakota",
    "Cheyenne", "Winona", "Tayen", "Sequoia", "Aponi", "Hassan", "Amina", "Yonas", "Meron",
    "Selam", "Dawit", "Oksana", "Bohdan", "Svetlana", "Pavel", "Mihai", "Ioana",
];

#[rustfmt::skip]
const FIRST_NON_ASCII: &[&str] = &[
    "Sofía", "José", "Zoë", "Ngọc", "Søren", "Łukasz", "Chloé", "Renée", "Inés", "Adrián", "Lucía",
    "Martín", "Valentín", "Joaquín", "Zoé", "Noémie", "Björn", "Åsa", "Jürgen", "Mía", "Ramón",
    "Nicolás", "Matías", "Héctor", "Thảo", "Đức", "Françoise", "Çağla", "Émile", "Maël", "Siân",
    "Seán", "Jesús", "Andrés", "Sebastián", "Ángel", "Máximo", "Tomás", "Iñaki", "Małgorzata",
    "Zuzanna", "Jiří", "Dvořák", "Hüseyin", "Gökhan", "Anaïs", "Élodie", "Hoàng", "Phương",
    "Tường", "Quỳnh", "Dũng",
];

#[rustfmt::skip]
const LAST_ASCII: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey", "Bell", "Kim",
    "Park", "Choi", "Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wong", "Tanaka", "Suzuki",
    "Sato", "Patel", "Shah", "Singh", "Kumar", "Gupta", "Ali", "Hassan", "Mohamed", "Ahmed",
    "Abdullah", "Osman", "Yusuf", "Warsame", "Okafor", "Mensah", "Owusu", "Ivanov", "Petrov",
    "Kovalenko", "Shevchenko", "Nowak", "Kowalski", "Novak", "Rossi", "Russo", "Romano", "Silva",
    "Santos", "Oliveira", "Ramos", "Cruz", "Flores", "Morales", "Reyes", "Torres", "Rivera",
    "Castillo", "Mendoza", "Vargas", "Medina", "Aguilar", "O'Brien", "D'Angelo", "O'Connor",
    "D'Souza", "McAllister", "Delgado-Ruiz", "Smith-Jones", "Tafuna", "Fonoti", "Kealoha", "Begay",
    "Yazzie", "Tsosie", "Whitehorse", "Sampson", "Nguyen", "Tran", "Pham", "Le", "Vo", "Dubois",
    "Lindqvist", "Walsh", "Foster", "Romero", "Van der Berg", "De la Cruz", "Abebe", "Tesfaye",
    "Haile", "Bondarenko", "Popescu",
];

#[rustfmt::skip]
const LAST_NON_ASCII: &[&str] = &[
    "Nguyễn", "Trần", "Phạm", "Đặng", "Lê", "Müller", "Hernández", "Peña", "Ibáñez", "Björk",
    "Núñez", "Gómez", "Rodríguez", "Martínez", "González", "Pérez", "Sánchez", "Ramírez",
    "Jiménez", "Vásquez", "Castañeda", "Muñoz", "Ordóñez", "Schröder", "Jäger", "Wójcik", "Dvořák",
    "Søndergaard", "Åberg", "Hoàng", "Võ", "Đỗ", "Bùi", "Huỳnh", "Lý", "Çelik", "Yılmaz",
    "Özdemir", "Šimić", "Łukaszewski", "Grünewald", "Fernández", "López", "Díaz", "Álvarez",
    "Gutiérrez", "Núñez-Peña", "O'Dálaigh",
];

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn october() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
    }

    fn opts(payees: usize, seed: u64, bad_rows: usize) -> SampleOptions {
        SampleOptions { payees, month: october(), seed, bad_rows, payments: 0, ssp_cases: 0 }
    }

    /// A generated file as (line number, header-keyed record) pairs.
    struct Table {
        rows: Vec<(u64, HashMap<String, String>)>,
    }

    impl Table {
        fn read(dir: &Path, name: &str) -> Table {
            let text = fs::read_to_string(dir.join(name)).unwrap();
            assert!(!text.contains('\r'), "{name}: LF line ends only");
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
            let rows = reader
                .records()
                .map(|rec| {
                    let rec = rec.unwrap();
                    let line = rec.position().unwrap().line();
                    let map = header.iter().cloned().zip(rec.iter().map(String::from)).collect();
                    (line, map)
                })
                .collect();
            Table { rows }
        }

        /// Rows not listed among the bad rows of `file`.
        fn valid<'a>(&'a self, report: &'a SampleReport, file: &'a str) -> impl Iterator<Item = &'a HashMap<String, String>> + 'a {
            let bad: HashSet<u64> = report.bad_rows.iter().filter(|b| b.file == file).map(|b| b.line).collect();
            self.rows.iter().filter(move |(line, _)| !bad.contains(line)).map(|(_, r)| r)
        }
    }

    fn read_all(dir: &Path) -> Vec<Vec<u8>> {
        FILES.iter().map(|f| fs::read(dir.join(f)).unwrap()).collect()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn decimals(s: &str) -> usize {
        s.split_once('.').map_or(0, |(_, f)| f.len())
    }

    #[test]
    fn sample_is_deterministic_and_depends_on_the_seed() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let c = tempfile::tempdir().unwrap();
        let ra = generate(&opts(300, 7, 20), a.path()).unwrap();
        let rb = generate(&opts(300, 7, 20), b.path()).unwrap();
        generate(&opts(300, 8, 20), c.path()).unwrap();
        assert_eq!(ra, rb);
        assert_eq!(read_all(a.path()), read_all(b.path()));
        let (fa, fc) = (read_all(a.path()), read_all(c.path()));
        for (i, name) in FILES.iter().enumerate() {
            assert_ne!(fa[i], fc[i], "{name} must change with the seed");
        }
    }

    #[test]
    fn sample_uses_all_39_counties_with_their_own_cities_and_zips() {
        let dir = tempfile::tempdir().unwrap();
        let report = generate(&opts(2000, 1, 0), dir.path()).unwrap();
        let providers = Table::read(dir.path(), PROVIDERS_CSV);
        let counties: HashSet<&str> = providers.rows.iter().map(|(_, r)| r["county"].as_str()).collect();
        assert_eq!(counties.len(), 39);
        let known: HashSet<&str> = COUNTIES.iter().map(|c| c.name).collect();
        assert!(counties.is_subset(&known));
        assert_eq!(report.providers, providers.rows.len());

        // Each payee's city and ZIP belong to the county of its first provider.
        let payees = Table::read(dir.path(), PAYEES_CSV);
        let mut first_county: HashMap<&str, &str> = HashMap::new();
        for (_, p) in &providers.rows {
            first_county.entry(p["payee_number"].as_str()).or_insert(p["county"].as_str());
        }
        for (_, p) in &payees.rows {
            let county = COUNTIES.iter().find(|c| c.name == first_county[p["payee_number"].as_str()]).unwrap();
            let zip5 = &p["zip"][..5];
            assert!(county.places.contains(&(p["city"].as_str(), zip5)), "{p:?}");
            let prefix: u32 = zip5[..3].parse().unwrap();
            assert!((980..=994).contains(&prefix));
            let zip = p["zip"].as_bytes();
            assert!(zip.len() == 5 || (zip.len() == 10 && zip[5] == b'-'));
            assert!(p["zip"].bytes().filter(|b| *b != b'-').all(|b| b.is_ascii_digit()));
            assert_eq!(p["state"], "WA");
        }
    }

    #[test]
    fn sample_references_resolve_and_records_follow_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let month = october();
        let month_end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        // With bad rows present: the valid rows must still be whole and consistent.
        let report = generate(&opts(2000, 3, 40), dir.path()).unwrap();
        let payees = Table::read(dir.path(), PAYEES_CSV);
        let providers = Table::read(dir.path(), PROVIDERS_CSV);
        let clients = Table::read(dir.path(), CLIENTS_CSV);
        let workers = Table::read(dir.path(), WORKERS_CSV);
        let auths = Table::read(dir.path(), AUTHORIZATIONS_CSV);

        fn unique<'a>(rows: impl Iterator<Item = &'a HashMap<String, String>>, key: &str) -> HashSet<String> {
            let mut set = HashSet::new();
            for r in rows {
                assert!(set.insert(r[key].clone()), "duplicate {key} {}", r[key]);
            }
            set
        }
        let payee_ids = unique(payees.valid(&report, PAYEES_CSV), "payee_number");
        let provider_ids = unique(providers.valid(&report, PROVIDERS_CSV), "provider_number");
        let client_ids = unique(clients.valid(&report, CLIENTS_CSV), "client_id");
        let worker_ids = unique(workers.valid(&report, WORKERS_CSV), "worker_id");
        unique(auths.valid(&report, AUTHORIZATIONS_CSV), "reference_number");
        assert_eq!(payee_ids.len(), report.payees);
        assert_eq!(provider_ids.len(), report.providers);
        assert_eq!(client_ids.len(), report.clients);
        assert_eq!(worker_ids.len(), report.workers);
        assert!(report.workers >= 5 && report.workers.abs_diff(report.providers / 50) <= 1);

        for p in payees.valid(&report, PAYEES_CSV) {
            assert_eq!(p["payee_number"].len(), 9);
            let digits: String = p["tin"].chars().filter(|c| *c != '-').collect();
            assert_eq!(digits.len(), 9);
            match p["tin_type"].as_str() {
                "SSN" => assert_eq!(p["tin"].len(), 11),
                "EIN" => assert_eq!(p["tin"].len(), 10),
                other => panic!("tin_type {other}"),
            }
            if p["delivery"] != "mail" {
                assert!(p["email"].ends_with("@example.org") && p["email"].is_ascii());
            }
        }
        let mut lines_per_provider: HashMap<&str, usize> = HashMap::new();
        for p in providers.valid(&report, PROVIDERS_CSV) {
            assert!(payee_ids.contains(&p["payee_number"]));
            assert_eq!(p["provider_number"].len(), 7);
            lines_per_provider.insert(p["provider_number"].as_str(), 0);
        }
        let mut auth_client: HashMap<&str, &str> = HashMap::new();
        for a in auths.valid(&report, AUTHORIZATIONS_CSV) {
            assert!(provider_ids.contains(&a["provider_number"]), "{a:?}");
            assert!(client_ids.contains(&a["client_id"]), "{a:?}");
            assert!(worker_ids.contains(&a["worker_id"]), "{a:?}");
            *lines_per_provider.get_mut(a["provider_number"].as_str()).unwrap() += 1;
            assert_eq!(*auth_client.entry(a["authorization_number"].as_str()).or_insert(a["client_id"].as_str()), a["client_id"]);
            assert_eq!(a["reference_number"].len(), 10);
            assert!(PROGRAMS.contains(&a["program"].as_str()));
            assert_eq!(decimals(&a["rate"]), 2);
            assert!(!a["units_authorized"].starts_with('-'));
            let (start, end) = (date(&a["start_date"]), date(&a["end_date"]));
            assert!(start <= end && start <= month_end && end >= month, "{a:?}");
            assert!(end < start + Months::new(6), "{a:?}");
            if a["action"].is_empty() {
                assert!(a["action_date"].is_empty());
            } else {
                let d = date(&a["action_date"]);
                assert!(d >= month && d <= month_end, "{a:?}");
            }
            if a["service_kind"] == "infant_bonus" {
                let client = clients.rows.iter().find(|(_, c)| c["client_id"] == a["client_id"]).unwrap();
                assert!(date(&client.1["birth_date"]) + Months::new(12) > month);
            }
            let ru = a["reporting_unit"].as_bytes();
            assert!(ru.len() == 3 && ru[0].is_ascii_digit() && ru[1..].iter().all(u8::is_ascii_uppercase));
        }
        assert!(lines_per_provider.values().all(|n| (1..=14).contains(n)));
        // Within one invoice the last four digits of reference numbers are distinct.
        let mut last_four: HashSet<(&str, &str)> = HashSet::new();
        for a in auths.valid(&report, AUTHORIZATIONS_CSV) {
            assert!(last_four.insert((a["provider_number"].as_str(), &a["reference_number"][6..])));
        }
    }

    #[test]
    fn sample_gives_about_32000_pages_for_23000_payees() {
        let dir = tempfile::tempdir().unwrap();
        let payees = 2000;
        generate(&opts(payees, 11, 0), dir.path()).unwrap();
        let auths = Table::read(dir.path(), AUTHORIZATIONS_CSV);
        let mut lines: HashMap<&str, usize> = HashMap::new();
        for (_, a) in &auths.rows {
            *lines.entry(a["provider_number"].as_str()).or_default() += 1;
        }
        let pages: usize = lines.values().map(|n| n.div_ceil(6)).sum();
        let ratio = pages as f64 / payees as f64;
        let target = 32_000.0 / 23_000.0;
        assert!((ratio / target - 1.0).abs() <= 0.08, "{ratio} pages a payee, want {target}");
        let (small, mid, big) = lines.values().fold((0, 0, 0), |(s, m, b), n| match n {
            1..=6 => (s + 1, m, b),
            7..=12 => (s, m + 1, b),
            _ => (s, m, b + 1),
        });
        assert!(small > mid && mid > big && big > 0);
    }

    #[test]
    fn sample_has_non_ascii_and_apostrophe_names() {
        let dir = tempfile::tempdir().unwrap();
        generate(&opts(1000, 5, 0), dir.path()).unwrap();
        let clients = Table::read(dir.path(), CLIENTS_CSV);
        let non_ascii = clients.rows.iter().filter(|(_, c)| !c["first_name"].is_ascii() || !c["last_name"].is_ascii()).count();
        let share = non_ascii as f64 / clients.rows.len() as f64;
        assert!((0.10..=0.22).contains(&share), "non-ASCII share {share}");
        let all: String = clients.rows.iter().map(|(_, c)| format!("{} {}\n", c["first_name"], c["last_name"])).collect();
        for needle in ["'", "ễ", "ñ", "á"] {
            assert!(all.contains(needle), "no {needle} in client names");
        }
        let payees = Table::read(dir.path(), PAYEES_CSV);
        assert!(payees.rows.iter().all(|(_, p)| p["email"].is_ascii()));
    }

    /// Re-reads the line the report names and checks that it shows its defect.
    #[test]
    fn sample_bad_rows_are_where_the_report_says() {
        let dir = tempfile::tempdir().unwrap();
        let k = 47;
        let report = generate(&opts(500, 9, k), dir.path()).unwrap();
        assert_eq!(report.bad_rows.len(), k);
        let kinds: HashSet<&str> = report.bad_rows.iter().map(|b| b.what).collect();
        assert_eq!(kinds.len(), 14);
        let files: HashSet<&str> = report.bad_rows.iter().map(|b| b.file).collect();
        assert_eq!(files.len(), 5);

        let providers = Table::read(dir.path(), PROVIDERS_CSV);
        let clients = Table::read(dir.path(), CLIENTS_CSV);
        let provider_ids: HashSet<&str> = providers.rows.iter().map(|(_, r)| r["provider_number"].as_str()).collect();
        let client_ids: HashSet<&str> = clients.rows.iter().map(|(_, r)| r["client_id"].as_str()).collect();
        let mut texts: HashMap<&str, String> = HashMap::new();
        for b in &report.bad_rows {
            let text = texts.entry(b.file).or_insert_with(|| fs::read_to_string(dir.path().join(b.file)).unwrap());
            let mut lines = text.split('\n');
            let header = lines.next().unwrap();
            let line = text.split('\n').nth(b.line as usize - 1).unwrap();
            let row_text = format!("{header}\n{line}\n");
            let mut reader = csv::Reader::from_reader(row_text.as_bytes());
            let names: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
            let rec = reader.records().next().unwrap().unwrap();
            let row: HashMap<&str, &str> = names.iter().map(String::as_str).zip(rec.iter()).collect();
            let broken = match b.what {
                "rate with 3 decimals" => decimals(row["rate"]) == 3,
                "negative units_authorized" => row["units_authorized"].starts_with('-'),
                "unknown program DAYCARE" => row["program"] == "DAYCARE",
                "end_date before start_date" => date(row["end_date"]) < date(row["start_date"]),
                "service period longer than 6 months" => date(row["end_date"]) >= date(row["start_date"]) + Months::new(6),
                "reference_number of 9 digits" => row["reference_number"].len() == 9,
                "provider_number that does not exist" => !provider_ids.contains(row["provider_number"]),
                "client_id that does not exist" => !client_ids.contains(row["client_id"]),
                "malformed zip 9850" => row["zip"] == "9850",
                "tin with 8 digits" => row["tin"].chars().filter(char::is_ascii_digit).count() == 8,
                "duplicate payee_number" => {
                    let n = row["payee_number"];
                    let first = text.split('\n').position(|l| l.starts_with(&format!("{n},"))).unwrap();
                    (first as u64 + 1) < b.line
                }
                "delivery email with empty email" => row["delivery"] == "email" && row["email"].is_empty(),
                "impossible date 2026-02-30" => {
                    row["birth_date"] == "2026-02-30" && NaiveDate::parse_from_str("2026-02-30", "%Y-%m-%d").is_err()
                }
                "identifier with a space" => rec.get(0).unwrap().contains(' '),
                other => panic!("unknown kind {other}"),
            };
            assert!(broken, "{b:?}: {line}");
        }

        // The bad rows only add: the valid rows are those of the same run without them.
        let clean = tempfile::tempdir().unwrap();
        let clean_report = generate(&opts(500, 9, 0), clean.path()).unwrap();
        assert_eq!(SampleReport { bad_rows: vec![], ..report.clone() }, clean_report);
        for name in FILES {
            let with = fs::read_to_string(dir.path().join(name)).unwrap();
            let without = fs::read_to_string(clean.path().join(name)).unwrap();
            assert!(with.starts_with(&without), "{name}");
        }
    }

    #[test]
    fn sample_rejects_bad_options_and_names_unwritable_paths() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(generate(&opts(0, 1, 0), dir.path()), Err(SampleError::InvalidOptions(_))));
        let file = dir.path().join("not-a-dir");
        fs::write(&file, "x").unwrap();
        let err = generate(&opts(3, 1, 0), &file).unwrap_err();
        assert!(matches!(err, SampleError::CreateDir { .. }));
        assert!(err.to_string().contains("not-a-dir"), "{err}");
    }

    #[test]
    fn ssp_cases_are_valid_varied_and_make_letters() {
        let dir = tempfile::tempdir().unwrap();
        let o = SampleOptions { ssp_cases: 400, ..opts(3, 7, 0) };
        let report = generate(&o, dir.path()).unwrap();
        assert_eq!(report.ssp_events, 400);
        let v = crate::ops::read_extract(dir.path()).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems.first());
        let x = &v.extract;
        assert_eq!(x.ssp_events.len(), 400);
        let kinds: HashSet<&str> = x.ssp_events.values().map(|e| e.event.code()).collect();
        assert_eq!(kinds.len(), 5, "{kinds:?}");
        let reasons: HashSet<&str> = x.ssp_events.values().filter_map(|e| e.reason_code.as_deref()).collect();
        for code in ["109", "110", "111", "341", "599"] {
            assert!(reasons.contains(code), "{code}");
        }
        assert!(x.ssp_events.values().any(|e| e.amount.is_some_and(|a| a < rust_decimal::Decimal::ONE)), "a MIL amount under a dollar");
        assert!(x.clients.values().any(|c| c.language == crate::model::Language::Es));
        let c = crate::compose::letter::letters(
            x,
            &crate::texts::aces::Catalog::bundled(),
            &crate::texts::Texts::bundled(),
            &crate::calendar::Holidays::washington(),
            october(),
        );
        assert!(c.refused.is_empty());
        let ssi = x.ssp_events.values().filter(|e| e.event == crate::model::SspEventKind::SsiTermination).count();
        assert_eq!(c.letters.len(), 400 + ssi);
        // The same options, the same bytes.
        let again = tempfile::tempdir().unwrap();
        generate(&o, again.path()).unwrap();
        for f in ["clients.csv", "ssp_events.csv"] {
            assert_eq!(fs::read(dir.path().join(f)).unwrap(), fs::read(again.path().join(f)).unwrap(), "{f}");
        }
    }

    #[test]
    fn payments_pay_the_lines_monthly_and_validate() {
        let dir = tempfile::tempdir().unwrap();
        let o = SampleOptions { payments: 12, month: date("2026-12-01"), ..opts(60, 3, 0) };
        let report = generate(&o, dir.path()).unwrap();
        assert_eq!(report.payments, 12 * 60);
        let v = crate::ops::read_extract(dir.path()).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems.first());
        let x = &v.extract;
        assert_eq!(x.payments.len(), 720);
        assert_eq!(x.payment_lines.len(), report.payment_lines);
        // Twelve a payee, all issued in 2026 on weekdays, one a month.
        let mut per_payee: HashMap<String, Vec<NaiveDate>> = HashMap::new();
        for p in x.payments.values() {
            per_payee.entry(p.payee_number.to_string()).or_default().push(p.issue_date);
            assert_eq!(p.issue_date.year(), 2026);
            assert!(p.issue_date.weekday().number_from_monday() <= 5);
            assert_eq!(p.settlement_date.is_some(), p.method == crate::model::PaymentMethod::Eft);
        }
        assert_eq!(per_payee.len(), 60);
        for dates in per_payee.values() {
            let months: HashSet<u32> = dates.iter().map(|d| d.month()).collect();
            assert_eq!(months.len(), 12);
        }
        // Each line pays an authorization line of its payee, at its rate, for the month before.
        for l in x.payment_lines.iter().filter(|l| l.adjustment_code.is_none()) {
            let a = &x.authorizations[l.reference_number.as_ref().unwrap()];
            let pay = &x.payments[&l.payment_id];
            assert_eq!(x.providers[&a.provider_number].payee_number, pay.payee_number);
            assert_eq!(l.rate, Some(a.rate));
            assert!(l.units.unwrap() <= a.units_authorized);
            assert_eq!(l.service_month.next(), crate::model::Month::of(pay.issue_date));
        }
        assert!(x.payment_lines.iter().any(|l| l.adjustment_code.as_deref() == Some("OVP") && l.amount.is_sign_negative()));
        // The same options, the same bytes.
        let again = tempfile::tempdir().unwrap();
        generate(&o, again.path()).unwrap();
        for f in ["payments.csv", "payment_lines.csv"] {
            assert_eq!(fs::read(dir.path().join(f)).unwrap(), fs::read(again.path().join(f)).unwrap(), "{f}");
        }
    }
}
