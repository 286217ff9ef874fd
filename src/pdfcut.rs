//! Cuts and joins already-rendered PDFs without re-rendering: Typst renders a
//! *chunk* of invoices as one PDF, and this module
//!
//! * cuts a page range of such a chunk out as a standalone PDF (the download
//!   copy of one invoice, [`PdfChunk::extract`]), and
//! * joins page ranges of many chunks into one print file that is streamed to
//!   a [`std::io::Write`] one chunk at a time ([`PdfConcat`]), so memory stays
//!   bounded by the largest chunk rather than by the month's ~32,000 pages.
//!
//! Objects are copied, never re-encoded: the chunk is parsed with `lopdf`
//! (object streams and cross-reference streams are fine), every object
//! reachable from the selected pages is renumbered compactly, and the output is
//! written by the small PDF 1.7 serializer in this module with a classic
//! cross-reference table. Stream data is copied byte for byte (only `/Length`
//! is rewritten as a direct integer), so fonts, images and content streams are
//! never decompressed or recompressed.
//!
//! What is copied from a chunk:
//!
//! * the selected page dictionaries, with the inheritable attributes
//!   (`/MediaBox`, `/CropBox`, `/Resources`, `/Rotate`) of their ancestors in
//!   the page tree copied onto each page, `/Parent` pointing to the single
//!   `/Pages` node of the output;
//! * everything the pages reference, recursively. References to pages outside
//!   the selection, to page-tree nodes and to the catalog become `null`;
//!   annotations whose `/P`, `/Dest` or `/A /D` point to a page outside the
//!   selection are dropped, and links to named destinations on selected pages
//!   are rewritten into explicit destinations (the name tree itself is not
//!   copied, and the names of different chunks would collide in a joined
//!   file); `/StructParents` and `/B` (article beads) are
//!   dropped from page dictionaries because the structure tree and the article
//!   threads are not copied (the chunks are rendered untagged);
//! * from the catalog, only `/Lang` and `/ViewerPreferences` (inlined as
//!   direct objects). `/Metadata` (XMP, which describes the whole chunk),
//!   `/OutputIntents`, `/MarkInfo`, `/StructTreeRoot`, `/Names`, `/Dests`,
//!   `/Outlines` and everything else are skipped;
//! * from the `/Info` dictionary, every entry except `/Title` (which describes
//!   the whole chunk); the caller's title, if any, replaces it.
//!
//! The output is deterministic: object numbers follow the order of first
//! discovery (pages of an append first, then each page's objects in the
//! order they are met), the trailer `/ID` is derived from a caller-supplied
//! identifier, and no clock, randomness or hash-map iteration order is
//! involved. Identical inputs and calls give byte-identical output.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

/// Page attributes that a page inherits from its ancestors in the page tree
/// (ISO 32000-1, table 30), in the order they are appended to a page.
const INHERITABLE: [&[u8]; 4] = [b"MediaBox", b"CropBox", b"Resources", b"Rotate"];

/// Deepest nesting of direct arrays/dictionaries the serializer descends into;
/// anything deeper is written as `null` (lopdf's parser already limits nesting).
const MAX_NESTING: usize = 256;

/// Deepest page tree accepted.
const MAX_PAGE_TREE_DEPTH: usize = 64;

/// Most objects that inlining a catalog or `/Info` entry may visit.
const INLINE_BUDGET: usize = 4096;

/// Largest byte offset a 10-digit cross-reference entry can hold.
const MAX_XREF_OFFSET: u64 = 9_999_999_999;

/// Object number of the single `/Pages` node of every output, reserved up front.
const ROOT_PAGES: u32 = 1;

/// Source of the process-unique identity of each parsed chunk (used only to
/// decide whether [`PdfConcat`] may reuse objects it already wrote; it never
/// reaches the output bytes).
static NEXT_CHUNK_UID: AtomicU64 = AtomicU64::new(1);

