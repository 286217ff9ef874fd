//! The delivery channels as backends behind one trait.
//!
//! Every rendered document is offered, in render order, to each channel of
//! the run: the print job (mail), the email queue and the per-payee
//! download archives. A channel answers what it did with the document
//! ([`Took`]), and the manifest's `channels` column is exactly those
//! answers, never a second guess. Each channel then finishes in its own
//! way (the print job's batch files and `job.json`, the archives' index,
//! the email messages), which the generic run calls on the concrete types.
//! [`Recording`] keeps what it was offered, for tests.
//!
//! A kind may restrict the channels its documents take ([`Allowed`],
//! [`super::DocumentKind::channels`]): the registration letters carry a
//! secret and go by mail only, the MILs report is downloaded only. The run
//! refuses, before anything is rendered, a document whose addressee asks
//! for a channel its kind may not use ([`admit`]), and never offers a
//! document to such a channel.

use std::collections::BTreeMap;
use std::ops::Range;

use rust_decimal::Decimal;

use super::OpError;
use crate::compose::{Addressee, Document};
use crate::kind::Kind;
use crate::pdfcut::PdfChunk;
use crate::route::{DownloadArchives, Filed, PrintJob, Stored};

/// A rendered document as the channels see it.
pub struct Routed<'a> {
    /// Its index among the run's documents.
    pub index: usize,
    /// Its kind.
    pub kind: Kind,
    /// Its id.
    pub id: &'a str,
    /// Its title.
    pub title: String,
    /// Who it goes to.
    pub to: &'a Addressee,
    /// The amount it is about.
    pub amount: Decimal,
    /// Its pages in `chunk`.
    pub pages: Range<usize>,
    /// Its PDF, parsed (read only for the documents the print job takes).
    pub chunk: Option<&'a PdfChunk>,
    /// Its file copy under `documents/`.
    pub stored: &'a Stored,
}

/// What a channel did with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// Not for this channel (the recipient did not ask for it).
    No,
    /// Taken, under the channel's name in the manifest.
    Yes(&'static str),
    /// Asked for but refused, with the manifest's word for why
    /// (`unmailable`: paper was asked for, the address cannot be mailed).
    Refused(&'static str),
}

/// The channels a kind's documents may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    /// The print job (`mail`).
    pub mail: bool,
    /// Email.
    pub email: bool,
    /// The per-payee download archives (`download`).
    pub download: bool,
}

impl Allowed {
    /// Every channel the addressee asks for (most kinds).
    pub const ALL: Allowed = Allowed { mail: true, email: true, download: true };
    /// The print job only (documents that carry a secret).
    pub const MAIL_ONLY: Allowed = Allowed { mail: true, email: false, download: false };
    /// The download archives only (staff reports).
    pub const DOWNLOAD_ONLY: Allowed = Allowed { mail: false, email: false, download: true };

    /// The first channel `to` asks for that is not allowed, by its
    /// manifest word.
    pub fn refused(self, to: &Addressee) -> Option<&'static str> {
        if !self.mail && to.wants_mail() {
            Some("mail")
        } else if !self.email && to.wants_email() {
            Some("email")
        } else if !self.download && to.portal {
            Some("download")
        } else {
            None
        }
    }
}

/// Refuses, before anything is rendered, a document whose addressee asks
/// for a channel its kind may not take (a defect of the kind's composer,
/// never input: the run stops with exit 2).
pub fn admit<D: Document>(kind: Kind, allowed: Allowed, docs: &[D]) -> Result<(), OpError> {
    for d in docs {
        if let Some(channel) = allowed.refused(d.to()) {
            return Err(OpError::Channel { kind, document: d.id().to_string(), channel });
        }
    }
    Ok(())
}

/// A delivery channel.
pub trait Channel {
    /// Offered every rendered document in render order.
    fn offer(&mut self, doc: &Routed) -> Result<Took, OpError>;
}

/// The print job: mailable documents placed in their envelopes' batch
/// files as the mail plan says.
pub struct Print<'p> {
    job: PrintJob<'p>,
    /// The mail plan's piece of each document, when mailed.
    piece_of: Vec<Option<usize>>,
}

