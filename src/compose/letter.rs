//! The ACES State Supplemental Payment letters (seed 001, "Letters"): what
//! each case action in `ssp_events.csv` tells the client.
//!
//! - `open`, `reopen` → 002-30 Approval for State SSI Supplemental Payment,
//!   with the DSHS 14-432 EFT / Direct Deposit Enrollment Form when the
//!   client has no EFT account, the EFT consent form when one is known;
//! - `close` → 006-01 Termination of AU, with the reason code's text (599:
//!   the worker's own words);
//! - `amount_change` → 008-01 Change in Cash / Food Assistance, old and new
//!   amount, with the enrollment form when the client is not on EFT;
//! - `ssi_termination` → 006-01 and 022-05 Redetermination for Medical at
//!   SSI Termination.
//!
//! Every letter has the client's name and address for the window, case
//! and AU numbers, the letter date, the worker, the rules it rests on, and
//! on its second page the hearing rights (with continued benefits when it
//! ends or lowers a payment). Enclosures follow as pages of their own, so a
//! letter's page count is known here: 2 + its enclosures.
//!
//! The words come from the catalog ([`crate::texts::aces`]); values are
//! filled in as plain text. Amounts print exactly as given (a MIL payment
//! of $0.54 prints as 0.54).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{address_lines, money, Addressee, DocMeta, Document};
use crate::calendar::Holidays;
use crate::model::{Eft, EventId, Extract, SspEvent, SspEventKind};
use crate::problem::Problem;
use crate::texts::aces::{Adverse, Catalog, NO_REASON};
use crate::texts::{fill, Texts};

/// Days of advance notice a termination or reduction needs
/// (WAC 388-458-0025(3), 388-458-0030(3)).
pub const ADVANCE_NOTICE_DAYS: i64 = 10;

/// Days a client has to ask for a hearing (RCW 74.08.080).
pub const HEARING_DAYS: i64 = 90;

/// Longest worker text a letter has room for (checked in validation).
pub const WORKER_TEXT_MAX: usize = 1200;

/// Longest word of a worker text (checked in validation): longer ones
/// would run past the right margin, since letters are not hyphenated.
pub const WORKER_WORD_MAX: usize = 60;

/// An enclosure: a page of its own after the letter.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Enclosure {
    /// DSHS 14-432 EFT / Direct Deposit Enrollment Form.
    EftEnrollment,
    /// EFT consent form (the account is known from Social Security).
    EftConsent,
}

/// One letter, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    /// Document id: `<letter>-<event>`, e.g. `006-01-E9005`.
    pub id: crate::model::DocumentId,
    /// Letter number: `002-30`, `006-01`, `008-01`, `022-05`.
    pub number: &'static str,
    /// The event it tells of.
    pub event_id: String,
    /// `en` or `es`.
    pub language: &'static str,
    /// The letter's title in its language.
    pub title: String,
    /// Letter date in words.
    pub date: String,
    /// Name and address for the window.
    pub address: Vec<String>,
    /// The client's case number.
    pub case_number: String,
    /// The SP assistance unit number.
    pub au_number: String,
    /// The client ID.
    pub client_id: String,
    /// The worker's name, phone and office.
    pub worker: String,
    /// Phone.
    pub worker_phone: String,
    /// Office (may be empty).
    pub office: String,
    /// The letter's paragraphs, filled.
    pub paragraphs: Vec<String>,
    /// The worker's added text, when the reason is not already the worker's words.
    pub worker_note: Option<String>,
    /// WAC and RCW sections.
    pub rules: Vec<String>,
    /// The hearing rights paragraphs, filled.
    pub rights: Vec<String>,
    /// Enclosures, each a page after the rights page.
    pub enclosures: Vec<Enclosure>,
    /// Not printed: who it goes to, the monthly amount it states (read
    /// back from the printed text).
    #[serde(skip)]
    pub meta: DocMeta,
    /// Not printed: a termination or reduction.
    #[serde(skip)]
    pub adverse: bool,
    /// Not printed: the event's effective date.
    #[serde(skip)]
    pub effective: NaiveDate,
    /// Not printed: the reason needs no advance notice (a change for
    /// everyone by law).
    #[serde(skip)]
    pub notice_exempt: bool,
}

