//! Problems found in an extract: what the `check` command prints and what
//! `rejects.csv` lists.
//!
//! A problem always names the file, and where it can the line, column, the
//! offending value and the rule in words a clerk can act on. Errors reject a
//! record (or a whole file); warnings are reported and reject nothing.
//! Values from TIN columns are masked before they are stored here, so a
//! problem can be printed or logged without exposing a taxpayer number.

use std::fmt;

use serde::Serialize;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record (or file) is rejected.
    Error,
    /// Reported; nothing is rejected.
    Warning,
    /// A mailing address that cannot be mailed: the record is kept and its
    /// documents are produced for download, not for the mail.
    Unmailable,
}

/// One problem with one record, or with a whole file when `line` is `None`
/// or the header line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// File name within the extract folder.
    pub file: String,
    /// 1-based line where the record starts (the header is line 1).
    pub line: Option<u64>,
    /// Column name, when one column is at fault.
    pub column: Option<String>,
    /// The value found (masked for TIN columns), when there is one.
    pub value: Option<String>,
    /// The rule that was broken, in plain words.
    pub rule: String,
    /// The record's key (`payee 100200305`), when it could be read.
    pub record: Option<String>,
}

impl Problem {
    /// An error at a file, line and column.
    pub fn error(file: &str, line: Option<u64>, column: Option<&str>, value: Option<&str>, rule: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            column: column.map(str::to_string),
            value: value.map(str::to_string),
            rule: rule.into(),
            record: None,
        }
    }

    /// A warning at a file, line and column.
    pub fn warning(file: &str, line: Option<u64>, column: Option<&str>, value: Option<&str>, rule: impl Into<String>) -> Problem {
        Problem { severity: Severity::Warning, ..Problem::error(file, line, column, value, rule) }
    }

    /// An unmailable address at a file, line and column.
    pub fn unmailable(file: &str, line: Option<u64>, column: Option<&str>, value: Option<&str>, rule: impl Into<String>) -> Problem {
        Problem { severity: Severity::Unmailable, ..Problem::error(file, line, column, value, rule) }
    }

    /// Whether someone must act on this problem: an error, or an address
    /// the mail cannot use.
    pub fn needs_action(&self) -> bool {
        self.severity != Severity::Warning
    }

    /// Names the record the problem belongs to.
    pub fn for_record(mut self, record: Option<String>) -> Problem {
        self.record = record;
        self
    }

    /// Whether this problem rejects something.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Records with an unmailable address (a record with several bad address
/// fields counts once).
pub fn unmailable_records(problems: &[Problem]) -> usize {
    let mut records: Vec<(&str, Option<u64>)> =
        problems.iter().filter(|p| p.severity == Severity::Unmailable).map(|p| (p.file.as_str(), p.line)).collect();
    records.sort_unstable();
    records.dedup();
    records.len()
}

impl fmt::Display for Problem {
    /// `payees.csv:7: column zip, value "9850": a ZIP code must be ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Unmailable => "unmailable",
        };
        write!(f, "{label}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(":")?;
        if let Some(record) = &self.record {
            write!(f, " {record}:")?;
        }
        if let Some(column) = &self.column {
            write!(f, " column {column}")?;
            match &self.value {
                Some(v) => write!(f, " = {v:?}:")?,
                None => f.write_str(" is empty:")?,
            }
        }
        write!(f, " {}", self.rule)
    }
}

/// Masks all but the last four digits of a TIN-like value for display.
pub fn mask_tin(value: &str) -> String {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 4 <= digits {
                    '*'
                } else {
                    c
                }
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_value_and_rule() {
        let p = Problem::error("payees.csv", Some(7), Some("zip"), Some("9850"), "a ZIP code is NNNNN or NNNNN-NNNN")
            .for_record(Some("payee 100200399".into()));
        assert_eq!(p.to_string(), "error: payees.csv:7: payee 100200399: column zip = \"9850\": a ZIP code is NNNNN or NNNNN-NNNN");
    }

    #[test]
    fn tin_values_are_masked() {
        assert_eq!(mask_tin("532-11-4455"), "***-**-4455");
        assert_eq!(mask_tin("91-123456"), "**-**3456");
        assert_eq!(mask_tin("12345"), "*2345");
    }
}
