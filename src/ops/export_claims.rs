//! `ssps portal export-claims`: the claims providers submitted online,
//! as `invoice_claims.csv` rows for the payment system (the format
//! `ssps claim` reads), each submission exactly once.
//!
//! A processing day takes every submission sent before its cutoff
//! (`data/portal.toml`'s `[claims] cutoff`, Washington time) that no
//! earlier export took: the store marks them with a new batch number in
//! one transaction (two servers exporting at once cannot both take a row),
//! then the file is written beside its final name and renamed into place;
//! a file that exists is never replaced. Should the file be lost after the
//! batch was taken, `--batch N` writes that batch again.
//!
//! An invoice is never claimed twice: `--data DIR` (the newest extract, as
//! the nightly processing has it; required) checks each submission again
//! before it is written, also when a batch is written again. One whose invoice was meanwhile claimed by mail or
//! telephone (a line of it for its month in `invoice_claims.csv`) or paid
//! is held back: not in the file, but in `<out>.held.csv` beside it, with
//! the reason, for staff to settle with the provider. The portal checks
//! the same when the provider submits, against the extract it started with.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::portal::PortalError;
use super::OpError;
use crate::portal::claims::read_entries;
use crate::portal::database::Database;
use crate::portal::store::ExportBatch;

/// What to export.
pub struct ExportOptions {
    /// The portal's database.
    pub db: Database,
    /// The CSV file to write (must not exist).
    pub out: PathBuf,
    /// The processing day (its cutoff bounds the submissions taken).
    pub date: NaiveDate,
    /// Write this earlier batch again instead of taking a new one.
    pub batch: Option<i64>,
    /// Templates, texts and data files (the cutoff).
    pub assets: crate::assets::Assets,
    /// The newest extract: submissions claimed meanwhile by mail or
    /// telephone, or paid, are held back (the set only grows, so a batch
    /// written again holds back at least what it held the first time).
    pub data: PathBuf,
}

/// What was exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The batch, `None` when no submission was waiting.
    pub batch: Option<i64>,
    /// Submissions in it.
    pub claims: usize,
    /// `invoice_claims.csv` rows written (one per line claimed).
    pub rows: usize,
    /// Submissions held back (claimed elsewhere or paid meanwhile), listed
    /// in [`held_path`].
    pub held: usize,
}

/// Where the held-back submissions of an export to `out` are listed:
/// `claims.csv` → `claims.held.csv`.
pub fn held_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("invoice_claims");
    out.with_file_name(format!("{stem}.held.csv"))
}

/// The header of the held-back list.
pub const HELD_HEADER: &str = "payee_number,invoice_number,month,reason";

/// What the newest extract says of invoice lines: (month, reference
/// number) claimed by mail or telephone, and paid.
struct Elsewhere {
    claimed: HashSet<(String, String)>,
    paid: HashSet<(String, String)>,
}

impl Elsewhere {
    fn read(data: &Path, assets: &crate::assets::Assets) -> Result<Elsewhere, PortalError> {
        let holidays = super::RunOptions { assets: assets.clone(), ..Default::default() }.holidays()?;
        let validated = super::read_extract_with(data, &holidays).map_err(OpError::from)?;
        let x = validated.extract;
        Ok(Elsewhere {
            claimed: x.invoice_claims.iter().map(|c| (c.month.to_string(), c.reference_number.to_string())).collect(),
            paid: x
                .payment_lines
                .iter()
                .filter_map(|l| Some((l.service_month.to_string(), l.reference_number.as_ref()?.to_string())))
                .collect(),
        })
    }

    /// Why a submission is held back, if it is.
    fn holds(&self, c: &crate::portal::store::ClaimRecord) -> Option<&'static str> {
        let keys: Vec<(String, String)> = read_entries(&c.entries).into_keys().map(|r| (c.month.clone(), r)).collect();
        if keys.iter().any(|k| self.paid.contains(k)) {
            Some("paid")
        } else if keys.iter().any(|k| self.claimed.contains(k)) {
            Some("claimed by mail or telephone")
        } else {
            None
        }
    }
}

