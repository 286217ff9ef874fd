//! Stage 1, load: reads an extract folder's CSV files into raw rows.
//!
//! About 700 lines (tests in `load/tests.rs`), one cohesive thing: the
//! file formats and the one careful reader every file goes through (opening,
//! bytes, quoting, row shapes, the per-column shape counts), whose defences
//! below depend on each other's order.
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
//!
//! Hardening (each defends a case seen in a mutation test of the extracts):
//! - only regular files inside the extract folder are read: a symbolic link
//!   that leaves the folder, a folder, a FIFO or a device under a file's
//!   name is a file-level error naming it, and nothing is read from it;
//! - a row whose field count differs from the header's is one structural
//!   problem and is rejected whole: its cells are never mapped to columns,
//!   so a value shifted by a missing comma is never echoed as another
//!   column's (a TIN as a ZIP);
//! - a cell holding a line break (outside the free-text column
//!   `worker_text`) is the mark of an unclosed quote that swallowed the lines
//!   after it: the row is rejected whole, naming the lines it swallowed;
//! - a header whose columns do not hold what their names say (a column full
//!   of TIN-shaped values that is not `tin`, a `tin` column full of ZIP
//!   codes) stops that file with one error;
//! - a cell holding a control character (ESC, BEL, NUL …; in `worker_text`
//!   only line breaks and tabs are allowed) rejects its row: it would reach
//!   a document or a clerk's terminal;
//! - a cell outside the `tin` column holding a TIN-shaped number rejects its
//!   row: a TIN is never carried into a document by a shifted column (a
//!   `zip` shaped so makes the address unmailable and is not kept, see
//!   `validate`);
//! - line numbers count LF, CRLF and CR-only line ends as an editor does.

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

/// overpayments.csv (staff-entered vendor overpayments; optional)
pub const OVERPAYMENTS: FileSpec = FileSpec {
    name: "overpayments.csv",
    columns: cols!("overpayment_id" yes, "payee_number" yes, "provider_number" yes, "reference_number" no,
        "invoice_number" no, "service_month" yes, "amount" yes, "reason" yes, "description" no),
};

/// ssp_cases.csv: the ACES SSP case roster (one row per assistance unit).
pub const SSP_CASES: FileSpec = FileSpec {
    name: "ssp_cases.csv",
    columns: cols!("au_number" yes, "client_id" yes, "program_type" yes, "amount" yes, "open_date" yes, "close_date" no),
};

/// The twelve files of the record format, in dependency order.
pub const FILES: [&FileSpec; 12] = [
    &PAYEES,
    &PROVIDERS,
    &CLIENTS,
    &WORKERS,
    &AUTHORIZATIONS,
    &INVOICE_CLAIMS,
    &ATTENDANCE,
    &PAYMENTS,
    &PAYMENT_LINES,
    &SSP_EVENTS,
    &OVERPAYMENTS,
    &SSP_CASES,
];

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
    /// The row's shape is broken (field count, a swallowed line break): it
    /// is rejected whole and its cells are all `None`, never read.
    pub broken: bool,
}

/// The one column whose cells may hold line breaks (a worker's paragraph).
pub const MULTILINE_COLUMNS: &[&str] = &["worker_text"];

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
    /// None of the files is there.
    #[error("no extract files in {0}: expected some of payees.csv, providers.csv, clients.csv, workers.csv, authorizations.csv, invoice_claims.csv, attendance.csv, payments.csv, payment_lines.csv, ssp_events.csv, overpayments.csv, ssp_cases.csv")]
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

    let inside = dir.canonicalize().map_err(|source| LoadError::List { path: dir.to_path_buf(), source })?;
    let mut tables = BTreeMap::new();
    let mut any = false;
    for spec in FILES {
        let path = dir.join(spec.name);
        let table = match open_extract_file(&inside, &path)? {
            Opened::Absent => Table { spec, state: TableState::Absent, rows: Vec::new() },
            Opened::Refused(why) => {
                any = true;
                problems.push(Problem::error(spec.name, None, None, None, format!("{why}; nothing was read from it")));
                Table { spec, state: TableState::Unusable, rows: Vec::new() }
            }
            Opened::File(mut f) => {
                any = true;
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).map_err(|source| LoadError::Read { path: path.clone(), source })?;
                read_table(spec, &bytes, &mut problems)
            }
        };
        tables.insert(spec.name, table);
    }
    if !any {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    Ok(Loaded { dir: dir.to_path_buf(), tables, problems })
}

