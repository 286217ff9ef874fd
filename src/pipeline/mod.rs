//! The one document run every kind goes through.
//!
//! A kind ([`DocumentKind`]) composes its documents from the extract and
//! checks them against it; everything after is this module's, the same
//! for every kind: stage the run folder, render the kind's once-per-run
//! assets, plan the mailing, render the documents on all cores
//! ([`workers`]), offer each to the channels ([`channels`]: print job,
//! email, download archives), write the kind's own files, prove the
//! accounting ([`checks`]), write the manifest, rejects and summary,
//! commit the folder, then queue and send the email ([`email_out`]).
//!
//! Adding a kind is one implementation of [`DocumentKind`], one template
//! and its texts: nothing here changes. A kind that must keep its documents
//! off some channels says so ([`DocumentKind::channels`]): the run then
//! refuses any of its documents that asks for one, and never offers them to
//! it.

pub mod channels;
pub mod checks;
pub mod email_out;
mod error;
pub mod one;
mod options;
mod produce;
pub(crate) mod split;
pub mod workers;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

pub use channels::Allowed;
pub use checks::{record_checks, require_balanced, total, Check, Figure};
pub use email_out::{EmailOutcome, EmailReport, DRY_RUN_FROM};
pub use error::OpError;
pub use one::Source;
pub use options::{holidays, journal_beside, read_extract, read_extract_with, require, Outcome, RunOptions};
pub use produce::{Placement, Produced};

use crate::compose::Document;
use crate::kind::{Kind, LabelSource};
use crate::mail::MailConfig;
use crate::model::{Language, Month};
use crate::render::{PdfSettings, Renderer, Tagging, Template};
use crate::shard::Split;
use crate::validate::{FileCounts, Validated};
use produce::Stage;

/// What a kind needs to say about its run before anything is composed.
#[derive(Debug, Clone)]
pub struct Period {
    /// The period in `summary.json` and the manifest: the service month
    /// (`2026-10`), a window (`2026-10-01..2026-10-31`), a tax year, a date.
    pub key: String,
    /// PDF ids, Message-IDs and the journal's run: `ssps-invoices-2026-10`.
    pub ident: String,
    /// The documents' date.
    pub date: NaiveDate,
    /// The month whose serial numbers the envelopes take.
    pub month: Month,
}

/// A page the run renders once and its documents' template draws (as an
/// image of a PDF, so its text is written once per chunk, not per page):
/// the 08-141's pre-printed form, the 1099 statements' back.
pub struct Asset {
    /// The file name the template asks for: `statement-back.pdf`.
    pub name: String,
    /// The template that renders it.
    pub template: Template,
    /// Its data.
    pub data: serde_json::Value,
    /// Its PDF's id and date (a form's own, so its bytes never change).
    pub ident: String,
    /// Its PDF's date.
    pub date: NaiveDate,
}

/// The kind's own files, written into the staging folder after the
/// documents are rendered; returns their checks.
pub type OwnFiles<'a> = Box<dyn FnOnce(&Path, &Renderer) -> Result<Vec<Check>, OpError> + 'a>;

/// What a kind composed from the extract.
pub struct Composed<'a, D, E> {
    /// The validated extract (its problems and counts are the run's rejects).
    pub validated: Validated,
    /// The documents.
    pub documents: Vec<D>,
    /// The kind's checks of its documents against the input.
    pub checks: Vec<Check>,
    /// The kind's figures in `summary.json`.
    pub extra: E,
    /// Pages rendered once before the documents.
    pub assets: Vec<Asset>,
    /// Files of the kind's own (the 1099 upload files), if any.
    pub own_files: Option<OwnFiles<'a>>,
    /// The run needs a person's attention even if nothing was rejected
    /// (held 1099 returns, unconfirmed payer settings): exit 1.
    pub attention: bool,
}

impl<D, E> Composed<'_, D, E> {
    /// Documents and checks with nothing else of a kind's own.
    pub fn new(validated: Validated, documents: Vec<D>, checks: Vec<Check>, extra: E) -> Self {
        Composed { validated, documents, checks, extra, assets: vec![], own_files: None, attention: false }
    }
}

/// Figures of a kind with nothing of its own in `summary.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NoExtra {}

