//! Stage 1, load: reads an extract folder's CSV files into raw rows.
//!
//! This stage knows the *shape* of the record format (which files exist,
//! which columns each has and which columns a header must contain) but not
//! the rules for values; `validate` turns raw rows into typed records.
//! It handles what upstream systems really send: a UTF-8 byte-order mark,
//! CRLF or LF line ends, quoted fields, columns in any order, unknown columns
//! (a warning), cells with surrounding spaces (trimmed), rows with bytes that
//! are not UTF-8 or with the wrong number of fields (that row is rejected,
//! the rest of the file is read). A file that cannot be used at all (empty,
//! no header, a required column missing, a duplicate column) is reported as
//! a file-level problem and yields no rows.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::problem::Problem;

/// One column of a file in the record format.
#[derive(Debug)]
pub struct ColumnSpec {
    /// Header name.
    pub name: &'static str,
    /// Whether the header must contain it (the format's "yes" columns).
    /// Columns required only in some cases may be absent from the header.
    pub required: bool,
}

/// One file of the record format.
#[derive(Debug)]
pub struct FileSpec {
    /// File name, e.g. `payees.csv`.
    pub name: &'static str,
    /// Its columns, in the format's order.
    pub columns: &'static [ColumnSpec],
}

impl FileSpec {
    /// Index of a column in [`RawRow::cells`].
    ///
    /// # Panics
    /// When `name` is not a column of this file: that is a bug in the caller,
    /// never a property of the input.
    pub fn col(&self, name: &str) -> usize {
        self.columns.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("{} has no column {name}", self.name))
    }
}

macro_rules! cols {
    ($($name:literal $req:ident),+ $(,)?) => { &[$(ColumnSpec { name: $name, required: cols!(@req $req) }),+] };
    (@req yes) => { true };
    (@req no) => { false };
}

/// payees.csv
pub const PAYEES: FileSpec = FileSpec {
    name: "payees.csv",
    columns: cols!("payee_number" yes, "name" yes, "dba_name" no, "address_line1" yes, "address_line2" no,
        "city" yes, "state" yes, "zip" yes, "tin" yes, "tin_type" yes, "delivery" no, "email" no,
        "language" no, "direct_deposit" no, "reportable_1099" no, "consent_electronic_1099" no),
};
/// providers.csv
pub const PROVIDERS: FileSpec = FileSpec {
    name: "providers.csv",
    columns: cols!("provider_number" yes, "payee_number" yes, "name" yes, "provider_type" yes, "county" yes, "phone" no),
};
/// clients.csv
pub const CLIENTS: FileSpec = FileSpec {
    name: "clients.csv",
    columns: cols!("client_id" yes, "case_number" yes, "first_name" yes, "last_name" yes, "birth_date" yes,
        "address_line1" no, "address_line2" no, "city" no, "state" no, "zip" no, "language" no),
};
/// workers.csv
pub const WORKERS: FileSpec = FileSpec { name: "workers.csv", columns: cols!("worker_id" yes, "name" yes, "phone" yes, "office" no) };
/// authorizations.csv
pub const AUTHORIZATIONS: FileSpec = FileSpec {
    name: "authorizations.csv",
    columns: cols!("reference_number" yes, "authorization_number" yes, "provider_number" yes, "client_id" yes,
        "worker_id" yes, "program" yes, "service_code" yes, "service_name" yes, "service_kind" yes, "unit" yes,
        "units_authorized" yes, "rate" yes, "copay" no, "start_date" yes, "end_date" yes, "reporting_unit" yes,
        "action" no, "action_date" no),
};
/// invoice_claims.csv
pub const INVOICE_CLAIMS: FileSpec = FileSpec {
    name: "invoice_claims.csv",
    columns: cols!("invoice_number" yes, "reference_number" yes, "month" yes, "units_claimed" yes, "corrected_rate" no),
};
/// attendance.csv
pub const ATTENDANCE: FileSpec =
    FileSpec { name: "attendance.csv", columns: cols!("reference_number" yes, "date" yes, "mark" yes, "hours" no) };
