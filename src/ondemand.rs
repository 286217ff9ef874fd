//! Documents made on demand, for the provider portal: a payee's document
//! of a run made again from the extract in memory, untagged (PDF/A-2b, as
//! the runs' download copies) or tagged (PDF/UA-1, for screen readers:
//! title, language, headings in order, line tables with header cells,
//! decoration marked as artifacts); and a remittance advice for a payment
//! no run made one for.
//!
//! A run is named by what its `summary.json` holds ([`Remake::from_summary`]:
//! its `run` and `period`); the payee's part of the extract comes from
//! [`crate::model::Extract::for_payee`] (or a [`crate::model::payee::PayeeIndex`]);
//! [`OnDemand::render_one`] composes the kind as its run does
//! ([`crate::pipeline::one`]) and renders the one document. The same
//! extract and request give the same bytes, so a copy can be cached.
//!
//! Kinds: invoices, remittance advices, Social Services Notices, Vendor
//! Overpayment Notices, and the 1099-NEC statements of a tax year's first
//! run (with the bundled or `--assets` payer settings and thresholds; a
//! correction run's statements are not re-made). The ACES letters and the
//! MILs report are not payees' documents.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use crate::assets::Assets;
use crate::calendar::Holidays;
use crate::kind::Kind;
use crate::model::{Extract, Month, PayeeNumber, Payment};
use crate::ops::invoices::Invoices;
use crate::ops::notices::Notices;
use crate::ops::overpayments::Overpayments;
use crate::ops::remittances::Remittances;
use crate::ops::tax1099::Statements;
use crate::pipeline::one::{self, Making, Renderers};
use crate::pipeline::{OpError, RunOptions};
use crate::render::Tagging;
use crate::texts::Texts;

pub use crate::pipeline::one::OneDocument;

/// A run whose documents can be made again, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remake {
    /// `ssps invoices --month`.
    Invoices {
        /// The service month.
        month: Month,
    },
    /// `ssps remittances --from --to` (by issue date).
    Remittances {
        /// First issue date.
        from: NaiveDate,
        /// Last issue date.
        to: NaiveDate,
    },
    /// `ssps notices --from --to` (by action date).
    Notices {
        /// First action date.
        from: NaiveDate,
        /// Last action date.
        to: NaiveDate,
    },
    /// `ssps overpayments --date`.
    Overpayments {
        /// The notice date.
        date: NaiveDate,
    },
    /// `ssps tax1099 --year`, a first run (not a correction).
    Tax1099 {
        /// The tax year.
        year: i32,
    },
}

