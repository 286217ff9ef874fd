//! The delivery's sending loop: which waiting messages a delivery takes,
//! how each is handed to a transport, and which state each try leaves it
//! in (the transitions themselves are in `delivery.rs`).
//!
//! Sending goes through lettre's [`Transport`] trait: the loop is generic
//! over a [`Backend`], a lettre transport that also says how its answers
//! read (taken, refused for now or for good, server unreachable, or in
//! doubt). The SMTP [`Client`] is the production backend, and hands a
//! message over step by step ([`Client::transact`]: the claim is recorded
//! when the server waits for the content, the acceptance before QUIT);
//! any other transport gets [`claim_then_send`]: the claim is recorded,
//! then [`Transport::send_raw`] is called, then its answer is recorded.
//! lettre's [`StubTransport`] is a backend too (its one error is a refusal
//! for now), and so are the tests' scripted transports (`send/tests.rs`).
//!
//! [`Journal::deliver`] and [`Journal::resend_unconfirmed`] build the SMTP
//! client from the settings and call [`Journal::deliver_with`] and
//! [`Journal::resend_unconfirmed_with`], which take any backend.

use std::path::Path;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::stub::StubTransport;
use lettre::Transport;

use super::{Delivered, DeliveryError, Journal, Record, Waiting};
use crate::email::{self, Client, Handover, Outgoing, SendResult, SmtpSettings};
use crate::problem::{shown, Masking};

/// A lettre transport a delivery can send through.
pub trait Backend: Transport {
    /// How an answer of [`Transport::send_raw`] reads: [`SendResult::Sent`]
    /// with the reply for an `Ok`; for an error, [`SendResult::Transient`],
    /// [`SendResult::Unreachable`] or [`SendResult::Permanent`] when the
    /// message certainly was not taken, [`SendResult::Unconfirmed`] when it
    /// may have been (its content went and no answer came). Never
    /// [`SendResult::NotClaimed`].
    fn judge(&self, answer: Result<Self::Ok, Self::Error>) -> SendResult;

    /// One try (`tries` counts it) of handing a message over, telling
    /// `journal` when the message may be taken from now on (before its
    /// content goes), and at once when it was taken or certainly was not.
    /// By default [`claim_then_send`]; a transport that knows a later
    /// moment at which nothing has been transmitted yet claims then.
    fn hand_over<H: Handover>(&self, envelope: &Envelope, content: &[u8], tries: u32, journal: &mut H) -> Result<SendResult, H::Error> {
        claim_then_send(self, envelope, content, tries, journal)
    }
}

/// A handover through [`Transport::send_raw`] alone: the claim is recorded
/// first (a delivery that dies while the transport works leaves the message
/// `sending`, so it becomes `unconfirmed`), then the transport's answer.
pub fn claim_then_send<B: Backend + ?Sized, H: Handover>(
    backend: &B,
    envelope: &Envelope,
    content: &[u8],
    tries: u32,
    journal: &mut H,
) -> Result<SendResult, H::Error> {
    if !journal.claim()? {
        return Ok(SendResult::NotClaimed);
    }
    match backend.judge(backend.send_raw(envelope, content)) {
        SendResult::Sent(reply) => {
            journal.accepted(&reply, tries)?;
            Ok(SendResult::Sent(reply))
        }
        // May have been taken: it stays claimed, for the delivery to record in doubt.
        SendResult::Unconfirmed(why) => Ok(SendResult::Unconfirmed(why)),
        SendResult::NotClaimed => {
            journal.refused()?;
            Ok(SendResult::Transient("the transport neither took the message nor refused it".into()))
        }
        refused => {
            journal.refused()?;
            Ok(refused)
        }
    }
}

/// The production backend: SMTP, claimed when the server waits for the
/// content, its acceptance recorded before QUIT.
impl Backend for Client {
    fn judge(&self, answer: Result<String, email::Undelivered>) -> SendResult {
        match answer {
            Ok(reply) => SendResult::Sent(reply),
            Err(email::Undelivered(result)) => result,
        }
    }

    fn hand_over<H: Handover>(&self, envelope: &Envelope, content: &[u8], tries: u32, journal: &mut H) -> Result<SendResult, H::Error> {
        self.transact(envelope, content, tries, journal)
    }
}

