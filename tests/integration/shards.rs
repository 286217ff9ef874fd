//! Runs split into shards (issue 18): every run kind made whole and as
//! three shards merged, the two folders compared byte for byte (only
//! `summary.json`'s `seconds` may differ); the merge's refusals with their
//! exact messages; `--shard`/`--shards` mistakes. The same on a real Slurm
//! cluster is `slurm.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::{copy_extract, oct_2026, ssps, ssps_env, stderr, stdout};

/// Every file under `dir`, by path relative to it.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts that `merged` is `single` byte for byte, but for the seconds
/// in `summary.json`.
pub fn assert_same_run(single: &Path, merged: &Path) {
    let (a, b) = (tree(single), tree(merged));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{} and {} hold different files",
        single.display(),
        merged.display()
    );
    assert!(a.keys().any(|k| k.ends_with(".pdf")), "{} made no PDF", single.display());
    for (name, bytes) in &a {
        if name == "summary.json" {
            let mut x: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let mut y: serde_json::Value = serde_json::from_slice(&b[name]).unwrap();
            x.as_object_mut().unwrap().remove("seconds");
            y.as_object_mut().unwrap().remove("seconds");
            assert_eq!(x, y, "summary.json of {} differs", merged.display());
        } else {
            assert!(bytes == &b[name], "{name} differs between {} and {}", single.display(), merged.display());
        }
    }
}

/// A synthetic extract with payments, SSP events, overpayments and an
/// SSP roster: every run kind has documents for several recipients.
pub fn extract(tmp: &Path) -> PathBuf {
    let data = tmp.join("data");
    let o =
        ssps(&["sample", "--payees", "40", "--month", "2026-10", "--out", data.to_str().unwrap(), "--payments", "2", "--ssp-cases", "12"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let providers = std::fs::read_to_string(data.join("providers.csv")).unwrap();
    let mut over = String::from(
        "overpayment_id,payee_number,provider_number,reference_number,invoice_number,service_month,amount,reason,description\n",
    );
    for (i, line) in providers.lines().skip(1).take(9).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        over.push_str(&format!("OP{i},{},{},,,2026-08,{}.25,claimed_twice,\n", cells[1], cells[0], 10 + i));
    }
    std::fs::write(data.join("overpayments.csv"), over).unwrap();
    let clients = std::fs::read_to_string(data.join("clients.csv")).unwrap();
    let mut roster = String::from("au_number,client_id,program_type,amount,open_date,close_date\n");
    for (i, line) in clients.lines().skip(1).take(5).enumerate() {
        roster.push_str(&format!("AU{i:04},{},M,{}.10,2020-01-01,\n", line.split(',').next().unwrap(), 20 + i));
    }
    std::fs::write(data.join("ssp_cases.csv"), roster).unwrap();
    data
}

/// Settings files a run needs: a confirmed payer, a portal secret.
fn settings(tmp: &Path) -> (String, String) {
    let payer = tmp.join("payer.toml");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/payer.toml")).unwrap();
    std::fs::write(&payer, text.replace("confirmed = false", "confirmed = true")).unwrap();
    let secret = tmp.join("portal.secret");
    std::fs::write(&secret, b"shard-test secret: 32 bytes or more, never used in production").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    (payer.display().to_string(), secret.display().to_string())
}

/// Each run kind: its name, its arguments (without `--out`), whether it
/// takes `--dry-run`.
pub fn kinds(tmp: &Path) -> Vec<(&'static str, Vec<String>, bool)> {
    let data = extract(tmp).display().to_string();
    let booklet = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/booklet-claims").display().to_string();
    let (payer, secret) = settings(tmp);
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("invoices", args(&["invoices", "--data", &data, "--month", "2026-10"]), true),
        ("remittances", args(&["remittances", "--data", &data, "--from", "2026-09-01", "--to", "2026-10-31"]), true),
        ("notices", args(&["notices", "--data", &data, "--from", "2026-01-01", "--to", "2026-12-31"]), true),
        ("overpayments", args(&["overpayments", "--data", &data, "--date", "2026-10-30"]), true),
        ("letters", args(&["letters", "--data", &data, "--date", "2026-10-20"]), true),
        ("tax1099", args(&["tax1099", "--data", &data, "--year", "2026", "--payer", &payer]), true),
        ("registration-letters", args(&["registration-letters", "--data", &data, "--date", "2026-10-20", "--secret", &secret]), true),
        ("mil-report", args(&["mil-report", "--data", &data, "--month", "2026-10"]), false),
        ("claim", args(&["claim", "--data", &booklet, "--month", "2025-08"]), false),
    ]
}