impl Remake {
    /// The run named by `summary.json`'s `run` and `period` (`invoices` and
    /// `2026-10`, `remittances` and `2026-10-01..2026-10-31`, `overpayments`
    /// and `2025-10-01`, `tax1099` and `2026`); `None` for another run or a
    /// period that does not read. A `tax1099` period is taken as the first
    /// run of the year: [`Remake::from_summary_json`] refuses a correction run.
    pub fn from_summary(run: &str, period_key: &str) -> Option<Remake> {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|d| d.format("%Y-%m-%d").to_string() == s);
        let window = || {
            let (from, to) = period_key.split_once("..")?;
            Some((date(from)?, date(to)?)).filter(|(f, t)| f <= t)
        };
        match run {
            "invoices" => Month::parse(period_key).map(|month| Remake::Invoices { month }),
            "remittances" => window().map(|(from, to)| Remake::Remittances { from, to }),
            "notices" => window().map(|(from, to)| Remake::Notices { from, to }),
            "overpayments" => date(period_key).map(|date| Remake::Overpayments { date }),
            "tax1099" => {
                let ok = period_key.len() == 4 && period_key.bytes().all(|b| b.is_ascii_digit());
                ok.then(|| period_key.parse().ok()).flatten().map(|year| Remake::Tax1099 { year })
            }
            _ => None,
        }
    }

    /// The run a `summary.json` describes (its text); `None` when it does
    /// not read, names another run, or is a 1099 correction run.
    pub fn from_summary_json(text: &str) -> Option<Remake> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        if v.pointer("/tax1099/corrected_from").is_some_and(|c| !c.is_null()) {
            return None;
        }
        Remake::from_summary(v.get("run")?.as_str()?, v.get("period")?.as_str()?)
    }

    /// The remittance advice of `payment`, whether or not a run made one:
    /// a window of its issue date alone.
    pub fn remittance_for_payment(payment: &Payment) -> Remake {
        Remake::Remittances { from: payment.issue_date, to: payment.issue_date }
    }

    /// The kind of its documents.
    pub fn kind(&self) -> Kind {
        match self {
            Remake::Invoices { .. } => Kind::Invoice,
            Remake::Remittances { .. } => Kind::Remittance,
            Remake::Notices { .. } => Kind::Notice,
            Remake::Overpayments { .. } => Kind::Overpayment,
            Remake::Tax1099 { .. } => Kind::Statement1099,
        }
    }

    /// The period as `summary.json` writes it.
    pub fn period_key(&self) -> String {
        match self {
            Remake::Invoices { month } => month.to_string(),
            Remake::Remittances { from, to } | Remake::Notices { from, to } => format!("{from}..{to}"),
            Remake::Overpayments { date } => date.to_string(),
            Remake::Tax1099 { year } => year.to_string(),
        }
    }
}

/// Makes documents on demand: the templates, words and holidays read once,
/// the kinds' once-per-run pages rendered once and kept. One for the
/// portal's process, shared by its threads.
pub struct OnDemand {
    opts: RunOptions,
    texts: Texts,
    holidays: Holidays,
    renderers: Renderers,
    /// The 1099 kind of a year, its settings read once.
    statements: Mutex<BTreeMap<i32, Arc<Statements>>>,
    /// Documents made, for trimming Typst's memo cache now and then.
    made: AtomicUsize,
}

/// Typst's memo cache is trimmed after every this many documents, so a
/// long-running portal's memory stays flat.
const TRIM_EVERY: usize = 64;

impl OnDemand {
    /// Reads the templates, texts and data files of `assets` (the
    /// embedded set: `Assets::default()`, or the staff's overrides, as the
    /// runs were given them).
    pub fn new(assets: &Assets) -> Result<OnDemand, OpError> {
        let texts = Texts::parse(assets.text("letters/documents.toml"))?;
        let holidays = crate::pipeline::holidays(assets)?;
        Ok(OnDemand {
            opts: one::options(assets),
            texts,
            holidays,
            renderers: Renderers::new(assets)?,
            statements: Mutex::new(BTreeMap::new()),
            made: AtomicUsize::new(0),
        })
    }

    /// Document `document_id` of `remake` addressed to `payee`, made from
    /// `extract` (the payee's part: `Extract::for_payee`), alone: tagged
    /// as PDF/UA-1, or untagged as a PDF/A-2b copy. `None` when the run
    /// makes no such document for this payee (another payee's id included).
    pub fn render_one(
        &self,
        remake: &Remake,
        payee: &PayeeNumber,
        extract: &Extract,
        document_id: &str,
        tagged: bool,
    ) -> Result<Option<OneDocument>, OpError> {
        let tagging = if tagged { Tagging::PdfUa1 } else { Tagging::Untagged };
        let m = Making { opts: &self.opts, texts: &self.texts, holidays: &self.holidays, renderers: &self.renderers };
        let made = match *remake {
            Remake::Invoices { month } => one::render_one(&Invoices { month }, extract, payee, document_id, tagging, &m),
            Remake::Remittances { from, to } | Remake::Notices { from, to } if from > to => Err(OpError::Window { from, to }),
            Remake::Remittances { from, to } => one::render_one(&Remittances { from, to }, extract, payee, document_id, tagging, &m),
            Remake::Notices { from, to } => one::render_one(&Notices { from, to }, extract, payee, document_id, tagging, &m),
            Remake::Overpayments { date } => {
                let kind = Overpayments { date, holidays: self.holidays.clone() };
                one::render_one(&kind, extract, payee, document_id, tagging, &m)
            }
            Remake::Tax1099 { year } => one::render_one(self.statements(year)?.as_ref(), extract, payee, document_id, tagging, &m),
        };
        if self.made.fetch_add(1, Ordering::Relaxed) % TRIM_EVERY == TRIM_EVERY - 1 {
            crate::render::trim_caches();
        }
        made
    }

