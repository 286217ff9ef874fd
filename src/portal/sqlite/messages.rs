//! [`MessageStore`] on SQLite: threads, messages with their attachments,
//! letter requests.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::portal::store::messages::Attachment;
use crate::portal::store::{MessageRecord, MessageStore, NewMessage, StoreResult, Thread, Unit};

const THREAD: &str = "SELECT id, payee_number, unit, subject, created_at, updated_at, waiting_for_staff FROM threads";

fn thread_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Thread> {
    let unit: String = r.get(2)?;
    Ok(Thread {
        id: r.get(0)?,
        payee_number: r.get(1)?,
        unit: Unit::parse(&unit).unwrap_or(Unit::CustomerService),
        subject: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
        waiting_for_staff: r.get(6)?,
    })
}

fn insert(tx: &rusqlite::Connection, thread_id: i64, m: &NewMessage<'_>) -> rusqlite::Result<i64> {
    let (name, kind, bytes) = match m.attachment {
        Some((n, k, b)) => (Some(n), Some(k), Some(b)),
        None => (None, None, None),
    };
    tx.execute(
        "INSERT INTO messages (thread_id, author, from_staff, body, at, attachment_name, attachment_type, attachment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![thread_id, m.author, m.from_staff, m.body, m.now, name, kind, bytes],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute("UPDATE threads SET updated_at = ?2, waiting_for_staff = ?3 WHERE id = ?1", params![thread_id, m.now, !m.from_staff])?;
    Ok(id)
}

impl MessageStore for SqliteStore {
    fn start_thread(&self, payee_number: &str, unit: Unit, subject: &str, first: &NewMessage<'_>) -> StoreResult<i64> {
        self.with(|db| {
            let tx = db.transaction()?;
            tx.execute(
                "INSERT INTO threads (payee_number, unit, subject, created_at, updated_at, waiting_for_staff) VALUES (?1, ?2, ?3, ?4, ?4, 1)",
                params![payee_number, unit.word(), subject, first.now],
            )?;
            let id = tx.last_insert_rowid();
            insert(&tx, id, first)?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn add_message(&self, thread_id: i64, m: &NewMessage<'_>) -> StoreResult<i64> {
        self.with(|db| {
            let tx = db.transaction()?;
            let id = insert(&tx, thread_id, m)?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn threads_of(&self, payee_number: &str) -> StoreResult<Vec<Thread>> {
        self.with(|db| {
            let mut st = db.prepare(&format!("{THREAD} WHERE payee_number = ?1 ORDER BY updated_at DESC, id DESC"))?;
            let rows = st.query_map([payee_number], thread_row)?;
            rows.collect()
        })
    }

    fn all_threads(&self, unit: Option<Unit>, limit: usize) -> StoreResult<Vec<Thread>> {
        self.with(|db| {
            let mut st = db.prepare(&format!(
                "{THREAD} WHERE (?1 IS NULL OR unit = ?1) ORDER BY waiting_for_staff DESC, updated_at DESC, id DESC LIMIT ?2"
            ))?;
            let rows = st.query_map(params![unit.map(Unit::word), i64::try_from(limit).unwrap_or(i64::MAX)], thread_row)?;
            rows.collect()
        })
    }

    fn thread(&self, id: i64) -> StoreResult<Option<Thread>> {
        self.with(|db| db.query_row(&format!("{THREAD} WHERE id = ?1"), [id], thread_row).optional())
    }

    fn messages(&self, thread_id: i64) -> StoreResult<Vec<MessageRecord>> {
        self.with(|db| {
            let mut st = db.prepare(
                "SELECT id, thread_id, author, from_staff, body, at, attachment_name, attachment_type FROM messages WHERE thread_id = ?1 ORDER BY id",
            )?;
            let rows = st.query_map([thread_id], |r| {
                let name: Option<String> = r.get(6)?;
                let kind: Option<String> = r.get(7)?;
                Ok(MessageRecord {
                    id: r.get(0)?,
                    thread_id: r.get(1)?,
                    author: r.get(2)?,
                    from_staff: r.get(3)?,
                    body: r.get(4)?,
                    at: r.get(5)?,
                    attachment: name.zip(kind),
                })
            })?;
            rows.collect()
        })
    }

    fn attachment(&self, message_id: i64) -> StoreResult<Option<Attachment>> {
        self.with(|db| {
            db.query_row(
                "SELECT thread_id, attachment_name, attachment_type, attachment FROM messages WHERE id = ?1 AND attachment IS NOT NULL",
                [message_id],
                |r| Ok(Attachment { thread_id: r.get(0)?, name: r.get(1)?, kind: r.get(2)?, bytes: r.get(3)? }),
            )
            .optional()
        })
    }

    fn messages_since(&self, author: i64, since: i64) -> StoreResult<i64> {
        self.with(|db| db.query_row("SELECT COUNT(*) FROM messages WHERE author = ?1 AND at >= ?2", params![author, since], |r| r.get(0)))
    }

    fn request_letter(&self, payee_number: &str, by: i64, now: i64) -> StoreResult<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO letter_requests (payee_number, requested_by, requested_at) VALUES (?1, ?2, ?3)",
                params![payee_number, by, now],
            )
            .map(drop)
        })
    }

    fn letters_requested(&self) -> StoreResult<Vec<String>> {
        self.with(|db| {
            let mut st = db.prepare("SELECT DISTINCT payee_number FROM letter_requests WHERE made_at IS NULL ORDER BY payee_number")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect()
        })
    }

    fn letters_made(&self, payees: &[String], now: i64) -> StoreResult<()> {
        self.with(|db| {
            let tx = db.transaction()?;
            for p in payees {
                tx.execute("UPDATE letter_requests SET made_at = ?2 WHERE payee_number = ?1 AND made_at IS NULL", params![p, now])?;
            }
            tx.commit()
        })
    }
}
