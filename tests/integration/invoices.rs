//! `ssps invoices` on the bundled October 2026 extract, checked the way a
//! mailroom clerk and a provider would check it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::*;

fn run_oct(out: &Path) -> std::process::Output {
    let data = oct_2026();
    ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()])
}

fn manifest(out: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&out.join("manifest.csv")).into_iter().map(|r| (r["document_id"].clone(), r)).collect()
}

#[test]
fn october_run_produces_one_invoice_per_provider() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = run_oct(&out);
    assert_eq!(o.status.code(), Some(0), "stdout: {}\nstderr: {}", stdout(&o), stderr(&o));
    let m = manifest(&out);
    let ids: Vec<&str> = m.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        ["300A-261101", "300B-261101", "301A-261101", "302A-261101", "303A-261101", "304A-261101", "305A-261101", "306A-261101"]
    );
    let tacoma = &m["303A-261101"];
    assert_eq!(tacoma["provider_number"], "4301");
    assert_eq!(tacoma["pages"], "3");
    assert_eq!(tacoma["lines"], "14");
    assert_eq!(tacoma["channels"], "mail;download");
    assert_eq!(m["302A-261101"]["channels"], "email;download"); // email payee: no paper
    assert_eq!(m["300A-261101"]["channels"], "mail;email;download"); // both
    assert_eq!(m["300A-261101"]["recipient_name"], "Sunrise Early Learning LLC");
    // Every listed file exists, has the listed page count and hash.
    for row in m.values() {
        let pdf = out.join(&row["file"]);
        assert_eq!(pdf_page_count(&pdf).to_string(), row["pages"], "{}", row["file"]);
        let bytes = std::fs::read(&pdf).unwrap();
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, row["sha256"]);
        assert_eq!(row["file"], format!("documents/{}/{}.pdf", row["recipient_id"], row["document_id"]));
    }
}

#[test]
fn tacoma_invoice_reads_like_the_form() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run_oct(&out).status.code(), Some(0));
    let pdf = out.join("documents/100200303/303A-261101.pdf");
    let pages = pdf_pages_text(&pdf);
    assert_eq!(pages.len(), 3);
    for (i, p) in pages.iter().enumerate() {
        // The header repeats on every page.
        assert!(p.contains("INVOICE"), "page {i}");
        assert!(p.contains("303A-261101"), "page {i}");
        assert!(p.contains("100200303"), "page {i}");
        assert!(p.contains("4301"), "page {i}");
        assert!(p.contains("10/31/2026"), "page {i}: month ending");
        assert!(p.contains(&format!("PAGE {} OF 3", i + 1)), "page {i}: {p}");
        assert!(p.contains("Tacoma Little Sprouts Inc"), "page {i}");
        assert!(p.contains("2201 S 19th St"), "page {i}");
        assert!(p.contains("Tacoma WA 98405"), "page {i}");
        assert!(p.contains("1-888-461-8855"), "page {i}");
        assert!(p.contains("VENDOR'S CERTIFICATE"), "page {i}");
        assert!(p.contains("PO BOX 45889"), "page {i}");
        assert!(p.contains("DSHS 08-141"), "page {i}");
    }
    // Six lines on pages 1 and 2, two on page 3, sorted by child name.
    assert!(pages[0].contains("Noah Bell") && pages[0].contains("Emma Cruz"));
    assert!(pages[2].contains("Henry Nash") && pages[2].contains("Ella Ortiz"));
    assert!(!pages[2].contains("Noah Bell"));
    let bell = pages[0].find("Noah Bell").unwrap();
    let cruz = pages[0].find("Emma Cruz").unwrap();
    assert!(bell < cruz);
    // Line values: half-day 30 × 37.05 = 1,111.50; full-day 22 × 74.10 = 1,630.20.
    assert!(pages[0].contains("1,111.50") && pages[0].contains("37.05"));
    assert!(pages[0].contains("1,630.20") && pages[0].contains("74.10"));
    assert!(pages[0].contains("MAX 30") && pages[0].contains("MAX 22"));
    assert!(pages[0].contains("HALF DAY CARE CENTER"));
    assert!(pages[0].contains("CS-880200") && pages[0].contains("A7400000") && pages[0].contains("W1003"));
    assert!(pages[0].contains("5PN") && pages[0].contains("4302"));
    // Reference number split: last four digits separate, for Invoice Express.
    assert!(pages[0].contains("100000 4112"), "{}", pages[0]);
    assert!(pages[0].contains("08/01/2026") && pages[0].contains("01/31/2027"));
}

