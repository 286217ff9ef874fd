//! The January 1099 run (issue 6): the real binary on the October extract's
//! two years of payments and on small extracts made for the edges; the
//! statements read back from their PDFs, the IRIS files and the
//! reconciliation read back as CSV.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{copy_extract, edit, oct_2026, pdf_page_count, pdf_pages_text, pdf_text, read_csv, ssps, stderr, stdout};

/// The bundled payer settings marked confirmed (the bundled file's
/// placeholders make every run end with exit 1).
fn confirmed_payer(tmp: &Path) -> PathBuf {
    let path = tmp.join("payer.toml");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/payer.toml")).unwrap();
    assert!(text.contains("confirmed = false"));
    std::fs::write(&path, text.replace("confirmed = false", "confirmed = true")).unwrap();
    path
}

/// Runs `ssps tax1099` for `year` on `data` into `<tmp>/<name>` (email as
/// `.eml` files, the payer confirmed); returns the run folder and the
/// process output.
fn tax1099(tmp: &Path, name: &str, data: &Path, year: &str, more: &[&str]) -> (PathBuf, std::process::Output) {
    let out = tmp.join(name);
    let (d, o, p) = (data.display().to_string(), out.display().to_string(), confirmed_payer(tmp).display().to_string());
    let mut args = vec!["tax1099", "--data", &d, "--year", year, "--out", &o, "--dry-run", "--payer", &p];
    args.extend_from_slice(more);
    let run = ssps(&args);
    (out, run)
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// The reconciliation's payee rows: (payee, status) → row.
fn reconciliation(out: &Path) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let mut rows = BTreeMap::new();
    for r in read_csv(&out.join("tax1099/reconciliation.csv")).into_iter().filter(|r| !r["payee_number"].starts_with("TOTAL")) {
        let key = (r["payee_number"].clone(), r["status"].clone());
        assert!(!rows.contains_key(&key), "two reconciliation rows for {key:?}");
        rows.insert(key, r);
    }
    rows
}

/// The reconciliation's total rows: label → (payments, amount).
fn totals(out: &Path) -> BTreeMap<String, (String, String)> {
    read_csv(&out.join("tax1099/reconciliation.csv"))
        .into_iter()
        .filter(|r| r["payee_number"].starts_with("TOTAL"))
        .map(|r| (r["payee_number"].clone(), (r["payments"].clone(), r["amount"].clone())))
        .collect()
}

