//! The provider portal over real HTTP on loopback, used as a browser and as
//! an attacker would: the server runs in this process on a test clock (so
//! lockouts and timeouts are reached by moving time, not by waiting), with
//! the bundled October extract and real invoice and remittance runs made by
//! the binary; requests go through a small HTTP/1.1 client that sends the
//! path bytes exactly as given and keeps the cookies by hand. One test runs
//! the real binary in demo mode.

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

/// A portal served on loopback in this process.
struct Server {
    addr: SocketAddr,
    portal: Arc<Portal>,
    clock: Arc<AtomicI64>,
    log: Arc<Mutex<Vec<String>>>,
    runs: PathBuf,
    db: PathBuf,
    _tmp: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
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

    fn with(policy: Policy, remaking: bool) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let runs = tmp.path().join("runs");
        make_runs(&runs);
        std::fs::write(runs.join("secret"), "TOP-SECRET-MARKER\n").unwrap();
        let db = tmp.path().join("portal.sqlite");
        let secret = tmp.path().join("secret.key");
        std::fs::write(&secret, [0x5a_u8; 32]).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let clock = Arc::new(AtomicI64::new(start()));
        let c = clock.clone();
        let clock_fn: Clock = Arc::new(move || c.load(Ordering::SeqCst));
        let log = Arc::new(Mutex::new(Vec::new()));
        let l = log.clone();
        let log_fn: Log = Arc::new(move |line: &str| l.lock().unwrap().push(line.to_string()));
        let opts = PortalOptions {
            data: oct_2026(),
            runs: runs.clone(),
            db: db.clone(),
            secret: Some(secret),
            demo: false,
            policy,
            assets: Default::default(),
        };
        let remaker = remaking.then(|| ssps::portal::remake::remaker(&Default::default()).unwrap());
        let (portal, indexed, demo) = open(&opts, clock_fn, log_fn, remaker).unwrap();
        assert_eq!((indexed.runs_indexed, indexed.documents), (2, 15), "{:?}", indexed.problems);
        assert!(indexed.problems.is_empty() && demo.is_empty(), "{:?}", indexed.problems);
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
        Server { addr, portal, clock, log, runs, db, _tmp: tmp, stop: Some(stop), thread: Some(thread) }
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
        self.portal.store.audit_tail(10_000).unwrap()
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

#[test]
fn a_letter_code_registers_once_while_current_and_guessing_codes_is_throttled() {
    let s = Server::start();
    let today = s.today();
    let code_a = s.letter(A, today);
    let mut b = s.browser();
    let r = b.register(A, &code_a, EMAIL, PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/sign-in?registered=1"), "{r:?}");
    let r = b.get("/sign-in?registered=1");
    assert!(r.text().contains("Your account is ready. Sign in with your email address and password."), "{r:?}");
    let r = b.sign_in(EMAIL, PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/payments"), "the registered password signs in: {r:?}");
    assert_eq!(events(&s.audit(), "register").len(), 1);

    // The same code again, from another browser, for another email.
    let mut other = s.browser();
    let r = other.register(A, &code_a, "someone.else@example.net", "another long passphrase");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("This registration code has already been used. Sign in, or ask for a new letter"), "{r:?}");
    assert!(!r.text().contains("another long passphrase"), "a password is never shown back");

    // A letter 91 days old has expired; one 90 days old has not (its code
    // gets as far as the email check).
    let old = s.letter("100200302", today - chrono::Duration::days(91));
    let r = other.register("100200302", &old, "x.y@example.net", "another long passphrase");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("This registration code has expired. Ask for a new registration letter"), "{r:?}");
    let ninety = s.letter("100200303", today - chrono::Duration::days(90));
    let r = other.register("100200303", &ninety, "not an email", "another long passphrase");
    assert!(r.text().contains(EMAIL_FORMAT_ERROR) && !r.text().contains("This registration code has expired"), "{r:?}");

    // A newer letter voids the older one's code.
    let first = s.letter("100200304", today - chrono::Duration::days(30));
    let second = s.letter("100200304", today - chrono::Duration::days(10));
    let r = other.register("100200304", &first, "x.y@example.net", "another long passphrase");
    assert_eq!(r.status, 200);
    assert!(r.text().contains(CODE_ERROR), "{r:?}");
    let r = other.register("100200304", &second, "not an email", "another long passphrase");
    assert!(r.text().contains(EMAIL_FORMAT_ERROR), "{r:?}");

    // Another payee's code, and a payee not in the extract: the same error.
    let r = other.register(B, &code_a, "x.y@example.net", "another long passphrase");
    assert_eq!(r.status, 200);
    assert!(r.text().contains(CODE_ERROR), "{r:?}");
    let r = other.register("999999999", &code_a, "x.y@example.net", "another long passphrase");
    assert_eq!(r.status, 200);
    assert!(r.text().contains(CODE_ERROR), "{r:?}");

    // Ten wrong codes for one payee pause its registration, even with the
    // right code, for 15 minutes after the last.
    let right = s.letter("100200305", today);
    let mut guesser = s.browser();
    let t = guesser.token("/register");
    for i in 0..10 {
        let wrong = ssps::regcode::code(&s.portal.secret, "100200305", today - chrono::Duration::days(i + 1)).to_string();
        let r = guesser.post("/register", &[("csrf", &t), ("payee", "100200305"), ("code", &wrong)]);
        assert_eq!(r.status, 200, "try {}: {r:?}", i + 1);
        assert!(r.text().contains(CODE_ERROR), "{r:?}");
    }
    let form = [("csrf", t.as_str()), ("payee", "100200305"), ("code", right.as_str()), ("email", "not an email")];
    let r = guesser.post("/register", &form);
    assert_eq!(r.status, 429, "{r:?}");
    assert!(r.text().contains(&format!("{LOCKED} 4:16 AM Pacific time.")), "{r:?}");
    // The pause is the payee's: another payee registers from the same browser.
    let r = guesser.post("/register", &[("csrf", &t), ("payee", "100200304"), ("code", &second), ("email", "not an email")]);
    assert!(r.text().contains(EMAIL_FORMAT_ERROR), "{r:?}");
    s.set_clock(start() + 899);
    assert_eq!(guesser.post("/register", &form).status, 429);
    s.set_clock(start() + 900);
    let r = guesser.post("/register", &form);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.text().contains(EMAIL_FORMAT_ERROR), "the lock has ended: {r:?}");
    assert_eq!(events(&s.audit(), "register_failed").len(), 15);

