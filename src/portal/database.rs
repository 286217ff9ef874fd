//! What `--db` names: a SQLite file (one server) or a PostgreSQL database
//! (`postgres://…`, any number of servers), and the one function that
//! opens either as a [`Store`].

use std::path::PathBuf;

use super::postgres::{self, PgStore};
use super::sqlite::SqliteStore;
use super::store::{Store, StoreError, StoreResult};

/// Connections a PostgreSQL store keeps open at most: the server's
/// default 16 workers ([`PG_WORKERS`]) and a few more for its background
/// chores (indexing, mail) and on-demand documents, so a request rarely
/// waits for a connection.
pub const PG_CONNECTIONS: usize = 24;

/// Request threads of a portal on PostgreSQL, at least (four a core if
/// more): a thread waits while the database answers.
pub const PG_WORKERS: usize = 16;

/// The portal's database.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL address, `postgres://user[:password]@host[:port]/database`.
    Postgres(String),
    /// Neither: an address of another kind, or PostgreSQL's `key=value`
    /// form, which might hold a password: refused when opened, and never
    /// shown (nor made into a file of that name).
    Unusable(&'static str),
}

impl Database {
    /// From `--db`'s words: an address when it starts `postgres://` or
    /// `postgresql://`, else a file.
    pub fn from_arg(s: &str) -> Result<Database, String> {
        if s.is_empty() {
            return Err("an empty --db: name a file or a postgres:// address".into());
        }
        Ok(if postgres::is_url(s) {
            Database::Postgres(s.to_string())
        } else if s.contains("://")
            || s.to_ascii_lowercase().starts_with("postgres") && s.contains(':')
            || s.contains(':') && s.contains('@')
        {
            Database::Unusable("--db: an address must start postgres:// or postgresql://")
        } else if s.contains('=') && (s.contains("password") || s.contains("host") || s.contains("user") || s.contains("dbname")) {
            Database::Unusable("--db: PostgreSQL's key=value form is not read here: give a postgres:// address")
        } else {
            Database::File(PathBuf::from(s))
        })
    }

    /// Opens the store, creating a SQLite file if needed and bringing the
    /// schema up to date.
    pub fn open(&self) -> StoreResult<Box<dyn Store>> {
        Ok(match self {
            Database::File(path) => Box::new(SqliteStore::open(path)?),
            Database::Postgres(url) => Box::new(PgStore::open(url, PG_CONNECTIONS)?),
            Database::Unusable(why) => return Err(StoreError((*why).to_string())),
        })
    }

    /// Opens a database that must exist already: a mistyped file name is
    /// an error, not an empty portal (a PostgreSQL database must exist to
    /// be connected to at all).
    pub fn open_existing(&self) -> StoreResult<Box<dyn Store>> {
        if let Database::File(path) = self {
            if !path.is_file() {
                return Err(StoreError(format!("{}: no such database", path.display())));
            }
        }
        self.open()
    }
}

/// A file's path, or the address without its password.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(p) => write!(f, "{}", p.display()),
            Database::Postgres(url) => f.write_str(&postgres::shown(url)),
            Database::Unusable(_) => f.write_str("(--db not shown)"),
        }
    }
}

/// As [`Display`](std::fmt::Display): never the password.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Database {
        Database::File(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_names_a_file_or_an_address_and_never_shows_the_password() {
        assert_eq!(Database::from_arg("runs/portal.sqlite").unwrap(), Database::File("runs/portal.sqlite".into()));
        let pg = Database::from_arg("postgres://ssps:hunter2@db.internal/portal").unwrap();
        assert_eq!(pg, Database::Postgres("postgres://ssps:hunter2@db.internal/portal".into()));
        assert_eq!(pg.to_string(), "postgres://ssps:***@db.internal/portal");
        assert_eq!(format!("{pg:?}"), "Database(postgres://ssps:***@db.internal/portal)");
        assert!(Database::from_arg("").is_err());
        assert!(matches!(Database::from_arg("POSTGRES://ssps@db/portal").unwrap(), Database::Postgres(_)));
        // Mistyped or of another form: refused, the words never shown.
        for typo in ["postgres:/u:hunter2@h/db", "mysql://u:hunter2@h/db", "host=h user=u password=hunter2"] {
            let db = Database::from_arg(typo).unwrap();
            assert!(matches!(db, Database::Unusable(_)), "{typo}");
            let e = db.open().err().unwrap().to_string();
            assert!(!e.contains("hunter2") && !db.to_string().contains("hunter2"), "{e}");
        }
        let missing = Database::File("no/such/portal.sqlite".into());
        assert_eq!(missing.open_existing().err().unwrap().to_string(), "portal database: no/such/portal.sqlite: no such database");
    }

    #[test]
    fn an_unreachable_postgres_is_a_clear_error_without_the_password() {
        // A port nothing listens on (bound, then closed).
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let db = Database::from_arg(&format!("postgres://ssps:hunter2@127.0.0.1:{port}/portal")).unwrap();
        let e = db.open().err().unwrap().to_string();
        assert!(e.starts_with(&format!("portal database: postgres://ssps:***@127.0.0.1:{port}/portal: ")), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
