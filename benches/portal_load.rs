//! The portal under load on loopback: `cargo bench --bench portal_load`.
//!
//! Generates the synthetic extract (23,000 payees, 12 months of payments,
//! or `SSPS_BENCH_PAYEES`), makes the October remittance run, creates 200
//! accounts (`SSPS_BENCH_CLIENTS`) in a fresh portal database, starts the
//! real `ssps portal` binary on a free loopback port, signs every client in
//! over HTTP, then lets them browse and download for 60 s
//! (`SSPS_BENCH_SECONDS`): the payments list, a filtered list, a payment,
//! the documents list, the authorizations (pages), and the payment's
//! remittance advice (downloads). Prints requests per second, p50/p95/p99
//! latency per class, errors, the server's peak memory (VmHWM), and the
//! time to make tagged (PDF/UA-1) copies on demand. One client in five
//! also claims its payee's open invoices online (the claim form, Save,
//! Check and submit, the confirmation with the password) until none is
//! left; after the run `ssps portal export-claims` must export each
//! submission exactly once (0 lost, 0 duplicated). Targets: p95 page
//! under 50 ms, p95 download under 100 ms, tagged copy under 500 ms, 0
//! errors. The load generator runs on the same two cores as the server.
//!
//! More than one server: `SSPS_BENCH_SERVERS=2` starts two `ssps portal`
//! processes over the same database, and every client sends each request
//! to the next server in turn (sign-in on one, the claim form on the
//! other, the confirmation on the first…), so nothing works unless
//! sessions, form tokens, drafts and submissions live in the database.
//! `SSPS_BENCH_DB=postgres` uses a new PostgreSQL database on the server
//! `SSPS_TEST_POSTGRES` names (`tests/postgres/with-cluster` starts one)
//! instead of a SQLite file. `SSPS_BENCH_WORKERS=N` passes `--workers N`.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ssps::model::Month;
use ssps::portal::database::Database;
use ssps::portal::store::NewAccount;
use ssps::sample::{generate, SampleOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let env = |k: &str, d: usize| std::env::var(k).ok().and_then(|s| s.parse().ok()).unwrap_or(d);
    let payees = env("SSPS_BENCH_PAYEES", if quick { 300 } else { 23_000 });
    let clients = env("SSPS_BENCH_CLIENTS", if quick { 20 } else { 200 }).min(payees);
    let seconds = env("SSPS_BENCH_SECONDS", if quick { 3 } else { 60 });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/portal");
    let data = root.join(format!("sample-{payees}"));
    let runs = root.join(format!("runs-{payees}"));
    let month = Month::parse("2026-10").expect("month");
    if !data.join("payees.csv").exists() || !runs.join("ra/summary.json").exists() {
        let _ = std::fs::remove_dir_all(&data);
        let _ = std::fs::remove_dir_all(&runs);
        let t = Instant::now();
        generate(&SampleOptions { payees, month: month.first_day(), seed: 1, bad_rows: 0, payments: 12, ssp_cases: 0 }, &data)
            .expect("sample");
        println!("sample: {payees} payees, 12 months of payments in {:.1} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_ssps"))
            .args(["remittances", "--from", "2026-10-01", "--to", "2026-10-31", "--dry-run", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(runs.join("ra"))
            .arg("--journal")
            .arg(root.join("journal.sqlite"))
            .status()
            .expect("remittance run");
        assert!(status.code().is_some_and(|c| c <= 1), "remittance run: {status}");
        println!("remittance run: {:.1} s", t.elapsed().as_secs_f64());
    }
    let servers = env("SSPS_BENCH_SERVERS", 1).max(1);
    // The servers' --workers, when set (else the portal's default).
    let workers = std::env::var("SSPS_BENCH_WORKERS").ok();
    let on_postgres = std::env::var("SSPS_BENCH_DB").as_deref() == Ok("postgres");
    let scratch = on_postgres.then(|| {
        ssps::portal::postgres::testing::scratch().expect("SSPS_BENCH_DB=postgres needs SSPS_TEST_POSTGRES (tests/postgres/with-cluster)")
    });
    let db = match &scratch {
        Some(s) => Database::Postgres(s.url().to_string()),
        None => {
            let file = root.join("portal.sqlite");
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{s}", file.display()));
            }
            Database::File(file)
        }
    };
    let db_arg = match &db {
        Database::File(f) => f.display().to_string(),
        Database::Postgres(url) => url.clone(),
        Database::Unusable(why) => panic!("{why}"),
    };
    let secret = root.join("portal.secret");
    write_secret(&secret);
    // Accounts for the first payees: one password hash, reused (signing in
    // still verifies it once per client).
    let password = "bench portal password";
    let hash = ssps::portal::auth::hash_password(password).expect("hash");
    let store = db.open().expect("db");
    let payee_numbers: Vec<String> = read_column(&data.join("payees.csv"), "payee_number").into_iter().take(clients).collect();
    for p in &payee_numbers {
        let email = format!("{p}@bench.example");
        let new = NewAccount { payee_number: p, email: &email, password_hash: &hash, language: "en", used_key: p };
        store.create_account(&new, 0).expect("account").expect("new account");
    }
    drop(store);

    // The servers start together (each indexes the runs; one does it).
    let t = Instant::now();
    let mut procs: Vec<std::process::Child> = (0..servers)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_ssps"))
                .args(["portal", "--listen", "127.0.0.1:0", "--data"])
                .arg(&data)
                .arg("--runs")
                .arg(&runs)
                .arg("--db")
                .arg(&db_arg)
                .arg("--secret")
                .arg(&secret)
                .args(workers.iter().flat_map(|w| ["--workers", w.as_str()]))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("ssps portal")
        })
        .collect();
    let addrs: Vec<String> = procs
        .iter_mut()
        .map(|p| {
            let stdout = p.stdout.take().expect("stdout");
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| l.strip_prefix("listening on http://").map(str::to_string))
                .expect("the portal printed its address")
        })
        .collect();
    println!(
        "{servers} portal server(s) up in {:.1} s at {} on {db} ({payees} payees, {clients} clients, {seconds} s)",
        t.elapsed().as_secs_f64(),
        addrs.join(", ")
    );

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let addrs = Arc::new(addrs);
    let stats = rt.block_on(load(addrs.clone(), payee_numbers, password, Duration::from_secs(seconds as u64)));
    let peaks: Vec<u64> = procs.iter().map(|p| peak_kib(p.id())).collect();
    let tagged = rt.block_on(tagged_copies(addrs, &stats.sessions));
    for p in &mut procs {
        let _ = std::process::Command::new("kill").arg(p.id().to_string()).status();
        let _ = p.wait();
    }

    // Every submission exported once: tomorrow's cutoff takes them all.
    let out = root.join("claims-export.csv");
    let _ = std::fs::remove_file(&out);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let export = std::process::Command::new(env!("CARGO_BIN_EXE_ssps"))
        .args(["portal", "export-claims", "--date", &tomorrow, "--db"])
        .arg(&db_arg)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("export-claims");
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let submitted = stats.submitted.lock().unwrap().clone();
    let rows = std::fs::read_to_string(&out).unwrap_or_default();
    let mut exported: Vec<(String, String)> = rows
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect();
    let lines = exported.len();
    exported.sort();
    exported.dedup();
    let duplicated = lines - exported.len();
    let mut invoices: Vec<&String> = exported.iter().map(|(i, _)| i).collect();
    invoices.dedup();
    let lost = submitted.iter().filter(|s| !invoices.contains(s)).count();
    let extra = invoices.iter().filter(|i| !submitted.contains(i)).count();

    let total: usize = stats.latencies.lock().unwrap().values().map(Vec::len).sum();
    println!(
        "sign-in: {} clients in {:.1} s; load: {total} requests in {seconds} s = {:.0} requests/s, errors {}",
        stats.sessions.len(),
        stats.sign_in_secs,
        total as f64 / seconds as f64,
        stats.errors.load(Ordering::Relaxed)
    );
    if !stats.errors_by.lock().unwrap().is_empty() {
        println!("errors by class: {:?}", stats.errors_by.lock().unwrap());
    }
    for (class, v) in stats.latencies.lock().unwrap().iter_mut() {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1))).copied().unwrap_or_default();
        println!("{class:>9}: {:>7} requests, p50 {:>6.1} ms, p95 {:>6.1} ms, p99 {:>6.1} ms", v.len(), q(0.50), q(0.95), q(0.99));
    }
    let peaks: Vec<String> = peaks.iter().map(|k| format!("{:.0} MiB", *k as f64 / 1024.0)).collect();
    println!("server peak memory (VmHWM): {}", peaks.join(", "));
    if !tagged.is_empty() {
        let mut t = tagged;
        t.sort_by(f64::total_cmp);
        println!(
            "tagged copy on demand: {} made, min {:.0} ms, median {:.0} ms, max {:.0} ms",
            t.len(),
            t[0],
            t[t.len() / 2],
            t[t.len() - 1]
        );
    }
    println!(
        "claims: {} submitted by {} claiming clients; exported {} invoices ({lines} invoice_claims.csv rows): {lost} lost, {duplicated} duplicated, {extra} not submitted",
        submitted.len(),
        stats.sessions.len().div_ceil(5),
        invoices.len()
    );
    println!("targets: p95 page < 50 ms, p95 download < 100 ms, tagged copy < 500 ms, 0 errors, 0 claims lost or duplicated");
}

