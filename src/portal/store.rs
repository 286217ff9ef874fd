//! The portal's storage, behind one small trait: accounts, sessions,
//! registration letters and used codes, failed sign-in counters, the
//! audit log and the index of the runs' documents; invoices claimed
//! online in [`claims`].
//!
//! [`Store`] is synchronous and object safe: the server holds a
//! `Box<dyn Store>`. [`super::sqlite::SqliteStore`] is the embedded
//! implementation; a PostgreSQL one can follow without touching the pages.
//! Times are Unix seconds from the portal's clock. Secrets never reach the
//! store in clear: session ids as SHA-256, passwords as Argon2id PHC
//! strings, registration codes only as a keyed fingerprint of the letter.

use chrono::NaiveDate;

pub mod claims;
#[cfg(test)]
mod conformance;
pub mod messages;
pub mod people;

pub use claims::{AlreadySubmitted, ClaimRecord, ClaimState, ClaimStore, ClaimWrite, ExportBatch};
pub use messages::{MessageRecord, MessageStore, NewMessage, Thread, Unit};
pub use people::{Accept, InviteRecord, InviteRefused, LastAdmin, Member, Membership, OutMail, PeopleStore, Role};

/// A store failure: the message of the database underneath.
#[derive(Debug, thiserror::Error)]
#[error("portal database: {0}")]
pub struct StoreError(pub String);

/// What a store call answers.
pub type StoreResult<T> = Result<T, StoreError>;

/// A person's sign-in account: what it may do for which payee is in its
/// memberships ([`people`]); state staff have a staff role instead.
#[derive(Clone)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// A state staff member's role (`customer_service`, `ssps_unit`);
    /// `None` for providers' people.
    pub staff_role: Option<String>,
    /// Sign-in email, lower case.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// `en` or `es`.
    pub language: String,
    /// The TOTP secret, sealed with the portal key (see `auth::seal`), and
    /// its nonce; `None` without a second factor.
    pub totp: Option<(Vec<u8>, Vec<u8>)>,
    /// The last TOTP time step accepted (a code is good once).
    pub totp_last_step: i64,
    /// Whether the person asked for an email when new documents of their
    /// payees are in the portal.
    pub notify_documents: bool,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account").field("id", &self.id).field("staff_role", &self.staff_role).finish_non_exhaustive()
    }
}

/// A new account, with the letter it registers with.
pub struct NewAccount<'a> {
    /// The payee.
    pub payee_number: &'a str,
    /// Sign-in email, lower case.
    pub email: &'a str,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// `en` or `es`.
    pub language: &'a str,
    /// The used letter's fingerprint (`regcode::used_key`).
    pub used_key: &'a str,
}

/// Why a registration was refused by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The code was used already.
    CodeUsed,
    /// The payee has an account already.
    PayeeHasAccount,
    /// Another account signs in with that email.
    EmailTaken,
}

/// How far a session has signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted, the second factor is still due.
    Password,
    /// Signed in.
    Full,
}

impl Stage {
    /// The stored word.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Password => "password",
            Stage::Full => "full",
        }
    }
}

/// A session, found by the hash of its id.
#[derive(Debug, Clone)]
pub struct Session {
    /// Its account.
    pub account_id: i64,
    /// When it began.
    pub created_at: i64,
    /// When it was last used.
    pub last_seen: i64,
    /// How far it has signed in.
    pub stage: Stage,
    /// The payee it is working for (a person may work for several).
    pub payee_number: Option<String>,
}

/// What a request with a session cookie needs, found together: the
/// session, its account and the payees the account works for.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The session.
    pub session: Session,
    /// Its account.
    pub account: Account,
    /// The account's payees, in payee order.
    pub memberships: Vec<Membership>,
}

/// A run folder as indexed.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The folder's name under `--runs`.
    pub name: String,
    /// The run's name in its `summary.json` (`invoices`, `remittances`, …).
    pub run: String,
    /// Its period key (`2026-10`, `2026-10-01..2026-10-31`).
    pub period: String,
    /// SHA-256 of its `manifest.csv`: re-indexing an unchanged run is a no-op.
    pub manifest_sha256: String,
}

/// A document of a run, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRecord {
    /// The run folder's name.
    pub run: String,
    /// The document id.
    pub document_id: String,
    /// Its kind (`invoice`, `remittance`, …).
    pub kind: String,
    /// The payee it belongs to.
    pub payee_number: String,
    /// Its file, relative to the run folder.
    pub file: String,
    /// SHA-256 of its bytes, from the manifest.
    pub sha256: String,
    /// Pages.
    pub pages: i64,
    /// Amount, a plain decimal.
    pub amount: String,
    /// Service month (`YYYY-MM`) or empty.
    pub month: String,
    /// Whether the file matched its SHA-256 when indexed.
    pub ok: bool,
}

/// An event of the audit log.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// What happened: `sign_in`, `sign_in_failed`, `locked`, `sign_out`,
    /// `register`, `register_failed`, `download`, `not_found`, `tampered`,
    /// `totp_on`, `totp_off`, `session_expired`.
    pub event: &'a str,
    /// The account, when known.
    pub account_id: Option<i64>,
    /// The payee, when known.
    pub payee_number: Option<&'a str>,
    /// A document id or a reason; never a password, code or TIN.
    pub detail: &'a str,
    /// The client's address.
    pub address: &'a str,
    /// When.
    pub at: i64,
}

