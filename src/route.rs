//! Stage 5, route: rendered PDFs → the channels that deliver them.
//!
//! - [`Download`]: every document's own PDF under
//!   `documents/<payee_number>/<document_id>.pdf`, the copy a provider
//!   downloads (and the archive copy);
//! - [`DownloadArchives`]: `download/<payee>.zip`, a payee's documents of
//!   the run with an index, and `download/index.csv`;
//! - [`PrintJob`]: the print job the mail plan ([`crate::mail`]) laid out:
//!   batch files of envelopes streamed from the rendered chunks, barcodes and
//!   inserter marks drawn over the pages, blank backs added, then
//!   `job.csv`, `job.json` and `job.zip` for the print shop.
//!
//! The email channel is [`crate::email`]: it sends after the run folder is
//! in place. Channels here write only inside the run's staging folder (see
//! [`crate::journal::Staging`]); nothing here renders.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::mail::{envelope_overlays, BatchFile, Envelope, MailConfig, MailPlan, Placed, Stream, ZipGroup, PAGE};
use crate::model::Id;
use crate::pdfcut::{PdfChunk, PdfConcat, PdfCutError};

/// Why a channel could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// Writing a file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The documents did not arrive as the mail plan says.
    #[error("print job: {0}")]
    Plan(String),
    /// A zip archive or an index could not be made.
    #[error("cannot make {what}: {message}")]
    Make {
        /// The archive or index.
        what: String,
        /// What the writer said.
        message: String,
    },
    /// Cutting or joining PDFs failed.
    #[error("cannot assemble {what}")]
    Pdf {
        /// The document or file.
        what: String,
        /// The cause.
        #[source]
        source: PdfCutError,
    },
}

/// A document written to the download folder.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Path relative to the run folder, with `/` separators.
    pub file: String,
    /// SHA-256 of the PDF, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A writer that hashes and counts what passes through it, so a large file
/// need not be read back to be fingerprinted.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new(), bytes: 0 }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The download channel: one PDF per document, per payee folder.
pub struct Download {
    root: PathBuf,
}

impl Download {
    /// A download channel writing under `<run>/documents`.
    pub fn new(run_dir: &Path) -> Download {
        Download { root: run_dir.join("documents") }
    }

    /// Writes one document's PDF.
    pub fn store(&self, payee: &Id, document_id: &str, pdf: &[u8]) -> Result<Stored, RouteError> {
        // Both parts are identifiers (letters, digits, `-`): safe in a path.
        let dir = self.root.join(payee.as_str());
        fs::create_dir_all(&dir).map_err(|source| RouteError::Write { path: dir.clone(), source })?;
        let path = dir.join(format!("{document_id}.pdf"));
        fs::write(&path, pdf).map_err(|source| RouteError::Write { path: path.clone(), source })?;
        Ok(Stored { file: format!("documents/{payee}/{document_id}.pdf"), sha256: sha256_hex(pdf), bytes: pdf.len() as u64 })
    }
}

/// What goes into a zip archive: a file's contents or bytes.
pub enum ZipMember {
    /// Copied from this file.
    File(PathBuf),
    /// These bytes.
    Bytes(Vec<u8>),
}

fn zip_options(date: chrono::NaiveDate) -> zip::write::SimpleFileOptions {
    let stamp =
        zip::DateTime::from_date_and_time(u16::try_from(date.year()).unwrap_or(1980), date.month() as u8, date.day() as u8, 0, 0, 0)
            .unwrap_or_default();
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(stamp)
        .unix_permissions(0o644)
        .large_file(true)
}

/// Writes a deterministic zip into `w`: members stored (PDFs are compressed
/// already) in the given order, every time stamp the run's date.
fn zip_into<W: Write + std::io::Seek>(w: W, name: &str, date: chrono::NaiveDate, members: &[(String, ZipMember)]) -> Result<W, RouteError> {
    let zerr = |e: zip::result::ZipError| RouteError::Make { what: name.to_string(), message: e.to_string() };
    let werr = |source| RouteError::Write { path: PathBuf::from(name), source };
    let mut zip = zip::ZipWriter::new(w);
    let options = zip_options(date);
    for (member, source) in members {
        zip.start_file(member.as_str(), options).map_err(zerr)?;
        match source {
            ZipMember::File(from) => {
                let mut f = File::open(from).map_err(|source| RouteError::Write { path: from.clone(), source })?;
                std::io::copy(&mut f, &mut zip).map_err(werr)?;
            }
            ZipMember::Bytes(bytes) => zip.write_all(bytes).map_err(werr)?,
        }
    }
    zip.finish().map_err(zerr)
}

