//! The provider-portal registration letter: one page that lets a payee
//! register on the SSPS Provider Portal with their payee number and a
//! one-time code ([`crate::regcode`]), printed large in the letter's body
//! (below the envelope's windows), with its expiry date, the steps, and
//! what to do when the letter is lost or the code has expired.
//!
//! The portal's address and the provider line's telephone come from
//! `data/portal.toml` ([`Portal`]); the words from `[registration.*]` of
//! `letters/documents.toml`, in the payee's language. The letter goes to
//! the payee by mail only, whatever their delivery choice
//! ([`Addressee::payee_by_mail_only`]): the code must never travel by email
//! or sit in the download archives. Everything is formatted here; the
//! template only places text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{form_date, payee_address, Addressee, DocMeta, Document};
use crate::model::{DocumentId, Payee};
use crate::regcode::{self, Code, Secret};

/// The bundled portal settings.
pub const PORTAL_TOML: &str = include_str!("../../data/portal.toml");

/// Longest portal address printed (one line of the letter).
pub const ADDRESS_MAX: usize = 80;
/// Longest telephone number printed.
pub const PHONE_MAX: usize = 40;

/// Why the portal settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PortalError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortalFile {
    confirmed: bool,
    address: String,
    phone: String,
    /// Absent (a file written before claims online): the defaults.
    claims: Option<ClaimsFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsFile {
    cutoff: String,
    months_back: u32,
}

/// The most months back an invoice may be claimed online.
pub const MONTHS_BACK_MAX: u32 = 24;

/// How invoices are claimed online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimSettings {
    /// The day's processing cutoff, Washington time.
    pub cutoff: chrono::NaiveTime,
    /// Months before the current one open to claims.
    pub months_back: u32,
}

impl Default for ClaimSettings {
    fn default() -> ClaimSettings {
        ClaimSettings { cutoff: chrono::NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default(), months_back: 6 }
    }
}

/// The portal as the letters print it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Portal {
    /// Its address: `https://…`.
    pub address: String,
    /// The SSPS provider line payees call for a new letter.
    pub phone: String,
    /// Whether staff confirmed the address and telephone (`confirmed =
    /// true`); until then every run asks for attention (exit 1).
    pub confirmed: bool,
    /// Claims online: cutoff and months open.
    pub claims: ClaimSettings,
}

impl Portal {
    /// Parses portal settings: every key present, an `https://` address
    /// and a telephone number, each printable on one line.
    pub fn parse(text: &str, file: &str) -> Result<Portal, PortalError> {
        let err = |message: String| PortalError { file: file.to_string(), message };
        let f: PortalFile = toml::from_str(text).map_err(|e| err(e.message().trim().to_string()))?;
        let address = f.address.trim();
        if !address.starts_with("https://") || address.len() <= "https://".len() {
            return Err(err(format!("address = {:?} is not a web address starting with https://", f.address)));
        }
        if address.len() > ADDRESS_MAX || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(format!("address must be one line of at most {ADDRESS_MAX} characters without spaces")));
        }
        let phone = f.phone.trim();
        if phone.is_empty() || phone.len() > PHONE_MAX || phone.chars().any(char::is_control) {
            return Err(err(format!("phone must be a telephone number of 1 to {PHONE_MAX} characters on one line")));
        }
        let claims = match &f.claims {
            None => ClaimSettings::default(),
            Some(c) => {
                let cutoff = chrono::NaiveTime::parse_from_str(c.cutoff.trim(), "%H:%M")
                    .map_err(|_| err(format!("claims.cutoff = {:?} is not a time of day HH:MM", c.cutoff)))?;
                if c.months_back > MONTHS_BACK_MAX {
                    return Err(err(format!("claims.months_back must be at most {MONTHS_BACK_MAX}")));
                }
                ClaimSettings { cutoff, months_back: c.months_back }
            }
        };
        Ok(Portal { address: address.to_string(), phone: phone.to_string(), confirmed: f.confirmed, claims })
    }

    /// The bundled settings (tested: they always parse).
    pub fn bundled() -> Portal {
        Portal::parse(PORTAL_TOML, "data/portal.toml").unwrap_or_else(|e| unreachable!("bundled portal settings: {e}"))
    }
}

/// One registration letter, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationLetter {
    /// Document id: `REG-<payee>-<YYYYMMDD>`.
    pub id: DocumentId,
    /// Letter date, `MM/DD/YYYY`.
    pub date: String,
    /// The last day the code works, `MM/DD/YYYY`.
    pub expires: String,
    /// Payee number.
    pub payee_number: String,
    /// Name and address block for the window.
    pub address: Vec<String>,
    /// `en` or `es`.
    pub language: &'static str,
    /// The portal's address.
    pub portal: String,
    /// The provider line's telephone number.
    pub phone: String,
    /// The one-time code, `XXXX-XXXX-XXXX`: handed to the template (in
    /// memory) and nowhere else; `Debug` shows `Code(…)`.
    #[serde(serialize_with = "printed")]
    pub code: Code,
    /// Not printed: the letter date.
    #[serde(skip)]
    pub letter_date: NaiveDate,
    /// Not printed: the code's last day.
    #[serde(skip)]
    pub expires_on: NaiveDate,
    /// Not printed: who it goes to (by mail only).
    #[serde(skip)]
    pub meta: DocMeta,
}