/// Errors of cutting and joining PDFs.
#[derive(Debug, thiserror::Error)]
pub enum PdfCutError {
    /// lopdf could not parse the chunk's bytes.
    #[error("could not parse the chunk PDF: {0}")]
    Parse(#[source] lopdf::Error),
    /// The chunk parsed but its structure is unusable (no catalog, broken page tree, ...).
    #[error("malformed chunk PDF: {0}")]
    Malformed(String),
    /// The chunk is encrypted; rendered chunks never are.
    #[error("encrypted PDFs are not supported")]
    Encrypted,
    /// The requested page range does not lie within the chunk.
    #[error("page range {start}..{end} is outside the chunk's {pages} pages")]
    PageRange {
        /// First requested page (0-based).
        start: usize,
        /// One past the last requested page.
        end: usize,
        /// Number of pages of the chunk.
        pages: usize,
    },
    /// The requested page range selects no page.
    #[error("page range {start}..{end} is empty")]
    EmptyRange {
        /// First requested page (0-based).
        start: usize,
        /// One past the last requested page.
        end: usize,
    },
    /// [`PdfConcat::finish`] was called before any page was appended.
    #[error("the concatenated PDF has no pages")]
    NoPages,
    /// The output grew beyond what a classic cross-reference table can address.
    #[error("the output PDF exceeds the 10-digit offsets of a cross-reference table")]
    TooLarge,
    /// Writing the output failed.
    #[error("could not write the PDF: {0}")]
    Io(#[from] std::io::Error),
}

/// One leaf of a chunk's page tree.
#[derive(Debug)]
struct PageEntry {
    /// Object id of the page dictionary in the chunk.
    id: ObjectId,
    /// Inheritable attributes the page lacks itself, taken from its nearest
    /// ancestor that has them, in [`INHERITABLE`] order.
    inherited: Vec<(&'static [u8], Object)>,
}

/// What [`PdfChunk::plan_annot`] decided for one annotation.
enum AnnotPlan {
    /// Copy the annotation as it is.
    Keep,
    /// Leave the annotation out.
    Drop,
    /// Copy this rewritten annotation dictionary instead.
    Rewrite(Dictionary),
}

/// What [`PdfChunk::plan_dest`] decided for one link destination.
enum DestPlan {
    /// Leave the destination as it is.
    Keep,
    /// The destination is a page outside the selection.
    Foreign,
    /// Replace the (named) destination by this explicit one.
    Explicit(Object),
}

/// Deepest name tree accepted when collecting named destinations.
const MAX_NAME_TREE_DEPTH: usize = 32;

/// Collects the named destinations of a document: the catalog's `/Dests`
/// dictionary (PDF 1.1) and the `/Names /Dests` name tree, each name mapped
/// to its explicit destination array. Malformed parts are skipped.
fn collect_named_dests(doc: &Document, catalog: &Dictionary) -> BTreeMap<Vec<u8>, Vec<Object>> {
    let mut dests = BTreeMap::new();
    let explicit = |value: &Object| -> Option<Vec<Object>> {
        match doc.dereference(value).ok()?.1 {
            Object::Array(items) => Some(items.clone()),
            Object::Dictionary(dict) => match doc.dereference(dict.get(b"D").ok()?).ok()?.1 {
                Object::Array(items) => Some(items.clone()),
                _ => None,
            },
            _ => None,
        }
    };
    if let Some(Ok((_, Object::Dictionary(old_style)))) = catalog.get(b"Dests").ok().map(|d| doc.dereference(d)) {
        for (name, value) in old_style.iter() {
            if let Some(dest) = explicit(value) {
                dests.insert(name.clone(), dest);
            }
        }
    }
    let names = catalog.get(b"Names").ok().and_then(|n| doc.dereference(n).ok());
    if let Some((_, Object::Dictionary(names))) = names {
        if let Ok(tree) = names.get(b"Dests") {
            let mut seen = BTreeSet::new();
            let mut stack = vec![(tree, 0)];
            while let Some((node, depth)) = stack.pop() {
                let Ok((id, Object::Dictionary(node))) = doc.dereference(node) else {
                    continue;
                };
                if depth > MAX_NAME_TREE_DEPTH || id.is_some_and(|id| !seen.insert(id)) {
                    continue;
                }
                if let Ok((_, Object::Array(pairs))) = node.get(b"Names").and_then(|n| doc.dereference(n)) {
                    for pair in pairs.chunks_exact(2) {
                        if let (Object::String(name, _), Some(dest)) = (&pair[0], explicit(&pair[1])) {
                            dests.entry(name.clone()).or_insert(dest);
                        }
                    }
                }
                if let Ok((_, Object::Array(kids))) = node.get(b"Kids").and_then(|k| doc.dereference(k)) {
                    // Reversed so that the stack visits kids in order.
                    stack.extend(kids.iter().rev().map(|kid| (kid, depth + 1)));
                }
            }
        }
    }
    dests
}

/// A parsed chunk PDF: the lopdf document plus its pages in document order.
///
/// Parse once, then cut any number of page ranges out of it with
/// [`PdfChunk::extract`] or hand ranges to [`PdfConcat::append`].
#[derive(Debug)]
pub struct PdfChunk {
    /// The parsed document (streams hold their raw, still-encoded bytes).
    doc: Document,
    /// Pages in document order.
    pages: Vec<PageEntry>,
    /// Ids of all page dictionaries, to recognise references to pages.
    page_ids: BTreeSet<ObjectId>,
    /// Ids that must never be copied as ordinary objects: page-tree nodes, the
    /// catalog and the `/Info` dictionary.
    structural: BTreeSet<ObjectId>,
    /// Named destinations of the catalog (`/Dests` and the `/Names /Dests`
    /// name tree): name -> explicit destination array.
    named_dests: BTreeMap<Vec<u8>, Vec<Object>>,
    /// Process-unique identity of this parsed chunk.
    uid: u64,
}

impl PdfChunk {
    /// Parses a PDF produced by typst-pdf (may use object streams / xref streams).
    ///
    /// # Errors
    ///
    /// [`PdfCutError::Parse`] if lopdf cannot read the bytes,
    /// [`PdfCutError::Encrypted`] for encrypted files and
    /// [`PdfCutError::Malformed`] if the catalog or page tree is unusable.
    pub fn parse(bytes: &[u8]) -> Result<PdfChunk, PdfCutError> {
        let doc = Document::load_mem(bytes).map_err(PdfCutError::Parse)?;
        if doc.trailer.has(b"Encrypt") || doc.was_encrypted() {
            return Err(PdfCutError::Encrypted);
        }
        let root_id = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|_| PdfCutError::Malformed("the trailer has no /Root reference".into()))?;
        let catalog =
            doc.get_dictionary(root_id).map_err(|_| PdfCutError::Malformed("the catalog is missing or not a dictionary".into()))?;
        let pages_id = catalog
            .get(b"Pages")
            .and_then(Object::as_reference)
            .map_err(|_| PdfCutError::Malformed("the catalog has no /Pages reference".into()))?;

        let mut structural = BTreeSet::new();
        structural.insert(root_id);
        if let Ok(info_id) = doc.trailer.get(b"Info").and_then(Object::as_reference) {
            structural.insert(info_id);
        }
        let mut walk = PageTreeWalk { doc: &doc, pages: Vec::new(), seen: BTreeSet::new(), nodes: BTreeSet::new() };
        walk.visit(pages_id, &[], 0)?;
        let PageTreeWalk { pages, nodes, .. } = walk;
        structural.extend(nodes);
        let page_ids = pages.iter().map(|p| p.id).collect();
        let named_dests = collect_named_dests(&doc, catalog);
        Ok(PdfChunk { doc, pages, page_ids, structural, named_dests, uid: NEXT_CHUNK_UID.fetch_add(1, Ordering::Relaxed) })
    }

    /// Number of pages of the chunk.
    #[must_use]
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// A standalone PDF of pages `pages` (0-based, half-open) of this chunk.
    ///
    /// `ident` is a stable identifier: the trailer `/ID` is derived from it
    /// (two equal hex strings of the first 16 bytes of `sha256(ident)`), so
    /// the output is byte-identical for identical input.
    ///
    /// `title`: if `Some`, the `/Info` dictionary gets `/Title` (as a PDF text
    /// string; UTF-16BE with BOM when not ASCII). The chunk's other `/Info`
    /// entries (`/Producer`, `/CreationDate`, `/ModDate`, ...) are copied
    /// when present; the chunk's own `/Title` is not.
    ///
    /// # Errors
    ///
    /// [`PdfCutError::EmptyRange`] or [`PdfCutError::PageRange`] when `pages`
    /// selects no page or reaches past the chunk's last page.
    pub fn extract(&self, pages: Range<usize>, ident: &str, title: Option<&str>) -> Result<Vec<u8>, PdfCutError> {
        self.extract_with(pages, ident, title, None)
    }

    /// Like [`extract`](Self::extract); with `archival`, the copy is a
    /// PDF/A-2b file (see [`Archival`]).
    pub fn extract_with(
        &self,
        pages: Range<usize>,
        ident: &str,
        title: Option<&str>,
        archival: Option<&Archival>,
    ) -> Result<Vec<u8>, PdfCutError> {
        self.check_range(&pages)?;
        let mut concat = PdfConcat::new(Vec::with_capacity(64 * 1024), ident, title)?;
        if let Some(a) = archival {
            concat = concat.archival(a.clone());
        }
        concat.append(self, pages)?;
        concat.finish()
    }

    /// Checks that `pages` is a non-empty range within the chunk.
    fn check_range(&self, pages: &Range<usize>) -> Result<(), PdfCutError> {
        if pages.start >= pages.end {
            return Err(PdfCutError::EmptyRange { start: pages.start, end: pages.end });
        }
        if pages.end > self.pages.len() {
            return Err(PdfCutError::PageRange { start: pages.start, end: pages.end, pages: self.pages.len() });
        }
        Ok(())
    }

    /// Follows references from `obj` (null if one dangles or loops).
    fn deref<'a>(&'a self, obj: &'a Object) -> &'a Object {
        match self.doc.dereference(obj) {
            Ok((_, target)) => target,
            Err(_) => &Object::Null,
        }
    }

    /// Whether `obj` is a reference to a page of this chunk that is not selected.
    fn is_foreign_page(&self, obj: Option<&Object>, selected: &BTreeMap<ObjectId, u32>) -> bool {
        match obj {
            Some(Object::Reference(id)) => self.page_ids.contains(id) && !selected.contains_key(id),
            _ => false,
        }
    }

    /// What to do with an annotation of a selected page: drop it if it
    /// belongs to, or links to, a page outside the selection; rewrite a link
    /// to a named destination on a selected page into an explicit destination
    /// (the catalog's name tree is not copied, and names of different chunks
    /// would collide in a joined file); keep anything else as it is.
    fn plan_annot(&self, annot: &Object, selected: &BTreeMap<ObjectId, u32>) -> AnnotPlan {
        let Object::Dictionary(dict) = self.deref(annot) else {
            return AnnotPlan::Keep;
        };
        if self.is_foreign_page(dict.get(b"P").ok(), selected) {
            return AnnotPlan::Drop;
        }
        let mut rewritten: Option<Dictionary> = None;
        if let Ok(dest) = dict.get(b"Dest") {
            match self.plan_dest(dest, selected) {
                DestPlan::Foreign => return AnnotPlan::Drop,
                DestPlan::Explicit(dest) => {
                    let mut copy = dict.clone();
                    copy.set("Dest", dest);
                    rewritten = Some(copy);
                }
                DestPlan::Keep => {}
            }
        }
        if let Ok(action) = dict.get(b"A") {
            if let Object::Dictionary(action_dict) = self.deref(action) {
                // Only /GoTo destinations refer to this file (a /GoToR one
                // names a page of another file).
                let go_to = matches!(action_dict.get(b"S"), Ok(Object::Name(s)) if s.as_slice() == b"GoTo");
                if let (true, Ok(dest)) = (go_to, action_dict.get(b"D")) {
                    match self.plan_dest(dest, selected) {
                        DestPlan::Foreign => return AnnotPlan::Drop,
                        DestPlan::Explicit(dest) => {
                            let mut action_copy = action_dict.clone();
                            action_copy.set("D", dest);
                            rewritten.get_or_insert_with(|| dict.clone()).set("A", Object::Dictionary(action_copy));
                        }
                        DestPlan::Keep => {}
                    }
                }
            }
        }
        match rewritten {
            Some(dict) => AnnotPlan::Rewrite(dict),
            None => AnnotPlan::Keep,
        }
    }

    /// Classifies a link destination (explicit array, or name / string of a
    /// named destination) with respect to the selected pages.
    fn plan_dest(&self, dest: &Object, selected: &BTreeMap<ObjectId, u32>) -> DestPlan {
        match self.deref(dest) {
            Object::Array(items) if self.is_foreign_page(items.first(), selected) => DestPlan::Foreign,
            Object::Name(name) | Object::String(name, _) => match self.named_dests.get(name) {
                Some(items) if self.is_foreign_page(items.first(), selected) => DestPlan::Foreign,
                Some(items) => match items.first() {
                    Some(Object::Reference(page)) if selected.contains_key(page) => DestPlan::Explicit(Object::Array(items.clone())),
                    _ => DestPlan::Keep,
                },
                None => DestPlan::Keep,
            },
            _ => DestPlan::Keep,
        }
    }

    /// A deep copy of `obj` with all references resolved, for the few catalog
    /// and `/Info` values that are written as direct objects. Streams, pages,
    /// page-tree nodes, dangling references and anything beyond the budget
    /// become null.
    fn inline(&self, obj: &Object, budget: &mut usize) -> Object {
        if *budget == 0 {
            return Object::Null;
        }
        *budget -= 1;
        match obj {
            Object::Reference(id) => {
                if self.page_ids.contains(id) || self.structural.contains(id) {
                    return Object::Null;
                }
                match self.doc.objects.get(id) {
                    Some(target) => self.inline(target, budget),
                    None => Object::Null,
                }
            }
            Object::Array(items) => Object::Array(items.iter().map(|item| self.inline(item, budget)).collect()),
            Object::Dictionary(dict) => {
                let mut copy = Dictionary::new();
                for (key, value) in dict.iter() {
                    copy.set(key.clone(), self.inline(value, budget));
                }
                Object::Dictionary(copy)
            }
            Object::Stream(_) => Object::Null,
            other => other.clone(),
        }
    }

    /// `/Lang` and `/ViewerPreferences` of the catalog, inlined.
    fn catalog_extras(&self) -> Vec<(Vec<u8>, Object)> {
        let mut extras = Vec::new();
        let Ok(catalog) = self.doc.catalog() else {
            return extras;
        };
        let mut budget = INLINE_BUDGET;
        for key in [&b"Lang"[..], b"ViewerPreferences"] {
            if let Ok(value) = catalog.get(key) {
                let value = self.inline(value, &mut budget);
                if !value.is_null() {
                    extras.push((key.to_vec(), value));
                }
            }
        }
        extras
    }

    /// The `/Info` entries other than `/Title`, inlined, in the chunk's order.
    fn info_extras(&self) -> Vec<(Vec<u8>, Object)> {
        let mut extras = Vec::new();
        let Ok(info) = self.doc.trailer.get(b"Info") else {
            return extras;
        };
        let Object::Dictionary(info) = self.deref(info) else {
            return extras;
        };
        let mut budget = INLINE_BUDGET;
        for (key, value) in info.iter() {
            if key.as_slice() == b"Title" {
                continue;
            }
            let value = self.inline(value, &mut budget);
            if !value.is_null() {
                extras.push((key.clone(), value));
            }
        }
        extras
    }
}

/// State of the depth-first walk of a chunk's page tree in [`PdfChunk::parse`].
struct PageTreeWalk<'d> {
    /// The chunk.
    doc: &'d Document,
    /// Leaves found so far, in document order.
    pages: Vec<PageEntry>,
    /// Every node visited, to reject cycles and pages listed twice.
    seen: BTreeSet<ObjectId>,
    /// Intermediate (`/Pages`) nodes.
    nodes: BTreeSet<ObjectId>,
}

impl PageTreeWalk<'_> {
    /// Visits node `id` whose ancestors supply `inherited`.
    fn visit(&mut self, id: ObjectId, inherited: &[(&'static [u8], Object)], depth: usize) -> Result<(), PdfCutError> {
        if depth > MAX_PAGE_TREE_DEPTH {
            return Err(PdfCutError::Malformed("the page tree is nested too deeply".into()));
        }
        if !self.seen.insert(id) {
            return Err(PdfCutError::Malformed(format!("the page tree reaches object {} {} twice", id.0, id.1)));
        }
        let doc = self.doc;
        let dict = doc
            .get_dictionary(id)
            .map_err(|_| PdfCutError::Malformed(format!("page tree object {} {} is missing or not a dictionary", id.0, id.1)))?;
        let is_node = match dict.get(b"Type") {
            Ok(Object::Name(name)) => name.as_slice() == b"Pages",
            _ => dict.has(b"Kids"),
        };
        if !is_node {
            let inherited = inherited.iter().filter(|(key, _)| !dict.has(key)).cloned().collect();
            self.pages.push(PageEntry { id, inherited });
            return Ok(());
        }
        self.nodes.insert(id);
        let mut own = inherited.to_vec();
        for key in INHERITABLE {
            if let Ok(value) = dict.get(key) {
                match own.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value.clone(),
                    None => own.push((key, value.clone())),
                }
            }
        }
        own.sort_by_key(|(key, _)| INHERITABLE.iter().position(|k| k == key));
        let kids = dict.get(b"Kids").map(|kids| doc.dereference(kids));
        let Ok(Ok((_, Object::Array(kids)))) = kids else {
            return Err(PdfCutError::Malformed(format!("page tree node {} {} has no /Kids array", id.0, id.1)));
        };
        for kid in kids {
            let Object::Reference(kid) = kid else {
                return Err(PdfCutError::Malformed(format!("page tree node {} {} has a /Kids entry that is not a reference", id.0, id.1)));
            };
            self.visit(*kid, &own, depth + 1)?;
        }
        Ok(())
    }
}

/// Streams pages of many chunks into one PDF.
///
/// Each [`append`](PdfConcat::append) writes the pages and every object they
/// reach right away; only the byte offsets of the objects written, the object
/// numbers of the pages and (while the same chunk is appended consecutively) a
/// map from that chunk's shared resource objects to their output numbers are
/// kept. [`finish`](PdfConcat::finish) writes the page tree (one `/Pages`
/// node whose `/Kids` lists every page), the catalog, `/Info`, the
/// cross-reference table and the trailer.
///
/// Objects reached through the pages' `/Resources` (fonts, font files,
/// images, graphics states) are written once per chunk as long as that chunk
/// is appended consecutively; other objects are written once per append.
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
    /// The chunk whose objects `cache` maps.
    cache_chunk: Option<u64>,
    /// Shared objects of `cache_chunk` already written: chunk id -> output number.
    cache: BTreeMap<ObjectId, u32>,
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

/// The sRGB profile of a PDF/A output intent (`data/icc/README.md`).
const SRGB_ICC: &[u8] = include_bytes!("../data/icc/sRGB-v2-magic.icc");

/// What makes a cut PDF an archival PDF/A-2b file: an sRGB output intent
/// and XMP metadata that agrees with the document information dictionary
/// (title, creator, producer, dates). The content itself must already
/// conform (fonts embedded, ICC-based colours, no embedded files, no
/// encryption): the chunks Typst renders do.
#[derive(Debug, Clone)]
pub struct Archival {
    /// Application that made the content (`xmp:CreatorTool`, `/Creator`).
    pub creator: String,
    /// Application that wrote the file (`pdf:Producer`, `/Producer`).
    pub producer: String,
    /// Creation and modification date, `(year, month, day)`, midnight UTC.
    pub date: (i32, u32, u32),
}

impl Archival {
    fn date_pdf(&self) -> String {
        let (y, m, d) = self.date;
        format!("D:{y:04}{m:02}{d:02}000000Z")
    }

