//! The deliberately broken rows of `bad_rows = K`: appended at the ends of the five
//! invoice files after every valid row, cycling through the 14 kinds of
//! [`BAD_ROW_KINDS`]; each breaks exactly one rule, refers to records that exist, and
//! never changes a valid record.

use chrono::Months;

use super::authorizations::{AuthLine, Service};
use super::payees::make_payee;
use super::pools::{child_first, child_last, person_first, person_last, phone};
use super::{money, BadRow, Gen, Rng, SampleError, FIRST_PAYEE, STREAM_BAD};
use crate::load;

/// The kinds of broken rows, in the order `--bad-rows` cycles through them.
pub const BAD_ROW_KINDS: [&str; 14] = [
    BadKind::Rate3.what(),
    BadKind::PayeeZip.what(),
    BadKind::BadDate.what(),
    BadKind::NegativeUnits.what(),
    BadKind::Tin8.what(),
    BadKind::SpaceId.what(),
    BadKind::UnknownProgram.what(),
    BadKind::DuplicatePayee.what(),
    BadKind::EndBeforeStart.what(),
    BadKind::EmailMissing.what(),
    BadKind::TooLong.what(),
    BadKind::Reference9.what(),
    BadKind::MissingProvider.what(),
    BadKind::MissingClient.what(),
];

/// One kind of broken row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadKind {
    Rate3,
    PayeeZip,
    BadDate,
    NegativeUnits,
    Tin8,
    SpaceId,
    UnknownProgram,
    DuplicatePayee,
    EndBeforeStart,
    EmailMissing,
    TooLong,
    Reference9,
    MissingProvider,
    MissingClient,
}

/// The order the kinds are written in (that of [`BAD_ROW_KINDS`]).
const BAD_CYCLE: [BadKind; 14] = [
    BadKind::Rate3,
    BadKind::PayeeZip,
    BadKind::BadDate,
    BadKind::NegativeUnits,
    BadKind::Tin8,
    BadKind::SpaceId,
    BadKind::UnknownProgram,
    BadKind::DuplicatePayee,
    BadKind::EndBeforeStart,
    BadKind::EmailMissing,
    BadKind::TooLong,
    BadKind::Reference9,
    BadKind::MissingProvider,
    BadKind::MissingClient,
];

impl BadKind {
    const fn what(self) -> &'static str {
        match self {
            BadKind::Rate3 => "rate with 3 decimals",
            BadKind::PayeeZip => "malformed zip 9850",
            BadKind::BadDate => "impossible date 2026-02-30",
            BadKind::NegativeUnits => "negative units_authorized",
            BadKind::Tin8 => "tin with 8 digits",
            BadKind::SpaceId => "identifier with a space",
            BadKind::UnknownProgram => "unknown program DAYCARE",
            BadKind::DuplicatePayee => "duplicate payee_number",
            BadKind::EndBeforeStart => "end_date before start_date",
            BadKind::EmailMissing => "delivery email with empty email",
            BadKind::TooLong => "service period longer than 6 months",
            BadKind::Reference9 => "reference_number of 9 digits",
            BadKind::MissingProvider => "provider_number that does not exist",
            BadKind::MissingClient => "client_id that does not exist",
        }
    }
}

/// What a bad row may refer to: a valid payee, provider, client and worker.
pub(super) struct Anchor {
    pub(super) payee: String,
    pub(super) provider: String,
    pub(super) provider_center: bool,
    pub(super) client: String,
    /// Index into the workers.
    pub(super) worker: usize,
}

impl Gen {
    /// Appends `count` bad rows, all drawn from one stream; returns where they are.
    pub(super) fn bad_rows(&mut self, seed: u64, count: usize) -> Result<Vec<BadRow>, SampleError> {
        let mut r = Rng::stream(seed, STREAM_BAD, 0);
        let mut rows = Vec::with_capacity(count);
        for n in 0..count {
            rows.push(self.bad_row(&mut r, n)?);
        }
        Ok(rows)
    }

