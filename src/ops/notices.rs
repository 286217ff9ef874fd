//! `ssps notices`: a Social Services Notice for every provider with
//! authorization lines authorized, changed or terminated in a window of
//! dates, by mail, email and download.
//!
//! load → validate → compose ([`crate::compose::notice`]) → the shared
//! document run ([`pipeline`]). Checked against the input: every line with an
//! action dated in the window is listed exactly once, amounts equal.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::remittances::window_words;
use super::{OpError, RunOptions};
use crate::compose::notice::{self, Notice};
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month};
use crate::money::{CheckedSum, Overflow};
use crate::pipeline::{self, Check, Composed, Context, DocumentKind, NoExtra, Period, Report};

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
pub fn run(req: &NoticeRun) -> Result<Report<NoExtra>, OpError> {
    if req.from > req.to {
        return Err(OpError::Window { from: req.from, to: req.to });
    }
    pipeline::run(&Notices { from: req.from, to: req.to }, &req.opts)
}

/// The Social Services Notice kind: one per provider with lines acted on
/// in a window.
pub struct Notices {
    /// First action date (inclusive).
    pub from: NaiveDate,
    /// Last action date (inclusive); also the notices' date.
    pub to: NaiveDate,
}

impl DocumentKind for Notices {
    type Doc = Notice;
    type Extra = NoExtra;

    fn kind(&self) -> Kind {
        Kind::Notice
    }

    fn period(&self) -> Period {
        let (from, to) = (self.from, self.to);
        Period { key: format!("{from}..{to}"), ident: format!("ssps-notices-{from}-{to}"), date: to, month: Month::of(to) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        window_words(texts, lang, self.from, self.to)
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Notice, NoExtra>, OpError> {
        let v = ctx.read(
            "Social Services Notices",
            &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
        )?;
        let notices = notice::notices(&v.extract, self.from, self.to)?;
        let checks = balance(&v.extract, self.from, self.to, &notices)?;
        Ok(Composed::new(v, notices, checks, NoExtra {}))
    }
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
        Check::new("amount authorized: input = notices", expected, pipeline::total(notices)?),
    ])
}
