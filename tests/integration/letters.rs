//! ACES State Supplemental Payment letters (issue 5): the real binary on
//! the October extract's `ssp_events.csv`, each letter read back from its
//! PDF, rejects and the advance notice check read from the run folder.

use std::path::{Path, PathBuf};

use crate::util::{copy_extract, edit, oct_2026, pdf_page_count, pdf_pages_text, pdf_text, read_csv, ssps, stderr, stdout};

/// Runs `ssps letters` on `data` dated `date` into `<tmp>/letters`; returns
/// the run folder and the process output.
fn letters(tmp: &Path, data: &Path, date: &str) -> (PathBuf, std::process::Output) {
    let out = tmp.join("letters");
    let o = ssps(&["letters", "--data", &data.display().to_string(), "--date", date, "--out", &out.display().to_string()]);
    (out, o)
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

fn doc(out: &Path, client: &str, id: &str) -> PathBuf {
    out.join("documents").join(client).join(format!("{id}.pdf"))
}

#[test]
fn every_event_gives_its_letters_and_enclosures() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, o) = letters(tmp.path(), &oct_2026(), "2026-10-20");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("8 ACES letters, 20 pages"), "{}", stdout(&o));
    let manifest = read_csv(&out.join("manifest.csv"));
    let got: Vec<(String, String, String, String)> =
        manifest.iter().map(|r| (r["document_id"].clone(), r["recipient_id"].clone(), r["pages"].clone(), r["channels"].clone())).collect();
    let want = [
        ("002-30-E9001", "C30001", "3"),
        ("002-30-E9002", "C30002", "3"),
        ("002-30-E9003", "C30003", "3"),
        ("008-01-E9004", "C30004", "3"),
        ("006-01-E9005", "C30005", "2"),
        ("006-01-E9006", "C30006", "2"),
        ("022-05-E9006", "C30006", "2"),
        ("006-01-E9007", "C30007", "2"),
    ];
    let want: Vec<(String, String, String, String)> =
        want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string(), "mail".to_string())).collect();
    assert_eq!(got, want);
    // Clients get mail only: no download archives.
    assert!(!out.join("download").exists());
    for r in &manifest {
        assert_eq!(pdf_page_count(&out.join(&r["file"])), r["pages"].parse::<usize>().unwrap(), "{}", r["document_id"]);
    }
    let s = summary(&out);
    assert!(s["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", s["checks"]);
    assert_eq!(s["print"]["envelopes"], 7, "Samuel Price's two letters share an envelope");

    // 002-30, no EFT account: warrant, and the 14-432 enrollment form as page 3.
    let harold = pdf_pages_text(&doc(&out, "C30001", "002-30-E9001"));
    for s in [
        "Approval for State SSI Supplemental Payment",
        "Letter 002-30",
        "Dear Harold Jensen:",
        "Your SSP is $46.00 a month, starting October 1, 2026. Your program type is A (aged: 65 or older).",
        "We will pay your SSP by warrant",
        "Enclosed: DSHS 14-432 EFT / Direct Deposit Enrollment Form",
        "Letter date: October 20, 2026",
        "Case number: AC-5500101",
        "SP assistance unit (AU): SP-7710001",
        "Your worker: Ana Gutierrez",
        "Phone: (509) 555-0188",
        "208 N 4th St Yakima WA 98901",
    ] {
        assert!(harold[0].contains(s), "{s:?} not in {}", harold[0]);
    }
    assert!(harold[1].contains("Your right to a hearing"));
    assert!(harold[1].contains("WAC 388-474-0001, WAC 388-474-0012, WAC 388-478-0055"), "{}", harold[1]);
    assert!(!harold[1].contains("continued benefits"), "an approval is not adverse: {}", harold[1]);
    for s in
        ["EFT / Direct Deposit Enrollment Form", "DSHS 14-432", "Routing number (9 digits)", "DSHS EFT Central Input Unit", "PO Box 45445"]
    {
        assert!(harold[2].contains(s), "{s:?} not in {}", harold[2]);
    }
    assert!(harold[2].contains("Harold Jensen") && harold[2].contains("AC-5500101"));

    // 008-01 for a MIL client: the amount exactly as given, 0.00 → 0.54, with the enrollment form.
    let ruth = pdf_pages_text(&doc(&out, "C30004", "008-01-E9004"));
    assert!(ruth[0].contains("Change in Cash / Food Assistance"));
    assert!(
        ruth[0].contains("program type M (Mandatory Income Level, MIL), changes from $0.00 to $0.54, starting November 1, 2026."),
        "{}",
        ruth[0]
    );
    assert!(ruth[0].contains("Why: The state supplemental payment rate for all SSI recipients has changed."));
    assert!(ruth[2].contains("EFT / Direct Deposit Enrollment Form"));

    // 006-01: the reason code's text; 599 carries the worker's own words.
    let dorothy = pdf_pages_text(&doc(&out, "C30005", "006-01-E9005"));
    assert!(dorothy[0].contains("Termination of Assistance Unit"));
    assert!(dorothy[0].contains("Starting November 1, 2026, you will no longer get SSP."));
    assert!(
        dorothy[0].contains("Why: Your SSI eligibility category changed. The people who can get SSP are those who get SSI and live with their ineligible spouse, are blind, or are 65 or older. (reason code 111)"),
        "{}",
        dorothy[0]
    );
    // The notice rights of a termination: how and by when to ask, and continued benefits.
    for s in [
        "ask by January 19, 2027 (RCW 74.08.080)", // 90 days fall on Martin Luther King Jr. Day
        "Office of Administrative Hearings, PO Box 42489, Olympia WA 98504-2489",
        "If you ask for a hearing by November 2, 2026, you may keep getting the benefits",
        "WAC 388-458-0040",
        "Rules this decision is based on: WAC 388-474-0001, WAC 388-474-0012, WAC 388-458-0030",
    ] {
        assert!(dorothy[1].contains(s), "{s:?} not in {}", dorothy[1]);
    }
    let linda = pdf_text(&doc(&out, "C30007", "006-01-E9007"));
    assert!(
        linda.contains("Why: Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012. (reason code 599)"),
        "{linda}"
    );

    // SSI termination: 006-01 with reason 109, and 022-05.
    let samuel = pdf_text(&doc(&out, "C30006", "006-01-E9006"));
    assert!(samuel.contains("because you do not get a federal SSI payment. (reason code 109)"), "{samuel}");
    let medical = pdf_pages_text(&doc(&out, "C30006", "022-05-E9006"));
    assert!(medical[0].contains("Redetermination for Medical at SSI Termination"));
    assert!(medical[0].contains("Your medical coverage continues while we review it."));
    assert!(medical[0].contains("620 Pacific Ave Apt 3B Tacoma WA 98402"));
    assert!(medical[1].contains("WAC 182-503-0010"));
}