impl Document for Letter {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Letter
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        2 + self.enclosures.len()
    }

    fn title(&self) -> String {
        format!("ACES letter {} for case {}, AU {}", self.number, self.case_number, self.au_number)
    }
}

/// The letters an event sends.
pub fn letters_for(kind: SspEventKind) -> &'static [&'static str] {
    match kind {
        SspEventKind::Open | SspEventKind::Reopen => &["002-30"],
        SspEventKind::Close => &["006-01"],
        SspEventKind::AmountChange => &["008-01"],
        SspEventKind::SsiTermination => &["006-01", "022-05"],
    }
}

/// The enclosures of a letter for a client's EFT status (seed 001,
/// "Letters" and "Issuance").
pub fn enclosures_for(number: &str, eft: Eft) -> Vec<Enclosure> {
    match (number, eft) {
        ("002-30", Eft::None) | ("008-01", Eft::None) => vec![Enclosure::EftEnrollment],
        ("002-30", Eft::Registered) => vec![Enclosure::EftConsent],
        _ => vec![],
    }
}

/// A termination or reduction whose effective date leaves less than the
/// advance notice the rules require after the letter date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShortNotice {
    /// The event.
    pub event_id: String,
    /// The letter.
    pub letter: &'static str,
    /// The client.
    pub client_id: String,
    /// Effective date.
    pub effective_date: NaiveDate,
    /// Days from the letter date to the effective date.
    pub days: i64,
}

/// The advance notice check of a letters run (`summary.json`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AdvanceNotice {
    /// The rule applied.
    pub rule: &'static str,
    /// Terminations and reductions checked.
    pub adverse_letters: usize,
    /// Those needing no advance notice (a change for everyone by law, WAC 388-458-0025(3)(b)).
    pub exempt: usize,
    /// Those effective less than ten days after the letter date.
    pub short: Vec<ShortNotice>,
}

/// What composing a run's letters gave.
#[derive(Debug, Default)]
pub struct Composed {
    /// The letters, by client then event then letter number.
    pub letters: Vec<Letter>,
    /// Events that cannot have a letter, with why (their rows are rejected).
    pub refused: Vec<(EventId, Problem)>,
}

/// Composes every event's letters, dated `date`.
pub fn letters(x: &Extract, catalog: &Catalog, texts: &Texts, holidays: &Holidays, date: NaiveDate) -> Composed {
    let mut out = Composed::default();
    for e in x.ssp_events.values() {
        match event_letters(x, catalog, texts, holidays, date, e) {
            Ok(mut v) => out.letters.append(&mut v),
            Err(p) => out.refused.push((e.event_id.clone(), *p)),
        }
    }
    out.letters.sort_by(|a, b| (&a.meta.to.id, &a.event_id, a.number).cmp(&(&b.meta.to.id, &b.event_id, b.number)));
    out
}

/// The reason code an event's termination or change gives, if any.
fn reason_code<'a>(e: &'a SspEvent, catalog: &'a Catalog) -> Option<&'a str> {
    match (e.reason_code.as_deref(), e.event) {
        (Some(code), _) => Some(code),
        (None, SspEventKind::SsiTermination) => Some(catalog.ssi_termination_reason()),
        _ => None,
    }
}

/// The catalog's reason for an event's letter: `None` when the event has
/// no reason code (an approval, a change without one); an error naming the
/// column when the code has no text, or its text is the worker's and the
/// event has none.
fn reason_for<'a>(e: &SspEvent, catalog: &'a Catalog) -> Result<Option<&'a crate::texts::aces::Reason>, Box<Problem>> {
    let Some(code) = reason_code(e, catalog) else { return Ok(None) };
    let r = catalog.reason(code).ok_or_else(|| {
        let known: Vec<&str> = catalog.reason_codes().collect();
        refuse(
            e,
            "reason_code",
            Some(code),
            format!(
                "reason code {code} has no text in letters/aces.toml, so the letter cannot say why (codes with text: {})",
                known.join(", ")
            ),
        )
    })?;
    if r.needs_worker_text() && e.worker_text.is_none() {
        return Err(refuse(e, "worker_text", None, format!("reason {code} prints the worker's text, and there is none")));
    }
    Ok(Some(r))
}