#[test]
fn special_characters_print_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run_oct(&out).status.code(), Some(0));
    let oconnor = pdf_text(&out.join("documents/100200305/305A-261101.pdf"));
    assert!(oconnor.contains("O'Connor Family Care #2"), "{oconnor}");
    assert!(oconnor.contains("Apt #4 [rear]"), "{oconnor}");
    assert!(oconnor.contains("James O'Connor"));
    assert!(oconnor.contains("Liam O'Brien"));
    let tran = pdf_text(&out.join("documents/100200306/306A-261101.pdf"));
    assert!(tran.contains("Ngọc Trần"), "{tran}");
    assert!(tran.contains("Trần Home Daycare"));
    assert!(tran.contains("Ava Nguyễn"));
    let delgado = pdf_text(&out.join("documents/100200301/301A-261101.pdf"));
    assert!(delgado.contains("Sofía Hernández"), "{delgado}");
    assert!(delgado.contains("Mateo Delgado-Ruiz"));
    // A TIN never appears on an invoice.
    assert!(!oconnor.contains("8811") && !oconnor.contains("533-22"));
}

#[test]
fn print_file_is_in_zip_order_with_blank_backs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run_oct(&out).status.code(), Some(0));
    let print = out.join("print/batch-0001.pdf");
    let pages = pdf_pages_text(&print);
    // Mailed: 300A (2 pages), 300B (1+blank), 303A (3+blank), 305A (1+blank), 301A (1+blank), 304A (1+blank).
    assert_eq!(pages.len(), 14);
    let firsts: Vec<(usize, &str)> =
        [(0, "300A-261101"), (2, "300B-261101"), (4, "303A-261101"), (8, "305A-261101"), (10, "301A-261101"), (12, "304A-261101")]
            .into_iter()
            .collect();
    for (i, id) in firsts {
        assert!(pages[i].contains(id) && pages[i].contains("PAGE 1 OF"), "page {}: {}", i + 1, pages[i]);
        assert_eq!(i % 2, 0, "every invoice starts on a front side");
    }
    for blank in [3, 7, 9, 11, 13] {
        assert_eq!(pages[blank], "", "page {} should be a blank back", blank + 1);
    }
    assert!(!pages.iter().any(|p| p.contains("302A") || p.contains("306A")), "email-only payees are not printed");
    let m = manifest(&out);
    assert_eq!(m["303A-261101"]["print_first_page"], "5");
    assert_eq!(m["303A-261101"]["print_file"], "print/batch-0001.pdf");
    assert_eq!(m["303A-261101"]["envelope"], "2");
    assert_eq!(m["302A-261101"]["print_first_page"], "");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["print"]["pages"], 14);
    assert_eq!(summary["print"]["sheets"], 7);
    assert_eq!(summary["print"]["documents"], 6);
    assert_eq!(summary["documents"], 8);
    assert_eq!(summary["rejected_records"], 0);
    assert!(summary["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true));
}

#[test]
fn summary_totals_match_the_extract() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run_oct(&out).status.code(), Some(0));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    // Independent sum over authorizations.csv of units × rate for lines overlapping October 2026.
    let mut cents: i64 = 0;
    let mut lines = 0;
    for r in read_csv(&oct_2026().join("authorizations.csv")) {
        if r["start_date"].as_str() <= "2026-10-31" && r["end_date"].as_str() >= "2026-10-01" {
            let units: i64 = r["units_authorized"].parse().unwrap();
            let rate: i64 = r["rate"].replace('.', "").parse().unwrap();
            cents += units * rate;
            lines += 1;
        }
    }
    let expected = format!("{}.{:02}", cents / 100, cents % 100);
    // A plain number in summary.json, equal to the cent.
    assert_eq!(amount(&summary["total_amount"]), expected.parse::<rust_decimal::Decimal>().unwrap());
    assert_eq!(summary["lines"], lines);
    let m = manifest(&out);
    let sum: i64 = m.values().map(|r| r["amount"].replace([',', '.'], "").parse::<i64>().unwrap()).sum();
    assert_eq!(sum, cents);
}

#[test]
fn two_runs_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    assert_eq!(run_oct(&a).status.code(), Some(0));
    assert_eq!(run_oct(&b).status.code(), Some(0));
    let files = |root: &Path| {
        let mut v = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().unwrap() != "summary.json" {
                    v.push(p.strip_prefix(root).unwrap().to_path_buf());
                }
            }
        }
        v.sort();
        v
    };
    let fa = files(&a);
    assert_eq!(fa, files(&b));
    assert!(fa.len() >= 10);
    for f in fa {
        assert!(std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(), "{} differs", f.display());
    }
}

#[test]
fn rerun_replaces_the_folder_and_foreign_folders_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    assert_eq!(run_oct(&out).status.code(), Some(0));
    std::fs::write(out.join("documents/stale.txt"), "old").unwrap();
    assert_eq!(run_oct(&out).status.code(), Some(0));
    assert!(!out.join("documents/stale.txt").exists());
    let mut names: Vec<String> =
        std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    // No staging or old folder is left; the email queue lives beside the run.
    assert_eq!(names, ["run", "ssps-delivery.sqlite"]);

    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep").unwrap();
    let o = run_oct(&foreign);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("refusing to replace"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep");
}

