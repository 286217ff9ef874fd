//! A mass mailing of ACES SSP letters: `cargo bench --bench letters`.
//!
//! Generates SSP cases with `ssps sample` (10,000 by default, or
//! `SSPS_BENCH_SSP_CASES`): each client with one case action, the mix of
//! approvals, terminations, amount changes and SSI terminations the sample
//! draws, so about 11,350 letters with their EFT enclosures. Then times the
//! whole `ssps letters` run in this process: validation, composition with
//! the catalog, rendering on every core, the file copies, the print job,
//! manifest, rejects and summary. Prints pages per second, peak memory and
//! bytes per page, and the targets (60 s wall, 1.5 GB peak, print file
//! under 8 KB a page).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::PathBuf;
use std::time::Instant;

use ssps::ops::letters::{run, LetterRun};
use ssps::ops::RunOptions;
use ssps::sample::{generate, SampleOptions};

mod common;
use common::report;

/// The same allocator as the `ssps` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run small then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let cases: usize = std::env::var("SSPS_BENCH_SSP_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 100 } else { 10_000 });
    let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 20).expect("date");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let data = root.join(format!("ssp-sample-{cases}"));
    let out = root.join(format!("letters-{cases}"));
    let t = Instant::now();
    let opts = SampleOptions { payees: 1, month: date, seed: 1, bad_rows: 0, payments: 0, ssp_cases: cases };
    // A fresh sample folder (one made before `.ssps-sample` markers would be refused).
    let _ = std::fs::remove_dir_all(&data);
    generate(&opts, &data).expect("sample");
    println!("sample: {cases} SSP cases in {:.2} s", t.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&out);
    let t = Instant::now();
    let opts = RunOptions { data, out: out.clone(), ..RunOptions::default() };
    let summary = run(&LetterRun { date, opts }).expect("letters run").summary;
    let secs = t.elapsed().as_secs_f64();
    report("letters", &summary, &out, secs, !quick);
}
