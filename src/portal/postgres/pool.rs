//! A small pool of PostgreSQL connections for the synchronous
//! [`crate::portal::store::Store`].
//!
//! tokio-postgres splits a connection in two: the `Connection` future does
//! the socket I/O and must run on a tokio runtime; the `Client` only sends
//! requests over channels and awaits answers, with no runtime of its own.
//! So the connections run on one current-thread runtime in a thread of
//! the pool's own ("ssps-postgres"), and a store call waits on its
//! client's future with `futures_executor::block_on`, which works on any
//! thread: a server's worker (like the SQLite store's mutex, a short
//! block), a blocking-pool thread, or the command line with no runtime at
//! all. Parameters are borrowed, nothing is copied to cross threads.
//!
//! Connections open lazily up to `size`; a caller beyond that waits for
//! one to come back. A connection the server closed (a restart, a
//! failover) is dropped when it comes back and the next call opens a new
//! one. Each connection keeps its prepared statements, so a statement is
//! parsed once per connection, not once per call.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use futures_executor::block_on;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::portal::store::{StoreError, StoreResult};

/// How long a connection's start-up may take.
const CONNECT_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

/// How long a caller waits for a free connection before its call fails.
const WAIT_AT_MOST: std::time::Duration = std::time::Duration::from_secs(30);

/// What a pooled call answers.
pub(crate) type PgResult<T> = Result<T, tokio_postgres::Error>;

/// One connection with its prepared statements.
pub(crate) struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Conn {
    fn statement(&mut self, sql: &str) -> PgResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = block_on(self.client.prepare(sql))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Every row of `sql`.
    pub(crate) fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Vec<Row>> {
        let s = self.statement(sql)?;
        block_on(self.client.query(&s, params))
    }

    /// The one row of `sql` (an error if there is none).
    pub(crate) fn one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Row> {
        let s = self.statement(sql)?;
        block_on(self.client.query_one(&s, params))
    }

    /// The row of `sql`, if any.
    pub(crate) fn opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<Option<Row>> {
        let s = self.statement(sql)?;
        block_on(self.client.query_opt(&s, params))
    }

    /// Runs `sql`; how many rows it changed.
    pub(crate) fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> PgResult<u64> {
        let s = self.statement(sql)?;
        block_on(self.client.execute(&s, params))
    }

    /// Runs statements without parameters (schema changes).
    pub(crate) fn batch(&mut self, sql: &str) -> PgResult<()> {
        block_on(self.client.batch_execute(sql))
    }

    /// Begins a transaction, rolled back unless [`Tx::commit`] is called
    /// (an early return, a refusal or an error leave nothing behind).
    pub(crate) fn begin(&mut self) -> PgResult<Tx<'_>> {
        self.batch("BEGIN")?;
        Ok(Tx { conn: self, done: false })
    }
}

/// A transaction on a [`Conn`].
pub(crate) struct Tx<'a> {
    conn: &'a mut Conn,
    done: bool,
}

impl Tx<'_> {
    /// Commits.
    pub(crate) fn commit(mut self) -> PgResult<()> {
        self.done = true;
        self.conn.batch("COMMIT")
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            // On a broken connection this fails too, and the connection is
            // dropped when it comes back to the pool.
            let _ = self.conn.batch("ROLLBACK");
        }
    }
}

/// The pool.
pub(crate) struct Pool {
    config: Config,
    /// Where `config` points, without a password (for messages).
    pub(crate) shown: String,
    runtime: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    idle: Mutex<Idle>,
    returned: Condvar,
    size: usize,
}

struct Idle {
    conns: Vec<Conn>,
    open: usize,
}

impl Pool {
    /// A pool of up to `size` connections to `url` (nothing is opened yet).
    pub(crate) fn new(url: &str, size: usize) -> StoreResult<Pool> {
        let shown = shown(url);
        let mut config: Config = url.parse().map_err(|e| StoreError(format!("{shown}: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("ssps-portal");
        }
        // A server gone silent (a network cut) is noticed in about a
        // minute rather than the system's two hours; a statement that runs
        // away is stopped (none of the store's takes a second).
        if config.get_keepalives_idle() == std::time::Duration::from_secs(2 * 60 * 60) {
            config.keepalives_idle(std::time::Duration::from_secs(30));
            config.keepalives_interval(std::time::Duration::from_secs(10));
            config.keepalives_retries(3);
        }
        if config.get_options().is_none() {
            config.options("-c statement_timeout=30s");
        }
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("ssps-postgres".into())
            .spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => {
                    let _ = handle_tx.send(Ok(rt.handle().clone()));
                    rt.block_on(async {
                        let _ = stopped.await;
                    });
                }
                Err(e) => {
                    let _ = handle_tx.send(Err(e.to_string()));
                }
            })
            .map_err(|e| StoreError(format!("cannot start the database thread: {e}")))?;
        let runtime = handle_rx
            .recv()
            .map_err(|e| StoreError(format!("the database thread: {e}")))?
            .map_err(|e| StoreError(format!("the database thread: {e}")))?;
        Ok(Pool {
            config,
            shown,
            runtime,
            stop: Some(stop),
            idle: Mutex::new(Idle { conns: vec![], open: 0 }),
            returned: Condvar::new(),
            size: size.max(1),
        })
    }

