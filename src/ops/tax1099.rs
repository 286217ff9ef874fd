//! `ssps tax1099`: the January 1099 run. Every payment issued in the tax
//! year is sorted into reported, below threshold, exempt or rejected
//! ([`crate::tax1099::ledger`]); each reportable recipient TIN gets a Form
//! 1099-NEC: a Copy B statement through the print channel (or, with the
//! recipient's consent, in the portal with an email notice) and a row in
//! the IRIS upload files. `tax1099/reconciliation.csv` and `.pdf` prove
//! the sorting adds up to every payment of the year, to the cent; the run
//! fails if it does not.
//!
//! With `--corrected-from` an earlier run's reconciliation is the filed
//! state: only returns whose amount, name or TIN changed get a CORRECTED
//! statement and a correction row; returns no longer due are corrected to
//! zero; new ones are originals.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{require, OpError, RunOptions};
use crate::calendar::Holidays;
use crate::compose::statement::{self, Statement};
use crate::compose::Document;
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month};
use crate::pipeline::{self, Asset, Check, Composed, Context, DocumentKind, Period, Report, Source};
use crate::render::{Renderer, Template};
use crate::tax1099::iris::{Layout, UploadFile};
use crate::tax1099::ledger::{self, Filing, Previous, Status};
use crate::tax1099::{furnish_by, Payer, TaxYears};

mod files;
mod previous;

use files::TaxFiles;
use previous::previous;

