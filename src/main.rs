//! The `ssps` command: parses arguments, calls the library, prints, exits.
//!
//! Exit status: 0 when everything was read and produced, 1 when the command
//! finished but records were rejected (see the problems printed, or
//! `rejects.csv`), 2 when it could not run at all (the error and its causes
//! are printed).

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command prints what it did

mod cli;
mod merge;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: a month's run spends much of its time
/// allocating inside Typst (docs/rendering.md has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{Cli, Command};
use ssps::ops::{self, OpError};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    match run(cli, &argv) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::from(2)
        }
    }
}

/// The `--assets` folder's files in place of the embedded ones, checked
/// before any work.
fn assets(dir: Option<&std::path::Path>) -> Result<ssps::assets::Assets, OpError> {
    Ok(match dir {
        Some(dir) => ssps::assets::Assets::load(dir)?,
        None => ssps::assets::Assets::default(),
    })
}

/// The whole run, a shard of it, or (given by `ssps merge`) the merge of
/// its shards; `argv` is the command line, recorded by a shard.
fn split(args: &cli::SplitArgs, argv: &[String]) -> Result<ssps::shard::Split, OpError> {
    use ssps::shard::{MergeRun, Shard, ShardRun, Split};
    let shard = match (args.shard, args.shards) {
        (Some(s), _) => Some(s),
        (None, Some(n)) => Some(Shard::from_engine(n, &|k| std::env::var(k).ok())?),
        (None, None) => None,
    };
    if shard.is_none() && args.merged_shard.is_empty() {
        return Ok(Split::Whole);
    }
    // A shard records its command in shard.json, on a shared volume.
    if shard.is_some()
        && argv
            .iter()
            .any(|a| a.contains("://") && a.split("://").nth(1).and_then(|r| r.split_once('@')).is_some_and(|(user, _)| user.contains(':')))
    {
        return Err(ssps::shard::ShardError::Spec(
            "--db holds a password, and a shard records its command in shard.json: give the database an address without one".into(),
        )
        .into());
    }
    let command = ssps::shard::recorded_command(argv);
    let cwd = std::env::current_dir().map_err(|e| ssps::shard::ShardError::Spec(format!("cannot tell the current folder: {e}")))?;
    let inputs = ssps::shard::inputs_digest(&command, &cwd)
        .map_err(|e| ssps::shard::ShardError::Spec(format!("cannot read the run's inputs to fingerprint them: {e}")))?;
    Ok(match shard {
        Some(shard) => Split::Shard(ShardRun { shard, command, cwd: cwd.display().to_string(), inputs }),
        None => Split::Merge(MergeRun { dirs: args.merged_shard.clone(), inputs }),
    })
}

fn run_options(args: cli::RunArgs, argv: &[String]) -> Result<ops::RunOptions, OpError> {
    Ok(ops::RunOptions {
        split: split(&args.split, argv)?,
        assets: assets(args.assets.as_deref())?,
        data: args.data,
        out: args.out,
        progress: std::io::stderr().is_terminal(),
        threads: args.threads,
        mail_config: args.mail_config,
        smtp: args.email.smtp,
        dry_run: args.email.dry_run,
        journal: args.email.journal,
    })
}

/// A run's exit status: its outcome's, or 1 when a message of its email is
/// unconfirmed after the delivery (staff must decide: `ssps deliver
/// --mark-sent` or `--resend-unconfirmed`).
fn run_code(outcome: ops::Outcome, email: Option<&ssps::pipeline::EmailOutcome>) -> u8 {
    let unconfirmed = email.and_then(|e| e.delivered.as_ref()).is_some_and(|d| d.unconfirmed > 0);
    outcome.code().max(u8::from(unconfirmed))
}

