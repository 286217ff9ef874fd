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
//!   so a `sending` message seen by the lock's holder is really orphaned.
//!
//! Schema version 1 (`PRAGMA user_version`) added the `unconfirmed` state
//! and `claimed_at`; an older journal is rebuilt in place when opened.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::email::{self, Handover, Outgoing, SendResult, SmtpSettings};

/// The journal's file name when `--journal` is not given.
pub const DEFAULT_NAME: &str = "ssps-delivery.sqlite";

/// The schema this program writes (`PRAGMA user_version`): 0 had no
/// `unconfirmed` state and no `claimed_at`.
pub const SCHEMA_VERSION: i64 = 1;

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

/// The `messages` table, under `name` (a migration builds it beside the old one).
fn messages_table(name: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {name} (
    id          INTEGER PRIMARY KEY,
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

const DOCUMENTS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS documents (
    message     INTEGER NOT NULL REFERENCES messages(id),
    payee       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (payee, kind, document_id)
);
";

/// Version 0 → 1: SQLite cannot change a CHECK constraint, so `messages`
/// is rebuilt (copied into a new table that replaces it; `documents`
/// refers to it by name). A message left `sending` was claimed when it was
/// last updated.
const MIGRATE_0_TO_1: &str = "
INSERT INTO messages_v1 (id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at, claimed_at)
    SELECT id, run, run_dir, payee, recipient, message_id, body, state, attempts, last_result, paper, updated_at,
           CASE WHEN state = 'sending' THEN updated_at END
    FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v1 RENAME TO messages;
";

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

/// What an orphaned message's last result says.
const ORPHANED: &str =
    "interrupted after its content went to the server and before the server's reply was recorded: the server may have taken it";

/// The delivery lock, held while it lives (the operating system releases
/// it when the process ends, however it ends).
struct Held(#[allow(dead_code)] File);

/// The journal's side of one message's SMTP transaction.
struct Record<'a> {
    db: &'a Connection,
    id: i64,
    /// The state it is sent from: `pending`, or `unconfirmed` when staff resend it.
    from: &'static str,
}

impl Handover for Record<'_> {
    type Error = rusqlite::Error;

    fn claim(&mut self) -> Result<bool, rusqlite::Error> {
        let n = self
            .db
            .prepare_cached(&format!(
                "UPDATE messages SET state = 'sending', claimed_at = {NOW}, updated_at = {NOW} WHERE id = ?1 AND state = ?2"
            ))?
            .execute(params![self.id, self.from])?;
        Ok(n == 1)
    }

    fn accepted(&mut self, reply: &str, tries: u32) -> Result<(), rusqlite::Error> {
        self.db
            .prepare_cached(&format!(
                "UPDATE messages SET state = 'sent', attempts = attempts + ?2, last_result = ?3, updated_at = {NOW}
                 WHERE id = ?1 AND state = 'sending'"
            ))?
            .execute(params![self.id, tries, reply])?;
        Ok(())
    }

    fn refused(&mut self) -> Result<(), rusqlite::Error> {
        self.db
            .prepare_cached(&format!("UPDATE messages SET state = ?2, updated_at = {NOW} WHERE id = ?1 AND state = 'sending'"))?
            .execute(params![self.id, self.from])?;
        Ok(())
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

    /// Sends every `pending` message, oldest first; `only_run` limits it to
    /// one run. Messages a killed delivery left `sending` become
    /// `unconfirmed` first (of every run), and no `unconfirmed` message is
    /// sent: [`Delivered::unconfirmed`] counts them.
    pub fn deliver(&mut self, settings: &SmtpSettings, only_run: Option<&str>) -> Result<Delivered, DeliveryError> {
        self.send_waiting(settings, only_run, Waiting::Pending)
    }

    /// Sends the `unconfirmed` messages again (of one run, or all), on
    /// staff's word, with their Message-ID and content unchanged: each ends
    /// `sent` or `failed`, or stays `unconfirmed` when it cannot go now.
    pub fn resend_unconfirmed(&mut self, settings: &SmtpSettings, only_run: Option<&str>) -> Result<Delivered, DeliveryError> {
        self.send_waiting(settings, only_run, Waiting::Unconfirmed)
    }

    fn send_waiting(&mut self, settings: &SmtpSettings, only_run: Option<&str>, which: Waiting) -> Result<Delivered, DeliveryError> {
        // One delivery at a time per journal: a second one (a run and a
        // scheduled retry, say) waits here rather than send the same message.
        let held = self.lock()?;
        let client = settings.client()?;
        let waiting: Vec<(i64, String, String)> = {
            let mut stmt = self
                .db
                .prepare("SELECT id, run_dir, body FROM messages WHERE state = ?1 AND (?2 IS NULL OR run = ?2) ORDER BY id")
                .map_err(self.err())?;
            let rows = stmt.query_map(params![which.state(), only_run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(self.err())?;
            rows.collect::<Result<_, _>>().map_err(self.err())?
        };
        let mut done = Delivered::default();
        let mut unreachable: Option<String> = None;
        for (id, run_dir, body) in waiting.into_iter() {
            let out: Outgoing =
                serde_json::from_str(&body).map_err(|e| DeliveryError::Corrupt { path: self.path.clone(), id, reason: e.to_string() })?;
            let waits = match which {
                Waiting::Pending => "not sent yet, will retry",
                Waiting::Unconfirmed => "not resent, still unconfirmed",
            };
            if let Some(why) = &unreachable {
                // The server could not be reached: the rest wait for the next delivery.
                if which == Waiting::Pending {
                    done.pending += 1;
                }
                done.problems.push(format!("{} (payee {}): {waits}: not tried, the server was unreachable: {why}", out.to, out.payee));
                continue;
            }
            let mut record = Record { db: &self.db, id, from: which.state() };
            let (result, tries) = email::send(&client, settings, &out, Path::new(&run_dir), &mut record).map_err(self.err())?;
            done.tries += tries as usize;
            let (state, reply) = match result {
                // Recorded the moment the server replied.
                SendResult::Sent(_) => {
                    done.sent += 1;
                    continue;
                }
                // Replaced by a rerun since this delivery began: not ours to send.
                SendResult::NotClaimed => continue,
                SendResult::Transient(why) => {
                    if which == Waiting::Pending {
                        done.pending += 1;
                    }
                    done.problems.push(format!("{} (payee {}): {waits}: {why}", out.to, out.payee));
                    (which.state(), why)
                }
                SendResult::Unreachable(why) => {
                    if which == Waiting::Pending {
                        done.pending += 1;
                    }
                    done.problems.push(format!("{} (payee {}): {waits}: {why}", out.to, out.payee));
                    unreachable = Some(why.clone());
                    (which.state(), why)
                }
                SendResult::Permanent(why) => {
                    done.failed += 1;
                    let paper = if out.paper { "; the payee also gets these documents on paper" } else { "" };
                    done.problems.push(format!("{} (payee {}): failed: {why}{paper}", out.to, out.payee));
                    ("failed", why)
                }
                SendResult::Unconfirmed(why) => {
                    done.problems.push(format!("{} (payee {}): unconfirmed, not sent again: {why}", out.to, out.payee));
                    ("unconfirmed", why)
                }
            };
            self.db
                .execute(
                    &format!(
                        "UPDATE messages SET state = ?2, attempts = attempts + ?3, last_result = ?4, updated_at = {NOW} WHERE id = ?1"
                    ),
                    params![id, state, tries, reply],
                )
                .map_err(self.err())?;
        }
        drop(held);
        done.unconfirmed_messages =
            self.status()?.into_iter().filter(|m| m.state == "unconfirmed" && only_run.is_none_or(|r| r == m.run)).collect();
        done.unconfirmed = done.unconfirmed_messages.len();
        Ok(done)
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

/// Brings a journal of an older schema (or a new, empty file) to
/// [`SCHEMA_VERSION`], in one transaction that holds SQLite's write lock (a
/// second process opening the same old journal waits, then finds it done).
fn upgrade(db: &mut Connection) -> rusqlite::Result<()> {
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
                tx.execute_batch(&messages_table("messages_v1"))?;
                tx.execute_batch(MIGRATE_0_TO_1)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema every journal had before version 1, verbatim.
    const SCHEMA_V0: &str = "
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

    fn outgoing(payee: &str, to: &str) -> Outgoing {
        Outgoing {
            payee: payee.into(),
            name: format!("Payee {payee}"),
            to: to.into(),
            language: "en".into(),
            subject: "Your documents".into(),
            text: "Dear payee".into(),
            html: "<p>Dear payee</p>".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            message_id: format!("<run1.{payee}.0123456789@ssps.dshs.wa.gov>"),
            paper: false,
            documents: vec![email::Attached {
                kind: "remittance".into(),
                document_id: format!("RA-{payee}"),
                title: "Remittance advice".into(),
                sha256: "00".into(),
                file: format!("documents/{payee}/RA-{payee}.pdf"),
            }],
            notice_only: true,
        }
    }

    /// A journal as the previous ssps left it after a kill: P1 sent, P2
    /// `sending` (claimed at 10:00), P3 pending.
    fn old_journal(path: &Path) {
        let db = Connection::open(path).unwrap();
        db.execute_batch(SCHEMA_V0).unwrap();
        for (id, payee, state, updated) in [
            (1, "P1", "sent", "2026-11-02T09:59:00Z"),
            (2, "P2", "sending", "2026-11-02T10:00:00Z"),
            (3, "P3", "pending", "2026-11-02T09:58:00Z"),
        ] {
            let out = outgoing(payee, &format!("{}@example.org", payee.to_lowercase()));
            db.execute(
                "INSERT INTO messages (id, run, run_dir, payee, recipient, message_id, body, state, attempts, paper, updated_at)
                 VALUES (?1, 'run1', '/nonexistent', ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
                params![
                    id,
                    payee,
                    out.to,
                    out.message_id,
                    serde_json::to_string(&out).unwrap(),
                    state,
                    i64::from(state != "pending"),
                    updated
                ],
            )
            .unwrap();
            db.execute(
                "INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (?1, ?2, 'remittance', ?3, '00')",
                params![id, payee, format!("RA-{payee}")],
            )
            .unwrap();
        }
    }

    fn state(j: &Journal, payee: &str) -> String {
        j.status().unwrap().into_iter().find(|m| m.payee == payee).unwrap().state
    }

    /// SMTP settings for a port nothing listens on, one try.
    fn dead_server(dir: &Path) -> SmtpSettings {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let f = dir.join("smtp.toml");
        std::fs::write(&f, format!("host = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"s@dshs.wa.gov\"\nattempts = 1\n"))
            .unwrap();
        SmtpSettings::load(Some(&f), &|_| None).unwrap().unwrap()
    }

    #[test]
    fn an_old_journal_opens_upgraded_with_every_message_and_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_NAME);
        old_journal(&path);
        let j = Journal::open(&path).unwrap();
        let version: i64 = j.db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let all = j.status().unwrap();
        let seen: Vec<(&str, &str, &str, Option<&str>)> =
            all.iter().map(|m| (m.payee.as_str(), m.state.as_str(), m.documents.as_str(), m.claimed_at.as_deref())).collect();
        assert_eq!(
            seen,
            [("P1", "sent", "RA-P1", None), ("P2", "sending", "RA-P2", Some("2026-11-02T10:00:00Z")), ("P3", "pending", "RA-P3", None)]
        );
        assert_eq!(j.known("P2", "remittance", "RA-P2").unwrap().map(|k| k.message), Some(2));
        // The new state is allowed, a made-up one still is not, and documents still refer to messages.
        j.db.execute("UPDATE messages SET state = 'unconfirmed' WHERE id = 2", []).unwrap();
        assert!(j.db.execute("UPDATE messages SET state = 'lost' WHERE id = 2", []).is_err());
        let orphan = j.db.execute("INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (99, 'P9', 'x', 'y', '0')", []);
        assert!(orphan.unwrap_err().to_string().contains("FOREIGN KEY"), "documents lost their reference to messages");
        drop(j);
        // Opening again changes nothing.
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.status().unwrap().len(), 3);
        assert_eq!(state(&j, "P2"), "unconfirmed");
    }

    #[test]
    fn a_journal_of_a_newer_ssps_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_NAME);
        Journal::open(&path).unwrap().db.execute_batch("PRAGMA user_version = 7").unwrap();
        let err = Journal::open(&path).err().expect("refused").to_string();
        assert!(err.ends_with("has schema version 7; this ssps knows versions up to 1: use a newer ssps"), "{err}");
    }

    #[test]
    fn a_delivery_makes_an_orphaned_message_unconfirmed_and_never_sends_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_NAME);
        old_journal(&path);
        let mut j = Journal::open(&path).unwrap();
        let settings = dead_server(dir.path());
        let done = j.deliver(&settings, None).unwrap();
        // P3 was tried (the server is down), P2 was not: it may have been delivered.
        assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (0, 1, 0, 1, 1));
        let p2 = j.status().unwrap().into_iter().find(|m| m.payee == "P2").unwrap();
        assert_eq!((p2.state.as_str(), p2.attempts, p2.claimed_at.as_deref()), ("unconfirmed", 2, Some("2026-11-02T10:00:00Z")));
        assert!(p2.last_result.contains("the server may have taken it"), "{}", p2.last_result);
        assert_eq!(done.unconfirmed_messages.iter().map(|m| m.payee.as_str()).collect::<Vec<_>>(), ["P2"]);
        let t = j.totals(None).unwrap();
        assert_eq!(t, Totals { sent: 1, pending: 1, failed: 0, unconfirmed: 1, sending: 0 });
        // Only this run's unconfirmed messages are counted for it.
        assert_eq!(j.deliver(&settings, Some("run2")).unwrap().unconfirmed, 0);
        // A resend that cannot go leaves it unconfirmed, for staff to try again.
        let resent = j.resend_unconfirmed(&settings, None).unwrap();
        assert_eq!((resent.sent, resent.pending, resent.unconfirmed), (0, 0, 1));
        assert_eq!(state(&j, "P2"), "unconfirmed");
        assert!(resent.problems[0].contains("not resent, still unconfirmed"), "{:?}", resent.problems);
    }

    #[test]
    fn a_status_leaves_a_message_alone_while_a_delivery_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_NAME);
        let mut j = Journal::open(&path).unwrap();
        j.enqueue("run1", dir.path(), &[outgoing("P1", "p1@example.org")], &[]).unwrap();
        j.db.execute("UPDATE messages SET state = 'sending', claimed_at = '2026-11-02T10:00:00Z'", []).unwrap();
        // Another delivery (here: this test) holds the lock: its message is really being sent.
        let other = j.lock_file().unwrap();
        other.lock().unwrap();
        assert!(!j.settle_if_idle().unwrap());
        assert_eq!(state(&j, "P1"), "sending");
        assert_eq!(j.totals(None).unwrap().sending, 1);
        // It died: the lock went with it, and the message is in doubt.
        drop(other);
        assert!(j.settle_if_idle().unwrap());
        assert_eq!(state(&j, "P1"), "unconfirmed");
    }

    #[test]
    fn mark_sent_takes_only_unconfirmed_messages_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_NAME);
        let mut j = Journal::open(&path).unwrap();
        j.enqueue("run1", dir.path(), &[outgoing("P1", "p1@example.org"), outgoing("P2", "p2@example.org")], &[]).unwrap();
        j.db.execute("UPDATE messages SET state = 'unconfirmed', claimed_at = '2026-11-02T10:00:00Z' WHERE payee = 'P1'", []).unwrap();
        let p1 = "<run1.P1.0123456789@ssps.dshs.wa.gov>".to_string();
        let p2 = "<run1.P2.0123456789@ssps.dshs.wa.gov>".to_string();
        let err = j.mark_sent(&[p1.clone(), p2.clone()]).unwrap_err().to_string();
        assert!(err.ends_with("message <run1.P2.0123456789@ssps.dshs.wa.gov> is pending, not unconfirmed; nothing was changed"), "{err}");
        assert_eq!(state(&j, "P1"), "unconfirmed");
        let err = j.mark_sent(&["<nobody@ssps.dshs.wa.gov>".to_string()]).unwrap_err().to_string();
        assert!(err.ends_with("no message has the Message-ID <nobody@ssps.dshs.wa.gov>; nothing was changed"), "{err}");
        // Given without its angle brackets, as a shell makes easy.
        let marked = j.mark_sent(&[p1.trim_matches(|c| c == '<' || c == '>').to_string()]).unwrap();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0].state, "sent");
        assert_eq!(marked[0].last_result, "marked sent by staff without resending (unconfirmed since 2026-11-02T10:00:00Z)");
        assert_eq!(j.totals(None).unwrap(), Totals { sent: 1, pending: 1, ..Totals::default() });
    }
}
