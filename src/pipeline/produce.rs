//! Producing a run's documents: the mail plan, the rendering (by buckets,
//! so a document's bytes never depend on how many machines shared the run:
//! see [`crate::shard`]), and the assembly that offers every document's
//! stored copy to the channels in the mail plan's order.
//!
//! A single run renders every bucket and assembles; a shard renders its
//! buckets only ([`super::split`]); a merge copies the shards' documents
//! and assembles. The assembly reads each document from `documents/` (the
//! print job copies its pages from there, never re-rendering), so a single
//! run and a merge make the same bytes by construction.

use std::collections::BTreeMap;
use std::path::Path;

use super::channels::{self, Allowed, Channel, Took};
use super::workers::{self, Chunk};
use super::{phase, Check, OpError, Period, RunOptions};
use crate::compose::Document;
use crate::kind::Kind;
use crate::mail::{self, MailConfig, Piece};
use crate::pdfcut::PdfChunk;
use crate::render::Renderer;
use crate::route::{Download, PrintJob, RouteError, Stored};

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

/// What rendering and routing made.
pub struct Produced {
    /// Each document's file copy, in the documents' order.
    pub stored: Vec<Stored>,
    /// Each document's place in the print job, when mailed.
    pub placed: Vec<Option<Placement>>,
    /// What the channels did with each document.
    pub taken: channels::Taken,
    /// The finished print job.
    pub print: crate::route::PrintReport,
    /// The mail plan it followed.
    pub plan: mail::MailPlan,
    /// Documents that were planned for mail (indexes).
    pub mailable: Vec<usize>,
    /// Pages rendered (by this machine or, merged, by the shards), all documents.
    pub rendered_pages: usize,
    /// The per-payee download archives, in payee order.
    pub archives: Vec<crate::route::Archive>,
    /// The email channel's documents by payee.
    pub email: BTreeMap<String, Vec<usize>>,
}

/// What rendering and routing a run's documents needs.
pub(super) struct Stage<'a> {
    pub kind: Kind,
    /// The channels the kind's documents may take.
    pub allowed: Allowed,
    pub renderer: &'a Renderer,
    pub config: &'a MailConfig,
    pub period: &'a Period,
    pub labels: &'a serde_json::Value,
    /// The staging folder.
    pub dir: &'a Path,
    pub opts: &'a RunOptions,
}

/// The mail plan and the order documents are rendered and routed in.
pub(super) struct Planned {
    /// Documents planned for mail (indexes).
    pub mailable: Vec<usize>,
    /// Their ids, by piece.
    pub names: Vec<String>,
    pub plan: mail::MailPlan,
    /// Each document's piece in the plan, when mailed.
    pub piece_of: Vec<Option<usize>>,
    pub placed: Vec<Option<Placement>>,
    /// Mailed documents as the envelopes take them, then the rest by ZIP,
    /// recipient and id.
    pub order: Vec<usize>,
    /// How many of `order` are mailed.
    pub mailed: usize,
}

/// Plans the mailing: envelopes, their order and batch files, before rendering.
pub(super) fn plan<D: Document>(docs: &[D], stage: &Stage) -> Result<Planned, OpError> {
    let mailable: Vec<usize> = (0..docs.len()).filter(|&i| stage.allowed.mail && docs[i].to().mail_address().is_some()).collect();
    let pieces: Vec<Piece> = mailable
        .iter()
        .filter_map(|&i| {
            let d = &docs[i];
            Some(Piece {
                owner: d.to().id.as_str(),
                document: d.id(),
                recipient: &d.to().name,
                address: d.to().mail_address()?,
                pages: d.page_count(),
            })
        })
        .collect();
    let t = std::time::Instant::now();
    let plan = mail::plan(&pieces, stage.config, stage.period.month, stage.kind)?;
    phase("mail plan", t);
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
        (&da.to().address.zip, &da.to().id, da.id()).cmp(&(&db.to().address.zip, &db.to().id, db.id()))
    });
    order.extend(rest);
    let names = pieces.iter().map(|p| p.document.to_string()).collect();
    Ok(Planned { mailable, names, plan, piece_of, placed, order, mailed })
}

