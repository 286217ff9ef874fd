//! The document run every command shares: composed documents → mail plan →
//! rendered chunks → download copies and the print job → manifest rows.
//!
//! Documents are rendered in chunks of [`CHUNK`] (one Typst compilation
//! each) on all cores; each chunk's PDF is cut into the per-document
//! download copies (PDF/A-2b) and streamed into the print job in the mail
//! plan's order, so a month never sits in memory as one document. The plan
//! comes first: every document's page count is decided when it is composed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use serde::Serialize;

use super::OpError;
use crate::compose::{money, Document};
use crate::journal::ManifestRow;
use crate::mail::{self, DocumentKind, MailConfig, MailPlan, Piece};
use crate::model::Month;
use crate::pdfcut::{Archival, PdfChunk};
use crate::render::{self, PdfSettings, Renderer, Template};
use crate::route::{Download, PrintJob, PrintReport, Stored};

/// Documents compiled together in one Typst document. Each chunk embeds the
/// form images and font subsets once, so bigger chunks do less work per
/// page (instructions counted on 150 invoice payees: 12 → 4.72 G,
/// 24 → 4.42 G, 48 → 4.28 G) but hold more memory (docs/rendering.md).
pub const CHUNK: usize = 48;

/// A chunk also ends before it passes this many pages, so documents of
/// several pages (letters with their forms) hold no more memory per
/// compilation than invoices do (48 invoices are about 59 pages).
pub const CHUNK_PAGES: usize = 64;

/// Typst's memo cache is trimmed after every this many chunks (768
/// documents), which keeps memory flat over a long run.
const TRIM_EVERY: usize = 16;

/// How to produce one run's documents.
pub struct Production<'a> {
    /// The run's staging folder.
    pub dir: &'a Path,
    /// Identifies the run in PDF ids: `ssps-invoices-2026-10`.
    pub ident: String,
    /// The documents' date (PDF timestamps).
    pub date: NaiveDate,
    /// The month whose serial numbers the envelopes take.
    pub month: Month,
    /// The mailed kind (its digit in the barcode serials).
    pub kind: DocumentKind,
    /// The template that renders a chunk.
    pub template: Template,
    /// Printed labels, by language, handed to the template beside the
    /// documents (`null` when the template has its own).
    pub labels: serde_json::Value,
    /// Mail settings.
    pub config: &'a MailConfig,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Show a progress bar.
    pub progress: bool,
}

/// Where a mailed document sits in the print job.
#[derive(Debug, Clone)]
pub struct Placement {
    /// Envelope sequence.
    pub envelope: usize,
    /// Batch file name.
    pub file: String,
    /// First page in the file (1-based).
    pub first_page: usize,
}

/// What a production made.
pub struct Produced {
    /// Each document's download copy, in the documents' order.
    pub stored: Vec<Stored>,
    /// Each document's place in the print job, when mailed.
    pub placed: Vec<Option<Placement>>,
    /// The finished print job.
    pub print: PrintReport,
    /// The mail plan it followed.
    pub plan: MailPlan,
    /// Documents that were planned for mail (indexes).
    pub mailable: Vec<usize>,
    /// Pages the renderer made, all documents.
    pub rendered_pages: usize,
    /// The per-payee download archives, in payee order.
    pub archives: Vec<crate::route::Archive>,
}

#[derive(Serialize)]
struct ChunkData<'a, D> {
    documents: Vec<&'a D>,
    labels: &'a serde_json::Value,
}

/// One chunk rendered and cut.
struct Done {
    chunk: PdfChunk,
    parts: Vec<Part>,
}

/// One document of a rendered chunk.
struct Part {
    doc: usize,
    pages: std::ops::Range<usize>,
    stored: Stored,
}

