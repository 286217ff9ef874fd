//! The ACES letter catalog, `letters/aces.toml`: each SSP letter's
//! paragraphs in English and Spanish with named placeholders, the reason
//! codes and program types with their texts, the hearing rights, and the
//! printed labels of the letters and their EFT enclosures.
//!
//! [`Catalog::parse`] checks the whole file before any letter is composed:
//! a letter without a language, a placeholder the letter is not given, a
//! placeholder it is given and never prints, a reason code without text,
//! or labels that differ between languages are each an error naming the
//! place in the file.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::placeholders;
use crate::model::Language;

/// The bundled catalog.
pub const ACES: &str = include_str!("../../letters/aces.toml");

/// The letters, by number (seed 001, "Letters").
pub const LETTERS: [&str; 4] = ["002-30", "006-01", "008-01", "022-05"];

/// The placeholders each letter is given; its texts must use each of them
/// and no other.
pub fn given(letter: &str) -> &'static [&'static str] {
    match letter {
        "002-30" => &["name", "program", "amount", "effective_date"],
        "006-01" => &["name", "program", "effective_date", "reason", "reason_code"],
        "008-01" => &["name", "program", "previous_amount", "amount", "effective_date", "reason"],
        "022-05" => &["name", "effective_date"],
        _ => &[],
    }
}

/// Reason codes the seed names; each must have a text.
pub const SEED_REASONS: [&str; 5] = ["109", "110", "111", "341", "599"];

/// The key of the reason an amount change without a reason code gives.
pub const NO_REASON: &str = "none";

/// Why the catalog cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The TOML does not parse or has the wrong shape.
    #[error("letters/aces.toml: {0}")]
    Parse(String),
    /// Something required is missing.
    #[error("letters/aces.toml: {0}")]
    Missing(String),
    /// A text names a placeholder it is not given.
    #[error("letters/aces.toml: {place}: unknown placeholder {{{placeholder}}}")]
    Unknown {
        /// `letters."006-01" (es)`, ….
        place: String,
        /// The placeholder.
        placeholder: String,
    },
    /// A placeholder a letter is given is never printed.
    #[error("letters/aces.toml: {place}: placeholder {{{placeholder}}} is never used")]
    Unused {
        /// `letters."006-01" (es)`, ….
        place: String,
        /// The placeholder.
        placeholder: String,
    },
}

/// A text in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Both<T> {
    en: Option<T>,
    es: Option<T>,
}

impl<T> Both<T> {
    /// The text in `lang` (both are present once the catalog is parsed).
    pub fn get(&self, lang: Language) -> &T {
        let found = match lang {
            Language::En => self.en.as_ref(),
            Language::Es => self.es.as_ref(),
        };
        found.unwrap_or_else(|| unreachable!("Catalog::parse checks both languages"))
    }

    fn check(&self, place: &str) -> Result<(), CatalogError> {
        for (lang, t) in [("en", &self.en), ("es", &self.es)] {
            if t.is_none() {
                return Err(CatalogError::Missing(format!("{place} has no {lang} text")));
            }
        }
        Ok(())
    }
}

/// When a letter is an adverse action (notice rights, ten-day notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Adverse {
    /// Always (a termination).
    Always,
    /// Never (an approval, a medical review).
    Never,
    /// When the new amount is lower than the previous one.
    Reduction,
}

/// One letter's texts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterText {
    /// WAC and RCW sections the letter cites.
    pub rules: Vec<String>,
    /// When it is an adverse action.
    pub adverse: Adverse,
    /// The letter's title.
    pub title: Both<String>,
    /// Paragraphs every copy prints.
    pub body: Both<Vec<String>>,
    /// Added when the client has no EFT account.
    pub eft_none: Option<Both<Vec<String>>>,
    /// Added when the client has an EFT account known from Social Security.
    pub eft_registered: Option<Both<Vec<String>>>,
}

