//! The accounting checks of a run: figures from the input compared with
//! figures found in the output, as typed values (counts, amounts, yes/no),
//! never as printed text. A run with a failed check stops before its
//! folder is committed ([`require_balanced`]).

use rust_decimal::Decimal;
use serde::Serialize;

use super::OpError;
use crate::compose::Document;

/// One figure of a check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    /// A number of things.
    Count(usize),
    /// An amount of money (a plain decimal number in `summary.json`).
    Amount(#[serde(serialize_with = "crate::money::json")] Decimal),
    /// Whether something holds.
    Holds(bool),
}

impl From<usize> for Figure {
    fn from(n: usize) -> Figure {
        Figure::Count(n)
    }
}

impl From<Decimal> for Figure {
    fn from(d: Decimal) -> Figure {
        Figure::Amount(d)
    }
}

impl From<bool> for Figure {
    fn from(b: bool) -> Figure {
        Figure::Holds(b)
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Count(n) => write!(f, "{n}"),
            Figure::Amount(d) => f.write_str(&crate::compose::money(*d)),
            Figure::Holds(b) => write!(f, "{b}"),
        }
    }
}

/// One accounting check of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was compared.
    pub name: String,
    /// Expected figure (from the input).
    pub expected: Figure,
    /// Figure found in the output.
    pub found: Figure,
    /// Whether they agree (amounts compare by value: `5.0` = `5.00`).
    pub ok: bool,
}

impl Check {
    /// A comparison of two figures of the same sort.
    pub fn new(name: impl Into<String>, expected: impl Into<Figure>, found: impl Into<Figure>) -> Check {
        let (expected, found) = (expected.into(), found.into());
        Check { ok: expected == found, name: name.into(), expected, found }
    }
}

/// Fails the run when any check does not hold, naming every failed check
/// with its figures.
pub fn require_balanced(checks: &[Check]) -> Result<(), OpError> {
    let failed: Vec<String> =
        checks.iter().filter(|c| !c.ok).map(|c| format!("{}: expected {}, found {}", c.name, c.expected, c.found)).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(OpError::Unbalanced(failed.join("; ")))
    }
}

/// The extract's accounting proof as checks, one per file and figure
/// ([`crate::validate::accounting`]): a run whose records do not add up
/// fails.
pub fn record_checks(v: &crate::validate::Validated) -> Vec<Check> {
    crate::validate::accounting(v)
        .into_iter()
        .filter(|b| v.counts.get(b.file).is_some_and(|c| c.present))
        .map(|b| Check::new(format!("{}: {}", b.file, b.what), b.expected, b.found))
        .collect()
}

/// The sum of the documents' amounts, checked.
pub fn total<D: Document>(docs: &[D]) -> Result<Decimal, crate::money::Overflow> {
    use crate::money::CheckedSum;
    docs.iter().map(Document::amount).sum_or(|| "the documents' amounts".to_string())
}
