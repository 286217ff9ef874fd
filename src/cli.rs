//! Command-line arguments (clap derive): the doc comments are the help.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use ssps::model::Month;
use ssps::portal::database::Database;

/// The SSPS document pipeline: extracts in, print-ready documents out.
///
/// Exit status: 0 all done, 1 finished but something needs action (rejected records, unmailable addresses, email not delivered), 2 could not run.
#[derive(Debug, Parser)]
#[command(name = "ssps", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an extract folder and print every problem (exit 1 if a record is rejected or an address cannot be mailed).
    Check(CheckArgs),
    /// Render the month's DSHS 08-141 invoices and route them: print job, email, download.
    Invoices(InvoicesArgs),
    /// Render a remittance advice for every payment issued from --from to --to and route them.
    Remittances(RemittancesArgs),
    /// Render a Social Services Notice for every provider with lines authorized, changed or terminated from --from to --to, and route them.
    Notices(RemittancesArgs),
    /// Render a Vendor Overpayment Notice for every provider with a paid over-claim or a row of overpayments.csv, dated --date, and route them.
    Overpayments(OverpaymentsArgs),
    /// Render the ACES State Supplemental Payment letters for every event in ssp_events.csv, dated --date, for the mail.
    Letters(LettersArgs),
    /// The January 1099 run: Form 1099-NEC statements (Copy B) for --year through the print channel, the IRIS upload files and the reconciliation.
    Tax1099(Tax1099Args),
    /// Provider-portal registration letters: a one-time code for every payee of payees.csv (or --payees), dated --date, by mail only (never email or download); registrations.csv tells the portal which letters exist.
    RegistrationLetters(RegistrationLettersArgs),
    /// The ACES MILs Report for MM/CCYY: the month's Mandatory Income Level cases (program type M, open on any day of --month) from ssp_cases.csv, a staff report (PDF and mil-report.csv; nothing is mailed or emailed).
    MilReport(MilReportArgs),
    /// Merge the shards of a run (folders made with --shard I/N or --shards N) into the run folder one machine would have made: manifest, rejects, summary, print job, download archives, email queue, a kind's own files.
    Merge(MergeArgs),
    /// Check a month's claims against attendance with the booklet's billing rules; with --out, a claim worksheet PDF per provider (exit 1 if any claim is not correct).
    Claim(ClaimArgs),
    /// Show the delivery journal (--status), send the email still waiting (--retry), or settle unconfirmed messages (--mark-sent, --resend-unconfirmed).
    Deliver(DeliverArgs),
    /// Write a deterministic synthetic extract for testing and benchmarks.
    Sample(SampleArgs),
    /// Print the 65 bars (A, D, F, T) of a USPS Intelligent Mail barcode, for cross-checking.
    Imb(ImbArgs),
    /// The SSPS Provider Portal: serve it (`ssps portal --data DIR --runs DIR --secret FILE`), `ssps portal index` the run folders into its database, or `ssps portal export-claims` the claims submitted online.
    Portal(PortalArgs),
    /// The templates, texts and data files compiled into the program: `ssps assets export DIR` writes them for staff to edit and try with --assets.
    #[command(subcommand)]
    Assets(AssetsCommand),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PortalArgs {
    #[command(subcommand)]
    pub action: Option<PortalAction>,
    /// The extract folder the portal shows (payments, authorizations, the provider file).
    #[arg(long, value_name = "DIR", required = false)]
    pub data: Option<PathBuf>,
    /// The folder of run folders whose documents it serves (each with manifest.csv and summary.json).
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
    /// The portal's database (accounts, sessions, the index, the audit log): a SQLite file, or postgres://user@host/database for more than one server; default: ssps-portal.sqlite in --runs.
    #[arg(long, value_name = "FILE|URL", value_parser = Database::from_arg)]
    pub db: Option<Database>,
    /// Where to listen; 127.0.0.1:0 takes a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// The secret file the registration letters were made with (32 bytes or more, mode 600).
    #[arg(long, value_name = "FILE")]
    pub secret: Option<PathBuf>,
    /// Try it out: loopback only; issues a letter to every payee without an account and prints its code.
    #[arg(long)]
    pub demo: bool,
    /// Sign a session out after this many seconds without a request (warned 2 minutes before, or halfway for short timeouts).
    #[arg(long, value_name = "SECONDS", default_value_t = 900, value_parser = clap::value_parser!(i64).range(10..=86_400))]
    pub idle_timeout: i64,
    /// Templates, texts and data files to use instead of the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    /// The SMTP server for the portal's mail (invitations), as for runs' email (or SSPS_SMTP_HOST); without it the messages wait in the database's outbox.
    #[arg(long, value_name = "FILE")]
    pub smtp: Option<PathBuf>,
    /// The portal's address as people reach it, for links in mail (default: data/portal.toml's address).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A reverse proxy (TLS ends there) whose X-Forwarded-For gives the client's address; repeat or separate with commas. Without it the header is ignored.
    #[arg(long, value_name = "ADDR", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// Threads serving requests (default: one a core; with a postgres:// --db, whose answers a thread waits for, four a core and at least 16).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub workers: Option<u16>,
    /// For trials, training and tests: the portal's clock starts at this Washington time (YYYY-MM-DDTHH:MM) and runs on from there; never in production.
    #[arg(long, value_name = "TIME", value_parser = washington_time)]
    pub as_of: Option<chrono::NaiveDateTime>,
}

