//! Renumbering: copies the object graph of one append (the selected pages
//! and everything they reach) from a chunk into the output, numbering
//! objects in the order they are first met. References to unselected
//! pages, page-tree nodes, the catalog and `/Info` become `null`;
//! annotations are kept, dropped or rewritten as [`PdfChunk::plan_annot`]
//! decides; objects reached through `/Resources` are shared by their
//! content fingerprint ([`super::fingerprint`]): one already written to the
//! output, by this append or an earlier one of any chunk, is referred to,
//! not written again. The bytes go out through [`ObjWriter`].

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;

use lopdf::{Object, ObjectId};

use super::fingerprint::{Fingerprints, Fp};
use super::writer::{end_of_stream, push_fmt, write_name, write_object, ObjWriter};
use super::{AnnotPlan, PdfChunk, PdfCutError, ROOT_PAGES};

/// Copies the objects of one [`PdfConcat::append`](super::PdfConcat::append) call.
pub(super) struct Emitter<'c> {
    /// The chunk being copied.
    chunk: &'c PdfChunk,
    /// Selected pages: chunk id -> output number.
    selected: BTreeMap<ObjectId, u32>,
    /// Shared objects the output holds already: fingerprint -> output number.
    shared: &'c BTreeMap<Fp, u32>,
    /// The fingerprints of the chunk's objects.
    fingerprints: &'c mut Fingerprints,
    /// Objects numbered by this append: chunk id -> (output number, reached
    /// through `/Resources`, its fingerprint when it may be shared).
    local: BTreeMap<ObjectId, (u32, bool, Option<Fp>)>,
    /// Numbered objects not yet written, in order of discovery.
    queue: VecDeque<(ObjectId, u32)>,
    /// Annotations to write in rewritten form (see [`PdfChunk::plan_annot`]).
    rewrites: BTreeMap<ObjectId, Object>,
    /// Next free output object number.
    next: u32,
}

impl<'c> Emitter<'c> {
    /// Starts copying from `chunk`; `shared` holds the shared objects
    /// earlier appends wrote, and `next` is the first free output object
    /// number.
    pub(super) fn new(chunk: &'c PdfChunk, shared: &'c BTreeMap<Fp, u32>, fingerprints: &'c mut Fingerprints, next: u32) -> Self {
        Emitter {
            chunk,
            selected: BTreeMap::new(),
            shared,
            fingerprints,
            local: BTreeMap::new(),
            queue: VecDeque::new(),
            rewrites: BTreeMap::new(),
            next,
        }
    }

    /// Hands out the next object number.
    pub(super) fn allocate(&mut self) -> u32 {
        let number = self.next;
        self.next += 1;
        number
    }

    /// Selects the page `id` of the chunk: numbers it (before any of its
    /// objects) and returns that number.
    pub(super) fn select(&mut self, id: ObjectId) -> u32 {
        let number = self.allocate();
        self.selected.insert(id, number);
        number
    }

    /// Writes every object numbered but not yet written, in order of
    /// discovery (writing one may number and queue more).
    pub(super) fn write_queued<W: Write>(&mut self, out: &mut ObjWriter<W>, buf: &mut Vec<u8>) -> Result<(), PdfCutError> {
        while let Some((id, number)) = self.queue.pop_front() {
            self.write_object(out, buf, id, number)?;
        }
        Ok(())
    }

    /// Ends the append: the next free object number, and the objects reached
    /// through `/Resources` (fingerprint, output number) that later appends
    /// may refer to.
    pub(super) fn finish(self) -> (u32, Vec<(Fp, u32)>) {
        let shared = self.local.values().filter_map(|(number, _, fp)| fp.map(|fp| (fp, *number))).collect();
        (self.next, shared)
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
        if let Some(&(number, _, _)) = self.local.get(&id) {
            return Some(number);
        }
        if !self.chunk.doc.objects.contains_key(&id) {
            return None;
        }
        let fp = if shareable { self.fingerprints.of(self.chunk, id) } else { None };
        if let Some(&number) = fp.as_ref().and_then(|fp| self.shared.get(fp)) {
            return Some(number);
        }
        let number = self.allocate();
        self.local.insert(id, (number, shareable, fp));
        self.queue.push_back((id, number));
        Some(number)
    }

    /// Writes page `index` of the chunk as object `number`. With `wrap`
    /// (`q` stream, overlay stream), its `/Contents` becomes
    /// `[q <own contents> overlay]`.
    pub(super) fn write_page<W: Write>(
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
        let shareable = self.local.get(&id).is_some_and(|(_, shareable, _)| *shareable);
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
