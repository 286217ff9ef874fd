//! Content fingerprints of shared objects: the SHA-256 of an object with
//! every reference replaced by the fingerprint of what it points to, so two
//! objects with the same fingerprint are the same object graph, whichever
//! file they came from.
//!
//! [`super::PdfConcat`] writes an object reached through a page's
//! `/Resources` (a font, its file, a form image, a colour profile) once per
//! output file: a later append whose object has the same fingerprint refers
//! to the copy already written. That is what keeps a print file small when
//! its documents come one by one from their own download copies (each
//! carrying its chunk's font subsets and the form images): the copies of one
//! chunk share their subsets, and every chunk shares the form images.
//!
//! An object that reaches a page, the page tree, the catalog or a cycle has
//! no fingerprint and is never shared.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Object, ObjectId};
use sha2::{Digest, Sha256};

use super::PdfChunk;

/// A fingerprint.
pub(super) type Fp = [u8; 32];

/// Deepest object graph fingerprinted (deeper ones are not shared).
const MAX_DEPTH: usize = 64;

/// The fingerprints of one chunk's objects, computed as they are asked for.
#[derive(Default)]
pub(super) struct Fingerprints {
    /// The chunk whose objects `memo` holds.
    chunk: Option<u64>,
    memo: BTreeMap<ObjectId, Option<Fp>>,
}

impl Fingerprints {
    /// The fingerprint of object `id` of `chunk` (`None`: never shared).
    pub(super) fn of(&mut self, chunk: &PdfChunk, id: ObjectId) -> Option<Fp> {
        if self.chunk != Some(chunk.uid) {
            self.memo.clear();
            self.chunk = Some(chunk.uid);
        }
        self.walk(chunk, id, &mut BTreeSet::new(), 0)
    }

    fn walk(&mut self, chunk: &PdfChunk, id: ObjectId, open: &mut BTreeSet<ObjectId>, depth: usize) -> Option<Fp> {
        if let Some(known) = self.memo.get(&id) {
            return *known;
        }
        if depth > MAX_DEPTH || chunk.page_ids.contains(&id) || chunk.structural.contains(&id) || !open.insert(id) {
            return None;
        }
        let object = chunk.doc.objects.get(&id)?;
        let mut h = Sha256::new();
        let whole = self.hash(&mut h, chunk, object, open, depth);
        open.remove(&id);
        let fp: Option<Fp> = whole.then(|| h.finalize().into());
        self.memo.insert(id, fp);
        fp
    }

    /// Hashes `object` into `h`; false when it reaches something unshareable.
    fn hash(&mut self, h: &mut Sha256, chunk: &PdfChunk, object: &Object, open: &mut BTreeSet<ObjectId>, depth: usize) -> bool {
        let bytes = |h: &mut Sha256, tag: u8, b: &[u8]| {
            h.update([tag]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        };
        match object {
            Object::Null => h.update(b"n"),
            Object::Boolean(b) => h.update(if *b { b"t" } else { b"f" }),
            Object::Integer(i) => bytes(h, b'i', &i.to_le_bytes()),
            Object::Real(r) => bytes(h, b'r', &r.to_bits().to_le_bytes()),
            Object::Name(n) => bytes(h, b'/', n),
            Object::String(s, format) => bytes(h, if matches!(format, lopdf::StringFormat::Literal) { b'(' } else { b'<' }, s),
            Object::Array(items) => {
                bytes(h, b'[', &(items.len() as u64).to_le_bytes());
                for item in items {
                    if !self.hash(h, chunk, item, open, depth) {
                        return false;
                    }
                }
            }
            Object::Dictionary(dict) => {
                bytes(h, b'D', &(dict.len() as u64).to_le_bytes());
                for (key, value) in dict.iter() {
                    bytes(h, b'k', key);
                    if !self.hash(h, chunk, value, open, depth) {
                        return false;
                    }
                }
            }
            Object::Stream(stream) => {
                // `/Length` is written from the content, so it is the content's.
                bytes(h, b'S', &(stream.dict.len() as u64).to_le_bytes());
                for (key, value) in stream.dict.iter().filter(|(k, _)| k.as_slice() != b"Length") {
                    bytes(h, b'k', key);
                    if !self.hash(h, chunk, value, open, depth) {
                        return false;
                    }
                }
                bytes(h, b'c', &stream.content);
            }
            Object::Reference(id) => match self.walk(chunk, *id, open, depth + 1) {
                Some(fp) => bytes(h, b'R', &fp),
                None => return false,
            },
        }
        true
    }
}