#[test]
fn a_broken_payee_rejects_its_invoice_and_the_rest_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(&data, "payees.csv", "533-22-8811,SSN", "533-22-881,SSN");
    edit(
        &data,
        "authorizations.csv",
        "1000004098,A7300001,4201,C20007,W1005,SEASONAL,4331,SEASONAL FULL MONTH CARE,full_day,DA,31,61.20",
        "1000004098,A7300001,4201,C20007,W1005,SEASONAL,4331,SEASONAL FULL MONTH CARE,full_day,DA,31,61.205",
    );
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let m = manifest(&out);
    assert!(!m.contains_key("305A-261101"), "O'Connor's payee was rejected");
    assert_eq!(m.len(), 7);
    assert_eq!(m["302A-261101"]["lines"], "1", "the bad rate line is rejected, its sibling stays");
    let raw = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(raw.starts_with("severity,file,line,column,value,record,rule\n"));
    assert_eq!(raw.matches("severity,file").count(), 1, "one header row");
    let rejects = read_csv(&out.join("rejects.csv"));
    let find = |file: &str, line: &str| {
        rejects.iter().find(|r| r["file"] == file && r["line"] == line).unwrap_or_else(|| panic!("no reject {file}:{line}: {rejects:?}"))
    };
    let payee = find("payees.csv", "7");
    assert_eq!(payee["column"], "tin");
    assert_eq!(payee["value"], "***-*2-881", "a TIN is never shown whole");
    assert_eq!(payee["rule"], "a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN");
    assert_eq!(payee["record"], "payee 100200305");
    let provider = find("providers.csv", "8");
    assert_eq!(provider["column"], "payee_number");
    assert_eq!(provider["rule"], "payee 100200305 was rejected (payees.csv line 7: tin: a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN), so this record is rejected too");
    let line = find("authorizations.csv", "33");
    assert_eq!(line["record"], "authorization line 1000004224");
    assert!(line["rule"].starts_with("provider 4501 was rejected (providers.csv line 8"), "{}", line["rule"]);
    let rate = find("authorizations.csv", "15");
    assert_eq!(rate["column"], "rate");
    assert_eq!(rate["value"], "61.205");
    // The other payees' invoices are all there.
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["files"]["authorizations.csv"]["rejected"], 3);
    assert_eq!(summary["files"]["payees.csv"]["rejected"], 1);
}

#[test]
fn crlf_and_bom_extract_gives_the_same_invoices() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for e in std::fs::read_dir(oct_2026()).unwrap() {
        let p = e.unwrap().path();
        let s = std::fs::read_to_string(&p).unwrap();
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(s.replace('\n', "\r\n").as_bytes());
        std::fs::write(data.join(p.file_name().unwrap()), bytes).unwrap();
    }
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    assert_eq!(run_oct(&a).status.code(), Some(0));
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(a.join("manifest.csv")).unwrap(), std::fs::read(b.join("manifest.csv")).unwrap());
}

#[test]
fn missing_needed_file_stops_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    std::fs::remove_file(data.join("workers.csv")).unwrap();
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), format!("error: cannot make invoices: workers.csv is not present in {}\n", data.display()));
    assert!(!out.exists());
}

#[test]
fn bad_month_argument_is_explained() {
    let o = ssps(&["invoices", "--data", "x", "--month", "2026-13", "--out", "y"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`2026-13` is not a month; write YYYY-MM, like 2026-10"), "{}", stderr(&o));
}

#[test]
fn fifty_lines_cannot_use_invoice_express() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    // Give Evergreen Kids Academy (provider 4401, 2 lines) 48 more children: 50 lines.
    let mut clients = std::fs::read_to_string(data.join("clients.csv")).unwrap();
    let mut auths = std::fs::read_to_string(data.join("authorizations.csv")).unwrap();
    for k in 0..48 {
        clients.push_str(&format!("C9{k:04},CS-99{k:04},Child{k:02},Zimmer,2020-01-01,,,,,,\n"));
        auths.push_str(&format!(
            "20000{k:05},A99{k:05},4401,C9{k:04},W1002,WCCC,4301,FULL DAY CARE CENTER,full_day,DA,22,68.90,,2026-07-01,2026-12-31,1SP,,\n"
        ));
    }
    std::fs::write(data.join("clients.csv"), clients).unwrap();
    std::fs::write(data.join("authorizations.csv"), auths).unwrap();
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pdf = out.join("documents/100200304/304A-261101.pdf");
    let pages = pdf_pages_text(&pdf);
    assert_eq!(pages.len(), 9, "50 lines at six a page");
    for p in &pages {
        assert!(p.contains("THIS INVOICE HAS 50 OR MORE SERVICE LINES: INVOICE EXPRESS CANNOT BE USED FOR IT."), "{p}");
        assert!(!p.contains("1-888-461-8855"));
    }
    assert!(pages[8].contains("50.") && pages[8].contains("PAGE 9 OF 9"));
    // A shorter invoice offers Invoice Express.
    let first = pdf_text(&out.join("documents/100200300/300A-261101.pdf"));
    assert!(first.contains("1-888-461-8855") && !first.contains("CANNOT BE USED"));
}
