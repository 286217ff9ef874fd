use super::*;

#[test]
fn a_shard_is_i_of_n_counted_from_zero() {
    assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
    assert_eq!(Shard::parse(" 0 / 1 "), Ok(Shard { index: 0, count: 1 }));
    assert_eq!(Shard::parse("4/4").unwrap_err().to_string(), "--shard 4/4: shards of 4 are counted 0 to 3");
    assert_eq!(Shard::parse("1/0").unwrap_err().to_string(), "--shards must be at least 1");
    assert_eq!(Shard::parse("-1/4").unwrap_err().to_string(), "--shard \"-1/4\" is not I/N (the shard I of N, counted from 0: 0/4 … 3/4)");
    assert_eq!(
        Shard::parse("1/4\u{1b}").unwrap_err().to_string(),
        "--shard \"1/4\\u{1b}\" is not I/N (the shard I of N, counted from 0: 0/4 … 3/4)"
    );
    assert!(Shard::parse("0/256").is_ok());
    assert!(Shard::parse("0/257").is_err());
}

#[test]
fn the_engines_index_comes_from_the_first_variable_set() {
    let env =
        |pairs: &'static [(&'static str, &'static str)]| move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
    assert_eq!(Shard::from_engine(4, &env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(Shard { index: 3, count: 4 }));
    assert_eq!(Shard::from_engine(4, &env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0")])), Ok(Shard { index: 0, count: 4 }));
    assert_eq!(
        Shard::from_engine(4, &env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("JOB_COMPLETION_INDEX", "9")])),
        Ok(Shard { index: 2, count: 4 })
    );
    assert!(Shard::from_engine(4, &env(&[("JOB_COMPLETION_INDEX", "x")])).is_err());
}

#[test]
fn buckets_are_stable_and_a_shard_owns_whole_buckets() {
    // The first byte of SHA-256("300000001"): fixed forever, or documents
    // would move between shards of old and new builds.
    assert_eq!(bucket("300000001"), u32::from(Sha256::digest(b"300000001")[0]));
    let ids: Vec<String> = (0..2000).map(|i| format!("{}", 300_000_000 + i)).collect();
    for n in [1, 2, 3, 4, 7, 8, 256] {
        let mut per = vec![0usize; n as usize];
        for id in &ids {
            let owners: Vec<u32> = (0..n).filter(|&i| Shard { index: i, count: n }.owns(id)).collect();
            assert_eq!(owners.len(), 1, "{id} of {n} shards");
            per[owners[0] as usize] += 1;
        }
        if n <= 8 {
            let (lo, hi) = (per.iter().min().unwrap(), per.iter().max().unwrap());
            assert!(*hi as f64 / *lo as f64 <= 1.5, "{n} shards: {per:?}");
        }
    }
}

#[test]
fn the_recorded_command_leaves_out_what_each_shard_or_the_merge_sets() {
    let args: Vec<String> = [
        "ssps",
        "invoices",
        "--data",
        "d",
        "--out",
        "o",
        "--shard=1/4",
        "--threads",
        "2",
        "--month",
        "2026-10",
        "--dry-run",
        "--smtp",
        "s.toml",
        "--journal=j",
        "--shards",
        "4",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(recorded_command(&args), ["ssps", "invoices", "--data", "d", "--month", "2026-10"]);
}

#[test]
fn the_inputs_digest_follows_content_not_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("payees.csv"), "payee_number\n1\n").unwrap();
    }
    let cmd = |d: &Path, month: &str| -> Vec<String> {
        ["ssps", "invoices", "--data", &d.display().to_string(), "--month", month].iter().map(|s| s.to_string()).collect()
    };
    let digest = |c: Vec<String>| inputs_digest(&c, tmp.path()).unwrap();
    let first = digest(cmd(&a, "2026-10"));
    assert_eq!(first, digest(cmd(&b, "2026-10")), "the same content elsewhere");
    assert_eq!(first, digest(cmd(Path::new("a"), "2026-10")), "relative to the folder it ran in");
    assert_ne!(first, digest(cmd(&a, "2026-09")), "another option");
    std::fs::write(b.join("payees.csv"), "payee_number\n2\n").unwrap();
    assert_ne!(first, digest(cmd(&b, "2026-10")), "another extract");
    std::fs::write(a.join("extra.csv"), "").unwrap();
    assert_ne!(first, digest(cmd(&a, "2026-10")), "a file more");
}

