//! `ssps mil-report`: the ACES "MILs Report for MM/CCYY", a staff report of
//! the month's Mandatory Income Level cases, from the SSP case roster
//! `ssp_cases.csv`.
//!
//! load → validate → compose (here: one document, its pages cut before
//! rendering) → the shared document run ([`pipeline`]). A case is listed
//! when its program type is `M` and it is open on at least one day of the
//! month (the manual's one-day rule: opened on or before the last day, and
//! not closed or closed on or after the first day), sorted by AU number
//! (the case's key in ACES; a client's name may be missing), with the
//! client's name from `clients.csv` when the client is there (else blank,
//! with a warning from validation). Its addressee is staff: no mail or
//! email, the download channel only (`download/SSP-UNIT.zip` beside its file
//! copy under `documents/`). Beside it, `mil-report.csv` lists the same rows with plain
//! numbers. Checked against the input: the cases listed are exactly the M
//! cases open in the month (counted and summed independently), each once;
//! every row of the CSV, read back, equals the PDF's row.

use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{OpError, RunOptions};
use crate::compose::remittance::paginate;
use crate::compose::{form_date, money, Addressee, DocMeta, Document};
use crate::kind::Kind;
use crate::load;
use crate::model::{Extract, Id, Language, Month, SspCase, SspProgramType};
use crate::money::{CheckedSum, Overflow};
use crate::pipeline::{self, Check, Composed, Context, DocumentKind, Period, Report};
use crate::render::Renderer;
use crate::route::RouteError;

/// Cases on the report's first page (below the title and the facts).
pub const ROWS_FIRST_PAGE: usize = 30;
/// Cases on each next page.
pub const ROWS_NEXT_PAGE: usize = 36;

/// The addressee's id: the folder of the report's file copy.
pub const STAFF_ID: &str = "SSP-UNIT";
/// Who the report is for.
pub const STAFF_NAME: &str = "DSHS State Supplemental Payment (SSP) unit";
/// The CSV beside the PDF, in the run folder.
pub const CSV_FILE: &str = "mil-report.csv";

/// What `ssps mil-report` is asked to do.
#[derive(Debug, Clone)]
pub struct MilRun {
    /// The report's month.
    pub month: Month,
    /// Folders and settings (channels have nothing to take).
    pub opts: RunOptions,
}

/// The run's own figures in `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct MilFigures {
    /// The report's month, its cases and total.
    pub mil_report: MilSummary,
}

/// `summary.json`'s `mil_report` block.
#[derive(Debug, Clone, Serialize)]
pub struct MilSummary {
    /// `2026-10`.
    pub month: Month,
    /// MIL cases listed.
    pub cases: usize,
    /// Their monthly amounts, summed.
    #[serde(serialize_with = "crate::money::json")]
    pub total: Decimal,
    /// The CSV file in the run folder.
    pub csv: &'static str,
}

/// Runs the month's report.
pub fn run(req: &MilRun) -> Result<Report<MilFigures>, OpError> {
    pipeline::run(&MilReports { month: req.month }, &req.opts)
}

/// One case as the report lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MilRow {
    /// Row number, 1-based, continuing across pages.
    pub n: usize,
    /// The assistance unit.
    pub au_number: String,
    /// The client's id.
    pub client_id: String,
    /// The client's name, empty when the client is not in `clients.csv`.
    pub client: String,
    /// Opened, `MM/DD/YYYY`.
    pub open_date: String,
    /// Closed, `MM/DD/YYYY`; empty while open.
    pub close_date: String,
    /// The monthly amount, `1,234.56`.
    pub amount: String,
    /// The amount as a number (not printed).
    #[serde(skip)]
    pub value: Decimal,
    /// The dates as dates (not printed).
    #[serde(skip)]
    pub dates: (NaiveDate, Option<NaiveDate>),
}

/// The MILs Report for one month, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct MilReport {
    /// Document id: `MIL-2026-10`.
    pub id: crate::model::DocumentId,
    /// `10/2026`: the report's MM/CCYY.
    pub month: String,
    /// The month's first and last day, `MM/DD/YYYY`.
    pub first_day: String,
    /// And its last.
    pub last_day: String,
    /// Who it is for.
    pub recipient: String,
    /// `en`: the labels' language.
    pub language: &'static str,
    /// The cases, cut into pages.
    pub pages: Vec<Vec<MilRow>>,
    /// How many, as printed.
    pub cases: String,
    /// Their total, `1,234.56`.
    pub total: String,
    /// Not printed: staff addressee, total, cases.
    #[serde(skip)]
    pub meta: DocMeta,
}

