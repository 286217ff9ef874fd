//! PDF/A-2b archival conversion of a cut copy: [`Archival`] says who made
//! the file and when; from it this module writes the sRGB output intent's
//! ICC profile, the XMP metadata (PDF/A identification, title, tools,
//! dates; serialized and escaped by the `xmp-writer` crate), the catalog
//! entries that point to both, and the `/Info` entries that must agree with
//! the XMP.

use std::io::Write;

use xmp_writer::{DateTime, Timezone, XmpWriter};

use super::writer::{push_fmt, text_string, write_string, ObjWriter};
use super::PdfCutError;

/// The sRGB profile of a PDF/A output intent (`data/icc/README.md`).
pub(super) const SRGB_ICC: &[u8] = include_bytes!("../../data/icc/sRGB-v2-magic.icc");

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

/// Object numbers of the PDF/A objects [`Archival::write_objects`] wrote.
pub(super) struct ArchivalObjects {
    /// The ICC profile stream of the output intent.
    icc: u32,
    /// The XMP metadata stream.
    metadata: u32,
}

impl Archival {
    /// The date as year, month and day. A date from a calendar (the run's
    /// month end) is returned as it is; out-of-range fields are clamped to
    /// what XMP's date type holds, the same for `/Info` and the XMP, so the
    /// two always agree.
    fn date_fields(&self) -> (u16, u8, u8) {
        let (y, m, d) = self.date;
        (y.clamp(0, 9999) as u16, m.min(99) as u8, d.min(99) as u8)
    }

    /// The date as a PDF date string (`D:YYYYMMDD000000Z`).
    fn date_pdf(&self) -> String {
        let (y, m, d) = self.date_fields();
        format!("D:{y:04}{m:02}{d:02}000000Z")
    }

    /// The XMP packet: PDF/A-2b identification and the same title, tools
    /// and dates as the `/Info` dictionary.
    pub(super) fn xmp(&self, title: &str) -> String {
        let (y, m, d) = self.date_fields();
        let date = DateTime::new(y, m, d, 0, 0, 0, Timezone::Utc);
        let mut xmp = XmpWriter::new();
        xmp.format("application/pdf");
        xmp.title([(None, title)]);
        xmp.creator_tool(&self.creator);
        xmp.create_date(date);
        xmp.modify_date(date);
        xmp.producer(&self.producer);
        xmp.pdfa_part(2);
        xmp.pdfa_conformance("B");
        xmp.finish(None)
    }

    /// Writes the output intent's ICC profile and the XMP metadata (for
    /// `title`) as two new objects.
    pub(super) fn write_objects<W: Write>(
        &self,
        out: &mut ObjWriter<W>,
        buf: &mut Vec<u8>,
        title: &str,
    ) -> Result<ArchivalObjects, PdfCutError> {
        let icc = out.alloc();
        buf.clear();
        push_fmt(buf, format_args!("{icc} 0 obj\n<</N 3/Length {}>>\nstream\n", SRGB_ICC.len()));
        buf.extend_from_slice(SRGB_ICC);
        buf.extend_from_slice(b"\nendstream\nendobj\n");
        out.start_object(icc)?;
        out.write(buf)?;
        let xmp = self.xmp(title);
        let metadata = out.alloc();
        buf.clear();
        push_fmt(buf, format_args!("{metadata} 0 obj\n<</Type /Metadata/Subtype /XML/Length {}>>\nstream\n", xmp.len()));
        buf.extend_from_slice(xmp.as_bytes());
        buf.extend_from_slice(b"\nendstream\nendobj\n");
        out.start_object(metadata)?;
        out.write(buf)?;
        Ok(ArchivalObjects { icc, metadata })
    }

    /// Appends the `/Info` entries besides `/Title` that the XMP repeats:
    /// `/Creator`, `/Producer`, `/CreationDate`, `/ModDate`.
    pub(super) fn write_info_entries(&self, buf: &mut Vec<u8>) {
        for (key, value) in [("Creator", &self.creator), ("Producer", &self.producer)] {
            push_fmt(buf, format_args!("/{key} "));
            let (bytes, format) = text_string(value);
            write_string(buf, &bytes, format);
        }
        let d = self.date_pdf();
        push_fmt(buf, format_args!("/CreationDate ({d})/ModDate ({d})"));
    }
}

impl ArchivalObjects {
    /// Appends the catalog's `/Metadata` and `/OutputIntents` entries.
    pub(super) fn write_catalog_entries(&self, buf: &mut Vec<u8>) {
        let ArchivalObjects { icc, metadata } = self;
        push_fmt(
            buf,
            format_args!(
                "/Metadata {metadata} 0 R/OutputIntents [<</Type /OutputIntent/S /GTS_PDFA1/OutputConditionIdentifier (sRGB IEC61966-2.1)/Info (sRGB IEC61966-2.1)/DestOutputProfile {icc} 0 R>>]"
            ),
        );
    }
}
