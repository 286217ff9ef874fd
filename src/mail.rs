//! Mail production, the planning half of the print channel: documents →
//! envelopes → print batches, decided before anything is rendered.
//!
//! Every document kind that goes out on paper passes through here:
//!
//! 1. **Householding**: the documents of one run for the same recipient at
//!    the same mailing address share one envelope, in a stable order
//!    (document id). The first document's first page carries the address in
//!    the #10 double-window position.
//! 2. **Sheets**: duplex by default; every document starts on a new sheet
//!    (a blank back is added after a document with an odd page count), so
//!    every envelope does too. An envelope of more sheets than a #10 holds
//!    ([`SheetConfig::max_per_envelope`]) goes to a flats batch.
//! 3. **Presort**: envelopes in ZIP order (5 digits, then ZIP+4), counted
//!    by 3-digit ZIP prefix so the mailroom can tray them. (CASS and NCOA
//!    certification are the mail vendor's: this sorts, groups and counts.)
//! 4. **Batches**: envelopes go, in order and never split, into batch files
//!    of at most [`SheetConfig::batch_max`] sheets (`batch-0001.pdf` …,
//!    `flats-0001.pdf` …).
//! 5. **Barcodes and marks**: each envelope gets a USPS Intelligent Mail
//!    barcode ([`crate::imb`]) with a serial number unique within the run and
//!    stable on rerun; with OMR enabled, every sheet's front carries inserter
//!    marks. Both are drawn by the print writer as vector overlays
//!    ([`overlay`]), so the rendered documents (and their download copies)
//!    stay free of them.
//!
//! Addresses that cannot be mailed were found by validation; their
//! documents never reach this module (their channel is `unmailable`).
//! Settings come from a TOML file (`data/mail.toml` is the default).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::imb::{self, Bar, Bars, Imb};
use crate::model::{Address, Month};

/// Mail production settings (`data/mail.toml` is the bundled default).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The Intelligent Mail barcode's fixed fields and serial scheme.
    pub imb: ImbConfig,
    /// Sheets, envelopes and batches.
    pub sheets: SheetConfig,
    /// Where the barcode goes on the first page.
    pub window: WindowConfig,
    /// Inserter marks.
    pub omr: OmrConfig,
}

/// The barcode fields that do not change between envelopes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImbConfig {
    /// Barcode ID, two digits (`00`: no optional endorsement line).
    pub barcode_id: String,
    /// Service type ID, three digits, from USPS's STID table.
    pub service_type: String,
    /// The mailer ID USPS assigned: 6 digits (0–8 first) or 9 (9 first).
    pub mailer_id: String,
    /// How serial numbers are made: `month-sequence` (the run month's last
    /// year digit and month, the document kind's digit, then the envelope
    /// sequence) or `sequence` (`serial_start` + envelope sequence − 1).
    pub serial: SerialScheme,
    /// First serial of the `sequence` scheme.
    pub serial_start: u64,
}

/// How envelope serial numbers are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SerialScheme {
    /// `YMM` of the run's month, the document kind, then the sequence.
    MonthSequence,
    /// A configured start plus the envelope sequence.
    Sequence,
}

/// Sheets, envelopes and batch files.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SheetConfig {
    /// Print on both sides.
    pub duplex: bool,
    /// Most sheets a #10 envelope takes; more go to a flats batch.
    pub max_per_envelope: usize,
    /// Most sheets in one batch file.
    pub batch_max: usize,
}

/// Where the barcode is drawn (inches from the page's top-left corner).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// Left edge of the first bar.
    pub imb_left_in: f64,
    /// Top of the full bars.
    pub imb_top_in: f64,
}

/// Optical marks for an inserter: a track of dashes down the left margin of
/// every sheet's front. Marks, top to bottom: benchmark (always), end of
/// collation (on an envelope's last sheet), three sheet-sequence bits (the
/// sheet's number in its batch file modulo 8, least significant first),
/// parity (makes the number of marks even), safety (always).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OmrConfig {
    /// Draw the marks.
    pub enabled: bool,
    /// Left edge of the dashes, inches from the page's left edge.
    pub left_in: f64,
    /// Centre of the first (benchmark) mark, inches from the page's top.
    pub top_in: f64,
    /// Distance between mark centres, inches.
    pub pitch_in: f64,
    /// Dash length, inches.
    pub length_in: f64,
    /// Dash thickness, points.
    pub weight_pt: f64,
}

