//! [`PdfConcat`]: assembles one output PDF from page ranges of parsed
//! chunks. Each append is copied right away (by [`Emitter`], which
//! renumbers the objects) and written through [`ObjWriter`]; `finish` adds
//! the page tree, the catalog, `/Info` and, for a PDF/A copy, the
//! [`Archival`] parts, then the cross-reference table and trailer.

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use lopdf::Object;

use super::archival::Archival;
use super::fingerprint::{Fingerprints, Fp};
use super::renumber::Emitter;
use super::writer::{file_id, push_fmt, text_string, write_name, write_object, write_stream, write_string, ObjWriter};
use super::{PdfChunk, PdfCutError, ROOT_PAGES};

/// Streams pages of many chunks into one PDF.
///
/// Each [`append`](PdfConcat::append) writes the pages and every object they
/// reach right away; only the byte offsets of the objects written, the object
/// numbers of the pages and a map from the shared resource objects' content
/// fingerprints to their output numbers are kept. [`finish`](PdfConcat::finish) writes the page tree (one `/Pages`
/// node whose `/Kids` lists every page), the catalog, `/Info`, the
/// cross-reference table and the trailer.
///
/// Objects reached through the pages' `/Resources` (fonts, font files,
/// images, graphics states) are written once per output file, whichever
/// chunks bring them (the same content, by fingerprint: see
/// `pdfcut/fingerprint.rs`); other objects are written once per append.
/// The catalog's `/Lang` and `/ViewerPreferences` and the `/Info` entries
/// other than `/Title` are taken from the first chunk appended.
///
/// Writes go straight to `out` one object at a time; wrap a file in a
/// [`std::io::BufWriter`].
pub struct PdfConcat<W: Write> {
    /// Output and cross-reference bookkeeping.
    out: ObjWriter<W>,
    /// First 16 bytes of `sha256(ident)`, the trailer `/ID`.
    file_id: [u8; 16],
    /// The document title, if any.
    title: Option<String>,
    /// Object numbers of the pages written, in order.
    pages: Vec<u32>,
    /// Shared objects already written: fingerprint -> output number.
    shared: BTreeMap<Fp, u32>,
    /// The fingerprints of the chunk being appended.
    fingerprints: Fingerprints,
    /// Catalog entries taken from the first chunk appended.
    catalog_extras: Option<Vec<(Vec<u8>, Object)>>,
    /// `/Info` entries taken from the first chunk appended.
    info_extras: Option<Vec<(Vec<u8>, Object)>>,
    /// Scratch buffer one serialized object is built in.
    buf: Vec<u8>,
    /// The one-byte `q` stream that opens the contents of every page given
    /// an overlay (written once, on first use).
    save_state: Option<u32>,
    /// Write a PDF/A-2b file with this metadata.
    archival: Option<Archival>,
}

impl<W: Write> PdfConcat<W> {
    /// Starts a PDF on `out` and writes its header.
    ///
    /// `ident` determines the trailer `/ID` (see [`PdfChunk::extract`]);
    /// `title`, if any, becomes the `/Title` of the `/Info` dictionary.
    ///
    /// # Errors
    ///
    /// [`PdfCutError::Io`] if the header cannot be written.
    pub fn new(out: W, ident: &str, title: Option<&str>) -> Result<Self, PdfCutError> {
        let mut out = ObjWriter::new(out)?;
        let root = out.alloc();
        debug_assert_eq!(root, ROOT_PAGES);
        Ok(PdfConcat {
            out,
            file_id: file_id(ident),
            title: title.map(str::to_owned),
            pages: Vec::new(),
            shared: BTreeMap::new(),
            fingerprints: Fingerprints::default(),
            catalog_extras: None,
            info_extras: None,
            buf: Vec::with_capacity(4096),
            save_state: None,
            archival: None,
        })
    }

    /// Makes the output a PDF/A-2b file (see [`Archival`]).
    #[must_use]
    pub fn archival(mut self, archival: Archival) -> Self {
        self.archival = Some(archival);
        self
    }

    /// Appends pages `pages` (0-based, half-open) of `chunk`, in order.
    /// Writes their objects immediately.
    ///
    /// # Errors
    ///
    /// [`PdfCutError::EmptyRange`] or [`PdfCutError::PageRange`] (before
    /// anything is written) when `pages` selects no page or reaches past the
    /// chunk's last page; [`PdfCutError::Io`] when writing fails and
    /// [`PdfCutError::TooLarge`] when the output outgrows the
    /// cross-reference table (the output is unusable after either).
    pub fn append(&mut self, chunk: &PdfChunk, pages: Range<usize>) -> Result<(), PdfCutError> {
        self.append_with(chunk, pages, &[])
    }