/// payments.csv
pub const PAYMENTS: FileSpec = FileSpec {
    name: "payments.csv",
    columns: cols!("payment_id" yes, "payee_number" yes, "issue_date" yes, "settlement_date" no, "method" yes, "amount" yes),
};
/// payment_lines.csv
pub const PAYMENT_LINES: FileSpec = FileSpec {
    name: "payment_lines.csv",
    columns: cols!("payment_id" yes, "line_no" yes, "reference_number" no, "invoice_number" no, "service_month" yes,
        "units" no, "rate" no, "amount" yes, "adjustment_code" no, "description" no),
};
/// ssp_events.csv
pub const SSP_EVENTS: FileSpec = FileSpec {
    name: "ssp_events.csv",
    columns: cols!("event_id" yes, "client_id" yes, "au_number" yes, "event" yes, "program_type" yes,
        "effective_date" yes, "amount" no, "previous_amount" no, "reason_code" no, "worker_id" yes, "eft" no,
        "worker_text" no),
};

/// The ten files of the record format, in dependency order.
pub const FILES: [&FileSpec; 10] =
    [&PAYEES, &PROVIDERS, &CLIENTS, &WORKERS, &AUTHORIZATIONS, &INVOICE_CLAIMS, &ATTENDANCE, &PAYMENTS, &PAYMENT_LINES, &SSP_EVENTS];

/// One data row of a file, its cells aligned to the spec's columns.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based line where the row starts (the header is line 1).
    pub line: u64,
    /// A cell per spec column: `None` when the column is not in the header,
    /// the cell is empty after trimming, or its bytes were not UTF-8.
    pub cells: Vec<Option<String>>,
    /// Problems already found while reading the row (bad bytes, field count).
    pub problems: Vec<Problem>,
}

/// The state of one file of the format in the folder.
#[derive(Debug, Clone)]
pub enum TableState {
    /// Not in the folder.
    Absent,
    /// Present but unusable as a whole (the problem says why).
    Unusable,
    /// Read; rows follow.
    Read,
}

/// One file of the extract as read.
#[derive(Debug, Clone)]
pub struct Table {
    /// Which file.
    pub spec: &'static FileSpec,
    /// Whether it could be read.
    pub state: TableState,
    /// Data rows, in file order.
    pub rows: Vec<RawRow>,
}

/// Everything read from an extract folder.
#[derive(Debug)]
pub struct Loaded {
    /// The folder.
    pub dir: PathBuf,
    /// One entry per file of the format, keyed by file name.
    pub tables: BTreeMap<&'static str, Table>,
    /// File-level and row-level problems found while reading.
    pub problems: Vec<Problem>,
}

/// Why an extract folder could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder does not exist or is not a folder.
    #[error("extract folder {0} does not exist or is not a folder")]
    NotAFolder(PathBuf),
    /// The folder could not be listed.
    #[error("cannot list extract folder {path}")]
    List {
        /// The folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read (permissions, I/O).
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// None of the ten files is there.
    #[error("no extract files in {0}: expected some of payees.csv, providers.csv, clients.csv, workers.csv, authorizations.csv, invoice_claims.csv, attendance.csv, payments.csv, payment_lines.csv, ssp_events.csv")]
    Empty(PathBuf),
}

