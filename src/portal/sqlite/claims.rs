//! [`ClaimStore`] on SQLite: drafts, submissions and export batches. A
//! submission and an export batch are each one transaction taken with
//! `BEGIN IMMEDIATE`, so of two writers the second waits and then sees
//! the first's rows.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::SqliteStore;
use crate::portal::store::{AlreadySubmitted, ClaimRecord, ClaimState, ClaimStore, ClaimWrite, ExportBatch, StoreResult};

const CLAIM: &str =
    "SELECT payee_number, invoice_number, month, state, entries, saved_at, saved_by, submitted_at, export_batch FROM claims";

fn claim_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRecord> {
    let state: String = r.get(3)?;
    Ok(ClaimRecord {
        payee_number: r.get(0)?,
        invoice_number: r.get(1)?,
        month: r.get(2)?,
        state: ClaimState::parse(&state),
        entries: r.get(4)?,
        saved_at: r.get(5)?,
        saved_by: r.get(6)?,
        submitted_at: r.get(7)?,
        export_batch: r.get(8)?,
    })
}

fn batch_of(db: &rusqlite::Connection, batch: i64) -> rusqlite::Result<Option<ExportBatch>> {
    let Some((at, cutoff)) =
        db.query_row("SELECT at, cutoff FROM claim_exports WHERE batch = ?1", [batch], |r| Ok((r.get(0)?, r.get(1)?))).optional()?
    else {
        return Ok(None);
    };
    let mut st = db.prepare(&format!("{CLAIM} WHERE export_batch = ?1 ORDER BY submitted_at, payee_number, invoice_number"))?;
    let claims = st.query_map([batch], claim_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(ExportBatch { batch, at, cutoff, claims }))
}

impl ClaimStore for SqliteStore {
    fn claim(&self, payee_number: &str, invoice_number: &str) -> StoreResult<Option<ClaimRecord>> {
        self.with(|db| {
            db.query_row(
                &format!("{CLAIM} WHERE payee_number = ?1 AND invoice_number = ?2"),
                params![payee_number, invoice_number],
                claim_row,
            )
            .optional()
        })
    }

    fn claims_of(&self, payee_number: &str) -> StoreResult<Vec<ClaimRecord>> {
        self.with(|db| {
            let mut st = db.prepare(&format!("{CLAIM} WHERE payee_number = ?1 ORDER BY month DESC, invoice_number"))?;
            let rows = st.query_map([payee_number], claim_row)?;
            rows.collect()
        })
    }

    fn save_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>> {
        self.write_claim(c, ClaimState::Draft)
    }

    fn submit_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>> {
        self.write_claim(c, ClaimState::Submitted)
    }

    fn export_claims(&self, cutoff: i64, now: i64) -> StoreResult<Option<ExportBatch>> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let waiting: i64 = tx.query_row(
                "SELECT COUNT(*) FROM claims WHERE state = 'submitted' AND export_batch IS NULL AND submitted_at < ?1",
                [cutoff],
                |r| r.get(0),
            )?;
            if waiting == 0 {
                return Ok(None);
            }
            let batch: i64 = tx.query_row("SELECT COALESCE(MAX(batch), 0) + 1 FROM claim_exports", [], |r| r.get(0))?;
            tx.execute("INSERT INTO claim_exports (batch, at, cutoff) VALUES (?1, ?2, ?3)", params![batch, now, cutoff])?;
            tx.execute(
                "UPDATE claims SET export_batch = ?1 WHERE state = 'submitted' AND export_batch IS NULL AND submitted_at < ?2",
                params![batch, cutoff],
            )?;
            let out = batch_of(&tx, batch)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn export_batch(&self, batch: i64) -> StoreResult<Option<ExportBatch>> {
        self.with(|db| batch_of(db, batch))
    }
}

impl SqliteStore {
    fn write_claim(&self, c: &ClaimWrite<'_>, state: ClaimState) -> StoreResult<Result<(), AlreadySubmitted>> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now_state: Option<String> = tx
                .query_row(
                    "SELECT state FROM claims WHERE payee_number = ?1 AND invoice_number = ?2",
                    params![c.payee_number, c.invoice_number],
                    |r| r.get(0),
                )
                .optional()?;
            if now_state.as_deref().map(ClaimState::parse) == Some(ClaimState::Submitted) {
                return Ok(Err(AlreadySubmitted));
            }
            let submitted_at = (state == ClaimState::Submitted).then_some(c.now);
            tx.execute(
                "INSERT INTO claims (payee_number, invoice_number, month, state, entries, saved_at, saved_by, submitted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (payee_number, invoice_number) DO UPDATE SET
                   state = excluded.state, entries = excluded.entries, saved_at = excluded.saved_at,
                   saved_by = excluded.saved_by, submitted_at = excluded.submitted_at",
                params![c.payee_number, c.invoice_number, c.month, state.word(), c.entries, c.now, c.account_id, submitted_at],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
    }
}
