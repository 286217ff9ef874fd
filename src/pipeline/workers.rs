//! Rendering a run's documents on all cores, handed back in order.
//!
//! Documents are cut into chunks of at most [`CHUNK`] documents and
//! [`CHUNK_PAGES`] pages, each one Typst compilation. Worker threads (the
//! standard library's scoped threads) take the next chunk, render it, cut
//! it into the per-document file copies (PDF/A-2b, written to `documents/`)
//! and send it back over a channel; the calling thread puts the chunks back
//! in order and hands each to the channels, so printing overlaps
//! rendering. A worker waits on a condition variable, never a sleep, when
//! it is more than a window of chunks ahead of the one being routed, which
//! bounds memory.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Condvar, Mutex};

use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::OpError;
use crate::compose::Document;
use crate::pdfcut::{Archival, PdfChunk};
use crate::render::{self, PdfSettings, Renderer, Tagging, Template};
use crate::route::{Download, Stored};

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

/// How to render a run's chunks.
pub struct Rendering<'a> {
    /// Identifies the run in PDF ids: `ssps-invoices-2026-10`.
    pub ident: &'a str,
    /// The documents' date (PDF timestamps).
    pub date: NaiveDate,
    /// The template that renders a chunk.
    pub template: Template,
    /// Printed labels handed to the template beside the documents.
    pub labels: &'a serde_json::Value,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Show a progress bar.
    pub progress: bool,
}

/// One chunk rendered and cut.
pub struct Done {
    /// The chunk's PDF (the print job copies pages from it).
    pub chunk: PdfChunk,
    /// Its documents, in order.
    pub parts: Vec<Part>,
}

/// One document of a rendered chunk.
pub struct Part {
    /// The document's index in the run.
    pub doc: usize,
    /// Its pages in the chunk.
    pub pages: Range<usize>,
    /// Its file copy under `documents/`.
    pub stored: Stored,
}

#[derive(Serialize)]
struct ChunkData<'a, D> {
    documents: Vec<&'a D>,
    labels: &'a serde_json::Value,
}

/// A chunk of documents to render as one Typst document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Its name in the run, the same whichever shard renders it (its PDF's
    /// id, which no copy keeps, and error messages): `b017-2`.
    pub name: String,
    /// Its documents (indexes in the run), in order.
    pub docs: Vec<usize>,
}

/// `order` cut into chunks of at most [`CHUNK`] documents and
/// [`CHUNK_PAGES`] pages (a longer document is a chunk of its own).
pub fn chunked<D: Document>(docs: &[D], order: &[usize]) -> Vec<Vec<usize>> {
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

/// How far the routing thread has got, shared with the workers.
struct Progress {
    /// Chunks routed so far.
    routed: Mutex<usize>,
    /// Signalled when `routed` grows or the run stops.
    moved: Condvar,
    /// Set when a chunk failed: the workers stop taking chunks.
    stop: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops the run: set under the lock a waiting worker checks it under,
    /// so no worker can miss the wake-up between its check and its wait.
    fn halt(&self) {
        let _routed = self.routed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.moved.notify_all();
    }

    /// Waits until chunk `k` is within `window` chunks of the routed ones;
    /// false when the run stopped meanwhile.
    fn wait_for_turn(&self, k: usize, window: usize) -> bool {
        let mut routed = self.routed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while k >= *routed + window && !self.stopped() {
            routed = self.moved.wait(routed).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        !self.stopped()
    }

    fn advance(&self, to: usize) {
        *self.routed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = to;
        self.moved.notify_all();
    }
}

/// Halts the workers when the routing ends, however it ends.
struct HaltOnDrop<'a>(&'a Progress);

impl Drop for HaltOnDrop<'_> {
    fn drop(&mut self) {
        self.0.halt();
    }
}

