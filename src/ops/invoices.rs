//! `ssps invoices`: the monthly DSHS 08-141 invoice run.
//!
//! load → validate → compose → render → route → journal: the invoices are
//! composed here and checked against the authorizations; planning,
//! rendering, the channels and the run folder are [`produce`]'s, shared by
//! every document run.

use std::time::Instant;

use rust_decimal::Decimal;

use super::produce::{self, Check, Production, Tail};
use super::{read_extract, require, OpError, Outcome, RunOptions, Summary};
use crate::compose::{self, money, Document, Invoice};
use crate::journal::Staging;
use crate::load;
use crate::mail::DocumentKind;
use crate::model::Month;
use crate::render::{Renderer, Template};

/// What `ssps invoices` is asked to do.
#[derive(Debug, Clone)]
pub struct InvoiceRun {
    /// The service month.
    pub month: Month,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Runs the month. Returns the summary, whether records were rejected (or
/// email failed), and what became of the email.
pub fn run(req: &InvoiceRun) -> Result<(Summary, Outcome, Option<produce::EmailOutcome>), OpError> {
    let started = Instant::now();
    let opts = &req.opts;
    let config = opts.mail_config()?;
    let smtp = crate::email::SmtpSettings::load(opts.smtp.as_deref(), &|k| std::env::var(k).ok())?;
    let texts = crate::texts::Texts::bundled();
    let v = read_extract(&opts.data)?;
    require(
        &v,
        &opts.data,
        "invoices",
        &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
    )?;
    let invoices = compose::invoices(&v.extract, req.month);

    let staging = Staging::begin(&opts.out)?;
    let ident = format!("ssps-invoices-{}", req.month);
    let date = req.month.last_day();
    let renderer = Renderer::new()?;
    let production = Production {
        dir: staging.dir(),
        ident: ident.clone(),
        date,
        month: req.month,
        kind: DocumentKind::Invoice,
        template: Template::Invoice,
        labels: serde_json::Value::Null,
        config: &config,
        threads: opts.threads,
        progress: opts.progress,
    };
    let made = produce::produce(&invoices, &renderer, &production)?;
    let checks = balance(&v.extract, req.month, &invoices);
    let month = req.month;
    let words = |lang| texts.month(lang, month.year(), month.month());
    let tail = Tail {
        run: "invoices",
        ident: &ident,
        period: req.month.to_string(),
        period_words: &words,
        date,
        opts,
        smtp: smtp.as_ref(),
        started,
    };
    produce::finish(&invoices, &made, checks, &v, staging, &texts, &tail)
}

/// Checks the invoices against their input: every overlapping
/// authorization line printed exactly once, amounts equal. (Pages,
/// envelopes and sheets are checked for every document run, see
/// [`produce::production_checks`].)
fn balance(x: &crate::model::Extract, month: Month, invoices: &[Invoice]) -> Vec<Check> {
    let overlapping: Vec<_> = x.authorizations.values().filter(|a| month.overlaps(a.start_date, a.end_date)).collect();
    let expected_amount: Decimal = overlapping.iter().map(|a| a.amount_authorized()).sum();
    let printed_amount: Decimal = invoices.iter().map(Document::amount).sum();
    let mut printed_refs: Vec<&crate::model::Id> = invoices.iter().flat_map(|i| i.meta.references.iter()).collect();
    printed_refs.sort();
    let before = printed_refs.len();
    printed_refs.dedup();
    vec![
        Check::new("authorization lines of the month printed", overlapping.len(), before),
        Check::new("authorization lines printed exactly once", before, printed_refs.len()),
        Check::new("amount authorized: input = invoices", money(expected_amount), money(printed_amount)),
    ]
}
