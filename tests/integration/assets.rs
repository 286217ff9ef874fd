//! `--assets DIR`: staff try a wording or a template change without a
//! build. The replaced file shows in the documents and is listed with its
//! SHA-256 in `summary.json`; a broken one stops the run before any work,
//! naming the file (and a template's line).

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::util::{oct_2026, pdf_text, ssps, stderr, stdout};

/// The October notices, with the files of `assets` when given.
fn notices(assets: Option<&Path>, out: &Path) -> std::process::Output {
    let data = oct_2026();
    let mut args = vec!["notices", "--data", data.to_str().unwrap(), "--from", "2026-10-01", "--to", "2026-10-31"];
    args.extend(["--out", out.to_str().unwrap(), "--dry-run"]);
    if let Some(a) = assets {
        args.extend(["--assets", a.to_str().unwrap()]);
    }
    ssps(&args)
}

#[test]
fn a_changed_wording_is_printed_and_the_file_is_listed_with_its_sha256() {
    let tmp = tempfile::tempdir().unwrap();
    // The whole embedded set, as staff start from it.
    let set = tmp.path().join("set");
    let o = ssps(&["assets", "export", set.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(set.join("templates/notice.typ").is_file() && set.join("data/holidays-wa.toml").is_file());
    let again = ssps(&["assets", "export", set.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("is not empty: export the embedded files into a new or empty folder"), "{}", stderr(&again));

    // One file changed: the English notice's title.
    let assets = tmp.path().join("assets");
    std::fs::create_dir_all(assets.join("letters")).unwrap();
    let text = std::fs::read_to_string(set.join("letters/documents.toml"))
        .unwrap()
        .replace("title = \"SOCIAL SERVICES NOTICE\"", "title = \"NOTICE OF SOCIAL SERVICES (TRIAL WORDING)\"");
    std::fs::write(assets.join("letters/documents.toml"), &text).unwrap();
    let out = tmp.path().join("run");
    let o = notices(Some(&assets), &out);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(stdout(&o).contains("--assets: letters/documents.toml replaced the embedded file"), "{}", stdout(&o));

    let manifest = crate::util::read_csv(&out.join("manifest.csv"));
    let english = manifest.iter().find(|r| !r["file"].is_empty() && pdf_text(&out.join(&r["file"])).contains("Provider number")).unwrap();
    let printed = pdf_text(&out.join(&english["file"]));
    assert!(printed.contains("NOTICE OF SOCIAL SERVICES (TRIAL WORDING)"), "{printed}");
    assert!(!printed.contains("\nSOCIAL SERVICES NOTICE"), "{printed}");

    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let sha = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(summary["assets"], serde_json::json!([{ "file": "letters/documents.toml", "sha256": sha }]));

    // Without --assets the same run lists nothing and prints the embedded title.
    let plain = tmp.path().join("plain");
    let data = oct_2026();
    let o = ssps(&[
        "notices",
        "--data",
        data.to_str().unwrap(),
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--out",
        plain.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(plain.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["assets"], serde_json::json!([]));
    assert!(pdf_text(&plain.join(&english["file"])).contains("SOCIAL SERVICES NOTICE"));
}

#[test]
fn a_broken_template_or_catalog_stops_the_run_before_any_work_naming_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let assets = tmp.path().join("assets");
    std::fs::create_dir_all(assets.join("templates")).unwrap();
    let out = tmp.path().join("run");

    // A syntax error: found when the folder is read.
    std::fs::write(assets.join("templates/notice.typ"), "#import \"document-common.typ\": *\n#let x = (1, 2\n").unwrap();
    let o = notices(Some(&assets), &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: --assets: templates/notice.typ:2:"), "{}", stderr(&o));
    assert!(!out.exists());

    // A template that parses but fails when compiled: the Typst error with its line.
    std::fs::write(assets.join("templates/notice.typ"), "#let data = json(\"/data.json\")\n\n#no-such-function(data)\n").unwrap();
    let o = notices(Some(&assets), &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("templates/notice.typ:3: unknown variable: no-such-function"), "{}", stderr(&o));
    assert!(!out.exists(), "a failed run leaves no run folder");

    // A catalog that does not parse, and a file name that is not one of the set.
    std::fs::remove_file(assets.join("templates/notice.typ")).unwrap();
    std::fs::create_dir_all(assets.join("letters")).unwrap();
    std::fs::write(assets.join("letters/documents.toml"), "[notice.en\ntitle = 1\n").unwrap();
    let o = notices(Some(&assets), &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: --assets: letters/documents.toml: TOML parse error at line 1"), "{}", stderr(&o));
    std::fs::remove_file(assets.join("letters/documents.toml")).unwrap();
    std::fs::write(assets.join("letters/document.toml"), "").unwrap();
    let o = notices(Some(&assets), &out);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim(),
        "error: --assets: letters/document.toml is not one of the program's files (`ssps assets export DIR` writes them all); nothing was run"
    );
}

#[test]
fn a_file_given_both_in_the_folder_and_by_its_own_option_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let assets = tmp.path().join("assets");
    std::fs::create_dir_all(assets.join("data")).unwrap();
    let mail = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mail.toml");
    std::fs::copy(&mail, assets.join("data/mail.toml")).unwrap();
    let out = tmp.path().join("run");
    let data = oct_2026();
    let o = ssps(&[
        "invoices",
        "--data",
        data.to_str().unwrap(),
        "--month",
        "2026-10",
        "--out",
        out.to_str().unwrap(),
        "--assets",
        assets.to_str().unwrap(),
        "--mail-config",
        mail.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).trim(), "error: --assets replaces data/mail.toml and --mail-config gives it too: give one of them");
    assert!(!out.exists());
}
