//! Stage 6, journal: what a run produced and what it refused, on disk.
//!
//! - `manifest.csv`: a row per document (id, kind, recipient kind and id,
//!   provider, recipient name, ZIP, channels, pages, sha256, file, amount);
//! - `rejects.csv`: every rejected record with file, line, column, value and
//!   the rule it broke (TIN values masked);
//!
//! Both CSV files are for people: their cells are neutralised against
//! spreadsheet formulas ([`crate::spreadsheet`]).
//! - `summary.json`: counts, totals and the accounting proof.
//!
//! A run writes into a staging folder beside the destination and swaps it in
//! at the end ([`Staging::commit`]), so a crash never leaves a half-written
//! run folder behind: the destination holds either the previous complete
//! run or the new complete run.
//!
//! A run folder is recognised by ssps's own marker, [`MARKER`] (a small
//! JSON file naming the format and its version), never by a file name
//! anyone could make: a folder without it is refused and left untouched,
//! and so are staging leftovers (`.<name>.partial`, `.<name>.old`) that lack
//! it. An `--out` folder equal to the extract folder, inside it, or holding
//! it is refused before anything is written.

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
    #[error("refusing to replace {0}: it is not empty and is not a run folder written by ssps (it has no {MARKER} marker); nothing was changed, choose another --out folder")]
    NotARunFolder(PathBuf),
    /// The destination is a file, or something else that is not a folder.
    #[error("refusing to use {0} as the run folder: it exists and is not a folder; nothing was changed")]
    NotAFolder(PathBuf),
    /// The run folder and the extract folder overlap.
    #[error("refusing to write the run into {out}: it {how} the extract folder {data}; choose an --out folder outside it")]
    Overlaps {
        /// The run folder.
        out: PathBuf,
        /// `is`, `is inside`, `holds`.
        how: &'static str,
        /// The extract folder.
        data: PathBuf,
    },
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

/// The marker file of a run folder written by ssps.
pub const MARKER: &str = ".ssps-run";
/// The marker's content: the run folder format and its version.
const MARKER_CONTENT: &str = "{\"format\": \"ssps-run\", \"version\": 1}\n";

/// Whether `dir` is a run folder of ssps's: a real folder (not a link)
/// holding the marker with the format's name and a version this build reads.
pub fn is_run_folder(dir: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(dir) else { return false };
    if !meta.is_dir() {
        return false;
    }
    let marker = dir.join(MARKER);
    match fs::symlink_metadata(&marker) {
        Ok(m) if m.is_file() && m.len() < 1024 => {}
        _ => return false,
    }
    let Ok(text) = fs::read_to_string(&marker) else { return false };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|v| v["format"] == "ssps-run" && v["version"].as_u64().is_some_and(|n| n >= 1))
}

