//! The typed records of an extract, after validation.
//!
//! Every value here has already passed the rules of the record format
//! (see `docs/records.md`): money is [`Decimal`] with at most two places,
//! dates are [`NaiveDate`], codes are enums, identifiers are of letters,
//! digits and `-` ([`Id`]'s rule) and typed by role ([`ids`]: a
//! [`PayeeNumber`] is not a [`ClientId`]). Nothing in this module does I/O; the loader and
//! validator build these values, later stages only read them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

pub mod ids;
pub mod payee;
pub use ids::{
    AuNumber, AuthorizationNumber, CaseNumber, ClientId, DocumentId, EventId, Id, Identifier, InvoiceNumber, OverpaymentId, PayeeNumber,
    PaymentId, ProviderNumber, ReferenceNumber, WorkerId,
};

/// A calendar month (`YYYY-MM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first: NaiveDate,
}

impl Month {
    /// Parses `YYYY-MM` strictly (four-digit year, two-digit month).
    pub fn parse(s: &str) -> Option<Month> {
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return None;
        }
        let year: i32 = s[..4].parse().ok()?;
        let month: u32 = s[5..].parse().ok()?;
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| Month { first })
    }

    /// The month containing `date`.
    pub fn of(date: NaiveDate) -> Month {
        Month { first: date.with_day(1).unwrap_or(date) }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    /// The last day of the month (the invoice's "for month ending" date).
    pub fn last_day(self) -> NaiveDate {
        self.next().first.pred_opt().unwrap_or(self.first)
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        Month { first: self.first.checked_add_months(Months::new(1)).unwrap_or(self.first) }
    }

    /// The month before this one.
    pub fn prev(self) -> Month {
        Month { first: self.first.checked_sub_months(Months::new(1)).unwrap_or(self.first) }
    }

    /// Four-digit year.
    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// Month number 1–12.
    pub fn month(self) -> u32 {
        self.first.month()
    }

    /// Whether `[start, end]` shares at least one day with this month.
    pub fn overlaps(self, start: NaiveDate, end: NaiveDate) -> bool {
        start <= self.last_day() && end >= self.first
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A taxpayer identification number: nine digits, never displayed whole
/// except where the law requires it (the IRS filing).
#[derive(Clone, PartialEq, Eq)]
pub struct Tin {
    digits: [u8; 9],
    kind: TinType,
}

impl Tin {
    /// Parses a TIN written as nine digits, `NNN-NN-NNNN` (an SSN's shape)
    /// or `NN-NNNNNNN` (an EIN's). Other hyphen placements are refused: a
    /// ZIP+4 (`98144-2923`) has nine digits too, and must never pass for a
    /// TIN when a header's names are swapped.
    pub fn parse(s: &str, kind: TinType) -> Option<Tin> {
        if !Tin::shaped(s) {
            return None;
        }
        let mut digits = [0u8; 9];
        for (d, c) in digits.iter_mut().zip(s.bytes().filter(u8::is_ascii_digit)) {
            *d = c;
        }
        Some(Tin { digits, kind })
    }

    /// Whether `s` is written as a TIN: nine digits, `NNN-NN-NNNN` or
    /// `NN-NNNNNNN` (the one definition of the shape, also used to find
    /// TINs where they do not belong).
    pub fn shaped(s: &str) -> bool {
        let b = s.as_bytes();
        let hyphens: &[usize] = match b.len() {
            9 => &[],
            10 => &[2],
            11 => &[3, 6],
            _ => return false,
        };
        b.iter().enumerate().all(|(i, c)| if hyphens.contains(&i) { *c == b'-' } else { c.is_ascii_digit() })
    }

    /// The masked form printed on documents people read:
    /// `***-**-1234` for an SSN, `**-***1234` for an EIN.
    pub fn masked(&self) -> String {
        let last4 = std::str::from_utf8(&self.digits[5..]).unwrap_or("????");
        match self.kind {
            TinType::Ssn => format!("***-**-{last4}"),
            TinType::Ein => format!("**-***{last4}"),
        }
    }

    /// The truncated form IRS rules allow on recipient statements
    /// (Treas. Reg. 301.6109-4): `***-**-1234` for an SSN, `XX-XXX1234` for
    /// an EIN.
    pub fn truncated(&self) -> String {
        let last4 = std::str::from_utf8(&self.digits[5..]).unwrap_or("????");
        match self.kind {
            TinType::Ssn => format!("***-**-{last4}"),
            TinType::Ein => format!("XX-XXX{last4}"),
        }
    }

    /// The nine digits, for what is filed with the IRS and nothing else.
    pub fn for_irs_filing(&self) -> &str {
        std::str::from_utf8(&self.digits).unwrap_or("")
    }

    /// The whole number with its hyphens: only for the payer's own TIN,
    /// which is printed in full.
    pub fn formatted(&self) -> String {
        let d = self.for_irs_filing();
        match self.kind {
            TinType::Ssn => format!("{}-{}-{}", &d[..3], &d[3..5], &d[5..]),
            TinType::Ein => format!("{}-{}", &d[..2], &d[2..]),
        }
    }

    /// SSN or EIN.
    pub fn kind(&self) -> TinType {
        self.kind
    }
}

/// Debug never shows the number: TINs must not reach logs.
impl fmt::Debug for Tin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tin({})", self.masked())
    }
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $var),+ }

        impl $name {
            /// Every code, in the order the format lists them.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// Parses the code exactly as the format spells it.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$var),)+ _ => None }
            }

            /// The code as the format spells it.
            pub fn code(self) -> &'static str {
                match self { $($name::$var => $text),+ }
            }

            /// The accepted codes, for error messages: `a, b or c`.
            pub fn expected() -> String {
                let all: Vec<String> = Self::ALL.iter().map(|c| format!("`{}`", c.code())).collect();
                match all.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {}", rest.join(", "), last),
                    _ => all.join(""),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

code_enum!(
    /// Kind of taxpayer identification number.
    TinType { Ssn = "SSN", Ein = "EIN" }
);
code_enum!(
    /// How a payee receives documents.
    Delivery { Mail = "mail", Email = "email", Both = "both" }
);
code_enum!(
    /// Language of documents for a payee or client.
    Language { En = "en", Es = "es" }
);
code_enum!(
    /// Licensing category of a care provider.
    ProviderType { Center = "center", FamilyHome = "family_home", InHome = "in_home", Relative = "relative" }
);
code_enum!(
    /// Funding program of an authorization.
    Program {
        Wccc = "WCCC",
        Seasonal = "SEASONAL",
        TeenParent = "TEEN_PARENT",
        Efp = "EFP",
        Cps = "CPS",
        Cws = "CWS",
    }
);
code_enum!(
    /// What an authorized service line pays for.
    ServiceKind {
        FullDay = "full_day",
        HalfDay = "half_day",
        ExtendedHours = "extended_hours",
        InfantBonus = "infant_bonus",
        NonstandardBonus = "nonstandard_bonus",
        RegistrationFee = "registration_fee",
        ActivityFee = "activity_fee",
        SpecialNeeds = "special_needs",
    }
);
code_enum!(
    /// The SERVICE UNIT printed on the invoice.
    Unit { Day = "DA", Hour = "HR", Month = "MO", Each = "EA" }
);
code_enum!(
    /// A change entered on an authorization line.
    Action { New = "new", Change = "change", Terminate = "terminate" }
);
code_enum!(
    /// A daily attendance mark.
    Mark { Attended = "X", Absent = "A", Holiday = "H", Closed = "C" }
);
code_enum!(
    /// How a payment was made.
    PaymentMethod { Eft = "EFT", Warrant = "WARRANT" }
);
code_enum!(
    /// A State Supplemental Payment case action.
    SspEventKind {
        Open = "open",
        Reopen = "reopen",
        Close = "close",
        AmountChange = "amount_change",
        SsiTermination = "ssi_termination",
    }
);
code_enum!(
    /// SSP program type.
    SspProgramType { IneligibleSpouse = "I", Mil = "M", Aged = "A", Blind = "B" }
);
code_enum!(
    /// Whether an SSP client has an EFT account.
    Eft { None = "none", Registered = "registered" }
);
code_enum!(
    /// Why staff found a vendor overpayment (booklet seed 002, p. 27's list).
    OverpaymentReason {
        ClaimedTwice = "claimed_twice",
        UnderFiveHours = "under_five_hours",
        InfantBonusUnderFiveDays = "infant_bonus_under_five_days",
        RateAboveUsual = "rate_above_usual",
        NonstandardNotScheduled = "nonstandard_not_scheduled",
        NoAttendanceRecords = "no_attendance_records",
        Other = "other",
    }
);

/// A validated mailing address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    /// Street line.
    pub line1: String,
    /// Second line (apartment, suite), if any.
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Two-letter USPS state code.
    pub state: String,
    /// `NNNNN` or `NNNNN-NNNN` when mailable; as given otherwise.
    pub zip: String,
    /// Whether mail can go to it: street, city, a USPS state code and a
    /// well-formed ZIP are all there (validation reports what is wrong).
    pub mailable: bool,
}

