//! Provider-portal registration letters (`ssps registration-letters`): the
//! real binary on the October extract with a secret file written here; each
//! letter read back from its PDF (the code computed here with
//! `ssps::regcode` for its payee and date, the expiry date, the steps, the
//! Spanish letter), the print channel only whatever the payee's delivery
//! choice, `registrations.csv`, byte-identical reruns, `--payees`, the
//! secret file's refusals, and hostile names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use ssps::regcode;

use crate::util::{copy_extract, edit, oct_2026, pdf_page_count, pdf_text, read_csv, ssps, stderr, stdout};

const SECRET: &[u8] = b"integration-test secret: 32 bytes or more, never used in production";
const DATE: &str = "2026-10-20";

fn date() -> NaiveDate {
    DATE.parse().unwrap()
}

/// Writes the secret with `mode` into `dir`.
fn secret(dir: &Path, mode: u32) -> PathBuf {
    let path = dir.join("portal.secret");
    std::fs::write(&path, SECRET).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

/// An `--assets` folder whose `data/portal.toml` is confirmed, with a
/// telephone of its own.
fn confirmed_portal(dir: &Path) -> PathBuf {
    let assets = dir.join("assets");
    std::fs::create_dir_all(assets.join("data")).unwrap();
    std::fs::write(
        assets.join("data/portal.toml"),
        "confirmed = true\naddress = \"https://ssps-portal.dshs.wa.gov\"\nphone = \"1-800-555-0142\"\n",
    )
    .unwrap();
    assets
}

/// Runs the letters on `data` into `out`, with `extra` arguments.
fn run(data: &Path, out: &Path, secret: &Path, extra: &[&str]) -> std::process::Output {
    let (data, out, secret) = (data.display().to_string(), out.display().to_string(), secret.display().to_string());
    let mut args = vec!["registration-letters", "--data", &data, "--date", DATE, "--out", &out, "--secret", &secret];
    args.extend_from_slice(extra);
    ssps(&args)
}

fn letter(out: &Path, payee: &str) -> PathBuf {
    out.join("documents").join(payee).join(format!("REG-{payee}-20261020.pdf"))
}

fn code(payee: &str) -> String {
    regcode::code(&regcode::Secret::from_bytes(SECRET).unwrap(), payee, date()).to_string()
}

/// Every file of the run folder but the PDFs, as text.
fn machine_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            machine_files(&p, out);
        } else if p.extension().is_none_or(|x| x != "pdf") {
            out.push((p.clone(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned()));
        }
    }
}

