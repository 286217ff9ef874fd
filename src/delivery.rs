//! Stage 6, journal: the delivery journal, what was emailed to whom.
//!
//! An embedded SQLite database (`ssps-delivery.sqlite` beside the run
//! folders unless `--journal` says otherwise), written in transactions, so
//! a crash or a kill never leaves it half-written. It records each message
//! (recipient, Message-ID, state, attempts, when its content went to the
//! server, the server's last reply) and each document in it (payee, kind,
//! id, SHA-256):
//!
//! - a document is journaled once per payee: a rerun of a run queues only
//!   documents never queued before; a document that changed after it was
//!   sent is reported, not resent;
//! - a message goes `pending` → `sending` → `sent` or `failed`. It becomes
//!   `sending` (committed) only when the server has answered DATA, just
//!   before its content is transmitted, and `sent` (committed) the moment
//!   the server's reply is read, before anything else. A kill before the
//!   content went leaves it `pending` (no server can have taken it: sent
//!   again by the next delivery). One found `sending` when a delivery starts
//!   was orphaned by a kill while the server held its content: the server
//!   may have taken it, so it becomes `unconfirmed`, and so does one whose
//!   content went without a reply (a timeout). An `unconfirmed` message is
//!   never sent again by itself: it waits for staff, who record it as
//!   received ([`Journal::mark_sent`]) or resend it with the same Message-ID
//!   ([`Journal::resend_unconfirmed`]). Delivery is at most once unless
//!   staff choose otherwise;
//! - transient failures leave the message `pending` for `ssps deliver
//!   --retry`; permanent ones mark it `failed`, with the reason; a rerun of
//!   the run queues the documents of a message that never went (pending or
//!   failed) again with the run's content, replacing that message, so a
//!   corrected address or document is sent;
//! - one delivery at a time per journal: a lock file beside it, held by
//!   every delivery (and by `--mark-sent`); the lock dies with its process,
//!   so a `sending` message seen by the lock's holder is really orphaned;
//! - a run queues without that lock, so a rerun may replace a message a
//!   delivery under way has listed: a message's row id is never reused
//!   (`AUTOINCREMENT`), and every state change a delivery makes names the
//!   row id, the Message-ID and the state it read, so the replaced message
//!   is never sent, nor anything of its try recorded on its replacement;
//!   and a run never replaces a message a delivery has claimed (or sent):
//!   it queues nothing ([`DeliveryError::Taken`]).
//!
//! Schema version 1 (`PRAGMA user_version`) added the `unconfirmed` state
//! and `claimed_at`; version 2 made row ids `AUTOINCREMENT`. An older
//! journal is rebuilt in place when opened.
//!
//! Sending goes through lettre's `Transport` trait: a delivery takes any
//! [`Backend`] ([`Journal::deliver_with`]); [`Journal::deliver`] builds the
//! SMTP one from the settings. The tables and the upgrades of older
//! journals are in `delivery/schema.rs`, the sending loop (which message is
//! tried, and which transition each try's ending takes) in
//! `delivery/send.rs`, the tests in `delivery/tests.rs` and
//! `delivery/send/tests.rs`; this file keeps the message state machine
//! whole, every transition beside the others.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::email::{self, Handover, Outgoing};

mod schema;
use schema::upgrade;
mod send;
pub use send::{claim_then_send, Backend, SendPolicy};

/// The journal's file name when `--journal` is not given.
pub const DEFAULT_NAME: &str = "ssps-delivery.sqlite";