/// Plans, renders and routes `docs` (download and print).
pub fn produce<D: Document>(docs: &[D], renderer: &Renderer, p: &Production) -> Result<Produced, OpError> {
    // The mail plan: envelopes, their order and batch files, before rendering.
    let mailable: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].to().mail_address().is_some()).collect();
    let pieces: Vec<Piece> = mailable
        .iter()
        .filter_map(|&i| {
            let d = &docs[i];
            Some(Piece {
                owner: d.to().payee.as_str(),
                document: d.id(),
                recipient: &d.to().name,
                address: d.to().mail_address()?,
                pages: d.page_count(),
            })
        })
        .collect();
    let t = std::time::Instant::now();
    let plan = mail::plan(&pieces, p.config, p.month, p.kind)?;
    phase("mail plan", t);
    // Render order: mailed documents as the envelopes take them, then the rest.
    let mut piece_of: Vec<Option<usize>> = vec![None; docs.len()];
    let mut placed: Vec<Option<Placement>> = vec![None; docs.len()];
    let mut order = Vec::with_capacity(docs.len());
    for env in &plan.envelopes {
        let mut page = env.first_page;
        for d in &env.documents {
            let i = mailable[d.piece];
            piece_of[i] = Some(d.piece);
            placed[i] = Some(Placement { envelope: env.seq, file: env.file.clone(), first_page: page });
            page += d.pages + d.blanks;
            order.push(i);
        }
    }
    let mailed = order.len();
    let mut rest: Vec<usize> = (0..docs.len()).filter(|&i| piece_of[i].is_none()).collect();
    rest.sort_by(|&a, &b| {
        let (da, db) = (&docs[a], &docs[b]);
        (&da.to().address.zip, &da.to().payee, da.id()).cmp(&(&db.to().address.zip, &db.to().payee, db.id()))
    });
    // Mailed documents and the rest are never mixed in one chunk.
    let mut chunks = chunked(docs, &order);
    chunks.extend(chunked(docs, &rest));
    debug_assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), mailed + rest.len());

    let download = Download::new(p.dir);
    let mut job = PrintJob::new(p.dir, &p.ident, &plan, p.config)?;
    // A payee's archive is written as soon as its last document is stored,
    // while the workers render on.
    // No download/ folder for a run of documents no one downloads (letters).
    let mut archives = if docs.iter().any(|d| d.to().portal) { Some(crate::route::DownloadArchives::new(p.dir, p.date)?) } else { None };
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut payee_of = Vec::with_capacity(docs.len());
    for d in docs {
        let n = owner.len();
        payee_of.push(*owner.entry(d.to().payee.as_str()).or_insert(n));
    }
    // Only portal users (payees) get download archives; a client's letter
    // keeps its file copy under documents/ alone.
    let mut remaining = vec![0usize; owner.len()];
    for (k, d) in payee_of.iter().zip(docs) {
        if d.to().portal {
            remaining[*k] += 1;
        }
    }
    let mut filed: Vec<Vec<crate::route::Filed>> = vec![Vec::new(); owner.len()];
    let bar = if p.progress { ProgressBar::new(docs.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(&format!("{{spinner}} {} {{pos}}/{{len}} [{{bar:30}}] {{per_sec}} eta {{eta}}", p.ident))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    // Each worker takes the next chunk, renders it, cuts and stores its
    // download copies, and hands it over; this thread puts the chunks back
    // in order and feeds the print job, so printing overlaps rendering and
    // no core waits for a batch to finish.
    let threads = p.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)).max(1);
    // Chunks handed out but not yet printed are bounded, so memory is too.
    let window = threads * 2;
    let next = AtomicUsize::new(0);
    let printed = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut stored: Vec<Option<Stored>> = vec![None; docs.len()];
    let mut rendered_pages = 0usize;
    let t = std::time::Instant::now();
    std::thread::scope(|scope| -> Result<(), OpError> {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Done, OpError>)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (chunks, download, next, printed, stop) = (&chunks, &download, &next, &printed, &stop);
            let worker = move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(k) else { break };
                    while k >= printed.load(Ordering::Acquire) + window && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    // A panic inside a chunk (a defect, never input) becomes
                    // this chunk's error: the run stops cleanly with exit 2.
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render_chunk(renderer, docs, chunk, k, p, download)))
                            .unwrap_or_else(|panic| {
                                let what =
                                    panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
                                Err(OpError::Unbalanced(format!(
                                    "chunk {k} could not be rendered: {}",
                                    what.unwrap_or_else(|| "panic".into())
                                )))
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
        let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
        let mut expect = 0;
        let result = (|| {
            for (k, result) in &rx {
                pending.insert(k, result?);
                while let Some(done) = pending.remove(&expect) {
                    for part in done.parts {
                        if let Some(piece) = piece_of[part.doc] {
                            job.place(piece, &done.chunk, part.pages.clone())?;
                        }
                        rendered_pages += part.pages.len();
                        let (d, k) = (&docs[part.doc], payee_of[part.doc]);
                        if !d.to().portal {
                            stored[part.doc] = Some(part.stored);
                            continue;
                        }
                        filed[k].push(crate::route::Filed {
                            payee_number: d.to().payee.to_string(),
                            document_id: d.id().to_string(),
                            kind: d.kind(),
                            title: d.title(),
                            pages: d.page_count(),
                            amount: money(d.amount()),
                            sha256: part.stored.sha256.clone(),
                            file: part.stored.file.clone(),
                        });
                        remaining[k] -= 1;
                        if remaining[k] == 0 {
                            if let Some(a) = archives.as_mut() {
                                a.add(d.to().payee.as_str(), std::mem::take(&mut filed[k]))?;
                            }
                        }
                        stored[part.doc] = Some(part.stored);
                    }
                    bar.inc(chunks[expect].len() as u64);
                    expect += 1;
                    printed.store(expect, Ordering::Release);
                }
            }
            if expect != chunks.len() {
                return Err(OpError::Unbalanced(format!("{} of {} chunks were rendered", expect, chunks.len())));
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
    phase("render, download copies, print files", t);
    let names: Vec<&str> = pieces.iter().map(|p| p.document).collect();
    let t = std::time::Instant::now();
    let print = job.finish(&names, p.date)?;
    phase("print job finished", t);
    let stored = stored
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| OpError::Unbalanced(format!("{} {} was never rendered", docs[i].kind(), docs[i].id()))))
        .collect::<Result<Vec<_>, _>>()?;
    let archives = match archives {
        Some(a) => a.finish()?,
        None => vec![],
    };
    Ok(Produced { stored, placed, print, plan, mailable, rendered_pages, archives })
}

/// `order` cut into chunks of at most [`CHUNK`] documents and
/// [`CHUNK_PAGES`] pages (a longer document is a chunk of its own).
fn chunked<D: Document>(docs: &[D], order: &[usize]) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(order.len() / CHUNK + 1);
    let mut chunk: Vec<usize> = Vec::with_capacity(CHUNK);
    let mut pages = 0;
    for &i in order {
        let n = docs[i].page_count();
        if !chunk.is_empty() && (chunk.len() == CHUNK || pages + n > CHUNK_PAGES) {
            out.push(std::mem::take(&mut chunk));
            pages = 0;
        }
        chunk.push(i);
        pages += n;
    }
    if !chunk.is_empty() {
        out.push(chunk);
    }
    out
}

fn render_chunk<D: Document>(
    renderer: &Renderer,
    docs: &[D],
    chunk: &[usize],
    n: usize,
    p: &Production,
    download: &Download,
) -> Result<Done, OpError> {
    let data = ChunkData { documents: chunk.iter().map(|&i| &docs[i]).collect(), labels: &p.labels };
    let settings = PdfSettings { ident: format!("{}-chunk-{n}", p.ident), date: p.date, tagged: false };
    let rendered = renderer.render(p.template, &data, &settings)?;
    let pdf = PdfChunk::parse(&rendered.pdf).map_err(|source| OpError::Cut { chunk: n, source })?;
    // The download copies are the archive copies: PDF/A-2b.
    let archival = Archival {
        creator: format!("ssps {} (Typst)", env!("CARGO_PKG_VERSION")),
        producer: format!("ssps {}", env!("CARGO_PKG_VERSION")),
        date: (p.date.year(), p.date.month(), p.date.day()),
    };
    let mut parts = Vec::with_capacity(chunk.len());
    let mut page = 0;
    for &i in chunk {
        let doc = &docs[i];
        let pages = doc.page_count();
        let range = page..page + pages;
        let copy = pdf
            .extract_with(
                range.clone(),
                &format!("ssps-{}-{}-{}", doc.kind(), doc.to().payee, doc.id()),
                Some(&doc.title()),
                Some(&archival),
            )
            .map_err(|source| OpError::Cut { chunk: n, source })?;
        let stored = download.store(&doc.to().payee, doc.id(), &copy)?;
        parts.push(Part { doc: i, pages: range, stored });
        page += pages;
    }
    if page != pdf.page_count() || page != rendered.pages {
        return Err(OpError::Unbalanced(format!("chunk {n}: the template made {} pages, the documents need {page}", rendered.pages)));
    }
    Ok(Done { chunk: pdf, parts })
}

/// The manifest rows of a production, in the documents' order, and the
/// documents per channel. `period` is the run's month or window.
pub fn manifest<D: Document>(docs: &[D], made: &Produced, period: &str) -> (Vec<ManifestRow>, BTreeMap<&'static str, usize>) {
    let mut rows = Vec::with_capacity(docs.len());
    let mut channels: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let to = doc.to();
        let mut ch = vec![];
        if made.placed[i].is_some() {
            ch.push("mail");
        } else if to.wants_mail() {
            ch.push("unmailable");
        }
        if to.wants_email() {
            ch.push("email");
        }
        if to.portal {
            ch.push("download");
        }
        for c in &ch {
            *channels.entry(c).or_default() += 1;
        }
        let s = &made.stored[i];
        let place = made.placed[i].as_ref();
        rows.push(ManifestRow {
            document_id: doc.id().to_string(),
            kind: doc.kind(),
            payee_number: to.payee.to_string(),
            provider_number: doc.provider_number().to_string(),
            recipient_name: to.name.clone(),
            zip: to.address.zip.clone(),
            channels: ch.join(";"),
            pages: doc.page_count(),
            sha256: s.sha256.clone(),
            file: s.file.clone(),
            month: period.to_string(),
            lines: doc.lines(),
            amount: money(doc.amount()),
            envelope: place.map(|p| p.envelope),
            print_file: place.map(|p| format!("print/{}", p.file)),
            print_first_page: place.map(|p| p.first_page),
        });
    }
    (rows, channels)
}

