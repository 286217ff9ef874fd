//! `ssps notices`: a Social Services Notice for every provider with
//! authorization lines authorized, changed or terminated in a window of
//! dates, by mail, email and download.
//!
//! load → validate → compose ([`crate::compose::notice`]) → the shared
//! document run ([`produce`]). Checked against the input: every line with an
//! action dated in the window is listed exactly once, amounts equal.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::produce::{self, Check, DocumentRun, Setup};
use super::remittances::window_words;
use super::{read_extract, require, OpError, Outcome, RunOptions, Summary};
use crate::compose::money;
use crate::compose::notice::{self, Notice};
use crate::load;
use crate::mail::DocumentKind;
use crate::model::Month;
use crate::money::{CheckedSum, Overflow};
use crate::render::Template;

/// What `ssps notices` is asked to do.
#[derive(Debug, Clone)]
pub struct NoticeRun {
    /// First action date (inclusive).
    pub from: NaiveDate,
    /// Last action date (inclusive); also the notices' date.
    pub to: NaiveDate,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Runs the window. Returns the summary, whether records were rejected (or
/// email failed), and what became of the email.
pub fn run(req: &NoticeRun) -> Result<(Summary, Outcome, Option<produce::EmailOutcome>), OpError> {
    if req.from > req.to {
        return Err(OpError::Window { from: req.from, to: req.to });
    }
    let opts = &req.opts;
    let setup = Setup::load(opts)?;
    let v = read_extract(&opts.data)?;
    require(
        &v,
        &opts.data,
        "Social Services Notices",
        &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
    )?;
    let notices = notice::notices(&v.extract, req.from, req.to)?;
    let checks = balance(&v.extract, req.from, req.to, &notices)?;
    let (from, to) = (req.from, req.to);
    let words = |lang| window_words(&setup.texts, lang, from, to);
    let spec = DocumentRun {
        run: "notices",
        ident: format!("ssps-notices-{from}-{to}"),
        date: to,
        month: Month::of(to),
        kind: DocumentKind::Notice,
        template: Template::Notice,
        labels: produce::Labels::Documents("notice"),
        period: format!("{from}..{to}"),
        period_words: &words,
        advance_notice: None,
        tax1099: None,
        attach: true,
        assets: vec![],
    };
    produce::run_documents(&notices, checks, &v, &setup, opts, &spec)
}

/// Every line with an action in the window listed exactly once, amounts equal.
fn balance(x: &crate::model::Extract, from: NaiveDate, to: NaiveDate, notices: &[Notice]) -> Result<Vec<Check>, Overflow> {
    let acted: Vec<_> = x.authorizations.values().filter(|a| notice::in_window(a, from, to)).collect();
    let expected: Decimal = acted
        .iter()
        .map(|a| a.amount_authorized())
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum_or(|| format!("the authorization lines acted on from {from} to {to}"))?;
    let mut listed: Vec<_> = notices.iter().flat_map(|n| n.meta.references.iter()).collect();
    listed.sort();
    let before = listed.len();
    listed.dedup();
    Ok(vec![
        Check::new("authorization lines with an action in the window listed", acted.len(), before),
        Check::new("each listed exactly once", before, listed.len()),
        Check::new("amount authorized: input = notices", money(expected), money(produce::total(notices)?)),
    ])
}