/// Every upload file's rows, in file order.
fn iris_rows(out: &Path, stem: &str) -> Vec<BTreeMap<String, String>> {
    let mut names: Vec<_> = std::fs::read_dir(out.join("tax1099"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(stem)
                && n[stem.len()..].starts_with('-')
                && n[stem.len() + 1..].chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .collect();
    names.sort();
    names.iter().flat_map(|n| read_csv(&out.join("tax1099").join(n))).collect()
}

/// The given columns of every upload row, in file order.
fn iris(out: &Path, stem: &str, columns: &[&str]) -> Vec<Vec<String>> {
    iris_rows(out, stem).iter().map(|r| columns.iter().map(|c| r[*c].clone()).collect()).collect()
}

/// Account, recipient TIN, box 1, corrected indicator.
const RETURN: [&str; 4] = ["Account Number", "Recipient TIN", "Box 1 Nonemployee Compensation", "Corrected Return Indicator"];

/// An expected upload row.
fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

fn statement(out: &Path, payee: &str, id: &str) -> PathBuf {
    out.join("documents").join(payee).join(format!("{id}.pdf"))
}

/// The form's three boxes as read back from a statement's text (the
/// captions come first, then the values below them): payer's TIN,
/// recipient's TIN, box 1.
fn boxes(text: &str) -> (String, String, String) {
    let head = "PAYER'S TIN RECIPIENT'S TIN 1 Nonemployee compensation ";
    let at = text.find(head).unwrap_or_else(|| panic!("no form boxes in: {text}"));
    let v: Vec<&str> = text[at + head.len()..].split(' ').take(4).collect();
    assert_eq!(v[2], "$", "{text}");
    (v[0].to_string(), v[1].to_string(), v[3].to_string())
}

#[test]
fn the_2026_run_reports_each_tin_over_2000_and_prints_copy_b() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, o) = tax1099(tmp.path(), "run", &oct_2026(), "2026", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("5 Form 1099-NEC statements, 10 pages, total 111,730.80"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("tax year 2026: 70 payments, 158,409.90 = reported 111,730.80 (50 payments) + below_threshold 1,033.50 (10 payments) + exempt 45,645.60 (10 payments) + rejected 0.00 (0 payments); threshold 2,000.00; furnish and file by 2027-02-01"),
        "{}",
        stdout(&o)
    );

    let rec = reconciliation(&out);
    let status = |p: &str| rec.keys().filter(|(q, _)| q == p).map(|(_, s)| s.clone()).collect::<Vec<_>>().join(",");
    assert_eq!(status("100200300"), "reported");
    assert_eq!(status("100200303"), "exempt", "Tacoma Little Sprouts Inc has reportable_1099 = N");
    assert_eq!(status("100200304"), "below_threshold", "Evergreen: $1,033.50 in 2026 is under $2,000");
    let evergreen = &rec[&("100200304".into(), "below_threshold".into())];
    assert_eq!((evergreen["payments"].as_str(), evergreen["amount"].as_str(), evergreen["return_account"].as_str()), ("10", "1033.50", ""));
    assert_eq!(evergreen["reason"], "net $1,033.50 paid in 2026 is under the $2,000.00 threshold");
    let tacoma = &rec[&("100200303".into(), "exempt".into())];
    assert_eq!((tacoma["amount"].as_str(), tacoma["tin"].as_str()), ("45645.60", "XX-XXX8135"));
    let oconnor = &rec[&("100200305".into(), "reported".into())];
    assert_eq!(
        (oconnor["amount"].as_str(), oconnor["return_amount"].as_str(), oconnor["filing"].as_str(), oconnor["furnished"].as_str()),
        ("4926.60", "4926.60", "original", "mail")
    );
    assert_eq!(rec[&("100200300".into(), "reported".into())]["furnished"], "electronic");

    // One statement a return, two pages each; Sunrise consented: no paper.
    let manifest = read_csv(&out.join("manifest.csv"));
    let got: Vec<(&str, &str, &str, &str)> =
        manifest.iter().map(|r| (r["document_id"].as_str(), r["kind"].as_str(), r["pages"].as_str(), r["channels"].as_str())).collect();
    assert_eq!(
        got,
        [
            ("1099NEC-2026-100200300", "1099nec", "2", "email;download"),
            ("1099NEC-2026-100200301", "1099nec", "2", "mail"),
            ("1099NEC-2026-100200302", "1099nec", "2", "mail"),
            ("1099NEC-2026-100200305", "1099nec", "2", "mail"),
            ("1099NEC-2026-100200306", "1099nec", "2", "mail"),
        ]
    );
    let s = summary(&out);
    assert_eq!(s["run"], "tax1099");
    assert_eq!(s["tax1099"]["furnish_by"], "2027-02-01");
    assert_eq!(crate::util::amount(&s["tax1099"]["threshold"]), "2000.00".parse::<rust_decimal::Decimal>().unwrap());
    assert_eq!(s["print"]["envelopes"], 4);
    assert!(s["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", s["checks"]);

    // Copy B, read back.
    let pdf = statement(&out, "100200305", "1099NEC-2026-100200305");
    assert_eq!(pdf_page_count(&pdf), 2);
    let pages = pdf_pages_text(&pdf);
    for want in [
        "Form 1099-NEC",
        "Nonemployee Compensation",
        "For calendar year 2026",
        "Copy B For Recipient",
        "OMB No. 1545-0116",
        "Washington State Department of Social and Health Services Office of Accounting Services Social Service Payment System PO Box 45812 Olympia, WA 98504-5812 (360) 555-0100",
        "James O'Connor O'Connor Family Care #2 77 Cedar Loop SE Apt #4 [rear] Olympia WA 98501",
        "Account number (see instructions) James O'Connor O'Connor Family Care #2 77 Cedar Loop SE Apt #4 [rear] Olympia WA 98501 100200305",
        "This is important tax information and is being furnished to the IRS. If you are required to file a return, a negligence penalty or other sanction may be imposed on you if this income is taxable and the IRS determines that it has not been reported.",
    ] {
        assert!(pages[0].contains(want), "page 1 lacks {want:?}:\n{}", pages[0]);
    }
    assert_eq!(boxes(&pages[0]), ("91-0000000".into(), "***-**-8811".into(), "4,926.60".into()));
    assert!(!pages[0].contains("CORRECTED"), "{}", pages[0]);
    assert!(pages[1].starts_with("Instructions for Recipient"), "{}", pages[1]);
    assert!(pages[1].contains("However, the payer has reported your complete TIN to the IRS."), "{}", pages[1]);
    // The Spanish-speaking payee gets the note in Spanish; the form stays the IRS's English.
    let rosa = pdf_pages_text(&statement(&out, "100200301", "1099NEC-2026-100200301"));
    assert!(rosa[0].contains("Este es un documento tributario importante del IRS (Formulario 1099-NEC)."), "{}", rosa[0]);
    assert_eq!(boxes(&rosa[0]), ("91-0000000".into(), "***-**-4455".into(), "16,860.10".into()));
    let ngoc = pdf_text(&statement(&out, "100200306", "1099NEC-2026-100200306"));
    assert!(ngoc.contains("Ngọc Trần Trần Home Daycare 4120 S Othello St Seattle WA 98118 100200306"), "{ngoc}");

    // The consenting payee: an email that the statement is in the portal, nothing attached.
    let eml = std::fs::read_to_string(out.join("email/100200300.eml")).unwrap();
    assert!(eml.contains("Subject: IMPORTANT TAX RETURN DOCUMENT AVAILABLE: your Form 1099-NEC for tax\r\n year 2026"), "{eml}");
    assert!(!eml.contains("application/pdf") && !eml.contains("attachment"), "the statement must not be attached:\n{eml}");
    assert!(std::fs::read_dir(out.join("email")).unwrap().count() == 1, "only the consenting payee is emailed");
    let index = read_csv(&out.join("download/index.csv"));
    assert_eq!(index.iter().map(|r| r["payee_number"].as_str()).collect::<Vec<_>>(), ["100200300"]);

    // The IRIS file: the five returns, full TINs, box 1 to the cent.
    let rows = iris_rows(&out, "iris-1099nec");
    assert_eq!(
        iris(&out, "iris-1099nec", &RETURN),
        [
            row(&["100200300", "911234567", "62812.10", ""]),
            row(&["100200301", "532114455", "16860.10", ""]),
            row(&["100200302", "917654321", "12484.80", ""]),
            row(&["100200305", "533228811", "4926.60", ""]),
            row(&["100200306", "534901276", "14647.20", ""]),
        ]
    );
    assert!(rows.iter().all(|r| r["Payer TIN"] == "910000000" && r["Tax Year"] == "2026"));

    // The same input gives the same bytes.
    let (again, o2) = tax1099(tmp.path(), "again", &oct_2026(), "2026", &[]);
    assert_eq!(o2.status.code(), Some(0));
    for f in [
        "manifest.csv",
        "tax1099/reconciliation.csv",
        "tax1099/reconciliation.pdf",
        "tax1099/iris-1099nec-001.csv",
        "print/batch-0001.pdf",
        "documents/100200305/1099NEC-2026-100200305.pdf",
    ] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f} differs between runs");
    }
}

