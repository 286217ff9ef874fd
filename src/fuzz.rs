//! A mutation fuzzer for extracts: broken input must never panic, lose a
//! record, leak a TIN or reach a terminal raw.
//!
//! Each case starts from a real extract (the bundled `examples/oct-2026`),
//! applies one to three mutations chosen by a deterministic seed (byte
//! flips, truncation, stray quotes, lost and extra commas, swapped header
//! names, CR-only line ends, huge numbers, control characters, formulas,
//! TINs moved into other cells, deleted and repeated lines, bytes that are
//! not UTF-8, very long cells, emptied files), then runs every stage that
//! reads input: load, validation, and the composition of every document kind
//! (invoices, notices, remittance advices, ACES letters, claim checks, the
//! 1099 ledger). It asserts, per case:
//!
//! - nothing panics;
//! - the accounting identity holds for every file ([`validate::accounting`]);
//! - no TIN of the input appears in full in any problem (printed or as
//!   JSON) or in any composed document;
//! - no control character appears in printed problems, and none but line
//!   breaks in composed documents.
//!
//! `tests/integration/fuzz.rs` runs 2,000 cases in CI; `cargo run --release
//! --example fuzz -- --cases 100000` is the long run before a release.
//! A failing case prints its seed and mutations: [`run_case`] replays it.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::NaiveDate;

use crate::calendar::Holidays;
use crate::load::{self, Loaded};
use crate::model::Month;
use crate::sample::Rng;
use crate::validate;

/// The extract files a case starts from, by name.
pub type Files = BTreeMap<&'static str, Vec<u8>>;

/// Reads the extract files of `dir` (those of the record format).
pub fn base_from(dir: &std::path::Path) -> std::io::Result<Files> {
    let mut files = Files::new();
    for spec in load::FILES {
        let path = dir.join(spec.name);
        if path.is_file() {
            files.insert(spec.name, std::fs::read(path)?);
        }
    }
    Ok(files)
}

/// What went wrong in a case.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The case's seed.
    pub seed: u64,
    /// The mutations applied, in words.
    pub mutations: Vec<String>,
    /// What was found.
    pub what: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "case {}: {} (mutations: {})", self.seed, self.what, self.mutations.join("; "))
    }
}

/// Totals of a fuzzing run.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Cases run.
    pub cases: u64,
    /// Problems reported over all cases.
    pub problems: u64,
    /// Cases whose extract had no error at all.
    pub clean_cases: u64,
    /// Documents composed over all cases.
    pub documents: u64,
    /// What failed.
    pub findings: Vec<Finding>,
}

/// Runs `cases` cases from seed `first` on, on every core: the seeds are
/// cut into one contiguous block per thread and the blocks' reports joined
/// in seed order, so the report is the same whatever the core count.
pub fn run(base: &Files, first: u64, cases: u64) -> Report {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).max(1) as u64;
    let per = cases.div_ceil(threads).max(1);
    let hook = std::panic::take_hook();
    // Panics are findings, reported with their case: keep stderr quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let blocks: Vec<Report> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| first + k * per)
            .filter(|&from| from < first + cases)
            .map(|from| {
                let n = per.min(first + cases - from);
                // 32 MiB stacks, as the render workers: a case composes documents.
                std::thread::Builder::new().stack_size(32 << 20).spawn_scoped(scope, move || run_block(base, from, n))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_default(),
                Err(_) => Report::default(),
            })
            .collect()
    });
    std::panic::set_hook(hook);
    let mut report = Report::default();
    for b in blocks {
        report.cases += b.cases;
        report.problems += b.problems;
        report.documents += b.documents;
        report.clean_cases += b.clean_cases;
        report.findings.extend(b.findings);
    }
    report
}

/// The cases `first..first + cases`, one after the other.
fn run_block(base: &Files, first: u64, cases: u64) -> Report {
    let mut report = Report::default();
    for seed in first..first + cases {
        let outcome = run_case(base, seed);
        report.cases += 1;
        report.problems += outcome.problems as u64;
        report.documents += outcome.documents as u64;
        report.clean_cases += u64::from(outcome.clean);
        report.findings.extend(outcome.findings);
    }
    report
}

/// What one case did.
#[derive(Debug, Default)]
pub struct CaseOutcome {
    /// The mutations applied.
    pub mutations: Vec<String>,
    /// Problems reported.
    pub problems: usize,
    /// Documents composed.
    pub documents: usize,
    /// Whether validation found no error.
    pub clean: bool,
    /// What failed.
    pub findings: Vec<Finding>,
}

