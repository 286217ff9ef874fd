//! One document of a kind, composed from an extract in memory and rendered
//! alone: what the provider portal asks for (`crate::ondemand` is its
//! façade).
//!
//! The kind composes exactly as in its run, through [`Context::read`],
//! which here hands it the extract given ([`Source::Memory`]) instead of
//! reading the folder. The document with the asked id, addressed to the
//! asked payee, is then rendered by itself with the kind's template:
//! untagged, as the runs render, and cut into a PDF/A-2b copy like the
//! runs' download copies; or tagged as PDF/UA-1, the template told so in
//! its data (`tagged`, `title`) so that it draws the pre-printed parts as
//! tagged content (Typst refuses PDF images in PDF/UA-1) and the lines as
//! tables. Nothing is written anywhere; the output is deterministic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rust_decimal::Decimal;
use serde::Serialize;

use super::{require, Asset, Context, DocumentKind, OpError, RunOptions};
use crate::compose::{Document, RecipientKind};
use crate::kind::Kind;
use crate::model::{Extract, PayeeNumber};
use crate::pdfcut::PdfChunk;
use crate::render::{PdfSettings, Renderer, Tagging};
use crate::validate::Validated;

/// Where [`Context::read`] takes the extract from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// The extract folder `opts.data`, loaded and validated (the runs).
    Folder,
    /// An extract already loaded and validated, in memory (one payee's
    /// part, for a document made on demand). Its files are taken as present
    /// and usable, and it is cloned: give it a payee's part
    /// ([`Extract::for_payee`]), not a whole month.
    Memory(&'a Extract),
}

impl Source<'_> {
    /// The validated extract, and a check that `files` are usable.
    pub(super) fn read(
        &self,
        data: &Path,
        holidays: &crate::calendar::Holidays,
        what: &'static str,
        files: &[&'static str],
    ) -> Result<Validated, OpError> {
        match self {
            Source::Folder => {
                let v = super::read_extract_with(data, holidays)?;
                require(&v, data, what, files)?;
                Ok(v)
            }
            Source::Memory(x) => Ok(Validated { extract: (*x).clone(), problems: Vec::new(), counts: BTreeMap::new() }),
        }
    }
}

/// One document made on demand.
#[derive(Debug)]
pub struct OneDocument {
    /// The PDF: PDF/A-2b untagged, or PDF/UA-1 tagged.
    pub pdf: Vec<u8>,
    /// Its pages.
    pub pages: usize,
    /// The amount it is about (authorized, paid, overpaid, box 1).
    pub amount: Decimal,
    /// Its kind.
    pub kind: Kind,
    /// Its id (the run's file name without `.pdf`).
    pub id: String,
    /// Its title (the PDF's).
    pub title: String,
}

/// Renderers by the once-per-run pages their templates draw (the 08-141
/// form variants, the 1099 statements' back), each set rendered once and
/// kept: a second document of the kind renders none of them again. Shared
/// by threads.
pub struct Renderers {
    assets: crate::assets::Assets,
    /// The renderer without assets (tagged copies draw everything themselves).
    plain: Arc<Renderer>,
    /// By the set of assets: each one's name, id, date and data.
    with: Mutex<BTreeMap<Vec<String>, Arc<Renderer>>>,
}

impl Renderers {
    /// Fonts and templates from `assets` (the embedded set, or the staff's
    /// overrides), no page rendered yet.
    pub fn new(assets: &crate::assets::Assets) -> Result<Renderers, OpError> {
        Ok(Renderers { assets: assets.clone(), plain: Arc::new(Renderer::with_assets(assets)?), with: Mutex::new(BTreeMap::new()) })
    }

