//! Tests of the delivery journal: states, races, upgrades, and the SMTP
//! backend against a loopback server (the state machine through other
//! transports is tested in `send/tests.rs`).
use super::*;
use crate::email::{SendResult, SmtpSettings};

/// The schema every journal had before version 1, verbatim.
const SCHEMA_V0: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    run         TEXT NOT NULL,
    run_dir     TEXT NOT NULL,
    payee       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT '',
    paper       INTEGER NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS documents (
    message     INTEGER NOT NULL REFERENCES messages(id),
    payee       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (payee, kind, document_id)
);
";

/// The schema of version 1 (row ids could be reused), verbatim.
const SCHEMA_V1: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS messages (
    id          INTEGER PRIMARY KEY,
    run         TEXT NOT NULL,
    run_dir     TEXT NOT NULL,
    payee       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    body        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unconfirmed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT '',
    paper       INTEGER NOT NULL,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    claimed_at  TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    message     INTEGER NOT NULL REFERENCES messages(id),
    payee       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (payee, kind, document_id)
);
PRAGMA user_version = 1;
";

pub(super) fn outgoing(payee: &str, to: &str) -> Outgoing {
    Outgoing {
        payee: payee.into(),
        name: format!("Payee {payee}"),
        to: to.into(),
        language: "en".into(),
        subject: "Your documents".into(),
        text: "Dear payee".into(),
        html: "<p>Dear payee</p>".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        message_id: format!("<run1.{payee}.0123456789@ssps.dshs.wa.gov>"),
        paper: false,
        documents: vec![email::Attached {
            kind: "remittance".into(),
            document_id: format!("RA-{payee}"),
            title: "Remittance advice".into(),
            sha256: "00".into(),
            file: format!("documents/{payee}/RA-{payee}.pdf"),
        }],
        notice_only: true,
    }
}

/// A journal as the previous ssps left it after a kill: P1 sent, P2
/// `sending` (claimed at 10:00), P3 pending.
fn old_journal(path: &Path) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(SCHEMA_V0).unwrap();
    for (id, payee, state, updated) in [
        (1, "P1", "sent", "2026-11-02T09:59:00Z"),
        (2, "P2", "sending", "2026-11-02T10:00:00Z"),
        (3, "P3", "pending", "2026-11-02T09:58:00Z"),
    ] {
        let out = outgoing(payee, &format!("{}@example.org", payee.to_lowercase()));
        db.execute(
            "INSERT INTO messages (id, run, run_dir, payee, recipient, message_id, body, state, attempts, paper, updated_at)
             VALUES (?1, 'run1', '/nonexistent', ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            params![id, payee, out.to, out.message_id, serde_json::to_string(&out).unwrap(), state, i64::from(state != "pending"), updated],
        )
        .unwrap();
        db.execute(
            "INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (?1, ?2, 'remittance', ?3, '00')",
            params![id, payee, format!("RA-{payee}")],
        )
        .unwrap();
    }
}

pub(super) fn state(j: &Journal, payee: &str) -> String {
    j.status().unwrap().into_iter().find(|m| m.payee == payee).unwrap().state
}

/// SMTP settings for a port nothing listens on, one try.
fn dead_server(dir: &Path) -> SmtpSettings {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let f = dir.join("smtp.toml");
    std::fs::write(&f, format!("host = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"s@dshs.wa.gov\"\nattempts = 1\n")).unwrap();
    SmtpSettings::load(Some(&f), &|_| None).unwrap().unwrap()
}

/// What a loopback SMTP server received, and a gate that holds its
/// reply to a message's content (taken, not yet answered).
#[derive(Default)]
struct Mailbox {
    /// (recipients, message) per message taken.
    received: std::sync::Mutex<Vec<(Vec<String>, String)>>,
    /// DATA commands begun.
    at_data: std::sync::atomic::AtomicUsize,
    /// While set, the reply to a content is held.
    hold: std::sync::atomic::AtomicBool,
}