#[test]
fn evergreen_is_reported_for_2025_but_not_2026() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, o) = tax1099(tmp.path(), "run2025", &oct_2026(), "2025", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rec = reconciliation(&out);
    let evergreen = &rec[&("100200304".into(), "reported".into())];
    // Twelve payments of $68.90 and $137.80 in turn: $1,240.20, at least 2025's $600.
    assert_eq!((evergreen["payments"].as_str(), evergreen["amount"].as_str(), evergreen["filing"].as_str()), ("12", "1240.20", "original"));
    assert_eq!(evergreen["reason"], "net $1,240.20 paid in 2025 is at least the $600.00 threshold");
    let text = pdf_text(&statement(&out, "100200304", "1099NEC-2025-100200304"));
    assert!(text.contains("For calendar year 2025"), "{text}");
    assert_eq!(boxes(&text), ("91-0000000".into(), "XX-XXX9246".into(), "1,240.20".into()));
    assert_eq!(summary(&out)["tax1099"]["furnish_by"], "2026-02-02");
    // Ngọc Trần was first paid in 2026: nothing for 2025.
    assert!(!rec.keys().any(|(p, _)| p == "100200306"));

    let (out26, _) = tax1099(tmp.path(), "run2026", &oct_2026(), "2026", &[]);
    assert!(!statement(&out26, "100200304", "1099NEC-2026-100200304").exists());
    assert!(!iris_rows(&out26, "iris-1099nec").iter().any(|r| r["Account Number"] == "100200304"));
}