impl Document for MilReport {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> Kind {
        Kind::MilReport
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn title(&self) -> String {
        format!("MILs Report for {}", self.month)
    }
}

/// `MM/CCYY`, as the manual names the report.
pub fn mm_ccyy(month: Month) -> String {
    format!("{:02}/{:04}", month.month(), month.year())
}

/// The month's report: every type M case open on a day of the month, by
/// AU number.
pub fn report(x: &Extract, month: Month) -> Result<MilReport, Overflow> {
    // The roster is keyed by AU number: its order is the report's.
    let cases: Vec<&SspCase> = x.ssp_cases.values().filter(|c| c.program_type == SspProgramType::Mil && c.open_in(month)).collect();
    let total = cases.iter().map(|c| c.amount).sum_or(|| format!("the MIL cases of {month}"))?;
    let rows: Vec<MilRow> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| MilRow {
            n: i + 1,
            au_number: c.au_number.to_string(),
            client_id: c.client_id.to_string(),
            client: x.clients.get(&c.client_id).map(|k| k.full_name()).unwrap_or_default(),
            open_date: form_date(c.open_date),
            close_date: c.close_date.map(form_date).unwrap_or_default(),
            amount: money(c.amount),
            value: c.amount,
            dates: (c.open_date, c.close_date),
        })
        .collect();
    let staff = Id::parse(STAFF_ID).unwrap_or_else(|| unreachable!("{STAFF_ID} is an identifier"));
    Ok(MilReport {
        id: crate::model::DocumentId::join(&[&"MIL", &month]),
        month: mm_ccyy(month),
        first_day: form_date(month.first_day()),
        last_day: form_date(month.last_day()),
        recipient: STAFF_NAME.to_string(),
        language: Language::En.code(),
        pages: paginate(&rows, ROWS_FIRST_PAGE, ROWS_NEXT_PAGE),
        cases: rows.len().to_string(),
        total: money(total),
        meta: DocMeta {
            to: Addressee::staff(staff, STAFF_NAME),
            amount: total,
            lines: rows.len(),
            // AU numbers are not authorization reference numbers; the
            // report's own checks count its rows.
            references: Vec::new(),
        },
    })
}

/// The MILs Report kind: one staff report a month.
pub struct MilReports {
    /// The report's month.
    pub month: Month,
}

impl DocumentKind for MilReports {
    type Doc = MilReport;
    type Extra = MilFigures;

    fn kind(&self) -> Kind {
        Kind::MilReport
    }

    fn period(&self) -> Period {
        let m = self.month;
        Period { key: m.to_string(), ident: format!("ssps-mil-report-{m}"), date: m.last_day(), month: m }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.month(lang, self.month.year(), self.month.month())
    }

    /// A staff report: downloaded from the run folder, never mailed or emailed.
    fn channels(&self) -> pipeline::Allowed {
        pipeline::Allowed::DOWNLOAD_ONLY
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, MilReport, MilFigures>, OpError> {
        let v = ctx.read("the MILs report", &[load::SSP_CASES.name])?;
        let doc = report(&v.extract, self.month)?;
        let checks = balance(&v.extract, self.month, &doc)?;
        let figures =
            MilFigures { mil_report: MilSummary { month: self.month, cases: doc.meta.lines, total: doc.meta.amount, csv: CSV_FILE } };
        let rows: Vec<MilRow> = doc.pages.concat();
        let own = move |dir: &Path, _: &Renderer| write_csv(dir, &rows);
        let mut composed = Composed::new(v, vec![doc], checks, figures);
        composed.own_files = Some(Box::new(own));
        Ok(composed)
    }
}

/// The report against the roster, computed again another way: the M cases
/// whose open period overlaps the month, their count and checked sum.
fn balance(x: &Extract, month: Month, doc: &MilReport) -> Result<Vec<Check>, Overflow> {
    let expected: Vec<&SspCase> = x
        .ssp_cases
        .values()
        .filter(|c| c.program_type.code() == "M")
        .filter(|c| month.overlaps(c.open_date, c.close_date.unwrap_or(NaiveDate::MAX)))
        .collect();
    let sum = expected.iter().map(|c| c.amount).sum_or(|| format!("the type M cases of {month} in ssp_cases.csv"))?;
    let rows: Vec<&MilRow> = doc.pages.iter().flatten().collect();
    let mut listed: Vec<&str> = rows.iter().map(|r| r.au_number.as_str()).collect();
    listed.sort_unstable();
    listed.dedup();
    let all_expected = rows.iter().all(|r| expected.iter().any(|c| c.au_number.as_str() == r.au_number && c.amount == r.value));
    let printed = rows.iter().map(|r| r.value).sum_or(|| format!("the MILs report of {month}"))?;
    let as_printed = doc.cases == rows.len().to_string() && doc.total == money(sum);
    Ok(vec![
        Check::new("type M cases open in the month (ssp_cases.csv) = cases listed", expected.len(), rows.len()),
        Check::new("each case listed once", rows.len(), listed.len()),
        Check::new("every case listed is a type M case open in the month, with its amount", true, all_expected),
        Check::new("MIL amount: ssp_cases.csv = the report's total", sum, doc.meta.amount),
        Check::new("the report's total = its rows' amounts", printed, doc.meta.amount),
        Check::new("count and total as printed = the roster's", true, as_printed),
    ])
}

/// One row of `mil-report.csv` (plain numbers, ISO dates).
#[derive(Debug, Serialize)]
struct CsvRow<'a> {
    n: usize,
    au_number: &'a str,
    client_id: &'a str,
    client_name: &'a str,
    program_type: &'static str,
    open_date: NaiveDate,
    close_date: Option<NaiveDate>,
    #[serde(serialize_with = "crate::money::csv")]
    amount: Decimal,
}