fn run(args: &[String], more: &[&str]) -> Output {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend_from_slice(more);
    ssps(&all)
}

/// The shard line's counts: (documents it rendered, documents of the run).
fn shard_counts(o: &Output) -> (usize, usize) {
    let text = stdout(o);
    let words: Vec<&str> = text.split_whitespace().collect();
    (words[2].parse().unwrap(), words[6].parse().unwrap())
}

#[test]
fn every_run_kind_merged_from_three_shards_is_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    for (kind, args, dry) in kinds(tmp.path()) {
        let dir = tmp.path().join(kind);
        let single = dir.join("single");
        let dry_run: &[&str] = if dry { &["--dry-run"] } else { &[] };
        let one = run(&args, &[&["--out", single.to_str().unwrap()], dry_run].concat());
        assert!(matches!(one.status.code(), Some(0 | 1)), "{kind}: {}", stderr(&one));
        let mut shards = vec![];
        let mut rendered = vec![];
        for i in 0..3 {
            let out = dir.join(format!("shard-{i}"));
            let o = if i == 1 {
                // The array job's way: the index from the engine.
                let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
                all.extend(["--out", out.to_str().unwrap(), "--shards", "3"]);
                ssps_env(&all, &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")])
            } else {
                run(&args, &["--out", out.to_str().unwrap(), "--shard", &format!("{i}/3")])
            };
            assert_eq!(o.status.code(), Some(0), "{kind} shard {i}: {}{}", stdout(&o), stderr(&o));
            assert!(stdout(&o).starts_with(&format!("shard {i}/3: ")), "{kind}: {}", stdout(&o));
            rendered.push(shard_counts(&o));
            shards.push(out.display().to_string());
        }
        let (total, all) = (rendered.iter().map(|r| r.0).sum::<usize>(), rendered[0].1);
        assert_eq!(total, all, "{kind}: the shards rendered {rendered:?}");
        if all > 1 {
            assert!(rendered.iter().filter(|r| r.0 > 0).count() >= 2, "{kind}: one shard rendered everything: {rendered:?}");
        }
        let merged = dir.join("merged");
        let mut m = vec!["merge", "--out", merged.to_str().unwrap()];
        m.extend_from_slice(dry_run);
        m.extend(shards.iter().map(String::as_str));
        let o = ssps(&m);
        assert_eq!(o.status.code(), one.status.code(), "{kind}: {}{}", stdout(&o), stderr(&o));
        assert_same_run(&single, &merged);
    }
}

/// Three shards of the October invoices in `tmp`.
fn october_shards(tmp: &Path, data: &Path) -> Vec<String> {
    (0..3)
        .map(|i| {
            let out = tmp.join(format!("s{i}"));
            let o = ssps(&[
                "invoices",
                "--data",
                data.to_str().unwrap(),
                "--month",
                "2026-10",
                "--out",
                out.to_str().unwrap(),
                "--shard",
                &format!("{i}/3"),
            ]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            out.display().to_string()
        })
        .collect()
}

fn merge(tmp: &Path, shards: &[&str]) -> Output {
    let out = tmp.join("merged");
    let mut args = vec!["merge", "--out", out.to_str().unwrap()];
    args.extend_from_slice(shards);
    let o = ssps(&args);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!out.exists(), "a refused merge wrote {}", out.display());
    o
}