/// What `ssps tax1099` is asked to do.
#[derive(Debug, Clone)]
pub struct TaxRun {
    /// The tax year: payments issued in it.
    pub year: i32,
    /// The run date (PDF dates, the envelopes' month); default: the first
    /// business day of the next year.
    pub date: Option<NaiveDate>,
    /// An earlier run of the year to correct.
    pub corrected_from: Option<PathBuf>,
    /// Payer settings (default: the bundled `data/payer.toml`).
    pub payer: Option<PathBuf>,
    /// IRIS upload layout (default: the bundled `data/iris-1099nec.toml`).
    pub layout: Option<PathBuf>,
    /// Thresholds by tax year (default: the bundled `data/tax1099.toml`).
    pub tax_years: Option<PathBuf>,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// Why the 1099 run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum TaxError {
    /// The tax year's parameters are missing.
    #[error(transparent)]
    Year(#[from] crate::tax1099::TaxYearError),
    /// The payer settings cannot be used.
    #[error(transparent)]
    Payer(#[from] crate::tax1099::PayerError),
    /// The upload layout cannot be used.
    #[error(transparent)]
    Layout(#[from] crate::tax1099::iris::LayoutError),
    /// A settings file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The earlier run is not a 1099 run of this year.
    #[error("--corrected-from {dir}: {reason}")]
    NotPrevious {
        /// The folder.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// The earlier run's reconciliation cannot be read.
    #[error(transparent)]
    Previous(#[from] ledger::PreviousError),
    /// A file of the run cannot be made.
    #[error("cannot write {0}")]
    Csv(String),
    /// The run date does not fit the tax year.
    #[error("{0}")]
    Date(String),
}

/// `summary.json`'s `tax1099` block.
#[derive(Debug, Clone, Serialize)]
pub struct TaxSummary {
    /// The tax year.
    pub year: i32,
    /// `1099-NEC`.
    pub form: String,
    /// Report at least this.
    #[serde(serialize_with = "crate::money::json")]
    pub threshold: Decimal,
    /// Copy B furnished and returns filed by this day.
    pub furnish_by: NaiveDate,
    /// The run date.
    pub date: NaiveDate,
    /// The run files original returns after `furnish_by` (corrections are
    /// due as soon as an error is found, not by the deadline).
    pub late: bool,
    /// The payer's name.
    pub payer: String,
    /// Whether the payer settings are confirmed (`confirmed = true`); the
    /// bundled ones are placeholders, and the run then ends with exit 1.
    pub payer_confirmed: bool,
    /// The run this one corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_from: Option<String>,
    /// Every payment row of the year in `payments.csv`.
    pub payments_of_the_year: InputTotals,
    /// The same payments, sorted.
    pub sorted: Vec<Sorted>,
    /// Returns by what this run files for them.
    pub returns: Vec<Count>,
    /// Statements by how they are furnished.
    pub statements: Vec<Count>,
    /// The IRIS upload files.
    pub files: Vec<FileFigures>,
    /// Returns that add up several payee numbers sharing one TIN.
    pub tins_with_several_payees: usize,
    /// Rejected payment rows whose issue date cannot be read (their year is unknown).
    pub undated_rejected_payments: usize,
    /// Returns filed before and held as filed although they differ now
    /// (rejected payments or payee, a filed TIN that cannot be read back).
    pub held: Vec<String>,
}

/// Every payment row of the year, from the raw file.
#[derive(Debug, Clone, Serialize)]
pub struct InputTotals {
    /// Rows.
    pub payments: usize,
    /// Sum of the readable amounts.
    #[serde(serialize_with = "crate::money::json")]
    pub amount: Decimal,
    /// Rows whose amount cannot be read.
    pub unreadable_amounts: usize,
}

/// One status's totals.
#[derive(Debug, Clone, Serialize)]
pub struct Sorted {
    /// `reported`, `below_threshold`, `exempt`, `rejected`.
    pub status: Status,
    /// Payee rows.
    pub payees: usize,
    /// Payments.
    pub payments: usize,
    /// Net amount.
    #[serde(serialize_with = "crate::money::json")]
    pub amount: Decimal,
}

/// A named count.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    /// What.
    pub what: &'static str,
    /// How many.
    pub count: usize,
}

/// One upload file.
#[derive(Debug, Clone, Serialize)]
pub struct FileFigures {
    /// `tax1099/iris-1099nec-001.csv`.
    pub file: String,
    /// `original` or `corrected`.
    pub kind: &'static str,
    /// Returns in it.
    pub returns: usize,
    /// Sum of box 1.
    #[serde(serialize_with = "crate::money::json")]
    pub amount: Decimal,
}

fn read(path: &Path) -> Result<String, TaxError> {
    std::fs::read_to_string(path).map_err(|source| TaxError::Read { path: path.to_path_buf(), source })
}

/// The 1099 run's own figures in `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct TaxFigures {
    /// The year, the threshold, the deadline, the reconciliation and the
    /// upload files.
    pub tax1099: TaxSummary,
}

/// Runs the year. Returns the summary, whether records were rejected (or
/// email failed, or returns are held, or the payer is not confirmed), and
/// what became of the email.
pub fn run(req: &TaxRun) -> Result<Report<TaxFigures>, OpError> {
    let opts = &req.opts;
    let year = req.year;
    let a = &opts.assets;
    a.only_one("data/tax1099.toml", "--tax-years", req.tax_years.is_some())?;
    a.only_one("data/payer.toml", "--payer", req.payer.is_some())?;
    a.only_one("data/iris-1099nec.toml", "--iris-layout", req.layout.is_some())?;
    let years = match &req.tax_years {
        Some(p) => TaxYears::parse(&read(p)?, &p.display().to_string()).map_err(TaxError::from)?,
        None => TaxYears::parse(opts.assets.text("data/tax1099.toml"), "data/tax1099.toml").map_err(TaxError::from)?,
    };
    let threshold = years.threshold(year).map_err(TaxError::from)?;
    let payer = match &req.payer {
        Some(p) => Payer::parse(&read(p)?, &p.display().to_string()).map_err(TaxError::from)?,
        None => Payer::parse(opts.assets.text("data/payer.toml"), "data/payer.toml").map_err(TaxError::from)?,
    };
    let layout = match &req.layout {
        Some(p) => Layout::parse(&read(p)?, &p.display().to_string()).map_err(TaxError::from)?,
        None => Layout::parse(opts.assets.text("data/iris-1099nec.toml"), "data/iris-1099nec.toml").map_err(TaxError::from)?,
    };
    let previous = match &req.corrected_from {
        Some(dir) => {
            let same = std::fs::canonicalize(dir).ok().zip(std::fs::canonicalize(&opts.out).ok()).is_some_and(|(a, b)| a == b);
            if same {
                return Err(TaxError::NotPrevious {
                    dir: dir.clone(),
                    reason: "it is the --out folder; write the correction run to a new folder".into(),
                }
                .into());
            }
            Some(previous(dir, year, &layout)?)
        }
        None => None,
    };
    let holidays = opts.holidays()?;
    let deadline = furnish_by(&holidays, year);
    let date = req.date.unwrap_or_else(|| default_date(&holidays, year, deadline));
    check_date(year, date).map_err(TaxError::Date)?;
    let suffix = req.corrected_from.as_ref().map(|_| format!("-C{}", date.format("%Y%m%d")));
    let kind = Statements {
        year,
        date,
        deadline,
        threshold,
        payer,
        layout,
        previous,
        // Absolute, so a later correction finds this run's ancestors from anywhere.
        corrected_from: req.corrected_from.as_ref().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone()).display().to_string()),
        suffix,
        labels: statement_labels(&opts.assets)?,
        holidays,
    };
    pipeline::run(&kind, opts)
}

impl Statements {
    /// The first run of `year` (no correction) as the settings of `assets`
    /// make it, dated as `ssps tax1099` dates it by default: what a
    /// statement is re-made from on demand (`crate::ondemand`). A run made
    /// with `--payer`, `--tax-years` or `--date` is re-made with these
    /// instead.
    pub fn first_run(year: i32, assets: &crate::assets::Assets, holidays: Holidays) -> Result<Statements, OpError> {
        let years = TaxYears::parse(assets.text("data/tax1099.toml"), "data/tax1099.toml").map_err(TaxError::from)?;
        let payer = Payer::parse(assets.text("data/payer.toml"), "data/payer.toml").map_err(TaxError::from)?;
        let layout = Layout::parse(assets.text("data/iris-1099nec.toml"), "data/iris-1099nec.toml").map_err(TaxError::from)?;
        let deadline = furnish_by(&holidays, year);
        let date = default_date(&holidays, year, deadline);
        Ok(Statements {
            year,
            date,
            deadline,
            threshold: years.threshold(year).map_err(TaxError::from)?,
            payer,
            layout,
            previous: None,
            corrected_from: None,
            suffix: None,
            labels: statement_labels(assets)?,
            holidays,
        })
    }
}

/// The run date when none is given: the first business day on or after
/// January 2 of the next year.
fn default_date(holidays: &Holidays, year: i32, deadline: NaiveDate) -> NaiveDate {
    holidays.business_day_on_or_after(NaiveDate::from_ymd_opt(year + 1, 1, 2).unwrap_or(deadline))
}

/// The Form 1099-NEC statement kind: a tax year's returns, their Copy B
/// statements, the IRIS upload files and the reconciliation.
pub struct Statements {
    year: i32,
    date: NaiveDate,
    deadline: NaiveDate,
    threshold: Decimal,
    payer: Payer,
    layout: Layout,
    previous: Option<Previous>,
    corrected_from: Option<String>,
    /// `-C20270215` on a correction run: its statements' ids and its ident.
    suffix: Option<String>,
    labels: serde_json::Value,
    holidays: Holidays,
}

impl DocumentKind for Statements {
    type Doc = Statement;
    type Extra = TaxFigures;

