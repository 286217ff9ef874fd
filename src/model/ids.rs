//! Identifiers by role.
//!
//! Every identifier in an extract obeys one rule ([`Id`]: 1 to 20 ASCII
//! letters, digits or `-`), but a payee number is not a client ID: each
//! role that another value could be mistaken for has its own type here
//! ([`PayeeNumber`], [`ProviderNumber`], [`ClientId`], [`ReferenceNumber`]
//! …), made by one macro, so the compiler refuses a client ID where a payee
//! number is expected. They all parse with [`Id::parse`], print and
//! serialize as the bare text, and order and hash as it. There is no
//! conversion between two roles; where a value really is used without its
//! role (an addressee that is a payee or a client, a cross-file check keyed
//! by file), it is turned into the role-less [`Id`] by name, with
//! [`PayeeNumber::to_id`] and the like.

use std::fmt;

use serde::Serialize;

/// An identifier from an extract: 1 to 20 ASCII letters, digits or `-`.
/// Case-sensitive. Safe to use as a file name component. The role-less
/// form: the fields of the records use the typed ones below.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// Checks the identifier rule; `None` when `s` breaks it.
    pub fn parse(s: &str) -> Option<Id> {
        let ok = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then(|| Id(s.to_string()))
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every identifier type has: the one rule's parse and the text, so
/// the validator reads a cell as whichever role its column has.
pub trait Identifier: Sized + Clone + Ord + fmt::Display {
    /// Checks the identifier rule of [`Id`]; `None` when `s` breaks it.
    fn parse(s: &str) -> Option<Self>;
    /// The identifier as text.
    fn as_str(&self) -> &str;
}

impl Identifier for Id {
    fn parse(s: &str) -> Option<Id> {
        Id::parse(s)
    }

    fn as_str(&self) -> &str {
        Id::as_str(self)
    }
}

/// Defines identifier types of one role each, wrapping an [`Id`].
macro_rules! role_ids {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(Id);

        impl $name {
            /// Checks the identifier rule of [`Id`]; `None` when `s` breaks it.
            pub fn parse(s: &str) -> Option<$name> {
                Id::parse(s).map($name)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The same text without its role, for what holds identifiers
            /// of several roles (say why where it is called).
            pub fn to_id(&self) -> Id {
                self.0.clone()
            }
        }

        impl Identifier for $name {
            fn parse(s: &str) -> Option<$name> {
                $name::parse(s)
            }

            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.as_str())
            }
        }
    )+};
}

role_ids! {
    /// A payee number: who is paid (payees.csv's key).
    PayeeNumber;
    /// A provider number: the facility that gives care (providers.csv's key).
    ProviderNumber;
    /// A client ID: a child in care or an SSP recipient (clients.csv's key).
    ClientId;
    /// A client's case number (the family's case, not the client).
    CaseNumber;
    /// A worker ID (workers.csv's key).
    WorkerId;
    /// An authorization line's ten-digit reference number
    /// (authorizations.csv's key).
    ReferenceNumber;
    /// The authorization number an authorization line was entered under.
    AuthorizationNumber;
    /// An invoice number, as claimed and paid.
    InvoiceNumber;
    /// A payment's warrant or EFT trace number (payments.csv's key).
    PaymentId;
    /// An SSP event's id (ssp_events.csv's key).
    EventId;
    /// An SSP assistance unit (AU) number (ssp_cases.csv's key).
    AuNumber;
    /// A staff overpayment's id (overpayments.csv's key).
    OverpaymentId;
}

/// A document's id, unique for its addressee within a run: its kind's
/// word and the identifiers and dates it is about, joined with `-`
/// (`RA-880000236`, `006-01-E9005`, `SSN-5001-20261031`). Letters, digits
/// and `-` as an [`Id`] (it names the document's files), but it may be
/// longer, and it is made, never read from an extract: there is no
/// conversion between it and an identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DocumentId(String);

