//! [`MessageStore`] on PostgreSQL: threads, messages with their
//! attachments (`BYTEA`), letter requests.

use super::pool::{Conn, PgResult};
use super::{limit, PgStore};
use crate::portal::store::messages::Attachment;
use crate::portal::store::{MessageRecord, MessageStore, NewMessage, StoreResult, Thread, Unit};

const THREAD: &str = "SELECT id, payee_number, unit, subject, created_at, updated_at, waiting_for_staff FROM threads";

fn thread_row(r: &tokio_postgres::Row) -> Thread {
    let unit: String = r.get(2);
    Thread {
        id: r.get(0),
        payee_number: r.get(1),
        unit: Unit::parse(&unit).unwrap_or(Unit::CustomerService),
        subject: r.get(3),
        created_at: r.get(4),
        updated_at: r.get(5),
        waiting_for_staff: r.get(6),
    }
}

fn insert(c: &mut Conn, thread_id: i64, m: &NewMessage<'_>) -> PgResult<i64> {
    // The thread's row first: a provider's and a staff member's messages
    // at the same moment are added one after the other, so the thread
    // says who it waits for after the newest.
    c.opt("SELECT id FROM threads WHERE id = $1 FOR UPDATE", &[&thread_id])?;
    let (name, kind, bytes) = match m.attachment {
        Some((n, k, b)) => (Some(n), Some(k), Some(b)),
        None => (None, None, None),
    };
    let id: i64 = c
        .one(
            "INSERT INTO messages (thread_id, author, from_staff, body, at, attachment_name, attachment_type, attachment)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[&thread_id, &m.author, &m.from_staff, &m.body, &m.now, &name, &kind, &bytes],
        )?
        .get(0);
    c.execute("UPDATE threads SET updated_at = $2, waiting_for_staff = $3 WHERE id = $1", &[&thread_id, &m.now, &!m.from_staff])?;
    Ok(id)
}

impl MessageStore for PgStore {
    fn start_thread(&self, payee_number: &str, unit: Unit, subject: &str, first: &NewMessage<'_>) -> StoreResult<i64> {
        self.with(|c| {
            let mut tx = c.begin()?;
            let id: i64 = tx
                .one(
                    "INSERT INTO threads (payee_number, unit, subject, created_at, updated_at, waiting_for_staff)
                     VALUES ($1, $2, $3, $4, $4, TRUE) RETURNING id",
                    &[&payee_number, &unit.word(), &subject, &first.now],
                )?
                .get(0);
            insert(&mut tx, id, first)?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn add_message(&self, thread_id: i64, m: &NewMessage<'_>) -> StoreResult<i64> {
        self.with(|c| {
            let mut tx = c.begin()?;
            let id = insert(&mut tx, thread_id, m)?;
            tx.commit()?;
            Ok(id)
        })
    }

    fn threads_of(&self, payee_number: &str) -> StoreResult<Vec<Thread>> {
        self.with(|c| {
            let rows = c.query(&format!("{THREAD} WHERE payee_number = $1 ORDER BY updated_at DESC, id DESC"), &[&payee_number])?;
            Ok(rows.iter().map(thread_row).collect())
        })
    }

    fn all_threads(&self, unit: Option<Unit>, n: usize) -> StoreResult<Vec<Thread>> {
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "{THREAD} WHERE ($1::text IS NULL OR unit = $1) ORDER BY waiting_for_staff DESC, updated_at DESC, id DESC LIMIT $2"
                ),
                &[&unit.map(Unit::word), &limit(n)],
            )?;
            Ok(rows.iter().map(thread_row).collect())
        })
    }

    fn thread(&self, id: i64) -> StoreResult<Option<Thread>> {
        self.with(|c| Ok(c.opt(&format!("{THREAD} WHERE id = $1"), &[&id])?.as_ref().map(thread_row)))
    }

    fn messages(&self, thread_id: i64) -> StoreResult<Vec<MessageRecord>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT id, thread_id, author, from_staff, body, at, attachment_name, attachment_type FROM messages WHERE thread_id = $1 ORDER BY id",
                &[&thread_id],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    let name: Option<String> = r.get(6);
                    let kind: Option<String> = r.get(7);
                    MessageRecord {
                        id: r.get(0),
                        thread_id: r.get(1),
                        author: r.get(2),
                        from_staff: r.get(3),
                        body: r.get(4),
                        at: r.get(5),
                        attachment: name.zip(kind),
                    }
                })
                .collect())
        })
    }

    fn attachment(&self, message_id: i64) -> StoreResult<Option<Attachment>> {
        self.with(|c| {
            let row = c.opt(
                "SELECT thread_id, attachment_name, attachment_type, attachment FROM messages WHERE id = $1 AND attachment IS NOT NULL",
                &[&message_id],
            )?;
            Ok(row.map(|r| Attachment { thread_id: r.get(0), name: r.get(1), kind: r.get(2), bytes: r.get(3) }))
        })
    }

    fn messages_since(&self, author: i64, since: i64) -> StoreResult<i64> {
        self.with(|c| Ok(c.one("SELECT COUNT(*) FROM messages WHERE author = $1 AND at >= $2", &[&author, &since])?.get(0)))
    }

    fn request_letter(&self, payee_number: &str, by: i64, now: i64) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO letter_requests (payee_number, requested_by, requested_at) VALUES ($1, $2, $3)",
                &[&payee_number, &by, &now],
            )
            .map(drop)
        })
    }

    fn letters_requested(&self) -> StoreResult<Vec<String>> {
        self.with(|c| {
            let rows =
                c.query("SELECT DISTINCT payee_number COLLATE \"C\" AS p FROM letter_requests WHERE made_at IS NULL ORDER BY p", &[])?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn letters_made(&self, payees: &[String], now: i64) -> StoreResult<()> {
        self.with(|c| {
            let mut tx = c.begin()?;
            for p in payees {
                tx.execute("UPDATE letter_requests SET made_at = $2 WHERE payee_number = $1 AND made_at IS NULL", &[p, &now])?;
            }
            tx.commit()
        })
    }
}
