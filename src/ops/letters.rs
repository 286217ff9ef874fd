//! `ssps letters`: the ACES State Supplemental Payment letters for every
//! case action in `ssp_events.csv`, dated `--date`, to the clients by mail.
//!
//! load → validate → compose ([`crate::compose::letter`], with the catalog
//! of [`crate::texts::aces`]) → the shared document run ([`produce`]).
//! Checked against the input: each event has exactly its letters and EFT
//! enclosures, the amounts the letters state equal the events'. An event
//! the catalog cannot explain (a reason code without text) is rejected with
//! its line and loses nothing else. Terminations and reductions effective
//! less than ten days after the letter date are listed in `summary.json`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::produce::{self, Check, DocumentRun, Labels, Setup};
use super::{read_extract, require, OpError, Outcome, RunOptions, Summary};
use crate::calendar::Holidays;
use crate::compose::letter::{self, Letter};
use crate::compose::{money, Document};
use crate::load;
use crate::mail::DocumentKind;
use crate::model::{Eft, Extract, Month, SspEventKind};
use crate::render::Template;
use crate::texts::aces::{Catalog, ACES};
use crate::validate::Validated;

/// What `ssps letters` is asked to do.
#[derive(Debug, Clone)]
pub struct LetterRun {
    /// The letter date printed on every letter.
    pub date: NaiveDate,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Runs the letters. Returns the summary, whether records were rejected,
/// and what became of the email (letters are mailed only: always none).
pub fn run(req: &LetterRun) -> Result<(Summary, Outcome, Option<produce::EmailOutcome>), OpError> {
    let opts = &req.opts;
    let setup = Setup::load(opts)?;
    let catalog = Catalog::parse(ACES)?;
    let mut v = read_extract(&opts.data)?;
    require(&v, &opts.data, "ACES letters", &[load::CLIENTS.name, load::WORKERS.name, load::SSP_EVENTS.name])?;
    let unexplained = letter::unexplained(&v.extract, &catalog);
    reject(&mut v, unexplained);
    let composed = letter::letters(&v.extract, &catalog, &setup.texts, &Holidays::washington(), req.date);
    reject(&mut v, composed.refused);
    let letters = composed.letters;
    let checks = balance(&v.extract, &letters);
    let date = req.date;
    let words = |lang| setup.texts.date(lang, date);
    let spec = DocumentRun {
        run: "letters",
        ident: format!("ssps-letters-{date}"),
        date,
        month: Month::of(date),
        kind: DocumentKind::Letter,
        template: Template::Letter,
        labels: Labels::Given(catalog.labels()),
        period: date.to_string(),
        period_words: &words,
        advance_notice: Some(letter::advance_notice(&letters, date)),
        tax1099: None,
        attach: true,
        assets: vec![],
    };
    produce::run_documents(&letters, checks, &v, &setup, opts, &spec)
}

/// Rejects events the catalog cannot explain like any bad record: out of
/// the extract, counted, their problems in file and line order.
pub fn reject(v: &mut Validated, refused: Vec<(crate::model::Id, crate::problem::Problem)>) {
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
        Check::new("monthly amounts: events = as printed in the letters", money(stated), money(letters.iter().map(Document::amount).sum())),
    ]
}