fn write_secret(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).expect("secret");
    std::io::Write::write_all(&mut f, &[0x5a; 48]).expect("secret");
}

fn read_column(csv: &Path, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(csv).expect("csv");
    let i = r.headers().expect("header").iter().position(|h| h == column).expect("column");
    r.records().map(|rec| rec.expect("row")[i].to_string()).collect()
}

fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// A signed-in client: its session cookie and its payment ids.
struct Client {
    cookie: String,
    payments: Vec<String>,
}

struct Stats {
    /// Invoices submitted (each once).
    submitted: Mutex<Vec<String>>,
    sessions: Vec<Arc<Client>>,
    sign_in_secs: f64,
    errors: AtomicUsize,
    /// Errors by class (what failed, for the report).
    errors_by: Mutex<std::collections::BTreeMap<&'static str, usize>>,
    latencies: Mutex<std::collections::BTreeMap<&'static str, Vec<f64>>>,
}

/// One HTTP/1.1 exchange on a kept-alive connection: status, headers, body.
async fn exchange(conn: &mut Option<TcpStream>, addr: &str, req: &str) -> std::io::Result<(u16, String, Vec<u8>)> {
    if conn.is_none() {
        *conn = Some(TcpStream::connect(addr).await?);
    }
    let s = conn.as_mut().expect("connected");
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(16 * 1024);
    let head_end = loop {
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            *conn = None;
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = vec![0u8; (head_end + len - buf.len()).min(64 * 1024)];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            *conn = None;
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, head, buf[head_end..head_end + len].to_vec()))
}

