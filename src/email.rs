//! Stage 5, route: the email channel. A run's documents for a payee who
//! chose email (or both) become one message: a plain-text and an HTML part
//! in the payee's language (texts from `letters/documents.toml`) and the
//! PDFs attached, sent over SMTP with lettre.
//!
//! Messages are deterministic: the same documents give the same bytes
//! (fixed `Date` of the run, `Message-ID` and MIME boundaries derived from
//! the documents' SHA-256), so a resent message is recognisably the same
//! message. What was sent is recorded by [`crate::delivery`]; this module
//! builds messages and talks SMTP, nothing else.
//!
//! This file is about 700 lines (its tests are in `email/tests.rs`): the
//! settings, the message and the SMTP transaction of the one channel, kept together
//! because the transaction's classification of replies and the settings'
//! tries and timeouts are read side by side.
//!
//! The SMTP [`Client`] is a lettre [`Transport`] (the production backend
//! of [`crate::delivery::Backend`]), but the delivery journal hands it a
//! message through [`Client::transact`], which drives lettre's SMTP
//! connection step by step (connect, TLS, AUTH, MAIL, RCPT, DATA, the
//! content, QUIT) rather than through `Transport::send`, so that the journal
//! is written at the two moments that decide whether a message may have
//! reached its recipient (the [`Handover`] the caller gives): just before
//! the content is transmitted (no server can accept a message whose content
//! it has not received) and at once after the server's reply to it, before
//! QUIT (lettre's `SmtpTransport::send` waits for the reply to QUIT first: a
//! round trip, up to the timeout, during which the message was taken but not
//! yet recorded). Tries, waits between them and the journal's states are the
//! delivery's (`delivery/send.rs`).
//!
//! SMTP settings come from a TOML file (`--smtp FILE`) and/or environment
//! variables `SSPS_SMTP_*`; the password only from `SSPS_SMTP_PASSWORD`
//! (or the variable `password_env` names). It is never printed: the
//! settings' `Debug` leaves it out.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use crate::model::Language;
use crate::route::sha256_hex;
use crate::texts::Texts;

/// Most bytes of PDF attached to one message unless the settings say
/// otherwise (many servers refuse messages over 10–25 MB; base64 adds a
/// third): a payee's documents beyond it go in further messages.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 10_000_000;

/// Domain of generated Message-IDs and the SMTP greeting.
pub const DOMAIN: &str = "ssps.dshs.wa.gov";

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP (a trusted relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which is required.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// SMTP settings. Every key but the credentials has a default.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Port (default: 587 for starttls, 465 for tls, 25 for none).
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    #[serde(default = "default_tls")]
    pub tls: TlsMode,
    /// A PEM file of certificate authorities to trust besides the public ones.
    pub ca_file: Option<String>,
    /// User name, when the server wants one.
    pub username: Option<String>,
    /// The environment variable holding the password (default
    /// `SSPS_SMTP_PASSWORD`). The password is never read from the file.
    #[serde(default = "default_password_env")]
    pub password_env: String,
    /// The sender: `DSHS SSPS <ssps-noreply@dshs.wa.gov>`.
    pub from: String,
    /// Where replies go, if not the sender.
    pub reply_to: Option<String>,
    /// Seconds to wait for the server.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Tries per message in one delivery, transient failures only.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Wait before the second try; doubled before each next one.
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
    /// Most bytes of PDF attached to one message; more documents go in
    /// further messages, `(1/2)`, `(2/2)` after the subject.
    #[serde(default = "default_max_attachment_bytes")]
    pub max_attachment_bytes: u64,
    /// The password, from the environment (never from the file).
    #[serde(skip)]
    password: Option<String>,
}

fn default_tls() -> TlsMode {
    TlsMode::Starttls
}
fn default_password_env() -> String {
    "SSPS_SMTP_PASSWORD".into()
}
fn default_timeout() -> u64 {
    30
}
fn default_attempts() -> u32 {
    3
}
fn default_backoff() -> u64 {
    2000
}
fn default_max_attachment_bytes() -> u64 {
    DEFAULT_MAX_ATTACHMENT_BYTES
}

