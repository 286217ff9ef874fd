//! The store's behaviour, written once and run on both stores: each test
//! here is a function of how to open the store, and [`both!`] makes a
//! `#[test]` of it for SQLite (a file in a temporary folder) and one for
//! PostgreSQL (a new database on the server `SSPS_TEST_POSTGRES` names;
//! `tests/postgres/with-cluster` starts one, and CI runs under it).
//! Without that variable the PostgreSQL tests say so and pass nothing
//! else: CI always sets it.
//!
//! "Two servers" tests open the store twice (two pools, two SQLite
//! connections) and race them from threads: a submission, an export, an
//! administrator's demotion and an invitation happen once.

use chrono::NaiveDate;

use super::*;

/// Opens the store under test again (each call: another "server").
pub(super) type Open<'a> = &'a dyn Fn() -> Box<dyn Store>;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(
                #[test]
                fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("portal.sqlite");
                    let open = || -> Box<dyn super::Store> { Box::new(crate::portal::sqlite::SqliteStore::open(&path).unwrap()) };
                    super::$name(&open);
                }
            )*
        }
        mod postgres_store {
            $(
                #[test]
                #[allow(clippy::print_stderr)] // a test that cannot run says so
                fn $name() {
                    let Some(db) = crate::portal::postgres::testing::scratch() else {
                        eprintln!("SSPS_TEST_POSTGRES is not set: the PostgreSQL store is not tested (tests/postgres/with-cluster sets it)");
                        return;
                    };
                    let open = || -> Box<dyn super::Store> { Box::new(crate::portal::postgres::PgStore::open(db.url(), 4).unwrap()) };
                    super::$name(&open);
                }
            )*
        }
    };
}

both!(
    an_account_takes_its_letter_once_and_a_refusal_changes_nothing,
    a_totp_step_is_taken_once_and_only_forward,
    failures_count_from_a_time_per_key_and_go_after_a_day,
    sessions_are_found_by_their_hash_touched_and_ended,
    letters_are_recorded_once_and_the_newest_is_found,
    the_audit_log_reads_back_newest_first,
    a_run_is_replaced_whole_and_an_id_of_two_runs_is_the_later_ones,
    a_submission_is_frozen_and_exported_once,
    invitations_make_people_who_work_for_several_payees_and_a_payee_keeps_an_administrator,
    a_staff_invitation_makes_a_staff_account_with_no_payee,
    the_outbox_keeps_a_message_until_it_is_sent,
    two_servers_taking_mail_at_once_take_each_message_once,
    two_servers_indexing_one_new_run_at_once_index_it_once,
    a_visit_finds_the_session_its_account_and_payees_at_once,
    an_invitation_accepted_while_its_sender_is_removed_is_one_or_the_other,
    a_thread_keeps_its_messages_and_attachment_and_says_who_it_waits_for,
    a_store_opened_again_keeps_everything_and_sees_the_other_handles_writes,
    two_servers_submitting_one_claim_at_once_freeze_it_once,
    two_servers_exporting_at_once_take_each_submission_once,
    two_administrators_demoting_each_other_at_once_leave_one,
    an_invitation_accepted_twice_at_once_makes_one_membership,
    a_registration_code_used_twice_at_once_makes_one_account,
);

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn new<'a>(payee: &'a str, email: &'a str, used_key: &'a str) -> NewAccount<'a> {
    NewAccount { payee_number: payee, email, password_hash: "$argon2id$stub", language: "en", used_key }
}

fn doc(run: &str, id: &str, kind: &str, payee: &str) -> DocRecord {
    DocRecord {
        run: run.into(),
        document_id: id.into(),
        kind: kind.into(),
        payee_number: payee.into(),
        file: format!("documents/{payee}/{id}.pdf"),
        sha256: "00".repeat(32),
        pages: 1,
        amount: "10.00".into(),
        month: "2026-10".into(),
        ok: true,
    }
}

fn run(name: &str) -> RunRecord {
    RunRecord { name: name.into(), run: "invoices".into(), period: "2026-10".into(), manifest_sha256: format!("sha of {name}") }
}

fn w<'a>(payee: &'a str, invoice: &'a str, entries: &'a str, now: i64) -> ClaimWrite<'a> {
    ClaimWrite { payee_number: payee, invoice_number: invoice, month: "2026-10", entries, account_id: 1, now }
}

fn admin(s: &dyn Store, payee: &str, email: &str) -> i64 {
    let new =
        NewAccount { payee_number: payee, email, password_hash: "$argon2id$stub", language: "en", used_key: &format!("k{payee}{email}") };
    s.create_account(&new, 1).unwrap().unwrap()
}

