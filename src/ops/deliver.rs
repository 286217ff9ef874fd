//! `ssps deliver`: the delivery journal's commands: `--status` (what was
//! sent, is waiting, failed) and `--retry` (send what is waiting).

use std::path::PathBuf;

use super::{OpError, Outcome};
use crate::delivery::{Delivered, Journal, MessageStatus, Totals};
use crate::email::SmtpSettings;

/// What `ssps deliver` is asked to do.
#[derive(Debug, Clone)]
pub struct DeliverRequest {
    /// The journal.
    pub journal: PathBuf,
    /// Send what is waiting.
    pub retry: bool,
    /// Only this run's messages (its ident, as `--status` shows it).
    pub run: Option<String>,
    /// SMTP settings file (else `SSPS_SMTP_*`).
    pub smtp: Option<PathBuf>,
}

/// What `ssps deliver` found and did.
#[derive(Debug, Clone)]
pub struct DeliverReport {
    /// What a retry did.
    pub delivered: Option<Delivered>,
    /// Every message afterwards.
    pub messages: Vec<MessageStatus>,
    /// Messages by state afterwards.
    pub totals: Totals,
}

/// Retries (if asked) and reports. Exit 1 when messages remain waiting or
/// failed.
pub fn run(req: &DeliverRequest) -> Result<(DeliverReport, Outcome), OpError> {
    if !req.journal.is_file() {
        return Err(OpError::NoJournal(req.journal.clone()));
    }
    let mut journal = Journal::open(&req.journal)?;
    let delivered = if req.retry {
        let settings = SmtpSettings::load(req.smtp.as_deref(), &|k| std::env::var(k).ok())?.ok_or(OpError::NoSmtp)?;
        Some(journal.deliver(&settings, req.run.as_deref())?)
    } else {
        None
    };
    let messages: Vec<MessageStatus> = journal.status()?.into_iter().filter(|m| req.run.as_deref().is_none_or(|r| r == m.run)).collect();
    let totals = journal.totals(req.run.as_deref())?;
    let outcome = if totals.pending + totals.failed == 0 { Outcome::Clean } else { Outcome::Rejected };
    Ok((DeliverReport { delivered, messages, totals }, outcome))
}