/// A document kind: everything the generic run needs of it.
pub trait DocumentKind {
    /// Its documents.
    type Doc: Document;
    /// Its figures in `summary.json` (flattened into the summary).
    type Extra: Serialize;

    /// Its one name.
    fn kind(&self) -> Kind;

    /// The run's period, identity and dates.
    fn period(&self) -> Period;

    /// The period in words, for the email (`October 2026`).
    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String;

    /// Reads what it needs (the extract through [`Context::read`]),
    /// composes its documents and checks them against the input.
    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Self::Doc, Self::Extra>, OpError>;

    /// The printed labels handed to the template beside the documents; by
    /// default from where [`Kind::labels`] says.
    fn labels(&self, texts: &crate::texts::Texts) -> Result<serde_json::Value, OpError> {
        Ok(match self.kind().labels() {
            LabelSource::Documents => texts.labels(self.kind().name())?,
            LabelSource::Template | LabelSource::Own => serde_json::Value::Null,
        })
    }

    /// Whether email carries the documents as attachments (else it says
    /// they are in the provider portal).
    fn attach_to_email(&self) -> bool {
        true
    }

    /// The channels its documents may take, whatever their addressees ask
    /// for; by default every one. A document whose addressee asks for
    /// another stops the run before anything is rendered
    /// ([`channels::admit`]), and no document is ever offered to a channel
    /// left out here.
    fn channels(&self) -> Allowed {
        Allowed::ALL
    }
}

/// What a kind's [`DocumentKind::compose`] is given.
pub struct Context<'a> {
    /// The run's options (the extract folder is `opts.data`, the
    /// templates, texts and data files `opts.assets`).
    pub opts: &'a RunOptions,
    /// The words of documents and email.
    pub texts: &'a crate::texts::Texts,
    /// The state holidays.
    pub holidays: &'a crate::calendar::Holidays,
    /// Where the extract comes from: the folder (runs) or memory (one
    /// document made on demand, [`one`]).
    pub source: Source<'a>,
}

impl Context<'_> {
    /// Loads and validates the extract, and checks that `files` are there
    /// and usable for making `what`.
    pub fn read(&self, what: &'static str, files: &[&'static str]) -> Result<Validated, OpError> {
        self.source.read(&self.opts.data, self.holidays, what, files)
    }
}

/// What every document run reads before it starts: mail and SMTP
/// settings (so a mistake in them stops the run before any work), the
/// texts, the clock for `seconds`.
pub struct Setup {
    /// Mail settings.
    pub config: MailConfig,
    /// SMTP settings, when configured.
    pub smtp: Option<crate::email::SmtpSettings>,
    /// The words of documents and email.
    pub texts: crate::texts::Texts,
    /// The state holidays.
    pub holidays: crate::calendar::Holidays,
    /// When the run started.
    pub started: std::time::Instant,
}

impl Setup {
    /// Reads the settings the options name (and the `SSPS_SMTP_*` variables).
    pub fn load(opts: &RunOptions) -> Result<Setup, OpError> {
        let started = std::time::Instant::now();
        let smtp = crate::email::SmtpSettings::load(opts.smtp.as_deref(), &|k| std::env::var(k).ok())?;
        if let Some(s) = &smtp {
            // TLS settings (a CA file) are checked now, not after the rendering.
            s.transport()?;
        }
        let texts = crate::texts::Texts::parse(opts.assets.text("letters/documents.toml"))?;
        Ok(Setup { config: opts.mail_config()?, smtp, texts, holidays: opts.holidays()?, started })
    }
}

/// `summary.json` of every document run.
#[derive(Debug, Serialize)]
pub struct Summary<E> {
    /// `invoices`, `remittances`, `notices`, … ([`Kind::run`]).
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
    /// paid for remittance advices), a plain decimal number.
    #[serde(serialize_with = "crate::money::json")]
    pub total_amount: Decimal,
    /// Documents per channel, as the channels took them.
    pub channels: BTreeMap<&'static str, usize>,
    /// The print job (also `print/job.json`).
    pub print: crate::route::PrintReport,
    /// The email composed for this run.
    pub email: EmailReport,
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
    /// Templates, texts and data files replaced with `--assets`, each with
    /// its SHA-256 (empty: the embedded set made the run).
    pub assets: Vec<crate::assets::Overridden>,
    /// The accounting proof, each check with the figures it compared.
    pub checks: Vec<Check>,
    /// The kind's own figures (the letters' advance-notice check, the
    /// 1099 run's reconciliation).
    #[serde(flatten)]
    pub extra: E,
    /// Wall-clock seconds the run took (the only value that changes between
    /// identical runs).
    pub seconds: f64,
}