/// The absolute, link-free form of `p`, which need not exist yet: its
/// nearest existing ancestor resolved, the rest appended.
fn resolved(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = cur.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

/// Refuses a run folder that is the extract folder, lies inside it, or
/// holds it.
pub fn check_apart(out: &Path, data: &Path) -> Result<(), JournalError> {
    let (o, d) = (resolved(out), resolved(data));
    let how = if o == d {
        "is"
    } else if o.starts_with(&d) {
        "is inside"
    } else if d.starts_with(&o) {
        "holds"
    } else {
        return Ok(());
    };
    Err(JournalError::Overlaps { out: out.to_path_buf(), how, data: data.to_path_buf() })
}

/// Removes a staging leftover only if ssps wrote it.
fn remove_leftover(dir: &Path) -> Result<(), JournalError> {
    if fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    if !is_run_folder(dir) {
        return Err(JournalError::NotARunFolder(dir.to_path_buf()));
    }
    fs::remove_dir_all(dir).map_err(io("remove the stale staging folder", dir))
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
    /// Prepares a fresh staging folder for `dest`, the run of the extract
    /// in `data`. Refuses a destination that exists and is not an ssps run
    /// folder (unless it is an empty folder), and one that overlaps `data`.
    pub fn begin(dest: &Path, data: &Path) -> Result<Staging, JournalError> {
        check_apart(dest, data)?;
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // A crash between the two renames of `commit` leaves the previous
        // run as `.old` and no destination: put it back before anything.
        let old = parent.join(format!(".{name}.old"));
        if fs::symlink_metadata(dest).is_err() && is_run_folder(&old) {
            fs::rename(&old, dest).map_err(io("restore the previous run from", &old))?;
        }
        if let Ok(meta) = fs::symlink_metadata(dest) {
            if !meta.is_dir() {
                return Err(JournalError::NotAFolder(dest.to_path_buf()));
            }
            let empty = fs::read_dir(dest).map_err(io("read", dest))?.next().is_none();
            if !empty && !is_run_folder(dest) {
                return Err(JournalError::NotARunFolder(dest.to_path_buf()));
            }
        }
        fs::create_dir_all(parent).map_err(io("create", parent))?;
        let dir = parent.join(format!(".{name}.partial"));
        remove_leftover(&dir)?;
        // `.old` beside a destination that exists: the previous run was
        // committed over it; what is left is ours to remove.
        remove_leftover(&old)?;
        fs::create_dir(&dir).map_err(io("create", &dir))?;
        let staging = Staging { dest: dest.to_path_buf(), dir, committed: false };
        // The marker first: whatever happens next, the folder is ours.
        let marker = staging.dir.join(MARKER);
        fs::write(&marker, MARKER_CONTENT).map_err(io("write", &marker))?;
        Ok(staging)
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
        if fs::symlink_metadata(&self.dest).is_ok() {
            // Checked again at the last moment: a folder that became
            // someone else's since `begin` is not replaced.
            let empty = fs::read_dir(&self.dest).map_err(io("read", &self.dest))?.next().is_none();
            if !empty && !is_run_folder(&self.dest) {
                return Err(JournalError::NotARunFolder(self.dest.clone()));
            }
            if empty {
                fs::remove_dir(&self.dest).map_err(io("remove the empty folder", &self.dest))?;
            } else {
                fs::rename(&self.dest, &old).map_err(io("move aside", &self.dest))?;
            }
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
    /// `payee`, `client` or `staff`.
    pub recipient_kind: &'static str,
    /// The payee number, or the client ID of a client's letter.
    pub recipient_id: String,
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
    /// The amount the document is about (authorized, paid, owed), a plain
    /// decimal.
    #[serde(serialize_with = "crate::money::csv")]
    pub amount: rust_decimal::Decimal,
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
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| csv_err(std::io::Error::other(e.to_string()).into()))?;
    write_for_people(&path, &bytes)
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
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
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
    let bytes = w.into_inner().map_err(|e| csv_err(std::io::Error::other(e.to_string()).into()))?;
    write_for_people(&path, &bytes)?;
    Ok(n)
}

/// Writes a CSV file people open in a spreadsheet, its cells neutralised
/// ([`crate::spreadsheet`]).
fn write_for_people(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let safe = crate::spreadsheet::neutralise(bytes, csv::Terminator::Any(b'\n'))
        .map_err(|source| JournalError::Csv { path: path.to_path_buf(), source })?;
    fs::write(path, safe).map_err(io("write", path))
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
        let data = tmp.path().join("data");
        let err = Staging::begin(&dest, &data).err().unwrap();
        assert!(err.to_string().starts_with("refusing to replace"), "{err}");
        // A summary.json anyone can write does not make it a run folder.
        fs::write(dest.join("summary.json"), "{}").unwrap();
        assert!(Staging::begin(&dest, &data).is_err());
        assert_eq!(fs::read_to_string(dest.join("thesis.txt")).unwrap(), "precious");

        let dest = tmp.path().join("run");
        let s = Staging::begin(&dest, &data).unwrap();
        fs::write(s.dir().join("summary.json"), "{}").unwrap();
        fs::write(s.dir().join("a.txt"), "1").unwrap();
        s.commit().unwrap();
        let s = Staging::begin(&dest, &data).unwrap();
        fs::write(s.dir().join("summary.json"), "{}").unwrap();
        // Before commit, the old run is untouched.
        assert_eq!(fs::read_to_string(dest.join("a.txt")).unwrap(), "1");
        s.commit().unwrap();
        assert!(!dest.join("a.txt").exists());
        // A run that fails before commit leaves nothing behind.
        let s = Staging::begin(&dest, &data).unwrap();
        fs::write(s.dir().join("half.pdf"), "x").unwrap();
        drop(s);
        assert!(dest.join("summary.json").exists());
        assert!(dest.join("summary.json").exists());
        let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}"); // out and run, no .partial or .old
    }

    #[test]
    fn a_crash_between_the_two_renames_of_commit_keeps_the_previous_run() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let dest = tmp.path().join("run");
        let s = Staging::begin(&dest, &data).unwrap();
        fs::write(s.dir().join("a.txt"), "first").unwrap();
        s.commit().unwrap();
        // As if killed after moving the run aside and before moving the new one in.
        fs::rename(&dest, tmp.path().join(".run.old")).unwrap();
        let s = Staging::begin(&dest, &data).unwrap();
        assert_eq!(fs::read_to_string(dest.join("a.txt")).unwrap(), "first", "restored before the new run starts");
        drop(s); // and a run that then fails leaves it there
        assert_eq!(fs::read_to_string(dest.join("a.txt")).unwrap(), "first");
    }

    #[test]
    fn staging_leftovers_that_are_not_ours_are_kept_and_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("run");
        let partial = tmp.path().join(".run.partial");
        fs::create_dir_all(&partial).unwrap();
        fs::write(partial.join("notes.txt"), "mine").unwrap();
        let err = Staging::begin(&dest, &tmp.path().join("data")).err().unwrap();
        assert!(err.to_string().contains(".run.partial"), "{err}");
        assert_eq!(fs::read_to_string(partial.join("notes.txt")).unwrap(), "mine");
    }

    #[test]
    fn the_run_folder_and_the_extract_folder_must_not_overlap() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("extract");
        fs::create_dir_all(&data).unwrap();
        let msg = |out: &Path, data: &Path| Staging::begin(out, data).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg(&data, &data).contains("it is the extract folder"), "{}", msg(&data, &data));
        assert!(msg(&data.join("out"), &data).contains("it is inside the extract folder"));
        assert!(msg(tmp.path(), &data).contains("it holds the extract folder"));
        // Through a relative path and a `..` too.
        let sneaky = data.join("sub").join("..").join("run");
        assert!(msg(&sneaky, &data).contains("is inside"), "{}", msg(&sneaky, &data));
        assert!(!data.join("out").exists(), "nothing was created");
    }
}
