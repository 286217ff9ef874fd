//! The email channel (issue 4): the real `ssps` binary sends over SMTP on
//! loopback to a real SMTP server (mailin-embedded) that this test starts,
//! with faults on demand: refused recipients (550), a busy server (421), a
//! slow server, no server at all, a server that takes a message and holds
//! its reply (to kill the sender in that instant, or make it time out).
//! What arrived is parsed back (mail-parser): recipients, subject,
//! language, attachments byte for byte, Message-IDs. Issue 14 item 7: a
//! message the server may have taken is `unconfirmed`, never sent again by a
//! rerun or `--retry`, only by `ssps deliver --resend-unconfirmed`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use mailin_embedded::{response, Handler, Response, Server, SslConfig};

use crate::util::{copy_extract, edit, oct_2026, pdf_text, read_csv, stderr, stdout};

/// A message the server accepted.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: Vec<u8>,
}

/// What the server shares with the test: the mailbox and the faults.
#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Recipients refused with 550.
    refuse: Mutex<BTreeSet<String>>,
    /// This many next messages get 421 at the end of DATA.
    busy: AtomicUsize,
    /// DATA commands begun.
    started: AtomicUsize,
    /// Milliseconds to wait before answering DATA.
    delay_ms: AtomicU64,
    /// The message (counting from 1) whose reply is held: the server takes
    /// it, then answers only once `release` is set. 0: none.
    hold_at: AtomicUsize,
    /// Messages taken so far, counted at the end of DATA.
    taken: AtomicUsize,
    /// The held message was taken and its reply is being held.
    holding: AtomicBool,
    /// Let the held reply go.
    release: AtomicBool,
}

