//! `ssps portal`: opens everything the provider portal serves — the
//! extract (validated once), the database (schema brought up to date), the
//! run folders' index, the secret — into a [`Portal`]; and `ssps portal
//! index`: the index alone, for a new run without a restart.
//!
//! `--demo` (loopback only, checked by the binary) uses a random secret
//! when none is given and issues a letter dated today to every payee of
//! the extract without an account, returning their codes to print.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::OpError;
use crate::portal::database::Database;
use crate::portal::index::{self, Indexed};
use crate::portal::{auth, catalog::Catalog, i18n, Clock, Log, Portal, Remaker, TaggedCache};

/// What `ssps portal` is asked to open.
pub struct PortalOptions {
    /// The extract folder.
    pub data: PathBuf,
    /// The folder of run folders.
    pub runs: PathBuf,
    /// The database: a SQLite file or a PostgreSQL address.
    pub db: Database,
    /// The secret file (registration codes, form tokens); `None` only in
    /// the demo.
    pub secret: Option<PathBuf>,
    /// Demo mode.
    pub demo: bool,
    /// Sign-in limits and session lifetimes.
    pub policy: auth::Policy,
    /// Templates, texts and data files.
    pub assets: crate::assets::Assets,
    /// The SMTP server the portal's mail goes through (invitations).
    pub smtp: Option<crate::email::SmtpSettings>,
    /// The portal's address for links in mail; default `data/portal.toml`'s.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// A demo registration code to print.
pub struct DemoCode {
    /// The payee.
    pub payee_number: String,
    /// The code.
    pub code: String,
}

/// Why the portal cannot open.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// A run, extract or setting problem.
    #[error(transparent)]
    Op(#[from] OpError),
    /// The database.
    #[error(transparent)]
    Store(#[from] crate::portal::store::StoreError),
    /// The runs' index.
    #[error(transparent)]
    Index(#[from] index::IndexError),
    /// The secret file.
    #[error("--secret: {0}")]
    Secret(#[from] crate::regcode::SecretError),
    /// No secret outside the demo.
    #[error("--secret FILE is required (the file the registration letters were made with); only --demo makes one up")]
    NoSecret,
    /// The pages' words.
    #[error(transparent)]
    Words(#[from] i18n::CatalogError),
    /// The extract has records the portal cannot show.
    #[error("{path}: the extract has no payees.csv the portal can read")]
    NoPayees {
        /// The extract folder.
        path: PathBuf,
    },
}

/// Opens the portal: the extract, the database, the index, the secret.
pub fn open(
    opts: &PortalOptions,
    clock: Clock,
    log: Log,
    remaker: Option<Box<dyn Remaker>>,
) -> Result<(Portal, Indexed, Vec<DemoCode>), PortalError> {
    let secret = match (&opts.secret, opts.demo) {
        (Some(path), _) => crate::regcode::Secret::load(path)?,
        (None, true) => crate::regcode::Secret::from_bytes(&auth::random::<32>())?,
        (None, false) => return Err(PortalError::NoSecret),
    };
    let holidays = super::RunOptions { assets: opts.assets.clone(), ..Default::default() }.holidays()?;
    let validated = super::read_extract_with(&opts.data, &holidays).map_err(OpError::from)?;
    if validated.extract.payees.is_empty() {
        return Err(PortalError::NoPayees { path: opts.data.clone() });
    }
    let store = opts.db.open()?;
    let indexed = index::index(&*store, &opts.runs)?;
    let texts = crate::texts::Texts::parse(opts.assets.text("letters/documents.toml"))
        .map_err(|e| OpError::Bundled { file: "letters/documents.toml".into(), message: e.to_string() })?;
    let settings = crate::compose::registration::Portal::parse(opts.assets.text("data/portal.toml"), "data/portal.toml")
        .map_err(|e| OpError::Bundled { file: "data/portal.toml".into(), message: e.to_string() })?;
    let catalog = Catalog::new(validated.extract);
    let mut demo = vec![];
    if opts.demo {
        let today = chrono::DateTime::from_timestamp(clock(), 0).map(|d| d.date_naive()).unwrap_or_default();
        let with_accounts = store.payees_with_accounts()?;
        for payee in catalog.payee_numbers() {
            if with_accounts.contains(&payee) {
                continue;
            }
            store.add_letter(&payee, today, "demo")?;
            demo.push(DemoCode { code: crate::regcode::code(&secret, &payee, today).to_string(), payee_number: payee });
        }
    }
    let portal = Portal {
        store,
        keys: auth::Keys::derive(&secret),
        secret,
        catalog,
        words: i18n::Catalog::bundled(&settings.phone)?,
        texts,
        policy: opts.policy,
        clock,
        log,
        runs: opts.runs.clone(),
        remaker,
        tagged_cache: Mutex::new(TaggedCache::default()),
        render_slots: tokio::sync::Semaphore::new(cores()),
        hash_slots: tokio::sync::Semaphore::new(cores()),
        public_url: opts.public_url.clone().unwrap_or_else(|| settings.address.clone()).trim_end_matches('/').to_string(),
        smtp: opts.smtp.clone(),
        trusted_proxies: opts.trusted_proxies.clone(),
        settings,
        holidays,
    };
    portal.notify_new_documents(&indexed.new_documents_for);
    Ok((portal, indexed, demo))
}

/// The payees with a portal account in the database at `db` (which must
/// exist: a mistyped path is an error, not "nobody has an account").
pub fn payees_with_accounts(db: &Database) -> Result<std::collections::BTreeSet<String>, PortalError> {
    Ok(db.open_existing()?.payees_with_accounts()?.into_iter().collect())
}

/// `ssps portal index`: indexes the runs into the database, and queues
/// the notices of new documents (sent by the running portal) with the
/// address of `data/portal.toml`.
pub fn reindex(db: &Database, runs: &Path, now: i64) -> Result<Indexed, PortalError> {
    let store = db.open()?;
    let done = index::index(&*store, runs)?;
    let settings = crate::compose::registration::Portal::bundled();
    let words = i18n::Catalog::bundled(&settings.phone)?;
    crate::portal::mail::queue_document_notices(&*store, &words, &settings.address, &done.new_documents_for, now);
    Ok(done)
}

/// The portal behind an `Arc`, as the server takes it.
pub fn shared(p: Portal) -> Arc<Portal> {
    Arc::new(p)
}

/// The processors this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `ssps portal staff`: invites a state staff member of `unit` by email
/// (queued in the outbox; the running portal sends it). Returns when the
/// invitation expires.
pub fn invite_staff(db: &Database, email: &str, unit: &str, public_url: Option<&str>, now: i64) -> Result<i64, PortalError> {
    use crate::portal::store::{InviteRecord, Role, Unit};
    let bad = |m: String| PortalError::Op(OpError::Kind(m.into()));
    let unit = Unit::parse(unit).ok_or_else(|| bad(format!("--unit {unit:?}: customer_service or ssps_unit")))?;
    let email = email.trim().to_lowercase();
    if !crate::portal::pages::email_ok(&email) {
        return Err(bad("--email: not an email address".into()));
    }
    let store = db.open_existing()?;
    if store.account_by_email(&email)?.is_some() {
        return Err(bad("--email: this address already has an account".into()));
    }
    let settings = crate::compose::registration::Portal::bundled();
    let base = public_url.map(str::to_string).unwrap_or(settings.address).trim_end_matches('/').to_string();
    let token = auth::new_session_id();
    let expires_at = now + crate::portal::pages::people::INVITE_SECONDS;
    let record = InviteRecord {
        payee_number: String::new(),
        email: email.clone(),
        role: Role::View,
        staff: Some(unit),
        invited_by: 0,
        expires_at,
        used_at: None,
    };
    store.create_invite(&auth::session_hash(&token), &record, now)?;
    let words = i18n::Catalog::bundled(&settings.phone)?;
    let en = words.get(crate::model::Language::En);
    let body = format!("{}\n\n{base}/invite/{token}\n\n{}\n", en.s("staff_mail_body"), en.s("invite_mail_ignore"));
    store.queue_mail(&email, en.s("staff_mail_subject"), &body, now)?;
    store.audit(&crate::portal::store::AuditEvent {
        event: "staff_invited",
        account_id: None,
        payee_number: None,
        detail: unit.word(),
        address: "command line",
        at: now,
    })?;
    Ok(expires_at)
}

/// The payees staff asked a new registration letter for (`ssps
/// registration-letters --requested`).
pub fn letters_requested(db: &Database) -> Result<Vec<String>, PortalError> {
    Ok(db.open_existing()?.letters_requested()?)
}

/// Marks the requests of `payees` done: their letters were made (or they
/// have an account and need none).
pub fn letters_made(db: &Database, payees: &[String], now: i64) -> Result<(), PortalError> {
    Ok(db.open_existing()?.letters_made(payees, now)?)
}