    s.assert_logs_clean(&[PASSWORD, "another long passphrase", &code_a, &old, &ninety, &first, &second, &right]);
}

#[test]
fn ten_wrong_passwords_lock_even_the_right_one_for_fifteen_minutes_and_unknown_emails_look_the_same() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    let t = b.token("/sign-in");
    let mut attempt = |email: &str, password: &str| b.post("/sign-in", &[("csrf", &t), ("email", email), ("password", password)]);
    let unknown = "nobody.here@example.net";

    let wrong = attempt(EMAIL, "not my password at all");
    assert_eq!(wrong.status, 200);
    assert!(wrong.text().contains(SIGN_IN_ERROR), "{wrong:?}");
    // An email with no account: the same status and page, word for word.
    let nobody = attempt(unknown, "not my password at all");
    assert_eq!(nobody.status, wrong.status);
    assert_eq!(nobody.text().replace(unknown, "EMAIL"), wrong.text().replace(EMAIL, "EMAIL"));
    assert!(!wrong.text().contains("not my password at all"), "a password is never shown back");

    for i in 2..=10 {
        let r = attempt(EMAIL, "not my password at all");
        assert_eq!(r.status, 200, "try {i}: {r:?}");
        assert!(r.text().contains(SIGN_IN_ERROR));
    }
    // Locked: the right password is refused, and the page says until when
    // (12:00:30 + 15 min, to the next minute).
    let locked = attempt(EMAIL, PASSWORD);
    assert_eq!(locked.status, 429, "{locked:?}");
    assert!(locked.text().contains(&format!("{LOCKED} 4:16 AM Pacific time.")), "{locked:?}");
    assert!(locked.header("set-cookie").is_none(), "no session: {locked:?}");

    // The unknown email locks the same way after ten failures.
    for i in 2..=10 {
        assert_eq!(attempt(unknown, "not my password at all").status, 200, "try {i}");
    }
    let nobody_locked = attempt(unknown, PASSWORD);
    assert_eq!(nobody_locked.status, 429);
    assert_eq!(nobody_locked.text().replace(unknown, "EMAIL"), locked.text().replace(EMAIL, "EMAIL"));

    s.set_clock(start() + 899);
    assert_eq!(attempt(EMAIL, PASSWORD).status, 429, "still locked a second before 15 minutes");
    s.set_clock(start() + 900);
    let r = attempt(EMAIL, PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
    let audit = s.audit();
    assert_eq!(events(&audit, "sign_in_failed").len(), 20);
    assert_eq!(events(&audit, "locked").len(), 3);
    assert_eq!(events(&audit, "sign_in").len(), 1);
    assert_eq!(b.get("/payments").status, 200);
    s.assert_logs_clean(&[PASSWORD, "not my password at all", EMAIL, unknown]);
}

#[test]
fn a_session_id_set_before_sign_in_is_replaced_and_gives_no_access() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut victim = s.browser();
    let t = victim.token("/sign-in");
    let planted = "0123456789abcdef".repeat(4);
    victim.set_cookie(SESSION, &planted);
    let r = victim.post("/sign-in", &[("csrf", &t), ("email", EMAIL), ("password", PASSWORD)]);
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
    let sid = victim.cookie(SESSION).unwrap();
    assert_ne!(sid, planted);
    assert!(auth::id_shaped(&sid), "{sid}");
    assert_eq!(victim.get("/payments").status, 200);

    let mut attacker = s.browser();
    attacker.set_cookie(SESSION, &planted);
    let r = attacker.get("/payments");
    assert_eq!((r.status, r.location()), (303, "/sign-in"), "{r:?}");
    assert!(r.body.is_empty());

    // Signing in again over a live session gives a new id too, and the old
    // one ends.
    let t = victim.token("/payments");
    let r = victim.post("/sign-in", &[("csrf", &t), ("email", EMAIL), ("password", PASSWORD)]);
    assert_eq!(r.status, 303, "{r:?}");
    let again = victim.cookie(SESSION).unwrap();
    assert_ne!(again, sid);
    let mut stolen = s.browser();
    stolen.set_cookie(SESSION, &sid);
    assert_eq!(stolen.get("/payments").status, 303);
    assert_eq!(victim.get("/payments").status, 200);
    s.assert_logs_clean(&[PASSWORD, &sid, &again]);
}

