//! `ssps check`: validate an extract folder and report every problem.

use std::path::Path;

use serde::Serialize;

use super::{read_extract_with, OpError, Outcome};
use crate::problem::Problem;
use crate::validate::FileCounts;

/// The result of a check, printable as text or JSON.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The folder checked.
    pub data: String,
    /// Rows per file: present, read, accepted, rejected.
    pub files: std::collections::BTreeMap<&'static str, FileCounts>,
    /// Records rejected.
    pub rejected: usize,
    /// Errors found (a record may have several).
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// Records whose address cannot be mailed (they are kept).
    pub unmailable: usize,
    /// Every problem.
    pub problems: Vec<Problem>,
}

impl CheckReport {
    /// 0 when there is nothing to act on, 1 when something was rejected or
    /// an address cannot be mailed.
    pub fn outcome(&self) -> Outcome {
        if self.errors == 0 && self.unmailable == 0 {
            Outcome::Clean
        } else {
            Outcome::Rejected
        }
    }
}

/// Validates `dir`, including whether the letter catalog can explain every
/// SSP event's reason code (as `ssps letters` would reject it).
pub fn check(dir: &Path) -> Result<CheckReport, OpError> {
    check_with(dir, &crate::assets::Assets::default())
}

/// [`check`] with the holidays and the letter catalog of `assets` (the
/// staff's `--assets` overrides), as a run given the same folder reads them.
pub fn check_with(dir: &Path, assets: &crate::assets::Assets) -> Result<CheckReport, OpError> {
    let mut v = read_extract_with(dir, &crate::pipeline::holidays(assets)?)?;
    let catalog = crate::texts::aces::Catalog::parse(assets.text("letters/aces.toml"))?;
    let unexplained = crate::compose::letter::unexplained(&v.extract, &catalog);
    super::letters::reject(&mut v, unexplained);
    let errors = v.errors().count();
    let unmailable_problems = v.problems.iter().filter(|p| p.severity == crate::problem::Severity::Unmailable).count();
    let unmailable = crate::problem::unmailable_records(&v.problems);
    let warnings = v.problems.len() - errors - unmailable_problems;
    let rejected = v.counts.values().map(|c| c.rejected).sum::<usize>();
    Ok(CheckReport { data: dir.display().to_string(), files: v.counts, rejected, errors, warnings, unmailable, problems: v.problems })
}