#[test]
fn each_payee_gets_their_code_and_its_expiry_by_mail_only() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, key, assets) = (tmp.path().join("run"), secret(tmp.path(), 0o600), confirmed_portal(tmp.path()));
    let o = run(&oct_2026(), &out, &key, &["--assets", &assets.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("7 letters for 7 payees (0 skipped as already registered); 7 mailed letters listed in"), "{}", stdout(&o));

    let payees: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&oct_2026().join("payees.csv")).into_iter().map(|r| (r["payee_number"].clone(), r)).collect();
    assert_eq!(payees.len(), 7);
    for (n, p) in &payees {
        let path = letter(&out, n);
        assert_eq!(pdf_page_count(&path), 1, "{n}");
        let text = pdf_text(&path);
        let spanish = p["language"] == "es";
        let expected: Vec<String> = if spanish {
            vec![
                "REGISTRO EN EL PORTAL".into(),
                "Su código de registro de un solo uso".into(),
                code(n),
                format!("Número de beneficiario: {n}"),
                "Código válido hasta: 01/18/2027".into(),
                "Vaya a https://ssps-portal.dshs.wa.gov".into(),
                "Elija Register (Registrarse).".into(),
                format!("Escriba su número de beneficiario, {n}, y el código de registro que aparece arriba."),
                "Elija el correo electrónico y la contraseña con los que iniciará sesión.".into(),
                "El código se puede usar una sola vez.".into(),
                "El código funciona hasta el 01/18/2027 (90 días después de la fecha de esta carta).".into(),
                "solo funciona el código de la carta más reciente".into(),
                "Llame a la línea de proveedores de SSPS al 1-800-555-0142 y pida una nueva carta de registro.".into(),
            ]
        } else {
            vec![
                "PORTAL REGISTRATION".into(),
                "Your one-time registration code".into(),
                code(n),
                format!("Payee number: {n}"),
                "Code valid through: 01/18/2027".into(),
                "Go to https://ssps-portal.dshs.wa.gov".into(),
                "Choose Register.".into(),
                format!("Enter your payee number, {n}, and the registration code above."),
                "Choose the email address and the password you will sign in with.".into(),
                "The code can be used once.".into(),
                "The code works through 01/18/2027 (90 days after the date of this letter).".into(),
                "If we send you a newer registration letter, its code replaces this one".into(),
                "Call the SSPS provider line at 1-800-555-0142 and ask for a new registration letter.".into(),
            ]
        };
        for e in &expected {
            assert!(text.contains(e.as_str()), "{e:?} is not in payee {n}'s letter: {text}");
        }
        assert_eq!(text.contains("PORTAL REGISTRATION"), !spanish, "payee {n} ({}) in their language", p["language"]);
        // Another payee's code is not on it.
        for other in payees.keys().filter(|o| *o != n) {
            assert!(!text.contains(&code(other)), "payee {other}'s code on {n}'s letter");
        }
    }

    // The print channel only, even for payees who chose email (100200302,
    // 100200306) or both (100200300): never email, never the archives.
    let manifest = read_csv(&out.join("manifest.csv"));
    assert_eq!(manifest.len(), 7);
    for r in &manifest {
        assert_eq!((r["kind"].as_str(), r["channels"].as_str()), ("registration", "mail"), "{}", r["document_id"]);
    }
    assert!(["100200300", "100200302", "100200306"].iter().all(|n| payees[*n]["delivery"] != "mail"));
    assert!(!out.join("download").exists() && !out.join("email").exists());
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["run"], "registration-letters");
    assert_eq!(summary["channels"], serde_json::json!({ "mail": 7 }));
    assert_eq!((summary["download_archives"].as_u64(), summary["email"]["messages"].as_u64()), (Some(0), Some(0)));
    assert_eq!(summary["registration"]["skipped_registered"], 0);
    assert!(summary["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true), "{}", summary["checks"]);

    // The print job holds every letter, each code once.
    let print = pdf_text(&out.join("print/batch-0001.pdf"));
    for n in payees.keys() {
        assert_eq!(print.matches(&code(n)).count(), 1, "payee {n}'s code in the print job");
    }

    // registrations.csv: a row per letter, no code; the manifest's ids.
    let rows = read_csv(&out.join("registrations.csv"));
    let got: Vec<Vec<String>> =
        rows.iter().map(|r| ["payee_number", "letter_date", "expires_on", "document_id"].iter().map(|k| r[*k].clone()).collect()).collect();
    let want: Vec<Vec<String>> =
        payees.keys().map(|n| vec![n.clone(), DATE.into(), "2027-01-18".into(), format!("REG-{n}-20261020")]).collect();
    assert_eq!(got, want);
    let ids: Vec<&str> = manifest.iter().map(|r| r["document_id"].as_str()).collect();
    assert!(want.iter().all(|w| ids.contains(&w[3].as_str())));

    // No code in clear in any machine file, nor in what the run printed.
    let mut files = Vec::new();
    machine_files(&out, &mut files);
    assert!(files.iter().any(|(p, _)| p.ends_with("registrations.csv")));
    for n in payees.keys() {
        let c = code(n);
        for (p, text) in &files {
            assert!(!text.contains(&c) && !text.contains(&c.replace('-', "")), "payee {n}'s code in {}", p.display());
        }
        assert!(!stdout(&o).contains(&c) && !stderr(&o).contains(&c));
    }

    // A rerun is byte-identical.
    let first: Vec<(&str, Vec<u8>)> = ["print/batch-0001.pdf", "manifest.csv", "registrations.csv", "print/job.csv"]
        .into_iter()
        .map(|f| (f, std::fs::read(out.join(f)).unwrap()))
        .collect();
    let again = run(&oct_2026(), &out, &key, &["--assets", &assets.display().to_string()]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    for (f, bytes) in first {
        assert!(std::fs::read(out.join(f)).unwrap() == bytes, "{f} differs between runs");
    }
}

#[test]
fn the_bundled_placeholder_telephone_asks_for_attention() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, key) = (tmp.path().join("run"), secret(tmp.path(), 0o600));
    let o = run(&oct_2026(), &out, &key, &["--payees", "100200305"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("portal: data/portal.toml is not confirmed (its telephone is a placeholder): do not mail these letters"));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["registration"]["portal_confirmed"], false);
}

