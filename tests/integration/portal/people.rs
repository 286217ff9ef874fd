//! A payee's people over HTTP, with a real SMTP server on loopback: the
//! administrator invites a clerk, the invitation email's link makes the
//! clerk's own account, a view-only clerk cannot claim nor manage people,
//! roles change, a payee keeps an administrator, one person works for two
//! payees and switches between them, a removed person loses the payee.

use super::*;

const CLERK: &str = "clerk@example.net";
const CLERK_PASSWORD: &str = "quiet harbor lantern 77";

/// The invitation link's path in the one message sent to `to`.
fn invitation_path(mail: &Mailbox, to: &str) -> String {
    let messages = mail.wait_until(|m| m.iter().any(|(rcpt, _, _)| rcpt == &[to.to_string()]));
    let mine: Vec<_> = messages.iter().filter(|(rcpt, _, _)| rcpt == &[to.to_string()]).collect();
    assert_eq!(mine.len(), 1, "{messages:#?}");
    let (_, subject, body) = mine[0];
    assert_eq!(subject, "Invitation to the SSPS Provider Portal / Invitación al Portal de Proveedores de SSPS");
    let at = body.find("https://portal.test/invite/").unwrap_or_else(|| panic!("{body}"));
    let link = body[at..].split_whitespace().next().unwrap();
    link.trim_start_matches("https://portal.test").to_string()
}

fn invite(b: &mut Browser, email: &str, role: &str) -> Reply {
    let t = b.token("/people");
    b.post("/people/invite", &[("csrf", &t), ("email", email), ("role", role)])
}

#[test]
fn an_administrator_invites_a_clerk_whose_role_decides_what_they_may_do() {
    let (s, mail) = Server::with_mail();
    let owner = s.account(A, EMAIL);
    let mut admin = s.browser();
    assert_eq!(admin.sign_in(EMAIL, PASSWORD).status, 303);
    let r = invite(&mut admin, CLERK, "view");
    assert!(r.text().contains(&format!("An invitation was sent to {CLERK}. It works once, for 7 days.")), "{r:?}");
    assert!(invite(&mut admin, "not an email", "view").text().contains("Enter an email address in the correct format"));

    // Queued in the outbox, sent through the SMTP server.
    assert!(mail.messages().is_empty());
    s.portal.send_mail();
    assert_eq!(mail.wait_for(1).len(), 1);
    assert_eq!(s.portal.send_mail().sent, 0, "sent once");
    assert_eq!(mail.messages().len(), 1, "sent once");
    let path = invitation_path(&mail, CLERK);
    let (_, _, body) = &mail.messages()[0];
    for private in ["Sunrise", A, EMAIL] {
        assert!(!body.contains(private), "the invitation holds {private}: {body}");
    }

    // The clerk makes their own account from the link.
    let mut clerk = s.browser();
    let page = clerk.get(&path);
    assert!(page.text().contains(&format!("you will sign in with {CLERK}")), "{page:?}");
    let t = csrf(&page.text());
    let r = clerk.post(&path, &[("csrf", &t), ("password", "short"), ("confirm", "short")]);
    assert!(r.text().contains("There is a problem"), "a weak password is refused: {r:?}");
    let r = clerk.post(&path, &[("csrf", &t), ("password", CLERK_PASSWORD), ("confirm", CLERK_PASSWORD)]);
    assert_eq!((r.status, r.location()), (303, "/sign-in?invited=1"));
    assert_eq!(clerk.get(&path).status, 404, "an invitation works once");
    assert!(clerk.get(&path).text().contains("This invitation link does not work"));
    assert_eq!(clerk.sign_in(CLERK, CLERK_PASSWORD).status, 303);
    let payments = clerk.get("/payments").text();
    assert!(payments.contains(&format!("Signed in for payee {A}")), "{payments}");
    assert!(!payments.contains("href=\"/people\""), "People is for administrators");

    // View only: claims are shown, not sent; people cannot be managed.
    let claim = clerk.get("/claims/300A-261101").text();
    assert!(claim.contains("claims, not send them. Ask the payee"), "{claim}");
    assert!(!claim.contains("name=\"u-"), "no claim form");
    let t = csrf(&claim);
    let r = clerk.post("/claims/300A-261101", &[("csrf", &t), ("action", "save"), ("u-1000004007", "18")]);
    assert_eq!(r.status, 403);
    assert_eq!(clerk.post("/claims/300A-261101/confirm", &[("csrf", &t), ("password", CLERK_PASSWORD)]).status, 403);
    assert_eq!(s.portal.store.claim(A, "300A-261101").unwrap(), None);
    assert_eq!(clerk.get("/people").status, 404);
    let me = s.portal.store.members(A).unwrap().into_iter().find(|m| m.email == CLERK).unwrap();
    let r = clerk.post(&format!("/people/{}/role", me.account_id), &[("csrf", &t), ("role", "admin")]);
    assert_eq!(r.status, 404, "no escalation");
    assert_eq!(s.portal.store.memberships(me.account_id).unwrap()[0].role, ssps::portal::store::Role::View);
    assert!(events(&s.audit(), "not_allowed").len() >= 2);

    // The administrator lets the clerk claim; the clerk saves a draft.
    let t = admin.token("/people");
    let r = admin.post(&format!("/people/{}/role", me.account_id), &[("csrf", &t), ("role", "claim")]);
    assert!(r.text().contains("The change is saved."), "{r:?}");
    let t = csrf(&clerk.get("/claims/300A-261101").text());
    let r = clerk.post("/claims/300A-261101", &[("csrf", &t), ("action", "save"), ("u-1000004007", "18")]);
    assert!(r.text().contains("Your claim is saved."), "{r:?}");

    // The last administrator cannot step down or leave.
    let t = t_of(&mut admin);
    let r = admin.post(&format!("/people/{owner}/role"), &[("csrf", &t), ("role", "view")]);
    assert_eq!(r.status, 409);
    assert!(r.text().contains("The payee must keep at least one administrator"), "{r:?}");
    let t = t_of(&mut admin);
    assert_eq!(admin.post(&format!("/people/{owner}/remove"), &[("csrf", &t)]).status, 409);
    assert!(!events(&s.audit(), "role_changed").is_empty() && !events(&s.audit(), "invite").is_empty());
}

