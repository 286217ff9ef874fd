//! Unit tests of [`super`] (`src/load.rs`).

use super::*;

fn read(spec: &'static FileSpec, bytes: &[u8]) -> (Table, Vec<Problem>) {
    let mut problems = Vec::new();
    let t = read_table(spec, bytes, &mut problems);
    (t, problems)
}

#[test]
fn bom_crlf_any_column_order_and_trimming() {
    let (t, p) = read(&WORKERS, b"\xEF\xBB\xBFphone,worker_id , name\r\n (206) 555-0142 ,W1,\"Ellis, Jordan\"\r\n");
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(t.rows.len(), 1);
    let r = &t.rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.cells[WORKERS.col("worker_id")].as_deref(), Some("W1"));
    assert_eq!(r.cells[WORKERS.col("name")].as_deref(), Some("Ellis, Jordan"));
    assert_eq!(r.cells[WORKERS.col("phone")].as_deref(), Some("(206) 555-0142"));
    assert_eq!(r.cells[WORKERS.col("office")], None);
}

#[test]
fn empty_file_is_unusable() {
    let (t, p) = read(&WORKERS, b"");
    assert!(matches!(t.state, TableState::Unusable));
    assert_eq!(p[0].to_string(), "error: workers.csv: the file is empty: it needs at least a header row naming its columns");
}

#[test]
fn missing_required_column_rejects_the_file() {
    let (t, p) = read(&WORKERS, b"worker_id,name\nW1,A\n");
    assert!(matches!(t.state, TableState::Unusable));
    assert_eq!(p[0].to_string(), "error: workers.csv:1: the header lacks the required column phone; no row of this file can be read");
}

#[test]
fn unknown_column_is_a_warning() {
    let (t, p) = read(&WORKERS, b"worker_id,name,phone,shoe_size\nW1,A,1,44\n");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].to_string(),
        "warning: workers.csv:1: header column 4 is named \"shoe_size\", which is not part of the record format; its cells are ignored"
    );
}

#[test]
fn bad_bytes_reject_only_that_row() {
    let (t, p) = read(&WORKERS, b"worker_id,name,phone\nW1,Jos\xE9,1\nW2,Ana,2\n");
    assert!(p.is_empty());
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0].problems.len(), 1);
    assert_eq!(t.rows[0].problems[0].column.as_deref(), Some("name"));
    assert_eq!(t.rows[0].problems[0].value.as_deref(), Some("Jos\u{FFFD}"));
    assert!(t.rows[1].problems.is_empty());
}

#[test]
fn wrong_field_count_and_unclosed_quote() {
    let (t, _) = read(&WORKERS, b"worker_id,name,phone\nW1,A\nW2,\"Ana,2\nW3,B,3\n");
    assert_eq!(
        t.rows[0].problems[0].rule,
        "line 2 has 2 fields, the header has 3: check for a missing or extra comma or an unclosed quote; the row is rejected whole and none of its cells is read"
    );
    assert!(t.rows[0].broken && t.rows[0].cells.iter().all(Option::is_none));
    // the unclosed quote swallows the rest of the file into one field: that row is rejected
    assert!(!t.rows[1].problems.is_empty() && t.rows[1].broken);
}

#[test]
fn a_missing_comma_never_maps_a_tin_into_the_zip_column() {
    let bytes = b"payee_number,name,address_line1,city,state,zip,tin,tin_type\n\
100200300,A,1 Main St,Olympia,WA,98501,91-1234567,EIN\n\
100200301,B,2 Main St,Olympia,WA,532-11-4455,SSN\n";
    let (t, p) = read(&PAYEES, bytes);
    assert!(p.is_empty(), "{p:?}");
    let row = &t.rows[1];
    assert!(row.broken);
    assert!(row.cells.iter().all(Option::is_none), "no cell of a broken row is mapped");
    let printed: Vec<String> = row.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        ["error: payees.csv:3: line 3 has 7 fields, the header has 8: check for a missing or extra comma or an unclosed quote; the row is rejected whole and none of its cells is read"]
    );
}

#[test]
fn a_stray_quote_that_swallows_rows_is_reported_with_its_lines_and_echoes_nothing() {
    // The quote opens the last column, so the field count still matches.
    let bytes = b"worker_id,name,phone\nW1,A,\"1\nW2,B,532-11-4455\nW3,C,3\n";
    let (t, p) = read(&WORKERS, bytes);
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(t.rows.len(), 1);
    let shown = t.rows[0].problems[0].to_string();
    assert_eq!(
        shown,
        "error: workers.csv:2: column phone: holds a line break, so this row runs from line 2 to line 4: a quote opened in it is probably never closed and lines 3 to 4 were read into it; the row is rejected whole, close the quote and send the file again"
    );
    assert!(!shown.contains("4455") && !shown.contains("W3"));
}

