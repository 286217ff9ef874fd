//! Cell-level parsing and checks: one row's cells read as identifiers,
//! dates, months, amounts and units (within their bounds), codes, Y/N
//! flags and addresses, each broken rule collected as a [`Problem`] on the
//! row ([`Cells`]); and the value lists and shapes those checks use
//! (format decimals, ZIP codes, email addresses, USPS states, Washington's
//! counties). Nothing here looks at another row or another file.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::load::{FileSpec, RawRow};
use crate::model::{Address, Identifier, Month};
use crate::money::Quantity;
use crate::problem::{mask_tin, Problem};

/// Typed access to one row's cells, collecting every problem.
pub(super) struct Cells<'a> {
    pub(super) spec: &'static FileSpec,
    pub(super) row: &'a RawRow,
    pub(super) problems: Vec<Problem>,
}

impl<'a> Cells<'a> {
    pub(super) fn new(spec: &'static FileSpec, row: &'a RawRow) -> Cells<'a> {
        Cells { spec, row, problems: row.problems.clone() }
    }

    pub(super) fn raw(&self, col: &str) -> Option<&'a str> {
        self.row.cells[self.spec.col(col)].as_deref()
    }

    /// Whether loading already refused this cell (a control character, a
    /// TIN-shaped value): it reads as empty, but it was not left blank.
    pub(super) fn refused(&self, col: &str) -> bool {
        self.row.problems.iter().any(|p| p.column.as_deref() == Some(col))
    }

    pub(super) fn fail(&mut self, col: &str, value: Option<&str>, rule: impl Into<String>) {
        let shown = if col == "tin" { value.map(mask_tin) } else { value.map(str::to_string) };
        self.problems.push(Problem::error(self.spec.name, Some(self.row.line), Some(col), shown.as_deref(), rule));
    }

    /// A broken rule about a cell whose value is not echoed (too long to).
    pub(super) fn fail_withheld(&mut self, col: &str, rule: impl Into<String>) {
        self.problems.push(Problem::error(self.spec.name, Some(self.row.line), Some(col), None, rule).withheld());
    }

    /// A required cell; reports when empty (unless a load problem already
    /// explains why it is empty).
    pub(super) fn required(&mut self, col: &str) -> Option<&'a str> {
        let v = self.raw(col);
        if v.is_none() && !self.problems.iter().any(|p| p.column.as_deref() == Some(col)) {
            self.fail(col, None, "is required");
        }
        v
    }

    pub(super) fn text(&mut self, col: &str) -> Option<String> {
        self.required(col).map(str::to_string)
    }

    pub(super) fn opt_text(&self, col: &str) -> Option<String> {
        self.raw(col).map(str::to_string)
    }

    fn check_id<T: Identifier>(&mut self, col: &str, v: &str) -> Option<T> {
        let id = T::parse(v);
        if id.is_none() {
            self.fail(col, Some(v), "an identifier is 1 to 20 letters, digits or hyphens (no spaces or other signs)");
        }
        id
    }

    /// An identifier of the role `T` its column has (every role has
    /// [`crate::model::Id`]'s rule and message).
    pub(super) fn id<T: Identifier>(&mut self, col: &str) -> Option<T> {
        let v = self.required(col)?;
        self.check_id(col, v)
    }

    pub(super) fn opt_id<T: Identifier>(&mut self, col: &str) -> Result<Option<T>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.check_id(col, v).map(Some).ok_or(()),
        }
    }

    fn parse_date(&mut self, col: &str, v: &str) -> Option<NaiveDate> {
        let b = v.as_bytes();
        let shaped = b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        let d = if shaped { NaiveDate::parse_from_str(v, "%Y-%m-%d").ok() } else { None };
        if d.is_none() {
            if shaped {
                self.fail(col, Some(v), "is not a real calendar date");
            } else {
                self.fail(col, Some(v), "a date is written YYYY-MM-DD, like 2026-10-31");
            }
        }
        d
    }

    pub(super) fn date(&mut self, col: &str) -> Option<NaiveDate> {
        let v = self.required(col)?;
        self.parse_date(col, v)
    }

    pub(super) fn opt_date(&mut self, col: &str) -> Result<Option<NaiveDate>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.parse_date(col, v).map(Some).ok_or(()),
        }
    }

    pub(super) fn month(&mut self, col: &str) -> Option<Month> {
        let v = self.required(col)?;
        let m = Month::parse(v);
        if m.is_none() {
            self.fail(col, Some(v), "a month is written YYYY-MM, like 2026-10");
        }
        m
    }

    fn parse_decimal(&mut self, col: &str, v: &str, negative_ok: bool, kind: Quantity) -> Option<Decimal> {
        let d = parse_amount(v);
        match d {
            None => {
                self.fail(col, Some(v), kind.rule());
                None
            }
            Some(d) if d.is_sign_negative() && !d.is_zero() && !negative_ok => {
                self.fail(col, Some(v), "may not be negative");
                None
            }
            Some(d) if d.abs() > kind.max() => {
                self.fail(col, Some(v), kind.too_large());
                None
            }
            Some(d) => Some(d),
        }
    }

    /// Money or units: never negative unless `negative_ok`.
    pub(super) fn decimal(&mut self, col: &str, negative_ok: bool, kind: Quantity) -> Option<Decimal> {
        let v = self.required(col)?;
        self.parse_decimal(col, v, negative_ok, kind)
    }

    pub(super) fn opt_decimal(&mut self, col: &str, negative_ok: bool, kind: Quantity) -> Result<Option<Decimal>, ()> {
        match self.raw(col) {
            None => Ok(None),
            Some(v) => self.parse_decimal(col, v, negative_ok, kind).map(Some).ok_or(()),
        }
    }

    pub(super) fn code<T>(&mut self, col: &str, parse: fn(&str) -> Option<T>, expected: String) -> Option<T> {
        let v = self.required(col)?;
        let c = parse(v);
        if c.is_none() {
            self.fail(col, Some(v), format!("must be {expected}"));
        }
        c
    }

    pub(super) fn opt_code<T>(&mut self, col: &str, parse: fn(&str) -> Option<T>, expected: String, default: T) -> Option<T> {
        match self.raw(col) {
            None => Some(default),
            Some(v) => {
                let c = parse(v);
                if c.is_none() {
                    self.fail(col, Some(v), format!("must be {expected} (or empty)"));
                }
                c
            }
        }
    }

    pub(super) fn flag(&mut self, col: &str, default: bool) -> Option<bool> {
        match self.raw(col) {
            None => Some(default),
            Some("Y") => Some(true),
            Some("N") => Some(false),
            Some(v) => {
                self.fail(col, Some(v), "must be Y or N (or empty)");
                None
            }
        }
    }

    /// Address columns; `required` for payees, optional for clients (but
    /// one that is given must be whole). An address that is missing a part
    /// or has a malformed state or ZIP does not reject the record: it is
    /// kept as given, marked not mailable, and reported as `unmailable`
    /// naming `recipient` and the field, so the record's documents are still
    /// made (for download) and the mailroom knows what to fix.
    pub(super) fn address(&mut self, required: bool, recipient: Option<&str>, consequence: &str) -> Option<Address> {
        let cols = ["address_line1", "address_line2", "city", "state", "zip"];
        if !required && !cols.iter().any(|c| self.raw(c).is_some()) {
            return None;
        }
        let to = recipient.map_or_else(String::new, |r| format!(" to {r}"));
        let consequence = format!("the address cannot be mailed{to}; {consequence}");
        let mut mailable = true;
        let mut part = |this: &mut Self, col: &str, ok: fn(&str) -> bool, rule: &str| -> String {
            let v = this.raw(col);
            let fine = v.is_some_and(ok);
            if !fine {
                mailable = false;
                let rule = match v {
                    None => format!("is required: {consequence}"),
                    Some(_) => format!("{rule}: {consequence}"),
                };
                this.problems.push(Problem::unmailable(this.spec.name, Some(this.row.line), Some(col), v, rule));
            }
            // A value shaped like a TIN is never kept for a document (a
            // shifted column); the problem shows it masked.
            let v = v.filter(|v| fine || !crate::load::holds_tin(v, false));
            v.unwrap_or("").to_string()
        };
        let line1 = part(self, "address_line1", |_| true, "");
        let city = part(self, "city", |_| true, "");
        let state = part(self, "state", |s| USPS_STATES.contains(&s), "must be a two-letter USPS state code in capitals, like WA");
        let zip = part(self, "zip", valid_zip, "a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923");
        Some(Address { line1, line2: self.opt_text("address_line2"), city, state, zip, mailable })
    }

    pub(super) fn ok(&self) -> bool {
        !self.problems.iter().any(Problem::is_error)
    }
}

