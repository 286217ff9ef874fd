//! The claim rules' reasoning as steps ([`Step`]), said in English or
//! Spanish from `letters/claim-reasons.toml` (compiled in). The rules
//! record what they found (numbers, dates); the words come from the
//! catalog, so the worksheet of `ssps claim` and the portal's pages say the
//! same thing, in the reader's language.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::{Language, Month};

/// The catalog, compiled in.
const CATALOG: &str = include_str!("../../letters/claim-reasons.toml");

/// One step of a line's reasoning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The line is not authorized in the month.
    NotInMonth { from: NaiveDate, to: NaiveDate, month: Month },
    /// Extended hours: the hours over 10 a day, summed.
    ExtendedHours { hours: Decimal },
    /// The infant was in care enough days for the bonus.
    InfantInCare { days: u32 },
    /// Too few days for the infant bonus.
    InfantTooFew { days: u32 },
    /// The non-standard hour bonus is all or nothing.
    NonstandardWhole,
    /// No day attended: nothing of any kind.
    NoDayAttended,
    /// The registration fee's cap.
    RegistrationFee,
    /// The activity fee's cap (Working Connections).
    ActivityFeeCap,
    /// Another program pays no activity fee.
    ActivityFeeNotPaid { program: String },
    /// Never more than the printed units.
    NeverMore { max: Decimal },
    /// Part-time: only days attended.
    PartTime { max: Decimal, attended: u32 },
    /// Authorized for part of the month, fewer days scheduled than a month.
    PartOfMonth { from: NaiveDate, to: NaiveDate, scheduled: u32 },
    /// Authorized for part of the month, as many days as a month.
    PartOfMonthAll { from: NaiveDate, to: NaiveDate, scheduled: u32 },
    /// More absences than paid: `start − over = units`.
    AbsentOver { absent: u32, over: u32, start: u32, units: u32 },
    /// No more absences than paid.
    AbsentWithin { absent: u32, start: u32 },
    /// Days on a state holiday.
    Holidays { days: u32 },
    /// Days closed: `units − closed = after`.
    Closed { closed: u32, units: u32, after: u32 },
    /// Long half days: extra half days, capped at `room` when fewer.
    LongDays { days: u32, extra: Decimal, capped: Option<Decimal>, total: Decimal },
    /// The infant bonus was claimed in an earlier month.
    InfantOnce { month: Month },
}

struct Catalog {
    en: HashMap<String, String>,
    es: HashMap<String, String>,
}

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        // A unit test parses the compiled-in file and checks its keys.
        let mut tables: HashMap<String, HashMap<String, String>> = toml::from_str(CATALOG).unwrap_or_default();
        Catalog { en: tables.remove("en").unwrap_or_default(), es: tables.remove("es").unwrap_or_default() }
    })
}