fn invite(s: &dyn Store, token: &[u8], payee: &str, email: &str, role: Role, by: i64) {
    let i =
        InviteRecord { payee_number: payee.into(), email: email.into(), role, staff: None, invited_by: by, expires_at: 100, used_at: None };
    s.create_invite(token, &i, 10).unwrap();
}

pub(super) fn an_account_takes_its_letter_once_and_a_refusal_changes_nothing(open: Open<'_>) {
    let s = open();
    let id = s.create_account(&new("100200300", "a@example.org", "key-1"), 100).unwrap().unwrap();
    assert!(s.code_used("key-1").unwrap());
    let a = s.account_by_email("a@example.org").unwrap().unwrap();
    assert_eq!((a.id, a.staff_role.as_deref(), a.totp.is_none(), a.totp_last_step), (id, None, true, 0));
    assert_eq!(s.memberships(id).unwrap(), vec![Membership { payee_number: "100200300".into(), role: Role::Admin }]);
    assert_eq!(s.account(id).unwrap().unwrap().email, "a@example.org");
    assert_eq!(format!("{a:?}"), format!("Account {{ id: {id}, staff_role: None, .. }}"), "no hash or email in Debug");

    assert_eq!(s.create_account(&new("100200301", "b@example.org", "key-1"), 101).unwrap(), Err(Refused::CodeUsed));
    assert_eq!(s.create_account(&new("100200300", "b@example.org", "key-2"), 101).unwrap(), Err(Refused::PayeeHasAccount));
    assert_eq!(s.create_account(&new("100200301", "a@example.org", "key-3"), 101).unwrap(), Err(Refused::EmailTaken));
    // The refused letters are still good: nothing was written.
    assert!(!s.code_used("key-2").unwrap() && !s.code_used("key-3").unwrap());
    assert!(s.account_by_email("b@example.org").unwrap().is_none());
    assert_eq!(s.payees_with_accounts().unwrap(), ["100200300"]);
    let second = s.create_account(&new("100200301", "b@example.org", "key-3"), 102).unwrap().unwrap();
    assert_ne!(second, id);
    assert_eq!(s.payees_with_accounts().unwrap(), ["100200300", "100200301"]);
}

pub(super) fn a_totp_step_is_taken_once_and_only_forward(open: Open<'_>) {
    let s = open();
    let id = s.create_account(&new("100200300", "a@example.org", "k"), 0).unwrap().unwrap();
    s.set_totp(id, Some((b"sealed", b"nonce"))).unwrap();
    assert_eq!(s.account(id).unwrap().unwrap().totp, Some((b"sealed".to_vec(), b"nonce".to_vec())));
    assert!(s.take_totp_step(id, 5).unwrap());
    assert!(!s.take_totp_step(id, 5).unwrap(), "the same step again");
    assert!(!s.take_totp_step(id, 4).unwrap(), "an older step");
    assert!(s.take_totp_step(id, 6).unwrap());
    assert_eq!(s.account(id).unwrap().unwrap().totp_last_step, 6);
    s.set_totp(id, None).unwrap();
    let a = s.account(id).unwrap().unwrap();
    assert_eq!((a.totp, a.totp_last_step), (None, 0));
    assert!(!s.take_totp_step(id + 1, 1).unwrap(), "no such account");
}

pub(super) fn failures_count_from_a_time_per_key_and_go_after_a_day(open: Open<'_>) {
    let s = open();
    for t in [100, 200, 300] {
        s.record_failure("account:1", t).unwrap();
    }
    s.record_failure("email:ab", 250).unwrap();
    assert_eq!(s.failures_since("account:1", 150).unwrap(), (2, Some(300)));
    assert_eq!(s.failures_since("account:1", 300).unwrap(), (1, Some(300)));
    assert_eq!(s.failures_since("account:1", 301).unwrap(), (0, None));
    assert_eq!(s.failures_since("email:ab", 0).unwrap(), (1, Some(250)));
    s.clear_failures("account:1").unwrap();
    assert_eq!(s.failures_since("account:1", 0).unwrap(), (0, None));
    assert_eq!(s.failures_since("email:ab", 0).unwrap(), (1, Some(250)), "other keys are kept");
    // A day later the old rows of that key are dropped.
    s.record_failure("email:ab", 250 + 86_401).unwrap();
    assert_eq!(s.failures_since("email:ab", i64::MIN).unwrap(), (1, Some(250 + 86_401)));
}

