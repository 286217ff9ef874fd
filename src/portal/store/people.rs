//! The people part of the [`super::Store`]: who may do what for which
//! payee (memberships and their roles), invitations, state staff, and the
//! mail the portal sends (an outbox, so a message survives a restart or a
//! mail server that is down).
//!
//! Every person has an account of their own (shared logins are what
//! ProviderOne forbids); one person may work for several payees. A payee
//! always keeps at least one administrator: the store refuses the change
//! that would leave none ([`LastAdmin`]).

use super::StoreResult;

/// What a person may do for a payee; each role includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// See payments, documents, claims.
    View,
    /// Also claim invoices.
    Claim,
    /// Also invite, change and remove the payee's people.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::View, Role::Claim, Role::Admin];

    /// The stored word.
    pub fn word(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::Claim => "claim",
            Role::Admin => "admin",
        }
    }

    /// From the stored word.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.word() == s)
    }

    /// From the stored word, as the stores read it: a word the program
    /// did not write reads as the least role.
    pub fn stored(s: &str) -> Role {
        Role::parse(s).unwrap_or(Role::View)
    }
}

/// A payee a person works for, and the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The payee.
    pub payee_number: String,
    /// What the person may do.
    pub role: Role,
}

/// A person working for a payee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The account.
    pub account_id: i64,
    /// Its sign-in email.
    pub email: String,
    /// What the person may do.
    pub role: Role,
    /// Since when.
    pub added_at: i64,
}

/// Refused: the payee would have no administrator left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastAdmin;

/// An invitation, found by the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteRecord {
    /// The payee to work for.
    pub payee_number: String,
    /// The invited email (lower case).
    pub email: String,
    /// The role offered (a payee's people).
    pub role: Role,
    /// A state staff member's unit instead: the account gets the staff
    /// role, no payee (`payee_number` is empty).
    pub staff: Option<super::Unit>,
    /// Who invited (0: `ssps portal staff` from the command line).
    pub invited_by: i64,
    /// Until when it can be accepted (exclusive).
    pub expires_at: i64,
    /// When it was accepted.
    pub used_at: Option<i64>,
}

impl InviteRecord {
    /// The role as the stores keep it: a payee's role, or `staff:<unit>`.
    pub fn stored_role(&self) -> String {
        match self.staff {
            Some(u) => format!("staff:{}", u.word()),
            None => self.role.word().to_string(),
        }
    }

    /// The staff unit of a stored role (`staff:<unit>`), if it is one.
    pub fn staff_of(stored: &str) -> Option<super::Unit> {
        stored.strip_prefix("staff:").and_then(super::Unit::parse)
    }
}

/// Who accepts an invitation.
pub enum Accept<'a> {
    /// A new person: their account is made.
    New {
        /// Argon2id PHC string.
        password_hash: &'a str,
        /// `en` or `es`.
        language: &'a str,
    },
    /// A person with an account, signed in.
    Existing(i64),
}

/// Why an invitation cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefused {
    /// No such invitation, used, or expired.
    NotValid,
    /// The invited email has an account: sign in first.
    EmailHasAccount,
    /// The person already works for the payee.
    AlreadyMember,
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMail {
    /// Row id.
    pub id: i64,
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The plain-text body (a link, never personal data).
    pub body: String,
    /// Tries so far.
    pub attempts: i64,
}

/// People in the store.
pub trait PeopleStore {
    /// The payees an account works for, in payee order.
    fn memberships(&self, account_id: i64) -> StoreResult<Vec<Membership>>;
    /// A payee's people, administrators first, then by email.
    fn members(&self, payee_number: &str) -> StoreResult<Vec<Member>>;
    /// Changes a person's role for a payee; refused when it would leave
    /// the payee without an administrator. False when no such member.
    fn set_role(&self, payee_number: &str, account_id: i64, role: Role) -> StoreResult<Result<bool, LastAdmin>>;
    /// Removes a person from a payee (and ends their sessions working for
    /// it); refused when they are its last administrator.
    fn remove_member(&self, payee_number: &str, account_id: i64) -> StoreResult<Result<bool, LastAdmin>>;
    /// Records an invitation (its token only as a hash).
    fn create_invite(&self, token_hash: &[u8], invite: &InviteRecord, now: i64) -> StoreResult<()>;
    /// Invitations of a payee made since `since` (a rate limit).
    fn invites_since(&self, payee_number: &str, since: i64) -> StoreResult<i64>;
    /// An invitation by its token's hash.
    fn invite(&self, token_hash: &[u8]) -> StoreResult<Option<InviteRecord>>;
    /// Accepts an invitation in one transaction: makes the account (or
    /// takes the signed-in one, whose email must be the invited one), adds
    /// the membership, marks the invitation used. Returns the account.
    fn accept_invite(&self, token_hash: &[u8], who: Accept<'_>, now: i64) -> StoreResult<Result<i64, InviteRefused>>;
    /// The payee a session works for.
    fn set_session_payee(&self, id_hash: &[u8], payee_number: &str) -> StoreResult<()>;
    /// Turns a person's notices of new documents on or off.
    fn set_notify(&self, account_id: i64, on: bool) -> StoreResult<()>;
    /// The emails of a payee's people who asked for notices of new documents.
    fn notify_emails(&self, payee_number: &str) -> StoreResult<Vec<String>>;
    /// The emails of the state staff with `role` (any role: `None`).
    fn staff(&self, role: Option<&str>) -> StoreResult<Vec<String>>;
    /// Queues a message.
    fn queue_mail(&self, to: &str, subject: &str, body: &str, now: i64) -> StoreResult<i64>;
    /// Takes messages to send: not sent yet, tried fewer than
    /// `max_attempts` times and not taken by a server in the last `lease`
    /// seconds; oldest first, at most `limit`. Taking is atomic, so two
    /// servers never send one message twice (unless the one that took it
    /// stops before it is sent: after `lease` another takes it again).
    fn take_mail(&self, limit: usize, max_attempts: i64, now: i64, lease: i64) -> StoreResult<Vec<OutMail>>;
    /// Marks a message sent.
    fn mail_sent(&self, id: i64, now: i64) -> StoreResult<()>;
    /// Records a failed try; the message may be taken again at once.
    fn mail_failed(&self, id: i64, error: &str) -> StoreResult<()>;
}
