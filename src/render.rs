//! Stage 4, render: documents as data → PDF bytes, through Typst.
//!
//! One [`Renderer`] lives for the whole run and holds everything that does
//! not change between documents: the standard library, the fonts (parsed
//! once, from `fonts/`, compiled into the binary) and the parsed templates
//! (from `templates/`). Each compilation gets a cheap [`World`] that adds one
//! file, `data.json`, holding the documents' data: record values reach the
//! template as JSON, never as markup. Typst's `World` keeps the compiler
//! free of I/O, and so is this module: it returns bytes and never writes.
//!
//! Output is deterministic: the document date comes from the caller (the
//! run's month), the PDF identifier from a stable string, and there is no
//! clock (`today()` answers with the same date).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The fonts every document uses, committed under `fonts/` with their
/// licenses: SSPS Sans, Liberation Sans without its screen hinting (see
/// `fonts/README.md`). It covers Latin, Vietnamese and Spanish letters.
const FONTS: &[&[u8]] = &[include_bytes!("../fonts/SspsSans-Regular.ttf"), include_bytes!("../fonts/SspsSans-Bold.ttf")];

/// A template under `templates/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Template {
    /// DSHS 08-141 invoice: the values, on the pre-printed form.
    Invoice,
    /// The pre-printed parts of the 08-141 (rendered once per variant).
    InvoiceForm,
    /// Geometry shared by the two (imported, never compiled alone).
    InvoiceCommon,
    /// Remittance advice.
    Remittance,
    /// Social Services Notice.
    Notice,
    /// Vendor Overpayment Notice.
    Overpayment,
    /// ACES SSP letters with their enclosures.
    Letter,
    /// Form 1099-NEC recipient statements (Copy B).
    Statement,
    /// The statements' back page (the instructions for the recipient),
    /// rendered once a run and drawn behind every statement.
    StatementBack,
    /// The 1099 run's reconciliation summary.
    Reconciliation,
    /// The claim worksheet of one provider's month (`ssps claim --out`).
    Worksheet,
    /// The ACES MILs Report for MM/CCYY (`ssps mil-report`).
    MilReport,
    /// Provider-portal registration letters (`ssps registration-letters`).
    Registration,
    /// Receipts of invoices claimed online (the provider portal).
    Receipt,
    /// Letterhead, window and table helpers of the SSPS documents other
    /// than the invoice (imported).
    DocumentCommon,
}

