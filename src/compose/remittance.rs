//! The remittance advice (seeds 000 and 002): what one payment paid for.
//!
//! One per payment issued in the run's window: the payee, the payment id
//! (warrant number or EFT trace), issue date, settlement date for direct
//! deposit, method; a line per service paid (child, service, service month,
//! invoice number, units, rate, amount) and the adjustments (overpayment
//! recovery, liens) with their descriptions; the total, which must equal the
//! payment's amount; and what the payee was paid so far in the calendar year.
//! Everything is formatted here, as for invoices: templates never compute.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{form_date, money, payee_address, units, Addressee, DocMeta, Document};
use crate::model::{Extract, Payment, PaymentId, PaymentLine, PaymentMethod};

/// One line of a remittance advice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RemittanceLine {
    /// Line number of the payment.
    pub n: u32,
    /// The child (service recipient), when the line's authorization is in
    /// the extract; empty otherwise.
    pub child: String,
    /// The service name, likewise.
    pub service: String,
    /// Service month, `MM/YYYY`.
    pub service_month: String,
    /// Invoice number, if any.
    pub invoice: String,
    /// Units paid, if given.
    pub units: String,
    /// Rate, if given.
    pub rate: String,
    /// Amount, `1,234.56` (negative for a recovery).
    pub amount: String,
    /// The amount as a number, for the run's checks (not printed).
    #[serde(skip)]
    pub value: Decimal,
    /// Adjustment code (`OVP`, `LIEN`, …); empty for a service line.
    pub code: String,
    /// The adjustment's description.
    pub description: String,
}

/// Rows the first page of an advice holds (below the payment summary).
pub const ROWS_FIRST_PAGE: usize = 16;
/// Rows a continuation page holds.
pub const ROWS_NEXT_PAGE: usize = 26;

/// One row of the advice's table, as placed on a page: the pages are cut
/// here, so the mail plan knows every advice's page count before rendering
/// (rows have a fixed height; the template fits long names into them).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "row", rename_all = "lowercase")]
pub enum Row {
    /// A service line.
    Service(RemittanceLine),
    /// The heading of the adjustments.
    Heading,
    /// An adjustment line.
    Adjustment(RemittanceLine),
    /// A total: `services`, `adjustments` or `payment`.
    Total {
        /// Which total (a label key).
        label: &'static str,
        /// The amount.
        amount: String,
    },
}

/// One remittance advice, ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct Remittance {
    /// Document id: `RA-<payment id>`.
    pub id: crate::model::DocumentId,
    /// Warrant number or EFT trace number.
    pub payment_id: String,
    /// `EFT` or `WARRANT`.
    pub method: &'static str,
    /// Issue date, `MM/DD/YYYY`.
    pub issue_date: String,
    /// Settlement date of a direct deposit.
    pub settlement_date: Option<String>,
    /// Payee number.
    pub payee_number: String,
    /// Name and address block for the window.
    pub address: Vec<String>,
    /// `en` or `es`.
    pub language: &'static str,
    /// Services paid, in line order.
    pub lines: Vec<RemittanceLine>,
    /// Adjustments, in line order.
    pub adjustments: Vec<RemittanceLine>,
    /// Sum of the service lines.
    pub services_total: String,
    /// Sum of the adjustments.
    pub adjustments_total: String,
    /// The payment: services plus adjustments.
    pub total: String,
    /// The calendar year of the issue date.
    pub year: i32,
    /// Paid this year up to and including this payment.
    pub year_to_date: String,
    /// The table, cut into pages.
    pub pages: Vec<Vec<Row>>,
    /// Not printed: the payment's amount, its lines (services and
    /// adjustments).
    #[serde(skip)]
    pub meta: DocMeta,
}

impl Document for Remittance {
    fn id(&self) -> &str {
        self.id.as_str()
    }

    fn kind(&self) -> crate::kind::Kind {
        crate::kind::Kind::Remittance
    }

    fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn title(&self) -> String {
        format!("SSPS remittance advice for payment {} issued {}", self.payment_id, self.issue_date)
    }
}

/// Cuts rows into pages: [`ROWS_FIRST_PAGE`] on the first,
/// [`ROWS_NEXT_PAGE`] on each next one.
pub fn paginate<T: Clone>(rows: &[T], first: usize, next: usize) -> Vec<Vec<T>> {
    let mut pages = vec![rows[..rows.len().min(first)].to_vec()];
    let mut rest = &rows[rows.len().min(first)..];
    while !rest.is_empty() {
        let n = rest.len().min(next);
        pages.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    pages
}

/// Why a payment cannot become a remittance advice. Validation rejects such
/// payments already; this is the composer's own check, never skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemittanceError {
    /// The lines do not add up to the payment.
    #[error("payment {payment}: its lines sum to {lines}, not to its amount {amount}")]
    Unbalanced {
        /// Payment id.
        payment: String,
        /// Sum of the lines.
        lines: String,
        /// The payment's amount.
        amount: String,
    },
    /// The payee is not in the extract.
    #[error("payment {payment}: payee {payee} is not in the extract")]
    NoPayee {
        /// Payment id.
        payment: String,
        /// Payee number.
        payee: String,
    },
}