impl Address {
    /// The last line as USPS wants it: `CITY ST ZIP` (two spaces before ZIP).
    pub fn last_line(&self) -> String {
        format!("{} {}  {}", self.city, self.state, self.zip)
    }
}

/// Where a record came from: file name and 1-based line (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Origin {
    /// File name within the extract folder, e.g. `payees.csv`.
    pub file: &'static str,
    /// Line where the record starts.
    pub line: u64,
}

/// payees.csv: who is paid.
#[derive(Debug, Clone)]
pub struct Payee {
    pub origin: Origin,
    pub payee_number: PayeeNumber,
    pub name: String,
    pub dba_name: Option<String>,
    pub address: Address,
    pub tin: Tin,
    pub delivery: Delivery,
    pub email: Option<String>,
    pub language: Language,
    pub direct_deposit: bool,
    pub reportable_1099: bool,
    pub consent_electronic_1099: bool,
}

/// providers.csv: the facility that gives care.
#[derive(Debug, Clone)]
pub struct Provider {
    pub origin: Origin,
    pub provider_number: ProviderNumber,
    pub payee_number: PayeeNumber,
    pub name: String,
    pub provider_type: ProviderType,
    pub county: String,
    pub phone: Option<String>,
}

/// clients.csv: a child in care or an SSP recipient.
#[derive(Debug, Clone)]
pub struct Client {
    pub origin: Origin,
    pub client_id: ClientId,
    pub case_number: CaseNumber,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub address: Option<Address>,
    pub language: Language,
}

