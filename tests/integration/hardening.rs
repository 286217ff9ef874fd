//! Broken extracts as an outside tester made them (issue 14): each defect
//! found then has a test named after what it shows, run through the real
//! binary on a copy of the bundled October extract.

use std::path::Path;

use crate::util::*;

fn broken_copy(tmp: &Path) -> std::path::PathBuf {
    let data = tmp.join("data");
    copy_extract(&oct_2026(), &data);
    data
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every TIN of the example, as written and as bare digits.
const TINS: [&str; 4] = ["532-11-4455", "532114455", "91-1234567", "911234567"];

fn assert_no_tin(what: &str, text: &str) {
    for t in TINS {
        assert!(!text.contains(t), "{what} holds the TIN {t}:\n{text}");
    }
}

#[test]
fn units_and_rates_past_the_bounds_are_rejected_by_check_and_never_panic_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "authorizations.csv", "full_day,DA,22,92.30", "full_day,DA,999999999999999.99,999999999999999.99");
    let o = ssps(&["check", "--data", s(&data)]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("error: authorizations.csv:2: authorization line 1000004007: column units_authorized = \"***********9999.99\": is larger than the record format allows for a number of units (at most 99,999.99); check the value"),
        "{out}"
    );
    assert!(
        out.contains("column rate = \"***********9999.99\": is larger than the record format allows for a rate (at most 99,999.99)"),
        "{out}"
    );
    for run in [vec!["invoices", "--month", "2026-10"], vec!["notices", "--from", "2026-07-01", "--to", "2026-10-31"]] {
        let out_dir = tmp.path().join(run[0]);
        let mut args = run.clone();
        args.extend(["--data", s(&data), "--out", s(&out_dir)]);
        let o = ssps(&args);
        assert_eq!(o.status.code(), Some(1), "{}: {}", run[0], stderr(&o));
        let rejects = read_csv(&out_dir.join("rejects.csv"));
        assert!(rejects.iter().any(|r| r["line"] == "2" && r["column"] == "units_authorized"), "{rejects:?}");
    }
}

#[test]
fn many_lines_at_the_bounds_add_up_without_overflow() {
    // Eight lines of the largest units × the largest rate: each product and
    // the provider's total fit, and the invoice prints the exact sum.
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    let text = std::fs::read_to_string(data.join("authorizations.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for l in lines.iter_mut().skip(1) {
        let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
        if cells[2] == "4001" {
            cells[10] = "99999.99".into();
            cells[11] = "99999.99".into();
        }
        *l = cells.join(",");
    }
    std::fs::write(data.join("authorizations.csv"), lines.join("\n") + "\n").unwrap();
    let n = lines.iter().filter(|l| l.split(',').nth(2) == Some("4001")).count();
    assert!(n >= 2);
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{summary:#}");
    // Each line is 99,999.99 × 99,999.99 = 9,999,998,000.0001, to the cent
    // 9,999,998,000.00: the provider's invoices carry exactly n of them.
    let manifest = read_csv(&out.join("manifest.csv"));
    let cents: u128 = manifest
        .iter()
        .filter(|r| r["provider_number"] == "4001")
        .map(|r| r["amount"].replace([',', '.'], "").parse::<u128>().unwrap())
        .sum();
    assert_eq!(cents, 999_999_800_000 * n as u128, "{manifest:#?}");
}

#[test]
fn a_missing_comma_never_prints_the_tin_as_a_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "payees.csv", "Yakima,WA,98902,532-11-4455", "Yakima,WA,532-11-4455");
    let o = ssps(&["check", "--data", s(&data)]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("error: payees.csv:3: line 3 has 15 fields, the header has 16: check for a missing or extra comma or an unclosed quote; the row is rejected whole and none of its cells is read"),
        "{out}"
    );
    assert_no_tin("ssps check", &out);
    let run = tmp.path().join("run");
    ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(&run)]);
    assert_no_tin("rejects.csv", &std::fs::read_to_string(run.join("rejects.csv")).unwrap());
}

