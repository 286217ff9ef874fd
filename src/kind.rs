//! The one name of every document kind, and what derives from it.
//!
//! A kind's manifest name (`invoice`, `1099nec`), its run name in
//! `summary.json` (`invoices`, `tax1099`), its template, the digit its
//! envelopes' barcode serials carry and the section of its printed labels
//! all come from one [`Kind`], so they cannot disagree. What a kind *does*
//! (compose, check, render once per run, write its own files) is its
//! [`crate::pipeline::DocumentKind`] implementation.

use crate::render::Template;

/// Every document kind `ssps` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum Kind {
    /// DSHS 08-141 invoices.
    Invoice,
    /// Remittance advices.
    Remittance,
    /// Social Services Notices.
    Notice,
    /// ACES SSP letters.
    Letter,
    /// Form 1099-NEC recipient statements (Copy B).
    Statement1099,
    /// Vendor Overpayment Notices.
    Overpayment,
    /// The ACES MILs Report for MM/CCYY (a staff report, not mailed).
    MilReport,
    /// Provider-portal registration letters (mail only: they carry a code).
    Registration,
    /// Receipts of invoices claimed online (download only: the portal).
    Receipt,
}

/// Where a kind's printed labels come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSource {
    /// The template prints its own (the pre-printed 08-141).
    Template,
    /// The section named by the kind in `letters/documents.toml`.
    Documents,
    /// The kind's own catalog (the ACES letters, the 1099 statement).
    Own,
}

impl Kind {
    /// Every kind, in the order of their mail serial digits.
    pub const ALL: [Kind; 9] = [
        Kind::Invoice,
        Kind::Remittance,
        Kind::Notice,
        Kind::Letter,
        Kind::Statement1099,
        Kind::Overpayment,
        Kind::MilReport,
        Kind::Registration,
        Kind::Receipt,
    ];

    /// The name in the manifest, the journal, the download index, PDF ids
    /// and email texts (`name_invoice`).
    pub fn name(self) -> &'static str {
        self.row().0
    }

    /// The run's name in `summary.json` and its default folder words.
    pub fn run(self) -> &'static str {
        self.row().1
    }

    /// The template that renders a chunk of these documents.
    pub fn template(self) -> Template {
        self.row().2
    }

    /// The digit the envelopes' serial numbers carry after the month
    /// (`month-sequence` scheme), so two runs of different kinds in one
    /// month never share a barcode.
    pub fn mail_digit(self) -> u8 {
        self.row().3
    }

    /// Where the template's printed labels come from.
    pub fn labels(self) -> LabelSource {
        self.row().4
    }

    /// The one table every property is read from.
    fn row(self) -> (&'static str, &'static str, Template, u8, LabelSource) {
        match self {
            Kind::Invoice => ("invoice", "invoices", Template::Invoice, 1, LabelSource::Template),
            Kind::Remittance => ("remittance", "remittances", Template::Remittance, 2, LabelSource::Documents),
            Kind::Notice => ("notice", "notices", Template::Notice, 3, LabelSource::Documents),
            Kind::Letter => ("letter", "letters", Template::Letter, 4, LabelSource::Own),
            Kind::Statement1099 => ("1099nec", "tax1099", Template::Statement, 5, LabelSource::Own),
            Kind::Overpayment => ("overpayment", "overpayments", Template::Overpayment, 6, LabelSource::Documents),
            Kind::MilReport => ("mil-report", "mil-report", Template::MilReport, 7, LabelSource::Documents),
            Kind::Registration => ("registration", "registration-letters", Template::Registration, 8, LabelSource::Documents),
            Kind::Receipt => ("claim-receipt", "claim-receipts", Template::Receipt, 9, LabelSource::Documents),
        }
    }
}

impl From<Kind> for &'static str {
    fn from(k: Kind) -> &'static str {
        k.name()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_runs_and_mail_digits_are_distinct() {
        let mut names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        let mut runs: Vec<_> = Kind::ALL.iter().map(|k| k.run()).collect();
        let mut digits: Vec<_> = Kind::ALL.iter().map(|k| k.mail_digit()).collect();
        for v in [&mut names, &mut runs] {
            v.sort_unstable();
            v.dedup();
        }
        digits.sort_unstable();
        digits.dedup();
        assert_eq!((names.len(), runs.len(), digits.len()), (Kind::ALL.len(), Kind::ALL.len(), Kind::ALL.len()));
        assert!(digits.iter().all(|d| (1..=9).contains(d)));
    }

    #[test]
    fn the_manifest_names_stay_what_runs_wrote_before() {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            ["invoice", "remittance", "notice", "letter", "1099nec", "overpayment", "mil-report", "registration", "claim-receipt"]
        );
    }
}
