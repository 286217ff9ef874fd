//! The people and organisations of the sample: workers (`workers.csv`), payees
//! (`payees.csv`) and their providers (`providers.csv`), and the client (child) rows of
//! `clients.csv`.
//!
//! Each payee draws from its own stream, its first draw being its number of providers
//! (which [`super::generate`] reads ahead to size the workers); a payee writes its
//! providers, each provider its children and their authorization lines
//! (`super::authorizations`), then the payee's payments (`super::payments`).

use chrono::{Months, NaiveDate};

use super::authorizations::provider_rates;
use super::bad_rows::Anchor;
use super::pools::{
    ascii_slug, county_area, person_first, person_last, phone, COUNTIES, EIN_PREFIXES, OFFICES, ORG_KINDS, ORG_PREFIXES, STREETS,
};
use super::{Gen, Rng, SampleError, FIRST_CLIENT, FIRST_WORKER, STREAM_PAYEE, STREAM_WORKER};

/// The stream of payee `index`.
pub(super) fn payee_rng(seed: u64, index: usize) -> Rng {
    Rng::stream(seed, STREAM_PAYEE, index as u64)
}

/// Providers per payee: 90% one, 7% two, 3% three.
pub(super) fn provider_count(r: &mut Rng) -> usize {
    [1, 2, 3][r.weighted(&[900, 70, 30])]
}

/// Authorization lines per provider (index + 1 = lines). With 6 lines a page: 79% of
/// invoices have 1 page, 19% 2 pages, 2% 3 pages, so 1.23 pages a provider and, with
/// 1.13 providers a payee, 1.39 pages a payee (23,000 payees ≈ 32,000 pages).
const LINES_PER_PROVIDER: [u32; 14] = [230, 170, 120, 100, 90, 80, 50, 40, 30, 25, 25, 20, 12, 8];

/// A worker: the row of `workers.csv` and what authorization lines and SSP events name.
pub(super) struct Worker {
    pub(super) id: String,
    pub(super) reporting_unit: String,
    pub(super) fields: [String; 4],
}

/// The `count` workers, drawn from their own stream.
pub(super) fn make_workers(seed: u64, count: usize) -> Vec<Worker> {
    let mut r = Rng::stream(seed, STREAM_WORKER, 0);
    (0..count)
        .map(|i| {
            let id = format!("W{}", FIRST_WORKER + i as u64);
            let (office, area) = *r.pick(OFFICES);
            let name = format!("{} {}", person_first(&mut r), person_last(&mut r));
            let phone = phone(&mut r, area);
            let letters = b"ABCDEFGHJKLMNPRSTWXY";
            let reporting_unit = format!("{}{}{}", r.range(1, 6), *r.pick(letters) as char, *r.pick(letters) as char);
            Worker { fields: [id.clone(), name, phone, office.to_string()], id, reporting_unit }
        })
        .collect()
}

/// The `provider_type` of `providers.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProviderType {
    Center,
    FamilyHome,
    InHome,
    Relative,
}

impl ProviderType {
    fn as_str(self) -> &'static str {
        match self {
            ProviderType::Center => "center",
            ProviderType::FamilyHome => "family_home",
            ProviderType::InHome => "in_home",
            ProviderType::Relative => "relative",
        }
    }
}

/// A payee as the rest of its records need it.
pub(super) struct Payee {
    pub(super) number: String,
    /// Name the facility goes by (dba, or the legal name without its suffix).
    facility: String,
    county: usize,
    city: &'static str,
    /// The row of `payees.csv`, in `load::PAYEES`'s column order.
    pub(super) fields: Vec<String>,
}

impl Gen {
    /// One payee, its providers with their children and authorization lines, and its
    /// payments.
    pub(super) fn payee(&mut self, r: &mut Rng, index: usize) -> Result<(), SampleError> {
        let n_providers = provider_count(r);
        let org = if n_providers > 1 { true } else { r.chance(350) };
        // The first 39 payees visit every county once, so any run of 39 or more payees
        // has all of them; the rest follow population, with a floor for small counties.
        let county = if index < COUNTIES.len() { index } else { r.weighted(&self.county_weights) };
        let number = self.next_payee;
        self.next_payee += 1;
        let payee = make_payee(r, number, org, county);
        self.payees.write(&payee.fields)?;

        let mut sites: Vec<&str> = Vec::with_capacity(n_providers);
        for j in 0..n_providers {
            let county = if j == 0 || r.chance(600) { payee.county } else { r.weighted(&self.county_weights) };
            let ptype = if org {
                // A multi-site organisation runs centers; a few single-site ones a home.
                if n_providers > 1 || r.chance(920) {
                    ProviderType::Center
                } else {
                    ProviderType::FamilyHome
                }
            } else {
                [ProviderType::FamilyHome, ProviderType::InHome, ProviderType::Relative][r.weighted(&[750, 130, 120])]
            };
            let name = if n_providers > 1 {
                let site = if j == 0 { payee.city } else { r.pick(COUNTIES[county].places).0 };
                let n_same = sites.iter().filter(|s| **s == site).count();
                sites.push(site);
                if n_same == 0 {
                    format!("{} - {}", payee.facility, site)
                } else {
                    format!("{} - {} {}", payee.facility, site, ["North", "East"][n_same - 1])
                }
            } else {
                payee.facility.clone()
            };
            let provider_number = self.next_provider.to_string();
            self.next_provider += 1;
            let phone = if r.chance(850) {
                let area = county_area(r, county);
                phone(r, area)
            } else {
                String::new()
            };
            self.providers.write(&[
                provider_number.as_str(),
                payee.number.as_str(),
                name.as_str(),
                ptype.as_str(),
                COUNTIES[county].name,
                phone.as_str(),
            ])?;
            let rates = provider_rates(r, ptype);
            let lines = r.weighted(&LINES_PER_PROVIDER) as u32 + 1;
            self.ordinal = j;
            self.children(r, &provider_number, ptype, &rates, lines)?;
            if self.first_valid.is_none() {
                self.first_valid = Some(Anchor {
                    payee: payee.number.clone(),
                    provider: provider_number.clone(),
                    provider_center: ptype == ProviderType::Center,
                    client: format!("C{FIRST_CLIENT}"),
                    worker: 0,
                });
            }
        }
        self.payments(r, &payee)
    }