    /// The renderer serving `list`, rendering them the first time.
    fn serving(&self, list: &[Asset]) -> Result<Arc<Renderer>, OpError> {
        if list.is_empty() {
            return Ok(self.plain.clone());
        }
        let key: Vec<String> = list.iter().map(|a| format!("{} {} {} {} {}", a.name, a.template.file(), a.ident, a.date, a.data)).collect();
        // Held while rendering: two threads asking for a new set render it once.
        let mut with = self.with.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = with.get(&key) {
            return Ok(r.clone());
        }
        let mut renderer = Renderer::with_assets(&self.assets)?;
        for a in list {
            let settings = PdfSettings { ident: a.ident.clone(), date: a.date, tagging: Tagging::Untagged };
            let pdf = renderer.render(a.template, &a.data, &settings)?;
            renderer.add_asset(&a.name, pdf.pdf);
        }
        let renderer = Arc::new(renderer);
        with.insert(key, renderer.clone());
        Ok(renderer)
    }
}

/// What making one document needs besides the kind and the extract.
pub struct Making<'a> {
    /// Options as a run's (the templates, texts and data files in
    /// `opts.assets`; no folder is read or written).
    pub opts: &'a RunOptions,
    /// The words of documents.
    pub texts: &'a crate::texts::Texts,
    /// The state holidays.
    pub holidays: &'a crate::calendar::Holidays,
    /// The renderers.
    pub renderers: &'a Renderers,
}

/// The template's data: the one document, the labels, and for a tagged
/// copy the flag and the title.
#[derive(Serialize)]
struct OneData<'a, D> {
    documents: [&'a D; 1],
    labels: &'a serde_json::Value,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tagged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

/// Composes `kind` from `extract` and renders its document `id` addressed
/// to `payee`, alone; `None` when there is no such document. `extract`
/// is the payee's part ([`Extract::for_payee`]).
pub fn render_one<K: DocumentKind>(
    kind: &K,
    extract: &Extract,
    payee: &PayeeNumber,
    id: &str,
    tagging: Tagging,
    m: &Making,
) -> Result<Option<OneDocument>, OpError> {
    let ctx = Context { opts: m.opts, texts: m.texts, holidays: m.holidays, source: Source::Memory(extract) };
    let composed = kind.compose(&ctx)?;
    let Some(doc) = composed
        .documents
        .iter()
        .find(|d| d.id() == id && d.to().recipient == RecipientKind::Payee && d.to().id.as_str() == payee.as_str())
    else {
        return Ok(None);
    };
    let labels = kind.labels(m.texts)?;
    let period = kind.period();
    let title = doc.title();
    let ident = format!("ssps-{}-{}-{}", doc.kind(), doc.to().id, doc.id());
    let tagged = tagging != Tagging::Untagged;
    let data = OneData { documents: [doc], labels: &labels, tagged, title: tagged.then(|| title.clone()) };
    let template = kind.kind().template();
    let (pdf, pages) = if tagged {
        let settings = PdfSettings { ident: format!("{ident}-ua"), date: period.date, tagging };
        let rendered = m.renderers.plain.render(template, &data, &settings)?;
        (rendered.pdf, rendered.pages)
    } else {
        // As the runs make their download copies: rendered untagged, then
        // cut into a PDF/A-2b copy.
        let renderer = m.renderers.serving(&composed.assets)?;
        let settings = PdfSettings { ident: format!("{}-{}", period.ident, doc.id()), date: period.date, tagging };
        let rendered = renderer.render(template, &data, &settings)?;
        let cut = |source| OpError::Cut { chunk: "on demand".to_string(), source };
        let chunk = PdfChunk::parse(&rendered.pdf).map_err(cut)?;
        let copy =
            chunk.extract_with(0..chunk.page_count(), &ident, Some(&title), Some(&super::workers::archival(period.date))).map_err(cut)?;
        (copy, rendered.pages)
    };
    if pages != doc.page_count() {
        return Err(OpError::Unbalanced(format!(
            "{} {}: the template made {pages} pages, the document needs {}",
            doc.kind(),
            doc.id(),
            doc.page_count()
        )));
    }
    Ok(Some(OneDocument { pdf, pages, amount: doc.amount(), kind: doc.kind(), id: doc.id().to_string(), title }))
}

/// Options for making documents in memory: `assets`, and no folders (a
/// run's own; nothing is read from or written to them).
pub fn options(assets: &crate::assets::Assets) -> RunOptions {
    RunOptions { data: PathBuf::new(), out: PathBuf::new(), assets: assets.clone(), ..RunOptions::default() }
}