/// Writes a deterministic zip file (see [`zip_into`]); returns its SHA-256
/// and size, read back (the writer seeks, so it cannot hash as it goes).
pub fn write_zip(path: &Path, date: chrono::NaiveDate, members: &[(String, ZipMember)]) -> Result<(String, u64), RouteError> {
    let werr = |source| RouteError::Write { path: path.to_path_buf(), source };
    let file = File::create(path).map_err(werr)?;
    let mut w = zip_into(BufWriter::with_capacity(1 << 20, file), &path.display().to_string(), date, members)?;
    w.flush().map_err(werr)?;
    drop(w);
    let mut hasher = HashingWriter::new(std::io::sink());
    let mut f = File::open(path).map_err(werr)?;
    std::io::copy(&mut f, &mut hasher).map_err(werr)?;
    Ok((hex(&hasher.hasher.finalize()), hasher.bytes))
}

/// A document as the download archives list it.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    /// The payee whose archive holds it.
    pub payee_number: String,
    /// Document id (the PDF is `<document_id>.pdf` in the archive).
    pub document_id: String,
    /// `invoice`, `remittance`, `notice`.
    pub kind: &'static str,
    /// What it is, in words.
    pub title: String,
    /// Pages.
    pub pages: usize,
    /// The amount it is about, a plain decimal.
    #[serde(serialize_with = "crate::money::csv")]
    pub amount: rust_decimal::Decimal,
    /// SHA-256 of the PDF.
    pub sha256: String,
    /// The PDF in the run folder.
    pub file: String,
}

/// `download/index.csv`: a row per payee archive.
#[derive(Debug, Clone, Serialize)]
pub struct Archive {
    /// The payee.
    pub payee_number: String,
    /// Path relative to the run folder.
    pub archive: String,
    /// Documents in it.
    pub documents: usize,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256.
    pub sha256: String,
}

/// The download channel's archives: `download/<payee>.zip` per payee with
/// that run's PDFs and an `index.csv` of them (each written as soon as the
/// payee's last document is), and `download/index.csv` listing the
/// archives in payee order.
pub struct DownloadArchives {
    run_dir: PathBuf,
    date: chrono::NaiveDate,
    archives: Vec<Archive>,
}

/// A CSV file for people, its cells neutralised against spreadsheet
/// formulas ([`crate::spreadsheet`]).
fn for_people(bytes: &[u8], what: &str) -> Result<Vec<u8>, RouteError> {
    crate::spreadsheet::neutralise(bytes, csv::Terminator::Any(b'\n'))
        .map_err(|e| RouteError::Make { what: what.to_string(), message: e.to_string() })
}

impl DownloadArchives {
    /// Archives under `<run>/download`.
    pub fn new(run_dir: &Path, date: chrono::NaiveDate) -> Result<DownloadArchives, RouteError> {
        let dir = run_dir.join("download");
        fs::create_dir_all(&dir).map_err(|source| RouteError::Write { path: dir.clone(), source })?;
        Ok(DownloadArchives { run_dir: run_dir.to_path_buf(), date, archives: Vec::new() })
    }

