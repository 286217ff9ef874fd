//! The [`Store`] on PostgreSQL, for more than one portal server: every
//! server keeps its sessions, sign-in counters, drafts, submissions and
//! mail in the one database, and nothing in memory that another server
//! would need.
//!
//! The same schema versions as SQLite's ([`schema`]); the same behaviour,
//! held by the same store tests (`store/conformance.rs`) run on both.
//! Where SQLite serialises writers with `BEGIN IMMEDIATE`, PostgreSQL runs
//! them at once, so each check-then-write is made safe here explicitly: a
//! submission is one conditional upsert, a role change or an invitation's
//! acceptance takes the payee's advisory lock, an export batch takes the
//! export lock. The SQL is this module's own (PostgreSQL's dialect), not
//! shared text with `sqlite.rs`: the two files read alike on purpose.

use chrono::NaiveDate;

use super::store::*;

mod claims;
mod messages;
mod people;
mod pool;
mod schema;

use pool::{Conn, PgResult, Pool};

/// The advisory lock migrations take.
const MIGRATE_LOCK: i64 = 0x5353_5053_0001;

/// The PostgreSQL store.
pub struct PgStore {
    pool: Pool,
}

/// Whether `--db` names a PostgreSQL database rather than a file.
pub fn is_url(db: &str) -> bool {
    let lower = db.get(..13).unwrap_or(db).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` as it may be printed: without its password.
pub fn shown(url: &str) -> String {
    pool::shown(url)
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`), brings its
    /// schema up to date and keeps up to `connections` connections.
    pub fn open(url: &str, connections: usize) -> StoreResult<PgStore> {
        let store = PgStore { pool: Pool::new(url, connections)? };
        let newest = i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX);
        // Current already: no DDL at all, so the portal may run as a role
        // that cannot create tables (PostgreSQL checks that right even for
        // CREATE TABLE IF NOT EXISTS).
        let current = store.pool.with(|c| {
            if c.one("SELECT to_regclass('ssps_schema') IS NOT NULL", &[])?.get::<_, bool>(0) {
                Ok(c.opt("SELECT version FROM ssps_schema", &[])?.map(|r| r.get::<_, i64>(0)))
            } else {
                Ok(None)
            }
        });
        match current.map_err(|e| StoreError(format!("{}: {}", store.pool.shown, e.0)))? {
            Some(v) if v == newest => return Ok(store),
            Some(v) if v > newest => {
                return Err(StoreError(format!(
                    "the database has schema version {v}; this program knows versions up to {newest}: use a newer ssps"
                )))
            }
            _ => {}
        }
        let version = store.pool.with(|c| {
            let mut tx = c.begin()?;
            tx.one("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])?;
            tx.batch("CREATE TABLE IF NOT EXISTS ssps_schema (version BIGINT NOT NULL)")?;
            let version: i64 = match tx.opt("SELECT version FROM ssps_schema", &[])? {
                Some(r) => r.get(0),
                None => {
                    tx.execute("INSERT INTO ssps_schema (version) VALUES (0)", &[])?;
                    0
                }
            };
            if version > newest {
                return Ok(version);
            }
            for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
                tx.batch(sql)?;
                tx.execute("UPDATE ssps_schema SET version = $1", &[&(i64::try_from(i).unwrap_or(i64::MAX) + 1)])?;
            }
            tx.commit()?;
            Ok(version)
        });
        let version = version.map_err(|e| StoreError(format!("{}: {}", store.pool.shown, e.0)))?;
        if version > newest {
            return Err(StoreError(format!(
                "the database has schema version {version}; this program knows versions up to {newest}: use a newer ssps"
            )));
        }
        Ok(store)
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Conn) -> PgResult<T>) -> StoreResult<T> {
        self.pool.with(f)
    }
}

fn account_row(r: &tokio_postgres::Row) -> Account {
    account_at(r, 0)
}

