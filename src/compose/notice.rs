//! The Social Services Notice (booklet seed 002, page 6): what was
//! authorized, changed or terminated for a provider's children.
//!
//! One notice per provider per run, listing every authorization line of the
//! provider with an action (`new`, `change`, `terminate`) whose action date
//! falls in the run's window: the authorized service, the authorized rate,
//! the amount of care (units and unit), the family's co-payment, the
//! service period, the action, and the authorizing worker's name and
//! telephone number. Everything is formatted here; templates never compute.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::remittance::paginate;
use super::{form_date, money, payee_address, units, Addressee, DocMeta, Document};
use crate::model::{Action, Authorization, Extract, ProviderNumber};
use crate::money::{CheckedSum, Overflow};

/// Service blocks on a notice's first page.
pub const BLOCKS_FIRST_PAGE: usize = 8;
/// Service blocks on each next page.
pub const BLOCKS_NEXT_PAGE: usize = 13;

/// One authorization line as the notice shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NoticeLine {
    /// `new`, `change` or `terminate` (the template prints the label).
    pub action: &'static str,
    /// When the action was taken, `MM/DD/YYYY`.
    pub action_date: String,
    /// The child.
    pub child: String,
    /// The family's case number.
    pub case_number: String,
    /// Service name.
    pub service: String,
    /// Service code.
    pub service_code: String,
    /// Reference number of the line.
    pub reference: String,
    /// Authorization number.
    pub authorization: String,
    /// Service period from, `MM/DD/YYYY`.
    pub from: String,
    /// Service period to.
    pub to: String,
    /// Authorized rate, `92.30`.
    pub rate: String,
    /// Unit code: `DA`, `HR`, `MO`, `EA`.
    pub unit: &'static str,
    /// Units authorized (a month): the amount of care.
    pub units: String,
    /// The family's co-payment, empty when none.
    pub copay: String,
    /// Units × rate.
    pub amount: String,
    /// Authorizing worker's name.
    pub worker: String,
    /// And telephone number.
    pub worker_phone: String,
}

/// One notice, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// Document id: `SSN-<provider>-<YYYYMMDD of the window's end>`.
    pub id: crate::model::DocumentId,
    /// Notice date, `MM/DD/YYYY` (the window's last day).
    pub date: String,
    /// Payee number.
    pub payee_number: String,
    /// Provider number.
    pub provider_number: String,
    /// Provider (facility) name.
    pub provider_name: String,
    /// Name and address block for the window.
    pub address: Vec<String>,
    /// `en` or `es`.
    pub language: &'static str,
    /// Service blocks, cut into pages.
    pub pages: Vec<Vec<NoticeLine>>,
    /// Not printed: the lines listed and the sum of their amounts authorized.
    #[serde(skip)]
    pub meta: DocMeta,
}

impl Document for Notice {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Notice
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn title(&self) -> String {
        format!("Social Services Notice {} for provider {}", self.date, self.provider_number)
    }

    fn provider_number(&self) -> &str {
        &self.provider_number
    }
}

/// Whether an authorization line belongs on a notice of the window.
pub fn in_window(a: &Authorization, from: NaiveDate, to: NaiveDate) -> bool {
    a.action.is_some() && a.action_date.is_some_and(|d| (from..=to).contains(&d))
}

/// The notices of the window, one per provider with at least one line, in
/// payee then provider order; lines by child, then action date, then
/// reference number.
pub fn notices(x: &Extract, from: NaiveDate, to: NaiveDate) -> Result<Vec<Notice>, Overflow> {
    let mut by_provider: BTreeMap<&ProviderNumber, Vec<&Authorization>> = BTreeMap::new();
    for a in x.authorizations.values().filter(|a| in_window(a, from, to)) {
        by_provider.entry(&a.provider_number).or_default().push(a);
    }
    let mut out = Vec::new();
    for (provider_number, mut lines) in by_provider {
        let Some(provider) = x.providers.get(provider_number) else { continue };
        let Some(payee) = x.payees.get(&provider.payee_number) else { continue };
        let child =
            |a: &Authorization| x.clients.get(&a.client_id).map(|c| (c.last_name.clone(), c.first_name.clone())).unwrap_or_default();
        lines.sort_by(|a, b| (child(a), a.action_date, &a.reference_number).cmp(&(child(b), b.action_date, &b.reference_number)));
        let printed: Vec<NoticeLine> = lines.iter().map(|a| line(x, a)).collect::<Result<_, _>>()?;
        let id = crate::model::DocumentId::join(&[&"SSN", &provider.provider_number, &to.format("%Y%m%d")]);
        let amount =
            lines.iter().map(|a| a.amount_authorized()).collect::<Result<Vec<_>, _>>()?.into_iter().sum_or(|| format!("notice {id}"))?;
        out.push(Notice {
            id,
            date: form_date(to),
            payee_number: payee.payee_number.to_string(),
            provider_number: provider.provider_number.to_string(),
            provider_name: provider.name.clone(),
            address: payee_address(payee),
            language: payee.language.code(),
            pages: paginate(&printed, BLOCKS_FIRST_PAGE, BLOCKS_NEXT_PAGE),
            meta: DocMeta {
                to: Addressee::payee(payee),
                lines: lines.len(),
                amount,
                references: lines.iter().map(|a| a.reference_number.clone()).collect(),
            },
        });
    }
    out.sort_by(|a, b| (&a.meta.to.id, &a.provider_number).cmp(&(&b.meta.to.id, &b.provider_number)));
    Ok(out)
}