    /// One client row without an address (a child).
    pub(super) fn write_client(
        &mut self,
        id: &str,
        case: &str,
        first: &str,
        last: &str,
        birth: &str,
        language: &str,
    ) -> Result<u64, SampleError> {
        self.clients.write(&[id, case, first, last, birth, "", "", "", "", "", language])
    }

    /// A child's birth date.
    pub(super) fn birth_date(&self, r: &mut Rng) -> NaiveDate {
        // Young children are more common in care: 55% born in the last six years.
        let recent = self.birth_hi - Months::new(72);
        let lo = if r.chance(550) && recent > self.birth_lo { recent } else { self.birth_lo };
        let span = (self.birth_hi - lo).num_days() as u64;
        lo + chrono::Days::new(r.below(span + 1))
    }
}

/// The payee `number`, an organisation or a person, in `county`.
pub(super) fn make_payee(r: &mut Rng, number: u64, org: bool, county: usize) -> Payee {
    let number = number.to_string();
    let (name, dba, facility, is_inc, local) = if org {
        let prefix = *r.pick(ORG_PREFIXES);
        let kind = *r.pick(ORG_KINDS);
        let (name, is_inc) = match r.below(100) {
            0..=54 => (format!("{prefix} {kind} LLC"), false),
            55..=84 => (format!("{prefix} {kind} Inc"), true),
            _ => (
                format!(
                    "{prefix} {}",
                    r.pick(&["Child Development Association", "Parent Cooperative Association", "Early Learning Association"])
                ),
                false,
            ),
        };
        let dba = if r.chance(300) { format!("{prefix} {}", r.pick(ORG_KINDS)) } else { String::new() };
        let facility = if dba.is_empty() { format!("{prefix} {kind}") } else { dba.clone() };
        let local = format!("{}.{}", r.pick(&["billing", "office", "ap", "admin", "director"]), ascii_slug(prefix));
        (name, dba, facility, is_inc, local)
    } else {
        let first = person_first(r);
        let last = person_last(r);
        let name = format!("{first} {last}");
        let dba = match r.below(100) {
            0..=24 => format!("{last} Family Child Care"),
            25..=34 => format!("{first}'s Little Ones"),
            35..=44 => format!("{last} Home Daycare"),
            45..=47 => format!("{last} Family Care #2"),
            _ => String::new(),
        };
        let facility = if dba.is_empty() { name.clone() } else { dba.clone() };
        let local = format!("{}.{}", ascii_slug(first), ascii_slug(last));
        (name, dba, facility, false, local)
    };

    let address1 = format!("{} {}", r.range(10, 24999), r.pick(STREETS));
    let address2 = match r.below(1000) {
        0..=119 => format!("Apt {}{}", r.range(1, 40), *r.pick(b"ABCDEF") as char),
        120..=199 => format!("Suite {}", r.range(1, 9) * 100),
        200..=219 => format!("Unit {}", r.range(1, 60)),
        220..=229 => format!("Apt #{} [rear]", r.range(1, 9)),
        _ => String::new(),
    };
    let (city, zip5) = *r.pick(COUNTIES[county].places);
    let zip = if r.chance(300) { format!("{zip5}-{:04}", r.range(1, 9999)) } else { zip5.to_string() };
    let (tin, tin_type) = if org {
        (format!("{}-{:07}", r.pick(EIN_PREFIXES), r.below(10_000_000)), "EIN")
    } else {
        let area = r.range(1, 665);
        (format!("{area:03}-{:02}-{:04}", r.range(1, 99), r.range(1, 9999)), "SSN")
    };
    let delivery = ["mail", "email", "both"][r.weighted(&[700, 150, 150])];
    let email = if delivery != "mail" || r.chance(100) {
        let suffix = if r.chance(300) { r.range(1, 99).to_string() } else { String::new() };
        format!("{local}{suffix}@example.org")
    } else {
        String::new()
    };
    let language = if r.chance(100) { "es" } else { "en" };
    let direct_deposit = if r.chance(750) { "Y" } else { "N" };
    let reportable = if is_inc && r.chance(600) { "N" } else { "Y" };
    let consent =
        if delivery == "mail" { ["Y", "N", ""][r.weighted(&[100, 500, 400])] } else { ["Y", "N", ""][r.weighted(&[700, 100, 200])] };
    let fields = vec![
        number.clone(),
        name,
        dba,
        address1,
        address2,
        city.to_string(),
        "WA".to_string(),
        zip,
        tin,
        tin_type.to_string(),
        delivery.to_string(),
        email,
        language.to_string(),
        direct_deposit.to_string(),
        reportable.to_string(),
        consent.to_string(),
    ];
    Payee { number, facility, county, city, fields }
}