#[test]
fn forms_need_their_own_token_and_our_origin() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    let pre_token = b.token("/sign-in");
    let mut elsewhere = s.browser();
    let foreign_token = elsewhere.token("/sign-in");
    assert_ne!(pre_token, foreign_token);
    let creds = |t: &str| vec![("csrf", t.to_string()), ("email", EMAIL.to_string()), ("password", PASSWORD.to_string())];
    let post = |b: &mut Browser, path: &str, headers: &[(&str, &str)], fields: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post_with(path, headers, &f)
    };
    let expired = "The form expired. It has been loaded again: enter your details again.";

    let r = b.post("/sign-in", &[("email", EMAIL), ("password", PASSWORD)]);
    assert_eq!(r.status, 403, "no token: {r:?}");
    assert!(r.text().contains(expired));
    let r = post(&mut b, "/sign-in", &[], creds(&foreign_token));
    assert_eq!(r.status, 403, "another browser's token: {r:?}");
    let evil_origin = [("Origin", "http://evil.example")];
    assert_eq!(post(&mut b, "/sign-in", &evil_origin, creds(&pre_token)).status, 403);
    assert_eq!(post(&mut b, "/sign-in", &[("Origin", "null")], creds(&pre_token)).status, 403);
    assert_eq!(post(&mut b, "/sign-in", &[("Sec-Fetch-Site", "cross-site")], creds(&pre_token)).status, 403);
    assert_eq!(post(&mut b, "/sign-in", &[("Sec-Fetch-Site", "same-site")], creds(&pre_token)).status, 403);
    assert!(b.cookie(SESSION).is_none());
    assert!(events(&s.audit(), "sign_in_failed").is_empty(), "a refused form never reaches the password");

    // Our own page: the browser's headers name this origin.
    let origin = format!("http://{}", s.addr);
    let ours = [("Origin", origin.as_str()), ("Sec-Fetch-Site", "same-origin")];
    let r = post(&mut b, "/sign-in", &ours, creds(&pre_token));
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
    let session_token = b.token("/payments");
    assert_ne!(session_token, pre_token);

    // Signed in: the forms want this session's token.
    let forbidden = "This form could not be sent";
    let r = b.post("/sign-out", &[]);
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.text().contains(forbidden));
    assert_eq!(b.post("/sign-out", &[("csrf", &pre_token)]).status, 403, "the token from before sign-in");
    assert_eq!(b.post_with("/sign-out", &evil_origin, &[("csrf", &session_token)]).status, 403);
    assert_eq!(b.post_with("/sign-out", &[("Sec-Fetch-Site", "cross-site")], &[("csrf", &session_token)]).status, 403);
    assert_eq!(b.post("/security/totp/on", &[("csrf", &pre_token), ("code", "123456")]).status, 403);
    assert_eq!(b.post("/language", &[("csrf", &foreign_token), ("lang", "es")]).status, 403);
    assert_eq!(b.post_with("/session/extend", &evil_origin, &[("csrf", &session_token)]).status, 403);
    assert_eq!(b.get("/payments").status, 200, "still signed in");
    assert!(b.get("/payments").text().contains("<h1>Payments</h1>"), "still in English");

    let r = b.post_with("/sign-out", &ours, &[("csrf", &session_token)]);
    assert_eq!((r.status, r.location()), (303, "/sign-in?out=1"), "{r:?}");
    assert!(b.cookie(SESSION).is_none(), "the cookie is cleared");
    // The signed-out session's token is dead.
    assert_eq!(post(&mut b, "/sign-in", &[], creds(&session_token)).status, 403);
    s.assert_logs_clean(&[PASSWORD, &pre_token, &session_token]);
}

#[test]
fn what_a_visitor_types_comes_back_as_text_and_the_language_switch_stays_on_the_site() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    let evil = "\"><script>alert(1)</script>";
    let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;";
    let t = b.token("/register");
    let r = b.post("/register", &[("csrf", &t), ("payee", evil), ("code", evil), ("email", evil)]);
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("<script>alert") && r.text().contains(escaped), "{r:?}");
    let r = b.post("/sign-in", &[("csrf", &t), ("email", evil), ("password", "x")]);
    assert!(r.text().contains(SIGN_IN_ERROR) && !r.text().contains("<script>alert") && r.text().contains(escaped), "{r:?}");
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let r = b.get("/payments?from=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&invoice=%3Cscript%3E");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Enter a real date, like 2026-10-31"), "{r:?}");
    assert!(!r.text().contains("<script>alert") && !r.text().contains("invoice=<") && r.text().contains(escaped), "{r:?}");

    // Back to the page the switch was on, only ever on this site.
    let here = format!("http://{}", s.addr);
    for (referer, back) in [
        (format!("{here}/documents"), "/documents"),
        (format!("{here}/payments?page=2"), "/payments?page=2"),
        (format!("{here}//evil.example/x"), "/"),
        (format!("{here}/\\evil.example/x"), "/"),
        (format!("{here}/\\/evil.example/x"), "/"),
        ("http://evil.example".to_string(), "/"),
    ] {
        let t = b.token("/payments");
        let r = b.post_with("/language", &[("Referer", &referer)], &[("csrf", &t), ("lang", "es")]);
        assert_eq!((r.status, r.location()), (303, back), "{referer}");
    }
}

#[test]
fn a_signed_out_session_cookie_opens_nothing() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let sid = b.cookie(SESSION).unwrap();
    let r = b.sign_out();
    assert_eq!((r.status, r.location()), (303, "/sign-in?out=1"));
    let r = b.get("/sign-in?out=1");
    assert!(r.text().contains("You have signed out."), "{r:?}");

    let mut replay = s.browser();
    replay.set_cookie(SESSION, &sid);
    for path in ["/payments", "/payments/880000236", "/documents", "/documents/300A-261101", "/provider", "/security", "/tax"] {
        let r = replay.get(path);
        assert_eq!((r.status, r.location()), (303, "/sign-in"), "{path}: {r:?}");
        assert!(r.body.is_empty(), "{path}");
        replay.set_cookie(SESSION, &sid);
    }
    assert_eq!(events(&s.audit(), "sign_out").len(), 1);
}