    fn connect(&self) -> StoreResult<Conn> {
        let (tx, rx) = std::sync::mpsc::channel();
        let config = self.config.clone();
        self.runtime.spawn(async move {
            // The whole start-up, not only the TCP connect: a server that
            // accepts and never answers is given up too.
            let made = match tokio::time::timeout(CONNECT_WITHIN, config.connect(NoTls)).await {
                Ok(made) => made.map_err(|e| full(&e)),
                Err(_) => Err(format!("no answer from the server within {} s", CONNECT_WITHIN.as_secs())),
            };
            match made {
                Ok((client, connection)) => {
                    tokio::spawn(async move {
                        // Ends when the client is dropped or the server goes.
                        let _ = connection.await;
                    });
                    let _ = tx.send(Ok(client));
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
        match rx.recv() {
            Ok(Ok(client)) => Ok(Conn { client, statements: HashMap::new() }),
            Ok(Err(e)) => Err(StoreError(e)),
            Err(_) => Err(StoreError("the database thread stopped".into())),
        }
    }

    fn take(&self) -> StoreResult<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = idle.conns.pop() {
                return Ok(c);
            }
            if idle.open < self.size {
                idle.open += 1;
                drop(idle);
                let made = self.connect();
                if made.is_err() {
                    self.idle.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                    self.returned.notify_one();
                }
                return made;
            }
            let (again, waited) = self.returned.wait_timeout(idle, WAIT_AT_MOST).unwrap_or_else(|p| p.into_inner());
            idle = again;
            if waited.timed_out() && idle.conns.is_empty() && idle.open >= self.size {
                return Err(StoreError(format!("no database connection was free for {} s", WAIT_AT_MOST.as_secs())));
            }
        }
    }

    fn give_back(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if conn.client.is_closed() {
            idle.open -= 1;
        } else {
            idle.conns.push(conn);
        }
        drop(idle);
        self.returned.notify_one();
    }

    /// Runs `f` on a connection of the pool.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Conn) -> PgResult<T>) -> StoreResult<T> {
        let mut lease = Lease { pool: self, conn: Some(self.take()?) };
        let out = f(lease.conn.as_mut().expect("leased"));
        drop(lease);
        out.map_err(|e| StoreError(full(&e)))
    }
}

/// A connection taken from the pool, given back when dropped, also when
/// the caller panicked (then it is closed: a transaction may be open), so
/// the pool never loses a place.
struct Lease<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if std::thread::panicking() {
            drop(conn);
            self.pool.idle.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
            self.pool.returned.notify_one();
        } else {
            self.pool.give_back(conn);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closes the clients first, then stops the runtime thread (which
        // drops the connections' tasks and their sockets).
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).conns.clear();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An error with the server's own message and its detail, when it sent
/// them (tokio-postgres's `Display` says only "db error").
fn full(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{}: {} ({d})", db.code().code(), db.message()),
            None => format!("{}: {}", db.code().code(), db.message()),
        },
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// A `postgres://` address as it may be shown: the password, if any, as
/// `***` (an address may be typed with one; it is never printed).
pub(crate) fn shown(url: &str) -> String {
    let clean: String = url.chars().filter(|c| !c.is_control()).collect();
    let Some((scheme, rest)) = clean.split_once("://") else { return clean };
    // The user and password run up to the first `@`, as the address is
    // read (a password may hold `/` or `?`); an `@` that only follows a
    // path or a query is not one.
    let (user_info, after) = match rest.split_once('@') {
        Some((u, a)) if u.contains(':') || !u.contains(['/', '?']) => (Some(u), a),
        _ => (None, rest),
    };
    let user = match user_info {
        Some(u) => match u.split_once(':') {
            Some((name, _)) => format!("{name}:***@"),
            None => format!("{u}@"),
        },
        None => String::new(),
    };
    // A password in the query (`?password=…`) is hidden too.
    let (path, query) = after.split_once('?').map_or((after, None), |(p, q)| (p, Some(q)));
    let query = query.map(|q| {
        let parts: Vec<&str> = q.split('&').map(|kv| if kv.starts_with("password=") { "password=***" } else { kv }).collect();
        format!("?{}", parts.join("&"))
    });
    format!("{scheme}://{user}{path}{}", query.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn an_address_is_shown_without_its_password() {
        assert_eq!(shown("postgres://ssps:s3cret@db.example:5432/portal"), "postgres://ssps:***@db.example:5432/portal");
        assert_eq!(shown("postgres://ssps@127.0.0.1/portal?sslmode=disable"), "postgres://ssps@127.0.0.1/portal?sslmode=disable");
        assert_eq!(shown("postgresql://u:p@h/db?password=x&sslmode=disable"), "postgresql://u:***@h/db?password=***&sslmode=disable");
        assert_eq!(shown("postgres://h/db?user=u&password=x"), "postgres://h/db?user=u&password=***");
        assert_eq!(shown("postgres://127.0.0.1/db\u{1b}[31m"), "postgres://127.0.0.1/db[31m");
        // A password with the characters that end a path.
        assert_eq!(shown("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(shown("postgres://u:pa?ss@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(shown("postgres://u:p@ss@h/db"), "postgres://u:***@ss@h/db");
    }
}
