//! The provider portal over real HTTP on loopback, used as a browser and as
//! an attacker would: the server runs in this process on a test clock (so
//! lockouts and timeouts are reached by moving time, not by waiting), with
//! the bundled October extract and real invoice and remittance runs made by
//! the binary; requests go through a small HTTP/1.1 client that sends the
//! path bytes exactly as given and keeps the cookies by hand. One test runs
//! the real binary in demo mode.
//!
//! The portal's database is a SQLite file; with `SSPS_PORTAL_DB=postgres`
//! each test gets a new PostgreSQL database instead, on the server
//! `SSPS_TEST_POSTGRES` names (`tests/postgres/with-cluster` starts one),
//! and the same tests run against PostgreSQL (CI runs both).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use ssps::ops::portal::{open, PortalOptions};
use ssps::portal::auth::{self, Policy};
use ssps::portal::database::Database;
use ssps::portal::postgres::testing::Scratch;
use ssps::portal::store::{AuditRow, NewAccount};
use ssps::portal::web::{PRE, SESSION};
use ssps::portal::{Clock, Log, Portal};

use crate::util::*;

/// Sunrise Early Learning LLC: English, two invoices and a remittance
/// advice in the runs.
const A: &str = "100200300";
/// Rosa Maria Delgado: another payee.
const B: &str = "100200301";
const EMAIL: &str = "a.tester@example.net";
const PASSWORD: &str = "plum tractor violin 42";

const SIGN_IN_ERROR: &str = "The email address or password is not right";
const LOCKED: &str = "Too many failed sign-ins. Sign-in is paused for this account or this computer; try again after";
const CODE_ERROR: &str = "The payee number and registration code do not match a current letter. Check both, or ask for a new letter";
const EMAIL_FORMAT_ERROR: &str = "Enter an email address in the correct format, like name@example.com";