/// Writes an extract of payees each paid `amounts` (one payment and one line each) in `year`.
fn edge_extract(dir: &Path, payees: &[(&str, &str, &str, &[&str])]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut p = String::from("payee_number,name,dba_name,address_line1,address_line2,city,state,zip,tin,tin_type,delivery,email,language,direct_deposit,reportable_1099,consent_electronic_1099\n");
    let mut pay = String::from("payment_id,payee_number,issue_date,settlement_date,method,amount\n");
    let mut lines =
        String::from("payment_id,line_no,reference_number,invoice_number,service_month,units,rate,amount,adjustment_code,description\n");
    let mut id = 500000001;
    for (k, (number, name, date, amounts)) in payees.iter().enumerate() {
        p.push_str(&format!("{number},{name},,10{k} Main St,,Olympia,WA,98501,53{k}-11-2233,SSN,mail,,,N,Y,N\n"));
        for a in *amounts {
            pay.push_str(&format!("{id},{number},{date},,WARRANT,{a}\n"));
            lines.push_str(&format!("{id},1,,,2025-12,,,{a},,care\n"));
            id += 1;
        }
    }
    std::fs::write(dir.join("payees.csv"), p).unwrap();
    std::fs::write(dir.join("payments.csv"), pay).unwrap();
    std::fs::write(dir.join("payment_lines.csv"), lines).unwrap();
}