fn t_of(b: &mut Browser) -> String {
    b.token("/people")
}

#[test]
fn one_person_works_for_two_payees_switches_between_them_and_loses_one_when_removed() {
    let (s, mail) = Server::with_mail();
    s.account(A, EMAIL);
    s.account(B, "b.tester@example.net");
    let mut a = s.browser();
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    invite(&mut a, CLERK, "claim");
    s.portal.send_mail();
    let path_a = invitation_path(&mail, CLERK);
    let mut clerk = s.browser();
    let t = csrf(&clerk.get(&path_a).text());
    assert_eq!(clerk.post(&path_a, &[("csrf", &t), ("password", CLERK_PASSWORD), ("confirm", CLERK_PASSWORD)]).status, 303);
    assert_eq!(clerk.sign_in(CLERK, CLERK_PASSWORD).status, 303);

    // B invites the same person: signed in, they accept with one button.
    let mut b = s.browser();
    assert_eq!(b.sign_in("b.tester@example.net", PASSWORD).status, 303);
    invite(&mut b, CLERK, "view");
    s.portal.send_mail();
    let path_b = {
        let messages = mail.wait_for(2);
        let body = &messages.last().unwrap().2;
        let at = body.find("https://portal.test/invite/").unwrap();
        body[at..].split_whitespace().next().unwrap().trim_start_matches("https://portal.test").to_string()
    };
    let page = clerk.get(&path_b).text();
    assert!(page.contains("Accept the invitation"), "{page}");
    // Signed out, the same link asks to sign in first (the email has an account).
    assert!(s.browser().get(&path_b).text().contains("You already have an account with this email address."));
    let r = clerk.post(&path_b, &[("csrf", &csrf(&page))]);
    assert_eq!((r.status, r.location()), (303, "/payments"));
    let payments = clerk.get("/payments").text();
    assert!(payments.contains(&format!("Signed in for payee {B}")), "accepting switches to the new payee: {payments}");
    assert!(payments.contains(&format!("<option value=\"{A}\">{A}</option>")), "{payments}");

    // Switching: only to the person's own payees.
    let t = csrf(&payments);
    assert_eq!(clerk.post("/payee", &[("csrf", &t), ("payee", A)]).status, 303);
    assert!(clerk.get("/payments").text().contains(&format!("Signed in for payee {A}")));
    // A page of payee B left open in another tab cannot act for A now: its
    // form token was B's.
    let fields = [("csrf", t.as_str()), ("unit", "customer_service"), ("subject", "From an old tab"), ("body", "Meant for B.")];
    let r = clerk.post_multipart("/messages/new", &fields, None);
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.text().contains("The form expired."), "{r:?}");
    assert!(s.portal.store.threads_of(A).unwrap().is_empty() && s.portal.store.threads_of(B).unwrap().is_empty());
    assert_eq!(clerk.post("/payee", &[("csrf", &t), ("payee", "100200302")]).status, 404);
    assert!(clerk.get("/payments").text().contains(&format!("Signed in for payee {A}")));

    // A removes the clerk: working for A ends; B remains.
    let clerk_id = s.portal.store.account_by_email(CLERK).unwrap().unwrap().id;
    let t = a.token("/people");
    let r = a.post(&format!("/people/{clerk_id}/remove"), &[("csrf", &t)]);
    assert!(r.text().contains("The change is saved."), "{r:?}");
    assert!(!r.text().contains(CLERK), "the clerk is no longer listed");
    let r = clerk.get("/payments");
    assert_eq!(r.status, 303, "the session that worked for A ended");
    assert_eq!(clerk.sign_in(CLERK, CLERK_PASSWORD).status, 303);
    assert!(clerk.get("/payments").text().contains(&format!("Signed in for payee {B}")));
    assert_eq!(clerk.get("/claims/300A-261101").status, 404, "A's invoices are gone for the clerk");
}

