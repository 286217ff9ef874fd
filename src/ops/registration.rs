//! `ssps registration-letters`: a provider-portal registration letter for
//! every payee of `payees.csv` (or those `--payees` lists), dated `--date`,
//! each with its one-time code ([`crate::regcode`]), by mail only.
//!
//! secret → load → validate → choose the payees (all, or the listed ones,
//! less those that already have a portal account, [`Registrations::exclude`])
//! → compose ([`crate::compose::registration`]) → the shared document run
//! ([`pipeline`]), restricted to the print channel
//! ([`DocumentKind::channels`]): never email, never the download archives,
//! whatever the payee's delivery choice. An address that cannot be mailed is
//! reported as unmailable as in every run.
//!
//! Beside the manifest, `registrations.csv` tells the portal which letters
//! exist: a row per letter placed in the print job (payee, letter date,
//! last valid day, document id; never the code, which the portal computes
//! again from the secret). Checked against the input: every chosen payee
//! has exactly one letter or was skipped as registered; every letter's code
//! is its payee's for the date (computed again and compared); the CSV read
//! back equals the mailed letters.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::{OpError, RunOptions};
use crate::compose::registration::{self, Portal, RegistrationLetter};
use crate::compose::Document;
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month, Payee};
use crate::pipeline::{self, Allowed, Check, Composed, Context, DocumentKind, Period, Report};
use crate::problem::Severity;
use crate::regcode::{self, Secret};
use crate::render::Renderer;
use crate::route::RouteError;
use crate::validate::Validated;

/// The CSV for the portal, beside `manifest.csv`.
pub const CSV_FILE: &str = "registrations.csv";
/// Its columns.
pub const CSV_HEADER: [&str; 4] = ["payee_number", "letter_date", "expires_on", "document_id"];

/// What `ssps registration-letters` is asked to do.
#[derive(Debug, Clone)]
pub struct RegistrationRun {
    /// The letter date: the codes' date, and their 90 days start here.
    pub date: NaiveDate,
    /// The secret file the codes are made with.
    pub secret: PathBuf,
    /// Only these payees (`--payees`); `None`: every payee of `payees.csv`.
    pub payees: Option<BTreeSet<String>>,
    /// `payees` are staff's requests from the portal (`--requested`), not
    /// typed: none means no letter, not a mistake.
    pub requested: bool,
    /// Payees that already have a portal account: no letter (filled by the
    /// caller; the command line leaves it empty).
    pub exclude: BTreeSet<String>,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Why the letters cannot be made (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// `--payees` names payees that are not in `payees.csv`.
    #[error("--payees: {} not in payees.csv: no letter was made", list(("payee", "is"), ("payees", "are"), .0))]
    Unknown(Vec<String>),
    /// `--payees` names payees whose row was rejected.
    #[error("--payees: the {} rejected (`ssps check` says why): no letter was made", list(("row of payee", "in payees.csv was"), ("rows of payees", "in payees.csv were"), .0))]
    Rejected(Vec<String>),
    /// `--payees` given with no payee number.
    #[error("--payees names no payee: give payee numbers separated by commas, or leave --payees out for every payee")]
    NoPayees,
    /// The secret file lies in the run folder, which a rerun replaces.
    #[error("--secret {0} is inside the --out folder, which every run replaces: keep the secret outside it")]
    SecretInsideOut(PathBuf),
}

/// `payee 1 is` / `payees 1, 2 are`: the noun and verb for one and for many.
fn list(one: (&str, &str), many: (&str, &str), items: &[String]) -> String {
    match items {
        [only] => format!("{} {only} {}", one.0, one.1),
        _ => format!("{} {} {}", many.0, items.join(", "), many.1),
    }
}

/// The run's own figures in `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationFigures {
    /// The letters' block.
    pub registration: RegistrationSummary,
}

/// `summary.json`'s `registration` block (no code, ever).
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationSummary {
    /// The letter date.
    pub letter_date: NaiveDate,
    /// The codes' last day.
    pub expires_on: NaiveDate,
    /// `all` payees of payees.csv, or `listed` with --payees.
    pub chosen: &'static str,
    /// Payees chosen (before skipping the registered ones).
    pub payees: usize,
    /// Letters made.
    pub letters: usize,
    /// Payees skipped because they already have a portal account.
    pub skipped_registered: usize,
    /// Letters in the CSV for the portal (those placed in the print job).
    pub registered_letters: usize,
    /// The CSV file in the run folder.
    pub csv: &'static str,
    /// The portal's address printed.
    pub portal: String,
    /// Whether `data/portal.toml` is confirmed.
    pub portal_confirmed: bool,
}

