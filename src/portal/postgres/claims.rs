//! [`ClaimStore`] on PostgreSQL. A save or a submission is one upsert
//! that changes nothing once the claim is submitted (PostgreSQL locks the
//! row it conflicts on, so of two submissions at once exactly one takes
//! it); an export batch runs under the export advisory lock, so two
//! servers exporting at once make one batch and the other finds nothing.

use super::pool::Conn;
use super::PgStore;
use crate::portal::store::{AlreadySubmitted, ClaimRecord, ClaimState, ClaimStore, ClaimWrite, ExportBatch, StoreResult};

/// The advisory lock an export batch takes.
const EXPORT_LOCK: i64 = 0x5353_5053_0002;

const CLAIM: &str =
    "SELECT payee_number, invoice_number, month, state, entries, saved_at, saved_by, submitted_at, export_batch FROM claims";

fn claim_row(r: &tokio_postgres::Row) -> ClaimRecord {
    let state: String = r.get(3);
    ClaimRecord {
        payee_number: r.get(0),
        invoice_number: r.get(1),
        month: r.get(2),
        state: ClaimState::parse(&state),
        entries: r.get(4),
        saved_at: r.get(5),
        saved_by: r.get(6),
        submitted_at: r.get(7),
        export_batch: r.get(8),
    }
}

fn batch_of(c: &mut Conn, batch: i64) -> Result<Option<ExportBatch>, tokio_postgres::Error> {
    let Some(head) = c.opt("SELECT at, cutoff FROM claim_exports WHERE batch = $1", &[&batch])? else { return Ok(None) };
    let rows = c.query(
        &format!("{CLAIM} WHERE export_batch = $1 ORDER BY submitted_at, payee_number COLLATE \"C\", invoice_number COLLATE \"C\""),
        &[&batch],
    )?;
    Ok(Some(ExportBatch { batch, at: head.get(0), cutoff: head.get(1), claims: rows.iter().map(claim_row).collect() }))
}

impl ClaimStore for PgStore {
    fn claim(&self, payee_number: &str, invoice_number: &str) -> StoreResult<Option<ClaimRecord>> {
        self.with(|c| {
            let row = c.opt(&format!("{CLAIM} WHERE payee_number = $1 AND invoice_number = $2"), &[&payee_number, &invoice_number])?;
            Ok(row.as_ref().map(claim_row))
        })
    }

    fn claims_of(&self, payee_number: &str) -> StoreResult<Vec<ClaimRecord>> {
        self.with(|c| {
            let rows =
                c.query(&format!("{CLAIM} WHERE payee_number = $1 ORDER BY month DESC, invoice_number COLLATE \"C\""), &[&payee_number])?;
            Ok(rows.iter().map(claim_row).collect())
        })
    }

    fn save_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>> {
        self.write_claim(c, ClaimState::Draft)
    }

    fn submit_claim(&self, c: &ClaimWrite<'_>) -> StoreResult<Result<(), AlreadySubmitted>> {
        self.write_claim(c, ClaimState::Submitted)
    }

    fn export_claims(&self, cutoff: i64, now: i64) -> StoreResult<Option<ExportBatch>> {
        self.with(|c| {
            let mut tx = c.begin()?;
            tx.one("SELECT pg_advisory_xact_lock($1)", &[&EXPORT_LOCK])?;
            let waiting: i64 = tx
                .one("SELECT COUNT(*) FROM claims WHERE state = 'submitted' AND export_batch IS NULL AND submitted_at < $1", &[&cutoff])?
                .get(0);
            if waiting == 0 {
                return Ok(None);
            }
            let batch: i64 = tx.one("SELECT COALESCE(MAX(batch), 0) + 1 FROM claim_exports", &[])?.get(0);
            tx.execute("INSERT INTO claim_exports (batch, at, cutoff) VALUES ($1, $2, $3)", &[&batch, &now, &cutoff])?;
            tx.execute(
                "UPDATE claims SET export_batch = $1 WHERE state = 'submitted' AND export_batch IS NULL AND submitted_at < $2",
                &[&batch, &cutoff],
            )?;
            let out = batch_of(&mut tx, batch)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn export_batch(&self, batch: i64) -> StoreResult<Option<ExportBatch>> {
        self.with(|c| batch_of(c, batch))
    }
}

impl PgStore {
    fn write_claim(&self, w: &ClaimWrite<'_>, state: ClaimState) -> StoreResult<Result<(), AlreadySubmitted>> {
        let submitted_at = (state == ClaimState::Submitted).then_some(w.now);
        self.with(|c| {
            let n = c.execute(
                "INSERT INTO claims (payee_number, invoice_number, month, state, entries, saved_at, saved_by, submitted_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (payee_number, invoice_number) DO UPDATE SET
                   state = EXCLUDED.state, entries = EXCLUDED.entries, saved_at = EXCLUDED.saved_at,
                   saved_by = EXCLUDED.saved_by, submitted_at = EXCLUDED.submitted_at
                 WHERE claims.state <> 'submitted'",
                &[&w.payee_number, &w.invoice_number, &w.month, &state.word(), &w.entries, &w.now, &w.account_id, &submitted_at],
            )?;
            Ok(if n == 1 { Ok(()) } else { Err(AlreadySubmitted) })
        })
    }
}
