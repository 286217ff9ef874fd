//! The email a run sends: one message per payee who takes email, with that
//! payee's documents of the run (split by size), written as `.eml` files
//! on a dry run, else queued in the delivery journal after the run folder
//! is in place and sent when SMTP is configured.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use super::OpError;
use crate::compose::Document;
use crate::email::{Attached, Outgoing, SmtpSettings};
use crate::route::{RouteError, Stored};
use crate::texts::Texts;

/// Sender of `--dry-run` messages when no SMTP settings are given.
pub const DRY_RUN_FROM: &str = "DSHS SSPS <ssps-noreply@dshs.wa.gov>";

/// The email a run composed (`summary.json`): deterministic, whatever was
/// sent before. What was queued and sent is printed and kept in the
/// delivery journal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailReport {
    /// Payees who take email and have documents in this run.
    pub recipients: usize,
    /// Messages for them (more than one for a payee whose documents pass
    /// the size limit).
    pub messages: usize,
    /// Documents for them.
    pub documents: usize,
    /// Written as `.eml` files under `email/` (`--dry-run`) rather than queued.
    pub dry_run: bool,
}

/// What happened to a run's email after the run folder was in place.
#[derive(Debug, Clone, Default)]
pub struct EmailOutcome {
    /// The delivery journal.
    pub journal: std::path::PathBuf,
    /// Messages queued now.
    pub queued: usize,
    /// Documents already in the journal (sent or waiting): not queued again.
    pub already_journaled: usize,
    /// Documents sent before whose PDF has changed since: not resent.
    pub changed_after_send: Vec<String>,
    /// Earlier messages that never went (pending or failed), replaced by
    /// this run's messages.
    pub replace: Vec<i64>,
    /// The delivery, when SMTP is configured.
    pub delivered: Option<crate::delivery::Delivered>,
}

/// What composing a run's messages needs besides the documents.
pub struct Mailing<'a> {
    /// The run's identity (Message-IDs, the journal's run).
    pub ident: &'a str,
    /// The documents' date.
    pub date: NaiveDate,
    /// The period in words, per language.
    pub period_words: &'a dyn Fn(crate::model::Language) -> String,
    /// Whether the messages carry the documents (else they say the
    /// documents are in the provider portal: 1099 statements).
    pub attach: bool,
    /// SMTP settings, when configured.
    pub smtp: Option<&'a SmtpSettings>,
    /// The words of the messages.
    pub texts: &'a Texts,
}

/// One message per payee in `by_payee` (the email channel's documents),
/// in payee order. With a journal, documents it already has are left out
/// (and counted in `outcome`), and so are messages left empty.
pub fn messages<D: Document>(
    docs: &[D],
    stored: &[Stored],
    by_payee: &BTreeMap<String, Vec<usize>>,
    m: &Mailing,
    mut journal: Option<(&crate::delivery::Journal, &mut EmailOutcome)>,
) -> Result<Vec<Outgoing>, OpError> {
    let mut out = Vec::with_capacity(by_payee.len());
    for (payee, list) in by_payee {
        let mut list = list.clone();
        list.sort_by(|&a, &b| (docs[a].kind(), docs[a].id()).cmp(&(docs[b].kind(), docs[b].id())));
        // Attachments, split into messages of at most `limit` bytes of PDF
        // (a message holds at least one document, whatever its size).
        let limit = m.smtp.map_or(crate::email::DEFAULT_MAX_ATTACHMENT_BYTES, |s| s.max_attachment_bytes);
        let mut parts: Vec<Vec<Attached>> = vec![vec![]];
        let mut size = 0u64;
        for &i in &list {
            let (d, s) = (&docs[i], &stored[i]);
            if let Some((j, outcome)) = journal.as_mut() {
                if let Some(known) = j.known(payee, d.kind().name(), d.id())? {
                    if matches!(known.state.as_str(), "pending" | "failed") {
                        // It never went: queue it again with this run's
                        // content (a corrected address or document), in
                        // place of that message.
                        outcome.replace.push(known.message);
                    } else {
                        // Sent, being sent or unconfirmed: never queued again (an
                        // unconfirmed one goes again only by `ssps deliver --resend-unconfirmed`).
                        outcome.already_journaled += 1;
                        if known.sha256 != s.sha256 {
                            outcome.changed_after_send.push(format!("{} {} of payee {payee}", d.kind(), d.id()));
                        }
                        continue;
                    }
                }
            }
            let fits = parts.last().is_some_and(|last| last.is_empty() || size + s.bytes <= limit);
            if !fits {
                parts.push(vec![]);
                size = 0;
            }
            size += s.bytes;
            if let Some(last) = parts.last_mut() {
                last.push(Attached {
                    kind: d.kind().name().to_string(),
                    document_id: d.id().to_string(),
                    title: d.title(),
                    sha256: s.sha256.clone(),
                    file: s.file.clone(),
                });
            }
        }
        parts.retain(|p| !p.is_empty());
        let Some(&first) = list.first() else { continue };
        let to = docs[first].to();
        let n = parts.len();
        for (k, attached) in parts.into_iter().enumerate() {
            let addressed = crate::email::Addressed {
                run: m.ident,
                kind: docs[first].kind().name(),
                period: &(m.period_words)(to.language),
                payee,
                name: &to.name,
                to: to.email.as_deref().unwrap_or_default(),
                language: to.language,
                paper: to.mail_address().is_some(),
                date: m.date,
            };
            let mut msg = crate::email::outgoing(m.texts, &addressed, attached)
                .map_err(|source| OpError::Message { payee: payee.to_string(), source })?;
            if n > 1 {
                msg.subject = format!("{} ({}/{n})", msg.subject, k + 1);
            }
            msg.notice_only = !m.attach;
            out.push(msg);
        }
    }
    Ok(out)
}