/// The chunks of the run: each bucket's documents in the run's order (its
/// mailed ones first), cut into chunks; only the buckets `owns` takes.
pub(super) fn chunks<D: Document>(docs: &[D], planned: &Planned, owns: &dyn Fn(u32) -> bool) -> Vec<Chunk> {
    let mut buckets: BTreeMap<(u32, bool), Vec<usize>> = BTreeMap::new();
    for (n, &i) in planned.order.iter().enumerate() {
        let b = crate::shard::bucket(docs[i].to().id.as_str());
        if owns(b) {
            // Mailed documents and the rest are never mixed in one chunk.
            buckets.entry((b, n >= planned.mailed)).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for ((b, rest), list) in buckets {
        for (k, docs_of) in workers::chunked(docs, &list).into_iter().enumerate() {
            out.push(Chunk { name: format!("b{b:03}{}-{k}", if rest { "r" } else { "" }), docs: docs_of });
        }
    }
    out
}

/// Renders `chunks` into `documents/`: each document's stored copy (where
/// rendered) and the pages rendered.
pub(super) fn render<D: Document>(docs: &[D], chunks: &[Chunk], stage: &Stage) -> Result<(Vec<Option<Stored>>, usize), OpError> {
    let rendering = workers::Rendering {
        ident: &stage.period.ident,
        date: stage.period.date,
        template: stage.kind.template(),
        labels: stage.labels,
        threads: stage.opts.threads,
        progress: stage.opts.progress,
    };
    let mut stored: Vec<Option<Stored>> = vec![None; docs.len()];
    let mut pages = 0usize;
    let t = std::time::Instant::now();
    workers::render_in_order(docs, chunks, stage.renderer, &rendering, &Download::new(stage.dir), |done| {
        for part in done.parts {
            pages += part.pages.len();
            stored[part.doc] = Some(part.stored);
        }
        Ok(())
    })?;
    phase("render and file copies", t);
    Ok((stored, pages))
}

/// Offers every document to the channels in the run's order (the mail
/// plan's, then the rest): one thread reads and parses each mailed
/// document's stored copy, the print job's thread copies its pages, and the
/// email and the archives (which read the files themselves) take every
/// document on this thread meanwhile.
pub(super) fn assemble<D: Document>(
    docs: &[D],
    planned: Planned,
    stored: Vec<Option<Stored>>,
    rendered_pages: usize,
    stage: &Stage,
) -> Result<Produced, OpError> {
    let Stage { allowed, config, period, dir, .. } = *stage;
    let stored = stored
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| OpError::Unbalanced(format!("{} {} was never rendered", docs[i].kind(), docs[i].id()))))
        .collect::<Result<Vec<_>, _>>()?;
    let Planned { mailable, names, plan, piece_of, placed, order, .. } = planned;
    let n = docs.len();
    let t = std::time::Instant::now();
    let mailed: Vec<bool> = piece_of.iter().map(Option::is_some).collect();
    let mut print = channels::Print::new(PrintJob::new(dir, &period.ident, &plan, config)?, piece_of);
    let mut email = channels::Email::default();
    let mut archives = channels::Archives::new(dir, period.date, docs.iter().map(Document::to).filter(|_| allowed.download))?;
    let (order, copies, names) = (&order, &stored, &names);
    // Either thread that fails stops the other at its next document.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
    let halt = |e: OpError| {
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        e
    };
    let (printed, rest) = std::thread::scope(|scope| {
        // The mailed documents' copies are read and parsed on one thread
        // and handed, in order, to the print job's (a few ahead at most).
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(usize, Option<PdfChunk>), OpError>>(32);
        scope.spawn(move || {
            for &i in order.iter().filter(|_| allowed.mail) {
                if stopped() {
                    return;
                }
                let item = match mailed[i] {
                    true => read(dir, &copies[i]).map(|pdf| (i, Some(pdf))).map_err(halt),
                    false => Ok((i, None)),
                };
                if tx.send(item).is_err() {
                    return;
                }
            }
        });
        let printing = scope.spawn(move || -> Result<Option<(Vec<Took>, crate::route::PrintReport)>, OpError> {
            let mut answers = vec![Took::No; n];
            for item in rx {
                let (i, pdf) = item?;
                if stopped() {
                    return Ok(None);
                }
                answers[i] = print.offer(&routed(docs, i, &copies[i], pdf.as_ref())).map_err(halt)?;
            }
            if stopped() {
                return Ok(None);
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let report = print.finish(&names, period.date).map_err(halt)?;
            phase("  the print job's thread", t);
            Ok(Some((answers, report)))
        });
        let rest = (|| -> Result<Option<_>, OpError> {
            let (mut by_email, mut downloaded) = (vec![Took::No; n], vec![Took::No; n]);
            for &i in order {
                if stopped() {
                    return Ok(None);
                }
                let r = routed(docs, i, &copies[i], None);
                if allowed.email {
                    by_email[i] = email.offer(&r).map_err(halt)?;
                }
                if allowed.download {
                    downloaded[i] = archives.offer(&r).map_err(halt)?;
                }
            }
            let archives = archives.finish().map_err(halt)?;
            phase("  the email and archives' thread", t);
            Ok(Some((by_email, downloaded, archives)))
        })();
        let printed = printing.join().unwrap_or_else(|_| Err(halt(OpError::Unbalanced("the print job's thread panicked".into()))));
        (printed, rest)
    });
    let (printed, rest) = (printed?, rest?);
    let (Some((print_answers, print)), Some((by_email, downloaded, archives))) = (printed, rest) else {
        return Err(OpError::Unbalanced("the channels stopped without an error".into()));
    };
    // The manifest's order: mail, email, download.
    let taken = channels::Taken::merge(n, &[print_answers, by_email, downloaded]);
    phase("print job, archives, email channel", t);
    Ok(Produced { stored, placed, taken, print, plan, mailable, rendered_pages, archives, email: email.by_payee })
}

/// A document as the channels see it; `pdf` is its parsed copy, when read.
fn routed<'a, D: Document>(docs: &'a [D], i: usize, stored: &'a Stored, pdf: Option<&'a PdfChunk>) -> channels::Routed<'a> {
    let d = &docs[i];
    channels::Routed {
        index: i,
        kind: d.kind(),
        id: d.id(),
        title: d.title(),
        to: d.to(),
        amount: d.amount(),
        pages: 0..pdf.map_or(d.page_count(), PdfChunk::page_count),
        chunk: pdf,
        stored,
    }
}