/// The schema this program writes (`PRAGMA user_version`): 0 had no
/// `unconfirmed` state and no `claimed_at`; 1 could reuse the row id of the
/// last message deleted (a message replaced by a rerun).
pub const SCHEMA_VERSION: i64 = 2;

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
    /// The journal was written by a newer ssps.
    #[error("delivery journal {path} has schema version {version}; this ssps knows versions up to {SCHEMA_VERSION}: use a newer ssps")]
    Newer {
        /// The journal file.
        path: PathBuf,
        /// Its version.
        version: i64,
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
    /// `--mark-sent` named a Message-ID the journal does not have.
    #[error("delivery journal {path}: no message has the Message-ID {message_id}; nothing was changed")]
    UnknownMessage {
        /// The journal file.
        path: PathBuf,
        /// The Message-ID given.
        message_id: String,
    },
    /// A message a run meant to replace is no longer waiting: a delivery
    /// (or another run) took it after the run looked.
    #[error("delivery journal {path}: message {id} is {state} now, no longer pending or failed: a delivery or another run took it while this run was queueing; nothing was queued: run again")]
    Taken {
        /// The journal file.
        path: PathBuf,
        /// Its row id.
        id: i64,
        /// Its state now (`gone (replaced already)` when no longer there).
        state: String,
    },
    /// `--mark-sent` named a message that is not unconfirmed.
    #[error("delivery journal {path}: message {message_id} is {state}, not unconfirmed; nothing was changed")]
    NotUnconfirmed {
        /// The journal file.
        path: PathBuf,
        /// The Message-ID given.
        message_id: String,
        /// Its state.
        state: String,
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
    /// Messages of the delivery's scope (its run, or all) that are
    /// `unconfirmed` afterwards: found so, orphaned by a kill, or left so by
    /// this delivery (content transmitted, no reply). None is sent again by
    /// a delivery; each waits for staff.
    pub unconfirmed: usize,
    /// SMTP tries made.
    pub tries: usize,
    /// One line per message that did not go, with the reason.
    pub problems: Vec<String>,
    /// The unconfirmed messages, as `--status` lists them.
    pub unconfirmed_messages: Vec<MessageStatus>,
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
    /// `pending`, `sending`, `sent`, `failed`, `unconfirmed`.
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
    /// When its content last went to the server (UTC), if ever.
    pub claimed_at: Option<String>,
    /// When its state last changed (UTC).
    pub updated_at: String,
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
    /// Waiting.
    pub pending: usize,
    /// Failed for good.
    pub failed: usize,
    /// May have reached the recipient; waiting for staff.
    pub unconfirmed: usize,
    /// Being sent by a delivery running now.
    pub sending: usize,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

/// What an orphaned message's last result says.
const ORPHANED: &str =
    "interrupted after its content went to the server and before the server's reply was recorded: the server may have taken it";

/// The delivery lock, held while it lives (the operating system releases
/// it when the process ends, however it ends).
struct Held(#[allow(dead_code)] File);

/// A message a delivery read to send: the row and what it held then.
struct Listed {
    id: i64,
    message_id: String,
    run_dir: String,
    body: String,
}

/// The journal's side of one message's SMTP transaction. Every update names
/// the row id, the Message-ID and the state the delivery read: a row that
/// is no longer that message (a rerun replaced it) is never touched.
struct Record<'a> {
    db: &'a Connection,
    id: i64,
    message_id: &'a str,
    /// The state it is sent from: `pending`, or `unconfirmed` when staff resend it.
    from: &'static str,
}

impl Handover for Record<'_> {
    type Error = rusqlite::Error;

    fn claim(&mut self) -> Result<bool, rusqlite::Error> {
        let n = self
            .db
            .prepare_cached(&format!(
                "UPDATE messages SET state = 'sending', claimed_at = {NOW}, updated_at = {NOW}
                 WHERE id = ?1 AND message_id = ?2 AND state = ?3"
            ))?
            .execute(params![self.id, self.message_id, self.from])?;
        Ok(n == 1)
    }

    fn accepted(&mut self, reply: &str, tries: u32) -> Result<(), rusqlite::Error> {
        self.db
            .prepare_cached(&format!(
                "UPDATE messages SET state = 'sent', attempts = attempts + ?3, last_result = ?4, updated_at = {NOW}
                 WHERE id = ?1 AND message_id = ?2 AND state = 'sending'"
            ))?
            .execute(params![self.id, self.message_id, tries, reply])?;
        Ok(())
    }

    fn refused(&mut self) -> Result<(), rusqlite::Error> {
        self.db
            .prepare_cached(&format!(
                "UPDATE messages SET state = ?3, updated_at = {NOW} WHERE id = ?1 AND message_id = ?2 AND state = 'sending'"
            ))?
            .execute(params![self.id, self.message_id, self.from])?;
        Ok(())
    }
}

impl Record<'_> {
    /// Records how a try that did not end `sent` ended: the message goes
    /// from `expected` (the state the send left it in: `sending` when its
    /// content went without a reply, else the state it was sent from) to
    /// `state`. False when the row is no longer that message in that state.
    fn finish(&self, expected: &str, state: &str, tries: u32, reply: &str) -> rusqlite::Result<bool> {
        let n = self
            .db
            .prepare_cached(&format!(
                "UPDATE messages SET state = ?4, attempts = attempts + ?5, last_result = ?6, updated_at = {NOW}
                 WHERE id = ?1 AND message_id = ?2 AND state = ?3"
            ))?
            .execute(params![self.id, self.message_id, expected, state, tries, reply])?;
        Ok(n == 1)
    }
}