/// What lettre's stub transport (which keeps every message it is given)
/// answers: `Ok` is a message taken; its one error, a refusal for now (the
/// message waits for a retry).
impl Backend for StubTransport {
    fn judge(&self, answer: Result<(), lettre::transport::stub::Error>) -> SendResult {
        match answer {
            Ok(()) => SendResult::Sent("250 OK (stub transport)".into()),
            Err(e) => SendResult::Transient(e.to_string()),
        }
    }
}

/// How a delivery sends, whatever the transport: the sender, where replies
/// go, and the tries of a message refused for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPolicy {
    /// The sender.
    pub from: String,
    /// Where replies go, if not the sender.
    pub reply_to: Option<String>,
    /// Tries per message in one delivery, transient failures and an
    /// unreachable server only.
    pub attempts: u32,
    /// Wait before the second try; doubled before each next one.
    pub backoff: Duration,
}

impl From<&SmtpSettings> for SendPolicy {
    fn from(s: &SmtpSettings) -> SendPolicy {
        SendPolicy {
            from: s.from.clone(),
            reply_to: s.reply_to.clone(),
            attempts: s.attempts,
            backoff: Duration::from_millis(s.backoff_ms),
        }
    }
}

/// Sends one message, trying a transient failure or an unreachable server
/// again up to `policy.attempts` times with doubling waits (never a
/// message that may have been taken: that one is
/// [`SendResult::Unconfirmed`]). A message that cannot be built (an
/// address that does not parse, a document changed since the run) is
/// [`SendResult::Permanent`] after no try. Returns the result and the tries
/// made.
pub(super) fn send_one<B: Backend, H: Handover>(
    backend: &B,
    policy: &SendPolicy,
    out: &Outgoing,
    run_dir: &Path,
    journal: &mut H,
) -> Result<(SendResult, u32), H::Error> {
    let msg = match email::message(out, run_dir, &policy.from, policy.reply_to.as_deref()) {
        Ok(m) => m,
        Err(e) => return Ok((SendResult::Permanent(e.to_string()), 0)),
    };
    let content = msg.formatted();
    let mut wait = policy.backoff;
    let mut tries = 0;
    loop {
        tries += 1;
        match backend.hand_over(msg.envelope(), &content, tries, journal)? {
            SendResult::Transient(_) | SendResult::Unreachable(_) if tries < policy.attempts => {
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            other => return Ok((other, tries)),
        }
    }
}

/// What a delivery says of a message a rerun replaced after the delivery listed it.
fn replaced(out: &Outgoing) -> String {
    format!(
        "{} (payee {}): not sent: a rerun of its run replaced it while this delivery was under way; the new message waits for the next delivery",
        out.to, out.payee
    )
}

impl Journal {
    /// Sends every `pending` message over SMTP, oldest first; `only_run`
    /// limits it to one run. Messages a killed delivery left `sending`
    /// become `unconfirmed` first (of every run), and no `unconfirmed`
    /// message is sent: [`Delivered::unconfirmed`] counts them.
    pub fn deliver(&mut self, settings: &SmtpSettings, only_run: Option<&str>) -> Result<Delivered, DeliveryError> {
        let client = settings.client()?;
        self.deliver_with(&client, &SendPolicy::from(settings), only_run)
    }

    /// Sends the `unconfirmed` messages again over SMTP (of one run, or
    /// all), on staff's word, with their Message-ID and content unchanged:
    /// each ends `sent` or `failed`, or stays `unconfirmed` when it cannot
    /// go now.
    pub fn resend_unconfirmed(&mut self, settings: &SmtpSettings, only_run: Option<&str>) -> Result<Delivered, DeliveryError> {
        let client = settings.client()?;
        self.resend_unconfirmed_with(&client, &SendPolicy::from(settings), only_run)
    }

    /// [`Journal::deliver`] through any backend.
    pub fn deliver_with<B: Backend>(
        &mut self,
        backend: &B,
        policy: &SendPolicy,
        only_run: Option<&str>,
    ) -> Result<Delivered, DeliveryError> {
        self.send_waiting(backend, policy, only_run, Waiting::Pending)
    }

    /// [`Journal::resend_unconfirmed`] through any backend.
    pub fn resend_unconfirmed_with<B: Backend>(
        &mut self,
        backend: &B,
        policy: &SendPolicy,
        only_run: Option<&str>,
    ) -> Result<Delivered, DeliveryError> {
        self.send_waiting(backend, policy, only_run, Waiting::Unconfirmed)
    }

    fn send_waiting<B: Backend>(
        &mut self,
        backend: &B,
        policy: &SendPolicy,
        only_run: Option<&str>,
        which: Waiting,
    ) -> Result<Delivered, DeliveryError> {
        // One delivery at a time per journal: a second one (a run and a
        // scheduled retry, say) waits here rather than send the same message.
        let held = self.lock()?;
        let waiting = self.waiting(&held, which, only_run)?;
        /// How a try that did not end `sent` is counted.
        enum Ended {
            Waits,
            Failed,
            InDoubt,
        }
        let mut done = Delivered::default();
        let mut unreachable: Option<String> = None;
        for listed in waiting {
            let out: Outgoing = serde_json::from_str(&listed.body).map_err(|e| DeliveryError::Corrupt {
                path: self.path.clone(),
                id: listed.id,
                reason: e.to_string(),
            })?;
            let waits = match which {
                Waiting::Pending => "not sent yet, will retry",
                Waiting::Unconfirmed => "not resent, still unconfirmed",
            };
            if let Some(why) = &unreachable {
                // The server could not be reached: the rest wait for the next delivery.
                if which == Waiting::Pending {
                    done.pending += 1;
                }
                done.problems.push(format!("{} (payee {}): {waits}: not tried, the server was unreachable: {why}", out.to, out.payee));
                continue;
            }
            let mut record = Record { db: &self.db, id: listed.id, message_id: &listed.message_id, from: which.state() };
            let (result, tries) = send_one(backend, policy, &out, Path::new(&listed.run_dir), &mut record).map_err(self.err())?;
            done.tries += tries as usize;
            let (ended, expected, state, why) = match result {
                // Recorded the moment the server replied.
                SendResult::Sent(_) => {
                    done.sent += 1;
                    continue;
                }
                // Replaced by a rerun since this delivery listed it: its
                // content never went; the message that replaced it waits.
                SendResult::NotClaimed => {
                    done.problems.push(replaced(&out));
                    continue;
                }
                SendResult::Transient(why) => (Ended::Waits, which.state(), which.state(), why),
                SendResult::Unreachable(why) => {
                    unreachable = Some(shown(&why, 200, Masking::AnyNineDigits));
                    (Ended::Waits, which.state(), which.state(), why)
                }
                SendResult::Permanent(why) => (Ended::Failed, which.state(), "failed", why),
                SendResult::Unconfirmed(why) => (Ended::InDoubt, "sending", "unconfirmed", why),
            };
            if !record.finish(expected, state, tries, &why).map_err(self.err())? {
                // Not this message any more (a rerun replaced it before its
                // content went): nothing of its try is recorded on the new one.
                done.problems.push(replaced(&out));
                continue;
            }
            // The server's words, as printed: control characters escaped, TIN-shaped runs masked.
            let why = shown(&why, 200, Masking::AnyNineDigits);
            match ended {
                Ended::Waits => {
                    if which == Waiting::Pending {
                        done.pending += 1;
                    }
                    done.problems.push(format!("{} (payee {}): {waits}: {why}", out.to, out.payee));
                }
                Ended::Failed => {
                    done.failed += 1;
                    let paper = if out.paper { "; the payee also gets these documents on paper" } else { "" };
                    done.problems.push(format!("{} (payee {}): failed: {why}{paper}", out.to, out.payee));
                }
                Ended::InDoubt => {
                    done.problems.push(format!("{} (payee {}): unconfirmed, not sent again: {why}", out.to, out.payee));
                }
            }
        }
        drop(held);
        done.unconfirmed_messages =
            self.status()?.into_iter().filter(|m| m.state == "unconfirmed" && only_run.is_none_or(|r| r == m.run)).collect();
        done.unconfirmed = done.unconfirmed_messages.len();
        Ok(done)
    }
}

#[cfg(test)]
mod tests;
