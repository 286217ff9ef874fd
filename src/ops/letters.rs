//! `ssps letters`: the ACES State Supplemental Payment letters for every
//! case action in `ssp_events.csv`, dated `--date`, to the clients by mail.
//!
//! load → validate → compose ([`crate::compose::letter`], with the catalog
//! of [`crate::texts::aces`]) → the shared document run ([`pipeline`]).
//! Checked against the input: each event has exactly its letters and EFT
//! enclosures, the amounts the letters state equal the events'. An event
//! the catalog cannot explain (a reason code without text) is rejected with
//! its line and loses nothing else. Terminations and reductions effective
//! less than ten days after the letter date are listed in `summary.json`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{OpError, RunOptions};
use crate::compose::letter::{self, AdvanceNotice, Letter};
use crate::compose::Document;
use crate::kind::Kind;
use crate::load;
use crate::model::{Eft, Extract, Language, Month, SspEventKind};
use crate::pipeline::{self, Check, Composed, Context, DocumentKind, Period, Report};
use crate::texts::aces::Catalog;
use crate::validate::Validated;

/// What `ssps letters` is asked to do.
#[derive(Debug, Clone)]
pub struct LetterRun {
    /// The letter date printed on every letter.
    pub date: NaiveDate,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// The letters run's own figures in `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct LetterFigures {
    /// Terminations and reductions checked for ten days' advance notice,
    /// and those that fall short.
    pub advance_notice: AdvanceNotice,
}

/// Runs the letters. Returns the summary, whether records were rejected,
/// and what became of the email (letters are mailed only: always none).
pub fn run(req: &LetterRun) -> Result<Report<LetterFigures>, OpError> {
    let catalog = Catalog::parse(req.opts.assets.text("letters/aces.toml"))?;
    pipeline::run(&Letters { date: req.date, catalog }, &req.opts)
}

/// The ACES SSP letter kind: the letters of every case action, to clients.
pub struct Letters {
    /// The letter date.
    pub date: NaiveDate,
    /// The ACES letter catalog.
    pub catalog: Catalog,
}

impl DocumentKind for Letters {
    type Doc = Letter;
    type Extra = LetterFigures;

    fn kind(&self) -> Kind {
        Kind::Letter
    }

    fn period(&self) -> Period {
        let date = self.date;
        Period { key: date.to_string(), ident: format!("ssps-letters-{date}"), date, month: Month::of(date) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.date(lang, self.date)
    }

    fn labels(&self, _texts: &crate::texts::Texts) -> Result<serde_json::Value, OpError> {
        Ok(self.catalog.labels())
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Letter, LetterFigures>, OpError> {
        let mut v = ctx.read("ACES letters", &[load::CLIENTS.name, load::WORKERS.name, load::SSP_EVENTS.name])?;
        let unexplained = letter::unexplained(&v.extract, &self.catalog);
        reject(&mut v, unexplained);
        let composed = letter::letters(&v.extract, &self.catalog, ctx.texts, ctx.holidays, self.date);
        reject(&mut v, composed.refused);
        let letters = composed.letters;
        let checks = balance(&v.extract, &letters);
        let figures = LetterFigures { advance_notice: letter::advance_notice(&letters, self.date) };
        Ok(Composed::new(v, letters, checks, figures))
    }
}

/// Rejects events the catalog cannot explain like any bad record: out of
/// the extract, counted, their problems in file and line order.
pub fn reject(v: &mut Validated, refused: Vec<(crate::model::EventId, crate::problem::Problem)>) {
    if refused.is_empty() {
        return;
    }
    for (id, problem) in refused {
        if v.extract.ssp_events.remove(&id).is_some() {
            let c = v.counts.entry(load::SSP_EVENTS.name).or_default();
            c.accepted = c.accepted.saturating_sub(1);
            c.rejected += 1;
        }
        v.problems.push(problem);
    }
    crate::validate::sort_problems(&mut v.problems);
}

/// Each accepted event has exactly its letters and enclosures; the amounts
/// stated equal the events'.
fn balance(x: &Extract, letters: &[Letter]) -> Vec<Check> {
    let expected: usize = x.ssp_events.values().map(|e| letter::letters_for(e.event).len()).sum();
    let mut pairs: Vec<(&str, &str)> = letters.iter().map(|l| (l.event_id.as_str(), l.number)).collect();
    pairs.sort_unstable();
    let before = pairs.len();
    pairs.dedup();
    let enclosures: usize = x
        .ssp_events
        .values()
        .map(|e| match e.event {
            SspEventKind::Open | SspEventKind::Reopen => 1,
            SspEventKind::AmountChange if e.eft == Eft::None => 1,
            _ => 0,
        })
        .sum();
    let stated: Decimal = x
        .ssp_events
        .values()
        .filter(|e| matches!(e.event, SspEventKind::Open | SspEventKind::Reopen | SspEventKind::AmountChange))
        .filter_map(|e| e.amount)
        .sum();
    vec![
        Check::new("letters for the events (one each, two for an SSI termination)", expected, before),
        Check::new("each event's letters exactly once", before, pairs.len()),
        Check::new("EFT forms enclosed", enclosures, letters.iter().map(|l| l.enclosures.len()).sum::<usize>()),
        Check::new("monthly amounts: events = as printed in the letters", stated, letters.iter().map(Document::amount).sum::<Decimal>()),
    ]
}
