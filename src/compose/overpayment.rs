//! The Vendor Overpayment Notice (booklet seed 002, p. 27, "What do I do if
//! I have a payment problem?"): what a provider was overpaid, why, how to
//! repay, the interest rule and the right to a hearing.
//!
//! An overpayment comes from one of two sources:
//! - a claim the booklet's rules judge *over* ([`crate::claim::check`]) that
//!   was already paid: a `payment_lines.csv` line of the same invoice,
//!   authorization line and service month, in a payment issued on or before
//!   the notice date. The overpaid amount is the units over (claimed, at
//!   most the units paid, less the units that may be claimed; a line's
//!   second claim in a month may claim nothing) times the rate paid, plus,
//!   when a fee's rate paid is above its cap, the units kept times the
//!   difference. The rule's reasoning is printed in words;
//! - a row of `overpayments.csv` that staff entered for another cause, its
//!   reason from the booklet's list (catalog words) and its description.
//!
//! One notice per provider, to the provider's payee, covering both sources:
//! service lines in fixed-height blocks (6 on the first page, 10 on the
//! next), the total after the last one, then one page of repayment,
//! interest and hearing rights, so the page count is known here. Everything
//! is formatted here; templates never compute.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::remittance::paginate;
use super::{form_date, money, payee_address, units, Addressee, DocMeta, Document};
use crate::calendar::Holidays;
use crate::claim::{self, Verdict};
use crate::model::{Extract, InvoiceNumber, Month, OverpaymentId, PaymentLine, ProviderNumber, ReferenceNumber, StaffOverpayment};
use crate::money::{checked_mul, CheckedSum, Overflow};

/// Service blocks on a notice's first page.
pub const BLOCKS_FIRST_PAGE: usize = 6;
/// Service blocks on each next page.
pub const BLOCKS_NEXT_PAGE: usize = 10;
/// Longest staff description a notice line has room for (checked in validation).
pub const DESCRIPTION_MAX: usize = 200;

/// One paid over-claim, as found from the claims and the payments: the
/// facts the notices are composed from and the run's checks recompute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidOverClaim {
    /// `invoice_claims.csv` line of the claim.
    pub claim_line: u64,
    /// Invoice number.
    pub invoice: InvoiceNumber,
    /// Authorization line.
    pub reference: ReferenceNumber,
    /// Service month.
    pub month: Month,
    /// Provider.
    pub provider: ProviderNumber,
    /// The child, when known.
    pub child: String,
    /// Units overpaid (claimed or paid, whichever is less, less the correct units).
    pub units_over: Decimal,
    /// The rate paid.
    pub rate: Decimal,
    /// Units kept whose rate was above the fee's cap, and the excess a unit.
    pub rate_excess: Option<(Decimal, Decimal)>,
    /// The verdict and the rule's reasoning, in words.
    pub why: String,
}

impl PaidOverClaim {
    /// Units over × rate paid (+ units kept × rate above the cap), to the cent.
    pub fn amount(&self) -> Result<Decimal, Overflow> {
        let err = || Overflow::new(format!("claim for line {} on invoice {}", self.reference, self.invoice));
        let mut a = checked_mul(self.units_over, self.rate).ok_or_else(err)?;
        if let Some((u, excess)) = self.rate_excess {
            a = a.checked_add(checked_mul(u, excess).ok_or_else(err)?).ok_or_else(err)?;
        }
        Ok(a.round_dp(2))
    }
}

/// Why the paid over-claims cannot be found.
#[derive(Debug, thiserror::Error)]
pub enum OverClaimError {
    /// The claim rules count state holidays, and this year has none on file.
    #[error("data/holidays-wa.toml has no year {0}")]
    NoHolidays(i32),
    /// A claim's id does not read as its type (a defect, never hidden).
    #[error("an over-claim cannot be placed on a notice: {0}")]
    Id(String),
}