/// The settings as they may be shown: the password is only said to be set.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Why SMTP settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpSettingsError {
    /// The file cannot be read or parsed.
    #[error("SMTP settings {file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A value is wrong.
    #[error("SMTP settings: {0}")]
    Invalid(String),
}

impl SmtpSettings {
    /// Settings from an optional file, then the environment (`SSPS_SMTP_HOST`,
    /// `_PORT`, `_TLS`, `_USERNAME`, `_FROM` override the file; the password
    /// is the variable `password_env` names). `None` when neither a file nor
    /// `SSPS_SMTP_HOST` is given: email then waits in the journal.
    pub fn load(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Option<SmtpSettings>, SmtpSettingsError> {
        let mut table = match file {
            Some(path) => {
                let name = path.display().to_string();
                let text =
                    std::fs::read_to_string(path).map_err(|e| SmtpSettingsError::File { file: name.clone(), message: e.to_string() })?;
                let table: toml::Table =
                    toml::from_str(&text).map_err(|e| SmtpSettingsError::File { file: name.clone(), message: e.message().to_string() })?;
                if table.contains_key("password") {
                    return Err(SmtpSettingsError::File {
                        file: name,
                        message: "a password does not belong in the settings file; put it in the environment variable that password_env names (default SSPS_SMTP_PASSWORD)".into(),
                    });
                }
                table
            }
            None if env("SSPS_SMTP_HOST").is_some() => toml::Table::new(),
            None => return Ok(None),
        };
        for (var, key) in
            [("SSPS_SMTP_HOST", "host"), ("SSPS_SMTP_TLS", "tls"), ("SSPS_SMTP_USERNAME", "username"), ("SSPS_SMTP_FROM", "from")]
        {
            if let Some(v) = env(var) {
                table.insert(key.into(), toml::Value::String(v));
            }
        }
        if let Some(v) = env("SSPS_SMTP_PORT") {
            let port: u16 =
                v.parse().map_err(|_| SmtpSettingsError::Invalid(format!("SSPS_SMTP_PORT must be a port number, got {v:?}")))?;
            table.insert("port".into(), toml::Value::Integer(port.into()));
        }
        let source = file.map_or("the environment".to_string(), |p| p.display().to_string());
        let mut settings: SmtpSettings =
            table.try_into().map_err(|e: toml::de::Error| SmtpSettingsError::File { file: source, message: e.message().to_string() })?;
        settings.password = env(&settings.password_env);
        if settings.password.is_some() && settings.username.is_none() {
            return Err(SmtpSettingsError::Invalid(format!("{} is set but no username is", settings.password_env)));
        }
        if settings.username.is_some() && settings.password.is_none() {
            return Err(SmtpSettingsError::Invalid(format!("a username is set but {} is not", settings.password_env)));
        }
        settings.from.parse::<Mailbox>().map_err(|e| SmtpSettingsError::Invalid(format!("from {:?}: {e}", settings.from)))?;
        if let Some(r) = &settings.reply_to {
            r.parse::<Mailbox>().map_err(|e| SmtpSettingsError::Invalid(format!("reply_to {r:?}: {e}")))?;
        }
        if settings.attempts == 0 {
            return Err(SmtpSettingsError::Invalid("attempts must be at least 1".into()));
        }
        Ok(Some(settings))
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        })
    }

    /// How the connection is secured, with the trust roots (reads `ca_file`).
    fn tls_mode(&self) -> Result<Tls, SmtpSettingsError> {
        let tls = |host: &str| -> Result<TlsParameters, SmtpSettingsError> {
            let mut b = TlsParameters::builder(host.to_string());
            if let Some(ca) = &self.ca_file {
                let pem = std::fs::read(ca).map_err(|e| SmtpSettingsError::Invalid(format!("ca_file {ca}: {e}")))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| SmtpSettingsError::Invalid(format!("ca_file {ca}: {e}")))?;
                b = b.add_root_certificate(cert);
            }
            b.build().map_err(|e| SmtpSettingsError::Invalid(format!("TLS for {host}: {e}")))
        };
        Ok(match self.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls(&self.host)?),
            TlsMode::Tls => Tls::Wrapper(tls(&self.host)?),
        })
    }

    /// lettre's own SMTP transport for these settings (a run builds one
    /// before any work, so a mistake in the TLS settings stops it early).
    /// Deliveries use a [`Client`] instead.
    pub fn transport(&self) -> Result<SmtpTransport, SmtpSettingsError> {
        let mut b = SmtpTransport::builder_dangerous(self.host.clone())
            .port(self.port())
            .tls(self.tls_mode()?)
            .hello_name(ClientId::Domain(DOMAIN.into()))
            .timeout(Some(Duration::from_secs(self.timeout_seconds)));
        if let Some(user) = &self.username {
            b = b.credentials(Credentials::new(user.clone(), self.password.clone().unwrap_or_default()));
        }
        Ok(b.build())
    }

    /// The SMTP client deliveries use: the same server, TLS, timeout and
    /// credentials as [`SmtpSettings::transport`].
    pub fn client(&self) -> Result<Client, SmtpSettingsError> {
        Ok(Client {
            host: self.host.clone(),
            port: self.port(),
            tls: self.tls_mode()?,
            timeout: Duration::from_secs(self.timeout_seconds),
            credentials: self.username.as_ref().map(|u| Credentials::new(u.clone(), self.password.clone().unwrap_or_default())),
        })
    }
}