/// One accounting check of a run.
#[derive(Debug, Serialize)]
pub struct Check {
    /// What was compared.
    pub name: String,
    /// Expected figure (from the input).
    pub expected: String,
    /// Figure found in the output.
    pub found: String,
    /// Whether they agree.
    pub ok: bool,
}

impl Check {
    /// A comparison of two figures.
    pub fn new(name: impl Into<String>, expected: impl ToString, found: impl ToString) -> Check {
        let (expected, found) = (expected.to_string(), found.to_string());
        Check { ok: expected == found, name: name.into(), expected, found }
    }
}

/// The extract's accounting proof as checks, one per file and figure
/// ([`crate::validate::accounting`]): a run whose records do not add up
/// fails.
pub fn record_checks(v: &crate::validate::Validated) -> Vec<Check> {
    crate::validate::accounting(v)
        .into_iter()
        .filter(|b| v.counts.get(b.file).is_some_and(|c| c.present))
        .map(|b| Check::new(format!("{}: {}", b.file, b.what), b.expected, b.found))
        .collect()
}

/// The checks every production must pass: pages rendered, every mailable
/// document in exactly one envelope, the print job's pages and sheets.
pub fn production_checks<D: Document>(docs: &[D], made: &Produced) -> Vec<Check> {
    let mut in_envelopes: Vec<usize> = made.plan.envelopes.iter().flat_map(|e| e.documents.iter().map(|d| d.piece)).collect();
    let placements = in_envelopes.len();
    in_envelopes.sort_unstable();
    in_envelopes.dedup();
    let mailed_pages: usize = made.mailable.iter().map(|&i| docs[i].page_count()).sum();
    let planned_sheets: usize = made.plan.envelopes.iter().map(|e| e.sheets).sum();
    let print = &made.print;
    let files_as_planned = print.files.iter().all(|f| f.pages_written == f.batch.pages && f.sheets_written == f.batch.sheets);
    vec![
        Check::new("mailable documents placed in envelopes", made.mailable.len(), placements),
        Check::new("each mailable document in exactly one envelope", placements, in_envelopes.len()),
        Check::new("print pages = mailed document pages + blank backs", mailed_pages + print.blank_pages, print.pages),
        Check::new("sheets printed (from the pages written) = sheets of the envelopes", planned_sheets, print.sheets),
        Check::new("every batch file has the pages planned for it", true, files_as_planned),
    ]
}

