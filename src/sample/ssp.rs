//! State Supplemental Payment cases: with `ssp_cases = N`, N SSP clients (with
//! addresses, some Spanish-speaking) appended to `clients.csv` and one case action each
//! in `ssp_events.csv` (approvals, closures with their reason codes and a worker's text,
//! amount changes, SSI terminations), effective the first day of the next month, for
//! `ssps letters`.

use std::path::Path;

use chrono::NaiveDate;

use super::out::Out;
use super::pools::{person_first, person_last, COUNTIES, STREETS};
use super::{money, Gen, Rng, SampleError, STREAM_SSP};
use crate::load;

const FIRST_SSP_CLIENT: u64 = 8_000_001; // `C` + 7 digits, after the children's
const FIRST_SSP_CASE: u64 = 5_600_001; // `AC-` + 7 digits
const FIRST_SSP_AU: u64 = 7_700_001; // `SP-` + 7 digits
const FIRST_SSP_EVENT: u64 = 900_001; // `E` + 6 digits

/// What a worker writes when closing a case by hand (reason 599).
const SSP_WORKER_TEXTS: [&str; 4] = [
    "Your spouse does not live with you anymore, so you cannot get SSP. See WAC 388-474-0012.",
    "You told us on the phone that you moved to Oregon. SSP is paid only to Washington residents.",
    "Social Security says you are no longer blind, and you are not 65 or older. See WAC 388-474-0012.",
    "You asked us in writing to stop your SSP.",
];

impl Gen {
    /// Writes `count` SSP cases effective `effective`, each from its own stream; returns
    /// the number of events written.
    pub(super) fn ssp_cases(&mut self, seed: u64, count: usize, effective: NaiveDate, dir: &Path) -> Result<usize, SampleError> {
        let mut events = Out::create(dir, &load::SSP_EVENTS)?;
        for k in 0..count {
            self.ssp_case(&mut Rng::stream(seed, STREAM_SSP, k as u64), k, effective, &mut events)?;
        }
        let written = events.rows as usize;
        events.finish()?;
        Ok(written)
    }

    /// One SSP client (clients.csv) and their case action (ssp_events.csv).
    fn ssp_case(&mut self, r: &mut Rng, k: usize, effective: NaiveDate, events: &mut Out) -> Result<(), SampleError> {
        let client_id = format!("C{}", FIRST_SSP_CLIENT + k as u64);
        // The first five cases take the five actions in turn, the first of them a MIL
        // case at the lowest MIL amount, so even a small sample has every letter.
        let program = if k == 0 { "M" } else { ["I", "M", "A", "B"][r.weighted(&[300, 50, 450, 200])] };
        let (lo, hi) = if program == "A" { (1930, 1960) } else { (1945, 1995) };
        let birth = NaiveDate::from_ymd_opt(r.range(lo, hi) as i32, r.range(1, 12) as u32, r.range(1, 28) as u32).expect("valid date");
        let county = r.weighted(&self.county_weights);
        let (city, zip) = *r.pick(COUNTIES[county].places);
        let line2 = if r.chance(200) { format!("Apt {}", r.range(1, 300)) } else { String::new() };
        let language = if r.chance(120) { "es" } else { "" };
        self.clients.write(&[
            client_id.clone(),
            format!("AC-{}", FIRST_SSP_CASE + k as u64),
            person_first(r).to_string(),
            person_last(r).to_string(),
            birth.to_string(),
            format!("{} {}", r.range(10, 24999), r.pick(STREETS)),
            line2,
            city.to_string(),
            "WA".to_string(),
            zip.to_string(),
            language.to_string(),
        ])?;
        let actions = ["open", "reopen", "close", "amount_change", "ssi_termination"];
        let event = if k < actions.len() { actions[k] } else { actions[r.weighted(&[300, 50, 200, 300, 150])] };
        // MIL payments are whatever the client's 1974 level was, as low as $0.54 (seed 001).
        let amount = |r: &mut Rng| match program {
            "M" if k == 0 => money(54),
            "M" => money(r.range(54, 12_000)),
            _ => money([4600, 5400][r.below(2) as usize]),
        };
        let (new, previous, reason, text) = match event {
            "open" | "reopen" => (amount(r), String::new(), "", ""),
            "amount_change" => (amount(r), amount(r), if r.chance(700) { "341" } else { "" }, ""),
            "close" => match r.weighted(&[250, 100, 350, 300]) {
                0 => (String::new(), String::new(), "109", ""),
                1 => (String::new(), String::new(), "110", ""),
                2 => (String::new(), String::new(), "111", ""),
                _ => (String::new(), String::new(), "599", *r.pick(&SSP_WORKER_TEXTS)),
            },
            _ => (String::new(), String::new(), if r.chance(500) { "109" } else { "" }, ""),
        };
        let worker = &self.workers[r.below(self.workers.len() as u64) as usize].id;
        events.write(&[
            format!("E{}", FIRST_SSP_EVENT + k as u64),
            client_id,
            format!("SP-{}", FIRST_SSP_AU + k as u64),
            event.to_string(),
            program.to_string(),
            effective.to_string(),
            new,
            previous,
            reason.to_string(),
            worker.clone(),
            if r.chance(450) { "registered" } else { "none" }.to_string(),
            text.to_string(),
        ])?;
        Ok(())
    }
}