pub(super) fn sessions_are_found_by_their_hash_touched_and_ended(open: Open<'_>) {
    let s = open();
    let a = s.create_account(&new("100200300", "a@example.org", "k1"), 0).unwrap().unwrap();
    let b = s.create_account(&new("100200301", "b@example.org", "k2"), 0).unwrap().unwrap();
    s.create_session(b"h1", a, Stage::Password, 1000).unwrap();
    s.create_session(b"h2", a, Stage::Full, 1000).unwrap();
    s.create_session(b"h3", b, Stage::Full, 5000).unwrap();
    assert!(s.create_session(b"h4", b + 99, Stage::Full, 0).is_err(), "a session of no account");
    assert!(s.create_session(b"h1", b, Stage::Full, 0).is_err(), "an id hash is unique");
    let h1 = s.session(b"h1").unwrap().unwrap();
    assert_eq!((h1.account_id, h1.created_at, h1.last_seen, h1.stage), (a, 1000, 1000, Stage::Password));
    assert_eq!(s.session(b"h2").unwrap().unwrap().stage, Stage::Full);
    s.touch_session(b"h2", 1500).unwrap();
    let h2 = s.session(b"h2").unwrap().unwrap();
    assert_eq!((h2.created_at, h2.last_seen), (1000, 1500));
    s.delete_session(b"h1").unwrap();
    assert!(s.session(b"h1").unwrap().is_none());
    // Idle since before 1200 or begun before 900: none; before 1600: h2.
    assert_eq!(s.delete_stale_sessions(1200, 900).unwrap(), 0);
    assert_eq!(s.delete_stale_sessions(1600, 900).unwrap(), 1);
    assert!(s.session(b"h2").unwrap().is_none() && s.session(b"h3").unwrap().is_some());
    s.create_session(b"h5", b, Stage::Full, 5000).unwrap();
    s.delete_sessions_of(b).unwrap();
    assert!(s.session(b"h3").unwrap().is_none() && s.session(b"h5").unwrap().is_none());
}

pub(super) fn letters_are_recorded_once_and_the_newest_is_found(open: Open<'_>) {
    let s = open();
    assert_eq!(s.newest_letter("100200300").unwrap(), None);
    s.add_letter("100200300", date("2026-09-30"), "run-a").unwrap();
    s.add_letter("100200300", date("2026-10-02"), "run-b").unwrap();
    s.add_letter("100200300", date("2026-09-30"), "run-c").unwrap();
    s.add_letter("100200301", date("2027-01-01"), "run-c").unwrap();
    assert_eq!(s.newest_letter("100200300").unwrap(), Some(date("2026-10-02")));
    assert_eq!(s.newest_letter("100200301").unwrap(), Some(date("2027-01-01")));
}

pub(super) fn the_audit_log_reads_back_newest_first(open: Open<'_>) {
    let s = open();
    for (i, event) in ["sign_in", "download", "sign_out"].into_iter().enumerate() {
        let e = AuditEvent {
            event,
            account_id: Some(1),
            payee_number: Some("100200300"),
            detail: "300A-261101",
            address: "127.0.0.1",
            at: i as i64,
        };
        s.audit(&e).unwrap();
    }
    let tail = s.audit_tail(None, 2).unwrap();
    assert_eq!(tail.iter().map(|r| (r.at, r.event.as_str())).collect::<Vec<_>>(), [(2, "sign_out"), (1, "download")]);
    assert_eq!((tail[0].payee_number.as_deref(), tail[0].detail.as_str()), (Some("100200300"), "300A-261101"));
    // Another payee's events after them: one payee's are still found.
    for at in 3..50 {
        let e = AuditEvent { event: "sign_in", account_id: Some(2), payee_number: Some("100200301"), detail: "", address: "", at };
        s.audit(&e).unwrap();
    }
    let mine = s.audit_tail(Some("100200300"), 500).unwrap();
    assert_eq!(mine.iter().map(|r| r.at).collect::<Vec<_>>(), [2, 1, 0]);
    assert_eq!(s.audit_tail(Some("100200301"), 2).unwrap().iter().map(|r| r.at).collect::<Vec<_>>(), [49, 48]);
    assert_eq!(s.audit_tail(None, 500).unwrap().len(), 50);
}