/// Fails the run when a check does not hold.
pub fn require_balanced(checks: &[Check]) -> Result<(), OpError> {
    let failed: Vec<String> =
        checks.iter().filter(|c| !c.ok).map(|c| format!("{}: expected {}, found {}", c.name, c.expected, c.found)).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(OpError::Unbalanced(failed.join("; ")))
    }
}

/// Sum of the documents' amounts.
pub fn total<D: Document>(docs: &[D]) -> Result<Decimal, crate::money::Overflow> {
    use crate::money::CheckedSum;
    docs.iter().map(Document::amount).sum_or(|| format!("the run's {} documents", docs.len()))
}

/// The email a run composed (`summary.json`): deterministic, whatever was
/// sent before. What was queued and sent is printed and kept in the
/// delivery journal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailReport {
    /// Payees who take email and have documents in this run.
    pub recipients: usize,
    /// Messages for them (more than one for a payee whose documents pass
    /// the size limit).
    pub messages: usize,
    /// Documents for them.
    pub documents: usize,
    /// Written as `.eml` files under `email/` (`--dry-run`) rather than queued.
    pub dry_run: bool,
}

/// What happened to a run's email after the run folder was in place.
#[derive(Debug, Clone, Default)]
pub struct EmailOutcome {
    /// The delivery journal.
    pub journal: std::path::PathBuf,
    /// Messages queued now.
    pub queued: usize,
    /// Documents already in the journal (sent or waiting): not queued again.
    pub already_journaled: usize,
    /// Documents sent before whose PDF has changed since: not resent.
    pub changed_after_send: Vec<String>,
    /// Earlier messages that never went (pending or failed), replaced by
    /// this run's messages.
    pub replace: Vec<i64>,
    /// The delivery, when SMTP is configured.
    pub delivered: Option<crate::delivery::Delivered>,
}

