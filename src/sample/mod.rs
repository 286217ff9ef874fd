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
//!
//! # Layout
//! The generator is a tool, not a stage of the pipeline: nothing in `load`, `validate`,
//! `compose`, `render`, `route`, `journal` or `ops` (except the `sample` command's error)
//! uses it; it uses `load` for the record format, so each file's header has one
//! definition, `load`'s. This module holds the public API, [`generate`] and the
//! generator's state; its parts are:
//! - `rng`: the deterministic SplitMix64 generator (also the fuzzer's);
//! - `pools`: counties, cities and ZIP codes, offices, streets, names, and the small
//!   drawn fields made of them (phone numbers, name slugs);
//! - `payees`: workers, payees and their providers, and client (child) rows;
//! - `authorizations`: each provider's children and their authorization lines;
//! - `payments`: monthly payments and their lines (a year of them feeds `ssps tax1099`);
//! - `ssp`: State Supplemental Payment clients and their case actions;
//! - `bad_rows`: the deliberately broken rows;
//! - `out`: the CSV files (headers from `load`) and the `.ssps-sample` folder marker.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use crate::load;

mod authorizations;
mod bad_rows;
mod out;
mod payees;
mod payments;
mod pools;
mod rng;
mod ssp;
#[cfg(test)]
mod tests;

pub use bad_rows::BAD_ROW_KINDS;
pub use out::SAMPLE_MARKER;
pub(crate) use rng::Rng;

use bad_rows::Anchor;
use out::Out;
use payees::{make_workers, payee_rng, provider_count, Worker};
use payments::Payments;
use pools::COUNTIES;

/// The files [`generate`] writes, in the order they are listed in the report.
pub const FILES: [&str; 5] = [load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name];

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
    out::prepare_folder(out_dir)?;

    // Pre-pass: the number of providers decides the number of workers, who must exist
    // before the authorizations that name them. Each payee's first draw is its count.
    let total_providers: usize = (0..opts.payees).map(|i| provider_count(&mut payee_rng(opts.seed, i))).sum();
    let worker_count = ((total_providers + 25) / 50).max(5);

    let mut workers_out = Out::create(out_dir, &load::WORKERS)?;
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
        payees: Out::create(out_dir, &load::PAYEES)?,
        providers: Out::create(out_dir, &load::PROVIDERS)?,
        clients: Out::create(out_dir, &load::CLIENTS)?,
        auths: Out::create(out_dir, &load::AUTHORIZATIONS)?,
        workers_out,
        first_valid: None,
        ordinal: 0,
        pay: if opts.payments > 0 { Some(Payments::create(out_dir, opts.payments)?) } else { None },
    };

    for i in 0..opts.payees {
        g.payee(&mut payee_rng(opts.seed, i), i)?;
    }
    let ssp_events = if opts.ssp_cases > 0 { g.ssp_cases(opts.seed, opts.ssp_cases, next_month, out_dir)? } else { 0 };

    let (payments, payment_lines) = match g.pay.take() {
        Some(p) => p.finish()?,
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
        bad_rows: Vec::new(),
    };
    report.bad_rows = g.bad_rows(opts.seed, opts.bad_rows)?;

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

/// The generator's state while it writes: the month, the workers, the next identifier
/// of each kind and the open files.
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

/// `cents` as a decimal amount with two decimals (`1234` → `12.34`).
fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}
