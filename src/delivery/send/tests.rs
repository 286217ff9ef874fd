//! Tests of the delivery's state machine through lettre's `Transport`
//! trait, with no SMTP server: lettre's `StubTransport` (takes every
//! message, or refuses every one) and a scripted transport of these tests
//! (message by message: takes it, refuses it for now or for good, is
//! unreachable, takes it and never replies, or the delivery dies before the
//! content goes or after the server took it). Each test checks the
//! journal's states and counts and what the transport was given. The SMTP
//! backend itself is tested against a loopback server in `../tests.rs` and
//! `tests/integration/email.rs`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::super::tests::{outgoing, state};
use super::*;
use crate::delivery::{MessageStatus, Totals, DEFAULT_NAME};

/// How the tests send: one sender, no waits between tries.
fn policy(attempts: u32) -> SendPolicy {
    SendPolicy { from: "DSHS SSPS <ssps-noreply@dshs.wa.gov>".into(), reply_to: None, attempts, backoff: Duration::ZERO }
}

/// A payee's message of `run`, with a subject of its own.
fn message_of(run: &str, payee: &str) -> Outgoing {
    let mut m = outgoing(payee, &format!("{}@example.org", payee.to_lowercase()));
    m.subject = format!("Your documents, {payee}");
    m.message_id = format!("<{run}.{payee}.0123456789@ssps.dshs.wa.gov>");
    m
}

/// The Message-ID a payee's message of run1 has.
fn id_of(payee: &str) -> String {
    format!("<run1.{payee}.0123456789@ssps.dshs.wa.gov>")
}

/// A new journal in `dir` with one message of run1 per payee, pending.
fn journal(dir: &Path, payees: &[&str]) -> Journal {
    let mut j = Journal::open(&dir.join(DEFAULT_NAME)).unwrap();
    let messages: Vec<Outgoing> = payees.iter().map(|p| message_of("run1", p)).collect();
    j.enqueue("run1", dir, &messages, &[]).unwrap();
    j
}

/// What a transport was given, message by message: (recipients,
/// Message-ID, subject), read back from the envelope and the content.
fn seen(given: &[(Envelope, String)]) -> Vec<(Vec<String>, String, String)> {
    given
        .iter()
        .map(|(envelope, content)| {
            let m = mail_parser::MessageParser::default().parse(content.as_bytes()).expect("a MIME message");
            let to = envelope.to().iter().map(|a| a.to_string()).collect();
            (to, format!("<{}>", m.message_id().expect("a Message-ID")), m.subject().unwrap_or_default().to_string())
        })
        .collect()
}

/// The Message-IDs a transport was given, in order.
fn ids(given: &[(Envelope, String)]) -> Vec<String> {
    seen(given).into_iter().map(|(_, id, _)| id).collect()
}

fn ids_of(payees: &[&str]) -> Vec<String> {
    payees.iter().map(|p| id_of(p)).collect()
}

/// One message in the journal: (state, attempts, last result, claimed).
fn row(j: &Journal, payee: &str) -> (String, i64, String, bool) {
    let m: MessageStatus = j.status().unwrap().into_iter().find(|m| m.payee == payee).unwrap();
    (m.state, m.attempts, m.last_result, m.claimed_at.is_some())
}

/// What the scripted transport does with the next message handed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The server takes it and says so.
    Take,
    /// A 4xx reply: not taken, try again later.
    Busy,
    /// A 5xx reply: not taken, and never will be.
    Refuse,
    /// No server to connect to: not taken, and nothing else can go now.
    Down,
    /// The server takes it, and its reply never comes.
    NoReply,
    /// The server takes it, and the delivery dies before it hears so (a
    /// kill between the server's acceptance and the journal's record).
    DieAfterTaken,
    /// The delivery dies before the content goes (a kill while
    /// connecting): the transport claims late, as SMTP does.
    DieBefore,
}

/// The scripted transport's errors.
#[derive(Debug)]
enum Fault {
    Busy,
    Refused,
    Down,
    NoReply,
}