/// Runs the letters: reads the secret (refused before any work if it
/// cannot be used), then the shared document run.
pub fn run(req: &RegistrationRun) -> Result<Report<RegistrationFigures>, OpError> {
    let secret = Secret::load(&req.secret)?;
    if let (Ok(s), Ok(o)) = (req.secret.canonicalize(), req.opts.out.canonicalize()) {
        if s.starts_with(&o) {
            return Err(OpError::Kind(Box::new(RegistrationError::SecretInsideOut(req.secret.clone()))));
        }
    }
    let portal = Portal::parse(req.opts.assets.text("data/portal.toml"), "data/portal.toml")
        .map_err(|e| OpError::Bundled { file: e.file, message: e.message })?;
    let kind = Registrations {
        date: req.date,
        secret,
        payees: req.payees.clone(),
        requested: req.requested,
        exclude: req.exclude.clone(),
        portal,
    };
    pipeline::run(&kind, &req.opts)
}

/// The registration letter kind: one letter per chosen payee.
#[derive(Debug)]
pub struct Registrations {
    /// The letter date.
    pub date: NaiveDate,
    /// The codes' key.
    pub secret: Secret,
    /// Only these payees; `None`: all of `payees.csv`.
    pub payees: Option<BTreeSet<String>>,
    /// `payees` are staff's requests: an empty list makes no letter.
    pub requested: bool,
    /// Payee numbers that already have a portal account: skipped, and
    /// counted in `skipped_registered`.
    pub exclude: BTreeSet<String>,
    /// The portal's address and telephone.
    pub portal: Portal,
}

/// The payees chosen, and those left out because they are registered.
struct Chosen<'a> {
    payees: Vec<&'a Payee>,
    registered: usize,
    asked: usize,
}

impl Registrations {
    /// The payees to write to, in payee order: all accepted payees or the
    /// listed ones (each must be an accepted payee), less the registered.
    fn choose<'v>(&self, v: &'v Validated) -> Result<Chosen<'v>, RegistrationError> {
        let all = &v.extract.payees;
        let asked: Vec<&'v Payee> = match &self.payees {
            None => all.values().collect(),
            Some(listed) if listed.is_empty() && !self.requested => return Err(RegistrationError::NoPayees),
            Some(listed) => {
                let rejected: BTreeSet<String> = v
                    .problems
                    .iter()
                    .filter(|p| p.severity == Severity::Error && p.file == load::PAYEES.name)
                    .filter_map(|p| p.record.as_deref()?.strip_prefix("payee ").map(str::to_string))
                    .collect();
                let found: Vec<&'v Payee> = all.values().filter(|p| listed.contains(p.payee_number.as_str())).collect();
                let missing: Vec<&String> =
                    listed.iter().filter(|n| !found.iter().any(|p| p.payee_number.as_str() == n.as_str())).collect();
                let (bad, unknown): (Vec<&String>, Vec<&String>) = missing.into_iter().partition(|n| rejected.contains(n.as_str()));
                if !unknown.is_empty() {
                    return Err(RegistrationError::Unknown(unknown.into_iter().map(|n| shown(n)).collect()));
                }
                if !bad.is_empty() {
                    return Err(RegistrationError::Rejected(bad.into_iter().cloned().collect()));
                }
                found
            }
        };
        let count = asked.len();
        let payees: Vec<&'v Payee> = asked.into_iter().filter(|p| !self.exclude.contains(p.payee_number.as_str())).collect();
        Ok(Chosen { registered: count - payees.len(), payees, asked: count })
    }
}

/// A payee number as typed, safe to print: escaped and cut.
fn shown(n: &str) -> String {
    crate::problem::shown(n, 40, crate::problem::Masking::Hyphenated)
}

impl DocumentKind for Registrations {
    type Doc = RegistrationLetter;
    type Extra = RegistrationFigures;

    fn kind(&self) -> Kind {
        Kind::Registration
    }

