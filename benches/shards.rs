//! The invoice month split into shards on a real Slurm cluster:
//! `cargo bench --bench shards`.
//!
//! Generates the synthetic extract (`ssps sample`, 23,000 payees, or
//! `SSPS_BENCH_PAYEES`), then for each shard count of `SSPS_BENCH_SHARDS`
//! (default `1,2,4`) submits the month as a Slurm job array of that many
//! shards plus the merge (`deploy/slurm/submit --wait`, each task given
//! every CPU of the node, as if each shard had a machine of its own: on
//! this one they run one after another), inside `tests/slurm/with-cluster`
//! unless `SLURM_CONF` names a cluster. It prints, per count: each shard's
//! time, its fixed part (reading, validating and composing the whole
//! extract, planning the mail), its peak memory and documents; the merge's
//! time and peak memory; the whole array job's wall time on this machine.
//! From the largest count it projects the month's wall time on 8, 32 and
//! 128 machines: the fixed part + the rendering divided among them (the
//! largest shard's share) + the merge. Each count's figures are appended as
//! a JSON line to `target/bench/shards.jsonl`.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ssps::sample::{generate, SampleOptions};

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run small then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let payees: usize = std::env::var("SSPS_BENCH_PAYEES").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 60 } else { 23_000 });
    let counts: Vec<u32> = std::env::var("SSPS_BENCH_SHARDS")
        .unwrap_or_else(|_| if quick { "2".into() } else { "1,2,4".into() })
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bench = root.join("target/bench");
    let data = bench.join(format!("shards-sample-{payees}"));
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(&data);
    let month = ssps::model::Month::parse("2026-10").expect("month");
    generate(&SampleOptions { payees, month: month.first_day(), seed: 1, bad_rows: 0, payments: 0, ssp_cases: 0 }, &data).expect("sample");
    println!("sample: {payees} payees in {:.2} s", t.elapsed().as_secs_f64());
    let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    // More than 99,999 envelopes outgrow the month-sequence serials of a
    // 6-digit mailer ID (the run refuses): such a payer numbers them in sequence.
    let mut mail = vec![];
    if payees > 50_000 {
        let config = bench.join("mail-sequence.toml");
        let text = std::fs::read_to_string(root.join("data/mail.toml")).expect("data/mail.toml");
        std::fs::write(&config, text.replace("serial = \"month-sequence\"", "serial = \"sequence\"")).expect("mail settings");
        mail = vec!["--mail-config".to_string(), config.display().to_string()];
    }
    let mut rows = Vec::new();
    for &n in &counts {
        let dir = bench.join(format!("shards-{payees}-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench folder");
        let (shards, merged) = (dir.join("shards"), dir.join("merged"));
        let submit = root.join("deploy/slurm/submit");
        let mut c = if std::env::var_os("SLURM_CONF").is_some() {
            Command::new(&submit)
        } else {
            let mut c = Command::new(root.join("tests/slurm/with-cluster"));
            c.arg(&submit);
            c
        };
        c.args(["--wait", "--cpus-per-task", &cpus.to_string(), &n.to_string()]).arg(&shards).arg(&merged).arg("--");
        c.arg(env!("CARGO_BIN_EXE_ssps")).args(["invoices", "--data"]).arg(&data).args(["--month", "2026-10"]).args(&mail);
        let t = Instant::now();
        let o = c.output().expect("deploy/slurm/submit");
        let wall = t.elapsed().as_secs_f64();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "the array job failed: {out}{}", String::from_utf8_lossy(&o.stderr));
        let row = figures(n, &shards, &merged, wall);
        println!("{}", describe(&row));
        let mut line = serde_json::to_vec(&row).expect("json");
        line.push(b'\n');
        use std::io::Write;
        let _ = std::fs::OpenOptions::new().create(true).append(true).open(bench.join("shards.jsonl")).and_then(|mut f| f.write_all(&line));
        rows.push(row);
        // The month's copies take gigabytes: only the figures are kept.
        if !quick {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if let Some(last) = rows.iter().max_by_key(|r| r["shards"].as_u64()) {
        project(last);
    }
}

/// The figures of one array job, read from the shards' records, the merged
/// summary and the merge's log.
fn figures(n: u32, shards: &Path, merged: &Path, wall: f64) -> serde_json::Value {
    let mut per = Vec::new();
    for i in 0..n {
        let r: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shards.join(format!("shard-{i}/shard.json"))).expect("shard.json")).expect("record");
        per.push(serde_json::json!({
            "shard": r["shard"],
            "seconds": r["seconds"],
            "fixed_seconds": r["seconds_before_render"],
            "documents": r["files"].as_array().map_or(0, Vec::len),
            "peak_mb": r["peak_rss_bytes"].as_u64().unwrap_or(0) / 1_000_000,
        }));
    }
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(merged.join("summary.json")).expect("summary")).expect("json");
    let log = std::fs::read_to_string(shards.join("logs/merge.log")).unwrap_or_default();
    let peak_kb: u64 = log
        .lines()
        .find_map(|l| {
            l.strip_prefix("merge: ").and_then(|rest| rest.split(", ").nth(1)).and_then(|m| m.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0);
    serde_json::json!({
        "shards": n,
        "documents": summary["documents"],
        "pages": summary["pages"],
        "print_bytes": summary["print"]["bytes"],
        "print_pages": summary["print"]["pages"],
        "wall_seconds": (wall * 10.0).round() / 10.0,
        "merge_seconds": summary["seconds"],
        "merge_peak_mb": peak_kb / 1000,
        "per_shard": per,
    })
}

fn describe(r: &serde_json::Value) -> String {
    let per: Vec<String> = r["per_shard"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            format!(
                "{} {:.1} s (fixed {:.1} s), {} docs, {} MB",
                s["shard"].as_str().unwrap_or("?"),
                s["seconds"].as_f64().unwrap_or(0.0),
                s["fixed_seconds"].as_f64().unwrap_or(0.0),
                s["documents"],
                s["peak_mb"]
            )
        })
        .collect();
    format!(
        "{} shards: {} documents, {} pages; array job wall {:.1} s on this machine; merge {:.1} s, {} MB; print files {:.2} KB a print page\n  {}",
        r["shards"],
        r["documents"],
        r["pages"],
        r["wall_seconds"].as_f64().unwrap_or(0.0),
        r["merge_seconds"].as_f64().unwrap_or(0.0),
        r["merge_peak_mb"],
        r["print_bytes"].as_f64().unwrap_or(0.0) / 1000.0 / r["print_pages"].as_f64().unwrap_or(1.0).max(1.0),
        per.join("\n  ")
    )
}