/// Why mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// The TOML does not parse or has unknown keys.
    #[error("mail settings {file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// A value breaks a rule.
    #[error("mail settings {file}: {key}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The key.
        key: &'static str,
        /// The rule.
        message: String,
    },
}

/// The bundled default settings.
pub const DEFAULT_CONFIG: &str = include_str!("../data/mail.toml");

impl MailConfig {
    /// Parses and checks settings; `file` names them in errors.
    pub fn parse(text: &str, file: &str) -> Result<MailConfig, MailConfigError> {
        let config: MailConfig =
            toml::from_str(text).map_err(|e| MailConfigError::Parse { file: file.to_string(), message: e.message().to_string() })?;
        let invalid = |key, message: String| MailConfigError::Invalid { file: file.to_string(), key, message };
        let probe = Imb {
            barcode_id: config.imb.barcode_id.clone(),
            service_type: config.imb.service_type.clone(),
            mailer_id: config.imb.mailer_id.clone(),
            serial: "0".repeat(15usize.saturating_sub(config.imb.mailer_id.len())),
            routing: String::new(),
        };
        probe.validate().map_err(|e| invalid("imb", e.to_string()))?;
        for (key, value, limit) in [
            ("window.imb_left_in", config.window.imb_left_in, 8.5 - imb::size::LENGTH / 72.0),
            ("window.imb_top_in", config.window.imb_top_in, 11.0 - imb::size::FULL / 72.0),
            ("omr.left_in", config.omr.left_in, 8.5 - config.omr.length_in.max(0.0)),
            ("omr.top_in", config.omr.top_in, 11.0 - 6.0 * config.omr.pitch_in.max(0.0)),
        ] {
            if !(value.is_finite() && (0.0..=limit).contains(&value)) {
                return Err(invalid(key, format!("must be a position on the page, from 0 to {limit:.3} inches; got {value}")));
            }
        }
        for (key, value) in
            [("omr.pitch_in", config.omr.pitch_in), ("omr.length_in", config.omr.length_in), ("omr.weight_pt", config.omr.weight_pt)]
        {
            if !(value.is_finite() && value > 0.0 && value < 72.0) {
                return Err(invalid(key, format!("must be a positive size; got {value}")));
            }
        }
        if config.sheets.max_per_envelope == 0 {
            return Err(invalid("sheets.max_per_envelope", "must be at least 1".into()));
        }
        if config.sheets.batch_max < config.sheets.max_per_envelope {
            return Err(invalid(
                "sheets.batch_max",
                format!("must be at least sheets.max_per_envelope ({})", config.sheets.max_per_envelope),
            ));
        }
        Ok(config)
    }

    /// The bundled default.
    pub fn default_config() -> MailConfig {
        // The bundled file is tested; it always parses.
        MailConfig::parse(DEFAULT_CONFIG, "data/mail.toml").unwrap_or_else(|e| unreachable!("bundled mail settings: {e}"))
    }

    fn serial_len(&self) -> usize {
        15 - self.imb.mailer_id.len()
    }

    /// The serial number of envelope `seq` (1-based) of a run of document
    /// `kind` for `month`.
    pub fn serial(&self, month: Month, kind: crate::kind::Kind, seq: usize) -> Result<String, PlanError> {
        let len = self.serial_len();
        let (prefix, number) = match self.imb.serial {
            SerialScheme::MonthSequence => {
                let d = month.first_day();
                (format!("{}{:02}{}", d.year() % 10, d.month(), kind.mail_digit()), seq as u64)
            }
            SerialScheme::Sequence => (String::new(), self.imb.serial_start + seq as u64 - 1),
        };
        let width = len.saturating_sub(prefix.len());
        let digits = number.to_string();
        if digits.len() > width {
            return Err(PlanError::SerialsExhausted { envelopes: seq, digits: width });
        }
        Ok(format!("{prefix}{digits:0>width$}"))
    }
}