    /// Writes one payee's archive of `docs` (their PDFs are in the run folder).
    pub fn add(&mut self, payee: &str, mut docs: Vec<Filed>) -> Result<(), RouteError> {
        docs.sort_by(|a, b| (a.kind, &a.document_id).cmp(&(b.kind, &b.document_id)));
        let mut index = csv::Writer::from_writer(Vec::new());
        let mut members = Vec::with_capacity(docs.len() + 1);
        for d in &docs {
            index.serialize(d).map_err(|e| RouteError::Make { what: "download index".into(), message: e.to_string() })?;
            members.push((format!("{}.pdf", d.document_id), ZipMember::File(self.run_dir.join(&d.file))));
        }
        let index = index.into_inner().map_err(|e| RouteError::Make { what: "download index".into(), message: e.to_string() })?;
        let index = for_people(&index, "download index")?;
        members.push(("index.csv".into(), ZipMember::Bytes(index)));
        let archive = format!("download/{payee}.zip");
        // Archives are small: made in memory, hashed, written in one go.
        let bytes = zip_into(std::io::Cursor::new(Vec::new()), &archive, self.date, &members)?.into_inner();
        let path = self.run_dir.join(&archive);
        fs::write(&path, &bytes).map_err(|source| RouteError::Write { path, source })?;
        self.archives.push(Archive {
            payee_number: payee.to_string(),
            archive,
            documents: docs.len(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
        Ok(())
    }

    /// Writes `download/index.csv`; returns the archives in payee order.
    pub fn finish(mut self) -> Result<Vec<Archive>, RouteError> {
        self.archives.sort_by(|a, b| a.payee_number.cmp(&b.payee_number));
        let mut index = csv::Writer::from_writer(Vec::new());
        for a in &self.archives {
            index.serialize(a).map_err(|e| RouteError::Make { what: "download/index.csv".into(), message: e.to_string() })?;
        }
        let index = index.into_inner().map_err(|e| RouteError::Make { what: "download/index.csv".into(), message: e.to_string() })?;
        let index = for_people(&index, "download/index.csv")?;
        let path = self.run_dir.join("download/index.csv");
        // A run without documents still gets the header.
        let index = if index.is_empty() { b"payee_number,archive,documents,bytes,sha256\n".to_vec() } else { index };
        fs::write(&path, index).map_err(|source| RouteError::Write { path, source })?;
        Ok(self.archives)
    }
}

/// One finished batch file.
#[derive(Debug, Clone, Serialize)]
pub struct PrintedFile {
    /// The plan's figures for it.
    #[serde(flatten)]
    pub batch: BatchFile,
    /// Path relative to the run folder.
    pub path: String,
    /// Pages actually written (checked against the plan).
    pub pages_written: usize,
    /// Sheets those pages print on (duplex: two pages a sheet).
    pub sheets_written: usize,
    /// File size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// The print job when it is finished: `print/job.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrintReport {
    /// Envelopes (letters and flats).
    pub envelopes: usize,
    /// Of which flats.
    pub flats: usize,
    /// Documents placed in envelopes.
    pub documents: usize,
    /// Pages, blank backs included.
    pub pages: usize,
    /// Blank backs added so each document starts on a front side.
    pub blank_pages: usize,
    /// Sheets of paper, counted from the pages written.
    pub sheets: usize,
    /// Bytes of all batch files.
    pub bytes: u64,
    /// The batch files, in order.
    pub files: Vec<PrintedFile>,
    /// Envelopes per 3-digit ZIP prefix.
    pub zip_groups: BTreeMap<String, ZipGroup>,
    /// `print/job.zip`, when there is a job.
    pub archive: Option<String>,
}

/// `print/job.csv`: a row per envelope.
#[derive(Debug, Serialize)]
struct JobRow<'a> {
    envelope: usize,
    batch_file: &'a str,
    stream: Stream,
    first_page: usize,
    pages: usize,
    sheets: usize,
    recipient_id: &'a str,
    recipient: &'a str,
    zip: &'a str,
    imb_serial: &'a str,
    imb_tracking: String,
    imb_routing: &'a str,
    imb_bars: String,
    documents: String,
}

type BatchWriter = PdfConcat<HashingWriter<BufWriter<File>>>;

/// The print channel: writes the planned envelopes into their batch files
/// as the rendered documents arrive, in plan order, drawing barcodes and
/// inserter marks over the pages and adding blank backs. Batch files are
/// streamed: none is ever held in memory.
pub struct PrintJob<'p> {
    dir: PathBuf,
    ident: String,
    plan: &'p MailPlan,
    config: &'p MailConfig,
    /// Open batch files by name.
    open: BTreeMap<String, BatchWriter>,
    finished: Vec<PrintedFile>,
    /// Next envelope and document within it.
    cursor: (usize, usize),
    /// Overlays of the current envelope, page by page.
    overlays: Vec<Option<String>>,
    /// Page of the current envelope the next document starts on.
    page_in_envelope: usize,
    /// Pages written per file.
    pages_written: BTreeMap<String, usize>,
}

impl<'p> PrintJob<'p> {
    /// A print job under `<run>/print`, following `plan`.
    pub fn new(run_dir: &Path, ident: &str, plan: &'p MailPlan, config: &'p MailConfig) -> Result<PrintJob<'p>, RouteError> {
        let dir = run_dir.join("print");
        if !plan.envelopes.is_empty() {
            fs::create_dir_all(&dir).map_err(|source| RouteError::Write { path: dir.clone(), source })?;
        }
        Ok(PrintJob {
            dir,
            ident: ident.to_string(),
            plan,
            config,
            open: BTreeMap::new(),
            finished: Vec::new(),
            cursor: (0, 0),
            overlays: Vec::new(),
            page_in_envelope: 0,
            pages_written: BTreeMap::new(),
        })
    }

