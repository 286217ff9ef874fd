//! Documents made on demand for the provider portal (`ssps::ondemand`): a
//! run of the binary names the run (`summary.json`) and the documents
//! (`manifest.csv`); the library re-makes one document from the payee's
//! part of the extract. The tagged copy is read back with poppler's
//! `pdfinfo` (tagged, its structure tree: heading, table header cells,
//! cells holding the names and amounts; the XMP's PDF/UA identification)
//! and checked against PDF/UA-1 by `page_validation`; the untagged copy
//! is PDF/A-2b and says what the run's copy says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ssps::model::{Extract, PayeeNumber, PaymentId};
use ssps::ondemand::{OnDemand, OneDocument, Remake};

use crate::util::{copy_extract, oct_2026, pdf_text, read_csv, ssps, stderr};

/// A run of the binary: its folder, its `Remake` (from `summary.json`) and
/// its manifest rows by document id.
struct Run {
    dir: PathBuf,
    remake: Remake,
    rows: BTreeMap<String, BTreeMap<String, String>>,
}

fn run(tmp: &Path, data: &Path, args: &[&str]) -> Run {
    let dir = tmp.join(args[0]);
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--data", data.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--dry-run"]);
    let o = ssps(&all);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let remake = Remake::from_summary_json(&summary).unwrap_or_else(|| panic!("{} is not re-made", args[0]));
    let rows = read_csv(&dir.join("manifest.csv")).into_iter().map(|r| (r["document_id"].clone(), r)).collect();
    Run { dir, remake, rows }
}

fn extract(dir: &Path) -> Extract {
    ssps::pipeline::read_extract(dir).unwrap().extract
}

fn payee(s: &str) -> PayeeNumber {
    PayeeNumber::parse(s).unwrap()
}

/// Makes `id` of `payee` from its part of `x`, writes it to `dir`. Makes
/// it again with Typst's memo cache emptied: the same bytes.
fn make(od: &OnDemand, remake: &Remake, x: &Extract, p: &str, id: &str, tagged: bool, dir: &Path) -> (OneDocument, PathBuf) {
    let p = payee(p);
    let doc = od.render_one(remake, &p, &x.for_payee(&p), id, tagged).unwrap().unwrap_or_else(|| panic!("{id} of {p} not made"));
    for _ in 0..3 {
        ssps::render::trim_caches();
    }
    let again = od.render_one(remake, &p, &x.for_payee(&p), id, tagged).unwrap().unwrap();
    assert!(again.pdf == doc.pdf, "{id} (tagged: {tagged}) made twice differs");
    let path = dir.join(format!("{id}-{}.pdf", if tagged { "ua" } else { "a" }));
    std::fs::write(&path, &doc.pdf).unwrap();
    (doc, path)
}

/// `pdfinfo` with `args` on `path`: its output (poppler 22 also complains
/// on stderr about the `/Suspects false` PDF/UA asks for; not checked; and
/// prints a heading's non-ASCII /T as raw UTF-16 bytes: read lossily).
fn pdfinfo(args: &[&str], path: &Path) -> String {
    let o = Command::new("pdfinfo").args(args).arg(path).output().expect("run pdfinfo (poppler-utils)");
    assert!(o.status.success(), "pdfinfo {args:?} {}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A node of the structure tree `pdfinfo -struct-text` prints: its type
/// (`H1`, `Table`, `TH`, `TD` …), its text, its children.
#[derive(Debug, Default)]
struct Node {
    kind: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    /// Every node of `kind` under this one, in document order.
    fn all<'a>(&'a self, kind: &str, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            if c.kind == kind {
                out.push(c);
            }
            c.all(kind, out);
        }
    }

    fn find(&self, kind: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        self.all(kind, &mut out);
        out
    }

    /// The texts of the cells of each row of a table.
    fn rows(&self) -> Vec<Vec<String>> {
        self.find("TR").iter().map(|r| r.children.iter().map(|c| c.text.trim().to_string()).collect()).collect()
    }
}