    fn period(&self) -> Period {
        let date = self.date;
        Period { key: date.to_string(), ident: format!("ssps-registration-letters-{date}"), date, month: Month::of(date) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.date(lang, self.date)
    }

    /// The letters carry a secret: the print job only.
    fn channels(&self) -> Allowed {
        Allowed::MAIL_ONLY
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, RegistrationLetter, RegistrationFigures>, OpError> {
        let v = ctx.read("registration letters", &[load::PAYEES.name])?;
        let chosen = self.choose(&v).map_err(|e| OpError::Kind(Box::new(e)))?;
        let letters: Vec<RegistrationLetter> =
            chosen.payees.iter().map(|p| registration::letter(p, &self.secret, &self.portal, self.date)).collect();
        let rows: Vec<CsvRow> = letters.iter().filter(|l| l.to().mail_address().is_some()).map(CsvRow::of).collect();
        let checks = balance(&self.secret, &chosen, &letters, rows.len());
        let figures = RegistrationFigures {
            registration: RegistrationSummary {
                letter_date: self.date,
                expires_on: regcode::expires(self.date),
                chosen: if self.payees.is_some() { "listed" } else { "all" },
                payees: chosen.asked,
                letters: letters.len(),
                skipped_registered: chosen.registered,
                registered_letters: rows.len(),
                csv: CSV_FILE,
                portal: self.portal.address.clone(),
                portal_confirmed: self.portal.confirmed,
            },
        };
        let own = move |dir: &Path, _: &Renderer| write_csv(dir, &rows);
        let mut composed = Composed::new(v, letters, checks, figures);
        composed.own_files = Some(Box::new(own));
        // A placeholder portal address or telephone must not go out unnoticed.
        composed.attention = !self.portal.confirmed;
        Ok(composed)
    }
}

/// The letters against the choice, computed again: one per chosen payee
/// not registered, each code its payee's for the date, each expiry 90 days on.
fn balance(secret: &Secret, chosen: &Chosen, letters: &[RegistrationLetter], mailed: usize) -> Vec<Check> {
    let mut payees: Vec<&str> = letters.iter().map(|l| l.payee_number.as_str()).collect();
    payees.sort_unstable();
    payees.dedup();
    let codes_right = letters.iter().filter(|l| regcode::matches(secret, &l.payee_number, l.letter_date, &l.code.to_string())).count();
    let expiry_right = letters.iter().filter(|l| (l.expires_on - l.letter_date).num_days() == regcode::VALID_DAYS).count();
    let to_mail = letters.iter().filter(|l| l.to().mail_address().is_some()).count();
    vec![
        Check::new("payees chosen = letters + payees skipped as registered", chosen.asked, letters.len() + chosen.registered),
        Check::new("each payee has one letter", letters.len(), payees.len()),
        Check::new("letters whose code is their payee's for the letter date (computed again)", letters.len(), codes_right),
        Check::new("letters whose code works 90 days after the letter date", letters.len(), expiry_right),
        Check::new("rows for registrations.csv = letters for the print job", to_mail, mailed),
    ]
}

/// One row of `registrations.csv`: never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CsvRow {
    payee_number: String,
    letter_date: NaiveDate,
    expires_on: NaiveDate,
    document_id: String,
}

impl CsvRow {
    fn of(l: &RegistrationLetter) -> CsvRow {
        CsvRow { payee_number: l.payee_number.clone(), letter_date: l.letter_date, expires_on: l.expires_on, document_id: l.id.to_string() }
    }
}

/// Writes `registrations.csv` (cells neutralised for spreadsheets), reads
/// it back and checks every row.
fn write_csv(dir: &Path, rows: &[CsvRow]) -> Result<Vec<Check>, OpError> {
    let err = |source| OpError::Csv { file: CSV_FILE.into(), source };
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).has_headers(false).from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(err)?;
    for r in rows {
        w.serialize(r).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| err(csv::Error::from(e.into_error())))?;
    let bytes = crate::spreadsheet::neutralise(&bytes, csv::Terminator::CRLF).map_err(err)?;
    let path = dir.join(CSV_FILE);
    std::fs::write(&path, &bytes).map_err(|source| RouteError::Write { path: path.clone(), source })?;