/// What was found under an extract file's name.
enum Opened {
    /// Nothing.
    Absent,
    /// Something that must not be read, and why (for the clerk).
    Refused(String),
    /// A regular file inside the folder, open for reading.
    File(File),
}

/// Opens `path` only if it is a regular file inside the folder `inside`
/// (canonical): a symbolic link may point elsewhere in the folder, never out
/// of it. Nothing is opened that is not a regular file (a FIFO would block,
/// a device would never end), and the open handle is checked again.
fn open_extract_file(inside: &Path, path: &Path) -> Result<Opened, LoadError> {
    use crate::problem::{shown, Masking};
    let read_err = |source| LoadError::Read { path: path.to_path_buf(), source };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Opened::Absent),
        Err(e) => return Err(read_err(e)),
    };
    let kind = |t: std::fs::FileType| -> &'static str {
        use std::os::unix::fs::FileTypeExt;
        if t.is_dir() {
            "a folder"
        } else if t.is_fifo() {
            "a FIFO (named pipe)"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        }
    };
    let target = if meta.file_type().is_symlink() {
        let Ok(target) = path.canonicalize() else {
            return Ok(Opened::Refused("is a symbolic link to a file that does not exist".into()));
        };
        if !target.starts_with(inside) {
            let shown_target = shown(&target.display().to_string(), 120, Masking::AnyNineDigits);
            return Ok(Opened::Refused(format!(
                "is a symbolic link to {shown_target}, outside the extract folder; copy the file into the folder instead"
            )));
        }
        let t = std::fs::metadata(&target).map_err(read_err)?;
        if !t.is_file() {
            return Ok(Opened::Refused(format!("is a symbolic link to {}, not to a file", kind(t.file_type()))));
        }
        target
    } else if meta.is_file() {
        path.to_path_buf()
    } else {
        return Ok(Opened::Refused(format!("is {}, not a file", kind(meta.file_type()))));
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never block on a FIFO swapped in after the check, never follow a
        // link swapped in after it.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let f = match options.open(&target) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Ok(Opened::Refused("was replaced by a symbolic link while it was being read".into()))
        }
        Err(e) => return Err(read_err(e)),
    };
    let m = f.metadata().map_err(read_err)?;
    if !m.is_file() {
        return Ok(Opened::Refused(format!("is {}, not a file", kind(m.file_type()))));
    }
    Ok(Opened::File(f))
}

/// The field of `record` that swallowed lines after an unclosed quote, if
/// any: a line break in a one-line field (any column, known or not), or in
/// a multi-line field (`worker_text`) a line with as many commas as a row of
/// this file has (`width - 1`), which is a row, not prose.
fn swallowing_field(record: &csv::ByteRecord, names: &[String], width: usize) -> Option<usize> {
    let is_break = |b: &u8| matches!(b, b'\n' | b'\r');
    // The common case, no break anywhere, in one pass over the record.
    if !record.as_slice().iter().any(is_break) {
        return None;
    }
    record.iter().enumerate().find_map(|(i, raw)| {
        if !raw.iter().any(is_break) {
            return None;
        }
        let multiline = names.get(i).is_some_and(|n| MULTILINE_COLUMNS.contains(&n.as_str()));
        let row_shaped = |line: &[u8]| width > 2 && line.iter().filter(|&&b| b == b',').count() + 1 >= width;
        (!multiline || raw.split(is_break).any(row_shaped)).then_some(i)
    })
}

/// One pass over a cell's bytes: how many ASCII digits it has (a TIN needs
/// nine), and whether it may hold a control character (an ASCII control or
/// DEL, or the UTF-8 lead byte of a C1 control).
fn scan_cell(b: &[u8]) -> (usize, bool) {
    let mut digits = 0;
    let mut control = false;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if c < 0x20 || c == 0x7f || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n))) {
            control = true;
        }
    }
    (digits, control)
}

