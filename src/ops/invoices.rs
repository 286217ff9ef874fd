//! `ssps invoices`: the monthly DSHS 08-141 invoice run.
//!
//! load → validate → compose → render → route → journal. Invoices are
//! rendered in chunks of [`CHUNK`] (one Typst compilation each, on all
//! cores); each chunk's PDF is cut into the per-invoice download copies and
//! streamed into the print file, so the month never sits in memory as one
//! document. Mailed invoices are ordered by ZIP for the print file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{read_extract, require, OpError, Outcome};
use crate::compose::{self, money, Invoice};
use crate::journal::{self, ManifestRow, Staging};
use crate::load;
use crate::model::Month;
use crate::pdfcut::PdfChunk;
use crate::render::{self, PdfSettings, Renderer, Template};
use crate::route::{Download, Print, PrintReport};
use crate::validate::FileCounts;

/// Invoices compiled together in one Typst document. Measured: chunks of
/// about 25 are fastest; 100 doubles memory (docs/rendering.md).
pub const CHUNK: usize = 24;

/// What `ssps invoices` is asked to do.
#[derive(Debug, Clone)]
pub struct InvoiceRun {
    /// The extract folder.
    pub data: PathBuf,
    /// The service month.
    pub month: Month,
    /// The run folder to (re)place.
    pub out: PathBuf,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Service month.
    pub month: String,
    /// Invoices produced.
    pub documents: usize,
    /// Pages of all invoices (blank backs not counted).
    pub pages: usize,
    /// Service lines printed.
    pub lines: usize,
    /// Sum of AMOUNT AUTHORIZED over every invoice.
    pub total_amount_authorized: String,
    /// Documents per channel.
    pub channels: BTreeMap<&'static str, usize>,
    /// The print file.
    pub print: PrintReport,
    /// Records rejected, all files.
    pub rejected_records: usize,
    /// Problems that reject (a record can have several).
    pub errors: usize,
    /// Warnings (nothing rejected).
    pub warnings: usize,
    /// Per file: rows read, accepted, rejected.
    pub files: BTreeMap<&'static str, FileCounts>,
    /// The accounting proof, each check with the figures it compared.
    pub checks: Vec<Check>,
    /// Wall-clock seconds the run took (the only value that changes between
    /// identical runs).
    pub seconds: f64,
}

/// One accounting check of the run.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was compared.
    pub name: &'static str,
    /// Expected figure (from the input).
    pub expected: String,
    /// Figure found in the output.
    pub found: String,
    /// Whether they agree.
    pub ok: bool,
}

/// A planned chunk: invoice indexes, and whether it feeds the print file.
struct Plan {
    invoices: Vec<usize>,
    print: bool,
}

#[derive(Serialize)]
struct ChunkData<'a> {
    print: bool,
    invoices: Vec<&'a Invoice>,
}

/// One chunk rendered and cut.
struct Done {
    chunk: PdfChunk,
    parts: Vec<Part>,
}

/// One invoice of a rendered chunk.
struct Part {
    /// Index into the run's invoices.
    invoice: usize,
    /// Its pages in the chunk.
    pages: std::ops::Range<usize>,
    /// Blank backs after it in the chunk (print chunks only).
    blanks: usize,
    /// Its own PDF, the download copy.
    pdf: Vec<u8>,
    /// Where the download channel stored it.
    stored: Option<crate::route::Stored>,
}

