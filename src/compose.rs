//! Stage 3, compose: validated records → documents as data.
//!
//! A document here is everything a template needs, already formatted as
//! text (money to the cent with [`Decimal`], dates as the form prints them),
//! plus the facts later stages need to route and account for it (ZIP,
//! channels, amounts). Templates never compute: what is printed is decided
//! here, so it can be tested without rendering. No I/O happens here.
//!
//! Remittance advices are composed in [`remittance`], Social Services
//! Notices in [`notice`], the ACES SSP letters in [`letter`], Vendor
//! Overpayment Notices in [`overpayment`], the 1099 statements in
//! [`statement`], the provider-portal registration letters in
//! [`registration`].
//!
//! The DSHS 08-141 invoice (booklet seed 002, pages 19–22): one per provider
//! per month, listing every authorization line of that provider that
//! overlaps the month, sorted by child then reference number, six lines a
//! page.

pub mod letter;
pub mod notice;
pub mod overpayment;
pub mod receipt;
pub mod registration;
pub mod remittance;
pub mod statement;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{
    Address, Authorization, Client, ClientId, Delivery, Extract, Id, Language, Month, Payee, PayeeNumber, Provider, ProviderNumber,
    ReferenceNumber,
};

/// Who receives a document: the manifest's `recipient_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientKind {
    /// A payee (a provider paid by SSPS): mail, email and the portal.
    Payee,
    /// A client (an SSP recipient): letters by mail.
    Client,
    /// The department's own staff (a report): no channel takes the
    /// document; it stays in the run folder's `documents/`.
    Staff,
}

impl RecipientKind {
    /// `payee`, `client` or `staff`.
    pub fn name(self) -> &'static str {
        match self {
            RecipientKind::Payee => "payee",
            RecipientKind::Client => "client",
            RecipientKind::Staff => "staff",
        }
    }
}

/// Who a document goes to and how: what routing and the journal need of
/// every document, whatever its kind.
#[derive(Debug, Clone)]
pub struct Addressee {
    /// Whether the recipient is a payee or a client.
    pub recipient: RecipientKind,
    /// The recipient's id: the payee number, or the client ID of a
    /// client's letter (the folder of its file copy), or the staff's id of a
    /// report. Role-less on purpose: [`Self::recipient`] says which role,
    /// and routing, the journal and the manifest take it as text; it is
    /// made only by [`Addressee::payee`], [`Addressee::client`] and
    /// [`Addressee::staff`], which name the role they drop.
    pub id: Id,
    /// The name in the window (the payee's legal name).
    pub name: String,
    /// The mailing address.
    pub address: Address,
    /// The payee's delivery choice.
    pub delivery: Delivery,
    /// The payee's email address, when given.
    pub email: Option<String>,
    /// The language of the payee's messages.
    pub language: Language,
    /// Whether the addressee downloads the documents (the `download`
    /// channel): payees from the provider portal, staff their reports from
    /// the run folder's `download/`; clients get their letters by mail only.
    pub portal: bool,
}

impl Addressee {
    /// A payee as the addressee of their documents.
    pub fn payee(payee: &Payee) -> Addressee {
        Addressee {
            recipient: RecipientKind::Payee,
            id: payee.payee_number.to_id(),
            name: payee.name.clone(),
            address: payee.address.clone(),
            delivery: payee.delivery,
            email: payee.email.clone(),
            language: payee.language,
            portal: true,
        }
    }

    /// A payee as the addressee of a document that goes by mail only,
    /// whatever their delivery choice (a registration letter carries a
    /// secret): no email address, not in the portal.
    pub fn payee_by_mail_only(payee: &Payee) -> Addressee {
        Addressee { delivery: Delivery::Mail, email: None, portal: false, ..Addressee::payee(payee) }
    }

    /// A client as the addressee of a letter: mail only.
    pub fn client(client: &Client, address: &Address) -> Addressee {
        Addressee {
            recipient: RecipientKind::Client,
            id: client.client_id.to_id(),
            name: client.full_name(),
            address: address.clone(),
            delivery: Delivery::Mail,
            email: None,
            language: client.language,
            portal: false,
        }
    }

    /// Staff as the addressee of a report: no mail or email; the report is
    /// theirs to download (`download/<id>.zip`, beside its file copy under
    /// `documents/<id>/`).
    pub fn staff(id: Id, name: &str) -> Addressee {
        let nowhere =
            Address { line1: String::new(), line2: None, city: String::new(), state: String::new(), zip: String::new(), mailable: false };
        Addressee {
            recipient: RecipientKind::Staff,
            id,
            name: name.to_string(),
            address: nowhere,
            delivery: Delivery::Mail,
            email: None,
            language: Language::En,
            portal: true,
        }
    }

