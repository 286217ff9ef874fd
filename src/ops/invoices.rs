//! `ssps invoices`: the monthly DSHS 08-141 invoice run.
//!
//! load → validate → compose → render → route → journal. Invoices are
//! rendered in chunks of [`CHUNK`] (one Typst compilation each, on all
//! cores); each chunk's PDF is cut into the per-invoice download copies and
//! streamed into the print file, so the month never sits in memory as one
//! document. Mailed invoices are ordered by ZIP for the print file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use chrono::Datelike;

use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{read_extract, require, OpError, Outcome};
use crate::compose::{self, money, Invoice};
use crate::journal::{self, ManifestRow, Staging};
use crate::load;
use crate::mail::{self, DocumentKind, MailConfig, MailPlan, Piece};
use crate::model::Month;
use crate::pdfcut::{Archival, PdfChunk};
use crate::render::{self, PdfSettings, Renderer, Template};
use crate::route::{Download, PrintJob, PrintReport};
use crate::validate::FileCounts;

/// Invoices compiled together in one Typst document. Each chunk embeds the
/// form images and font subsets once, so bigger chunks do less work per
/// page (instructions counted on 150 payees: 12 → 4.72 G, 24 → 4.42 G,
/// 48 → 4.28 G) but hold more memory (docs/rendering.md).
pub const CHUNK: usize = 48;

/// Typst's memo cache is trimmed after every this many chunks (768
/// invoices), which keeps memory flat over a long run.
const TRIM_EVERY: usize = 16;

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
    /// Mail settings file (default: the bundled `data/mail.toml`).
    pub mail_config: Option<PathBuf>,
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
    /// The print job (also `print/job.json`).
    pub print: PrintReport,
    /// Records rejected, all files.
    pub rejected_records: usize,
    /// Problems that reject (a record can have several).
    pub errors: usize,
    /// Records whose address cannot be mailed (a payee's documents are then
    /// download only).
    pub unmailable: usize,
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

/// A planned chunk: invoice indexes. Mailed invoices and the rest are never
/// mixed in one chunk.
struct Plan {
    invoices: Vec<usize>,
}

#[derive(Serialize)]
struct ChunkData<'a> {
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
    /// Its own PDF, the download copy.
    pdf: Vec<u8>,
    /// Where the download channel stored it.
    stored: Option<crate::route::Stored>,
}

