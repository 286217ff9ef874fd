//! The messages part of the [`super::Store`]: a provider writes to a unit
//! of DSHS (Contact Us), staff answer, both sides read the thread; an
//! attachment (a PDF or an image, its type checked by content) rides with
//! a message. Also the staff's requests for a new registration letter,
//! which the next `ssps registration-letters --db` run takes.

use super::StoreResult;

/// The units a provider can write to; each is answered by the state staff
/// of the same role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// Customer Service: payments, invoices, the portal.
    CustomerService,
    /// The SSPS unit: payment system questions, 1099s.
    SspsUnit,
}

impl Unit {
    /// Every unit.
    pub const ALL: [Unit; 2] = [Unit::CustomerService, Unit::SspsUnit];

    /// The stored word (also the staff role's).
    pub fn word(self) -> &'static str {
        match self {
            Unit::CustomerService => "customer_service",
            Unit::SspsUnit => "ssps_unit",
        }
    }

    /// From the stored word.
    pub fn parse(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.word() == s)
    }
}

/// A conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Row id.
    pub id: i64,
    /// The payee it is about.
    pub payee_number: String,
    /// The unit written to.
    pub unit: Unit,
    /// Its subject.
    pub subject: String,
    /// When it began.
    pub created_at: i64,
    /// When its last message came.
    pub updated_at: i64,
    /// Whether its last message is the provider's (waiting for staff).
    pub waiting_for_staff: bool,
}

/// A message of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Row id.
    pub id: i64,
    /// Its thread.
    pub thread_id: i64,
    /// Who wrote it.
    pub author: i64,
    /// Whether a state staff member wrote it.
    pub from_staff: bool,
    /// Its text.
    pub body: String,
    /// When.
    pub at: i64,
    /// Its attachment's name and type (`application/pdf`, `image/png`,
    /// `image/jpeg`), when it has one.
    pub attachment: Option<(String, String)>,
}

/// A new message.
pub struct NewMessage<'a> {
    /// Who writes.
    pub author: i64,
    /// Whether a state staff member writes.
    pub from_staff: bool,
    /// The text.
    pub body: &'a str,
    /// An attachment: name, type, bytes.
    pub attachment: Option<(&'a str, &'a str, &'a [u8])>,
    /// Now.
    pub now: i64,
}

/// An attachment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The thread of its message.
    pub thread_id: i64,
    /// Its file name (cleaned).
    pub name: String,
    /// Its type, from its first bytes.
    pub kind: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Messages in the store.
pub trait MessageStore {
    /// Starts a thread with its first message; returns the thread's id.
    fn start_thread(&self, payee_number: &str, unit: Unit, subject: &str, first: &NewMessage<'_>) -> StoreResult<i64>;
    /// Adds a message to a thread.
    fn add_message(&self, thread_id: i64, m: &NewMessage<'_>) -> StoreResult<i64>;
    /// A payee's threads, newest first.
    fn threads_of(&self, payee_number: &str) -> StoreResult<Vec<Thread>>;
    /// Every thread (staff), optionally of one unit, waiting ones first,
    /// then newest first.
    fn all_threads(&self, unit: Option<Unit>, limit: usize) -> StoreResult<Vec<Thread>>;
    /// A thread by id.
    fn thread(&self, id: i64) -> StoreResult<Option<Thread>>;
    /// A thread's messages, oldest first.
    fn messages(&self, thread_id: i64) -> StoreResult<Vec<MessageRecord>>;
    /// A message's attachment: name, type, bytes.
    fn attachment(&self, message_id: i64) -> StoreResult<Option<Attachment>>;
    /// Messages `author` wrote since `since` (a rate limit).
    fn messages_since(&self, author: i64, since: i64) -> StoreResult<i64>;
    /// Records a request for a new registration letter for a payee.
    fn request_letter(&self, payee_number: &str, by: i64, now: i64) -> StoreResult<()>;
    /// The payees with a letter requested and not yet made, in order.
    fn letters_requested(&self) -> StoreResult<Vec<String>>;
    /// Marks the requests of `payees` done (their letters were made).
    fn letters_made(&self, payees: &[String], now: i64) -> StoreResult<()>;
}