/// Why a mailing cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// More envelopes than the serial scheme has numbers for.
    #[error("envelope {envelopes} needs a serial number of more than {digits} digits; use a 6-digit mailer ID or the sequence scheme")]
    SerialsExhausted {
        /// The envelope that ran out.
        envelopes: usize,
        /// Digits the scheme has for the sequence.
        digits: usize,
    },
    /// The barcode could not be made.
    #[error("envelope {envelope}: {source}")]
    Barcode {
        /// The envelope.
        envelope: usize,
        /// The cause.
        #[source]
        source: imb::ImbError,
    },
}

/// One document that goes on paper.
#[derive(Debug, Clone)]
pub struct Piece<'a> {
    /// Who the document is for (the payee number for invoices): documents
    /// of different owners never share an envelope, whatever their names.
    pub owner: &'a str,
    /// Document id (unique for its owner).
    pub document: &'a str,
    /// The addressee, as printed in the window.
    pub recipient: &'a str,
    /// The mailing address (already checked as mailable).
    pub address: &'a Address,
    /// Pages of the document.
    pub pages: usize,
}

/// Which kind of batch file an envelope goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// #10 window envelopes.
    Letters,
    /// Flat envelopes (too many sheets for a #10).
    Flats,
}

impl Stream {
    fn file_stem(self) -> &'static str {
        match self {
            Stream::Letters => "batch",
            Stream::Flats => "flats",
        }
    }
}

/// One document's place in the print job.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Index into the pieces given to [`plan`].
    pub piece: usize,
    /// Pages of the document.
    pub pages: usize,
    /// Blank backs after it.
    pub blanks: usize,
}

/// One envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Sequence in the job, 1-based, in presort order.
    pub seq: usize,
    /// The documents, in order.
    pub documents: Vec<Placed>,
    /// Pages, blank backs included.
    pub pages: usize,
    /// Sheets of paper.
    pub sheets: usize,
    /// Letters or flats.
    pub stream: Stream,
    /// Batch file name, e.g. `batch-0001.pdf`.
    pub file: String,
    /// First page in that file, 1-based.
    pub first_page: usize,
    /// First sheet in that file, 1-based.
    pub first_sheet: usize,
    /// Whose documents these are (see [`Piece::owner`]).
    pub owner: String,
    /// The addressee.
    pub recipient: String,
    /// ZIP as given (`NNNNN` or `NNNNN-NNNN`), of the address in the window.
    pub zip: String,
    /// The barcode's fields.
    pub imb: Imb,
    /// The barcode's bars.
    pub bars: Bars,
}

/// One batch file.
#[derive(Debug, Clone, Serialize)]
pub struct BatchFile {
    /// File name under `print/`.
    pub file: String,
    /// Letters or flats.
    pub stream: Stream,
    /// Envelopes in it.
    pub envelopes: usize,
    /// Documents in it.
    pub documents: usize,
    /// Pages, blank backs included.
    pub pages: usize,
    /// Blank backs.
    pub blank_pages: usize,
    /// Sheets.
    pub sheets: usize,
}

/// Envelopes per 3-digit ZIP prefix, for traying.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ZipGroup {
    /// Envelopes (letters and flats).
    pub envelopes: usize,
    /// Of which flats.
    pub flats: usize,
    /// Sheets.
    pub sheets: usize,
}

/// The whole print job, planned.
#[derive(Debug, Clone)]
pub struct MailPlan {
    /// Envelopes in presort order.
    pub envelopes: Vec<Envelope>,
    /// Batch files in order of their first envelope.
    pub files: Vec<BatchFile>,
    /// Counts per 3-digit ZIP prefix.
    pub groups: BTreeMap<String, ZipGroup>,
}

/// The householding key: the same owner at the same address, compared
/// without regard to case or spacing.
type HouseholdKey = (String, String, String, String, String, String, String);

