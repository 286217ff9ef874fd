//! One function per command, each running the stages in order.
//!
//! The binary stays thin (parse arguments, print, exit); everything a command
//! does lives here so it can be called and tested as a library.

pub mod check;
pub mod claim;
pub mod deliver;
pub mod invoices;
pub mod letters;
pub mod notices;
pub mod produce;
pub mod remittances;
pub mod tax1099;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::calendar::Holidays;
use crate::load::{self, LoadError};
use crate::validate::{self, FileCounts, Validated};

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

/// Loads and validates an extract folder.
pub fn read_extract(dir: &Path) -> Result<Validated, LoadError> {
    let loaded = load::load_folder(dir)?;
    Ok(validate::validate(loaded, &Holidays::washington()))
}

/// A command that could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The extract folder could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A file the command needs is absent or unusable.
    #[error("cannot make {what}: {file} is {state} in {dir}")]
    MissingFile {
        /// What the command makes.
        what: &'static str,
        /// The file.
        file: &'static str,
        /// `not present` or `unusable (see the problems above)`.
        state: &'static str,
        /// The extract folder.
        dir: PathBuf,
    },
    /// Rendering failed (a template or font defect, not an input problem).
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// A channel could not write.
    #[error(transparent)]
    Route(#[from] crate::route::RouteError),
    /// The run folder could not be written.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// A PDF produced by the renderer could not be cut.
    #[error("cannot cut the rendered chunk {chunk}")]
    Cut {
        /// Chunk number.
        chunk: usize,
        /// The cause.
        #[source]
        source: crate::pdfcut::PdfCutError,
    },
    /// Input amounts too large to add up (impossible within the format's
    /// bounds; an error, never a panic).
    #[error(transparent)]
    Overflow(#[from] crate::money::Overflow),
    /// The run's own accounting does not balance: a defect, never hidden.
    #[error("the run does not balance: {0}")]
    Unbalanced(String),
    /// Barcode fields that break USPS-B-3200.
    #[error("cannot make the barcode: {0}")]
    Barcode(crate::imb::ImbError),
    /// The mail settings cannot be used.
    #[error(transparent)]
    MailConfig(#[from] crate::mail::MailConfigError),
    /// The mailing cannot be planned.
    #[error("cannot plan the mailing")]
    MailPlan(#[from] crate::mail::PlanError),
    /// The synthetic extract could not be written.
    #[error(transparent)]
    Sample(#[from] crate::sample::SampleError),
    /// SMTP settings cannot be used.
    #[error(transparent)]
    Smtp(#[from] crate::email::SmtpSettingsError),
    /// An email message cannot be made.
    #[error("cannot make the email to payee {payee}")]
    Message {
        /// The payee.
        payee: String,
        /// The cause.
        #[source]
        source: crate::email::MessageError,
    },
    /// The delivery journal cannot be used.
    #[error(transparent)]
    Delivery(#[from] crate::delivery::DeliveryError),
    /// The document texts cannot be used.
    #[error(transparent)]
    Texts(#[from] crate::texts::TextsError),
    /// The ACES letter catalog cannot be used.
    #[error(transparent)]
    Catalog(#[from] crate::texts::aces::CatalogError),
    /// The documents cannot be composed.
    #[error(transparent)]
    Remittance(#[from] crate::compose::remittance::RemittanceError),
    /// The 1099 run cannot start.
    #[error(transparent)]
    Tax(Box<tax1099::TaxError>),
    /// `ssps deliver` was pointed at a journal that does not exist.
    #[error("there is no delivery journal at {0}: runs create it beside their --out folder (give --journal to choose another)")]
    NoJournal(PathBuf),
    /// A retry without SMTP settings.
    #[error("no SMTP server is configured: give --smtp FILE or set SSPS_SMTP_HOST (see docs/email.md)")]
    NoSmtp,
    /// A window of dates that ends before it starts.
    #[error("--from {from} is after --to {to}")]
    Window {
        /// First day.
        from: chrono::NaiveDate,
        /// Last day.
        to: chrono::NaiveDate,
    },
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
}

impl RunOptions {
    /// The delivery journal's path.
    pub fn journal_path(&self) -> PathBuf {
        journal_beside(&self.out, self.journal.as_deref())
    }

    /// The mail settings.
    pub fn mail_config(&self) -> Result<crate::mail::MailConfig, OpError> {
        Ok(match &self.mail_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| crate::mail::MailConfigError::Parse { file: path.display().to_string(), message: e.to_string() })?;
                crate::mail::MailConfig::parse(&text, &path.display().to_string())?
            }
            None => crate::mail::MailConfig::default_config(),
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

/// `summary.json` of every document run.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `invoices`, `remittances`, `notices`.
    pub run: &'static str,
    /// The service month (`2026-10`) or the window (`2026-10-01..2026-10-31`).
    pub period: String,
    /// Documents produced.
    pub documents: usize,
    /// Pages of all documents (blank backs not counted).
    pub pages: usize,
    /// Lines listed.
    pub lines: usize,
    /// Sum of the documents' amounts (authorized for invoices and notices,
    /// paid for remittance advices).
    pub total_amount: String,
    /// Documents per channel.
    pub channels: BTreeMap<&'static str, usize>,
    /// The print job (also `print/job.json`).
    pub print: crate::route::PrintReport,
    /// The email composed for this run.
    pub email: produce::EmailReport,
    /// Per-payee download archives.
    pub download_archives: usize,
    /// Records rejected, all files.
    pub rejected_records: usize,
    /// Problems that reject (a record can have several).
    pub errors: usize,
    /// Records whose address cannot be mailed.
    pub unmailable: usize,
    /// Warnings (nothing rejected).
    pub warnings: usize,
    /// Per file: rows read, accepted, rejected.
    pub files: BTreeMap<&'static str, FileCounts>,
    /// The accounting proof, each check with the figures it compared.
    pub checks: Vec<produce::Check>,
    /// Letters runs: terminations and reductions checked for ten days'
    /// advance notice, and those that fall short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advance_notice: Option<crate::compose::letter::AdvanceNotice>,
    /// 1099 runs: the year, the threshold, the deadline, the reconciliation
    /// and the upload files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax1099: Option<tax1099::TaxSummary>,
    /// Wall-clock seconds the run took (the only value that changes between
    /// identical runs).
    pub seconds: f64,
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