/// Parses a format decimal: optional `-`, digits, optional `.` and 1–2 digits.
pub fn parse_amount(v: &str) -> Option<Decimal> {
    let body = v.strip_prefix('-').unwrap_or(v);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int_ok = !int.is_empty() && int.len() <= 15 && int.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = frac.is_none_or(|f| (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()));
    if !(int_ok && frac_ok) {
        return None;
    }
    v.parse::<Decimal>().ok()
}

fn valid_zip(z: &str) -> bool {
    let b = z.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (b.len() == 5 && digits(b)) || (b.len() == 10 && digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]))
}

pub(super) fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '"'))
        && !domain.contains('@')
}

/// USPS state and territory codes, including military (AA, AE, AP).
const USPS_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA",
    "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX",
    "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// Washington's 39 counties (provider county decides the subsidy region).
pub const WA_COUNTIES: &[&str] = &[
    "Adams",
    "Asotin",
    "Benton",
    "Chelan",
    "Clallam",
    "Clark",
    "Columbia",
    "Cowlitz",
    "Douglas",
    "Ferry",
    "Franklin",
    "Garfield",
    "Grant",
    "Grays Harbor",
    "Island",
    "Jefferson",
    "King",
    "Kitsap",
    "Kittitas",
    "Klickitat",
    "Lewis",
    "Lincoln",
    "Mason",
    "Okanogan",
    "Pacific",
    "Pend Oreille",
    "Pierce",
    "San Juan",
    "Skagit",
    "Skamania",
    "Snohomish",
    "Spokane",
    "Stevens",
    "Thurston",
    "Wahkiakum",
    "Walla Walla",
    "Whatcom",
    "Whitman",
    "Yakima",
];