/// Mutates the base by `seed` and checks every stage on the result.
pub fn run_case(base: &Files, seed: u64) -> CaseOutcome {
    let mut rng = Rng::stream(seed, 0xF022, 0);
    let mut files = base.clone();
    let mut mutations = Vec::new();
    for _ in 0..rng.range(1, 3) {
        mutations.push(mutate(&mut files, &mut rng));
    }
    let tins = input_tins(&files);
    let mut out = CaseOutcome { mutations: mutations.clone(), ..CaseOutcome::default() };
    let finding = |what: String| Finding { seed, mutations: mutations.clone(), what };
    match catch_unwind(AssertUnwindSafe(|| check_case(&files, &tins))) {
        Ok(Ok((problems, documents, clean))) => {
            out.problems = problems;
            out.documents = documents;
            out.clean = clean;
        }
        Ok(Err(what)) => out.findings.push(finding(what)),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            out.findings.push(finding(format!("panicked: {msg}")));
        }
    }
    out
}

/// Every TIN of the input's payees, as written and as bare digits. The
/// bare form is left out when the input also has those nine digits
/// elsewhere: as a payee number or payment id (identifiers have nine digits
/// too) it is that record's key, which messages name.
fn input_tins(files: &Files) -> Vec<String> {
    let mut tins = payee_tins(files);
    let identifiers = identifier_cells(files);
    tins.retain(|t| t.contains('-') || !identifiers.contains(t.as_str()));
    tins
}

/// Every cell of an identifier column (`*_number`, `*_id`) in the input.
fn identifier_cells(files: &Files) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for bytes in files.values() {
        let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes.as_slice());
        let mut records = r.byte_records();
        let Some(Ok(header)) = records.next() else { continue };
        let ids: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| crate::problem::is_identifier_column(String::from_utf8_lossy(h).trim()))
            .map(|(i, _)| i)
            .collect();
        for rec in records.flatten() {
            for &i in &ids {
                if let Some(cell) = rec.get(i) {
                    out.insert(String::from_utf8_lossy(cell).trim().to_string());
                }
            }
        }
    }
    out
}

/// The TINs of the payees file, as written and as bare digits.
fn payee_tins(files: &Files) -> Vec<String> {
    let Some(bytes) = files.get(load::PAYEES.name) else { return Vec::new() };
    let text = String::from_utf8_lossy(bytes);
    let mut tins = Vec::new();
    for run in crate::problem::digit_runs(&text) {
        let token = &text[run];
        if token.contains('-') && crate::model::Tin::shaped(token) {
            tins.push(token.to_string());
            tins.push(token.chars().filter(char::is_ascii_digit).collect());
        }
    }
    tins.sort();
    tins.dedup();
    tins
}