/// The month on M machines, one shard each: every shard pays the fixed
/// part; the rendering measured is shared out (the largest shard renders a
/// little more than 1/M: its share here, scaled); then the merge.
fn project(r: &serde_json::Value) {
    let per = r["per_shard"].as_array().cloned().unwrap_or_default();
    let n = per.len().max(1) as f64;
    let fixed = per.iter().filter_map(|s| s["fixed_seconds"].as_f64()).sum::<f64>() / n;
    let render: f64 = per.iter().filter_map(|s| Some(s["seconds"].as_f64()? - s["fixed_seconds"].as_f64()?)).sum();
    let largest = per.iter().filter_map(|s| Some(s["seconds"].as_f64()? - s["fixed_seconds"].as_f64()?)).fold(0.0, f64::max);
    let imbalance = if render > 0.0 { largest * n / render } else { 1.0 };
    let merge = r["merge_seconds"].as_f64().unwrap_or(0.0);
    println!(
        "projection from {} shards (fixed {fixed:.1} s a shard, rendering {render:.1} s in all, largest shard {imbalance:.2}x its share, merge {merge:.1} s):",
        per.len()
    );
    for m in [8.0, 32.0, 128.0] {
        let shard = fixed + render / m * imbalance;
        println!("  {m:>3} machines: shards {shard:.1} s + merge {merge:.1} s = {:.1} s", shard + merge);
    }
}