/// Counts line breaks in `bytes[from..to]` as an editor does: LF, CRLF and
/// a lone CR (old Mac exports) are one line end each. A CR whose LF lies
/// just past `to` is counted with that LF, not here.
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> u64 {
    let mut n = 0;
    for i in from..to {
        match bytes[i] {
            b'\n' => n += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => n += 1,
            _ => {}
        }
    }
    n
}

/// Whether a cell is shaped like a TIN: `NNN-NN-NNNN`, `NN-NNNNNNN`, or
/// (with `bare`) nine digits.
fn tin_shaped(v: &str, bare: bool) -> bool {
    (bare || v.contains('-')) && crate::model::Tin::shaped(v)
}

/// Whether a cell holds a TIN-shaped run of digits: `NNN-NN-NNNN` or
/// `NN-NNNNNNN` anywhere, or (unless `identifier`: payee numbers and
/// payment ids have nine digits) a run of exactly nine bare digits.
pub(crate) fn holds_tin(v: &str, identifier: bool) -> bool {
    crate::problem::digit_runs(v).any(|r| tin_shaped(&v[r], !identifier))
}

/// Whether a cell is shaped like a ZIP code (`NNNNN` or `NNNNN-NNNN`).
fn zip_shaped(v: &str) -> bool {
    let b = v.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    (b.len() == 5 && digits(b)) || (b.len() == 10 && b[5] == b'-' && digits(&b[..5]) && digits(&b[6..]))
}

/// Per column, the cells read and those shaped like another column's kind
/// of value (a TIN outside `tin`, a ZIP code in `tin`), counted as the
/// cells are read.
struct Shapes {
    filled: Vec<usize>,
    odd: Vec<usize>,
}

impl Shapes {
    fn new(columns: usize) -> Shapes {
        Shapes { filled: vec![0; columns], odd: vec![0; columns] }
    }

    /// Counts a kept cell of column `k` (`tin` says whether it is the tin
    /// column). Hyphenated SSN/EIN shapes only: nine bare digits may be a
    /// ZIP+4 written without its hyphen (a row problem, not a header one).
    fn note(&mut self, k: usize, tin: bool, v: &str) {
        self.filled[k] += 1;
        let odd = if tin { zip_shaped(v) } else { tin_shaped(v, false) };
        self.odd[k] += usize::from(odd);
    }

    /// A column whose cells mostly hold another column's kind of value
    /// means the header names the columns wrongly (two names swapped): one
    /// message for the file, no row used. Returns that message.
    fn mislabeled(&self, spec: &FileSpec) -> Option<String> {
        spec.columns.iter().enumerate().find_map(|(k, col)| {
            let (filled, odd) = (self.filled[k], self.odd[k]);
            let what = if col.name == "tin" { "ZIP codes" } else { "taxpayer identification numbers" };
            (odd > 0 && odd * 2 > filled).then(|| format!(
                "column {} holds values shaped like {what} in {odd} of its {filled} filled cells: the header's column names do not match the columns below them (two names swapped?); no row of this file was used, fix the header",
                col.name
            ))
        })
    }
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
        if raw.iter().any(|b| matches!(b, b'\n' | b'\r')) {
            return unusable(
                problems,
                Some(1),
                format!(
                    "header column {} holds a line break: a quote in the header is never closed, so the lines after it were read as the header; no row of this file can be read",
                    i + 1
                ),
            );
        }
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
            // A name from the file is echoed only through `Problem`'s
            // escaping, as the column (cut short there).
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
                None,
                None,
                format!(
                    "header column {} is named \"{}\", which is not part of the record format; its cells are ignored",
                    i + 1,
                    crate::problem::shown(name, crate::problem::NAME_MAX, crate::problem::Masking::AnyNineDigits)
                ),
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