/// The events whose letters the catalog cannot write, with why (`ssps
/// check` lists them; `ssps letters` rejects them).
pub fn unexplained(x: &Extract, catalog: &Catalog) -> Vec<(EventId, Problem)> {
    x.ssp_events.values().filter_map(|e| reason_for(e, catalog).err().map(|p| (e.event_id.clone(), *p))).collect()
}

/// An event's problem: the event's line, a column, the value, the rule.
fn refuse(e: &SspEvent, column: &str, value: Option<&str>, rule: String) -> Box<Problem> {
    Box::new(
        Problem::error(e.origin.file, Some(e.origin.line), Some(column), value, rule).for_record(Some(format!("event {}", e.event_id))),
    )
}

fn event_letters(
    x: &Extract,
    catalog: &Catalog,
    texts: &Texts,
    holidays: &Holidays,
    date: NaiveDate,
    e: &SspEvent,
) -> Result<Vec<Letter>, Box<Problem>> {
    // Validation has made sure the client and worker exist and the client has an address.
    let client = x.clients.get(&e.client_id).ok_or_else(|| refuse(e, "client_id", Some(e.client_id.as_str()), "no such client".into()))?;
    let address =
        client.address.as_ref().ok_or_else(|| refuse(e, "client_id", Some(e.client_id.as_str()), "the client has no address".into()))?;
    let worker = x.workers.get(&e.worker_id).ok_or_else(|| refuse(e, "worker_id", Some(e.worker_id.as_str()), "no such worker".into()))?;
    let lang = client.language;
    let code = reason_code(e, catalog);
    let reason = reason_for(e, catalog)?;
    // The worker's text is one paragraph: its line breaks and runs of
    // spaces become single spaces, so its height is what validation allowed.
    let worker_text: Option<String> = e.worker_text.as_deref().map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
    let reason_words = {
        let r = reason.or_else(|| catalog.reason(NO_REASON));
        let worker_text = BTreeMap::from([("worker_text", worker_text.clone().unwrap_or_default())]);
        r.map(|r| fill(r.text(lang), &worker_text).unwrap_or_default()).unwrap_or_default()
    };
    let worker_note = worker_text.filter(|_| !reason.is_some_and(|r| r.needs_worker_text()));
    let money_of = |d: Option<Decimal>| d.map(money).unwrap_or_default();
    let values: BTreeMap<&str, String> = BTreeMap::from([
        ("name", client.full_name()),
        ("program", catalog.program(e.program_type.code(), lang).to_string()),
        ("amount", money_of(e.amount)),
        ("previous_amount", money_of(e.previous_amount)),
        ("effective_date", texts.date(lang, e.effective_date)),
        ("reason", reason_words),
        ("reason_code", code.unwrap_or_default().to_string()),
        ("hearing_deadline", texts.date(lang, hearing_deadline(holidays, date))),
        ("continued_deadline", texts.date(lang, continued_benefits_deadline(holidays, date))),
    ]);
    let filled = |list: &[String]| -> Vec<String> { list.iter().map(|t| fill(t, &values).unwrap_or_else(|_| t.clone())).collect() };
    let mut out = Vec::new();
    for &number in letters_for(e.event) {
        let Some(text) = catalog.letter(number) else { continue };
        let adverse = is_adverse(text.adverse, e);
        let mut paragraphs = filled(text.body.get(lang));
        let eft_text = match e.eft {
            Eft::None => text.eft_none.as_ref(),
            Eft::Registered => text.eft_registered.as_ref(),
        };
        if let Some(extra) = eft_text {
            // The EFT paragraphs go before the body's closing paragraph ("if you think
            // this is wrong…", "tell your worker…").
            let at = paragraphs.len().saturating_sub(1);
            for (k, p) in filled(extra.get(lang)).into_iter().enumerate() {
                paragraphs.insert(at + k, p);
            }
        }
        let mut name = vec![client.full_name()];
        name.extend(address_lines(address));
        out.push(Letter {
            id: crate::model::DocumentId::join(&[&number, &e.event_id]),
            number,
            event_id: e.event_id.to_string(),
            language: lang.code(),
            title: fill(text.title.get(lang), &values).unwrap_or_default(),
            date: texts.date(lang, date),
            address: name,
            case_number: client.case_number.to_string(),
            au_number: e.au_number.to_string(),
            client_id: client.client_id.to_string(),
            worker: worker.name.clone(),
            worker_phone: worker.phone.clone(),
            office: worker.office.clone().unwrap_or_default(),
            paragraphs,
            worker_note: worker_note.clone(),
            rules: text.rules.clone(),
            rights: catalog.rights(adverse, lang).into_iter().map(|t| fill(t, &values).unwrap_or_else(|_| t.to_string())).collect(),
            enclosures: enclosures_for(number, e.eft),
            meta: DocMeta {
                to: Addressee::client(client, address),
                // The monthly amount as printed, read back from the text the letter
                // shows, so the run's check compares what the client reads.
                amount: if matches!(number, "002-30" | "008-01") { printed_amount(&values["amount"]) } else { Decimal::ZERO },
                lines: 1,
                references: vec![],
            },
            adverse,
            effective: e.effective_date,
            notice_exempt: reason.is_some_and(|r| r.advance_notice_exempt),
        });
    }
    Ok(out)
}

