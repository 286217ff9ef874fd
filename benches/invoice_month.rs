//! The invoice month at state scale: `cargo bench --bench invoice_month`.
//!
//! Generates the synthetic extract (`ssps sample`, 23,000 payees by default,
//! or `SSPS_BENCH_PAYEES`), then times the whole `ssps invoices` run in this
//! process: validation, composition, rendering on every core, the per-payee
//! download copies, the print file, manifest, rejects and summary. Prints
//! pages per second, peak memory (VmHWM) and bytes per page, and the targets
//! (60 s wall, 1.5 GB peak, print file under 8 KB a page).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::PathBuf;
use std::time::Instant;

use ssps::model::Month;
use ssps::ops::invoices::{run, InvoiceRun};
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
    let payees: usize = std::env::var("SSPS_BENCH_PAYEES").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 200 } else { 23_000 });
    let month = Month::parse("2026-10").expect("month");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let data = root.join(format!("sample-{payees}"));
    let out = root.join(format!("run-{payees}"));
    let t = Instant::now();
    // A fresh sample folder (one made before `.ssps-sample` markers would be refused).
    let _ = std::fs::remove_dir_all(&data);
    generate(&SampleOptions { payees, month: month.first_day(), seed: 1, bad_rows: 0, payments: 0, ssp_cases: 0 }, &data).expect("sample");
    println!("sample: {payees} payees in {:.2} s", t.elapsed().as_secs_f64());

    // A month's run goes to a fresh folder: the previous bench run is not
    // part of the work measured.
    let _ = std::fs::remove_dir_all(&out);
    // The email queue starts empty too, so every email payee's message is queued.
    let journal = root.join("bench-delivery.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", journal.display()));
    }
    let t = Instant::now();
    let opts = RunOptions { data, out: out.clone(), journal: Some(journal), ..RunOptions::default() };
    let ssps::pipeline::Report { summary, email, .. } = run(&InvoiceRun { month, opts }).expect("invoice run");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "email: {} messages with {} documents queued; download: {} payee archives",
        email.as_ref().map_or(0, |e| e.queued),
        summary.email.documents,
        summary.download_archives
    );
    report("invoices", &summary, &out, secs, !quick);
}