#[derive(Clone)]
struct LoopbackServer {
    mailbox: std::sync::Arc<Mailbox>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for LoopbackServer {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> mailin_embedded::Response {
        self.mailbox.at_data.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let taken = (self.to.clone(), String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned());
        self.mailbox.received.lock().unwrap().push(taken);
        while self.mailbox.hold.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        mailin_embedded::response::OK
    }
}

/// An SMTP server on loopback (running until the tests end), and
/// settings that reach it with one try.
fn loopback_server(dir: &Path) -> (SmtpSettings, std::sync::Arc<Mailbox>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mailbox = std::sync::Arc::new(Mailbox::default());
    let mut server = mailin_embedded::Server::new(LoopbackServer { mailbox: mailbox.clone(), to: vec![], data: vec![] });
    server.with_name("smtp.test").with_ssl(mailin_embedded::SslConfig::None).unwrap().with_num_threads(2).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let f = dir.join("loopback.toml");
    std::fs::write(&f, format!("host = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nfrom = \"s@dshs.wa.gov\"\nattempts = 1\n")).unwrap();
    (SmtpSettings::load(Some(&f), &|_| None).unwrap().unwrap(), mailbox)
}

/// P2's message corrected by a rerun: a new address, a new greeting,
/// the same documents (so the same Message-ID: only the row id tells
/// the two apart).
fn corrected_p2() -> Outgoing {
    let mut m = outgoing("P2", "p2.corrected@example.org");
    m.text = "Dear corrected payee".into();
    m
}

/// The interleaving of the review, step by step through the journal:
/// a delivery (holding the delivery lock, as every delivery does) lists
/// P2's message (the highest id), a rerun replaces it (a run queues
/// without that lock), then the delivery goes on with what it read. The
/// old message's content never goes, nothing of its try is recorded on
/// the corrected one, and the corrected one is sent, with its own
/// content, by the next delivery.
#[test]
fn a_message_replaced_after_a_delivery_listed_it_is_not_sent_and_its_replacement_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let (settings, mailbox) = loopback_server(dir.path());
    let mut delivery = Journal::open(&path).unwrap();
    delivery.enqueue("run1", dir.path(), &[outgoing("P1", "p1@example.org"), outgoing("P2", "p2@example.org")], &[]).unwrap();
    delivery.db.execute("UPDATE messages SET state = 'sent' WHERE payee = 'P1'", []).unwrap();

    // 1. The delivery lists what waits: P2's message, id 2, the highest.
    let held = delivery.lock().unwrap();
    let listed = delivery.waiting(&held, Waiting::Pending, None).unwrap();
    assert_eq!(listed.iter().map(|l| l.id).collect::<Vec<_>>(), [2]);
    let old: Outgoing = serde_json::from_str(&listed[0].body).unwrap();

    // 2. A rerun replaces it with the corrected message.
    let mut rerun = Journal::open(&path).unwrap();
    let known = rerun.known("P2", "remittance", "RA-P2").unwrap().unwrap();
    assert_eq!((known.state.as_str(), known.message), ("pending", 2));
    rerun.enqueue("run1", dir.path(), &[corrected_p2()], &[known.message]).unwrap();
    let new_id = rerun.known("P2", "remittance", "RA-P2").unwrap().unwrap().message;
    assert_eq!(new_id, 3, "the id of the replaced message was handed out again");

    // 3. The delivery goes on with what it listed: connects, names the
    // sender and the recipient, and the server waits for the content;
    // the claim finds the message gone, and the content never goes.
    let mut record = Record { db: &delivery.db, id: listed[0].id, message_id: &listed[0].message_id, from: "pending" };
    let client = settings.client().unwrap();
    let (result, tries) = send::send_one(&client, &SendPolicy::from(&settings), &old, Path::new(&listed[0].run_dir), &mut record).unwrap();
    assert_eq!((result, tries), (SendResult::NotClaimed, 1));
    assert_eq!(mailbox.at_data.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(mailbox.received.lock().unwrap().is_empty(), "the old content went");
    // Nor does any other ending of its try land on the corrected message
    // (a refused recipient, a changed attachment, a server that took it).
    assert!(!record.finish("pending", "failed", 1, "550 no such user").unwrap());
    assert!(!record.finish("sending", "unconfirmed", 1, "no reply").unwrap());
    record.accepted("250 OK", 1).unwrap();
    record.refused().unwrap();
    let p2: Vec<MessageStatus> = delivery.status().unwrap().into_iter().filter(|m| m.payee == "P2").collect();
    assert_eq!(p2.len(), 1);
    assert_eq!(
        (p2[0].state.as_str(), p2[0].to.as_str(), p2[0].attempts, p2[0].last_result.as_str(), p2[0].claimed_at.as_deref()),
        ("pending", "p2.corrected@example.org", 0, "", None)
    );

    // 4. The next delivery sends the corrected message, once, as corrected.
    drop(held);
    let done = delivery.deliver(&settings, None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed), (1, 0, 0, 0), "{:?}", done.problems);
    let got = mailbox.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, ["p2.corrected@example.org"]);
    assert!(got[0].1.contains("Dear corrected payee"), "{}", got[0].1);
    assert_eq!(state(&delivery, "P2"), "sent");
    assert_eq!(delivery.totals(None).unwrap(), Totals { sent: 2, ..Totals::default() });
}