/// The summary lines of a document run.
fn print_run<E>(what: &str, r: &ssps::pipeline::Report<E>, out: &std::path::Path) -> u8 {
    if let Some(sh) = &r.shard {
        print_shard(what, sh);
        return 0;
    }
    let (s, email) = (&r.summary, r.email.as_ref());
    println!(
        "{} {what}, {} pages, total {}; print job: {} envelopes ({} flats), {} documents, {} pages, {} sheets in {} batch files; {} records rejected, {} unmailable addresses ({}/rejects.csv); {:.1} s",
        s.documents,
        s.pages,
        ssps::compose::money(s.total_amount),
        s.print.envelopes,
        s.print.flats,
        s.print.documents,
        s.print.pages,
        s.print.sheets,
        s.print.files.len(),
        s.rejected_records,
        s.unmailable,
        out.display(),
        s.seconds
    );
    for a in &s.assets {
        println!("--assets: {} replaced the embedded file (sha256 {})", a.file, a.sha256);
    }
    if s.email.dry_run {
        println!("email (dry run): {} messages with {} documents written to {}/email/", s.email.messages, s.email.documents, out.display());
        return run_code(r.outcome, email);
    }
    let Some(e) = email else { return run_code(r.outcome, email) };
    let mut line = format!("email: {} messages queued in {}", e.queued, e.journal.display());
    if e.already_journaled > 0 {
        line.push_str(&format!(" ({} documents were queued by an earlier run and are not sent again)", e.already_journaled));
    }
    println!("{line}");
    if !e.replace.is_empty() {
        println!("email: {} earlier messages that never went are replaced by this run's", e.replace.len());
    }
    for c in &e.changed_after_send {
        println!("  changed after it was emailed, not resent (send the corrected document by hand): {c}");
    }
    match &e.delivered {
        Some(d) => {
            let unconfirmed =
                if d.unconfirmed > 0 { format!(", {} unconfirmed (not sent again, see below)", d.unconfirmed) } else { String::new() };
            println!("email: {} sent, {} waiting (ssps deliver --retry), {} failed{unconfirmed}", d.sent, d.pending, d.failed);
            for p in &d.problems {
                println!("  {}", ssps::problem::shown(p, 600, ssps::problem::Masking::Hyphenated));
            }
            let run = d.unconfirmed_messages.first().map(|m| m.run.as_str());
            for line in ops::deliver::unconfirmed_advice(&e.journal, run, &d.unconfirmed_messages) {
                println!("{line}");
            }
        }
        None if e.queued > 0 => println!(
            "email: no SMTP server is configured (--smtp FILE or SSPS_SMTP_HOST); the messages wait in the journal: ssps deliver --retry --journal {}",
            e.journal.display()
        ),
        None => {}
    }
    run_code(r.outcome, email)
}

/// What a shard did: its part of the run's documents; rejects and email
/// are the merge's to report.
fn print_shard(what: &str, sh: &ssps::shard::ShardReport) {
    println!(
        "shard {}: {} of the run's {} {what}, {} pages, rendered into {}; when all {} shards are done: ssps merge --out DIR SHARD_DIR...",
        sh.shard,
        sh.documents,
        sh.run_documents,
        sh.pages,
        sh.dir.display(),
        sh.shard.count
    );
}