/// A lettre transport that does what its script says, message by message
/// (once the script is done, it takes every message), and keeps every
/// message the server took (as lettre's stub keeps every message).
#[derive(Default)]
struct Scripted {
    script: Mutex<VecDeque<Step>>,
    /// The messages the server took (replied to or not).
    taken: Mutex<Vec<(Envelope, String)>>,
    /// Handovers begun (tries).
    tries: AtomicUsize,
}

impl Scripted {
    fn new(steps: &[Step]) -> Arc<Scripted> {
        Arc::new(Scripted { script: Mutex::new(steps.iter().copied().collect()), ..Scripted::default() })
    }

    fn next(&self) -> Step {
        self.script.lock().unwrap().pop_front().unwrap_or(Step::Take)
    }

    fn taken(&self) -> Vec<(Envelope, String)> {
        self.taken.lock().unwrap().clone()
    }

    fn tries(&self) -> usize {
        self.tries.load(Ordering::SeqCst)
    }
}

impl Transport for Scripted {
    type Ok = String;
    type Error = Fault;

    fn send_raw(&self, envelope: &Envelope, email: &[u8]) -> Result<String, Fault> {
        let take = || self.taken.lock().unwrap().push((envelope.clone(), String::from_utf8_lossy(email).into_owned()));
        match self.next() {
            Step::Take => {
                take();
                Ok("250 2.0.0 queued".into())
            }
            Step::Busy => Err(Fault::Busy),
            Step::Refuse => Err(Fault::Refused),
            Step::Down => Err(Fault::Down),
            Step::NoReply => {
                take();
                Err(Fault::NoReply)
            }
            Step::DieAfterTaken => {
                take();
                panic!("killed after the server took the message, before its reply was recorded");
            }
            Step::DieBefore => unreachable!("a delivery that dies before the content goes never hands it over"),
        }
    }
}

impl Backend for Scripted {
    fn judge(&self, answer: Result<String, Fault>) -> SendResult {
        match answer {
            Ok(reply) => SendResult::Sent(reply),
            Err(Fault::Busy) => SendResult::Transient("451 4.3.0 try again later".into()),
            Err(Fault::Refused) => SendResult::Permanent("550 5.1.1 no such user".into()),
            Err(Fault::Down) => SendResult::Unreachable("connection refused".into()),
            Err(Fault::NoReply) => SendResult::Unconfirmed("no reply from the server after the message was transmitted".into()),
        }
    }

    /// Dies before claiming when the script says so; else as any transport.
    fn hand_over<H: Handover>(&self, envelope: &Envelope, content: &[u8], tries: u32, journal: &mut H) -> Result<SendResult, H::Error> {
        self.tries.fetch_add(1, Ordering::SeqCst);
        let dies = {
            let mut script = self.script.lock().unwrap();
            script.front() == Some(&Step::DieBefore) && script.pop_front().is_some()
        };
        if dies {
            panic!("killed while connecting, before the content went");
        }
        claim_then_send(self, envelope, content, tries, journal)
    }
}

/// A delivery of `path`'s journal through `transport`, in a thread of its
/// own that the transport's script kills (a process killed mid-delivery:
/// nothing after the kill runs, and the delivery lock dies with it).
fn killed_delivery(path: &Path, transport: &Arc<Scripted>) {
    let (path, transport) = (path.to_path_buf(), transport.clone());
    let died = std::thread::spawn(move || {
        let mut j = Journal::open(&path).unwrap();
        let _ = j.deliver_with(&*transport, &policy(3), None);
    })
    .join();
    assert!(died.is_err(), "the delivery was not killed");
}

