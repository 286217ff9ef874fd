//! The portal's words in English and Spanish, from `letters/portal.toml`
//! (compiled in). Pages ask for a text by key; `{name}` placeholders are
//! filled by the caller. A unit test checks that both languages have the
//! same keys and that every key the page templates use exists.

use std::collections::HashMap;

use crate::model::Language;

/// The catalog, compiled in.
const CATALOG: &str = include_str!("../../letters/portal.toml");

/// One language's words.
#[derive(Debug)]
pub struct Words {
    /// `en` or `es`.
    pub code: &'static str,
    texts: HashMap<String, String>,
}

impl Words {
    /// The text of `key`; the key itself if the catalog lacks it (a test
    /// makes sure it never does).
    pub fn s<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders filled.
    pub fn f(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut s = self.s(key).to_string();
        for (name, value) in values {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }
}

/// Both languages.
#[derive(Debug)]
pub struct Catalog {
    en: Words,
    es: Words,
}

/// Why the catalog cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("letters/portal.toml: {0}")]
pub struct CatalogError(String);

impl Catalog {
    /// Parses the compiled-in catalog, filling `{phone}` with the help
    /// line's number.
    pub fn bundled(phone: &str) -> Result<Catalog, CatalogError> {
        Catalog::parse(CATALOG, phone)
    }

    /// Parses a catalog.
    pub fn parse(text: &str, phone: &str) -> Result<Catalog, CatalogError> {
        let mut tables: HashMap<String, HashMap<String, String>> = toml::from_str(text).map_err(|e| CatalogError(e.to_string()))?;
        let mut take = |code: &'static str| -> Result<Words, CatalogError> {
            let mut texts = tables.remove(code).ok_or_else(|| CatalogError(format!("no [{code}] table")))?;
            for v in texts.values_mut() {
                *v = v.replace("{phone}", phone);
            }
            Ok(Words { code, texts })
        };
        let (en, es) = (take("en")?, take("es")?);
        let mut missing: Vec<String> = en
            .texts
            .keys()
            .filter(|k| !es.texts.contains_key(*k))
            .map(|k| format!("es.{k}"))
            .chain(es.texts.keys().filter(|k| !en.texts.contains_key(*k)).map(|k| format!("en.{k}")))
            .collect();
        missing.sort();
        if !missing.is_empty() {
            return Err(CatalogError(format!("missing {}", missing.join(", "))));
        }
        Ok(Catalog { en, es })
    }

    /// The words of a language.
    pub fn get(&self, lang: Language) -> &Words {
        match lang {
            Language::En => &self.en,
            Language::Es => &self.es,
        }
    }

    /// Whether `key` exists (in both, by construction).
    pub fn has(&self, key: &str) -> bool {
        self.en.texts.contains_key(key)
    }
}

/// The language of a code (`en`, `es`); English otherwise.
pub fn language(code: &str) -> Language {
    if code == "es" {
        Language::Es
    } else {
        Language::En
    }
}

/// The code of a language.
pub fn code(lang: Language) -> &'static str {
    match lang {
        Language::En => "en",
        Language::Es => "es",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_key_the_pages_use() {
        let c = Catalog::bundled("1-800-000-0000").unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = Vec::new();
        let sources = std::fs::read_dir(dir.join("templates/portal")).unwrap().chain(std::fs::read_dir(dir.join("src/portal")).unwrap());
        for entry in sources {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for quote in ["t.s(\"", "t.f(\"", "words.s(\"", "words.f(\""] {
                for part in text.split(quote).skip(1) {
                    used.push(part.split('"').next().unwrap().to_string());
                }
            }
        }
        assert!(used.len() > 50, "{} keys found", used.len());
        let missing: Vec<_> = used.iter().filter(|k| !c.has(k)).collect();
        assert!(missing.is_empty(), "not in letters/portal.toml: {missing:?}");
        assert_eq!(c.get(Language::Es).s("sign_out"), "Cerrar sesión");
        assert!(c.get(Language::En).s("footer_help").contains("1-800-000-0000"));
    }

    #[test]
    fn a_missing_translation_is_named() {
        let e = Catalog::parse("[en]\na = \"A\"\nb = \"B\"\n[es]\na = \"A\"\n", "").unwrap_err();
        assert_eq!(e.to_string(), "letters/portal.toml: missing es.b");
    }
}
