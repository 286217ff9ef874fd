//! [`PeopleStore`] on PostgreSQL: memberships, invitations, the outbox. A
//! change that could leave a payee without an administrator, and an
//! invitation's acceptance, take the payee's advisory lock first: two
//! administrators demoting each other at once on two servers are served
//! one after the other, and the second is refused.

use super::pool::{Conn, PgResult};
use super::{limit, PgStore};
use crate::portal::store::{Accept, InviteRecord, InviteRefused, LastAdmin, Member, Membership, OutMail, PeopleStore, Role, StoreResult};

/// Serialises the changes to one payee's people (inside a transaction).
pub(super) fn lock_payee(c: &mut Conn, payee: &str) -> PgResult<()> {
    c.one("SELECT pg_advisory_xact_lock(hashtextextended('people:' || $1, 0))", &[&payee]).map(drop)
}

fn other_admin(c: &mut Conn, payee: &str, account_id: i64) -> PgResult<bool> {
    Ok(c.one(
        "SELECT EXISTS(SELECT 1 FROM memberships WHERE payee_number = $1 AND role = 'admin' AND account_id <> $2)",
        &[&payee, &account_id],
    )?
    .get(0))
}

fn current_role(c: &mut Conn, payee: &str, account_id: i64) -> PgResult<Option<Role>> {
    let row = c.opt("SELECT role FROM memberships WHERE payee_number = $1 AND account_id = $2", &[&payee, &account_id])?;
    Ok(row.map(|r| Role::stored(r.get(0))))
}