impl<'p> Print<'p> {
    /// A print channel over `job`; `piece_of[i]` is document `i`'s piece in
    /// the plan.
    pub fn new(job: PrintJob<'p>, piece_of: Vec<Option<usize>>) -> Print<'p> {
        Print { job, piece_of }
    }

    /// Writes the batch files' ends, `job.csv`, `job.json` and `job.zip`.
    pub fn finish(self, names: &[&str], date: chrono::NaiveDate) -> Result<crate::route::PrintReport, OpError> {
        Ok(self.job.finish(names, date)?)
    }
}

impl Channel for Print<'_> {
    fn offer(&mut self, doc: &Routed) -> Result<Took, OpError> {
        match self.piece_of.get(doc.index).copied().flatten() {
            Some(piece) => {
                let chunk =
                    doc.chunk.ok_or_else(|| OpError::Unbalanced(format!("{} {} reached the print job unread", doc.kind, doc.id)))?;
                self.job.place(piece, chunk, doc.pages.clone())?;
                Ok(Took::Yes("mail"))
            }
            None if doc.to.wants_mail() => Ok(Took::Refused("unmailable")),
            None => Ok(Took::No),
        }
    }
}

/// The per-payee download archives of portal users: a payee's archive is
/// written as soon as its last document of the run has been offered.
pub struct Archives {
    archives: Option<DownloadArchives>,
    /// Documents of each recipient still to come.
    remaining: BTreeMap<String, usize>,
    filed: BTreeMap<String, Vec<Filed>>,
}

impl Archives {
    /// Archives under `<run>/download` for the portal users among `to`; no
    /// `download/` folder when none of the documents is downloaded.
    pub fn new<'a>(
        run_dir: &std::path::Path,
        date: chrono::NaiveDate,
        to: impl Iterator<Item = &'a Addressee>,
    ) -> Result<Archives, OpError> {
        let mut remaining: BTreeMap<String, usize> = BTreeMap::new();
        for a in to.filter(|a| a.portal) {
            *remaining.entry(a.id.to_string()).or_default() += 1;
        }
        let archives = if remaining.is_empty() { None } else { Some(DownloadArchives::new(run_dir, date)?) };
        Ok(Archives { archives, remaining, filed: BTreeMap::new() })
    }

    /// Writes `download/index.csv`; the archives in payee order.
    pub fn finish(self) -> Result<Vec<crate::route::Archive>, OpError> {
        match self.archives {
            Some(a) => Ok(a.finish()?),
            None => Ok(vec![]),
        }
    }
}

impl Channel for Archives {
    fn offer(&mut self, doc: &Routed) -> Result<Took, OpError> {
        if !doc.to.portal {
            return Ok(Took::No);
        }
        let payee = doc.to.id.to_string();
        let list = self.filed.entry(payee.clone()).or_default();
        list.push(Filed {
            payee_number: payee.clone(),
            document_id: doc.id.to_string(),
            kind: doc.kind.name(),
            title: doc.title.clone(),
            pages: doc.pages.len(),
            amount: doc.amount,
            sha256: doc.stored.sha256.clone(),
            file: doc.stored.file.clone(),
        });
        let left =
            self.remaining.get_mut(&payee).ok_or_else(|| OpError::Unbalanced(format!("payee {payee}: a document no one counted")))?;
        *left -= 1;
        if *left == 0 {
            let docs = self.filed.remove(&payee).unwrap_or_default();
            if let Some(a) = self.archives.as_mut() {
                a.add(&payee, docs)?;
            }
        }
        Ok(Took::Yes("download"))
    }
}

/// The email channel: the documents of recipients who take email, for the
/// messages the run composes once every document is rendered.
#[derive(Default)]
pub struct Email {
    /// Document indexes by payee, in render order.
    pub by_payee: BTreeMap<String, Vec<usize>>,
}