fn washington_time(s: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map_err(|_| format!("{s:?} is not a time YYYY-MM-DDTHH:MM"))
}

#[derive(Debug, Subcommand)]
pub enum PortalAction {
    /// Index the run folders into the database (idempotent; a running portal sees new runs at once).
    Index {
        /// The folder of run folders.
        #[arg(long, value_name = "DIR")]
        runs: PathBuf,
        /// The portal's database (a file or a postgres:// address); default: ssps-portal.sqlite in --runs.
        #[arg(long, value_name = "FILE|URL", value_parser = Database::from_arg)]
        db: Option<Database>,
    },
    /// Invite a state staff member (customer service or the SSPS unit): the invitation is emailed by the running portal; they choose a password and must turn on the second factor before anything else.
    Staff {
        /// The portal's database (a file or a postgres:// address).
        #[arg(long, value_name = "FILE|URL", value_parser = Database::from_arg)]
        db: Database,
        /// Their work email address.
        #[arg(long, value_name = "EMAIL")]
        email: String,
        /// Their unit: customer_service or ssps_unit.
        #[arg(long, value_name = "UNIT")]
        unit: String,
        /// The portal's address as people reach it (default: data/portal.toml's).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// Write the claims submitted online before the processing day's cutoff, each exactly once, as invoice_claims.csv rows (the format `ssps claim` reads).
    ExportClaims {
        /// The portal's database (a file or a postgres:// address).
        #[arg(long, value_name = "FILE|URL", value_parser = Database::from_arg)]
        db: Database,
        /// The CSV file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The processing day (default: today in Washington): submissions sent before its cutoff are taken.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
        /// Write export batch N again (its file was lost) instead of taking new submissions.
        #[arg(long, value_name = "N")]
        batch: Option<i64>,
        /// The newest extract: a submission whose invoice was meanwhile claimed by mail or telephone, or paid, is held back (listed in OUT's .held.csv), never sent twice.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Templates, texts and data files to use instead of the embedded ones (the cutoff: data/portal.toml).
        #[arg(long, value_name = "DIR")]
        assets: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Write every embedded template, text and data file into DIR (new or empty).
    Export {
        /// The folder to write.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ImbArgs {
    /// Barcode ID: two digits, the second 0-4.
    #[arg(long, value_name = "NN")]
    pub barcode_id: String,
    /// Service type ID: three digits.
    #[arg(long, value_name = "NNN")]
    pub service_type: String,
    /// Mailer ID: 6 digits (first 0-8) or 9 digits (first 9).
    #[arg(long, value_name = "M")]
    pub mailer_id: String,
    /// Serial number: 9 digits with a 6-digit mailer ID, 6 with a 9-digit one.
    #[arg(long, value_name = "S")]
    pub serial: String,
    /// Routing ZIP: 0, 5, 9 or 11 digits (a hyphen is allowed: 98501-1234).
    #[arg(long, value_name = "Z", default_value = "")]
    pub zip: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The extract folder (CSV files).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The holidays and letter catalog of this folder, as a run with --assets reads them.
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
}

/// Splitting a run over the tasks of an array job.
#[derive(Debug, Args, Default)]
pub struct SplitArgs {
    /// Render only shard I of N (I counted from 0: 0/4 … 3/4) into --out, for `ssps merge`; recipients are split by a hash of their id.
    #[arg(long, value_name = "I/N", value_parser = parse_shard, conflicts_with = "shards")]
    pub shard: Option<ssps::shard::Shard>,
    /// Render one shard of N, its index from the array job: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// A shard folder to merge (given by `ssps merge`, which checks them).
    #[arg(long, value_name = "DIR", hide = true)]
    pub merged_shard: Vec<PathBuf>,
}

fn parse_shard(s: &str) -> Result<ssps::shard::Shard, String> {
    ssps::shard::Shard::parse(s).map_err(|e| e.to_string())
}

/// `ssps merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The run folder to write (replaced atomically if it holds an earlier run).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The extract folder, when this machine has it elsewhere than the shards did (its content must be the same).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub email: EmailArgs,
    /// The shard folders, every one of the run's N.
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
}

/// Where a run's email goes: what a document run and a merge take.
#[derive(Debug, Args)]
pub struct EmailArgs {
    /// SMTP settings, TOML (default: the SSPS_SMTP_* variables; with neither, email waits in the journal).
    #[arg(long, value_name = "FILE")]
    pub smtp: Option<PathBuf>,
    /// Write the email as .eml files under OUT/email instead of sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// The delivery journal (default: ssps-delivery.sqlite in the folder that holds OUT).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// What every document run takes.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The extract folder (CSV files).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The run folder to write (replaced atomically if it holds an earlier run).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Mail production settings, TOML (default: the bundled data/mail.toml).
    #[arg(long, value_name = "FILE")]
    pub mail_config: Option<PathBuf>,
    #[command(flatten)]
    pub email: EmailArgs,
    /// Templates, texts and data files replacing the embedded ones, file by file (see `ssps assets export`).
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    #[command(flatten)]
    pub split: SplitArgs,
}

#[derive(Debug, Args)]
pub struct InvoicesArgs {
    /// The service month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Month,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct RemittancesArgs {
    /// First date of the window, YYYY-MM-DD (issue dates for remittance advices, action dates for notices).
    #[arg(long, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last date of the window, YYYY-MM-DD (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: NaiveDate,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct OverpaymentsArgs {
    /// The notice date, YYYY-MM-DD: claims paid by payments issued on or before it are checked.
    #[arg(long, value_name = "DATE")]
    pub date: NaiveDate,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct LettersArgs {
    /// The letter date printed on every letter, YYYY-MM-DD (the day they are mailed).
    #[arg(long, value_name = "DATE")]
    pub date: NaiveDate,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct RegistrationLettersArgs {
    /// The letter date printed on every letter, YYYY-MM-DD: the codes are made for it and work 90 days after it.
    #[arg(long, value_name = "DATE")]
    pub date: NaiveDate,
    /// The secret the codes are made with (the portal's own): a file of at least 32 random bytes that only its owner may read (chmod 600), outside --out.
    #[arg(long, value_name = "FILE")]
    pub secret: PathBuf,
    /// Only these payees, comma-separated (default: every payee of payees.csv); an unknown one is an error.
    #[arg(long, value_name = "PAYEE,...", value_delimiter = ',')]
    pub payees: Option<Vec<String>>,
    /// The portal's database (`ssps portal --db`: a file or a postgres:// address): payees with an account there get no letter.
    #[arg(long, value_name = "FILE|URL", value_parser = Database::from_arg)]
    pub db: Option<Database>,
    /// Only the payees staff asked a new letter for in the portal (needs --db); the requests are marked done once the run is made.
    #[arg(long, requires = "db", conflicts_with = "payees")]
    pub requested: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct MilReportArgs {
    /// The extract folder (CSV files: ssp_cases.csv, and clients.csv for the names).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The report's month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Month,
    /// The run folder to write (replaced atomically if it holds an earlier run).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Templates, texts and data files replacing the embedded ones, file by file (see `ssps assets export`).
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    #[command(flatten)]
    pub split: SplitArgs,
}

#[derive(Debug, Args)]
pub struct Tax1099Args {
    /// The tax year: payments issued from January 1 to December 31 of it.
    #[arg(long, value_name = "YYYY")]
    pub year: i32,
    /// An earlier run of the same year: only returns whose amount, name or TIN changed are corrected (statements marked CORRECTED).
    #[arg(long, value_name = "PREVIOUS_RUN_DIR")]
    pub corrected_from: Option<PathBuf>,
    /// The run date, YYYY-MM-DD (PDF dates, envelope serials; default: the first business day of the next year).
    #[arg(long, value_name = "DATE")]
    pub date: Option<NaiveDate>,
    /// The payer's name, address, telephone and EIN, TOML (default: the bundled data/payer.toml).
    #[arg(long, value_name = "FILE")]
    pub payer: Option<PathBuf>,
    /// The IRIS CSV upload layout, TOML (default: the bundled data/iris-1099nec.toml).
    #[arg(long, value_name = "FILE")]
    pub iris_layout: Option<PathBuf>,
    /// The 1099-NEC thresholds by tax year, TOML (default: the bundled data/tax1099.toml; from 2027 add each year's indexed figure).
    #[arg(long, value_name = "FILE")]
    pub tax_years: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct ClaimArgs {
    /// The extract folder (CSV files: authorizations, attendance, invoice_claims, clients, providers).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The service month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Month,
    /// Write claim worksheets (one PDF per provider), claims.csv, rejects.csv and summary.json here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the month as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Templates, texts and data files replacing the embedded ones, file by file (see `ssps assets export`).
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    #[command(flatten)]
    pub split: SplitArgs,
}

#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The delivery journal.
    #[arg(long, value_name = "FILE", default_value = "out/ssps-delivery.sqlite")]
    pub journal: PathBuf,
    /// List every message with its state (the default when no action is given).
    #[arg(long)]
    pub status: bool,
    /// Send every message still waiting (pending); never an unconfirmed one.
    #[arg(long)]
    pub retry: bool,
    /// Send the unconfirmed messages again (they may have reached the recipient already), with the same Message-ID.
    #[arg(long, conflicts_with = "mark_sent")]
    pub resend_unconfirmed: bool,
    /// Record an unconfirmed message as sent without sending it again, once the recipient has confirmed they have it (its Message-ID, as --status lists it; repeatable).
    #[arg(long, value_name = "MESSAGE_ID")]
    pub mark_sent: Vec<String>,
    /// Only the messages of this run (as --status lists it, e.g. ssps-remittances-2026-10-01-2026-10-31).
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
    /// SMTP settings, TOML (default: the SSPS_SMTP_* variables).
    #[arg(long, value_name = "FILE")]
    pub smtp: Option<PathBuf>,
    /// Print the status as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Number of payees.
    #[arg(long, default_value_t = 1000)]
    pub payees: usize,
    /// The month the authorizations cover, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Month,
    /// The folder to write the CSV files into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Deliberately broken rows to add, for testing rejects.
    #[arg(long, default_value_t = 0)]
    pub bad_rows: usize,
    /// Payments per payee, one a month ending in --month, paying each payee's authorization lines (payments.csv, payment_lines.csv).
    #[arg(long, default_value_t = 0)]
    pub payments: usize,
    /// State Supplemental Payment clients with one case action each (ssp_events.csv, for `ssps letters`).
    #[arg(long, default_value_t = 0)]
    pub ssp_cases: usize,
}

fn parse_month(s: &str) -> Result<Month, String> {
    Month::parse(s).ok_or_else(|| format!("`{s}` is not a month; write YYYY-MM, like 2026-10"))
}