/// A client's kept-alive connections, one per server: each request goes
/// to the next server in turn.
struct Conns {
    addrs: Arc<Vec<String>>,
    conns: Vec<Option<TcpStream>>,
    next: usize,
}

impl Conns {
    fn new(addrs: Arc<Vec<String>>, first: usize) -> Conns {
        let conns = addrs.iter().map(|_| None).collect();
        let next = first % addrs.len();
        Conns { addrs, conns, next }
    }

    async fn send(&mut self, req: impl Fn(&str) -> String) -> std::io::Result<(u16, String, Vec<u8>)> {
        let i = self.next;
        self.next = (i + 1) % self.addrs.len();
        let addr = self.addrs[i].clone();
        let answer = exchange(&mut self.conns[i], &addr, &req(&addr)).await;
        if answer.is_err() {
            self.conns[i] = None;
        }
        answer
    }

    async fn get(&mut self, path: &str, cookie: &str) -> std::io::Result<(u16, String, Vec<u8>)> {
        self.send(|addr| get(addr, path, cookie)).await
    }

    async fn post(&mut self, path: &str, cookie: &str, form: &str) -> std::io::Result<(u16, String, Vec<u8>)> {
        self.send(|addr| post(addr, path, cookie, form)).await
    }
}

fn get(addr: &str, path: &str, cookie: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n")
}