#[test]
fn sessions_end_after_fifteen_idle_minutes_and_after_twelve_hours_even_when_used() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    s.set_clock(start() + 900);
    assert_eq!(b.get("/payments").status, 200, "15 minutes idle exactly is still in time");
    s.set_clock(start() + 900 + 901);
    let r = b.get("/payments");
    assert_eq!((r.status, r.location()), (303, "/sign-in?timeout=1"), "{r:?}");
    assert!(r.all("set-cookie").iter().any(|c| c.starts_with(&format!("{SESSION}=;")) && c.contains("Max-Age=0")), "{r:?}");
    assert!(b.cookie(SESSION).is_none());
    let r = b.get("/sign-in?timeout=1");
    assert!(r.text().contains("You were signed out because you were inactive for too long."), "{r:?}");
    assert_eq!(events(&s.audit(), "session_expired").len(), 1);

    // Busy all day: a request every 14 minutes keeps the session until 12
    // hours from its start, not a second longer.
    let began = s.now();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let mut at = began;
    while at + 840 <= began + 12 * 3600 {
        at += 840;
        s.set_clock(at);
        assert_eq!(b.get("/payments").status, 200, "{} s in", at - began);
    }
    s.set_clock(began + 12 * 3600);
    assert_eq!(b.get("/documents").status, 200);
    s.set_clock(began + 12 * 3600 + 1);
    let r = b.get("/documents");
    assert_eq!((r.status, r.location()), (303, "/sign-in?timeout=1"), "{r:?}");
    assert_eq!(events(&s.audit(), "session_expired").len(), 2);
}

#[test]
fn another_payees_ids_and_guessed_paths_answer_404_and_are_audited() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let inv = s.manifest("inv");
    let theirs = inv.iter().find(|r| r["recipient_id"] == B).unwrap()["document_id"].clone();
    let their_ra = s.manifest("ra").iter().find(|r| r["recipient_id"] == B).unwrap()["document_id"].clone();
    let their_payment = their_ra.strip_prefix("RA-").unwrap().to_string();
    let mine = s.manifest("ra").iter().find(|r| r["recipient_id"] == A).unwrap()["document_id"].clone();
    let my_payment = mine.strip_prefix("RA-").unwrap().to_string();
    assert_eq!(b.get(&format!("/payments/{my_payment}")).status, 200, "the payee's own payment");

    // The 404 for something that does not exist, to compare with.
    let none = b.get("/documents/300Z-999999");
    assert_eq!(none.status, 404);
    assert!(none.text().contains("<h1>Page not found</h1>"), "{none:?}");
    let paths = [
        format!("/documents/{theirs}"),
        format!("/documents/{theirs}/accessible"),
        format!("/documents/{their_ra}"),
        format!("/payments/{their_payment}"),
        format!("/payments/{their_payment}/remittance"),
        format!("/payments/{their_payment}/remittance?download=1"),
        format!("/payments/{their_payment}/remittance/accessible"),
    ];
    let before = events(&s.audit(), "not_found").len();
    for path in &paths {
        let r = b.get(path);
        assert_eq!(r.status, 404, "{path}: {r:?}");
        assert_eq!(r.text(), none.text(), "{path}: the same page as for an id that does not exist");
        assert!(!r.text().contains("Rosa") && !r.text().contains(B), "{path}");
    }
    let audit = events(&s.audit(), "not_found");
    assert_eq!(audit.len() - before, paths.len(), "{audit:#?}");
    assert!(audit.iter().all(|r| r.payee_number.as_deref() == Some(A)), "{audit:#?}");
    for detail in [theirs.as_str(), their_ra.as_str(), "payment"] {
        assert!(audit.iter().any(|r| r.detail == detail), "{detail}: {audit:#?}");
    }

    // Paths sent as bytes, not normalised by any client.
    let guessed = [
        "/documents/..%2f..%2fmanifest.csv",
        "/documents/%2e%2e%2fsecret",
        "/documents/%2e%2e%2f%2e%2e%2fruns%2fsecret",
        "/documents/../../etc/passwd",
        "/documents/..%2Finv%2Fmanifest.csv",
        "/static/../Cargo.toml",
        "/static/..%2f..%2fCargo.toml",
        "/documents/INV%00",
        "/documents/300A-261101%00.pdf",
        "/documents/300A-261101%2f..%2f..%2fsecret",
        "/payments/..%2f880000237",
    ];
    let before = events(&s.audit(), "not_found").len();
    for path in guessed {
        let r = b.get(path);
        assert_eq!(r.status, 404, "{path}: {r:?}");
        let text = r.text();
        for leak in ["TOP-SECRET-MARKER", "document_id,kind", "root:", "[package]", "%PDF"] {
            assert!(!text.contains(leak), "{path} shows {leak}");
        }
        assert!(text.contains("<h1>Page not found</h1>"), "{path}: {r:?}");
    }
    let audit = events(&s.audit(), "not_found");
    assert_eq!(audit.len() - before, guessed.len(), "each guess is audited: {audit:#?}");
    // Signed out, the same guesses are 404s or the way to sign in, never a file.
    let mut stranger = s.browser();
    for path in guessed {
        let r = stranger.get(path);
        assert!(r.status == 404 || (r.status == 303 && r.location() == "/sign-in"), "{path}: {r:?}");
        assert!(!r.text().contains("TOP-SECRET-MARKER") && !r.text().contains("%PDF"));
    }
}