fn line(x: &Extract, a: &Authorization) -> Result<NoticeLine, Overflow> {
    let client = x.clients.get(&a.client_id);
    let worker = x.workers.get(&a.worker_id);
    Ok(NoticeLine {
        action: a.action.map_or("", Action::code),
        action_date: a.action_date.map(form_date).unwrap_or_default(),
        child: client.map(|c| c.full_name()).unwrap_or_default(),
        case_number: client.map(|c| c.case_number.to_string()).unwrap_or_default(),
        service: a.service_name.clone(),
        service_code: a.service_code.clone(),
        reference: a.reference_number.to_string(),
        authorization: a.authorization_number.to_string(),
        from: form_date(a.start_date),
        to: form_date(a.end_date),
        rate: money(a.rate),
        unit: a.unit.code(),
        units: units(a.units_authorized),
        copay: a.copay.map(money).unwrap_or_default(),
        amount: money(a.amount_authorized()?),
        worker: worker.map(|w| w.name.clone()).unwrap_or_default(),
        worker_phone: worker.map(|w| w.phone.clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn october() -> Extract {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/oct-2026");
        crate::ops::read_extract(&dir).expect("the bundled extract reads").extract
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn one_notice_per_provider_with_actions_in_the_window() {
        let x = october();
        let all = notices(&x, d("2026-10-01"), d("2026-10-31")).unwrap();
        let ids: Vec<&str> = all.iter().map(|n| n.id.as_str()).collect();
        // Actions dated in October: providers 4001 (three new lines, 05 and 06 Oct),
        // 4002 (a termination and a change), 4501 (a change); 4101's are dated 09/28.
        assert_eq!(ids, ["SSN-4001-20261031", "SSN-4002-20261031", "SSN-4501-20261031"]);
        let listed: usize = all.iter().map(|n| n.meta.lines).sum();
        let expected = x.authorizations.values().filter(|a| in_window(a, d("2026-10-01"), d("2026-10-31"))).count();
        assert_eq!(listed, expected);
        // September's window has the family home's new lines.
        let sept = notices(&x, d("2026-09-01"), d("2026-09-30")).unwrap();
        assert_eq!(sept.iter().map(|n| n.provider_number.as_str()).collect::<Vec<_>>(), ["4101"]);
    }

    #[test]
    fn a_line_carries_rate_care_copay_period_and_worker() {
        let x = october();
        let all = notices(&x, d("2026-10-01"), d("2026-10-31")).unwrap();
        let n = all.iter().find(|n| n.provider_number == "4002").unwrap();
        let term = n.pages[0].iter().find(|l| l.reference == "1000004056").unwrap();
        assert_eq!(term.action, "terminate");
        assert_eq!((term.from.as_str(), term.to.as_str()), ("06/01/2026", "10/20/2026"));
        assert_eq!((term.rate.as_str(), term.unit, term.units.as_str(), term.copay.as_str()), ("92.30", "DA", "22", "65.00"));
        assert_eq!((term.worker.as_str(), term.worker_phone.as_str()), ("Jordan Ellis", "(206) 555-0142"));
        assert_eq!(term.amount, "2,030.60");
    }

    #[test]
    fn blocks_fill_eight_then_thirteen_a_page() {
        let blocks: Vec<usize> = (0..30).collect();
        let pages = paginate(&blocks, BLOCKS_FIRST_PAGE, BLOCKS_NEXT_PAGE);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [8, 13, 9]);
    }
}