#[test]
fn the_stub_transport_gets_each_pending_message_once_with_its_recipient_subject_and_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2"]);
    j.enqueue("run2", dir.path(), &[message_of("run2", "P3")], &[]).unwrap();
    let stub = StubTransport::new_ok();

    // Only the run named.
    let done = j.deliver_with(&stub, &policy(3), Some("run1")).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (2, 0, 0, 0, 2));
    assert!(done.problems.is_empty(), "{:?}", done.problems);
    let p = |to: &str, id: &str, subject: &str| (vec![to.to_string()], id.to_string(), subject.to_string());
    assert_eq!(
        seen(&stub.messages()),
        [p("p1@example.org", &id_of("P1"), "Your documents, P1"), p("p2@example.org", &id_of("P2"), "Your documents, P2")]
    );
    for (envelope, content) in stub.messages() {
        assert_eq!(envelope.from().map(|a| a.to_string()).as_deref(), Some("ssps-noreply@dshs.wa.gov"));
        assert!(content.contains("From: \"DSHS SSPS\" <ssps-noreply@dshs.wa.gov>"), "{content}");
    }
    for payee in ["P1", "P2"] {
        assert_eq!(row(&j, payee), ("sent".into(), 1, "250 OK (stub transport)".into(), true));
    }
    assert_eq!(row(&j, "P3"), ("pending".into(), 0, String::new(), false));
    // The journal's Message-IDs are the ones sent.
    let journaled: Vec<String> = j.status().unwrap().into_iter().filter(|m| m.state == "sent").map(|m| m.message_id).collect();
    assert_eq!(journaled, ids(&stub.messages()));

    // Every run: only what still waits goes; then nothing does.
    let all = j.deliver_with(&stub, &policy(3), None).unwrap();
    assert_eq!((all.sent, all.tries), (1, 1));
    assert_eq!(seen(&stub.messages())[2], p("p3@example.org", "<run2.P3.0123456789@ssps.dshs.wa.gov>", "Your documents, P3"));
    let again = j.deliver_with(&stub, &policy(3), None).unwrap();
    assert_eq!((again.sent, again.pending, again.tries), (0, 0, 0));
    assert_eq!(stub.messages().len(), 3);
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 3, ..Totals::default() });
}

#[test]
fn a_stub_error_is_tried_again_then_left_pending_and_a_later_delivery_sends_the_same_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2"]);
    let failing = StubTransport::new_error();
    let done = j.deliver_with(&failing, &policy(3), None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (0, 2, 0, 0, 6));
    assert_eq!(
        done.problems,
        [
            "p1@example.org (payee P1): not sent yet, will retry: stub error",
            "p2@example.org (payee P2): not sent yet, will retry: stub error"
        ]
    );
    // Three tries each, the very same message each time.
    assert_eq!(ids(&failing.messages()), ids_of(&["P1", "P1", "P1", "P2", "P2", "P2"]));
    assert!(failing.messages()[..3].iter().all(|(_, c)| *c == failing.messages()[0].1));
    for payee in ["P1", "P2"] {
        assert_eq!(row(&j, payee), ("pending".into(), 3, "stub error".into(), true));
    }
    assert_eq!(j.totals(None).unwrap(), Totals { pending: 2, ..Totals::default() });

    // The retry: each goes once, byte for byte the message tried before.
    let ok = StubTransport::new_ok();
    let retry = j.deliver_with(&ok, &policy(3), None).unwrap();
    assert_eq!((retry.sent, retry.pending, retry.tries), (2, 0, 2));
    assert_eq!(ids(&ok.messages()), ids_of(&["P1", "P2"]));
    assert_eq!(ok.messages()[0].1, failing.messages()[0].1);
    assert_eq!(ok.messages()[1].1, failing.messages()[3].1);
    for payee in ["P1", "P2"] {
        assert_eq!(row(&j, payee), ("sent".into(), 4, "250 OK (stub transport)".into(), true));
    }
}

#[test]
fn a_refusal_for_now_of_the_nth_message_is_tried_again_and_a_message_left_waiting_goes_with_the_retry() {
    // Two tries allowed: the second message is refused once, then taken.
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2", "P3"]);
    let t = Scripted::new(&[Step::Take, Step::Busy, Step::Take, Step::Take]);
    let done = j.deliver_with(&*t, &policy(2), None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.tries), (3, 0, 0, 4), "{:?}", done.problems);
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2", "P3"]));
    let attempts: Vec<i64> = j.status().unwrap().iter().map(|m| m.attempts).collect();
    assert_eq!(attempts, [1, 2, 1]);
    assert_eq!(row(&j, "P2"), ("sent".into(), 2, "250 2.0.0 queued".into(), true));

    // One try allowed: the second waits, the third still goes (a refusal
    // of one message does not stop the delivery); the retry sends the
    // second, and only it.
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2", "P3"]);
    let t = Scripted::new(&[Step::Take, Step::Busy]);
    let done = j.deliver_with(&*t, &policy(1), None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.tries), (2, 1, 0, 3));
    assert_eq!(done.problems, ["p2@example.org (payee P2): not sent yet, will retry: 451 4.3.0 try again later"]);
    assert_eq!(row(&j, "P2"), ("pending".into(), 1, "451 4.3.0 try again later".into(), true));
    let retry = j.deliver_with(&*t, &policy(1), None).unwrap();
    assert_eq!((retry.sent, retry.pending, retry.tries), (1, 0, 1));
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P3", "P2"]));
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 3, ..Totals::default() });
}