#[test]
fn the_payees_own_document_is_served_as_archived_and_a_changed_file_is_not() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let inv = s.manifest("inv");
    let row = inv.iter().find(|r| r["recipient_id"] == A).unwrap().clone();
    let id = &row["document_id"];
    let file = s.runs.join("inv").join(&row["file"]);
    let on_disk = std::fs::read(&file).unwrap();

    let list = b.get("/documents").text();
    assert!(list.contains(&format!("/documents/{id}")), "{list}");
    assert!(!list.contains("301A-261101"), "another payee's invoice is not listed");

    let r = b.get(&format!("/documents/{id}"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.header("content-disposition"), Some(format!("inline; filename=\"{id}.pdf\"").as_str()));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    assert_eq!(r.header("content-security-policy"), Some("frame-ancestors 'none'"));
    assert!(r.body == on_disk, "the bytes of the run's file");
    assert_eq!(hex(&Sha256::digest(&r.body)), row["sha256"]);
    let r = b.get(&format!("/documents/{id}?download=1"));
    assert_eq!(r.header("content-disposition"), Some(format!("attachment; filename=\"{id}.pdf\"").as_str()));

    // The archived remittance advice of the payee's October payment; an
    // older payment's cannot be made here (no renderer in this build).
    let ra = s.manifest("ra").into_iter().find(|r| r["recipient_id"] == A).unwrap();
    let pay = ra["document_id"].strip_prefix("RA-").unwrap();
    let r = b.get(&format!("/payments/{pay}/remittance"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(hex(&Sha256::digest(&r.body)), ra["sha256"]);
    let r = b.get("/payments/880000229/remittance");
    assert_eq!(r.status, 503, "{r:?}");
    assert!(r.text().contains("This document is not available"));
    assert_eq!(events(&s.audit(), "download").len(), 3);

    // Changed on disk after indexing: refused, audited, logged.
    let mut changed = on_disk.clone();
    let last = changed.len() - 20;
    changed[last] ^= 0x20;
    std::fs::write(&file, &changed).unwrap();
    let r = b.get(&format!("/documents/{id}"));
    assert_eq!(r.status, 503, "{r:?}");
    assert!(r.text().contains("<h1>This document is not available</h1>"), "{r:?}");
    assert!(r.text().contains("Call the SSPS provider line, 1-800-555-0199, for a copy."), "{r:?}");
    assert!(!r.text().contains("%PDF"));
    let tampered = events(&s.audit(), "tampered");
    assert_eq!(tampered.len(), 1);
    assert_eq!((tampered[0].detail.as_str(), tampered[0].payee_number.as_deref()), (id.as_str(), Some(A)));
    let logs = s.logs();
    let want = format!("document not served: run inv document {id}: its bytes no longer match the manifest's SHA-256");
    assert!(logs.contains(&want), "{logs:#?}");

    // Another payee's file linked in place of the payee's own: not served.
    let second = inv.iter().filter(|r| r["recipient_id"] == A).nth(1).unwrap();
    let path = s.runs.join("inv").join(&second["file"]);
    std::fs::remove_file(&path).unwrap();
    let theirs = inv.iter().find(|r| r["recipient_id"] == B).unwrap();
    std::os::unix::fs::symlink(s.runs.join("inv").join(&theirs["file"]), &path).unwrap();
    let r = b.get(&format!("/documents/{}", second["document_id"]));
    assert_eq!(r.status, 503, "{r:?}");
    assert!(!r.text().contains("%PDF"));
    assert_eq!(events(&s.audit(), "tampered").len(), 2);
}

/// The security headers every answer carries.
fn assert_security_headers(what: &str, r: &Reply) {
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP: {r:?}"));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    if r.header("content-type").is_some_and(|t| t.starts_with("text/html")) {
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{what}: {csp}");
    }
    assert_eq!(r.header("strict-transport-security"), Some("max-age=31536000; includeSubDomains"), "{what}");
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    for c in r.all("set-cookie") {
        let name = c.split('=').next().unwrap();
        assert!(name.starts_with("__Host-"), "{what}: {c}");
        let attrs: Vec<&str> = c.split(';').skip(1).map(str::trim).collect();
        for want in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(attrs.contains(&want), "{what}: {c} lacks {want}");
        }
        assert!(!attrs.iter().any(|a| a.to_ascii_lowercase().starts_with("domain")), "{what}: {c}");
    }
}

#[test]
fn every_answer_carries_the_security_headers_and_only_pages_set_cookies() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    let first = b.get("/sign-in");
    assert_security_headers("/sign-in", &first);
    let cookies = first.all("set-cookie");
    assert_eq!(cookies.len(), 1, "{first:?}");
    assert!(cookies[0].starts_with(&format!("{PRE}=")), "{first:?}");
    assert_eq!(first.header("cache-control"), Some("no-store"));
    for path in ["/", "/register", "/payments", "/no/such/page", "/sign-in?timeout=1"] {
        assert_security_headers(path, &b.get(path));
    }
    let r = b.sign_in(EMAIL, PASSWORD);
    assert_security_headers("POST /sign-in", &r);
    assert!(r.all("set-cookie").iter().any(|c| c.starts_with(&format!("{SESSION}="))), "{r:?}");
    for path in [
        "/payments",
        "/payments/880000236",
        "/documents",
        "/documents/300A-261101",
        "/tax",
        "/authorizations",
        "/provider",
        "/security",
        "/nothing",
    ] {
        let r = b.get(path);
        assert!(r.status == 200 || (path == "/nothing" && r.status == 404), "{path}: {r:?}");
        assert_security_headers(path, &r);
        assert!(r.all("set-cookie").is_empty(), "{path}: a signed-in page sets no cookie: {r:?}");
    }
    let t = b.token("/payments");
    let r = b.post("/language", &[("csrf", &t), ("lang", "es")]);
    assert_security_headers("POST /language", &r);
    let r = b.sign_out();
    assert_security_headers("POST /sign-out", &r);

    // The browser's own requests for the style sheet, script and icon:
    // no cookie read or set, with or without cookies sent.
    let mut fresh = s.browser();
    for (path, kind) in [
        ("/favicon.ico", "image/svg+xml"),
        ("/static/portal.css", "text/css; charset=utf-8"),
        ("/static/portal.js", "text/javascript; charset=utf-8"),
    ] {
        for r in [fresh.get(path), b.get(path)] {
            assert_eq!(r.status, 200, "{path}");
            assert_eq!(r.header("content-type"), Some(kind));
            assert!(r.all("set-cookie").is_empty(), "{path}: {r:?}");
            assert_security_headers(path, &r);
        }
    }
    assert!(fresh.jar.is_empty());
}

