//! Form 1099-NEC: what the January run reports and files.
//!
//! Here: the parameters that change by tax year (`data/tax1099.toml`: the
//! reporting threshold; the furnishing and filing deadline computed from
//! the calendar), the payer (`data/payer.toml`) and the statement's words
//! (`letters/tax1099.toml`). [`ledger`] sorts the year's payments into
//! returns and proves the sorting; [`iris`] writes the IRS upload files.
//!
//! A tax year the file does not list is an error naming the file, never a
//! guess: from 2027 the threshold is indexed for inflation and must be
//! entered from the IRS's figure.

pub mod iris;
pub mod ledger;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::calendar::Holidays;

/// The bundled parameters.
pub const TAX1099_TOML: &str = include_str!("../../data/tax1099.toml");

/// Why the parameters cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxYearError {
    /// The file does not parse, or a figure is not money.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The year is not in the file.
    #[error("{file} has no 1099-NEC threshold for tax year {year}; add the year's figure (from 2027 the IRS publishes it, indexed for inflation) and give the file with --tax-years, or rebuild with it in data/tax1099.toml")]
    NoYear {
        /// The file.
        file: String,
        /// The year.
        year: i32,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    year: Vec<Year>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Year {
    year: i32,
    threshold: String,
}

/// The parameters of every listed tax year.
#[derive(Debug, Clone)]
pub struct TaxYears {
    thresholds: BTreeMap<i32, Decimal>,
    file: String,
}

impl TaxYears {
    /// Parses a parameters file: each year once, each threshold money with
    /// at most two decimals and above zero.
    pub fn parse(text: &str, name: &str) -> Result<TaxYears, TaxYearError> {
        let err = |message: String| TaxYearError::Parse { file: name.to_string(), message };
        let file: File = toml::from_str(text).map_err(|e| err(e.message().trim().to_string()))?;
        let mut thresholds = BTreeMap::new();
        for y in file.year {
            let t: Decimal = y
                .threshold
                .parse()
                .map_err(|_| err(format!("tax year {}: threshold {:?} is not an amount like \"2000.00\"", y.year, y.threshold)))?;
            if t <= Decimal::ZERO || t.scale() > 2 {
                return Err(err(format!("tax year {}: threshold {} must be above zero, in cents", y.year, y.threshold)));
            }
            if thresholds.insert(y.year, t).is_some() {
                return Err(err(format!("tax year {} is listed twice", y.year)));
            }
        }
        Ok(TaxYears { thresholds, file: name.to_string() })
    }

    /// The bundled file (tested: it always parses).
    pub fn bundled() -> TaxYears {
        TaxYears::parse(TAX1099_TOML, "data/tax1099.toml").unwrap_or_else(|e| unreachable!("bundled tax years: {e}"))
    }

    /// The reporting threshold of `year`: report a payee paid at least this.
    pub fn threshold(&self, year: i32) -> Result<Decimal, TaxYearError> {
        self.thresholds.get(&year).copied().ok_or_else(|| TaxYearError::NoYear { file: self.file.clone(), year })
    }

    /// Whether a year's net payments are reported.
    pub fn reportable(&self, year: i32, net: Decimal) -> Result<bool, TaxYearError> {
        Ok(net >= self.threshold(year)?)
    }
}

/// The bundled payer.
pub const PAYER_TOML: &str = include_str!("../../data/payer.toml");

/// The words of the recipient statement.
pub const STATEMENT_TOML: &str = include_str!("../../letters/tax1099.toml");

/// Why the payer settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PayerError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PayerFile {
    confirmed: bool,
    name: String,
    name_line_2: String,
    street: Vec<String>,
    city: String,
    state: String,
    zip: String,
    phone: String,
    ein: String,
}

/// The payer printed on every statement and written into every return.
#[derive(Debug, Clone)]
pub struct Payer {
    /// Legal name.
    pub name: String,
    /// Second name line (the office), may be empty.
    pub name_line_2: String,
    /// One or two street lines.
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// State code.
    pub state: String,
    /// ZIP code.
    pub zip: String,
    /// Telephone number recipients call.
    pub phone: String,
    /// The payer's EIN: printed in full (truncation is for recipients).
    pub ein: crate::model::Tin,
    /// Staff confirmed these are the department's real figures (the
    /// bundled file holds placeholders).
    pub confirmed: bool,
}