    /// The document the job expects next, as (envelope, index in it).
    pub fn next_document(&self) -> Option<(&'p Envelope, &'p Placed)> {
        let env = self.plan.envelopes.get(self.cursor.0)?;
        Some((env, env.documents.get(self.cursor.1)?))
    }

    /// Places the next planned document: its `pages` of `chunk`, with the
    /// envelope's overlays, then its blank back if it has one. `piece` must
    /// be the piece the plan expects next (the accounting depends on it).
    pub fn place(&mut self, piece: usize, chunk: &PdfChunk, pages: Range<usize>) -> Result<(), RouteError> {
        let (env, doc) = self.next_document().ok_or_else(|| RouteError::Plan(format!("piece {piece} is not in the mail plan")))?;
        if doc.piece != piece || doc.pages != pages.len() {
            return Err(RouteError::Plan(format!(
                "envelope {} expected piece {} ({} pages), got piece {piece} ({} pages)",
                env.seq,
                doc.piece,
                doc.pages,
                pages.len()
            )));
        }
        if self.cursor.1 == 0 {
            self.start_envelope(env)?;
        }
        let at = self.page_in_envelope;
        let overlays: Vec<Option<&[u8]>> = (0..pages.len()).map(|i| self.overlays[at + i].as_deref().map(str::as_bytes)).collect();
        let path = self.dir.join(&env.file);
        let writer = self.open.get_mut(&env.file).ok_or_else(|| RouteError::Plan(format!("{} is not open", env.file)))?;
        writer
            .append_with(chunk, pages.clone(), &overlays)
            .map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?;
        for _ in 0..doc.blanks {
            writer.append_blank(PAGE.0, PAGE.1).map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?;
        }
        *self.pages_written.entry(env.file.clone()).or_default() += pages.len() + doc.blanks;
        self.page_in_envelope += pages.len() + doc.blanks;
        self.cursor.1 += 1;
        if self.cursor.1 == env.documents.len() {
            self.cursor = (self.cursor.0 + 1, 0);
        }
        Ok(())
    }

    /// Opens the envelope's batch file (finishing the stream's previous one)
    /// and computes its overlays.
    fn start_envelope(&mut self, env: &'p Envelope) -> Result<(), RouteError> {
        if !self.open.contains_key(&env.file) {
            let previous: Vec<String> =
                self.open.keys().filter(|f| self.plan.files.iter().any(|b| &b.file == *f && b.stream == env.stream)).cloned().collect();
            for f in previous {
                self.finish_file(&f)?;
            }
            let path = self.dir.join(&env.file);
            let file = File::create(&path).map_err(|source| RouteError::Write { path: path.clone(), source })?;
            let title = format!("SSPS print job {}: {}", self.ident, env.file);
            let concat = PdfConcat::new(
                HashingWriter::new(BufWriter::with_capacity(1 << 20, file)),
                &format!("{}-{}", self.ident, env.file),
                Some(&title),
            )
            .map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?;
            self.open.insert(env.file.clone(), concat);
        }
        self.overlays = envelope_overlays(env, self.config);
        self.page_in_envelope = 0;
        Ok(())
    }

    fn finish_file(&mut self, name: &str) -> Result<(), RouteError> {
        let Some(concat) = self.open.remove(name) else {
            return Ok(());
        };
        let path = self.dir.join(name);
        let mut w = concat.finish().map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?;
        w.flush().map_err(|source| RouteError::Write { path: path.clone(), source })?;
        let batch =
            self.plan.files.iter().find(|b| b.file == name).cloned().ok_or_else(|| RouteError::Plan(format!("{name} is not planned")))?;
        let pages_written = self.pages_written.get(name).copied().unwrap_or(0);
        self.finished.push(PrintedFile {
            batch,
            path: format!("print/{name}"),
            pages_written,
            sheets_written: if self.config.sheets.duplex { pages_written.div_ceil(2) } else { pages_written },
            bytes: w.bytes,
            sha256: hex(&w.hasher.finalize()),
        });
        Ok(())
    }