/// An account from the row's columns `i..i + 9` ([`ACCOUNT_COLUMNS`]).
fn account_at(r: &tokio_postgres::Row, i: usize) -> Account {
    let sealed: Option<Vec<u8>> = r.get(i + 5);
    let nonce: Option<Vec<u8>> = r.get(i + 6);
    Account {
        id: r.get(i),
        staff_role: r.get(i + 1),
        email: r.get(i + 2),
        password_hash: r.get(i + 3),
        language: r.get(i + 4),
        totp: sealed.zip(nonce),
        totp_last_step: r.get(i + 7),
        notify_documents: r.get(i + 8),
    }
}

/// An account's columns, of the table aliased `a`.
const ACCOUNT_COLUMNS: &str =
    "a.id, a.staff_role, a.email, a.password_hash, a.language, a.totp_sealed, a.totp_nonce, a.totp_last_step, a.notify_documents";
const ACCOUNT: &str =
    "SELECT id, staff_role, email, password_hash, language, totp_sealed, totp_nonce, totp_last_step, notify_documents FROM accounts";
const DOCUMENT: &str = "SELECT run, document_id, kind, payee_number, file, sha256, pages, amount, month, ok FROM documents";

fn doc_row(r: &tokio_postgres::Row) -> DocRecord {
    DocRecord {
        run: r.get(0),
        document_id: r.get(1),
        kind: r.get(2),
        payee_number: r.get(3),
        file: r.get(4),
        sha256: r.get(5),
        pages: r.get(6),
        amount: r.get(7),
        month: r.get(8),
        ok: r.get(9),
    }
}

