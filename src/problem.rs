//! Problems found in an extract: what the `check` command prints and what
//! `rejects.csv` lists.
//!
//! A problem always names the file, and where it can the line, column, the
//! offending value and the rule in words a clerk can act on. Errors reject a
//! record (or a whole file); warnings are reported and reject nothing.
//! Values from TIN columns are masked before they are stored here, so a
//! problem can be printed or logged without exposing a taxpayer number.
//!
//! Everything a problem echoes from the input passes through [`shown`] when
//! the problem is made (defence in depth, whatever the caller did): control
//! and bidirectional-override characters become `\u{…}` escapes, so a value
//! can never retitle or clear a clerk's terminal; anything shaped like a TIN
//! (nine digits, with or without hyphens) is masked to its last four digits;
//! values are cut to [`VALUE_MAX`] characters. The file name, column and
//! record key are escaped the same way; the rule (our words, which may quote
//! a value) is escaped and masked but not cut.

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
    /// The column's value is deliberately not echoed (too long, or the
    /// text an unclosed quote swallowed): printed as `column X:`, not as
    /// `column X is empty:`.
    #[serde(skip)]
    pub withheld: bool,
}

impl Problem {
    /// An error at a file, line and column.
    pub fn error(file: &str, line: Option<u64>, column: Option<&str>, value: Option<&str>, rule: impl Into<String>) -> Problem {
        // Identifier columns hold nine-digit payee numbers and payment ids
        // and 10-digit references, shown as they are in record keys and
        // rules too: there only hyphenated TIN shapes are masked. (A bare
        // TIN in an identifier column is that record's key; `load` rejects
        // TIN shapes outside the tin column.)
        let masking = if column.is_some_and(is_identifier_column) { Masking::Hyphenated } else { Masking::AnyNineDigits };
        Problem {
            severity: Severity::Error,
            file: shown(file, NAME_MAX, Masking::Hyphenated),
            line,
            column: column.map(|c| shown(c, NAME_MAX, Masking::Hyphenated)),
            value: value.map(|v| shown(v, VALUE_MAX, masking)),
            rule: shown(&rule.into(), usize::MAX, Masking::Hyphenated),
            record: None,
            withheld: false,
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

    /// Marks the column's value as not echoed on purpose (it is not empty).
    pub fn withheld(mut self) -> Problem {
        self.withheld = true;
        self
    }

    /// Names the record the problem belongs to.
    pub fn for_record(mut self, record: Option<String>) -> Problem {
        self.record = record.map(|r| shown(&r, NAME_MAX, Masking::Hyphenated));
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
                // Already escaped by `shown`: printed as it is.
                Some(v) => write!(f, " = \"{v}\":")?,
                None if self.withheld => f.write_str(":")?,
                None => f.write_str(" is empty:")?,
            }
        }
        write!(f, " {}", self.rule)
    }
}

/// Longest value a problem echoes, in characters (longer ones end in `…`).
pub const VALUE_MAX: usize = 48;
/// Longest file name, column name or record key a problem echoes.
pub const NAME_MAX: usize = 64;

/// Which digit runs [`shown`] masks as TINs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Masking {
    /// Runs of nine or more digits written with hyphens (`532-11-4455`,
    /// `91-1234567`): for text where bare numbers are identifiers (payee
    /// numbers, payment ids, 10-digit references) and must stay readable.
    Hyphenated,
    /// Those, and any run of nine or more bare digits.
    AnyNineDigits,
}

/// Whether a column holds identifiers (`*_number`, `*_id`,
/// `reporting_unit`): nine-digit payee numbers and payment ids are not TINs.
pub fn is_identifier_column(column: &str) -> bool {
    column.ends_with("_number") || column.ends_with("_id") || column == "reporting_unit"
}

