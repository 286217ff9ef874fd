//! The claims part of the [`super::Store`]: invoices claimed online, from
//! a saved draft to a submission frozen for good, and their export to the
//! payment system exactly once.
//!
//! A submission is one row per payee and invoice number; once submitted
//! it never changes again, and an export batch takes every submission
//! sent before the processing cutoff that no batch took yet, in one
//! transaction, so two servers exporting at once cannot both take a row.

use super::StoreResult;

/// How far a claim has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    /// Saved, still open to changes.
    Draft,
    /// Sent: frozen.
    Submitted,
}

impl ClaimState {
    /// The stored word.
    pub fn word(self) -> &'static str {
        match self {
            ClaimState::Draft => "draft",
            ClaimState::Submitted => "submitted",
        }
    }

    /// From the stored word.
    pub fn parse(s: &str) -> ClaimState {
        if s == "submitted" {
            ClaimState::Submitted
        } else {
            ClaimState::Draft
        }
    }
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    /// The payee.
    pub payee_number: String,
    /// The invoice number.
    pub invoice_number: String,
    /// The service month, `YYYY-MM`.
    pub month: String,
    /// Draft or submitted.
    pub state: ClaimState,
    /// The lines as entered: JSON of `reference_number → LineEntry`
    /// (`crate::claim::entry`).
    pub entries: String,
    /// Last saved (or submitted), Unix seconds.
    pub saved_at: i64,
    /// By which account.
    pub saved_by: i64,
    /// When it was submitted.
    pub submitted_at: Option<i64>,
    /// The export batch that took it.
    pub export_batch: Option<i64>,
}

/// A claim to save or submit.
#[derive(Debug, Clone, Copy)]
pub struct ClaimWrite<'a> {
    /// The payee.
    pub payee_number: &'a str,
    /// The invoice number.
    pub invoice_number: &'a str,
    /// The service month.
    pub month: &'a str,
    /// The lines, JSON.
    pub entries: &'a str,
    /// The account acting.
    pub account_id: i64,
    /// Now.
    pub now: i64,
}

/// Refused: the invoice was submitted already (a replayed or second
/// submission, or a save after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadySubmitted;

/// An export batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportBatch {
    /// Its number (1, 2, …).
    pub batch: i64,
    /// When it was taken.
    pub at: i64,
    /// The cutoff it took submissions up to (exclusive).
    pub cutoff: i64,
    /// The submissions it took, in submission order.
    pub claims: Vec<ClaimRecord>,
}

/// Claims in the store.
pub trait ClaimStore {
    /// A payee's claim of an invoice.
    fn claim(&self, payee_number: &str, invoice_number: &str) -> StoreResult<Option<ClaimRecord>>;
    /// A payee's claims, newest first.
    fn claims_of(&self, payee_number: &str) -> StoreResult<Vec<ClaimRecord>>;
    /// Saves a draft (creating it); refused once submitted.
    fn save_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>>;
    /// Submits (freezes) a claim with these lines; refused when it was
    /// submitted already.
    fn submit_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>>;
    /// Takes every submission sent before `cutoff` that no batch took, as
    /// a new batch, in one transaction; `None` when there is none.
    fn export_claims(&self, cutoff: i64, now: i64) -> StoreResult<Option<ExportBatch>>;
    /// A batch taken before (to write its file again).
    fn export_batch(&self, batch: i64) -> StoreResult<Option<ExportBatch>>;
}