#[derive(Clone)]
struct TestServer {
    shared: Arc<Shared>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for TestServer {
    fn rcpt(&mut self, to: &str) -> Response {
        if self.shared.refuse.lock().unwrap().contains(to) {
            response::NO_MAILBOX
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.shared.started.fetch_add(1, Ordering::SeqCst);
        // A slow server: the client waits here, before the message is
        // transferred, so a client killed now leaves nothing behind.
        let delay = self.shared.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if self.shared.busy.load(Ordering::SeqCst) > 0 {
            self.shared.busy.fetch_sub(1, Ordering::SeqCst);
            return response::NO_SERVICE;
        }
        self.shared.received.lock().unwrap().push(Received { to: self.to.clone(), data: std::mem::take(&mut self.data) });
        let n = self.shared.taken.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.shared.hold_at.load(Ordering::SeqCst) {
            // The message is taken (as a real server would have queued it);
            // its "250 OK" waits.
            self.shared.holding.store(true, Ordering::SeqCst);
            while !self.shared.release.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        response::OK
    }
}

/// Starts an SMTP server on `port` (0: any free port); returns its port and
/// what it shares. It runs until the test process ends.
fn start_server(port: u16) -> (u16, Arc<Shared>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP port");
    let port = listener.local_addr().unwrap().port();
    let shared = Arc::new(Shared::default());
    let handler = TestServer { shared: shared.clone(), to: vec![], data: vec![] };
    let mut server = Server::new(handler);
    server.with_name("smtp.test").with_ssl(SslConfig::None).expect("no TLS").with_num_threads(4).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, shared)
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `ssps` with SMTP settings for the loopback server in the environment.
/// Writes `smtp.toml` in `dir` for the loopback server (plain SMTP), with
/// `extra` settings lines; returns its path.
fn loopback_settings(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let smtp = dir.join("smtp.toml");
    std::fs::write(&smtp, format!("host = \"127.0.0.1\"\ntls = \"none\"\nfrom = \"ssps-noreply@dshs.wa.gov\"\n{extra}")).unwrap();
    smtp
}

fn ssps_smtp(port: u16, args: &[&str]) -> Output {
    smtp_command(port, args).output().expect("run ssps")
}

fn smtp_command(port: u16, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssps"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env("SSPS_SMTP_HOST", "127.0.0.1")
        .env("SSPS_SMTP_PORT", port.to_string())
        .env("SSPS_SMTP_TLS", "none")
        .env("SSPS_SMTP_FROM", "DSHS SSPS <ssps-noreply@dshs.wa.gov>")
        .env_remove("SSPS_SMTP_USERNAME")
        .env_remove("SSPS_SMTP_PASSWORD");
    c
}

fn remittances(data: &Path, out: &Path) -> Vec<String> {
    [
        "remittances",
        "--data",
        &data.display().to_string(),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--out",
        &out.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A received message, parsed: (recipient, subject, attachments by file name).
fn parse(r: &Received) -> (String, String, BTreeMap<String, Vec<u8>>, String) {
    let m = MessageParser::default().parse(&r.data).expect("a MIME message");
    let subject = m.subject().unwrap_or_default().to_string();
    let mut files = BTreeMap::new();
    for a in m.attachments() {
        files.insert(a.attachment_name().unwrap_or_default().to_string(), a.contents().to_vec());
    }
    let text = m.body_text(0).map(|t| t.to_string()).unwrap_or_default();
    (r.to.join(","), subject, files, text)
}

fn received(s: &Shared) -> Vec<Received> {
    s.received.lock().unwrap().clone()
}

#[test]
fn each_email_payee_gets_one_message_with_the_pdfs_and_a_rerun_sends_nothing_again() {
    let (port, server) = start_server(0);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ra");
    let args = remittances(&oct_2026(), &out);
    let o = ssps_smtp(port, &strs(&args));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let got = received(&server);
    // Payees who take email (or both) and were paid in October: Sunrise (both),
    // Harvest Valley (email) and Ngọc Trần (email).
    let manifest = read_csv(&out.join("manifest.csv"));
    let emailed: BTreeSet<&str> = manifest.iter().filter(|r| r["channels"].contains("email")).map(|r| r["recipient_id"].as_str()).collect();
    assert_eq!(got.len(), emailed.len(), "{got:?}");
    let mut to: Vec<String> = got.iter().map(|r| parse(r).0).collect();
    to.sort();
    let payees = read_csv(&oct_2026().join("payees.csv"));
    let mut expected: Vec<String> =
        payees.iter().filter(|p| emailed.contains(p["payee_number"].as_str())).map(|p| p["email"].clone()).collect();
    expected.sort();
    assert_eq!(to, expected);
    assert!(stdout(&o).contains(&format!("email: {} sent, 0 waiting", emailed.len())), "{}", stdout(&o));

    // Every attachment is byte for byte the run's PDF, and every emailed document is attached.
    let mut attached = 0;
    for r in &got {
        let (rcpt, subject, files, text) = parse(r);
        assert_eq!(subject, "Your DSHS SSPS remittance advices, October 2026", "{rcpt}");
        assert!(text.starts_with("Dear "), "{text}");
        let payee = payees.iter().find(|p| p["email"] == rcpt).unwrap()["payee_number"].clone();
        let docs: Vec<_> = manifest.iter().filter(|m| m["recipient_id"] == payee).collect();
        assert_eq!(files.len(), docs.len(), "{rcpt}");
        for d in docs {
            let pdf = std::fs::read(out.join(&d["file"])).unwrap();
            assert_eq!(files[&format!("{}.pdf", d["document_id"])], pdf, "{}", d["document_id"]);
            assert!(text.contains(&format!("- Remittance advice: {}.pdf", d["document_id"])), "{text}");
            attached += 1;
        }
    }
    assert!(attached >= 3, "{attached}");

    // Running the same run again sends nothing: every document is in the journal.
    let again = ssps_smtp(port, &strs(&args));
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(received(&server).len(), got.len());
    assert!(stdout(&again).contains("email: 0 messages queued"), "{}", stdout(&again));
    assert!(stdout(&again).contains("were queued by an earlier run and are not sent again"), "{}", stdout(&again));
    let status = ssps_smtp(port, &["deliver", "--status", "--journal", &tmp.path().join("ssps-delivery.sqlite").display().to_string()]);
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    assert!(stdout(&status).ends_with(&format!("{} sent, 0 waiting, 0 failed, 0 unconfirmed\n", got.len())), "{}", stdout(&status));
}

#[test]
fn a_spanish_payee_gets_spanish_email_and_a_spanish_advice() {
    let (port, server) = start_server(0);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    // Rosa Maria Delgado (language es) switches to email.
    edit(
        &data,
        "payees.csv",
        "Yakima,WA,98902,532-11-4455,SSN,mail,,es",
        "Yakima,WA,98902,532-11-4455,SSN,email,rosa.delgado@example.org,es",
    );
    let out = tmp.path().join("ra");
    let o = ssps_smtp(port, &strs(&remittances(&data, &out)));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let got = received(&server);
    let rosa = got.iter().map(parse).find(|m| m.0 == "rosa.delgado@example.org").expect("Rosa's message");
    assert_eq!(rosa.1, "Sus avisos de remesa de DSHS SSPS, octubre de 2026");
    assert!(rosa.3.starts_with("Estimado/a Rosa Maria Delgado:"), "{}", rosa.3);
    assert!(rosa.3.contains("- Aviso de remesa: RA-880000237.pdf"), "{}", rosa.3);
    let pdf = &rosa.2["RA-880000237.pdf"];
    let path = tmp.path().join("rosa.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("AVISO DE REMESA"), "{text}");
    assert!(text.contains("Total de este pago 1,708.20"), "{text}");
}

#[test]
fn a_refused_recipient_fails_for_good_and_a_payee_on_paper_still_gets_it_by_mail() {
    let (port, server) = start_server(0);
    server.refuse.lock().unwrap().extend(["billing@sunrise-elc.example".to_string(), "ap@harvestvalley.example".to_string()]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ra");
    let o = ssps_smtp(port, &strs(&remittances(&oct_2026(), &out)));
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(text.contains("email: 1 sent, 0 waiting (ssps deliver --retry), 2 failed"), "{text}");
    let sunrise = text.lines().find(|l| l.contains("billing@sunrise-elc.example")).expect("Sunrise's failure");
    assert!(
        sunrise.contains("failed: permanent error (550)") && sunrise.ends_with("the payee also gets these documents on paper"),
        "{sunrise}"
    );
    let harvest = text.lines().find(|l| l.contains("ap@harvestvalley.example")).expect("Harvest's failure");
    assert!(!harvest.contains("on paper"), "{harvest}");
    assert_eq!(received(&server).len(), 1);
    // Sunrise's advice is in the print job.
    let job = read_csv(&out.join("print/job.csv"));
    assert!(job.iter().any(|r| r["recipient_id"] == "100200300" && r["documents"].contains("RA-880000236")), "{job:?}");
    // A retry does not try failed messages again.
    let journal = tmp.path().join("ssps-delivery.sqlite").display().to_string();
    let retry = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal]);
    assert_eq!(retry.status.code(), Some(1));
    assert!(stdout(&retry).contains("retry: 0 sent, 0 still waiting, 0 failed"), "{}", stdout(&retry));
    assert_eq!(received(&server).len(), 1);
    // The addresses are fixed (here: the server takes them again); rerunning
    // the run queues the failed messages again and sends them, and only them.
    server.refuse.lock().unwrap().clear();
    let again = ssps_smtp(port, &strs(&remittances(&oct_2026(), &out)));
    assert_eq!(again.status.code(), Some(0), "{}{}", stdout(&again), stderr(&again));
    assert!(stdout(&again).contains("email: 2 earlier messages that never went are replaced by this run's"), "{}", stdout(&again));
    let mut to: Vec<String> = received(&server).iter().map(|r| parse(r).0).collect();
    to.sort();
    assert_eq!(to, ["ap@harvestvalley.example", "billing@sunrise-elc.example", "ngoc.tran@example.org"]);
}

#[test]
fn a_busy_server_is_tried_again_after_a_pause() {
    let (port, server) = start_server(0);
    server.busy.store(2, Ordering::SeqCst);
    let tmp = tempfile::tempdir().unwrap();
    let smtp = loopback_settings(tmp.path(), "attempts = 3\nbackoff_ms = 50\n");
    let out = tmp.path().join("ra");
    let mut args = remittances(&oct_2026(), &out);
    args.extend(["--smtp".into(), smtp.display().to_string()]);
    // The file gives host, TLS and sender; the environment gives the port.
    let o = ssps_smtp(port, &strs(&args));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(received(&server).len(), 3);
    let status = ssps_smtp(port, &["deliver", "--status", "--journal", &tmp.path().join("ssps-delivery.sqlite").display().to_string()]);
    let listing = stdout(&status);
    let tries: Vec<&str> =
        listing.lines().filter(|l| l.starts_with("sent")).map(|l| l.split(" tries ").nth(1).unwrap().split(' ').next().unwrap()).collect();
    assert_eq!(tries.iter().map(|t| t.parse::<u32>().unwrap()).sum::<u32>(), 5, "{}", stdout(&status));
}

#[test]
fn with_the_server_down_email_waits_and_deliver_retry_sends_it() {
    let port = dead_port();
    let tmp = tempfile::tempdir().unwrap();
    let smtp = loopback_settings(tmp.path(), "attempts = 2\nbackoff_ms = 20\n");
    let out = tmp.path().join("ra");
    let mut args = remittances(&oct_2026(), &out);
    args.extend(["--smtp".into(), smtp.display().to_string()]);
    let o = ssps_smtp(port, &strs(&args));
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("email: 0 sent, 3 waiting (ssps deliver --retry), 0 failed"), "{}", stdout(&o));
    let journal = tmp.path().join("ssps-delivery.sqlite").display().to_string();
    let status = ssps_smtp(port, &["deliver", "--journal", &journal]);
    assert_eq!(status.status.code(), Some(1));
    assert!(stdout(&status).contains("Connection refused"), "{}", stdout(&status));
    assert!(stdout(&status).ends_with("0 sent, 3 waiting, 0 failed, 0 unconfirmed\n"), "{}", stdout(&status));
    let json = ssps_smtp(port, &["deliver", "--journal", &journal, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON only");
    assert_eq!(v["totals"], serde_json::json!({"sent": 0, "pending": 3, "failed": 0, "unconfirmed": 0, "sending": 0}));
    // The first message was tried twice; the others waited, the server being unreachable.
    let attempts: Vec<i64> = v["messages"].as_array().unwrap().iter().map(|m| m["attempts"].as_i64().unwrap()).collect();
    assert_eq!(attempts, [2, 0, 0], "{v}");
    assert!(stdout(&o).contains("not tried, the server was unreachable"), "{}", stdout(&o));

    // The server comes up (on another port: the port comes from the settings, not the journal).
    let (port, server) = start_server(0);
    let retry = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal, "--smtp", &smtp.display().to_string()]);
    assert_eq!(retry.status.code(), Some(0), "{}{}", stdout(&retry), stderr(&retry));
    assert!(stdout(&retry).contains("retry: 3 sent, 0 still waiting, 0 failed"), "{}", stdout(&retry));
    assert_eq!(received(&server).len(), 3);
    let again = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal, "--smtp", &smtp.display().to_string()]);
    assert!(stdout(&again).contains("retry: 0 sent"), "{}", stdout(&again));
    assert_eq!(received(&server).len(), 3);
}

#[test]
fn killed_in_the_middle_of_sending_a_rerun_finishes_without_duplicates() {
    let (port, server) = start_server(0);
    server.delay_ms.store(800, Ordering::SeqCst);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("sample");
    let s = crate::util::ssps(&["sample", "--payees", "40", "--month", "2026-10", "--out", &data.display().to_string()]);
    assert!(s.status.success(), "{}", stderr(&s));
    let out = tmp.path().join("inv");
    let args = ["invoices", "--data", &data.display().to_string(), "--month", "2026-10", "--out", &out.display().to_string()];
    let mut child = smtp_command(port, &args).stdout(std::process::Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    // Kill while the client waits for the slow server to answer DATA for
    // its third message: the second is then recorded as sent (it began the
    // third only after), and the third is still `pending`: its content never
    // went, so no server can have taken it, and the rerun sends it. (A kill
    // after the content went is the next test's: that message is
    // unconfirmed and not sent again.)
    while server.started.load(Ordering::SeqCst) < 3 {
        assert!(started.elapsed() < Duration::from_secs(120), "no mail arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = received(&server).len();
    server.delay_ms.store(0, Ordering::SeqCst);

    let o = ssps_smtp(port, &args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let manifest = read_csv(&out.join("manifest.csv"));
    let emailed: BTreeSet<String> =
        manifest.iter().filter(|r| r["channels"].contains("email")).map(|r| r["recipient_id"].clone()).collect();
    let got = received(&server);
    assert!(before < emailed.len(), "the kill came after every message ({before} of {})", emailed.len());
    // Every payee exactly once, every document exactly once.
    let mut ids: Vec<String> =
        got.iter().map(|r| MessageParser::default().parse(&r.data).unwrap().message_id().unwrap().to_string()).collect();
    ids.sort();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a message was sent twice: {ids:?}");
    assert_eq!(got.len(), emailed.len());
    let mut docs: Vec<String> = got.iter().flat_map(|r| parse(r).2.into_keys()).collect();
    docs.sort();
    let expected: Vec<String> = {
        let mut v: Vec<String> =
            manifest.iter().filter(|r| r["channels"].contains("email")).map(|r| format!("{}.pdf", r["document_id"])).collect();
        v.sort();
        v
    };
    assert_eq!(docs, expected);
}

/// A received message's Message-ID, with its angle brackets (as the journal keeps it).
fn message_id(r: &Received) -> String {
    format!("<{}>", MessageParser::default().parse(&r.data).unwrap().message_id().unwrap())
}

/// The documents of a received message as the journal lists them: `RA-1;RA-2`.
fn documents_of(r: &Received) -> String {
    parse(r).2.into_keys().map(|f| f.trim_end_matches(".pdf").to_string()).collect::<Vec<_>>().join(";")
}

/// Waits until the server holds a message's reply; panics if the run ends first.
fn wait_for_hold(server: &Shared, child: &mut std::process::Child) {
    let started = Instant::now();
    while !server.holding.load(Ordering::SeqCst) {
        assert!(started.elapsed() < Duration::from_secs(120), "the message to hold never arrived");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended before the server took the message: {status}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

const RUN: &str = "ssps-remittances-2026-10-01-2026-10-31";

#[test]
fn killed_just_as_the_server_took_a_message_it_is_unconfirmed_and_sent_again_only_when_asked() {
    let (port, server) = start_server(0);
    server.hold_at.store(2, Ordering::SeqCst);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ra");
    let args = remittances(&oct_2026(), &out);
    let mut child = smtp_command(port, &strs(&args)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_for_hold(&server, &mut child);
    // The server has taken the second message and not yet said "250 OK":
    // kill -9 now, the moment of issue 14's duplicates.
    child.kill().unwrap();
    child.wait().unwrap();
    server.release.store(true, Ordering::SeqCst);
    let got = received(&server);
    assert_eq!(got.len(), 2);
    let held = got[1].clone();
    let (held_id, held_to, held_docs) = (message_id(&held), parse(&held).0, documents_of(&held));
    let journal = tmp.path().join("ssps-delivery.sqlite").display().to_string();

    // The rerun sends the third message, not the second again, and says what to do.
    let o = ssps_smtp(port, &strs(&args));
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(
        text.contains("email: 1 sent, 0 waiting (ssps deliver --retry), 0 failed, 1 unconfirmed (not sent again, see below)"),
        "{text}"
    );
    assert!(text.contains("unconfirmed: 1 message may have reached the recipient"), "{text}");
    assert!(text.contains(&format!("  <{held_to}> payee ")), "{text}");
    assert!(text.contains(&format!("run {RUN}, Message-ID {held_id}, documents {held_docs}, content sent 20")), "{text}");
    assert!(text.contains(&format!("    ssps deliver --journal {journal} --mark-sent '{held_id}'\n")), "{text}");
    assert!(text.contains(&format!("    ssps deliver --journal {journal} --resend-unconfirmed --run {RUN}\n")), "{text}");
    let got = received(&server);
    assert_eq!(got.len(), 3);
    let ids: BTreeSet<String> = got.iter().map(message_id).collect();
    assert_eq!(ids.len(), 3, "a message arrived twice: {ids:?}");

    // Nor does a retry send it.
    let retry = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal]);
    assert_eq!(retry.status.code(), Some(1), "{}{}", stdout(&retry), stderr(&retry));
    assert!(stdout(&retry).contains("retry: 0 sent, 0 still waiting, 0 failed (0 SMTP tries)"), "{}", stdout(&retry));
    assert!(stdout(&retry).contains(&format!("--mark-sent '{held_id}'")), "{}", stdout(&retry));
    assert_eq!(received(&server).len(), 3);

    // The status lists it apart, with its recipient, Message-ID, documents and when it went.
    let status = ssps_smtp(port, &["deliver", "--status", "--journal", &journal]);
    let listing = stdout(&status);
    assert_eq!(status.status.code(), Some(1), "{listing}");
    let line = listing.lines().find(|l| l.starts_with("unconfirmed ")).expect("an unconfirmed line");
    assert!(
        line.contains(&format!("<{held_to}> tries 1 documents {held_docs}: interrupted after its content went to the server")),
        "{line}"
    );
    assert!(listing.contains(&format!("Message-ID {held_id}, documents {held_docs}, content sent ")), "{listing}");
    assert!(listing.ends_with("2 sent, 0 waiting, 0 failed, 1 unconfirmed\n"), "{listing}");
    let json = ssps_smtp(port, &["deliver", "--journal", &journal, "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON only");
    assert_eq!(v["totals"], serde_json::json!({"sent": 2, "pending": 0, "failed": 0, "unconfirmed": 1, "sending": 0}));
    let u = &v["unconfirmed"][0];
    assert_eq!(
        (u["to"].as_str(), u["message_id"].as_str(), u["documents"].as_str()),
        (Some(&*held_to), Some(&*held_id), Some(&*held_docs))
    );
    let claimed = u["claimed_at"].as_str().expect("claimed_at");
    assert!(claimed.len() == 20 && claimed.ends_with('Z'), "{claimed}");

    // Staff choose to send it again: it goes once, the very same message.
    let resend = ssps_smtp(port, &["deliver", "--resend-unconfirmed", "--journal", &journal]);
    let text = stdout(&resend);
    assert_eq!(resend.status.code(), Some(0), "{text}{}", stderr(&resend));
    assert!(text.contains("resend: 1 sent, 0 failed, 0 still unconfirmed (1 SMTP tries)"), "{text}");
    assert!(text.ends_with("3 sent, 0 waiting, 0 failed, 0 unconfirmed\n"), "{text}");
    let got = received(&server);
    assert_eq!(got.len(), 4);
    assert_eq!(message_id(&got[3]), held_id);
    assert_eq!(got[3].data, held.data, "the resent message is byte for byte the one the server took before");
    // Once: nothing is unconfirmed any more, and nothing else sends it.
    let again = ssps_smtp(port, &["deliver", "--resend-unconfirmed", "--retry", "--journal", &journal]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).contains("resend: 0 sent, 0 failed, 0 still unconfirmed (0 SMTP tries)"), "{}", stdout(&again));
    let rerun = ssps_smtp(port, &strs(&args));
    assert_eq!(rerun.status.code(), Some(0), "{}", stdout(&rerun));
    assert_eq!(received(&server).len(), 4);
}

#[test]
fn a_message_left_sending_is_unconfirmed_and_staff_can_record_it_as_received() {
    let (port, server) = start_server(0);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ra");
    let args = remittances(&oct_2026(), &out);
    let o = ssps_smtp(port, &strs(&args));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(received(&server).len(), 3);
    // As a kill would leave it: Ngọc Trần's message claimed, its reply never recorded.
    let journal = tmp.path().join("ssps-delivery.sqlite");
    let db = rusqlite::Connection::open(&journal).unwrap();
    let id: String = db
        .query_row(
            "UPDATE messages SET state = 'sending', claimed_at = '2026-11-02T10:00:00Z' WHERE recipient = 'ngoc.tran@example.org' RETURNING message_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(db);
    let journal = journal.display().to_string();

    // No delivery runs (the lock is free): the status settles it as unconfirmed.
    let status = ssps_smtp(port, &["deliver", "--journal", &journal]);
    let listing = stdout(&status);
    assert_eq!(status.status.code(), Some(1), "{listing}");
    assert!(listing.lines().any(|l| l.starts_with("unconfirmed ") && l.contains("<ngoc.tran@example.org>")), "{listing}");
    assert!(listing.contains(&format!("Message-ID {id}, documents RA-880000242, content sent 2026-11-02T10:00:00Z")), "{listing}");
    assert!(listing.ends_with("2 sent, 0 waiting, 0 failed, 1 unconfirmed\n"), "{listing}");
    // Neither a rerun nor a retry sends it.
    let rerun = ssps_smtp(port, &strs(&args));
    assert_eq!(rerun.status.code(), Some(1), "{}", stdout(&rerun));
    assert!(stdout(&rerun).contains("email: 0 messages queued"), "{}", stdout(&rerun));
    let retry = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal]);
    assert_eq!(retry.status.code(), Some(1));
    assert_eq!(received(&server).len(), 3);

    // Staff checked with the payee, who has it: recorded as sent, nothing sent.
    let mark = ssps_smtp(port, &["deliver", "--journal", &journal, "--mark-sent", &id]);
    let text = stdout(&mark);
    assert_eq!(mark.status.code(), Some(0), "{text}{}", stderr(&mark));
    assert!(
        text.starts_with(&format!("marked sent, not sent again: {id} <ngoc.tran@example.org> payee 100200306 documents RA-880000242\n")),
        "{text}"
    );
    assert!(text.ends_with("3 sent, 0 waiting, 0 failed, 0 unconfirmed\n"), "{text}");
    assert_eq!(received(&server).len(), 3);
    let status = ssps_smtp(port, &["deliver", "--journal", &journal]);
    assert!(
        stdout(&status).contains("marked sent by staff without resending (unconfirmed since 2026-11-02T10:00:00Z)"),
        "{}",
        stdout(&status)
    );
    // Only an unconfirmed message can be marked.
    let twice = ssps_smtp(port, &["deliver", "--journal", &journal, "--mark-sent", &id]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains(&format!("message {id} is sent, not unconfirmed; nothing was changed")), "{}", stderr(&twice));
}

#[test]
fn no_reply_after_the_content_leaves_the_message_unconfirmed() {
    let (port, server) = start_server(0);
    server.hold_at.store(1, Ordering::SeqCst);
    let tmp = tempfile::tempdir().unwrap();
    let smtp = loopback_settings(tmp.path(), "timeout_seconds = 1\nbackoff_ms = 20\n");
    let out = tmp.path().join("ra");
    let mut args = remittances(&oct_2026(), &out);
    args.extend(["--smtp".into(), smtp.display().to_string()]);
    // The server takes the first message and never answers in time.
    let o = ssps_smtp(port, &strs(&args));
    let text = stdout(&o);
    server.release.store(true, Ordering::SeqCst);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(text.contains("email: 2 sent, 0 waiting (ssps deliver --retry), 0 failed, 1 unconfirmed"), "{text}");
    let first = received(&server)[0].clone();
    let line = text.lines().find(|l| l.contains("unconfirmed, not sent again")).expect("the message's problem");
    assert!(line.starts_with(&format!("  {} (payee ", parse(&first).0)), "{line}");
    assert!(line.contains("no reply from the server after the message was transmitted"), "{line}");
    assert!(text.contains(&format!("--mark-sent '{}'", message_id(&first))), "{text}");
    assert_eq!(received(&server).len(), 3);
    // Not tried again: a retry or a rerun sends nothing.
    let journal = tmp.path().join("ssps-delivery.sqlite").display().to_string();
    let retry = ssps_smtp(port, &["deliver", "--retry", "--journal", &journal, "--smtp", &smtp.display().to_string()]);
    assert_eq!(retry.status.code(), Some(1));
    let rerun = ssps_smtp(port, &strs(&args));
    assert_eq!(rerun.status.code(), Some(1), "{}", stdout(&rerun));
    assert_eq!(received(&server).len(), 3);
}

#[test]
fn a_journal_of_the_previous_ssps_still_opens_and_its_interrupted_message_is_unconfirmed() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("ssps-delivery.sqlite");
    // The schema before issue 14 (no `unconfirmed`, no `claimed_at`), and a
    // message it left `sending`.
    let db = rusqlite::Connection::open(&journal).unwrap();
    db.execute_batch(
        "CREATE TABLE messages (
            id INTEGER PRIMARY KEY, run TEXT NOT NULL, run_dir TEXT NOT NULL, payee TEXT NOT NULL,
            recipient TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0, last_result TEXT NOT NULL DEFAULT '', paper INTEGER NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
        CREATE TABLE documents (
            message INTEGER NOT NULL REFERENCES messages(id), payee TEXT NOT NULL, kind TEXT NOT NULL,
            document_id TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (payee, kind, document_id));
        INSERT INTO messages VALUES (1, 'run1', '/gone', 'P1', 'a@example.org', '<run1.P1.x@ssps.dshs.wa.gov>', '{}', 'sent', 1, '250 OK', 0, '2026-11-02T09:59:00Z');
        INSERT INTO messages VALUES (2, 'run1', '/gone', 'P2', 'b@example.org', '<run1.P2.x@ssps.dshs.wa.gov>', '{}', 'sending', 0, '', 1, '2026-11-02T10:00:00Z');
        INSERT INTO documents VALUES (1, 'P1', 'invoice', 'INV-1', '00'), (2, 'P2', 'invoice', 'INV-2', '00'), (2, 'P2', 'invoice', 'INV-3', '00');",
    )
    .unwrap();
    drop(db);
    let j = journal.display().to_string();
    let o = crate::util::ssps(&["deliver", "--journal", &j]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(text.starts_with("sent        run1 payee P1 <a@example.org> tries 1 documents INV-1: 250 OK\n"), "{text}");
    assert!(
        text.contains("\nunconfirmed run1 payee P2 <b@example.org> tries 1 documents INV-2;INV-3 (also on paper): interrupted"),
        "{text}"
    );
    assert!(text.contains("  <b@example.org> payee P2, run run1, Message-ID <run1.P2.x@ssps.dshs.wa.gov>, documents INV-2;INV-3, content sent 2026-11-02T10:00:00Z\n"), "{text}");
    assert!(text.ends_with("1 sent, 0 waiting, 0 failed, 1 unconfirmed\n"), "{text}");
    let version: i64 = rusqlite::Connection::open(&journal).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
}

#[test]
fn a_server_reply_is_printed_with_control_characters_escaped_and_tin_shaped_runs_masked() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("ssps-delivery.sqlite");
    // A message a server refused in words of its choosing: terminal escapes,
    // a line break that would forge a status line, a TIN-shaped number, and
    // far more than a line's worth.
    let reply = format!(
        "550 5.1.1 \u{1b}[2J\u{1b}[31mno such user\u{1b}[0m ref 532114455\r\nsent        run1 payee P9 <forged@example.org> {}",
        "x".repeat(300)
    );
    let db = rusqlite::Connection::open(&journal).unwrap();
    db.execute_batch(
        "CREATE TABLE messages (
            id INTEGER PRIMARY KEY, run TEXT NOT NULL, run_dir TEXT NOT NULL, payee TEXT NOT NULL,
            recipient TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0, last_result TEXT NOT NULL DEFAULT '', paper INTEGER NOT NULL,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
        CREATE TABLE documents (
            message INTEGER NOT NULL REFERENCES messages(id), payee TEXT NOT NULL, kind TEXT NOT NULL,
            document_id TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (payee, kind, document_id));",
    )
    .unwrap();
    db.execute(
        "INSERT INTO messages VALUES (1, 'run1', '/gone', '100200300', 'a@example.org', '<run1.P1.x@ssps.dshs.wa.gov>', '{}', 'failed', 1, ?1, 0, '2026-11-02T09:59:00Z')",
        [&reply],
    )
    .unwrap();
    drop(db);
    let o = crate::util::ssps(&["deliver", "--status", "--journal", &journal.display().to_string()]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", stderr(&o));
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(!text.contains("532114455") && text.contains("*****4455"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "the reply forged a line: {text}");
    assert!(
        lines[0].starts_with(
            "failed      run1 payee 100200300 <a@example.org> tries 1 documents : 550 5.1.1 \\u{1b}[2J\\u{1b}[31mno such user\\u{1b}[0m ref *****4455\\u{d}\\u{a}sent        run1 payee P9"
        ),
        "{text}"
    );
    assert!(lines[0].ends_with("xxx…"), "the reply was not cut: {text}");
    assert_eq!(lines[1], "0 sent, 0 waiting, 1 failed, 0 unconfirmed");
}

#[test]
fn a_dry_run_writes_the_messages_instead_of_sending_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ra");
    let mut args = remittances(&oct_2026(), &out);
    args.push("--dry-run".into());
    let o = crate::util::ssps(&strs(&args));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut files: Vec<PathBuf> = std::fs::read_dir(out.join("email")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["100200300.eml", "100200302.eml", "100200306.eml"]);
    let eml = std::fs::read(&files[2]).unwrap();
    let m = MessageParser::default().parse(&eml).unwrap();
    assert_eq!(m.to().unwrap().first().unwrap().address().unwrap(), "ngoc.tran@example.org");
    assert!(m.body_text(0).unwrap().starts_with("Dear Ngọc Trần,"), "{:?}", m.body_text(0));
    assert!(!tmp.path().join("ssps-delivery.sqlite").exists(), "a dry run queues nothing");
    // Deterministic: the same bytes again.
    let again = crate::util::ssps(&strs(&args));
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(std::fs::read(&files[2]).unwrap(), eml);
}

#[test]
fn documents_beyond_the_size_limit_go_in_further_messages() {
    let (port, server) = start_server(0);
    let tmp = tempfile::tempdir().unwrap();
    let smtp = loopback_settings(tmp.path(), "max_attachment_bytes = 1\n");
    let out = tmp.path().join("inv");
    let o = ssps_smtp(
        port,
        &[
            "invoices",
            "--data",
            &oct_2026().display().to_string(),
            "--month",
            "2026-10",
            "--out",
            &out.display().to_string(),
            "--smtp",
            &smtp.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Sunrise has two providers, so two invoices: one message each.
    let mut sunrise: Vec<(String, Vec<String>)> = received(&server)
        .iter()
        .map(parse)
        .filter(|m| m.0 == "billing@sunrise-elc.example")
        .map(|m| (m.1, m.2.into_keys().collect()))
        .collect();
    sunrise.sort();
    assert_eq!(
        sunrise,
        [
            ("Your DSHS SSPS invoices for October 2026 (1/2)".to_string(), vec!["300A-261101.pdf".to_string()]),
            ("Your DSHS SSPS invoices for October 2026 (2/2)".to_string(), vec!["300B-261101.pdf".to_string()]),
        ]
    );
    // A dry run names the parts apart.
    let dry = tmp.path().join("dry");
    let o = ssps_smtp(
        port,
        &[
            "invoices",
            "--data",
            &oct_2026().display().to_string(),
            "--month",
            "2026-10",
            "--out",
            &dry.display().to_string(),
            "--smtp",
            &smtp.display().to_string(),
            "--dry-run",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let second = std::fs::read_to_string(dry.join("email/100200300-2.eml")).unwrap();
    assert!(second.contains("Subject: Your DSHS SSPS invoices for October 2026 (2/2)"), "{second}");
    assert!(second.contains("filename=\"300B-261101.pdf\""), "{second}");
    assert!(stdout(&o).contains("email (dry run): 4 messages with 4 documents"), "{}", stdout(&o));
}

#[test]
fn bad_smtp_settings_stop_the_run_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = tmp.path().join("smtp.toml");
    std::fs::write(
        &smtp,
        "host = \"127.0.0.1\"\ntls = \"starttls\"\nfrom = \"ssps-noreply@dshs.wa.gov\"\nca_file = \"/nonexistent/ca.pem\"\n",
    )
    .unwrap();
    let out = tmp.path().join("ra");
    let mut args = remittances(&oct_2026(), &out);
    args.extend(["--smtp".into(), smtp.display().to_string()]);
    let o = crate::util::ssps(&strs(&args));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: SMTP settings: ca_file /nonexistent/ca.pem: No such file or directory (os error 2)\n");
    assert!(!out.exists(), "nothing was written");
}
