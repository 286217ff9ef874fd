//! One function per command, each running the stages in order.
//!
//! The binary stays thin (parse arguments, print, exit); everything a command
//! does lives here so it can be called and tested as a library.

pub mod check;
pub mod claim;
pub mod deliver;
pub mod invoices;
pub mod letters;
pub mod mil_report;
pub mod notices;
pub mod remittances;
pub mod tax1099;

use std::path::{Path, PathBuf};

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
    /// Rendering a chunk panicked (a defect, never input).
    #[error("rendering chunk {chunk} ({documents}) failed: {message}")]
    WorkerPanic {
        /// The chunk.
        chunk: usize,
        /// Its documents: how many, the first and the last.
        documents: String,
        /// The panic's message.
        message: String,
    },
    /// The render threads could not be started.
    #[error("cannot start {threads} render threads")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file bundled with the program (or given with `--assets`) cannot be used.
    #[error("{file}: {message}")]
    Bundled {
        /// The file.
        file: String,
        /// What is wrong, with the key or line.
        message: String,
    },
    /// The state holidays of a year are not in the calendar.
    #[error("data/holidays-wa.toml has no year {year}: add the year's state holidays before checking its claims")]
    NoHolidays {
        /// The year.
        year: i32,
    },
    /// A file the run wrote does not read back as written.
    #[error("{file} does not read back: {message}")]
    ReadBack {
        /// The file in the run folder.
        file: String,
        /// What the reader said.
        message: String,
    },
    /// A CSV file of the run cannot be written.
    #[error("cannot write {file}")]
    Csv {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: csv::Error,
    },
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