#[test]
fn a_stray_quote_that_swallows_the_rest_of_the_file_echoes_none_of_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    // The quote opens the last cell of line 2: lines 3-8 fall into it.
    edit(&data, "payees.csv", "billing@sunrise-elc.example,,Y,Y,Y", "billing@sunrise-elc.example,,Y,Y,\"Y");
    let o = ssps(&["check", "--data", s(&data)]);
    let out = stdout(&o);
    assert!(
        out.contains("error: payees.csv:2: column consent_electronic_1099: holds a line break, so this row runs from line 2 to line 8: a quote opened in it is probably never closed and lines 3 to 8 were read into it; the row is rejected whole, close the quote and send the file again"),
        "{out}"
    );
    assert_no_tin("ssps check", &out);
}

#[test]
fn swapped_tin_and_zip_header_names_stop_the_file_with_one_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "payees.csv", "city,state,zip,tin,tin_type", "city,state,tin,zip,tin_type");
    let o = ssps(&["check", "--data", s(&data)]);
    let out = stdout(&o);
    assert!(out.starts_with("error: payees.csv:1: column zip holds values shaped like taxpayer identification numbers in 7 of its 7 filled cells: the header's column names do not match the columns below them (two names swapped?); no row of this file was used, fix the header\n"), "{out}");
    assert_no_tin("ssps check", &out);
    // No invoice is made from such a file: the run stops (payees.csv unusable).
    let run = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(&run)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot make invoices: payees.csv is unusable"), "{}", stderr(&o));
    assert!(!run.exists());
}

#[test]
fn a_stray_quote_before_the_header_prints_one_short_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "payees.csv", "payee_number,name", "\"payee_number,name");
    let out = stdout(&ssps(&["check", "--data", s(&data)]));
    assert!(out.contains("error: payees.csv:1: header column 1 holds a line break: a quote in the header is never closed, so the lines after it were read as the header; no row of this file can be read"), "{out}");
    assert_no_tin("ssps check", &out);
    assert!(out.len() < 4_000, "{} bytes", out.len());
}

#[test]
fn a_folder_with_a_summary_json_that_ssps_did_not_write_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("thesis.txt"), "precious").unwrap();
    std::fs::write(notes.join("summary.json"), "{}").unwrap();
    let o = ssps(&["invoices", "--data", s(&oct_2026()), "--month", "2026-10", "--out", s(&notes)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("error: refusing to replace {}: it is not empty and is not a run folder written by ssps (it has no .ssps-run marker); nothing was changed, choose another --out folder", notes.display())),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(notes.join("thesis.txt")).unwrap(), "precious");
    // A real run folder is replaced on a rerun.
    let run = tmp.path().join("run");
    for _ in 0..2 {
        let o = ssps(&["invoices", "--data", s(&oct_2026()), "--month", "2026-10", "--out", s(&run)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert!(std::fs::read_to_string(run.join(".ssps-run")).unwrap().contains("\"format\": \"ssps-run\""));
}

#[test]
fn an_out_folder_inside_the_extract_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    let o = ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(&data.join("run"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("it is inside the extract folder"), "{}", stderr(&o));
    let o = ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("it holds the extract folder"), "{}", stderr(&o));
    assert!(data.join("payees.csv").is_file() && !data.join("run").exists());
}

#[test]
fn an_extract_file_linked_to_the_process_environment_is_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    std::fs::remove_file(data.join("payees.csv")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", data.join("payees.csv")).unwrap();
    std::fs::remove_file(data.join("workers.csv")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", data.join("workers.csv")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ssps"))
        .args(["check", "--data", s(&data)])
        .env("SSPS_SMTP_PASSWORD", "hunter2-secret")
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.contains("hunter2") && !out.contains("root:"), "{out}");
    assert!(out.contains("error: payees.csv: is a symbolic link to /proc/"), "{out}");
    assert!(out.contains("outside the extract folder; copy the file into the folder instead; nothing was read from it"), "{out}");
    assert!(out.contains("error: workers.csv: is a symbolic link to /etc/passwd, outside the extract folder"), "{out}");
}