/// The structure tree of a tagged PDF, read by `pdfinfo -struct-text`.
fn structure(path: &Path) -> Node {
    let out = pdfinfo(&["-struct-text"], path);
    // (indent, node) from the root down to the node being read.
    let mut stack: Vec<(usize, Node)> = vec![(0, Node { kind: "root".into(), ..Node::default() })];
    for line in out.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('/') {
            continue;
        }
        if let Some(s) = t.strip_prefix('"') {
            let s = s.strip_suffix('"').unwrap_or(s);
            for (_, n) in stack.iter_mut().skip(1) {
                n.text.push_str(s);
            }
            continue;
        }
        while stack.len() > 1 && stack.last().unwrap().0 >= indent {
            let (_, n) = stack.pop().unwrap();
            stack.last_mut().unwrap().1.children.push(n);
        }
        let kind: String = t.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        stack.push((indent, Node { kind, ..Node::default() }));
    }
    while stack.len() > 1 {
        let (_, n) = stack.pop().unwrap();
        stack.last_mut().unwrap().1.children.push(n);
    }
    stack.pop().unwrap().1
}

/// PDF/UA-1 (or PDF/A-2b) problems `page_validation` finds, one a line.
fn failures(path: &Path, profile: page_validation::ValidationProfile) -> Vec<String> {
    let report = page_validation::validate_pdf(path, &page_validation::ValidationOptions::default().profile(profile))
        .unwrap_or_else(|e| panic!("{}: not a readable PDF: {e}", path.display()));
    report.failures.iter().map(|f| format!("{}: {}", f.rule_id, f.message)).collect()
}

/// What every tagged copy shows: tagged, titled, PDF/UA-1 by its XMP and
/// by the checker, headings starting at level 1; returns its tree.
fn tagged_copy(path: &Path, title: &str, lang: &str) -> Node {
    let info = pdfinfo(&[], path);
    assert!(info.lines().any(|l| l.split_whitespace().eq(["Tagged:", "yes"])), "{info}");
    assert!(info.lines().any(|l| l.starts_with("Title:") && l.ends_with(title)), "{info}");
    let meta = pdfinfo(&["-meta"], path);
    assert!(meta.contains("<pdfuaid:part>1</pdfuaid:part>"), "{meta}");
    assert!(meta.contains(&format!("<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li>")), "{meta}");
    let f = failures(path, page_validation::ValidationProfile::PdfUa1);
    assert!(f.is_empty(), "{} is not PDF/UA-1:\n{}", path.display(), f.join("\n"));
    let tree = structure(path);
    assert_eq!(tree.find("H1").len(), 1, "one title heading: {tree:#?}");
    tree
}

/// The untagged copy: PDF/A-2b, and the words of the run's copy.
fn untagged_copy(path: &Path, run_copy: &Path) {
    let f = failures(path, page_validation::ValidationProfile::PdfA2b);
    assert!(f.is_empty(), "{} is not PDF/A-2b:\n{}", path.display(), f.join("\n"));
    assert_eq!(pdf_text(path), pdf_text(run_copy));
}

#[test]
fn a_tagged_remittance_advice_has_its_heading_and_a_table_of_its_lines_and_reads_as_the_runs_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(tmp.path(), &oct_2026(), &["remittances", "--from", "2026-10-01", "--to", "2026-10-31"]);
    assert_eq!(r.remake, Remake::from_summary("remittances", "2026-10-01..2026-10-31").unwrap());
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let row = &r.rows["RA-880000236"];
    let (doc, path) = make(&od, &r.remake, &x, "100200300", "RA-880000236", true, tmp.path());
    assert_eq!((doc.pages, doc.amount.to_string(), doc.kind.name()), (1, row["amount"].clone(), "remittance"));
    let tree = tagged_copy(&path, "SSPS remittance advice for payment 880000236 issued 10/09/2026", "en");
    assert_eq!(tree.find("H1")[0].text, "REMITTANCE ADVICE");
    let table = tree.find("Table");
    let heads: Vec<&str> = table[0].find("TH").iter().map(|h| h.text.as_str()).collect();
    assert_eq!(heads, ["Child (service recipient)", "Service", "Service month", "Invoice", "Units", "Rate", "Amount"]);
    let rows = table[0].rows();
    assert_eq!(rows[1], ["Willow Park", "FULL DAY CARE CENTER", "09/2026", "300A-261001", "22", "92.30", "2,030.60"]);
    assert_eq!(rows.last().unwrap(), &["Total of this payment", "6,628.70"]);
    // The same words as the run's archived copy (the layout is the same too).
    assert_eq!(pdf_text(&path), pdf_text(&r.dir.join(&row["file"])));

    // A Spanish payee's advice with an adjustment: Spanish, the adjustment a row.
    let (_, path) = make(&od, &r.remake, &x, "100200301", "RA-880000237", true, tmp.path());
    let tree = tagged_copy(&path, "SSPS remittance advice for payment 880000237 issued 10/10/2026", "es");
    assert_eq!(tree.find("H1")[0].text, "AVISO DE REMESA");
    let rows = tree.find("Table")[0].rows();
    assert!(
        rows.iter().any(|r| r == &["OVP · Recovery of overpayment, notice VOP-2026-0412", "07/2026", "", "", "", "-120.00"]),
        "{rows:?}"
    );

    let (_, path) = make(&od, &r.remake, &x, "100200300", "RA-880000236", false, tmp.path());
    untagged_copy(&path, &r.dir.join(&row["file"]));
}

