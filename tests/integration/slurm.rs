//! The month as an array job on a real Slurm cluster (issue 18): four
//! shards submitted with `sbatch --array=0-3` and the merge as a job that
//! waits for them (`deploy/slurm/submit`), the merged folder compared byte
//! for byte with the run one machine makes. The cluster is started by
//! `tests/slurm/with-cluster` (one node on loopback, stopped by its PIDs
//! however the test ends) unless `SLURM_CONF` names one already. A machine
//! that cannot start Slurm fails this test: `.ci/run` installs it.

use std::path::Path;
use std::process::Command;

use crate::shards::assert_same_run;
use crate::util::{ssps, stderr, stdout};

#[test]
fn the_month_as_a_slurm_array_job_merges_into_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let data = t.join("data");
    let o = ssps(&["sample", "--payees", "120", "--month", "2026-10", "--out", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let single = t.join("single");
    let o = ssps(&["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10", "--out", single.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (shards, merged) = (t.join("shards"), t.join("merged"));
    let submit = root.join("deploy/slurm/submit");
    let mut c = if std::env::var_os("SLURM_CONF").is_some() {
        Command::new(&submit)
    } else {
        let mut c = Command::new(root.join("tests/slurm/with-cluster"));
        c.arg(&submit);
        c
    };
    c.args(["--wait", "4"]).arg(&shards).arg(&merged).arg("--").arg(env!("CARGO_BIN_EXE_ssps"));
    c.args(["invoices", "--data", data.to_str().unwrap(), "--month", "2026-10"]);
    // The merge writes the email as files, as the single run did.
    c.env("SSPS_MERGE_OPTIONS", "--dry-run");
    let o = c.output().expect("run deploy/slurm/submit");
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "the array job did not complete: {out}{err}");
    for i in 0..4 {
        assert!(out.contains(&format!("(shard {i}): COMPLETED, exit 0:0")), "{out}");
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shards.join(format!("shard-{i}/shard.json"))).unwrap()).unwrap();
        assert_eq!((record["shard"].as_str(), record["status"].as_str()), (Some(format!("{i}/4").as_str()), Some("finished")));
    }
    assert!(out.lines().filter(|l| l.contains("COMPLETED")).count() == 5, "{out}");
    let merge_log = std::fs::read_to_string(shards.join("logs/merge.log")).unwrap();
    assert!(merge_log.contains(" invoices, ") && merge_log.contains("email (dry run): "), "{merge_log}");
    assert_same_run(&single, &merged);
}
