//! Per-file row rules (about 600 lines: one function per file of the
//! record format, each cohesive and short): each file's row made into its typed record, every
//! rule of its columns and of the row as a whole checked (a payee's TIN
//! against its kind, an authorization's service period, an SSP event's
//! amounts for its kind …), the row's problems recorded and a rejected
//! row's key remembered; and the uniqueness of each file's key. Rows are
//! read through [`Cells`]; each row function returns its record, or `None`
//! when the row is rejected. Nothing here looks into another file.

use std::collections::BTreeMap;

use chrono::Months;
use rust_decimal::Decimal;

use super::cells::{valid_email, Cells, WA_COUNTIES};
use super::{HasKey, HasOrigin, Validator};
use crate::calendar::Holidays;
use crate::load::{self, RawRow};
use crate::model::*;
use crate::money::Quantity;
use crate::problem::Problem;

impl Validator {
    /// Keeps the rows whose shape is whole; a broken one (field count, a
    /// swallowed line break) is rejected here, its problem reported and its
    /// cells never read.
    pub(super) fn whole(&mut self, mut rows: Vec<RawRow>) -> Vec<RawRow> {
        rows.retain_mut(|r| {
            if r.broken {
                self.problems.append(&mut r.problems);
            }
            !r.broken
        });
        rows
    }

    /// Records the row's problems; `Some(record)` when it has no error.
    fn finish<T>(&mut self, cells: Cells<'_>, key_col: &str, label: &str, record: Option<T>) -> Option<T> {
        let key = cells.raw(key_col).map(str::to_string);
        let rec_label = key.as_ref().map(|k| format!("{label} {k}"));
        self.finish_labeled(cells, key, rec_label, record)
    }

    /// As [`Self::finish`], with the record's key and label given.
    fn finish_labeled<T>(&mut self, cells: Cells<'_>, key: Option<String>, rec_label: Option<String>, record: Option<T>) -> Option<T> {
        let ok = cells.ok() && record.is_some();
        let first_error = cells.problems.iter().find(|p| p.is_error()).map(|p| {
            let col = p.column.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
            format!("{col}{}", p.rule)
        });
        for p in cells.problems {
            self.problems.push(p.for_record(rec_label.clone()));
        }
        if !ok {
            if let Some(k) = key {
                self.rejected.add(cells.spec.name, &k, cells.row.line, first_error.unwrap_or_default());
            }
            return None;
        }
        record
    }