    fn kind(&self) -> Kind {
        Kind::Statement1099
    }

    fn period(&self) -> Period {
        let year = self.year;
        let ident = match &self.suffix {
            Some(s) => format!("ssps-tax1099-{year}{}", s.to_lowercase()),
            None => format!("ssps-tax1099-{year}"),
        };
        Period { key: year.to_string(), ident, date: self.date, month: Month::of(self.date) }
    }

    fn period_words(&self, _texts: &crate::texts::Texts, lang: Language) -> String {
        match lang {
            Language::Es => format!("el año tributario {}", self.year),
            Language::En => format!("tax year {}", self.year),
        }
    }

    fn labels(&self, _texts: &crate::texts::Texts) -> Result<serde_json::Value, OpError> {
        Ok(self.labels.clone())
    }

    fn attach_to_email(&self) -> bool {
        false
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, Statement, TaxFigures>, OpError> {
        let (year, date, payer, layout) = (self.year, self.date, &self.payer, &self.layout);
        let files = [load::PAYEES.name, load::PAYMENTS.name];
        let (v, raw) = match ctx.source {
            // Load, keeping the raw payments: the reconciliation counts every row.
            Source::Folder => {
                let loaded = load::load_folder(&ctx.opts.data)?;
                let raw = loaded.tables.get(load::PAYMENTS.name).map(ledger::raw_payments).unwrap_or_default();
                let v = crate::validate::validate(loaded, &self.holidays);
                require(&v, &ctx.opts.data, "1099 statements", &files)?;
                (v, raw)
            }
            // Validated already, its raw rows gone: no rejected payment is
            // known (they change no original return, only the reconciliation).
            Source::Memory(_) => (ctx.read("1099 statements", &files)?, Vec::new()),
        };
        let rejected = ledger::rejected_payments(&raw, &v.extract, &v.problems);
        let ledger = ledger::build(year, self.threshold, &v.extract, &rejected, self.previous.as_ref());
        let statements: Vec<Statement> = ledger
            .filed()
            .map(|r| {
                let mut s = statement::statement(r, payer, year);
                if r.filing.corrected() {
                    // A corrected statement is a new document: the original may
                    // have been emailed already.
                    s.id.push_str(self.suffix.as_deref().unwrap_or("-C"));
                }
                s
            })
            .collect();

        let identity = ledger::Identity::of(&ledger, &raw);
        let (input_count, input_sum, unreadable) = (identity.input_payments, identity.input_amount, identity.unreadable);
        let (sorted_count, sorted_sum) = (identity.sorted_payments, identity.sorted_amount);
        let tallies = ledger.tallies();
        // Held returns keep their filed figure: what this run found for them counts here.
        let reported_returns: Decimal = ledger.returns.iter().filter(|r| r.filing != Filing::Void).map(|r| r.amount).sum::<Decimal>()
            + ledger.held.iter().map(|h| h.now).sum::<Decimal>();
        // The box as printed, read back: a box that does not read fails the check.
        let printed_ok = statements.iter().zip(ledger.filed()).all(|(s, r)| statement::printed_amount(s) == Some(r.amount));
        let mut checks = vec![
            Check::new(
                "payments of the year: payments.csv rows = reported + below threshold + exempt + rejected",
                input_count,
                sorted_count,
            ),
            Check::new("amount of the year: payments.csv = reported + below threshold + exempt + rejected", input_sum, sorted_sum),
            Check::new(
                "reported payments = box 1 of the returns (and of the held ones, as found now)",
                tallies[&Status::Reported].amount,
                reported_returns,
            ),
            Check::new("statements = returns filed by this run", ledger.filed().count(), statements.len()),
            Check::new("every statement's printed box 1 = its return's", true, printed_ok),
        ];
        if self.previous.is_none() {
            checks.push(Check::new("a first run files every return as an original", ledger.returns.len(), statements.len()));
        }

        let originals: Vec<&ledger::Return> = ledger.filed().filter(|r| r.filing == Filing::Original).collect();
        let corrections: Vec<&ledger::Return> = ledger.filed().filter(|r| r.filing.corrected()).collect();
        let csv_err = |e: csv::Error| OpError::from(TaxError::Csv(e.to_string()));
        let mut files: Vec<(UploadFile, &'static str)> =
            layout.files("iris-1099nec", &originals, payer, year).map_err(csv_err)?.into_iter().map(|f| (f, "original")).collect();
        files.extend(
            layout.files("iris-1099nec-corrected", &corrections, payer, year).map_err(csv_err)?.into_iter().map(|f| (f, "corrected")),
        );

        let electronic = statements.iter().filter(|s| s.to().wants_email()).count();
        let mailable = statements.iter().filter(|s| s.to().mail_address().is_some()).count();
        let summary = TaxSummary {
            year,
            form: layout.form.clone(),
            threshold: self.threshold,
            furnish_by: self.deadline,
            date,
            late: date > self.deadline && ledger.filed().any(|r| r.filing == Filing::Original),
            payer: payer.name.clone(),
            payer_confirmed: payer.confirmed,
            corrected_from: self.corrected_from.clone(),
            payments_of_the_year: InputTotals { payments: input_count, amount: input_sum, unreadable_amounts: unreadable },
            sorted: tallies.iter().map(|(s, t)| Sorted { status: *s, payees: t.payees, payments: t.payments, amount: t.amount }).collect(),
            returns: [Filing::Original, Filing::Corrected, Filing::Void, Filing::Unchanged]
                .iter()
                .map(|f| Count { what: f.code(), count: ledger.returns.iter().filter(|r| r.filing == *f).count() })
                .chain([Count { what: "held", count: ledger.held.len() }])
                .collect(),
            statements: vec![
                Count { what: "mail", count: mailable },
                Count { what: "electronic", count: electronic },
                Count { what: "unmailable", count: statements.len().saturating_sub(mailable + electronic) },
            ],
            files: files
                .iter()
                .map(|(f, kind)| FileFigures { file: format!("tax1099/{}", f.name), kind, returns: f.returns, amount: f.amount })
                .collect(),
            tins_with_several_payees: ledger.returns.iter().filter(|r| r.members.len() > 1).count(),
            undated_rejected_payments: ledger.undated.len(),
            held: ledger.held.iter().map(|h| h.account.clone()).collect(),
        };
        let attention = !ledger.held.is_empty() || !payer.confirmed;
        let back = Asset {
            name: "statement-back.pdf".into(),
            ident: format!("{}-statement-back.pdf", self.period().ident),
            template: Template::StatementBack,
            data: serde_json::json!({ "labels": self.labels, "year": year.to_string(), "phone": payer.phone }),
            date,
        };
        let figures = TaxFigures { tax1099: summary.clone() };
        let ident = self.period().ident;
        let own = move |dir: &Path, renderer: &Renderer| {
            TaxFiles { ident: &ident, layout, payer, ledger: &ledger, identity: &identity, summary: &summary, files: &files }
                .write(dir, renderer)
        };
        let mut composed = Composed::new(v, statements, checks, figures);
        composed.assets = vec![back];
        composed.own_files = Some(Box::new(own));
        composed.attention = attention;
        Ok(composed)
    }
}

/// The statement's words (`letters/tax1099.toml`) as the template takes them.
fn statement_labels(assets: &crate::assets::Assets) -> Result<serde_json::Value, OpError> {
    let file = "letters/tax1099.toml";
    let table: toml::Table =
        toml::from_str(assets.text(file)).map_err(|e| OpError::Bundled { file: file.into(), message: e.to_string() })?;
    serde_json::to_value(table).map_err(|e| OpError::Bundled { file: file.into(), message: e.to_string() })
}

impl From<TaxError> for OpError {
    fn from(e: TaxError) -> OpError {
        OpError::Kind(Box::new(e))
    }
}

/// The run date's year must follow the tax year (a statement is furnished
/// after the year ends).
pub fn check_date(year: i32, date: NaiveDate) -> Result<(), String> {
    if date.year() <= year {
        Err(format!("--date {date} is not after tax year {year}: statements are furnished after the year ends"))
    } else {
        Ok(())
    }
}
