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
    /// The payees with documents in run folders indexed for the first
    /// time now (their people may be told by email).
    pub new_documents_for: std::collections::BTreeSet<String>,
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
    let before = store.run_indexed(name).map_err(|e| e.to_string())?;
    if before.as_deref() == Some(manifest_sha.as_str()) {
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
    if !store.replace_run(&record, &docs, before.as_deref()).map_err(|e| e.to_string())? {
        // Another server indexed it at the same moment (and told people).
        out.runs_unchanged += 1;
        return Ok(());
    }
    if before.is_none() {
        out.new_documents_for.extend(docs.iter().filter(|d| d.ok).map(|d| d.payee_number.clone()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::sqlite::SqliteStore;

    const HEADER: &str = "document_id,kind,recipient_kind,recipient_id,provider_number,pages,sha256,file,month,amount\n";

    fn sha(bytes: &[u8]) -> String {
        crate::portal::auth::hex(&Sha256::digest(bytes))
    }

    /// A run folder: `summary.json`, the files, and a manifest of
    /// `(document_id, recipient_kind, payee, file, sha256)` rows.
    fn make_run(dir: &Path, files: &[(&str, &[u8])], rows: &[(&str, &str, &str, &str, &str)]) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("summary.json"), r#"{"run": "invoices", "period": "2026-10", "documents": 2}"#).unwrap();
        for (name, bytes) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let mut m = HEADER.to_string();
        for (id, kind, payee, file, sha) in rows {
            m.push_str(&format!("{id},invoice,{kind},{payee},4001,1,{sha},{file},2026-10,12.50\n"));
        }
        std::fs::write(dir.join("manifest.csv"), m).unwrap();
    }

    fn two_runs(runs: &Path) {
        let a: &[u8] = b"%PDF-1.7 a";
        let b: &[u8] = b"%PDF-1.7 b";
        make_run(
            &runs.join("inv"),
            &[("documents/100200300/A.pdf", a), ("documents/100200301/B.pdf", b)],
            &[
                ("A", "payee", "100200300", "documents/100200300/A.pdf", &sha(a)),
                ("B", "payee", "100200301", "documents/100200301/B.pdf", &sha(b)),
                ("W", "worker", "W1001", "documents/100200301/B.pdf", &sha(b)),
            ],
        );
        make_run(
            &runs.join("ra"),
            &[("documents/100200300/RA-1.pdf", a)],
            &[("RA-1", "payee", "100200300", "documents/100200300/RA-1.pdf", &sha(a))],
        );
    }

    fn count(store: &SqliteStore) -> usize {
        ["100200300", "100200301", "W1001"].iter().map(|p| store.documents_of(p, None).unwrap().len()).sum()
    }

    #[test]
    fn indexing_twice_changes_nothing_and_a_new_run_is_added() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path();
        two_runs(runs);
        std::fs::create_dir(runs.join("not-a-run")).unwrap();
        std::fs::write(runs.join("stray.csv"), "x").unwrap();
        let store = SqliteStore::in_memory().unwrap();
        let first = index(&store, runs).unwrap();
        assert_eq!((first.runs_indexed, first.runs_unchanged, first.documents, first.letters), (2, 0, 3, 0));
        assert!(first.problems.is_empty());
        assert_eq!(
            first.new_documents_for.iter().map(String::as_str).collect::<Vec<_>>(),
            ["100200300", "100200301"],
            "new runs' payees, to notify"
        );
        let second = index(&store, runs).unwrap();
        assert_eq!(
            second,
            Indexed {
                runs_indexed: 0,
                runs_unchanged: 2,
                documents: 0,
                letters: 0,
                new_documents_for: Default::default(),
                problems: vec![]
            }
        );
        assert_eq!(count(&store), 3, "no document twice; the worker's copy not at all");
        assert!(store.documents_of("100200300", None).unwrap().iter().all(|d| d.ok));

        let c: &[u8] = b"%PDF-1.7 c";
        make_run(
            &runs.join("inv-nov"),
            &[("documents/100200300/C.pdf", c)],
            &[("C", "payee", "100200300", "documents/100200300/C.pdf", &sha(c))],
        );
        let third = index(&store, runs).unwrap();
        assert_eq!((third.runs_indexed, third.runs_unchanged, third.documents), (1, 2, 1));
        assert_eq!(count(&store), 4);
        assert_eq!(store.runs().unwrap().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["inv", "inv-nov", "ra"]);
    }

    #[test]
    fn a_changed_manifest_replaces_its_run() {
        let tmp = tempfile::tempdir().unwrap();
        two_runs(tmp.path());
        let store = SqliteStore::in_memory().unwrap();
        index(&store, tmp.path()).unwrap();
        let manifest = tmp.path().join("inv/manifest.csv");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("B,")).collect();
        std::fs::write(&manifest, kept.join("\n") + "\n").unwrap();
        let again = index(&store, tmp.path()).unwrap();
        assert_eq!((again.runs_indexed, again.runs_unchanged, again.documents), (1, 1, 1));
        assert_eq!(store.documents_of("100200301", None).unwrap(), []);
        assert_eq!(count(&store), 2);
    }

    #[test]
    fn files_that_changed_are_missing_linked_or_outside_the_run_are_recorded_as_not_served() {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        let good: &[u8] = b"%PDF-1.7 good";
        std::fs::write(tmp.path().join("outside.pdf"), good).unwrap();
        make_run(
            &runs.join("inv"),
            &[("documents/good.pdf", good), ("documents/changed.pdf", b"%PDF-1.7 changed")],
            &[
                ("G", "payee", "100200300", "documents/good.pdf", &sha(good)),
                ("C", "payee", "100200300", "documents/changed.pdf", &sha(good)),
                ("M", "payee", "100200300", "documents/missing.pdf", &sha(good)),
                ("U", "payee", "100200300", "../outside.pdf", &sha(good)),
                ("R", "payee", "100200300", "/etc/passwd", &sha(good)),
                ("L", "payee", "100200300", "documents/link.pdf", &sha(good)),
                ("D", "payee", "100200300", "documents", &sha(good)),
            ],
        );
        std::os::unix::fs::symlink(tmp.path().join("outside.pdf"), runs.join("inv/documents/link.pdf")).unwrap();
        let store = SqliteStore::in_memory().unwrap();
        let done = index(&store, &runs).unwrap();
        assert_eq!(
            done.problems,
            [
                "run inv: manifest.csv line 3: documents/changed.pdf not served: its bytes no longer match the manifest's SHA-256",
                "run inv: manifest.csv line 4: documents/missing.pdf not served: entity not found",
                "run inv: manifest.csv line 5: ../outside.pdf not served: the path leaves the run folder",
                "run inv: manifest.csv line 6: /etc/passwd not served: the path leaves the run folder",
                "run inv: manifest.csv line 7: documents/link.pdf not served: not a regular file",
                "run inv: manifest.csv line 8: documents not served: not a regular file",
            ]
        );
        let docs = store.documents_of("100200300", None).unwrap();
        let ok: Vec<(&str, bool)> = docs.iter().map(|d| (d.document_id.as_str(), d.ok)).collect();
        assert_eq!(ok, [("C", false), ("D", false), ("G", true), ("L", false), ("M", false), ("R", false), ("U", false)]);
        assert_eq!(read_verified(&runs.join("inv"), "documents/good.pdf", &sha(good).to_uppercase()).unwrap(), good);
        assert_eq!(inside(Path::new("/r"), "a/./b.pdf"), Some(PathBuf::from("/r/a/b.pdf")));
        assert_eq!(inside(Path::new("/r"), ""), None);
        assert_eq!(inside(Path::new("/r"), "a/../../b.pdf"), None);
    }

    #[test]
    fn registration_letters_are_added_and_broken_runs_reported_without_stopping_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        two_runs(tmp.path());
        std::fs::write(tmp.path().join("inv/registrations.csv"), "payee_number,letter_date\n100200300,2026-10-01\n100200300,2026-11-02\n")
            .unwrap();
        std::fs::write(tmp.path().join("ra/summary.json"), "{\"run\": \"remittances\"}").unwrap();
        let bad = tmp.path().join("bad\u{1b}[31m");
        make_run(&bad, &[], &[]);
        std::fs::write(bad.join("summary.json"), "not json").unwrap();
        let store = SqliteStore::in_memory().unwrap();
        let done = index(&store, tmp.path()).unwrap();
        assert_eq!((done.runs_indexed, done.letters, done.documents), (1, 2, 2));
        assert_eq!(
            done.problems,
            [
                "run bad\\u{1b}[31m: summary.json: expected ident at line 1 column 2",
                "run ra: summary.json: missing field `period` at line 1 column 22",
            ]
        );
        assert_eq!(store.newest_letter("100200300").unwrap(), Some("2026-11-02".parse().unwrap()));
        // The next pass reads the letters again (and counts them: the count
        // is of rows read), the run itself unchanged.
        let again = index(&store, tmp.path()).unwrap();
        assert_eq!((again.runs_indexed, again.runs_unchanged, again.letters), (0, 1, 2));
        assert_eq!(store.newest_letter("100200300").unwrap(), Some("2026-11-02".parse().unwrap()));
        assert_eq!(index(&store, &tmp.path().join("no-such-folder")).unwrap(), Indexed::default());
    }
}
