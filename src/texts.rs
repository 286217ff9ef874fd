//! The words of documents and messages, as data: `letters/documents.toml`,
//! English and Spanish.
//!
//! Printed labels go to the templates as JSON beside the documents (a
//! template picks its document's language); email texts are filled here
//! with named placeholders. Staff correct a sentence in the TOML file; the
//! tests below fail when a language lacks a key the other has, or a text
//! uses a placeholder nobody fills.

pub mod aces;

use std::collections::BTreeMap;

use crate::model::Language;

/// The bundled catalog.
pub const DOCUMENTS: &str = include_str!("../letters/documents.toml");

/// The languages every text must have.
pub const LANGUAGES: [Language; 2] = [Language::En, Language::Es];

/// Placeholders the email texts may use.
pub const EMAIL_PLACEHOLDERS: [&str; 4] = ["name", "count", "period", "documents"];

/// Why the catalog cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextsError {
    /// The TOML does not parse.
    #[error("letters/documents.toml: {0}")]
    Parse(String),
    /// A section or language is missing.
    #[error("letters/documents.toml: [{0}] is missing")]
    Missing(String),
    /// A key is missing or not a string.
    #[error("letters/documents.toml: [{section}] has no text `{key}`")]
    NoText {
        /// `email.es`, ….
        section: String,
        /// The key.
        key: String,
    },
    /// A text names a placeholder that is not filled.
    #[error("letters/documents.toml: [{section}] {key}: unknown placeholder {{{placeholder}}}")]
    Placeholder {
        /// `email.es`, ….
        section: String,
        /// The key.
        key: String,
        /// The placeholder.
        placeholder: String,
    },
}

/// The parsed catalog.
#[derive(Debug, Clone)]
pub struct Texts {
    table: toml::Table,
}

impl Texts {
    /// Parses a catalog and checks it: every section has both languages with
    /// the same keys, and the email texts use only known placeholders.
    pub fn parse(text: &str) -> Result<Texts, TextsError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| TextsError::Parse(e.message().to_string()))?;
        let texts = Texts { table };
        for (section, _) in &texts.table {
            let en = texts.section(section, Language::En)?;
            let es = texts.section(section, Language::Es)?;
            for (a, b, lang) in [(en, es, Language::Es), (es, en, Language::En)] {
                if let Some(key) = a.keys().find(|k| !b.contains_key(*k)) {
                    return Err(TextsError::NoText { section: format!("{section}.{lang}"), key: key.clone() });
                }
            }
        }
        for lang in LANGUAGES {
            for (key, value) in texts.section("email", lang)? {
                let text = value.as_str().ok_or_else(|| TextsError::NoText { section: format!("email.{lang}"), key: key.clone() })?;
                for placeholder in placeholders(text) {
                    if !EMAIL_PLACEHOLDERS.contains(&placeholder) {
                        return Err(TextsError::Placeholder {
                            section: format!("email.{lang}"),
                            key: key.clone(),
                            placeholder: placeholder.to_string(),
                        });
                    }
                }
            }
        }
        Ok(texts)
    }

    /// The bundled catalog (tested: it always parses).
    pub fn bundled() -> Texts {
        Texts::parse(DOCUMENTS).unwrap_or_else(|e| unreachable!("bundled texts: {e}"))
    }

    fn section(&self, name: &str, lang: Language) -> Result<&toml::Table, TextsError> {
        self.table
            .get(name)
            .and_then(|s| s.get(lang.code()))
            .and_then(toml::Value::as_table)
            .ok_or_else(|| TextsError::Missing(format!("{name}.{lang}")))
    }

    /// The printed labels of a document kind for both languages, as the
    /// templates take them: `{"en": {...}, "es": {...}}`, the common labels
    /// merged in.
    pub fn labels(&self, kind: &str) -> Result<serde_json::Value, TextsError> {
        let mut out = serde_json::Map::new();
        for lang in LANGUAGES {
            let mut merged = self.section("common", lang)?.clone();
            merged.extend(self.section(kind, lang)?.clone());
            let value = serde_json::to_value(merged).map_err(|e| TextsError::Parse(e.to_string()))?;
            out.insert(lang.code().to_string(), value);
        }
        Ok(serde_json::Value::Object(out))
    }

    /// A date in words: `November 1, 2026`, `1 de noviembre de 2026`.
    pub fn date(&self, lang: Language, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let month = self.month(lang, date.year(), date.month());
        match lang {
            // "noviembre de 2026" → "1 de noviembre de 2026".
            Language::Es => format!("{} de {month}", date.day()),
            Language::En => match month.rsplit_once(' ') {
                Some((name, year)) => format!("{name} {}, {year}", date.day()),
                None => month,
            },
        }
    }

    /// A month in words: `October 2026`, `octubre de 2026`.
    pub fn month(&self, lang: Language, year: i32, month: u32) -> String {
        let name = self
            .section("common", lang)
            .ok()
            .and_then(|t| t.get("months"))
            .and_then(toml::Value::as_array)
            .and_then(|a| a.get((month as usize).wrapping_sub(1)))
            .and_then(toml::Value::as_str)
            .map_or_else(|| format!("{month:02}"), str::to_string);
        match lang {
            Language::Es => format!("{name} de {year}"),
            Language::En => format!("{name} {year}"),
        }
    }

    /// Whether the email texts of `lang` have `key`.
    pub fn has_email(&self, lang: Language, key: &str) -> bool {
        self.section("email", lang).is_ok_and(|t| t.contains_key(key))
    }

    /// An email text in `lang` with its placeholders filled.
    pub fn email(&self, lang: Language, key: &str, values: &BTreeMap<&str, String>) -> Result<String, TextsError> {
        let section = format!("email.{lang}");
        let text = self
            .section("email", lang)?
            .get(key)
            .and_then(toml::Value::as_str)
            .ok_or_else(|| TextsError::NoText { section: section.clone(), key: key.to_string() })?;
        fill(text, values).map_err(|placeholder| TextsError::Placeholder { section, key: key.to_string(), placeholder })
    }
}