impl Channel for Email {
    fn offer(&mut self, doc: &Routed) -> Result<Took, OpError> {
        if !doc.to.wants_email() {
            return Ok(Took::No);
        }
        if doc.to.email.is_none() {
            return Ok(Took::Refused("no-email"));
        }
        self.by_payee.entry(doc.to.id.to_string()).or_default().push(doc.index);
        Ok(Took::Yes("email"))
    }
}

/// A channel that takes everything and keeps what it was offered (tests).
#[derive(Default)]
pub struct Recording {
    /// `(document index, kind, id, pages)` in the order offered.
    pub offered: Vec<(usize, Kind, String, usize)>,
}

impl Channel for Recording {
    fn offer(&mut self, doc: &Routed) -> Result<Took, OpError> {
        self.offered.push((doc.index, doc.kind, doc.id.to_string(), doc.pages.len()));
        Ok(Took::Yes("recorded"))
    }
}

/// What the channels did with every document, in the documents' order.
pub struct Taken {
    /// The channels' answers per document.
    pub per_document: Vec<Vec<&'static str>>,
}

impl Taken {
    /// Room for `n` documents.
    pub fn new(n: usize) -> Taken {
        Taken { per_document: vec![Vec::new(); n] }
    }

    /// Offers `doc` to every channel, in order, and keeps their answers.
    pub fn offer(&mut self, channels: &mut [&mut dyn Channel], doc: &Routed) -> Result<(), OpError> {
        for c in channels.iter_mut() {
            match c.offer(doc)? {
                Took::No => {}
                Took::Yes(name) | Took::Refused(name) => self.per_document[doc.index].push(name),
            }
        }
        Ok(())
    }

    /// Puts together what the channels answered apart: `answers[c][i]` is
    /// channel `c`'s answer for document `i`, channels in offer order.
    pub fn merge(n: usize, answers: &[Vec<Took>]) -> Taken {
        let mut taken = Taken::new(n);
        for channel in answers {
            for (i, took) in channel.iter().enumerate() {
                if let Took::Yes(name) | Took::Refused(name) = took {
                    taken.per_document[i].push(name);
                }
            }
        }
        taken
    }

    /// Documents per channel word.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for c in self.per_document.iter().flatten() {
            *out.entry(*c).or_default() += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::RecipientKind;
    use crate::model::{Address, Delivery, Id, Language};

    /// A one-page PDF, as a rendered chunk.
    fn chunk() -> PdfChunk {
        use lopdf::{dictionary, Object};
        let mut doc = lopdf::Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.add_object(
            dictionary! { "Type" => "Page", "Parent" => pages, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] },
        );
        doc.objects.insert(pages, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        PdfChunk::parse(&bytes).unwrap()
    }

    fn to(id: &str, recipient: RecipientKind, delivery: Delivery, email: bool, portal: bool) -> Addressee {
        Addressee {
            recipient,
            id: Id::parse(id).unwrap(),
            name: format!("Recipient {id}"),
            address: Address {
                line1: "1 Main St".into(),
                line2: None,
                city: "Olympia".into(),
                state: "WA".into(),
                zip: "98501".into(),
                mailable: true,
            },
            delivery,
            email: email.then(|| format!("{id}@example.org")),
            language: Language::En,
            portal,
        }
    }

    /// A one-page document to `to`.
    struct Doc(crate::compose::DocMeta);