    /// Adds a record under its key unless the key is taken (by an accepted
    /// record or a rejected row): then the row is rejected naming the first.
    pub(super) fn insert_unique<K, T>(&mut self, map: &mut BTreeMap<K, T>, key: K, rec: T, col: &'static str, line: u64)
    where
        K: Identifier,
        T: HasOrigin + HasKey,
    {
        let file = rec.origin().file;
        let first = match (map.get(&key), self.rejected.get(file, key.as_str())) {
            (Some(first), _) => Some(format!("line {} has the same value", first.origin().line)),
            (None, Some(r)) => Some(format!("line {} has the same value (and was rejected)", r.line)),
            (None, None) => None,
        };
        if let Some(first) = first {
            self.problems.push(
                Problem::error(
                    file,
                    Some(line),
                    Some(col),
                    Some(key.as_str()),
                    format!("must be unique, but {first}; this row is rejected"),
                )
                .for_record(Some(rec.key_label())),
            );
            return;
        }
        map.insert(key, rec);
    }

    /// A row of `payees.csv`: its address, TIN (checked against its kind),
    /// delivery and email, language and flags.
    pub(super) fn payee(&mut self, row: &RawRow) -> Option<Payee> {
        let spec = &load::PAYEES;
        let mut c = Cells::new(spec, row);
        let payee_number = c.id::<PayeeNumber>("payee_number");
        let name = c.text("name");
        let dba_name = c.opt_text("dba_name");
        let consequence = match c.raw("delivery") {
            Some("email") => "nothing is mailed now (delivery is email), but fix it before choosing mail",
            _ => "their documents are made for download only (channel unmailable) until it is fixed",
        };
        let address = c.address(true, name.as_deref(), consequence);
        let tin_type = c.code("tin_type", TinType::parse, TinType::expected());
        let tin_raw = c.required("tin");
        let tin = match (tin_raw, tin_type) {
            (Some(raw), Some(kind)) => {
                let t = Tin::parse(raw, kind);
                if t.is_none() {
                    c.fail("tin", Some(raw), "a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN");
                }
                t
            }
            _ => None,
        };
        let delivery = c.opt_code("delivery", Delivery::parse, Delivery::expected(), Delivery::Mail);
        let email = c.opt_text("email");
        match (&delivery, &email) {
            (Some(Delivery::Email | Delivery::Both), None) => {
                c.fail("email", None, "an email address is required when delivery is email or both")
            }
            (_, Some(e)) if !valid_email(e) => {
                let e = e.clone();
                c.fail("email", Some(&e), "must be one email address, like billing@example.org")
            }
            _ => {}
        }
        let language = c.opt_code("language", Language::parse, Language::expected(), Language::En);
        let direct_deposit = c.flag("direct_deposit", false);
        let reportable_1099 = c.flag("reportable_1099", true);
        let consent = c.flag("consent_electronic_1099", false);
        let rec = (|| {
            Some(Payee {
                origin: Origin { file: spec.name, line: row.line },
                payee_number: payee_number?,
                name: name?,
                dba_name,
                address: address?,
                tin: tin?,
                delivery: delivery?,
                email,
                language: language?,
                direct_deposit: direct_deposit?,
                reportable_1099: reportable_1099?,
                consent_electronic_1099: consent?,
            })
        })();
        self.finish(c, "payee_number", "payee", rec)
    }

    /// A row of `providers.csv`: its type and Washington county.
    pub(super) fn provider(&mut self, row: &RawRow) -> Option<Provider> {
        let spec = &load::PROVIDERS;
        let mut c = Cells::new(spec, row);
        let provider_number = c.id::<ProviderNumber>("provider_number");
        let payee_number = c.id::<PayeeNumber>("payee_number");
        let name = c.text("name");
        let provider_type = c.code("provider_type", ProviderType::parse, ProviderType::expected());
        let county = c.required("county").and_then(|v| {
            let found = WA_COUNTIES.iter().find(|k| k.eq_ignore_ascii_case(v)).map(|k| k.to_string());
            if found.is_none() {
                c.fail("county", Some(v), "must be one of Washington's 39 counties, like King or Grays Harbor");
            }
            found
        });
        let phone = c.opt_text("phone");
        let rec = (|| {
            Some(Provider {
                origin: Origin { file: spec.name, line: row.line },
                provider_number: provider_number?,
                payee_number: payee_number?,
                name: name?,
                provider_type: provider_type?,
                county: county?,
                phone,
            })
        })();
        self.finish(c, "provider_number", "provider", rec)
    }

    /// A row of `clients.csv`: its birth date and (optional) address.
    pub(super) fn client(&mut self, row: &RawRow) -> Option<Client> {
        let spec = &load::CLIENTS;
        let mut c = Cells::new(spec, row);
        let client_id = c.id::<ClientId>("client_id");
        let case_number = c.id::<CaseNumber>("case_number");
        let first_name = c.text("first_name");
        let last_name = c.text("last_name");
        let birth_date = c.date("birth_date");
        let recipient = match (&first_name, &last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            _ => None,
        };
        let address = c.address(false, recipient.as_deref(), "letters to this client cannot be mailed until it is fixed");
        let language = c.opt_code("language", Language::parse, Language::expected(), Language::En);
        let rec = (|| {
            Some(Client {
                origin: Origin { file: spec.name, line: row.line },
                client_id: client_id?,
                case_number: case_number?,
                first_name: first_name?,
                last_name: last_name?,
                birth_date: birth_date?,
                address,
                language: language?,
            })
        })();
        self.finish(c, "client_id", "client", rec)
    }

    /// A row of `workers.csv`.
    pub(super) fn worker(&mut self, row: &RawRow) -> Option<Worker> {
        let spec = &load::WORKERS;
        let mut c = Cells::new(spec, row);
        let worker_id = c.id::<WorkerId>("worker_id");
        let name = c.text("name");
        let phone = c.text("phone");
        let office = c.opt_text("office");
        let rec = (|| {
            Some(Worker { origin: Origin { file: spec.name, line: row.line }, worker_id: worker_id?, name: name?, phone: phone?, office })
        })();
        self.finish(c, "worker_id", "worker", rec)
    }

    /// A row of `authorizations.csv`: its ten-digit reference number, codes,
    /// units and rates, a service period of at most 6 months, action and date.
    pub(super) fn authorization(&mut self, row: &RawRow) -> Option<Authorization> {
        let spec = &load::AUTHORIZATIONS;
        let mut c = Cells::new(spec, row);
        let reference_number = c.required("reference_number").and_then(|v| {
            let ok = v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                c.fail("reference_number", Some(v), "a reference number is exactly 10 digits");
            }
            ok.then(|| ReferenceNumber::parse(v)).flatten()
        });
        let authorization_number = c.id::<AuthorizationNumber>("authorization_number");
        let provider_number = c.id::<ProviderNumber>("provider_number");
        let client_id = c.id::<ClientId>("client_id");
        let worker_id = c.id::<WorkerId>("worker_id");
        let program = c.code("program", Program::parse, Program::expected());
        let service_code = c.required("service_code").and_then(|v| {
            let ok = v.chars().count() == 4 && v.bytes().all(|b| b.is_ascii_alphanumeric());
            if !ok {
                c.fail("service_code", Some(v), "a service code is 4 letters or digits, like 4301");
            }
            ok.then(|| v.to_string())
        });
        let service_name = c.text("service_name");
        let service_kind = c.code("service_kind", ServiceKind::parse, ServiceKind::expected());
        let unit = c.code("unit", Unit::parse, Unit::expected());
        let units_authorized = c.decimal("units_authorized", false, Quantity::Units);
        let rate = c.decimal("rate", false, Quantity::Rate);
        let copay = c.opt_decimal("copay", false, Quantity::Rate);
        let start_date = c.date("start_date");
        let end_date = c.date("end_date");
        if let (Some(s), Some(e)) = (start_date, end_date) {
            if e < s {
                c.fail("end_date", Some(&e.to_string()), format!("the service period ends before it starts ({s})"));
            } else if s.checked_add_months(Months::new(6)).is_some_and(|limit| e >= limit) {
                c.fail("end_date", Some(&e.to_string()), format!("a service period is at most 6 months long; this one starts {s}"));
            }
        }
        let reporting_unit = c.id::<Id>("reporting_unit");
        let action = match c.raw("action") {
            None => Some(None),
            Some(_) => c.opt_code("action", |s| Action::parse(s).map(Some), Action::expected(), None),
        };
        let action_date = c.opt_date("action_date");
        match (&action, &action_date) {
            (Some(Some(_)), Ok(None)) => c.fail("action_date", None, "is required when action is set"),
            (Some(None), Ok(Some(d))) => {
                let p = Problem::warning(
                    spec.name,
                    Some(row.line),
                    Some("action_date"),
                    Some(&d.to_string()),
                    "an action_date without an action is ignored",
                );
                c.problems.push(p);
            }
            _ => {}
        }
        let rec = (|| {
            Some(Authorization {
                origin: Origin { file: spec.name, line: row.line },
                reference_number: reference_number?,
                authorization_number: authorization_number?,
                provider_number: provider_number?,
                client_id: client_id?,
                worker_id: worker_id?,
                program: program?,
                service_code: service_code?,
                service_name: service_name?,
                service_kind: service_kind?,
                unit: unit?,
                units_authorized: units_authorized?,
                rate: rate?,
                copay: copay.ok()?,
                start_date: start_date?,
                end_date: end_date?,
                reporting_unit: reporting_unit?,
                action: action?,
                action_date: if action.flatten().is_some() { action_date.ok()? } else { None },
            })
        })();
        self.finish(c, "reference_number", "authorization line", rec)
    }

