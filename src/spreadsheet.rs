//! CSV files meant for people: cells that a spreadsheet would run as a
//! formula are neutralised.
//!
//! Staff open `manifest.csv`, `print/job.csv`, `rejects.csv`, `claims.csv`,
//! the download `index.csv` files and the 1099 reconciliation in a
//! spreadsheet. A record value such as `=HYPERLINK("http://evil.example",
//! "click")` written verbatim would be a live formula there. Following
//! OWASP's CSV-injection guidance, a text cell that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, which
//! spreadsheets show as text and do not evaluate. Numbers stay numbers:
//! `-212.40` and `-1,234.00` are left as they are. Machine files (the IRS
//! upload files, `job.json`, `summary.json`) are not touched.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, made safe to open in a spreadsheet.
pub fn cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if TRIGGERS.contains(&c) && !is_number(cell) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The value [`cell`] was given back: a leading `'` before a trigger
/// character is removed (for files ssps reads back, the 1099
/// reconciliation of an earlier run).
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) => rest,
        _ => cell,
    }
}

/// A plain number: optional sign, digits (with thousands commas), optional
/// decimals.
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let int_ok = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit() || b == b',') && int.as_bytes()[0].is_ascii_digit();
    int_ok && frac.bytes().all(|b| b.is_ascii_digit()) && (frac.is_empty() || !body.ends_with('.'))
}

/// Rewrites CSV `bytes` (as a `csv::Writer` wrote them, with `terminator`)
/// with every cell passed through [`cell`].
pub fn neutralise(bytes: &[u8], terminator: csv::Terminator) -> Result<Vec<u8>, csv::Error> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut w = csv::WriterBuilder::new().terminator(terminator).flexible(true).from_writer(Vec::new());
    let mut record = csv::StringRecord::new();
    while r.read_record(&mut record)? {
        w.write_record(record.iter().map(|c| cell(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(cell(r#"=HYPERLINK("http://evil.example","click")"#), r#"'=HYPERLINK("http://evil.example","click")"#);
        assert_eq!(cell("+1 555"), "'+1 555");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
        assert_eq!(cell("-212.40"), "-212.40");
        assert_eq!(cell("-1,234.00"), "-1,234.00");
        assert_eq!(cell("O'Connor Family Care #2"), "O'Connor Family Care #2");
        assert_eq!(cell(""), "");
        assert_eq!(cell("-"), "'-");
        for v in ["=1+1", "-x", "plain", "'quoted", "-5.00"] {
            assert_eq!(restore(&cell(v)), v);
        }
    }

    #[test]
    fn a_whole_file_is_rewritten_cell_by_cell() {
        let input = b"name,amount\n\"=1+1\",-5.00\n\"Ana, B\",7\n";
        let out = neutralise(input, csv::Terminator::Any(b'\n')).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "name,amount\n'=1+1,-5.00\n\"Ana, B\",7\n");
    }
}
