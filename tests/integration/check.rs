//! `ssps check`: every problem printed with file, line, column, value and
//! rule; exit 0 clean, 1 rejected, 2 could not run.

use crate::util::*;

#[test]
fn clean_extracts_pass() {
    for dir in [oct_2026(), oct_2026().parent().unwrap().join("booklet-claims")] {
        let o = ssps(&["check", "--data", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}: {}", dir.display(), stdout(&o));
    }
    let o = ssps(&["check", "--data", oct_2026().to_str().unwrap()]);
    assert_eq!(stdout(&o), "checked 9 files, 539 records: 0 rejected, 0 errors, 0 warnings\n");
}

#[test]
fn every_problem_is_printed_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(&data, "payees.csv", "532-11-4455", "532-11-445");
    edit(&data, "payees.csv", "ap@harvestvalley.example", "");
    edit(&data, "workers.csv", "W1005,Luis Ortega", "W 1005,Luis Ortega");
    edit(&data, "authorizations.csv", "2026-07-01,2026-12-31,1KE,,", "2026-07-01,2027-01-31,1KE,,");
    edit(
        &data,
        "payments.csv",
        "880000101,100200300,2025-01-09,2025-01-16,EFT,6467.50",
        "880000101,100200300,2025-01-09,2025-01-16,EFT,6467.51",
    );
    edit(&data, "ssp_events.csv", "\"Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012.\"", "");
    let o = ssps(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let expected = [
        "error: payees.csv:3: payee 100200301: column tin = \"***-*1-445\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN",
        "error: payees.csv:4: payee 100200302: column email is empty: an email address is required when delivery is email or both",
        "error: providers.csv:4: provider 4101: column payee_number = \"100200301\": payee 100200301 was rejected (payees.csv line 3: tin: a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN), so this record is rejected too",
        "error: workers.csv:6: worker W 1005: column worker_id = \"W 1005\": an identifier is 1 to 20 letters, digits or hyphens (no spaces or other signs)",
        "error: authorizations.csv:2: authorization line 1000004007: column end_date = \"2027-01-31\": a service period is at most 6 months long; this one starts 2026-07-01",
        "error: payments.csv:2: payment 880000101: column amount = \"6467.51\": the payment's amount 6467.51 does not equal the sum of its 4 line(s) in payment_lines.csv, 6467.50; the payment and its lines are rejected",
        "error: ssp_events.csv:8: event E9007: column worker_text is empty: reason 599 needs the worker's text explaining the closure; it is printed in the letter",
    ];
    for line in expected {
        assert!(out.lines().any(|l| l == line), "missing line:\n{line}\n--- got:\n{out}");
    }
    // The SSN never appears whole.
    assert!(!out.contains("532-11-445\""));
    // Dependents of the rejected worker and payment are named.
    assert!(out.contains("error: authorizations.csv:15: authorization line 1000004098: column worker_id = \"W1005\": there is no worker W1005 in workers.csv"), "{out}");
    assert!(
        out.contains(
            "error: payment_lines.csv:2: line 1 of payment 880000101: column payment_id = \"880000101\": payment 880000101 was rejected"
        ),
        "{out}"
    );
    assert!(out.ends_with("warnings\n"));
}

#[test]
fn json_report_has_the_same_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(&data, "clients.csv", "C20012,CS-880112,Liam,O'Brien,2017-08-08", "C20012,CS-880112,Liam,O'Brien,2017-02-30");
    let o = ssps(&["check", "--data", data.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["problems"][0];
    assert_eq!(p["severity"], "error");
    assert_eq!(p["file"], "clients.csv");
    assert_eq!(p["line"], 13);
    assert_eq!(p["column"], "birth_date");
    assert_eq!(p["value"], "2017-02-30");
    assert_eq!(p["rule"], "is not a real calendar date");
    assert_eq!(v["files"]["clients.csv"]["rejected"], 1);
    // Liam's two authorization lines depend on him.
    assert_eq!(v["files"]["authorizations.csv"]["rejected"], 2);
    assert_eq!(v["rejected"], 3);
}

#[test]
fn malformed_files_are_reported_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    std::fs::write(data.join("workers.csv"), b"").unwrap();
    std::fs::write(data.join("payments.csv"), b"payment_id,payee_number,issue_date,method\n").unwrap();
    let mut clients = std::fs::read(data.join("clients.csv")).unwrap();
    clients.extend_from_slice(b"C9,CS-9,Jos\xe9,Ruiz,2020-01-01,,,,,,\n");
    std::fs::write(data.join("clients.csv"), clients).unwrap();
    std::fs::write(data.join("notes.csv"), b"a,b\n").unwrap();
    let o = ssps(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for line in [
        "error: workers.csv: the file is empty: it needs at least a header row naming its columns",
        "error: payments.csv:1: the header lacks the required column amount; no row of this file can be read",
        "error: clients.csv:36: client C9: column first_name = \"Jos\u{FFFD}\": contains bytes that are not UTF-8 (shown as \u{FFFD}); the extract must be saved as UTF-8",
        "warning: notes.csv: this file is not part of the record format and was ignored",
    ] {
        assert!(out.lines().any(|l| l == line), "missing line:\n{line}\n--- got:\n{out}");
    }
}

#[test]
fn a_50_megabyte_file_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut s = String::with_capacity(52 << 20);
    s.push_str("worker_id,name,phone,office\n");
    let mut n = 0;
    while s.len() < 50 << 20 {
        s.push_str(&format!("W{n},Worker Number {n},(360) 555-0100,CSO Olympia\n"));
        n += 1;
    }
    s.push_str("W0,Duplicate,(360) 555-0100,\n");
    std::fs::write(data.join("workers.csv"), s).unwrap();
    let o = ssps(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "error: workers.csv:{}: worker W0: column worker_id = \"W0\": must be unique, but line 2 has the same value; this row is rejected\nchecked 1 files, {} records: 1 rejected, 1 errors, 0 warnings\n",
            n + 2,
            n + 1
        )
    );
}

#[test]
fn cannot_run_without_a_folder() {
    let o = ssps(&["check", "--data", "/nonexistent/extract"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: extract folder /nonexistent/extract does not exist or is not a folder\n");
    let tmp = tempfile::tempdir().unwrap();
    let o = ssps(&["check", "--data", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&format!("error: no extract files in {}", tmp.path().display())));
}