    /// A row of `invoice_claims.csv`.
    pub(super) fn claim(&mut self, row: &RawRow) -> Option<InvoiceClaim> {
        let spec = &load::INVOICE_CLAIMS;
        let mut c = Cells::new(spec, row);
        let invoice_number = c.id::<InvoiceNumber>("invoice_number");
        let reference_number = c.id::<ReferenceNumber>("reference_number");
        let month = c.month("month");
        let units_claimed = c.decimal("units_claimed", false, Quantity::Units);
        let corrected_rate = c.opt_decimal("corrected_rate", false, Quantity::Rate);
        let rec = (|| {
            Some(InvoiceClaim {
                origin: Origin { file: spec.name, line: row.line },
                invoice_number: invoice_number?,
                reference_number: reference_number?,
                month: month?,
                units_claimed: units_claimed?,
                corrected_rate: corrected_rate.ok()?,
            })
        })();
        self.finish(c, "reference_number", "claim for line", rec)
    }

    /// A row of `attendance.csv`: at most 24 hours a day, H only on a state
    /// holiday of `holidays`.
    pub(super) fn attendance(&mut self, row: &RawRow, holidays: &Holidays) -> Option<Attendance> {
        let spec = &load::ATTENDANCE;
        let mut c = Cells::new(spec, row);
        let reference_number = c.id::<ReferenceNumber>("reference_number");
        let date = c.date("date");
        let mark = c.code("mark", Mark::parse, Mark::expected());
        let hours = c.opt_decimal("hours", false, Quantity::Units);
        if let Ok(Some(h)) = hours {
            if h > Decimal::from(24) {
                c.fail("hours", Some(&h.to_string()), "hours in care in one day cannot be more than 24");
            }
        }
        if let (Some(Mark::Holiday), Some(d)) = (mark, date) {
            match holidays.is_holiday(d) {
                Some(true) => {}
                Some(false) => c.fail("mark", Some("H"), format!("{d} is not a Washington state holiday, so it cannot be marked H")),
                None => c.fail(
                    "mark",
                    Some("H"),
                    format!("the holiday calendar has no year {}; add it to data/holidays-wa.toml", d.format("%Y")),
                ),
            }
        }
        let rec = (|| {
            Some(Attendance {
                origin: Origin { file: spec.name, line: row.line },
                reference_number: reference_number?,
                date: date?,
                mark: mark?,
                hours: hours.ok()?,
            })
        })();
        self.finish(c, "reference_number", "attendance for line", rec)
    }