#[test]
fn thresholds_at_their_edges_in_2025_and_2026() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("edges");
    edge_extract(
        &data,
        &[
            ("200000001", "Under Twenty-Six", "2026-03-10", &["1000.00", "999.99"]),
            ("200000002", "At Twenty-Six", "2026-03-10", &["1000.00", "1000.00"]),
            ("200000003", "Under Twenty-Five", "2025-03-10", &["599.99"]),
            ("200000004", "At Twenty-Five", "2025-03-10", &["700.00", "-100.00"]),
        ],
    );
    let (out, o) = tax1099(tmp.path(), "y2026", &data, "2026", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rec = reconciliation(&out);
    assert_eq!(rec[&("200000001".into(), "below_threshold".into())]["amount"], "1999.99");
    assert_eq!(rec[&("200000002".into(), "reported".into())]["amount"], "2000.00");
    assert_eq!(rec.len(), 2, "2025's payments are not in 2026: {:?}", rec.keys());
    let rows = iris_rows(&out, "iris-1099nec");
    assert_eq!(
        rows.iter().map(|r| (r["Account Number"].as_str(), r["Box 1 Nonemployee Compensation"].as_str())).collect::<Vec<_>>(),
        [("200000002", "2000.00")]
    );

    let (out, o) = tax1099(tmp.path(), "y2025", &data, "2025", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rec = reconciliation(&out);
    assert_eq!(rec[&("200000003".into(), "below_threshold".into())]["amount"], "599.99");
    // A recovery counts: $700.00 paid, $100.00 recovered, $600.00 net.
    let at = &rec[&("200000004".into(), "reported".into())];
    assert_eq!((at["payments"].as_str(), at["amount"].as_str()), ("2", "600.00"));
    let text = pdf_text(&statement(&out, "200000004", "1099NEC-2025-200000004"));
    assert_eq!(boxes(&text).2, "600.00");

    // The bundled payer's placeholders: everything is made, but the run says so and ends with 1.
    let (out, o) = {
        let out = tmp.path().join("bundled");
        let run = ssps(&["tax1099", "--data", &data.display().to_string(), "--year", "2026", "--out", &out.display().to_string()]);
        (out, run)
    };
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("payer: the payer settings are not confirmed (the bundled data/payer.toml holds a placeholder EIN and telephone): do not mail or upload"), "{}", stdout(&o));
    assert_eq!(summary(&out)["tax1099"]["payer_confirmed"], false);
    assert!(pdf_text(&out.join("tax1099/reconciliation.pdf")).contains("The payer settings are not confirmed"));

    // A year the data file does not have stops the run before any output.
    let (out, o) = tax1099(tmp.path(), "y2027", &data, "2027", &["--date", "2028-01-05"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("data/tax1099.toml has no 1099-NEC threshold for tax year 2027; add the year's figure (from 2027 the IRS publishes it, indexed for inflation) and give the file with --tax-years"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // With the year's figure in a file of its own, 2027 runs.
    let years = tmp.path().join("years.toml");
    std::fs::write(&years, "[[year]]\nyear = 2027\nthreshold = \"2100.00\"\n").unwrap();
    let (_, o) = tax1099(tmp.path(), "y2027b", &data, "2027", &["--tax-years", &years.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("tax year 2027: 0 payments, 0.00 = reported 0.00 (0 payments)"), "{}", stdout(&o));
    assert!(stdout(&o).contains("threshold 2,100.00; furnish and file by 2028-01-31"), "{}", stdout(&o));
}

/// Scans every file of a run folder (PDFs as text, zip archives entry by
/// entry, everything else as bytes) for the TINs in `full`; asserts they
/// appear only in the IRIS upload files, and returns those files.
fn full_tins_only_in_iris_files(out: &Path, full: &[String]) -> Vec<PathBuf> {
    let mut files = vec![];
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let scratch = tempfile::tempdir().unwrap();
    let mut iris = vec![];
    for f in &files {
        let name = f.strip_prefix(out).unwrap().display().to_string();
        let texts: Vec<(String, String)> = match f.extension().and_then(|x| x.to_str()) {
            Some("pdf") => vec![(name.clone(), pdf_text(f))],
            Some("zip") => {
                let mut z = zip::ZipArchive::new(std::fs::File::open(f).unwrap()).unwrap();
                (0..z.len())
                    .map(|i| {
                        let mut entry = z.by_index(i).unwrap();
                        let mut bytes = vec![];
                        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                        let inner = format!("{name}!{}", entry.name());
                        if entry.name().ends_with(".pdf") {
                            let tmp = scratch.path().join("entry.pdf");
                            std::fs::write(&tmp, &bytes).unwrap();
                            (inner, pdf_text(&tmp))
                        } else {
                            (inner, String::from_utf8_lossy(&bytes).into_owned())
                        }
                    })
                    .collect()
            }
            _ => vec![(name.clone(), String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned())],
        };
        for (what, text) in texts {
            let found: Vec<&String> = full.iter().filter(|t| text.contains(t.as_str())).collect();
            if what.starts_with("tax1099/iris-1099nec-") {
                iris.push(f.clone());
            } else {
                assert!(found.is_empty(), "{what} shows a full TIN: {found:?}");
            }
        }
    }
    iris
}

#[test]
fn full_tins_are_only_in_the_iris_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, o) = tax1099(tmp.path(), "run", &oct_2026(), "2026", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let payees = read_csv(&oct_2026().join("payees.csv"));
    // Every recipient's whole TIN, with and without hyphens.
    let full: Vec<String> = payees.iter().flat_map(|p| [p["tin"].clone(), p["tin"].replace('-', "")]).collect();
    let iris = full_tins_only_in_iris_files(&out, &full);
    assert_eq!(iris.len(), 1);
    let text = std::fs::read_to_string(&iris[0]).unwrap();
    // The IRS gets every reported recipient's whole TIN.
    for tin in ["911234567", "532114455", "917654321", "533228811", "534901276"] {
        assert!(text.contains(tin), "the IRIS file lacks a full TIN");
    }
    // What people read shows the truncated forms.
    let rec = std::fs::read_to_string(out.join("tax1099/reconciliation.csv")).unwrap();
    assert!(rec.contains("***-**-8811") && rec.contains("XX-XXX4567"), "{rec}");
    for (payee, tin) in [("100200300", "XX-XXX4567"), ("100200301", "***-**-4455"), ("100200302", "XX-XXX4321")] {
        let text = pdf_text(&statement(&out, payee, &format!("1099NEC-2026-{payee}")));
        assert_eq!(boxes(&text).1, tin, "{payee}");
    }
}

#[test]
fn the_reconciliation_accounts_for_every_payment_of_the_year_rejected_ones_too() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("broken");
    copy_extract(&oct_2026(), &data);
    // An amount that is not money, and a payment to a payee not in payees.csv.
    edit(&data, "payments.csv", "880000219,100200304,2026-07-12,,WARRANT,68.90", "880000219,100200304,2026-07-12,,WARRANT,68.9x");
    edit(&data, "payments.csv", "880000242,100200306,2026-10-10", "880000242,100200399,2026-10-10");
    let (out, o) = tax1099(tmp.path(), "run", &data, "2026", &[]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let rec = reconciliation(&out);
    let bad_amount = &rec[&("100200304".into(), "rejected".into())];
    assert_eq!((bad_amount["payments"].as_str(), bad_amount["amount"].as_str()), ("1", "0.00"));
    assert!(bad_amount["reason"].starts_with("payment 880000219 (payments.csv line 120): "), "{}", bad_amount["reason"]);
    let unknown = &rec[&("100200399".into(), "rejected".into())];
    assert_eq!((unknown["payments"].as_str(), unknown["amount"].as_str(), unknown["name"].as_str()), ("1", "1579.60", ""));
    // Ngọc Trần lost that payment: 14,647.20 - 1,579.60.
    assert_eq!(rec[&("100200306".into(), "reported".into())]["amount"], "13067.60");

    // The identity: reported + below threshold + exempt + rejected = every 2026 row of payments.csv.
    let raw = read_csv(&data.join("payments.csv"));
    let of_year: Vec<_> = raw.iter().filter(|r| r["issue_date"].starts_with("2026-")).collect();
    let readable: rust_decimal::Decimal = of_year.iter().filter_map(|r| r["amount"].parse::<rust_decimal::Decimal>().ok()).sum();
    let t = totals(&out);
    let parts: Vec<(usize, rust_decimal::Decimal)> = ["TOTAL reported", "TOTAL below_threshold", "TOTAL exempt", "TOTAL rejected"]
        .iter()
        .map(|k| (t[*k].0.parse().unwrap(), t[*k].1.parse().unwrap()))
        .collect();
    assert_eq!(parts.iter().map(|p| p.0).sum::<usize>(), of_year.len());
    assert_eq!(parts.iter().map(|p| p.1).sum::<rust_decimal::Decimal>(), readable);
    assert_eq!(t["TOTAL all payments of the year"], (of_year.len().to_string(), format!("{readable:.2}")));
    let s = summary(&out);
    assert_eq!(s["tax1099"]["payments_of_the_year"]["unreadable_amounts"], 1);
    assert!(s["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", s["checks"]);
    let pdf = pdf_text(&out.join("tax1099/reconciliation.pdf"));
    assert!(
        pdf.contains(&format!(
            "Balanced: the sorted payments equal every payment of the year, {} payments and ${}.",
            of_year.len(),
            ssps::compose::money(readable)
        )),
        "{pdf}"
    );
    assert!(pdf.contains("Rejected payments of the year") && pdf.contains("100200399"), "{pdf}");
    assert!(pdf.contains("February 1, 2027 (January 31, moved to the next business day)"), "{pdf}");
}

#[test]
fn a_correction_run_corrects_only_the_returns_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (first, o) = tax1099(tmp.path(), "first", &oct_2026(), "2026", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let data = tmp.path().join("fixed");
    copy_extract(&oct_2026(), &data);
    // A name corrected, an amount corrected, a payee found exempt after filing.
    edit(&data, "payees.csv", "100200301,Rosa Maria Delgado,", "100200301,Rosa María Delgado,");
    edit(&data, "payments.csv", "880000241,100200305,2026-10-09,,WARRANT,531.30", "880000241,100200305,2026-10-09,,WARRANT,500.00");
    edit(
        &data,
        "payment_lines.csv",
        "880000241,1,1000004224,305A-261001,2026-09,22,24.15,531.30",
        "880000241,1,1000004224,305A-261001,2026-09,22,24.15,500.00",
    );
    edit(&data, "payees.csv", "534-90-1276,SSN,email,ngoc.tran@example.org,,Y,,", "534-90-1276,SSN,email,ngoc.tran@example.org,,Y,N,");
    let prev = first.display().to_string();
    let (out, o) = tax1099(tmp.path(), "second", &data, "2026", &["--corrected-from", &prev, "--date", "2027-02-15"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("returns: 2 corrected, 1 void, 2 unchanged; IRIS upload files: tax1099/iris-1099nec-corrected-001.csv;"),
        "{}",
        stdout(&o)
    );

    let manifest = read_csv(&out.join("manifest.csv"));
    let ids: Vec<&str> = manifest.iter().map(|r| r["document_id"].as_str()).collect();
    assert_eq!(ids, ["1099NEC-2026-100200301-C20270215", "1099NEC-2026-100200305-C20270215", "1099NEC-2026-100200306-C20270215"]);
    let rosa = pdf_pages_text(&statement(&out, "100200301", ids[0]));
    assert!(rosa[0].contains("CORRECTED") && rosa[0].contains("Rosa María Delgado"), "{}", rosa[0]);
    assert_eq!(boxes(&rosa[0]).2, "16,860.10");
    assert!(rosa[0].contains("This statement corrects the Form 1099-NEC furnished to you earlier for this year."), "{}", rosa[0]);
    let oconnor = pdf_text(&statement(&out, "100200305", ids[1]));
    assert!(oconnor.contains("CORRECTED"), "{oconnor}");
    assert_eq!(boxes(&oconnor).2, "4,895.30");
    let ngoc = pdf_text(&statement(&out, "100200306", ids[2]));
    assert!(ngoc.contains("CORRECTED"), "{ngoc}");
    assert_eq!(boxes(&ngoc).2, "0.00");

    assert_eq!(
        iris(
            &out,
            "iris-1099nec-corrected",
            &["Account Number", "Recipient Name Line 1", "Box 1 Nonemployee Compensation", "Corrected Return Indicator"]
        ),
        [
            row(&["100200301", "Rosa María Delgado", "16860.10", "X"]),
            row(&["100200305", "James O'Connor", "4895.30", "X"]),
            row(&["100200306", "Ngọc Trần", "0.00", "X"]),
        ]
    );
    assert!(iris_rows(&out, "iris-1099nec").is_empty(), "no original returns in a correction run with nothing new");
    let rec = reconciliation(&out);
    let filing = |p: &str, s: &str| {
        let r = &rec[&(p.to_string(), s.to_string())];
        (r["filing"].clone(), r["previous_amount"].clone(), r["return_amount"].clone())
    };
    assert_eq!(filing("100200300", "reported"), ("unchanged".into(), "62812.10".into(), "62812.10".into()));
    assert_eq!(filing("100200305", "reported"), ("corrected".into(), "4926.60".into(), "4895.30".into()));
    assert_eq!(filing("100200306", "exempt"), ("void".into(), "14647.20".into(), "0.00".into()));
    assert_eq!(rec[&("100200306".into(), "exempt".into())]["amount"], "14647.20");

    // A second correction run from the first correction: nothing has changed since.
    let (third, o) = tax1099(tmp.path(), "third", &data, "2026", &["--corrected-from", &out.display().to_string(), "--date", "2027-03-01"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("0 Form 1099-NEC statements"), "{}", stdout(&o));
    assert!(stdout(&o).contains("returns: 4 unchanged; IRIS upload files: none;"), "{}", stdout(&o));
    assert!(read_csv(&third.join("manifest.csv")).is_empty());

    // Only a 1099 run of the same year can be corrected.
    let (_, o) = tax1099(tmp.path(), "wrong", &data, "2025", &["--corrected-from", &prev]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("--corrected-from {prev}: it is a tax1099 run of 2026, not a tax1099 run of 2025")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shared_tins_tin_changes_and_rejected_payments_in_correction_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("shared");
    copy_extract(&oct_2026(), &data);
    // Ngọc Trần's payee record carries James O'Connor's SSN: one recipient TIN.
    edit(&data, "payees.csv", "534-90-1276,SSN,email", "533-22-8811,SSN,email");
    let (first, o) = tax1099(tmp.path(), "first", &data, "2026", &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let rec = reconciliation(&first);
    let ngoc = &rec[&("100200306".into(), "reported".into())];
    assert_eq!(
        (ngoc["amount"].as_str(), ngoc["return_account"].as_str(), ngoc["return_amount"].as_str()),
        ("14647.20", "100200305", "19573.80")
    );
    assert!(ngoc["reason"].contains("net $19,573.80 paid in 2026 is at least the $2,000.00 threshold; the TIN's payees 100200305, 100200306 are added up under account 100200305; the TIN's payees have different names: the return uses James O'Connor"), "{}", ngoc["reason"]);
    assert!(!statement(&first, "100200306", "1099NEC-2026-100200306").exists());
    let text = pdf_text(&statement(&first, "100200305", "1099NEC-2026-100200305"));
    assert_eq!(boxes(&text).2, "19,573.80");
    assert!(text.contains("Includes payments to payee numbers 100200306."), "{text}");
    assert_eq!(summary(&first)["tax1099"]["tins_with_several_payees"], 1);

    // The correction: Ngọc's own SSN; Rosa's SSN was wrong; one of Harvest
    // Valley's payments is now rejected.
    edit(&data, "payees.csv", "533-22-8811,SSN,email", "534-90-1276,SSN,email");
    edit(&data, "payees.csv", "532-11-4455", "532-11-9999");
    edit(
        &data,
        "payments.csv",
        "880000238,100200302,2026-10-11,2026-10-18,EFT,1346.40",
        "880000238,100200302,2026-10-11,2026-10-18,EFT,1346.4O",
    );
    let (second, o) =
        tax1099(tmp.path(), "second", &data, "2026", &["--corrected-from", &first.display().to_string(), "--date", "2027-02-15"]);
    assert_eq!(o.status.code(), Some(1), "rejected records and a held return: {}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("returns: 2 original, 1 corrected, 1 void, 1 unchanged, 1 held;"), "{}", stdout(&o));
    assert!(stdout(&o).contains("held: the return of account 100200302 stays as filed"), "{}", stdout(&o));
    let ids = |out: &Path| -> Vec<String> { read_csv(&out.join("manifest.csv")).iter().map(|r| r["document_id"].clone()).collect() };
    assert_eq!(
        ids(&second),
        ["1099NEC-2026-100200301-C20270215", "1099NEC-2026-100200301", "1099NEC-2026-100200305-C20270215", "1099NEC-2026-100200306"]
    );
    // Two steps for the wrong TIN: zero under the TIN filed, a new original under the right one.
    let void = pdf_text(&statement(&second, "100200301", "1099NEC-2026-100200301-C20270215"));
    assert!(void.contains("CORRECTED"), "{void}");
    assert_eq!(boxes(&void), ("91-0000000".into(), "***-**-4455".into(), "0.00".into()));
    assert!(void.contains("is corrected to zero: no reportable payments remain under it."), "{void}");
    let new = pdf_text(&statement(&second, "100200301", "1099NEC-2026-100200301"));
    assert!(!new.contains("CORRECTED"), "{new}");
    assert_eq!(boxes(&new), ("91-0000000".into(), "***-**-9999".into(), "16,860.10".into()));
    assert_eq!(
        iris(&second, "iris-1099nec-corrected", &RETURN),
        [row(&["100200301", "532114455", "0.00", "X"]), row(&["100200305", "533228811", "4926.60", "X"])]
    );
    assert_eq!(
        iris(&second, "iris-1099nec", &RETURN),
        [row(&["100200301", "532119999", "16860.10", ""]), row(&["100200306", "534901276", "14647.20", ""])]
    );
    // Harvest Valley: lowering its return while a payment is rejected would file a data error.
    let rec = reconciliation(&second);
    let harvest = &rec[&("100200302".into(), "reported".into())];
    assert_eq!(
        (harvest["filing"].as_str(), harvest["return_amount"].as_str(), harvest["amount"].as_str()),
        ("held", "12484.80", "11138.40")
    );
    assert!(
        harvest["reason"].contains("1 rejected payment(s) of $0.00 are not included")
            && harvest["reason"].contains("held at the $12,484.80 filed: the rejected payments must be fixed first"),
        "{}",
        harvest["reason"]
    );
    assert_eq!(rec[&("100200301".into(), "reported".into())]["filing"], "two_step");
    // Both of Rosa's SSNs, the one corrected to zero and the new one, are only in the upload files.
    let tins: Vec<String> = ["532-11-4455", "532114455", "532-11-9999", "532119999", "533228811", "534901276"].map(String::from).to_vec();
    assert_eq!(full_tins_only_in_iris_files(&second, &tins).len(), 2);

    // Fixed, and Rosa's SSN changes once more: the TIN to zero is read back
    // from the second run's upload file, two runs down the chain.
    edit(&data, "payments.csv", "1346.4O", "1346.40");
    edit(&data, "payees.csv", "532-11-9999", "532-11-8888");
    let (third, o) =
        tax1099(tmp.path(), "third", &data, "2026", &["--corrected-from", &second.display().to_string(), "--date", "2027-03-01"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("returns: 1 original, 1 void, 4 unchanged;"), "{}", stdout(&o));
    assert_eq!(iris(&third, "iris-1099nec-corrected", &RETURN), [row(&["100200301", "532119999", "0.00", "X"])]);
    assert_eq!(iris(&third, "iris-1099nec", &RETURN), [row(&["100200301", "532118888", "16860.10", ""])]);
    assert_eq!(reconciliation(&third)[&("100200302".into(), "reported".into())]["filing"], "unchanged");
}