    /// Whether paper was asked for (delivery mail or both; never for staff).
    pub fn wants_mail(&self) -> bool {
        self.recipient != RecipientKind::Staff && matches!(self.delivery, Delivery::Mail | Delivery::Both)
    }

    /// Whether email was asked for (delivery email or both; never for staff).
    pub fn wants_email(&self) -> bool {
        self.recipient != RecipientKind::Staff && matches!(self.delivery, Delivery::Email | Delivery::Both)
    }

    /// The address to mail to: paper was asked for and the address can be
    /// mailed.
    pub fn mail_address(&self) -> Option<&Address> {
        Some(&self.address).filter(|a| self.wants_mail() && a.mailable)
    }
}

/// What later stages need to know about any document, not printed as such.
#[derive(Debug, Clone)]
pub struct DocMeta {
    /// Who it goes to.
    pub to: Addressee,
    /// The amount it is about (authorized, paid).
    pub amount: Decimal,
    /// Lines it lists.
    pub lines: usize,
    /// Authorization reference numbers it lists, in print order (none for
    /// remittance advices).
    pub references: Vec<ReferenceNumber>,
}

/// What the render, route and journal stages need of any document: the
/// pipeline in `ops` is written once against this trait.
pub trait Document: Serialize + Sync {
    /// The document id, unique for its payee within a run (a file name:
    /// letters, digits and `-`).
    fn id(&self) -> &str;
    /// Its kind.
    fn kind(&self) -> crate::kind::Kind;
    /// Routing and accounting facts.
    fn meta(&self) -> &DocMeta;
    /// Pages it takes (the template is checked to make exactly these).
    fn page_count(&self) -> usize;
    /// The PDF's title.
    fn title(&self) -> String;
    /// The provider it concerns, if one.
    fn provider_number(&self) -> &str {
        ""
    }
    /// Who it goes to.
    fn to(&self) -> &Addressee {
        &self.meta().to
    }
    /// Lines it lists.
    fn lines(&self) -> usize {
        self.meta().lines
    }
    /// The amount it is about (authorized, paid).
    fn amount(&self) -> Decimal {
        self.meta().amount
    }
}

/// Service lines printed on one invoice page (the pre-printed form has six).
pub const LINES_PER_PAGE: usize = 6;

/// Invoice Express takes invoices of fewer than this many lines (booklet p. 23).
pub const INVOICE_EXPRESS_MAX_LINES: usize = 50;

/// The Invoice Express telephone number printed on the form (booklet p. 20).
pub const INVOICE_EXPRESS_PHONE: &str = "1-888-461-8855";

/// One service line as printed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InvoiceLine {
    /// Line number on the invoice, 1-based, continuing across pages.
    pub n: usize,
    /// SERVICE RECIPIENT: the child's name.
    pub recipient: String,
    /// SERVICE PERIOD from, `MM/DD/YYYY`.
    pub from: String,
    /// SERVICE PERIOD to.
    pub to: String,
    /// AMOUNT AUTHORIZED: units × rate, `1,234.56`.
    pub amount: String,
    /// AUTHORIZED RATE.
    pub rate: String,
    /// SERVICE UNIT: DA, HR, MO, EA.
    pub unit: String,
    /// The pre-printed TOTAL UNITS maximum.
    pub max_units: String,
    /// SERVICE NAME.
    pub service_name: String,
    /// Reference number but its last four digits.
    pub ref_head: String,
    /// The last four digits: what Invoice Express asks for.
    pub ref_tail: String,
    /// CASE NUMBER.
    pub case_number: String,
    /// AUTHORIZATION number.
    pub authorization: String,
    /// WORKER I.D.
    pub worker: String,
    /// REPORTING UNIT.
    pub reporting_unit: String,
    /// SERVICE CODE.
    pub service_code: String,
}