    /// A row of `payments.csv`: an EFT's settlement date, never before issue.
    pub(super) fn payment(&mut self, row: &RawRow) -> Option<Payment> {
        let spec = &load::PAYMENTS;
        let mut c = Cells::new(spec, row);
        let payment_id = c.id::<PaymentId>("payment_id");
        let payee_number = c.id::<PayeeNumber>("payee_number");
        let issue_date = c.date("issue_date");
        let settlement_date = c.opt_date("settlement_date");
        let method = c.code("method", PaymentMethod::parse, PaymentMethod::expected());
        if let (Some(PaymentMethod::Eft), Ok(None)) = (method, settlement_date) {
            c.fail("settlement_date", None, "is required for an EFT payment");
        }
        if let (Some(i), Ok(Some(s))) = (issue_date, settlement_date) {
            if s < i {
                c.fail("settlement_date", Some(&s.to_string()), format!("funds cannot settle before the payment is issued ({i})"));
            }
        }
        let amount = c.decimal("amount", true, Quantity::Money);
        let rec = (|| {
            Some(Payment {
                origin: Origin { file: spec.name, line: row.line },
                payment_id: payment_id?,
                payee_number: payee_number?,
                issue_date: issue_date?,
                settlement_date: settlement_date.ok()?,
                method: method?,
                amount: amount?,
            })
        })();
        self.finish(c, "payment_id", "payment", rec)
    }