#[test]
fn swallowed_lines_are_found_in_unknown_columns_and_in_row_shaped_worker_text_with_crlf_ranges() {
    // CRLF: the range ends at the last swallowed line.
    let (t, _) = read(&WORKERS, b"worker_id,name,phone\r\nW1,A,\"1\r\nW2,B,2\r\nW3,C,3\r\n");
    assert_eq!(t.rows.len(), 1);
    assert!(
        t.rows[0].problems[0].rule.starts_with(
            "holds a line break, so this row runs from line 2 to line 4: a quote opened in it is probably never closed and lines 3 to 4"
        ),
        "{}",
        t.rows[0].problems[0]
    );
    // A quote in a column the format does not know.
    let (t, _) = read(&WORKERS, b"worker_id,name,phone,note\nW1,A,1,\"x\nW2,B,2,\nW3,C,3,\n");
    assert_eq!(t.rows.len(), 1);
    assert!(t.rows[0].broken);
    assert_eq!(t.rows[0].problems[0].column.as_deref(), Some("note"));
    // worker_text may hold line breaks, but not a line shaped like a row.
    let header =
        "event_id,client_id,au_number,event,program_type,effective_date,amount,previous_amount,reason_code,worker_id,eft,worker_text\n";
    let prose = format!("{header}E1,C1,A1,close,A,2026-11-01,,,599,W1,,\"You moved.\nSee WAC 388-474-0012, please.\"\n");
    let (t, _) = read(&SSP_EVENTS, prose.as_bytes());
    assert!(!t.rows[0].broken, "{:?}", t.rows[0].problems);
    let swallowed = format!("{header}E1,C1,A1,close,A,2026-11-01,,,111,W1,,\"\nE2,C2,A2,close,A,2026-11-01,,,111,W1,,\n");
    let (t, _) = read(&SSP_EVENTS, swallowed.as_bytes());
    assert_eq!(t.rows.len(), 1);
    assert!(t.rows[0].broken);
    assert_eq!(t.rows[0].problems[0].column.as_deref(), Some("worker_text"));
}

#[test]
fn a_tin_split_by_a_control_character_is_masked() {
    let bytes = b"payee_number,name,address_line1,city,state,zip,tin,tin_type\n100200300,A,1 Main St,Olympia,WA,98501,532-11-44\t55,SSN\n";
    let (t, _) = read(&PAYEES, bytes);
    let shown = t.rows[0].problems[0].to_string();
    assert_eq!(
        shown,
        "error: payees.csv:2: column tin = \"***-**-44\\u{9}55\": contains the control character U+0009, which cannot be printed"
    );
}

#[test]
fn a_stray_quote_before_the_header_makes_one_short_error() {
    let mut bytes = b"\"worker_id,name,phone\n".to_vec();
    for i in 0..500 {
        bytes.extend_from_slice(format!("W{i},Name {i},532-11-{i:04}\n").as_bytes());
    }
    let (t, p) = read(&WORKERS, &bytes);
    assert!(matches!(t.state, TableState::Unusable));
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].to_string(),
        "error: workers.csv:1: header column 1 holds a line break: a quote in the header is never closed, so the lines after it were read as the header; no row of this file can be read"
    );
}

#[test]
fn swapped_tin_and_zip_columns_stop_the_file() {
    let bytes = b"payee_number,name,address_line1,city,state,tin,zip,tin_type\n\
100200300,A,1 Main St,Olympia,WA,98501,91-1234567,EIN\n\
100200301,B,2 Main St,Olympia,WA,98144-2923,532-11-4455,SSN\n";
    let (t, p) = read(&PAYEES, bytes);
    assert!(matches!(t.state, TableState::Unusable));
    let printed: Vec<String> = p.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        ["error: payees.csv:1: column zip holds values shaped like taxpayer identification numbers in 2 of its 2 filled cells: the header's column names do not match the columns below them (two names swapped?); no row of this file was used, fix the header"]
    );
    // A zip column of TINs alone is caught too.
    let bytes =
        b"payee_number,name,address_line1,city,state,zip,tin,tin_type\n100200300,A,1 Main St,Olympia,WA,532-11-4455,91-1234567,EIN\n";
    let (t, p) = read(&PAYEES, bytes);
    assert!(matches!(t.state, TableState::Unusable));
    assert!(p[0].rule.starts_with("column zip holds values shaped like taxpayer identification numbers in 1 of its 1"), "{}", p[0]);
    // A tin column of ZIP codes alone is caught too.
    let bytes = b"payee_number,name,address_line1,city,state,zip,tin,tin_type\n100200300,A,1 Main St,Olympia,WA,,98501,EIN\n";
    let (t, p) = read(&PAYEES, bytes);
    assert!(matches!(t.state, TableState::Unusable));
    assert!(p[0].rule.starts_with("column tin holds values shaped like ZIP codes in 1 of its 1 filled cells"), "{}", p[0]);
    // One odd cell among many is a row problem, not a header problem.
    let bytes = b"payee_number,name,address_line1,city,state,zip,tin,tin_type\n\
100200300,A,1 Main St,Olympia,WA,98501,91-1234567,EIN\n\
100200301,B,1 Main St,Olympia,WA,532-11-4455,91-1234568,EIN\n\
100200302,C,1 Main St,Olympia,WA,98502,91-1234569,EIN\n";
    let (t, _) = read(&PAYEES, bytes);
    assert!(matches!(t.state, TableState::Read));
}