impl Template {
    /// The template's file name under `templates/`.
    pub fn file(self) -> &'static str {
        match self {
            Template::Invoice => "invoice.typ",
            Template::InvoiceForm => "invoice-form.typ",
            Template::InvoiceCommon => "invoice-common.typ",
            Template::Remittance => "remittance.typ",
            Template::Notice => "notice.typ",
            Template::Overpayment => "overpayment.typ",
            Template::Letter => "letter.typ",
            Template::Statement => "statement.typ",
            Template::StatementBack => "statement-back.typ",
            Template::Reconciliation => "reconciliation.typ",
            Template::Worksheet => "worksheet.typ",
            Template::MilReport => "mil-report.typ",
            Template::Registration => "registration.typ",
            Template::Receipt => "receipt.typ",
            Template::DocumentCommon => "document-common.typ",
        }
    }

    /// The embedded text of the template.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Template::Invoice => include_str!("../templates/invoice.typ"),
            Template::InvoiceForm => include_str!("../templates/invoice-form.typ"),
            Template::InvoiceCommon => include_str!("../templates/invoice-common.typ"),
            Template::Remittance => include_str!("../templates/remittance.typ"),
            Template::Notice => include_str!("../templates/notice.typ"),
            Template::Overpayment => include_str!("../templates/overpayment.typ"),
            Template::Letter => include_str!("../templates/letter.typ"),
            Template::Statement => include_str!("../templates/statement.typ"),
            Template::StatementBack => include_str!("../templates/statement-back.typ"),
            Template::Reconciliation => include_str!("../templates/reconciliation.typ"),
            Template::Worksheet => include_str!("../templates/worksheet.typ"),
            Template::MilReport => include_str!("../templates/mil-report.typ"),
            Template::Registration => include_str!("../templates/registration.typ"),
            Template::Receipt => include_str!("../templates/receipt.typ"),
            Template::DocumentCommon => include_str!("../templates/document-common.typ"),
        }
    }

    /// Every template.
    pub const ALL: [Template; 15] = [
        Template::Invoice,
        Template::InvoiceForm,
        Template::InvoiceCommon,
        Template::Remittance,
        Template::Notice,
        Template::Overpayment,
        Template::Letter,
        Template::Statement,
        Template::StatementBack,
        Template::Reconciliation,
        Template::Worksheet,
        Template::MilReport,
        Template::Registration,
        Template::Receipt,
        Template::DocumentCommon,
    ];
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A bundled font could not be parsed.
    #[error("bundled font {0} cannot be read")]
    Font(usize),
    /// The template failed to compile with this data.
    #[error("template {template} failed: {messages}")]
    Compile {
        /// Template file.
        template: &'static str,
        /// Typst's diagnostics, one per line.
        messages: String,
    },
    /// PDF export failed.
    #[error("PDF export of {template} failed: {messages}")]
    Export {
        /// Template file.
        template: &'static str,
        /// Typst's diagnostics.
        messages: String,
    },
    /// The data could not be serialized.
    #[error("document data cannot be serialized: {0}")]
    Data(#[from] serde_json::Error),
}

/// Whether a PDF carries a structure tree, and which standard it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// No structure tree: the runs' chunks, which `pdfcut` cuts into the
    /// PDF/A-2b download copies (Typst exports page ranges of untagged
    /// documents only).
    Untagged,
    /// PDF/UA-1: tagged, and Typst's PDF writer refuses what the standard
    /// forbids (no document title or outline, an image without alt text,
    /// an embedded PDF, a skipped heading level); the XMP metadata says
    /// `pdfuaid:part` 1. The templates are told through their data
    /// (`tagged: true`), as they must then draw the pre-printed parts as
    /// content instead of PDF images.
    PdfUa1,
}

/// Options for one PDF.
#[derive(Debug, Clone)]
pub struct PdfSettings {
    /// Stable identifier: the PDF's /ID is derived from it.
    pub ident: String,
    /// Document date (creation date in the PDF's metadata).
    pub date: NaiveDate,
    /// Untagged, or tagged as PDF/UA-1 (costs time and size).
    pub tagging: Tagging,
}

/// A rendered PDF and its page count.
#[derive(Debug)]
pub struct Rendered {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// Pages in it.
    pub pages: usize,
}

/// Shared, immutable rendering state: library, fonts, templates.
pub struct Renderer {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: BTreeMap<Template, Source>,
    /// Rendered assets served to templates (the form images), by file id.
    assets: Vec<(FileId, Bytes)>,
    data_id: FileId,
}

