//! Remittance advices and Social Services Notices (issue 4): the real
//! binary on the October extract, the PDFs read back, the totals summed
//! again from the CSV files, the download archives opened.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rust_decimal::Decimal;

use crate::util::{amount, oct_2026, pdf_page_count, pdf_text, read_csv, ssps, stderr, stdout};

fn run(tmp: &Path, what: &str, from: &str, to: &str) -> std::path::PathBuf {
    run_on(tmp, &oct_2026(), what, from, to)
}

/// Runs `what` (remittances, notices) on `data` into `<tmp>/<what>`; it must exit 0.
fn run_on(tmp: &Path, data: &Path, what: &str, from: &str, to: &str) -> std::path::PathBuf {
    let out = tmp.join(what);
    let o = ssps(&[what, "--data", &data.display().to_string(), "--from", from, "--to", to, "--out", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    out
}

fn money(s: &str) -> Decimal {
    s.replace([',', '$'], "").parse().unwrap_or_else(|_| panic!("not money: {s}"))
}

#[test]
fn remittance_advices_pay_what_the_payments_paid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "remittances", "2026-10-01", "2026-10-31");
    let manifest = read_csv(&out.join("manifest.csv"));
    // An advice per payment issued in October, and the same total, summed here from payments.csv.
    let payments: Vec<_> = read_csv(&oct_2026().join("payments.csv"))
        .into_iter()
        .filter(|p| ("2026-10-01".."2026-11-01").contains(&p["issue_date"].as_str()))
        .collect();
    let mut ids: Vec<String> = manifest.iter().map(|r| r["document_id"].clone()).collect();
    ids.sort();
    let mut expected: Vec<String> = payments.iter().map(|p| format!("RA-{}", p["payment_id"])).collect();
    expected.sort();
    assert_eq!(ids, expected);
    let paid: Decimal = payments.iter().map(|p| money(&p["amount"])).sum();
    let advised: Decimal = manifest.iter().map(|r| money(&r["amount"])).sum();
    assert_eq!(advised, paid);
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(amount(&summary["total_amount"]), paid);
    assert!(summary["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", summary["checks"]);

    // Sunrise: direct deposit, settlement date, lines and the total.
    let sunrise = pdf_text(&out.join("documents/100200300/RA-880000236.pdf"));
    for s in [
        "REMITTANCE ADVICE",
        "EFT trace number: 880000236",
        "Payment method: Direct deposit (EFT)",
        "Settlement date: 10/16/2026",
        "Total of this payment 6,628.70",
    ] {
        assert!(sunrise.contains(s), "{s:?} not in {sunrise}");
    }
    // Year to date: Sunrise's 2026 payments through this one, summed from the CSV.
    let ytd: Decimal = read_csv(&oct_2026().join("payments.csv"))
        .iter()
        .filter(|p| p["payee_number"] == "100200300" && p["issue_date"].starts_with("2026") && p["issue_date"].as_str() <= "2026-10-09")
        .map(|p| money(&p["amount"]))
        .sum();
    assert!(sunrise.contains(&format!("Paid to you in 2026 through this payment: ${}", fmt(ytd))), "{sunrise}");

    // Rosa Maria Delgado: Spanish, a warrant, and the overpayment recovery netted.
    let rosa = pdf_text(&out.join("documents/100200301/RA-880000237.pdf"));
    for s in [
        "AVISO DE REMESA",
        "Número de orden de pago: 880000237",
        "Forma de pago: Orden de pago (cheque)",
        "Importe de este pago: $1,708.20",
        "Ajustes a este pago",
        "OVP · Recovery of overpayment, notice VOP-2026-0412",
        "-120.00",
        "Servicios pagados 1,828.20",
        "Ajustes -120.00",
        "Total de este pago 1,708.20",
    ] {
        assert!(rosa.contains(s), "{s:?} not in {rosa}");
    }
    assert!(!rosa.contains("Fecha de acreditación"), "a warrant has no settlement date: {rosa}");
}

/// Money as the documents print it.
fn fmt(d: Decimal) -> String {
    let s = format!("{:.2}", d);
    let (int, frac) = s.split_once('.').unwrap();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{frac}")
}

#[test]
fn advices_go_to_print_for_paper_payees_and_to_a_zip_per_payee_for_everyone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "remittances", "2026-10-01", "2026-10-31");
    let manifest = read_csv(&out.join("manifest.csv"));
    let payees: BTreeMap<String, String> =
        read_csv(&oct_2026().join("payees.csv")).into_iter().map(|p| (p["payee_number"].clone(), p["delivery"].clone())).collect();
    let job = read_csv(&out.join("print/job.csv"));
    for r in &manifest {
        let delivery = &payees[&r["recipient_id"]];
        let printed = job.iter().any(|j| j["documents"].split(';').any(|d| d == r["document_id"]));
        assert_eq!(printed, delivery != "email", "{} ({delivery})", r["document_id"]);
        assert_eq!(r["channels"].contains("email"), delivery != "mail", "{}", r["channels"]);
        assert!(r["channels"].ends_with("download"), "{}", r["channels"]);
    }
    // The print file: the advices' pages plus blank backs, barcoded envelopes.
    let pages: usize = job.iter().map(|j| j["pages"].parse::<usize>().unwrap()).sum();
    assert_eq!(pdf_page_count(&out.join("print/batch-0001.pdf")), pages);
    assert!(job.iter().all(|j| j["imb_serial"].starts_with("6102")), "serials carry the remittance digit: {job:?}");

    // download/<payee>.zip holds that payee's PDFs, byte for byte, and an index.
    let index = read_csv(&out.join("download/index.csv"));
    assert_eq!(index.len(), payees.len());
    let f = std::fs::File::open(out.join("download/100200300.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(f).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert_eq!(names, ["RA-880000236.pdf", "index.csv"]);
    let mut pdf = Vec::new();
    zip.by_name("RA-880000236.pdf").unwrap().read_to_end(&mut pdf).unwrap();
    assert_eq!(pdf, std::fs::read(out.join("documents/100200300/RA-880000236.pdf")).unwrap());
    let mut inner = String::new();
    zip.by_name("index.csv").unwrap().read_to_string(&mut inner).unwrap();
    assert!(
        inner.starts_with("payee_number,document_id,kind,title,pages,amount,sha256,file\n100200300,RA-880000236,remittance,"),
        "{inner}"
    );
}

#[test]
fn a_window_without_payments_makes_no_advices_and_a_reversed_window_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "remittances", "2027-01-01", "2027-01-31");
    assert_eq!(read_csv(&out.join("manifest.csv")).len(), 0);
    let o = ssps(&["remittances", "--data", &oct_2026().display().to_string(), "--from", "2026-10-31", "--to", "2026-10-01", "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: --from 2026-10-31 is after --to 2026-10-01\n");
}