pub(super) fn a_run_is_replaced_whole_and_an_id_of_two_runs_is_the_later_ones(open: Open<'_>) {
    let s = open();
    let docs = [doc("inv", "300A-261101", "invoice", "100200300"), doc("inv", "301A-261101", "invoice", "100200301")];
    assert!(s.replace_run(&run("inv"), &docs, None).unwrap());
    assert_eq!(s.run_indexed("inv").unwrap().as_deref(), Some("sha of inv"));
    assert_eq!(s.run_indexed("ra").unwrap(), None);
    // Replaced: the document the new manifest lacks is gone, none is doubled.
    let mut again = run("inv");
    again.manifest_sha256 = "changed".into();
    assert!(!s.replace_run(&again, &docs[..1], None).unwrap(), "indexed meanwhile by another server: left as it is");
    assert_eq!(s.documents_of("100200301", None).unwrap().len(), 1);
    assert!(s.replace_run(&again, &docs[..1], Some("sha of inv")).unwrap());
    assert_eq!(s.run_indexed("inv").unwrap().as_deref(), Some("changed"));
    assert_eq!(s.documents_of("100200301", None).unwrap(), []);
    assert_eq!(s.documents_of("100200300", None).unwrap(), docs[..1]);
    // The same id in a later run: that run's record answers.
    let mut later = doc("inv-again", "300A-261101", "invoice", "100200300");
    later.sha256 = "11".repeat(32);
    assert!(s.replace_run(&run("inv-again"), &[later.clone(), doc("inv-again", "RA-1", "remittance", "100200300")], None).unwrap());
    assert_eq!(s.document("100200300", "300A-261101").unwrap(), Some(later));
    assert_eq!(s.document("100200301", "300A-261101").unwrap(), None, "only the payee's own");
    let ids = |kind| s.documents_of("100200300", kind).unwrap().into_iter().map(|d| (d.run, d.document_id)).collect::<Vec<_>>();
    assert_eq!(
        ids(None),
        [("inv".into(), "300A-261101".into()), ("inv-again".into(), "300A-261101".into()), ("inv-again".into(), "RA-1".into())]
    );
    assert_eq!(ids(Some("remittance")), [("inv-again".to_string(), "RA-1".to_string())]);
    assert_eq!(s.runs().unwrap().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["inv", "inv-again"]);
}

pub(super) fn a_submission_is_frozen_and_exported_once(open: Open<'_>) {
    let s = open();
    s.save_claim(&w("300", "300A-261101", "{\"a\":1}", 10)).unwrap().unwrap();
    s.save_claim(&w("300", "300A-261101", "{\"a\":2}", 11)).unwrap().unwrap();
    assert_eq!(s.claim("300", "300A-261101").unwrap().unwrap().entries, "{\"a\":2}");
    assert_eq!(s.claim("301", "300A-261101").unwrap(), None, "another payee's claim is not found");
    s.submit_claim(&w("300", "300A-261101", "{\"a\":3}", 20)).unwrap().unwrap();
    assert_eq!(s.submit_claim(&w("300", "300A-261101", "{\"a\":4}", 21)).unwrap(), Err(AlreadySubmitted));
    assert_eq!(s.save_claim(&w("300", "300A-261101", "{\"a\":5}", 22)).unwrap(), Err(AlreadySubmitted));
    let c = s.claim("300", "300A-261101").unwrap().unwrap();
    assert_eq!((c.state, c.entries.as_str(), c.submitted_at), (ClaimState::Submitted, "{\"a\":3}", Some(20)));
    s.submit_claim(&w("302", "302A-261101", "{}", 40)).unwrap().unwrap();
    // The cutoff at 30: only the first submission.
    let b = s.export_claims(30, 50).unwrap().unwrap();
    assert_eq!((b.batch, b.claims.len()), (1, 1));
    assert_eq!(b.claims[0].invoice_number, "300A-261101");
    assert_eq!(s.export_claims(30, 51).unwrap(), None, "nothing is exported twice");
    let b2 = s.export_claims(100, 52).unwrap().unwrap();
    assert_eq!((b2.batch, b2.claims[0].invoice_number.as_str()), (2, "302A-261101"));
    assert_eq!(s.export_batch(1).unwrap().unwrap().claims, b.claims);
    assert_eq!(s.export_batch(3).unwrap(), None);
}