fn record(dir: &Path, index: u32, count: u32, inputs: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let r = Record {
        format: FORMAT,
        shard: format!("{index}/{count}"),
        index,
        count,
        run: "invoices".into(),
        ident: "ssps-invoices-2026-10".into(),
        command: vec!["ssps".into(), "invoices".into()],
        cwd: "/".into(),
        inputs: inputs.into(),
        composition: "c".repeat(64),
        run_documents: 0,
        status: Status::Finished,
        error: None,
        files: vec![],
        seconds: 0.0,
        seconds_before_render: 0.0,
        peak_rss_bytes: None,
    };
    std::fs::write(dir.join(RECORD), serde_json::to_vec(&r).unwrap()).unwrap();
    dir.to_path_buf()
}

#[test]
fn verify_takes_a_whole_set_in_shard_order() {
    let tmp = tempfile::tempdir().unwrap();
    let i = "a".repeat(64);
    let dirs: Vec<PathBuf> = [2, 0, 1].iter().map(|&n| record(&tmp.path().join(format!("s{n}")), n, 3, &i)).collect();
    let set = verify(&dirs).unwrap();
    assert_eq!(set.iter().map(|(r, _)| r.index).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(verify(&dirs[..2]).unwrap_err().to_string(), "cannot merge: shard 1/3 of the 3 is missing");
    assert_eq!(verify(&[]).unwrap_err().to_string(), "cannot merge: no shard folders given");
    let other = record(&tmp.path().join("other"), 1, 3, &"b".repeat(64));
    let e = verify(&[dirs[1].clone(), other.clone(), dirs[0].clone()]).unwrap_err().to_string();
    assert!(
        e.contains(
            "were made from different inputs (ssps-invoices-2026-10, inputs aaaaaaaaaaaa, composition cccccccccccc and ssps-invoices-2026-10, inputs bbbbbbbbbbbb, composition cccccccccccc)"
        ),
        "{e}"
    );
}

#[test]
fn a_record_never_sends_the_merge_outside_the_shard() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret"), "x").unwrap();
    let shard = tmp.path().join("shard");
    std::fs::create_dir_all(shard.join("documents")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret"), shard.join("documents/link.pdf")).unwrap();
    for file in ["../secret", "/etc/passwd", "documents/link.pdf", ""] {
        let made =
            Made { index: 0, document: "D".into(), recipient: "R".into(), file: file.into(), pages: 1, sha256: "0".repeat(64), bytes: 1 };
        let e = copy_checked(&shard, &made, &tmp.path().join("out")).unwrap_err().to_string();
        assert!(e.contains("names a file outside the shard's folder"), "{file}: {e}");
    }
}

#[test]
fn only_input_options_are_read_and_a_link_given_is_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("payees.csv"), "payee_number\n1\n").unwrap();
    std::os::unix::fs::symlink(&data, tmp.path().join("current")).unwrap();
    let cmd = |d: &str| -> Vec<String> { ["ssps", "invoices", "--data", d, "--month", "2026-10"].iter().map(|s| s.to_string()).collect() };
    let before = inputs_digest(&cmd("current"), tmp.path()).unwrap();
    // A folder named like a value, and a file deeper than the extract's top: not inputs.
    std::fs::create_dir_all(tmp.path().join("2026-10")).unwrap();
    std::fs::write(tmp.path().join("2026-10/shard.json"), "{}").unwrap();
    std::fs::write(data.join("sub/notes.txt"), "x").unwrap();
    assert_eq!(before, inputs_digest(&cmd("current"), tmp.path()).unwrap());
    assert_eq!(before, inputs_digest(&cmd("data"), tmp.path()).unwrap());
    // The extract behind the link changed: so does the digest.
    std::fs::write(data.join("payees.csv"), "payee_number\n2\n").unwrap();
    assert_ne!(before, inputs_digest(&cmd("current"), tmp.path()).unwrap());
}

#[test]
fn a_record_that_does_not_agree_with_itself_is_refused_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let i = "a".repeat(64);
    for (name, edit) in [("zero", r#""count":0"#), ("past", r#""index":5"#), ("text", r#""shard":"9/3""#), ("short", r#""inputs":"ab""#)] {
        let dir = record(&tmp.path().join(name), 1, 3, &i);
        let text = std::fs::read_to_string(dir.join(RECORD)).unwrap();
        let key = edit.split(':').next().unwrap();
        let start = text.find(key).unwrap();
        let end = start + text[start..].find([',', '}']).unwrap();
        std::fs::write(dir.join(RECORD), format!("{}{edit}{}", &text[..start], &text[end..])).unwrap();
        let e = read_record(&dir).unwrap_err().to_string();
        assert!(e.ends_with("is not a shard record: its shard, index, count or digests do not agree"), "{name}: {e}");
    }
}