    /// The receipt of a claim submitted online, from the payee's part of
    /// the extract: archived (PDF/A-2b) or tagged (PDF/UA-1).
    pub fn receipt(
        &self,
        claim: &crate::compose::receipt::Submitted,
        extract: &Extract,
        tagged: bool,
    ) -> Result<Option<OneDocument>, OpError> {
        let tagging = if tagged { Tagging::PdfUa1 } else { Tagging::Untagged };
        let m = Making { opts: &self.opts, texts: &self.texts, holidays: &self.holidays, renderers: &self.renderers };
        let kind = crate::ops::receipts::Receipts { claims: vec![claim.clone()], date: claim.sent.date() };
        let id = format!("CR-{}", claim.invoice_number);
        one::render_one(&kind, extract, &claim.payee, &id, tagging, &m)
    }

    /// The 1099 kind of `year`'s first run.
    fn statements(&self, year: i32) -> Result<Arc<Statements>, OpError> {
        let mut all = self.statements.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = all.get(&year) {
            return Ok(s.clone());
        }
        let s = Arc::new(Statements::first_run(year, &self.opts.assets, self.holidays.clone())?);
        all.insert(year, s.clone());
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_summary_names_the_run_it_remakes_and_its_period_round_trips() {
        let cases = [
            ("invoices", "2026-10", Remake::Invoices { month: Month::parse("2026-10").unwrap() }),
            ("remittances", "2026-10-01..2026-10-31", Remake::Remittances { from: d("2026-10-01"), to: d("2026-10-31") }),
            ("notices", "2026-10-01..2026-10-31", Remake::Notices { from: d("2026-10-01"), to: d("2026-10-31") }),
            ("overpayments", "2025-10-01", Remake::Overpayments { date: d("2025-10-01") }),
            ("tax1099", "2026", Remake::Tax1099 { year: 2026 }),
        ];
        for (run, key, remake) in cases {
            assert_eq!(Remake::from_summary(run, key), Some(remake));
            assert_eq!((remake.kind().run(), remake.period_key()), (run, key.to_string()));
        }
    }

    #[test]
    fn other_runs_and_periods_that_do_not_read_remake_nothing() {
        for (run, key) in [
            ("letters", "2026-10-20"),
            ("mil-report", "2026-10"),
            ("invoices", "2026-13"),
            ("remittances", "2026-10-31..2026-10-01"),
            ("remittances", "2026-10-01"),
            ("notices", "2026-10-1..2026-10-31"),
            ("overpayments", "2025-10-01..2025-10-02"),
            ("tax1099", "26"),
            ("tax1099", "+2026"),
        ] {
            assert_eq!(Remake::from_summary(run, key), None, "{run} {key}");
        }
    }

    #[test]
    fn one_maker_is_shared_by_the_portals_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<OnDemand>();
    }

    #[test]
    fn a_correction_run_is_not_remade() {
        let first = r#"{"run": "tax1099", "period": "2026", "tax1099": {"year": 2026}}"#;
        assert_eq!(Remake::from_summary_json(first), Some(Remake::Tax1099 { year: 2026 }));
        let corrected = r#"{"run": "tax1099", "period": "2026", "tax1099": {"corrected_from": "/runs/tax1099-2026"}}"#;
        assert_eq!(Remake::from_summary_json(corrected), None);
        assert_eq!(Remake::from_summary_json("not json"), None);
    }
}