/// One row of the audit log as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// When.
    pub at: i64,
    /// What.
    pub event: String,
    /// The payee, when known.
    pub payee_number: Option<String>,
    /// The detail.
    pub detail: String,
}

/// The portal's storage (with the claims of [`ClaimStore`]).
pub trait Store: ClaimStore + PeopleStore + MessageStore + Send + Sync {
    /// The account signing in with `email` (lower case).
    fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>>;
    /// The account with this id.
    fn account(&self, id: i64) -> StoreResult<Option<Account>>;
    /// The payee numbers that have an administrator (registered).
    fn payees_with_accounts(&self) -> StoreResult<Vec<String>>;
    /// Creates an account, the payee's administrator, and marks its
    /// letter's code used, in one transaction; refused if the code was
    /// used, the payee has an administrator or the email is taken.
    fn create_account(&self, new: &NewAccount<'_>, now: i64) -> StoreResult<Result<i64, Refused>>;
    /// Sets an account's language.
    fn set_language(&self, account_id: i64, language: &str) -> StoreResult<()>;
    /// Sets (or with `None` removes) the sealed TOTP secret.
    fn set_totp(&self, account_id: i64, sealed: Option<(&[u8], &[u8])>) -> StoreResult<()>;
    /// Records the TOTP step just accepted, if it is newer than the last
    /// one; false if it was not (a replayed code).
    fn take_totp_step(&self, account_id: i64, step: i64) -> StoreResult<bool>;

    /// Stores a new session.
    fn create_session(&self, id_hash: &[u8], account_id: i64, stage: Stage, now: i64) -> StoreResult<()>;
    /// The session with this id hash.
    fn session(&self, id_hash: &[u8]) -> StoreResult<Option<Session>>;
    /// The session with this id hash, its account and memberships, in one
    /// look-up where the store can (every signed-in request asks; on
    /// PostgreSQL one round trip instead of three). `None` without a
    /// session or its account.
    fn visit(&self, id_hash: &[u8]) -> StoreResult<Option<Visit>> {
        let Some(session) = self.session(id_hash)? else { return Ok(None) };
        let Some(account) = self.account(session.account_id)? else { return Ok(None) };
        let memberships = self.memberships(account.id)?;
        Ok(Some(Visit { session, account, memberships }))
    }
    /// Marks a session used now.
    fn touch_session(&self, id_hash: &[u8], now: i64) -> StoreResult<()>;
    /// Ends a session.
    fn delete_session(&self, id_hash: &[u8]) -> StoreResult<()>;
    /// Ends every session of an account (a password or factor change).
    fn delete_sessions_of(&self, account_id: i64) -> StoreResult<()>;
    /// Drops sessions idle since `idle_before` or begun before
    /// `created_before`; returns how many.
    fn delete_stale_sessions(&self, idle_before: i64, created_before: i64) -> StoreResult<usize>;

    /// Counts a failed attempt under `key` (an account, an email's hash or
    /// an address).
    fn record_failure(&self, key: &str, now: i64) -> StoreResult<()>;
    /// Failed attempts under `key` since `since`, and the latest one.
    fn failures_since(&self, key: &str, since: i64) -> StoreResult<(u32, Option<i64>)>;
    /// Forgets every failure older than `before` (nothing older than a
    /// day is ever asked about).
    fn purge_failures(&self, before: i64) -> StoreResult<()>;
    /// Forgets the failures under `key` (after a success).
    fn clear_failures(&self, key: &str) -> StoreResult<()>;

    /// Records a registration letter (from a run's `registrations.csv` or
    /// the demo); idempotent.
    fn add_letter(&self, payee_number: &str, letter_date: NaiveDate, source: &str) -> StoreResult<()>;
    /// The newest registration letter of a payee.
    fn newest_letter(&self, payee_number: &str) -> StoreResult<Option<NaiveDate>>;
    /// Whether a letter's code was used.
    fn code_used(&self, used_key: &str) -> StoreResult<bool>;

    /// Appends to the audit log.
    fn audit(&self, event: &AuditEvent<'_>) -> StoreResult<()>;
    /// The newest `limit` audit rows, of one payee if asked, newest first.
    fn audit_tail(&self, payee_number: Option<&str>, limit: usize) -> StoreResult<Vec<AuditRow>>;

    /// The manifest SHA-256 a run was indexed with.
    fn run_indexed(&self, name: &str) -> StoreResult<Option<String>>;
    /// Replaces a run's record and documents in one transaction, if the
    /// run is still as the caller found it (`before`: the manifest SHA-256
    /// it was indexed with, `None` if it was not); false, changing nothing,
    /// when another server indexed it meanwhile.
    fn replace_run(&self, run: &RunRecord, documents: &[DocRecord], before: Option<&str>) -> StoreResult<bool>;
    /// The runs indexed.
    fn runs(&self) -> StoreResult<Vec<RunRecord>>;
    /// A payee's documents, optionally of one kind, in run then id order.
    fn documents_of(&self, payee_number: &str, kind: Option<&str>) -> StoreResult<Vec<DocRecord>>;
    /// A payee's document by id (the newest run's, if several runs made it).
    fn document(&self, payee_number: &str, document_id: &str) -> StoreResult<Option<DocRecord>>;
}
