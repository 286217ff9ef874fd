//! `ssps invoices`: the monthly DSHS 08-141 invoice run.
//!
//! load → validate → compose → render → route → journal: the invoices are
//! composed here and checked against the authorizations; planning,
//! rendering, the channels and the run folder are the generic
//! [`pipeline`]'s, shared by every document kind.

use rust_decimal::Decimal;

use super::{OpError, RunOptions};
use crate::compose::{self, Invoice};
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month};
use crate::money::{CheckedSum, Overflow};
use crate::pipeline::{self, Asset, Check, Composed, Context, DocumentKind, NoExtra, Period, Report};
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
pub fn run(req: &InvoiceRun) -> Result<Report<NoExtra>, OpError> {
    pipeline::run(&Invoices { month: req.month }, &req.opts)
}

/// The invoice kind: one DSHS 08-141 per provider and month.
pub struct Invoices {
    /// The service month.
    pub month: Month,
}

impl DocumentKind for Invoices {
    type Doc = Invoice;
    type Extra = NoExtra;

    fn kind(&self) -> Kind {
        Kind::Invoice
    }

    fn period(&self) -> Period {
        let month = self.month;
        Period { key: month.to_string(), ident: format!("ssps-invoices-{month}"), date: month.last_day(), month }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.month(lang, self.month.year(), self.month.month())
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Invoice, NoExtra>, OpError> {
        let v = ctx.read(
            "invoices",
            &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
        )?;
        let invoices = compose::invoices(&v.extract, self.month)?;
        let checks = balance(&v.extract, self.month, &invoices)?;
        let mut composed = Composed::new(v, invoices, checks, NoExtra {});
        // The 08-141's pre-printed parts, rendered once per variant and
        // drawn behind every invoice.
        composed.assets = form_variants();
        Ok(composed)
    }
}

/// The 08-141's pre-printed parts, one page per variant (Invoice Express
/// allowed or not, 1–6 service-line slots), served to the invoice template
/// as `form-e3.pdf`, `form-n6.pdf` …, dated the form's revision (DSHS
/// 08-141 REV. 02/2001) so their bytes never change between runs.
fn form_variants() -> Vec<Asset> {
    let date = chrono::NaiveDate::from_ymd_opt(2001, 2, 1).unwrap_or_default();
    let mut out = Vec::new();
    for express in [true, false] {
        for slots in 1..=compose::LINES_PER_PAGE {
            let name = format!("form-{}{slots}.pdf", if express { "e" } else { "n" });
            let data = serde_json::json!({ "express": express, "slots": slots });
            out.push(Asset { ident: format!("ssps-08-141-{name}"), name, template: Template::InvoiceForm, data, date });
        }
    }
    out
}

/// Checks the invoices against their input: every overlapping
/// authorization line printed exactly once, amounts equal. (Pages,
/// envelopes and sheets are checked for every document run, see
/// [`pipeline::Produced::checks`].)
fn balance(x: &crate::model::Extract, month: Month, invoices: &[Invoice]) -> Result<Vec<Check>, Overflow> {
    let overlapping: Vec<_> = x.authorizations.values().filter(|a| month.overlaps(a.start_date, a.end_date)).collect();
    let expected_amount: Decimal = overlapping
        .iter()
        .map(|a| a.amount_authorized())
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum_or(|| format!("the authorization lines of {month}"))?;
    let printed_amount = pipeline::total(invoices)?;
    let mut printed_refs: Vec<&crate::model::ReferenceNumber> = invoices.iter().flat_map(|i| i.meta.references.iter()).collect();
    printed_refs.sort();
    let before = printed_refs.len();
    printed_refs.dedup();
    Ok(vec![
        Check::new("authorization lines of the month printed", overlapping.len(), before),
        Check::new("authorization lines printed exactly once", before, printed_refs.len()),
        Check::new("amount authorized: input = invoices", expected_amount, printed_amount),
    ])
}