/// What every document run reads before it starts: mail and SMTP
/// settings (so a mistake in them stops the run before any work), the
/// texts, the clock for `seconds`.
pub struct Setup {
    /// Mail settings.
    pub config: MailConfig,
    /// SMTP settings, when configured.
    pub smtp: Option<crate::email::SmtpSettings>,
    /// The words of documents and email.
    pub texts: crate::texts::Texts,
    /// When the run started.
    pub started: std::time::Instant,
}

impl Setup {
    /// Reads the settings the options name (and the `SSPS_SMTP_*` variables).
    pub fn load(opts: &super::RunOptions) -> Result<Setup, OpError> {
        let started = std::time::Instant::now();
        let smtp = crate::email::SmtpSettings::load(opts.smtp.as_deref(), &|k| std::env::var(k).ok())?;
        if let Some(s) = &smtp {
            // TLS settings (a CA file) are checked now, not after the rendering.
            s.transport()?;
        }
        Ok(Setup { config: opts.mail_config()?, smtp, texts: crate::texts::Texts::bundled(), started })
    }
}

/// What identifies a document run and its documents.
pub struct DocumentRun<'a> {
    /// `invoices`, `remittances`, `notices`.
    pub run: &'static str,
    /// PDF ids, Message-IDs and the journal's run: `ssps-invoices-2026-10`.
    pub ident: String,
    /// The documents' date.
    pub date: NaiveDate,
    /// The month whose serial numbers the envelopes take.
    pub month: Month,
    /// The mailed kind.
    pub kind: DocumentKind,
    /// The template.
    pub template: Template,
    /// The template's printed labels.
    pub labels: Labels,
    /// The period for `summary.json` and the manifest.
    pub period: String,
    /// The period in words, per language, for the email.
    pub period_words: &'a dyn Fn(crate::model::Language) -> String,
    /// The advance notice check (letters runs).
    pub advance_notice: Option<crate::compose::letter::AdvanceNotice>,
    /// The 1099 run's figures.
    pub tax1099: Option<super::tax1099::TaxSummary>,
    /// Whether email carries the documents as attachments (else it says
    /// they are in the provider portal: 1099 statements).
    pub attach: bool,
    /// Pages rendered once before the documents and served to their
    /// template as files (the 1099 statements' back page).
    pub assets: Vec<Asset>,
}

/// A page the run renders once and its documents' template draws (as an
/// image of a PDF, so its text is written once per chunk, not per page).
pub struct Asset {
    /// The file name the template asks for: `statement-back.pdf`.
    pub name: &'static str,
    /// The template that renders it.
    pub template: Template,
    /// Its data.
    pub data: serde_json::Value,
}