#[test]
fn the_merge_refuses_a_missing_repeated_foreign_failed_or_changed_shard_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let data = t.join("data");
    copy_extract(&oct_2026(), &data);
    let s = october_shards(t, &data);
    let (s0, s1, s2) = (s[0].as_str(), s[1].as_str(), s[2].as_str());

    let o = merge(t, &[s0, s2]);
    assert_eq!(stderr(&o), "error: cannot merge: shard 1/3 of the 3 is missing\n");
    let o = merge(t, &[s0, s1, s1, s2]);
    assert_eq!(stderr(&o), format!("error: cannot merge: shard 1/3 is given twice: {s1} and {s1}\n"));

    // A shard of another count.
    let four = t.join("four");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", four.to_str().unwrap(), "--shard", "3/4"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = merge(t, &[s0, s1, s2, four.to_str().unwrap()]);
    assert_eq!(
        stderr(&o),
        format!("error: cannot merge: {s0} is shard 0/3 but {} is shard 3/4: shards of one run all have the same count\n", four.display())
    );

    // A shard of another month: other inputs.
    let sept = t.join("sept");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-09", "--out", sept.to_str().unwrap(), "--shard", "2/3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = merge(t, &[s0, s1, sept.to_str().unwrap()]);
    let e = stderr(&o);
    assert!(
        e.starts_with(&format!(
            "error: cannot merge: {s0} and {} were made from different inputs (ssps-invoices-2026-10, inputs ",
            sept.display()
        )) && e.ends_with("): every shard must run the same command on the same extract, settings and program\n"),
        "{e}"
    );

    // Not a shard folder.
    let o = merge(t, &[s0, s1, data.to_str().unwrap()]);
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot merge: {} has no shard.json: it is not a shard folder, or its shard never finished (see the array job's log)\n",
            data.display()
        )
    );

    // A shard that failed leaves a record saying why.
    let empty = t.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let failed = t.join("failed");
    let o =
        ssps(&["invoices", "--data", empty.to_str().unwrap(), "--month", "2026-10", "--out", failed.to_str().unwrap(), "--shard", "1/3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = merge(t, &[s0, failed.to_str().unwrap(), s2]);
    assert_eq!(
        stderr(&o),
        format!(
            "error: cannot merge: shard 1/3 ({}) failed: no extract files in {}: expected some of payees.csv, providers.csv, clients.csv, workers.csv, authorizations.csv, invoice_claims.csv, attendance.csv, payments.csv, payment_lines.csv, ssp_events.csv, overpayments.csv, ssp_cases.csv\n",
            failed.display(),
            empty.display()
        )
    );

    // A document changed after its shard made it.
    let doc = std::fs::read_dir(Path::new(s1).join("documents")).unwrap().next().unwrap().unwrap().path();
    let pdf = std::fs::read_dir(&doc).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&pdf).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    std::fs::write(&pdf, &bytes).unwrap();
    let o = merge(t, &[s0, s1, s2]);
    let e = stderr(&o);
    assert!(
        e.starts_with(&format!("error: cannot merge: {} is not the file its shard made (sha256 ", pdf.display()))
            && e.ends_with("): the shard folder was changed\n"),
        "{e}"
    );
    bytes[last] ^= 1;
    std::fs::write(&pdf, &bytes).unwrap();

    // The extract changed since the shards ran.
    crate::util::edit(&data, "payees.csv", "Olympia", "Tumwater");
    let o = merge(t, &[s0, s1, s2]);
    let e = stderr(&o);
    assert!(e.starts_with("error: cannot merge: the inputs changed since the shards ran: the extract, a settings or assets file, an option or the program is not what shard 0/3 recorded (inputs "), "{e}");
    assert!(e.ends_with("); run the shards again\n"), "{e}");

    // A record whose command carries an option only the merge sets.
    let record = Path::new(s2).join("shard.json");
    let text = std::fs::read_to_string(&record).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["command"].as_array_mut().unwrap().extend(["--smtp".into(), "/shared/other.toml".into()]);
    std::fs::write(&record, serde_json::to_vec(&json).unwrap()).unwrap();
    let o = merge(t, &[s2, s0, s1]);
    assert_eq!(
        stderr(&o),
        format!("error: cannot merge: {s2}/shard.json records no command, or one carrying an option only a shard or the merge sets\n")
    );
    std::fs::write(&record, text).unwrap();

    // Put back, the same shards merge.
    crate::util::edit(&data, "payees.csv", "Tumwater", "Olympia");
    let out = t.join("merged");
    let o = ssps(&["merge", "--out", out.to_str().unwrap(), s2, s0, s1]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("8 invoices, 11 pages, total 43,518.00; print job: 5 envelopes"), "{}", stdout(&o));
}