pub(super) fn invitations_make_people_who_work_for_several_payees_and_a_payee_keeps_an_administrator(open: Open<'_>) {
    let s = open();
    let a = admin(&*s, "300", "owner@example.net");
    let b = admin(&*s, "301", "other@example.net");
    assert_eq!(s.memberships(a).unwrap(), vec![Membership { payee_number: "300".into(), role: Role::Admin }]);
    assert_eq!(s.payees_with_accounts().unwrap(), ["300", "301"]);

    invite(&*s, b"t1", "300", "clerk@example.net", Role::View, a);
    let clerk = s.accept_invite(b"t1", Accept::New { password_hash: "$argon2id$x", language: "es" }, 20).unwrap().unwrap();
    assert_eq!(
        s.accept_invite(b"t1", Accept::New { password_hash: "$x", language: "en" }, 21).unwrap(),
        Err(InviteRefused::NotValid),
        "once"
    );
    assert_eq!(s.account(clerk).unwrap().unwrap().language, "es");
    // The clerk is invited to 301 too: signed in, they accept it.
    invite(&*s, b"t2", "301", "clerk@example.net", Role::Claim, b);
    assert_eq!(
        s.accept_invite(b"t2", Accept::New { password_hash: "$x", language: "en" }, 22).unwrap(),
        Err(InviteRefused::EmailHasAccount)
    );
    assert_eq!(s.accept_invite(b"t2", Accept::Existing(a), 22).unwrap(), Err(InviteRefused::NotValid), "only the invited person");
    assert_eq!(s.accept_invite(b"t2", Accept::Existing(clerk), 22).unwrap(), Ok(clerk));
    assert_eq!(
        s.memberships(clerk).unwrap(),
        vec![Membership { payee_number: "300".into(), role: Role::View }, Membership { payee_number: "301".into(), role: Role::Claim }]
    );
    // Expired.
    invite(&*s, b"t3", "300", "late@example.net", Role::View, a);
    assert_eq!(s.accept_invite(b"t3", Accept::New { password_hash: "$x", language: "en" }, 100).unwrap(), Err(InviteRefused::NotValid));

    // The last administrator stays one.
    assert_eq!(s.set_role("300", a, Role::View).unwrap(), Err(LastAdmin));
    assert_eq!(s.remove_member("300", a).unwrap(), Err(LastAdmin));
    assert_eq!(s.set_role("300", clerk, Role::Admin).unwrap(), Ok(true));
    assert_eq!(s.set_role("300", a, Role::Claim).unwrap(), Ok(true));
    let members = s.members("300").unwrap();
    assert_eq!(
        members.iter().map(|m| (m.email.as_str(), m.role)).collect::<Vec<_>>(),
        [("clerk@example.net", Role::Admin), ("owner@example.net", Role::Claim)]
    );
    // An invitation the owner sent, and one to the owner's own address,
    // are void once the owner is removed.
    invite(&*s, b"t4", "300", "friend@example.net", Role::Admin, a);
    invite(&*s, b"t5", "300", "owner@example.net", Role::Admin, clerk);
    assert_eq!(s.remove_member("300", a).unwrap(), Ok(true));
    assert_eq!(s.remove_member("300", a).unwrap(), Ok(false));
    assert!(s.memberships(a).unwrap().is_empty());
    assert_eq!(s.invite(b"t4").unwrap(), None);
    assert_eq!(s.invite(b"t5").unwrap(), None);
    // An invitation from someone no longer administrator does not work.
    invite(&*s, b"t6", "301", "late2@example.net", Role::View, b);
    invite(&*s, b"t7", "301", "someone@example.net", Role::Admin, b);
    let someone = s.accept_invite(b"t7", Accept::New { password_hash: "$x", language: "en" }, 50).unwrap().unwrap();
    assert_eq!(s.set_role("301", b, Role::View).unwrap(), Ok(true));
    assert_eq!(s.invite(b"t6").unwrap(), None, "their unused invitations went with the role");
    let _ = someone;
}

pub(super) fn a_staff_invitation_makes_a_staff_account_with_no_payee(open: Open<'_>) {
    let s = open();
    let i = staff_invite();
    s.create_invite(b"st", &i, 1).unwrap();
    assert_eq!(s.invite(b"st").unwrap().unwrap().staff, Some(Unit::CustomerService));
    let id = s.accept_invite(b"st", Accept::New { password_hash: "$h", language: "en" }, 2).unwrap().unwrap();
    assert_eq!(s.account(id).unwrap().unwrap().staff_role.as_deref(), Some("customer_service"));
    assert!(s.memberships(id).unwrap().is_empty());
}