/// The header `ssps claim` reads (docs/records.md).
pub const HEADER: &str = "invoice_number,reference_number,month,units_claimed,corrected_rate";

fn refuse(out: &Path, why: &str) -> PortalError {
    PortalError::Op(OpError::Kind(format!("{}: {why}; nothing was exported", out.display()).into()))
}

/// Exports the submissions sent before `opts.date`'s cutoff, or writes
/// batch `opts.batch` again.
pub fn export(opts: &ExportOptions, now: i64) -> Result<Exported, PortalError> {
    if opts.out.symlink_metadata().is_ok() {
        return Err(refuse(&opts.out, "exists (an export never replaces a file: name a new one)"));
    }
    let held_file = held_path(&opts.out);
    if held_file.symlink_metadata().is_ok() {
        return Err(refuse(&held_file, "exists (an export never replaces a file: name a new one)"));
    }
    let dir = match opts.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(refuse(&opts.out, "its folder does not exist"));
    }
    let settings = crate::compose::registration::Portal::parse(opts.assets.text("data/portal.toml"), "data/portal.toml")
        .map_err(|e| OpError::Bundled { file: "data/portal.toml".into(), message: e.to_string() })?;
    // Read before a batch is taken: a bad extract takes nothing.
    let elsewhere = Elsewhere::read(&opts.data, &opts.assets)?;
    let store = opts.db.open_existing()?;
    let batch = match opts.batch {
        Some(n) => Some(store.export_batch(n)?.ok_or_else(|| refuse(&opts.out, &format!("there is no export batch {n}")))?),
        None => {
            let cutoff = crate::portal::utc_of_pacific(opts.date.and_time(settings.claims.cutoff));
            store.export_claims(cutoff, now)?
        }
    };
    let Some(batch) = batch else { return Ok(Exported { batch: None, claims: 0, rows: 0, held: 0 }) };
    let again = |e: std::io::Error| {
        refuse(&opts.out, &format!("cannot be written ({e}); the batch is kept: write it again with --batch {}", batch.batch))
    };
    let (text, rows, held) = rows_of(&batch, &elsewhere);
    if !held.is_empty() {
        let mut list = format!("{HELD_HEADER}\n");
        for (c, why) in &held {
            list.push_str(&format!("{},{},{},{why}\n", c.payee_number, c.invoice_number, c.month));
        }
        write_new(&held_file, &dir, &list).map_err(again)?;
    }
    write_new(&opts.out, &dir, &text).map_err(again)?;
    Ok(Exported { batch: Some(batch.batch), claims: batch.claims.len() - held.len(), rows, held: held.len() })
}

/// The batch's `invoice_claims.csv` text and row count, and the
/// submissions held back with the reason.
fn rows_of<'a>(
    batch: &'a ExportBatch,
    elsewhere: &Elsewhere,
) -> (String, usize, Vec<(&'a crate::portal::store::ClaimRecord, &'static str)>) {
    let mut text = format!("{HEADER}\n");
    let mut rows = 0;
    let mut held = vec![];
    for c in &batch.claims {
        if let Some(why) = elsewhere.holds(c) {
            held.push((c, why));
            continue;
        }
        for (reference, e) in read_entries(&c.entries) {
            let units: rust_decimal::Decimal = match e.units.trim().parse() {
                Ok(u) => u,
                Err(_) => continue,
            };
            let rate = e.corrected_rate.trim().trim_start_matches('$');
            text.push_str(&format!("{},{},{},{},{}\n", c.invoice_number, reference, c.month, units.normalize(), rate));
            rows += 1;
        }
    }
    (text, rows, held)
}

/// Writes `text` to a file beside `out`, then links it in: a file that
/// appeared meanwhile is never replaced.
fn write_new(out: &Path, dir: &Path, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{}.part", out.file_name().and_then(|n| n.to_str()).unwrap_or("invoice_claims.csv")));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    // A hard link fails if `out` appeared meanwhile: never replaced.
    let linked = std::fs::hard_link(&tmp, out);
    let _ = std::fs::remove_file(&tmp);
    linked
}