    impl serde::Serialize for Doc {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_unit()
        }
    }

    impl Document for Doc {
        fn id(&self) -> &str {
            "D-1"
        }
        fn kind(&self) -> Kind {
            Kind::Notice
        }
        fn meta(&self) -> &crate::compose::DocMeta {
            &self.0
        }
        fn page_count(&self) -> usize {
            1
        }
        fn title(&self) -> String {
            "D-1".into()
        }
    }

    fn doc(to: Addressee) -> Doc {
        Doc(crate::compose::DocMeta { to, amount: Decimal::ZERO, lines: 0, references: vec![] })
    }

    #[test]
    fn a_kind_restricted_to_some_channels_refuses_a_document_asking_for_another() {
        let both = to("100", RecipientKind::Payee, Delivery::Both, true, true);
        let email = to("101", RecipientKind::Payee, Delivery::Email, true, false);
        let paper = to("102", RecipientKind::Payee, Delivery::Mail, false, false);
        let portal = to("103", RecipientKind::Payee, Delivery::Mail, false, true);
        let staff = Addressee::staff(Id::parse("SSP-UNIT").unwrap(), "Staff");
        // Everything is allowed by default.
        for a in [&both, &email, &paper, &portal, &staff] {
            assert_eq!(Allowed::ALL.refused(a), None);
        }
        // Mail only: paper alone passes; email and the portal are named.
        assert_eq!(Allowed::MAIL_ONLY.refused(&paper), None);
        assert_eq!(Allowed::MAIL_ONLY.refused(&both), Some("email"));
        assert_eq!(Allowed::MAIL_ONLY.refused(&email), Some("email"));
        assert_eq!(Allowed::MAIL_ONLY.refused(&portal), Some("download"));
        // Download only: a staff report passes, paper does not.
        assert_eq!(Allowed::DOWNLOAD_ONLY.refused(&staff), None);
        assert_eq!(Allowed::DOWNLOAD_ONLY.refused(&paper), Some("mail"));
        // The run's check names the kind, the document and the channel.
        assert!(admit(Kind::Notice, Allowed::MAIL_ONLY, &[doc(paper.clone())]).is_ok());
        let err = admit(Kind::Notice, Allowed::MAIL_ONLY, &[doc(paper), doc(both)]).unwrap_err();
        assert_eq!(err.to_string(), "notice document D-1 would go by email, which notice documents may not take: nothing was run");
    }

    #[test]
    fn the_manifest_channels_are_what_each_channel_took_in_the_order_offered() {
        let dir = tempfile::tempdir().unwrap();
        let chunk = chunk();
        std::fs::create_dir_all(dir.path().join("documents")).unwrap();
        std::fs::write(dir.path().join("documents/x.pdf"), b"%PDF-1.7 test").unwrap();
        let stored = Stored { file: "documents/x.pdf".into(), sha256: "00".into(), bytes: 13 };
        let people = [
            to("100", RecipientKind::Payee, Delivery::Both, true, true),
            to("200", RecipientKind::Payee, Delivery::Mail, false, true),
            to("300", RecipientKind::Client, Delivery::Mail, false, false),
            to("100", RecipientKind::Payee, Delivery::Both, true, true),
        ];
        let date = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let mut email = Email::default();
        let mut archives = Archives::new(dir.path(), date, people.iter()).unwrap();
        let mut recording = Recording::default();
        let mut taken = Taken::new(people.len());
        let ids = ["A-1", "B-1", "C-1", "A-2"];
        for (i, p) in people.iter().enumerate() {
            let doc = Routed {
                index: i,
                kind: Kind::Notice,
                id: ids[i],
                title: format!("Notice {}", ids[i]),
                to: p,
                amount: Decimal::new(12_345, 2),
                pages: 0..1,
                chunk: Some(&chunk),
                stored: &stored,
            };
            taken.offer(&mut [&mut email, &mut archives, &mut recording], &doc).unwrap();
        }
        let words: Vec<String> = taken.per_document.iter().map(|w| w.join(";")).collect();
        assert_eq!(words, ["email;download;recorded", "download;recorded", "recorded", "email;download;recorded"]);
        assert_eq!(taken.counts(), [("download", 3), ("email", 2), ("recorded", 4)].into());
        assert_eq!(recording.offered.iter().map(|o| o.2.as_str()).collect::<Vec<_>>(), ids);
        assert_eq!(email.by_payee, [("100".to_string(), vec![0, 3])].into());
        // Payee 200's archive was written when its one document came; 100's
        // after its second: both, in payee order.
        let archives = archives.finish().unwrap();
        assert_eq!(archives.iter().map(|a| (a.payee_number.as_str(), a.documents)).collect::<Vec<_>>(), [("100", 2), ("200", 1)]);
    }
}