pub(super) fn the_outbox_keeps_a_message_until_it_is_sent(open: Open<'_>) {
    let s = open();
    let id = s.queue_mail("x@example.net", "Subject", "Body", 5).unwrap();
    let taken = s.take_mail(10, 3, 10, 300).unwrap();
    assert_eq!(
        taken.iter().map(|m| (m.to.as_str(), m.subject.as_str(), m.body.as_str())).collect::<Vec<_>>(),
        [("x@example.net", "Subject", "Body")]
    );
    assert!(s.take_mail(10, 3, 11, 300).unwrap().is_empty(), "taken: no other server sends it");
    s.mail_failed(id, "connection refused").unwrap();
    assert_eq!(s.take_mail(10, 3, 12, 300).unwrap()[0].attempts, 1, "a failure may be tried again at once");
    s.mail_failed(id, "connection refused").unwrap();
    assert_eq!(s.take_mail(10, 3, 13, 300).unwrap()[0].attempts, 2);
    s.mail_failed(id, "connection refused").unwrap();
    assert!(s.take_mail(10, 3, 14, 300).unwrap().is_empty(), "given up after 3 tries");
    let id2 = s.queue_mail("y@example.net", "S", "B", 6).unwrap();
    assert_eq!(s.take_mail(10, 3, 20, 300).unwrap()[0].id, id2);
    assert!(s.take_mail(10, 3, 319, 300).unwrap().is_empty());
    assert_eq!(s.take_mail(10, 3, 320, 300).unwrap()[0].id, id2, "the server that took it stopped: taken again after the lease");
    s.mail_sent(id2, 321).unwrap();
    assert!(s.take_mail(10, 3, 10_000, 300).unwrap().is_empty());
}

pub(super) fn two_servers_taking_mail_at_once_take_each_message_once(open: Open<'_>) {
    let s = open();
    for i in 0..60 {
        s.queue_mail(&format!("p{i}@example.net"), "S", "B", i).unwrap();
    }
    let taken = race(open, 3, |_, s| s.take_mail(25, 5, 100, 300).unwrap());
    let mut ids: Vec<i64> = taken.iter().flatten().map(|m| m.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((n, ids.len()), (60, 60), "every message taken, none twice: {:?}", taken.iter().map(Vec::len).collect::<Vec<_>>());
}

pub(super) fn a_thread_keeps_its_messages_and_attachment_and_says_who_it_waits_for(open: Open<'_>) {
    let s = open();
    let pdf = b"%PDF-1.7 test";
    let first = NewMessage {
        author: 1,
        from_staff: false,
        body: "Where is my payment?",
        attachment: Some(("inv.pdf", "application/pdf", pdf)),
        now: 10,
    };
    let t = s.start_thread("300", Unit::CustomerService, "October payment", &first).unwrap();
    assert!(s.thread(t).unwrap().unwrap().waiting_for_staff);
    let reply = NewMessage { author: 9, from_staff: true, body: "It was mailed on the 2nd.", attachment: None, now: 20 };
    s.add_message(t, &reply).unwrap();
    let th = s.thread(t).unwrap().unwrap();
    assert!(!th.waiting_for_staff);
    assert_eq!(th.updated_at, 20);
    let m = s.messages(t).unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].attachment, Some(("inv.pdf".into(), "application/pdf".into())));
    assert_eq!(s.attachment(m[0].id).unwrap().unwrap().bytes, pdf.to_vec());
    assert_eq!(s.attachment(m[1].id).unwrap(), None);
    assert_eq!(s.threads_of("300").unwrap().len(), 1);
    assert_eq!((s.messages_since(1, 0).unwrap(), s.messages_since(1, 11).unwrap(), s.messages_since(9, 0).unwrap()), (1, 0, 1));
    assert!(s.threads_of("301").unwrap().is_empty());
    assert_eq!(s.all_threads(Some(Unit::SspsUnit), 10).unwrap().len(), 0);
    s.request_letter("300", 9, 30).unwrap();
    s.request_letter("300", 9, 31).unwrap();
    assert_eq!(s.letters_requested().unwrap(), ["300"]);
    s.letters_made(&["300".into()], 40).unwrap();
    assert!(s.letters_requested().unwrap().is_empty());
}

