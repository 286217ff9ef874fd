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
    let dir = match opts.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(refuse(&opts.out, "its folder does not exist"));
    }
    let settings = crate::compose::registration::Portal::parse(opts.assets.text("data/portal.toml"), "data/portal.toml")
        .map_err(|e| OpError::Bundled { file: "data/portal.toml".into(), message: e.to_string() })?;
    let store = opts.db.open_existing()?;
    let batch = match opts.batch {
        Some(n) => Some(store.export_batch(n)?.ok_or_else(|| refuse(&opts.out, &format!("there is no export batch {n}")))?),
        None => {
            let cutoff = crate::portal::utc_of_pacific(opts.date.and_time(settings.claims.cutoff));
            store.export_claims(cutoff, now)?
        }
    };
    let Some(batch) = batch else { return Ok(Exported { batch: None, claims: 0, rows: 0 }) };
    let rows = write(&opts.out, &dir, &batch).map_err(|e| {
        refuse(&opts.out, &format!("cannot be written ({e}); the batch is kept: write it again with --batch {}", batch.batch))
    })?;
    Ok(Exported { batch: Some(batch.batch), claims: batch.claims.len(), rows })
}

/// Writes the batch's rows to a file beside `out`, then renames it in.
fn write(out: &Path, dir: &Path, batch: &ExportBatch) -> std::io::Result<usize> {
    let mut text = format!("{HEADER}\n");
    let mut rows = 0;
    for c in &batch.claims {
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
    let tmp = dir.join(format!(".{}.part", out.file_name().and_then(|n| n.to_str()).unwrap_or("invoice_claims.csv")));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    // A hard link fails if `out` appeared meanwhile: never replaced.
    let linked = std::fs::hard_link(&tmp, out);
    let _ = std::fs::remove_file(&tmp);
    linked?;
    Ok(rows)
}