/// A document's stored copy, read back and parsed.
fn read(dir: &Path, stored: &Stored) -> Result<PdfChunk, OpError> {
    let path = dir.join(&stored.file);
    let bytes = std::fs::read(&path).map_err(|e| OpError::ReadBack { file: stored.file.clone(), message: e.to_string() })?;
    Ok(PdfChunk::parse(&bytes).map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?)
}

impl Produced {
    /// The manifest rows, in the documents' order. `period` is the run's
    /// month or window.
    pub fn manifest<D: Document>(&self, docs: &[D], period: &str) -> Vec<crate::journal::ManifestRow> {
        docs.iter()
            .enumerate()
            .map(|(i, doc)| {
                let (to, s, place) = (doc.to(), &self.stored[i], self.placed[i].as_ref());
                crate::journal::ManifestRow {
                    document_id: doc.id().to_string(),
                    kind: doc.kind().name(),
                    recipient_kind: to.recipient.name(),
                    recipient_id: to.id.to_string(),
                    provider_number: doc.provider_number().to_string(),
                    recipient_name: to.name.clone(),
                    zip: to.address.zip.clone(),
                    channels: self.taken.per_document[i].join(";"),
                    pages: doc.page_count(),
                    sha256: s.sha256.clone(),
                    file: s.file.clone(),
                    month: period.to_string(),
                    lines: doc.lines(),
                    amount: doc.amount(),
                    envelope: place.map(|p| p.envelope),
                    print_file: place.map(|p| format!("print/{}", p.file)),
                    print_first_page: place.map(|p| p.first_page),
                }
            })
            .collect()
    }

    /// The checks every run must pass: pages rendered, every mailable
    /// document in exactly one envelope, the print job's pages and sheets,
    /// every portal document in its payee's archive.
    pub fn checks<D: Document>(&self, docs: &[D]) -> Vec<Check> {
        let mut in_envelopes: Vec<usize> = self.plan.envelopes.iter().flat_map(|e| e.documents.iter().map(|d| d.piece)).collect();
        let placements = in_envelopes.len();
        in_envelopes.sort_unstable();
        in_envelopes.dedup();
        let mailed_pages: usize = self.mailable.iter().map(|&i| docs[i].page_count()).sum();
        let planned_sheets: usize = self.plan.envelopes.iter().map(|e| e.sheets).sum();
        let print = &self.print;
        let files_as_planned = print.files.iter().all(|f| f.pages_written == f.batch.pages && f.sheets_written == f.batch.sheets);
        let portal = docs.iter().filter(|d| d.to().portal).count();
        vec![
            Check::new(
                "pages rendered = pages of the documents",
                docs.iter().map(Document::page_count).sum::<usize>(),
                self.rendered_pages,
            ),
            Check::new("mailable documents placed in envelopes", self.mailable.len(), placements),
            Check::new("each mailable document in exactly one envelope", placements, in_envelopes.len()),
            Check::new("print pages = mailed document pages + blank backs", mailed_pages + print.blank_pages, print.pages),
            Check::new("sheets printed (from the pages written) = sheets of the envelopes", planned_sheets, print.sheets),
            Check::new("every batch file has the pages planned for it", true, files_as_planned),
            Check::new("documents in the download archives", portal, self.archives.iter().map(|a| a.documents).sum::<usize>()),
        ]
    }
}
