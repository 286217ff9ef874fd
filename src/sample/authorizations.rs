//! Each provider's children and their authorization lines (`authorizations.csv`): the
//! program, a base service at the provider's rates and up to three extras, a service
//! period overlapping the month, and the family's co-payment.

use chrono::{Months, NaiveDate};

use super::payees::ProviderType;
use super::payments::PayLine;
use super::pools::{child_first, child_last};
use super::{money, Gen, Rng, SampleError};

/// Lines per child (index + 1): a base line and up to three extras.
const LINES_PER_CHILD: [u32; 4] = [55, 30, 12, 3];

/// Per-provider daily rates, in cents.
pub(super) struct Rates {
    full: u64,
    half: u64,
    seasonal: u64,
}

/// One authorization line before it gets its identifiers.
pub(super) struct Service {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) unit: &'static str,
    pub(super) units: u32,
    pub(super) rate: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    Nonstandard,
    Infant,
    Registration,
    Activity,
    ExtendedHours,
    SpecialNeeds,
}

impl Gen {
    /// Writes the children of one provider and their `lines` authorization lines.
    pub(super) fn children(
        &mut self,
        r: &mut Rng,
        provider: &str,
        ptype: ProviderType,
        rates: &Rates,
        lines: u32,
    ) -> Result<(), SampleError> {
        let mut remaining = lines;
        let mut family: Option<(String, &'static str)> = None;
        while remaining > 0 {
            let client_id = format!("C{}", self.next_client);
            self.next_client += 1;
            let (case_number, last) = match &family {
                Some((case, last)) if r.chance(300) => (case.clone(), *last),
                _ => {
                    let case = format!("CS-{}", self.next_case);
                    self.next_case += 1;
                    (case, child_last(r))
                }
            };
            let first = child_first(r);
            let birth = self.birth_date(r);
            let language = if r.chance(120) { "es" } else { "" };
            self.write_client(&client_id, &case_number, first, last, &birth.to_string(), language)?;
            family = Some((case_number, last));

            let infant = birth + Months::new(12) > self.m0;
            let age_years = self.m0.years_since(birth).unwrap_or(0);
            let mut program = PROGRAMS[r.weighted(&PROGRAM_WEIGHTS)];
            if program == "SEASONAL" && age_years < 5 {
                program = "WCCC";
            }
            let base = base_service(r, program, ptype, rates, age_years);
            let mut extras: Vec<Extra> = if program == "SEASONAL" {
                vec![Extra::ExtendedHours, Extra::Nonstandard, Extra::Registration]
            } else {
                let mut v = vec![Extra::Nonstandard, Extra::Registration, Extra::SpecialNeeds];
                if program == "WCCC" {
                    v.push(Extra::Activity);
                }
                if infant {
                    v.push(Extra::Infant);
                }
                v
            };
            let wanted = r.weighted(&LINES_PER_CHILD) as u32 + 1;
            let k = wanted.min(remaining).min(1 + extras.len() as u32);
            // Partial Fisher-Yates: the first k-1 entries become the chosen extras.
            for x in 0..(k as usize - 1) {
                let y = x + r.below((extras.len() - x) as u64) as usize;
                extras.swap(x, y);
            }
            extras.truncate(k as usize - 1);

            let period = self.period(r);
            let worker = r.below(self.workers.len() as u64) as usize;
            let authorization = format!("A{}", self.next_auth);
            self.next_auth += 1;
            let copay = copay(r);
            let mut services = vec![base];
            services.extend(extras.iter().map(|e| extra_service(r, *e)));
            for (n, s) in services.iter().enumerate() {
                // Gaps of 1..=7 keep the last four digits distinct within an invoice.
                self.next_ref += 1 + r.below(7);
                let reference = self.next_ref.to_string();
                let copay = if n == 0 { copay.as_str() } else { "" };
                let line = AuthLine {
                    reference: &reference,
                    authorization: &authorization,
                    provider,
                    client: &client_id,
                    worker,
                    program,
                    service: s,
                    units: &s.units.to_string(),
                    rate: &money(s.rate),
                    copay,
                    start: &period.start.to_string(),
                    end: &period.end.to_string(),
                    action: period.action,
                    action_date: &period.action_date.map(|d| d.to_string()).unwrap_or_default(),
                };
                self.write_auth(&line)?;
                if let Some(p) = self.pay.as_mut() {
                    p.owe(PayLine { ordinal: self.ordinal, reference: reference.clone(), unit: s.unit, units: s.units, rate: s.rate });
                }
            }
            remaining -= k;
        }
        Ok(())
    }

    /// One row of `authorizations.csv`; returns its line number.
    pub(super) fn write_auth(&mut self, l: &AuthLine<'_>) -> Result<u64, SampleError> {
        let w = &self.workers[l.worker];
        self.auths.write(&[
            l.reference,
            l.authorization,
            l.provider,
            l.client,
            &w.id,
            l.program,
            l.service.code,
            l.service.name,
            l.service.kind,
            l.service.unit,
            l.units,
            l.rate,
            l.copay,
            l.start,
            l.end,
            &w.reporting_unit,
            l.action,
            l.action_date,
        ])
    }

    /// A service period of at most 6 months that overlaps the month: 90% cover the
    /// whole month, 5.5% start inside it, 4.5% end inside it.
    fn period(&self, r: &mut Rng) -> Period {
        let p = r.below(1000);
        let in_month = |r: &mut Rng, first: u32, last: u32| self.m0 + chrono::Days::new(r.range(u64::from(first), u64::from(last)));
        let (start, end, action, action_date) = if p < 55 {
            let start = in_month(r, 1, self.days - 1);
            let end = (start + Months::new(r.range(1, 6) as u32)).pred_opt().expect("date");
            let (action, date) =
                if r.chance(750) { ("new", Some(in_month(r, 0, (start - self.m0).num_days() as u32))) } else { ("", None) };
            (start, end, action, date)
        } else if p < 100 {
            let end = in_month(r, 0, self.days - 2);
            let start = self.m0 - Months::new(r.range(0, 5) as u32);
            let (action, date) =
                if r.chance(700) { ("terminate", Some(in_month(r, 0, (end - self.m0).num_days() as u32))) } else { ("", None) };
            (start, end, action, date)
        } else {
            let before = r.range(0, 5) as u32;
            let months = r.range(u64::from(before) + 1, 6) as u32;
            let start = self.m0 - Months::new(before);
            let end = (start + Months::new(months)).pred_opt().expect("date");
            let (action, date) = match r.below(1000) {
                0..=39 => ("change", Some(in_month(r, 0, self.days - 1))),
                40..=59 if before == 0 => ("new", Some(self.m0)),
                _ => ("", None),
            };
            (start, end, action, date)
        };
        debug_assert!(start <= self.m_end && end >= self.m0 && start <= end);
        Period { start, end, action, action_date }
    }
}

/// One authorization line as written (a bad row's may be broken).
pub(super) struct AuthLine<'a> {
    pub(super) reference: &'a str,
    pub(super) authorization: &'a str,
    pub(super) provider: &'a str,
    pub(super) client: &'a str,
    /// Index into the workers.
    pub(super) worker: usize,
    pub(super) program: &'static str,
    pub(super) service: &'a Service,
    pub(super) units: &'a str,
    pub(super) rate: &'a str,
    pub(super) copay: &'a str,
    pub(super) start: &'a str,
    pub(super) end: &'a str,
    pub(super) action: &'static str,
    pub(super) action_date: &'a str,
}