/// The other order: the delivery has claimed the message (its content
/// went; the server's reply is on its way) when the rerun queues. The
/// rerun queues nothing rather than replace it; the message ends `sent`
/// as the server took it; a rerun that looks again finds it sent.
#[test]
fn a_rerun_never_replaces_a_message_a_delivery_has_claimed() {
    use std::sync::atomic::Ordering::SeqCst;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let (settings, mailbox) = loopback_server(dir.path());
    let mut rerun = Journal::open(&path).unwrap();
    rerun.enqueue("run1", dir.path(), &[outgoing("P2", "p2@example.org")], &[]).unwrap();
    // The rerun looks while the message still waits.
    let looked = rerun.known("P2", "remittance", "RA-P2").unwrap().unwrap();
    assert_eq!((looked.state.as_str(), looked.message), ("pending", 1));

    // A delivery claims it and transmits it; the server takes it and holds its reply.
    mailbox.hold.store(true, SeqCst);
    let delivery = {
        let (path, settings) = (path.clone(), settings.clone());
        std::thread::spawn(move || Journal::open(&path).unwrap().deliver(&settings, None).unwrap())
    };
    let started = std::time::Instant::now();
    while mailbox.received.lock().unwrap().is_empty() {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the delivery never transmitted the message");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(state(&rerun, "P2"), "sending");

    // The rerun queues its replacement now: refused whole, nothing changed.
    let err = rerun.enqueue("run1", dir.path(), &[corrected_p2()], &[looked.message]).unwrap_err();
    assert!(matches!(&err, DeliveryError::Taken { id: 1, state, .. } if state == "sending"), "{err}");
    assert!(err.to_string().ends_with("message 1 is sending now, no longer pending or failed: a delivery or another run took it while this run was queueing; nothing was queued: run again"), "{err}");
    assert_eq!(rerun.status().unwrap().len(), 1);

    // The server replies: the message is recorded as what it is, sent.
    mailbox.hold.store(false, SeqCst);
    let done = delivery.join().unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed), (1, 0, 0, 0), "{:?}", done.problems);
    let all = rerun.status().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].state.as_str(), all[0].to.as_str(), all[0].attempts), ("sent", "p2@example.org", 1));
    assert_eq!(mailbox.received.lock().unwrap().len(), 1);
    // Looking again, the rerun finds its document sent: it is not queued again.
    let again = rerun.known("P2", "remittance", "RA-P2").unwrap().unwrap();
    assert_eq!((again.state.as_str(), again.message), ("sent", 1));
    let err = rerun.enqueue("run1", dir.path(), &[corrected_p2()], &[looked.message]).unwrap_err();
    assert!(matches!(&err, DeliveryError::Taken { state, .. } if state == "sent"), "{err}");
}

