//! Claim receipts: the provider's proof that an invoice was claimed online
//! through the provider portal, one per submission: when it was sent,
//! each line as claimed (child, service, units, rate, amount), the total,
//! when it will be processed and paid, and that the paper invoice must
//! not be mailed or called in as well.
//!
//! The lines come from the submission as stored and the rest (the payee's
//! address, the provider, the children, the printed rates) from the
//! extract, as the invoice printed them. Amounts are `Decimal`, each
//! line's units × rate rounded to the cent with checked arithmetic, the
//! total their checked sum.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{form_date, money, payee_address, Addressee, DocMeta, Document};
use crate::claim::timing::{Expected, Paid};
use crate::model::{DocumentId, Extract, InvoiceNumber, Language, Month, PayeeNumber, ReferenceNumber};
use crate::money::Overflow;

/// Lines a receipt page holds.
pub const LINES_PER_PAGE: usize = 20;

/// One claim as submitted, with its dates.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The payee.
    pub payee: PayeeNumber,
    /// The invoice number.
    pub invoice_number: InvoiceNumber,
    /// The service month.
    pub month: Month,
    /// Each line claimed, in the invoice's order: reference number,
    /// units, the corrected rate if one was written.
    pub lines: Vec<(ReferenceNumber, Decimal, Option<Decimal>)>,
    /// When it was sent, Washington time.
    pub sent: NaiveDateTime,
    /// When it is processed and paid.
    pub expected: Expected,
}

/// A line of a receipt, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptLine {
    /// Its line number on the invoice.
    pub n: usize,
    /// The child.
    pub child: String,
    /// The service.
    pub service: String,
    /// The reference number.
    pub reference: String,
    /// Units claimed.
    pub units: String,
    /// The rate paid (the corrected one when written), `1,234.56`.
    pub rate: String,
    /// Whether the rate is a corrected one.
    pub corrected: bool,
    /// Units × rate.
    pub amount: String,
}

/// One claim receipt, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimReceipt {
    /// Document id: `CR-<invoice number>`.
    pub id: DocumentId,
    /// `en` or `es`.
    pub language: &'static str,
    /// The payee's number.
    pub payee_number: String,
    /// The payee's name and address block.
    pub address: Vec<String>,
    /// The invoice number.
    pub invoice_number: String,
    /// FOR MONTH ENDING, `MM/DD/YYYY`.
    pub month_ending: String,
    /// The provider, name and number.
    pub provider: String,
    /// Sent: the date in words and the time (`HH:MM`).
    pub sent_date: String,
    /// The time sent, Washington time.
    pub sent_time: String,
    /// The processing date in words.
    pub processed: String,
    /// `dd` (direct deposit) or `warrant`.
    pub paid_by: &'static str,
    /// The payment date in words (settlement or mailing).
    pub payment: String,
    /// Pages of lines.
    pub pages: Vec<Vec<ReceiptLine>>,
    /// The total claimed, `1,234.56`.
    pub total: String,
    /// Not printed: who it goes to, the amount, the lines.
    #[serde(skip)]
    pub meta: DocMeta,
}

impl Document for ClaimReceipt {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Receipt
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn title(&self) -> String {
        format!("Claim receipt for invoice {} (month ending {})", self.invoice_number, self.month_ending)
    }
}

/// Why a receipt cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// An amount overflowed.
    #[error(transparent)]
    Overflow(#[from] Overflow),
    /// The claim names a payee, provider or line the extract does not have.
    #[error("the claim of invoice {invoice} names {what}, which the extract does not have")]
    Unknown {
        /// The invoice.
        invoice: String,
        /// What is missing.
        what: String,
    },
}

/// The receipts of `claims`, in the claims' order. `date` words come from
/// `date_words` (the documents' catalog: dates as on paper).
pub fn receipts(
    x: &Extract,
    claims: &[Submitted],
    date_words: &dyn Fn(Language, NaiveDate) -> String,
) -> Result<Vec<ClaimReceipt>, ReceiptError> {
    claims.iter().map(|c| receipt(x, c, date_words)).collect()
}

fn receipt(x: &Extract, c: &Submitted, date_words: &dyn Fn(Language, NaiveDate) -> String) -> Result<ClaimReceipt, ReceiptError> {
    let unknown = |what: String| ReceiptError::Unknown { invoice: c.invoice_number.to_string(), what };
    let payee = x.payees.get(&c.payee).ok_or_else(|| unknown(format!("payee {}", c.payee)))?;
    let mut total = Decimal::ZERO;
    let mut lines = Vec::with_capacity(c.lines.len());
    let mut provider = None;
    for (i, (reference, units, corrected)) in c.lines.iter().enumerate() {
        let a = x.authorizations.get(reference).ok_or_else(|| unknown(format!("line {reference}")))?;
        provider = provider.or_else(|| x.providers.get(&a.provider_number));
        let rate = corrected.unwrap_or(a.rate);
        let amount = units
            .checked_mul(rate)
            .map(|a| a.round_dp(2))
            .ok_or_else(|| Overflow::new(format!("receipt {} line {reference}", c.invoice_number)))?;
        total = total.checked_add(amount).ok_or_else(|| Overflow::new(format!("receipt {}", c.invoice_number)))?;
        lines.push(ReceiptLine {
            n: i + 1,
            child: x.clients.get(&a.client_id).map(|k| k.full_name()).unwrap_or_default(),
            service: format!("{} {}", a.service_code, a.service_name),
            reference: reference.to_string(),
            units: units.normalize().to_string(),
            rate: money(rate),
            corrected: corrected.is_some(),
            amount: money(amount),
        });
    }
    let provider = provider.ok_or_else(|| unknown("no line".into()))?;
    let lang = payee.language;
    let id = DocumentId::join(&[&"CR", &c.invoice_number]);
    let n = lines.len();
    Ok(ClaimReceipt {
        id,
        language: lang.code(),
        payee_number: payee.payee_number.to_string(),
        address: payee_address(payee),
        invoice_number: c.invoice_number.to_string(),
        month_ending: form_date(c.month.last_day()),
        provider: format!("{} ({})", provider.name, provider.provider_number),
        sent_date: date_words(lang, c.sent.date()),
        sent_time: c.sent.format("%H:%M").to_string(),
        processed: date_words(lang, c.expected.processed),
        paid_by: match c.expected.paid {
            Paid::DirectDeposit => "dd",
            Paid::Warrant => "warrant",
        },
        payment: date_words(lang, c.expected.payment),
        pages: if lines.is_empty() { vec![vec![]] } else { lines.chunks(LINES_PER_PAGE).map(<[ReceiptLine]>::to_vec).collect() },
        total: money(total),
        meta: DocMeta { to: Addressee::payee(payee), amount: total, lines: n, references: c.lines.iter().map(|l| l.0.clone()).collect() },
    })
}