/// Which waiting messages a delivery sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// `pending` ones (a run, `--retry`).
    Pending,
    /// `unconfirmed` ones, on staff's word (`--resend-unconfirmed`).
    Unconfirmed,
}

impl Waiting {
    fn state(self) -> &'static str {
        match self {
            Waiting::Pending => "pending",
            Waiting::Unconfirmed => "unconfirmed",
        }
    }
}

/// A Message-ID as stored, `<…>`, whether or not it was given with its brackets.
fn bracketed(message_id: &str) -> String {
    let m = message_id.trim();
    if m.starts_with('<') && m.ends_with('>') {
        m.to_string()
    } else {
        format!("<{}>", m.trim_start_matches('<').trim_end_matches('>'))
    }
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`, bringing an older
    /// journal's schema up to date.
    pub fn open(path: &Path) -> Result<Journal, DeliveryError> {
        let err = |source| DeliveryError::Db { path: path.to_path_buf(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| err(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let mut db = Connection::open(path).map_err(err)?;
        db.busy_timeout(std::time::Duration::from_secs(30)).map_err(err)?;
        db.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;").map_err(err)?;
        let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(DeliveryError::Newer { path: path.to_path_buf(), version });
        }
        if version < SCHEMA_VERSION {
            upgrade(&mut db).map_err(err)?;
        }
        Ok(Journal { path: path.to_path_buf(), db })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> DeliveryError + '_ {
        |source| DeliveryError::Db { path: self.path.clone(), source }
    }

    fn lock_path(&self) -> PathBuf {
        PathBuf::from(format!("{}.lock", self.path.display()))
    }

    fn lock_file(&self) -> Result<File, DeliveryError> {
        let path = self.lock_path();
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| DeliveryError::Lock { path, source })
    }

    /// Takes the delivery lock, waiting for a delivery under way to end,
    /// and settles the messages a killed delivery left `sending`.
    fn lock(&self) -> Result<Held, DeliveryError> {
        let file = self.lock_file()?;
        file.lock().map_err(|source| DeliveryError::Lock { path: self.lock_path(), source })?;
        let held = Held(file);
        self.settle_orphans(&held)?;
        Ok(held)
    }

    /// Messages left `sending` become `unconfirmed` (their interrupted try
    /// counted). Only the lock's holder
    /// may call this: every delivery holds the lock while it sends, and the
    /// lock dies with its process, so a `sending` message seen now belongs
    /// to a delivery that was killed while the server held its content.
    fn settle_orphans(&self, _held: &Held) -> Result<usize, DeliveryError> {
        self.db
            .execute(
                &format!(
                    "UPDATE messages SET state = 'unconfirmed', attempts = attempts + 1, last_result = ?1, updated_at = {NOW}
                     WHERE state = 'sending'"
                ),
                params![ORPHANED],
            )
            .map_err(self.err())
    }

    /// When no delivery is under way, settles what a killed one left
    /// `sending` (as a delivery would when it starts), so a status shows
    /// them as `unconfirmed`; returns false (and changes nothing) while a
    /// delivery runs: its `sending` message is really being sent.
    pub fn settle_if_idle(&mut self) -> Result<bool, DeliveryError> {
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => {
                self.settle_orphans(&Held(file))?;
                Ok(true)
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(source)) => Err(DeliveryError::Lock { path: self.lock_path(), source }),
        }
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
    /// these messages carry again: they are removed in the same transaction,
    /// and the new messages get new row ids (never one handed out before).
    /// A delivery under way that listed a replaced message then neither
    /// sends it nor records anything on its replacement (its claim and its
    /// updates name the row id and Message-ID it read). One of them that a
    /// delivery has claimed or sent since the caller looked (no longer
    /// pending or failed: [`DeliveryError::Taken`]), or any other document
    /// already journaled, fails the whole queueing rather than being sent
    /// twice.
    pub fn enqueue(&mut self, run: &str, run_dir: &Path, messages: &[Outgoing], replace: &[i64]) -> Result<usize, DeliveryError> {
        let path = self.path.clone();
        let err = move |source| DeliveryError::Db { path: path.clone(), source };
        let tx = self.db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&err)?;
        for &id in replace {
            let state: Option<String> =
                tx.query_row("SELECT state FROM messages WHERE id = ?1", params![id], |r| r.get(0)).optional().map_err(&err)?;
            match state.as_deref() {
                Some("pending" | "failed") => {}
                other => {
                    let state = other.unwrap_or("gone (replaced already)").to_string();
                    return Err(DeliveryError::Taken { path: self.path.clone(), id, state });
                }
            }
            tx.execute("DELETE FROM documents WHERE message = ?1", params![id]).map_err(&err)?;
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

    /// The messages in state `which` (of one run, or all), oldest first,
    /// as the lock's holder reads them to send them.
    fn waiting(&self, _held: &Held, which: Waiting, only_run: Option<&str>) -> Result<Vec<Listed>, DeliveryError> {
        let mut stmt = self
            .db
            .prepare("SELECT id, message_id, run_dir, body FROM messages WHERE state = ?1 AND (?2 IS NULL OR run = ?2) ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![which.state(), only_run], |r| {
                Ok(Listed { id: r.get(0)?, message_id: r.get(1)?, run_dir: r.get(2)?, body: r.get(3)? })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Records `unconfirmed` messages (by Message-ID, with or without its
    /// angle brackets) as `sent` without sending them again: staff checked
    /// that the recipient has them. All or nothing: a Message-ID the
    /// journal lacks, or of a message that is not unconfirmed, changes
    /// nothing. Returns the messages as they are now.
    pub fn mark_sent(&mut self, message_ids: &[String]) -> Result<Vec<MessageStatus>, DeliveryError> {
        let held = self.lock()?;
        let path = self.path.clone();
        let err = |source| DeliveryError::Db { path: path.clone(), source };
        let ids: Vec<String> = message_ids.iter().map(|m| bracketed(m)).collect();
        let tx = self.db.transaction().map_err(err)?;
        for id in &ids {
            let state: Option<String> =
                tx.query_row("SELECT state FROM messages WHERE message_id = ?1", params![id], |r| r.get(0)).optional().map_err(err)?;
            match state.as_deref() {
                None => return Err(DeliveryError::UnknownMessage { path: path.clone(), message_id: id.clone() }),
                Some("unconfirmed") => {}
                Some(other) => {
                    return Err(DeliveryError::NotUnconfirmed { path: path.clone(), message_id: id.clone(), state: other.to_string() })
                }
            }
            tx.execute(
                &format!(
                    "UPDATE messages SET state = 'sent', updated_at = {NOW},
                     last_result = 'marked sent by staff without resending (unconfirmed since ' || coalesce(claimed_at, updated_at) || ')'
                     WHERE message_id = ?1 AND state = 'unconfirmed'"
                ),
                params![id],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        drop(held);
        Ok(self.status()?.into_iter().filter(|m| ids.contains(&m.message_id)).collect())
    }

    /// Every message, oldest first.
    pub fn status(&self) -> Result<Vec<MessageStatus>, DeliveryError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT m.run, m.payee, m.recipient, m.state, m.attempts, m.last_result, m.paper, m.message_id,
                        (SELECT group_concat(document_id, ';') FROM (SELECT document_id FROM documents WHERE message = m.id ORDER BY kind, document_id)),
                        m.claimed_at, m.updated_at
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
                    claimed_at: r.get(9)?,
                    updated_at: r.get(10)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Messages by state.
    pub fn totals(&self, only_run: Option<&str>) -> Result<Totals, DeliveryError> {
        let mut t = Totals::default();
        for m in self.status()?.into_iter().filter(|m| only_run.is_none_or(|r| r == m.run)) {
            match m.state.as_str() {
                "sent" => t.sent += 1,
                "failed" => t.failed += 1,
                "unconfirmed" => t.unconfirmed += 1,
                "sending" => t.sending += 1,
                _ => t.pending += 1,
            }
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests;