#[test]
fn a_version_1_journal_is_rebuilt_so_no_row_id_is_handed_out_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch(SCHEMA_V1).unwrap();
        for (id, payee, state, claimed) in
            [(1, "P1", "sent", None), (2, "P2", "unconfirmed", Some("2026-11-02T10:00:00Z")), (3, "P3", "pending", None)]
        {
            let out = outgoing(payee, &format!("{}@example.org", payee.to_lowercase()));
            db.execute(
                "INSERT INTO messages (id, run, run_dir, payee, recipient, message_id, body, state, attempts, paper, updated_at, claimed_at)
                 VALUES (?1, 'run1', '/nonexistent', ?2, ?3, ?4, ?5, ?6, 1, 0, '2026-11-02T10:01:00Z', ?7)",
                params![id, payee, out.to, out.message_id, serde_json::to_string(&out).unwrap(), state, claimed],
            )
            .unwrap();
            db.execute(
                "INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (?1, ?2, 'remittance', ?3, '00')",
                params![id, payee, format!("RA-{payee}")],
            )
            .unwrap();
        }
        // Version 1 hands the highest id out again once its row is deleted.
        db.execute("DELETE FROM documents WHERE message = 3", []).unwrap();
        db.execute("DELETE FROM messages WHERE id = 3", []).unwrap();
        let out = outgoing("P3", "p3@example.org");
        db.execute(
            "INSERT INTO messages (run, run_dir, payee, recipient, message_id, body, state, paper) VALUES ('run1', '/nonexistent', 'P3', ?1, ?2, ?3, 'pending', 0)",
            params![out.to, out.message_id, serde_json::to_string(&out).unwrap()],
        )
        .unwrap();
        assert_eq!(db.last_insert_rowid(), 3);
        db.execute("INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (3, 'P3', 'remittance', 'RA-P3', '00')", [])
            .unwrap();
    }
    let mut j = Journal::open(&path).unwrap();
    let version: i64 = j.db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let sql: String = j.db.query_row("SELECT sql FROM sqlite_master WHERE name = 'messages'", [], |r| r.get(0)).unwrap();
    assert!(sql.contains("AUTOINCREMENT"), "{sql}");
    // Every message, document and column kept (claimed_at too).
    let seen: Vec<(String, String, String, i64, Option<String>)> =
        j.status().unwrap().into_iter().map(|m| (m.payee, m.state, m.documents, m.attempts, m.claimed_at)).collect();
    assert_eq!(
        seen,
        [
            ("P1".into(), "sent".into(), "RA-P1".into(), 1, None),
            ("P2".into(), "unconfirmed".into(), "RA-P2".into(), 1, Some("2026-11-02T10:00:00Z".into())),
            ("P3".into(), "pending".into(), "RA-P3".into(), 0, None),
        ]
    );
    let orphan = j.db.execute("INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (99, 'P9', 'x', 'y', '0')", []);
    assert!(orphan.unwrap_err().to_string().contains("FOREIGN KEY"), "documents lost their reference to messages");
    // Replacing the highest message now gives its replacement a new id, every time.
    for expected in [4, 5] {
        let known = j.known("P3", "remittance", "RA-P3").unwrap().unwrap();
        j.enqueue("run1", dir.path(), &[outgoing("P3", "p3.new@example.org")], &[known.message]).unwrap();
        assert_eq!(j.known("P3", "remittance", "RA-P3").unwrap().unwrap().message, expected);
    }
    drop(j);
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.status().unwrap().len(), 3);
}

#[test]
fn an_old_journal_opens_upgraded_with_every_message_and_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    old_journal(&path);
    let j = Journal::open(&path).unwrap();
    let version: i64 = j.db.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let all = j.status().unwrap();
    let seen: Vec<(&str, &str, &str, Option<&str>)> =
        all.iter().map(|m| (m.payee.as_str(), m.state.as_str(), m.documents.as_str(), m.claimed_at.as_deref())).collect();
    assert_eq!(
        seen,
        [("P1", "sent", "RA-P1", None), ("P2", "sending", "RA-P2", Some("2026-11-02T10:00:00Z")), ("P3", "pending", "RA-P3", None)]
    );
    assert_eq!(j.known("P2", "remittance", "RA-P2").unwrap().map(|k| k.message), Some(2));
    // The new state is allowed, a made-up one still is not, and documents still refer to messages.
    j.db.execute("UPDATE messages SET state = 'unconfirmed' WHERE id = 2", []).unwrap();
    assert!(j.db.execute("UPDATE messages SET state = 'lost' WHERE id = 2", []).is_err());
    let orphan = j.db.execute("INSERT INTO documents (message, payee, kind, document_id, sha256) VALUES (99, 'P9', 'x', 'y', '0')", []);
    assert!(orphan.unwrap_err().to_string().contains("FOREIGN KEY"), "documents lost their reference to messages");
    drop(j);
    // Opening again changes nothing.
    let j = Journal::open(&path).unwrap();
    assert_eq!(j.status().unwrap().len(), 3);
    assert_eq!(state(&j, "P2"), "unconfirmed");
}

#[test]
fn a_journal_of_a_newer_ssps_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    Journal::open(&path).unwrap().db.execute_batch("PRAGMA user_version = 7").unwrap();
    let err = Journal::open(&path).err().expect("refused").to_string();
    assert!(err.ends_with("has schema version 7; this ssps knows versions up to 2: use a newer ssps"), "{err}");
}

