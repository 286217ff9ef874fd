//! One document on demand, at state scale: `cargo bench --bench ondemand`.
//!
//! Generates the synthetic extract (`ssps sample`, 23,000 payees and three
//! payments each by default, or `SSPS_BENCH_PAYEES`), loads and validates
//! it once as the provider portal would, then times what a request costs:
//! the payee's part of the extract (`Extract::for_payee`, which scans, and
//! `PayeeIndex::part`, from an index built once) and that part plus
//! `OnDemand::render_one` of one document, tagged (PDF/UA-1) and untagged
//! (PDF/A-2b), for payees spread over the extract, per kind. Prints
//! min / median / max milliseconds (target: a tagged document under
//! 500 ms). The sample has no claims or overpayments, so each timed payee
//! gets one staff overpayment row in memory for the overpayment notices.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use ssps::compose;
use ssps::compose::Document;
use ssps::model::payee::PayeeIndex;
use ssps::model::{Extract, Month, OverpaymentId, OverpaymentReason, PayeeNumber, StaffOverpayment};
use ssps::ondemand::{OnDemand, Remake};
use ssps::sample::{generate, SampleOptions};

/// The same allocator as the `ssps` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// `min / median / max` of `ms`, or a dash when empty.
fn spread(ms: &mut [f64]) -> String {
    if ms.is_empty() {
        return "-".into();
    }
    ms.sort_by(f64::total_cmp);
    format!("{:.1} / {:.1} / {:.1} ms", ms[0], ms[ms.len() / 2], ms[ms.len() - 1])
}

/// The ids of `payee`'s documents among `docs`.
fn ids_of<D: Document>(docs: &[D], payee: &PayeeNumber) -> Vec<String> {
    docs.iter().filter(|d| d.to().id.as_str() == payee.as_str()).map(|d| d.id().to_string()).collect()
}