/// Reads every file of the format found in `dir`.
pub fn load_folder(dir: &Path) -> Result<Loaded, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotAFolder(dir.to_path_buf()));
    }
    let mut problems = Vec::new();
    let listing = std::fs::read_dir(dir).map_err(|source| LoadError::List { path: dir.to_path_buf(), source })?;
    let mut others = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|source| LoadError::List { path: dir.to_path_buf(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.to_ascii_lowercase().ends_with(".csv") && !FILES.iter().any(|f| f.name == name) {
            others.push(name);
        }
    }
    others.sort();
    for name in others {
        problems.push(Problem::warning(&name, None, None, None, "this file is not part of the record format and was ignored"));
    }

    let mut tables = BTreeMap::new();
    let mut any = false;
    for spec in FILES {
        let path = dir.join(spec.name);
        let table = if path.is_file() {
            any = true;
            let mut bytes = Vec::new();
            File::open(&path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|source| LoadError::Read { path: path.clone(), source })?;
            read_table(spec, &bytes, &mut problems)
        } else {
            Table { spec, state: TableState::Absent, rows: Vec::new() }
        };
        tables.insert(spec.name, table);
    }
    if !any {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    Ok(Loaded { dir: dir.to_path_buf(), tables, problems })
}

/// Reads one file's bytes. Never fails: problems are collected.
pub fn read_table(spec: &'static FileSpec, bytes: &[u8], problems: &mut Vec<Problem>) -> Table {
    let unusable = |problems: &mut Vec<Problem>, line: Option<u64>, rule: String| {
        problems.push(Problem::error(spec.name, line, None, None, rule));
        Table { spec, state: TableState::Unusable, rows: Vec::new() }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return unusable(problems, None, "the file is empty: it needs at least a header row naming its columns".into());
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    // Header.
    let mut header = csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return unusable(problems, None, "the file is empty: it needs at least a header row naming its columns".into()),
        Err(e) => return unusable(problems, Some(1), format!("the header row cannot be read as CSV ({e})")),
    }
    let mut names = Vec::with_capacity(header.len());
    for (i, raw) in header.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(s) => names.push(s.trim().to_string()),
            Err(_) => {
                return unusable(
                    problems,
                    Some(1),
                    format!("header column {} contains bytes that are not UTF-8; save the file as UTF-8", i + 1),
                );
            }
        }
    }
    let mut position: Vec<Option<usize>> = vec![None; spec.columns.len()];
    for (i, name) in names.iter().enumerate() {
        match spec.columns.iter().position(|c| c.name == name.as_str()) {
            Some(k) if position[k].is_some() => {
                return unusable(problems, Some(1), format!("column {name} appears twice in the header"));
            }
            Some(k) => position[k] = Some(i),
            None if name.is_empty() => {
                problems.push(Problem::warning(
                    spec.name,
                    Some(1),
                    None,
                    None,
                    format!("header column {} has no name; its cells are ignored", i + 1),
                ));
            }
            None => problems.push(Problem::warning(
                spec.name,
                Some(1),
                Some(name),
                None,
                "this column is not part of the record format; its cells are ignored",
            )),
        }
    }
    let missing: Vec<&str> = spec.columns.iter().zip(&position).filter(|(c, p)| c.required && p.is_none()).map(|(c, _)| c.name).collect();
    if !missing.is_empty() {
        let s = if missing.len() == 1 { "" } else { "s" };
        return unusable(
            problems,
            Some(1),
            format!("the header lacks the required column{s} {}; no row of this file can be read", missing.join(", ")),
        );
    }

    // Rows. Line numbers are counted from the byte offsets, so CRLF, LF and
    // quoted fields with line breaks all number lines as an editor does.
    let width = names.len();
    let mut rows = Vec::new();
    let mut counted = (0usize, 1u64); // (byte offset, line at that offset)
    let mut line_at = |offset: u64| -> u64 {
        let offset = (offset as usize).min(bytes.len());
        if offset >= counted.0 {
            counted.1 += bytes[counted.0..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            counted.0 = offset;
        }
        counted.1
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let start = reader.position().byte();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = line_at(start);
                problems.push(Problem::error(spec.name, Some(line), None, None, format!("this row cannot be read as CSV ({e})")));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        // Skip the line break(s) before the record to find its first line.
        let skip = bytes[(start as usize).min(bytes.len())..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count() as u64;
        let line = line_at(start + skip);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line
        }
        let mut row = RawRow { line, cells: vec![None; spec.columns.len()], problems: Vec::new() };
        if record.len() != width {
            row.problems.push(Problem::error(
                spec.name,
                Some(line),
                None,
                None,
                format!(
                    "this row has {} fields but the header has {width}; check for a missing or extra comma or an unclosed quote",
                    record.len()
                ),
            ));
        }
        for (k, pos) in position.iter().enumerate() {
            let Some(i) = *pos else { continue };
            let Some(raw) = record.get(i) else { continue };
            match std::str::from_utf8(raw) {
                Ok(s) => {
                    let s = s.trim();
                    if !s.is_empty() {
                        row.cells[k] = Some(s.to_string());
                    }
                }
                Err(_) => {
                    let lossy = String::from_utf8_lossy(raw);
                    let shown = if spec.columns[k].name == "tin" { crate::problem::mask_tin(&lossy) } else { lossy.into_owned() };
                    row.problems.push(Problem::error(
                        spec.name,
                        Some(line),
                        Some(spec.columns[k].name),
                        Some(&shown),
                        "contains bytes that are not UTF-8 (shown as \u{FFFD}); the extract must be saved as UTF-8",
                    ));
                }
            }
        }
        rows.push(row);
    }
    Table { spec, state: TableState::Read, rows }
}

#[cfg(test)]
mod tests {
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
            "warning: workers.csv:1: column shoe_size is empty: this column is not part of the record format; its cells are ignored"
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
            "this row has 2 fields but the header has 3; check for a missing or extra comma or an unclosed quote"
        );
        // the unclosed quote swallows the rest of the file into one field: that row is rejected
        assert!(!t.rows[1].problems.is_empty());
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
}