#[test]
fn notices_list_what_was_authorized_changed_or_terminated_with_the_worker() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), "notices", "2026-10-01", "2026-10-31");
    let manifest = read_csv(&out.join("manifest.csv"));
    let ids: Vec<&str> = manifest.iter().map(|r| r["document_id"].as_str()).collect();
    assert_eq!(ids, ["SSN-4001-20261031", "SSN-4002-20261031", "SSN-4501-20261031"]);
    // Every line with an action dated in October is listed: counted here from the CSV.
    let acted = read_csv(&oct_2026().join("authorizations.csv"))
        .into_iter()
        .filter(|a| !a["action"].is_empty() && ("2026-10-01".."2026-11-01").contains(&a["action_date"].as_str()))
        .count();
    assert_eq!(manifest.iter().map(|r| r["lines"].parse::<usize>().unwrap()).sum::<usize>(), acted);

    let text = pdf_text(&out.join("documents/100200300/SSN-4002-20261031.pdf"));
    for s in [
        "SOCIAL SERVICES NOTICE",
        "TERMINATED",
        "Erin Walsh",
        "Service period: 06/01/2026 – 10/20/2026",
        "Authorized rate: $92.30 per DA",
        "Amount of care: 22 days",
        "Family co-payment: $65.00",
        "Authorizing worker: Jordan Ellis, phone (206) 555-0142",
        "CHANGED",
        "Ava Nguyễn",
        "Care is authorized only through the end date shown.",
    ] {
        assert!(text.contains(s), "{s:?} not in {text}");
    }
    let new = pdf_text(&out.join("documents/100200300/SSN-4001-20261031.pdf"));
    assert!(new.contains("AUTHORIZED") && new.contains("REGISTRATION FEE (4388)") && !new.contains("TERMINATED"), "{new}");
    assert!(!new.contains("Care is authorized only through"), "{new}");
}