/// What a document run returns.
#[derive(Debug)]
pub struct Report<E> {
    /// `summary.json`.
    pub summary: Summary<E>,
    /// Whether records were rejected, email failed, or the kind asks for attention.
    pub outcome: Outcome,
    /// What became of the email, when any was queued.
    pub email: Option<EmailOutcome>,
    /// What a shard rendered (`--shard`): then nothing was routed, and
    /// `summary` is the composition's alone (nothing is written of it).
    pub shard: Option<crate::shard::ShardReport>,
}

/// Prints how long a phase took to stderr when `SSPS_TIMINGS` is set (for
/// profiling a run; nothing else reads the clock).
pub fn phase(name: &str, since: std::time::Instant) {
    if std::env::var_os("SSPS_TIMINGS").is_some() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("timing: {name}: {:.2} s", since.elapsed().as_secs_f64());
        }
    }
}

/// Runs `kind` from the extract to the committed run folder and its email:
/// the whole run, one shard of it, or the merge of its shards
/// ([`RunOptions::split`]). A shard that fails leaves a record saying so.
pub fn run<K: DocumentKind>(kind: &K, opts: &RunOptions) -> Result<Report<K::Extra>, OpError> {
    let result = run_split(kind, opts);
    if let (Err(e), Split::Shard(s)) = (&result, &opts.split) {
        split::record_failure(&opts.out, &opts.data, s, kind.kind().run(), &kind.period().ident, e);
    }
    result
}