#[test]
fn a_refusal_for_good_fails_the_message_and_only_a_rerun_that_replaces_it_sends_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open(&dir.path().join(DEFAULT_NAME)).unwrap();
    let mut p1 = message_of("run1", "P1");
    p1.paper = true;
    // P3's attachment is not there: its message cannot be built.
    let mut p3 = message_of("run1", "P3");
    p3.notice_only = false;
    j.enqueue("run1", dir.path(), &[p1, message_of("run1", "P2"), p3], &[]).unwrap();
    let t = Scripted::new(&[Step::Refuse]);
    let done = j.deliver_with(&*t, &policy(3), None).unwrap();
    // Neither is tried again: P1 once, P3 never.
    assert_eq!((done.sent, done.pending, done.failed, done.tries), (1, 0, 2, 2));
    assert_eq!(t.tries(), 2);
    assert_eq!(done.problems[0], "p1@example.org (payee P1): failed: 550 5.1.1 no such user; the payee also gets these documents on paper");
    assert!(done.problems[1].starts_with("p3@example.org (payee P3): failed: "), "{:?}", done.problems);
    assert!(done.problems[1].contains("No such file"), "{:?}", done.problems);
    assert_eq!(row(&j, "P1"), ("failed".into(), 1, "550 5.1.1 no such user".into(), true));
    let (p3_state, p3_attempts, _, p3_claimed) = row(&j, "P3");
    assert_eq!((p3_state.as_str(), p3_attempts, p3_claimed), ("failed", 0, false));
    assert_eq!(ids(&t.taken()), ids_of(&["P2"]));

    // Neither a retry nor a resend tries them.
    let retry = j.deliver_with(&*t, &policy(3), None).unwrap();
    let resend = j.resend_unconfirmed_with(&*t, &policy(3), None).unwrap();
    assert_eq!((retry.sent, retry.tries, resend.sent, resend.tries), (0, 0, 0, 0));
    assert_eq!(t.tries(), 2);

    // A rerun with the address corrected replaces P1's message; it goes, once, to the new address.
    let known = j.known("P1", "remittance", "RA-P1").unwrap().unwrap();
    assert_eq!(known.state, "failed");
    let mut corrected = message_of("run1", "P1");
    corrected.to = "p1.corrected@example.org".into();
    j.enqueue("run1", dir.path(), &[corrected], &[known.message]).unwrap();
    let rerun = j.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((rerun.sent, rerun.failed, rerun.tries), (1, 0, 1));
    let last = seen(&t.taken()).pop().unwrap();
    assert_eq!(last, (vec!["p1.corrected@example.org".to_string()], id_of("P1"), "Your documents, P1".to_string()));
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 2, failed: 1, ..Totals::default() });
}

#[test]
fn an_unreachable_server_ends_the_delivery_and_the_rest_wait_untried() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2", "P3"]);
    let t = Scripted::new(&[Step::Down, Step::Down]);
    let done = j.deliver_with(&*t, &policy(2), None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (0, 3, 0, 0, 2));
    assert_eq!(
        done.problems,
        [
            "p1@example.org (payee P1): not sent yet, will retry: connection refused",
            "p2@example.org (payee P2): not sent yet, will retry: not tried, the server was unreachable: connection refused",
            "p3@example.org (payee P3): not sent yet, will retry: not tried, the server was unreachable: connection refused",
        ]
    );
    let attempts: Vec<(String, i64)> = j.status().unwrap().into_iter().map(|m| (m.state, m.attempts)).collect();
    assert_eq!(attempts, [("pending".into(), 2), ("pending".into(), 0), ("pending".into(), 0)]);
    assert!(t.taken().is_empty());

    // The server is back: each goes once.
    let retry = j.deliver_with(&*t, &policy(2), None).unwrap();
    assert_eq!((retry.sent, retry.pending, retry.tries), (3, 0, 3));
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2", "P3"]));
}