#[test]
fn another_payees_document_or_an_unknown_id_is_not_made() {
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let remake = Remake::from_summary("remittances", "2026-10-01..2026-10-31").unwrap();
    let mine = payee("100200300");
    // RA-880000237 is payee 100200301's: not in 100200300's part, nor made
    // for 100200300 from 100200301's part or the whole extract.
    for part in [x.for_payee(&mine), x.for_payee(&payee("100200301")), x.clone()] {
        assert!(od.render_one(&remake, &mine, &part, "RA-880000237", true).unwrap().is_none());
    }
    assert!(od.render_one(&remake, &mine, &x.for_payee(&mine), "RA-999", false).unwrap().is_none());
    let invoices = Remake::from_summary("invoices", "2026-10").unwrap();
    assert!(od.render_one(&invoices, &mine, &x.for_payee(&mine), "301A-261101", true).unwrap().is_none());
    assert!(od.render_one(&invoices, &payee("999999999"), &x.for_payee(&payee("999999999")), "300A-261101", true).unwrap().is_none());
}

#[test]
fn a_remittance_advice_for_a_payment_no_run_made_one_for() {
    let tmp = tempfile::tempdir().unwrap();
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    // January 2025's payment: the example's runs are of October 2026.
    let payment = &x.payments[&PaymentId::parse("880000101").unwrap()];
    let remake = Remake::remittance_for_payment(payment);
    assert_eq!(remake.period_key(), "2025-01-09..2025-01-09");
    let part = x.for_payee(&payment.payee_number);
    let doc = od.render_one(&remake, &payment.payee_number, &part, "RA-880000101", true).unwrap().expect("the advice");
    assert_eq!(doc.amount, payment.amount);
    let path = tmp.path().join("ra.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    let tree = tagged_copy(&path, "SSPS remittance advice for payment 880000101 issued 01/09/2025", "en");
    assert_eq!(tree.find("Table")[0].rows().last().unwrap(), &["Total of this payment", "6,467.50"]);
    assert!(pdf_text(&path).contains("Amount of this payment: $6,467.50"), "{}", pdf_text(&path));
}

#[test]
fn a_tagged_invoice_draws_the_form_as_content_with_its_boxes_and_service_lines_as_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(tmp.path(), &oct_2026(), &["invoices", "--month", "2026-10"]);
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let row = &r.rows["303A-261101"];
    let (doc, path) = make(&od, &r.remake, &x, "100200303", "303A-261101", true, tmp.path());
    assert_eq!((doc.pages, doc.amount.to_string()), (3, row["amount"].clone()));
    let tree = tagged_copy(&path, "DSHS 08-141 invoice 303A-261101 for month ending 10/31/2026", "en");
    assert_eq!(tree.find("H1")[0].text, "INVOICE");
    let tables = tree.find("Table");
    // Per page: the number boxes, then the service lines.
    assert_eq!(tables.len(), 6);
    assert_eq!(tables[0].rows(), [vec!["INVOICE NUMBER", "PAGE", "OF", "PAYEE NUMBER"], vec!["303A-261101", "1", "3", "100200303"]]);
    assert_eq!(tables[4].rows()[1], ["303A-261101", "3", "3", "100200303"]);
    let heads: Vec<&str> = tables[1].find("TH").iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        heads,
        [
            "LINE",
            "SERVICE RECIPIENT",
            "SERVICE PERIOD",
            "AMOUNT AUTHORIZED",
            "AUTHORIZED RATE",
            "SERVICE UNIT",
            "TOTAL UNITS",
            "SCHOOL HOLIDAY CARE"
        ]
    );
    // Six lines a page: 6 + 6 + 2, each line's cells holding its values
    // and the form's captions for the values under the first.
    let lines: Vec<Vec<String>> = [1, 3, 5].iter().flat_map(|&t| tables[t].rows().into_iter().skip(1)).collect();
    assert_eq!(lines.len(), 14);
    let text = pdf_text(&r.dir.join(&row["file"]));
    for (n, l) in lines.iter().enumerate() {
        assert!(l[0].starts_with(&format!("{}.CASE NUMBER", n + 1)), "{l:?}");
        assert!(l[1].contains("SERVICE NAME") && l[1].contains("AUTHORIZATION"), "{l:?}");
        assert!(l[3].contains("REFERENCE"), "{l:?}");
        // The amount authorized opens its cell, as the run's copy prints it.
        let amount = l[3].split("REFERENCE").next().unwrap();
        assert!(text.contains(amount), "{amount} not in the run's copy");
    }
    let sum: rust_decimal::Decimal =
        lines.iter().map(|l| l[3].split("REFERENCE").next().unwrap().replace(',', "").parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(sum, doc.amount);

    let (_, path) = make(&od, &r.remake, &x, "100200303", "303A-261101", false, tmp.path());
    untagged_copy(&path, &r.dir.join(&row["file"]));
}