/// The code as printed.
fn printed<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(code)
}

impl Document for RegistrationLetter {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Registration
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        1
    }

    fn title(&self) -> String {
        format!("SSPS Provider Portal registration letter for payee {}", self.payee_number)
    }
}

/// The document id of the letter to `payee` dated `date`.
pub fn letter_id(payee: &Payee, date: NaiveDate) -> DocumentId {
    DocumentId::join(&[&"REG", &payee.payee_number, &date.format("%Y%m%d")])
}

/// The letter to `payee` dated `date`, its code made with `secret`.
pub fn letter(payee: &Payee, secret: &Secret, portal: &Portal, date: NaiveDate) -> RegistrationLetter {
    let expires_on = regcode::expires(date);
    RegistrationLetter {
        id: letter_id(payee, date),
        date: form_date(date),
        expires: form_date(expires_on),
        payee_number: payee.payee_number.to_string(),
        address: payee_address(payee),
        language: payee.language.code(),
        portal: portal.address.clone(),
        phone: portal.phone.clone(),
        code: regcode::code(secret, payee.payee_number.as_str(), date),
        letter_date: date,
        expires_on,
        meta: DocMeta { to: Addressee::payee_by_mail_only(payee), amount: rust_decimal::Decimal::ZERO, lines: 1, references: vec![] },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Delivery, Language};

    fn payee(delivery: Delivery) -> Payee {
        let x = crate::ops::read_extract(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026")).unwrap().extract;
        let mut p = x.payees[&crate::model::PayeeNumber::parse("100200306").unwrap()].clone();
        p.delivery = delivery;
        p
    }

    #[test]
    fn the_bundled_settings_parse_and_bad_ones_are_named() {
        let p = Portal::bundled();
        assert!(p.address.starts_with("https://") && !p.phone.is_empty());
        assert!(!p.confirmed, "the bundled telephone is a placeholder until staff confirm it");
        let claims = "[claims]\ncutoff = \"16:30\"\nmonths_back = 6\n";
        let bad = |text: &str| Portal::parse(&format!("{text}{claims}"), "portal.toml").unwrap_err().to_string();
        assert_eq!(p.claims, ClaimSettings::default());
        let without = Portal::parse("confirmed = true\naddress = \"https://x\"\nphone = \"1\"\n", "p.toml").unwrap();
        assert_eq!(without.claims, ClaimSettings::default(), "a file without [claims] takes the defaults");
        assert_eq!(
            Portal::parse(
                "confirmed = true\naddress = \"https://x\"\nphone = \"1\"\n[claims]\ncutoff = \"4:30 pm\"\nmonths_back = 6\n",
                "p.toml"
            )
            .unwrap_err()
            .to_string(),
            "p.toml: claims.cutoff = \"4:30 pm\" is not a time of day HH:MM"
        );
        assert_eq!(
            bad("confirmed = true\naddress = \"http://x\"\nphone = \"1\"\n"),
            "portal.toml: address = \"http://x\" is not a web address starting with https://"
        );
        assert!(bad("confirmed = true\naddress = \"https://x\"\nphone = \"1\"\nmore = 1\n").contains("unknown field `more`"));
        assert!(bad("confirmed = true\naddress = \"https://x\"\n").contains("missing field `phone`"));
        assert_eq!(
            bad("confirmed = true\naddress = \"https://x y\"\nphone = \"1\"\n"),
            "portal.toml: address must be one line of at most 80 characters without spaces"
        );
        assert_eq!(
            bad("confirmed = true\naddress = \"https://x\"\nphone = \" \"\n"),
            "portal.toml: phone must be a telephone number of 1 to 40 characters on one line"
        );
    }

    #[test]
    fn the_texts_say_as_many_days_as_the_codes_work() {
        let labels = crate::texts::Texts::bundled().labels("registration").unwrap();
        for (lang, days) in
            [("en", format!("({} days after", regcode::VALID_DAYS)), ("es", format!("({} días después", regcode::VALID_DAYS))]
        {
            let tail = labels[lang]["expiry_tail"].as_str().unwrap();
            assert!(tail.starts_with(&days), "[registration.{lang}] expiry_tail: {tail}");
        }
    }

    #[test]
    fn a_letter_goes_by_mail_only_with_its_code_expiry_and_id() {
        let secret = Secret::from_bytes(&[9u8; 32]).unwrap();
        let date: NaiveDate = "2026-10-20".parse().unwrap();
        let l = letter(&payee(Delivery::Email), &secret, &Portal::bundled(), date);
        assert_eq!((l.id.as_str(), l.date.as_str(), l.expires.as_str()), ("REG-100200306-20261020", "10/20/2026", "01/18/2027"));
        assert_eq!(l.code.to_string(), regcode::code(&secret, "100200306", date).to_string());
        assert_eq!(l.address[0], "Ngọc Trần");
        assert_eq!(l.language, Language::En.code());
        // Email was the payee's choice; the letter is mailed all the same,
        // never emailed nor put in the portal.
        let to = l.to();
        assert!(to.wants_mail() && !to.wants_email() && to.email.is_none() && !to.portal);
        // The code reaches the template's data, and no Debug output.
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(json["code"], l.code.to_string());
        assert!(!format!("{l:?}").contains(&l.code.to_string()));
    }
}