/// Loads, validates and composes; `Err` names the first broken promise.
fn check_case(files: &Files, tins: &[String]) -> Result<(usize, usize, bool), String> {
    let mut problems = Vec::new();
    let mut tables = BTreeMap::new();
    for spec in load::FILES {
        let table = match files.get(spec.name) {
            Some(bytes) => load::read_table(spec, bytes, &mut problems),
            None => load::Table { spec, state: load::TableState::Absent, rows: Vec::new() },
        };
        tables.insert(spec.name, table);
    }
    let raw_payments = crate::tax1099::ledger::raw_payments(&tables[load::PAYMENTS.name]);
    let loaded = Loaded { dir: "fuzz".into(), tables, problems };
    let holidays = Holidays::washington();
    let mut v = validate::validate(loaded, &holidays);

    // Letters refuse events the catalog cannot explain, as `ssps letters` does.
    let catalog = crate::texts::aces::Catalog::parse(crate::texts::aces::ACES).map_err(|e| e.to_string())?;
    let texts = crate::texts::Texts::bundled();
    let unexplained = crate::compose::letter::unexplained(&v.extract, &catalog);
    crate::ops::letters::reject(&mut v, unexplained);

    for b in validate::accounting(&v) {
        if !b.ok() {
            return Err(format!("{}: {}: expected {}, found {}", b.file, b.what, b.expected, b.found));
        }
    }
    for p in &v.problems {
        let printed = p.to_string();
        if let Some(c) = printed.chars().find(|c| c.is_control()) {
            return Err(format!("printed problem holds U+{:04X}: {printed:?}", c as u32));
        }
        let json = serde_json::to_string(p).map_err(|e| e.to_string())?;
        if leaks(&printed, tins) || leaks(&json, tins) {
            return Err(format!(
                "a full TIN in a problem: {}",
                crate::problem::shown(&printed, 200, crate::problem::Masking::AnyNineDigits)
            ));
        }
    }

    // Every document kind that reads the records.
    let x = &v.extract;
    let month = Month::parse("2026-10").ok_or("month")?;
    let (from, to) = (day(2026, 10, 1), day(2026, 10, 31));
    let mut documents = 0;
    let mut docs_json = Vec::new();
    if let Ok(invoices) = crate::compose::invoices(x, month) {
        documents += invoices.len();
        docs_json.push(serde_json::to_value(&invoices).map_err(|e| e.to_string())?);
    }
    if let Ok(notices) = crate::compose::notice::notices(x, from, to) {
        documents += notices.len();
        docs_json.push(serde_json::to_value(&notices).map_err(|e| e.to_string())?);
    }
    if let Ok(advices) = crate::compose::remittance::remittances(x, from, to) {
        documents += advices.len();
        docs_json.push(serde_json::to_value(&advices).map_err(|e| e.to_string())?);
    }
    let letters = crate::compose::letter::letters(x, &catalog, &texts, &holidays, day(2026, 10, 20));
    documents += letters.letters.len();
    docs_json.push(serde_json::to_value(&letters.letters).map_err(|e| e.to_string())?);
    let claims = crate::claim::check(x, &holidays, month);
    documents += claims.claims.len();
    if let Ok(over) = crate::compose::overpayment::paid_over_claims(x, &holidays, day(2026, 10, 31)) {
        if let Ok(notices) = crate::compose::overpayment::notices(x, &over, day(2026, 10, 31)) {
            documents += notices.len();
            docs_json.push(serde_json::to_value(&notices).map_err(|e| e.to_string())?);
        }
    }
    if let Ok(mil) = crate::ops::mil_report::report(x, month) {
        documents += 1;
        docs_json.push(serde_json::to_value(&mil).map_err(|e| e.to_string())?);
    }
    let (secret, portal) = (crate::regcode::Secret::from_bytes(&[7; 32]).map_err(|e| e.to_string())?, Default::default());
    let reg: Vec<_> = x.payees.values().map(|p| crate::compose::registration::letter(p, &secret, &portal, day(2026, 10, 20))).collect();
    documents += reg.len();
    docs_json.push(serde_json::to_value(&reg).map_err(|e| e.to_string())?);
    let rejected = crate::tax1099::ledger::rejected_payments(&raw_payments, x, &v.problems);
    let ledger = crate::tax1099::ledger::build(2026, rust_decimal::Decimal::from(2000), x, &rejected, None);
    let payer = crate::tax1099::Payer::bundled();
    for r in &ledger.returns {
        let s = crate::compose::statement::statement(r, &payer, 2026);
        documents += 1;
        // The recipient's TIN is printed truncated on Copy B; the payer's
        // EIN is the state's, not the input's.
        docs_json.push(serde_json::to_value(&s).map_err(|e| e.to_string())?);
    }
    let recon = crate::tax1099::ledger::write_reconciliation(&ledger).map_err(|e| e.to_string())?;
    if leaks(&String::from_utf8_lossy(&recon), tins) {
        return Err("a full TIN in reconciliation.csv".into());
    }
    for value in &docs_json {
        let mut bad = None;
        walk_strings(value, &mut |s| {
            if bad.is_none() {
                if let Some(c) = s.chars().find(|&c| c.is_control() && c != '\n') {
                    bad = Some(format!("a document holds U+{:04X}", c as u32));
                } else if leaks(s, tins) {
                    bad = Some("a document holds a full TIN".to_string());
                }
            }
        });
        if let Some(b) = bad {
            return Err(b);
        }
    }
    let clean = !v.problems.iter().any(|p| p.is_error());
    Ok((v.problems.len(), documents, clean))
}