#[test]
fn a_very_long_name_shrinks_to_fit_its_row_and_nothing_moves() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    crate::util::copy_extract(&oct_2026(), &data);
    let long = "Maximiliana Alexandrina Constantinopla Wolfeschlegelsteinhausen";
    crate::util::edit(
        &data,
        "clients.csv",
        "C20001,CS-880101,Willow,Park,",
        &format!("C20001,CS-880101,{long},Bergström-Oyelaran #2 [twin],"),
    );
    let out = run_on(tmp.path(), &data, "remittances", "2026-10-09", "2026-10-09");
    let pdf = out.join("documents/100200300/RA-880000236.pdf");
    assert_eq!(pdf_page_count(&pdf), 1);
    let text = pdf_text(&pdf);
    // Every word of the name is there (pdftotext drops the hyphen where the
    // name wraps), and the next child's row is unmoved.
    for word in long.split(' ').chain(["Bergström", "Oyelaran #2 [twin]", "Blaine Foster", "Total of this payment 6,628.70"]) {
        assert!(text.contains(word), "{word:?} not in {text}");
    }
}

#[test]
fn a_long_payment_continues_on_a_second_page_and_still_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    crate::util::copy_extract(&oct_2026(), &data);
    // Payment 880000236 gets 36 more lines of 10.00 each.
    let mut lines = std::fs::read_to_string(data.join("payment_lines.csv")).unwrap();
    for n in 5..=40 {
        lines.push_str(&format!("880000236,{n},,300A-261001,2026-09,1,10.00,10.00,,\n"));
    }
    std::fs::write(data.join("payment_lines.csv"), lines).unwrap();
    crate::util::edit(
        &data,
        "payments.csv",
        "880000236,100200300,2026-10-09,2026-10-16,EFT,6628.70",
        "880000236,100200300,2026-10-09,2026-10-16,EFT,6988.70",
    );
    let out = run_on(tmp.path(), &data, "remittances", "2026-10-09", "2026-10-09");
    let pdf = out.join("documents/100200300/RA-880000236.pdf");
    let pages = crate::util::pdf_pages_text(&pdf);
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("Page 1 of 2") && !pages[0].contains("Total of this payment"), "{}", pages[0]);
    assert!(pages[1].starts_with("REMITTANCE ADVICE (continued)"), "{}", pages[1]);
    assert!(pages[1].contains("Page 2 of 2") && pages[1].contains("Total of this payment 6,988.70"), "{}", pages[1]);
    // 16 rows on the first page, the other 24 lines and the total on the second.
    assert_eq!(pages[0].matches("300A-261001").count(), 16);
    assert_eq!(pages[1].matches("300A-261001").count(), 24);
    // Two pages: one sheet, duplex, in the print job.
    let job = read_csv(&out.join("print/job.csv"));
    let sunrise = job.iter().find(|r| r["recipient_id"] == "100200300").unwrap();
    assert_eq!((sunrise["pages"].as_str(), sunrise["sheets"].as_str()), ("2", "1"));
}

#[test]
fn a_spanish_payee_gets_a_spanish_notice() {
    let tmp = tempfile::tempdir().unwrap();
    // The family home's new lines were authorized on 09/28.
    let out = run(tmp.path(), "notices", "2026-09-01", "2026-09-30");
    let manifest = read_csv(&out.join("manifest.csv"));
    assert_eq!(manifest.len(), 1);
    assert_eq!((manifest[0]["document_id"].as_str(), manifest[0]["channels"].as_str()), ("SSN-4101-20260930", "mail;download"));
    let text = pdf_text(&out.join("documents/100200301/SSN-4101-20260930.pdf"));
    for s in [
        "AVISO DE SERVICIOS SOCIALES",
        "Fecha del aviso: 09/30/2026",
        "AUTORIZADO",
        "FULL DAY CARE FAMILY HOME (4321)",
        "Tarifa autorizada: $55.40 por DA",
        "Cantidad de cuidado: 22 días",
        "Copago de la familia: $35.00",
        "INFANT BONUS (4386)",
        "Copago de la familia: ninguno",
        "Trabajador que autoriza: Ana Gutierrez, teléfono (509) 555-0188",
        "Una autorización no garantiza el pago",
    ] {
        assert!(text.contains(s), "{s:?} not in {text}");
    }
}
