//! The index of the run folders the portal serves documents from.
//!
//! Each folder under `--runs` holding a `summary.json` and a
//! `manifest.csv` is a run. Its payee documents (manifest rows with
//! `recipient_kind` `payee`) are recorded with their SHA-256, after the
//! file's bytes are checked against it; a file that does not match, is
//! missing, or whose path leaves the run folder is recorded as not
//! servable and reported. A run's `registrations.csv` adds its
//! registration letters. Re-indexing is idempotent: a run whose manifest
//! is unchanged is skipped; a changed one is replaced in one transaction.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::store::{DocRecord, RunRecord, Store, StoreError};

/// What an indexing pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Indexed {
    /// Runs (re)indexed now.
    pub runs_indexed: usize,
    /// Runs unchanged since the last pass.
    pub runs_unchanged: usize,
    /// Payee documents recorded now.
    pub documents: usize,
    /// Registration letters recorded now.
    pub letters: usize,
    /// What could not be indexed or served, one line each, safe to print
    /// (names no person: folder, file and the reason).
    pub problems: Vec<String>,
}

/// Why a pass failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The runs folder cannot be listed.
    #[error("cannot read the runs folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(serde::Deserialize)]
struct SummaryHead {
    run: String,
    period: String,
}

#[derive(serde::Deserialize)]
struct ManifestRow {
    document_id: String,
    kind: String,
    recipient_kind: String,
    recipient_id: String,
    pages: i64,
    sha256: String,
    file: String,
    month: String,
    amount: String,
}

#[derive(serde::Deserialize)]
struct Registration {
    payee_number: String,
    letter_date: chrono::NaiveDate,
}

/// Indexes every run folder under `runs`.
pub fn index(store: &dyn Store, runs: &Path) -> Result<Indexed, IndexError> {
    let mut out = Indexed::default();
    let entries = match std::fs::read_dir(runs) {
        Ok(e) => e,
        // No runs yet: nothing to serve but the extract.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(source) => return Err(IndexError::Folder { path: runs.to_path_buf(), source }),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let dir = runs.join(&name);
        if !dir.join("manifest.csv").is_file() || !dir.join("summary.json").is_file() {
            continue;
        }
        if let Err(problem) = index_run(store, &dir, &name, &mut out) {
            out.problems.push(format!("run {}: {problem}", safe(&name)));
        }
    }
    Ok(out)
}

fn index_run(store: &dyn Store, dir: &Path, name: &str, out: &mut Indexed) -> Result<(), String> {
    let manifest = std::fs::read(dir.join("manifest.csv")).map_err(|e| format!("manifest.csv: {e}"))?;
    let manifest_sha = super::auth::hex(&Sha256::digest(&manifest));
    let summary = std::fs::read(dir.join("summary.json")).map_err(|e| format!("summary.json: {e}"))?;
    let head: SummaryHead = serde_json::from_slice(&summary).map_err(|e| format!("summary.json: {e}"))?;
    // Registration letters first: they are cheap, and idempotent.
    let regs = dir.join("registrations.csv");
    if regs.is_file() {
        let mut r = csv::Reader::from_path(&regs).map_err(|e| format!("registrations.csv: {e}"))?;
        for row in r.deserialize::<Registration>() {
            let row = row.map_err(|e| format!("registrations.csv: {e}"))?;
            store.add_letter(&row.payee_number, row.letter_date, name).map_err(|e| e.to_string())?;
            out.letters += 1;
        }
    }
    if store.run_indexed(name).map_err(|e| e.to_string())?.as_deref() == Some(manifest_sha.as_str()) {
        out.runs_unchanged += 1;
        return Ok(());
    }
    let mut docs = Vec::new();
    let mut r = csv::Reader::from_reader(manifest.as_slice());
    for (i, row) in r.deserialize::<ManifestRow>().enumerate() {
        let row = row.map_err(|e| format!("manifest.csv: {e}"))?;
        if row.recipient_kind != "payee" {
            continue;
        }
        let ok = match verify(dir, &row.file, &row.sha256) {
            Ok(()) => true,
            Err(why) => {
                out.problems.push(format!("run {}: manifest.csv line {}: {} not served: {why}", safe(name), i + 2, safe(&row.file)));
                false
            }
        };
        docs.push(DocRecord {
            run: name.to_string(),
            document_id: row.document_id,
            kind: row.kind,
            payee_number: row.recipient_id,
            file: row.file,
            sha256: row.sha256,
            pages: row.pages,
            amount: row.amount,
            month: row.month,
            ok,
        });
    }
    let record = RunRecord { name: name.to_string(), run: head.run, period: head.period, manifest_sha256: manifest_sha };
    store.replace_run(&record, &docs).map_err(|e| e.to_string())?;
    out.documents += docs.len();
    out.runs_indexed += 1;
    Ok(())
}

/// The path of a manifest's `file` inside its run folder: relative, plain
/// names only (no `..`, no root, no prefix).
pub fn inside(dir: &Path, file: &str) -> Option<PathBuf> {
    let rel = Path::new(file);
    if file.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(dir.join(rel))
}

/// Reads a run's document, refusing links and anything outside the run
/// folder, and checks its SHA-256; the bytes when they match.
pub fn read_verified(dir: &Path, file: &str, sha256: &str) -> Result<Vec<u8>, String> {
    let path = inside(dir, file).ok_or("the path leaves the run folder")?;
    let meta = std::fs::symlink_metadata(&path).map_err(|e| e.kind().to_string())?;
    if !meta.file_type().is_file() {
        return Err("not a regular file".into());
    }
    let real_dir = dir.canonicalize().map_err(|e| e.kind().to_string())?;
    let real = path.canonicalize().map_err(|e| e.kind().to_string())?;
    if !real.starts_with(&real_dir) {
        return Err("the path leaves the run folder".into());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(&real).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(|e| e.kind().to_string())?;
    let found = super::auth::hex(&Sha256::digest(&bytes));
    if !found.eq_ignore_ascii_case(sha256) {
        return Err("its bytes no longer match the manifest's SHA-256".into());
    }
    Ok(bytes)
}

fn verify(dir: &Path, file: &str, sha256: &str) -> Result<(), String> {
    read_verified(dir, file, sha256).map(drop)
}

/// A folder or file name made safe to print (controls escaped, cut).
fn safe(s: &str) -> String {
    crate::problem::shown(s, 120, crate::problem::Masking::Hyphenated)
}
