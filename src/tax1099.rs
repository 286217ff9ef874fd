//! Form 1099-NEC parameters that change by tax year, from
//! `data/tax1099.toml`: the reporting threshold, and the furnishing and
//! filing deadline computed from the calendar.
//!
//! A tax year the file does not list is an error naming the file, never a
//! guess: from 2027 the threshold is indexed for inflation and must be
//! entered from the IRS's figure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::calendar::Holidays;

/// The bundled parameters.
pub const TAX1099_TOML: &str = include_str!("../data/tax1099.toml");

/// Why the parameters cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxYearError {
    /// The file does not parse, or a figure is not money.
    #[error("data/tax1099.toml: {0}")]
    Parse(String),
    /// The year is not in the file.
    #[error("data/tax1099.toml has no 1099-NEC threshold for tax year {0}; add the year's figure (from 2027 the IRS publishes it, indexed for inflation)")]
    NoYear(i32),
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
}

impl TaxYears {
    /// Parses a parameters file: each year once, each threshold money with
    /// at most two decimals and above zero.
    pub fn parse(text: &str) -> Result<TaxYears, TaxYearError> {
        let file: File = toml::from_str(text).map_err(|e| TaxYearError::Parse(e.message().trim().to_string()))?;
        let mut thresholds = BTreeMap::new();
        for y in file.year {
            let t: Decimal = y.threshold.parse().map_err(|_| {
                TaxYearError::Parse(format!("tax year {}: threshold {:?} is not an amount like \"2000.00\"", y.year, y.threshold))
            })?;
            if t <= Decimal::ZERO || t.scale() > 2 {
                return Err(TaxYearError::Parse(format!("tax year {}: threshold {} must be above zero, in cents", y.year, y.threshold)));
            }
            if thresholds.insert(y.year, t).is_some() {
                return Err(TaxYearError::Parse(format!("tax year {} is listed twice", y.year)));
            }
        }
        Ok(TaxYears { thresholds })
    }

    /// The bundled file (tested: it always parses).
    pub fn bundled() -> TaxYears {
        TaxYears::parse(TAX1099_TOML).unwrap_or_else(|e| unreachable!("bundled tax years: {e}"))
    }

    /// The reporting threshold of `year`: report a payee paid at least this.
    pub fn threshold(&self, year: i32) -> Result<Decimal, TaxYearError> {
        self.thresholds.get(&year).copied().ok_or(TaxYearError::NoYear(year))
    }

    /// Whether a year's net payments are reported.
    pub fn reportable(&self, year: i32, net: Decimal) -> Result<bool, TaxYearError> {
        Ok(net >= self.threshold(year)?)
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
            "data/tax1099.toml has no 1099-NEC threshold for tax year 2027; add the year's figure (from 2027 the IRS publishes it, indexed for inflation)"
        );
    }

    #[test]
    fn the_file_is_checked() {
        let err = TaxYears::parse("[[year]]\nyear = 2026\nthreshold = \"2,000\"\n").unwrap_err();
        assert_eq!(err.to_string(), "data/tax1099.toml: tax year 2026: threshold \"2,000\" is not an amount like \"2000.00\"");
        let err = TaxYears::parse("[[year]]\nyear = 2026\nthreshold = \"2000.001\"\n").unwrap_err();
        assert_eq!(err.to_string(), "data/tax1099.toml: tax year 2026: threshold 2000.001 must be above zero, in cents");
        let twice = "[[year]]\nyear = 2026\nthreshold = \"2000.00\"\n[[year]]\nyear = 2026\nthreshold = \"600.00\"\n";
        assert_eq!(TaxYears::parse(twice).unwrap_err().to_string(), "data/tax1099.toml: tax year 2026 is listed twice");
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