impl Client {
    /// "First Last", as printed in SERVICE RECIPIENT.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// workers.csv: an authorizing or case worker.
#[derive(Debug, Clone)]
pub struct Worker {
    pub origin: Origin,
    pub worker_id: WorkerId,
    pub name: String,
    pub phone: String,
    pub office: Option<String>,
}

/// authorizations.csv: one authorized service line.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub origin: Origin,
    pub reference_number: ReferenceNumber,
    pub authorization_number: AuthorizationNumber,
    pub provider_number: ProviderNumber,
    pub client_id: ClientId,
    pub worker_id: WorkerId,
    pub program: Program,
    pub service_code: String,
    pub service_name: String,
    pub service_kind: ServiceKind,
    pub unit: Unit,
    pub units_authorized: Decimal,
    pub rate: Decimal,
    pub copay: Option<Decimal>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reporting_unit: Id,
    pub action: Option<Action>,
    pub action_date: Option<NaiveDate>,
}

impl Authorization {
    /// AMOUNT AUTHORIZED: units × rate, to the cent; an error naming the
    /// line when the product does not fit (validation's bounds make that
    /// impossible for records it accepted).
    pub fn amount_authorized(&self) -> Result<Decimal, crate::money::Overflow> {
        crate::money::checked_mul(self.units_authorized, self.rate).map(|d| d.round_dp(2)).ok_or_else(|| {
            crate::money::Overflow::new(format!(
                "authorization line {} ({} line {}): units × rate",
                self.reference_number, self.origin.file, self.origin.line
            ))
        })
    }
}

/// invoice_claims.csv: units a provider claimed on a returned invoice.
#[derive(Debug, Clone)]
pub struct InvoiceClaim {
    pub origin: Origin,
    pub invoice_number: InvoiceNumber,
    pub reference_number: ReferenceNumber,
    pub month: Month,
    pub units_claimed: Decimal,
    pub corrected_rate: Option<Decimal>,
}

/// attendance.csv: one day's mark for one authorization line.
#[derive(Debug, Clone)]
pub struct Attendance {
    pub origin: Origin,
    pub reference_number: ReferenceNumber,
    pub date: NaiveDate,
    pub mark: Mark,
    pub hours: Option<Decimal>,
}

/// payments.csv: a warrant or direct deposit.
#[derive(Debug, Clone)]
pub struct Payment {
    pub origin: Origin,
    pub payment_id: PaymentId,
    pub payee_number: PayeeNumber,
    pub issue_date: NaiveDate,
    pub settlement_date: Option<NaiveDate>,
    pub method: PaymentMethod,
    pub amount: Decimal,
}

/// payment_lines.csv: what a payment paid for.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub origin: Origin,
    pub payment_id: PaymentId,
    pub line_no: u32,
    pub reference_number: Option<ReferenceNumber>,
    pub invoice_number: Option<InvoiceNumber>,
    pub service_month: Month,
    pub units: Option<Decimal>,
    pub rate: Option<Decimal>,
    pub amount: Decimal,
    pub adjustment_code: Option<String>,
    pub description: Option<String>,
}