/// The ids of the documents `remake` makes for `payee` from its part.
fn document_ids(remake: &Remake, part: &Extract, payee: &PayeeNumber) -> Vec<String> {
    match *remake {
        Remake::Invoices { month } => ids_of(&compose::invoices(part, month).expect("invoices"), payee),
        Remake::Remittances { from, to } => ids_of(&compose::remittance::remittances(part, from, to).expect("remittances"), payee),
        Remake::Notices { from, to } => ids_of(&compose::notice::notices(part, from, to).expect("notices"), payee),
        Remake::Overpayments { date } => ids_of(&compose::overpayment::notices(part, &[], date).expect("overpayment notices"), payee),
        // The account is the payee (the sample's TINs are its own).
        Remake::Tax1099 { year } => vec![format!("1099NEC-{year}-{payee}")],
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run small then.
    let quick = !std::env::args().any(|a| a == "--bench");
    let payees: usize = std::env::var("SSPS_BENCH_PAYEES").ok().and_then(|s| s.parse().ok()).unwrap_or(if quick { 200 } else { 23_000 });
    let per_kind = if quick { 3 } else { 40 };
    let month = Month::parse("2026-10").expect("month");
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench/ondemand-sample-{payees}"));
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(&data);
    generate(&SampleOptions { payees, month: month.first_day(), seed: 1, bad_rows: 0, payments: 3, ssp_cases: 0 }, &data).expect("sample");
    println!("sample: {payees} payees, 3 payments each, in {:.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let mut x = ssps::pipeline::read_extract(&data).expect("extract").extract;
    println!(
        "loaded and validated once in {:.2} s: {} payees, {} providers, {} authorization lines, {} payments, {} payment lines",
        t.elapsed().as_secs_f64(),
        x.payees.len(),
        x.providers.len(),
        x.authorizations.len(),
        x.payments.len(),
        x.payment_lines.len()
    );
    // Payees spread over the extract, and one more to warm up with.
    let all: Vec<PayeeNumber> = x.payees.keys().cloned().collect();
    let step = (all.len() / (per_kind + 1)).max(1);
    let chosen: Vec<PayeeNumber> = all.iter().step_by(step).skip(1).take(per_kind).cloned().collect();
    let warm = all[0].clone();
    // A staff overpayment row for each of them, under its first provider.
    for (i, p) in chosen.iter().chain([&warm]).enumerate() {
        let Some(provider) = x.providers.values().find(|v| v.payee_number == *p) else { continue };
        let id = OverpaymentId::parse(&format!("OPB{i}")).expect("id");
        let row = StaffOverpayment {
            origin: ssps::model::Origin { file: "overpayments.csv", line: i as u64 + 2 },
            overpayment_id: id.clone(),
            payee_number: p.clone(),
            provider_number: provider.provider_number.clone(),
            reference_number: None,
            invoice_number: None,
            service_month: Month::parse("2026-09").expect("month"),
            amount: Decimal::new(12_550, 2),
            reason: OverpaymentReason::ClaimedTwice,
            description: None,
        };
        x.overpayments.insert(id, row);
    }

    let mut scan: Vec<f64> = Vec::new();
    for p in &chosen {
        let t = Instant::now();
        let part = x.for_payee(p);
        scan.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(part);
    }
    let t = Instant::now();
    let index = PayeeIndex::new(&x);
    let built = t.elapsed().as_secs_f64();
    let mut indexed: Vec<f64> = Vec::new();
    for p in &chosen {
        let t = Instant::now();
        let part = index.part(&x, p);
        indexed.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(part.authorizations.len(), x.for_payee(p).authorizations.len(), "index and scan agree");
    }
    println!("payee's part: scanning (Extract::for_payee) {}; indexed (PayeeIndex::part) {}", spread(&mut scan), spread(&mut indexed));
    println!("PayeeIndex::new, once: {:.0} ms", built * 1000.0);

    let od = OnDemand::new(&ssps::assets::Assets::default()).expect("on demand");
    let remakes = [
        Remake::Invoices { month },
        Remake::Remittances { from: day("2026-10-01"), to: day("2026-10-31") },
        Remake::Notices { from: day("2026-10-01"), to: day("2026-10-31") },
        Remake::Overpayments { date: day("2026-10-31") },
        Remake::Tax1099 { year: 2026 },
    ];
    println!("part (indexed) + render_one, per document, min / median / max over {per_kind} payees:");
    for remake in &remakes {
        // The first document of a kind renders its once-per-run pages (untagged) and warms Typst up.
        let t = Instant::now();
        let part = index.part(&x, &warm);
        for id in document_ids(remake, &part, &warm).iter().take(1) {
            for tagged in [true, false] {
                od.render_one(remake, &warm, &part, id, tagged).expect("warm-up");
            }
        }
        let first = t.elapsed().as_secs_f64() * 1000.0;
        let (mut tagged_ms, mut untagged_ms, mut pages, mut none) = (Vec::new(), Vec::new(), 0, 0);
        for p in &chosen {
            let ids = document_ids(remake, &index.part(&x, p), p);
            let Some(id) = ids.first() else { continue };
            for tagged in [true, false] {
                let t = Instant::now();
                let part = index.part(&x, p);
                let doc = od.render_one(remake, p, &part, id, tagged).expect("render");
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                match doc {
                    Some(d) if tagged => {
                        pages += d.pages;
                        tagged_ms.push(ms);
                    }
                    Some(_) => untagged_ms.push(ms),
                    None => none += 1,
                }
            }
        }
        println!(
            "  {:<12} tagged {} ({} documents, {} pages); untagged {}; first of the kind (both) {:.0} ms{}",
            remake.kind().name(),
            spread(&mut tagged_ms),
            tagged_ms.len(),
            pages,
            spread(&mut untagged_ms),
            first,
            if none > 0 { format!("; {none} asked for and not made") } else { String::new() }
        );
    }
}
