//! Stage 6, journal: the delivery journal, what was emailed to whom.
//!
//! An embedded SQLite database (`ssps-delivery.sqlite` beside the run
//! folders unless `--journal` says otherwise), written in transactions, so
//! a crash or a kill never leaves it half-written. It records each message
//! (recipient, Message-ID, state, attempts, the server's last reply) and
//! each document in it (payee, kind, id, SHA-256):
//!
//! - a document is journaled once per payee: a rerun of a run queues only
//!   documents never queued before, so nothing is sent twice; a document
//!   that changed after it was sent is reported, not resent;
//! - a message goes `pending` → `sending` → `sent` or `failed`; one left in
//!   `sending` by a kill is sent again on the next delivery, with the same
//!   Message-ID (the server never took it, or took it just as the program
//!   died: the Message-ID lets the recipient's system recognise it);
//! - transient failures leave the message `pending` for `ssps deliver
//!   --retry`; permanent ones mark it `failed`, with the reason; a rerun of
//!   the run queues the documents of a message that never went (pending or
//!   failed) again with the run's content, replacing that message, so a
//!   corrected address or document is sent;
//! - one delivery at a time per journal (a lock file beside it), and each
//!   message is claimed before it is sent.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::email::{self, Outgoing, SendResult, SmtpSettings};

/// The journal's file name when `--journal` is not given.
pub const DEFAULT_NAME: &str = "ssps-delivery.sqlite";

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// SQLite failed.
    #[error("delivery journal {path}: {source}")]
    Db {
        /// The journal file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A stored message cannot be read back.
    #[error("delivery journal {path}: message {id} is unreadable: {reason}")]
    Corrupt {
        /// The journal file.
        path: PathBuf,
        /// Row id.
        id: i64,
        /// Why.
        reason: String,
    },
    /// SMTP settings are wrong.
    #[error(transparent)]
    Settings(#[from] email::SmtpSettingsError),
    /// The delivery lock cannot be taken.
    #[error("cannot lock {path} for delivery")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// The delivery journal.
pub struct Journal {
    path: PathBuf,
    db: Connection,
}

/// What one delivery did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivered {
    /// Messages the server took.
    pub sent: usize,
    /// Messages left waiting after transient failures.
    pub pending: usize,
    /// Messages that failed for good.
    pub failed: usize,
    /// SMTP tries made.
    pub tries: usize,
    /// One line per message that did not go, with the reason.
    pub problems: Vec<String>,
}

/// One message as `ssps deliver --status` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageStatus {
    /// The run that made it.
    pub run: String,
    /// The payee.
    pub payee: String,
    /// Recipient address.
    pub to: String,
    /// `pending`, `sending`, `sent`, `failed`.
    pub state: String,
    /// SMTP tries so far.
    pub attempts: i64,
    /// The documents, `;`-separated.
    pub documents: String,
    /// The server's last reply or the error.
    pub last_result: String,
    /// Whether the payee also gets the documents on paper.
    pub paper: bool,
    /// The Message-ID.
    pub message_id: String,
}

/// A document the journal has seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its SHA-256 then.
    pub sha256: String,
    /// Its message's state.
    pub state: String,
    /// Its message's row id.
    pub message: i64,
}

/// Counts by state.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Sent.
    pub sent: usize,
    /// Waiting (including in doubt after a kill).
    pub pending: usize,
    /// Failed for good.
    pub failed: usize,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    run         TEXT NOT NULL,
    run_dir     TEXT NOT NULL,
    payee       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT '',
    paper       INTEGER NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS documents (
    message     INTEGER NOT NULL REFERENCES messages(id),
    payee       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (payee, kind, document_id)
);
";