/// An SMTP client: one connection per message, driven step by step by
/// [`Client::transact`]; as a lettre [`Transport`], it sends a message
/// with nothing recorded.
pub struct Client {
    host: String,
    port: u16,
    tls: Tls,
    timeout: Duration,
    credentials: Option<Credentials>,
}

impl Client {
    /// Connects, secures the connection as the settings say (STARTTLS is
    /// required when asked for) and logs in.
    fn connect(&self) -> Result<SmtpConnection, lettre::transport::smtp::Error> {
        let hello = ClientId::Domain(DOMAIN.into());
        let wrapper = match &self.tls {
            Tls::Wrapper(p) => Some(p),
            _ => None,
        };
        let mut conn = SmtpConnection::connect((self.host.as_str(), self.port), Some(self.timeout), &hello, wrapper, None)?;
        if let Tls::Required(p) = &self.tls {
            conn.starttls(p, &hello)?;
        }
        if let Some(c) = &self.credentials {
            if let Err(e) = conn.auth(DEFAULT_MECHANISMS, c) {
                conn.abort();
                return Err(e);
            }
        }
        Ok(conn)
    }
}

/// A document attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    /// `invoice`, `remittance`, `notice`.
    pub kind: String,
    /// Document id; the attachment is `<document_id>.pdf`.
    pub document_id: String,
    /// What it is, in words (listed in the message).
    pub title: String,
    /// SHA-256 of the PDF: checked before sending.
    pub sha256: String,
    /// The PDF, relative to the run folder.
    pub file: String,
}

/// One message to one payee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The payee.
    pub payee: String,
    /// The payee's name.
    pub name: String,
    /// The address.
    pub to: String,
    /// `en` or `es`.
    pub language: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// The message's date (the run's date).
    pub date: NaiveDate,
    /// `<…@ssps.dshs.wa.gov>`, from the run and the documents.
    pub message_id: String,
    /// Whether the payee also gets the documents on paper.
    pub paper: bool,
    /// The PDFs.
    pub documents: Vec<Attached>,
    /// The message tells the documents are in the provider portal and
    /// attaches none (1099 statements furnished electronically: the
    /// recipient's consent covers the portal, not email attachments).
    #[serde(default)]
    pub notice_only: bool,
}