fn run_split<K: DocumentKind>(kind: &K, opts: &RunOptions) -> Result<Report<K::Extra>, OpError> {
    // The shards are checked as a set before anything is read or written.
    let shards = match &opts.split {
        Split::Merge(m) => Some(split::verified(m, kind.kind().run())?),
        _ => None,
    };
    let setup = Setup::load(opts)?;
    let ctx = Context { opts, texts: &setup.texts, holidays: &setup.holidays, source: Source::Folder };
    let composed = kind.compose(&ctx)?;
    let allowed = kind.channels();
    channels::admit(kind.kind(), allowed, &composed.documents)?;
    let period = kind.period();
    let labels = kind.labels(&setup.texts)?;
    let docs = &composed.documents;
    let composition = split::composition(docs);
    if let Some(shards) = &shards {
        split::same_composition(shards, &composition)?;
    }
    let staging = crate::journal::Staging::begin(&opts.out, &opts.data)?;
    let mut renderer = Renderer::with_assets(&opts.assets)?;
    for a in &composed.assets {
        let settings = PdfSettings { ident: a.ident.clone(), date: a.date, tagging: Tagging::Untagged };
        let pdf = renderer.render(a.template, &a.data, &settings)?;
        renderer.add_asset(&a.name, pdf.pdf);
    }
    let stage = Stage {
        kind: kind.kind(),
        allowed,
        renderer: &renderer,
        config: &setup.config,
        period: &period,
        labels: &labels,
        dir: staging.dir(),
        opts,
    };
    let planned = produce::plan(docs, &stage)?;
    let (stored, rendered_pages) = match (&opts.split, &shards) {
        (Split::Shard(s), _) => {
            let before_render = (setup.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
            let chunks = produce::chunks(docs, &planned, &|b| b % s.shard.count == s.shard.index);
            let (stored, pages) = produce::render(docs, &chunks, &stage)?;
            let mut report = split::write_record(
                docs,
                &stored,
                pages,
                s,
                kind.kind().run(),
                &period.ident,
                &composition,
                &setup,
                before_render,
                staging.dir(),
            )?;
            staging.commit()?;
            report.dir = opts.out.clone();
            let summary = composition_summary(kind, composed, &period, opts, &setup)?;
            return Ok(Report { summary, outcome: Outcome::Clean, email: None, shard: Some(report) });
        }
        (_, Some(shards)) => split::collect(docs, shards, staging.dir())?,
        _ => produce::render(docs, &produce::chunks(docs, &planned, &|_| true), &stage)?,
    };
    let made = produce::assemble(docs, planned, stored, rendered_pages, &stage)?;
    let mut checks = composed.checks;
    if let Some(own) = composed.own_files {
        checks.extend(own(staging.dir(), &renderer)?);
    }
    let v = &composed.validated;
    checks.extend(made.checks(docs));
    checks.extend(record_checks(v));
    require_balanced(&checks)?;

    let words = |lang| kind.period_words(&setup.texts, lang);
    let mailing = email_out::Mailing {
        ident: &period.ident,
        date: period.date,
        period_words: &words,
        attach: kind.attach_to_email(),
        smtp: setup.smtp.as_ref(),
        texts: &setup.texts,
    };
    let t = std::time::Instant::now();
    let all = email_out::messages(docs, &made.stored, &made.email, &mailing, None)?;
    if opts.dry_run {
        email_out::write_dry_run(staging.dir(), &all, setup.smtp.as_ref())?;
    }
    phase("email composed", t);

    let t = std::time::Instant::now();
    crate::journal::write_manifest(staging.dir(), &made.manifest(docs, &period.key))?;
    let rejected_problems = crate::journal::write_rejects(staging.dir(), &v.problems)?;
    let summary = Summary {
        run: kind.kind().run(),
        period: period.key.clone(),
        documents: docs.len(),
        pages: docs.iter().map(Document::page_count).sum(),
        lines: docs.iter().map(Document::lines).sum(),
        total_amount: total(docs)?,
        channels: made.taken.counts(),
        print: made.print.clone(),
        email: email_out::report(&all, opts.dry_run),
        download_archives: made.archives.len(),
        rejected_records: v.counts.values().map(|c| c.rejected).sum::<usize>(),
        errors: v.errors().count(),
        unmailable: crate::problem::unmailable_records(&v.problems),
        warnings: v.problems.len() - rejected_problems,
        files: v.counts.clone(),
        assets: opts.assets.overridden(),
        checks,
        extra: composed.extra,
        seconds: (setup.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    crate::journal::write_json(staging.dir(), "summary.json", &summary)?;
    staging.commit()?;
    phase("manifest, rejects, summary, commit", t);

    let mut outcome = if rejected_problems == 0 && !composed.attention { Outcome::Clean } else { Outcome::Rejected };
    if opts.dry_run || all.is_empty() {
        return Ok(Report { summary, outcome, email: None, shard: None });
    }
    let t = std::time::Instant::now();
    let email = email_out::queue_and_send(docs, &made.stored, &made.email, &mailing, opts)?;
    if !email.changed_after_send.is_empty() || email.delivered.as_ref().is_some_and(|d| d.failed + d.pending + d.unconfirmed > 0) {
        outcome = Outcome::Rejected;
    }
    phase("email queued and sent", t);
    Ok(Report { summary, outcome, email: Some(email), shard: None })
}

/// A shard's summary: what the whole run's composition says (the merge
/// writes the real one).
fn composition_summary<K: DocumentKind>(
    kind: &K,
    composed: Composed<'_, K::Doc, K::Extra>,
    period: &Period,
    opts: &RunOptions,
    setup: &Setup,
) -> Result<Summary<K::Extra>, OpError> {
    let v = &composed.validated;
    let docs = &composed.documents;
    let errors = v.errors().count();
    Ok(Summary {
        run: kind.kind().run(),
        period: period.key.clone(),
        documents: docs.len(),
        pages: docs.iter().map(Document::page_count).sum(),
        lines: docs.iter().map(Document::lines).sum(),
        total_amount: total(docs)?,
        channels: BTreeMap::new(),
        print: crate::route::PrintReport::default(),
        email: EmailReport::default(),
        download_archives: 0,
        rejected_records: v.counts.values().map(|c| c.rejected).sum::<usize>(),
        errors,
        unmailable: crate::problem::unmailable_records(&v.problems),
        warnings: v.problems.iter().filter(|p| !p.is_error()).count(),
        files: v.counts.clone(),
        assets: opts.assets.overridden(),
        checks: composed.checks,
        extra: composed.extra,
        seconds: (setup.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    })
}
