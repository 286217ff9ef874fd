//! The January 1099 run at full scale: `cargo bench --bench tax1099`.
//!
//! Generates 23,000 payees (or `SSPS_BENCH_PAYEES`) with twelve monthly
//! payments each in 2026 with `ssps sample --payments 12`, then times the
//! whole `ssps tax1099 --year 2026` run in this process: loading and
//! validating the year's payments and lines, the ledger and
//! reconciliation, composing and rendering every Copy B statement on all
//! cores, the print job, the IRIS upload files (read back and checked),
//! the reconciliation PDF, manifest and summary. Prints the figures and the
//! targets (60 s wall, 1.5 GB peak, print file under 8 KB a page).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::PathBuf;
use std::time::Instant;

use ssps::ops::tax1099::{run, TaxRun};
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
    let payees: usize = std::env::var("SSPS_BENCH_PAYEES").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 60 } else { 23_000 });
    let month = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let data = root.join(format!("tax-sample-{payees}"));
    let out = root.join(format!("tax1099-{payees}"));
    let t = Instant::now();
    let opts = SampleOptions { payees, month, seed: 1, bad_rows: 0, payments: 12, ssp_cases: 0 };
    // A fresh sample folder (one made before `.ssps-sample` markers would be refused).
    let _ = std::fs::remove_dir_all(&data);
    let made = generate(&opts, &data).expect("sample");
    println!(
        "sample: {payees} payees, {} payments, {} payment lines in {:.2} s",
        made.payments,
        made.payment_lines,
        t.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&out);
    let t = Instant::now();
    let opts = RunOptions { data, out: out.clone(), dry_run: true, ..RunOptions::default() };
    let req = TaxRun { year: 2026, date: None, corrected_from: None, payer: None, layout: None, tax_years: None, opts };
    let summary = run(&req).expect("tax1099 run").summary;
    let secs = t.elapsed().as_secs_f64();
    {
        let t = &summary.extra.tax1099;
        let sorted: Vec<String> = t.sorted.iter().map(|s| format!("{} {} ({} payees)", s.status.code(), s.amount, s.payees)).collect();
        println!("tax year 2026: {} payments, {} = {}", t.payments_of_the_year.payments, t.payments_of_the_year.amount, sorted.join(" + "));
        println!("IRIS upload files: {}", t.files.len());
    }
    report("tax1099", &summary, &out, secs, !quick);
}
