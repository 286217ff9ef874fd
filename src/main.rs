//! The `ssps` command: parses arguments, calls the library, prints, exits.
//!
//! Exit status: 0 when everything was read and produced, 1 when the command
//! finished but records were rejected (see the problems printed, or
//! `rejects.csv`), 2 when it could not run at all (the error and its causes
//! are printed).

mod cli;

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
    match run(cli) {
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

fn run(cli: Cli) -> Result<u8, OpError> {
    match cli.command {
        Command::Check(args) => {
            let report = ops::check::check(&args.data)?;
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
            let req = ops::invoices::InvoiceRun {
                data: args.data,
                month: args.month,
                out: args.out.clone(),
                progress: std::io::stderr().is_terminal(),
                threads: args.threads,
                mail_config: args.mail_config,
            };
            let (summary, outcome) = ops::invoices::run(&req)?;
            println!(
                "{} invoices, {} pages, amount authorized {}; print job: {} envelopes ({} flats), {} documents, {} pages, {} sheets in {} batch files; {} records rejected, {} unmailable addresses ({}/rejects.csv); {:.1} s",
                summary.documents,
                summary.pages,
                summary.total_amount_authorized,
                summary.print.envelopes,
                summary.print.flats,
                summary.print.documents,
                summary.print.pages,
                summary.print.sheets,
                summary.print.files.len(),
                summary.rejected_records,
                summary.unmailable,
                args.out.display(),
                summary.seconds
            );
            Ok(outcome.code())
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
            };
            let report = ssps::sample::generate(&opts, &args.out)?;
            println!(
                "wrote {} payees, {} providers, {} clients, {} workers, {} authorization lines to {} ({} broken rows)",
                report.payees,
                report.providers,
                report.clients,
                report.workers,
                report.authorizations,
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
