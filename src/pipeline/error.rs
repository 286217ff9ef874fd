//! Why a command could not run at all (exit 2): every cause named, with
//! its source chain; no catch-all.

use std::path::PathBuf;

use crate::load::LoadError;

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
        /// The chunk's name.
        chunk: String,
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
    /// A document whose addressee asks for a channel its kind may not take
    /// (a defect of the kind, never input).
    #[error("{kind} document {document} would go by {channel}, which {kind} documents may not take: nothing was run")]
    Channel {
        /// The kind.
        kind: crate::kind::Kind,
        /// The document.
        document: String,
        /// The channel's manifest word.
        channel: &'static str,
    },
    /// Rendering a chunk panicked (a defect, never input).
    #[error("rendering chunk {chunk} ({documents}) failed: {message}")]
    WorkerPanic {
        /// The chunk's name.
        chunk: String,
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
    /// The `--assets` folder cannot be used.
    #[error(transparent)]
    Assets(#[from] crate::assets::AssetsError),
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
    /// The registration codes' secret cannot be used.
    #[error(transparent)]
    Secret(#[from] crate::regcode::SecretError),
    /// The ACES letter catalog cannot be used.
    #[error(transparent)]
    Catalog(#[from] crate::texts::aces::CatalogError),
    /// The documents cannot be composed.
    #[error(transparent)]
    Remittance(#[from] crate::compose::remittance::RemittanceError),
    /// A kind's own error (the 1099 run's settings, its earlier run).
    #[error(transparent)]
    Kind(Box<dyn std::error::Error + Send + Sync>),
    /// `ssps deliver` was pointed at a journal that does not exist.
    #[error("there is no delivery journal at {0}: runs create it beside their --out folder (give --journal to choose another)")]
    NoJournal(PathBuf),
    /// A retry without SMTP settings.
    #[error("no SMTP server is configured: give --smtp FILE or set SSPS_SMTP_HOST (see docs/email.md)")]
    NoSmtp,
    /// The shard cannot be named, or the shards cannot be merged.
    #[error(transparent)]
    Shard(#[from] crate::shard::ShardError),
    /// A window of dates that ends before it starts.
    #[error("--from {from} is after --to {to}")]
    Window {
        /// First day.
        from: chrono::NaiveDate,
        /// Last day.
        to: chrono::NaiveDate,
    },
}