fn run(cli: Cli, argv: &[String]) -> Result<u8, OpError> {
    match cli.command {
        Command::Check(args) => {
            let report = ops::check::check_with(&args.data, &assets(args.assets.as_deref())?)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                for p in &report.problems {
                    println!("{p}");
                }
                let files = report.files.values().filter(|c| c.present).count();
                let rows: usize = report.files.values().map(|c| c.rows).sum();
                println!(
                    "checked {files} files, {rows} records: {} rejected, {} errors, {} warnings{}",
                    report.rejected,
                    report.errors,
                    report.warnings,
                    match report.unmailable {
                        0 => String::new(),
                        n => format!(", {n} unmailable addresses"),
                    }
                );
            }
            Ok(report.outcome().code())
        }
        Command::Invoices(args) => {
            let out = args.run.out.clone();
            let req = ops::invoices::InvoiceRun { month: args.month, opts: run_options(args.run, argv)? };
            let report = ops::invoices::run(&req)?;
            let code = print_run("invoices", &report, &out);
            Ok(code)
        }
        Command::Remittances(args) => {
            let out = args.run.out.clone();
            let req = ops::remittances::RemittanceRun { from: args.from, to: args.to, opts: run_options(args.run, argv)? };
            let report = ops::remittances::run(&req)?;
            let code = print_run("remittance advices", &report, &out);
            Ok(code)
        }
        Command::Notices(args) => {
            let out = args.run.out.clone();
            let req = ops::notices::NoticeRun { from: args.from, to: args.to, opts: run_options(args.run, argv)? };
            let report = ops::notices::run(&req)?;
            let code = print_run("Social Services Notices", &report, &out);
            Ok(code)
        }
        Command::Overpayments(args) => {
            let out = args.run.out.clone();
            let req = ops::overpayments::OverpaymentRun { date: args.date, opts: run_options(args.run, argv)? };
            let report = ops::overpayments::run(&req)?;
            let code = print_run("Vendor Overpayment Notices", &report, &out);
            Ok(code)
        }
        Command::RegistrationLetters(args) => {
            let out = args.run.out.clone();
            // Staff's requests from the portal: those payees only.
            let requested = match (&args.db, args.requested) {
                (Some(db), true) => Some(ssps::ops::portal::letters_requested(db).map_err(|e| OpError::Kind(Box::new(e)))?),
                _ => None,
            };
            // A shard still leaves its record (with no documents), so that
            // the merge finds every shard and says, as a single run does,
            // that nothing was made.
            let shard = args.run.split.shard.is_some() || args.run.split.shards.is_some();
            if requested.as_ref().is_some_and(Vec::is_empty) && !shard {
                println!("no registration letters requested: nothing was made");
                return Ok(0);
            }
            let req = ops::registration::RegistrationRun {
                date: args.date,
                secret: args.secret,
                // `--payees 1,2,` and `--payees "1, 2"` name payees 1 and 2.
                payees: match &requested {
                    Some(list) => Some(list.iter().cloned().collect()),
                    None => args.payees.map(|l| l.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).map(str::to_string).collect()),
                },
                requested: requested.is_some(),
                // Payees with a portal account get no letter.
                exclude: match &args.db {
                    Some(db) => ssps::ops::portal::payees_with_accounts(db).map_err(|e| OpError::Kind(Box::new(e)))?,
                    None => std::collections::BTreeSet::new(),
                },
                opts: run_options(args.run, argv)?,
            };
            let report = ops::registration::run(&req)?;
            if let (Some(db), Some(list), None) = (&args.db, &requested, &report.shard) {
                ssps::ops::portal::letters_made(db, list, ssps::portal::system_clock()()).map_err(|e| OpError::Kind(Box::new(e)))?;
            }
            let code = print_run("registration letters", &report, &out);
            if report.shard.is_some() {
                return Ok(code);
            }
            let r = &report.summary.extra.registration;
            println!(
                "registration letters dated {}, codes valid through {}: {} letters for {} payees ({} skipped as already registered); {} mailed letters listed in {}/{}",
                r.letter_date,
                r.expires_on,
                r.letters,
                r.payees,
                r.skipped_registered,
                r.registered_letters,
                out.display(),
                r.csv
            );
            if !r.portal_confirmed {
                println!("portal: data/portal.toml is not confirmed (its telephone is a placeholder): do not mail these letters; give --assets DIR with a confirmed DIR/data/portal.toml");
            }
            Ok(code)
        }
        Command::MilReport(args) => {
            let out = args.out.clone();
            // A staff report: no mail, email or journal settings to take.
            let opts = ops::RunOptions {
                data: args.data,
                out: args.out,
                progress: std::io::stderr().is_terminal(),
                threads: args.threads,
                assets: assets(args.assets.as_deref())?,
                split: split(&args.split, argv)?,
                ..ops::RunOptions::default()
            };
            let req = ops::mil_report::MilRun { month: args.month, opts };
            let report = ops::mil_report::run(&req)?;
            let code = print_run("MILs report", &report, &out);
            if report.shard.is_some() {
                return Ok(code);
            }
            let m = &report.summary.extra.mil_report;
            println!(
                "MILs Report for {}: {} MIL cases, total {}; {}/{}",
                ops::mil_report::mm_ccyy(m.month),
                m.cases,
                ssps::compose::money(m.total),
                out.display(),
                m.csv
            );
            Ok(code)
        }
        Command::Portal(args) => portal(args),
        Command::Merge(args) => merge::merge(args),
        Command::Claim(args) => {
            let req = ops::claim::ClaimRun {
                split: split(&args.split, argv)?,
                data: args.data,
                month: args.month,
                out: args.out.clone(),
                assets: assets(args.assets.as_deref())?,
            };
            let checked = ops::claim::run(&req)?;
            if let Some(sh) = &checked.shard {
                print_shard("claim worksheets", sh);
                return Ok(0);
            }
            let ops::claim::Checked { month: m, summary: s, outcome, .. } = checked;
            for a in &s.assets {
                eprintln!("--assets: {} replaced the embedded file (sha256 {})", a.file, a.sha256);
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default());
                return Ok(outcome.code());
            }
            let judged: std::collections::BTreeSet<usize> = m.claims.iter().map(|(i, _)| *i).collect();
            for (i, c) in &m.claims {
                let l = &m.lines[*i];
                println!(
                    "{} line {} {} ({}, {} authorized): {}; {}",
                    c.invoice_number,
                    c.reference_number,
                    l.child,
                    l.service,
                    l.units_authorized.normalize(),
                    c.words,
                    l.reasoning.join("; ")
                );
            }
            for (i, l) in m.lines.iter().enumerate().filter(|(i, _)| !judged.contains(i)) {
                println!(
                    "no claim: line {} {} ({}, {} authorized): may claim {}; {}",
                    l.reference_number,
                    l.child,
                    l.service,
                    l.units_authorized.normalize(),
                    l.correct.normalize(),
                    l.reasoning.join("; ")
                );
                let _ = i;
            }
            println!(
                "{}: {} claims: {} correct, {} over, {} under; {} claims not judged (their line is not in the extract); {} lines worked out; {} records rejected",
                s.month, s.claims, s.correct, s.over, s.under, s.unjudged, s.lines, s.rejected_records
            );
            if let Some(out) = &args.out {
                println!("{} worksheets in {}/worksheets/, claims.csv, rejects.csv, summary.json", s.worksheets, out.display());
            }
            Ok(outcome.code())
        }
        Command::Tax1099(args) => {
            let out = args.run.out.clone();
            let req = ops::tax1099::TaxRun {
                year: args.year,
                date: args.date,
                corrected_from: args.corrected_from,
                payer: args.payer,
                layout: args.iris_layout,
                tax_years: args.tax_years,
                opts: run_options(args.run, argv)?,
            };
            let report = ops::tax1099::run(&req)?;
            let code = print_run("Form 1099-NEC statements", &report, &out);
            if report.shard.is_some() {
                return Ok(code);
            }
            {
                let t = &report.summary.extra.tax1099;
                let sorted: Vec<String> = t
                    .sorted
                    .iter()
                    .map(|s| format!("{} {} ({} payments)", s.status.code(), ssps::compose::money(s.amount), s.payments))
                    .collect();
                println!(
                    "tax year {}: {} payments, {} = {}; threshold {}; furnish and file by {}",
                    t.year,
                    t.payments_of_the_year.payments,
                    ssps::compose::money(t.payments_of_the_year.amount),
                    sorted.join(" + "),
                    ssps::compose::money(t.threshold),
                    t.furnish_by
                );
                let returns: Vec<String> = t.returns.iter().filter(|c| c.count > 0).map(|c| format!("{} {}", c.count, c.what)).collect();
                let files: Vec<&str> = t.files.iter().map(|f| f.file.as_str()).collect();
                println!(
                    "returns: {}; IRIS upload files: {}; reconciliation: {}/tax1099/reconciliation.csv and .pdf",
                    if returns.is_empty() { "none".to_string() } else { returns.join(", ") },
                    if files.is_empty() { "none".to_string() } else { files.join(", ") },
                    out.display()
                );
                if !t.payer_confirmed {
                    println!("payer: the payer settings are not confirmed (the bundled data/payer.toml holds a placeholder EIN and telephone): do not mail or upload; give --payer FILE with confirmed = true");
                }
                if t.late {
                    println!("late: original returns dated {}, after the furnishing and filing deadline {}", t.date, t.furnish_by);
                }
                if t.undated_rejected_payments > 0 {
                    println!(
                        "{} rejected payment rows have no readable issue date: they may belong to {} (see the reconciliation)",
                        t.undated_rejected_payments, t.year
                    );
                }
                for a in &t.held {
                    println!("held: the return of account {a} stays as filed; see its reason in the reconciliation, fix the records and run the correction again");
                }
            }
            Ok(code)
        }
        Command::Letters(args) => {
            let out = args.run.out.clone();
            let req = ops::letters::LetterRun { date: args.date, opts: run_options(args.run, argv)? };
            let report = ops::letters::run(&req)?;
            let code = print_run("ACES letters", &report, &out);
            if report.shard.is_some() {
                return Ok(code);
            }
            {
                let a = &report.summary.extra.advance_notice;
                for s in &a.short {
                    let when = match s.days {
                        d if d < 0 => format!("{} days before the letter date", -d),
                        1 => "1 day after the letter date".to_string(),
                        d => format!("{d} days after the letter date"),
                    };
                    println!(
                        "advance notice: event {} (client {}): letter {} takes effect {when} ({}); the rule asks for 10 days' notice",
                        s.event_id, s.client_id, s.letter, s.effective_date
                    );
                }
            }
            Ok(code)
        }
        Command::Deliver(args) => {
            let req = ops::deliver::DeliverRequest {
                journal: args.journal,
                retry: args.retry,
                resend_unconfirmed: args.resend_unconfirmed,
                mark_sent: args.mark_sent,
                run: args.run,
                smtp: args.smtp,
            };
            let (report, outcome) = ops::deliver::run(&req)?;
            if args.json {
                let unconfirmed: Vec<_> = report.unconfirmed().collect();
                let json = serde_json::json!({
                    "messages": report.messages,
                    "totals": report.totals,
                    "unconfirmed": unconfirmed,
                    "marked_sent": report.marked_sent,
                    "resend": report.resent,
                    "retry": report.delivered,
                });
                println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
                return Ok(outcome.code());
            }
            for m in &report.marked_sent {
                println!("marked sent, not sent again: {} <{}> payee {} documents {}", m.message_id, m.to, m.payee, m.documents);
            }
            if let Some(d) = &report.resent {
                println!("resend: {} sent, {} failed, {} still unconfirmed ({} SMTP tries)", d.sent, d.failed, d.unconfirmed, d.tries);
                for p in &d.problems {
                    println!("  {}", ssps::problem::shown(p, 600, ssps::problem::Masking::Hyphenated));
                }
            }
            if let Some(d) = &report.delivered {
                println!("retry: {} sent, {} still waiting, {} failed ({} SMTP tries)", d.sent, d.pending, d.failed, d.tries);
                for p in &d.problems {
                    println!("  {}", ssps::problem::shown(p, 600, ssps::problem::Masking::Hyphenated));
                }
            }
            let acted = args.retry || args.resend_unconfirmed || !report.marked_sent.is_empty();
            if args.status || !acted {
                for m in &report.messages {
                    let paper = if m.paper { " (also on paper)" } else { "" };
                    let result = if m.last_result.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", ssps::problem::shown(&m.last_result, 200, ssps::problem::Masking::AnyNineDigits))
                    };
                    println!(
                        "{:<11} {} payee {} <{}> tries {} documents {}{paper}{result}",
                        m.state, m.run, m.payee, m.to, m.attempts, m.documents
                    );
                }
            }
            for line in ops::deliver::unconfirmed_advice(&req.journal, req.run.as_deref(), report.unconfirmed()) {
                println!("{line}");
            }
            let t = &report.totals;
            let sending = if t.sending > 0 { format!(", {} being sent by a delivery under way", t.sending) } else { String::new() };
            println!("{} sent, {} waiting, {} failed, {} unconfirmed{sending}", t.sent, t.pending, t.failed, t.unconfirmed);
            Ok(outcome.code())
        }
        Command::Assets(cli::AssetsCommand::Export { dir }) => {
            let n = ssps::assets::export(&dir)?;
            println!("wrote the {n} embedded templates, texts and data files to {}; edit a copy and give its folder to --assets (files left unchanged can be deleted)", dir.display());
            Ok(0)
        }
        Command::Imb(args) => {
            let imb = ssps::imb::Imb {
                barcode_id: args.barcode_id,
                service_type: args.service_type,
                mailer_id: args.mailer_id,
                serial: args.serial,
                // A ZIP+4 may be written NNNNN-NNNN; any other hyphen is an error.
                routing: match args.zip.split_once('-') {
                    Some((five, four)) if five.len() == 5 && four.len() == 4 => format!("{five}{four}"),
                    _ => args.zip,
                },
            };
            let bars = imb.bars().map_err(OpError::Barcode)?;
            println!("{bars}");
            Ok(0)
        }
        Command::Sample(args) => {
            let opts = ssps::sample::SampleOptions {
                payees: args.payees,
                month: args.month.first_day(),
                seed: args.seed,
                bad_rows: args.bad_rows,
                payments: args.payments,
                ssp_cases: args.ssp_cases,
            };
            let report = ssps::sample::generate(&opts, &args.out)?;
            println!(
                "wrote {} payees, {} providers, {} clients, {} workers, {} authorization lines, {} payments ({} lines), {} SSP events to {} ({} broken rows)",
                report.payees,
                report.providers,
                report.clients,
                report.workers,
                report.authorizations,
                report.payments,
                report.payment_lines,
                report.ssp_events,
                args.out.display(),
                report.bad_rows.len()
            );
            for b in &report.bad_rows {
                println!("  broken: {}:{}: {}", b.file, b.line, b.what);
            }
            Ok(0)
        }
    }
}