/// An amount as [`money`] printed it (`1,234.56`), read back; zero when it
/// does not read (the run's amount check then fails).
fn printed_amount(s: &str) -> Decimal {
    s.replace(',', "").parse().unwrap_or(Decimal::ZERO)
}

/// Whether a letter about `e` ends or lowers a payment.
fn is_adverse(rule: Adverse, e: &SspEvent) -> bool {
    match rule {
        Adverse::Always => true,
        Adverse::Never => false,
        Adverse::Reduction => matches!((e.amount, e.previous_amount), (Some(new), Some(old)) if new < old),
    }
}

/// The last day to ask for a hearing: 90 days after the letter
/// (RCW 74.08.080), moved to the next business day when it falls on a
/// weekend or holiday (as WAC 182-526-0035 counts hearing deadlines).
pub fn hearing_deadline(holidays: &Holidays, letter_date: NaiveDate) -> NaiveDate {
    holidays.business_day_on_or_after(letter_date + chrono::Duration::days(HEARING_DAYS))
}

/// The last day to ask for a hearing and keep getting benefits
/// (WAC 388-458-0040): the tenth day after the letter; when that is before
/// the end of its month, the end of the month; moved to the next business
/// day when it falls on a weekend or holiday.
pub fn continued_benefits_deadline(holidays: &Holidays, letter_date: NaiveDate) -> NaiveDate {
    let tenth = letter_date + chrono::Duration::days(ADVANCE_NOTICE_DAYS);
    let end_of_month = crate::model::Month::of(tenth).last_day();
    holidays.business_day_on_or_after(end_of_month)
}

