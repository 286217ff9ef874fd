//! The ACES MILs Report for MM/CCYY (`ssps mil-report`): the real binary on
//! the October extract with an SSP case roster written here (the bundled
//! example has no `ssp_cases.csv`: its file and record counts are asserted
//! elsewhere), the PDF read back, the CSV summed, the rejects and the
//! manifest read from the run folder.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::util::{amount, copy_extract, oct_2026, pdf_page_count, pdf_text, read_csv, ssps, stderr, stdout};

/// Clients appended to the example's `clients.csv`: names that must print
/// exactly, never as markup or a spreadsheet formula.
const CLIENTS: &str = "\
C40001,AC-4400001,Ngọc,Trần,1940-02-02,,,,,,
C40002,AC-4400002,#panic(),O'Connor,1941-03-03,,,,,,
C40003,AC-4400003,=SUM(A1),<script>,1942-04-04,,,,,,
";

/// The roster for October 2026: M cases open on the 1st only, from the last
/// day, through the month, not in clients.csv; cases that are not listed
/// (closed the day before, type I, opened after the month); two bad rows.
const ROSTER: &str = "\
au_number,client_id,program_type,amount,open_date,close_date
AU1001,C30001,M,45.10,2002-10-01,
AU1002,C30002,M,0.54,2002-10-01,2026-10-01
AU1003,C30003,M,112.00,2026-10-31,
AU1004,C30004,M,80.00,2010-01-01,2026-09-30
AU1005,C30005,I,60.00,2020-01-01,
AU1006,C40001,M,33.33,2015-05-05,2027-01-01
AU1007,C40002,M,7.77,2004-01-01,
AU1008,C40003,M,1.01,2004-01-01,
AU1009,C99999,M,10.00,2004-01-01,
AU1010,C30006,M,20.00,2026-11-01,
AU1011,C30007,Z,5.00,2004-01-01,
AU1012,C30007,M,99.00,2026-10-20,2026-10-10
";

/// An extract of the October example plus `roster` and the extra clients.
fn extract(tmp: &Path, roster: &str) -> PathBuf {
    let data = tmp.join("data");
    copy_extract(&oct_2026(), &data);
    let clients = data.join("clients.csv");
    let mut text = std::fs::read_to_string(&clients).unwrap();
    text.push_str(CLIENTS);
    std::fs::write(&clients, text).unwrap();
    std::fs::write(data.join("ssp_cases.csv"), roster).unwrap();
    data
}

fn run(data: &Path, out: &Path, month: &str) -> std::process::Output {
    ssps(&["mil-report", "--data", &data.display().to_string(), "--month", month, "--out", &out.display().to_string()])
}

fn date(s: &str) -> Option<NaiveDate> {
    s.parse().ok()
}