/// Signs one client in: a GET for the form token, a POST.
async fn sign_in(addrs: Arc<Vec<String>>, n: usize, payee: &str, password: &str) -> std::io::Result<Arc<Client>> {
    let mut conns = Conns::new(addrs, n);
    let (_, head, body) = conns.get("/sign-in", "").await?;
    let pre = head
        .lines()
        .find_map(|l| l.split_once("__Host-ssps-pre=").map(|(_, v)| v.split(';').next().unwrap_or("").to_string()))
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&body);
    let token = body.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
    let form = format!("csrf={token}&email={payee}%40bench.example&password={}", password.replace(' ', "+"));
    let (status, head, _) = conns.post("/sign-in", &format!("__Host-ssps-pre={pre}"), &form).await?;
    let sid = head
        .lines()
        .find_map(|l| l.split_once("__Host-ssps-session=").map(|(_, v)| v.split(';').next().unwrap_or("").to_string()))
        .filter(|s| !s.is_empty() && status == 303)
        .ok_or_else(|| std::io::Error::other(format!("sign-in answered {status}")))?;
    let cookie = format!("__Host-ssps-session={sid}");
    // Its payment ids, from the first page of its payments.
    let (_, _, body) = conns.get("/payments", &cookie).await?;
    let body = String::from_utf8_lossy(&body);
    let payments = body
        .split("href=\"/payments/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| !s.contains('/'))
        .map(str::to_string)
        .collect();
    Ok(Arc::new(Client { cookie, payments }))
}

async fn load(addrs: Arc<Vec<String>>, payees: Vec<String>, password: &str, length: Duration) -> Arc<Stats> {
    let t = Instant::now();
    let mut handles = vec![];
    for (n, p) in payees.into_iter().enumerate() {
        let (addrs, password) = (addrs.clone(), password.to_string());
        handles.push(tokio::spawn(async move { sign_in(addrs, n, &p, &password).await }));
    }
    let mut sessions = vec![];
    for h in handles {
        sessions.push(h.await.expect("task").expect("sign-in"));
    }
    let stats = Arc::new(Stats {
        submitted: Mutex::new(vec![]),
        sessions,
        sign_in_secs: t.elapsed().as_secs_f64(),
        errors: AtomicUsize::new(0),
        errors_by: Mutex::new(Default::default()),
        latencies: Mutex::new(Default::default()),
    });
    let end = Instant::now() + length;
    let mut handles = vec![];
    for (n, c) in stats.sessions.clone().into_iter().enumerate() {
        let (addrs, stats) = (addrs.clone(), stats.clone());
        handles.push(tokio::spawn(async move {
            let mut conns = Conns::new(addrs, n);
            let mut i = n;
            // One client in five claims its open invoices first.
            if n % 5 == 0 {
                claim_all(&mut conns, &c, &stats, end).await;
            }
            while Instant::now() < end {
                let pay = c.payments.get(i % c.payments.len().max(1)).cloned().unwrap_or_default();
                let (class, path) = match i % 6 {
                    0 => ("page", "/payments".to_string()),
                    1 => ("page", format!("/payments/{pay}")),
                    2 => ("download", format!("/payments/{pay}/remittance?download=1")),
                    3 => ("page", "/documents".to_string()),
                    4 => ("page", "/payments?from=2026-01-01&to=2026-12-31&min=1".to_string()),
                    _ => ("page", "/authorizations".to_string()),
                };
                i += 1;
                let t = Instant::now();
                let ok = match conns.get(&path, &c.cookie).await {
                    Ok((200, _, body)) => !body.is_empty(),
                    _ => false,
                };
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if ok {
                    stats.latencies.lock().unwrap().entry(class).or_default().push(ms);
                } else {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    *stats.errors_by.lock().unwrap().entry(class).or_default() += 1;
                }
            }
        }));
    }
    for h in handles {
        h.await.expect("task");
    }
    stats
}

fn post(addr: &str, path: &str, cookie: &str, form: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
}