/// Every claim judged over whose payment was issued on or before `date`
/// and overpaid something, in month then file order. `Err(year)` when a
/// month's state holidays are not in the calendar.
pub fn paid_over_claims(x: &Extract, holidays: &Holidays, date: NaiveDate) -> Result<Vec<PaidOverClaim>, OverClaimError> {
    let mut months: Vec<Month> = x.invoice_claims.iter().map(|c| c.month).collect();
    months.sort_unstable();
    months.dedup();
    let paid = |l: &PaymentLine| x.payments.get(&l.payment_id).is_some_and(|p| p.issue_date <= date);
    let mut out = Vec::new();
    for month in months {
        let checked = claim::check(x, holidays, month);
        let mut first_claim: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, c) in &checked.claims {
            let l = &checked.lines[*i];
            let repeated = !c.claimed.is_zero() && first_claim.get(c.reference_number.as_str()).is_some_and(|&f| f != c.line);
            if !c.claimed.is_zero() {
                first_claim.entry(c.reference_number.as_str()).or_insert(c.line);
            }
            if c.verdict != Verdict::Over {
                continue;
            }
            let lines: Vec<&PaymentLine> = x
                .payment_lines
                .iter()
                .filter(|p| p.service_month == month && paid(p))
                .filter(|p| p.invoice_number.as_ref().is_some_and(|n| n.as_str() == c.invoice_number))
                .filter(|p| p.reference_number.as_ref().is_some_and(|r| r.as_str() == c.reference_number))
                .collect();
            if lines.is_empty() {
                continue;
            }
            if holidays.is_holiday(month.first_day()).is_none() {
                return Err(OverClaimError::NoHolidays(month.year()));
            }
            let units_paid: Option<Decimal> = lines.iter().map(|p| p.units).sum();
            let rate = lines.iter().find_map(|p| p.rate).or(c.corrected_rate).unwrap_or(l.rate);
            let claimed = units_paid.map_or(c.claimed, |u| u.min(c.claimed));
            let correct = if repeated { Decimal::ZERO } else { l.correct };
            let units_over = (claimed - correct).max(Decimal::ZERO);
            let kept = claimed.min(correct);
            let rate_excess = l.rate_cap.filter(|cap| rate > *cap && kept > Decimal::ZERO).map(|cap| (kept, rate - cap));
            // The claim check carries its ids as text; they were typed ids
            // of validated records, so they parse: if one did not, the
            // over-claim is an error, never silently left off its notice.
            let bad = |what: &str, value: &str| OverClaimError::Id(format!("claim {} line {}: {what} {value:?}", c.invoice_number, c.line));
            let reference = ReferenceNumber::parse(&c.reference_number).ok_or_else(|| bad("reference number", &c.reference_number))?;
            let invoice = InvoiceNumber::parse(&c.invoice_number).ok_or_else(|| bad("invoice number", &c.invoice_number))?;
            let provider = ProviderNumber::parse(&l.provider_number).ok_or_else(|| bad("provider number", &l.provider_number))?;
            let mut why = vec![c.words.clone()];
            why.extend(l.reasoning.iter().cloned());
            let found = PaidOverClaim {
                claim_line: c.line,
                invoice,
                reference,
                month,
                provider,
                child: l.child.clone(),
                units_over,
                rate,
                rate_excess,
                why: why.join("; "),
            };
            if found.units_over > Decimal::ZERO || found.rate_excess.is_some() {
                out.push(found);
            }
        }
    }
    Ok(out)
}

/// One overpaid service line as the notice shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OverpaymentLine {
    /// `claim` (found from the claims) or `staff` (overpayments.csv); the
    /// template prints the label.
    pub source: &'static str,
    /// The child, empty when not known.
    pub child: String,
    /// Service month, `MM/YYYY`.
    pub month: String,
    /// Authorization line, empty when not given.
    pub reference: String,
    /// Invoice number, empty when not given.
    pub invoice: String,
    /// Units overpaid, empty for a staff row.
    pub units: String,
    /// Rate a unit, empty for a staff row.
    pub rate: String,
    /// Amount overpaid.
    pub amount: String,
    /// The reason's catalog key: `claim`, `claimed_twice`, …, `other`.
    pub reason: &'static str,
    /// The rule's reasoning (claims) or the staff description, as given.
    pub detail: String,
}

/// One Vendor Overpayment Notice, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct OverpaymentNotice {
    /// Document id and notice number: `VON-<provider>-<YYYYMMDD>`.
    pub id: crate::model::DocumentId,
    /// Notice date, `MM/DD/YYYY`.
    pub date: String,
    /// The day interest may begin (30 days after the notice), `MM/DD/YYYY`.
    pub interest_from: String,
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
    /// Service lines, cut into pages.
    pub pages: Vec<Vec<OverpaymentLine>>,
    /// Total overpaid.
    pub total: String,
    /// Not printed: who it goes to, lines and total.
    #[serde(skip)]
    pub meta: DocMeta,
    /// Not printed: the `invoice_claims.csv` lines of the claims listed.
    #[serde(skip)]
    pub claims: Vec<u64>,
    /// Not printed: the staff overpayments listed.
    #[serde(skip)]
    pub staff: Vec<OverpaymentId>,
}

impl Document for OverpaymentNotice {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Overpayment
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len() + 1
    }

    fn title(&self) -> String {
        format!("Vendor Overpayment Notice {} for provider {}", self.id, self.provider_number)
    }

    fn provider_number(&self) -> &str {
        &self.provider_number
    }
}