/// Whether `text` holds one of `tins`, also when control characters or
/// their printed escapes (`\u{9}`) split it.
fn leaks(text: &str, tins: &[String]) -> bool {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u{") {
        plain.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        match after.find('}') {
            Some(j) if j <= 6 && after[..j].chars().all(|c| c.is_ascii_hexdigit()) => rest = &after[j + 1..],
            _ => {
                plain.push_str("\\u{");
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    plain.retain(|c| !c.is_control());
    tins.iter().any(|t| plain.contains(t.as_str()))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn walk_strings(v: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().for_each(|v| walk_strings(v, f)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            f(k);
            walk_strings(v, f)
        }),
        _ => {}
    }
}

/// Cells the mutations write.
const NASTY: &[&str] = &[
    "999999999999999.99",
    "9999999999999.99",
    "-999999999999999",
    "99999999.99",
    "100000000.00",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+1-800-EVIL",
    "@SUM(A1:A9)",
    "\u{1b}]0;pwned\u{7}",
    "W1\u{1b}[2J\u{1b}[H",
    "nul\u{0}byte",
    "\u{202e}reversed",
    "#panic()",
    "<script>alert(1)</script>",
    "O'Connor Family Care #2",
    "Ngọc Trần",
    "0",
    "-0.00",
    "2026-02-30",
    "",
    " ",
];

/// Applies one mutation to one file; returns it in words.
fn mutate(files: &mut Files, rng: &mut Rng) -> String {
    let names: Vec<&'static str> = files.keys().copied().collect();
    if names.is_empty() {
        return "nothing to mutate".into();
    }
    let name = *rng.pick(&names);
    let Some(bytes) = files.get_mut(name) else { return "nothing".into() };
    let len = bytes.len() as u64;
    let at = |rng: &mut Rng| if len == 0 { 0 } else { rng.below(len) as usize };
    match rng.below(17) {
        0 if len > 0 => {
            let i = at(rng);
            let bit = 1u8 << rng.below(8);
            bytes[i] ^= bit;
            format!("{name}: flip bit {bit:#04x} of byte {i}")
        }
        1 => {
            let i = at(rng);
            bytes.truncate(i);
            format!("{name}: truncated at byte {i}")
        }
        2 => {
            let i = cell_start(bytes, at(rng));
            bytes.insert(i, b'"');
            format!("{name}: stray quote at byte {i}")
        }
        3 => match nth_index(bytes, b',', rng) {
            Some(i) => {
                bytes.remove(i);
                format!("{name}: comma at byte {i} removed")
            }
            None => format!("{name}: no comma to remove"),
        },
        4 => {
            let i = cell_start(bytes, at(rng));
            bytes.insert(i, b',');
            format!("{name}: extra comma at byte {i}")
        }
        5 => swap_header(bytes, rng, name),
        6 => {
            let text = String::from_utf8_lossy(bytes).replace("\r\n", "\r").replace('\n', "\r");
            *bytes = text.into_bytes();
            format!("{name}: CR-only line ends")
        }
        7..=9 => {
            let value = *rng.pick(NASTY);
            set_random_cell(bytes, rng, value, name)
        }
        10 => {
            let tin = *rng.pick(&["532-11-4455", "91-1234567", "532114455"]);
            set_random_cell(bytes, rng, tin, name)
        }
        11 => line_edit(bytes, rng, name),
        12 => {
            let i = at(rng);
            bytes.splice(i..i, [0xFF, 0xFE, 0xC3]);
            format!("{name}: bytes that are not UTF-8 at {i}")
        }
        13 => {
            let long = "x".repeat(rng.range(300, 5000) as usize);
            set_random_cell(bytes, rng, &long, name)
        }
        14 => {
            let keep = bytes.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
            if rng.chance(500) {
                bytes.truncate(keep);
                format!("{name}: header only")
            } else {
                bytes.clear();
                format!("{name}: emptied")
            }
        }
        15 if rng.chance(300) => {
            // A column the format does not know, its cell opening a quote.
            let text = String::from_utf8_lossy(bytes).replacen('\n', ",note\n", 1);
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let n = lines.len();
            for (k, l) in lines.iter_mut().enumerate().skip(1) {
                if !l.is_empty() {
                    l.push_str(if k == n / 2 { ",\"x" } else { "," });
                }
            }
            *bytes = lines.join("\n").into_bytes();
            format!("{name}: a column note added, with an unclosed quote in line {}", n / 2 + 1)
        }
        15 => {
            let i = at(rng);
            bytes.splice(i..i, rng.pick(&[&b"\xEF\xBB\xBF"[..], b"\r", b"\n", b"\"\"", b"\t"]).iter().copied());
            format!("{name}: odd bytes at {i}")
        }
        _ => {
            // A quote that opens a cell and never closes.
            let i = cell_start(bytes, at(rng));
            bytes.insert(i, b'"');
            let tail = format!("{name}: unclosed quote at byte {i}");
            if rng.chance(300) {
                bytes.push(b'"');
            }
            tail
        }
    }
}

/// The start of the cell holding byte `i`.
fn cell_start(bytes: &[u8], i: usize) -> usize {
    let i = i.min(bytes.len());
    bytes[..i].iter().rposition(|&b| matches!(b, b',' | b'\n' | b'\r')).map_or(0, |p| p + 1)
}

fn nth_index(bytes: &[u8], byte: u8, rng: &mut Rng) -> Option<usize> {
    let count = bytes.iter().filter(|&&b| b == byte).count() as u64;
    if count == 0 {
        return None;
    }
    let n = rng.below(count) as usize;
    bytes.iter().enumerate().filter(|(_, &b)| b == byte).nth(n).map(|(i, _)| i)
}

/// Swaps two names of the header (`tin` and `zip` half the time in
/// payees.csv).
fn swap_header(bytes: &mut Vec<u8>, rng: &mut Rng, name: &str) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (header, rest) = text.split_once('\n').unwrap_or((&text, ""));
    let mut cols: Vec<String> = header.split(',').map(str::to_string).collect();
    if cols.len() < 2 {
        return format!("{name}: header too short to swap");
    }
    let (a, b) = match (cols.iter().position(|c| c == "tin"), cols.iter().position(|c| c == "zip")) {
        (Some(a), Some(b)) if rng.chance(500) => (a, b),
        _ => {
            let a = rng.below(cols.len() as u64) as usize;
            let b = rng.below(cols.len() as u64) as usize;
            (a, b)
        }
    };
    cols.swap(a, b);
    let described = format!("{name}: header columns {} and {} swapped", cols[b], cols[a]);
    *bytes = format!("{}\n{rest}", cols.join(",")).into_bytes();
    described
}

/// Replaces one cell of one data row with `value` (quoted when it needs it).
fn set_random_cell(bytes: &mut Vec<u8>, rng: &mut Rng, value: &str, name: &str) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if lines.len() < 2 {
        return format!("{name}: no row to change");
    }
    let row = rng.range(1, (lines.len() - 1) as u64) as usize;
    let mut cells: Vec<String> = lines[row].split(',').map(str::to_string).collect();
    let col = rng.below(cells.len() as u64) as usize;
    let quoted = if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() };
    cells[col] = quoted;
    lines[row] = cells.join(",");
    *bytes = lines.join("\n").into_bytes();
    let shown = crate::problem::shown(value, 24, crate::problem::Masking::Hyphenated);
    format!("{name}: line {} cell {} set to {shown:?}", row + 1, col + 1)
}