    // Rows. Line numbers are counted from the byte offsets, so CRLF, LF,
    // CR-only and quoted fields with line breaks all number lines as an
    // editor does.
    let width = names.len();
    let mut rows = Vec::new();
    let mut shapes = Shapes::new(spec.columns.len());
    // What each column is, decided once, not per cell.
    let multiline: Vec<bool> = spec.columns.iter().map(|c| MULTILINE_COLUMNS.contains(&c.name)).collect();
    let is_tin: Vec<bool> = spec.columns.iter().map(|c| c.name == "tin").collect();
    let tin_free: Vec<bool> = spec.columns.iter().map(|c| !matches!(c.name, "tin" | "zip")).collect();
    let identifier: Vec<bool> = spec.columns.iter().map(|c| crate::problem::is_identifier_column(c.name)).collect();
    let mut counted = (0usize, 1u64); // (byte offset, line at that offset)
    let mut line_at = |offset: u64| -> u64 {
        let offset = (offset as usize).min(bytes.len());
        if offset >= counted.0 {
            counted.1 += line_breaks(bytes, counted.0, offset);
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
        let mut row = RawRow { line, cells: vec![None; spec.columns.len()], problems: Vec::new(), broken: false };
        if record.len() != width {
            row.problems.push(Problem::error(
                spec.name,
                Some(line),
                None,
                None,
                format!(
                    "line {line} has {} fields, the header has {width}: check for a missing or extra comma or an unclosed quote; the row is rejected whole and none of its cells is read",
                    record.len()
                ),
            ));
            row.broken = true;
            rows.push(row);
            continue;
        }
        // A line break inside a one-line cell (of any column, known or not),
        // or a line of a multi-line cell shaped like a whole row: an unclosed
        // quote swallowed the lines after it.
        if let Some(i) = swallowing_field(&record, &names, width) {
            let after = (reader.position().byte() as usize).min(bytes.len());
            let mut content_end = after;
            while content_end > 0 && matches!(bytes[content_end - 1], b'\n' | b'\r') {
                content_end -= 1;
            }
            let last = line_at(content_end as u64).max(line);
            row.problems.push(
                Problem::error(
                    spec.name,
                    Some(line),
                    Some(&names[i]),
                    None,
                    if last > line {
                        format!(
                            "holds a line break, so this row runs from line {line} to line {last}: a quote opened in it is probably never closed and lines {} to {last} were read into it; the row is rejected whole, close the quote and send the file again",
                            line + 1
                        )
                    } else {
                        // Only the file's last line break was read into it.
                        "holds the file's last line break: a quote opened in it is never closed; the row is rejected whole, close the quote and send the file again".to_string()
                    },
                )
                .withheld(),
            );
            row.broken = true;
            rows.push(row);
            continue;
        }
        for (k, pos) in position.iter().enumerate() {
            let Some(i) = *pos else { continue };
            let Some(raw) = record.get(i) else { continue };
            match std::str::from_utf8(raw) {
                Ok(s) => {
                    let s = s.trim();
                    let (digits, maybe_control) = scan_cell(s.as_bytes());
                    let control = if maybe_control {
                        s.chars().find(|&c| c.is_control() && !(multiline[k] && matches!(c, '\n' | '\r' | '\t')))
                    } else {
                        None
                    };
                    if let Some(c) = control {
                        // Never printed on a document or a terminal: the row
                        // is rejected, the value shown escaped (a TIN masked).
                        let shown = if is_tin[k] { crate::problem::mask_tin(s) } else { s.to_string() };
                        row.problems.push(Problem::error(
                            spec.name,
                            Some(line),
                            Some(spec.columns[k].name),
                            Some(&shown),
                            format!("contains the control character U+{:04X}, which cannot be printed", c as u32),
                        ));
                    } else if digits >= 9 && tin_free[k] && holds_tin(s, identifier[k]) {
                        // A TIN outside the tin column (a shifted column, a
                        // note): never carried into a document.
                        row.problems.push(Problem::error(
                            spec.name,
                            Some(line),
                            Some(spec.columns[k].name),
                            Some(s),
                            "holds what looks like a taxpayer identification number (NNN-NN-NNNN, NN-NNNNNNN or nine digits); a TIN belongs only in the tin column of payees.csv and is never printed elsewhere",
                        ));
                    } else if !s.is_empty() {
                        shapes.note(k, is_tin[k], s);
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
    if let Some(rule) = shapes.mislabeled(spec) {
        return unusable(problems, Some(1), rule);
    }
    Table { spec, state: TableState::Read, rows }
}

#[cfg(test)]
mod tests;