    /// The `n`th bad row (0-based); returns where it was written.
    fn bad_row(&mut self, r: &mut Rng, n: usize) -> Result<BadRow, SampleError> {
        let kind = BAD_CYCLE[n % BAD_CYCLE.len()];
        let cycle = (n / BAD_CYCLE.len()) as u64;
        let anchor = self.first_valid.as_ref().expect("at least one payee was written");
        let anchor_payee = anchor.payee.clone();
        let anchor_provider = anchor.provider.clone();
        let anchor_client = anchor.client.clone();
        let (file, line) = match kind {
            BadKind::PayeeZip | BadKind::Tin8 | BadKind::DuplicatePayee | BadKind::EmailMissing => {
                let county = r.weighted(&self.county_weights);
                let number = if kind == BadKind::DuplicatePayee {
                    // An earlier payee's number, never a later one's: rows are appended.
                    let used = self.next_payee - FIRST_PAYEE;
                    FIRST_PAYEE + (cycle * 7919 + 13) % used
                } else {
                    let n = self.next_payee;
                    self.next_payee += 1;
                    n
                };
                let org = r.chance(400);
                let mut p = make_payee(r, number, org, county);
                match kind {
                    BadKind::PayeeZip => p.fields[load::PAYEES.col("zip")] = "9850".to_string(),
                    BadKind::Tin8 => {
                        let tin = &mut p.fields[load::PAYEES.col("tin")];
                        tin.truncate(tin.len() - 1);
                    }
                    BadKind::EmailMissing => {
                        p.fields[load::PAYEES.col("delivery")] = "email".to_string();
                        p.fields[load::PAYEES.col("email")] = String::new();
                    }
                    _ => {}
                }
                (load::PAYEES.name, self.payees.write(&p.fields)?)
            }
            BadKind::BadDate => {
                let id = format!("C{}", self.next_client);
                self.next_client += 1;
                let case = format!("CS-{}", self.next_case);
                self.next_case += 1;
                let (first, last) = (child_first(r), child_last(r));
                let line = self.write_client(&id, &case, first, last, "2026-02-30", "")?;
                (load::CLIENTS.name, line)
            }
            BadKind::SpaceId => {
                let id = format!("AB {}", 12 + cycle);
                match cycle % 3 {
                    0 => {
                        let phone = phone(r, "509");
                        let line = self.providers.write(&[
                            id.as_str(),
                            &anchor_payee,
                            "Broken Identifier Child Care",
                            "family_home",
                            "Yakima",
                            &phone,
                        ])?;
                        (load::PROVIDERS.name, line)
                    }
                    1 => {
                        let name = format!("{} {}", person_first(r), person_last(r));
                        let phone = phone(r, "360");
                        let line = self.workers_out.write(&[id.as_str(), &name, &phone, "CSO Olympia"])?;
                        (load::WORKERS.name, line)
                    }
                    _ => {
                        let case = format!("CS-{}", self.next_case);
                        self.next_case += 1;
                        let (first, last) = (child_first(r), child_last(r));
                        let birth = self.birth_date(r).to_string();
                        (load::CLIENTS.name, self.write_client(&id, &case, first, last, &birth, "")?)
                    }
                }
            }
            _ => {
                let anchor = self.first_valid.as_ref().expect("anchor");
                let (code, name) =
                    if anchor.provider_center { ("4301", "FULL DAY CARE CENTER") } else { ("4321", "FULL DAY CARE FAMILY HOME") };
                let worker = anchor.worker;
                let service = Service { code, name, kind: "full_day", unit: "DA", units: 22, rate: r.range(4000, 9000) };
                self.next_ref += 1;
                let mut reference = self.next_ref.to_string();
                let authorization = format!("A{}", self.next_auth);
                self.next_auth += 1;
                let mut provider = anchor_provider;
                let mut client = anchor_client;
                let mut program = "WCCC";
                let mut units = "22".to_string();
                let mut rate = money(service.rate);
                let mut start = self.m0;
                let mut end = self.m_end;
                match kind {
                    BadKind::Rate3 => {
                        rate = format!("{}.{:02}{}", r.range(20, 119), r.below(100), r.range(1, 9));
                    }
                    BadKind::NegativeUnits => units = "-22".to_string(),
                    BadKind::UnknownProgram => program = "DAYCARE",
                    BadKind::EndBeforeStart => {
                        start = self.m0 + chrono::Days::new(14);
                        end = self.m0 + chrono::Days::new(3);
                    }
                    BadKind::TooLong => {
                        start = self.m0 - Months::new(3);
                        end = (self.m0 + Months::new(6)).pred_opt().expect("date");
                    }
                    BadKind::Reference9 => reference = format!("{}", 100_000_000 + cycle * 37 + 5),
                    BadKind::MissingProvider => {
                        provider = (self.next_provider + 1000 + cycle).to_string();
                    }
                    BadKind::MissingClient => {
                        client = format!("C{}", self.next_client + 1000 + cycle);
                    }
                    _ => unreachable!("payee, client and identifier kinds are handled above"),
                }
                let line = AuthLine {
                    reference: &reference,
                    authorization: &authorization,
                    provider: &provider,
                    client: &client,
                    worker,
                    program,
                    service: &service,
                    units: &units,
                    rate: &rate,
                    copay: "",
                    start: &start.to_string(),
                    end: &end.to_string(),
                    action: "",
                    action_date: "",
                };
                (load::AUTHORIZATIONS.name, self.write_auth(&line)?)
            }
        };
        Ok(BadRow { file, line, what: kind.what() })
    }
}
