//! The delivery journal's schema and its upgrades: the `messages` and
//! `documents` tables, and the in-place rebuild that brings a journal of an
//! older ssps to [`super::SCHEMA_VERSION`] (version 0: no `unconfirmed`
//! state; version 1: ids that could be handed out twice).

use rusqlite::{Connection, TransactionBehavior};

use super::SCHEMA_VERSION;

/// The `messages` table, under `name` (a migration builds it beside the old one).
pub(super) fn messages_table(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run         TEXT NOT NULL,
    run_dir     TEXT NOT NULL,
    payee       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT '',
    paper       INTEGER NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    claimed_at  TEXT
);"
    )
}

pub(super) const DOCUMENTS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS documents (
    message     INTEGER NOT NULL REFERENCES messages(id),
    payee       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (payee, kind, document_id)
);
";

/// Version 0 → 2: SQLite cannot change a CHECK constraint, nor make a key
/// `AUTOINCREMENT`, so `messages` is rebuilt (copied, ids kept, into a new
/// table that replaces it; `documents` refers to it by name). A message
/// left `sending` was claimed when it was last updated.
const MIGRATE_0: &str = "
INSERT INTO messages_new (id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at, claimed_at)
    SELECT id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at,
           CASE WHEN state = 'sending' THEN updated_at END
    FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
";

/// Version 1 → 2: the same rebuild, every column kept. From now on SQLite
/// never hands out an id it handed out before (its `sqlite_sequence` starts
/// at the largest id copied).
const MIGRATE_1: &str = "
INSERT INTO messages_new (id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at, claimed_at)
    SELECT id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at, claimed_at
    FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
";

/// Brings a journal of an older schema (or a new, empty file) to
/// [`SCHEMA_VERSION`], in one transaction that holds SQLite's write lock (a
/// second process opening the same old journal waits, then finds it done).
pub(super) fn upgrade(db: &mut Connection) -> rusqlite::Result<()> {
    // Foreign keys cannot be switched inside a transaction, and `documents`
    // refers to `messages` while it is rebuilt.
    let keys: i64 = db.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    db.execute_batch("PRAGMA foreign_keys = OFF")?;
    let result = (|| {
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version < SCHEMA_VERSION {
            let exists: bool =
                tx.query_row("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'messages'", [], |r| r.get(0))?;
            if exists {
                tx.execute_batch(&messages_table("messages_new"))?;
                tx.execute_batch(if version == 0 { MIGRATE_0 } else { MIGRATE_1 })?;
            } else {
                tx.execute_batch(&messages_table("messages"))?;
            }
            tx.execute_batch(DOCUMENTS_TABLE)?;
            let dangling: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
            if dangling > 0 {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                    Some(format!("{dangling} documents refer to no message; the journal was not upgraded")),
                ));
            }
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
        }
        tx.commit()
    })();
    db.execute_batch(&format!("PRAGMA foreign_keys = {keys}"))?;
    result
}