/// Renders `chunks` of `docs` on the worker threads and calls `route` with
/// each rendered chunk in order. Stops at the first error, a worker's or
/// `route`'s.
pub fn render_in_order<D: Document>(
    docs: &[D],
    chunks: &[Chunk],
    renderer: &Renderer,
    r: &Rendering,
    download: &Download,
    mut route: impl FnMut(Done) -> Result<(), OpError>,
) -> Result<(), OpError> {
    let bar = if r.progress { ProgressBar::new(docs.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(&format!("{{spinner}} {} {{pos}}/{{len}} [{{bar:30}}] {{per_sec}} eta {{eta}}", r.ident))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let threads = r.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)).max(1);
    // Chunks handed out but not yet routed are bounded, so memory is too.
    let window = threads * 2;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let progress = Progress { routed: Mutex::new(0), moved: Condvar::new(), stop: false.into() };
    let result = std::thread::scope(|scope| -> Result<(), OpError> {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Done, OpError>)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, progress) = (&next, &progress);
            let worker = move || {
                while !progress.stopped() {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = chunks.get(k) else { break };
                    if !progress.wait_for_turn(k, window) {
                        break;
                    }
                    // A panic inside a chunk (a defect, never input) becomes
                    // this chunk's error, naming its documents: the run stops
                    // cleanly with exit 2.
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render_chunk(renderer, docs, chunk, r, download)))
                            .unwrap_or_else(|panic| Err(panicked(docs, chunk, panic.as_ref())));
                    if result.is_err() {
                        progress.halt();
                    }
                    if k % TRIM_EVERY == TRIM_EVERY - 1 {
                        render::trim_caches();
                    }
                    if tx.send((k, result)).is_err() {
                        break;
                    }
                }
            };
            if let Err(source) = std::thread::Builder::new().name("render".into()).stack_size(32 << 20).spawn_scoped(scope, worker) {
                progress.halt();
                return Err(OpError::Threads { threads, source });
            }
        }
        drop(tx);
        // Whatever ends the routing below (an error, or a panic in a
        // channel), the workers are told to stop, so the scope can end.
        let _halt_on_exit = HaltOnDrop(&progress);
        // Chunks that arrived ahead of their turn (at most `window`).
        let mut pending: BTreeMap<usize, Done> = BTreeMap::new();
        let mut expect = 0;
        let routed = (|| {
            for (k, result) in &rx {
                pending.insert(k, result?);
                while let Some(done) = pending.remove(&expect) {
                    let n = done.parts.len() as u64;
                    route(done)?;
                    bar.inc(n);
                    expect += 1;
                    progress.advance(expect);
                }
            }
            if expect != chunks.len() {
                return Err(OpError::Unbalanced(format!("{expect} of {} chunks were rendered", chunks.len())));
            }
            Ok(())
        })();
        if routed.is_err() {
            progress.halt();
        }
        drop(rx);
        routed
    });
    bar.finish_and_clear();
    result
}

/// The error of a chunk whose rendering panicked: the chunk, its first and
/// last documents, and the panic's message.
fn panicked<D: Document>(docs: &[D], chunk: &Chunk, panic: &(dyn std::any::Any + Send)) -> OpError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    let name = |i: &usize| format!("{} {}", docs[*i].kind(), docs[*i].id());
    let list = &chunk.docs;
    let documents = match (list.first(), list.last()) {
        (Some(a), Some(b)) if list.len() > 1 => format!("{} documents, {} to {}", list.len(), name(a), name(b)),
        (Some(a), _) => name(a),
        _ => "no documents".into(),
    };
    OpError::WorkerPanic {
        chunk: chunk.name.clone(),
        documents,
        message: crate::problem::shown(&message, 300, crate::problem::Masking::AnyNineDigits),
    }
}

/// The PDF/A-2b metadata of a download copy dated `date`.
pub fn archival(date: NaiveDate) -> Archival {
    Archival {
        creator: format!("ssps {} (Typst)", env!("CARGO_PKG_VERSION")),
        producer: format!("ssps {}", env!("CARGO_PKG_VERSION")),
        date: (date.year(), date.month(), date.day()),
    }
}