/// One 08-141 invoice, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct Invoice {
    /// The invoice number, see [`invoice_number`].
    pub number: String,
    /// `REGULAR` (supplemental invoices are not produced by this run).
    pub kind: &'static str,
    /// PAYEE NUMBER.
    pub payee_number: String,
    /// PROVIDER NUMBER.
    pub provider_number: String,
    /// FOR MONTH ENDING, `MM/DD/YYYY`.
    pub month_ending: String,
    /// The payee's address block for the window: name, dba, street lines,
    /// `CITY ST  ZIP`.
    pub address: Vec<String>,
    /// The provider (facility) name.
    pub provider_name: String,
    /// Whether Invoice Express can take this invoice (fewer than 50 lines).
    pub express: bool,
    /// Pages of at most six lines each.
    pub pages: Vec<Vec<InvoiceLine>>,
    /// Sum of AMOUNT AUTHORIZED, `1,234.56`.
    pub total: String,
    /// Facts for routing and accounting, not printed by the template.
    #[serde(skip)]
    pub meta: DocMeta,
}

impl Document for Invoice {
    fn id(&self) -> &str {
        &self.number
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Invoice
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn title(&self) -> String {
        format!("DSHS 08-141 invoice {} for month ending {}", self.number, self.month_ending)
    }

    fn provider_number(&self) -> &str {
        &self.provider_number
    }
}

/// The invoice number as Invoice Express keys it: three digits, a letter, a
/// dash, six digits (`300A-261101`).
///
/// - the three digits are the last three digits of the payee number (the
///   sample extracts' `300A…` invoices belong to payee 100200300); a payee
///   number with fewer digits is zero-padded on the left;
/// - the letter orders the payee's providers (by provider number): A for
///   the first, B for the second, … (invoices are per provider);
/// - the six digits are the billing month, `YYMM`, the month after the
///   service month (the sample payments settle service month 2026-09 on
///   invoice `…-261001`), and a two-digit sequence: `01` for the regular
///   invoice of providers A–Z, `02` for a payee's 27th to 52nd provider, ….
///
/// Invoice Express asks for the invoice number *and* the payee number, so the
/// number needs to be unique per payee and month, which this is; it depends
/// only on the payee's providers and the month, so reruns give the same number.
pub fn invoice_number(payee_number: &PayeeNumber, provider_ordinal: usize, month: Month) -> String {
    let digits: Vec<u8> = payee_number.as_str().bytes().filter(u8::is_ascii_digit).collect();
    let mut last3 = [b'0'; 3];
    for (i, d) in digits.iter().rev().take(3).enumerate() {
        last3[2 - i] = *d;
    }
    let letter = (b'A' + (provider_ordinal % 26) as u8) as char;
    let seq = 1 + provider_ordinal / 26;
    let billing = month.next();
    format!("{}{letter}-{:02}{:02}{:02}", String::from_utf8_lossy(&last3), billing.year().rem_euclid(100), billing.month(), seq % 100)
}

/// Money as printed (`1,234.50`): [`crate::money::printed`].
pub use crate::money::printed as money;

/// Units as printed: no trailing zeros (`22`, `7.5`).
pub fn units(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A date as the form prints it.
pub fn form_date(d: chrono::NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

/// The address block of a payee, in window order.
pub fn payee_address(payee: &Payee) -> Vec<String> {
    let mut v = vec![payee.name.clone()];
    if let Some(dba) = &payee.dba_name {
        if dba != &payee.name {
            v.push(dba.clone());
        }
    }
    v.extend(address_lines(&payee.address));
    v
}

pub(crate) fn address_lines(a: &Address) -> Vec<String> {
    let mut v = vec![a.line1.clone()];
    if let Some(l2) = &a.line2 {
        v.push(l2.clone());
    }
    v.push(a.last_line());
    v
}

/// The month's invoices, one per provider with at least one line, in
/// payee then provider order.
pub fn invoices(x: &Extract, month: Month) -> Result<Vec<Invoice>, crate::money::Overflow> {
    // Lines per provider.
    let mut by_provider: BTreeMap<&ProviderNumber, Vec<&Authorization>> = BTreeMap::new();
    for a in x.authorizations.values() {
        if month.overlaps(a.start_date, a.end_date) {
            by_provider.entry(&a.provider_number).or_default().push(a);
        }
    }
    // Provider ordinals within each payee, over all the payee's providers in
    // the extract (not only those billed this month) so letters are stable.
    let mut ordinal: BTreeMap<&ProviderNumber, usize> = BTreeMap::new();
    let mut per_payee: BTreeMap<&PayeeNumber, usize> = BTreeMap::new();
    for p in x.providers.values() {
        let n = per_payee.entry(&p.payee_number).or_default();
        ordinal.insert(&p.provider_number, *n);
        *n += 1;
    }

    let mut out = Vec::new();
    for provider in x.providers.values() {
        let Some(lines) = by_provider.get_mut(&provider.provider_number) else {
            continue;
        };
        let Some(payee) = x.payees.get(&provider.payee_number) else {
            continue;
        };
        lines.sort_by(|a, b| child_key(x, a).cmp(&child_key(x, b)).then_with(|| a.reference_number.cmp(&b.reference_number)));
        out.push(invoice(x, month, payee, provider, ordinal[&provider.provider_number], lines)?);
    }
    out.sort_by(|a, b| (&a.meta.to.id, &a.number).cmp(&(&b.meta.to.id, &b.number)));
    Ok(out)
}

fn child_key<'a>(x: &'a Extract, a: &'a Authorization) -> (&'a str, &'a str, &'a ClientId) {
    match x.clients.get(&a.client_id) {
        Some(c) => (c.last_name.as_str(), c.first_name.as_str(), &a.client_id),
        None => ("", "", &a.client_id),
    }
}

fn invoice(
    x: &Extract,
    month: Month,
    payee: &Payee,
    provider: &Provider,
    ordinal: usize,
    lines: &[&Authorization],
) -> Result<Invoice, crate::money::Overflow> {
    let number = invoice_number(&payee.payee_number, ordinal, month);
    let mut total = Decimal::ZERO;
    let printed: Vec<InvoiceLine> = lines
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let amount = a.amount_authorized()?;
            total = total
                .checked_add(amount)
                .ok_or_else(|| crate::money::Overflow::new(format!("invoice {number} (provider {})", provider.provider_number)))?;
            let client = x.clients.get(&a.client_id);
            let r = a.reference_number.as_str();
            let split = r.len().saturating_sub(4);
            Ok(InvoiceLine {
                n: i + 1,
                recipient: client.map(|c| c.full_name()).unwrap_or_default(),
                from: form_date(a.start_date),
                to: form_date(a.end_date),
                amount: money(amount),
                rate: money(a.rate),
                unit: a.unit.code().to_string(),
                max_units: units(a.units_authorized),
                service_name: a.service_name.clone(),
                ref_head: r[..split].to_string(),
                ref_tail: r[split..].to_string(),
                case_number: client.map(|c| c.case_number.to_string()).unwrap_or_default(),
                authorization: a.authorization_number.to_string(),
                worker: a.worker_id.to_string(),
                reporting_unit: a.reporting_unit.to_string(),
                service_code: a.service_code.clone(),
            })
        })
        .collect::<Result<_, _>>()?;
    let n = printed.len();
    Ok(Invoice {
        number,
        kind: "REGULAR",
        payee_number: payee.payee_number.to_string(),
        provider_number: provider.provider_number.to_string(),
        month_ending: form_date(month.last_day()),
        address: payee_address(payee),
        provider_name: provider.name.clone(),
        express: n < INVOICE_EXPRESS_MAX_LINES,
        pages: printed.chunks(LINES_PER_PAGE).map(<[InvoiceLine]>::to_vec).collect(),
        total: money(total),
        meta: DocMeta {
            to: Addressee::payee(payee),
            amount: total,
            lines: n,
            references: lines.iter().map(|a| a.reference_number.clone()).collect(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_numbers() {
        let m = Month::parse("2026-10").unwrap();
        let p = PayeeNumber::parse("100200300").unwrap();
        assert_eq!(invoice_number(&p, 0, m), "300A-261101");
        assert_eq!(invoice_number(&p, 1, m), "300B-261101");
        assert_eq!(invoice_number(&p, 26, m), "300A-261102");
        let dec = Month::parse("2026-12").unwrap();
        assert_eq!(invoice_number(&p, 0, dec), "300A-270101");
        assert_eq!(invoice_number(&PayeeNumber::parse("P7").unwrap(), 0, m), "007A-261101");
        let sept = Month::parse("2026-09").unwrap();
        // as in the sample's payment_lines.csv for service month 2026-09
        assert_eq!(invoice_number(&PayeeNumber::parse("100200303").unwrap(), 0, sept), "303A-261001");
    }

    #[test]
    fn money_format() {
        assert_eq!(money(Decimal::new(203060, 2)), "2,030.60");
        assert_eq!(money(Decimal::new(5, 1)), "0.50");
        assert_eq!(money(Decimal::new(-123456789, 2)), "-1,234,567.89");
        assert_eq!(money(Decimal::new(100000, 0)), "100,000.00");
        assert_eq!(money(Decimal::ZERO), "0.00");
        assert_eq!(units(Decimal::new(2200, 2)), "22");
        assert_eq!(units(Decimal::new(75, 1)), "7.5");
    }
}
