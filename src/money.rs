//! Money arithmetic on input values: bounds and checked sums.
//!
//! Every amount, rate and count of units read from an extract is bounded by
//! validation ([`Quantity::max`], documented in `docs/records.md`), so a
//! product of units and rate is at most about 10^10 and no sum a run can
//! hold in memory comes near `Decimal`'s 7.9 × 10^28. That is the proof;
//! this module is the belt to its braces: products and sums of input values
//! go through [`checked_mul`] and [`CheckedSum`], and an overflow becomes
//! an [`Overflow`] error naming the records, which stops the run with exit
//! 2. `Decimal`'s own operators panic on overflow whatever the build's
//! `overflow-checks` setting, so nothing here relies on it.

use rust_decimal::Decimal;

/// What kind of number a column holds, and so its bounds and its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// A payment or line amount, an SSP monthly amount.
    Money,
    /// A rate per unit, a co-payment.
    Rate,
    /// A count of units (days, hours, months), hours in a day.
    Units,
}

impl Quantity {
    /// The largest value (in magnitude) the record format accepts.
    pub fn max(self) -> Decimal {
        match self {
            Quantity::Money => Decimal::new(9_999_999_999, 2), // 99,999,999.99
            Quantity::Rate => Decimal::new(9_999_999, 2),      // 99,999.99
            Quantity::Units => Decimal::new(9_999_999, 2),     // 99,999.99
        }
    }

    /// The format rule, in the words of the rejects report.
    pub fn rule(self) -> &'static str {
        match self {
            Quantity::Money | Quantity::Rate => {
                "must be an amount with at most 2 decimals, no currency sign and no thousands separator, like 1234.50"
            }
            Quantity::Units => "must be a number of units with at most 2 decimals, like 22 or 7.5",
        }
    }

    /// The rule for a value past [`Quantity::max`].
    pub fn too_large(self) -> String {
        let what = match self {
            Quantity::Money => "an amount",
            Quantity::Rate => "a rate",
            Quantity::Units => "a number of units",
        };
        format!("is larger than the record format allows for {what} (at most {}); check the value", printed(self.max()))
    }
}

/// A product or sum of input values too large to hold: a run error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the amounts of {what} are too large to add up; check them against the record format's limits (docs/records.md)")]
pub struct Overflow {
    /// The records or total concerned, in words (`authorization line
    /// 1000004007 (authorizations.csv line 2)`).
    pub what: String,
}

impl Overflow {
    /// An overflow in `what`.
    pub fn new(what: impl Into<String>) -> Overflow {
        Overflow { what: what.into() }
    }
}

/// `a × b`, or `None` when it does not fit.
pub fn checked_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

/// Sums that say when they overflow instead of panicking.
pub trait CheckedSum {
    /// The sum, or `None` on overflow.
    fn checked_sum(self) -> Option<Decimal>;
    /// The sum, or an [`Overflow`] naming `what`.
    fn sum_or(self, what: impl FnOnce() -> String) -> Result<Decimal, Overflow>;
}

impl<I: Iterator<Item = Decimal>> CheckedSum for I {
    fn checked_sum(mut self) -> Option<Decimal> {
        self.try_fold(Decimal::ZERO, |acc, d| acc.checked_add(d))
    }

    fn sum_or(self, what: impl FnOnce() -> String) -> Result<Decimal, Overflow> {
        self.checked_sum().ok_or_else(|| Overflow::new(what()))
    }
}

/// An amount as machine files write it: a plain decimal with two places
/// (`7188.40`, `-12.00`), no thousands separator (the printed format,
/// `7,188.40`, belongs on documents and screens).
pub fn plain(d: Decimal) -> String {
    // Rounded as the printed amount is (half to even), never cut.
    format!("{:.2}", d.round_dp(2))
}

/// Serializes an amount into a CSV file as [`plain`] text.
pub fn csv<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&plain(*d))
}

/// Serializes an amount into JSON as a number token written exactly
/// (`7188.40`, never through a float), for `summary.json`, `job.json` and
/// the `--json` outputs.
pub fn json<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    let raw = serde_json::value::RawValue::from_string(plain(*d)).map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

/// Money as printed on documents and screens: thousands separators, two
/// decimals (`1,234.50`, `-5.00`).
pub fn printed(d: Decimal) -> String {
    let d = d.round_dp(2);
    let s = format!("{:.2}", d.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

/// [`json`] for an optional amount (`null` when absent).
pub fn json_opt<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => json(d, s),
        None => s.serialize_none(),
    }
}

/// Serializes a count of units or hours into JSON as an exact number token
/// without trailing zeros (`22`, `7.5`).
pub fn json_units<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    let raw = serde_json::value::RawValue::from_string(d.normalize().to_string()).map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

/// [`json_units`] for optional units (`null` when absent).
pub fn json_units_opt<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => json_units(d, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn machine_and_printed_amounts_round_alike_with_two_places() {
        for (d, plain_text, printed_text) in [
            ("7188.4", "7188.40", "7,188.40"),
            ("1.005", "1.00", "1.00"),
            ("1.015", "1.02", "1.02"),
            ("1.999", "2.00", "2.00"),
            ("-12", "-12.00", "-12.00"),
        ] {
            let d: Decimal = d.parse().unwrap();
            assert_eq!((super::plain(d).as_str(), super::printed(d).as_str()), (plain_text, printed_text));
        }
    }

    use super::*;

    #[test]
    fn sums_that_do_not_fit_are_errors_not_panics() {
        let big = Decimal::MAX;
        assert_eq!([big, Decimal::ONE].into_iter().checked_sum(), None);
        let err = [big, big].into_iter().sum_or(|| "invoice 300A-261101".into()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the amounts of invoice 300A-261101 are too large to add up; check them against the record format's limits (docs/records.md)"
        );
        assert_eq!(checked_mul(big, Decimal::TWO), None);
    }

    #[test]
    fn the_bounds_keep_every_sum_in_range() {
        // The largest line (units × rate at their bounds) times a billion
        // lines still fits: no run can overflow on validated input.
        let line = checked_mul(Quantity::Units.max(), Quantity::Rate.max()).unwrap();
        assert_eq!(line.to_string(), "9999998000.0001");
        let many = checked_mul(line, Decimal::from(1_000_000_000u64)).unwrap();
        assert!(many.checked_add(many).is_some());
        let amounts = checked_mul(Quantity::Money.max(), Decimal::from(1_000_000_000u64)).unwrap();
        assert!(amounts.checked_add(amounts).is_some());
    }
}