    /// The XMP packet: PDF/A-2b identification and the same title, tools
    /// and dates as the `/Info` dictionary.
    fn xmp(&self, title: &str) -> String {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let (y, m, d) = self.date;
        let date = format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
        format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" \
xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
<dc:format>application/pdf</dc:format>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
<xmp:CreatorTool>{creator}</xmp:CreatorTool>\n\
<xmp:CreateDate>{date}</xmp:CreateDate>\n\
<xmp:ModifyDate>{date}</xmp:ModifyDate>\n\
<pdf:Producer>{producer}</pdf:Producer>\n\
<pdfaid:part>2</pdfaid:part>\n\
<pdfaid:conformance>B</pdfaid:conformance>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
            title = esc(title),
            creator = esc(&self.creator),
            producer = esc(&self.producer),
        )
    }
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
        let mut out = ObjWriter { out, pos: 0, offsets: Vec::new() };
        out.write(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        let root = out.alloc();
        debug_assert_eq!(root, ROOT_PAGES);
        Ok(PdfConcat {
            out,
            file_id: file_id(ident),
            title: title.map(str::to_owned),
            pages: Vec::new(),
            cache_chunk: None,
            cache: BTreeMap::new(),
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
        if self.cache_chunk != Some(chunk.uid) {
            self.cache.clear();
            self.cache_chunk = Some(chunk.uid);
        }

        let mut emit = Emitter {
            chunk,
            selected: BTreeMap::new(),
            cache: &self.cache,
            local: BTreeMap::new(),
            queue: VecDeque::new(),
            rewrites: BTreeMap::new(),
            next: self.out.next_number(),
        };
        let first_page = self.pages.len();
        for entry in &chunk.pages[pages.clone()] {
            let number = emit.allocate();
            emit.selected.insert(entry.id, number);
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
            while let Some((id, number)) = emit.queue.pop_front() {
                emit.write_object(&mut self.out, &mut self.buf, id, number)?;
            }
        }
        self.out.reserve_through(emit.next);
        let shared: Vec<(ObjectId, u32)> =
            emit.local.iter().filter(|(_, (_, shareable))| *shareable).map(|(id, (number, _))| (*id, *number)).collect();
        self.cache.extend(shared);
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
            Some(a) => {
                let icc = self.out.alloc();
                buf.clear();
                push_fmt(buf, format_args!("{icc} 0 obj\n<</N 3/Length {}>>\nstream\n", SRGB_ICC.len()));
                buf.extend_from_slice(SRGB_ICC);
                buf.extend_from_slice(b"\nendstream\nendobj\n");
                self.out.start_object(icc)?;
                self.out.write(buf)?;
                let xmp = a.xmp(self.title.as_deref().unwrap_or(""));
                let metadata = self.out.alloc();
                buf.clear();
                push_fmt(buf, format_args!("{metadata} 0 obj\n<</Type /Metadata/Subtype /XML/Length {}>>\nstream\n", xmp.len()));
                buf.extend_from_slice(xmp.as_bytes());
                buf.extend_from_slice(b"\nendstream\nendobj\n");
                self.out.start_object(metadata)?;
                self.out.write(buf)?;
                Some((icc, metadata))
            }
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
        if let Some((icc, metadata)) = archival_objects {
            push_fmt(
                buf,
                format_args!(
                    "/Metadata {metadata} 0 R/OutputIntents [<</Type /OutputIntent/S /GTS_PDFA1/OutputConditionIdentifier (sRGB IEC61966-2.1)/Info (sRGB IEC61966-2.1)/DestOutputProfile {icc} 0 R>>]"
                ),
            );
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
            Some(a) => {
                for (key, value) in [("Creator", &a.creator), ("Producer", &a.producer)] {
                    push_fmt(buf, format_args!("/{key} "));
                    let (bytes, format) = text_string(value);
                    write_string(buf, &bytes, format);
                }
                let d = a.date_pdf();
                push_fmt(buf, format_args!("/CreationDate ({d})/ModDate ({d})"));
            }
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

        // Cross-reference table and trailer.
        let xref_at = self.out.pos;
        let size = self.out.offsets.len() + 1;
        buf.clear();
        push_fmt(buf, format_args!("xref\n0 {size}\n0000000000 65535 f \n"));
        for i in 0..self.out.offsets.len() {
            let offset = self.out.offsets[i];
            if offset == 0 {
                // Never happens: every number handed out is written.
                buf.extend_from_slice(b"0000000000 00001 f \n");
            } else {
                push_fmt(buf, format_args!("{offset:010} 00000 n \n"));
            }
            if buf.len() >= 64 * 1024 {
                self.out.write(buf)?;
                buf.clear();
            }
        }
        let id = hex(&self.file_id);
        push_fmt(
            buf,
            format_args!("trailer\n<</Size {size}/Root {catalog} 0 R/Info {info} 0 R/ID [<{id}> <{id}>]>>\nstartxref\n{xref_at}\n%%EOF\n"),
        );
        self.out.write(buf)?;
        self.out.out.flush()?;
        Ok(self.out.out)
    }
}

/// The output stream with the byte offset of every object written.
/// Writes an uncompressed stream object holding `content`.
fn write_stream<W: Write>(out: &mut ObjWriter<W>, buf: &mut Vec<u8>, number: u32, content: &[u8]) -> Result<(), PdfCutError> {
    buf.clear();
    push_fmt(buf, format_args!("{number} 0 obj\n<</Length {}>>\nstream\n", content.len()));
    buf.extend_from_slice(content);
    buf.extend_from_slice(end_of_stream(content));
    out.start_object(number)?;
    out.write(buf)
}

/// What follows a stream's data: an end-of-line, `endstream`, `endobj`.
/// After data that ends in a carriage return the end-of-line is CR LF, so
/// a reader that takes the EOL before `endstream` away (as PDF/A requires
/// readers to) never eats the data's last byte.
fn end_of_stream(data: &[u8]) -> &'static [u8] {
    if data.last() == Some(&b'\r') {
        b"\r\nendstream\nendobj\n"
    } else {
        b"\nendstream\nendobj\n"
    }
}

struct ObjWriter<W: Write> {
    /// Where the PDF goes.
    out: W,
    /// Bytes written so far.
    pos: u64,
    /// `offsets[n - 1]` is the offset of object `n`; 0 while not yet written.
    offsets: Vec<u64>,
}

impl<W: Write> ObjWriter<W> {
    /// Writes raw bytes.
    fn write(&mut self, bytes: &[u8]) -> Result<(), PdfCutError> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Hands out the next object number.
    fn alloc(&mut self) -> u32 {
        self.offsets.push(0);
        self.offsets.len() as u32
    }

    /// The number [`alloc`](Self::alloc) would hand out next.
    fn next_number(&self) -> u32 {
        self.offsets.len() as u32 + 1
    }

    /// Makes sure every number below `next` has a slot.
    fn reserve_through(&mut self, next: u32) {
        let needed = next.saturating_sub(1) as usize;
        if self.offsets.len() < needed {
            self.offsets.resize(needed, 0);
        }
    }

    /// Records that object `number` starts at the current position.
    fn start_object(&mut self, number: u32) -> Result<(), PdfCutError> {
        if self.pos > MAX_XREF_OFFSET {
            return Err(PdfCutError::TooLarge);
        }
        self.reserve_through(number + 1);
        self.offsets[number as usize - 1] = self.pos;
        Ok(())
    }
}

/// Copies the objects of one [`PdfConcat::append`] call.
struct Emitter<'c> {
    /// The chunk being copied.
    chunk: &'c PdfChunk,
    /// Selected pages: chunk id -> output number.
    selected: BTreeMap<ObjectId, u32>,
    /// Shared objects of this chunk written by earlier appends.
    cache: &'c BTreeMap<ObjectId, u32>,
    /// Objects numbered by this append: chunk id -> (output number, reached
    /// through `/Resources`, so reusable by the next append of the same chunk).
    local: BTreeMap<ObjectId, (u32, bool)>,
    /// Numbered objects not yet written, in order of discovery.
    queue: VecDeque<(ObjectId, u32)>,
    /// Annotations to write in rewritten form (see [`PdfChunk::plan_annot`]).
    rewrites: BTreeMap<ObjectId, Object>,
    /// Next free output object number.
    next: u32,
}

impl Emitter<'_> {
    /// Hands out the next object number.
    fn allocate(&mut self) -> u32 {
        let number = self.next;
        self.next += 1;
        number
    }

