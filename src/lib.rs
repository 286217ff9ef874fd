//! `ssps`: the document and mail pipeline of the Social Service Payment System.
//!
//! Records arrive as a folder of CSV extracts and leave as print-ready PDFs,
//! a manifest and a rejects report. The stages, each a module:
//!
//! 1. [`load`]: CSV files → raw rows (shape only: headers, bytes, quoting);
//! 2. [`validate`]: raw rows → typed [`model`] records, every rule and
//!    cross-file reference checked, every problem reported ([`problem`]);
//! 3. [`compose`]: records → documents as data (invoices, remittance
//!    advices, Social Services Notices, ACES letters: their lines and
//!    pages), with totals checked; printed words come from [`texts`];
//!    parameters that change by year come from data files ([`calendar`]'s
//!    holidays, [`tax1099`]'s 1099 thresholds);
//! 4. [`render`]: documents → PDF bytes through Typst templates, no file I/O;
//! 5. [`route`]: PDF bytes → the channels: download copies and per-payee
//!    archives, the print job ([`mail`] plans it), email ([`email`]);
//! 6. [`journal`]: the run's manifest, rejects report and summary, written
//!    atomically; [`delivery`]: the journal of what was emailed.
//!
//! Beside the document stages, [`claim`] makes the booklet's billing rules
//! executable: the units a provider may claim for a month of attendance.
//!
//! [`pipeline`] runs every document kind ([`kind`]) through these stages
//! the same way; [`ops`] holds one function per command (each document
//! kind's module among them); the binary (`src/main.rs`) only parses
//! arguments and prints.

pub mod assets;
pub mod calendar;
pub mod claim;
pub mod compose;
pub mod delivery;
pub mod email;
pub mod fuzz;
pub mod imb;
pub mod journal;
pub mod kind;
pub mod load;
pub mod mail;
pub mod model;
pub mod money;
pub mod ondemand;
pub mod ops;
pub mod pdfcut;
pub mod pipeline;
pub mod portal;
pub mod problem;
pub mod regcode;
pub mod render;
pub mod route;
pub mod sample;
pub mod shard;
pub mod spreadsheet;
pub mod tax1099;
pub mod texts;
pub mod validate;