/// Runs the month. Returns the summary and whether records were rejected.
pub fn run(req: &InvoiceRun) -> Result<(Summary, Outcome), OpError> {
    let started = Instant::now();
    let config = match &req.mail_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| crate::mail::MailConfigError::Parse { file: path.display().to_string(), message: e.to_string() })?;
            MailConfig::parse(&text, &path.display().to_string())?
        }
        None => MailConfig::default_config(),
    };
    let v = read_extract(&req.data)?;
    require(
        &v,
        &req.data,
        "invoices",
        &[load::PAYEES.name, load::PROVIDERS.name, load::CLIENTS.name, load::WORKERS.name, load::AUTHORIZATIONS.name],
    )?;
    let invoices = compose::invoices(&v.extract, req.month);

    // The mail plan: envelopes, their order and batch files, before rendering.
    let mailable: Vec<usize> = (0..invoices.len()).filter(|&i| mail_address(&invoices[i]).is_some()).collect();
    let pieces: Vec<Piece> = mailable
        .iter()
        .filter_map(|&i| {
            let inv = &invoices[i];
            Some(Piece {
                owner: &inv.payee_number,
                document: &inv.number,
                recipient: &inv.meta.recipient,
                address: mail_address(inv)?,
                pages: inv.page_count(),
            })
        })
        .collect();
    let mail_plan = mail::plan(&pieces, &config, req.month, DocumentKind::Invoice)?;
    // Render order: mailed invoices as the envelopes take them, then the rest.
    let mut piece_of: Vec<Option<usize>> = vec![None; invoices.len()];
    let mut placed: Vec<Option<(usize, String, usize)>> = vec![None; invoices.len()];
    let mut mailed_order = Vec::with_capacity(pieces.len());
    for env in &mail_plan.envelopes {
        let mut page = env.first_page;
        for d in &env.documents {
            let i = mailable[d.piece];
            piece_of[i] = Some(d.piece);
            placed[i] = Some((env.seq, env.file.clone(), page));
            page += d.pages + d.blanks;
            mailed_order.push(i);
        }
    }
    let mut rest: Vec<usize> = (0..invoices.len()).filter(|&i| piece_of[i].is_none()).collect();
    rest.sort_by(|&a, &b| {
        let (ia, ib) = (&invoices[a], &invoices[b]);
        (&ia.meta.zip, &ia.meta.payee, &ia.number).cmp(&(&ib.meta.zip, &ib.meta.payee, &ib.number))
    });
    let mut plans: Vec<Plan> = mailed_order.chunks(CHUNK).map(|c| Plan { invoices: c.to_vec() }).collect();
    plans.extend(rest.chunks(CHUNK).map(|c| Plan { invoices: c.to_vec() }));

    let staging = Staging::begin(&req.out)?;
    let download = Download::new(staging.dir());
    let ident = format!("ssps-invoices-{}", req.month);
    let mut job = PrintJob::new(staging.dir(), &ident, &mail_plan, &config)?;
    let renderer = Renderer::new()?;
    let date = req.month.last_day();

    let bar = if req.progress { ProgressBar::new(invoices.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} invoices {pos}/{len} [{bar:30}] {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    // Rendering pipeline: each worker takes the next chunk, renders it, cuts
    // and stores its download copies, and hands it over; this thread puts
    // the chunks back in order and feeds the print job, so printing overlaps
    // rendering and no core waits for a batch to finish.
    let threads = req.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)).max(1);
    // Chunks handed out but not yet printed are bounded, so memory is too.
    let window = threads * 2;
    let next = AtomicUsize::new(0);
    let printed = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut stored: Vec<Option<crate::route::Stored>> = vec![None; invoices.len()];
    let mut rendered_pages = 0usize;
    std::thread::scope(|scope| -> Result<(), OpError> {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Done, OpError>)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (plans, renderer, invoices, download, ident, next, printed, stop) =
                (&plans, &renderer, &invoices, &download, &ident, &next, &printed, &stop);
            let worker = move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(plan) = plans.get(k) else { break };
                    while k >= printed.load(Ordering::Acquire) + window && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    // A panic inside a chunk (a defect, never input) becomes
                    // this chunk's error: the run stops cleanly with exit 2.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        render_chunk(renderer, invoices, plan, k, ident, date).and_then(|mut d| {
                            for part in &mut d.parts {
                                let inv = &invoices[part.invoice];
                                let payee = inv
                                    .meta
                                    .payee
                                    .as_ref()
                                    .ok_or_else(|| OpError::Unbalanced(format!("invoice {} has no payee", inv.number)))?;
                                part.stored = Some(download.store(payee, &inv.number, &part.pdf)?);
                            }
                            Ok(d)
                        })
                    }))
                    .unwrap_or_else(|panic| {
                        let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
                        Err(OpError::Unbalanced(format!("chunk {k} could not be rendered: {}", what.unwrap_or_else(|| "panic".into()))))
                    });
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    if k % TRIM_EVERY == TRIM_EVERY - 1 {
                        render::trim_caches();
                    }
                    if tx.send((k, result)).is_err() {
                        break;
                    }
                }
            };
            std::thread::Builder::new()
                .name("render".into())
                .stack_size(32 << 20)
                .spawn_scoped(scope, worker)
                .map_err(|e| OpError::Unbalanced(format!("cannot start worker threads: {e}")))?;
        }
        drop(tx);
        // Chunks that arrived ahead of their turn (at most `window`).
        let mut pending: BTreeMap<usize, Result<Done, OpError>> = BTreeMap::new();
        let mut expect = 0;
        let result = (|| {
            for (k, result) in &rx {
                if let Err(e) = result {
                    return Err(e);
                }
                pending.insert(k, result);
                while let Some(result) = pending.remove(&expect) {
                    let d = result?;
                    for part in d.parts {
                        if let Some(piece) = piece_of[part.invoice] {
                            job.place(piece, &d.chunk, part.pages.clone())?;
                        }
                        rendered_pages += part.pages.len();
                        stored[part.invoice] = part.stored;
                    }
                    bar.inc(plans[expect].invoices.len() as u64);
                    expect += 1;
                    printed.store(expect, Ordering::Release);
                }
            }
            if expect != plans.len() {
                return Err(OpError::Unbalanced(format!("{} of {} chunks were rendered", expect, plans.len())));
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        drop(rx);
        result
    })?;
    bar.finish_and_clear();
    let piece_names: Vec<&str> = pieces.iter().map(|p| p.document).collect();
    let print_report = job.finish(&piece_names, date)?;

    // Manifest, in payee then invoice order.
    let mut rows = Vec::with_capacity(invoices.len());
    let mut channels: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, (inv, s)) in invoices.iter().zip(&stored).enumerate() {
        let s = s.as_ref().ok_or_else(|| OpError::Unbalanced(format!("invoice {} was never rendered", inv.number)))?;
        let mut ch = vec![];
        if piece_of[i].is_some() {
            ch.push("mail");
        } else if inv.mailed() {
            ch.push("unmailable");
        }
        ch.push("download");
        for c in &ch {
            *channels.entry(c).or_default() += 1;
        }
        let (envelope, print_file, print_first_page) = match &placed[i] {
            Some((seq, file, page)) => (Some(*seq), Some(format!("print/{file}")), Some(*page)),
            None => (None, None, None),
        };
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
            envelope,
            print_file,
            print_first_page,
        });
    }

    // The accounting proof.
    let checks = balance(&v.extract, req.month, &invoices, rendered_pages, &print_report, &mail_plan, &mailable);
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
        errors: v.errors().count(),
        unmailable: crate::problem::unmailable_records(&v.problems),
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
    let data = ChunkData { invoices: plan.invoices.iter().map(|&i| &invoices[i]).collect() };
    let settings = PdfSettings { ident: format!("{ident}-chunk-{n}"), date, tagged: false };
    let rendered = renderer.render(Template::Invoice, &data, &settings)?;
    let chunk = PdfChunk::parse(&rendered.pdf).map_err(|source| OpError::Cut { chunk: n, source })?;
    // The download copies are the archive copies: PDF/A-2b.
    let archival = Archival {
        creator: format!("ssps {} (Typst)", env!("CARGO_PKG_VERSION")),
        producer: format!("ssps {}", env!("CARGO_PKG_VERSION")),
        date: (date.year(), date.month(), date.day()),
    };
    let mut parts = Vec::with_capacity(plan.invoices.len());
    let mut page = 0;
    for &i in &plan.invoices {
        let inv = &invoices[i];
        let pages = inv.page_count();
        let range = page..page + pages;
        let title = format!("DSHS 08-141 invoice {} for month ending {}", inv.number, inv.month_ending);
        let pdf = chunk
            .extract_with(range.clone(), &format!("ssps-invoice-{}-{}", inv.payee_number, inv.number), Some(&title), Some(&archival))
            .map_err(|source| OpError::Cut { chunk: n, source })?;
        parts.push(Part { invoice: i, pages: range, pdf, stored: None });
        page += pages;
    }
    if page != chunk.page_count() || page != rendered.pages {
        return Err(OpError::Unbalanced(format!("chunk {n}: the template made {} pages, the invoices need {page}", rendered.pages)));
    }
    Ok(Done { chunk, parts })
}

