//! Stage 5, route: rendered PDFs → the channels that deliver them.
//!
//! - [`Download`]: every document's own PDF under
//!   `documents/<payee_number>/<document_id>.pdf`, the copy a provider
//!   downloads (and the archive copy);
//! - [`Print`]: one print-ready PDF of every mailed document, pages streamed
//!   from the rendered chunks in mailing order, each document starting on a
//!   front side (the template adds the blank backs).
//!
//! Channels write only inside the run's staging folder (see
//! [`crate::journal::Staging`]); nothing here renders.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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

/// What the print file holds when it is finished.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PrintReport {
    /// Path relative to the run folder, or `None` when nothing is mailed.
    pub file: Option<String>,
    /// Documents in it.
    pub documents: usize,
    /// Pages, blank backs included.
    pub pages: usize,
    /// Blank backs added so each document starts on a front side.
    pub blank_pages: usize,
    /// Sheets of paper (duplex: two pages a sheet).
    pub sheets: usize,
    /// File size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file.
    pub sha256: Option<String>,
}

/// The print channel: one PDF for the mailroom, written as it goes.
pub struct Print {
    path: PathBuf,
    rel: String,
    concat: Option<PdfConcat<HashingWriter<BufWriter<File>>>>,
    report: PrintReport,
}

impl Print {
    /// A print file at `<run>/print/<name>`, created on first use.
    pub fn new(run_dir: &Path, name: &str, ident: &str) -> Result<Print, RouteError> {
        let dir = run_dir.join("print");
        fs::create_dir_all(&dir).map_err(|source| RouteError::Write { path: dir.clone(), source })?;
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| RouteError::Write { path: path.clone(), source })?;
        let concat = PdfConcat::new(HashingWriter::new(BufWriter::with_capacity(1 << 20, file)), ident, Some("SSPS print file"))
            .map_err(|source| RouteError::Pdf { what: path.display().to_string(), source })?;
        Ok(Print { path, rel: format!("print/{name}"), concat: Some(concat), report: PrintReport::default() })
    }

    /// Appends one document's pages (and its blank back, if any) from a
    /// rendered chunk.
    pub fn append(&mut self, chunk: &PdfChunk, pages: Range<usize>, blank_pages: usize) -> Result<(), RouteError> {
        let Some(concat) = self.concat.as_mut() else {
            return Ok(());
        };
        let n = pages.len();
        concat.append(chunk, pages).map_err(|source| RouteError::Pdf { what: self.path.display().to_string(), source })?;
        self.report.documents += 1;
        self.report.pages += n;
        self.report.blank_pages += blank_pages;
        Ok(())
    }

    /// Pages written so far (the next document starts after them).
    pub fn pages(&self) -> usize {
        self.report.pages
    }

    /// Finishes the file; removes it when no document was mailed.
    pub fn finish(mut self) -> Result<PrintReport, RouteError> {
        let Some(concat) = self.concat.take() else {
            return Ok(self.report);
        };
        let err = |source: std::io::Error| RouteError::Write { path: self.path.clone(), source };
        if self.report.documents == 0 {
            drop(concat);
            fs::remove_file(&self.path).map_err(err)?;
            return Ok(self.report);
        }
        let mut w = concat.finish().map_err(|source| RouteError::Pdf { what: self.path.display().to_string(), source })?;
        w.flush().map_err(err)?;
        self.report.file = Some(self.rel.clone());
        self.report.bytes = w.bytes;
        self.report.sha256 = Some(hex(&w.hasher.finalize()));
        self.report.sheets = self.report.pages.div_ceil(2);
        Ok(self.report)
    }
}
