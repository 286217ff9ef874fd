//! `ssps overpayments`: a Vendor Overpayment Notice for every provider that
//! was overpaid, dated `--date`, to the provider's payee by mail, email and
//! download (the payee's delivery choice).
//!
//! load → validate → find the paid over-claims and read the staff rows of
//! `overpayments.csv` → compose ([`crate::compose::overpayment`]) → the
//! shared document run ([`pipeline`]). Checked against the input: every
//! paid over-claim and every accepted staff row is on exactly one notice,
//! and the notices' total equals the sum of (units over × rate paid) and
//! the staff amounts, computed from the input, not from the notices.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{OpError, RunOptions};
use crate::calendar::Holidays;
use crate::compose::overpayment::{self, OverpaymentNotice, PaidOverClaim};
use crate::kind::Kind;
use crate::load;
use crate::model::{Extract, Language, Month};
use crate::money::{CheckedSum, Overflow};
use crate::pipeline::{self, Check, Composed, Context, DocumentKind, Period, Report};

/// What `ssps overpayments` is asked to do.
#[derive(Debug, Clone)]
pub struct OverpaymentRun {
    /// The notice date: payments issued on or before it count.
    pub date: NaiveDate,
    /// Folders, channels and settings.
    pub opts: RunOptions,
}

/// The run's own figures in `summary.json`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OverpaymentFigures {
    /// Paid over-claims found from the claims.
    pub over_claims: usize,
    /// Their overpaid amount.
    #[serde(serialize_with = "crate::money::json")]
    pub over_claims_amount: Decimal,
    /// Accepted rows of `overpayments.csv`.
    pub staff_overpayments: usize,
    /// Their amount.
    #[serde(serialize_with = "crate::money::json")]
    pub staff_amount: Decimal,
}

/// Runs the notices. Returns the summary, whether records were rejected
/// (or email failed), and what became of the email.
pub fn run(req: &OverpaymentRun) -> Result<Report<OverpaymentFigures>, OpError> {
    pipeline::run(&Overpayments { date: req.date, holidays: req.opts.holidays()? }, &req.opts)
}

/// The Vendor Overpayment Notice kind: one per overpaid provider.
pub struct Overpayments {
    /// The notice date.
    pub date: NaiveDate,
    /// The state holidays the claim rules count.
    pub holidays: Holidays,
}

impl DocumentKind for Overpayments {
    type Doc = OverpaymentNotice;
    type Extra = OverpaymentFigures;

    fn kind(&self) -> Kind {
        Kind::Overpayment
    }

    fn period(&self) -> Period {
        let date = self.date;
        Period { key: date.to_string(), ident: format!("ssps-overpayments-{date}"), date, month: Month::of(date) }
    }

    fn period_words(&self, texts: &crate::texts::Texts, lang: Language) -> String {
        texts.date(lang, self.date)
    }

    fn compose<'a>(&'a self, ctx: &Context<'a>) -> Result<Composed<'a, OverpaymentNotice, OverpaymentFigures>, OpError> {
        // overpayments.csv is optional: absent, there are no staff rows.
        let v = ctx.read("Vendor Overpayment Notices", &[load::PAYEES.name, load::PROVIDERS.name])?;
        let claims = overpayment::paid_over_claims(&v.extract, &self.holidays, self.date).map_err(|e| match e {
            overpayment::OverClaimError::NoHolidays(year) => OpError::NoHolidays { year },
            other => OpError::Kind(Box::new(other)),
        })?;
        let notices = overpayment::notices(&v.extract, &claims, self.date)?;
        let (checks, extra) = balance(&v.extract, &claims, &notices)?;
        Ok(Composed::new(v, notices, checks, extra))
    }
}

/// Every paid over-claim and every staff row on exactly one notice; the
/// notices' total equals the input's, computed from the claims and rows.
fn balance(x: &Extract, claims: &[PaidOverClaim], notices: &[OverpaymentNotice]) -> Result<(Vec<Check>, OverpaymentFigures), Overflow> {
    let claims_amount = claims
        .iter()
        .map(PaidOverClaim::amount)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .sum_or(|| "the paid over-claims (units over × rate paid)".to_string())?;
    let staff_amount = x.overpayments.values().map(|o| o.amount).sum_or(|| "the amounts of overpayments.csv".to_string())?;
    let expected = claims_amount.checked_add(staff_amount).ok_or_else(|| Overflow::new("the overpayments' total"))?;
    let mut listed_claims: Vec<u64> = notices.iter().flat_map(|n| n.claims.iter().copied()).collect();
    let mut listed_staff: Vec<&crate::model::OverpaymentId> = notices.iter().flat_map(|n| n.staff.iter()).collect();
    let (claims_before, staff_before) = (listed_claims.len(), listed_staff.len());
    listed_claims.sort_unstable();
    listed_claims.dedup();
    listed_staff.sort_unstable();
    listed_staff.dedup();
    let checks = vec![
        Check::new("paid over-claims listed on the notices", claims.len(), claims_before),
        Check::new("each paid over-claim on exactly one notice", claims_before, listed_claims.len()),
        Check::new("accepted overpayments.csv rows listed on the notices", x.overpayments.len(), staff_before),
        Check::new("each overpayments.csv row on exactly one notice", staff_before, listed_staff.len()),
        Check::new(
            "lines listed = paid over-claims + overpayments.csv rows",
            claims.len() + x.overpayments.len(),
            notices.iter().map(|n| n.meta.lines).sum::<usize>(),
        ),
        Check::new("amount overpaid: units over × rate paid + staff amounts = notices", expected, pipeline::total(notices)?),
    ];
    let figures = OverpaymentFigures {
        over_claims: claims.len(),
        over_claims_amount: claims_amount,
        staff_overpayments: x.overpayments.len(),
        staff_amount,
    };
    Ok((checks, figures))
}
