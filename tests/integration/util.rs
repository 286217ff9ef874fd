//! Shared test helpers: run the binary, read PDFs and CSVs back.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The bundled October 2026 extract.
pub fn oct_2026() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026")
}

/// Runs `ssps` with `args`. The caller's SMTP settings never reach a test
/// run (they would send real email), nor an array job's task index.
pub fn ssps(args: &[&str]) -> Output {
    ssps_env(args, &[])
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies an extract folder so a test can break it.
pub fn copy_extract(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "csv") {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Replaces `from` with `to` in one file of an extract, once; panics if absent.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
}

/// Runs poppler's `pdftotext` (installed by `.ci/run`) on a PDF: the text of
/// each page (pages are separated by form feeds), whitespace collapsed.
fn pdftotext(path: &Path) -> Vec<String> {
    let out =
        Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(path).arg("-").output().unwrap_or_else(|e| {
            panic!("cannot run pdftotext ({e}); install poppler-utils, or run the tests with `bash .ci/run`, which does")
        });
    assert!(out.status.success(), "pdftotext {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("pdftotext writes UTF-8");
    let mut pages: Vec<String> = text.split('\u{c}').map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    if pages.last().is_some_and(String::is_empty) {
        pages.pop(); // after the last page's form feed
    }
    pages
}

/// The text of a PDF, whitespace collapsed to single spaces.
pub fn pdf_text(path: &Path) -> String {
    pdftotext(path).join(" ")
}

/// The text of each page of a PDF.
pub fn pdf_pages_text(path: &Path) -> Vec<String> {
    pdftotext(path)
}

/// Pages in a PDF, counted by a real PDF parser.
pub fn pdf_page_count(path: &Path) -> usize {
    lopdf::Document::load(path).unwrap_or_else(|e| panic!("load {}: {e}", path.display())).get_pages().len()
}

/// A CSV file as rows of (header → value).
pub fn read_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// An amount as `summary.json` writes it: a plain JSON number, read
/// exactly as a decimal (its shortest text form is the amount's).
pub fn amount(v: &serde_json::Value) -> rust_decimal::Decimal {
    assert!(v.is_number(), "an amount is a JSON number, not {v}");
    v.to_string().parse().unwrap_or_else(|e| panic!("{v} is not a decimal: {e}"))
}

/// Runs `ssps` with `args` and these environment variables (an array
/// job's task index); the caller's array-job variables never reach it.
pub fn ssps_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssps"));
    c.args(args).env("NO_COLOR", "1");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SSPS_SMTP_") || ssps::shard::INDEX_VARIABLES.contains(&k.as_str()) || k == "SLURM_ARRAY_TASK_COUNT" {
            c.env_remove(k);
        }
    }
    c.envs(env.iter().copied());
    c.output().expect("run ssps")
}