    /// Finishes every batch file and writes `job.csv`, `job.json` and
    /// `job.zip` (batch files, job files and a `SHA256SUMS` list). Fails
    /// when a planned document was never placed.
    pub fn finish(mut self, pieces: &[&str], date: chrono::NaiveDate) -> Result<PrintReport, RouteError> {
        if let Some((env, doc)) = self.next_document() {
            return Err(RouteError::Plan(format!(
                "envelope {}: document {} was never printed",
                env.seq,
                pieces.get(doc.piece).unwrap_or(&"?")
            )));
        }
        let names: Vec<String> = self.open.keys().cloned().collect();
        for name in names {
            self.finish_file(&name)?;
        }
        // Files in plan order.
        let order: BTreeMap<&str, usize> = self.plan.files.iter().enumerate().map(|(i, f)| (f.file.as_str(), i)).collect();
        self.finished.sort_by_key(|f| order.get(f.batch.file.as_str()).copied().unwrap_or(usize::MAX));
        let plan = self.plan;
        let mut report = PrintReport {
            envelopes: plan.envelopes.len(),
            flats: plan.envelopes.iter().filter(|e| e.stream == Stream::Flats).count(),
            documents: plan.envelopes.iter().map(|e| e.documents.len()).sum(),
            pages: self.finished.iter().map(|f| f.pages_written).sum(),
            blank_pages: self.finished.iter().map(|f| f.batch.blank_pages).sum(),
            sheets: self.finished.iter().map(|f| f.sheets_written).sum(),
            bytes: self.finished.iter().map(|f| f.bytes).sum(),
            files: std::mem::take(&mut self.finished),
            zip_groups: plan.groups.clone(),
            archive: None,
        };
        if plan.envelopes.is_empty() {
            return Ok(report);
        }

        let mut csv = csv::Writer::from_writer(Vec::new());
        for env in &plan.envelopes {
            let documents = env.documents.iter().map(|d| *pieces.get(d.piece).unwrap_or(&"?")).collect::<Vec<_>>().join(";");
            csv.serialize(JobRow {
                envelope: env.seq,
                batch_file: &env.file,
                stream: env.stream,
                first_page: env.first_page,
                pages: env.pages,
                sheets: env.sheets,
                recipient_id: &env.owner,
                recipient: &env.recipient,
                zip: &env.zip,
                imb_serial: &env.imb.serial,
                imb_tracking: env.imb.tracking(),
                imb_routing: &env.imb.routing,
                imb_bars: env.bars.to_string(),
                documents,
            })
            .map_err(|e| RouteError::Plan(format!("job.csv: {e}")))?;
        }
        let csv = csv.into_inner().map_err(|e| RouteError::Plan(format!("job.csv: {e}")))?;
        let csv = for_people(&csv, "job.csv")?;
        let write = |name: &str, bytes: &[u8]| -> Result<(), RouteError> {
            let path = self.dir.join(name);
            fs::write(&path, bytes).map_err(|source| RouteError::Write { path, source })
        };
        write("job.csv", &csv)?;
        report.archive = Some("print/job.zip".into());
        let mut json = serde_json::to_vec_pretty(&report).map_err(|e| RouteError::Plan(format!("job.json: {e}")))?;
        json.push(b'\n');
        write("job.json", &json)?;

        // The archive: batch files, job files and their checksums.
        let mut sums = String::new();
        let mut members: Vec<(String, Option<String>)> =
            report.files.iter().map(|f| (f.batch.file.clone(), Some(f.sha256.clone()))).collect();
        members.push(("job.csv".into(), Some(sha256_hex(&csv))));
        members.push(("job.json".into(), Some(sha256_hex(&json))));
        for (name, sum) in &members {
            sums.push_str(&format!("{}  {name}\n", sum.as_deref().unwrap_or("")));
        }
        let mut entries: Vec<(String, ZipMember)> =
            members.iter().map(|(name, _)| (name.clone(), ZipMember::File(self.dir.join(name)))).collect();
        entries.push(("SHA256SUMS".into(), ZipMember::Bytes(sums.into_bytes())));
        write_zip(&self.dir.join("job.zip"), date, &entries)?;
        Ok(report)
    }
}