#[test]
fn no_reply_after_the_content_leaves_the_message_unconfirmed_until_staff_resend_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2"]);
    let t = Scripted::new(&[Step::NoReply]);
    let done = j.deliver_with(&*t, &policy(3), None).unwrap();
    // Not tried again within the delivery: the server may have it.
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (1, 0, 0, 1, 2));
    assert_eq!(
        done.problems,
        ["p1@example.org (payee P1): unconfirmed, not sent again: no reply from the server after the message was transmitted"]
    );
    assert_eq!(done.unconfirmed_messages.iter().map(|m| m.message_id.clone()).collect::<Vec<_>>(), ids_of(&["P1"]));
    assert_eq!(row(&j, "P1"), ("unconfirmed".into(), 1, "no reply from the server after the message was transmitted".into(), true));

    // A retry does not send it, and still counts it.
    let retry = j.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((retry.sent, retry.pending, retry.unconfirmed, retry.tries), (0, 0, 1, 0));
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2"]));

    // Staff resend it: the very same message, once.
    let resent = j.resend_unconfirmed_with(&*t, &policy(3), None).unwrap();
    assert_eq!((resent.sent, resent.failed, resent.unconfirmed, resent.tries), (1, 0, 0, 1));
    let taken = t.taken();
    assert_eq!(ids(&taken), ids_of(&["P1", "P2", "P1"]));
    assert_eq!(taken[2].1, taken[0].1, "the resent message is not byte for byte the one the server may have");
    assert_eq!(row(&j, "P1"), ("sent".into(), 2, "250 2.0.0 queued".into(), true));
    let again = j.resend_unconfirmed_with(&*t, &policy(3), None).unwrap();
    let retry = j.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((again.sent, again.tries, retry.sent, retry.tries), (0, 0, 0, 0));
    assert_eq!(t.taken().len(), 3);
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 2, ..Totals::default() });
}

#[test]
fn a_resend_refused_for_now_stays_unconfirmed_and_one_refused_for_good_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = journal(dir.path(), &["P1", "P2", "P3"]);
    j.db.execute("UPDATE messages SET state = 'unconfirmed', claimed_at = '2026-11-02T10:00:00Z' WHERE payee IN ('P1', 'P2')", []).unwrap();
    let t = Scripted::new(&[Step::Busy, Step::Refuse]);
    let resent = j.resend_unconfirmed_with(&*t, &policy(1), None).unwrap();
    // P3 is pending: a resend sends unconfirmed messages only.
    assert_eq!((resent.sent, resent.pending, resent.failed, resent.unconfirmed, resent.tries), (0, 0, 1, 1, 2));
    assert_eq!(
        resent.problems,
        [
            "p1@example.org (payee P1): not resent, still unconfirmed: 451 4.3.0 try again later",
            "p2@example.org (payee P2): failed: 550 5.1.1 no such user"
        ]
    );
    assert_eq!(row(&j, "P1"), ("unconfirmed".into(), 1, "451 4.3.0 try again later".into(), true));
    assert_eq!(row(&j, "P2"), ("failed".into(), 1, "550 5.1.1 no such user".into(), true));
    assert_eq!(state(&j, "P3"), "pending");
    assert!(t.taken().is_empty());
}

