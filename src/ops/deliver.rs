//! `ssps deliver`: the delivery journal's commands: `--status` (what was
//! sent, is waiting, failed or unconfirmed), `--retry` (send what is
//! waiting), and the two decisions only staff make about a message whose
//! delivery is unconfirmed (a kill or a lost reply after its content went
//! to the server): `--mark-sent MESSAGE_ID` (the recipient has it: record
//! it as sent, send nothing) and `--resend-unconfirmed` (send it again, same
//! Message-ID).

use std::path::{Path, PathBuf};

use super::{OpError, Outcome};
use crate::delivery::{Delivered, Journal, MessageStatus, Totals};
use crate::email::SmtpSettings;

/// What `ssps deliver` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct DeliverRequest {
    /// The journal.
    pub journal: PathBuf,
    /// Send what is waiting (`pending`).
    pub retry: bool,
    /// Send the `unconfirmed` messages again.
    pub resend_unconfirmed: bool,
    /// Record these `unconfirmed` messages (Message-IDs) as sent, without
    /// sending them.
    pub mark_sent: Vec<String>,
    /// Only this run's messages (its ident, as `--status` shows it).
    pub run: Option<String>,
    /// SMTP settings file (else `SSPS_SMTP_*`).
    pub smtp: Option<PathBuf>,
}

/// What `ssps deliver` found and did.
#[derive(Debug, Clone)]
pub struct DeliverReport {
    /// The messages `--mark-sent` recorded as sent.
    pub marked_sent: Vec<MessageStatus>,
    /// What `--resend-unconfirmed` did.
    pub resent: Option<Delivered>,
    /// What a retry did.
    pub delivered: Option<Delivered>,
    /// Every message afterwards (of the run, with `--run`).
    pub messages: Vec<MessageStatus>,
    /// Messages by state afterwards.
    pub totals: Totals,
}

impl DeliverReport {
    /// The messages whose delivery is unconfirmed, which wait for staff.
    pub fn unconfirmed(&self) -> impl Iterator<Item = &MessageStatus> {
        self.messages.iter().filter(|m| m.state == "unconfirmed")
    }
}

/// Marks, resends, retries (as asked, in that order) and reports. With no
/// action, a status; it also settles what a killed delivery left `sending`
/// when no delivery is under way. Exit 1 when messages remain waiting,
/// failed, unconfirmed or being sent.
pub fn run(req: &DeliverRequest) -> Result<(DeliverReport, Outcome), OpError> {
    if !req.journal.is_file() {
        return Err(OpError::NoJournal(req.journal.clone()));
    }
    let mut journal = Journal::open(&req.journal)?;
    let settings = if req.retry || req.resend_unconfirmed {
        Some(SmtpSettings::load(req.smtp.as_deref(), &|k| std::env::var(k).ok())?.ok_or(OpError::NoSmtp)?)
    } else {
        None
    };
    let marked_sent = if req.mark_sent.is_empty() { vec![] } else { journal.mark_sent(&req.mark_sent)? };
    let resent = match (&settings, req.resend_unconfirmed) {
        (Some(s), true) => Some(journal.resend_unconfirmed(s, req.run.as_deref())?),
        _ => None,
    };
    let delivered = match (&settings, req.retry) {
        (Some(s), true) => Some(journal.deliver(s, req.run.as_deref())?),
        _ => None,
    };
    journal.settle_if_idle()?;
    let messages: Vec<MessageStatus> = journal.status()?.into_iter().filter(|m| req.run.as_deref().is_none_or(|r| r == m.run)).collect();
    let totals = journal.totals(req.run.as_deref())?;
    let outcome =
        if totals.pending + totals.failed + totals.unconfirmed + totals.sending == 0 { Outcome::Clean } else { Outcome::Rejected };
    Ok((DeliverReport { marked_sent, resent, delivered, messages, totals }, outcome))
}

/// What staff are told about unconfirmed messages: why they were not sent
/// again, each one (recipient, payee, run, Message-ID, documents, when its
/// content went to the server), and the two commands that settle them.
/// Empty when there are none.
pub fn unconfirmed_advice<'a>(journal: &Path, run: Option<&str>, messages: impl IntoIterator<Item = &'a MessageStatus>) -> Vec<String> {
    let messages: Vec<&MessageStatus> = messages.into_iter().collect();
    if messages.is_empty() {
        return vec![];
    }
    let these = match messages.len() {
        1 => "1 message".to_string(),
        n => format!("{n} messages"),
    };
    let mut lines = vec![format!(
        "unconfirmed: {these} may have reached the recipient: the content went to the server, but no reply from it was recorded (the delivery was interrupted, or the reply never came). Not sent again unless you say so:"
    )];
    for m in &messages {
        lines.push(format!(
            "  <{}> payee {}, run {}, Message-ID {}, documents {}, content sent {}",
            m.to,
            m.payee,
            m.run,
            m.message_id,
            m.documents,
            m.claimed_at.as_deref().unwrap_or("(time unknown)")
        ));
    }
    let journal = shell_word(&journal.display().to_string());
    let run = run.map(|r| format!(" --run {}", shell_word(r))).unwrap_or_default();
    lines.push("  check with the recipient, then either record that they have it (nothing is sent):".into());
    for m in &messages {
        lines.push(format!("    ssps deliver --journal {journal} --mark-sent {}", shell_word(&m.message_id)));
    }
    lines.push(
        "  or send it again, with the same Message-ID (a mail program shows one message if both arrive; SMTP settings as for --retry):"
            .into(),
    );
    lines.push(format!("    ssps deliver --journal {journal} --resend-unconfirmed{run}"));
    lines
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