/// Checks the run against its input: every overlapping authorization line
/// printed exactly once, amounts equal, pages and documents add up, every
/// mailable invoice in exactly one envelope, pages and sheets of the print
/// job add up.
fn balance(
    x: &crate::model::Extract,
    month: Month,
    invoices: &[Invoice],
    rendered_pages: usize,
    print: &PrintReport,
    plan: &MailPlan,
    mailable: &[usize],
) -> Vec<Check> {
    let overlapping: Vec<_> = x.authorizations.values().filter(|a| month.overlaps(a.start_date, a.end_date)).collect();
    let expected_amount: Decimal = overlapping.iter().map(|a| a.amount_authorized()).sum();
    let printed_amount: Decimal = invoices.iter().map(|i| i.meta.amount).sum();
    let mut printed_refs: Vec<&crate::model::Id> = invoices.iter().flat_map(|i| i.meta.references.iter()).collect();
    printed_refs.sort();
    let before = printed_refs.len();
    printed_refs.dedup();
    let pages: usize = invoices.iter().map(Invoice::page_count).sum();
    let mut in_envelopes: Vec<usize> = plan.envelopes.iter().flat_map(|e| e.documents.iter().map(|d| d.piece)).collect();
    let placements = in_envelopes.len();
    in_envelopes.sort_unstable();
    in_envelopes.dedup();
    let mailed_pages: usize = mailable.iter().map(|&i| invoices[i].page_count()).sum();
    let planned_sheets: usize = plan.envelopes.iter().map(|e| e.sheets).sum();
    let files_as_planned = print.files.iter().all(|f| f.pages_written == f.batch.pages && f.sheets_written == f.batch.sheets);
    let c = |name, expected: String, found: String| Check { ok: expected == found, name, expected, found };
    vec![
        c("authorization lines of the month printed", overlapping.len().to_string(), before.to_string()),
        c("authorization lines printed exactly once", before.to_string(), printed_refs.len().to_string()),
        c("amount authorized: input = invoices", money(expected_amount), money(printed_amount)),
        c("invoice pages rendered", pages.to_string(), rendered_pages.to_string()),
        c("mailable invoices placed in envelopes", mailable.len().to_string(), placements.to_string()),
        c("each mailable invoice in exactly one envelope", placements.to_string(), in_envelopes.len().to_string()),
        c("print pages = mailed invoice pages + blank backs", (mailed_pages + print.blank_pages).to_string(), print.pages.to_string()),
        c("sheets printed (from the pages written) = sheets of the envelopes", planned_sheets.to_string(), print.sheets.to_string()),
        c("every batch file has the pages planned for it", "true".into(), files_as_planned.to_string()),
    ]
}

/// The address an invoice can be mailed to: the payee wants paper and the
/// address is mailable.
fn mail_address(inv: &Invoice) -> Option<&crate::model::Address> {
    inv.meta.mail_address.as_ref().filter(|a| inv.mailed() && a.mailable)
}
