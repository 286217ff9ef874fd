//! The mutation fuzzer in CI: 2,000 broken extracts built from the bundled
//! October example, every stage that reads input run on each (see
//! `src/fuzz.rs` for the mutations and the promises checked). A finding
//! prints its seed; `cargo run --release --example fuzz -- --from SEED
//! --cases 1` replays it.

use std::path::Path;

#[test]
fn two_thousand_broken_extracts_never_panic_lose_a_record_leak_a_tin_or_print_a_control_character() {
    let mut base = ssps::fuzz::base_from(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026")).unwrap();
    assert_eq!(base.len(), 9, "the October example has nine extract files");
    // The files the October example does not have, so they are broken too:
    // staff overpayments and the SSP case roster, on its payees and clients.
    base.insert(
        "overpayments.csv",
        b"overpayment_id,payee_number,provider_number,reference_number,invoice_number,service_month,amount,reason,description\nOP1,100200300,4001,,,2026-09,46.15,under_five_hours,\nOP2,100200300,4002,,,2026-08,120.00,other,Billed for a closed day\n".to_vec(),
    );
    base.insert(
        "ssp_cases.csv",
        b"au_number,client_id,program_type,amount,open_date,close_date\nAU8001,C20001,M,45.10,2002-10-01,\nAU8002,C20002,M,54.00,2026-10-01,2026-10-01\nAU8003,C20002,A,120.00,2020-01-01,\n".to_vec(),
    );
    let report = ssps::fuzz::run(&base, 1, 2_000);
    assert_eq!(report.cases, 2_000);
    let findings: Vec<String> = report.findings.iter().take(20).map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{} findings, the first:\n{}", report.findings.len(), findings.join("\n"));
    // The cases really were broken, and really were read: most report
    // problems, and documents were still composed from what survived.
    assert!(report.clean_cases < report.cases / 2, "only {} of {} cases had an error", report.cases - report.clean_cases, report.cases);
    assert!(report.documents > report.cases * 5, "{} documents composed", report.documents);
}