impl PeopleStore for PgStore {
    fn memberships(&self, account_id: i64) -> StoreResult<Vec<Membership>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT payee_number, role FROM memberships WHERE account_id = $1 ORDER BY payee_number COLLATE \"C\"",
                &[&account_id],
            )?;
            Ok(rows.iter().map(|r| Membership { payee_number: r.get(0), role: Role::stored(r.get(1)) }).collect())
        })
    }

    fn members(&self, payee_number: &str) -> StoreResult<Vec<Member>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT m.account_id, a.email, m.role, m.added_at FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.payee_number = $1 ORDER BY m.role = 'admin' DESC, a.email COLLATE \"C\"",
                &[&payee_number],
            )?;
            Ok(rows
                .iter()
                .map(|r| Member { account_id: r.get(0), email: r.get(1), role: Role::stored(r.get(2)), added_at: r.get(3) })
                .collect())
        })
    }

    fn set_role(&self, payee_number: &str, account_id: i64, new: Role) -> StoreResult<Result<bool, LastAdmin>> {
        self.with(|c| {
            let mut tx = c.begin()?;
            lock_payee(&mut tx, payee_number)?;
            let Some(now) = current_role(&mut tx, payee_number, account_id)? else { return Ok(Ok(false)) };
            if now == Role::Admin && new != Role::Admin && !other_admin(&mut tx, payee_number, account_id)? {
                return Ok(Err(LastAdmin));
            }
            tx.execute(
                "UPDATE memberships SET role = $3 WHERE payee_number = $1 AND account_id = $2",
                &[&payee_number, &account_id, &new.word()],
            )?;
            if now == Role::Admin && new != Role::Admin {
                // No longer administrator: the invitations they sent go.
                tx.execute(
                    "DELETE FROM invites WHERE payee_number = $1 AND used_at IS NULL AND invited_by = $2",
                    &[&payee_number, &account_id],
                )?;
            }
            tx.commit()?;
            Ok(Ok(true))
        })
    }

    fn remove_member(&self, payee_number: &str, account_id: i64) -> StoreResult<Result<bool, LastAdmin>> {
        self.with(|c| {
            let mut tx = c.begin()?;
            lock_payee(&mut tx, payee_number)?;
            let Some(now) = current_role(&mut tx, payee_number, account_id)? else { return Ok(Ok(false)) };
            if now == Role::Admin && !other_admin(&mut tx, payee_number, account_id)? {
                return Ok(Err(LastAdmin));
            }
            // Their unused invitations, sent or received, go with them.
            tx.execute(
                "DELETE FROM invites WHERE payee_number = $1 AND used_at IS NULL
                   AND (invited_by = $2 OR email = (SELECT email FROM accounts WHERE id = $2))",
                &[&payee_number, &account_id],
            )?;
            tx.execute("DELETE FROM memberships WHERE payee_number = $1 AND account_id = $2", &[&payee_number, &account_id])?;
            tx.execute("DELETE FROM sessions WHERE account_id = $1 AND payee_number = $2", &[&account_id, &payee_number])?;
            tx.commit()?;
            Ok(Ok(true))
        })
    }

    fn create_invite(&self, token_hash: &[u8], i: &InviteRecord, now: i64) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO invites (token_hash, payee_number, email, role, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&token_hash, &i.payee_number, &i.email, &i.stored_role(), &i.invited_by, &now, &i.expires_at],
            )
            .map(drop)
        })
    }

    fn invites_since(&self, payee_number: &str, since: i64) -> StoreResult<i64> {
        self.with(|c| {
            Ok(c.one("SELECT COUNT(*) FROM invites WHERE payee_number = $1 AND created_at >= $2", &[&payee_number, &since])?.get(0))
        })
    }

    fn invite(&self, token_hash: &[u8]) -> StoreResult<Option<InviteRecord>> {
        self.with(|c| {
            let row = c.opt(
                "SELECT payee_number, email, role, invited_by, expires_at, used_at FROM invites WHERE token_hash = $1",
                &[&token_hash],
            )?;
            Ok(row.map(|r| {
                let stored: String = r.get(2);
                InviteRecord {
                    payee_number: r.get(0),
                    email: r.get(1),
                    staff: InviteRecord::staff_of(&stored),
                    role: Role::stored(&stored),
                    invited_by: r.get(3),
                    expires_at: r.get(4),
                    used_at: r.get(5),
                }
            }))
        })
    }

    fn accept_invite(&self, token_hash: &[u8], who: Accept<'_>, now: i64) -> StoreResult<Result<i64, InviteRefused>> {
        self.with(|c| {
            let mut tx = c.begin()?;
            // The payee's lock first, as every change to a payee's people
            // takes it (a removal deletes invitations under it: taking the
            // invitation's row first could deadlock with one). An
            // invitation's payee never changes.
            let Some(payee) = tx.opt("SELECT payee_number FROM invites WHERE token_hash = $1", &[&token_hash])?.map(|r| r.get::<_, String>(0))
            else {
                return Ok(Err(InviteRefused::NotValid));
            };
            lock_payee(&mut tx, &payee)?;
            // Then its row: of two acceptances at once, the second waits
            // and then finds it used.
            let found = tx.opt(
                "SELECT payee_number, email, role, invited_by, expires_at, used_at FROM invites WHERE token_hash = $1 FOR UPDATE",
                &[&token_hash],
            )?;
            let Some(r) = found else { return Ok(Err(InviteRefused::NotValid)) };
            let (payee, email, invited_role, invited_by, expires_at, used_at): (String, String, String, i64, i64, Option<i64>) =
                (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
            if used_at.is_some() || now >= expires_at {
                return Ok(Err(InviteRefused::NotValid));
            }
            tx.one("SELECT pg_advisory_xact_lock(hashtextextended('email:' || $1, 0))", &[&email])?;
            let existing: Option<i64> = tx.opt("SELECT id FROM accounts WHERE email = $1", &[&email])?.map(|r| r.get(0));
            if let Some(unit) = InviteRecord::staff_of(&invited_role) {
                // State staff: a new account with the staff role, no payee.
                let Accept::New { password_hash, language } = who else { return Ok(Err(InviteRefused::NotValid)) };
                if existing.is_some() {
                    return Ok(Err(InviteRefused::EmailHasAccount));
                }
                let id: i64 = tx
                    .one(
                        "INSERT INTO accounts (email, password_hash, language, created_at, staff_role) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        &[&email, &password_hash, &language, &now, &unit.word()],
                    )?
                    .get(0);
                tx.execute("UPDATE invites SET used_at = $2 WHERE token_hash = $1", &[&token_hash, &now])?;
                tx.commit()?;
                return Ok(Ok(id));
            }
            let account = match (who, existing) {
                (Accept::New { .. }, Some(_)) => return Ok(Err(InviteRefused::EmailHasAccount)),
                (Accept::New { password_hash, language }, None) => tx
                    .one(
                        "INSERT INTO accounts (email, password_hash, language, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                        &[&email, &password_hash, &language, &now],
                    )?
                    .get(0),
                // The signed-in person must be the one invited.
                (Accept::Existing(id), Some(owner)) if id == owner => id,
                (Accept::Existing(_), _) => return Ok(Err(InviteRefused::NotValid)),
            };
            if current_role(&mut tx, &payee, account)?.is_some() {
                return Ok(Err(InviteRefused::AlreadyMember));
            }
            // The inviter must still be the payee's administrator.
            if current_role(&mut tx, &payee, invited_by)? != Some(Role::Admin) {
                return Ok(Err(InviteRefused::NotValid));
            }
            tx.execute(
                "INSERT INTO memberships (account_id, payee_number, role, added_at, added_by) VALUES ($1, $2, $3, $4, $5)",
                &[&account, &payee, &invited_role, &now, &invited_by],
            )?;
            tx.execute("UPDATE invites SET used_at = $2 WHERE token_hash = $1", &[&token_hash, &now])?;
            tx.commit()?;
            Ok(Ok(account))
        })
    }

    fn set_session_payee(&self, id_hash: &[u8], payee_number: &str) -> StoreResult<()> {
        self.with(|c| c.execute("UPDATE sessions SET payee_number = $2 WHERE id_hash = $1", &[&id_hash, &payee_number]).map(drop))
    }

    fn set_notify(&self, account_id: i64, on: bool) -> StoreResult<()> {
        self.with(|c| c.execute("UPDATE accounts SET notify_documents = $2 WHERE id = $1", &[&account_id, &on]).map(drop))
    }

    fn notify_emails(&self, payee_number: &str) -> StoreResult<Vec<String>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
                 WHERE m.payee_number = $1 AND a.notify_documents ORDER BY a.email COLLATE \"C\"",
                &[&payee_number],
            )?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn staff(&self, role: Option<&str>) -> StoreResult<Vec<String>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT email FROM accounts WHERE staff_role IS NOT NULL AND ($1::text IS NULL OR staff_role = $1) ORDER BY email COLLATE \"C\"",
                &[&role],
            )?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn queue_mail(&self, to: &str, subject: &str, body: &str, now: i64) -> StoreResult<i64> {
        self.with(|c| {
            Ok(c.one(
                "INSERT INTO outbox (to_address, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&to, &subject, &body, &now],
            )?
            .get(0))
        })
    }

    fn take_mail(&self, n: usize, max_attempts: i64, now: i64, lease: i64) -> StoreResult<Vec<OutMail>> {
        self.with(|c| {
            // SKIP LOCKED: a server taking mail at this moment keeps its
            // rows; this one takes the others.
            let rows = c.query(
                "UPDATE outbox SET leased_until = $3 + $4 WHERE id IN (
                   SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < $1 AND leased_until <= $3
                   ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING id, to_address, subject, body, attempts",
                &[&max_attempts, &limit(n), &now, &lease],
            )?;
            let mut taken: Vec<OutMail> = rows
                .iter()
                .map(|r| OutMail { id: r.get(0), to: r.get(1), subject: r.get(2), body: r.get(3), attempts: r.get(4) })
                .collect();
            taken.sort_by_key(|m| m.id);
            Ok(taken)
        })
    }

    fn mail_sent(&self, id: i64, now: i64) -> StoreResult<()> {
        self.with(|c| {
            c.execute("UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1", &[&id, &now]).map(drop)
        })
    }

    fn mail_failed(&self, id: i64, error: &str) -> StoreResult<()> {
        self.with(|c| {
            c.execute("UPDATE outbox SET attempts = attempts + 1, last_error = $2, leased_until = 0 WHERE id = $1", &[&id, &error])
                .map(drop)
        })
    }
}
