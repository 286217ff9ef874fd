//! `ssps remittances`: a remittance advice for every payment issued in a
//! window of dates, by mail, email and download.
//!
//! load → validate → compose ([`crate::compose::remittance`]) → the shared
//! document run ([`pipeline`]). Checked against the input: one advice per
//! payment issued in the window, and the advices' totals equal the
//! payments' amounts, to the cent.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{OpError, RunOptions};
use crate::compose::remittance::{self, Remittance};
use crate::compose::Document;
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month};
use crate::money::{CheckedSum, Overflow};
use crate::pipeline::{self, Check, Composed, Context, DocumentKind, NoExtra, Period, Report};

/// What `ssps remittances` is asked to do.
#[derive(Debug, Clone)]
pub struct RemittanceRun {
    /// First issue date (inclusive).
    pub from: NaiveDate,
    /// Last issue date (inclusive).
    pub to: NaiveDate,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Runs the window. Returns the summary, whether records were rejected (or
/// email failed), and what became of the email.
pub fn run(req: &RemittanceRun) -> Result<Report<NoExtra>, OpError> {
    if req.from > req.to {
        return Err(OpError::Window { from: req.from, to: req.to });
    }
    pipeline::run(&Remittances { from: req.from, to: req.to }, &req.opts)
}

/// The remittance advice kind: one per payment issued in a window.
pub struct Remittances {
    /// First issue date (inclusive).
    pub from: NaiveDate,
    /// Last issue date (inclusive).
    pub to: NaiveDate,
}

impl DocumentKind for Remittances {
    type Doc = Remittance;
    type Extra = NoExtra;

    fn kind(&self) -> Kind {
        Kind::Remittance
    }

    fn period(&self) -> Period {
        let (from, to) = (self.from, self.to);
        Period { key: format!("{from}..{to}"), ident: format!("ssps-remittances-{from}-{to}"), date: to, month: Month::of(to) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        window_words(texts, lang, self.from, self.to)
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Remittance, NoExtra>, OpError> {
        let v = ctx.read("remittance advices", &[load::PAYEES.name, load::PAYMENTS.name, load::PAYMENT_LINES.name])?;
        let advices = remittance::remittances(&v.extract, self.from, self.to)?;
        let checks = balance(&v.extract, self.from, self.to, &advices)?;
        Ok(Composed::new(v, advices, checks, NoExtra {}))
    }
}

/// The window in words: a whole month as `October 2026`, else its dates.
pub fn window_words(texts: &crate::texts::Texts, lang: Language, from: NaiveDate, to: NaiveDate) -> String {
    let month = Month::of(from);
    if from == month.first_day() && to == month.last_day() {
        return texts.month(lang, from.year(), from.month());
    }
    match lang {
        Language::Es => format!("del {} al {}", from.format("%d/%m/%Y"), to.format("%d/%m/%Y")),
        Language::En => format!("{} to {}", from.format("%m/%d/%Y"), to.format("%m/%d/%Y")),
    }
}

/// Checks the advices against the payments: one per payment issued in the
/// window, amounts equal, each advice's lines summing to its payment.
fn balance(x: &crate::model::Extract, from: NaiveDate, to: NaiveDate, advices: &[Remittance]) -> Result<Vec<Check>, Overflow> {
    let payments: Vec<_> = x.payments.values().filter(|p| (from..=to).contains(&p.issue_date)).collect();
    let paid: Decimal = payments.iter().map(|p| p.amount).sum_or(|| format!("the payments issued from {from} to {to}"))?;
    let mut ids: Vec<&str> = advices.iter().map(|a| a.payment_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let lines_balance = advices.iter().all(|a| {
        let sum = a
            .pages
            .iter()
            .flatten()
            .filter_map(|r| match r {
                remittance::Row::Service(l) | remittance::Row::Adjustment(l) => Some(l.value),
                _ => None,
            })
            .checked_sum();
        sum == Some(a.amount())
    });
    Ok(vec![
        Check::new("payments issued in the window", payments.len(), advices.len()),
        Check::new("one advice per payment", advices.len(), ids.len()),
        Check::new("amount paid: payments = advices", paid, pipeline::total(advices)?),
        Check::new("every advice's printed lines sum to its payment", true, lines_balance),
    ])
}