#[test]
fn the_log_names_no_person_and_holds_no_secret_over_a_whole_visit() {
    let s = Server::start();
    let code = s.letter(A, s.today());
    let mut b = s.browser();
    assert_eq!(b.register(A, &code, EMAIL, PASSWORD).status, 303);
    assert_eq!(b.sign_in(EMAIL, "a wrong password here").status, 200);
    assert_eq!(b.sign_in("billing@sunrise-elc.example", "a wrong password here").status, 200);
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let sid = b.cookie(SESSION).unwrap();
    let mut seen = String::new();
    for path in [
        "/payments",
        "/payments?from=2026-01-01&to=2026-10-31&min=100&max=9000&invoice=300A-261101",
        "/payments/880000236",
        "/payments/880000237",
        "/documents",
        "/documents/300A-261101",
        "/documents/300A-261101/accessible",
        "/documents/301A-261101",
        "/tax",
        "/authorizations",
        "/provider",
        "/security",
        "/documents/..%2fsecret",
    ] {
        seen.push_str(&b.get(path).text());
    }
    // The pages did show the payee's personal data, so its absence from the
    // log means something; the TIN only masked.
    assert!(seen.contains("Sunrise Early Learning LLC") && seen.contains("1450 Rainier Ave S"), "{seen}");
    assert!(seen.contains("**-***4567") && !seen.contains("91-1234567"), "{seen}");
    std::fs::write(s.runs.join("inv/documents/100200300/300B-261101.pdf"), b"changed").unwrap();
    assert_eq!(b.get("/documents/300B-261101").status, 503);
    assert_eq!(b.sign_out().status, 303);
    s.assert_logs_clean(&[PASSWORD, "a wrong password here", EMAIL, &code, &sid, "billing@sunrise-elc.example"]);
    assert!(s.logs().iter().any(|l| l.starts_with("GET /documents/{id} 503 ")), "{:#?}", s.logs());
}

#[test]
fn a_second_factor_is_asked_for_and_each_code_is_good_once() {
    let s = Server::start();
    let account = s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    // Another browser signed in to the same account.
    let mut other = s.browser();
    assert_eq!(other.sign_in(EMAIL, PASSWORD).status, 303);
    assert_eq!(other.get("/payments").status, 200);
    let page = b.get("/security").text();
    let key = after(&page, "<code id=\"totp-key\">", '<').to_string();
    let enrol = after(&page, "name=\"enrol\" value=\"", '"').to_string();
    let t = csrf(&page);
    let secret = base32_decode(&key);
    assert_eq!(secret.len(), 20, "{key}");

    let wrong = wrong_code(&secret, s.now());
    let r = b.post("/security/totp/on", &[("csrf", &t), ("enrol", &enrol), ("code", wrong)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("The security code is not right or has been used."), "{r:?}");
    let enrol_code = auth::totp_code(&secret, s.now());
    let r = b.post("/security/totp/on", &[("csrf", &t), ("enrol", &enrol), ("code", &enrol_code)]);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.text().contains("Security codes are on. You will be asked for a code each time you sign in."), "{r:?}");
    // Turning it on ended the other browser's session; this one goes on.
    let r = other.get("/payments");
    assert_eq!((r.status, r.location()), (303, "/sign-in"), "{r:?}");
    assert_eq!(b.get("/payments").status, 200);
    assert_eq!(b.sign_out().status, 303);

    // The password alone opens nothing but the code page.
    let r = b.sign_in(EMAIL, PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/sign-in/code"), "{r:?}");
    let half = b.cookie(SESSION).unwrap();
    let r = b.get("/payments");
    assert_eq!((r.status, r.location()), (303, "/sign-in"), "{r:?}");
    let page = b.get("/sign-in/code");
    assert!(page.text().contains("Open your authenticator app and enter the 6-digit code"), "{page:?}");
    let t = csrf(&page.text());
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", wrong)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("The security code is not right or has been used."), "{r:?}");
    // The enrolment's code was used: not again.
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &enrol_code)]);
    assert!(r.text().contains("The security code is not right or has been used."), "{r:?}");
    assert_eq!(b.cookie(SESSION).as_deref(), Some(half.as_str()));

    s.set_clock(start() + 30);
    let code = auth::totp_code(&secret, s.now());
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &code)]);
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
    let full = b.cookie(SESSION).unwrap();
    assert_ne!(full, half, "a new session id for the full sign-in");
    assert_eq!(b.get("/payments").status, 200);
    let mut old = s.browser();
    old.set_cookie(SESSION, &half);
    assert_eq!(old.get("/sign-in/code").status, 303, "the half session has ended");

    // The same code again, in its 30 seconds: refused.
    assert_eq!(b.sign_out().status, 303);
    assert_eq!(b.sign_in(EMAIL, PASSWORD).location(), "/sign-in/code");
    let t = b.token("/sign-in/code");
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &code)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("The security code is not right or has been used."), "{r:?}");
    assert_eq!(b.get("/payments").status, 303);
    s.set_clock(start() + 60);
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &auth::totp_code(&secret, s.now()))]);
    assert_eq!(r.location(), "/payments");

    // Turning codes off asks for the password, and a locked account's
    // password is not checked there either.
    for _ in 0..10 {
        s.portal.store.record_failure(&auth::failure_key_account(account), s.now()).unwrap();
    }
    let t = b.token("/security");
    let r = b.post("/security/totp/off", &[("csrf", &t), ("password", PASSWORD)]);
    assert_eq!(r.status, 429, "{r:?}");
    assert!(r.text().contains(LOCKED), "{r:?}");
    assert!(b.get("/security").text().contains("Security codes are on."));
    s.set_clock(s.now() + 900);
    let r = b.post("/security/totp/off", &[("csrf", &t), ("password", PASSWORD)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Security codes are off."), "{r:?}");
    s.assert_logs_clean(&[PASSWORD, &key, &enrol, &half, &full]);
}

#[test]
fn wrong_security_codes_stay_counted_when_the_password_is_entered_again() {
    let s = Server::start();
    let account = s.account(A, EMAIL);
    let secret = [7u8; 20];
    let nonce = [9u8; 16];
    let sealed = s.portal.keys.seal_totp(account, &nonce, &secret);
    s.portal.store.set_totp(account, Some((&sealed, &nonce))).unwrap();
    let wrong = wrong_code(&secret, s.now());
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).location(), "/sign-in/code");
    let t = b.token("/sign-in/code");
    for i in 1..=9 {
        let r = b.post("/sign-in/code", &[("csrf", &t), ("code", wrong)]);
        assert_eq!(r.status, 200, "try {i}: {r:?}");
    }
    // The password again (it is known: the second factor is what is being
    // guessed) begins a new half session, but the count goes on.
    let r = b.post("/sign-in", &[("csrf", &t), ("email", EMAIL), ("password", PASSWORD)]);
    assert_eq!((r.status, r.location()), (303, "/sign-in/code"), "{r:?}");
    let t = b.token("/sign-in/code");
    assert_eq!(b.post("/sign-in/code", &[("csrf", &t), ("code", wrong)]).status, 200);
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &auth::totp_code(&secret, s.now()))]);
    assert_eq!(r.status, 429, "the tenth wrong code locks the account: {r:?}");
    assert!(r.text().contains(&format!("{LOCKED} 4:16 AM Pacific time.")), "{r:?}");
    assert_eq!(b.get("/payments").status, 303);
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 429, "and its password");
    s.set_clock(start() + 900);
    assert_eq!(b.sign_in(EMAIL, PASSWORD).location(), "/sign-in/code");
    let t = b.token("/sign-in/code");
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &auth::totp_code(&secret, s.now()))]);
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
}

