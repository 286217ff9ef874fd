//! Integration tests: the real `ssps` binary on real extracts, PDFs read
//! back with a PDF text extractor. One test binary (see tests/README.md).

mod assets;
mod check;
mod claim;
mod documents;
mod email;
mod fuzz;
mod hardening;
mod invoices;
mod letters;
mod machine_files;
mod mail;
mod mil_report;
mod ondemand;
mod overpayments;
mod portal;
mod registration;
mod sample;
mod shards;
mod slurm;
mod tax1099;
mod util;
