//! State holidays and business days, from data.
//!
//! The holiday list lives in `data/holidays-wa.toml` (RCW 1.16.050, observed
//! dates by year) and is compiled into the binary, so a run never depends on
//! the machine it runs on. A date in a year that the file does not list is
//! reported as unknown rather than guessed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The bundled Washington holiday file.
pub const WASHINGTON_TOML: &str = include_str!("../data/holidays-wa.toml");

/// Observed state holidays by year.
#[derive(Debug, Clone)]
pub struct Holidays {
    /// Observed dates, listed under the year of the holiday (New Year's Day
    /// 2022 was observed on 2021-12-31).
    by_year: BTreeMap<i32, BTreeSet<NaiveDate>>,
    /// Every observed date.
    dates: BTreeSet<NaiveDate>,
    /// Each observed date's holiday, as the file names it.
    names: BTreeMap<NaiveDate, String>,
}

#[derive(Deserialize)]
struct File {
    year: Vec<Year>,
}

#[derive(Deserialize)]
struct Year {
    year: i32,
    holidays: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    date: NaiveDate,
    name: String,
}

/// A holiday file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Not valid TOML of the expected shape.
    #[error("the holiday file is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    /// A date listed under a year it cannot be observed in.
    #[error("the holiday file lists {date} under year {year}")]
    WrongYear {
        /// The listed date.
        date: NaiveDate,
        /// The year it was listed under.
        year: i32,
    },
}

impl Holidays {
    /// Parses a holiday file.
    pub fn parse(toml_text: &str) -> Result<Holidays, CalendarError> {
        let file: File = toml::from_str(toml_text)?;
        let mut by_year = BTreeMap::new();
        let mut dates = BTreeSet::new();
        let mut names = BTreeMap::new();
        for y in file.year {
            let set: &mut BTreeSet<NaiveDate> = by_year.entry(y.year).or_default();
            for h in y.holidays {
                // Observance moves a holiday by at most a day: only Jan 1 can
                // cross into the previous year.
                if (h.date.year() - y.year).abs() > 1 || (h.date.year() != y.year && h.date.ordinal() < 365) {
                    return Err(CalendarError::WrongYear { date: h.date, year: y.year });
                }
                set.insert(h.date);
                dates.insert(h.date);
                names.insert(h.date, h.name);
            }
        }
        Ok(Holidays { by_year, dates, names })
    }

    /// Washington's legal holidays, from the bundled file.
    pub fn washington() -> Holidays {
        // The bundled file is tested below; it cannot fail at run time.
        Holidays::parse(WASHINGTON_TOML).unwrap_or(Holidays { by_year: BTreeMap::new(), dates: BTreeSet::new(), names: BTreeMap::new() })
    }

    /// `Some(true)` when `date` is an observed state holiday, `None` when the
    /// file does not cover its year.
    pub fn is_holiday(&self, date: NaiveDate) -> Option<bool> {
        if self.dates.contains(&date) {
            return Some(true);
        }
        self.by_year.contains_key(&date.year()).then_some(false)
    }

    /// The observed holidays listed under `year`, in date order, with
    /// their names; `None` when the file does not cover the year.
    pub fn of_year(&self, year: i32) -> Option<Vec<(NaiveDate, &str)>> {
        let set = self.by_year.get(&year)?;
        Some(set.iter().map(|d| (*d, self.names.get(d).map_or("", String::as_str))).collect())
    }

    /// The years the file covers.
    pub fn years(&self) -> Vec<i32> {
        self.by_year.keys().copied().collect()
    }

    /// Whether `date` is a business day (a weekday that is not a holiday);
    /// `None` when the year is not covered.
    pub fn is_business_day(&self, date: NaiveDate) -> Option<bool> {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        self.is_holiday(date).map(|h| !h && !weekend)
    }

    /// `date` when it is a business day, else the next one. A year the file
    /// does not cover skips weekends only.
    pub fn business_day_on_or_after(&self, mut date: NaiveDate) -> NaiveDate {
        while !self.is_business_day(date).unwrap_or(!matches!(date.weekday(), Weekday::Sat | Weekday::Sun)) {
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bundled_file_parses_with_eleven_holidays_a_year() {
        let h = Holidays::parse(WASHINGTON_TOML).unwrap();
        for (year, set) in &h.by_year {
            assert_eq!(set.len(), 11, "year {year}");
        }
        assert!(h.by_year.contains_key(&2026) && h.by_year.contains_key(&2027));
        let y2026 = h.of_year(2026).unwrap();
        assert_eq!(y2026[0], (d("2026-01-01"), "New Year's Day"));
        assert!(y2026.contains(&(d("2026-11-27"), "Native American Heritage Day")));
        assert_eq!(h.of_year(2040), None);
    }

    #[test]
    fn observed_dates() {
        let h = Holidays::washington();
        assert_eq!(h.is_holiday(d("2026-07-03")), Some(true)); // July 4 2026 is a Saturday
        assert_eq!(h.is_holiday(d("2026-07-04")), Some(false));
        assert_eq!(h.is_holiday(d("2026-11-27")), Some(true)); // Native American Heritage Day
        assert_eq!(h.is_holiday(d("2027-06-18")), Some(true)); // Juneteenth 2027 is a Saturday
        assert_eq!(h.is_holiday(d("2022-12-26")), Some(true)); // Christmas 2022 is a Sunday
        assert_eq!(h.is_holiday(d("2040-01-01")), None);
        assert_eq!(h.is_holiday(d("2021-12-31")), Some(true)); // New Year's Day 2022, observed
        assert_eq!(h.is_business_day(d("2026-11-26")), Some(false));
        assert_eq!(h.is_business_day(d("2026-11-30")), Some(true));
        // Thanksgiving and Native American Heritage Day, then the weekend.
        assert_eq!(h.business_day_on_or_after(d("2026-11-26")), d("2026-11-30"));
        assert_eq!(h.business_day_on_or_after(d("2026-11-30")), d("2026-11-30"));
        assert_eq!(h.business_day_on_or_after(d("2040-01-07")), d("2040-01-09"));
        // not covered: weekends only
    }
}