/// Where a template's printed labels come from.
pub enum Labels {
    /// The template has its own (the 08-141 form).
    None,
    /// A section of `letters/documents.toml`.
    Documents(&'static str),
    /// Given by the run (the ACES letter catalog's).
    Given(serde_json::Value),
}

/// A document run from composed documents on: stage the run folder,
/// [`produce`], [`finish`]. `checks` are the caller's own checks of the
/// documents against the input.
pub fn run_documents<D: Document>(
    docs: &[D],
    checks: Vec<Check>,
    v: &crate::validate::Validated,
    setup: &Setup,
    opts: &super::RunOptions,
    spec: &DocumentRun,
) -> Result<(super::Summary, super::Outcome, Option<EmailOutcome>), OpError> {
    run_documents_with(docs, checks, v, setup, opts, spec, |_, _, _| Ok(vec![]))
}

/// [`run_documents`], with `extra` writing the run's own files into the
/// staging folder after the documents are produced (and returning its
/// checks) before the run is finished and committed.
pub fn run_documents_with<D: Document>(
    docs: &[D],
    mut checks: Vec<Check>,
    v: &crate::validate::Validated,
    setup: &Setup,
    opts: &super::RunOptions,
    spec: &DocumentRun,
    extra: impl FnOnce(&Path, &Renderer, &Produced) -> Result<Vec<Check>, OpError>,
) -> Result<(super::Summary, super::Outcome, Option<EmailOutcome>), OpError> {
    let staging = crate::journal::Staging::begin(&opts.out, &opts.data)?;
    let mut renderer = Renderer::new()?;
    for a in &spec.assets {
        let settings = PdfSettings { ident: format!("{}-{}", spec.ident, a.name), date: spec.date, tagged: false };
        let pdf = renderer.render(a.template, &a.data, &settings)?;
        renderer.add_asset(a.name, pdf.pdf);
    }
    let labels = match &spec.labels {
        Labels::Documents(kind) => setup.texts.labels(kind)?,
        Labels::Given(value) => value.clone(),
        Labels::None => serde_json::Value::Null,
    };
    let production = Production {
        dir: staging.dir(),
        ident: spec.ident.clone(),
        date: spec.date,
        month: spec.month,
        kind: spec.kind,
        template: spec.template,
        labels,
        config: &setup.config,
        threads: opts.threads,
        progress: opts.progress,
    };
    let made = produce(docs, &renderer, &production)?;
    checks.extend(extra(staging.dir(), &renderer, &made)?);
    let tail = Tail {
        run: spec.run,
        ident: &spec.ident,
        period: spec.period.clone(),
        period_words: spec.period_words,
        date: spec.date,
        opts,
        smtp: setup.smtp.as_ref(),
        started: setup.started,
        advance_notice: spec.advance_notice.clone(),
        tax1099: spec.tax1099.clone(),
        attach: spec.attach,
    };
    finish(docs, &made, checks, v, staging, &setup.texts, &tail)
}

/// The shared end of a document run.
pub struct Tail<'a> {
    /// `invoices`, `remittances`, `notices`.
    pub run: &'static str,
    /// The run's identity (PDF ids, email Message-IDs, the journal).
    pub ident: &'a str,
    /// The period for `summary.json` and the manifest.
    pub period: String,
    /// The period in words, per language, for the email.
    pub period_words: &'a dyn Fn(crate::model::Language) -> String,
    /// The documents' date.
    pub date: NaiveDate,
    /// The run's options.
    pub opts: &'a super::RunOptions,
    /// SMTP settings, when configured.
    pub smtp: Option<&'a crate::email::SmtpSettings>,
    /// When the run started.
    pub started: std::time::Instant,
    /// The advance notice check (letters runs).
    pub advance_notice: Option<crate::compose::letter::AdvanceNotice>,
    /// The 1099 run's figures.
    pub tax1099: Option<super::tax1099::TaxSummary>,
    /// Whether email carries the documents as attachments.
    pub attach: bool,
}