#[test]
fn a_folder_a_fifo_or_a_dangling_link_under_an_extract_name_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    std::fs::remove_file(data.join("payees.csv")).unwrap();
    std::fs::create_dir(data.join("payees.csv")).unwrap();
    std::fs::remove_file(data.join("workers.csv")).unwrap();
    std::os::unix::fs::symlink("gone.csv", data.join("workers.csv")).unwrap();
    std::fs::remove_file(data.join("clients.csv")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(data.join("clients.csv")).status().unwrap();
    assert!(fifo.success());
    let o = ssps(&["check", "--data", s(&data)]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for line in [
        "error: payees.csv: is a folder, not a file; nothing was read from it",
        "error: workers.csv: is a symbolic link to a file that does not exist; nothing was read from it",
        "error: clients.csv: is a FIFO (named pipe), not a file; nothing was read from it",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line}\n{out}");
    }
}

#[test]
fn escape_sequences_in_a_worker_id_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "workers.csv", "W1001,Jordan Ellis", "W1001\u{1b}]0;pwned\u{7}\u{1b}[2J,Jordan Ellis");
    let mut header = std::fs::read(data.join("workers.csv")).unwrap();
    header.splice(0..0, b"odd\x00name,".iter().copied());
    // The header gains a column; every row gains an empty cell for it.
    let text = String::from_utf8(header).unwrap().replace('\n', "\n,").trim_end_matches(',').to_string();
    std::fs::write(data.join("workers.csv"), text).unwrap();
    let o = ssps(&["check", "--data", s(&data)]);
    let out = stdout(&o);
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    assert!(
        out.contains("error: workers.csv:2: column worker_id = \"W1001\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\": contains the control character U+001B, which cannot be printed"),
        "{out}"
    );
    assert!(
        out.contains("warning: workers.csv:1: header column 1 is named \"odd\\u{0}name\", which is not part of the record format"),
        "{out}"
    );
}

#[test]
fn cr_only_line_ends_give_the_lines_an_editor_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "workers.csv", "W1005,Luis Ortega", "W 1005,Luis Ortega");
    let text = std::fs::read_to_string(data.join("workers.csv")).unwrap().replace("\r\n", "\r").replace('\n', "\r");
    std::fs::write(data.join("workers.csv"), text).unwrap();
    let out = stdout(&ssps(&["check", "--data", s(&data)]));
    assert!(out.contains("error: workers.csv:6: worker W 1005: column worker_id = \"W 1005\""), "{out}");
}

#[test]
fn a_payee_named_as_a_formula_is_text_in_the_csv_files_staff_open() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    edit(&data, "payees.csv", "100200301,Rosa Maria Delgado,", "100200301,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",");
    let run = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", s(&data), "--month", "2026-10", "--out", s(&run)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let manifest = read_csv(&run.join("manifest.csv"));
    let row = manifest.iter().find(|r| r["recipient_id"] == "100200301").unwrap();
    assert_eq!(row["recipient_name"], format!("'{formula}"));
    let job = read_csv(&run.join("print/job.csv"));
    let env = job.iter().find(|r| r["recipient_id"] == "100200301").unwrap();
    assert_eq!(env["recipient"], format!("'{formula}"));
    // Numbers stay numbers; the printed invoice shows the name as given.
    assert!(manifest.iter().all(|r| !r["pages"].starts_with('\'')));
    let pdf = pdf_text(&run.join(&row["file"]));
    assert!(pdf.contains("=HYPERLINK(\"http://evil.example\",\"click\")"), "{pdf}");
}

#[test]
fn ssps_sample_never_overwrites_a_real_extract() {
    let tmp = tempfile::tempdir().unwrap();
    let data = broken_copy(tmp.path());
    let before = std::fs::read(data.join("payees.csv")).unwrap();
    let o = ssps(&["sample", "--payees", "3", "--month", "2026-10", "--out", s(&data)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not empty and was not written by ssps sample"), "{}", stderr(&o));
    assert_eq!(std::fs::read(data.join("payees.csv")).unwrap(), before);
    // Its own folder it writes again.
    let sample = tmp.path().join("sample");
    for _ in 0..2 {
        let o = ssps(&["sample", "--payees", "3", "--month", "2026-10", "--out", s(&sample)]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}