/// The remittance advices of the payments issued from `from` to `to`
/// (inclusive), in payee then payment order.
pub fn remittances(x: &Extract, from: NaiveDate, to: NaiveDate) -> Result<Vec<Remittance>, RemittanceError> {
    let mut lines_of: std::collections::BTreeMap<&PaymentId, Vec<&PaymentLine>> = std::collections::BTreeMap::new();
    for l in &x.payment_lines {
        lines_of.entry(&l.payment_id).or_default().push(l);
    }
    let mut payments: Vec<&Payment> = x.payments.values().filter(|p| (from..=to).contains(&p.issue_date)).collect();
    payments.sort_by(|a, b| (&a.payee_number, a.issue_date, &a.payment_id).cmp(&(&b.payee_number, b.issue_date, &b.payment_id)));
    payments.into_iter().map(|p| remittance(x, p, lines_of.get(&p.payment_id).map_or(&[][..], Vec::as_slice))).collect()
}

/// What `payee` was paid in the calendar year of `upto`'s issue date, up to
/// and including `upto` (payments ordered by issue date, then id).
pub fn year_to_date(x: &Extract, upto: &Payment) -> Decimal {
    let year = upto.issue_date.year();
    x.payments
        .values()
        .filter(|p| {
            p.payee_number == upto.payee_number
                && p.issue_date.year() == year
                && (p.issue_date, &p.payment_id) <= (upto.issue_date, &upto.payment_id)
        })
        .map(|p| p.amount)
        .sum()
}