/// `ssps portal`: serves until Ctrl-C (or SIGTERM); `ssps portal index`.
fn portal(args: cli::PortalArgs) -> Result<u8, OpError> {
    use ssps::ops::portal as op;
    let fail = |e: op::PortalError| OpError::Kind(Box::new(e));
    if let Some(cli::PortalAction::Staff { db, email, unit, public_url }) = &args.action {
        let now = ssps::portal::system_clock()();
        let expires = op::invite_staff(db, email, unit, public_url.as_deref(), now).map_err(fail)?;
        let until = ssps::portal::pacific(expires);
        println!(
            "staff invitation queued for {}: the running portal emails it; it works once, until {} Washington time",
            email.trim().to_lowercase(),
            until.format("%Y-%m-%d %H:%M")
        );
        return Ok(0);
    }
    if let Some(cli::PortalAction::ExportClaims { db, out, date, batch, data, assets: dir }) = args.action {
        let now = ssps::portal::system_clock()();
        let date = date.unwrap_or_else(|| ssps::portal::pacific(now).date());
        let opts = ssps::ops::export_claims::ExportOptions { db, out: out.clone(), date, batch, data, assets: assets(dir.as_deref())? };
        let done = ssps::ops::export_claims::export(&opts, now).map_err(fail)?;
        match done.batch {
            Some(n) => {
                println!("export batch {n}: {} claims, {} invoice_claims.csv rows written to {}", done.claims, done.rows, out.display());
                if done.held > 0 {
                    println!(
                        "{} held back (claimed by mail or telephone, or paid, since they were submitted): listed in {}",
                        done.held,
                        ssps::ops::export_claims::held_path(&out).display()
                    );
                }
            }
            None => println!("no claims waiting: nothing was written"),
        }
        return Ok(0);
    }
    if let Some(cli::PortalAction::Index { runs, db }) = args.action {
        let db = db.unwrap_or_else(|| runs.join("ssps-portal.sqlite").into());
        let done = op::reindex(&db, &runs, ssps::portal::system_clock()()).map_err(fail)?;
        for p in &done.problems {
            eprintln!("warning: {p}");
        }
        println!(
            "indexed {} runs ({} unchanged): {} payee documents, {} registration letters",
            done.runs_indexed, done.runs_unchanged, done.documents, done.letters
        );
        return Ok(u8::from(!done.problems.is_empty()));
    }
    let (Some(data), Some(runs)) = (args.data, args.runs) else {
        return Err(OpError::Kind("ssps portal needs --data DIR and --runs DIR".into()));
    };
    if args.demo && !args.listen.ip().is_loopback() {
        return Err(OpError::Kind(format!("--demo listens on loopback only (127.0.0.1 or ::1), not {}", args.listen).into()));
    }
    let db = args.db.unwrap_or_else(|| runs.join("ssps-portal.sqlite").into());
    let on_postgres = matches!(db, ssps::portal::database::Database::Postgres(_));
    let opts = op::PortalOptions {
        db,
        data,
        runs,
        secret: args.secret,
        demo: args.demo,
        policy: ssps::portal::auth::Policy { idle: args.idle_timeout, ..Default::default() },
        assets: assets(args.assets.as_deref())?,
        smtp: ssps::email::SmtpSettings::load(args.smtp.as_deref(), &|k| std::env::var(k).ok()).map_err(|e| OpError::Kind(Box::new(e)))?,
        public_url: args.public_url,
        trusted_proxies: args.trusted_proxy,
    };
    let log: ssps::portal::Log = std::sync::Arc::new(|line: &str| eprintln!("portal: {line}"));
    let remaker = ssps::portal::remake::remaker(&opts.assets).map_err(fail)?;
    let clock = match args.as_of {
        Some(t) => {
            eprintln!("portal: the clock is set to {t} Washington time (--as-of): for trials and tests only");
            let real = ssps::portal::system_clock();
            let shift = ssps::portal::utc_of_pacific(t) - real();
            std::sync::Arc::new(move || real() + shift) as ssps::portal::Clock
        }
        None => ssps::portal::system_clock(),
    };
    let (portal, indexed, demo) = op::open(&opts, clock, log, Some(remaker)).map_err(fail)?;
    for p in &indexed.problems {
        eprintln!("warning: {p}");
    }
    eprintln!(
        "portal: {} payees; indexed {} runs ({} unchanged), {} payee documents, {} registration letters",
        portal.catalog.payee_numbers().len(),
        indexed.runs_indexed,
        indexed.runs_unchanged,
        indexed.documents,
        indexed.letters
    );
    for d in &demo {
        println!("demo: payee {} registration code {}", d.payee_number, d.code);
    }
    // The store is synchronous: a worker waits while PostgreSQL answers
    // (a round trip, a commit's flush), so with PostgreSQL more workers
    // keep the cores busy meanwhile; SQLite answers from memory or the
    // page cache and needs no more than one a core.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = match args.workers {
        Some(n) => usize::from(n),
        // As many as the store's connections (measured on 2 cores, two
        // servers and PostgreSQL: 8 workers 7,391 requests/s, page p95
        // 59 ms; 16: 7,705 and 50 ms; 32: 8,066 and 50 ms).
        None if on_postgres => (cores * 4).max(ssps::portal::database::PG_WORKERS),
        None => cores,
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().map_err(|e| OpError::Kind(Box::new(e)))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| OpError::Kind(format!("cannot listen on {}: {e}", args.listen).into()))?;
        let addr = listener.local_addr().map_err(|e| OpError::Kind(Box::new(e)))?;
        println!("listening on http://{addr}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let shutdown = async {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
        };
        ssps::portal::serve(listener, op::shared(portal), shutdown).await.map_err(|e| OpError::Kind(Box::new(e)))
    })?;
    Ok(0)
}