impl Payer {
    /// Parses payer settings: every key present, one or two street lines,
    /// a nine-digit EIN, a ZIP code.
    pub fn parse(text: &str, file: &str) -> Result<Payer, PayerError> {
        let err = |message: String| PayerError { file: file.to_string(), message };
        let f: PayerFile = toml::from_str(text).map_err(|e| err(e.message().trim().to_string()))?;
        let ein = crate::model::Tin::parse(&f.ein, crate::model::TinType::Ein)
            .ok_or_else(|| err(format!("ein = {:?} is not nine digits like \"91-1234567\"", f.ein)))?;
        if f.street.is_empty() || f.street.len() > 2 {
            return Err(err(format!("street has {} lines; give one or two", f.street.len())));
        }
        for (key, v) in [("name", &f.name), ("city", &f.city), ("state", &f.state), ("zip", &f.zip), ("phone", &f.phone)] {
            if v.trim().is_empty() {
                return Err(err(format!("{key} is empty")));
            }
        }
        Ok(Payer {
            name: f.name,
            name_line_2: f.name_line_2,
            street: f.street,
            city: f.city,
            state: f.state,
            zip: f.zip,
            phone: f.phone,
            ein,
            confirmed: f.confirmed,
        })
    }

    /// The bundled payer (tested: it always parses).
    pub fn bundled() -> Payer {
        Payer::parse(PAYER_TOML, "data/payer.toml").unwrap_or_else(|e| unreachable!("bundled payer: {e}"))
    }

    /// The payer's block as printed: name lines, street, city line (the
    /// statement adds the telephone; at most six lines fit the window).
    pub fn lines(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        if !self.name_line_2.is_empty() {
            v.push(self.name_line_2.clone());
        }
        v.extend(self.street.iter().cloned());
        v.push(format!("{}, {} {}", self.city, self.state, self.zip));
        v
    }
}

/// The day Copy B must be furnished and the returns filed for `year`:
/// January 31 of the next year, or the next business day after a weekend
/// or holiday (IRC section 7503).
pub fn furnish_by(holidays: &Holidays, year: i32) -> NaiveDate {
    let jan31 = NaiveDate::from_ymd_opt(year + 1, 1, 31).unwrap_or(NaiveDate::MAX);
    holidays.business_day_on_or_after(jan31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn money(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn thresholds_at_their_edges() {
        let t = TaxYears::bundled();
        assert_eq!(t.threshold(2025).unwrap(), money("600.00"));
        assert!(!t.reportable(2025, money("599.99")).unwrap());
        assert!(t.reportable(2025, money("600.00")).unwrap());
        assert_eq!(t.threshold(2026).unwrap(), money("2000.00"));
        assert!(!t.reportable(2026, money("1999.99")).unwrap());
        assert!(t.reportable(2026, money("2000.00")).unwrap());
        assert_eq!(
            t.threshold(2027).unwrap_err().to_string(),
            "data/tax1099.toml has no 1099-NEC threshold for tax year 2027; add the year's figure (from 2027 the IRS publishes it, indexed for inflation) and give the file with --tax-years, or rebuild with it in data/tax1099.toml"
        );
    }

    #[test]
    fn the_file_is_checked() {
        let err = TaxYears::parse("[[year]]\nyear = 2026\nthreshold = \"2,000\"\n", "data/tax1099.toml").unwrap_err();
        assert_eq!(err.to_string(), "data/tax1099.toml: tax year 2026: threshold \"2,000\" is not an amount like \"2000.00\"");
        let err = TaxYears::parse("[[year]]\nyear = 2026\nthreshold = \"2000.001\"\n", "data/tax1099.toml").unwrap_err();
        assert_eq!(err.to_string(), "data/tax1099.toml: tax year 2026: threshold 2000.001 must be above zero, in cents");
        let twice = "[[year]]\nyear = 2026\nthreshold = \"2000.00\"\n[[year]]\nyear = 2026\nthreshold = \"600.00\"\n";
        assert_eq!(
            TaxYears::parse(twice, "data/tax1099.toml").unwrap_err().to_string(),
            "data/tax1099.toml: tax year 2026 is listed twice"
        );
    }

    #[test]
    fn the_payer_is_read_and_checked() {
        let p = Payer::bundled();
        assert_eq!(p.ein.formatted(), "91-0000000");
        assert_eq!(p.lines().last().unwrap(), "Olympia, WA 98504-5812");
        let bad = PAYER_TOML.replace("ein = \"91-0000000\"", "ein = \"91-00000\"");
        assert_eq!(
            Payer::parse(&bad, "p.toml").unwrap_err().to_string(),
            "p.toml: ein = \"91-00000\" is not nine digits like \"91-1234567\""
        );
        let extra = format!("{PAYER_TOML}\nfax = \"1\"\n");
        assert!(Payer::parse(&extra, "p.toml").unwrap_err().to_string().starts_with("p.toml: unknown field `fax`"));
    }

    #[test]
    fn the_deadline_moves_off_weekends() {
        let h = Holidays::washington();
        // January 31, 2027 is a Sunday; 2026's is a Saturday; 2024's a Wednesday.
        assert_eq!(furnish_by(&h, 2026), d("2027-02-01"));
        assert_eq!(furnish_by(&h, 2025), d("2026-02-02"));
        assert_eq!(furnish_by(&h, 2023), d("2024-01-31"));
    }
}