/// Claims the client's open invoices: the form filled with what each line
/// may be claimed (the attendance's figure, else the printed units), saved,
/// checked and submitted, confirmed with the password. Each step is timed
/// as `claim`; a submission is counted when the frozen claim comes back.
async fn claim_all(conns: &mut Conns, c: &Client, stats: &Stats, end: Instant) {
    let timed = |ms: f64, ok: bool| {
        if ok {
            stats.latencies.lock().unwrap().entry("claim").or_default().push(ms);
        } else {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            *stats.errors_by.lock().unwrap().entry("claim").or_default() += 1;
        }
    };
    let t = Instant::now();
    let Ok((200, _, body)) = conns.get("/claims", &c.cookie).await else {
        timed(0.0, false);
        return;
    };
    timed(t.elapsed().as_secs_f64() * 1000.0, true);
    let list = String::from_utf8_lossy(&body).to_string();
    let open: Vec<String> = list
        .split("<a href=\"/claims/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| !s.contains('/'))
        .map(str::to_string)
        .filter(|n| {
            // Not yet claimed (the row's status).
            list.split(&format!("/claims/{n}\""))
                .nth(1)
                .and_then(|r| r.split("</tr>").next())
                .is_some_and(|r| r.contains("Not claimed yet"))
        })
        .collect();
    for number in open {
        if Instant::now() >= end {
            return;
        }
        let path = format!("/claims/{number}");
        let t = Instant::now();
        let Ok((200, _, body)) = conns.get(&path, &c.cookie).await else {
            timed(0.0, false);
            continue;
        };
        timed(t.elapsed().as_secs_f64() * 1000.0, true);
        let page = String::from_utf8_lossy(&body).to_string();
        let token = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
        // As a provider would: the printed units (or what the attendance
        // supports); when the rules refuse a line (a fee over its cap, a
        // bonus without its condition), the same form with 0 on every line.
        let form_with = |zero: bool| {
            let mut form = format!("csrf={token}&action=submit");
            for part in page.split("<fieldset class=\"claim-line\">").skip(1) {
                let Some(reference) = part.split("name=\"u-").nth(1).and_then(|s| s.split('"').next()) else { continue };
                let most = part.split("(at most ").nth(1).and_then(|s| s.split(')').next()).unwrap_or("0");
                let supported = part.split("From the attendance: ").nth(1).and_then(|s| s.split(' ').next());
                let units = if zero { "0" } else { supported.unwrap_or(most) };
                form.push_str(&format!("&u-{reference}={units}&r-{reference}="));
            }
            form
        };
        let t = Instant::now();
        let mut answer = conns.post(&path, &c.cookie, &form_with(false)).await;
        if matches!(&answer, Ok((200, _, body)) if String::from_utf8_lossy(body).contains("error-summary")) {
            answer = conns.post(&path, &c.cookie, &form_with(true)).await;
        }
        let ok = matches!(answer, Ok((303, _, _)));
        timed(t.elapsed().as_secs_f64() * 1000.0, ok);
        if !ok {
            continue;
        }
        let confirm = format!("{path}/confirm");
        let Ok((200, _, body)) = conns.get(&confirm, &c.cookie).await else {
            timed(0.0, false);
            continue;
        };
        let page = String::from_utf8_lossy(&body).to_string();
        let token = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
        let draft = page.split("name=\"draft\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string();
        let t = Instant::now();
        let form = format!("csrf={token}&draft={draft}&password=bench+portal+password");
        let done = conns.post(&confirm, &c.cookie, &form).await;
        let ok = matches!(&done, Ok((200, _, body)) if String::from_utf8_lossy(body).contains("Your claim is submitted."));
        timed(t.elapsed().as_secs_f64() * 1000.0, ok);
        if ok {
            stats.submitted.lock().unwrap().push(number);
        }
    }
}

/// Tagged copies of ten advices, each made on demand (not cached).
async fn tagged_copies(addrs: Arc<Vec<String>>, clients: &[Arc<Client>]) -> Vec<f64> {
    let mut times = vec![];
    for (n, c) in clients.iter().take(10).enumerate() {
        let Some(pay) = c.payments.first() else { continue };
        let mut conns = Conns::new(addrs.clone(), n);
        let t = Instant::now();
        if let Ok((200, _, body)) = conns.get(&format!("/payments/{pay}/remittance/accessible"), &c.cookie).await {
            if body.starts_with(b"%PDF") {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    times
}
