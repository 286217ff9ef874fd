//! `ssps merge`: the shards' recorded command, run again with the merge's
//! own options and the shard folders (the library checks them as a set).

use clap::Parser;
use ssps::ops::OpError;

use crate::cli::{self, Cli, Command};
use crate::run;

/// `ssps merge`: the command the shards recorded, run again with `--out`
/// and the merge's own options, taking the documents from the shards (the
/// run checks them as a set, and against the inputs as they are now).
pub fn merge(args: cli::MergeArgs) -> Result<u8, OpError> {
    let refuse = |m: String| OpError::Shard(ssps::shard::ShardError::Merge(m));
    let absolute = |p: &std::path::Path| std::path::absolute(p).map_err(|e| refuse(format!("{}: {e}", p.display())));
    let dirs = args.shards.iter().map(|d| absolute(d)).collect::<Result<Vec<_>, _>>()?;
    let record = ssps::shard::read_record(&dirs[0])?;
    let mut argv = record.command.clone();
    if argv.len() < 2 || ssps::shard::recorded_command(&argv) != argv {
        return Err(refuse(format!(
            "{} records no command, or one carrying an option only a shard or the merge sets",
            dirs[0].join(ssps::shard::RECORD).display()
        )));
    }
    // The staff reports take no email options; the worksheets no threads either.
    let takes = |option: &str| match argv[1].as_str() {
        "claim" => false,
        "mil-report" => option == "--threads",
        _ => true,
    };
    for (given, option) in [
        (args.threads.is_some(), "--threads"),
        (args.email.smtp.is_some(), "--smtp"),
        (args.email.journal.is_some(), "--journal"),
        (args.email.dry_run, "--dry-run"),
    ] {
        if given && !takes(option) {
            return Err(refuse(format!(
                "the {} run takes no {option}",
                ssps::problem::shown(&argv[1], 40, ssps::problem::Masking::AnyNineDigits)
            )));
        }
    }
    argv[0] = "ssps".into();
    if let Some(data) = &args.data {
        let data = absolute(data)?.display().to_string();
        let mut replaced = false;
        for i in 1..argv.len() {
            if argv[i] == "--data" && i + 1 < argv.len() {
                argv[i + 1] = data.clone();
                replaced = true;
            } else if argv[i].starts_with("--data=") {
                argv[i] = format!("--data={data}");
                replaced = true;
            }
        }
        if !replaced {
            return Err(refuse("the shards' command has no --data to replace".into()));
        }
    }
    argv.extend(["--out".to_string(), absolute(&args.out)?.display().to_string()]);
    if let Some(t) = args.threads {
        argv.extend(["--threads".to_string(), t.to_string()]);
    }
    if let Some(smtp) = &args.email.smtp {
        argv.extend(["--smtp".to_string(), absolute(smtp)?.display().to_string()]);
    }
    if let Some(journal) = &args.email.journal {
        argv.extend(["--journal".to_string(), absolute(journal)?.display().to_string()]);
    }
    if args.email.dry_run {
        argv.push("--dry-run".into());
    }
    for d in &dirs {
        argv.extend(["--merged-shard".to_string(), d.display().to_string()]);
    }
    let cwd = std::path::PathBuf::from(&record.cwd);
    std::env::set_current_dir(&cwd).map_err(|e| {
        refuse(format!(
            "the shards ran in {}, which this machine cannot enter ({e}): merge where their paths resolve (a shared volume at the same path)",
            cwd.display()
        ))
    })?;
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
        refuse(format!("the shards' command does not parse: {}", ssps::problem::shown(&first, 300, ssps::problem::Masking::AnyNineDigits)))
    })?;
    if matches!(cli.command, Command::Merge(_)) {
        return Err(refuse("the shards' command is a merge".into()));
    }
    run(cli, &argv)
}
