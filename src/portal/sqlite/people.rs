//! [`PeopleStore`] on SQLite: memberships, invitations, the outbox. A
//! change that could leave a payee without an administrator checks and
//! writes in one `BEGIN IMMEDIATE` transaction.

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::SqliteStore;
use crate::portal::store::{Accept, InviteRecord, InviteRefused, LastAdmin, Member, Membership, OutMail, PeopleStore, Role, StoreResult};

/// Whether the payee keeps an administrator without `account_id`.
fn other_admin(tx: &Transaction<'_>, payee: &str, account_id: i64) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM memberships WHERE payee_number = ?1 AND role = 'admin' AND account_id <> ?2)",
        params![payee, account_id],
        |r| r.get(0),
    )
}

/// Voids a payee's unused invitations sent by `account_id` or addressed
/// to its email: a person removed or no longer administrator cannot come
/// back through a link sent before.
fn void_invites(tx: &Transaction<'_>, payee: &str, account_id: i64, sent_by_too: bool) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM invites WHERE payee_number = ?1 AND used_at IS NULL
           AND ((?3 AND invited_by = ?2) OR email = (SELECT email FROM accounts WHERE id = ?2))",
        params![payee, account_id, sent_by_too],
    )
    .map(drop)
}

fn current_role(tx: &Transaction<'_>, payee: &str, account_id: i64) -> rusqlite::Result<Option<Role>> {
    tx.query_row("SELECT role FROM memberships WHERE payee_number = ?1 AND account_id = ?2", params![payee, account_id], |r| {
        r.get::<_, String>(0).map(|s| Role::stored(&s))
    })
    .optional()
}

impl PeopleStore for SqliteStore {
    fn memberships(&self, account_id: i64) -> StoreResult<Vec<Membership>> {
        self.with(|db| {
            let mut st = db.prepare("SELECT payee_number, role FROM memberships WHERE account_id = ?1 ORDER BY payee_number")?;
            let rows =
                st.query_map([account_id], |r| Ok(Membership { payee_number: r.get(0)?, role: Role::stored(&r.get::<_, String>(1)?) }))?;
            rows.collect()
        })
    }

    fn members(&self, payee_number: &str) -> StoreResult<Vec<Member>> {
        self.with(|db| {
            let mut st = db.prepare(
                "SELECT m.account_id, a.email, m.role, m.added_at FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.payee_number = ?1 ORDER BY m.role = 'admin' DESC, a.email",
            )?;
            let rows = st.query_map([payee_number], |r| {
                Ok(Member { account_id: r.get(0)?, email: r.get(1)?, role: Role::stored(&r.get::<_, String>(2)?), added_at: r.get(3)? })
            })?;
            rows.collect()
        })
    }