fn month_words(m: Month) -> String {
    format!("{:02}/{}", m.month(), m.year())
}

/// One line of a paid over-claim.
fn claim_line(c: &PaidOverClaim) -> Result<(OverpaymentLine, Decimal), Overflow> {
    let amount = c.amount()?;
    let (u, r) = match (c.units_over.is_zero(), c.rate_excess) {
        (true, Some((kept, excess))) => (kept, excess),
        _ => (c.units_over, c.rate),
    };
    let line = OverpaymentLine {
        source: "claim",
        child: c.child.clone(),
        month: month_words(c.month),
        reference: c.reference.to_string(),
        invoice: c.invoice.to_string(),
        units: units(u),
        rate: money(r),
        amount: money(amount),
        reason: "claim",
        detail: c.why.clone(),
    };
    Ok((line, amount))
}

/// One line of a staff row.
fn staff_line(x: &Extract, o: &StaffOverpayment) -> OverpaymentLine {
    let child = o
        .reference_number
        .as_ref()
        .and_then(|r| x.authorizations.get(r))
        .and_then(|a| x.clients.get(&a.client_id))
        .map(|c| c.full_name())
        .unwrap_or_default();
    OverpaymentLine {
        source: "staff",
        child,
        month: month_words(o.service_month),
        reference: o.reference_number.as_ref().map(ReferenceNumber::to_string).unwrap_or_default(),
        invoice: o.invoice_number.as_ref().map(InvoiceNumber::to_string).unwrap_or_default(),
        units: String::new(),
        rate: String::new(),
        amount: money(o.amount),
        reason: o.reason.code(),
        detail: o.description.clone().unwrap_or_default(),
    }
}

