//! Who sees which document: 404s for other payees and guessed paths, the
//! archived copies checked on every download, headers and logs, the
//! index, the demo binary, documents made on demand and tagged.

use super::*;

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
fn reindexing_is_idempotent_and_a_new_run_is_served_without_a_restart() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let db = s.db.to_string();
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
pub(super) fn pdfinfo(bytes: &[u8], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdfinfo").args(args).arg(&file).output().expect("pdfinfo (poppler-utils)");
    assert!(out.status.success(), "pdfinfo: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The text of a PDF's bytes (`pdftotext -layout`).
pub(super) fn pdf_bytes_text(bytes: &[u8]) -> String {
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