    /// The output number for a reference to `id` of the chunk, numbering (and
    /// queueing) objects met for the first time; `None` writes `null`.
    fn resolve(&mut self, id: ObjectId, shareable: bool) -> Option<u32> {
        if let Some(&number) = self.selected.get(&id) {
            return Some(number);
        }
        if self.chunk.page_ids.contains(&id) || self.chunk.structural.contains(&id) {
            return None;
        }
        if let Some(&number) = self.cache.get(&id) {
            return Some(number);
        }
        if let Some(&(number, _)) = self.local.get(&id) {
            return Some(number);
        }
        if !self.chunk.doc.objects.contains_key(&id) {
            return None;
        }
        let number = self.allocate();
        self.local.insert(id, (number, shareable));
        self.queue.push_back((id, number));
        Some(number)
    }

    /// Writes page `index` of the chunk as object `number`.
    /// Writes page `index` of the chunk as object `number`. With `wrap`
    /// (`q` stream, overlay stream), its `/Contents` becomes
    /// `[q <own contents> overlay]`.
    fn write_page<W: Write>(
        &mut self,
        out: &mut ObjWriter<W>,
        buf: &mut Vec<u8>,
        index: usize,
        number: u32,
        wrap: Option<(u32, u32)>,
    ) -> Result<(), PdfCutError> {
        let chunk = self.chunk;
        let entry = &chunk.pages[index];
        let page =
            chunk.doc.get_dictionary(entry.id).map_err(|_| PdfCutError::Malformed(format!("page {} is not a dictionary", index + 1)))?;
        buf.clear();
        push_fmt(buf, format_args!("{number} 0 obj\n<<"));
        let mut has_parent = false;
        let mut has_contents = false;
        for (key, value) in page.iter() {
            match key.as_slice() {
                b"StructParents" | b"B" => {}
                b"Contents" if wrap.is_some() => {
                    let (q, overlay) = wrap.unwrap_or_default();
                    has_contents = true;
                    push_fmt(buf, format_args!("/Contents [{q} 0 R "));
                    let own = match chunk.deref(value) {
                        Object::Array(parts) => parts.clone(),
                        _ => vec![value.clone()],
                    };
                    for part in &own {
                        write_object(buf, part, 1, &mut |id| self.resolve(id, false));
                        buf.push(b' ');
                    }
                    push_fmt(buf, format_args!("{overlay} 0 R]"));
                }
                b"Parent" => {
                    push_fmt(buf, format_args!("/Parent {ROOT_PAGES} 0 R"));
                    has_parent = true;
                }
                b"Annots" => {
                    let Object::Array(annots) = chunk.deref(value) else {
                        continue;
                    };
                    let mut kept: Vec<Object> = Vec::with_capacity(annots.len());
                    for annot in annots {
                        match chunk.plan_annot(annot, &self.selected) {
                            AnnotPlan::Drop => {}
                            AnnotPlan::Keep => kept.push(annot.clone()),
                            AnnotPlan::Rewrite(dict) => match annot {
                                Object::Reference(id) => {
                                    self.rewrites.insert(*id, Object::Dictionary(dict));
                                    kept.push(annot.clone());
                                }
                                _ => kept.push(Object::Dictionary(dict)),
                            },
                        }
                    }
                    if kept.is_empty() {
                        continue;
                    }
                    buf.extend_from_slice(b"/Annots ");
                    write_object(buf, &Object::Array(kept), 0, &mut |id| self.resolve(id, false));
                }
                _ => {
                    write_name(buf, key);
                    buf.push(b' ');
                    let shareable = key.as_slice() == b"Resources";
                    write_object(buf, value, 0, &mut |id| self.resolve(id, shareable));
                }
            }
        }
        if !has_parent {
            push_fmt(buf, format_args!("/Parent {ROOT_PAGES} 0 R"));
        }
        if let (false, Some((q, overlay))) = (has_contents, wrap) {
            push_fmt(buf, format_args!("/Contents [{q} 0 R {overlay} 0 R]"));
        }
        for (key, value) in &entry.inherited {
            write_name(buf, key);
            buf.push(b' ');
            let shareable = *key == b"Resources";
            write_object(buf, value, 0, &mut |id| self.resolve(id, shareable));
        }
        buf.extend_from_slice(b">>\nendobj\n");
        out.start_object(number)?;
        out.write(buf)
    }