#[test]
fn a_tagged_notice_lists_its_lines_in_a_table_over_several_pages() {
    let tmp = tempfile::tempdir().unwrap();
    // Nine more lines authorized for provider 4001 in October: two pages.
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    let mut csv = std::fs::read_to_string(data.join("authorizations.csv")).unwrap();
    for k in 0..9 {
        csv.push_str(&format!(
            "10000099{k:02},A7100001,4001,C20001,W1001,WCCC,4301,FULL DAY CARE CENTER,full_day,DA,{},50.00,,2026-10-01,2026-12-31,1KE,new,2026-10-1{k}\n",
            k + 1
        ));
    }
    std::fs::write(data.join("authorizations.csv"), csv).unwrap();
    let r = run(tmp.path(), &data, &["notices", "--from", "2026-10-01", "--to", "2026-10-31"]);
    let (x, od) = (extract(&data), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let row = &r.rows["SSN-4001-20261031"];
    let (doc, path) = make(&od, &r.remake, &x, "100200300", "SSN-4001-20261031", true, tmp.path());
    assert_eq!((doc.pages.to_string(), doc.amount.to_string()), (row["pages"].clone(), row["amount"].clone()));
    assert_eq!(doc.pages, 2);
    let tree = tagged_copy(&path, "Social Services Notice 10/31/2026 for provider 4001", "en");
    assert_eq!(tree.find("H1")[0].text, "SOCIAL SERVICES NOTICE");
    let tables = tree.find("Table");
    assert_eq!(tables.len(), 2, "a table a page");
    let heads: Vec<&str> = tables[0].find("TH").iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        heads,
        [
            "Action date",
            "Child",
            "Case number",
            "Reference",
            "Service",
            "Service period",
            "Authorized rate",
            "Amount of care",
            "Family co-payment",
            "Authorizing worker",
            "Amount authorized"
        ]
    );
    let lines: Vec<Vec<String>> = tables.iter().flat_map(|t| t.rows().into_iter().skip(1)).collect();
    assert_eq!(lines.len().to_string(), row["lines"]);
    assert!(
        lines.contains(&vec![
            "AUTHORIZED10/05/2026".to_string(),
            "Blaine Foster".into(),
            "CS-880102".into(),
            "1000004021".into(),
            "NON-STANDARD HOUR BONUS (4385)".into(),
            "10/01/2026 – 12/31/2026".into(),
            "$75.00 per MO".into(),
            "1 month".into(),
            "none".into(),
            "Jordan Ellis, phone (206) 555-0142".into(),
            "$75.00".into(),
        ]),
        "{lines:?}"
    );
    let sum: rust_decimal::Decimal =
        lines.iter().map(|l| l[10].trim_start_matches('$').replace(',', "").parse::<rust_decimal::Decimal>().unwrap()).sum();
    assert_eq!(sum, doc.amount);
}