#[test]
fn a_delivery_makes_an_orphaned_message_unconfirmed_and_never_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    old_journal(&path);
    let mut j = Journal::open(&path).unwrap();
    let settings = dead_server(dir.path());
    let done = j.deliver(&settings, None).unwrap();
    // P3 was tried (the server is down), P2 was not: it may have been delivered.
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (0, 1, 0, 1, 1));
    let p2 = j.status().unwrap().into_iter().find(|m| m.payee == "P2").unwrap();
    assert_eq!((p2.state.as_str(), p2.attempts, p2.claimed_at.as_deref()), ("unconfirmed", 2, Some("2026-11-02T10:00:00Z")));
    assert!(p2.last_result.contains("the server may have taken it"), "{}", p2.last_result);
    assert_eq!(done.unconfirmed_messages.iter().map(|m| m.payee.as_str()).collect::<Vec<_>>(), ["P2"]);
    let t = j.totals(None).unwrap();
    assert_eq!(t, Totals { sent: 1, pending: 1, failed: 0, unconfirmed: 1, sending: 0 });
    // Only this run's unconfirmed messages are counted for it.
    assert_eq!(j.deliver(&settings, Some("run2")).unwrap().unconfirmed, 0);
    // A resend that cannot go leaves it unconfirmed, for staff to try again.
    let resent = j.resend_unconfirmed(&settings, None).unwrap();
    assert_eq!((resent.sent, resent.pending, resent.unconfirmed), (0, 0, 1));
    assert_eq!(state(&j, "P2"), "unconfirmed");
    assert!(resent.problems[0].contains("not resent, still unconfirmed"), "{:?}", resent.problems);
}

#[test]
fn a_status_leaves_a_message_alone_while_a_delivery_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let mut j = Journal::open(&path).unwrap();
    j.enqueue("run1", dir.path(), &[outgoing("P1", "p1@example.org")], &[]).unwrap();
    j.db.execute("UPDATE messages SET state = 'sending', claimed_at = '2026-11-02T10:00:00Z'", []).unwrap();
    // Another delivery (here: this test) holds the lock: its message is really being sent.
    let other = j.lock_file().unwrap();
    other.lock().unwrap();
    assert!(!j.settle_if_idle().unwrap());
    assert_eq!(state(&j, "P1"), "sending");
    assert_eq!(j.totals(None).unwrap().sending, 1);
    // It died: the lock went with it, and the message is in doubt.
    drop(other);
    assert!(j.settle_if_idle().unwrap());
    assert_eq!(state(&j, "P1"), "unconfirmed");
}

#[test]
fn mark_sent_takes_only_unconfirmed_messages_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let mut j = Journal::open(&path).unwrap();
    j.enqueue("run1", dir.path(), &[outgoing("P1", "p1@example.org"), outgoing("P2", "p2@example.org")], &[]).unwrap();
    j.db.execute("UPDATE messages SET state = 'unconfirmed', claimed_at = '2026-11-02T10:00:00Z' WHERE payee = 'P1'", []).unwrap();
    let p1 = "<run1.P1.0123456789@ssps.dshs.wa.gov>".to_string();
    let p2 = "<run1.P2.0123456789@ssps.dshs.wa.gov>".to_string();
    let err = j.mark_sent(&[p1.clone(), p2.clone()]).unwrap_err().to_string();
    assert!(err.ends_with("message <run1.P2.0123456789@ssps.dshs.wa.gov> is pending, not unconfirmed; nothing was changed"), "{err}");
    assert_eq!(state(&j, "P1"), "unconfirmed");
    let err = j.mark_sent(&["<nobody@ssps.dshs.wa.gov>".to_string()]).unwrap_err().to_string();
    assert!(err.ends_with("no message has the Message-ID <nobody@ssps.dshs.wa.gov>; nothing was changed"), "{err}");
    // Given without its angle brackets, as a shell makes easy.
    let marked = j.mark_sent(&[p1.trim_matches(|c| c == '<' || c == '>').to_string()]).unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].state, "sent");
    assert_eq!(marked[0].last_result, "marked sent by staff without resending (unconfirmed since 2026-11-02T10:00:00Z)");
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 1, pending: 1, ..Totals::default() });
}

/// The production backend is a lettre transport: `Transport::send` hands a
/// message over in one SMTP transaction (nothing recorded) and says how it
/// ended.
#[test]
fn the_smtp_client_is_a_lettre_transport() {
    use lettre::Transport;
    let dir = tempfile::tempdir().unwrap();
    let (settings, mailbox) = loopback_server(dir.path());
    let msg = email::message(&outgoing("P1", "p1@example.org"), dir.path(), &settings.from, None).unwrap();
    let reply = settings.client().unwrap().send(&msg).unwrap();
    assert!(reply.starts_with("250"), "{reply}");
    let got = mailbox.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, ["p1@example.org"]);
    assert!(got[0].1.contains("Message-ID: <run1.P1.0123456789@ssps.dshs.wa.gov>"), "{}", got[0].1);
    let err = dead_server(dir.path()).client().unwrap().send(&msg).unwrap_err();
    assert!(matches!(&err.0, SendResult::Unreachable(why) if why.contains("Connection refused")), "{err}");
    assert!(err.to_string().starts_with("server unreachable: "), "{err}");
}
