//! The embedded [`Store`]: one SQLite file (the project's `rusqlite`),
//! WAL, schema versions applied in order and recorded in
//! `PRAGMA user_version`.
//!
//! One connection behind a mutex: every statement is a short indexed
//! lookup or write, far below the page time (`benches/portal_load.rs`).

use std::path::Path;
use std::sync::Mutex;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use super::store::*;

mod claims;
mod messages;
mod people;
mod schema;

use schema::MIGRATIONS;

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The SQLite store.
pub struct SqliteStore {
    db: Mutex<Connection>,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date; a database of a newer program is refused.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        let db = Connection::open(path).map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        SqliteStore::init(db)
    }

    /// A store in memory (tests).
    pub fn in_memory() -> StoreResult<SqliteStore> {
        SqliteStore::init(Connection::open_in_memory().map_err(err)?)
    }

    fn init(mut db: Connection) -> StoreResult<SqliteStore> {
        db.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        // WAL with NORMAL sync: a commit survives a crash of the program;
        // a power cut may lose the last sessions, never corrupt the file.
        db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").map_err(err)?;
        let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError(format!(
                "the database has schema version {version}; this program knows versions up to {SCHEMA_VERSION}: use a newer ssps"
            )));
        }
        // A migration may rebuild a table that others reference: foreign
        // keys are off while migrating (SQLite's documented procedure) and
        // checked before each commit.
        db.execute_batch("PRAGMA foreign_keys = OFF;").map_err(err)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
            let tx = db.transaction().map_err(err)?;
            tx.execute_batch(sql).map_err(err)?;
            let broken: i64 = tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).map_err(err)?;
            if broken > 0 {
                return Err(StoreError(format!("schema version {}: {broken} rows would break a foreign key; nothing was changed", i + 1)));
            }
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(err)?;
            tx.commit().map_err(err)?;
        }
        db.execute_batch("PRAGMA foreign_keys = ON;").map_err(err)?;
        Ok(SqliteStore { db: Mutex::new(db) })
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
        // A panic while holding the lock cannot leave a transaction open
        // (rusqlite rolls back on drop), so a poisoned lock is still usable.
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut db).map_err(err)
    }
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let sealed: Option<Vec<u8>> = r.get(5)?;
    let nonce: Option<Vec<u8>> = r.get(6)?;
    Ok(Account {
        id: r.get(0)?,
        staff_role: r.get(1)?,
        email: r.get(2)?,
        password_hash: r.get(3)?,
        language: r.get(4)?,
        totp: sealed.zip(nonce),
        totp_last_step: r.get(7)?,
        notify_documents: r.get(8)?,
    })
}

const ACCOUNT: &str =
    "SELECT id, staff_role, email, password_hash, language, totp_sealed, totp_nonce, totp_last_step, notify_documents FROM accounts";
const DOCUMENT: &str = "SELECT run, document_id, kind, payee_number, file, sha256, pages, amount, month, ok FROM documents";

fn doc_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRecord> {
    Ok(DocRecord {
        run: r.get(0)?,
        document_id: r.get(1)?,
        kind: r.get(2)?,
        payee_number: r.get(3)?,
        file: r.get(4)?,
        sha256: r.get(5)?,
        pages: r.get(6)?,
        amount: r.get(7)?,
        month: r.get(8)?,
        ok: r.get(9)?,
    })
}