#[test]
fn merge_options_a_run_does_not_take_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let booklet = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/booklet-claims");
    let o = ssps(&["claim", "--data", booklet.to_str().unwrap(), "--month", "2025-08", "--shard", "0/2"]);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(2), "error: a claim shard writes its worksheets: give --out\n"));
    let shard = tmp.path().join("s0");
    let o = ssps(&["claim", "--data", booklet.to_str().unwrap(), "--month", "2025-08", "--shard", "0/1", "--out", shard.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged = tmp.path().join("m");
    let o = ssps(&["merge", "--out", merged.to_str().unwrap(), "--dry-run", shard.to_str().unwrap()]);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(2), "error: cannot merge: the claim run takes no --dry-run\n"));
    let o = ssps(&["merge", "--out", merged.to_str().unwrap(), shard.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("worksheets in"), "{}", stdout(&o));
}

#[test]
fn a_shard_is_named_as_an_array_job_counts_its_tasks() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, out) = (oct_2026().display().to_string(), tmp.path().join("s").display().to_string());
    let base = ["invoices", "--data", &data, "--month", "2026-10", "--out", &out];
    let refused = |more: &[&str], env: &[(&str, &str)]| {
        let o = ssps_env(&[&base[..], more].concat(), env);
        assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
        assert!(!Path::new(&out).exists());
        stderr(&o)
    };
    assert!(refused(&["--shard", "4/4"], &[]).contains("--shard 4/4: shards of 4 are counted 0 to 3"));
    assert!(refused(&["--shard", "two"], &[]).contains("--shard \"two\" is not I/N (the shard I of N, counted from 0: 0/4 … 3/4)"));
    assert!(
        refused(&["--shard", "0/300"], &[]).contains("at most 256 shards: recipients fall in 256 buckets, and a shard takes whole buckets")
    );
    assert_eq!(
        refused(&["--shards", "4"], &[]),
        "error: --shards 4 takes this task's index from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, and none is set: give --shard I/4\n"
    );
    assert_eq!(
        refused(&["--shards", "4"], &[("SLURM_ARRAY_TASK_ID", "4")]),
        "error: SLURM_ARRAY_TASK_ID is 4, but --shards 4 counts tasks 0 to 3: submit the array as 0-3\n"
    );
    assert_eq!(
        refused(&["--shards", "4"], &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "8")]),
        "error: the Slurm array has 8 tasks but --shards says 4\n"
    );
    assert_eq!(
        refused(&["--shards", "2"], &[("JOB_COMPLETION_INDEX", "\u{1b}[2J")]),
        "error: JOB_COMPLETION_INDEX is \"\\u{1b}[2J\", not a task index\n"
    );
    let o = ssps_env(&[&base[..], &["--shards", "2"]].concat(), &[("AWS_BATCH_JOB_ARRAY_INDEX", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("shard 1/2: "), "{}", stdout(&o));
}