#[test]
fn payees_lists_the_letters_and_an_unknown_payee_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, key, assets) = (tmp.path().join("run"), secret(tmp.path(), 0o600), confirmed_portal(tmp.path()));
    let assets = assets.display().to_string();
    let o = run(&oct_2026(), &out, &key, &["--payees", "100200306,100200305", "--assets", &assets]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let ids: Vec<String> = read_csv(&out.join("manifest.csv")).iter().map(|r| r["document_id"].clone()).collect();
    assert_eq!(ids, ["REG-100200305-20261020", "REG-100200306-20261020"]);
    assert_eq!(read_csv(&out.join("registrations.csv")).len(), 2);

    let other = tmp.path().join("other");
    let o = run(&oct_2026(), &other, &key, &["--payees", "100200305,999999999", "--assets", &assets]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert_eq!(stderr(&o), "error: --payees: payee 999999999 is not in payees.csv: no letter was made\n");
    assert!(!other.exists(), "nothing was written");
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_may_read_or_too_short_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let key = secret(tmp.path(), 0o644);
    let o = run(&oct_2026(), &out, &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let p = key.display();
    assert_eq!(stderr(&o), format!("error: the secret file {p} is open to other users (mode 0644): restrict it with `chmod 600 {p}`\n"));
    assert!(!out.exists(), "nothing was written");

    std::fs::write(&key, b"too short").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = run(&oct_2026(), &out, &key, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!("error: the secret file {p} holds 9 bytes; a secret is at least 32 random bytes")),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    // A good secret kept in the run folder, which the next run replaces.
    let assets = confirmed_portal(tmp.path()).display().to_string();
    assert_eq!(run(&oct_2026(), &out, &secret(tmp.path(), 0o600), &["--assets", &assets]).status.code(), Some(0));
    let inside = secret(&out, 0o600);
    let o = run(&oct_2026(), &out, &inside, &["--assets", &assets]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("error: --secret {} is inside the --out folder, which every run replaces: keep the secret outside it\n", inside.display())
    );
    assert!(inside.exists(), "the secret is left where it was");
}

#[test]
fn hostile_names_print_as_written_and_an_unmailable_payee_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(&data, "payees.csv", "Tacoma Little Sprouts Inc", "#panic() <script>alert(1)</script>");
    edit(&data, "payees.csv", "Evergreen Kids Academy LLC,", "$x$ *bold* _under_ @ref \\\\ [link](x),");
    edit(&data, "payees.csv", "Olympia,WA,98501,", "Olympia,WA,9850,");
    let (out, key, assets) = (tmp.path().join("run"), secret(tmp.path(), 0o600), confirmed_portal(tmp.path()));
    let o = run(&data, &out, &key, &["--assets", &assets.display().to_string()]);
    assert_eq!(o.status.code(), Some(1), "an address cannot be mailed: {}{}", stdout(&o), stderr(&o));

    for (payee, name) in [
        ("100200303", "#panic() <script>alert(1)</script>"),
        ("100200304", "$x$ *bold* _under_ @ref \\\\ [link](x)"),
        ("100200305", "James O'Connor O'Connor Family Care #2 77 Cedar Loop SE Apt #4 [rear]"),
    ] {
        let text = pdf_text(&letter(&out, payee));
        assert!(text.contains(name), "{name:?} is not printed as written: {text}");
        assert!(text.contains(&code(payee)));
    }

    // The unmailable payee's letter is made but not mailed, and the portal
    // is not told of it (an older letter's code keeps working).
    let manifest: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&out.join("manifest.csv")).into_iter().map(|r| (r["recipient_id"].clone(), r)).collect();
    assert_eq!(manifest["100200305"]["channels"], "unmailable");
    assert!(manifest.iter().filter(|(n, _)| *n != "100200305").all(|(_, r)| r["channels"] == "mail"));
    let registered: Vec<String> = read_csv(&out.join("registrations.csv")).iter().map(|r| r["payee_number"].clone()).collect();
    assert_eq!(registered.len(), 6);
    assert!(!registered.contains(&"100200305".to_string()));
    let rejects = read_csv(&out.join("rejects.csv"));
    assert!(rejects.iter().any(|r| r["severity"] == "unmailable" && r["record"] == "payee 100200305"), "{rejects:?}");
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["unmailable"].as_u64(), summary["registration"]["registered_letters"].as_u64()), (Some(1), Some(6)));
    assert!(!pdf_text(&out.join("print/batch-0001.pdf")).contains(&code("100200305")));
}

#[test]
fn the_letters_staff_requested_in_the_portal_are_made_once() {
    use ssps::portal::store::MessageStore;
    let tmp = tempfile::tempdir().unwrap();
    let (key, assets) = (secret(tmp.path(), 0o600), confirmed_portal(tmp.path()));
    let db = tmp.path().join("portal.sqlite");
    {
        let store = ssps::portal::sqlite::SqliteStore::open(&db).unwrap();
        store.request_letter("100200305", 9, 1).unwrap();
        store.request_letter("100200302", 9, 2).unwrap();
    }
    let extra = ["--assets", &assets.display().to_string(), "--db", &db.display().to_string(), "--requested"];
    let out = tmp.path().join("run");
    let o = run(&oct_2026(), &out, &key, &extra);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2 letters for 2 payees"), "{}", stdout(&o));
    let rows = read_csv(&out.join("registrations.csv"));
    let mut payees: Vec<&str> = rows.iter().map(|r| r["payee_number"].as_str()).collect();
    payees.sort_unstable();
    assert_eq!(payees, ["100200302", "100200305"]);
    assert!(pdf_text(&letter(&out, "100200305")).contains(&code("100200305")));
    // Done: a second run has nothing to make.
    let o = run(&oct_2026(), &tmp.path().join("run2"), &key, &extra);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("no registration letters requested: nothing was made"), "{}", stdout(&o));
    assert!(!tmp.path().join("run2").exists());
    // A shard of that run leaves its record, and the merge says the same.
    let shard = tmp.path().join("shard-0");
    let o = run(&oct_2026(), &shard, &key, &[&extra[..], &["--shard", "0/1"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(shard.join("shard.json")).unwrap()).unwrap();
    assert_eq!((record["status"].as_str(), record["files"].as_array().map(Vec::len)), (Some("finished"), Some(0)), "{record}");
    let merged = tmp.path().join("merged");
    let o = ssps(&["merge", "--out", merged.to_str().unwrap(), shard.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("no registration letters requested: nothing was made"), "{}", stdout(&o));
    assert!(!merged.exists());
}
