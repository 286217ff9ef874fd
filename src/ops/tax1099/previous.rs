//! The earlier run a 1099 correction run starts from (`--corrected-from`):
//! its filed returns, read from its reconciliation, with the full TINs read
//! back from its upload files and those of the runs it corrected in turn.

use std::path::{Path, PathBuf};

use super::{read, TaxError};
use crate::tax1099::iris::Layout;
use crate::tax1099::ledger::Previous;

/// The earlier run's filed returns, after checking it is a 1099 run of
/// `year`, with the full TINs filed read back from its upload files and
/// those of the runs it corrected in turn.
pub(super) fn previous(dir: &Path, year: i32, layout: &Layout) -> Result<Previous, TaxError> {
    let mut p = filed_state(dir, year)?;
    // The chain of runs, newest first; each run's upload files hold only
    // the returns it filed, so the older runs' TINs are read first.
    let mut chain = vec![dir.to_path_buf()];
    while let Some(older) = corrected_from(chain.last().map(PathBuf::as_path).unwrap_or(dir)) {
        if chain.len() > 50 || chain.contains(&older) {
            break;
        }
        chain.push(older);
    }
    for run in chain.iter().rev() {
        let folder = run.join("tax1099");
        let Ok(listing) = std::fs::read_dir(&folder) else { continue };
        let mut names: Vec<String> = listing
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("iris-1099nec-") && n.ends_with(".csv"))
            .collect();
        // Originals before corrections: a two-step correction's new TIN wins.
        names.sort_by_key(|n| (n.contains("-corrected-"), n.clone()));
        for name in names {
            let path = folder.join(&name);
            let bytes = std::fs::read(&path).map_err(|source| TaxError::Read { path: path.clone(), source })?;
            let tins = layout
                .filed_tins(&bytes)
                .map_err(|e| TaxError::NotPrevious { dir: run.clone(), reason: format!("tax1099/{name}: {e}") })?;
            for (account, tin) in tins {
                p.tins.insert(account, tin);
            }
        }
    }
    Ok(p)
}

/// The run an earlier 1099 run corrected, from its summary.
fn corrected_from(dir: &Path) -> Option<PathBuf> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).ok()?).ok()?;
    json.get("tax1099")?.get("corrected_from")?.as_str().map(PathBuf::from)
}

/// The earlier run's reconciliation, after checking it is a 1099 run of `year`.
fn filed_state(dir: &Path, year: i32) -> Result<Previous, TaxError> {
    let not = |reason: String| TaxError::NotPrevious { dir: dir.to_path_buf(), reason };
    let summary = std::fs::read_to_string(dir.join("summary.json")).map_err(|e| not(format!("no summary.json ({e})")))?;
    let json: serde_json::Value = serde_json::from_str(&summary).map_err(|e| not(format!("summary.json does not parse: {e}")))?;
    let run = json.get("run").and_then(|v| v.as_str()).unwrap_or_default();
    let period = json.get("period").and_then(|v| v.as_str()).unwrap_or_default();
    if run != "tax1099" || period != year.to_string() {
        return Err(not(format!("it is a {run} run of {period}, not a tax1099 run of {year}")));
    }
    let file = dir.join("tax1099").join("reconciliation.csv");
    Ok(Previous::parse(&read(&file)?, &file.display().to_string())?)
}