fn household_key(p: &Piece) -> HouseholdKey {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    let a = p.address;
    (
        p.owner.to_string(),
        norm(p.recipient),
        norm(&a.line1),
        norm(a.line2.as_deref().unwrap_or("")),
        norm(&a.city),
        a.state.clone(),
        a.zip.clone(),
    )
}

/// Plans envelopes and batch files for `pieces`, documents of `kind` for
/// `month`.
pub fn plan(pieces: &[Piece], config: &MailConfig, month: Month, kind: crate::kind::Kind) -> Result<MailPlan, PlanError> {
    // Householding: group by key, documents in id order.
    let mut households: BTreeMap<HouseholdKey, Vec<usize>> = BTreeMap::new();
    for (i, p) in pieces.iter().enumerate() {
        households.entry(household_key(p)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = households.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| pieces[a].document.cmp(pieces[b].document));
    }
    // Presort: ZIP (5 digits, then +4), then owner and first document for a
    // stable order. Every document of a household has the same address.
    let zip_of = |g: &[usize]| -> String { pieces[g[0]].address.zip.clone() };
    groups.sort_by_cached_key(|g| {
        let zip = zip_of(g);
        let (five, four) = (zip[..zip.len().min(5)].to_string(), zip.get(6..).unwrap_or("").to_string());
        (five, four, pieces[g[0]].owner.to_string(), pieces[g[0]].document.to_string())
    });

    let duplex = config.sheets.duplex;
    let mut envelopes = Vec::with_capacity(groups.len());
    let mut files: Vec<BatchFile> = Vec::new();
    let mut open: BTreeMap<Stream, usize> = BTreeMap::new(); // stream -> index into files
    let mut counters: BTreeMap<Stream, usize> = BTreeMap::new();
    let mut zip_groups: BTreeMap<String, ZipGroup> = BTreeMap::new();
    for (k, g) in groups.iter().enumerate() {
        let seq = k + 1;
        let documents: Vec<Placed> = g
            .iter()
            .map(|&i| {
                let pages = pieces[i].pages;
                Placed { piece: i, pages, blanks: usize::from(duplex && pages % 2 == 1) }
            })
            .collect();
        let pages: usize = documents.iter().map(|d| d.pages + d.blanks).sum();
        let sheets = if duplex { pages / 2 } else { pages };
        let stream = if sheets > config.sheets.max_per_envelope { Stream::Flats } else { Stream::Letters };

        // The batch file: the stream's open one, or a new one when full (a
        // flats envelope larger than the limit gets a file of its own).
        let fits = open.get(&stream).is_some_and(|&f| files[f].sheets + sheets <= config.sheets.batch_max);
        if !fits {
            let n = counters.entry(stream).or_default();
            *n += 1;
            files.push(BatchFile {
                file: format!("{}-{:04}.pdf", stream.file_stem(), n),
                stream,
                envelopes: 0,
                documents: 0,
                pages: 0,
                blank_pages: 0,
                sheets: 0,
            });
            open.insert(stream, files.len() - 1);
        }
        let f = &mut files[open[&stream]];
        let (first_page, first_sheet) = (f.pages + 1, f.sheets + 1);
        f.envelopes += 1;
        f.documents += documents.len();
        f.pages += pages;
        f.blank_pages += documents.iter().map(|d| d.blanks).sum::<usize>();
        f.sheets += sheets;

        let first = &pieces[g[0]];
        let zip = zip_of(g);
        let imb = Imb {
            barcode_id: config.imb.barcode_id.clone(),
            service_type: config.imb.service_type.clone(),
            mailer_id: config.imb.mailer_id.clone(),
            serial: config.serial(month, kind, seq)?,
            routing: zip.replace('-', ""),
        };
        let bars = imb.bars().map_err(|source| PlanError::Barcode { envelope: seq, source })?;
        let zg = zip_groups.entry(zip[..zip.len().min(3)].to_string()).or_default();
        zg.envelopes += 1;
        zg.flats += usize::from(stream == Stream::Flats);
        zg.sheets += sheets;
        envelopes.push(Envelope {
            seq,
            documents,
            pages,
            sheets,
            stream,
            file: f.file.clone(),
            first_page,
            first_sheet,
            owner: first.owner.to_string(),
            recipient: first.recipient.to_string(),
            zip,
            imb,
            bars,
        });
    }
    Ok(MailPlan { envelopes, files, groups: zip_groups })
}