    /// Writes object `id` of the chunk as object `number`.
    fn write_object<W: Write>(&mut self, out: &mut ObjWriter<W>, buf: &mut Vec<u8>, id: ObjectId, number: u32) -> Result<(), PdfCutError> {
        let chunk = self.chunk;
        let shareable = self.local.get(&id).is_some_and(|(_, shareable)| *shareable);
        let rewritten = self.rewrites.remove(&id);
        let object = match &rewritten {
            Some(object) => object,
            None => chunk.doc.objects.get(&id).unwrap_or(&Object::Null),
        };
        buf.clear();
        push_fmt(buf, format_args!("{number} 0 obj\n"));
        match object {
            Object::Stream(stream) => {
                buf.extend_from_slice(b"<<");
                let mut has_length = false;
                for (key, value) in stream.dict.iter() {
                    if key.as_slice() == b"Length" {
                        push_fmt(buf, format_args!("/Length {}", stream.content.len()));
                        has_length = true;
                        continue;
                    }
                    write_name(buf, key);
                    buf.push(b' ');
                    write_object(buf, value, 1, &mut |id| self.resolve(id, shareable));
                }
                if !has_length {
                    push_fmt(buf, format_args!("/Length {}", stream.content.len()));
                }
                buf.extend_from_slice(b">>\nstream\n");
                out.start_object(number)?;
                out.write(buf)?;
                out.write(&stream.content)?;
                out.write(end_of_stream(&stream.content))
            }
            other => {
                write_object(buf, other, 0, &mut |id| self.resolve(id, shareable));
                buf.extend_from_slice(b"\nendobj\n");
                out.start_object(number)?;
                out.write(buf)
            }
        }
    }
}

/// Appends formatted text to `buf`.
fn push_fmt(buf: &mut Vec<u8>, args: std::fmt::Arguments<'_>) {
    // Writing to a Vec cannot fail.
    let _ = buf.write_fmt(args);
}

/// Serializes a direct object; references are mapped through `resolve`
/// (`None` writes `null`). Streams can only be indirect objects and are
/// written as `null` when met as a direct value.
fn write_object(buf: &mut Vec<u8>, obj: &Object, depth: usize, resolve: &mut dyn FnMut(ObjectId) -> Option<u32>) {
    if depth > MAX_NESTING {
        buf.extend_from_slice(b"null");
        return;
    }
    match obj {
        Object::Null | Object::Stream(_) => buf.extend_from_slice(b"null"),
        Object::Boolean(true) => buf.extend_from_slice(b"true"),
        Object::Boolean(false) => buf.extend_from_slice(b"false"),
        Object::Integer(value) => push_fmt(buf, format_args!("{value}")),
        Object::Real(value) => write_real(buf, *value),
        Object::Name(name) => write_name(buf, name),
        Object::String(bytes, format) => write_string(buf, bytes, *format),
        Object::Array(items) => {
            buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b' ');
                }
                write_object(buf, item, depth + 1, resolve);
            }
            buf.push(b']');
        }
        Object::Dictionary(dict) => {
            buf.extend_from_slice(b"<<");
            for (key, value) in dict.iter() {
                write_name(buf, key);
                buf.push(b' ');
                write_object(buf, value, depth + 1, resolve);
            }
            buf.extend_from_slice(b">>");
        }
        Object::Reference(id) => match resolve(*id) {
            Some(number) => push_fmt(buf, format_args!("{number} 0 R")),
            None => buf.extend_from_slice(b"null"),
        },
    }
}

/// Writes a real number in plain decimal notation (never an exponent);
/// non-finite values, which PDF cannot express, become 0.
fn write_real(buf: &mut Vec<u8>, value: f32) {
    if value.is_finite() {
        // `Display` for f32 prints the shortest round-tripping decimal
        // without an exponent; integral values print without a point.
        push_fmt(buf, format_args!("{value}"));
    } else {
        buf.push(b'0');
    }
}

/// Writes a name, `#`-escaping delimiters, `#` and bytes outside `!`..`~`.
fn write_name(buf: &mut Vec<u8>, name: &[u8]) {
    buf.push(b'/');
    for &byte in name {
        let regular = (0x21..=0x7E).contains(&byte) && !b"()<>[]{}/%#".contains(&byte);
        if regular {
            buf.push(byte);
        } else {
            push_fmt(buf, format_args!("#{byte:02X}"));
        }
    }
}

/// Writes a string: a literal string with `\`-escapes, or a hex string.
fn write_string(buf: &mut Vec<u8>, bytes: &[u8], format: StringFormat) {
    match format {
        StringFormat::Literal => {
            buf.push(b'(');
            for &byte in bytes {
                match byte {
                    b'(' | b')' | b'\\' => buf.extend_from_slice(&[b'\\', byte]),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    _ => buf.push(byte),
                }
            }
            buf.push(b')');
        }
        StringFormat::Hexadecimal => {
            buf.push(b'<');
            buf.extend_from_slice(hex(bytes).as_bytes());
            buf.push(b'>');
        }
    }
}

