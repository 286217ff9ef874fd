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
//! written by a small PDF 1.7 serializer with a classic cross-reference
//! table. Stream data is copied byte for byte (only `/Length`
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
//!
//! With an [`Archival`] description, a cut copy is a PDF/A-2b file.
//!
//! This file is the public face and reads chunks (page tree, named
//! destinations, which annotations to keep); the rest lives in submodules:
//!
//! * `concat`: [`PdfConcat`], which assembles an output file from appends;
//! * `renumber`: copies one append's object graph with new numbers;
//! * `writer`: the PDF serializer and the cross-reference table;
//! * `archival`: the PDF/A-2b parts (output intent, XMP metadata).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use lopdf::{Dictionary, Document, Object, ObjectId};

mod archival;
mod concat;
mod fingerprint;
mod renumber;
mod writer;

pub use archival::Archival;
pub use concat::PdfConcat;

/// Page attributes that a page inherits from its ancestors in the page tree
/// (ISO 32000-1, table 30), in the order they are appended to a page.
const INHERITABLE: [&[u8]; 4] = [b"MediaBox", b"CropBox", b"Resources", b"Rotate"];

/// Deepest page tree accepted.
const MAX_PAGE_TREE_DEPTH: usize = 64;

/// Most objects that inlining a catalog or `/Info` entry may visit.
const INLINE_BUDGET: usize = 4096;

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

#[cfg(test)]
mod tests;