impl Store for SqliteStore {
    fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        self.with(|db| db.query_row(&format!("{ACCOUNT} WHERE email = ?1"), [email], account_row).optional())
    }

    fn account(&self, id: i64) -> StoreResult<Option<Account>> {
        self.with(|db| db.query_row(&format!("{ACCOUNT} WHERE id = ?1"), [id], account_row).optional())
    }

    fn payees_with_accounts(&self) -> StoreResult<Vec<String>> {
        self.with(|db| {
            let mut st = db.prepare("SELECT DISTINCT payee_number FROM memberships WHERE role = 'admin' ORDER BY payee_number")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    fn create_account(&self, new: &NewAccount<'_>, now: i64) -> StoreResult<Result<i64, Refused>> {
        self.with(|db| {
            // Immediate: it reads, then writes; a second server's
            // registration waits here instead of failing on the upgrade.
            let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let used: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM codes_used WHERE used_key = ?1)", [new.used_key], |r| r.get(0))?;
            if used {
                return Ok(Err(Refused::CodeUsed));
            }
            let has: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM memberships WHERE payee_number = ?1 AND role = 'admin')",
                [new.payee_number],
                |r| r.get(0),
            )?;
            if has {
                return Ok(Err(Refused::PayeeHasAccount));
            }
            let taken: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM accounts WHERE email = ?1)", [new.email], |r| r.get(0))?;
            if taken {
                return Ok(Err(Refused::EmailTaken));
            }
            tx.execute("INSERT INTO codes_used (used_key, at) VALUES (?1, ?2)", params![new.used_key, now])?;
            tx.execute(
                "INSERT INTO accounts (email, password_hash, language, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![new.email, new.password_hash, new.language, now],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO memberships (account_id, payee_number, role, added_at) VALUES (?1, ?2, 'admin', ?3)",
                params![id, new.payee_number, now],
            )?;
            tx.commit()?;
            Ok(Ok(id))
        })
    }

    fn set_language(&self, account_id: i64, language: &str) -> StoreResult<()> {
        self.with(|db| db.execute("UPDATE accounts SET language = ?2 WHERE id = ?1", params![account_id, language]).map(drop))
    }

    fn set_totp(&self, account_id: i64, sealed: Option<(&[u8], &[u8])>) -> StoreResult<()> {
        let (s, n) = sealed.unzip();
        self.with(|db| {
            db.execute("UPDATE accounts SET totp_sealed = ?2, totp_nonce = ?3, totp_last_step = 0 WHERE id = ?1", params![account_id, s, n])
                .map(drop)
        })
    }

    fn take_totp_step(&self, account_id: i64, step: i64) -> StoreResult<bool> {
        self.with(|db| {
            let n =
                db.execute("UPDATE accounts SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2", params![account_id, step])?;
            Ok(n == 1)
        })
    }

    fn create_session(&self, id_hash: &[u8], account_id: i64, stage: Stage, now: i64) -> StoreResult<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id_hash, account_id, stage.word(), now],
            )
            .map(drop)
        })
    }

    fn session(&self, id_hash: &[u8]) -> StoreResult<Option<Session>> {
        self.with(|db| {
            db.query_row("SELECT account_id, created_at, last_seen, stage, payee_number FROM sessions WHERE id_hash = ?1", [id_hash], |r| {
                let stage: String = r.get(3)?;
                Ok(Session {
                    account_id: r.get(0)?,
                    created_at: r.get(1)?,
                    last_seen: r.get(2)?,
                    stage: if stage == "full" { Stage::Full } else { Stage::Password },
                    payee_number: r.get(4)?,
                })
            })
            .optional()
        })
    }

    fn touch_session(&self, id_hash: &[u8], now: i64) -> StoreResult<()> {
        self.with(|db| db.execute("UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1", params![id_hash, now]).map(drop))
    }

    fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()> {
        self.with(|db| db.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash]).map(drop))
    }

    fn delete_sessions_of(&self, account_id: i64) -> StoreResult<()> {
        self.with(|db| db.execute("DELETE FROM sessions WHERE account_id = ?1", [account_id]).map(drop))
    }

    fn delete_stale_sessions(&self, idle_before: i64, created_before: i64) -> StoreResult<usize> {
        self.with(|db| db.execute("DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2", params![idle_before, created_before]))
    }

    fn record_failure(&self, key: &str, now: i64) -> StoreResult<()> {
        self.with(|db| {
            db.execute("INSERT INTO failures (key, at) VALUES (?1, ?2)", params![key, now])?;
            // Nothing older than a day is ever asked about.
            db.execute("DELETE FROM failures WHERE key = ?1 AND at < ?2", params![key, now - 86_400]).map(drop)
        })
    }

    fn failures_since(&self, key: &str, since: i64) -> StoreResult<(u32, Option<i64>)> {
        self.with(|db| {
            db.query_row("SELECT COUNT(*), MAX(at) FROM failures WHERE key = ?1 AND at >= ?2", params![key, since], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
    }

    fn purge_failures(&self, before: i64) -> StoreResult<()> {
        self.with(|db| db.execute("DELETE FROM failures WHERE at < ?1", [before]).map(drop))
    }

    fn clear_failures(&self, key: &str) -> StoreResult<()> {
        self.with(|db| db.execute("DELETE FROM failures WHERE key = ?1", [key]).map(drop))
    }

    fn add_letter(&self, payee_number: &str, letter_date: NaiveDate, source: &str) -> StoreResult<()> {
        self.with(|db| {
            db.execute(
                "INSERT OR IGNORE INTO letters (payee_number, letter_date, source) VALUES (?1, ?2, ?3)",
                params![payee_number, letter_date.to_string(), source],
            )
            .map(drop)
        })
    }

    fn newest_letter(&self, payee_number: &str) -> StoreResult<Option<NaiveDate>> {
        let date: Option<String> =
            self.with(|db| db.query_row("SELECT MAX(letter_date) FROM letters WHERE payee_number = ?1", [payee_number], |r| r.get(0)))?;
        Ok(date.and_then(|d| d.parse().ok()))
    }

    fn code_used(&self, used_key: &str) -> StoreResult<bool> {
        self.with(|db| db.query_row("SELECT EXISTS(SELECT 1 FROM codes_used WHERE used_key = ?1)", [used_key], |r| r.get(0)))
    }

    fn audit(&self, e: &AuditEvent<'_>) -> StoreResult<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO audit (at, event, account_id, payee_number, detail, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.at, e.event, e.account_id, e.payee_number, e.detail, e.address],
            )
            .map(drop)
        })
    }

    fn audit_tail(&self, payee_number: Option<&str>, limit: usize) -> StoreResult<Vec<AuditRow>> {
        self.with(|db| {
            let mut st = db.prepare(
                "SELECT at, event, payee_number, detail FROM audit WHERE (?1 IS NULL OR payee_number = ?1) ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = st.query_map(params![payee_number, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(AuditRow { at: r.get(0)?, event: r.get(1)?, payee_number: r.get(2)?, detail: r.get(3)? })
            })?;
            rows.collect()
        })
    }

    fn run_indexed(&self, name: &str) -> StoreResult<Option<String>> {
        self.with(|db| db.query_row("SELECT manifest_sha256 FROM runs WHERE name = ?1", [name], |r| r.get(0)).optional())
    }

    fn replace_run(&self, run: &RunRecord, documents: &[DocRecord], before: Option<&str>) -> StoreResult<bool> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now: Option<String> =
                tx.query_row("SELECT manifest_sha256 FROM runs WHERE name = ?1", [&run.name], |r| r.get(0)).optional()?;
            if now.as_deref() != before {
                return Ok(false);
            }
            tx.execute("DELETE FROM documents WHERE run = ?1", [&run.name])?;
            tx.execute("DELETE FROM runs WHERE name = ?1", [&run.name])?;
            tx.execute(
                "INSERT INTO runs (name, run, period, manifest_sha256) VALUES (?1, ?2, ?3, ?4)",
                params![run.name, run.run, run.period, run.manifest_sha256],
            )?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO documents (run, document_id, kind, payee_number, file, sha256, pages, amount, month, ok)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?;
                for d in documents {
                    st.execute(params![d.run, d.document_id, d.kind, d.payee_number, d.file, d.sha256, d.pages, d.amount, d.month, d.ok])?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn runs(&self) -> StoreResult<Vec<RunRecord>> {
        self.with(|db| {
            let mut st = db.prepare("SELECT name, run, period, manifest_sha256 FROM runs ORDER BY name")?;
            let rows =
                st.query_map([], |r| Ok(RunRecord { name: r.get(0)?, run: r.get(1)?, period: r.get(2)?, manifest_sha256: r.get(3)? }))?;
            rows.collect()
        })
    }

    fn documents_of(&self, payee_number: &str, kind: Option<&str>) -> StoreResult<Vec<DocRecord>> {
        self.with(|db| {
            let mut st =
                db.prepare(&format!("{DOCUMENT} WHERE payee_number = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY run, document_id"))?;
            let rows = st.query_map(params![payee_number, kind], doc_row)?;
            rows.collect()
        })
    }

    fn document(&self, payee_number: &str, document_id: &str) -> StoreResult<Option<DocRecord>> {
        self.with(|db| {
            db.query_row(
                &format!("{DOCUMENT} WHERE payee_number = ?1 AND document_id = ?2 ORDER BY seq DESC LIMIT 1"),
                params![payee_number, document_id],
                doc_row,
            )
            .optional()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_schema_is_versioned_kept_on_reopening_and_a_newer_one_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("portal.sqlite");
        let s = SqliteStore::open(&path).unwrap();
        s.add_letter("100200300", date("2026-11-01"), "test").unwrap();
        drop(s);
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.newest_letter("100200300").unwrap(), Some(date("2026-11-01")), "reopening keeps the data");
        let version: i64 = s.with(|db| db.query_row("PRAGMA user_version", [], |r| r.get(0))).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        drop(s);
        Connection::open(&path).unwrap().execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1)).unwrap();
        let e = SqliteStore::open(&path).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "portal database: the database has schema version {}; this program knows versions up to {SCHEMA_VERSION}: use a newer ssps",
                SCHEMA_VERSION + 1
            )
        );
    }
}
