//! Unit tests of [`super`] (`src/email.rs`).

use super::*;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

#[test]
fn settings_from_the_environment_alone_and_the_password_never_shows() {
    let env = env_of(&[
        ("SSPS_SMTP_HOST", "smtp.dshs.example"),
        ("SSPS_SMTP_USERNAME", "ssps"),
        ("SSPS_SMTP_PASSWORD", "hunter2-secret"),
        ("SSPS_SMTP_FROM", "DSHS SSPS <ssps-noreply@dshs.wa.gov>"),
    ]);
    let s = SmtpSettings::load(None, &env).unwrap().unwrap();
    assert_eq!((s.host.as_str(), s.port(), s.tls), ("smtp.dshs.example", 587, TlsMode::Starttls));
    let shown = format!("{s:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("password: Some(\"(set)\")"), "{shown}");
    assert!(SmtpSettings::load(None, &env_of(&[])).unwrap().is_none());
    let no_password = env_of(&[("SSPS_SMTP_HOST", "h"), ("SSPS_SMTP_USERNAME", "ssps"), ("SSPS_SMTP_FROM", "a@b.example")]);
    assert_eq!(
        SmtpSettings::load(None, &no_password).unwrap_err().to_string(),
        "SMTP settings: a username is set but SSPS_SMTP_PASSWORD is not"
    );
}

#[test]
fn a_password_in_the_file_is_refused_and_the_environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("smtp.toml");
    std::fs::write(&f, "host = \"a\"\nfrom = \"x@y.example\"\npassword = \"p\"\n").unwrap();
    let err = SmtpSettings::load(Some(&f), &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("a password does not belong in the settings file"), "{err}");
    std::fs::write(&f, "host = \"a\"\nfrom = \"x@y.example\"\ntls = \"none\"\n").unwrap();
    let s = SmtpSettings::load(Some(&f), &env_of(&[("SSPS_SMTP_PORT", "2525")])).unwrap().unwrap();
    assert_eq!((s.port(), s.tls), (2525, TlsMode::None));
    let err = SmtpSettings::load(Some(&f), &env_of(&[("SSPS_SMTP_PORT", "smtp")])).unwrap_err().to_string();
    assert_eq!(err, "SMTP settings: SSPS_SMTP_PORT must be a port number, got \"smtp\"");
    std::fs::write(&f, "host = \"a\"\nfrom = \"x@y.example\"\nport = 25\ntimeout = 3\n").unwrap();
    let err = SmtpSettings::load(Some(&f), &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("unknown field `timeout`"), "{err}");
}

fn doc(dir: &Path, id: &str, bytes: &[u8]) -> Attached {
    std::fs::create_dir_all(dir.join("documents/P1")).unwrap();
    std::fs::write(dir.join(format!("documents/P1/{id}.pdf")), bytes).unwrap();
    Attached {
        kind: "remittance".into(),
        document_id: id.into(),
        title: format!("Remittance advice {id}"),
        sha256: sha256_hex(bytes),
        file: format!("documents/P1/{id}.pdf"),
    }
}

#[test]
fn the_message_is_deterministic_in_the_payees_language_and_escapes_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = doc(dir.path(), "RA-1", b"%PDF-1.7 one");
    let texts = Texts::bundled();
    let date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let to = Addressed {
        run: "run1",
        kind: "remittance",
        period: "octubre de 2026",
        payee: "P1",
        name: "<O'Connor & Hijos>",
        to: "a@b.example",
        language: Language::Es,
        paper: false,
        date,
    };
    let make = || {
        let o = outgoing(&texts, &to, vec![d.clone()]).unwrap();
        message(&o, dir.path(), "DSHS SSPS <ssps-noreply@dshs.wa.gov>", None).unwrap().formatted()
    };
    let (a, b) = (make(), make());
    assert_eq!(a, b);
    let o = outgoing(&texts, &to, vec![d.clone()]).unwrap();
    assert_eq!(o.subject, "Sus avisos de remesa de DSHS SSPS, octubre de 2026");
    assert!(o.text.starts_with("Estimado/a <O'Connor & Hijos>:"), "{}", o.text);
    assert!(o.html.contains("Estimado/a &lt;O&#39;Connor &amp; Hijos&gt;:"), "{}", o.html);
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("Date: Sat, 31 Oct 2026 00:00:00 +0000"), "{text}");
    assert!(text.contains(&format!("Message-ID: {}", o.message_id)), "{text}");
    assert!(text.contains("filename=\"RA-1.pdf\""), "{text}");
}

#[test]
fn a_document_changed_since_the_run_is_never_sent() {
    let dir = tempfile::tempdir().unwrap();
    let d = doc(dir.path(), "RA-1", b"%PDF-1.7 one");
    std::fs::write(dir.path().join("documents/P1/RA-1.pdf"), b"%PDF-1.7 two").unwrap();
    let o = outgoing(
        &Texts::bundled(),
        &Addressed {
            run: "r",
            kind: "remittance",
            period: "x",
            payee: "P1",
            name: "n",
            to: "a@b.example",
            language: Language::En,
            paper: false,
            date: NaiveDate::default(),
        },
        vec![d],
    )
    .unwrap();
    let err = message(&o, dir.path(), "s@dshs.wa.gov", None).unwrap_err().to_string();
    assert!(err.contains("changed since the run made it"), "{err}");
}