#[test]
fn a_tagged_overpayment_notice_has_its_lines_total_and_rights_under_headings() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    crate::overpayments::extract(&data);
    let r = run(tmp.path(), &data, &["overpayments", "--date", "2025-10-01"]);
    let (x, od) = (extract(&data), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let row = &r.rows["VON-5001-20251001"];
    let (doc, path) = make(&od, &r.remake, &x, "200100100", "VON-5001-20251001", true, tmp.path());
    assert_eq!((doc.pages, doc.amount.to_string()), (2, row["amount"].clone()));
    let tree = tagged_copy(&path, "Vendor Overpayment Notice VON-5001-20251001 for provider 5001", "en");
    assert_eq!(tree.find("H1")[0].text, "VENDOR OVERPAYMENT NOTICE");
    assert_eq!(tree.find("H2")[0].text, "How to repay, interest, and your right to a hearing");
    let h3: Vec<&str> = tree.find("H3").iter().map(|h| h.text.as_str()).collect();
    assert_eq!(h3, ["How to repay", "Interest (RCW 43.20B.695)", "Your right to a hearing (RCW 43.20B.675)"]);
    let table = tree.find("Table");
    let rows = table[0].rows();
    assert_eq!(rows[0], ["Child", "Service month", "Reference", "Invoice", "Units overpaid", "Rate", "Amount overpaid", "Why"]);
    assert_eq!(rows[2][..7], ["Willow Example", "08/2025", "2000000011", "999A-000001", "4", "$50.00", "$200.00"]);
    assert!(rows[2][7].starts_with("CLAIM You claimed more units"), "{:?}", rows[2]);
    assert_eq!(rows.last().unwrap()[0], "Total overpaid: $275.50");
    assert_eq!(table[0].find("TFoot").len(), 1);

    // The Spanish payee's notice is in Spanish.
    let (_, path) = make(&od, &r.remake, &x, "200100200", "VON-5002-20251001", true, tmp.path());
    let tree = tagged_copy(&path, "Vendor Overpayment Notice VON-5002-20251001 for provider 5002", "es");
    assert_eq!(tree.find("H1")[0].text, "AVISO DE PAGO EN EXCESO AL PROVEEDOR");

    let (_, path) = make(&od, &r.remake, &x, "200100100", "VON-5001-20251001", false, tmp.path());
    untagged_copy(&path, &r.dir.join(&row["file"]));
}

#[test]
fn a_tagged_1099_statement_lays_out_its_back_page_and_states_box_1() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(tmp.path(), &oct_2026(), &["tax1099", "--year", "2026"]);
    assert_eq!(r.remake, Remake::Tax1099 { year: 2026 });
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let row = &r.rows["1099NEC-2026-100200300"];
    let (doc, path) = make(&od, &r.remake, &x, "100200300", "1099NEC-2026-100200300", true, tmp.path());
    assert_eq!((doc.pages, doc.amount.to_string()), (2, row["amount"].clone()));
    let tree = tagged_copy(&path, "Form 1099-NEC for 2026, account 100200300", "en");
    assert_eq!(tree.find("H1")[0].text, "Form 1099-NEC");
    assert_eq!(tree.find("H2")[0].text, "Instructions for Recipient");
    let text = pdf_text(&path);
    assert!(text.contains("$ 62,812.10") && text.contains("Instructions for Recipient Form 1099-NEC · 2026 You received"), "{text}");
    // The words of the run's copy, whose back page is an image of a PDF.
    assert_eq!(text, pdf_text(&r.dir.join(&row["file"])));

    let (_, path) = make(&od, &r.remake, &x, "100200300", "1099NEC-2026-100200300", false, tmp.path());
    untagged_copy(&path, &r.dir.join(&row["file"]));
}

#[test]
fn threads_share_one_maker_and_get_the_same_bytes() {
    let (x, od) = (extract(&oct_2026()), OnDemand::new(&ssps::assets::Assets::default()).unwrap());
    let remake = Remake::from_summary("invoices", "2026-10").unwrap();
    let p = payee("100200300");
    let part = x.for_payee(&p);
    let (od, remake, p, part) = (&od, &remake, &p, &part);
    let made: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = [false, false, true, true]
            .iter()
            .map(|&tagged| s.spawn(move || od.render_one(remake, p, part, "300A-261101", tagged).unwrap().unwrap().pdf))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(made[0] == made[1] && made[2] == made[3], "the same document twice differs");
    assert!(made[0] != made[2]);
}