/// The text of `key` in `lang` with `{name}` placeholders filled.
fn say(lang: Language, key: &str, values: &[(&str, String)]) -> String {
    let c = catalog();
    let table = if lang == Language::Es { &c.es } else { &c.en };
    let mut s = table.get(key).cloned().unwrap_or_else(|| key.to_string());
    for (name, value) in values {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

fn days(lang: Language, n: u32) -> String {
    if n == 1 {
        say(lang, "day_one", &[])
    } else {
        say(lang, "day_many", &[("n", n.to_string())])
    }
}

/// `22 − 4 = 18` with the booklet's minus sign.
fn minus(a: impl std::fmt::Display, b: impl std::fmt::Display, c: impl std::fmt::Display) -> String {
    format!("{a} − {b} = {c}")
}

fn n(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Step {
    /// The step in words.
    pub fn say(&self, lang: Language) -> String {
        use super::REGISTRATION_FEE_CAP;
        use super::{ACTIVITY_FEE_CAP, EXTENDED_AFTER_HOURS, FULL_TIME_DAYS, INFANT_BONUS_DAYS, LONG_DAY_HOURS, PAID_ABSENCES};
        let l = lang;
        let md = |d: &NaiveDate| d.format("%m/%d").to_string();
        match self {
            Step::NotInMonth { from, to, month } => say(
                l,
                "not_in_month",
                &[("from", from.format("%m/%d/%Y").to_string()), ("to", to.format("%m/%d/%Y").to_string()), ("month", month.to_string())],
            ),
            Step::ExtendedHours { hours } => say(l, "extended_hours", &[("after", EXTENDED_AFTER_HOURS.to_string()), ("hours", n(*hours))]),
            Step::InfantInCare { days: d } => say(l, "infant_in_care", &[("days", days(l, *d)), ("min", INFANT_BONUS_DAYS.to_string())]),
            Step::InfantTooFew { days: d } => say(l, "infant_too_few", &[("days", days(l, *d)), ("min", INFANT_BONUS_DAYS.to_string())]),
            Step::NonstandardWhole => say(l, "nonstandard_whole", &[]),
            Step::NoDayAttended => say(l, "no_day_attended", &[]),
            Step::RegistrationFee => say(l, "registration_fee", &[("cap", REGISTRATION_FEE_CAP.to_string())]),
            Step::ActivityFeeCap => say(l, "activity_fee_cap", &[("cap", ACTIVITY_FEE_CAP.to_string())]),
            Step::ActivityFeeNotPaid { program } => say(l, "activity_fee_not_paid", &[("program", program.clone())]),
            Step::NeverMore { max } => say(l, "never_more", &[("max", n(*max))]),
            Step::PartTime { max, attended } => {
                say(l, "part_time", &[("max", n(*max)), ("full", FULL_TIME_DAYS.to_string()), ("days", days(l, *attended))])
            }
            Step::PartOfMonth { from, to, scheduled } => {
                say(l, "part_of_month", &[("from", md(from)), ("to", md(to)), ("days", days(l, *scheduled))])
            }
            Step::PartOfMonthAll { from, to, scheduled } => {
                say(l, "part_of_month_all", &[("from", md(from)), ("to", md(to)), ("days", days(l, *scheduled))])
            }
            Step::AbsentOver { absent, over, start, units } => say(
                l,
                "absent_over",
                &[
                    ("days", days(l, *absent)),
                    ("over", over.to_string()),
                    ("allowed", PAID_ABSENCES.to_string()),
                    ("sum", minus(start, over, units)),
                ],
            ),
            Step::AbsentWithin { absent, start } => {
                say(l, "absent_within", &[("days", days(l, *absent)), ("allowed", PAID_ABSENCES.to_string()), ("start", start.to_string())])
            }
            Step::Holidays { days: d } => say(l, "holidays", &[("days", days(l, *d))]),
            Step::Closed { closed, units, after } => say(l, "closed", &[("days", days(l, *closed)), ("sum", minus(units, closed, after))]),
            Step::LongDays { days: d, extra, capped, total } => {
                let extra_words = if *extra == Decimal::ONE { say(l, "extra_one", &[]) } else { say(l, "extra_many", &[("n", n(*extra))]) };
                let capped = capped.map(|room| say(l, "capped", &[("room", n(room))])).unwrap_or_default();
                say(
                    l,
                    "long_days",
                    &[
                        ("days", days(l, *d)),
                        ("hours", LONG_DAY_HOURS.to_string()),
                        ("extra", extra_words),
                        ("capped", capped),
                        ("total", total.to_string()),
                        ("n", n(*extra)),
                        ("sum", n(*total + *extra)),
                    ],
                )
            }
            Step::InfantOnce { month } => say(l, "infant_once", &[("month", month.to_string())]),
        }
    }
}

/// Steps in words, joined with `; `.
pub fn joined(steps: &[Step], lang: Language) -> String {
    steps.iter().map(|s| s.say(lang)).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text_and_fill_every_placeholder() {
        let tables: HashMap<String, HashMap<String, String>> = toml::from_str(CATALOG).unwrap();
        let keys = |l: &str| {
            let mut k: Vec<&String> = tables[l].keys().collect();
            k.sort();
            k
        };
        assert_eq!(keys("en"), keys("es"));
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let m = Month::parse("2026-10").unwrap();
        let every = [
            Step::NotInMonth { from: d("2026-11-01"), to: d("2027-01-31"), month: m },
            Step::ExtendedHours { hours: Decimal::new(35, 1) },
            Step::InfantInCare { days: 12 },
            Step::InfantTooFew { days: 1 },
            Step::NonstandardWhole,
            Step::NoDayAttended,
            Step::RegistrationFee,
            Step::ActivityFeeCap,
            Step::ActivityFeeNotPaid { program: "SSPS".into() },
            Step::NeverMore { max: Decimal::from(22) },
            Step::PartTime { max: Decimal::from(12), attended: 9 },
            Step::PartOfMonth { from: d("2026-10-07"), to: d("2026-10-31"), scheduled: 17 },
            Step::PartOfMonthAll { from: d("2026-10-01"), to: d("2026-10-30"), scheduled: 22 },
            Step::AbsentOver { absent: 9, over: 4, start: 22, units: 18 },
            Step::AbsentWithin { absent: 1, start: 17 },
            Step::Holidays { days: 1 },
            Step::Closed { closed: 2, units: 20, after: 18 },
            Step::LongDays { days: 3, extra: Decimal::from(2), capped: Some(Decimal::from(2)), total: Decimal::from(22) },
            Step::InfantOnce { month: m },
        ];
        for s in &every {
            for lang in [Language::En, Language::Es] {
                let words = s.say(lang);
                assert!(!words.contains('{') && !words.contains('}'), "{s:?} in {lang:?}: {words}");
                assert!(!tables["en"].contains_key(&words), "{s:?}: a key, not a text");
            }
            assert_ne!(s.say(Language::En), s.say(Language::Es), "{s:?} is translated");
        }
        assert_eq!(every[13].say(Language::En), "absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18");
        assert_eq!(every[13].say(Language::Es), "ausente 9 días, 4 más de las 5 ausencias permitidas: 22 − 4 = 18");
        assert_eq!(every[17].say(Language::En), "3 days of 5 or more hours in care: 2 extra half days (at most 2 extra): 22 + 2 = 24");
        assert_eq!(
            every[15].say(Language::Es),
            "1 día en día feriado estatal: no cuenta como ausencia ni como cierre (los feriados están incluidos en la autorización)"
        );
        assert_eq!(every[7].say(Language::En), "Working Connections pays an activity fee of at most $20.00 a month");
    }
}