#[test]
fn a_person_who_asked_is_emailed_when_a_new_run_brings_their_payees_documents() {
    let (s, mail) = Server::with_mail();
    s.account(A, EMAIL);
    s.account(B, "b.tester@example.net");
    let mut a = s.browser();
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    let page = a.get("/security").text();
    assert!(page.contains("Email me when new remittance advices, notices or invoices are in the portal"), "{page}");
    let r = a.post("/security/notices", &[("csrf", &csrf(&page)), ("notify", "on")]);
    assert!(r.text().contains("You will get an email when new documents are in the portal."), "{r:?}");
    assert!(r.text().contains("id=\"notify\" name=\"notify\" value=\"on\" checked"), "{r:?}");

    // September's invoices arrive while the portal runs; the chores index them.
    let runs = s.runs.to_str().unwrap().to_string();
    let o = ssps(&["invoices", "--data", arg(&oct_2026()), "--month", "2026-09", "--out", &format!("{runs}/inv-sep")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    s.portal.chores();
    s.portal.send_mail();
    let messages = mail.wait_until(|m| m.iter().any(|(to, _, _)| to == &[EMAIL.to_string()]));
    let to_a: Vec<_> = messages.iter().filter(|(to, _, _)| to == &[EMAIL.to_string()]).collect();
    assert_eq!(to_a.len(), 1, "{messages:#?}");
    assert_eq!(to_a[0].1, "New documents in the SSPS Provider Portal / Documentos nuevos en el Portal de Proveedores de SSPS");
    assert!(to_a[0].2.contains("https://portal.test/documents"), "{}", to_a[0].2);
    assert!(!to_a[0].2.contains(A) && !to_a[0].2.contains("Sunrise"), "{}", to_a[0].2);
    assert!(messages.iter().all(|(to, _, _)| to != &["b.tester@example.net".to_string()]), "B did not ask");
    // Indexed again: nothing new, no mail.
    s.portal.chores();
    assert_eq!(s.portal.send_mail().sent, 0);
}