impl DocumentId {
    /// Joins `parts` with `-`; each is a fixed word, an identifier, a date
    /// or a number, so the id is letters, digits and `-`.
    pub fn join(parts: &[&dyn fmt::Display]) -> DocumentId {
        let mut id = DocumentId(String::new());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                id.0.push('-');
            }
            id.0.push_str(&part.to_string());
        }
        debug_assert!(DocumentId::shaped(&id.0), "document id {:?}", id.0);
        id
    }

    /// Appends `tail` (letters, digits and `-`): a corrected statement's
    /// `-C…`, which makes it a new document.
    pub fn push_str(&mut self, tail: &str) {
        self.0.push_str(tail);
        debug_assert!(DocumentId::shaped(&self.0), "document id {:?}", self.0);
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn shaped(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for DocumentId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(Id::parse("300A-260901").is_some());
        assert!(Id::parse("AB 12").is_none());
        assert!(Id::parse("").is_none());
        assert!(Id::parse("../etc").is_none());
        assert!(Id::parse("123456789012345678901").is_none());
    }

    /// Every role shares [`Id`]'s rule, and shows and serializes as the
    /// bare text (what documents and JSON print is unchanged).
    fn shares_the_rule_and_is_transparent<T: Identifier + Serialize + fmt::Debug>() {
        for s in ["300A-260901", "P7", "12345678901234567890", "abc-XYZ"] {
            let t = T::parse(s).unwrap_or_else(|| panic!("{s} is an identifier"));
            assert_eq!((t.as_str(), t.to_string()), (s, s.to_string()));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{s}\""));
            assert_eq!(Id::parse(s).map(|i| i.to_string()), Some(s.to_string()));
        }
        for s in ["", "AB 12", "../etc", "123456789012345678901", "é", "a_b"] {
            assert!(T::parse(s).is_none(), "{s:?} is not an identifier");
            assert!(Id::parse(s).is_none());
        }
        let (a, b) = (T::parse("A-2").unwrap(), T::parse("A-10").unwrap());
        assert_eq!(a.cmp(&b), "A-2".cmp("A-10"), "ordered as the text");
    }

    #[test]
    fn every_role_shares_the_rule_and_is_transparent() {
        shares_the_rule_and_is_transparent::<Id>();
        shares_the_rule_and_is_transparent::<PayeeNumber>();
        shares_the_rule_and_is_transparent::<ProviderNumber>();
        shares_the_rule_and_is_transparent::<ClientId>();
        shares_the_rule_and_is_transparent::<CaseNumber>();
        shares_the_rule_and_is_transparent::<WorkerId>();
        shares_the_rule_and_is_transparent::<ReferenceNumber>();
        shares_the_rule_and_is_transparent::<AuthorizationNumber>();
        shares_the_rule_and_is_transparent::<InvoiceNumber>();
        shares_the_rule_and_is_transparent::<PaymentId>();
        shares_the_rule_and_is_transparent::<EventId>();
        shares_the_rule_and_is_transparent::<AuNumber>();
        shares_the_rule_and_is_transparent::<OverpaymentId>();
    }

    #[test]
    fn a_role_converts_to_the_role_less_id_only_by_name() {
        let p = PayeeNumber::parse("100200300").unwrap();
        assert_eq!(p.to_id(), Id::parse("100200300").unwrap());
        assert_eq!(format!("{p:?}"), "PayeeNumber(\"100200300\")");
    }

    #[test]
    fn document_ids_join_their_parts_and_serialize_as_text() {
        let payment = PaymentId::parse("880000236").unwrap();
        let mut id = DocumentId::join(&[&"RA", &payment]);
        assert_eq!((id.as_str(), id.to_string()), ("RA-880000236", "RA-880000236".to_string()));
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"RA-880000236\"");
        id.push_str("-C20270115");
        assert!(id == "RA-880000236-C20270115");
    }
}