fn remittance(x: &Extract, p: &Payment, lines: &[&PaymentLine]) -> Result<Remittance, RemittanceError> {
    let payee = x
        .payees
        .get(&p.payee_number)
        .ok_or_else(|| RemittanceError::NoPayee { payment: p.payment_id.to_string(), payee: p.payee_number.to_string() })?;
    let mut sorted: Vec<&PaymentLine> = lines.to_vec();
    sorted.sort_by_key(|l| l.line_no);
    let line = |l: &PaymentLine| {
        let auth = l.reference_number.as_ref().and_then(|r| x.authorizations.get(r));
        let child = auth.and_then(|a| x.clients.get(&a.client_id)).map(|c| c.full_name()).unwrap_or_default();
        RemittanceLine {
            n: l.line_no,
            child,
            service: auth.map(|a| a.service_name.clone()).unwrap_or_default(),
            service_month: l.service_month.first_day().format("%m/%Y").to_string(),
            invoice: l.invoice_number.as_ref().map(ToString::to_string).unwrap_or_default(),
            units: l.units.map(units).unwrap_or_default(),
            rate: l.rate.map(money).unwrap_or_default(),
            amount: money(l.amount),
            value: l.amount,
            code: l.adjustment_code.clone().unwrap_or_default(),
            description: l.description.clone().unwrap_or_default(),
        }
    };
    let (adjust, service): (Vec<&PaymentLine>, Vec<&PaymentLine>) = sorted.iter().partition(|l| l.adjustment_code.is_some());
    let services_total: Decimal = service.iter().map(|l| l.amount).sum();
    let adjustments_total: Decimal = adjust.iter().map(|l| l.amount).sum();
    let total = services_total + adjustments_total;
    if total != p.amount {
        return Err(RemittanceError::Unbalanced { payment: p.payment_id.to_string(), lines: money(total), amount: money(p.amount) });
    }
    let ytd = year_to_date(x, p);
    let services: Vec<RemittanceLine> = service.into_iter().map(&line).collect();
    let adjustments: Vec<RemittanceLine> = adjust.into_iter().map(&line).collect();
    let mut rows: Vec<Row> = services.iter().cloned().map(Row::Service).collect();
    if !adjustments.is_empty() {
        rows.push(Row::Total { label: "services_total", amount: money(services_total) });
        rows.push(Row::Heading);
        rows.extend(adjustments.iter().cloned().map(Row::Adjustment));
        rows.push(Row::Total { label: "adjustments_total", amount: money(adjustments_total) });
    }
    rows.push(Row::Total { label: "payment_total", amount: money(total) });
    Ok(Remittance {
        id: crate::model::DocumentId::join(&[&"RA", &p.payment_id]),
        payment_id: p.payment_id.to_string(),
        method: match p.method {
            PaymentMethod::Eft => "EFT",
            PaymentMethod::Warrant => "WARRANT",
        },
        issue_date: form_date(p.issue_date),
        settlement_date: p.settlement_date.map(form_date),
        payee_number: payee.payee_number.to_string(),
        address: payee_address(payee),
        language: payee.language.code(),
        lines: services,
        adjustments,
        services_total: money(services_total),
        adjustments_total: money(adjustments_total),
        total: money(total),
        year: p.issue_date.year(),
        year_to_date: money(ytd),
        pages: paginate(&rows, ROWS_FIRST_PAGE, ROWS_NEXT_PAGE),
        meta: DocMeta { to: Addressee::payee(payee), amount: p.amount, lines: sorted.len(), references: Vec::new() },
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
    fn one_advice_per_payment_issued_in_the_window() {
        let x = october();
        let ras = remittances(&x, d("2026-10-01"), d("2026-10-31")).unwrap();
        let ids: Vec<&str> = ras.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["RA-880000236", "RA-880000237", "RA-880000238", "RA-880000239", "RA-880000240", "RA-880000241", "RA-880000242"]);
        // Every advice's total is its payment's amount, and the month's total is the input's.
        let input: Decimal =
            x.payments.values().filter(|p| p.issue_date >= d("2026-10-01") && p.issue_date <= d("2026-10-31")).map(|p| p.amount).sum();
        assert_eq!(ras.iter().map(|r| r.meta.amount).sum::<Decimal>(), input);
        for r in &ras {
            assert_eq!(r.total, money(r.meta.amount));
        }
    }

    #[test]
    fn service_lines_name_the_child_and_the_service() {
        let x = october();
        let ras = remittances(&x, d("2026-10-09"), d("2026-10-09")).unwrap();
        let sunrise = ras.iter().find(|r| r.payment_id == "880000236").unwrap();
        assert_eq!(sunrise.method, "EFT");
        assert_eq!((sunrise.issue_date.as_str(), sunrise.settlement_date.as_deref()), ("10/09/2026", Some("10/16/2026")));
        assert_eq!(sunrise.address[0], "Sunrise Early Learning LLC");
        let first = &sunrise.lines[0];
        assert!(!first.child.is_empty() && !first.service.is_empty(), "{first:?}");
        assert_eq!(first.service_month, "09/2026");
        assert_eq!(sunrise.total, "6,628.70");
    }

    #[test]
    fn an_overpayment_recovery_is_an_adjustment_and_the_total_nets_it() {
        let x = october();
        let ras = remittances(&x, d("2026-10-10"), d("2026-10-10")).unwrap();
        let delgado = ras.iter().find(|r| r.payment_id == "880000237").unwrap();
        assert_eq!(delgado.language, "es");
        assert_eq!(delgado.method, "WARRANT");
        assert_eq!(delgado.settlement_date, None);
        assert_eq!(delgado.adjustments.len(), 1, "{:?}", delgado.adjustments);
        let ovp = &delgado.adjustments[0];
        assert_eq!(ovp.code, "OVP");
        assert!(ovp.amount.starts_with('-'), "{ovp:?}");
        let services: Decimal = delgado.services_total.replace(',', "").parse().unwrap();
        let adjustments: Decimal = delgado.adjustments_total.replace(',', "").parse().unwrap();
        assert_eq!(services + adjustments, Decimal::new(170820, 2));
        assert_eq!(delgado.total, "1,708.20");
        // The table: services, their total, the adjustments under their heading, and the totals.
        let rows = &delgado.pages[0];
        let n = delgado.lines.len();
        assert_eq!(rows[n], Row::Total { label: "services_total", amount: delgado.services_total.clone() });
        assert_eq!(rows[n + 1], Row::Heading);
        assert!(matches!(&rows[n + 2], Row::Adjustment(l) if l.code == "OVP"));
        assert_eq!(rows.last(), Some(&Row::Total { label: "payment_total", amount: "1,708.20".into() }));
    }

    #[test]
    fn pages_hold_sixteen_rows_then_twenty_six() {
        let rows: Vec<usize> = (0..100).collect();
        let pages = paginate(&rows, ROWS_FIRST_PAGE, ROWS_NEXT_PAGE);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [16, 26, 26, 26, 6]);
        assert_eq!(pages.concat(), rows);
        assert_eq!(paginate(&rows[..16], 16, 26).len(), 1);
        assert_eq!(paginate(&rows[..17], 16, 26).len(), 2);
        assert_eq!(paginate::<usize>(&[], 16, 26), vec![Vec::<usize>::new()]);
    }

    #[test]
    fn year_to_date_counts_this_calendar_year_up_to_this_payment() {
        let x = october();
        let p = &x.payments[&PaymentId::parse("880000236").unwrap()];
        // Sunrise's 2026 payments: January to October.
        let expected: Decimal =
            ["6467.50", "5844.80", "6110.00", "6052.80", "6086.60", "6282.90", "6415.50", "6479.20", "6444.10", "6628.70"]
                .iter()
                .map(|a| a.parse::<Decimal>().unwrap())
                .sum();
        assert_eq!(year_to_date(&x, p), expected);
        let january = &x.payments[&PaymentId::parse("880000173").unwrap()];
        assert_eq!(year_to_date(&x, january), "6467.50".parse::<Decimal>().unwrap());
    }

    #[test]
    fn lines_that_do_not_add_up_are_refused_with_both_figures() {
        let mut x = october();
        let id = PaymentId::parse("880000236").unwrap();
        x.payments.get_mut(&id).unwrap().amount += Decimal::ONE;
        let err = remittances(&x, d("2026-10-09"), d("2026-10-09")).unwrap_err();
        assert_eq!(err.to_string(), "payment 880000236: its lines sum to 6,628.70, not to its amount 6,629.70");
    }
}