/// Checks each termination and reduction for ten days' advance notice
/// (WAC 388-458-0025(3), 388-458-0030(3)): the letter date to the
/// effective date. A reason code marked exempt in the catalog (a change for
/// everyone by law) needs none.
pub fn advance_notice(letters: &[Letter], date: NaiveDate) -> AdvanceNotice {
    let mut report = AdvanceNotice {
        rule: "a termination or reduction is mailed at least 10 days before it takes effect (WAC 388-458-0025, 388-458-0030)",
        adverse_letters: 0,
        exempt: 0,
        short: vec![],
    };
    for l in letters.iter().filter(|l| l.adverse) {
        report.adverse_letters += 1;
        if l.notice_exempt {
            report.exempt += 1;
            continue;
        }
        let days = (l.effective - date).num_days();
        if days < ADVANCE_NOTICE_DAYS {
            report.short.push(ShortNotice {
                event_id: l.event_id.clone(),
                letter: l.number,
                client_id: l.client_id.clone(),
                effective_date: l.effective,
                days,
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn october() -> Extract {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026");
        crate::ops::read_extract(&dir).expect("the bundled extract reads").extract
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn compose(x: &Extract, date: &str) -> Composed {
        letters(x, &Catalog::bundled(), &Texts::bundled(), &Holidays::washington(), d(date))
    }

    #[test]
    fn each_event_gives_its_letters_and_enclosures() {
        let x = october();
        let c = compose(&x, "2026-10-20");
        assert!(c.refused.is_empty(), "{:?}", c.refused);
        let got: Vec<(&str, &str, Vec<Enclosure>, usize)> =
            c.letters.iter().map(|l| (l.event_id.as_str(), l.number, l.enclosures.clone(), l.page_count())).collect();
        use Enclosure::*;
        assert_eq!(
            got,
            [
                ("E9001", "002-30", vec![EftEnrollment], 3),
                ("E9002", "002-30", vec![EftConsent], 3),
                ("E9003", "002-30", vec![EftEnrollment], 3),
                ("E9004", "008-01", vec![EftEnrollment], 3),
                ("E9005", "006-01", vec![], 2),
                ("E9006", "006-01", vec![], 2),
                ("E9006", "022-05", vec![], 2),
                ("E9007", "006-01", vec![], 2),
            ]
        );
    }

    #[test]
    fn texts_are_filled_in_the_clients_language() {
        let x = october();
        let c = compose(&x, "2026-10-20");
        let maria = c.letters.iter().find(|l| l.event_id == "E9002").unwrap();
        assert_eq!(maria.language, "es");
        assert_eq!(maria.title, "Aprobación del Pago Suplementario Estatal de SSI");
        assert_eq!(maria.date, "20 de octubre de 2026");
        assert!(maria.paragraphs[1].contains("Su SSP es de $46.00 al mes, a partir del 1 de octubre de 2026"), "{:?}", maria.paragraphs);
        assert!(maria.paragraphs[1].contains("B (persona ciega)"));
        assert_eq!(maria.address, ["María Alvarez", "1520 W Nob Hill Blvd", "Unit 12", "Yakima WA  98902-4718"]);
        // MIL amounts print exactly: 0.00 → 0.54.
        let ruth = c.letters.iter().find(|l| l.event_id == "E9004").unwrap();
        assert!(ruth.paragraphs[1].contains("changes from $0.00 to $0.54, starting November 1, 2026"), "{:?}", ruth.paragraphs);
        assert!(ruth.paragraphs[2].contains("rate for all SSI recipients has changed"));
        assert!(!ruth.adverse, "an increase is not adverse");
        // 599: the worker's words are the reason.
        let linda = c.letters.iter().find(|l| l.event_id == "E9007").unwrap();
        assert_eq!(
            linda.paragraphs[2],
            "Why: Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012. (reason code 599)"
        );
        assert_eq!(linda.worker_note, None);
        // An SSI termination's 006-01 gives its reason code, 109.
        let samuel = c.letters.iter().find(|l| l.id == "006-01-E9006").unwrap();
        assert!(samuel.paragraphs[2].contains("because you do not get a federal SSI payment. (reason code 109)"));
        assert!(samuel.adverse);
        assert_eq!(samuel.rights.len(), 4);
        assert!(samuel.rights[3].contains("by November 2, 2026"), "{}", samuel.rights[3]); // Oct 31 is a Saturday
                                                                                           // 90 days after October 20 is January 18, 2027, Martin Luther King Jr. Day.
        assert!(samuel.rights[0].contains("ask by January 19, 2027"), "{}", samuel.rights[0]);
    }

    #[test]
    fn continued_benefits_deadline_follows_wac_388_458_0040() {
        let h = Holidays::washington();
        // Tenth day Oct 30, before the month's end: Oct 31, a Saturday → Monday Nov 2.
        assert_eq!(continued_benefits_deadline(&h, d("2026-10-20")), d("2026-11-02"));
        // Tenth day Nov 30 is the month's end and a Monday.
        assert_eq!(continued_benefits_deadline(&h, d("2026-11-20")), d("2026-11-30"));
        // Tenth day Dec 1 → Dec 31, a Thursday.
        assert_eq!(continued_benefits_deadline(&h, d("2026-11-21")), d("2026-12-31"));
    }

    #[test]
    fn the_hearing_deadline_is_ninety_days_on_a_business_day() {
        let h = Holidays::washington();
        assert_eq!(hearing_deadline(&h, d("2026-10-20")), d("2027-01-19")); // Jan 18: MLK Day
        assert_eq!(hearing_deadline(&h, d("2026-10-21")), d("2027-01-19")); // a Tuesday
        assert_eq!(hearing_deadline(&h, d("2026-10-23")), d("2027-01-21")); // a Thursday
        assert_eq!(hearing_deadline(&h, d("2026-10-25")), d("2027-01-25")); // Jan 23 is a Saturday
    }

    #[test]
    fn short_advance_notice_is_flagged_and_341_is_exempt() {
        let x = october();
        // Letters dated Oct 22: effective Nov 1 is 10 days away, enough.
        let c = compose(&x, "2026-10-22");
        let r = advance_notice(&c.letters, d("2026-10-22"));
        assert_eq!((r.adverse_letters, r.exempt, r.short.len()), (3, 0, 0));
        // Oct 23: 9 days; every termination is short.
        let c = compose(&x, "2026-10-23");
        let r = advance_notice(&c.letters, d("2026-10-23"));
        let short: Vec<(&str, &str, i64)> = r.short.iter().map(|s| (s.event_id.as_str(), s.letter, s.days)).collect();
        assert_eq!(short, [("E9005", "006-01", 9), ("E9006", "006-01", 9), ("E9007", "006-01", 9)]);
    }

    #[test]
    fn a_reduction_by_341_needs_no_advance_notice() {
        let mut x = october();
        let e = x.ssp_events.values_mut().find(|e| e.event_id.as_str() == "E9004").unwrap();
        e.amount = Some(Decimal::new(40, 2));
        e.previous_amount = Some(Decimal::new(54, 2));
        let c = compose(&x, "2026-10-30");
        let ruth = c.letters.iter().find(|l| l.event_id == "E9004").unwrap();
        assert!(ruth.adverse);
        assert_eq!(ruth.rights.len(), 4, "continued benefits on a reduction");
        let r = advance_notice(&c.letters, d("2026-10-30"));
        assert_eq!(r.exempt, 1);
        assert!(r.short.iter().all(|s| s.event_id != "E9004"));
    }

    #[test]
    fn a_reason_code_without_text_is_refused_naming_the_codes_known() {
        let mut x = october();
        x.ssp_events.values_mut().find(|e| e.event_id.as_str() == "E9005").unwrap().reason_code = Some("777".into());
        let c = compose(&x, "2026-10-20");
        assert_eq!(c.refused.len(), 1);
        let (id, p) = &c.refused[0];
        assert_eq!(id.as_str(), "E9005");
        assert_eq!(
            p.to_string(),
            "error: ssp_events.csv:6: event E9005: column reason_code = \"777\": reason code 777 has no text in letters/aces.toml, so the letter cannot say why (codes with text: 109, 110, 111, 245, 341, 599)"
        );
        assert!(c.letters.iter().all(|l| l.event_id != "E9005"));
    }

    #[test]
    fn worker_text_on_another_reason_is_added_as_a_note() {
        let mut x = october();
        x.ssp_events.values_mut().find(|e| e.event_id.as_str() == "E9005").unwrap().worker_text = Some("Call me #panic() [now]".into());
        let c = compose(&x, "2026-10-20");
        let l = c.letters.iter().find(|l| l.event_id == "E9005").unwrap();
        assert_eq!(l.worker_note.as_deref(), Some("Call me #panic() [now]"));
    }

    #[test]
    fn a_body_too_long_for_its_page_stops_the_render_instead_of_clipping() {
        let x = october();
        let mut l = compose(&x, "2026-10-20").letters.remove(0);
        l.paragraphs.push("word ".repeat(6000));
        let data = serde_json::json!({ "documents": [l], "labels": Catalog::bundled().labels() });
        let settings =
            crate::render::PdfSettings { ident: "test".into(), date: d("2026-10-20"), tagging: crate::render::Tagging::Untagged };
        let renderer = crate::render::Renderer::new().unwrap();
        let err = renderer.render(crate::render::Template::Letter, &data, &settings).unwrap_err();
        assert!(err.to_string().contains("the letter 002-30-E9001 does not fit its page"), "{err}");
    }
}