/// Why a message cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// A text of the catalog is missing or wrong.
    #[error(transparent)]
    Texts(#[from] crate::texts::TextsError),
    /// An address does not parse.
    #[error("{what} address {address:?} is not a valid email address: {reason}")]
    Address {
        /// `recipient`, `sender`.
        what: &'static str,
        /// The address.
        address: String,
        /// Why.
        reason: String,
    },
    /// An attachment cannot be read or is not what was produced.
    #[error("{file}: {reason}")]
    Attachment {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// lettre refused the message.
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// Who a run's message goes to and what it is about.
#[derive(Debug, Clone, Copy)]
pub struct Addressed<'a> {
    /// The run's identity (`ssps-invoices-2026-10`).
    pub run: &'a str,
    /// The kind of the documents (`invoice`): its subject and body texts.
    pub kind: &'a str,
    /// The run's period in words (`October 2026`).
    pub period: &'a str,
    /// The payee.
    pub payee: &'a str,
    /// The payee's name, for the greeting.
    pub name: &'a str,
    /// The address the message goes to.
    pub to: &'a str,
    /// The message's language.
    pub language: Language,
    /// Whether the documents also go on paper.
    pub paper: bool,
    /// The documents' date.
    pub date: NaiveDate,
}

/// The run's message to a payee: subject by document kind, greeting, the
/// list of documents, closing, in the payee's language. `period` is the
/// run's period in words (`October 2026`).
pub fn outgoing(texts: &Texts, m: &Addressed, documents: Vec<Attached>) -> Result<Outgoing, MessageError> {
    let Addressed { run, kind, period, payee, name, to, language, paper, date } = *m;
    let mut list = Vec::with_capacity(documents.len());
    for d in &documents {
        let kind = texts.email(language, &format!("name_{}", d.kind), &BTreeMap::new())?;
        list.push(format!("- {kind}: {}.pdf", d.document_id));
    }
    let values: BTreeMap<&str, String> = [
        ("name", name.to_string()),
        ("count", documents.len().to_string()),
        ("period", period.to_string()),
        ("documents", list.join("\n")),
    ]
    .into();
    let subject = texts.email(language, &format!("subject_{kind}"), &values)?;
    let greeting = texts.email(language, "greeting", &values)?;
    // A kind may have its own body and closing (`body_1099nec`).
    let own = |key: &str| -> Result<String, MessageError> {
        let specific = format!("{key}_{kind}");
        if texts.has_email(language, &specific) {
            Ok(texts.email(language, &specific, &values)?)
        } else {
            Ok(texts.email(language, key, &values)?)
        }
    };
    let body = own("body")?;
    let closing = own("closing")?;
    let signature = texts.email(language, "signature", &values)?;
    let text = format!("{greeting}\n\n{body}\n\n{}\n\n{closing}\n\n{signature}\n", list.join("\n"));
    let items: String = list.iter().map(|l| format!("<li>{}</li>", html_escape(l.trim_start_matches("- ")))).collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\n<body>\n<p>{greeting}</p>\n<p>{body}</p>\n<ul>{items}</ul>\n<p>{closing}</p>\n<p>{signature}</p>\n</body></html>\n",
        lang = language.code(),
        subject = html_escape(&subject),
        greeting = html_escape(&greeting),
        body = html_escape(&body),
        closing = html_escape(&closing),
        signature = html_escape(&signature),
    );
    let mut key = format!("{run}\n{payee}\n{to}\n");
    for d in &documents {
        key.push_str(&format!("{} {}\n", d.document_id, d.sha256));
    }
    let message_id = format!("<{}.{}.{}@{DOMAIN}>", run, payee, &sha256_hex(key.as_bytes())[..20]);
    Ok(Outgoing {
        payee: payee.to_string(),
        name: name.to_string(),
        to: to.to_string(),
        language: language.code().to_string(),
        subject,
        text,
        html,
        date,
        message_id,
        paper,
        documents,
        notice_only: false,
    })
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The MIME message: `multipart/mixed` of a `multipart/alternative` (text,
/// HTML) and the PDFs, read from `run_dir` and checked against their
/// SHA-256 (a document that changed since the run is never sent).
pub fn message(out: &Outgoing, run_dir: &Path, from: &str, reply_to: Option<&str>) -> Result<Message, MessageError> {
    let mailbox =
        |what, s: &str| s.parse::<Mailbox>().map_err(|e| MessageError::Address { what, address: s.to_string(), reason: e.to_string() });
    let boundary = |part: &str| format!("ssps-{part}-{}", &sha256_hex(out.message_id.as_bytes())[..24]);
    let alternative = MultiPart::alternative()
        .boundary(boundary("alt"))
        .singlepart(SinglePart::plain(out.text.clone()))
        .singlepart(SinglePart::html(out.html.clone()));
    let mut mixed = MultiPart::mixed().boundary(boundary("mix")).multipart(alternative);
    let pdf = ContentType::parse("application/pdf").map_err(|e| MessageError::Build(e.to_string()))?;
    for d in out.documents.iter().filter(|_| !out.notice_only) {
        let path = run_dir.join(&d.file);
        let bytes =
            std::fs::read(&path).map_err(|e| MessageError::Attachment { file: path.display().to_string(), reason: e.to_string() })?;
        let sum = sha256_hex(&bytes);
        if sum != d.sha256 {
            return Err(MessageError::Attachment {
                file: path.display().to_string(),
                reason: format!("changed since the run made it (SHA-256 {sum}, expected {})", d.sha256),
            });
        }
        mixed = mixed.singlepart(Attachment::new(format!("{}.pdf", d.document_id)).body(bytes, pdf.clone()));
    }
    let date = out.date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let when = std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(date.timestamp()).unwrap_or(0));
    let mut b = Message::builder()
        .from(mailbox("sender", from)?)
        .to(mailbox("recipient", &out.to)?)
        .subject(out.subject.clone())
        .date(when)
        .message_id(Some(out.message_id.clone()))
        .user_agent(format!("ssps {}", env!("CARGO_PKG_VERSION")));
    if let Some(r) = reply_to {
        b = b.reply_to(mailbox("reply-to", r)?);
    }
    b.multipart(mixed).map_err(|e| MessageError::Build(e.to_string()))
}

/// How one send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// The server took the message: its reply (already recorded through
    /// [`Handover::accepted`]).
    Sent(String),
    /// Try again later: a 4xx reply.
    Transient(String),
    /// The server cannot be reached or refused us as a client (connection
    /// refused, timeout, TLS, authentication): no message can go now.
    Unreachable(String),
    /// Will never work as it is: 5xx, a bad address, a changed document.
    Permanent(String),
    /// The content was transmitted but no reply to it came (the connection
    /// broke or timed out): the server may have taken the message. It is
    /// not tried again.
    Unconfirmed(String),
    /// [`Handover::claim`] said no (the journal no longer holds the
    /// message as waiting): its content was never transmitted.
    NotClaimed,
}

