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

/// How long a server keeps the messages it took to send (more than a
/// round of 50 takes); a server that stops meanwhile leaves them to the
/// others after that.
pub const LEASE_SECONDS: i64 = 300;

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

    /// Sends what waits in the outbox; nothing without SMTP settings.
    pub fn send_mail(&self) -> Sent {
        let mut done = Sent::default();
        let Some(settings) = &self.smtp else { return done };
        let due = match self.store.take_mail(50, MAX_ATTEMPTS, self.now(), LEASE_SECONDS) {
            Ok(d) => d,
            Err(e) => {
                (self.log)(&format!("outbox not read: {e}"));
                return done;
            }
        };
        if due.is_empty() {
            return done;
        }
        let transport = match settings.transport() {
            Ok(t) => t,
            Err(e) => {
                (self.log)(&format!("mail not sent: {e}"));
                return done;
            }
        };
        for m in due {
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