/// The M cases of the roster open on a day of the month, from the CSV
/// alone (rows the format rejects left out): (AU number, amount).
fn expected(roster: &Path, first: NaiveDate, last: NaiveDate) -> Vec<(String, Decimal)> {
    let mut v: Vec<(String, Decimal)> = read_csv(roster)
        .into_iter()
        .filter(|r| r["program_type"] == "M")
        .filter_map(|r| {
            let open = date(&r["open_date"])?;
            let close = if r["close_date"].is_empty() { None } else { Some(date(&r["close_date"])?) };
            let sound = close.is_none_or(|c| c >= open);
            let in_month = open <= last && close.is_none_or(|c| c >= first);
            (sound && in_month).then(|| (r["au_number"].clone(), r["amount"].parse().unwrap()))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_months_mil_cases_are_listed_counted_and_totalled() {
    let tmp = tempfile::tempdir().unwrap();
    let data = extract(tmp.path(), ROSTER);
    let out = tmp.path().join("mil");
    let o = run(&data, &out, "2026-10");
    assert_eq!(o.status.code(), Some(1), "two rows are rejected: {}{}", stdout(&o), stderr(&o));

    let want = expected(&data.join("ssp_cases.csv"), date("2026-10-01").unwrap(), date("2026-10-31").unwrap());
    let aus: Vec<&str> = want.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(aus, ["AU1001", "AU1002", "AU1003", "AU1006", "AU1007", "AU1008", "AU1009"]);
    let total: Decimal = want.iter().map(|(_, a)| *a).sum();
    assert_eq!(total, "209.75".parse::<Decimal>().unwrap());
    assert!(stdout(&o).contains("MILs Report for 10/2026: 7 MIL cases, total 209.75"), "{}", stdout(&o));

    // The PDF: title, every case with its amount, in AU order, the count and total.
    let manifest = read_csv(&out.join("manifest.csv"));
    assert_eq!(manifest.len(), 1);
    let m = &manifest[0];
    assert_eq!(
        (m["document_id"].as_str(), m["kind"].as_str(), m["recipient_kind"].as_str(), m["recipient_id"].as_str()),
        ("MIL-2026-10", "mil-report", "staff", "SSP-UNIT")
    );
    assert_eq!(m["channels"], "download", "a staff report is downloaded only");
    assert_eq!((m["lines"].as_str(), m["amount"].as_str(), m["file"].as_str()), ("7", "209.75", "documents/SSP-UNIT/MIL-2026-10.pdf"));
    let pdf = out.join(&m["file"]);
    assert_eq!(pdf_page_count(&pdf), 1);
    let text = pdf_text(&pdf);
    assert!(text.contains("MILs Report for 10/2026"), "{text}");
    let mut at = 0;
    for (au, amount) in &want {
        let shown = format!("${}", ssps::compose::money(*amount));
        let pos = text[at..].find(au.as_str()).unwrap_or_else(|| panic!("{au} not listed after position {at}: {text}"));
        at += pos;
        let row_end = text[at..].find('$').map(|p| at + p).unwrap();
        assert!(text[row_end..].starts_with(&shown), "{au}: {shown} expected at {}", &text[at..]);
    }
    for absent in ["AU1004", "AU1005", "AU1010", "AU1011", "AU1012"] {
        assert!(!text.contains(absent), "{absent} listed: {text}");
    }
    assert!(text.contains("MIL cases: 7"), "{text}");
    assert!(text.contains("Total monthly amount: $209.75"), "{text}");
    // Record values print exactly.
    for name in ["Harold Jensen", "Ngọc Trần", "#panic() O'Connor", "=SUM(A1) <script>", "(not in clients.csv)"] {
        assert!(text.contains(name), "{name}: {text}");
    }

    // mil-report.csv: the same rows, plain numbers that sum to the same.
    let rows = read_csv(&out.join("mil-report.csv"));
    let got: Vec<(String, Decimal)> = rows.iter().map(|r| (r["au_number"].clone(), r["amount"].parse().unwrap())).collect();
    assert_eq!(got, want);
    assert_eq!(rows.iter().map(|r| r["amount"].parse::<Decimal>().unwrap()).sum::<Decimal>(), total);
    assert_eq!(rows[1]["close_date"], "2026-10-01");
    assert_eq!(rows[0]["close_date"], "");
    assert_eq!(rows[5]["client_name"], "'=SUM(A1) <script>", "neutralised for spreadsheets");
    assert_eq!(rows[6]["client_name"], "", "AU1009's client is not in clients.csv");

    // summary.json: figures as numbers, every check holds, no channel took anything.
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((s["run"].as_str(), s["period"].as_str()), (Some("mil-report"), Some("2026-10")));
    assert_eq!(amount(&s["total_amount"]), total);
    assert_eq!(amount(&s["mil_report"]["total"]), total);
    assert_eq!(s["mil_report"]["cases"], 7);
    assert!(s["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", s["checks"]);
    assert_eq!(s["channels"], serde_json::json!({ "download": 1 }));
    assert_eq!((s["print"]["envelopes"].as_u64(), s["email"]["messages"].as_u64()), (Some(0), Some(0)));
    assert_eq!(s["files"]["ssp_cases.csv"]["rejected"], 2);
    assert_eq!(s["files"]["ssp_cases.csv"]["accepted"], 10);

    // No mail, no email: no batch file in print/; the staff's download archive holds the report.
    let batches =
        std::fs::read_dir(out.join("print")).map(|d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "pdf")).count());
    assert_eq!(batches.unwrap_or(0), 0);
    assert!(!out.join("email").exists());
    let index = read_csv(&out.join("download/index.csv"));
    assert_eq!(index.iter().map(|r| (r["payee_number"].as_str(), r["documents"].as_str())).collect::<Vec<_>>(), [("SSP-UNIT", "1")]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join("download/SSP-UNIT.zip")).unwrap()).unwrap();
    let mut copy = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("MIL-2026-10.pdf").unwrap(), &mut copy).unwrap();
    assert_eq!(copy, std::fs::read(&pdf).unwrap(), "the archive holds the report's file copy");

    // The bad rows: rejected with their exact messages, the rest went on
    // (the case whose client is missing is kept: a warning, not in rejects.csv).
    assert_eq!(s["warnings"], 1);
    let rejects: Vec<String> = read_csv(&out.join("rejects.csv"))
        .iter()
        .filter(|r| r["file"] == "ssp_cases.csv")
        .map(|r| format!("{}|{}|{}|{}|{}", r["severity"], r["line"], r["column"], r["value"], r["rule"]))
        .collect();
    assert_eq!(
        rejects,
        [
            "error|12|program_type|Z|must be `I`, `M`, `A` or `B`",
            "error|13|close_date|2026-10-10|the case closes before it opens (2026-10-20)",
        ]
    );
    // `ssps check` reports the same, and the warning, before any report is made.
    let o = ssps(&["check", "--data", &data.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<String> = stdout(&o).lines().filter(|l| l.contains("ssp_cases.csv")).map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            "warning: ssp_cases.csv:10: case AU1009: column client_id = \"C99999\": there is no client C99999 in clients.csv; the case is kept and listed without the client's name",
            "error: ssp_cases.csv:12: case AU1011: column program_type = \"Z\": must be `I`, `M`, `A` or `B`",
            "error: ssp_cases.csv:13: case AU1012: column close_date = \"2026-10-10\": the case closes before it opens (2026-10-20)",
        ]
    );
}