#[test]
fn the_spanish_client_gets_spanish_letters_with_the_consent_form() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, o) = letters(tmp.path(), &oct_2026(), "2026-10-20");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let maria = pdf_pages_text(&doc(&out, "C30002", "002-30-E9002"));
    assert_eq!(maria.len(), 3);
    for s in [
        "Aprobación del Pago Suplementario Estatal de SSI",
        "Carta 002-30",
        "Estimado(a) María Alvarez:",
        "Su SSP es de $46.00 al mes, a partir del 1 de octubre de 2026. Su tipo de programa es B (persona ciega).",
        "Fecha de la carta: 20 de octubre de 2026",
        "Adjunto: Consentimiento para EFT: depositar mi SSP",
        "1520 W Nob Hill Blvd Unit 12 Yakima WA 98902-4718",
        "Página 1 de 3",
    ] {
        assert!(maria[0].contains(s), "{s:?} not in {}", maria[0]);
    }
    assert!(maria[1].contains("Su derecho a una audiencia"));
    assert!(maria[1].contains("pídala a más tardar el 19 de enero de 2027"), "{}", maria[1]);
    assert!(maria[2].contains("Consentimiento para EFT: depositar mi SSP"));
    assert!(maria[2].contains("Envíe este formulario a: DSHS EFT Central Input Unit"), "{}", maria[2]);
    // No English on a Spanish letter but the names of places to write to.
    let all = maria.join(" ");
    for english in ["Dear ", "Letter", "Your worker", "Enclosed", "Page ", "Questions", "hearing", "Signature", "Keep this"] {
        assert!(!all.contains(english), "{english:?} in a Spanish letter: {all}");
    }
}