fn render_chunk<D: Document>(renderer: &Renderer, docs: &[D], chunk: &Chunk, r: &Rendering, download: &Download) -> Result<Done, OpError> {
    let n = &chunk.name;
    let data = ChunkData { documents: chunk.docs.iter().map(|&i| &docs[i]).collect(), labels: r.labels };
    let settings = PdfSettings { ident: format!("{}-chunk-{n}", r.ident), date: r.date, tagging: Tagging::Untagged };
    let rendered = renderer.render(r.template, &data, &settings)?;
    let pdf = PdfChunk::parse(&rendered.pdf).map_err(|source| OpError::Cut { chunk: n.clone(), source })?;
    // The file copies are the archive copies: PDF/A-2b.
    let archival = archival(r.date);
    let mut parts = Vec::with_capacity(chunk.docs.len());
    let mut page = 0;
    for &i in &chunk.docs {
        let doc = &docs[i];
        let pages = doc.page_count();
        let range = page..page + pages;
        let copy = pdf
            .extract_with(range.clone(), &format!("ssps-{}-{}-{}", doc.kind(), doc.to().id, doc.id()), Some(&doc.title()), Some(&archival))
            .map_err(|source| OpError::Cut { chunk: n.clone(), source })?;
        let stored = download.store(&doc.to().id, doc.id(), &copy)?;
        parts.push(Part { doc: i, pages: range, stored });
        page += pages;
    }
    if page != pdf.page_count() || page != rendered.pages {
        return Err(OpError::Unbalanced(format!("chunk {n}: the template made {} pages, the documents need {page}", rendered.pages)));
    }
    Ok(Done { chunk: pdf, parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::{Addressee, DocMeta};
    use crate::kind::Kind;

    #[derive(Serialize)]
    struct Doc {
        id: String,
        pages: usize,
        #[serde(skip)]
        meta: DocMeta,
    }

    impl Document for Doc {
        fn id(&self) -> &str {
            &self.id
        }
        fn kind(&self) -> Kind {
            Kind::Notice
        }
        fn meta(&self) -> &DocMeta {
            &self.meta
        }
        fn page_count(&self) -> usize {
            self.pages
        }
        fn title(&self) -> String {
            self.id.clone()
        }
    }

    fn docs(pages: &[usize]) -> Vec<Doc> {
        let to = Addressee::staff(crate::model::Id::parse("UNIT").unwrap(), "Unit");
        pages
            .iter()
            .enumerate()
            .map(|(i, &p)| Doc {
                id: format!("D-{i}"),
                pages: p,
                meta: DocMeta { to: to.clone(), amount: rust_decimal::Decimal::ZERO, lines: 1, references: vec![] },
            })
            .collect()
    }

    #[test]
    fn chunks_end_at_the_document_count_or_the_page_bound_and_a_long_document_stands_alone() {
        let d = docs(&[1; 100]);
        let order: Vec<usize> = (0..100).collect();
        assert_eq!(chunked(&d, &order).iter().map(Vec::len).collect::<Vec<_>>(), [CHUNK, CHUNK, 100 - 2 * CHUNK]);
        let d = docs(&[30, 30, 30, 70, 1]);
        assert_eq!(chunked(&d, &[0, 1, 2, 3, 4]), [vec![0, 1], vec![2], vec![3], vec![4]]);
    }

    #[test]
    fn a_panic_names_its_chunk_its_documents_and_its_message_masked() {
        let d = docs(&[1, 1, 1]);
        let chunk = |name: &str, docs: &[usize]| Chunk { name: name.into(), docs: docs.to_vec() };
        let e = panicked(&d, &chunk("b007-0", &[0, 1, 2]), &"index out of bounds for 123-45-6789".to_string());
        assert_eq!(
            e.to_string(),
            "rendering chunk b007-0 (3 documents, notice D-0 to notice D-2) failed: index out of bounds for ***-**-6789"
        );
        let e = panicked(&d, &chunk("b000-0", &[1]), &"boom");
        assert_eq!(e.to_string(), "rendering chunk b000-0 (notice D-1) failed: boom");
    }
}