/// The caller's record of one message's handover to a transport (the
/// delivery journal), called by [`Client::transact`] (and by
/// [`crate::delivery::claim_then_send`] for other transports) at the
/// moments that decide whether the message may have reached its recipient.
/// Each call must have committed what it records before it returns.
pub trait Handover {
    /// Why the record could not be written (the transaction is then
    /// abandoned: before the content, nothing was transmitted; after it, the
    /// record still says the message is in doubt).
    type Error;
    /// The content is about to go (SMTP: the server answered DATA and waits
    /// for it): from now on the message may be delivered. `false`: it must
    /// not be sent after all; the content is not transmitted (SMTP: the
    /// connection is dropped).
    fn claim(&mut self) -> Result<bool, Self::Error>;
    /// The server took the content (`reply`, after `tries` tries): called
    /// the moment the reply is read, before anything else (even QUIT).
    fn accepted(&mut self, reply: &str, tries: u32) -> Result<(), Self::Error>;
    /// After [`Handover::claim`], the message was certainly not taken (SMTP:
    /// a 4xx or 5xx reply to the content).
    fn refused(&mut self) -> Result<(), Self::Error>;
}

/// How an SMTP error that came before the content (or a refusal of the
/// content) is taken.
fn classify(e: &lettre::transport::smtp::Error) -> SendResult {
    match e {
        // 530/534/535/538: the server refuses our credentials, not this message.
        e if e.status().is_some_and(|c| ["530", "534", "535", "538"].contains(&c.to_string().as_str())) => {
            SendResult::Unreachable(e.to_string())
        }
        e if e.is_permanent() => SendResult::Permanent(e.to_string()),
        e if e.is_transient() => SendResult::Transient(e.to_string()),
        e => SendResult::Unreachable(e.to_string()),
    }
}

