//! The portal's outgoing mail: invitations now, message notices later.
//! A message is queued in the store's outbox first (in the same request
//! that caused it), then sent by [`Portal::send_mail`] through the SMTP
//! server of `--smtp FILE` (the runs' settings, `email::SmtpSettings`),
//! every few seconds while the portal runs; a failure is retried, at most
//! [`MAX_ATTEMPTS`] times. Without SMTP settings the messages wait.
//!
//! Bodies carry a link and fixed words, never personal data: the person
//! signs in to see anything.

use lettre::message::{header::ContentType, Mailbox};
use lettre::{Message, Transport};

use super::Portal;

/// Tries before a message is given up (its last error stays in the outbox).
pub const MAX_ATTEMPTS: i64 = 5;

/// How long a server keeps a message it took to send (one message's
/// send, however slow the mail server); a server that stops meanwhile
/// leaves it to the others after that.
pub const LEASE_SECONDS: i64 = 300;

/// Messages one sending round sends at most.
pub const ROUND: usize = 50;

/// What one sending round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Messages the server took.
    pub sent: usize,
    /// Messages that failed this time.
    pub failed: usize,
}

impl Portal {
    /// Queues the notice of new documents to the people of `payees` who
    /// asked for it.
    pub fn notify_new_documents(&self, payees: &std::collections::BTreeSet<String>) {
        let queued = queue_document_notices(self.store.as_ref(), &self.words, &self.public_url, payees, self.now());
        if queued > 0 {
            (self.log)(&format!("{queued} notices of new documents queued"));
        }
    }

    /// Sends what waits in the outbox, at most [`ROUND`] messages; nothing
    /// without SMTP settings. Each message is taken just before it is sent
    /// (a lease of [`LEASE_SECONDS`]), so a slow mail server can never
    /// keep a message past its lease while another server takes it again.
    pub fn send_mail(&self) -> Sent {
        let mut done = Sent::default();
        let Some(settings) = &self.smtp else { return done };
        let mut transport = None;
        for _ in 0..ROUND {
            let m = match self.store.take_mail(1, MAX_ATTEMPTS, self.now(), LEASE_SECONDS) {
                Ok(mut taken) => match taken.pop() {
                    Some(m) => m,
                    None => break,
                },
                Err(e) => {
                    (self.log)(&format!("outbox not read: {e}"));
                    break;
                }
            };
            let transport = match &mut transport {
                Some(t) => t,
                None => match settings.transport() {
                    Ok(t) => transport.insert(t),
                    Err(e) => {
                        (self.log)(&format!("mail not sent: {e}"));
                        let _ = self.store.mail_failed(m.id, &e.to_string());
                        done.failed += 1;
                        break;
                    }
                },
            };
            let message = settings
                .from
                .parse::<Mailbox>()
                .map_err(|e| e.to_string())
                .and_then(|from| Ok((from, m.to.parse::<Mailbox>().map_err(|e| e.to_string())?)))
                .and_then(|(from, to)| {
                    Message::builder()
                        .from(from)
                        .to(to)
                        .subject(m.subject.clone())
                        .header(ContentType::TEXT_PLAIN)
                        .body(m.body.clone())
                        .map_err(|e| e.to_string())
                });
            let result = message.and_then(|msg| transport.send(&msg).map(drop).map_err(|e| e.to_string()));
            match result {
                Ok(()) => {
                    let _ = self.store.mail_sent(m.id, self.now());
                    done.sent += 1;
                }
                Err(e) => {
                    (self.log)(&format!("mail {} not sent (try {}): {}", m.id, m.attempts + 1, without_addresses(&e)));
                    let _ = self.store.mail_failed(m.id, &e);
                    done.failed += 1;
                }
            }
        }
        done
    }
}

/// Queues, for the people of `payees` who asked for it, the notice that
/// new documents are in the portal (a link to the documents page at
/// `public_url`, no personal data); returns how many were queued. Used by
/// the running portal and by `ssps portal index`.
pub fn queue_document_notices(
    store: &dyn super::store::Store,
    words: &super::i18n::Catalog,
    public_url: &str,
    payees: &std::collections::BTreeSet<String>,
    now: i64,
) -> usize {
    let en = words.get(crate::model::Language::En);
    let es = words.get(crate::model::Language::Es);
    let link = format!("{}/documents", public_url.trim_end_matches('/'));
    let subject = format!("{} / {}", en.s("documents_mail_subject"), es.s("documents_mail_subject"));
    let body = format!(
        "{}\n\n{link}\n\n---\n\n{}\n\n{link}\n\n{}\n{}\n",
        en.s("documents_mail_body"),
        es.s("documents_mail_body"),
        en.s("documents_mail_stop"),
        es.s("documents_mail_stop")
    );
    let mut queued = 0;
    for payee in payees {
        for to in store.notify_emails(payee).unwrap_or_default() {
            if store.queue_mail(&to, &subject, &body, now).is_ok() {
                queued += 1;
            }
        }
    }
    queued
}

/// An error's words for the log: any word with an `@` (an address the
/// server quoted back) replaced, TIN-shaped digits masked, cut short.
fn without_addresses(e: &str) -> String {
    let words: Vec<&str> = e.split_whitespace().map(|w| if w.contains('@') { "<address>" } else { w }).collect();
    crate::problem::shown(&words.join(" "), 200, crate::problem::Masking::AnyNineDigits)
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_never_reach_the_log() {
        assert_eq!(super::without_addresses("550 5.1.1 <clerk@example.net>: unknown user"), "550 5.1.1 <address> unknown user");
    }
}