/// Page size of the print files: US Letter, in points.
pub const PAGE: (f32, f32) = (612.0, 792.0);

/// PDF content operators drawing an envelope's barcode: 65 vector bars at
/// USPS-B-3200's nominal sizes, filled black, its top-left corner at
/// `(left, top)` inches from the page's top-left corner.
pub fn barcode_ops(bars: &Bars, left_in: f64, top_in: f64) -> String {
    let mut ops = String::with_capacity(65 * 24);
    ops.push_str("0 g\n");
    let top = f64::from(PAGE.1) - top_in * 72.0;
    let full = imb::size::FULL;
    let tracker = imb::size::TRACKER;
    let (tracker_top, tracker_bottom) = (top - (full - tracker) / 2.0, top - (full + tracker) / 2.0);
    for (i, bar) in bars.0.iter().enumerate() {
        let x = left_in * 72.0 + i as f64 * imb::size::PITCH;
        let (y_top, y_bottom) = match bar {
            Bar::Full => (top, top - full),
            Bar::Ascender => (top, tracker_bottom),
            Bar::Descender => (tracker_top, top - full),
            Bar::Tracker => (tracker_top, tracker_bottom),
        };
        let _ = writeln!(ops, "{:.3} {:.3} {:.3} {:.3} re", x, y_bottom, imb::size::BAR_WIDTH, y_top - y_bottom);
    }
    ops.push_str("f\n");
    ops
}

/// The OMR marks of one sheet, top to bottom: whether each of the seven
/// positions is marked (see [`OmrConfig`]).
pub fn omr_marks(sheet_in_file: usize, last_of_envelope: bool) -> [bool; 7] {
    let s = sheet_in_file % 8;
    let mut marks = [true, last_of_envelope, s & 1 == 1, s & 2 == 2, s & 4 == 4, false, true];
    let count = marks.iter().filter(|&&m| m).count();
    marks[5] = count % 2 == 1;
    marks
}

/// PDF content operators drawing one sheet's OMR marks.
pub fn omr_ops(config: &OmrConfig, marks: &[bool; 7]) -> String {
    let mut ops = String::from("0 g\n");
    let h = config.weight_pt;
    for (i, _) in marks.iter().enumerate().filter(|(_, &m)| m) {
        let centre = f64::from(PAGE.1) - (config.top_in + i as f64 * config.pitch_in) * 72.0;
        let _ = writeln!(ops, "{:.3} {:.3} {:.3} {:.3} re", config.left_in * 72.0, centre - h / 2.0, config.length_in * 72.0, h);
    }
    ops.push_str("f\n");
    ops
}

/// What the print writer draws over each page of an envelope, page by page
/// (blank backs included): the barcode on the first page, OMR marks on
/// every sheet's front.
pub fn envelope_overlays(env: &Envelope, config: &MailConfig) -> Vec<Option<String>> {
    let mut out = vec![None; env.pages];
    let per_sheet = if config.sheets.duplex { 2 } else { 1 };
    for (page, slot) in out.iter_mut().enumerate() {
        let mut ops = String::new();
        if page == 0 {
            ops.push_str(&barcode_ops(&env.bars, config.window.imb_left_in, config.window.imb_top_in));
        }
        if config.omr.enabled && page % per_sheet == 0 {
            let sheet = page / per_sheet;
            let marks = omr_marks(env.first_sheet + sheet, sheet + 1 == env.sheets);
            ops.push_str(&omr_ops(&config.omr, &marks));
        }
        if !ops.is_empty() {
            *slot = Some(ops);
        }
    }
    out
}

#[cfg(test)]
mod tests;