#[test]
fn a_delivery_killed_after_the_server_took_a_message_leaves_it_unconfirmed_and_the_rerun_never_sends_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let j = journal(dir.path(), &["P1", "P2", "P3"]);
    let t = Scripted::new(&[Step::Take, Step::DieAfterTaken]);
    killed_delivery(&path, &t);
    // As the kill left it: P1 recorded sent, P2 claimed (the server has it), P3 untouched.
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2"]));
    assert_eq!(row(&j, "P1"), ("sent".into(), 1, "250 2.0.0 queued".into(), true));
    assert_eq!(row(&j, "P2"), ("sending".into(), 0, String::new(), true));
    assert_eq!(row(&j, "P3"), ("pending".into(), 0, String::new(), false));
    drop(j);

    // The rerun: P2 is unconfirmed, not sent again; P3 goes.
    let mut rerun = Journal::open(&path).unwrap();
    let done = rerun.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((done.sent, done.pending, done.failed, done.unconfirmed, done.tries), (1, 0, 0, 1, 1));
    assert_eq!(done.unconfirmed_messages.iter().map(|m| m.message_id.clone()).collect::<Vec<_>>(), ids_of(&["P2"]));
    let (p2_state, p2_attempts, p2_why, _) = row(&rerun, "P2");
    assert_eq!((p2_state.as_str(), p2_attempts), ("unconfirmed", 1));
    assert!(p2_why.contains("the server may have taken it"), "{p2_why}");
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2", "P3"]));
    let retry = rerun.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((retry.sent, retry.tries, retry.unconfirmed), (0, 0, 1));

    // Staff find the payee has it: recorded sent, nothing sent.
    let marked = rerun.mark_sent(&ids_of(&["P2"])).unwrap();
    assert_eq!(marked.iter().map(|m| m.state.as_str()).collect::<Vec<_>>(), ["sent"]);
    assert_eq!(rerun.totals(None).unwrap(), Totals { sent: 3, ..Totals::default() });
    let resend = rerun.resend_unconfirmed_with(&*t, &policy(3), None).unwrap();
    assert_eq!((resend.sent, resend.tries), (0, 0));
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2", "P3"]));
}

#[test]
fn a_delivery_killed_before_the_content_went_leaves_the_message_pending_and_the_rerun_sends_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let j = journal(dir.path(), &["P1", "P2"]);
    let t = Scripted::new(&[Step::Take, Step::DieBefore]);
    killed_delivery(&path, &t);
    assert_eq!(ids(&t.taken()), ids_of(&["P1"]));
    assert_eq!(row(&j, "P2"), ("pending".into(), 0, String::new(), false));

    let mut rerun = Journal::open(&path).unwrap();
    let done = rerun.deliver_with(&*t, &policy(3), None).unwrap();
    assert_eq!((done.sent, done.pending, done.unconfirmed, done.tries), (1, 0, 0, 1));
    assert_eq!(ids(&t.taken()), ids_of(&["P1", "P2"]));
    assert_eq!(rerun.totals(None).unwrap(), Totals { sent: 2, ..Totals::default() });
}

/// A rerun replaces a message after a delivery listed it and before the
/// delivery hands it over: the claim (before `send_raw`) finds it gone,
/// and the transport never gets it; the next delivery sends the
/// replacement.
#[test]
fn a_message_replaced_after_a_delivery_listed_it_never_reaches_the_transport() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_NAME);
    let mut j = journal(dir.path(), &["P1"]);
    let held = j.lock().unwrap();
    let listed = j.waiting(&held, Waiting::Pending, None).unwrap();
    let old: Outgoing = serde_json::from_str(&listed[0].body).unwrap();

    let mut rerun = Journal::open(&path).unwrap();
    let known = rerun.known("P1", "remittance", "RA-P1").unwrap().unwrap();
    let mut corrected = message_of("run1", "P1");
    corrected.to = "p1.corrected@example.org".into();
    rerun.enqueue("run1", dir.path(), &[corrected], &[known.message]).unwrap();

    let stub = StubTransport::new_ok();
    let mut record = Record { db: &j.db, id: listed[0].id, message_id: &listed[0].message_id, from: "pending" };
    let sent = send_one(&stub, &policy(3), &old, Path::new(&listed[0].run_dir), &mut record).unwrap();
    assert_eq!(sent, (SendResult::NotClaimed, 1));
    assert!(stub.messages().is_empty());
    drop(held);

    let done = j.deliver_with(&stub, &policy(3), None).unwrap();
    assert_eq!((done.sent, done.tries), (1, 1));
    assert_eq!(seen(&stub.messages())[0].0, ["p1.corrected@example.org"]);
    assert_eq!(j.totals(None).unwrap(), Totals { sent: 1, ..Totals::default() });
}