#[test]
fn a_long_roster_takes_the_pages_counted_before_rendering_and_an_empty_month_one() {
    let tmp = tempfile::tempdir().unwrap();
    let mut roster = String::from("au_number,client_id,program_type,amount,open_date,close_date\n");
    for k in 0..71 {
        roster.push_str(&format!("AU{:04},C30001,M,{k}.25,2002-10-01,\n", 2000 + k));
    }
    let data = extract(tmp.path(), &roster);
    let out = tmp.path().join("long");
    let o = run(&data, &out, "2026-10");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let m = &read_csv(&out.join("manifest.csv"))[0];
    // 30 on the first page, 36 on the second, 5 on the third.
    assert_eq!(m["pages"], "3");
    assert_eq!(pdf_page_count(&out.join(&m["file"])), 3);
    let want: Decimal = (0..71).map(|k| Decimal::new(k * 100 + 25, 2)).sum();
    let csv: Decimal = read_csv(&out.join("mil-report.csv")).iter().map(|r| r["amount"].parse::<Decimal>().unwrap()).sum();
    assert_eq!(csv, want);
    assert!(pdf_text(&out.join(&m["file"])).contains(&format!("MIL cases: 71 Total monthly amount: ${}", ssps::compose::money(want))));

    // A month before every case opened: one page saying so, zero and 0.00.
    let out = tmp.path().join("empty");
    let o = run(&data, &out, "2002-09");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let m = &read_csv(&out.join("manifest.csv"))[0];
    assert_eq!((m["pages"].as_str(), m["lines"].as_str(), m["amount"].as_str()), ("1", "0", "0.00"));
    let text = pdf_text(&out.join(&m["file"]));
    assert!(text.contains("MILs Report for 09/2002") && text.contains("No MIL case was open in this month."), "{text}");
    assert!(read_csv(&out.join("mil-report.csv")).is_empty());
}