/// Every value stored in every table of the database, as text (blobs also
/// as hex).
fn database_cells(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let tables: Vec<String> = {
        let mut st = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let mut cells = vec![];
    for t in tables {
        let mut st = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                use rusqlite::types::ValueRef;
                match row.get_ref(i).unwrap() {
                    ValueRef::Text(t) => cells.push(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => {
                        cells.push(hex(b));
                        cells.push(String::from_utf8_lossy(b).into_owned());
                    }
                    ValueRef::Integer(n) => cells.push(n.to_string()),
                    ValueRef::Real(f) => cells.push(f.to_string()),
                    ValueRef::Null => {}
                }
            }
        }
    }
    cells
}

#[test]
fn passwords_session_ids_codes_and_keys_are_never_stored_in_clear() {
    let s = Server::start();
    let code = s.letter(A, s.today());
    let mut b = s.browser();
    assert_eq!(b.register(A, &code, EMAIL, PASSWORD).status, 303);
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let sid = b.cookie(SESSION).unwrap();
    let pre = b.cookie(PRE).unwrap();
    let page = b.get("/security").text();
    let token = csrf(&page);
    let key = after(&page, "<code id=\"totp-key\">", '<').to_string();
    let enrol = after(&page, "name=\"enrol\" value=\"", '"').to_string();
    let secret = base32_decode(&key);
    let r = b.post("/security/totp/on", &[("csrf", &token), ("enrol", &enrol), ("code", &auth::totp_code(&secret, s.now()))]);
    assert!(r.text().contains("Security codes are on."), "{r:?}");
    // Turning the factor on ended every session and renewed this one.
    let renewed = b.cookie(SESSION).unwrap();
    assert_ne!(renewed, sid);
    let sid = renewed;

    let cells = database_cells(&s.db);
    // The store does hold the account and the session, hashed.
    let hash = cells.iter().find(|c| c.starts_with("$argon2id$")).expect("an Argon2id hash");
    assert!(auth::verify_password(PASSWORD, hash), "{hash}");
    assert!(cells.contains(&hex(&Sha256::digest(sid.as_bytes()))), "the session is stored by its SHA-256");
    let cells: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
    for (what, value) in [
        ("the password", PASSWORD),
        ("the session id", sid.as_str()),
        ("the pre-session id", pre.as_str()),
        ("the form token", token.as_str()),
        ("the registration code", code.as_str()),
        ("the TOTP key", key.as_str()),
        ("the TOTP key's bytes", hex(&secret).as_str()),
        ("the enrolment value", enrol.as_str()),
    ] {
        let value = value.to_lowercase();
        assert!(!cells.iter().any(|c| c.contains(&value)), "the database holds {what} in clear");
    }
}