/// ssp_events.csv: a State Supplemental Payment case action.
#[derive(Debug, Clone)]
pub struct SspEvent {
    pub origin: Origin,
    pub event_id: EventId,
    pub client_id: ClientId,
    pub au_number: AuNumber,
    pub event: SspEventKind,
    pub program_type: SspProgramType,
    pub effective_date: NaiveDate,
    pub amount: Option<Decimal>,
    pub previous_amount: Option<Decimal>,
    pub reason_code: Option<String>,
    pub worker_id: WorkerId,
    pub eft: Eft,
    pub worker_text: Option<String>,
}

/// overpayments.csv: an overpayment staff found for a cause other than an
/// over-claim the claim rules judge (those are found from the claims).
#[derive(Debug, Clone)]
pub struct StaffOverpayment {
    pub origin: Origin,
    pub overpayment_id: OverpaymentId,
    pub payee_number: PayeeNumber,
    pub provider_number: ProviderNumber,
    pub reference_number: Option<ReferenceNumber>,
    pub invoice_number: Option<InvoiceNumber>,
    pub service_month: Month,
    pub amount: Decimal,
    pub reason: OverpaymentReason,
    pub description: Option<String>,
}

/// ssp_cases.csv: one SSP assistance unit (AU) of the ACES case roster.
#[derive(Debug, Clone)]
pub struct SspCase {
    pub origin: Origin,
    pub au_number: AuNumber,
    pub client_id: ClientId,
    pub program_type: SspProgramType,
    /// The monthly SSP amount.
    pub amount: Decimal,
    pub open_date: NaiveDate,
    /// `None` while the case is open.
    pub close_date: Option<NaiveDate>,
}

impl SspCase {
    /// Whether the case is open on at least one day of `month` (the ACES
    /// one-day rule: eligible one day, eligible the whole month).
    pub fn open_in(&self, month: Month) -> bool {
        self.open_date <= month.last_day() && self.close_date.is_none_or(|c| c >= month.first_day())
    }
}

/// Every accepted record of one extract folder, keyed for lookup.
/// Maps are ordered so that everything derived from them is deterministic.
#[derive(Debug, Clone, Default)]
pub struct Extract {
    pub payees: BTreeMap<PayeeNumber, Payee>,
    pub providers: BTreeMap<ProviderNumber, Provider>,
    pub clients: BTreeMap<ClientId, Client>,
    pub workers: BTreeMap<WorkerId, Worker>,
    pub authorizations: BTreeMap<ReferenceNumber, Authorization>,
    pub invoice_claims: Vec<InvoiceClaim>,
    pub attendance: Vec<Attendance>,
    pub payments: BTreeMap<PaymentId, Payment>,
    pub payment_lines: Vec<PaymentLine>,
    pub ssp_events: BTreeMap<EventId, SspEvent>,
    pub overpayments: BTreeMap<OverpaymentId, StaffOverpayment>,
    pub ssp_cases: BTreeMap<AuNumber, SspCase>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_bounds() {
        let m = Month::parse("2026-02").unwrap();
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(m.next().to_string(), "2026-03");
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("2026-1"), None);
        assert_eq!(Month::parse("26-01-"), None);
    }

    #[test]
    fn tin_masking_and_debug_never_show_the_number() {
        let ssn = Tin::parse("533-22-8811", TinType::Ssn).unwrap();
        assert_eq!(ssn.masked(), "***-**-8811");
        assert_eq!(format!("{ssn:?}"), "Tin(***-**-8811)");
        let ein = Tin::parse("91-1234567", TinType::Ein).unwrap();
        assert_eq!(ein.masked(), "**-***4567");
        assert_eq!(ein.truncated(), "XX-XXX4567");
        assert_eq!(ssn.truncated(), "***-**-8811");
        assert_eq!(ssn.for_irs_filing(), "533228811");
        assert_eq!(ein.formatted(), "91-1234567");
        assert!(Tin::parse("91-123456", TinType::Ein).is_none());
        assert!(Tin::parse("91-12345678", TinType::Ein).is_none());
        assert!(Tin::parse("91 1234567", TinType::Ein).is_none());
        assert!(Tin::parse("98144-2923", TinType::Ein).is_none(), "a ZIP+4 is not a TIN");
        assert!(Tin::parse("5321-14455", TinType::Ssn).is_none());
        assert!(Tin::parse("532114455", TinType::Ssn).is_some());
    }

    #[test]
    fn codes_expected_lists() {
        assert_eq!(Delivery::expected(), "`mail`, `email` or `both`");
        assert_eq!(Unit::parse("DA"), Some(Unit::Day));
        assert_eq!(Unit::parse("da"), None);
    }

    #[test]
    fn amount_authorized_is_exact() {
        let units = Decimal::new(22, 0);
        let rate = Decimal::new(9230, 2);
        assert_eq!((units * rate).round_dp(2).to_string(), "2030.60");
    }
}