/// Runs `f(i)` on `n` threads at once, each with its own store (as many
/// servers), started together; their answers in thread order.
fn race<T: Send>(open: Open<'_>, n: usize, f: impl Fn(usize, &dyn Store) -> T + Sync) -> Vec<T> {
    let stores: Vec<Box<dyn Store>> = (0..n).map(|_| open()).collect();
    let start = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (start, f) = (&start, &f);
                scope.spawn(move || {
                    start.wait();
                    f(i, &**s)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

pub(super) fn a_store_opened_again_keeps_everything_and_sees_the_other_handles_writes(open: Open<'_>) {
    let one = open();
    let id = one.create_account(&new("100200300", "a@example.org", "key-1"), 100).unwrap().unwrap();
    one.create_session(b"sid", id, Stage::Full, 100).unwrap();
    let two = open();
    assert_eq!(two.session(b"sid").unwrap().unwrap().account_id, id, "a session made on one server is found on the other");
    two.touch_session(b"sid", 200).unwrap();
    assert_eq!(one.session(b"sid").unwrap().unwrap().last_seen, 200);
    two.record_failure("account:1", 150).unwrap();
    assert_eq!(one.failures_since("account:1", 0).unwrap(), (1, Some(150)), "sign-in counters are shared");
    drop(one);
    drop(two);
    let three = open();
    assert_eq!(three.account_by_email("a@example.org").unwrap().unwrap().id, id);
}

pub(super) fn two_servers_submitting_one_claim_at_once_freeze_it_once(open: Open<'_>) {
    for round in 0..5 {
        let invoice = format!("300A-26110{round}");
        let answers = race(open, 4, |i, s| {
            let entries = format!("{{\"server\":{i}}}");
            s.submit_claim(&ClaimWrite {
                payee_number: "300",
                invoice_number: &invoice,
                month: "2026-10",
                entries: &entries,
                account_id: 1,
                now: 10 + i as i64,
            })
            .unwrap()
        });
        let won: Vec<usize> = answers.iter().enumerate().filter(|(_, a)| a.is_ok()).map(|(i, _)| i).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one submission is taken: {answers:?}");
        assert_eq!(answers.iter().filter(|a| **a == Err(AlreadySubmitted)).count(), 3);
        // The frozen claim is the winner's, whole.
        let c = open().claim("300", &invoice).unwrap().unwrap();
        assert_eq!((c.entries, c.submitted_at), (format!("{{\"server\":{}}}", won[0]), Some(10 + won[0] as i64)));
    }
}

pub(super) fn two_servers_exporting_at_once_take_each_submission_once(open: Open<'_>) {
    let s = open();
    for i in 0..40 {
        let invoice = format!("{i:03}A-261101");
        let w = ClaimWrite { payee_number: "300", invoice_number: &invoice, month: "2026-10", entries: "{}", account_id: 1, now: i };
        s.submit_claim(&w).unwrap().unwrap();
    }
    let batches = race(open, 3, |i, s| s.export_claims(1_000, 2_000 + i as i64).unwrap());
    let taken: Vec<&ExportBatch> = batches.iter().flatten().collect();
    assert_eq!(taken.len(), 1, "one batch, the others find nothing");
    assert_eq!((taken[0].batch, taken[0].claims.len()), (1, 40));
    assert_eq!(s.export_claims(1_000, 3_000).unwrap(), None);
}

pub(super) fn two_administrators_demoting_each_other_at_once_leave_one(open: Open<'_>) {
    let s = open();
    let a = admin(&*s, "300", "a@example.net");
    invite(&*s, b"t", "300", "b@example.net", Role::Admin, a);
    let b = s.accept_invite(b"t", Accept::New { password_hash: "$x", language: "en" }, 20).unwrap().unwrap();
    for round in 0..5 {
        let answers = race(open, 2, |i, s| s.set_role("300", if i == 0 { b } else { a }, Role::View).unwrap());
        assert_eq!(answers.iter().filter(|r| **r == Ok(true)).count(), 1, "round {round}: {answers:?}");
        assert_eq!(answers.iter().filter(|r| **r == Err(LastAdmin)).count(), 1, "round {round}: {answers:?}");
        let admins = s.members("300").unwrap().into_iter().filter(|m| m.role == Role::Admin).count();
        assert_eq!(admins, 1);
        // Both administrators again for the next round.
        let demoted = if s.members("300").unwrap().iter().any(|m| m.account_id == a && m.role == Role::View) { a } else { b };
        assert_eq!(s.set_role("300", demoted, Role::Admin).unwrap(), Ok(true));
    }
}

pub(super) fn an_invitation_accepted_twice_at_once_makes_one_membership(open: Open<'_>) {
    let s = open();
    let a = admin(&*s, "300", "a@example.net");
    invite(&*s, b"t", "300", "clerk@example.net", Role::Claim, a);
    let answers = race(open, 3, |_, s| s.accept_invite(b"t", Accept::New { password_hash: "$x", language: "en" }, 20).unwrap());
    assert_eq!(answers.iter().filter(|r| r.is_ok()).count(), 1, "{answers:?}");
    assert_eq!(s.members("300").unwrap().len(), 2);
}

pub(super) fn a_registration_code_used_twice_at_once_makes_one_account(open: Open<'_>) {
    let answers = race(open, 3, |i, s| {
        let email = format!("p{i}@example.net");
        s.create_account(&new("100200300", &email, "the-one-letter"), 5).unwrap()
    });
    assert_eq!(answers.iter().filter(|r| r.is_ok()).count(), 1, "{answers:?}");
    assert_eq!(open().payees_with_accounts().unwrap(), ["100200300"]);
}

pub(super) fn two_servers_indexing_one_new_run_at_once_index_it_once(open: Open<'_>) {
    let docs: Vec<DocRecord> = (0..50).map(|i| doc("inv", &format!("{i:03}A-261101"), "invoice", "100200300")).collect();
    let answers = race(open, 3, |_, s| s.replace_run(&run("inv"), &docs, None).unwrap());
    assert_eq!(answers.iter().filter(|a| **a).count(), 1, "{answers:?}");
    assert_eq!(open().documents_of("100200300", None).unwrap().len(), 50);
}

pub(super) fn a_visit_finds_the_session_its_account_and_payees_at_once(open: Open<'_>) {
    let s = open();
    let a = admin(&*s, "300", "a@example.net");
    admin(&*s, "299", "b@example.net");
    invite(&*s, b"t", "299", "a@example.net", Role::Claim, a + 1);
    assert_eq!(s.accept_invite(b"t", Accept::Existing(a), 20).unwrap(), Ok(a));
    s.create_session(b"sid", a, Stage::Full, 30).unwrap();
    s.set_session_payee(b"sid", "300").unwrap();
    let v = s.visit(b"sid").unwrap().unwrap();
    assert_eq!(
        (v.session.account_id, v.session.created_at, v.session.stage, v.session.payee_number.as_deref()),
        (a, 30, Stage::Full, Some("300"))
    );
    assert_eq!((v.account.id, v.account.email.as_str()), (a, "a@example.net"));
    assert_eq!(
        v.memberships,
        [Membership { payee_number: "299".into(), role: Role::Claim }, Membership { payee_number: "300".into(), role: Role::Admin }]
    );
    // A staff member: no payees.
    let staff = staff_invite();
    s.create_invite(b"st", &staff, 1).unwrap();
    let cs = s.accept_invite(b"st", Accept::New { password_hash: "$h", language: "en" }, 2).unwrap().unwrap();
    s.create_session(b"cs", cs, Stage::Password, 40).unwrap();
    let v = s.visit(b"cs").unwrap().unwrap();
    assert_eq!((v.account.staff_role.as_deref(), v.session.stage, v.memberships.len()), (Some("customer_service"), Stage::Password, 0));
    assert!(s.visit(b"none").unwrap().is_none());
}

pub(super) fn an_invitation_accepted_while_its_sender_is_removed_is_one_or_the_other(open: Open<'_>) {
    let s = open();
    let owner = admin(&*s, "300", "owner@example.net");
    for round in 0..8 {
        // A second administrator invites a clerk, and is removed by the
        // owner while the clerk accepts: never an error, never both.
        let second = format!("second{round}@example.net");
        let token = format!("s{round}");
        invite(&*s, token.as_bytes(), "300", &second, Role::Admin, owner);
        let sender = s.accept_invite(token.as_bytes(), Accept::New { password_hash: "$x", language: "en" }, 20).unwrap().unwrap();
        let clerk = format!("clerk{round}@example.net");
        let token = format!("c{round}");
        invite(&*s, token.as_bytes(), "300", &clerk, Role::View, sender);
        let answers = race(open, 2, |i, s| {
            if i == 0 {
                s.accept_invite(token.as_bytes(), Accept::New { password_hash: "$x", language: "en" }, 30).map(|r| r.is_ok())
            } else {
                s.remove_member("300", sender).map(|r| r == Ok(true))
            }
        });
        let answers: Vec<bool> = answers.into_iter().map(|a| a.unwrap_or_else(|e| panic!("round {round}: {e}"))).collect();
        assert!(answers[1], "round {round}: the sender was removed");
        let clerk_in = s.members("300").unwrap().iter().any(|m| m.email == clerk);
        assert_eq!(clerk_in, answers[0], "round {round}: the clerk is in exactly when the acceptance came first");
    }
}

/// An invitation of a customer service staff member.
fn staff_invite() -> InviteRecord {
    InviteRecord {
        payee_number: String::new(),
        email: "cs@dshs.example".into(),
        role: Role::View,
        staff: Some(Unit::CustomerService),
        invited_by: 0,
        expires_at: 100,
        used_at: None,
    }
}
