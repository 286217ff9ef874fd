//! Registering, signing in and out, lockouts, sessions, form tokens, the
//! second factor, and what the database keeps.

use super::*;

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
fn database_cells(db: &Database) -> Vec<String> {
    match db {
        Database::File(path) => sqlite_cells(path),
        Database::Postgres(url) => postgres_cells(url),
        Database::Unusable(why) => panic!("{why}"),
    }
}

/// Every value of every table of the PostgreSQL database, read by a client
/// of its own: each column cast to text (`BYTEA` as `\x` and hex, also
/// decoded).
fn postgres_cells(url: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let columns = client
            .query(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public'",
                &[],
            )
            .await
            .unwrap();
        assert!(columns.len() > 30, "the portal's tables were found: {}", columns.len());
        let mut cells = vec![];
        for c in columns {
            let (table, column, kind): (String, String, String) = (c.get(0), c.get(1), c.get(2));
            let rows = client.query(&format!("SELECT \"{column}\"::text FROM \"{table}\""), &[]).await.unwrap();
            for r in rows {
                let Some(text): Option<String> = r.get(0) else { continue };
                if kind == "bytea" {
                    let hex = text.trim_start_matches("\\x").to_string();
                    let bytes: Vec<u8> = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
                    cells.push(String::from_utf8_lossy(&bytes).into_owned());
                    cells.push(hex);
                } else {
                    cells.push(text);
                }
            }
        }
        cells
    })
}

/// Every value of every table of the SQLite file.
fn sqlite_cells(db: &Path) -> Vec<String> {
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