/// The `{name}` placeholders of a text, in order.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

/// Replaces every `{name}` with its value; an unknown name is returned as
/// the error. Values are inserted as given, never re-scanned.
pub fn fill(text: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        let value = values.get(name).ok_or_else(|| name.to_string())?;
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalog_has_both_languages_and_known_placeholders() {
        let texts = Texts::parse(DOCUMENTS).unwrap();
        for kind in ["remittance", "notice"] {
            let labels = texts.labels(kind).unwrap();
            let (en, es) = (labels["en"].as_object().unwrap(), labels["es"].as_object().unwrap());
            assert_eq!(en.keys().collect::<Vec<_>>(), es.keys().collect::<Vec<_>>());
            assert!(en.contains_key("department") && en.contains_key("title"), "{kind}");
        }
        assert_eq!(texts.labels("remittance").unwrap()["es"]["title"], "AVISO DE REMESA");
    }

    #[test]
    fn a_missing_translation_is_named() {
        let text = "[email.en]\nsubject_invoice = \"x\"\ngreeting = \"Hi\"\n[email.es]\nsubject_invoice = \"y\"\n";
        assert_eq!(Texts::parse(text).unwrap_err().to_string(), "letters/documents.toml: [email.es] has no text `greeting`");
        let text = "[notice.en]\ntitle = \"x\"\n";
        assert_eq!(Texts::parse(text).unwrap_err().to_string(), "letters/documents.toml: [notice.es] is missing");
    }

    #[test]
    fn an_unknown_placeholder_is_named() {
        let text = "[email.en]\ngreeting = \"Dear {nmae},\"\n[email.es]\ngreeting = \"Estimado/a {name}:\"\n";
        assert_eq!(Texts::parse(text).unwrap_err().to_string(), "letters/documents.toml: [email.en] greeting: unknown placeholder {nmae}");
    }

    #[test]
    fn values_are_inserted_as_given() {
        let values: BTreeMap<&str, String> = [("name", "O'Connor {count} #2".to_string()), ("count", "3".to_string())].into();
        assert_eq!(fill("Dear {name}, {count} documents", &values).unwrap(), "Dear O'Connor {count} #2, 3 documents");
        assert_eq!(fill("{x}", &values).unwrap_err(), "x");
        let texts = Texts::bundled();
        let values: BTreeMap<&str, String> = [("name", "Rosa".into()), ("period", "octubre de 2026".into()), ("count", "2".into())].into();
        assert_eq!(texts.email(Language::Es, "greeting", &values).unwrap(), "Estimado/a Rosa:");
        assert_eq!(texts.month(Language::Es, 2026, 10), "octubre de 2026");
        assert_eq!(texts.month(Language::En, 2026, 1), "January 2026");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(texts.date(Language::En, d), "November 1, 2026");
        assert_eq!(texts.date(Language::Es, d), "1 de noviembre de 2026");
    }
}
