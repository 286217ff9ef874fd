//! `ssps invoices`: the monthly DSHS 08-141 invoice run.
//!
//! load → validate → compose → render → route → journal: the invoices are
//! composed here and checked against the authorizations; planning,
//! rendering, the channels and the run folder are [`produce`]'s, shared by
//! every document run.

use rust_decimal::Decimal;

use super::produce::{self, Check, DocumentRun, Setup};
use super::{read_extract, require, OpError, Outcome, RunOptions, Summary};
use crate::compose::{self, money, Invoice};
use crate::load;
use crate::mail::DocumentKind;
use crate::model::Month;
use crate::money::{CheckedSum, Overflow};
use crate::render::Template;

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
    let opts = &req.opts;
    let setup = Setup::load(opts)?;
    let v = read_extract(&opts.data)?;
    require(
        &v,
        &opts.data,
        "invoices",
        &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
    )?;
    let invoices = compose::invoices(&v.extract, req.month)?;
    let checks = balance(&v.extract, req.month, &invoices)?;
    let month = req.month;
    let words = |lang| setup.texts.month(lang, month.year(), month.month());
    let spec = DocumentRun {
        run: "invoices",
        ident: format!("ssps-invoices-{month}"),
        date: month.last_day(),
        month,
        kind: DocumentKind::Invoice,
        template: Template::Invoice,
        labels: produce::Labels::None,
        period: month.to_string(),
        period_words: &words,
        advance_notice: None,
        tax1099: None,
        attach: true,
        assets: vec![],
    };
    produce::run_documents(&invoices, checks, &v, &setup, opts, &spec)
}

/// Checks the invoices against their input: every overlapping
/// authorization line printed exactly once, amounts equal. (Pages,
/// envelopes and sheets are checked for every document run, see
/// [`produce::production_checks`].)
fn balance(x: &crate::model::Extract, month: Month, invoices: &[Invoice]) -> Result<Vec<Check>, Overflow> {
    let overlapping: Vec<_> = x.authorizations.values().filter(|a| month.overlaps(a.start_date, a.end_date)).collect();
    let expected_amount: Decimal = overlapping
        .iter()
        .map(|a| a.amount_authorized())
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum_or(|| format!("the authorization lines of {month}"))?;
    let printed_amount = produce::total(invoices)?;
    let mut printed_refs: Vec<&crate::model::Id> = invoices.iter().flat_map(|i| i.meta.references.iter()).collect();
    printed_refs.sort();
    let before = printed_refs.len();
    printed_refs.dedup();
    Ok(vec![
        Check::new("authorization lines of the month printed", overlapping.len(), before),
        Check::new("authorization lines printed exactly once", before, printed_refs.len()),
        Check::new("amount authorized: input = invoices", money(expected_amount), money(printed_amount)),
    ])
}