    /// A row of `payment_lines.csv`: its line number 1, 2, 3 …; labelled by
    /// line and payment, and remembered under its payment's key when rejected.
    pub(super) fn payment_line(&mut self, row: &RawRow) -> Option<PaymentLine> {
        let spec = &load::PAYMENT_LINES;
        let mut c = Cells::new(spec, row);
        let payment_id = c.id::<PaymentId>("payment_id");
        let line_no = c.required("line_no").and_then(|v| {
            let n = v.parse::<u32>().ok().filter(|n| *n >= 1 && v.bytes().all(|b| b.is_ascii_digit()));
            if n.is_none() {
                c.fail("line_no", Some(v), "a line number is a whole number 1, 2, 3 …");
            }
            n
        });
        let reference_number = c.opt_id::<ReferenceNumber>("reference_number");
        let invoice_number = c.opt_id::<InvoiceNumber>("invoice_number");
        let service_month = c.month("service_month");
        let units = c.opt_decimal("units", false, Quantity::Units);
        let rate = c.opt_decimal("rate", false, Quantity::Rate);
        let amount = c.decimal("amount", true, Quantity::Money);
        let rec = (|| {
            Some(PaymentLine {
                origin: Origin { file: spec.name, line: row.line },
                payment_id: payment_id?,
                line_no: line_no?,
                reference_number: reference_number.ok()?,
                invoice_number: invoice_number.ok()?,
                service_month: service_month?,
                units: units.ok()?,
                rate: rate.ok()?,
                amount: amount?,
                adjustment_code: c.opt_text("adjustment_code"),
                description: c.opt_text("description"),
            })
        })();
        let label = match (c.raw("line_no"), c.raw("payment_id")) {
            (Some(n), Some(p)) => Some(format!("line {n} of payment {p}")),
            (None, Some(p)) => Some(format!("a line of payment {p}")),
            _ => None,
        };
        let key = c.raw("payment_id").map(str::to_string);
        self.finish_labeled(c, key, label, rec)
    }