/// The report of the messages composed.
pub fn report(all: &[Outgoing], dry_run: bool) -> EmailReport {
    let recipients = all.iter().map(|m| m.payee.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    EmailReport { recipients, messages: all.len(), documents: all.iter().map(|m| m.documents.len()).sum(), dry_run }
}

/// Writes the messages as `email/<payee>.eml` (or `<payee>-1.eml`, `-2` …
/// when a payee's documents were split over several messages).
pub fn write_dry_run(dir: &Path, all: &[Outgoing], smtp: Option<&SmtpSettings>) -> Result<(), OpError> {
    if all.is_empty() {
        return Ok(());
    }
    let folder = dir.join("email");
    std::fs::create_dir_all(&folder).map_err(|source| RouteError::Write { path: folder.clone(), source })?;
    let mut per_payee: BTreeMap<&str, usize> = BTreeMap::new();
    for m in all {
        *per_payee.entry(m.payee.as_str()).or_default() += 1;
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for m in all {
        let msg = crate::email::message(m, dir, smtp.map_or(DRY_RUN_FROM, |s| s.from.as_str()), smtp.and_then(|s| s.reply_to.as_deref()))
            .map_err(|source| OpError::Message { payee: m.payee.clone(), source })?;
        let k = seen.entry(m.payee.as_str()).or_default();
        *k += 1;
        let name = if per_payee[m.payee.as_str()] == 1 { format!("{}.eml", m.payee) } else { format!("{}-{k}.eml", m.payee) };
        let path = folder.join(name);
        std::fs::write(&path, msg.formatted()).map_err(|source| RouteError::Write { path, source })?;
    }
    Ok(())
}

/// Queues what the journal has not seen (the run folder `out` is in
/// place), then sends when SMTP is configured.
pub fn queue_and_send<D: Document>(
    docs: &[D],
    stored: &[Stored],
    by_payee: &BTreeMap<String, Vec<usize>>,
    m: &Mailing,
    opts: &super::RunOptions,
) -> Result<EmailOutcome, OpError> {
    let path = opts.journal_path();
    let mut journal = crate::delivery::Journal::open(&path)?;
    // The journal keeps the run folder's absolute path: a later delivery may
    // run from anywhere.
    let run_dir = std::fs::canonicalize(&opts.out).unwrap_or_else(|_| opts.out.clone());
    let mut looked = 0;
    let mut result = loop {
        let mut result = EmailOutcome { journal: path.clone(), ..EmailOutcome::default() };
        let fresh = messages(docs, stored, by_payee, m, Some((&journal, &mut result)))?;
        result.replace.sort_unstable();
        result.replace.dedup();
        match journal.enqueue(m.ident, &run_dir, &fresh, &result.replace) {
            Ok(queued) => break EmailOutcome { queued, ..result },
            // A delivery under way claimed or sent a message this run meant
            // to replace after the run looked (nothing was queued): look again.
            Err(crate::delivery::DeliveryError::Taken { .. }) if looked < 3 => looked += 1,
            Err(e) => return Err(e.into()),
        }
    };
    if let Some(settings) = m.smtp {
        result.delivered = Some(journal.deliver(settings, Some(m.ident))?);
    }
    Ok(result)
}
