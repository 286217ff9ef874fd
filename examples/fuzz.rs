//! The long fuzzing run before a release (CI runs 2,000 cases as a test):
//!
//! ```sh
//! cargo run --release --example fuzz -- --cases 100000 [--from SEED] [--data DIR]
//! ```
//!
//! Mutates the extract in `--data` (default `examples/oct-2026`) case by
//! case from seed `--from` (default 1) and runs every stage that reads
//! input on each (`src/fuzz.rs`). Prints cases, seconds, cases per second,
//! problems and documents, and each finding with its seed; exits 1 when
//! there is a finding.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut cases = 10_000u64;
    let mut from = 1u64;
    let mut data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next();
        match (a.as_str(), value) {
            ("--cases", Some(v)) if v.parse::<u64>().is_ok() => cases = v.parse().unwrap_or(cases),
            ("--from", Some(v)) if v.parse::<u64>().is_ok() => from = v.parse().unwrap_or(from),
            ("--data", Some(v)) => data = PathBuf::from(v),
            _ => {
                eprintln!("usage: fuzz [--cases N] [--from SEED] [--data DIR]");
                return ExitCode::from(2);
            }
        }
    }
    let base = match ssps::fuzz::base_from(&data) {
        Ok(b) if !b.is_empty() => b,
        Ok(_) => {
            eprintln!("error: no extract files in {}", data.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", data.display());
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    // In blocks, so a long run shows progress.
    let mut total = ssps::fuzz::Report::default();
    let block = 5_000u64;
    let mut seed = from;
    while seed < from + cases {
        let n = block.min(from + cases - seed);
        let r = ssps::fuzz::run(&base, seed, n);
        total.cases += r.cases;
        total.problems += r.problems;
        total.documents += r.documents;
        total.clean_cases += r.clean_cases;
        total.findings.extend(r.findings);
        seed += n;
        eprintln!("… {} cases, {} findings, {:.0} s", total.cases, total.findings.len(), started.elapsed().as_secs_f64());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} cases (seeds {from}..{}) in {secs:.1} s ({:.0} cases/s): {} problems reported, {} cases without an error, {} documents composed, {} findings",
        total.cases,
        from + cases - 1,
        total.cases as f64 / secs,
        total.problems,
        total.clean_cases,
        total.documents,
        total.findings.len()
    );
    for f in total.findings.iter().take(50) {
        println!("{f}");
    }
    if total.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