impl Journal {
    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Journal, DeliveryError> {
        let err = |source| DeliveryError::Db { path: path.to_path_buf(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let db = Connection::open(path).map_err(err)?;
        db.busy_timeout(std::time::Duration::from_secs(30)).map_err(err)?;
        db.execute_batch(SCHEMA).map_err(err)?;
        Ok(Journal { path: path.to_path_buf(), db })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> DeliveryError + '_ {
        |source| DeliveryError::Db { path: self.path.clone(), source }
    }

    /// What the journal knows of a document, if it was ever queued for this
    /// payee: its SHA-256, its message's state and row id.
    pub fn known(&self, payee: &str, kind: &str, document_id: &str) -> Result<Option<Known>, DeliveryError> {
        let mut stmt = self
            .db
            .prepare_cached(
                "SELECT d.sha256, m.state, m.id FROM documents d JOIN messages m ON m.id = d.message
                 WHERE d.payee = ?1 AND d.kind = ?2 AND d.document_id = ?3",
            )
            .map_err(self.err())?;
        stmt.query_row(params![payee, kind, document_id], |r| Ok(Known { sha256: r.get(0)?, state: r.get(1)?, message: r.get(2)? }))
            .optional()
            .map_err(self.err())
    }

    /// Queues messages, in one transaction: all or nothing. `replace` are
    /// earlier messages that never went (pending or failed) whose documents
    /// these messages carry again: they are removed in the same transaction.
    /// Any other document already journaled fails the whole queueing rather
    /// than being sent twice.
    pub fn enqueue(&mut self, run: &str, run_dir: &Path, messages: &[Outgoing], replace: &[i64]) -> Result<usize, DeliveryError> {
        let path = self.path.clone();
        let err = move |source| DeliveryError::Db { path: path.clone(), source };
        let tx = self.db.transaction().map_err(&err)?;
        for id in replace {
            tx.execute(
                "DELETE FROM documents WHERE message = ?1 AND message IN (SELECT id FROM messages WHERE state IN ('pending', 'failed'))",
                params![id],
            )
            .map_err(&err)?;
            tx.execute("DELETE FROM messages WHERE id = ?1 AND state IN ('pending', 'failed')", params![id]).map_err(&err)?;
        }
        for m in messages {
            let body = serde_json::to_string(m).map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
            tx.prepare_cached(
                "INSERT INTO messages (run, run_dir, payee, recipient, message_id, body, state, paper)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
            )
            .and_then(|mut st| st.execute(params![run, run_dir.display().to_string(), m.payee, m.to, m.message_id, body, m.paper]))
            .map_err(&err)?;
            let id = tx.last_insert_rowid();
            for d in &m.documents {
                tx.prepare_cached("INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .and_then(|mut st| st.execute(params![id, m.payee, d.kind, d.document_id, d.sha256]))
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(messages.len())
    }

    /// Sends every message waiting (pending, or left `sending` by a kill),
    /// oldest first; `only_run` limits it to one run. Each message's state is
    /// committed before and after its SMTP transaction.
    pub fn deliver(&mut self, settings: &SmtpSettings, only_run: Option<&str>) -> Result<Delivered, DeliveryError> {
        // One delivery at a time per journal: a second one (a run and a
        // scheduled retry, say) waits here rather than send the same message.
        let lock_path = PathBuf::from(format!("{}.lock", self.path.display()));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| DeliveryError::Lock { path: lock_path.clone(), source: e })?;
        lock.lock().map_err(|e| DeliveryError::Lock { path: lock_path.clone(), source: e })?;
        let transport = settings.transport()?;
        let waiting: Vec<(i64, String, String)> = {
            let mut stmt = self
                .db
                .prepare(
                    "SELECT id, run_dir, body FROM messages WHERE state IN ('pending', 'sending') AND (?1 IS NULL OR run = ?1) ORDER BY id",
                )
                .map_err(self.err())?;
            let rows = stmt.query_map(params![only_run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())?
        };
        let mut done = Delivered::default();
        let mut unreachable: Option<String> = None;
        for (id, run_dir, body) in waiting.into_iter() {
            let out: Outgoing =
                serde_json::from_str(&body).map_err(|e| DeliveryError::Corrupt { path: self.path.clone(), id, reason: e.to_string() })?;
            if let Some(why) = &unreachable {
                // The server could not be reached: the rest wait for the next delivery.
                done.pending += 1;
                done.problems.push(format!("{} (payee {}): not tried, the server was unreachable: {why}", out.to, out.payee));
                continue;
            }
            // Claim the message; one taken by someone else since is skipped.
            let claimed = self
                .db
                .execute(
                    "UPDATE messages SET state = 'sending', updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                     WHERE id = ?1 AND state IN ('pending', 'sending')",
                    params![id],
                )
                .map_err(self.err())?;
            if claimed == 0 {
                continue;
            }
            let (result, tries) = email::send(&transport, settings, &out, Path::new(&run_dir));
            done.tries += tries as usize;
            let (state, reply) = match &result {
                SendResult::Sent(reply) => {
                    done.sent += 1;
                    ("sent", reply.clone())
                }
                SendResult::Transient(why) => {
                    done.pending += 1;
                    done.problems.push(format!("{} (payee {}): not sent yet, will retry: {why}", out.to, out.payee));
                    ("pending", why.clone())
                }
                SendResult::Unreachable(why) => {
                    done.pending += 1;
                    done.problems.push(format!("{} (payee {}): not sent yet, will retry: {why}", out.to, out.payee));
                    unreachable = Some(why.clone());
                    ("pending", why.clone())
                }
                SendResult::Permanent(why) => {
                    done.failed += 1;
                    let paper = if out.paper { "; the payee also gets these documents on paper" } else { "" };
                    done.problems.push(format!("{} (payee {}): failed: {why}{paper}", out.to, out.payee));
                    ("failed", why.clone())
                }
            };
            self.db
                .execute(
                    "UPDATE messages SET state = ?2, attempts = attempts + ?3, last_result = ?4,
                     updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                    params![id, state, tries, reply],
                )
                .map_err(self.err())?;
        }
        drop(lock);
        Ok(done)
    }

    /// Every message, oldest first.
    pub fn status(&self) -> Result<Vec<MessageStatus>, DeliveryError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT m.run, m.payee, m.recipient, m.state, m.attempts, m.last_result, m.paper, m.message_id,
                        (SELECT group_concat(document_id, ';') FROM (SELECT document_id FROM documents WHERE message = m.id ORDER BY kind, document_id))
                 FROM messages m ORDER BY m.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(MessageStatus {
                    run: r.get(0)?,
                    payee: r.get(1)?,
                    to: r.get(2)?,
                    state: r.get(3)?,
                    attempts: r.get(4)?,
                    last_result: r.get(5)?,
                    paper: r.get(6)?,
                    message_id: r.get(7)?,
                    documents: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Messages by state (a message left `sending` counts as pending).
    pub fn totals(&self, only_run: Option<&str>) -> Result<Totals, DeliveryError> {
        let mut t = Totals::default();
        for m in self.status()?.into_iter().filter(|m| only_run.is_none_or(|r| r == m.run)) {
            match m.state.as_str() {
                "sent" => t.sent += 1,
                "failed" => t.failed += 1,
                _ => t.pending += 1,
            }
        }
        Ok(t)
    }
}