    /// A row of `ssp_events.csv`: the amounts and reason its kind needs, a
    /// 3-digit reason code, a worker text that fits the letter.
    pub(super) fn ssp_event(&mut self, row: &RawRow) -> Option<SspEvent> {
        let spec = &load::SSP_EVENTS;
        let mut c = Cells::new(spec, row);
        let event_id = c.id::<EventId>("event_id");
        let client_id = c.id::<ClientId>("client_id");
        let au_number = c.id::<AuNumber>("au_number");
        let event = c.code("event", SspEventKind::parse, SspEventKind::expected());
        let program_type = c.code("program_type", SspProgramType::parse, SspProgramType::expected());
        let effective_date = c.date("effective_date");
        let amount = c.opt_decimal("amount", false, Quantity::Money);
        let previous_amount = c.opt_decimal("previous_amount", false, Quantity::Money);
        let reason_code = c.opt_text("reason_code");
        if let Some(r) = &reason_code {
            if !(r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit())) {
                let r = r.clone();
                c.fail("reason_code", Some(&r), "a reason code is 3 digits, like 111 or 599");
            }
        }
        let worker_id = c.id::<WorkerId>("worker_id");
        let eft = c.opt_code("eft", Eft::parse, Eft::expected(), Eft::None);
        let worker_text = c.opt_text("worker_text");
        if let Some(kind) = event {
            let needs_amount = matches!(kind, SspEventKind::Open | SspEventKind::Reopen | SspEventKind::AmountChange);
            if needs_amount && matches!(amount, Ok(None)) {
                let article = if kind.code().starts_with(['a', 'o']) { "an" } else { "a" };
                c.fail("amount", None, format!("is required for {article} {kind} event (the new monthly SSP amount)"));
            }
            if kind == SspEventKind::AmountChange && matches!(previous_amount, Ok(None)) {
                c.fail("previous_amount", None, "is required for an amount_change event");
            }
            if kind == SspEventKind::Close && reason_code.is_none() {
                c.fail("reason_code", None, "is required for a close event");
            }
        }
        if let Some(t) = &worker_text {
            let n = t.chars().count();
            let max = crate::compose::letter::WORKER_TEXT_MAX;
            let word_max = crate::compose::letter::WORKER_WORD_MAX;
            if n > max {
                c.fail_withheld("worker_text", format!("is {n} characters long; a letter has room for {max}"));
            } else if let Some(ch) = t.chars().find(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t')) {
                c.fail_withheld("worker_text", format!("contains the control character U+{:04X}, which cannot be printed", ch as u32));
            } else if let Some(w) = t.split_whitespace().find(|w| w.chars().count() > word_max) {
                let head: String = w.chars().take(20).collect();
                c.fail_withheld(
                    "worker_text",
                    format!(
                        "has a word of {} characters (\"{head}…\"); a line of the letter holds words of up to {word_max}",
                        w.chars().count()
                    ),
                );
            }
        }
        if reason_code.as_deref() == Some("599") && worker_text.is_none() {
            c.fail("worker_text", None, "reason 599 needs the worker's text explaining the closure; it is printed in the letter");
        }
        let rec = (|| {
            Some(SspEvent {
                origin: Origin { file: spec.name, line: row.line },
                event_id: event_id?,
                client_id: client_id?,
                au_number: au_number?,
                event: event?,
                program_type: program_type?,
                effective_date: effective_date?,
                amount: amount.ok()?,
                previous_amount: previous_amount.ok()?,
                reason_code,
                worker_id: worker_id?,
                eft: eft?,
                worker_text,
            })
        })();
        self.finish(c, "event_id", "event", rec)
    }

    /// A row of `overpayments.csv`: a positive amount within the money
    /// bounds, a reason of the booklet's list, a description when the
    /// reason is `other` (and one that fits its line on the notice).
    pub(super) fn overpayment(&mut self, row: &RawRow) -> Option<StaffOverpayment> {
        let spec = &load::OVERPAYMENTS;
        let mut c = Cells::new(spec, row);
        let overpayment_id = c.id::<OverpaymentId>("overpayment_id");
        let payee_number = c.id::<PayeeNumber>("payee_number");
        let provider_number = c.id::<ProviderNumber>("provider_number");
        let reference_number = c.opt_id::<ReferenceNumber>("reference_number");
        let invoice_number = c.opt_id::<InvoiceNumber>("invoice_number");
        let service_month = c.month("service_month");
        let amount = c.decimal("amount", false, Quantity::Money);
        if amount.is_some_and(|a| a.is_zero()) {
            c.fail("amount", c.raw("amount"), "an overpayment is more than 0.00");
        }
        let reason = c.code("reason", OverpaymentReason::parse, OverpaymentReason::expected());
        let description = c.opt_text("description");
        if reason == Some(OverpaymentReason::Other) && description.is_none() && !c.refused("description") {
            c.fail("description", None, "is required when the reason is `other`: it is printed on the notice as the reason");
        }
        if let Some(d) = &description {
            let n = d.chars().count();
            let max = crate::compose::overpayment::DESCRIPTION_MAX;
            if n > max {
                c.fail_withheld("description", format!("is {n} characters long; a notice line has room for {max}"));
            }
        }
        let rec = (|| {
            Some(StaffOverpayment {
                origin: Origin { file: spec.name, line: row.line },
                overpayment_id: overpayment_id?,
                payee_number: payee_number?,
                provider_number: provider_number?,
                reference_number: reference_number.ok()?,
                invoice_number: invoice_number.ok()?,
                service_month: service_month?,
                amount: amount.filter(|a| !a.is_zero())?,
                reason: reason?,
                description,
            })
        })();
        self.finish(c, "overpayment_id", "overpayment", rec)
    }

    /// A row of `ssp_cases.csv`: its program type, monthly amount and the
    /// dates the case is open (never before ACES took SSP over, never
    /// closed before it opens).
    pub(super) fn ssp_case(&mut self, row: &RawRow) -> Option<SspCase> {
        let spec = &load::SSP_CASES;
        let mut c = Cells::new(spec, row);
        let au_number = c.id::<AuNumber>("au_number");
        let client_id = c.id::<ClientId>("client_id");
        let program_type = c.code("program_type", SspProgramType::parse, SspProgramType::expected());
        let amount = c.decimal("amount", false, Quantity::Money);
        let open_date = c.date("open_date");
        let close_date = c.opt_date("close_date");
        if let Some(o) = open_date {
            if o < SSP_FIRST_DAY {
                c.fail("open_date", Some(&o.to_string()), "an SP assistance unit cannot open before 2002-09-01 (ACES edit 2086)");
            }
        }
        if let (Some(o), Ok(Some(cl))) = (open_date, close_date) {
            if cl < o {
                c.fail("close_date", Some(&cl.to_string()), format!("the case closes before it opens ({o})"));
            }
        }
        let rec = (|| {
            Some(SspCase {
                origin: Origin { file: spec.name, line: row.line },
                au_number: au_number?,
                client_id: client_id?,
                program_type: program_type?,
                amount: amount?,
                open_date: open_date?,
                close_date: close_date.ok()?,
            })
        })();
        self.finish(c, "au_number", "case", rec)
    }
}

/// The first day an SP assistance unit may open (ACES edit 2086: "application
/// date for an SP AU cannot be prior to 9/1/02").
const SSP_FIRST_DAY: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2002, 9, 1) {
    Some(d) => d,
    None => chrono::NaiveDate::MIN,
};
