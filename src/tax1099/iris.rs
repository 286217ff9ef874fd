//! The IRS filing: IRIS Taxpayer Portal CSV upload files for Form
//! 1099-NEC, their columns from a layout data file (`data/iris-1099nec.toml`,
//! to be checked against the year's official template).
//!
//! These files are the only output with full TINs: the IRS must get the
//! whole number (truncation is for statements people read).

use rust_decimal::Decimal;
use serde::Deserialize;

use super::ledger::Return;
use super::Payer;
use crate::model::{Tin, TinType};

/// The bundled layout.
pub const LAYOUT_TOML: &str = include_str!("../../data/iris-1099nec.toml");

/// Why a layout cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct LayoutError {
    /// The layout file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// One column of the upload file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The header text, as the IRS template has it.
    pub header: String,
    /// What goes in it (see the layout file's comments).
    pub value: String,
}

/// The upload file's layout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// The form (`1099-NEC`).
    pub form: String,
    /// Most returns in one file.
    pub max_returns: usize,
    /// The TIN type code for an SSN.
    pub tin_type_ssn: String,
    /// The TIN type code for an EIN.
    pub tin_type_ein: String,
    /// What marks a corrected return.
    pub corrected_indicator: String,
    /// The columns, in order.
    pub columns: Vec<Column>,
}

/// The values a column may take.
const VALUES: &[&str] = &[
    "recipient.tin",
    "recipient.tin_type",
    "recipient.name",
    "recipient.name2",
    "recipient.address1",
    "recipient.address2",
    "recipient.city",
    "recipient.state",
    "recipient.zip",
    "recipient.account",
    "payer.tin",
    "payer.tin_type",
    "payer.name",
    "payer.name2",
    "payer.address1",
    "payer.address2",
    "payer.city",
    "payer.state",
    "payer.zip",
    "payer.phone",
    "box1",
    "tax_year",
    "corrected",
    "empty",
];

impl Layout {
    /// Parses a layout: every value known, headers unique, the recipient's
    /// TIN, the account number and box 1 present, 1 to 250 returns a file.
    pub fn parse(text: &str, file: &str) -> Result<Layout, LayoutError> {
        let err = |message: String| LayoutError { file: file.to_string(), message };
        let layout: Layout = toml::from_str(text).map_err(|e| err(e.message().trim().to_string()))?;
        if !(1..=250).contains(&layout.max_returns) {
            return Err(err(format!("max_returns = {}: IRIS takes 1 to 250 returns in one file", layout.max_returns)));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &layout.columns {
            if !VALUES.contains(&c.value.as_str()) {
                return Err(err(format!("column {:?}: unknown value {:?} (known: {})", c.header, c.value, VALUES.join(", "))));
            }
            if !seen.insert(c.header.as_str()) {
                return Err(err(format!("column {:?} is listed twice", c.header)));
            }
        }
        for needed in ["recipient.tin", "recipient.account", "box1", "payer.tin", "tax_year", "corrected"] {
            if !layout.columns.iter().any(|c| c.value == needed) {
                return Err(err(format!("no column takes {needed}")));
            }
        }
        Ok(layout)
    }

    /// The bundled layout (tested: it always parses).
    pub fn bundled() -> Layout {
        Layout::parse(LAYOUT_TOML, "data/iris-1099nec.toml").unwrap_or_else(|e| unreachable!("bundled IRIS layout: {e}"))
    }

    fn tin_type(&self, t: TinType) -> &str {
        match t {
            TinType::Ssn => &self.tin_type_ssn,
            TinType::Ein => &self.tin_type_ein,
        }
    }

    /// The cell of `value` for one return.
    fn cell(&self, value: &str, r: &Return, payer: &Payer, year: i32) -> String {
        let p = &r.payee;
        let a = &p.address;
        let payer_street = |i: usize| payer.street.get(i).cloned().unwrap_or_default();
        match value {
            "recipient.tin" => p.tin.for_irs_filing().to_string(),
            "recipient.tin_type" => self.tin_type(p.tin.kind()).to_string(),
            "recipient.name" => p.name.clone(),
            "recipient.name2" => p.dba_name.clone().unwrap_or_default(),
            "recipient.address1" => a.line1.clone(),
            "recipient.address2" => a.line2.clone().unwrap_or_default(),
            "recipient.city" => a.city.clone(),
            "recipient.state" => a.state.clone(),
            "recipient.zip" => a.zip.clone(),
            "recipient.account" => r.account.to_string(),
            "payer.tin" => payer.ein.for_irs_filing().to_string(),
            "payer.tin_type" => self.tin_type(payer.ein.kind()).to_string(),
            "payer.name" => payer.name.clone(),
            "payer.name2" => payer.name_line_2.clone(),
            "payer.address1" => payer_street(0),
            "payer.address2" => payer_street(1),
            "payer.city" => payer.city.clone(),
            "payer.state" => payer.state.clone(),
            "payer.zip" => payer.zip.clone(),
            "payer.phone" => payer.phone.clone(),
            "box1" => amount(r.amount),
            "tax_year" => year.to_string(),
            "corrected" if r.filing.corrected() => self.corrected_indicator.clone(),
            _ => String::new(),
        }
    }

    /// The upload files for `returns` (all originals, or all corrections):
    /// `(name, bytes, returns, box 1 total)`, at most `max_returns` each,
    /// named `<stem>-001.csv`, `-002` ….
    pub fn files(&self, stem: &str, returns: &[&Return], payer: &Payer, year: i32) -> Result<Vec<UploadFile>, csv::Error> {
        let mut out = Vec::new();
        for (k, part) in returns.chunks(self.max_returns).enumerate() {
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
            w.write_record(self.columns.iter().map(|c| c.header.as_str()))?;
            for r in part {
                w.write_record(self.columns.iter().map(|c| self.cell(&c.value, r, payer, year)))?;
            }
            let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
            out.push(UploadFile {
                name: format!("{stem}-{:03}.csv", k + 1),
                bytes,
                returns: part.len(),
                amount: part.iter().map(|r| r.amount).sum(),
            });
        }
        Ok(out)
    }

    /// Reads back an upload file this layout wrote: the returns' account
    /// numbers and box 1 amounts (the run checks its files by reading them).
    pub fn read_back(&self, bytes: &[u8]) -> Result<Vec<(String, Decimal)>, String> {
        let pos = |v: &str| self.columns.iter().position(|c| c.value == v).ok_or_else(|| format!("no {v} column"));
        let (account, box1) = (pos("recipient.account")?, pos("box1")?);
        let mut r = csv::Reader::from_reader(bytes);
        let mut out = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| e.to_string())?;
            let a = rec.get(box1).unwrap_or_default();
            let amount: Decimal = a.parse().map_err(|_| format!("box 1 {a:?} is not an amount"))?;
            out.push((rec.get(account).unwrap_or_default().to_string(), amount));
        }
        Ok(out)
    }
}

