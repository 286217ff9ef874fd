//! Stage 6, journal: what a run produced and what it refused, on disk.
//!
//! - `manifest.csv`: a row per document (id, kind, payee, provider,
//!   recipient, ZIP, channels, pages, sha256, file);
//! - `rejects.csv`: every rejected record with file, line, column, value and
//!   the rule it broke (TIN values masked);
//! - `summary.json`: counts, totals and the accounting proof.
//!
//! A run writes into a staging folder beside the destination and swaps it in
//! at the end ([`Staging::commit`]), so a crash never leaves a half-written
//! run folder behind: the destination holds either the previous complete
//! run or the new complete run.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::problem::Problem;

/// Why the run's files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file or folder operation failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The destination exists and is not an ssps run folder.
    #[error("refusing to replace {0}: it is not empty and holds no summary.json from an earlier ssps run; choose another --out folder")]
    NotARunFolder(PathBuf),
    /// CSV writing failed.
    #[error("cannot write {path}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// JSON writing failed.
    #[error("cannot write {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

fn io<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> JournalError + 'p {
    move |source| JournalError::Io { action, path: path.to_path_buf(), source }
}

/// A run folder being written: `<out>.partial` beside `<out>`.
pub struct Staging {
    dest: PathBuf,
    dir: PathBuf,
    committed: bool,
}

/// A run that stops before `commit` (an error) removes its staging folder;
/// the destination keeps the previous complete run.
impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl Staging {
    /// Prepares a fresh staging folder for `dest`. Refuses a destination that
    /// exists, is not empty, and was not written by ssps.
    pub fn begin(dest: &Path) -> Result<Staging, JournalError> {
        if dest.exists() {
            let empty = fs::read_dir(dest).map_err(io("read", dest))?.next().is_none();
            if !empty && !dest.join("summary.json").is_file() {
                return Err(JournalError::NotARunFolder(dest.to_path_buf()));
            }
        }
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io("create", parent))?;
        let dir = parent.join(format!(".{name}.partial"));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io("remove the stale staging folder", &dir))?;
        }
        // A previous crash between the two renames of `commit` leaves `.old`.
        let old = parent.join(format!(".{name}.old"));
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io("remove", &old))?;
        }
        fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        Ok(Staging { dest: dest.to_path_buf(), dir, committed: false })
    }

    /// The folder to write into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Swaps the finished staging folder into place.
    pub fn commit(mut self) -> Result<(), JournalError> {
        let name = self.dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let parent = self.dir.parent().unwrap_or(Path::new("."));
        let old = parent.join(format!(".{name}.old"));
        if self.dest.exists() {
            fs::rename(&self.dest, &old).map_err(io("move aside", &self.dest))?;
        }
        fs::rename(&self.dir, &self.dest).map_err(io("move into place", &self.dest))?;
        self.committed = true;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io("remove", &old))?;
        }
        Ok(())
    }
}

/// One row of `manifest.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestRow {
    /// Document identifier (the invoice number for invoices).
    pub document_id: String,
    /// `invoice`, ….
    pub kind: &'static str,
    /// Payee number.
    pub payee_number: String,
    /// Provider number, when the document is a provider's.
    pub provider_number: String,
    /// The name the document is addressed to.
    pub recipient_name: String,
    /// Mailing ZIP.
    pub zip: String,
    /// Channels, `;`-separated: `mail`, `download`, `unmailable` (paper was
    /// wanted but the address cannot be mailed).
    pub channels: String,
    /// Pages of the document (without blank backs).
    pub pages: usize,
    /// SHA-256 of the document's PDF.
    pub sha256: String,
    /// Path of the document's PDF in the run folder.
    pub file: String,
    /// Service month.
    pub month: String,
    /// Service lines.
    pub lines: usize,
    /// Sum of AMOUNT AUTHORIZED.
    pub amount: String,
    /// Envelope sequence in the print job, when mailed.
    pub envelope: Option<usize>,
    /// Batch file under `print/`, when mailed.
    pub print_file: Option<String>,
    /// First page in that batch file (1-based), when mailed.
    pub print_first_page: Option<usize>,
}

/// Writes `manifest.csv`.
pub fn write_manifest(dir: &Path, rows: &[ManifestRow]) -> Result<(), JournalError> {
    let path = dir.join("manifest.csv");
    let csv_err = |source| JournalError::Csv { path: path.clone(), source };
    let mut w = csv::Writer::from_path(&path).map_err(csv_err)?;
    for r in rows {
        w.serialize(r).map_err(csv_err)?;
    }
    w.flush().map_err(io("write", &path))?;
    Ok(())
}

#[derive(Serialize)]
struct RejectRow<'a> {
    severity: &'a str,
    file: &'a str,
    line: Option<u64>,
    column: Option<&'a str>,
    value: Option<&'a str>,
    record: Option<&'a str>,
    rule: &'a str,
}

/// Writes `rejects.csv`: every error and every unmailable address (warnings
/// are in the summary). Returns how many rows it wrote.
pub fn write_rejects(dir: &Path, problems: &[Problem]) -> Result<usize, JournalError> {
    let path = dir.join("rejects.csv");
    let csv_err = |source| JournalError::Csv { path: path.clone(), source };
    // The header is written by hand so that a run without problems still
    // gets one; rows are serialized without their own.
    let mut w = csv::WriterBuilder::new().has_headers(false).from_path(&path).map_err(csv_err)?;
    w.write_record(["severity", "file", "line", "column", "value", "record", "rule"]).map_err(csv_err)?;
    let mut n = 0;
    for p in problems.iter().filter(|p| p.needs_action()) {
        let row = RejectRow {
            severity: if p.is_error() { "error" } else { "unmailable" },
            file: &p.file,
            line: p.line,
            column: p.column.as_deref(),
            value: p.value.as_deref(),
            record: p.record.as_deref(),
            rule: &p.rule,
        };
        w.serialize(row).map_err(csv_err)?;
        n += 1;
    }
    w.flush().map_err(io("write", &path))?;
    Ok(n)
}

/// Writes any serializable summary as pretty JSON with a final newline.
pub fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), JournalError> {
    let path = dir.join(name);
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| JournalError::Json { path: path.clone(), source })?;
    bytes.push(b'\n');
    let mut f = fs::File::create(&path).map_err(io("create", &path))?;
    f.write_all(&bytes).map_err(io("write", &path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_refuses_a_foreign_folder_and_replaces_its_own() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        fs::create_dir_all(&dest).unwrap();
        fs::write(dest.join("thesis.txt"), "precious").unwrap();
        let err = Staging::begin(&dest).err().unwrap();
        assert!(err.to_string().starts_with("refusing to replace"), "{err}");

        let dest = tmp.path().join("run");
        let s = Staging::begin(&dest).unwrap();
        fs::write(s.dir().join("summary.json"), "{}").unwrap();
        fs::write(s.dir().join("a.txt"), "1").unwrap();
        s.commit().unwrap();
        let s = Staging::begin(&dest).unwrap();
        fs::write(s.dir().join("summary.json"), "{}").unwrap();
        // Before commit, the old run is untouched.
        assert_eq!(fs::read_to_string(dest.join("a.txt")).unwrap(), "1");
        s.commit().unwrap();
        assert!(!dest.join("a.txt").exists());
        // A run that fails before commit leaves nothing behind.
        let s = Staging::begin(&dest).unwrap();
        fs::write(s.dir().join("half.pdf"), "x").unwrap();
        drop(s);
        assert!(dest.join("summary.json").exists());
        assert!(dest.join("summary.json").exists());
        let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}"); // out and run, no .partial or .old
    }
}
