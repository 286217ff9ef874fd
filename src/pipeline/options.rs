//! What every run is given and how it ends: the options shared by the
//! document runs, the outcome as an exit status, reading the extract.

use std::path::{Path, PathBuf};

use super::OpError;
use crate::calendar::Holidays;
use crate::load::{self, LoadError};
use crate::validate::{self, Validated};

/// How a command ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was read and produced: exit 0.
    Clean,
    /// The command finished, but some records were rejected: exit 1.
    Rejected,
}

impl Outcome {
    /// The exit status: 0 clean, 1 records rejected (2 is used for errors
    /// that stop a command, see `main.rs`).
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Rejected => 1,
        }
    }
}

/// Loads and validates an extract folder (with the bundled holidays).
pub fn read_extract(dir: &Path) -> Result<Validated, LoadError> {
    read_extract_with(dir, &Holidays::washington())
}

/// Loads and validates an extract folder with these state holidays.
pub fn read_extract_with(dir: &Path, holidays: &Holidays) -> Result<Validated, LoadError> {
    let loaded = load::load_folder(dir)?;
    Ok(validate::validate(loaded, holidays))
}

/// What every document run takes besides its own arguments.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The extract folder.
    pub data: PathBuf,
    /// The run folder to (re)place.
    pub out: PathBuf,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Mail settings file (default: the bundled `data/mail.toml`).
    pub mail_config: Option<PathBuf>,
    /// SMTP settings file (else `SSPS_SMTP_*` variables; else email waits
    /// in the journal).
    pub smtp: Option<PathBuf>,
    /// Write the email messages as `.eml` files in the run folder instead
    /// of queuing and sending them.
    pub dry_run: bool,
    /// The delivery journal (default: `ssps-delivery.sqlite` beside the run
    /// folder).
    pub journal: Option<PathBuf>,
    /// Templates, texts and data files: the embedded set, or with the
    /// staff's overrides (`--assets DIR`).
    pub assets: crate::assets::Assets,
    /// The whole run, one shard of it, or the merge of its shards.
    pub split: crate::shard::Split,
}

impl RunOptions {
    /// The delivery journal's path.
    pub fn journal_path(&self) -> PathBuf {
        journal_beside(&self.out, self.journal.as_deref())
    }

    /// The state holidays (`data/holidays-wa.toml`).
    pub fn holidays(&self) -> Result<Holidays, OpError> {
        holidays(&self.assets)
    }

    /// The mail settings.
    pub fn mail_config(&self) -> Result<crate::mail::MailConfig, OpError> {
        self.assets.only_one("data/mail.toml", "--mail-config", self.mail_config.is_some())?;
        Ok(match &self.mail_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| crate::mail::MailConfigError::Parse { file: path.display().to_string(), message: e.to_string() })?;
                crate::mail::MailConfig::parse(&text, &path.display().to_string())?
            }
            None => crate::mail::MailConfig::parse(self.assets.text("data/mail.toml"), "data/mail.toml")?,
        })
    }
}

/// The journal given, or `ssps-delivery.sqlite` in the folder that holds `out`.
pub fn journal_beside(out: &Path, given: Option<&Path>) -> PathBuf {
    given.map(Path::to_path_buf).unwrap_or_else(|| {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        parent.join(crate::delivery::DEFAULT_NAME)
    })
}

/// Checks that `files` are present and readable for making `what`.
pub fn require(v: &Validated, dir: &Path, what: &'static str, files: &[&'static str]) -> Result<(), OpError> {
    for file in files {
        let c = v.counts.get(file);
        let state = match c {
            Some(c) if c.usable => continue,
            Some(c) if c.present => "unusable (see the problems above)",
            _ => "not present",
        };
        return Err(OpError::MissingFile { what, file, state, dir: dir.to_path_buf() });
    }
    Ok(())
}

/// The state holidays of `assets` (`data/holidays-wa.toml`).
pub fn holidays(assets: &crate::assets::Assets) -> Result<Holidays, OpError> {
    Holidays::parse(assets.text("data/holidays-wa.toml"))
        .map_err(|e| OpError::Bundled { file: "data/holidays-wa.toml".into(), message: e.to_string() })
}