fn file_id(path: &str) -> FileId {
    // The paths are constants of this module; they are always valid.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("invalid virtual path {path}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Renderer {
    /// Loads fonts and parses templates once.
    pub fn new() -> Result<Renderer, RenderError> {
        Renderer::with_assets(&crate::assets::Assets::default())
    }

    /// Loads fonts and parses the templates of `assets` (the embedded ones,
    /// or the staff's overrides).
    pub fn with_assets(assets: &crate::assets::Assets) -> Result<Renderer, RenderError> {
        let mut fonts = Vec::new();
        for (i, data) in FONTS.iter().enumerate() {
            let font = Font::new(Bytes::new(*data), 0).ok_or(RenderError::Font(i))?;
            fonts.push(font);
        }
        let book = FontBook::from_fonts(&fonts);
        let sources = Template::ALL
            .iter()
            .map(|t| (*t, Source::new(file_id(&format!("/{}", t.file())), assets.text(&format!("templates/{}", t.file())).to_string())))
            .collect();
        let renderer = Renderer {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
            sources,
            assets: Vec::new(),
            data_id: file_id("/data.json"),
        };
        Ok(renderer)
    }

    /// Serves `pdf` to the templates as the file `/<name>` (a page a run
    /// renders once and every document draws, like the 1099 statements'
    /// back). `name` is a constant of the caller: a plain file name.
    pub fn add_asset(&mut self, name: &str, pdf: Vec<u8>) {
        let id = file_id(&format!("/{name}"));
        self.assets.retain(|(a, _)| *a != id);
        self.assets.push((id, Bytes::new(pdf)));
    }

    /// Compiles `template` with `data` (serialized to `data.json`) and
    /// exports one PDF of every page.
    pub fn render<T: serde::Serialize>(&self, template: Template, data: &T, settings: &PdfSettings) -> Result<Rendered, RenderError> {
        let json = serde_json::to_vec(data)?;
        let world = DocWorld { renderer: self, main: self.sources[&template].clone(), data: Bytes::new(json), date: settings.date };
        let doc: PagedDocument = typst::compile(&world)
            .output
            .map_err(|d| RenderError::Compile { template: template.file(), messages: diagnostics(&world, &d) })?;
        let pages = doc.pages().len();
        let standards = match settings.tagging {
            Tagging::Untagged => typst_pdf::PdfStandards::default(),
            Tagging::PdfUa1 => typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1])
                .map_err(|e| RenderError::Export { template: template.file(), messages: e.message().to_string() })?,
        };
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(settings.ident.clone()),
            timestamp: Some(typst_pdf::Timestamp::new_utc(datetime(settings.date))),
            tagged: settings.tagging != Tagging::Untagged,
            standards,
            ..Default::default()
        };
        let pdf = typst_pdf::pdf(&doc, &options)
            .map_err(|d| RenderError::Export { template: template.file(), messages: diagnostics(&world, &d) })?;
        Ok(Rendered { pdf, pages })
    }
}

fn datetime(d: NaiveDate) -> Datetime {
    Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0)
        .unwrap_or_else(|| unreachable!("a chrono date is always a valid typst date"))
}

/// Typst's diagnostics, each with the template file and line it points at
/// (`templates/notice.typ:12: unknown variable: x`).
fn diagnostics(world: &DocWorld, d: &[SourceDiagnostic]) -> String {
    d.iter()
        .map(|d| {
            let hints: String = d.hints.iter().map(|h| format!(" (hint: {})", h.v)).collect();
            let place = d
                .span
                .id()
                .and_then(|id| {
                    let source = world.source(id).ok()?;
                    let line = source.lines().byte_to_line(typst::WorldExt::range(world, d.span)?.start)? + 1;
                    Some(format!("templates/{}:{line}: ", id.vpath().get_without_slash()))
                })
                .unwrap_or_default();
            format!("{place}{}{hints}", d.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The world of one compilation: the shared renderer plus this document's data.
struct DocWorld<'a> {
    renderer: &'a Renderer,
    main: Source,
    data: Bytes,
    date: NaiveDate,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.renderer.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.renderer.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        self.renderer
            .sources
            .values()
            .find(|s| s.id() == id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.renderer.data_id {
            return Ok(self.data.clone());
        }
        if let Some((_, asset)) = self.renderer.assets.iter().find(|(a, _)| *a == id) {
            return Ok(asset.clone());
        }
        self.source(id).map(|s| Bytes::from_string(s.text().to_string()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.renderer.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(datetime(self.date))
    }
}

/// Drops Typst's memoized results that were not used recently; call every
/// ~100 documents to keep memory flat over a long run.
pub fn trim_caches() {
    comemo::evict(1);
}