/// The notices dated `date`: one per provider with a paid over-claim or a
/// staff overpayment, in payee then provider order; lines by month, then
/// child, then reference, claims before staff rows.
pub fn notices(x: &Extract, claims: &[PaidOverClaim], date: NaiveDate) -> Result<Vec<OverpaymentNotice>, Overflow> {
    type Entry = (Month, String, String, OverpaymentLine, Decimal, Option<u64>, Option<OverpaymentId>);
    let mut by_provider: BTreeMap<&ProviderNumber, Vec<Entry>> = BTreeMap::new();
    for c in claims {
        let (line, amount) = claim_line(c)?;
        let e = (c.month, c.child.clone(), c.reference.to_string(), line, amount, Some(c.claim_line), None);
        by_provider.entry(&c.provider).or_default().push(e);
    }
    for o in x.overpayments.values() {
        let line = staff_line(x, o);
        let e = (o.service_month, line.child.clone(), line.reference.clone(), line, o.amount, None, Some(o.overpayment_id.clone()));
        by_provider.entry(&o.provider_number).or_default().push(e);
    }
    let mut out = Vec::new();
    for (provider_number, mut entries) in by_provider {
        let Some(provider) = x.providers.get(provider_number) else { continue };
        let Some(payee) = x.payees.get(&provider.payee_number) else { continue };
        entries.sort_by(|a, b| (a.0, &a.1, &a.2, a.6.is_some()).cmp(&(b.0, &b.1, &b.2, b.6.is_some())));
        let id = crate::model::DocumentId::join(&[&"VON", &provider.provider_number, &date.format("%Y%m%d")]);
        let total = entries.iter().map(|e| e.4).sum_or(|| format!("notice {id}"))?;
        let printed: Vec<OverpaymentLine> = entries.iter().map(|e| e.3.clone()).collect();
        out.push(OverpaymentNotice {
            date: form_date(date),
            interest_from: form_date(date + chrono::Days::new(30)),
            payee_number: payee.payee_number.to_string(),
            provider_number: provider.provider_number.to_string(),
            provider_name: provider.name.clone(),
            address: payee_address(payee),
            language: payee.language.code(),
            pages: paginate(&printed, BLOCKS_FIRST_PAGE, BLOCKS_NEXT_PAGE),
            total: money(total),
            meta: DocMeta {
                to: Addressee::payee(payee),
                lines: entries.len(),
                amount: total,
                references: entries.iter().filter_map(|e| ReferenceNumber::parse(&e.2)).collect(),
            },
            claims: entries.iter().filter_map(|e| e.5).collect(),
            staff: entries.iter().filter_map(|e| e.6.clone()).collect(),
            id,
        });
    }
    out.sort_by(|a, b| (&a.meta.to.id, &a.provider_number).cmp(&(&b.meta.to.id, &b.provider_number)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn id<T: crate::model::Identifier>(s: &str) -> T {
        T::parse(s).unwrap()
    }

    fn over(units_over: &str, rate: &str, rate_excess: Option<(&str, &str)>) -> PaidOverClaim {
        PaidOverClaim {
            claim_line: 2,
            invoice: id("999A-000001"),
            reference: id("2000000011"),
            month: Month::parse("2025-08").unwrap(),
            provider: id("5001"),
            child: "Willow Example".into(),
            units_over: dec(units_over),
            rate: dec(rate),
            rate_excess: rate_excess.map(|(u, r)| (dec(u), dec(r))),
            why: "over: 22 claimed, 18 may be claimed".into(),
        }
    }

    #[test]
    fn the_amount_is_the_units_over_times_the_rate_paid() {
        assert_eq!(over("4", "50.00", None).amount().unwrap(), dec("200.00"));
        // To the cent as amounts authorized are (round half to even): 83.325 → 83.32.
        assert_eq!(over("2.5", "33.33", None).amount().unwrap(), dec("83.32"));
        // A fee paid above its cap: the kept unit's excess is overpaid too.
        assert_eq!(over("0", "75.00", Some(("1", "25.00"))).amount().unwrap(), dec("25.00"));
        let (line, amount) = claim_line(&over("4", "50.00", None)).unwrap();
        assert_eq!((line.units.as_str(), line.rate.as_str(), line.amount.as_str()), ("4", "50.00", "200.00"));
        assert_eq!((line.month.as_str(), amount), ("08/2025", dec("200")));
        let (fee, _) = claim_line(&over("0", "75.00", Some(("1", "25.00")))).unwrap();
        assert_eq!((fee.units.as_str(), fee.rate.as_str(), fee.amount.as_str()), ("1", "25.00", "25.00"));
    }

    fn booklet() -> Extract {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/booklet-claims");
        crate::ops::read_extract(&dir).expect("the booklet extract reads").extract
    }

    /// A warrant issued on `issued` paying `units` of `reference` on the booklet's invoice.
    fn pay(x: &mut Extract, reference: &str, units: &str, issued: &str) {
        use crate::model::{Origin, Payment, PaymentMethod};
        let origin = |file| Origin { file, line: 2 };
        let payment = Payment {
            origin: origin("payments.csv"),
            payment_id: id("P9"),
            payee_number: id("200100100"),
            issue_date: issued.parse().unwrap(),
            settlement_date: None,
            method: PaymentMethod::Warrant,
            amount: dec("1"),
        };
        x.payments.insert(id("P9"), payment);
        x.payment_lines.push(PaymentLine {
            origin: origin("payment_lines.csv"),
            payment_id: id("P9"),
            line_no: 1,
            reference_number: Some(id(reference)),
            invoice_number: Some(id("999A-000001")),
            service_month: Month::parse("2025-08").unwrap(),
            units: Some(dec(units)),
            rate: Some(dec("50.00")),
            amount: dec("1"),
            adjustment_code: None,
            description: None,
        });
    }

    #[test]
    fn a_paid_over_claim_is_found_with_its_reasoning_and_an_unpaid_one_is_not() {
        let mut x = booklet();
        // Willow (booklet p. 10) may claim 18; the provider claimed 22 and was paid 22.
        let c = x.invoice_claims.iter_mut().find(|c| c.reference_number.as_str() == "2000000011").unwrap();
        c.units_claimed = dec("22");
        let date: NaiveDate = "2025-09-30".parse().unwrap();
        assert!(paid_over_claims(&x, &Holidays::washington(), date).unwrap().is_empty(), "not paid yet");
        pay(&mut x, "2000000011", "22", "2025-09-15");
        let found = paid_over_claims(&x, &Holidays::washington(), date).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].units_over, found[0].rate, found[0].amount().unwrap()), (dec("4"), dec("50.00"), dec("200.00")));
        assert!(found[0].why.starts_with("over: 22 claimed, 18 may be claimed; absent 9 days"), "{}", found[0].why);
        // Paid after the notice date: not yet an overpayment.
        let before: NaiveDate = "2025-09-14".parse().unwrap();
        assert!(paid_over_claims(&x, &Holidays::washington(), before).unwrap().is_empty());
        // Paid for 20 units only: 2 over.
        x.payment_lines[0].units = Some(dec("20"));
        assert_eq!(paid_over_claims(&x, &Holidays::washington(), date).unwrap()[0].units_over, dec("2"));
        let notices = notices(&x, &paid_over_claims(&x, &Holidays::washington(), date).unwrap(), date).unwrap();
        assert_eq!(notices.len(), 1);
        assert_eq!((notices[0].id.as_str(), notices[0].total.as_str(), notices[0].page_count()), ("VON-5001-20250930", "100.00", 2));
        assert_eq!(notices[0].interest_from, "10/30/2025");
    }
}