/// A line's service period and the action that made it.
struct Period {
    start: NaiveDate,
    end: NaiveDate,
    action: &'static str,
    action_date: Option<NaiveDate>,
}

/// The programs of the authorization lines, and their relative weights.
pub(super) const PROGRAMS: [&str; 6] = ["WCCC", "SEASONAL", "TEEN_PARENT", "EFP", "CPS", "CWS"];
const PROGRAM_WEIGHTS: [u32; 6] = [800, 60, 40, 40, 35, 25];

/// A provider's daily rates, by its type.
pub(super) fn provider_rates(r: &mut Rng, ptype: ProviderType) -> Rates {
    let full = match ptype {
        ProviderType::Center => r.range(5500, 12000),
        ProviderType::FamilyHome => r.range(3500, 8500),
        ProviderType::InHome | ProviderType::Relative => r.range(2400, 5500),
    };
    Rates { full, half: (full / 2).max(2000), seasonal: r.range(4000, 9000) }
}

fn base_service(r: &mut Rng, program: &str, ptype: ProviderType, rates: &Rates, age_years: u32) -> Service {
    let full_day = r.chance(680);
    let half_units = if r.chance(800) { 30 } else { 22 };
    let (code, name, kind, units, rate) = if program == "SEASONAL" {
        ("4331", "SEASONAL FULL MONTH CARE", "full_day", 31, rates.seasonal)
    } else if ptype == ProviderType::Center {
        if program == "CPS" && full_day {
            ("4311", "FULL DAY CARE CENTER CPS", "full_day", 22, rates.full)
        } else if full_day {
            ("4301", "FULL DAY CARE CENTER", "full_day", 22, rates.full)
        } else {
            ("4302", "HALF DAY CARE CENTER", "half_day", half_units, rates.half)
        }
    } else if age_years >= 6 && r.chance(350) {
        ("4323", "SCHOOL AGE CARE FAMILY HOME", "half_day", 22, rates.half)
    } else if full_day {
        ("4321", "FULL DAY CARE FAMILY HOME", "full_day", 22, rates.full)
    } else {
        ("4322", "HALF DAY CARE FAMILY HOME", "half_day", half_units, rates.half)
    };
    Service { code, name, kind, unit: "DA", units, rate }
}

fn extra_service(r: &mut Rng, extra: Extra) -> Service {
    let (code, name, kind, unit, units, rate) = match extra {
        Extra::Nonstandard => ("4385", "NON-STANDARD HOUR BONUS", "nonstandard_bonus", "MO", 1, 7500),
        Extra::Infant => ("4386", "INFANT BONUS", "infant_bonus", "EA", 1, 25000),
        Extra::Registration => ("4388", "REGISTRATION FEE", "registration_fee", "EA", 1, 5000),
        Extra::Activity => ("4390", "ACTIVITY FEE", "activity_fee", "MO", 1, 2000),
        Extra::ExtendedHours => ("4335", "SEASONAL EXTENDED HOURS", "extended_hours", "HR", 40, r.range(600, 950)),
        Extra::SpecialNeeds => ("4395", "SPECIAL NEEDS RATE", "special_needs", "DA", 22, r.range(2000, 3500)),
    };
    Service { code, name, kind, unit, units, rate }
}

/// The family's monthly co-payment: empty 30%, zero 25%, else 5.00..=250.00.
fn copay(r: &mut Rng) -> String {
    match r.below(100) {
        0..=29 => String::new(),
        30..=54 => "0.00".to_string(),
        _ => money(r.range(1, 50) * 500),
    }
}
