//! What each page shows and does, one module per area: [`entry`] (sign
//! in, register, the second factor, sign out, language, session),
//! [`security`] (the second factor on and off), [`account`] (payments, authorizations, the provider file),
//! [`documents`] (the runs' documents, remittance advices, 1099s, tagged
//! copies), [`claims`] (claiming invoices online) and its [`receipt`], [`calendar`] (a
//! claim line's month calendar), [`schedule`] (the SSPS Calendar) and
//! [`people`] (a payee's people, invitations, switching payees),
//! [`messages`] (Contact Us) and [`staff`] (state staff). The page types here pair a template under
//! `templates/portal/` with its values; askama escapes every value, so
//! record data reaches the page as text, never as markup.

pub mod account;
pub mod calendar;
pub mod claims;
pub mod documents;
pub mod entry;
pub mod messages;
pub mod people;
pub mod receipt;
pub mod schedule;
pub mod security;
pub mod staff;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::web::{Chrome, Field};
use super::Portal;
use crate::model::Language;

pub use entry::email_ok;

/// A page with one message.
#[derive(askama::Template)]
#[template(path = "portal/message.html")]
pub struct Message<'a> {
    /// The frame.
    pub c: Chrome<'a>,
    /// The message.
    pub text: String,
    /// A link under it: (href, words).
    pub link: Option<(&'static str, String)>,
}

/// A paragraph under a form, a link or not.
pub struct Para {
    /// Its words.
    pub text: String,
    /// Where it links.
    pub href: Option<&'static str>,
}

/// A page with one form.
#[derive(askama::Template)]
#[template(path = "portal/form.html")]
pub struct FormPage<'a> {
    /// The frame.
    pub c: Chrome<'a>,
    /// The lead paragraph.
    pub intro: Option<String>,
    /// Where the form posts.
    pub action: &'static str,
    /// Its inputs.
    pub fields: Vec<Field>,
    /// The button's words.
    pub button: String,
    /// Paragraphs after the form.
    pub after: Vec<Para>,
}

/// An amount as the paper documents print it, with the dollar sign.
pub fn money(d: Decimal) -> String {
    let s = crate::money::printed(d);
    match s.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${s}"),
    }
}

/// A date as the paper documents print it, in the page's language.
pub fn date(p: &Portal, lang: Language, d: NaiveDate) -> String {
    p.texts.date(lang, d)
}

/// A service month (`2026-10`) in words; as given if it is not one.
pub fn month(p: &Portal, lang: Language, m: &str) -> String {
    use chrono::Datelike;
    match crate::model::Month::parse(m) {
        Some(m) => p.texts.month(lang, m.first_day().year(), m.first_day().month()),
        None => m.to_string(),
    }
}