/// Deletes, repeats or swaps data lines.
fn line_edit(bytes: &mut Vec<u8>, rng: &mut Rng, name: &str) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if lines.len() < 3 {
        return format!("{name}: too few lines to edit");
    }
    let i = rng.range(1, (lines.len() - 2) as u64) as usize;
    let what = match rng.below(3) {
        0 => {
            lines.remove(i);
            format!("{name}: line {} deleted", i + 1)
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
            format!("{name}: line {} repeated", i + 1)
        }
        _ => {
            let j = rng.range(1, (lines.len() - 2) as u64) as usize;
            lines.swap(i, j);
            format!("{name}: lines {} and {} swapped", i + 1, j + 1)
        }
    };
    *bytes = lines.join("\n").into_bytes();
    what
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_case() {
        let mut base = Files::new();
        base.insert(load::WORKERS.name, b"worker_id,name,phone\nW1,A,1\nW2,B,2\n".to_vec());
        let a = run_case(&base, 7);
        let b = run_case(&base, 7);
        assert_eq!(a.mutations, b.mutations);
        assert!(!a.mutations.is_empty());
    }

    #[test]
    fn a_leak_is_found_even_split_by_a_control_character_or_its_escape() {
        let tins = input_tins(&BTreeMap::from([(load::PAYEES.name, b"tin\n532-11-4455\n".to_vec())]));
        assert_eq!(tins, ["532-11-4455", "532114455"]);
        assert!(leaks("zip = \"532-11-4455\"", &tins));
        assert!(leaks("zip = \"532-11-44\\u{9}55\"", &tins));
        assert!(leaks("zip = 53211\u{0}4455", &tins));
        assert!(!leaks("zip = \"***-**-4455\"", &tins));
        assert!(!leaks("payee 100200300, line \\u{zz}", &tins));
    }
}