    let read_back = |m: String| OpError::ReadBack { file: CSV_FILE.into(), message: m };
    let back = std::fs::read(&path).map_err(|e| read_back(e.to_string()))?;
    let mut r = csv::Reader::from_reader(back.as_slice());
    let header: Vec<String> = r.headers().map_err(|e| read_back(e.to_string()))?.iter().map(str::to_string).collect();
    let mut read = 0usize;
    let mut same = 0usize;
    for (record, row) in r.records().zip(rows.iter().map(Some).chain(std::iter::repeat(None))) {
        let record = record.map_err(|e| read_back(e.to_string()))?;
        read += 1;
        let cell = |i: usize| crate::spreadsheet::restore(record.get(i).unwrap_or_default()).to_string();
        let Some(row) = row else { continue };
        if [cell(0), cell(1), cell(2), cell(3)]
            == [row.payee_number.clone(), row.letter_date.to_string(), row.expires_on.to_string(), row.document_id.clone()]
        {
            same += 1;
        }
    }
    Ok(vec![
        Check::new("registrations.csv has its columns", true, header == CSV_HEADER),
        Check::new("rows of registrations.csv (read back) = letters for the print job", rows.len(), read),
        Check::new("rows of registrations.csv equal to the letters'", rows.len(), same),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(payees: Option<&[&str]>, exclude: &[&str]) -> Registrations {
        Registrations {
            date: "2026-10-20".parse().unwrap(),
            secret: Secret::from_bytes(&[1u8; 32]).unwrap(),
            payees: payees.map(|l| l.iter().map(|s| s.to_string()).collect()),
            requested: false,
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            portal: Portal::bundled(),
        }
    }

    fn extract() -> Validated {
        crate::ops::read_extract(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026")).unwrap()
    }

    #[test]
    fn the_kind_takes_the_print_channel_only() {
        assert_eq!(kind(None, &[]).channels(), Allowed::MAIL_ONLY);
    }

    #[test]
    fn every_payee_or_the_listed_ones_less_the_registered() {
        let v = extract();
        let numbers = |c: &Chosen| c.payees.iter().map(|p| p.payee_number.to_string()).collect::<Vec<_>>();
        let all = kind(None, &[]).choose(&v).unwrap();
        assert_eq!((all.payees.len(), all.registered, all.asked), (7, 0, 7));
        let some = kind(None, &["100200300", "100200306", "999"]).choose(&v).unwrap();
        assert_eq!((numbers(&some).len(), some.registered, some.asked), (5, 2, 7), "an unknown excluded number is not counted");
        let listed = kind(Some(&["100200306", "100200305"]), &["100200306"]).choose(&v).unwrap();
        assert_eq!((numbers(&listed), listed.registered, listed.asked), (vec!["100200305".to_string()], 1, 2));
        let err = kind(Some(&["100200305", "999999999", "12\u{1b}3"]), &[]).choose(&v).err().unwrap();
        assert_eq!(err.to_string(), "--payees: payees 12\\u{1b}3, 999999999 are not in payees.csv: no letter was made");
        assert_eq!(kind(Some(&[]), &[]).choose(&v).err(), Some(RegistrationError::NoPayees));
        // Staff requested none: no letter, no error.
        let none = Registrations { requested: true, ..kind(Some(&[]), &[]) }.choose(&v).map(|c| (c.payees.len(), c.asked));
        assert_eq!(none.ok(), Some((0, 0)));
        let one = kind(Some(&["999999999"]), &[]).choose(&v).err().unwrap();
        assert_eq!(one.to_string(), "--payees: payee 999999999 is not in payees.csv: no letter was made");
    }

    #[test]
    fn a_listed_payee_whose_row_was_rejected_is_named_so() {
        let mut v = extract();
        let n = crate::model::PayeeNumber::parse("100200304").unwrap();
        v.extract.payees.remove(&n);
        let mut p = crate::problem::Problem::error("payees.csv", Some(6), Some("tin"), None, "bad");
        p.record = Some("payee 100200304".into());
        v.problems.push(p);
        let err = kind(Some(&["100200304"]), &[]).choose(&v).err().unwrap();
        assert_eq!(
            err.to_string(),
            "--payees: the row of payee 100200304 in payees.csv was rejected (`ssps check` says why): no letter was made"
        );
    }
}