/// Writes the download archives, the manifest, the email (`.eml` files on
/// a dry run), rejects and summary; swaps the run folder in; then queues
/// the email in the delivery journal and sends it if SMTP is configured.
#[allow(clippy::too_many_arguments)]
pub fn finish<D: Document>(
    docs: &[D],
    made: &Produced,
    mut checks: Vec<Check>,
    v: &crate::validate::Validated,
    staging: crate::journal::Staging,
    texts: &crate::texts::Texts,
    tail: &Tail,
) -> Result<(super::Summary, super::Outcome, Option<EmailOutcome>), OpError> {
    let (rows, channels) = manifest(docs, made, &tail.period);
    checks.extend(production_checks(docs, made));
    let portal = docs.iter().filter(|d| d.to().portal).count();
    checks.push(Check::new("documents in the download archives", portal, made.archives.iter().map(|a| a.documents).sum::<usize>()));
    checks.extend(record_checks(v));
    require_balanced(&checks)?;

    let t = std::time::Instant::now();
    let all = email_messages(docs, made, texts, tail, None)?;
    phase("email composed", t);
    let recipients = all.iter().map(|m| m.payee.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    let email =
        EmailReport { recipients, messages: all.len(), documents: all.iter().map(|m| m.documents.len()).sum(), dry_run: tail.opts.dry_run };
    if tail.opts.dry_run && !all.is_empty() {
        let dir = staging.dir().join("email");
        std::fs::create_dir_all(&dir).map_err(|source| crate::route::RouteError::Write { path: dir.clone(), source })?;
        for m in &all {
            let msg = crate::email::message(
                m,
                staging.dir(),
                tail.smtp.map_or(DRY_RUN_FROM, |s| s.from.as_str()),
                tail.smtp.and_then(|s| s.reply_to.as_deref()),
            )
            .map_err(|source| OpError::Message { payee: m.payee.clone(), source })?;
            // `<payee>.eml`, or `<payee>-1.eml`, `-2` … when the payee's
            // documents were split over several messages.
            let parts = all.iter().filter(|o| o.payee == m.payee).count();
            let name = if parts == 1 {
                format!("{}.eml", m.payee)
            } else {
                let k = all.iter().take_while(|o| !std::ptr::eq(*o, m)).filter(|o| o.payee == m.payee).count() + 1;
                format!("{}-{k}.eml", m.payee)
            };
            let path = dir.join(name);
            std::fs::write(&path, msg.formatted()).map_err(|source| crate::route::RouteError::Write { path, source })?;
        }
    }

    let t = std::time::Instant::now();
    crate::journal::write_manifest(staging.dir(), &rows)?;
    let rejected_problems = crate::journal::write_rejects(staging.dir(), &v.problems)?;
    let summary = super::Summary {
        run: tail.run,
        period: tail.period.clone(),
        documents: docs.len(),
        pages: docs.iter().map(Document::page_count).sum(),
        lines: docs.iter().map(Document::lines).sum(),
        total_amount: money(total(docs)?),
        channels,
        print: made.print.clone(),
        email,
        download_archives: made.archives.len(),
        rejected_records: v.counts.values().map(|c| c.rejected).sum::<usize>(),
        errors: v.errors().count(),
        unmailable: crate::problem::unmailable_records(&v.problems),
        warnings: v.problems.len() - rejected_problems,
        files: v.counts.clone(),
        checks,
        advance_notice: tail.advance_notice.clone(),
        tax1099: tail.tax1099.clone(),
        seconds: (tail.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    };
    crate::journal::write_json(staging.dir(), "summary.json", &summary)?;
    staging.commit()?;
    phase("manifest, rejects, summary, commit", t);

    let t = std::time::Instant::now();
    let mut outcome = if rejected_problems == 0 { super::Outcome::Clean } else { super::Outcome::Rejected };
    if tail.opts.dry_run || all.is_empty() {
        return Ok((summary, outcome, None));
    }
    // The run folder is in place: queue what the journal has not seen, then send.
    let path = tail.opts.journal_path();
    let mut journal = crate::delivery::Journal::open(&path)?;
    // The journal keeps the run folder's absolute path: a later delivery may
    // run from anywhere.
    let run_dir = std::fs::canonicalize(&tail.opts.out).unwrap_or_else(|_| tail.opts.out.clone());
    let mut looked = 0;
    let mut result = loop {
        let mut result = EmailOutcome { journal: path.clone(), ..EmailOutcome::default() };
        let fresh = email_messages(docs, made, texts, tail, Some((&journal, &mut result)))?;
        result.replace.sort_unstable();
        result.replace.dedup();
        match journal.enqueue(tail.ident, &run_dir, &fresh, &result.replace) {
            Ok(queued) => break EmailOutcome { queued, ..result },
            // A delivery under way claimed or sent a message this run meant
            // to replace after the run looked (nothing was queued): look again.
            Err(crate::delivery::DeliveryError::Taken { .. }) if looked < 3 => looked += 1,
            Err(e) => return Err(e.into()),
        }
    };
    if !result.changed_after_send.is_empty() {
        outcome = super::Outcome::Rejected;
    }
    phase("email queued", t);
    if let Some(settings) = tail.smtp {
        let done = journal.deliver(settings, Some(tail.ident))?;
        if done.failed + done.pending + done.unconfirmed > 0 {
            outcome = super::Outcome::Rejected;
        }
        result.delivered = Some(done);
    }
    Ok((summary, outcome, Some(result)))
}

/// Prints how long a phase took to stderr when `SSPS_TIMINGS` is set (for
/// profiling a run; nothing else reads the clock).
pub fn phase(name: &str, since: std::time::Instant) {
    if std::env::var_os("SSPS_TIMINGS").is_some() {
        eprintln!("timing: {name}: {:.2} s", since.elapsed().as_secs_f64());
    }
}

/// Sender of `--dry-run` messages when no SMTP settings are given.
pub const DRY_RUN_FROM: &str = "DSHS SSPS <ssps-noreply@dshs.wa.gov>";

/// One message per payee who takes email, with that payee's documents of
/// the run, in payee order. With a journal, documents it already has are
/// left out (and counted in `outcome`), and so are messages left empty.
fn email_messages<D: Document>(
    docs: &[D],
    made: &Produced,
    texts: &crate::texts::Texts,
    tail: &Tail,
    mut journal: Option<(&crate::delivery::Journal, &mut EmailOutcome)>,
) -> Result<Vec<crate::email::Outgoing>, OpError> {
    let mut by_payee: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        if d.to().wants_email() && d.to().email.is_some() {
            by_payee.entry(d.to().payee.as_str()).or_default().push(i);
        }
    }
    let mut out = Vec::with_capacity(by_payee.len());
    for (payee, mut list) in by_payee {
        list.sort_by(|&a, &b| (docs[a].kind(), docs[a].id()).cmp(&(docs[b].kind(), docs[b].id())));
        // Attachments, split into messages of at most `limit` bytes of PDF
        // (a message holds at least one document, whatever its size).
        let limit = tail.smtp.map_or(crate::email::DEFAULT_MAX_ATTACHMENT_BYTES, |s| s.max_attachment_bytes);
        let mut parts: Vec<Vec<crate::email::Attached>> = vec![vec![]];
        let mut size = 0u64;
        for &i in &list {
            let (d, s) = (&docs[i], &made.stored[i]);
            if let Some((j, outcome)) = journal.as_mut() {
                if let Some(known) = j.known(payee, d.kind(), d.id())? {
                    if matches!(known.state.as_str(), "pending" | "failed") {
                        // It never went: queue it again with this run's
                        // content (a corrected address or document), in
                        // place of that message.
                        outcome.replace.push(known.message);
                    } else {
                        // Sent, being sent or unconfirmed: never queued again (an
                        // unconfirmed one goes again only by `ssps deliver --resend-unconfirmed`).
                        outcome.already_journaled += 1;
                        if known.sha256 != s.sha256 {
                            outcome.changed_after_send.push(format!("{} {} of payee {payee}", d.kind(), d.id()));
                        }
                        continue;
                    }
                }
            }
            let last = parts.last_mut().unwrap_or_else(|| unreachable!("parts starts with one"));
            if !last.is_empty() && size + s.bytes > limit {
                parts.push(vec![]);
                size = 0;
            }
            size += s.bytes;
            parts.last_mut().unwrap_or_else(|| unreachable!("parts starts with one")).push(crate::email::Attached {
                kind: d.kind().to_string(),
                document_id: d.id().to_string(),
                title: d.title(),
                sha256: s.sha256.clone(),
                file: s.file.clone(),
            });
        }
        parts.retain(|p| !p.is_empty());
        let to = docs[list[0]].to();
        let n = parts.len();
        for (k, attached) in parts.into_iter().enumerate() {
            let mut m = crate::email::outgoing(
                texts,
                tail.ident,
                docs[list[0]].kind(),
                &(tail.period_words)(to.language),
                payee,
                &to.name,
                to.email.as_deref().unwrap_or_default(),
                to.language,
                to.mail_address().is_some(),
                tail.date,
                attached,
            )
            .map_err(|source| OpError::Message { payee: payee.to_string(), source })?;
            if n > 1 {
                m.subject = format!("{} ({}/{n})", m.subject, k + 1);
            }
            m.notice_only = !tail.attach;
            out.push(m);
        }
    }
    Ok(out)
}