#[test]
fn reindexing_is_idempotent_and_a_new_run_is_served_without_a_restart() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let db = s.db.to_str().unwrap().to_string();
    let runs = s.runs.to_str().unwrap().to_string();
    let o = ssps(&["portal", "index", "--runs", &runs, "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "indexed 0 runs (2 unchanged): 0 payee documents, 0 registration letters\n");

    // September's invoices appear while the server runs.
    let o = ssps(&["invoices", "--data", arg(&oct_2026()), "--month", "2026-09", "--out", &format!("{runs}/inv-sep")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sep = read_csv(&s.runs.join("inv-sep/manifest.csv"));
    let new = sep.iter().find(|r| r["recipient_id"] == A).unwrap()["document_id"].clone();
    assert!(s.manifest("inv").iter().all(|r| r["document_id"] != new), "{new} is new");
    assert_eq!(b.get(&format!("/documents/{new}")).status, 404);
    let o = ssps(&["portal", "index", "--runs", &runs, "--db", &db]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payee_docs = sep.iter().filter(|r| r["recipient_kind"] == "payee").count();
    assert_eq!(stdout(&o), format!("indexed 1 runs (2 unchanged): {payee_docs} payee documents, 0 registration letters\n"));
    let r = b.get(&format!("/documents/{new}"));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(hex(&Sha256::digest(&r.body)), sep.iter().find(|r| r["document_id"] == new).unwrap()["sha256"]);
    let list = b.get("/documents").text();
    assert_eq!(list.matches(&format!("href=\"/documents/{new}\"")).count(), 1, "{list}");
    assert_eq!(list.matches("href=\"/documents/300A-261101\"").count(), 1, "{list}");
    let o = ssps(&["portal", "index", "--runs", &runs, "--db", &db]);
    assert_eq!(stdout(&o), "indexed 0 runs (3 unchanged): 0 payee documents, 0 registration letters\n");
    let mine = [s.manifest("inv"), s.manifest("ra"), sep].iter().flatten().filter(|r| r["recipient_id"] == A).count();
    assert_eq!(s.portal.store.documents_of(A, None).unwrap().len(), mine, "each document once");
}

/// A child process killed (by its id) when the test ends, passed or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binarys_demo_prints_working_codes_and_listens_on_loopback_only() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let data = oct_2026();
    let o = ssps(&["portal", "--demo", "--listen", "0.0.0.0:0", "--data", arg(&data), "--runs", arg(&runs)]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: --demo listens on loopback only (127.0.0.1 or ::1), not 0.0.0.0:0\n");
    assert_eq!(stdout(&o), "");

    let db = tmp.path().join("demo.sqlite");
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_ssps"))
            .args(["portal", "--demo", "--listen", "127.0.0.1:0", "--data", arg(&data), "--runs", arg(&runs), "--db", arg(&db)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut codes = vec![];
    let addr: SocketAddr = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server ended before listening");
        if let Some(rest) = line.strip_prefix("demo: payee ") {
            let (payee, code) = rest.trim_end().split_once(" registration code ").unwrap_or_else(|| panic!("{line}"));
            assert!(!code.is_empty() && !code.contains(char::is_whitespace), "{line}");
            codes.push((payee.to_string(), code.to_string()));
        } else {
            let addr = line.trim_end().strip_prefix("listening on http://127.0.0.1:").unwrap_or_else(|| panic!("{line:?}"));
            break format!("127.0.0.1:{addr}").parse().unwrap();
        }
    };
    assert_ne!(addr.port(), 0);
    let payees: Vec<String> = read_csv(&data.join("payees.csv")).into_iter().map(|p| p["payee_number"].clone()).collect();
    assert_eq!(codes.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(), payees);

    // Two of the codes register (each takes an Argon2 hash); a code does
    // not open another payee.
    let mut b = Browser { addr, jar: BTreeMap::new() };
    let (first, last) = (&codes[0], &codes[codes.len() - 1]);
    let r = b.register(&first.0, &last.1, EMAIL, PASSWORD);
    assert!(r.text().contains(CODE_ERROR), "{r:?}");
    for (i, (payee, code)) in [first, last].into_iter().enumerate() {
        let r = b.register(payee, code, &format!("demo{i}@example.net"), PASSWORD);
        assert_eq!((r.status, r.location()), (303, "/sign-in?registered=1"), "{payee}: {r:?}");
    }
    let r = b.sign_in("demo1@example.net", PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/payments"), "{r:?}");
    assert!(b.get("/payments").text().contains(&format!("Signed in for payee {}", last.0)));

    // Ended by its process id: the server stops cleanly on SIGTERM.
    let kill = std::process::Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    child.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("portal: POST /register 303 "), "{err}");
    for secret in [PASSWORD, EMAIL, "demo0@example.net", &first.1, &last.1] {
        assert!(!err.contains(secret), "stderr holds {secret}");
    }
}

/// `pdfinfo` (poppler) on a PDF's bytes, with `args`.
fn pdfinfo(bytes: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdfinfo").args(args).arg(&file).output().expect("pdfinfo (poppler-utils)");
    assert!(out.status.success(), "pdfinfo: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The text of a PDF's bytes (`pdftotext -layout`).
fn pdf_bytes_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    crate::util::pdf_text(&file)
}

#[test]
fn advices_no_run_made_and_tagged_copies_are_made_on_demand() {
    let s = Server::remaking();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);

    // 880000229 (September, $6,444.10): no run made its advice.
    let page = b.get("/payments/880000229").text();
    assert!(page.contains("No run mailed an advice for this payment; this one is made now from the payment record."), "{page}");
    let r = b.get("/payments/880000229/remittance?download=1");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"RA-880000229.pdf\""));
    let text = pdf_bytes_text(&r.body);
    assert!(text.contains("880000229") && text.contains("6,444.10"), "{text}");
    assert_eq!(b.get("/payments/880000229/remittance").body, r.body, "made the same way twice");

    // Its tagged copy: PDF/UA-1, with a structure a screen reader follows.
    let r = b.get("/payments/880000229/remittance/accessible");
    assert_eq!(r.status, 200, "{r:?}");
    let info = pdfinfo(&r.body, &[]);
    assert!(info.contains("Tagged:          yes"), "{info}");
    let meta = pdfinfo(&r.body, &["-meta"]);
    assert!(meta.contains("<pdfuaid:part>1</pdfuaid:part>"), "{meta}");
    let tree = pdfinfo(&r.body, &["-struct-text"]);
    assert!(tree.contains("Table") && tree.contains("TH") && tree.contains("6,444.10"), "{tree}");
    assert!(tree.contains("H1") || tree.contains("H2"), "a heading: {tree}");

    // The run's invoice, tagged: the same document, its tags checked.
    let inv = s.manifest("inv").into_iter().find(|r| r["recipient_id"] == A).unwrap();
    let id = &inv["document_id"];
    let r = b.get(&format!("/documents/{id}/accessible"));
    assert_eq!(r.status, 200, "{r:?}");
    assert!(pdfinfo(&r.body, &[]).contains("Tagged:          yes"));
    let tree = pdfinfo(&r.body, &["-struct-text"]);
    assert!(tree.contains("Table"), "{tree}");
    assert_eq!(b.get(&format!("/documents/{id}/accessible")).body, r.body, "deterministic (and cached)");

    // Another payee's, by id: 404 like any unknown id.
    let theirs = s.manifest("inv").into_iter().find(|r| r["recipient_id"] == B).unwrap();
    let r = b.get(&format!("/documents/{}/accessible", theirs["document_id"]));
    assert_eq!(r.status, 404, "{r:?}");
    let r = b.get("/payments/880000230/remittance/accessible");
    assert!(r.status == 404, "payment 880000230 is not payee A's: {r:?}");
}