/// Writes `mil-report.csv` (cells neutralised for spreadsheets), reads it
/// back and checks every row against the report's.
fn write_csv(dir: &Path, rows: &[MilRow]) -> Result<Vec<Check>, OpError> {
    let err = |source| OpError::Csv { file: CSV_FILE.into(), source };
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    if rows.is_empty() {
        w.write_record(["n", "au_number", "client_id", "client_name", "program_type", "open_date", "close_date", "amount"]).map_err(err)?;
    }
    for r in rows {
        w.serialize(CsvRow {
            n: r.n,
            au_number: &r.au_number,
            client_id: &r.client_id,
            client_name: &r.client,
            program_type: SspProgramType::Mil.code(),
            open_date: r.dates.0,
            close_date: r.dates.1,
            amount: r.value,
        })
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| err(csv::Error::from(e.into_error())))?;
    let bytes = crate::spreadsheet::neutralise(&bytes, csv::Terminator::CRLF).map_err(err)?;
    let path = dir.join(CSV_FILE);
    std::fs::write(&path, &bytes).map_err(|source| RouteError::Write { path: path.clone(), source })?;

    let read_back = |m: String| OpError::ReadBack { file: CSV_FILE.into(), message: m };
    let back = std::fs::read(&path).map_err(|e| read_back(e.to_string()))?;
    let mut r = csv::Reader::from_reader(back.as_slice());
    let mut same = 0usize;
    let mut read = 0usize;
    let mut amount = Decimal::ZERO;
    for (record, row) in r.records().zip(rows.iter().map(Some).chain(std::iter::repeat(None))) {
        let record = record.map_err(|e| read_back(e.to_string()))?;
        read += 1;
        let cell = |i: usize| crate::spreadsheet::restore(record.get(i).unwrap_or_default()).to_string();
        let value: Decimal = cell(7).parse().map_err(|_| read_back(format!("line {}: amount {:?} is not a number", read + 1, cell(7))))?;
        amount = amount.checked_add(value).ok_or_else(|| Overflow::new(CSV_FILE))?;
        let Some(row) = row else { continue };
        let fields = [
            cell(0) == row.n.to_string(),
            cell(1) == row.au_number,
            cell(2) == row.client_id,
            cell(3) == row.client,
            cell(4) == SspProgramType::Mil.code(),
            cell(5) == row.dates.0.to_string(),
            cell(6) == row.dates.1.map(|d| d.to_string()).unwrap_or_default(),
            value == row.value && money(value) == row.amount,
        ];
        if fields.iter().all(|f| *f) {
            same += 1;
        }
    }
    let listed = rows.iter().map(|r| r.value).sum_or(|| "the MILs report".to_string())?;
    Ok(vec![
        Check::new("rows of mil-report.csv (read back) = cases listed", rows.len(), read),
        Check::new("rows of mil-report.csv equal to the report's rows", rows.len(), same),
        Check::new("amount in mil-report.csv (read back) = the report's total", listed, amount),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn the_report_is_named_as_the_manual_names_it() {
        assert_eq!(mm_ccyy(month("2026-02")), "02/2026");
    }

    #[test]
    fn pages_are_cut_before_rendering_and_an_empty_report_has_one_page() {
        let rows: Vec<u32> = (0..(ROWS_FIRST_PAGE + ROWS_NEXT_PAGE + 1) as u32).collect();
        let pages = paginate(&rows, ROWS_FIRST_PAGE, ROWS_NEXT_PAGE);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [ROWS_FIRST_PAGE, ROWS_NEXT_PAGE, 1]);
        let empty = report(&Extract::default(), month("2026-10")).unwrap();
        assert_eq!((empty.page_count(), empty.cases.as_str(), empty.total.as_str()), (1, "0", "0.00"));
        assert!(!empty.to().wants_mail() && !empty.to().wants_email() && empty.to().portal, "downloaded only");
    }
}
