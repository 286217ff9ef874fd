//! The PDF serializer: [`ObjWriter`] writes the header and the objects,
//! keeping the byte offset of each for the classic cross-reference table it
//! ends the file with; the functions below serialize `lopdf` objects (names,
//! strings, numbers, arrays, dictionaries, references mapped to new numbers)
//! and stream objects. Nothing here knows about pages or chunks.

use std::io::Write;

use lopdf::{Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use super::PdfCutError;

/// Deepest nesting of direct arrays/dictionaries the serializer descends into;
/// anything deeper is written as `null` (lopdf's parser already limits nesting).
const MAX_NESTING: usize = 256;

/// Largest byte offset a 10-digit cross-reference entry can hold.
const MAX_XREF_OFFSET: u64 = 9_999_999_999;

/// The output stream with the byte offset of every object written: the
/// cross-reference table in the making.
pub(super) struct ObjWriter<W: Write> {
    /// Where the PDF goes.
    out: W,
    /// Bytes written so far.
    pos: u64,
    /// `offsets[n - 1]` is the offset of object `n`; 0 while not yet written.
    offsets: Vec<u64>,
}

impl<W: Write> ObjWriter<W> {
    /// Starts a PDF 1.7 file on `out`: writes the header (with a comment of
    /// four bytes above 127, so that transfers treat the file as binary).
    pub(super) fn new(out: W) -> Result<Self, PdfCutError> {
        let mut writer = ObjWriter { out, pos: 0, offsets: Vec::new() };
        writer.write(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(writer)
    }

    /// Writes raw bytes.
    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<(), PdfCutError> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Hands out the next object number.
    pub(super) fn alloc(&mut self) -> u32 {
        self.offsets.push(0);
        self.offsets.len() as u32
    }

    /// The number [`alloc`](Self::alloc) would hand out next.
    pub(super) fn next_number(&self) -> u32 {
        self.offsets.len() as u32 + 1
    }

    /// Makes sure every number below `next` has a slot.
    pub(super) fn reserve_through(&mut self, next: u32) {
        let needed = next.saturating_sub(1) as usize;
        if self.offsets.len() < needed {
            self.offsets.resize(needed, 0);
        }
    }

    /// Records that object `number` starts at the current position.
    pub(super) fn start_object(&mut self, number: u32) -> Result<(), PdfCutError> {
        if self.pos > MAX_XREF_OFFSET {
            return Err(PdfCutError::TooLarge);
        }
        self.reserve_through(number + 1);
        self.offsets[number as usize - 1] = self.pos;
        Ok(())
    }

    /// Writes the cross-reference table and the trailer (`/Root` object
    /// `root`, `/Info` object `info`, `/ID` twice `file_id`), flushes, and
    /// returns the output. `buf` is scratch space.
    pub(super) fn finish(mut self, buf: &mut Vec<u8>, root: u32, info: u32, file_id: &[u8; 16]) -> Result<W, PdfCutError> {
        let xref_at = self.pos;
        let size = self.offsets.len() + 1;
        buf.clear();
        push_fmt(buf, format_args!("xref\n0 {size}\n0000000000 65535 f \n"));
        for i in 0..self.offsets.len() {
            let offset = self.offsets[i];
            if offset == 0 {
                // Never happens: every number handed out is written.
                buf.extend_from_slice(b"0000000000 00001 f \n");
            } else {
                push_fmt(buf, format_args!("{offset:010} 00000 n \n"));
            }
            if buf.len() >= 64 * 1024 {
                self.write(buf)?;
                buf.clear();
            }
        }
        let id = hex(file_id);
        push_fmt(
            buf,
            format_args!("trailer\n<</Size {size}/Root {root} 0 R/Info {info} 0 R/ID [<{id}> <{id}>]>>\nstartxref\n{xref_at}\n%%EOF\n"),
        );
        self.write(buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes an uncompressed stream object holding `content`.
pub(super) fn write_stream<W: Write>(out: &mut ObjWriter<W>, buf: &mut Vec<u8>, number: u32, content: &[u8]) -> Result<(), PdfCutError> {
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
pub(super) fn end_of_stream(data: &[u8]) -> &'static [u8] {
    if data.last() == Some(&b'\r') {
        b"\r\nendstream\nendobj\n"
    } else {
        b"\nendstream\nendobj\n"
    }
}

/// Appends formatted text to `buf`.
pub(super) fn push_fmt(buf: &mut Vec<u8>, args: std::fmt::Arguments<'_>) {
    // Writing to a Vec cannot fail.
    let _ = buf.write_fmt(args);
}

/// Serializes a direct object; references are mapped through `resolve`
/// (`None` writes `null`). Streams can only be indirect objects and are
/// written as `null` when met as a direct value.
pub(super) fn write_object(buf: &mut Vec<u8>, obj: &Object, depth: usize, resolve: &mut dyn FnMut(ObjectId) -> Option<u32>) {
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
pub(super) fn write_name(buf: &mut Vec<u8>, name: &[u8]) {
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
pub(super) fn write_string(buf: &mut Vec<u8>, bytes: &[u8], format: StringFormat) {
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
pub(super) fn text_string(text: &str) -> (Vec<u8>, StringFormat) {
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
pub(super) fn file_id(ident: &str) -> [u8; 16] {
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
