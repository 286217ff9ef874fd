//! Documents made on demand for the portal, through [`crate::ondemand`]:
//! the remittance advice of a payment no run made one for, and the tagged
//! (PDF/UA-1) copy of any document of a run, both from the extract the
//! portal holds. A tagged copy is made only when the extract makes the
//! same document as the run did: the same id for the same payee, and the
//! same amount as the run's manifest; otherwise the portal says the copy
//! is not available rather than serve a document that differs.

use rust_decimal::Decimal;

use super::catalog::Catalog;
use super::store::{DocRecord, RunRecord};
use super::Remaker;
use crate::model::PayeeNumber;
use crate::ondemand::{OnDemand, Remake};

/// The portal's re-maker: one [`OnDemand`] (templates, words, the kinds'
/// once-per-run pages); a payee's part of the extract comes from the
/// catalog's index.
pub struct Documents {
    made: OnDemand,
}

impl Remaker for Documents {
    fn remittance(&self, catalog: &Catalog, payee: &str, payment_id: &str, tagged: bool) -> Result<Option<Vec<u8>>, String> {
        let (Some(payment), Some(number)) = (catalog.payment_of(payee, payment_id), PayeeNumber::parse(payee)) else { return Ok(None) };
        let remake = Remake::remittance_for_payment(payment);
        let part = catalog.part(&number);
        let one = self.made.render_one(&remake, &number, &part, &format!("RA-{payment_id}"), tagged).map_err(|e| e.to_string())?;
        Ok(one.filter(|d| d.amount == payment.amount).map(|d| d.pdf))
    }

    fn tagged(&self, catalog: &Catalog, run: &RunRecord, doc: &DocRecord) -> Result<Option<Vec<u8>>, String> {
        let (Some(remake), Some(number)) = (Remake::from_summary(&run.run, &run.period), PayeeNumber::parse(&doc.payee_number)) else {
            return Ok(None);
        };
        let part = catalog.part(&number);
        let one = self.made.render_one(&remake, &number, &part, &doc.document_id, true).map_err(|e| e.to_string())?;
        let archived: Option<Decimal> = doc.amount.parse().ok();
        Ok(one.filter(|d| Some(d.amount) == archived).map(|d| d.pdf))
    }

    fn receipt(
        &self,
        catalog: &Catalog,
        claim: &crate::compose::receipt::Submitted,
        tagged: bool,
    ) -> Result<Option<(Vec<u8>, Decimal)>, String> {
        let part = catalog.part(&claim.payee);
        let one = self.made.receipt(claim, &part, tagged).map_err(|e| e.to_string())?;
        Ok(one.map(|d| (d.pdf, d.amount)))
    }
}

/// The re-maker of these assets (the runs' templates and words).
pub fn remaker(assets: &crate::assets::Assets) -> Result<Box<dyn Remaker>, crate::ops::portal::PortalError> {
    Ok(Box::new(Documents { made: OnDemand::new(assets)? }))
}
