//! The SSPS Provider Portal: providers register with their letter's code,
//! sign in, and find every payment and document of theirs.
//!
//! - [`store`]: the storage trait (accounts, sessions, letters, counters,
//!   audit, the runs' index); [`sqlite`] implements it.
//! - [`auth`]: passwords, session ids, form tokens, lockout, TOTP.
//! - [`catalog`]: the extract in memory, indexed by payee.
//! - [`claims`]: the invoices a payee may claim online, and their entries
//!   checked by the booklet's rules.
//! - [`index`]: the run folders' documents, verified by SHA-256.
//! - [`i18n`]: the pages' words, English and Spanish.
//! - [`mail`]: the outbox sent through SMTP (invitations).
//! - [`web`]: the HTTP server (axum): routing, security headers, cookies,
//!   the visitor; [`pages`]: what each page shows and does.
//!
//! The server is built from a [`Portal`] (everything a request needs,
//! shared, immutable but for the store) and serves it with [`serve`].
//! Nothing here prints: the binary passes a logger.

pub mod auth;
pub mod catalog;
pub mod claims;
pub mod database;
pub mod i18n;
pub mod index;
pub mod mail;
pub mod pages;
pub mod postgres;
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
    /// The receipt of a submitted claim, tagged or not, and its total.
    fn receipt(
        &self,
        catalog: &catalog::Catalog,
        claim: &crate::compose::receipt::Submitted,
        tagged: bool,
    ) -> Result<Option<(Vec<u8>, rust_decimal::Decimal)>, String>;
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
    /// Documents rendered at once (one per core).
    pub render_slots: tokio::sync::Semaphore,
    /// Argon2 computations at once (one per core): each takes 19 MiB, so
    /// a burst of sign-ins queues here instead of taking 19 MiB apiece.
    pub hash_slots: tokio::sync::Semaphore,
    /// `data/portal.toml`: the help line, the claims' cutoff and months.
    pub settings: crate::compose::registration::Portal,
    /// Washington's state holidays (working days for claims).
    pub holidays: crate::calendar::Holidays,
    /// The SMTP server the outbox is sent through, if any.
    pub smtp: Option<crate::email::SmtpSettings>,
    /// The portal's address as people reach it, for links in mail
    /// (`https://…`, no trailing slash).
    pub public_url: String,
    /// Reverse proxies whose `X-Forwarded-For` is believed (the client's
    /// address for lockouts and the audit log).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Portal {
    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Runs an Argon2 hash or check on the blocking pool, at most one per
    /// core at a time; `None` if the task failed.
    pub async fn argon2<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _slot = self.hash_slots.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    /// Today in Washington (Pacific time) by the portal's clock: the day
    /// codes expire and authorizations end by.
    pub fn today(&self) -> chrono::NaiveDate {
        pacific(self.now()).date()
    }
}

/// Washington's wall-clock time at `ts` (Unix seconds): Pacific Standard
/// Time, UTC−8, or Pacific Daylight Time, UTC−7, from 2:00 a.m. on the
/// second Sunday of March to 2:00 a.m. on the first Sunday of November
/// (15 U.S.C. 260a, since 2007).
pub fn pacific(ts: i64) -> chrono::NaiveDateTime {
    use chrono::{Datelike, NaiveDate, Weekday};
    let utc = chrono::DateTime::from_timestamp(ts, 0).unwrap_or_default().naive_utc();
    let year = utc.year();
    let sunday = |month: u32, nth: u8| NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, nth).unwrap_or_default();
    // 2:00 PST is 10:00 UTC; 2:00 PDT is 09:00 UTC.
    let starts = sunday(3, 2).and_hms_opt(10, 0, 0).unwrap_or_default();
    let ends = sunday(11, 1).and_hms_opt(9, 0, 0).unwrap_or_default();
    let offset = if utc >= starts && utc < ends { 7 } else { 8 };
    utc - chrono::Duration::hours(offset)
}

/// The Unix seconds of a Washington wall-clock time (of the two a
/// November fall-back hour has, the first; a spring-forward gap's time
/// counts as the hour after).
pub fn utc_of_pacific(local: chrono::NaiveDateTime) -> i64 {
    let pdt = local.and_utc().timestamp() + 7 * 3600;
    let pst = local.and_utc().timestamp() + 8 * 3600;
    if pacific(pdt) == local {
        pdt
    } else {
        pst
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

#[cfg(test)]
mod tests {
    use super::pacific;

    fn at(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap().and_utc().timestamp()
    }

    #[test]
    fn pacific_time_follows_daylight_saving() {
        // 2026: DST from Sunday 8 March to Sunday 1 November.
        assert_eq!(pacific(at("2026-01-15 12:00")).to_string(), "2026-01-15 04:00:00");
        assert_eq!(pacific(at("2026-03-08 09:59")).to_string(), "2026-03-08 01:59:00");
        assert_eq!(pacific(at("2026-03-08 10:00")).to_string(), "2026-03-08 03:00:00");
        assert_eq!(pacific(at("2026-07-01 06:30")).to_string(), "2026-06-30 23:30:00");
        assert_eq!(pacific(at("2026-11-01 08:59")).to_string(), "2026-11-01 01:59:00");
        assert_eq!(pacific(at("2026-11-01 09:00")).to_string(), "2026-11-01 01:00:00");
        assert_eq!(pacific(at("2026-12-04 07:59")).date().to_string(), "2026-12-03");
    }

    #[test]
    fn washington_time_back_to_utc() {
        use super::utc_of_pacific;
        let local = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(utc_of_pacific(local("2026-12-04 16:30")), at("2026-12-05 00:30"));
        assert_eq!(utc_of_pacific(local("2026-07-01 16:30")), at("2026-07-01 23:30"));
        for t in ["2026-03-09 08:00", "2026-11-02 16:30", "2026-01-31 23:59"] {
            assert_eq!(pacific(utc_of_pacific(local(t))), local(t));
        }
    }
}