/// A reason code's text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// English.
    pub en: Option<String>,
    /// Spanish.
    pub es: Option<String>,
    /// A change for many people at once by law: no ten-day advance notice
    /// is needed (WAC 388-458-0025(3)(b)).
    #[serde(default)]
    pub advance_notice_exempt: bool,
}

impl Reason {
    /// The text in `lang`.
    pub fn text(&self, lang: Language) -> &str {
        let t = match lang {
            Language::En => self.en.as_deref(),
            Language::Es => self.es.as_deref(),
        };
        t.unwrap_or_default()
    }

    /// Whether the text is the worker's own words.
    pub fn needs_worker_text(&self) -> bool {
        placeholders(self.en.as_deref().unwrap_or_default()).contains(&"worker_text")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sender {
    return_address: Vec<String>,
    eft_unit: EftUnit,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EftUnit {
    address: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rights {
    all: Both<Vec<String>>,
    adverse: Both<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    ssi_termination_reason: String,
    sender: Sender,
    letters: BTreeMap<String, LetterText>,
    reasons: BTreeMap<String, Reason>,
    programs: BTreeMap<String, Both<String>>,
    rights: Rights,
    labels: BTreeMap<String, toml::Table>,
}

/// The parsed, checked catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    file: File,
}

impl Catalog {
    /// Parses and checks a catalog.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let file: File = toml::from_str(text).map_err(|e| CatalogError::Parse(e.message().to_string()))?;
        for number in file.letters.keys() {
            if !LETTERS.contains(&number.as_str()) {
                return Err(CatalogError::Parse(format!("[letters.\"{number}\"] is not an SSP letter (expected {})", LETTERS.join(", "))));
            }
        }
        for number in LETTERS {
            let l = file.letters.get(number).ok_or_else(|| CatalogError::Missing(format!("[letters.\"{number}\"] is missing")))?;
            let place = format!("letters.\"{number}\"");
            l.title.check(&format!("{place}.title"))?;
            l.body.check(&format!("{place}.body"))?;
            for (name, extra) in [("eft_none", &l.eft_none), ("eft_registered", &l.eft_registered)] {
                if let Some(e) = extra {
                    e.check(&format!("{place}.{name}"))?;
                }
            }
            // Each client reads the body with one EFT variant (or none):
            // each combination must print every value the letter is given.
            for lang in super::LANGUAGES {
                for (variant, extra) in [("eft_registered", &l.eft_registered), ("eft_none", &l.eft_none)] {
                    let mut texts: Vec<&str> = l.body.get(lang).iter().map(String::as_str).collect();
                    texts.push(l.title.get(lang));
                    let mut where_ = format!("{place} ({lang})");
                    if let Some(e) = extra {
                        texts.extend(e.get(lang).iter().map(String::as_str));
                        where_ = format!("{place} with {variant} ({lang})");
                    }
                    exact(&texts, given(number), &where_)?;
                }
            }
        }
        for code in SEED_REASONS.iter().chain([&NO_REASON]).chain([&file.ssi_termination_reason.as_str()]) {
            if !file.reasons.contains_key(*code) {
                return Err(CatalogError::Missing(format!("reason code {code} has no text ([reasons.{code}])")));
            }
        }
        for (code, r) in &file.reasons {
            for (lang, t) in [("en", &r.en), ("es", &r.es)] {
                let t = t.as_deref().filter(|t| !t.trim().is_empty());
                let t = t.ok_or_else(|| CatalogError::Missing(format!("reason code {code} has no {lang} text")))?;
                if let Some(p) = placeholders(t).into_iter().find(|p| *p != "worker_text") {
                    return Err(CatalogError::Unknown { place: format!("reasons.{code} ({lang})"), placeholder: p.to_string() });
                }
            }
            if r.needs_worker_text() != placeholders(r.es.as_deref().unwrap_or_default()).contains(&"worker_text") {
                return Err(CatalogError::Unused { place: format!("reasons.{code}"), placeholder: "worker_text".into() });
            }
        }
        for code in ["I", "M", "A", "B"] {
            let p = file.programs.get(code).ok_or_else(|| CatalogError::Missing(format!("program type {code} has no text")))?;
            p.check(&format!("programs.{code}"))?;
        }
        for (name, both, given) in
            [("rights.all", &file.rights.all, "hearing_deadline"), ("rights.adverse", &file.rights.adverse, "continued_deadline")]
        {
            both.check(name)?;
            for lang in super::LANGUAGES {
                let texts: Vec<&str> = both.get(lang).iter().map(String::as_str).collect();
                exact(&texts, &[given], &format!("{name} ({lang})"))?;
            }
        }
        let en = file.labels.get("en").ok_or_else(|| CatalogError::Missing("[labels.en] is missing".into()))?;
        let es = file.labels.get("es").ok_or_else(|| CatalogError::Missing("[labels.es] is missing".into()))?;
        for (a, b, lang) in [(en, es, "es"), (es, en, "en")] {
            if let Some(key) = a.keys().find(|k| !b.contains_key(*k)) {
                return Err(CatalogError::Missing(format!("[labels.{lang}] has no `{key}`")));
            }
        }
        Ok(Catalog { file })
    }

    /// The bundled catalog (tested: it always parses).
    pub fn bundled() -> Catalog {
        Catalog::parse(ACES).unwrap_or_else(|e| unreachable!("bundled catalog: {e}"))
    }

    /// A letter's texts (`None` for a number not in [`LETTERS`]).
    pub fn letter(&self, number: &str) -> Option<&LetterText> {
        self.file.letters.get(number)
    }

    /// A reason code's text.
    pub fn reason(&self, code: &str) -> Option<&Reason> {
        self.file.reasons.get(code)
    }

    /// The reason codes that have texts.
    pub fn reason_codes(&self) -> impl Iterator<Item = &str> {
        self.file.reasons.keys().map(String::as_str).filter(|c| *c != NO_REASON)
    }

    /// The reason code an SSI termination's 006-01 gives when the event has none.
    pub fn ssi_termination_reason(&self) -> &str {
        &self.file.ssi_termination_reason
    }

    /// A program type's words (`I`, `M`, `A`, `B`).
    pub fn program<'a>(&'a self, code: &'a str, lang: Language) -> &'a str {
        self.file.programs.get(code).map_or(code, |p| p.get(lang).as_str())
    }

    /// The hearing rights: every letter's, then (adverse) the continued benefits.
    pub fn rights(&self, adverse: bool, lang: Language) -> Vec<&str> {
        let mut v: Vec<&str> = self.file.rights.all.get(lang).iter().map(String::as_str).collect();
        if adverse {
            v.extend(self.file.rights.adverse.get(lang).iter().map(String::as_str));
        }
        v
    }

    /// The printed labels for the template, `{"en": {...}, "es": {...}}`,
    /// with the return address and the EFT unit's address in each.
    pub fn labels(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for (lang, table) in &self.file.labels {
            let mut t = table.clone();
            let lines = |v: &[String]| toml::Value::Array(v.iter().cloned().map(toml::Value::String).collect());
            t.insert("return_address".into(), lines(&self.file.sender.return_address));
            t.insert("eft_unit".into(), lines(&self.file.sender.eft_unit.address));
            out.insert(lang.clone(), serde_json::to_value(t).unwrap_or(serde_json::Value::Null));
        }
        serde_json::Value::Object(out)
    }
}

/// Checks that `texts` together use exactly the placeholders `given`.
fn exact(texts: &[&str], given: &[&str], place: &str) -> Result<(), CatalogError> {
    let used: BTreeSet<&str> = texts.iter().flat_map(|t| placeholders(t)).collect();
    if let Some(p) = used.iter().find(|p| !given.contains(p)) {
        return Err(CatalogError::Unknown { place: place.to_string(), placeholder: p.to_string() });
    }
    if let Some(p) = given.iter().find(|p| !used.contains(*p)) {
        return Err(CatalogError::Unused { place: place.to_string(), placeholder: p.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalog_is_complete() {
        let c = Catalog::parse(ACES).unwrap();
        for code in SEED_REASONS {
            for lang in super::super::LANGUAGES {
                assert!(!c.reason(code).unwrap().text(lang).is_empty(), "{code} {lang}");
            }
        }
        assert!(c.reason("599").unwrap().needs_worker_text());
        assert!(!c.reason("111").unwrap().needs_worker_text());
        assert!(c.reason("341").unwrap().advance_notice_exempt);
        assert_eq!(c.ssi_termination_reason(), "109");
        assert_eq!(c.letter("008-01").unwrap().adverse, Adverse::Reduction);
        assert_eq!(c.program("M", Language::Es), "M (Nivel de Ingreso Obligatorio, MIL)");
        let labels = c.labels();
        assert_eq!(labels["es"]["eft_unit"][0], "DSHS EFT Central Input Unit");
        assert_eq!(labels["en"]["letter_date"], "Letter date");
    }

    /// The bundled file with one substitution, parsed.
    fn with(from: &str, to: &str) -> Result<Catalog, CatalogError> {
        assert!(ACES.contains(from), "the catalog has {from:?}");
        Catalog::parse(&ACES.replacen(from, to, 1))
    }

    #[test]
    fn a_letter_without_a_language_is_refused() {
        let err = with("title.es = \"Terminación de la Unidad de Asistencia\"\n", "").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: letters.\"006-01\".title has no es text");
        let err = with("body.es = [\n  \"Estimado(a) {name}:\",\n  \"Aprobamos", "nobody = [\n  \"Estimado(a) {name}:\",\n  \"Aprobamos")
            .unwrap_err();
        assert!(err.to_string().starts_with("letters/aces.toml: unknown field `nobody`"), "{err}");
    }

    #[test]
    fn unknown_and_unused_placeholders_are_refused() {
        let err = with("cambia de ${previous_amount} a ${amount}", "cambia de ${previous_amount} a ${monto}").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: letters.\"008-01\" (es): unknown placeholder {monto}");
        let err = with("Why: {reason} (reason code {reason_code})", "Why: {reason}").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: letters.\"006-01\" (en): placeholder {reason_code} is never used");
        // A value moved into one EFT paragraph is missed by clients with the other.
        let moved = ACES
            .replacen("Your SSP is ${amount} a month, starting {effective_date}.", "Your SSP starts {effective_date}.", 1)
            .replacen("We will pay your SSP by warrant", "We will pay your ${amount} SSP by warrant", 1);
        let err = Catalog::parse(&moved).unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: letters.\"002-30\" with eft_registered (en): placeholder {amount} is never used");
        let err = with("ask by {hearing_deadline}", "ask soon").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: rights.all (en): placeholder {hearing_deadline} is never used");
        let err = with("monto del pago suplementario estatal", "monto de {program}").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: reasons.341 (es): unknown placeholder {program}");
    }

    #[test]
    fn a_reason_code_without_text_is_refused() {
        let err = with("[reasons.110]\nen = ", "[reasons.110]\nxx = ").unwrap_err();
        assert!(err.to_string().contains("unknown field `xx`"), "{err}");
        let err = with("[reasons.111]", "[reasons.112]").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: reason code 111 has no text ([reasons.111])");
        let err = with(
            "es = \"El monto de su SSP se fija según las normas de pago del programa y la información que el Seguro Social nos envía sobre usted.\"",
            "es = \"  \"",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: reason code none has no es text");
    }

    #[test]
    fn labels_must_match_across_languages() {
        let err = with("footer = \"Guarde esta carta con sus documentos.\"\n", "").unwrap_err();
        assert_eq!(err.to_string(), "letters/aces.toml: [labels.es] has no `footer`");
    }
}