#[test]
fn a_short_advance_notice_is_flagged_in_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    // Dated October 23: the November 1 terminations are 9 days away.
    let (out, o) = letters(tmp.path(), &oct_2026(), "2026-10-23");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let a = &summary(&out)["advance_notice"];
    assert_eq!(a["adverse_letters"], 3);
    let short: Vec<(&str, &str, i64)> = a["short"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["event_id"].as_str().unwrap(), s["letter"].as_str().unwrap(), s["days"].as_i64().unwrap()))
        .collect();
    assert_eq!(short, [("E9005", "006-01", 9), ("E9006", "006-01", 9), ("E9007", "006-01", 9)]);
    assert!(
        stdout(&o).contains(
            "advance notice: event E9005 (client C30005): letter 006-01 takes effect 9 days after the letter date (2026-11-01); the rule asks for 10 days' notice"
        ),
        "{}",
        stdout(&o)
    );
    // Dated October 22: ten days, nothing flagged.
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = letters(tmp.path(), &oct_2026(), "2026-10-22");
    assert_eq!(summary(&out)["advance_notice"]["short"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_events_are_rejected_precisely_and_the_rest_still_go_out() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    // 599 without the worker's text.
    edit(
        &data,
        "ssp_events.csv",
        ",599,W1004,,\"Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012.\"",
        ",599,W1004,,",
    );
    // A reason code the catalog has no text for.
    edit(&data, "ssp_events.csv", "E9005,C30005,SP-7710005,close,A,2026-11-01,,,111", "E9005,C30005,SP-7710005,close,A,2026-11-01,,,777");
    // A client without an address.
    edit(
        &data,
        "clients.csv",
        "C30003,AC-5500103,Thomas,Nguyen,1968-03-22,3390 S Holly St,,Seattle,WA,98118,",
        "C30003,AC-5500103,Thomas,Nguyen,1968-03-22,,,,,,",
    );
    let (out, o) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(o.status.code(), Some(1), "records were rejected: {}{}", stdout(&o), stderr(&o));
    let rejects = read_csv(&out.join("rejects.csv"));
    let rows: Vec<String> = rejects
        .iter()
        .filter(|r| r["file"] == "ssp_events.csv")
        .map(|r| format!("{}|{}|{}|{}", r["line"], r["column"], r["value"], r["rule"]))
        .collect();
    assert_eq!(
        rows,
        [
            "4|client_id|C30003|client C30003 has no mailing address in clients.csv (line 31); a letter cannot be sent",
            "6|reason_code|777|reason code 777 has no text in letters/aces.toml, so the letter cannot say why (codes with text: 109, 110, 111, 245, 341, 599)",
            "8|worker_text||reason 599 needs the worker's text explaining the closure; it is printed in the letter",
        ]
    );
    let manifest = read_csv(&out.join("manifest.csv"));
    let ids: Vec<&str> = manifest.iter().map(|r| r["document_id"].as_str()).collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    for gone in ["E9003", "E9005", "E9007"] {
        assert!(ids.iter().all(|i| !i.ends_with(gone)), "{gone} in {ids:?}");
    }
    // `ssps check` finds the same three before any letter is made.
    let o = ssps(&["check", "--data", &data.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(
            "error: ssp_events.csv:6: event E9005: column reason_code = \"777\": reason code 777 has no text in letters/aces.toml"
        ),
        "{}",
        stdout(&o)
    );
    let s = summary(&out);
    assert_eq!(s["files"]["ssp_events.csv"]["rejected"], 3);
    assert_eq!(s["files"]["ssp_events.csv"]["accepted"], 4);
    assert!(s["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", s["checks"]);
}

#[test]
fn record_values_print_exactly_and_a_long_worker_text_fits() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(
        &data,
        "clients.csv",
        "C30005,AC-5500105,Dorothy,Green,1958-06-14,1102 E Division Ave,,",
        "C30005,AC-5500105,Dorothy #panic(),O'Green [rear],1958-06-14,1102 E Division Ave,Apt #4 [rear],",
    );
    // The longest worker text validation lets through, in Spanish, on the Spanish client's closure.
    let mut long: String =
        "La persona que vive con usted ya no es su cónyuge según el Seguro Social. ".repeat(20).chars().take(1199).collect();
    long.push('.');
    assert_eq!(long.chars().count(), 1200);
    let long = long.as_str();
    edit(
        &data,
        "ssp_events.csv",
        "E9002,C30002,SP-7710002,open,B,2026-10-01,46.00,,,W1002,registered,",
        &format!("E9002,C30002,SP-7710002,close,B,2026-10-01,,,599,W1002,registered,\"{long}\""),
    );
    let (out, o) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let dorothy = pdf_pages_text(&doc(&out, "C30005", "006-01-E9005"));
    assert!(dorothy[0].contains("Dear Dorothy #panic() O'Green [rear]:"), "{}", dorothy[0]);
    assert!(dorothy[0].contains("1102 E Division Ave Apt #4 [rear] Spokane WA 99202"), "{}", dorothy[0]);
    let maria = pdf_pages_text(&doc(&out, "C30002", "006-01-E9002"));
    assert_eq!(maria.len(), 2);
    let words: Vec<&str> = long.split_whitespace().collect();
    assert!(maria[0].contains(&words.join(" ")), "the whole worker text is printed: {}", maria[0]);
    assert!(maria[0].contains("(código de motivo 599)"));

    // Line breaks make one paragraph: 590 lines of worker text stay on the page
    // (the page's last lines are still there: pdftotext drops text off the page).
    let lines = "a\n".repeat(590);
    edit(&data, "ssp_events.csv", long, &lines);
    let (out, o) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let maria = pdf_pages_text(&doc(&out, "C30002", "006-01-E9002"));
    assert!(maria[0].contains("a a a a a (código de motivo 599)"), "{}", maria[0]);
    assert!(
        maria[0].contains("Servicio de Retransmisión de Washington: 711. Guarde esta carta con sus documentos. Página 1 de 2"),
        "{}",
        maria[0]
    );
    edit(&data, "ssp_events.csv", &lines, long);

    // A word too long for a line, and a control character, are rejected.
    let word = "x".repeat(61);
    edit(&data, "ssp_events.csv", long, &word);
    let (out, _) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(
        read_csv(&out.join("rejects.csv"))[0]["rule"],
        "has a word of 61 characters (\"xxxxxxxxxxxxxxxxxxxx…\"); a line of the letter holds words of up to 60"
    );
    edit(&data, "ssp_events.csv", &word, "Call me\u{7}");
    let (out, _) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(read_csv(&out.join("rejects.csv"))[0]["rule"], "contains the control character U+0007, which cannot be printed");
    edit(&data, "ssp_events.csv", "Call me\u{7}", long);

    // One character more is rejected by validation.
    edit(&data, "ssp_events.csv", long, &format!("{long}x"));
    let (out, o) = letters(tmp.path(), &data, "2026-10-20");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rejects = read_csv(&out.join("rejects.csv"));
    assert_eq!(rejects[0]["rule"], "is 1201 characters long; a letter has room for 1200");
}

#[test]
fn letters_are_byte_identical_run_to_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _) = letters(tmp.path(), &oct_2026(), "2026-10-20");
    let first: Vec<(String, Vec<u8>)> = ["manifest.csv", "print/batch-0001.pdf", "documents/C30002/002-30-E9002.pdf"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(a.join(f)).unwrap()))
        .collect();
    let (b, _) = letters(tmp.path(), &oct_2026(), "2026-10-20");
    for (f, bytes) in first {
        assert!(std::fs::read(b.join(&f)).unwrap() == bytes, "{f} differs between runs");
    }
}