/// A `LIMIT` from a count.
fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store for PgStore {
    fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        self.with(|c| Ok(c.opt(&format!("{ACCOUNT} WHERE email = $1"), &[&email])?.as_ref().map(account_row)))
    }

    fn account(&self, id: i64) -> StoreResult<Option<Account>> {
        self.with(|c| Ok(c.opt(&format!("{ACCOUNT} WHERE id = $1"), &[&id])?.as_ref().map(account_row)))
    }

    fn payees_with_accounts(&self) -> StoreResult<Vec<String>> {
        self.with(|c| {
            let rows = c.query("SELECT DISTINCT payee_number COLLATE \"C\" AS p FROM memberships WHERE role = 'admin' ORDER BY p", &[])?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn create_account(&self, new: &NewAccount<'_>, now: i64) -> StoreResult<Result<i64, Refused>> {
        self.with(|c| {
            let mut tx = c.begin()?;
            // Two registrations of one payee, or with one email, wait for
            // each other here; the unique keys back this up.
            people::lock_payee(&mut tx, new.payee_number)?;
            tx.one("SELECT pg_advisory_xact_lock(hashtextextended('email:' || $1, 0))", &[&new.email])?;
            if tx.one("SELECT EXISTS(SELECT 1 FROM codes_used WHERE used_key = $1)", &[&new.used_key])?.get(0) {
                return Ok(Err(Refused::CodeUsed));
            }
            if tx.one("SELECT EXISTS(SELECT 1 FROM memberships WHERE payee_number = $1 AND role = 'admin')", &[&new.payee_number])?.get(0) {
                return Ok(Err(Refused::PayeeHasAccount));
            }
            if tx.one("SELECT EXISTS(SELECT 1 FROM accounts WHERE email = $1)", &[&new.email])?.get(0) {
                return Ok(Err(Refused::EmailTaken));
            }
            // A code taken by another payee's registration at this moment:
            // the insert finds it and the registration is refused.
            if tx.execute("INSERT INTO codes_used (used_key, at) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&new.used_key, &now])? == 0 {
                return Ok(Err(Refused::CodeUsed));
            }
            let id: i64 = tx
                .one(
                    "INSERT INTO accounts (email, password_hash, language, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    &[&new.email, &new.password_hash, &new.language, &now],
                )?
                .get(0);
            tx.execute(
                "INSERT INTO memberships (account_id, payee_number, role, added_at) VALUES ($1, $2, 'admin', $3)",
                &[&id, &new.payee_number, &now],
            )?;
            tx.commit()?;
            Ok(Ok(id))
        })
    }

    fn set_language(&self, account_id: i64, language: &str) -> StoreResult<()> {
        self.with(|c| c.execute("UPDATE accounts SET language = $2 WHERE id = $1", &[&account_id, &language]).map(drop))
    }

    fn set_totp(&self, account_id: i64, sealed: Option<(&[u8], &[u8])>) -> StoreResult<()> {
        let (s, n) = sealed.unzip();
        self.with(|c| {
            c.execute("UPDATE accounts SET totp_sealed = $2, totp_nonce = $3, totp_last_step = 0 WHERE id = $1", &[&account_id, &s, &n])
                .map(drop)
        })
    }

    fn take_totp_step(&self, account_id: i64, step: i64) -> StoreResult<bool> {
        self.with(|c| {
            let n = c.execute("UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2", &[&account_id, &step])?;
            Ok(n == 1)
        })
    }

    fn create_session(&self, id_hash: &[u8], account_id: i64, stage: Stage, now: i64) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)",
                &[&id_hash, &account_id, &stage.word(), &now],
            )
            .map(drop)
        })
    }

    fn session(&self, id_hash: &[u8]) -> StoreResult<Option<Session>> {
        self.with(|c| {
            let row =
                c.opt("SELECT account_id, created_at, last_seen, stage, payee_number FROM sessions WHERE id_hash = $1", &[&id_hash])?;
            Ok(row.map(|r| {
                let stage: String = r.get(3);
                Session {
                    account_id: r.get(0),
                    created_at: r.get(1),
                    last_seen: r.get(2),
                    stage: if stage == "full" { Stage::Full } else { Stage::Password },
                    payee_number: r.get(4),
                }
            }))
        })
    }

    fn visit(&self, id_hash: &[u8]) -> StoreResult<Option<Visit>> {
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT s.account_id, s.created_at, s.last_seen, s.stage, s.payee_number, m.payee_number, m.role, {ACCOUNT_COLUMNS}
                     FROM sessions s JOIN accounts a ON a.id = s.account_id LEFT JOIN memberships m ON m.account_id = a.id
                     WHERE s.id_hash = $1 ORDER BY m.payee_number COLLATE \"C\""
                ),
                &[&id_hash],
            )?;
            let Some(first) = rows.first() else { return Ok(None) };
            let stage: String = first.get(3);
            let session = Session {
                account_id: first.get(0),
                created_at: first.get(1),
                last_seen: first.get(2),
                stage: if stage == "full" { Stage::Full } else { Stage::Password },
                payee_number: first.get(4),
            };
            let account = account_at(first, 7);
            let memberships = rows
                .iter()
                .filter_map(|r| {
                    let payee: Option<String> = r.get(5);
                    Some(Membership { payee_number: payee?, role: Role::stored(r.get(6)) })
                })
                .collect();
            Ok(Some(Visit { session, account, memberships }))
        })
    }

    fn touch_session(&self, id_hash: &[u8], now: i64) -> StoreResult<()> {
        self.with(|c| c.execute("UPDATE sessions SET last_seen = $2 WHERE id_hash = $1", &[&id_hash, &now]).map(drop))
    }

    fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()> {
        self.with(|c| c.execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash]).map(drop))
    }

    fn delete_sessions_of(&self, account_id: i64) -> StoreResult<()> {
        self.with(|c| c.execute("DELETE FROM sessions WHERE account_id = $1", &[&account_id]).map(drop))
    }

    fn delete_stale_sessions(&self, idle_before: i64, created_before: i64) -> StoreResult<usize> {
        self.with(|c| {
            let n = c.execute("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2", &[&idle_before, &created_before])?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn record_failure(&self, key: &str, now: i64) -> StoreResult<()> {
        self.with(|c| {
            c.execute("INSERT INTO failures (key, at) VALUES ($1, $2)", &[&key, &now])?;
            // Nothing older than a day is ever asked about.
            c.execute("DELETE FROM failures WHERE key = $1 AND at < $2", &[&key, &(now - 86_400)]).map(drop)
        })
    }

    fn failures_since(&self, key: &str, since: i64) -> StoreResult<(u32, Option<i64>)> {
        self.with(|c| {
            let r = c.one("SELECT COUNT(*), MAX(at) FROM failures WHERE key = $1 AND at >= $2", &[&key, &since])?;
            let n: i64 = r.get(0);
            Ok((u32::try_from(n).unwrap_or(u32::MAX), r.get(1)))
        })
    }

    fn purge_failures(&self, before: i64) -> StoreResult<()> {
        self.with(|c| c.execute("DELETE FROM failures WHERE at < $1", &[&before]).map(drop))
    }

    fn clear_failures(&self, key: &str) -> StoreResult<()> {
        self.with(|c| c.execute("DELETE FROM failures WHERE key = $1", &[&key]).map(drop))
    }

    fn add_letter(&self, payee_number: &str, letter_date: NaiveDate, source: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO letters (payee_number, letter_date, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&payee_number, &letter_date.to_string(), &source],
            )
            .map(drop)
        })
    }

    fn newest_letter(&self, payee_number: &str) -> StoreResult<Option<NaiveDate>> {
        let date: Option<String> =
            self.with(|c| Ok(c.one("SELECT MAX(letter_date) FROM letters WHERE payee_number = $1", &[&payee_number])?.get(0)))?;
        Ok(date.and_then(|d| d.parse().ok()))
    }

    fn code_used(&self, used_key: &str) -> StoreResult<bool> {
        self.with(|c| Ok(c.one("SELECT EXISTS(SELECT 1 FROM codes_used WHERE used_key = $1)", &[&used_key])?.get(0)))
    }

    fn audit(&self, e: &AuditEvent<'_>) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO audit (at, event, account_id, payee_number, detail, address) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&e.at, &e.event, &e.account_id, &e.payee_number, &e.detail, &e.address],
            )
            .map(drop)
        })
    }

    fn audit_tail(&self, payee_number: Option<&str>, n: usize) -> StoreResult<Vec<AuditRow>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT at, event, payee_number, detail FROM audit WHERE ($1::text IS NULL OR payee_number = $1) ORDER BY id DESC LIMIT $2",
                &[&payee_number, &limit(n)],
            )?;
            Ok(rows.iter().map(|r| AuditRow { at: r.get(0), event: r.get(1), payee_number: r.get(2), detail: r.get(3) }).collect())
        })
    }

    fn run_indexed(&self, name: &str) -> StoreResult<Option<String>> {
        self.with(|c| Ok(c.opt("SELECT manifest_sha256 FROM runs WHERE name = $1", &[&name])?.map(|r| r.get(0))))
    }

    fn replace_run(&self, run: &RunRecord, documents: &[DocRecord], before: Option<&str>) -> StoreResult<bool> {
        self.with(|c| {
            let mut tx = c.begin()?;
            // Two servers indexing one new run at once: the second waits,
            // then finds it indexed and leaves it.
            tx.one("SELECT pg_advisory_xact_lock(hashtextextended('run:' || $1, 0))", &[&run.name])?;
            let now: Option<String> = tx.opt("SELECT manifest_sha256 FROM runs WHERE name = $1", &[&run.name])?.map(|r| r.get(0));
            if now.as_deref() != before {
                return Ok(false);
            }
            tx.execute("DELETE FROM documents WHERE run = $1", &[&run.name])?;
            tx.execute("DELETE FROM runs WHERE name = $1", &[&run.name])?;
            tx.execute(
                "INSERT INTO runs (name, run, period, manifest_sha256) VALUES ($1, $2, $3, $4)",
                &[&run.name, &run.run, &run.period, &run.manifest_sha256],
            )?;
            for d in documents {
                tx.execute(
                    "INSERT INTO documents (run, document_id, kind, payee_number, file, sha256, pages, amount, month, ok)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    &[&d.run, &d.document_id, &d.kind, &d.payee_number, &d.file, &d.sha256, &d.pages, &d.amount, &d.month, &d.ok],
                )?;
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn runs(&self) -> StoreResult<Vec<RunRecord>> {
        self.with(|c| {
            let rows = c.query("SELECT name, run, period, manifest_sha256 FROM runs ORDER BY name COLLATE \"C\"", &[])?;
            Ok(rows.iter().map(|r| RunRecord { name: r.get(0), run: r.get(1), period: r.get(2), manifest_sha256: r.get(3) }).collect())
        })
    }

    fn documents_of(&self, payee_number: &str, kind: Option<&str>) -> StoreResult<Vec<DocRecord>> {
        self.with(|c| {
            let rows = c.query(
                &format!("{DOCUMENT} WHERE payee_number = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY run COLLATE \"C\", document_id COLLATE \"C\""),
                &[&payee_number, &kind],
            )?;
            Ok(rows.iter().map(doc_row).collect())
        })
    }

    fn document(&self, payee_number: &str, document_id: &str) -> StoreResult<Option<DocRecord>> {
        self.with(|c| {
            let row = c.opt(
                &format!("{DOCUMENT} WHERE payee_number = $1 AND document_id = $2 ORDER BY seq DESC LIMIT 1"),
                &[&payee_number, &document_id],
            )?;
            Ok(row.as_ref().map(doc_row))
        })
    }
}

/// Throwaway databases for the tests (the store's own, the integration
/// suite's): one per test, on the server `SSPS_TEST_POSTGRES` names
/// (`tests/postgres/with-cluster` sets it), dropped afterwards.
#[doc(hidden)]
pub mod testing {
    use super::pool::Pool;

    /// A database made for one test; dropped with it.
    pub struct Scratch {
        admin: String,
        name: String,
        url: String,
    }

    /// A new empty database, or `None` when `SSPS_TEST_POSTGRES` is not set.
    pub fn scratch() -> Option<Scratch> {
        let admin = std::env::var("SSPS_TEST_POSTGRES").ok().filter(|s| !s.is_empty())?;
        let name = format!("ssps_test_{}", crate::portal::auth::hex(&crate::portal::auth::random::<8>()));
        let pool = Pool::new(&admin, 1).expect("SSPS_TEST_POSTGRES");
        pool.with(|c| c.batch(&format!("CREATE DATABASE {name}"))).expect("CREATE DATABASE");
        let (base, query) = admin.split_once('?').map_or((admin.as_str(), String::new()), |(b, q)| (b, format!("?{q}")));
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let url = format!("{server}/{name}{query}");
        Some(Scratch { admin, name, url })
    }

    impl Scratch {
        /// Its address.
        pub fn url(&self) -> &str {
            &self.url
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(pool) = Pool::new(&self.admin, 1) {
                let _ = pool.with(|c| c.batch(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[allow(clippy::print_stderr)] // a test that cannot run says so
    fn scratch() -> Option<testing::Scratch> {
        let s = testing::scratch();
        if s.is_none() {
            eprintln!("SSPS_TEST_POSTGRES is not set: the PostgreSQL store is not tested (tests/postgres/with-cluster sets it)");
        }
        s
    }

    #[test]
    fn the_two_schemas_have_the_same_versions_tables_and_columns() {
        assert_eq!(schema::MIGRATIONS.len(), crate::portal::sqlite::SCHEMA_VERSION as usize);
        let Some(db) = scratch() else { return };
        let pg = PgStore::open(db.url(), 1).unwrap();
        let pg_columns: BTreeSet<(String, String)> = pg
            .with(|c| {
                let rows = c.query(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name <> 'ssps_schema'",
                    &[],
                )?;
                Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
            })
            .unwrap();
        let lite = crate::portal::sqlite::SqliteStore::in_memory().unwrap();
        let lite_columns: BTreeSet<(String, String)> = lite
            .with(|db| {
                let mut st =
                    db.prepare("SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'")?;
                let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .unwrap();
        assert!(lite_columns.len() > 60, "{lite_columns:?}");
        assert_eq!(pg_columns, lite_columns);
    }

    #[test]
    fn a_portal_runs_as_a_role_that_may_read_and_write_but_not_create_tables() {
        let Some(db) = scratch() else { return };
        drop(PgStore::open(db.url(), 1).unwrap());
        let role = format!("rw_{}", crate::portal::auth::hex(&crate::portal::auth::random::<6>()));
        let owner = PgStore::open(db.url(), 1).unwrap();
        owner
            .with(|c| {
                c.batch(&format!(
                    "CREATE ROLE {role} LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                     GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
                ))
            })
            .unwrap();
        let Some((scheme, rest)) = db.url().split_once("://") else { return };
        let host = rest.split_once('@').map_or(rest, |(_, h)| h);
        let as_role = PgStore::open(&format!("{scheme}://{role}@{host}"), 1).unwrap();
        as_role.add_letter("100200300", "2026-11-01".parse().unwrap(), "test").unwrap();
        assert_eq!(owner.newest_letter("100200300").unwrap(), Some("2026-11-01".parse().unwrap()));
        let e = as_role.with(|c| c.batch("CREATE TABLE t (x int)")).err().unwrap().to_string();
        assert!(e.contains("42501"), "{e}");
        drop(as_role);
        owner.with(|c| c.batch(&format!("DROP OWNED BY {role}; DROP ROLE {role}"))).unwrap();
    }

    #[test]
    fn a_caller_that_panics_gives_its_connection_back() {
        let Some(db) = scratch() else { return };
        let store = std::sync::Arc::new(PgStore::open(db.url(), 1).unwrap());
        for _ in 0..3 {
            let s = store.clone();
            let panicked = std::thread::spawn(move || {
                let _ = s.with(|c| {
                    c.batch("BEGIN")?;
                    panic!("a bug in a caller, inside a transaction");
                    #[allow(unreachable_code)]
                    Ok(())
                });
            })
            .join();
            assert!(panicked.is_err());
        }
        // The pool's one place is free again, and no transaction is left open.
        let (tx, rx) = std::sync::mpsc::channel();
        let s = store.clone();
        std::thread::spawn(move || {
            let _ = tx.send(s.with(|c| Ok(c.one("SELECT 1::bigint", &[])?.get::<_, i64>(0))));
        });
        let fresh = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the pool gave no connection: its place was lost");
        assert!(fresh.is_ok(), "{fresh:?}");
    }

    #[test]
    fn a_database_is_migrated_once_by_servers_starting_together_and_a_newer_one_is_refused() {
        let Some(db) = scratch() else { return };
        let url = db.url().to_string();
        let opened: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| PgStore::open(&url, 1).map(drop))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(opened.iter().all(Result::is_ok), "{opened:?}");
        let store = PgStore::open(&url, 1).unwrap();
        store.add_letter("100200300", "2026-11-01".parse().unwrap(), "test").unwrap();
        let newest = schema::MIGRATIONS.len() as i64;
        let version: i64 = store.with(|c| Ok(c.one("SELECT version FROM ssps_schema", &[])?.get(0))).unwrap();
        assert_eq!(version, newest);
        store.with(|c| c.execute("UPDATE ssps_schema SET version = version + 1", &[])).unwrap();
        drop(store);
        let e = PgStore::open(&url, 1).err().unwrap().to_string();
        assert_eq!(
            e,
            format!(
                "portal database: the database has schema version {}; this program knows versions up to {newest}: use a newer ssps",
                newest + 1
            )
        );
    }
}
