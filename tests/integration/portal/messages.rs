//! Contact Us and the state staff over HTTP, with a real SMTP server: a
//! provider writes to Customer Service with a PDF, a staff member invited
//! from the command line must turn the second factor on before anything,
//! answers; the provider is told by email and reads the answer; the
//! attachments are served only to the thread's payee and staff; a file
//! that is not a PDF or an image is refused; staff look a payee up, unlock
//! a sign-in, request a letter and read the audit log; providers reach no
//! staff page.

use super::*;

const STAFF: &str = "cs.agent@dshs.example";
const STAFF_PASSWORD: &str = "granite meadow orbit 58";

fn link_in(mail: &Mailbox, to: &str, marker: &str) -> String {
    let messages = mail.wait_until(|m| m.iter().any(|(rcpt, _, body)| rcpt == &[to.to_string()] && body.contains(marker)));
    let (_, _, body) = messages
        .iter()
        .rev()
        .find(|(rcpt, _, body)| rcpt == &[to.to_string()] && body.contains(marker))
        .unwrap_or_else(|| panic!("no mail to {to}: {messages:#?}"));
    let at = body.find(marker).unwrap_or_else(|| panic!("{body}"));
    body[at..].split_whitespace().next().unwrap().trim_start_matches("https://portal.test").to_string()
}

/// A staff member invited with `ssps portal staff` logic, their account
/// made from the email's link with the second factor enrolled there (a
/// wrong code refused), signed in with password and code; returns their
/// browser.
fn staff_member(s: &Server, mail: &Mailbox) -> Browser {
    ssps::ops::portal::invite_staff(&s.db, STAFF, "customer_service", Some("https://portal.test"), s.now()).unwrap();
    s.portal.send_mail();
    let path = link_in(mail, STAFF, "https://portal.test/invite/");
    let mut b = s.browser();
    let page = b.get(&path).text();
    assert!(page.contains("A state staff account of the SSPS Provider Portal was opened for you."), "{page}");
    let key = after(&page, "<code id=\"totp-key\">", '<').to_string();
    let enrol = after(&page, "name=\"enrol\" value=\"", '"').to_string();
    let secret = base32_decode(&key);
    let t = csrf(&page);
    let wrong = wrong_code(&secret, s.now());
    let r = b.post(&path, &[("csrf", &t), ("password", STAFF_PASSWORD), ("confirm", STAFF_PASSWORD), ("enrol", &enrol), ("code", wrong)]);
    assert!(r.text().contains("The security code is not right or has been used."), "{r:?}");
    assert!(s.portal.store.account_by_email(STAFF).unwrap().is_none(), "no account without the second factor");
    let code = auth::totp_code(&secret, s.now());
    let r = b.post(&path, &[("csrf", &t), ("password", STAFF_PASSWORD), ("confirm", STAFF_PASSWORD), ("enrol", &enrol), ("code", &code)]);
    assert_eq!((r.status, r.location()), (303, "/sign-in?invited=1"), "{r:?}");
    assert!(s.portal.store.account_by_email(STAFF).unwrap().unwrap().totp.is_some());
    // The password alone does not sign a staff member in.
    let r = b.sign_in(STAFF, STAFF_PASSWORD);
    assert_eq!((r.status, r.location()), (303, "/sign-in/code"));
    assert_eq!(b.get("/staff").status, 303);
    s.set_clock(s.now() + 30);
    let t = b.token("/sign-in/code");
    let r = b.post("/sign-in/code", &[("csrf", &t), ("code", &auth::totp_code(&secret, s.now()))]);
    assert_eq!((r.status, r.location()), (303, "/staff"), "{r:?}");
    assert_eq!(b.get("/staff").status, 200);
    // And it stays on.
    let t = b.token("/security");
    let r = b.post("/security/totp/off", &[("csrf", &t), ("password", STAFF_PASSWORD)]);
    assert!(r.text().contains("State staff cannot turn the second factor off."), "{r:?}");
    b
}

