//! `ssps sample`: synthetic extracts that the pipeline accepts, with the
//! broken rows it was asked for rejected precisely.

use crate::util::*;

#[test]
fn sample_extract_runs_clean_and_bad_rows_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ssps(&["sample", "--payees", "60", "--month", "2026-10", "--out", data.to_str().unwrap(), "--seed", "7"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let m = read_csv(&out.join("manifest.csv"));
    assert!(m.len() >= 60, "one invoice per provider: {}", m.len());
    let payees: std::collections::BTreeSet<_> = m.iter().map(|r| r["recipient_id"].clone()).collect();
    assert_eq!(payees.len(), 60);

    let bad = tmp.path().join("bad");
    let o = ssps(&["sample", "--payees", "60", "--month", "2026-10", "--out", bad.to_str().unwrap(), "--seed", "7", "--bad-rows", "6"]);
    assert_eq!(o.status.code(), Some(0));
    let broken: Vec<(String, String)> = stdout(&o)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("broken: "))
        .map(|l| {
            let mut it = l.splitn(3, ':');
            (it.next().unwrap().to_string(), it.next().unwrap().to_string())
        })
        .collect();
    assert_eq!(broken.len(), 6);
    let o = ssps(&["check", "--data", bad.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (file, line) in &broken {
        let hit = v["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["file"] == file.as_str() && p["line"].as_u64().is_some_and(|n| n.to_string() == *line));
        assert!(hit, "broken row {file}:{line} not reported");
    }
}

#[test]
fn same_seed_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for d in [&a, &b] {
        let o = ssps(&["sample", "--payees", "40", "--month", "2026-10", "--out", d.to_str().unwrap(), "--seed", "3"]);
        assert_eq!(o.status.code(), Some(0));
    }
    for f in ["payees.csv", "providers.csv", "clients.csv", "workers.csv", "authorizations.csv"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
}
