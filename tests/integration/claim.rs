//! Claim checking (issue 7): the real binary on the booklet's billing
//! stories (`examples/booklet-claims/`), each story's answer taken from its
//! EXPECTED.md; wrong claims with their exact messages; the worksheets read
//! back from their PDFs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{copy_extract, edit, pdf_text, read_csv, ssps, stderr, stdout};

fn booklet() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/booklet-claims")
}

/// EXPECTED.md's table: child → the units the booklet says to claim.
fn expected() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(booklet().join("EXPECTED.md")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| child") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect()
}

#[test]
fn every_booklet_story_comes_out_as_the_booklet_says() {
    let want = expected();
    assert_eq!(want.len(), 10, "{want:?}");
    let mut got = BTreeMap::new();
    // The stories are set in three months.
    for month in ["2025-08", "2024-03", "2022-07"] {
        let o = ssps(&["claim", "--data", &booklet().display().to_string(), "--month", month, "--json"]);
        assert_eq!(o.status.code(), Some(0), "{month}: {}{}", stdout(&o), stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for l in json["lines"].as_array().unwrap() {
            // A plain JSON number, no trailing zeros (`15`, `7.5`).
            assert!(l["correct"].is_number(), "{l}");
            got.insert(l["child"].as_str().unwrap().to_string(), l["correct"].to_string());
        }
        for c in json["claims"].as_array().unwrap() {
            assert_eq!(c[1]["verdict"], "correct", "{month}: {c}");
        }
    }
    assert_eq!(got, want);
}

#[test]
fn the_reasoning_is_in_words_and_a_wrong_claim_exits_1() {
    let o = ssps(&["claim", "--data", &booklet().display().to_string(), "--month", "2025-08"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "999A-000001 line 2000000011 Willow Example (FULL DAY CARE CENTER, 22 authorized): correct: 18 claimed; absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18",
        "999A-000001 line 2000000088 Madeleine Example (FULL DAY CARE CENTER, 22 authorized): correct: 16 claimed; absent 6 days, 1 more than the 5 allowed: 22 − 1 = 21; closed 5 days, never billable: 21 − 5 = 16",
        "999A-000001 line 2000000044 Kara Example (FULL DAY CARE CENTER, 22 authorized): correct: 16 claimed; authorized only 08/08 to 08/31: at most the 16 days scheduled in that part of the month; absent 0 days, no more than the 5 allowed: 16",
        "999A-000001 line 2000000110 Situation Two (FULL DAY CARE CENTER, 22 authorized): correct: 0 claimed; the child attended no day this month: nothing may be claimed",
        "2025-08: 8 claims: 8 correct, 0 over, 0 under; 0 claims not judged (their line is not in the extract); 8 lines worked out; 0 records rejected",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line:?} in:\n{out}");
    }

    // Willow's provider writes the pre-printed 22, Blaine's 15.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("wrong");
    copy_extract(&booklet(), &data);
    edit(&data, "invoice_claims.csv", "2000000011,2025-08,18", "2000000011,2025-08,22");
    edit(&data, "invoice_claims.csv", "2000000022,2025-08,16", "2000000022,2025-08,15");
    // And Willow's line is claimed a second time on another invoice.
    let claims = data.join("invoice_claims.csv");
    let mut text = std::fs::read_to_string(&claims).unwrap();
    text.push_str("999A-000002,2000000011,2025-08,18\n");
    std::fs::write(&claims, text).unwrap();
    let o = ssps(&["claim", "--data", &data.display().to_string(), "--month", "2025-08"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("999A-000002 line 2000000011 Willow Example (FULL DAY CARE CENTER, 22 authorized): over: this line is already claimed for 2025-08 on invoice 999A-000001 (invoice_claims.csv line 2);"),
        "{out}"
    );
    assert!(
        out.contains(
            "line 2000000011 Willow Example (FULL DAY CARE CENTER, 22 authorized): over: 22 claimed, 18 may be claimed; absent 9 days"
        ),
        "{out}"
    );
    assert!(
        out.contains("line 2000000022 Blaine Example (FULL DAY CARE CENTER, 22 authorized): under: 15 claimed, 16 may be claimed;"),
        "{out}"
    );
    assert!(out.contains("2025-08: 9 claims: 6 correct, 2 over, 1 under;"), "{out}");
}

#[test]
fn worksheets_show_the_calendar_the_reasoning_and_what_to_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("claims");
    let o = ssps(&["claim", "--data", &booklet().display().to_string(), "--month", "2025-08", "--out", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("1 worksheets in"), "{}", stdout(&o));
    let text = pdf_text(&out.join("worksheets/5001.pdf"));
    for want in [
        "Claim worksheet, 2025-08",
        "Booklet Example Child Care · provider 5001",
        "Willow Example FULL DAY CARE CENTER · line 2000000011 · 22 units authorized",
        "• absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18 Write in TOTAL UNITS: 18",
        // Willow's calendar: Thursdays and Fridays absent, the weekends blank.
        "4 X 5 X 6 X 7 A 8 A 9 10 11 X 12 X 13 X 14 A 15 A 16 17 18 X 19 X 20 X 21 A 22 A 23 24 25 X 26 X 27 X 28 A 29 A 30 Invoice 999A-000001: correct: 18 claimed",
        "• closed 5 days, never billable: 21 − 5 = 16 Write in TOTAL UNITS: 16",
        // Erin's authorization ends on the 20th.
        "20 X 21 NA 22 NA 23 NA • authorized only 08/01 to 08/20: at most the 14 days scheduled in that part of the month • absent 3 days, no more than the 5 allowed: 14 Write in TOTAL UNITS: 14",
    ] {
        assert!(text.contains(want), "worksheet lacks {want:?}:\n{text}");
    }
    let claims = read_csv(&out.join("claims.csv"));
    assert_eq!(claims.len(), 8);
    let willow = claims.iter().find(|r| r["child"] == "Willow Example").unwrap();
    assert_eq!(
        (willow["claimed"].as_str(), willow["correct"].as_str(), willow["verdict"].as_str(), willow["words"].as_str()),
        ("18", "18", "correct", "correct: 18 claimed")
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["claims"].as_u64(), summary["correct"].as_u64(), summary["worksheets"].as_u64()), (Some(8), Some(8), Some(1)));
}

#[test]
fn a_month_without_holidays_on_file_cannot_be_checked() {
    let o = ssps(&["claim", "--data", &booklet().display().to_string(), "--month", "2040-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("data/holidays-wa.toml has no year 2040: add the year's state holidays before checking its claims"),
        "{}",
        stderr(&o)
    );
}