/// Runs the month. Returns the summary and whether records were rejected.
pub fn run(req: &InvoiceRun) -> Result<(Summary, Outcome), OpError> {
    let started = Instant::now();
    let v = read_extract(&req.data)?;
    require(
        &v,
        &req.data,
        "invoices",
        &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
    )?;
    let invoices = compose::invoices(&v.extract, req.month);

    // Mailing order: mailed invoices by ZIP (5 digits, then +4), then the rest.
    let mut order: Vec<usize> = (0..invoices.len()).collect();
    order.sort_by(|&a, &b| {
        let (ia, ib) = (&invoices[a], &invoices[b]);
        (!ia.mailed(), &ia.meta.zip, &ia.meta.payee, &ia.number).cmp(&(!ib.mailed(), &ib.meta.zip, &ib.meta.payee, &ib.number))
    });
    let mailed: Vec<usize> = order.iter().copied().filter(|&i| invoices[i].mailed()).collect();
    let unmailed: Vec<usize> = order.iter().copied().filter(|&i| !invoices[i].mailed()).collect();
    let mut plans: Vec<Plan> = mailed.chunks(CHUNK).map(|c| Plan { invoices: c.to_vec(), print: true }).collect();
    plans.extend(unmailed.chunks(CHUNK).map(|c| Plan { invoices: c.to_vec(), print: false }));

    let staging = Staging::begin(&req.out)?;
    let download = Download::new(staging.dir());
    let ident = format!("ssps-invoices-{}", req.month);
    let mut print = Print::new(staging.dir(), &format!("invoices-{}.pdf", req.month), &ident)?;
    let renderer = Renderer::new()?;
    let date = req.month.last_day();

    let bar = if req.progress { ProgressBar::new(invoices.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} invoices {pos}/{len} [{bar:30}] {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.threads.unwrap_or(0))
        .stack_size(32 << 20)
        .build()
        .map_err(|e| OpError::Unbalanced(format!("cannot start worker threads: {e}")))?;

    let mut stored: Vec<Option<(crate::route::Stored, Option<usize>)>> = vec![None; invoices.len()];
    let batch = (pool.current_num_threads() * 4).max(4);
    let mut rendered_pages = 0usize;
    for (b, group) in plans.chunks(batch).enumerate() {
        // Render, cut and store the download copies on every core; the print
        // file takes the chunks in order afterwards.
        let done: Vec<Result<Done, OpError>> = pool.install(|| {
            group
                .par_iter()
                .enumerate()
                .map(|(k, plan)| {
                    let mut d = render_chunk(&renderer, &invoices, plan, b * batch + k, &ident, date)?;
                    for part in &mut d.parts {
                        let inv = &invoices[part.invoice];
                        let payee =
                            inv.meta.payee.as_ref().ok_or_else(|| OpError::Unbalanced(format!("invoice {} has no payee", inv.number)))?;
                        part.stored = Some(download.store(payee, &inv.number, &part.pdf)?);
                    }
                    Ok(d)
                })
                .collect()
        });
        for (plan, d) in group.iter().zip(done) {
            let d = d?;
            for part in d.parts {
                let first = if plan.print {
                    let first = print.pages() + 1;
                    print.append(&d.chunk, part.pages.start..part.pages.end + part.blanks, part.blanks)?;
                    Some(first)
                } else {
                    None
                };
                rendered_pages += part.pages.len();
                stored[part.invoice] = part.stored.map(|s| (s, first));
            }
            bar.inc(plan.invoices.len() as u64);
        }
        if b % 4 == 3 {
            render::trim_caches();
        }
    }
    bar.finish_and_clear();
    let print_report = print.finish()?;

    // Manifest, in payee then invoice order.
    let mut rows = Vec::with_capacity(invoices.len());
    let mut channels: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (inv, s) in invoices.iter().zip(&stored) {
        let (s, first) = s.as_ref().ok_or_else(|| OpError::Unbalanced(format!("invoice {} was never rendered", inv.number)))?;
        let mut ch = vec![];
        if inv.mailed() {
            ch.push("mail");
        }
        ch.push("download");
        for c in &ch {
            *channels.entry(c).or_default() += 1;
        }
        rows.push(ManifestRow {
            document_id: inv.number.clone(),
            kind: "invoice",
            payee_number: inv.payee_number.clone(),
            provider_number: inv.provider_number.clone(),
            recipient_name: inv.meta.recipient.clone(),
            zip: inv.meta.zip.clone(),
            channels: ch.join(";"),
            pages: inv.page_count(),
            sha256: s.sha256.clone(),
            file: s.file.clone(),
            month: req.month.to_string(),
            lines: inv.meta.lines,
            amount: money(inv.meta.amount),
            print_first_page: *first,
        });
    }

    // The accounting proof.
    let checks = balance(&v.extract, req.month, &invoices, rendered_pages, &print_report, mailed.len());
    let failed: Vec<String> =
        checks.iter().filter(|c| !c.ok).map(|c| format!("{}: expected {}, found {}", c.name, c.expected, c.found)).collect();
    if !failed.is_empty() {
        return Err(OpError::Unbalanced(failed.join("; ")));
    }

    journal::write_manifest(staging.dir(), &rows)?;
    let rejected_problems = journal::write_rejects(staging.dir(), &v.problems)?;
    let total: Decimal = invoices.iter().map(|i| i.meta.amount).sum();
    let rejected_records = v.counts.values().map(|c| c.rejected).sum::<usize>();
    let summary = Summary {
        month: req.month.to_string(),
        documents: invoices.len(),
        pages: invoices.iter().map(Invoice::page_count).sum(),
        lines: invoices.iter().map(|i| i.meta.lines).sum(),
        total_amount_authorized: money(total),
        channels,
        print: print_report,
        rejected_records,
        errors: rejected_problems,
        warnings: v.problems.len() - rejected_problems,
        files: v.counts,
        checks,
        seconds: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    journal::write_json(staging.dir(), "summary.json", &summary)?;
    staging.commit()?;
    let outcome = if rejected_problems == 0 { Outcome::Clean } else { Outcome::Rejected };
    Ok((summary, outcome))
}

fn render_chunk(
    renderer: &Renderer,
    invoices: &[Invoice],
    plan: &Plan,
    n: usize,
    ident: &str,
    date: chrono::NaiveDate,
) -> Result<Done, OpError> {
    let data = ChunkData { print: plan.print, invoices: plan.invoices.iter().map(|&i| &invoices[i]).collect() };
    let settings = PdfSettings { ident: format!("{ident}-chunk-{n}"), date, tagged: false };
    let rendered = renderer.render(Template::Invoice, &data, &settings)?;
    let chunk = PdfChunk::parse(&rendered.pdf).map_err(|source| OpError::Cut { chunk: n, source })?;
    let mut parts = Vec::with_capacity(plan.invoices.len());
    let mut page = 0;
    for &i in &plan.invoices {
        let inv = &invoices[i];
        let pages = inv.page_count();
        let blanks = usize::from(plan.print && pages % 2 == 1);
        let range = page..page + pages;
        let title = format!("DSHS 08-141 invoice {} for month ending {}", inv.number, inv.month_ending);
        let pdf = chunk
            .extract(range.clone(), &format!("ssps-invoice-{}-{}", inv.payee_number, inv.number), Some(&title))
            .map_err(|source| OpError::Cut { chunk: n, source })?;
        parts.push(Part { invoice: i, pages: range, blanks, pdf, stored: None });
        page += pages + blanks;
    }
    if page != chunk.page_count() || page != rendered.pages {
        return Err(OpError::Unbalanced(format!("chunk {n}: the template made {} pages, the invoices need {page}", rendered.pages)));
    }
    Ok(Done { chunk, parts })
}

/// Checks the run against its input: every overlapping authorization line
/// printed exactly once, amounts equal, pages and documents add up.
fn balance(
    x: &crate::model::Extract,
    month: Month,
    invoices: &[Invoice],
    rendered_pages: usize,
    print: &PrintReport,
    mailed: usize,
) -> Vec<Check> {
    let overlapping: Vec<_> = x.authorizations.values().filter(|a| month.overlaps(a.start_date, a.end_date)).collect();
    let expected_amount: Decimal = overlapping.iter().map(|a| a.amount_authorized()).sum();
    let printed_amount: Decimal = invoices.iter().map(|i| i.meta.amount).sum();
    let mut printed_refs: Vec<&crate::model::Id> = invoices.iter().flat_map(|i| i.meta.references.iter()).collect();
    printed_refs.sort();
    let before = printed_refs.len();
    printed_refs.dedup();
    let pages: usize = invoices.iter().map(Invoice::page_count).sum();
    let mailed_pages: usize = invoices.iter().filter(|i| i.mailed()).map(Invoice::page_count).sum();
    let c = |name, expected: String, found: String| Check { ok: expected == found, name, expected, found };
    vec![
        c("authorization lines of the month printed", overlapping.len().to_string(), before.to_string()),
        c("authorization lines printed exactly once", before.to_string(), printed_refs.len().to_string()),
        c("amount authorized: input = invoices", money(expected_amount), money(printed_amount)),
        c("invoice pages rendered", pages.to_string(), rendered_pages.to_string()),
        c("mailed invoices in the print file", mailed.to_string(), print.documents.to_string()),
        c("print file pages = invoice pages + blank backs", (mailed_pages + print.blank_pages).to_string(), print.pages.to_string()),
    ]
}