/// Encodes `text` as a PDF text string: printable ASCII as a literal
/// string, anything else as UTF-16BE with a byte order mark (hex string).
fn text_string(text: &str) -> (Vec<u8>, StringFormat) {
    let plain = text.bytes().all(|b| (0x20..=0x7E).contains(&b) || b == b'\t' || b == b'\n' || b == b'\r');
    if plain {
        return (text.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    (bytes, StringFormat::Hexadecimal)
}

/// The trailer `/ID` for `ident`: the first 16 bytes of its SHA-256.
fn file_id(ident: &str) -> [u8; 16] {
    let digest = Sha256::digest(ident.as_bytes());
    let mut id = [0; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// Upper-case hex digits of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, LoadOptions, SaveOptions, Stream};

    /// How a test chunk is built.
    #[derive(Clone, Copy)]
    struct Spec {
        /// Number of pages.
        pages: usize,
        /// Number printed on the first page ("Page N").
        first_number: usize,
        /// Save with object streams and a cross-reference stream.
        object_streams: bool,
        /// Put the pages under an intermediate /Pages node (two levels).
        nested: bool,
        /// Size of a fake embedded font file stream shared by all pages.
        font_file_bytes: usize,
    }

    impl Default for Spec {
        fn default() -> Self {
            Spec { pages: 5, first_number: 1, object_streams: false, nested: false, font_file_bytes: 0 }
        }
    }

    /// Builds a chunk PDF with lopdf. Odd pages (1st, 3rd, ...) carry their own
    /// /Resources; the others inherit /Resources from the page tree. Every page
    /// inherits /MediaBox. Page 2 has a link annotation to page 4 (when there
    /// is one) and a text annotation whose /P is page 2.
    fn build_chunk(spec: Spec) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let root_pages = doc.new_object_id();
        let mut font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
        };
        if spec.font_file_bytes > 0 {
            let data: Vec<u8> = (0..spec.font_file_bytes).map(|i| (i * 7 % 251) as u8).collect();
            let file = doc.add_object(Stream::new(dictionary! {"Length1" => data.len() as i64}, data));
            let descriptor = doc.add_object(dictionary! {
                "Type" => "FontDescriptor",
                "FontName" => "Helvetica",
                "Flags" => 32,
                "FontBBox" => vec![Object::Integer(-166), (-225).into(), 1000.into(), 931.into()],
                "ItalicAngle" => 0,
                "Ascent" => 718,
                "Descent" => -207,
                "CapHeight" => 718,
                "StemV" => 88,
                "FontFile" => file,
            });
            font.set("FontDescriptor", descriptor);
        }
        let font = doc.add_object(font);
        let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font}});
        let parent = if spec.nested { doc.new_object_id() } else { root_pages };

        let page_ids: Vec<ObjectId> = (0..spec.pages).map(|_| doc.new_object_id()).collect();
        for (i, &page_id) in page_ids.iter().enumerate() {
            let text = format!("BT /F1 12 Tf 72 720 Td (Page {}) Tj ET", spec.first_number + i);
            let contents = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
            let mut page = dictionary! {
                "Type" => "Page",
                "Parent" => parent,
                "Contents" => contents,
                "StructParents" => i as i64,
            };
            if i % 2 == 0 {
                page.set("Resources", resources);
            }
            if i == 1 {
                let mut annots = vec![];
                let note = doc.add_object(dictionary! {
                    "Type" => "Annot",
                    "Subtype" => "Text",
                    "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                    "P" => page_id,
                    "Contents" => Object::string_literal("note (1)\\"),
                });
                annots.push(Object::Reference(note));
                if let Some(&target) = page_ids.get(3) {
                    let link = doc.add_object(dictionary! {
                        "Type" => "Annot",
                        "Subtype" => "Link",
                        "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
                        "Dest" => vec![target.into(), "XYZ".into(), Object::Null, Object::Null, Object::Null],
                    });
                    annots.push(Object::Reference(link));
                }
                // A link to the named destination (string, name tree) "target3".
                let action = doc.add_object(dictionary! {"S" => "GoTo", "D" => Object::string_literal("target3")});
                let named = doc.add_object(dictionary! {
                    "Type" => "Annot",
                    "Subtype" => "Link",
                    "Rect" => vec![0.into(), 20.into(), 10.into(), 30.into()],
                    "A" => action,
                });
                annots.push(Object::Reference(named));
                // A direct link annotation to the named destination (name,
                // catalog /Dests) "target5".
                annots.push(Object::Dictionary(dictionary! {
                    "Type" => "Annot",
                    "Subtype" => "Link",
                    "Rect" => vec![0.into(), 40.into(), 10.into(), 50.into()],
                    "Dest" => "target5",
                }));
                page.set("Annots", Object::Array(annots));
            }
            doc.objects.insert(page_id, Object::Dictionary(page));
        }
        let kids: Vec<Object> = page_ids.iter().map(|&id| id.into()).collect();
        let media_box: Vec<Object> = vec![0.into(), 0.into(), 595.into(), Object::Real(841.89)];
        if spec.nested {
            doc.objects.insert(
                parent,
                Object::Dictionary(dictionary! {
                    "Type" => "Pages",
                    "Parent" => root_pages,
                    "Kids" => kids,
                    "Count" => spec.pages as i64,
                    "Resources" => resources,
                }),
            );
            doc.objects.insert(
                root_pages,
                Object::Dictionary(dictionary! {
                    "Type" => "Pages",
                    "Kids" => vec![parent.into()],
                    "Count" => spec.pages as i64,
                    "MediaBox" => media_box,
                }),
            );
        } else {
            doc.objects.insert(
                root_pages,
                Object::Dictionary(dictionary! {
                    "Type" => "Pages",
                    "Kids" => kids,
                    "Count" => spec.pages as i64,
                    "MediaBox" => media_box,
                    "Resources" => resources,
                }),
            );
        }
        let metadata = doc.add_object(Stream::new(dictionary! {"Type" => "Metadata", "Subtype" => "XML"}, b"<x:xmpmeta/>".to_vec()));
        let xyz = |page: ObjectId| -> Object { vec![page.into(), "XYZ".into(), 0.into(), 800.into(), Object::Null].into() };
        let mut name_pairs = vec![];
        if let Some(&page) = page_ids.get(2) {
            name_pairs.push(Object::string_literal("target3"));
            name_pairs.push(xyz(page));
        }
        let leaf = doc.add_object(dictionary! {"Names" => name_pairs});
        let dest_tree = doc.add_object(dictionary! {"Kids" => vec![leaf.into()]});
        let mut old_dests = Dictionary::new();
        if let Some(&page) = page_ids.get(4) {
            old_dests.set("target5", dictionary! {"D" => xyz(page)});
        }
        let catalog = doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => root_pages,
            "Names" => dictionary! {"Dests" => dest_tree},
            "Dests" => old_dests,
            "Lang" => Object::string_literal("de-CH"),
            "ViewerPreferences" => dictionary! {"DisplayDocTitle" => true},
            "Metadata" => metadata,
            "MarkInfo" => dictionary! {"Marked" => false},
        });
        let info = doc.add_object(dictionary! {
            "Title" => Object::string_literal("whole chunk"),
            "Producer" => Object::string_literal("Typst 0.15.1"),
            "CreationDate" => Object::string_literal("D:20250101120000Z"),
        });
        doc.trailer.set("Root", catalog);
        doc.trailer.set("Info", info);
        doc.max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
        let options = if spec.object_streams {
            SaveOptions::builder().use_object_streams(true).use_xref_streams(true).build()
        } else {
            SaveOptions::default()
        };
        let mut bytes = Vec::new();
        doc.save_with_options(&mut bytes, options).expect("save test chunk");
        bytes
    }

    /// Loads output strictly, so a broken cross-reference table fails.
    fn load_strict(bytes: &[u8]) -> Document {
        let doc =
            Document::load_mem_with_options(bytes, LoadOptions { strict: true, ..Default::default() }).expect("output loads strictly");
        assert!(doc.xref_recovery.is_none(), "xref needed repair");
        doc
    }

    /// Text of each page of `doc`, trimmed.
    fn page_texts(doc: &Document) -> Vec<String> {
        let count = doc.get_pages().len() as u32;
        (1..=count).map(|n| doc.extract_text(&[n]).expect("extract text").trim().to_string()).collect()
    }

    /// The page dictionaries of `doc`, in order.
    fn page_dicts(doc: &Document) -> Vec<&Dictionary> {
        doc.page_iter().map(|id| doc.get_dictionary(id).unwrap()).collect()
    }

    #[test]
    fn extract_gives_standalone_pdf_of_the_range() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        assert_eq!(chunk.page_count(), 5);
        let bytes = chunk.extract(1..3, "invoice-2", Some("Invoice 2")).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"));
        assert!(bytes.ends_with(b"%%EOF\n"));
        let doc = load_strict(&bytes);
        assert_eq!(doc.get_pages().len(), 2);
        assert_eq!(doc.extract_text(&[1]).unwrap().trim(), "Page 2");
        assert_eq!(doc.extract_text(&[2]).unwrap().trim(), "Page 3");
        assert_eq!(page_texts(&doc), ["Page 2", "Page 3"]);

        // No content of unselected pages was copied.
        for object in doc.objects.values() {
            if let Object::Stream(stream) = object {
                let content = String::from_utf8_lossy(&stream.content);
                for n in [1, 4, 5] {
                    assert!(!content.contains(&format!("(Page {n})")), "page {n} leaked");
                }
            }
        }

        // Page dictionaries: inherited attributes copied, structure bits dropped.
        let root = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
        for page in page_dicts(&doc) {
            assert_eq!(page.get(b"Parent").unwrap().as_reference().unwrap(), root);
            let media_box = page.get(b"MediaBox").unwrap().as_array().unwrap();
            assert_eq!(media_box.len(), 4);
            assert_eq!(media_box[2].as_float().unwrap(), 595.0);
            assert!((media_box[3].as_float().unwrap() - 841.89).abs() < 1e-3);
            assert!(page.has(b"Resources"));
            assert!(!page.has(b"StructParents"));
        }
        assert!(!doc.get_dictionary(root).unwrap().has(b"MediaBox"));

        // Page 2 keeps its own note and its link to page 3 (named, so
        // rewritten to an explicit destination) but loses the links to the
        // pages 4 and 5.
        let pages: Vec<ObjectId> = doc.page_iter().collect();
        let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
        assert_eq!(annots.len(), 2);
        let note = doc.get_dictionary(annots[0].as_reference().unwrap()).unwrap();
        assert_eq!(note.get(b"Subtype").unwrap().as_name().unwrap(), b"Text");
        assert_eq!(note.get(b"P").unwrap().as_reference().unwrap(), pages[0]);
        assert_eq!(note.get(b"Contents").unwrap().as_str().unwrap(), b"note (1)\\");
        let link = doc.get_dictionary(annots[1].as_reference().unwrap()).unwrap();
        let action = link.get(b"A").unwrap().as_dict().unwrap();
        assert_eq!(action.get(b"S").unwrap().as_name().unwrap(), b"GoTo");
        let dest = action.get(b"D").unwrap().as_array().unwrap();
        assert_eq!(dest[0].as_reference().unwrap(), pages[1]);
        assert_eq!(dest[1].as_name().unwrap(), b"XYZ");
        assert!(!catalog_has_names(&doc));

        // Catalog: /Lang and /ViewerPreferences only.
        let catalog = doc.catalog().unwrap();
        assert_eq!(catalog.get(b"Lang").unwrap().as_str().unwrap(), b"de-CH");
        assert!(catalog.has(b"ViewerPreferences"));
        assert!(!catalog.has(b"Metadata"));
        assert!(!catalog.has(b"MarkInfo"));

        // Info: our title, the chunk's other entries.
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info).unwrap();
        assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Invoice 2");
        assert_eq!(info.get(b"Producer").unwrap().as_str().unwrap(), b"Typst 0.15.1");
        assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20250101120000Z");

        // Trailer /ID: two equal strings, sha256(ident)[..16].
        let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
        assert_eq!(id.len(), 2);
        assert_eq!(id[0].as_str().unwrap(), &file_id("invoice-2")[..]);
        assert_eq!(id[1].as_str().unwrap(), &file_id("invoice-2")[..]);
    }

    #[test]
    fn extract_without_title_drops_the_chunk_title() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let doc = load_strict(&chunk.extract(0..1, "x", None).unwrap());
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info).unwrap();
        assert!(!info.has(b"Title"));
        assert!(info.has(b"Producer"));
        // The link annotation of page 2 is not reachable from page 1.
        assert_eq!(doc.get_pages().len(), 1);
    }

    #[test]
    fn non_ascii_title_is_utf16be_with_bom() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let doc = load_strict(&chunk.extract(0..1, "x", Some("Rechnung Müller €")).unwrap());
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let title = doc.get_dictionary(info).unwrap().get(b"Title").unwrap().as_str().unwrap();
        let mut expected = vec![0xFE, 0xFF];
        expected.extend("Rechnung Müller €".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(title, expected.as_slice());
    }

    /// Whether the catalog of `doc` has a /Names or /Dests entry.
    fn catalog_has_names(doc: &Document) -> bool {
        let catalog = doc.catalog().unwrap();
        catalog.has(b"Names") || catalog.has(b"Dests")
    }

    #[test]
    fn links_within_the_range_are_kept() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let doc = load_strict(&chunk.extract(1..5, "x", None).unwrap());
        let pages: Vec<ObjectId> = doc.page_iter().collect();
        let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
        assert_eq!(annots.len(), 4);
        let link = doc.get_dictionary(annots[1].as_reference().unwrap()).unwrap();
        let dest = link.get(b"Dest").unwrap().as_array().unwrap();
        assert_eq!(dest[0].as_reference().unwrap(), pages[2]);
        let named = doc.get_dictionary(annots[2].as_reference().unwrap()).unwrap();
        let dest = named.get(b"A").unwrap().as_dict().unwrap().get(b"D").unwrap().as_array().unwrap();
        assert_eq!(dest[0].as_reference().unwrap(), pages[1]);
        let direct = annots[3].as_dict().unwrap();
        let dest = direct.get(b"Dest").unwrap().as_array().unwrap();
        assert_eq!(dest[0].as_reference().unwrap(), pages[3]);
        assert_eq!(dest[3].as_i64().unwrap(), 800);

        // Only the note is left when page 2 is alone.
        let doc = load_strict(&chunk.extract(1..2, "x", None).unwrap());
        let annots = page_dicts(&doc)[0].get(b"Annots").unwrap().as_array().unwrap();
        assert_eq!(annots.len(), 1);
    }

    #[test]
    fn object_streams_nested_tree_and_inherited_resources() {
        let spec = Spec { object_streams: true, nested: true, ..Spec::default() };
        let bytes = build_chunk(spec);
        assert!(bytes.windows(7).any(|w| w == b"/ObjStm"), "test chunk should use object streams");
        let chunk = PdfChunk::parse(&bytes).unwrap();
        assert_eq!(chunk.page_count(), 5);
        let doc = load_strict(&chunk.extract(1..3, "x", None).unwrap());
        assert_eq!(page_texts(&doc), ["Page 2", "Page 3"]);
        for page in page_dicts(&doc) {
            assert!(page.has(b"MediaBox"));
            assert!(page.has(b"Resources"));
        }
    }

    #[test]
    fn out_of_range_and_empty_ranges_are_errors() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let err = chunk.extract(3..9, "x", None).unwrap_err();
        assert_eq!(err.to_string(), "page range 3..9 is outside the chunk's 5 pages");
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 3..2;
        let err = chunk.extract(reversed, "x", None).unwrap_err();
        assert_eq!(err.to_string(), "page range 3..2 is empty");
        let err = chunk.extract(2..2, "x", None).unwrap_err();
        assert_eq!(err.to_string(), "page range 2..2 is empty");

        let mut concat = PdfConcat::new(Vec::new(), "x", None).unwrap();
        let err = concat.append(&chunk, 4..6).unwrap_err();
        assert_eq!(err.to_string(), "page range 4..6 is outside the chunk's 5 pages");
        assert_eq!(concat.page_count(), 0);
        assert_eq!(concat.finish().unwrap_err().to_string(), "the concatenated PDF has no pages");
    }

    #[test]
    fn garbage_input_is_an_error_not_a_panic() {
        assert!(matches!(PdfChunk::parse(b"not a pdf"), Err(PdfCutError::Parse(_))));
        assert!(PdfChunk::parse(b"").is_err());
        let bytes = build_chunk(Spec::default());
        for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 40] {
            if let Ok(chunk) = PdfChunk::parse(&bytes[..cut]) {
                for range in [0..1, 0..chunk.page_count()] {
                    let _ = chunk.extract(range, "x", None);
                }
            }
        }
    }

    /// Renders `(chunk index, range)` appends into one PDF.
    fn concat(chunks: &[&PdfChunk], plan: &[(usize, Range<usize>)]) -> Vec<u8> {
        let mut concat = PdfConcat::new(Vec::new(), "print-2025-01", Some("Print file")).unwrap();
        for (index, range) in plan {
            concat.append(chunks[*index], range.clone()).unwrap();
        }
        let expected: usize = plan.iter().map(|(_, range)| range.len()).sum();
        assert_eq!(concat.page_count(), expected);
        concat.finish().unwrap()
    }

    /// Number of indirect objects of `doc` that are Helvetica font dictionaries.
    fn font_count(doc: &Document) -> usize {
        doc.objects
            .values()
            .filter(|o| matches!(o, Object::Dictionary(d) if d.get(b"BaseFont").ok() == Some(&Object::Name(b"Helvetica".to_vec()))))
            .count()
    }

    #[test]
    fn concat_joins_ranges_in_order() {
        let a = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let b = PdfChunk::parse(&build_chunk(Spec { pages: 4, first_number: 11, object_streams: true, ..Spec::default() })).unwrap();
        let plan = [(0, 1..3), (1, 0..2), (0, 3..5), (0, 0..1), (1, 3..4)];
        let bytes = concat(&[&a, &b], &plan);
        let doc = load_strict(&bytes);
        assert_eq!(doc.get_pages().len(), 8);
        assert_eq!(page_texts(&doc), ["Page 2", "Page 3", "Page 11", "Page 12", "Page 4", "Page 5", "Page 1", "Page 14"]);
        // One font per run of the same chunk: a, b, a (reused by the next a), b.
        assert_eq!(font_count(&doc), 4);
        let root = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
        assert_eq!(root, (1, 0));
        for page in page_dicts(&doc) {
            assert_eq!(page.get(b"Parent").unwrap().as_reference().unwrap(), root);
            assert!(page.has(b"MediaBox"));
        }
        let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info).unwrap();
        assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Print file");
    }

    #[test]
    fn output_is_deterministic() {
        let bytes = build_chunk(Spec { font_file_bytes: 1000, ..Spec::default() });
        let first = PdfChunk::parse(&bytes).unwrap();
        let second = PdfChunk::parse(&bytes).unwrap();
        let one = first.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap();
        assert_eq!(one, first.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap());
        assert_eq!(one, second.extract(1..3, "invoice-7", Some("Rechnung 7")).unwrap());
        assert_ne!(one, first.extract(1..3, "invoice-8", Some("Rechnung 7")).unwrap());

        let plan = [(0, 0..2), (1, 2..5), (0, 4..5)];
        let joined = concat(&[&first, &second], &plan);
        assert_eq!(joined, concat(&[&first, &second], &plan));
        assert_eq!(page_texts(&load_strict(&joined)), ["Page 1", "Page 2", "Page 3", "Page 4", "Page 5", "Page 5"]);
    }

    #[test]
    fn font_file_is_copied_byte_for_byte() {
        let chunk = PdfChunk::parse(&build_chunk(Spec { font_file_bytes: 5000, ..Spec::default() })).unwrap();
        let doc = load_strict(&chunk.extract(0..3, "x", None).unwrap());
        let files: Vec<&Stream> = doc.objects.values().filter_map(|o| o.as_stream().ok()).filter(|s| s.dict.has(b"Length1")).collect();
        assert_eq!(files.len(), 1, "the shared font file is written once");
        let expected: Vec<u8> = (0..5000).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(files[0].content, expected);
    }

    #[test]
    fn serializer_escapes_names_and_strings() {
        let mut buf = Vec::new();
        write_name(&mut buf, b"A B#(x)/\xE9");
        assert_eq!(buf, b"/A#20B#23#28x#29#2F#E9");
        buf.clear();
        write_string(&mut buf, b"a(b)\\c\r\n", StringFormat::Literal);
        assert_eq!(buf, b"(a\\(b\\)\\\\c\\r\\n)");
        buf.clear();
        write_string(&mut buf, &[0, 0xAB], StringFormat::Hexadecimal);
        assert_eq!(buf, b"<00AB>");
        buf.clear();
        let dict = dictionary! {"K" => vec![Object::Real(0.5), Object::Real(12.0), Object::Real(f32::NAN), true.into(), Object::Null]};
        write_object(&mut buf, &Object::Dictionary(dict), 0, &mut |_| None);
        assert_eq!(buf, b"<</K [0.5 12 0 true null]>>");
    }

    #[test]
    fn cutting_a_chunk_into_invoices_keeps_every_page_once() {
        let chunk = PdfChunk::parse(&build_chunk(Spec { pages: 35, font_file_bytes: 40_000, ..Spec::default() })).unwrap();
        // 20 one-page and 5 three-page invoices: 35 pages.
        let mut start = 0;
        let mut seen = Vec::new();
        for i in 0..25 {
            let len = if i % 5 == 4 { 3 } else { 1 };
            let doc = load_strict(&chunk.extract(start..start + len, &format!("invoice-{i}"), Some("Rechnung")).unwrap());
            seen.extend(page_texts(&doc));
            start += len;
        }
        let expected: Vec<String> = (1..=35).map(|n| format!("Page {n}")).collect();
        assert_eq!(seen, expected);
    }

    /// The text of a page's last content stream (the overlay, if any).
    fn last_contents(doc: &Document, page: u32) -> Option<String> {
        let id = doc.get_pages()[&page];
        let Object::Array(parts) = doc.get_dictionary(id).unwrap().get(b"Contents").ok()? else {
            return None;
        };
        let stream = doc.get_object(parts.last()?.as_reference().ok()?).ok()?.as_stream().ok()?;
        Some(String::from_utf8_lossy(&stream.content).into_owned())
    }

    #[test]
    fn overlays_are_drawn_after_the_page_in_a_clean_state_and_blanks_are_empty() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let mut concat = PdfConcat::new(Vec::new(), "print", None).unwrap();
        let bars: &[u8] = b"0 g\n72 500 1.44 10.44 re\nf\n";
        concat.append_with(&chunk, 0..2, &[Some(bars), None]).unwrap();
        concat.append_blank(612.0, 792.0).unwrap();
        concat.append_with(&chunk, 2..3, &[Some(bars)]).unwrap();
        assert!(concat.append_with(&chunk, 3..4, &[None, None]).is_err(), "more overlays than pages");
        let doc = load_strict(&concat.finish().unwrap());
        assert_eq!(doc.get_pages().len(), 4);
        assert_eq!(page_texts(&doc), ["Page 1", "Page 2", "", "Page 3"]);
        for page in [1, 4] {
            let id = doc.get_pages()[&page];
            let Object::Array(parts) = doc.get_dictionary(id).unwrap().get(b"Contents").unwrap() else { panic!("contents array") };
            assert_eq!(parts.len(), 3, "q, the page's own stream, the overlay");
            let first = doc.get_object(parts[0].as_reference().unwrap()).unwrap().as_stream().unwrap();
            assert_eq!(first.content, b"q\n");
            assert_eq!(last_contents(&doc, page).unwrap(), "\nQ\n0 g\n72 500 1.44 10.44 re\nf\n");
        }
        // Page 2 is untouched; the blank page has no contents at all.
        assert_eq!(last_contents(&doc, 2), None);
        let blank = doc.get_dictionary(doc.get_pages()[&3]).unwrap();
        assert!(!blank.has(b"Contents"));
        assert_eq!(blank.get(b"MediaBox").unwrap().as_array().unwrap().len(), 4);
        // One shared `q` stream for the whole file.
        let qs = doc.objects.values().filter(|o| matches!(o, Object::Stream(st) if st.content == b"q\n")).count();
        assert_eq!(qs, 1);
    }

    #[test]
    fn archival_copies_carry_an_output_intent_and_matching_metadata() {
        let chunk = PdfChunk::parse(&build_chunk(Spec::default())).unwrap();
        let archival = Archival { creator: "ssps test".into(), producer: "ssps 0.1".into(), date: (2026, 10, 31) };
        let bytes = chunk.extract_with(0..1, "inv", Some("Invoice <1> & co"), Some(&archival)).unwrap();
        let doc = load_strict(&bytes);
        let catalog = doc.catalog().unwrap();
        let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
        let intent = intents[0].as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let profile = doc.get_object(intent.get(b"DestOutputProfile").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
        assert_eq!(profile.content, SRGB_ICC);
        let xmp = doc.get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
        let xmp = String::from_utf8(xmp.content.clone()).unwrap();
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>") && xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(xmp.contains("<rdf:li xml:lang=\"x-default\">Invoice &lt;1&gt; &amp; co</rdf:li>"), "{xmp}");
        assert!(xmp.contains("<xmp:CreateDate>2026-10-31T00:00:00Z</xmp:CreateDate>"));
        let info = doc.get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
        assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"Invoice <1> & co");
        assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20261031000000Z");
        assert_eq!(info.get(b"Producer").unwrap().as_str().unwrap(), b"ssps 0.1");
    }

    #[test]
    fn data_ending_in_a_carriage_return_is_closed_with_cr_lf() {
        assert_eq!(end_of_stream(b"abc\r"), b"\r\nendstream\nendobj\n");
        assert_eq!(end_of_stream(b"abc"), b"\nendstream\nendobj\n");
    }
}