impl Client {
    /// One SMTP transaction: connect, MAIL, RCPT, DATA, then (claimed
    /// through `journal`) the content; the reply is recorded before QUIT.
    /// `tries` counts this one.
    pub fn transact<H: Handover>(&self, envelope: &Envelope, bytes: &[u8], tries: u32, journal: &mut H) -> Result<SendResult, H::Error> {
        let mut conn = match self.connect() {
            Ok(c) => c,
            Err(e) => return Ok(classify(&e)),
        };
        // MAIL parameters as lettre's own `send` chooses them.
        let mut options = vec![];
        if envelope.from().into_iter().chain(envelope.to()).any(|a| !AsRef::<str>::as_ref(a).is_ascii()) {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                conn.abort();
                return Ok(SendResult::Permanent("the address is not ASCII and the server does not support SMTPUTF8".into()));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                conn.abort();
                return Ok(SendResult::Permanent("the message is not ASCII and the server does not support 8BITMIME".into()));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let mut commands: Vec<String> = vec![Mail::new(envelope.from().cloned(), options).to_string()];
        commands.extend(envelope.to().iter().map(|a| Rcpt::new(a.clone(), vec![]).to_string()));
        commands.push(Data.to_string());
        for c in commands {
            if let Err(e) = conn.command(c) {
                conn.abort();
                return Ok(classify(&e));
            }
        }
        // The server waits for the content: record that it may now be taken.
        match journal.claim() {
            Ok(true) => {}
            // Dropped mid-DATA, the connection carries no message: the server
            // discards a content that never ended.
            Ok(false) => return Ok(SendResult::NotClaimed),
            Err(e) => return Err(e),
        }
        match conn.message(bytes) {
            Ok(reply) => {
                let reply = format!("{} {}", reply.code(), reply.message().collect::<Vec<_>>().join(" ")).trim().to_string();
                // Nothing between the server's reply and its record.
                let recorded = journal.accepted(&reply, tries);
                let _ = conn.quit();
                recorded.map(|()| SendResult::Sent(reply))
            }
            Err(e) if e.status().is_some() => {
                // A 4xx or 5xx reply to the content: not taken.
                let recorded = journal.refused();
                conn.abort();
                recorded.map(|()| classify(&e))
            }
            // No reply to the content (a broken connection, a timeout): the
            // server may have taken it. The connection is dropped, not QUIT
            // (that would wait for the server again).
            Err(e) => Ok(SendResult::Unconfirmed(format!("no reply from the server after the message was transmitted: {e}"))),
        }
    }
}

/// Why [`Client`], used as a plain lettre [`Transport`], did not deliver a
/// message: how its transaction ended (never [`SendResult::Sent`] nor
/// [`SendResult::NotClaimed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undelivered(pub SendResult);

impl std::fmt::Display for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            SendResult::Sent(reply) => write!(f, "sent: {reply}"),
            SendResult::Transient(why) => write!(f, "refused for now: {why}"),
            SendResult::Unreachable(why) => write!(f, "server unreachable: {why}"),
            SendResult::Permanent(why) => write!(f, "refused: {why}"),
            SendResult::Unconfirmed(why) => write!(f, "unconfirmed: {why}"),
            SendResult::NotClaimed => f.write_str("not claimed"),
        }
    }
}

impl std::error::Error for Undelivered {}

/// The client as a lettre transport: one transaction, nothing recorded,
/// no second try. `Ok` is the server's reply to the content.
impl Transport for Client {
    type Ok = String;
    type Error = Undelivered;

    fn send_raw(&self, envelope: &Envelope, email: &[u8]) -> Result<String, Undelivered> {
        match self.transact(envelope, email, 1, &mut Unrecorded) {
            Ok(SendResult::Sent(reply)) => Ok(reply),
            Ok(other) => Err(Undelivered(other)),
            Err(never) => match never {},
        }
    }
}

/// The handover of a transaction nobody records: always claimed.
struct Unrecorded;

impl Handover for Unrecorded {
    type Error = std::convert::Infallible;

    fn claim(&mut self) -> Result<bool, Self::Error> {
        Ok(true)
    }

    fn accepted(&mut self, _reply: &str, _tries: u32) -> Result<(), Self::Error> {
        Ok(())
    }

    fn refused(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
