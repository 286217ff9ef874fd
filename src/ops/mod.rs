//! One function per command, each running the stages in order.
//!
//! The binary stays thin (parse arguments, print, exit); everything a command
//! does lives here so it can be called and tested as a library.

pub mod check;
pub mod claim;
pub mod deliver;
pub mod export_claims;
pub mod invoices;
pub mod letters;
pub mod mil_report;
pub mod notices;
pub mod overpayments;
pub mod portal;
pub mod receipts;
pub mod registration;
pub mod remittances;
pub mod tax1099;

pub use crate::pipeline::{journal_beside, read_extract, read_extract_with, require, OpError, Outcome, RunOptions};
