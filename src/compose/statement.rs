//! The Form 1099-NEC recipient statement (Copy B), a substitute statement
//! under IRS Publication 1179: one per return, never combined with another
//! form. Page 1 is the form (the payer in the return window, the recipient
//! in the address window); page 2, the back of the sheet, the instructions
//! for the recipient.
//!
//! The recipient's TIN is truncated (`***-**-1234`, `XX-XXX1234`); the
//! payer's is printed in full. Who gets paper: every recipient, except one
//! who consented to electronic statements and has an email address; that
//! one gets an email saying the statement is in the provider portal (never
//! the statement itself as an attachment).

use rust_decimal::Decimal;
use serde::Serialize;

use super::{money, payee_address, Addressee, DocMeta, Document};
use crate::model::{Delivery, Language};
use crate::tax1099::ledger::Return;
use crate::tax1099::Payer;

/// One statement, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// Document id: `1099NEC-<year>-<account>`.
    pub id: crate::model::DocumentId,
    /// The tax year.
    pub year: String,
    /// Marked CORRECTED (a correction or a void).
    pub corrected: bool,
    /// A return corrected to zero (filed in error, or the old TIN of a
    /// two-step correction).
    pub void: bool,
    /// The payer's block: name, street, city line, telephone.
    pub payer: Vec<String>,
    /// The payer's TIN, in full.
    pub payer_tin: String,
    /// The recipient's TIN, truncated.
    pub recipient_tin: String,
    /// The recipient's name and address as the window shows them.
    pub address: Vec<String>,
    /// The account number (the payee number).
    pub account: String,
    /// Box 1, `12,345.67`.
    pub box1: String,
    /// Other payee numbers whose payments box 1 adds up (same TIN).
    pub also: Vec<String>,
    /// `en` or `es`: picks the note for a non-English reader.
    pub language: &'static str,
    #[serde(skip)]
    meta: DocMeta,
}

impl Document for Statement {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Statement1099
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        2
    }

    fn title(&self) -> String {
        let c = if self.corrected { "Corrected " } else { "" };
        format!("{c}Form 1099-NEC for {}, account {}", self.year, self.account)
    }
}

/// Whether a recipient is furnished electronically: consent given and an
/// email address to send the notice to.
pub fn electronic(r: &Return) -> bool {
    crate::tax1099::ledger::furnished(&r.payee) == "electronic"
}

/// The statement of a return this run files.
pub fn statement(r: &Return, payer: &Payer, year: i32) -> Statement {
    let p = &r.payee;
    let mut to = Addressee::payee(p);
    // Paper unless furnished electronically; the portal holds the
    // electronic statements only.
    let e = electronic(r);
    to.delivery = if e { Delivery::Email } else { Delivery::Mail };
    to.portal = e;
    let mut payer_lines = payer.lines();
    payer_lines.push(payer.phone.clone());
    Statement {
        id: crate::model::DocumentId::join(&[&"1099NEC", &year, &r.account]),
        year: year.to_string(),
        corrected: r.filing.corrected(),
        void: r.filing == crate::tax1099::ledger::Filing::Void,
        payer: payer_lines,
        payer_tin: payer.ein.formatted(),
        recipient_tin: p.tin.truncated(),
        address: payee_address(p),
        account: r.account.to_string(),
        box1: money(r.amount),
        also: r.members.iter().filter(|m| **m != r.account).map(ToString::to_string).collect(),
        language: match p.language {
            Language::En => "en",
            Language::Es => "es",
        },
        meta: DocMeta { to, amount: r.amount, lines: 1, references: Vec::new() },
    }
}

/// Box 1 read back from a statement as printed.
pub fn printed_amount(s: &Statement) -> Option<Decimal> {
    s.box1.replace(',', "").parse().ok()
}
