//! The claim receipt kind: one receipt per claim submitted online, made
//! through the document pipeline like every other kind (composed from the
//! extract, checked, rendered by `templates/receipt.typ`), for the
//! provider portal's download only. The portal makes a submission's
//! receipt on demand (`crate::ondemand::OnDemand::receipt`), archived
//! (PDF/A-2b) or tagged (PDF/UA-1).

use chrono::NaiveDate;
use serde::Serialize;

use super::OpError;
use crate::compose::receipt::{self, ClaimReceipt, ReceiptError, Submitted};
use crate::kind::Kind;
use crate::load;
use crate::model::{Language, Month};
use crate::pipeline::{Allowed, Check, Composed, Context, DocumentKind, Period};

/// Receipts of these submissions, dated `date`.
pub struct Receipts {
    /// The submissions.
    pub claims: Vec<Submitted>,
    /// The receipts' date (the PDF's).
    pub date: NaiveDate,
}

/// The kind's figures in `summary.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReceiptFigures {
    /// Claims received.
    pub claims: usize,
}

impl DocumentKind for Receipts {
    type Doc = ClaimReceipt;
    type Extra = ReceiptFigures;

    fn kind(&self) -> Kind {
        Kind::Receipt
    }

    fn period(&self) -> Period {
        let date = self.date;
        Period { key: date.to_string(), ident: format!("ssps-claim-receipts-{date}"), date, month: Month::of(date) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.date(lang, self.date)
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, ClaimReceipt, ReceiptFigures>, OpError> {
        let v = ctx.read("claim receipts", &[load::PAYEES.name, load::PROVIDERS.name, load::AUTHORIZATIONS.name])?;
        let words = |lang: Language, d: NaiveDate| ctx.texts.date(lang, d);
        let receipts = receipt::receipts(&v.extract, &self.claims, &words).map_err(|e| match e {
            ReceiptError::Overflow(o) => OpError::from(o),
            other => OpError::Kind(Box::new(other)),
        })?;
        let lines: usize = self.claims.iter().map(|c| c.lines.len()).sum();
        let checks = vec![
            Check::new("claims with a receipt", self.claims.len(), receipts.len()),
            Check::new("lines claimed = lines on the receipts", lines, receipts.iter().map(|r| r.meta.lines).sum::<usize>()),
        ];
        Ok(Composed::new(v, receipts, checks, ReceiptFigures { claims: self.claims.len() }))
    }

    fn channels(&self) -> Allowed {
        Allowed::DOWNLOAD_ONLY
    }
}
