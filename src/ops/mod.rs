//! One function per command, each running the stages in order.
//!
//! The binary stays thin (parse arguments, print, exit); everything a command
//! does lives here so it can be called and tested as a library.

pub mod check;
pub mod invoices;

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