#[test]
fn a_provider_writes_with_a_pdf_staff_answer_and_each_side_is_told_by_email() {
    let (s, mail) = Server::with_mail();
    s.account(A, EMAIL);
    let mut a = s.browser();
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    let mut cs = staff_member(&s, &mail);

    // A file that is not a PDF or an image, whatever its name: refused.
    let t = a.token("/messages/new");
    let fields =
        [("csrf", t.as_str()), ("unit", "customer_service"), ("subject", "October payment"), ("body", "Where is my October payment?")];
    let r = a.post_multipart("/messages/new", &fields, Some(("attachment", "invoice.pdf", b"MZ\x90\x00 not a pdf")));
    assert!(r.text().contains("The file must be a PDF, PNG or JPEG"), "{r:?}");
    let r = a.post_multipart("/messages/new", &[("csrf", &t), ("unit", "customer_service"), ("subject", " "), ("body", "")], None);
    assert!(r.text().contains("Enter a subject") && r.text().contains("Enter your message"), "{r:?}");

    let pdf = std::fs::read(s.runs.join("inv").join(&s.manifest("inv")[0]["file"])).unwrap();
    let r = a.post_multipart("/messages/new", &fields, Some(("attachment", "../Oct invoice.pdf", &pdf)));
    assert_eq!(r.status, 303, "{r:?}");
    let thread = r.location().trim_end_matches("?sent=1").to_string();
    let page = a.get(&thread).text();
    assert!(page.contains("Where is my October payment?") && page.contains("Download the attachment: Octinvoice.pdf"), "{page}");

    // Staff are told; the mail holds a link and no personal data.
    s.portal.send_mail();
    let staff_link = link_in(&mail, STAFF, "https://portal.test/staff/messages/");
    let (_, _, body) = mail.messages().last().unwrap().clone();
    for private in ["October payment", "Sunrise", A, EMAIL] {
        assert!(!body.contains(private), "the notice holds {private}: {body}");
    }
    let inbox = cs.get("/staff").text();
    assert!(inbox.contains("October payment") && inbox.contains("To answer"), "{inbox}");
    let page = cs.get(&staff_link).text();
    assert!(page.contains("Where is my October payment?") && page.contains("Sunrise Early Learning LLC"), "{page}");
    let att = after(&page, "href=\"/staff/messages/", '"').to_string();
    let r = cs.get(&format!("/staff/messages/{att}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, pdf, "the attachment comes back byte for byte");
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"Octinvoice.pdf\""));

    let t = csrf(&page);
    let r = cs.post_multipart(&staff_link, &[("csrf", &t), ("body", "It was deposited on November 3.\n\nThank you.")], None);
    assert_eq!(r.status, 303, "{r:?}");
    s.portal.send_mail();
    let provider_link = link_in(&mail, EMAIL, "https://portal.test/messages/");
    assert_eq!(provider_link, thread);
    let page = a.get(&thread).text();
    assert!(page.contains("It was deposited on November 3.") && page.contains("Customer Service"), "{page}");
    assert!(a.get("/messages").text().contains("Answered"));

    // Another payee sees none of it; a provider reaches no staff page.
    s.account(B, "b.tester@example.net");
    let mut b = s.browser();
    assert_eq!(b.sign_in("b.tester@example.net", PASSWORD).status, 303);
    assert_eq!(b.get(&thread).status, 404);
    assert_eq!(b.get(&format!("{thread}/attachments/1")).status, 404);
    assert!(!b.get("/messages").text().contains("October payment"));
    for path in ["/staff", &staff_link, "/staff/audit", "/staff/payee?payee=100200300"] {
        assert_eq!(a.get(path).status, 404, "{path}");
    }
}

#[test]
fn staff_look_a_payee_up_unlock_a_sign_in_request_a_letter_and_read_the_audit_log() {
    let (s, mail) = Server::with_mail();
    let owner = s.account(A, EMAIL);
    let mut cs = staff_member(&s, &mail);
    // The owner locks their account with wrong passwords.
    let mut a = s.browser();
    for _ in 0..10 {
        a.sign_in(EMAIL, "not the password at all");
    }
    assert!(a.sign_in(EMAIL, PASSWORD).text().contains(LOCKED));

    let page = cs.get(&format!("/staff/payee?payee={A}")).text();
    assert!(page.contains("**-***4567"), "the TIN is masked: {page}");
    assert!(!page.contains("91-1234567"), "{page}");
    assert!(page.contains(EMAIL) && page.contains("Locked after failed sign-ins."), "{page}");
    let t = csrf(&page);
    let r = cs.post(&format!("/staff/accounts/{owner}/unlock"), &[("csrf", &t)]);
    assert!(r.text().contains("they can sign in again"), "{r:?}");
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303, "unlocked");

    let r = cs.post(&format!("/staff/payee/{A}/letter"), &[("csrf", &t)]);
    assert!(r.text().contains("A new registration letter is requested"), "{r:?}");
    assert_eq!(s.portal.store.letters_requested().unwrap(), [A]);

    let audit = cs.get(&format!("/staff/audit?payee={A}")).text();
    for event in ["letter_requested", "unlocked", "sign_in_failed", "locked"] {
        assert!(audit.contains(&format!("<td>{event}</td>")), "{event} in {audit}");
    }
    assert!(!audit.contains(PASSWORD) && !audit.contains("not the password at all"));
    assert_eq!(cs.get("/staff/payee?payee=999999999").status, 404);
}

#[test]
fn messages_and_invitations_are_limited_per_hour_and_per_day() {
    let (s, _mail) = Server::with_mail();
    s.account(A, EMAIL);
    let mut a = s.browser();
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    let t = a.token("/messages/new");
    let fields = [("csrf", t.as_str()), ("unit", "ssps_unit"), ("subject", "1099 question"), ("body", "Which year?")];
    for n in 0..20 {
        assert_eq!(a.post_multipart("/messages/new", &fields, None).status, 303, "message {n}");
    }
    let r = a.post_multipart("/messages/new", &fields, None);
    assert_eq!(r.status, 429);
    assert!(r.text().contains("You have sent 20 messages in the last hour"), "{r:?}");
    // An hour later (signed in again: the session idled out): again.
    s.set_clock(s.now() + 3601);
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    let t = a.token("/messages/new");
    let fields = [("csrf", t.as_str()), ("unit", "ssps_unit"), ("subject", "1099 question"), ("body", "Which year?")];
    assert_eq!(a.post_multipart("/messages/new", &fields, None).status, 303);

    for n in 0..20 {
        let t = a.token("/people");
        let r = a.post("/people/invite", &[("csrf", &t), ("email", &format!("clerk{n}@example.net")), ("role", "view")]);
        assert!(r.text().contains("An invitation was sent"), "invitation {n}: {r:?}");
    }
    let t = a.token("/people");
    let r = a.post("/people/invite", &[("csrf", &t), ("email", "one.more@example.net"), ("role", "view")]);
    assert!(r.text().contains("This payee has sent 20 invitations today"), "{r:?}");
}
