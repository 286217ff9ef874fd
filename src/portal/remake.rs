//! Documents made on demand for the portal (placeholder until the
//! on-demand renderer lands): answers that nothing can be re-made.

use super::catalog::Catalog;
use super::store::{DocRecord, RunRecord};
use super::Remaker;

struct Nothing;

impl Remaker for Nothing {
    fn remittance(&self, _: &Catalog, _: &str, _: &str, _: bool) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn tagged(&self, _: &Catalog, _: &RunRecord, _: &DocRecord) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
}

/// The re-maker of these assets.
pub fn remaker(_assets: &crate::assets::Assets) -> Result<Box<dyn Remaker>, crate::ops::portal::PortalError> {
    Ok(Box::new(Nothing))
}