    /// Like [`append`](Self::append), and draws `overlays[i]` (PDF content
    /// operators, in the page's default user space: points from the
    /// bottom-left corner) over the `i`-th page appended, where it is
    /// `Some`. The page's own contents are wrapped in `q … Q`, so whatever
    /// state they leave behind does not move the overlay. The print channel
    /// draws barcodes and inserter marks this way, leaving the rendered
    /// document untouched.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append); [`PdfCutError::PageRange`] when there
    /// are more overlays than pages.
    pub fn append_with(&mut self, chunk: &PdfChunk, pages: Range<usize>, overlays: &[Option<&[u8]>]) -> Result<(), PdfCutError> {
        chunk.check_range(&pages)?;
        if overlays.len() > pages.len() {
            return Err(PdfCutError::PageRange { start: pages.start, end: pages.start + overlays.len(), pages: chunk.page_count() });
        }
        if self.catalog_extras.is_none() {
            self.catalog_extras = Some(chunk.catalog_extras());
            self.info_extras = Some(chunk.info_extras());
        }
        let mut emit = Emitter::new(chunk, &self.shared, &mut self.fingerprints, self.out.next_number());
        let first_page = self.pages.len();
        for entry in &chunk.pages[pages.clone()] {
            let number = emit.select(entry.id);
            self.pages.push(number);
        }
        for (offset, index) in pages.enumerate() {
            let number = self.pages[first_page + offset];
            let overlay = overlays.get(offset).copied().flatten();
            let wrap = match overlay {
                Some(_) => {
                    let q = match self.save_state {
                        Some(q) => q,
                        None => {
                            let q = emit.allocate();
                            write_stream(&mut self.out, &mut self.buf, q, b"q\n")?;
                            self.save_state = Some(q);
                            q
                        }
                    };
                    Some((q, emit.allocate()))
                }
                None => None,
            };
            emit.write_page(&mut self.out, &mut self.buf, index, number, wrap)?;
            if let (Some(ops), Some((_, ov))) = (overlay, wrap) {
                let mut content = Vec::with_capacity(ops.len() + 2);
                // After a line break: the page's last stream may not end in one.
                content.extend_from_slice(b"\nQ\n");
                content.extend_from_slice(ops);
                write_stream(&mut self.out, &mut self.buf, ov, &content)?;
            }
            emit.write_queued(&mut self.out, &mut self.buf)?;
        }
        let (next, shared) = emit.finish();
        self.out.reserve_through(next);
        self.shared.extend(shared);
        Ok(())
    }

    /// Appends an empty page of `width` × `height` points (a blank back, so
    /// the next document starts on a front side).
    ///
    /// # Errors
    ///
    /// [`PdfCutError::Io`] when writing fails.
    pub fn append_blank(&mut self, width: f32, height: f32) -> Result<(), PdfCutError> {
        let number = self.out.alloc();
        self.buf.clear();
        push_fmt(
            &mut self.buf,
            format_args!(
                "{number} 0 obj\n<</Type /Page/Parent {ROOT_PAGES} 0 R/MediaBox [0 0 {width} {height}]/Resources <<>>>>\nendobj\n"
            ),
        );
        self.out.start_object(number)?;
        self.out.write(&self.buf)?;
        self.pages.push(number);
        Ok(())
    }

    /// Pages appended so far.
    #[must_use]
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Writes the page tree, catalog, info, xref and trailer; returns the writer.
    ///
    /// # Errors
    ///
    /// [`PdfCutError::NoPages`] if nothing was appended;
    /// [`PdfCutError::Io`] or [`PdfCutError::TooLarge`] if writing fails.
    pub fn finish(mut self) -> Result<W, PdfCutError> {
        if self.pages.is_empty() {
            return Err(PdfCutError::NoPages);
        }
        let buf = &mut self.buf;

        // The page tree: one node listing every page.
        buf.clear();
        push_fmt(buf, format_args!("{ROOT_PAGES} 0 obj\n<</Type /Pages/Kids ["));
        for (i, page) in self.pages.iter().enumerate() {
            if i > 0 {
                buf.push(b' ');
            }
            push_fmt(buf, format_args!("{page} 0 R"));
        }
        push_fmt(buf, format_args!("]/Count {}>>\nendobj\n", self.pages.len()));
        self.out.start_object(ROOT_PAGES)?;
        self.out.write(buf)?;

        // PDF/A: the output intent's profile and the XMP metadata.
        let archival_objects = match &self.archival {
            Some(a) => Some(a.write_objects(&mut self.out, buf, self.title.as_deref().unwrap_or(""))?),
            None => None,
        };

        // The catalog.
        let catalog = self.out.alloc();
        buf.clear();
        push_fmt(buf, format_args!("{catalog} 0 obj\n<</Type /Catalog/Pages {ROOT_PAGES} 0 R"));
        for (key, value) in self.catalog_extras.iter().flatten() {
            write_name(buf, key);
            buf.push(b' ');
            write_object(buf, value, 0, &mut |_| None);
        }
        if let Some(objects) = archival_objects {
            objects.write_catalog_entries(buf);
        }
        buf.extend_from_slice(b">>\nendobj\n");
        self.out.start_object(catalog)?;
        self.out.write(buf)?;

        // The document information dictionary: for PDF/A exactly what the
        // XMP metadata says, otherwise the first chunk's entries.
        let info = self.out.alloc();
        buf.clear();
        push_fmt(buf, format_args!("{info} 0 obj\n<<"));
        if let Some(title) = &self.title {
            buf.extend_from_slice(b"/Title ");
            let (bytes, format) = text_string(title);
            write_string(buf, &bytes, format);
        }
        match &self.archival {
            Some(a) => a.write_info_entries(buf),
            None => {
                for (key, value) in self.info_extras.iter().flatten() {
                    write_name(buf, key);
                    buf.push(b' ');
                    write_object(buf, value, 0, &mut |_| None);
                }
            }
        }
        buf.extend_from_slice(b">>\nendobj\n");
        self.out.start_object(info)?;
        self.out.write(buf)?;

        self.out.finish(buf, catalog, info, &self.file_id)
    }
}
