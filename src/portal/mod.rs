//! The SSPS Provider Portal: providers register with their letter's code,
//! sign in, and find every payment and document of theirs.
//!
//! - [`store`]: the storage trait (accounts, sessions, letters, counters,
//!   audit, the runs' index); [`sqlite`] implements it.
//! - [`auth`]: passwords, session ids, form tokens, lockout, TOTP.
//! - [`catalog`]: the extract in memory, indexed by payee.
//! - [`index`]: the run folders' documents, verified by SHA-256.
//! - [`i18n`]: the pages' words, English and Spanish.
//! - [`web`]: the HTTP server (axum): routing, security headers, cookies,
//!   the visitor; [`pages`]: what each page shows and does.
//!
//! The server is built from a [`Portal`] (everything a request needs,
//! shared, immutable but for the store) and serves it with [`serve`].
//! Nothing here prints: the binary passes a logger.

pub mod auth;
pub mod catalog;
pub mod i18n;
pub mod index;
pub mod pages;
pub mod remake;
pub mod sqlite;
pub mod store;
pub mod web;

use std::path::PathBuf;
use std::sync::Arc;

pub use web::{router, serve};

/// Re-renders documents on demand: a remittance advice for a payment no
/// run made one for, and the tagged (PDF/UA-1) copy of any document.
pub trait Remaker: Send + Sync {
    /// The remittance advice of `payment_id` (a payment of `payee`), tagged
    /// or not; `None` if the extract cannot make it.
    fn remittance(&self, catalog: &catalog::Catalog, payee: &str, payment_id: &str, tagged: bool) -> Result<Option<Vec<u8>>, String>;
    /// The tagged copy of a run's document; `None` if this kind cannot be
    /// re-made from the extract.
    fn tagged(&self, catalog: &catalog::Catalog, run: &store::RunRecord, doc: &store::DocRecord) -> Result<Option<Vec<u8>>, String>;
}

/// A logger: one line per event, never personal data.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// The clock, Unix seconds (tests move it).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// Everything a request needs.
pub struct Portal {
    /// Accounts, sessions, the index.
    pub store: Box<dyn store::Store>,
    /// The registration-code secret.
    pub secret: crate::regcode::Secret,
    /// Keys derived from it.
    pub keys: auth::Keys,
    /// The extract.
    pub catalog: catalog::Catalog,
    /// The pages' words.
    pub words: i18n::Catalog,
    /// The documents' words (dates and months as on paper).
    pub texts: crate::texts::Texts,
    /// Sign-in limits and session lifetimes.
    pub policy: auth::Policy,
    /// The clock.
    pub clock: Clock,
    /// The logger.
    pub log: Log,
    /// The folder of run folders.
    pub runs: PathBuf,
    /// Re-renders documents, when available.
    pub remaker: Option<Box<dyn Remaker>>,
    /// Tagged copies made, by run and document id (deterministic, so a
    /// cached copy is the copy).
    pub tagged_cache: std::sync::Mutex<TaggedCache>,
}

impl Portal {
    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Today (UTC) by the portal's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp(self.now(), 0).map(|d| d.date_naive()).unwrap_or_default()
    }
}

/// A bounded cache of tagged copies: the oldest go first past `budget`
/// bytes.
#[derive(Debug, Default)]
pub struct TaggedCache {
    entries: std::collections::VecDeque<(String, Arc<Vec<u8>>)>,
    bytes: usize,
}

impl TaggedCache {
    /// The most bytes kept.
    pub const BUDGET: usize = 128 * 1024 * 1024;

    /// A cached copy.
    pub fn get(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    /// Keeps a copy.
    pub fn put(&mut self, key: String, pdf: Arc<Vec<u8>>) {
        if self.get(&key).is_some() {
            return;
        }
        self.bytes += pdf.len();
        self.entries.push_back((key, pdf));
        while self.bytes > Self::BUDGET {
            match self.entries.pop_front() {
                Some((_, v)) => self.bytes -= v.len(),
                None => break,
            }
        }
    }
}