#[test]
fn line_numbers_are_right_for_lf_crlf_and_cr_only_files() {
    for eol in ["\n", "\r\n", "\r"] {
        let text = ["worker_id,name,phone", "W1,A,1", "W2,\"B", "b\",2", "", "W3,C,3"].join(eol) + eol;
        let (t, p) = read(&WORKERS, text.as_bytes());
        assert!(p.is_empty(), "{eol:?}: {p:?}");
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 6], "{eol:?}");
    }
}

#[test]
fn only_regular_files_inside_the_folder_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("extract");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("workers.csv"), "worker_id,name,phone\nW1,A,1\n").unwrap();
    let outside = tmp.path().join("secret.csv");
    std::fs::write(&outside, "SSPS_SMTP_PASSWORD=hunter2\n").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("payees.csv")).unwrap();
    std::fs::create_dir(dir.join("clients.csv")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.csv"), dir.join("providers.csv")).unwrap();
    std::os::unix::fs::symlink("workers.csv", dir.join("attendance.csv")).unwrap();
    // A named pipe, made by coreutils' mkfifo (the crate forbids unsafe code).
    assert!(std::process::Command::new("mkfifo").arg(dir.join("payments.csv")).status().unwrap().success());
    let loaded = load_folder(&dir).unwrap();
    let printed: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    let outside_shown = outside.canonicalize().unwrap().display().to_string();
    assert!(printed.contains(&format!("error: payees.csv: is a symbolic link to {outside_shown}, outside the extract folder; copy the file into the folder instead; nothing was read from it")), "{printed:#?}");
    assert!(printed.contains(&"error: clients.csv: is a folder, not a file; nothing was read from it".to_string()), "{printed:#?}");
    assert!(
        printed.contains(&"error: providers.csv: is a symbolic link to a file that does not exist; nothing was read from it".to_string())
    );
    assert!(printed.contains(&"error: payments.csv: is a FIFO (named pipe), not a file; nothing was read from it".to_string()));
    assert!(!printed.iter().any(|p| p.contains("hunter2")));
    for f in ["payees.csv", "clients.csv", "providers.csv", "payments.csv"] {
        assert!(matches!(loaded.tables[f].state, TableState::Unusable), "{f}");
    }
    // A link inside the folder is followed: attendance.csv reads
    // workers.csv's bytes, which lack attendance's columns.
    assert!(matches!(loaded.tables["attendance.csv"].state, TableState::Unusable));
    assert!(printed.iter().any(|p| p.starts_with("error: attendance.csv:1: the header lacks the required columns")), "{printed:#?}");
    assert!(matches!(loaded.tables["workers.csv"].state, TableState::Read));
}

#[test]
fn duplicate_header_column() {
    let (t, p) = read(&WORKERS, b"worker_id,name,phone,name\n");
    assert!(matches!(t.state, TableState::Unusable));
    assert_eq!(p[0].rule, "column name appears twice in the header");
}

#[test]
fn header_only_file_has_no_rows() {
    let (t, p) = read(&WORKERS, b"worker_id,name,phone\n");
    assert!(matches!(t.state, TableState::Read));
    assert!(t.rows.is_empty() && p.is_empty());
}

#[test]
fn a_quote_left_open_on_the_last_line_says_so_without_a_range_of_lines() {
    let mut problems = Vec::new();
    let t = read_table(&WORKERS, b"worker_id,name,phone\nW1,A,1\nW2,B,\"2\n", &mut problems);
    let printed: Vec<String> = t.rows.iter().flat_map(|r| r.problems.iter()).map(ToString::to_string).collect();
    assert_eq!(
        printed,
        ["error: workers.csv:3: column phone: holds the file's last line break: a quote opened in it is never closed; the row is rejected whole, close the quote and send the file again"]
    );
}
