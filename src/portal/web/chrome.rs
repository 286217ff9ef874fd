//! What every page frames its content with ([`Chrome`]: the words, the
//! language, the title, the error summary, the navigation, the form token,
//! the idle-timeout texts), one labelled input of a form ([`Field`]) and
//! a field's error ([`FieldError`]).

use super::i18n::Words;
use crate::model::Language;

/// A field's error in the error summary.
pub struct FieldError {
    /// The input's id.
    pub field: std::borrow::Cow<'static, str>,
    /// The message.
    pub message: String,
}

/// What every page shows around its content.
pub struct Chrome<'a> {
    /// The words.
    pub t: &'a Words,
    /// `en` or `es`.
    pub lang: &'static str,
    /// The page title (and `h1`).
    pub title: String,
    /// Errors for the summary.
    pub errors: Vec<FieldError>,
    /// A confirmation at the top.
    pub notice: Option<String>,
    /// Signed in?
    pub signed_in: bool,
    /// The payee number, signed in.
    pub payee: String,
    /// The other payees the person works for (a switch in the banner).
    pub other_payees: Vec<String>,
    /// Whether the person administers the payee (People in the navigation).
    pub admin: bool,
    /// A state staff member (the staff's navigation).
    pub staff: bool,
    /// The form token of this visitor.
    pub csrf: String,
    /// The current section.
    pub nav: &'static str,
    /// Idle timeout, seconds.
    pub idle_seconds: i64,
    /// When the warning shows, seconds after the page loaded.
    pub warn_seconds: i64,
    /// The warning's words, with the time left.
    pub timeout_text: String,
    /// The note for pages without JavaScript, with the idle limit.
    pub timeout_noscript: String,
}

impl Chrome<'_> {
    /// The navigation: (href, catalog key, section name); People only for
    /// the payee's administrators.
    pub fn sections(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        if self.staff {
            return vec![
                ("/staff", "nav_staff", "staff"),
                ("/staff/audit", "nav_staff_audit", "audit"),
                ("/security", "nav_security", "security"),
            ];
        }
        let all = [
            ("/payments", "nav_payments", "payments"),
            ("/claims", "nav_claims", "claims"),
            ("/documents", "nav_documents", "documents"),
            ("/authorizations", "nav_authorizations", "authorizations"),
            ("/tax", "nav_tax", "tax"),
            ("/messages", "nav_messages", "messages"),
            ("/calendar", "nav_calendar", "calendar"),
            ("/provider", "nav_provider", "provider"),
            ("/people", "nav_people", "people"),
            ("/security", "nav_security", "security"),
        ];
        all.into_iter().filter(|(_, _, name)| *name != "people" || self.admin).collect()
    }

    /// The error of a field.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// An input of a form.
pub struct Field {
    /// Its id and name.
    pub id: &'static str,
    /// Its label.
    pub label: String,
    /// `text`, `email`, `password`.
    pub kind: &'static str,
    /// The value shown (never a password).
    pub value: String,
    /// A hint under the label.
    pub hint: Option<String>,
    /// Its error.
    pub error: Option<String>,
    /// `autocomplete` token.
    pub autocomplete: Option<&'static str>,
    /// `inputmode`.
    pub inputmode: Option<&'static str>,
}

impl Field {
    /// A field with its label from the catalog.
    pub fn new(t: &Words, id: &'static str, label_key: &str, kind: &'static str) -> Field {
        Field {
            id,
            label: t.s(label_key).to_string(),
            kind,
            value: String::new(),
            hint: None,
            error: None,
            autocomplete: None,
            inputmode: None,
        }
    }

    /// With a value.
    pub fn value(mut self, v: &str) -> Field {
        self.value = v.to_string();
        self
    }

    /// With a hint.
    pub fn hint(mut self, t: &Words, key: &str) -> Field {
        self.hint = Some(t.s(key).to_string());
        self
    }

    /// With an autocomplete token.
    pub fn auto(mut self, a: &'static str) -> Field {
        self.autocomplete = Some(a);
        self
    }

    /// With an input mode.
    pub fn mode(mut self, m: &'static str) -> Field {
        self.inputmode = Some(m);
        self
    }

    /// Takes its error from the list.
    pub fn errors(mut self, errors: &[FieldError]) -> Field {
        self.error = errors.iter().find(|e| e.field == self.id).map(|e| e.message.clone());
        self
    }
}

/// A length of time in words: whole minutes as minutes, else seconds.
pub fn duration(lang: Language, seconds: i64) -> String {
    let (n, one, many) = match (seconds % 60 == 0, lang) {
        (true, Language::En) => (seconds / 60, "minute", "minutes"),
        (true, Language::Es) => (seconds / 60, "minuto", "minutos"),
        (false, Language::En) => (seconds, "second", "seconds"),
        (false, Language::Es) => (seconds, "segundo", "segundos"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}