impl Layout {
    /// The full TINs an upload file this layout wrote holds, by account
    /// number (a correction must name the TIN the return was filed with).
    /// Rows that correct a return to zero are left out: what they name is
    /// no longer filed.
    pub fn filed_tins(&self, bytes: &[u8]) -> Result<Vec<(String, Tin)>, String> {
        let pos = |v: &str| self.columns.iter().position(|c| c.value == v).ok_or_else(|| format!("no {v} column"));
        let (account, tin, kind, box1) = (pos("recipient.account")?, pos("recipient.tin")?, pos("recipient.tin_type")?, pos("box1")?);
        let mut r = csv::Reader::from_reader(bytes);
        let mut out = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| e.to_string())?;
            if rec.get(box1).and_then(|a| a.parse::<Decimal>().ok()).is_some_and(|a| a.is_zero()) {
                continue;
            }
            let k = rec.get(kind).unwrap_or_default();
            let t = if k == self.tin_type_ssn {
                TinType::Ssn
            } else if k == self.tin_type_ein {
                TinType::Ein
            } else {
                return Err(format!("TIN type {k:?} is neither {} nor {}", self.tin_type_ssn, self.tin_type_ein));
            };
            // The number itself never goes into a message.
            let tin = Tin::parse(rec.get(tin).unwrap_or_default(), t).ok_or_else(|| "a recipient TIN is not nine digits".to_string())?;
            out.push((rec.get(account).unwrap_or_default().to_string(), tin));
        }
        Ok(out)
    }
}

/// One upload file.
#[derive(Debug, Clone)]
pub struct UploadFile {
    /// `iris-1099nec-001.csv`.
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
    /// Returns in it.
    pub returns: usize,
    /// Sum of box 1.
    pub amount: Decimal,
}

/// Box 1 as IRIS takes it: `2030.60`.
fn amount(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_layout_parses_and_a_bad_one_is_named() {
        let l = Layout::bundled();
        assert_eq!(l.max_returns, 250);
        assert_eq!(l.form, "1099-NEC");
        let bad = LAYOUT_TOML.replace("value = \"box1\"", "value = \"box_1\"");
        let err = Layout::parse(&bad, "x.toml").unwrap_err().to_string();
        assert!(
            err.starts_with("x.toml: column \"Box 1 Nonemployee Compensation\": unknown value \"box_1\" (known: recipient.tin,"),
            "{err}"
        );
        let big = LAYOUT_TOML.replace("max_returns = 250", "max_returns = 251");
        assert_eq!(
            Layout::parse(&big, "x.toml").unwrap_err().to_string(),
            "x.toml: max_returns = 251: IRIS takes 1 to 250 returns in one file"
        );
        let no_tin = LAYOUT_TOML.replace("{ header = \"Recipient TIN\", value = \"recipient.tin\" },", "");
        assert_eq!(Layout::parse(&no_tin, "x.toml").unwrap_err().to_string(), "x.toml: no column takes recipient.tin");
    }
}