/// The clock starts on 2026-11-16 at 12:00:30 UTC: half a minute past, so
/// a lock's end, shown to the minute, is rounded.
fn start() -> i64 {
    NaiveDate::from_ymd_opt(2026, 11, 16).unwrap().and_hms_opt(12, 0, 30).unwrap().and_utc().timestamp()
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The invoice run of October 2026 (`RUNS/inv`) and its remittance run
/// (`RUNS/ra`), made by the binary.
fn make_runs(runs: &Path) {
    let data = oct_2026();
    let o = ssps(&["invoices", "--data", arg(&data), "--month", "2026-10", "--out", arg(&runs.join("inv"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ssps(&["remittances", "--data", arg(&data), "--from", "2026-10-01", "--to", "2026-10-31", "--out", arg(&runs.join("ra"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// One Argon2 hash of [`PASSWORD`] for the accounts the tests seed.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(PASSWORD).unwrap())
}

/// Whether the portal tests run on PostgreSQL (`SSPS_PORTAL_DB=postgres`).
fn on_postgres() -> bool {
    match std::env::var("SSPS_PORTAL_DB").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("SSPS_PORTAL_DB={other:?}: sqlite or postgres"),
    }
}

/// A test portal's database: a SQLite file in `dir`, or a new PostgreSQL
/// database (kept until the last server using it is dropped).
fn test_database(dir: &Path) -> (Database, Option<Arc<Scratch>>) {
    if !on_postgres() {
        return (Database::File(dir.join("portal.sqlite")), None);
    }
    let scratch = ssps::portal::postgres::testing::scratch()
        .expect("SSPS_PORTAL_DB=postgres needs SSPS_TEST_POSTGRES (run under tests/postgres/with-cluster)");
    (Database::Postgres(scratch.url().to_string()), Some(Arc::new(scratch)))
}

/// A portal served on loopback in this process.
struct Server {
    addr: SocketAddr,
    portal: Arc<Portal>,
    clock: Arc<AtomicI64>,
    log: Arc<Mutex<Vec<String>>>,
    runs: PathBuf,
    db: Database,
    _tmp: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Last: the PostgreSQL database outlives the server's connections.
    scratch: Option<Arc<Scratch>>,
}

impl Server {
    fn start() -> Server {
        Server::with_policy(Policy::default())
    }

    fn with_policy(policy: Policy) -> Server {
        Server::with(policy, false)
    }

    /// With the real on-demand renderer (the binary's), to make remittance
    /// advices and tagged copies.
    fn remaking() -> Server {
        Server::with(Policy::default(), true)
    }

    /// With a real SMTP server on loopback for the portal's mail.
    fn with_mail() -> (Server, Mailbox) {
        let mailbox = Mailbox::start();
        (Server::build(Policy::default(), false, Some(mailbox.port)), mailbox)
    }

    fn with(policy: Policy, remaking: bool) -> Server {
        Server::build(policy, remaking, None)
    }

    fn build(policy: Policy, remaking: bool, smtp_port: Option<u16>) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        make_runs(&runs);
        std::fs::write(runs.join("secret"), "TOP-SECRET-MARKER\n").unwrap();
        let (db, scratch) = test_database(tmp.path());
        let secret = tmp.path().join("secret.key");
        std::fs::write(&secret, [0x5a_u8; 32]).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let clock = Arc::new(AtomicI64::new(start()));
        let (portal, addr, log, stop, thread, indexed) = serve_portal(&tmp, &runs, &db, smtp_port, policy, remaking, clock.clone());
        assert_eq!((indexed.runs_indexed, indexed.documents), (2, 15), "{:?}", indexed.problems);
        assert!(indexed.problems.is_empty(), "{:?}", indexed.problems);
        Server { addr, portal, clock, log, runs, db, _tmp: tmp, stop: Some(stop), thread: Some(thread), scratch }
    }

    /// A second portal process's twin: its own `Portal` (its own database
    /// connection, caches, semaphores) and listener, over the same
    /// database, run folders, secret and clock; no memory shared with this
    /// one.
    fn twin(&self) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let (portal, addr, log, stop, thread, indexed) =
            serve_portal(&self._tmp, &self.runs, &self.db, None, Policy::default(), false, self.clock.clone());
        assert_eq!(indexed.runs_indexed, 0, "already indexed by the first");
        Server {
            addr,
            portal,
            clock: self.clock.clone(),
            log,
            runs: self.runs.clone(),
            db: self.db.clone(),
            _tmp: tmp,
            stop: Some(stop),
            thread: Some(thread),
            scratch: self.scratch.clone(),
        }
    }

    fn browser(&self) -> Browser {
        Browser { addr: self.addr, jar: BTreeMap::new() }
    }

    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    fn set_clock(&self, t: i64) {
        self.clock.store(t, Ordering::SeqCst);
    }

    fn today(&self) -> NaiveDate {
        chrono::DateTime::from_timestamp(self.now(), 0).unwrap().date_naive()
    }

    /// The registration code of a letter of `payee` dated `date`, the
    /// letter recorded as sent.
    fn letter(&self, payee: &str, date: NaiveDate) -> String {
        self.portal.store.add_letter(payee, date, "test").unwrap();
        ssps::regcode::code(&self.portal.secret, payee, date).to_string()
    }

    /// An account with [`PASSWORD`], made in the store (the cheap path:
    /// registering over HTTP has its own test).
    fn account(&self, payee: &str, email: &str) -> i64 {
        let new = NewAccount {
            payee_number: payee,
            email,
            password_hash: password_hash(),
            language: "en",
            used_key: &format!("seeded for {payee}"),
        };
        self.portal.store.create_account(&new, self.now()).unwrap().unwrap()
    }

    fn audit(&self) -> Vec<AuditRow> {
        self.portal.store.audit_tail(None, 10_000).unwrap()
    }

    fn logs(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Every log line so far names no person and holds none of `secrets`;
    /// and the requests were logged (so the check looked at something).
    fn assert_logs_clean(&self, secrets: &[&str]) {
        let logs = self.logs();
        assert!(logs.iter().any(|l| l.starts_with("GET /sign-in 200 ") || l.starts_with("GET /payments 200 ")), "{logs:#?}");
        let mut forbidden = personal_data();
        forbidden.extend(secrets.iter().map(|s| s.to_string()));
        for line in &logs {
            for f in &forbidden {
                assert!(!line.contains(f.as_str()), "the log line {line:?} holds {f:?}");
            }
        }
    }

    /// The manifest rows of a run folder.
    fn manifest(&self, run: &str) -> Vec<BTreeMap<String, String>> {
        read_csv(&self.runs.join(run).join("manifest.csv"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The messages an SMTP server accepted: (recipients, raw message).
type Received = Arc<Mutex<Vec<(Vec<String>, Vec<u8>)>>>;

/// Opens a portal over `db` and `runs` (the secret in `tmp`) and serves it
/// on a free loopback port in a thread of its own.
#[allow(clippy::type_complexity)]
fn serve_portal(
    tmp: &tempfile::TempDir,
    runs: &Path,
    db: &Database,
    smtp_port: Option<u16>,
    policy: Policy,
    remaking: bool,
    clock: Arc<AtomicI64>,
) -> (
    Arc<Portal>,
    SocketAddr,
    Arc<Mutex<Vec<String>>>,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
    ssps::portal::index::Indexed,
) {
    let secret = tmp.path().join("secret.key");
    let c = clock.clone();
    let clock_fn: Clock = Arc::new(move || c.load(Ordering::SeqCst));
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let log_fn: Log = Arc::new(move |line: &str| l.lock().unwrap().push(line.to_string()));
    let opts = PortalOptions {
        data: oct_2026(),
        runs: runs.to_path_buf(),
        db: db.clone(),
        secret: Some(secret),
        demo: false,
        policy,
        assets: Default::default(),
        smtp: smtp_port.map(|port| {
            let file = tmp.path().join("smtp.toml");
            std::fs::write(&file, format!("host = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"ssps-portal@dshs.wa.gov\"\n"))
                .unwrap();
            ssps::email::SmtpSettings::load(Some(&file), &|_| None).unwrap().unwrap()
        }),
        public_url: Some("https://portal.test".into()),
        trusted_proxies: vec!["127.0.0.2".parse().unwrap()],
    };
    let remaker = remaking.then(|| ssps::portal::remake::remaker(&Default::default()).unwrap());
    let (portal, indexed, demo) = open(&opts, clock_fn, log_fn, remaker).unwrap();
    assert!(demo.is_empty());
    let portal = Arc::new(portal);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = portal.clone();
    let thread = std::thread::spawn(move || {
        rt.block_on(ssps::portal::serve(listener, served, async {
            let _ = stopped.await;
        }))
        .unwrap();
    });
    (portal, addr, log, stop, thread, indexed)
}

/// A real SMTP server on loopback (mailin-embedded) that keeps every
/// message it accepts.
#[derive(Clone)]
struct Mailbox {
    port: u16,
    received: Received,
}

#[derive(Clone)]
struct MailboxHandler {
    received: Received,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for MailboxHandler {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        self.received.lock().unwrap().push((self.to.clone(), std::mem::take(&mut self.data)));
        mailin_embedded::response::OK
    }
}

impl Mailbox {
    fn start() -> Mailbox {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = MailboxHandler { received: received.clone(), to: vec![], data: vec![] };
        let mut server = mailin_embedded::Server::new(handler);
        server.with_name("smtp.test").with_ssl(mailin_embedded::SslConfig::None).unwrap().with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Mailbox { port, received }
    }

    /// The messages received: (recipients, subject, plain-text body).
    /// The messages once `done` holds of them: the portal's own sending
    /// round (every 10 s, from its first second) may have taken a message
    /// before the test's `send_mail`, and sends it meanwhile.
    fn wait_until(&self, done: impl Fn(&[(Vec<String>, String, String)]) -> bool) -> Vec<(Vec<String>, String, String)> {
        for _ in 0..100 {
            let messages = self.messages();
            if done(&messages) {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let messages = self.messages();
        assert!(done(&messages), "not received in 10 s: {messages:#?}");
        messages
    }

    /// The messages once there are `n` in all.
    fn wait_for(&self, n: usize) -> Vec<(Vec<String>, String, String)> {
        self.wait_until(|m| m.len() >= n)
    }

    fn messages(&self) -> Vec<(Vec<String>, String, String)> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|(to, raw)| {
                let m = mail_parser::MessageParser::default().parse(raw).unwrap();
                (to.clone(), m.subject().unwrap_or("").to_string(), m.body_text(0).unwrap_or_default().to_string())
            })
            .collect()
    }
}

/// The personal data of the example extract: payees' names, trade names,
/// TINs (as written and as digits), emails, street addresses; children's
/// names.
fn personal_data() -> Vec<String> {
    let mut out = vec![];
    for p in read_csv(&oct_2026().join("payees.csv")) {
        out.push(p["name"].clone());
        out.push(p["tin"].clone());
        out.push(p["tin"].replace('-', ""));
        out.push(p["address_line1"].clone());
        for k in ["dba_name", "email"] {
            if !p[k].is_empty() {
                out.push(p[k].clone());
            }
        }
    }
    for c in read_csv(&oct_2026().join("clients.csv")) {
        out.push(format!("{} {}", c["first_name"], c["last_name"]));
    }
    out
}

/// An HTTP answer.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    fn location(&self) -> &str {
        self.header("location").unwrap_or_else(|| panic!("no Location in a {} answer", self.status))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}\n{}", self.status, self.headers, self.text())
    }
}

/// Sends `request` as is on a new connection and reads the whole answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    conn.write_all(request).unwrap();
    let mut raw = vec![];
    conn.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no header end in {raw:?}"));
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("{status_line}"));
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let (mut out, mut rest) = (vec![], &body[..]);
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().split(';').next().unwrap().trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    } else if let Some(len) = headers.iter().find(|(k, _)| k == "content-length").map(|(_, v)| v.parse::<usize>().unwrap()) {
        assert_eq!(body.len(), len, "the body is as long as Content-Length says");
    }
    Reply { status, headers, body }
}

/// A browser: a cookie jar, kept by hand (the cookies are `Secure` and this
/// is plain HTTP on loopback).
struct Browser {
    addr: SocketAddr,
    jar: BTreeMap<String, String>,
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes().fold(String::new(), |mut out, b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
            out
        })
    };
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

impl Browser {
    fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(body) = body {
            req.push_str(&format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body.unwrap_or(""));
        let reply = exchange(self.addr, req.as_bytes());
        for c in reply.all("set-cookie") {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_string(), value.to_string());
            }
        }
        reply
    }

    fn get(&mut self, path: &str) -> Reply {
        self.request("GET", path, &[], None)
    }

    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.post_with(path, &[], fields)
    }

    fn post_with(&mut self, path: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Reply {
        self.request("POST", path, headers, Some(&form_encode(fields)))
    }

    /// POSTs a multipart form: `fields`, and a file `(field, name, bytes)`.
    fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Reply {
        let boundary = "----ssps-test-boundary-7e3c";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        if let Some((field, name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = format!("POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        req.push_str(&format!("Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(&body);
        let reply = exchange(self.addr, &bytes);
        for c in reply.all("set-cookie") {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_string(), value.to_string());
            }
        }
        reply
    }

    /// The form token of the page at `path`.
    fn token(&mut self, path: &str) -> String {
        let r = self.get(path);
        assert_eq!(r.status, 200, "{path}: {r:?}");
        csrf(&r.text())
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.jar.get(name).cloned()
    }

    fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.to_string(), value.to_string());
    }

    /// Signs in from the sign-in page.
    fn sign_in(&mut self, email: &str, password: &str) -> Reply {
        let t = self.token("/sign-in");
        self.post("/sign-in", &[("csrf", &t), ("email", email), ("password", password)])
    }

    fn sign_out(&mut self) -> Reply {
        let t = self.token("/payments");
        self.post("/sign-out", &[("csrf", &t)])
    }

    fn register(&mut self, payee: &str, code: &str, email: &str, password: &str) -> Reply {
        let t = self.token("/register");
        self.post(
            "/register",
            &[("csrf", &t), ("payee", payee), ("code", code), ("email", email), ("password", password), ("confirm", password)],
        )
    }
}

/// The form token in a page (every form carries the same one).
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no form token in {page}")) + 19;
    page[at..at + 64].to_string()
}

/// The value of a hidden input or the text of an element, after `marker`.
fn after<'a>(page: &'a str, marker: &str, end: char) -> &'a str {
    let at = page.find(marker).unwrap_or_else(|| panic!("no {marker} in {page}")) + marker.len();
    let rest = &page[at..];
    &rest[..rest.find(end).unwrap()]
}

/// RFC 4648 base32 (no padding) to bytes, written here so the test does not
/// trust the portal's encoder.
fn base32_decode(s: &str) -> Vec<u8> {
    let (mut out, mut buf, mut bits) = (vec![], 0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {s}"),
        };
        buf = (buf << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A six-digit code the authenticator does not show within a step of
/// `now`.
fn wrong_code(secret: &[u8], now: i64) -> &'static str {
    let good: Vec<String> = [-30, 0, 30].iter().map(|d| auth::totp_code(secret, now + d)).collect();
    ["000000", "111111", "222222", "333333"].into_iter().find(|c| !good.iter().any(|g| g == c)).unwrap()
}

fn events(rows: &[AuditRow], event: &str) -> Vec<AuditRow> {
    rows.iter().filter(|r| r.event == event).cloned().collect()
}

mod accounts;
mod claims;
mod documents;
mod messages;
mod people;