/// Input text made safe to print: TIN-shaped runs masked to their last four
/// digits, control and bidirectional-override characters escaped as
/// `\u{1b}`, cut to `max` characters with a final `…`.
pub fn shown(text: &str, max: usize, masking: Masking) -> String {
    let masked = mask_tin_runs(text, masking);
    let mut out = String::with_capacity(masked.len().min(max.saturating_mul(2)));
    for (n, c) in masked.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if must_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters never printed raw: C0/C1 controls and DEL, and the Unicode
/// bidirectional overrides that can make printed text lie about its order.
pub fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Masks every run of digits and hyphens that could hold a TIN, keeping
/// the last four digits: nine or more digits with a hyphen (`532-11-4455`,
/// or a TIN run into a neighbouring number when a comma is lost), and with
/// `Masking::AnyNineDigits` nine or more bare digits too. A ZIP+4
/// (`98144-2923`) is left as it is.
fn mask_tin_runs(text: &str, masking: Masking) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    for range in digit_runs(text) {
        let b = text[range.clone()].as_bytes();
        let zip4 = b.len() == 10 && b[5] == b'-' && digits_only(&b[..5]) && digits_only(&b[6..]);
        let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
        let hyphenated = b.contains(&b'-');
        if digits >= 9 && !zip4 && (hyphenated || masking == Masking::AnyNineDigits) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..range.start]);
            o.push_str(&mask_tin(&text[range.clone()]));
            copied = range.end;
        }
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// The byte ranges of `text`'s numbers written with digits and hyphens: a
/// run starts at a digit and takes the digits and hyphens after it, less any
/// trailing ones. ASCII control characters inside a run join it too, so a
/// TIN split by a tab or a NUL is still one run. Where TINs are looked for.
pub fn digit_runs(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let b = text.as_bytes();
    let joins = |c: u8| c == b'-' || c.is_ascii_control();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() && !b[i].is_ascii_digit() {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || joins(b[i])) {
            i += 1;
        }
        let mut end = i;
        while end > start && joins(b[end - 1]) {
            end -= 1;
        }
        Some(start..end)
    })
}

fn digits_only(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
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
    fn echoed_values_are_escaped_masked_and_cut() {
        let p = Problem::error("payees.csv", Some(3), Some("zip"), Some("532-11-4455"), "a ZIP code is NNNNN");
        assert_eq!(p.value.as_deref(), Some("***-**-4455"));
        let p = Problem::error("payees.csv", Some(3), Some("name"), Some("A\u{1b}]0;pwned\u{7}B 532114455 C"), "x");
        assert_eq!(p.value.as_deref(), Some("A\\u{1b}]0;pwned\\u{7}B *****4455 C"));
        // Identifier columns keep their nine-digit numbers; hyphenated TINs are still masked.
        let p = Problem::error("payees.csv", Some(3), Some("payee_number"), Some("100200300"), "x");
        assert_eq!(p.value.as_deref(), Some("100200300"));
        let p = Problem::error("payees.csv", Some(3), Some("payee_number"), Some("91-1234567"), "x");
        assert_eq!(p.value.as_deref(), Some("**-***4567"));
        // Dates, phone numbers, ZIP+4 are not TINs; a TIN run into a ZIP is masked.
        let p = Problem::error("f.csv", Some(3), Some("note"), Some("2026-10-31 98144-2923 9850191-1234567"), "x");
        assert_eq!(p.value.as_deref(), Some("2026-10-31 98144-2923 *******-***4567"));
        // A 10-digit reference in its identifier column stays readable.
        let p = Problem::error("f.csv", Some(3), Some("reference_number"), Some("1000004007"), "x");
        assert_eq!(p.value.as_deref(), Some("1000004007"));
        let long = "x".repeat(500);
        let p = Problem::error("f.csv", Some(3), Some("name"), Some(&long), "x");
        assert_eq!(p.value.as_deref().map(|v| v.chars().count()), Some(VALUE_MAX + 1));
        assert!(p.value.as_deref().unwrap().ends_with('…'));
        // Keys, columns and rules are escaped too.
        let p = Problem::error("workers.csv", Some(2), Some("wor\u{0}ker_id"), Some("W\u{1b}[2J"), "rule \u{7}")
            .for_record(Some("worker W\u{1b}[2J".into()));
        let printed = p.to_string();
        assert!(!printed.chars().any(char::is_control), "{printed:?}");
        assert_eq!(printed, "error: workers.csv:2: worker W\\u{1b}[2J: column wor\\u{0}ker_id = \"W\\u{1b}[2J\": rule \\u{7}");
        assert_eq!(shown("a\u{202e}b", 10, Masking::Hyphenated), "a\\u{202e}b");
        // A TIN split by a control character is still masked.
        assert_eq!(shown("532-11-44\t55", 40, Masking::Hyphenated), "***-**-44\\u{9}55");
        assert_eq!(shown("53211\u{0}4455", 40, Masking::AnyNineDigits), "*****\\u{0}4455");
        // Our own line ranges are not TINs.
        assert_eq!(shown("lines 10001 to 10005", 40, Masking::Hyphenated), "lines 10001 to 10005");
    }

    #[test]
    fn tin_values_are_masked() {
        assert_eq!(mask_tin("532-11-4455"), "***-**-4455");
        assert_eq!(mask_tin("91-123456"), "**-**3456");
        assert_eq!(mask_tin("12345"), "*2345");
    }
}