    fn set_role(&self, payee_number: &str, account_id: i64, new: Role) -> StoreResult<Result<bool, LastAdmin>> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(now) = current_role(&tx, payee_number, account_id)? else { return Ok(Ok(false)) };
            if now == Role::Admin && new != Role::Admin && !other_admin(&tx, payee_number, account_id)? {
                return Ok(Err(LastAdmin));
            }
            tx.execute(
                "UPDATE memberships SET role = ?3 WHERE payee_number = ?1 AND account_id = ?2",
                params![payee_number, account_id, new.word()],
            )?;
            if now == Role::Admin && new != Role::Admin {
                // No longer administrator: the invitations they sent go.
                tx.execute(
                    "DELETE FROM invites WHERE payee_number = ?1 AND used_at IS NULL AND invited_by = ?2",
                    params![payee_number, account_id],
                )?;
            }
            tx.commit()?;
            Ok(Ok(true))
        })
    }

    fn remove_member(&self, payee_number: &str, account_id: i64) -> StoreResult<Result<bool, LastAdmin>> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(now) = current_role(&tx, payee_number, account_id)? else { return Ok(Ok(false)) };
            if now == Role::Admin && !other_admin(&tx, payee_number, account_id)? {
                return Ok(Err(LastAdmin));
            }
            void_invites(&tx, payee_number, account_id, true)?;
            tx.execute("DELETE FROM memberships WHERE payee_number = ?1 AND account_id = ?2", params![payee_number, account_id])?;
            tx.execute("DELETE FROM sessions WHERE account_id = ?1 AND payee_number = ?2", params![account_id, payee_number])?;
            tx.commit()?;
            Ok(Ok(true))
        })
    }

    fn create_invite(&self, token_hash: &[u8], i: &InviteRecord, now: i64) -> StoreResult<()> {
        self.with(|db| {
            db.execute(
                "INSERT INTO invites (token_hash, payee_number, email, role, invited_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![token_hash, i.payee_number, i.email, i.stored_role(), i.invited_by, now, i.expires_at],
            )
            .map(drop)
        })
    }

    fn invites_since(&self, payee_number: &str, since: i64) -> StoreResult<i64> {
        self.with(|db| {
            db.query_row("SELECT COUNT(*) FROM invites WHERE payee_number = ?1 AND created_at >= ?2", params![payee_number, since], |r| {
                r.get(0)
            })
        })
    }

    fn invite(&self, token_hash: &[u8]) -> StoreResult<Option<InviteRecord>> {
        self.with(|db| {
            db.query_row(
                "SELECT payee_number, email, role, invited_by, expires_at, used_at FROM invites WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    let stored: String = r.get(2)?;
                    Ok(InviteRecord {
                        payee_number: r.get(0)?,
                        email: r.get(1)?,
                        staff: InviteRecord::staff_of(&stored),
                        role: Role::stored(&stored),
                        invited_by: r.get(3)?,
                        expires_at: r.get(4)?,
                        used_at: r.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    fn accept_invite(&self, token_hash: &[u8], who: Accept<'_>, now: i64) -> StoreResult<Result<i64, InviteRefused>> {
        self.with(|db| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: Option<(String, String, String, i64, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT payee_number, email, role, invited_by, expires_at, used_at FROM invites WHERE token_hash = ?1",
                    [token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()?;
            let Some((payee, email, invited_role, invited_by, expires_at, None)) = found else { return Ok(Err(InviteRefused::NotValid)) };
            if now >= expires_at {
                return Ok(Err(InviteRefused::NotValid));
            }
            let existing: Option<i64> = tx.query_row("SELECT id FROM accounts WHERE email = ?1", [&email], |r| r.get(0)).optional()?;
            if let Some(unit) = InviteRecord::staff_of(&invited_role) {
                // State staff: a new account with the staff role, no payee.
                let Accept::New { password_hash, language } = who else { return Ok(Err(InviteRefused::NotValid)) };
                if existing.is_some() {
                    return Ok(Err(InviteRefused::EmailHasAccount));
                }
                tx.execute(
                    "INSERT INTO accounts (email, password_hash, language, created_at, staff_role) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![email, password_hash, language, now, unit.word()],
                )?;
                let id = tx.last_insert_rowid();
                tx.execute("UPDATE invites SET used_at = ?2 WHERE token_hash = ?1", params![token_hash, now])?;
                tx.commit()?;
                return Ok(Ok(id));
            }
            let account = match (who, existing) {
                (Accept::New { .. }, Some(_)) => return Ok(Err(InviteRefused::EmailHasAccount)),
                (Accept::New { password_hash, language }, None) => {
                    tx.execute(
                        "INSERT INTO accounts (email, password_hash, language, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![email, password_hash, language, now],
                    )?;
                    tx.last_insert_rowid()
                }
                // The signed-in person must be the one invited.
                (Accept::Existing(id), Some(owner)) if id == owner => id,
                (Accept::Existing(_), _) => return Ok(Err(InviteRefused::NotValid)),
            };
            if current_role(&tx, &payee, account)?.is_some() {
                return Ok(Err(InviteRefused::AlreadyMember));
            }
            // The inviter must still be the payee's administrator.
            if current_role(&tx, &payee, invited_by)? != Some(Role::Admin) {
                return Ok(Err(InviteRefused::NotValid));
            }
            tx.execute(
                "INSERT INTO memberships (account_id, payee_number, role, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![account, payee, invited_role, now, invited_by],
            )?;
            tx.execute("UPDATE invites SET used_at = ?2 WHERE token_hash = ?1", params![token_hash, now])?;
            tx.commit()?;
            Ok(Ok(account))
        })
    }

    fn set_session_payee(&self, id_hash: &[u8], payee_number: &str) -> StoreResult<()> {
        self.with(|db| db.execute("UPDATE sessions SET payee_number = ?2 WHERE id_hash = ?1", params![id_hash, payee_number]).map(drop))
    }

    fn set_notify(&self, account_id: i64, on: bool) -> StoreResult<()> {
        self.with(|db| db.execute("UPDATE accounts SET notify_documents = ?2 WHERE id = ?1", params![account_id, on]).map(drop))
    }

    fn notify_emails(&self, payee_number: &str) -> StoreResult<Vec<String>> {
        self.with(|db| {
            let mut st = db.prepare(
                "SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.payee_number = ?1 AND a.notify_documents = 1 ORDER BY a.email",
            )?;
            let rows = st.query_map([payee_number], |r| r.get(0))?;
            rows.collect()
        })
    }

    fn staff(&self, role: Option<&str>) -> StoreResult<Vec<String>> {
        self.with(|db| {
            let mut st =
                db.prepare("SELECT email FROM accounts WHERE staff_role IS NOT NULL AND (?1 IS NULL OR staff_role = ?1) ORDER BY email")?;
            let rows = st.query_map([role], |r| r.get(0))?;
            rows.collect()
        })
    }

    fn queue_mail(&self, to: &str, subject: &str, body: &str, now: i64) -> StoreResult<i64> {
        self.with(|db| {
            db.execute(
                "INSERT INTO outbox (to_address, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![to, subject, body, now],
            )?;
            Ok(db.last_insert_rowid())
        })
    }

    fn take_mail(&self, limit: usize, max_attempts: i64, now: i64, lease: i64) -> StoreResult<Vec<OutMail>> {
        self.with(|db| {
            let mut st = db.prepare(
                "UPDATE outbox SET leased_until = ?3 + ?4 WHERE id IN (
                   SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < ?1 AND leased_until <= ?3 ORDER BY id LIMIT ?2)
                 RETURNING id, to_address, subject, body, attempts",
            )?;
            let rows = st.query_map(params![max_attempts, i64::try_from(limit).unwrap_or(i64::MAX), now, lease], |r| {
                Ok(OutMail { id: r.get(0)?, to: r.get(1)?, subject: r.get(2)?, body: r.get(3)?, attempts: r.get(4)? })
            })?;
            let mut taken = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            taken.sort_by_key(|m| m.id);
            Ok(taken)
        })
    }

    fn mail_sent(&self, id: i64, now: i64) -> StoreResult<()> {
        self.with(|db| {
            db.execute("UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1", params![id, now])
                .map(drop)
        })
    }

    fn mail_failed(&self, id: i64, error: &str) -> StoreResult<()> {
        self.with(|db| {
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, leased_until = 0 WHERE id = ?1", params![id, error])
                .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::store::Store;

    #[test]
    fn a_part_1_database_is_brought_up_keeping_its_accounts_as_administrators_and_their_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        {
            let db = rusqlite::Connection::open(&path).unwrap();
            db.execute_batch(super::super::MIGRATIONS[0]).unwrap();
            db.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO accounts (id, payee_number, email, password_hash, language, created_at) VALUES (7, '300', 'a@example.net', '$h', 'es', 5);
                 INSERT INTO sessions (id_hash, account_id, stage, created_at, last_seen) VALUES (x'01', 7, 'full', 6, 6);",
            )
            .unwrap();
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.memberships(7).unwrap(), vec![Membership { payee_number: "300".into(), role: Role::Admin }]);
        let a = s.account_by_email("a@example.net").unwrap().unwrap();
        assert_eq!((a.id, a.language.as_str()), (7, "es"));
        assert_eq!(s.session(&[1]).unwrap().unwrap().account_id, 7);
        // Foreign keys are on again: deleting the account ends its session.
        s.with(|db| db.execute("DELETE FROM accounts WHERE id = 7", [])).unwrap();
        assert!(s.session(&[1]).unwrap().is_none());
    }
}
