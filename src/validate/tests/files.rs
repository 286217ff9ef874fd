//! Tests of the per-file row rules (`validate/files.rs`), file by file, and
//! of the uniqueness of each file's key.

use super::*;

// ---------------------------------------------------------------------------
// payees.csv

#[test]
fn payee_zip_in_five_or_nine_digit_form_is_accepted() {
    let v = accepts(&load::PAYEES, &[("zip", "98144-2923")]);
    assert_eq!(v.extract.payees[&id("100200301")].address.zip, "98144-2923");
    assert_eq!(v.extract.payees[&id("100200300")].address.zip, "98501");
}

#[test]
fn payee_zip_in_other_forms_is_unmailable() {
    for bad in ["9850", "98501-12", "985012923", "98501 2923", "9850A"] {
        // Nine bare digits might be a TIN in the wrong column: masked.
        let shown = if bad == "985012923" { "*****2923" } else { bad };
        let v = unmailable(
            &load::PAYEES,
            &[("zip", bad)],
            &[&format!(
                "unmailable: payees.csv:3: payee 100200301: column zip = \"{shown}\": a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923: {NOT_MAILED_PAYEE}"
            )],
        );
        // Kept as given for the mailroom to fix, unless it could be a TIN.
        let kept = if bad == "985012923" { "" } else { bad };
        assert_eq!(v.extract.payees[&id("100200301")].address.zip, kept, "kept as given");
    }
}

#[test]
fn payee_state_must_be_a_usps_code_in_capitals() {
    for bad in ["wa", "XX", "Wash"] {
        unmailable(
            &load::PAYEES,
            &[("state", bad)],
            &[&format!(
                "unmailable: payees.csv:3: payee 100200301: column state = \"{bad}\": must be a two-letter USPS state code in capitals, like WA: {NOT_MAILED_PAYEE}"
            )],
        );
    }
    for good in ["DC", "PR", "AE"] {
        accepts(&load::PAYEES, &[("state", good)]);
    }
}

#[test]
fn payee_tin_of_eight_digits_is_rejected_and_shown_masked() {
    let v = rejects(
        &load::PAYEES,
        &[("tin", "87-654321")],
        &["error: payees.csv:3: payee 100200301: column tin = \"**-**4321\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN"],
    );
    assert!(v.problems.iter().all(|p| !format!("{p:?}").contains("87-65")));
}

#[test]
fn payee_tin_with_letters_is_rejected_and_shown_masked() {
    let v = rejects(
        &load::PAYEES,
        &[("tin", "91-12345AB")],
        &["error: payees.csv:3: payee 100200301: column tin = \"**-*2345AB\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN"],
    );
    assert_eq!(v.problems[0].value.as_deref(), Some("**-*2345AB"));
}

#[test]
fn payee_tin_in_ssn_ein_or_bare_form_is_accepted_and_other_hyphens_are_not() {
    let v = accepts(&load::PAYEES, &[("tin", "533-22-8811"), ("tin_type", "SSN")]);
    assert_eq!(v.extract.payees[&id("100200301")].tin.masked(), "***-**-8811");
    rejects(
        &load::PAYEES,
        &[("tin", "9-1-1-2-3-4-5-6-7")],
        &["error: payees.csv:3: payee 100200301: column tin = \"*-*-*-*-*-4-5-6-7\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN"],
    );
    // A ZIP+4 has nine digits too: it is not a TIN.
    rejects(
        &load::PAYEES,
        &[("tin", "98144-2923")],
        &["error: payees.csv:3: payee 100200301: column tin = \"*****-2923\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN"],
    );
    accepts(&load::PAYEES, &[("tin", "911234567")]);
}

#[test]
fn payee_tin_is_not_checked_when_tin_type_is_invalid() {
    rejects(
        &load::PAYEES,
        &[("tin", "12"), ("tin_type", "TIN")],
        &["error: payees.csv:3: payee 100200301: column tin_type = \"TIN\": must be `SSN` or `EIN`"],
    );
}

#[test]
fn payee_tin_with_bytes_that_are_not_utf8_is_still_shown_masked() {
    let mut bytes = PAYEES_CSV.as_bytes().to_vec();
    bytes.extend_from_slice(b"100200301,Other,,1 Main St,,Olympia,WA,98501,91-12\xFF34567,EIN,mail,,en,N,Y,N\n");
    let v = run_bytes(&[(&load::PAYEES, &bytes)]);
    let p: Vec<&Problem> = v.errors().collect();
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!((p[0].line, p[0].column.as_deref()), (Some(3), Some("tin")));
    assert_eq!(p[0].value.as_deref(), Some("**-**\u{FFFD}*4567"));
    assert_eq!(counts(&v, &load::PAYEES), (2, 1, 1));
}

#[test]
fn payee_email_is_required_for_email_delivery() {
    rejects(
        &load::PAYEES,
        &[("delivery", "email"), ("email", "")],
        &["error: payees.csv:3: payee 100200301: column email is empty: an email address is required when delivery is email or both"],
    );
}

#[test]
fn payee_email_is_required_for_both_delivery() {
    rejects(
        &load::PAYEES,
        &[("delivery", "both"), ("email", "")],
        &["error: payees.csv:3: payee 100200301: column email is empty: an email address is required when delivery is email or both"],
    );
}

#[test]
fn payee_email_is_not_required_for_mail_delivery() {
    let v = accepts(&load::PAYEES, &[("delivery", "mail"), ("email", "")]);
    assert_eq!(v.extract.payees[&id("100200301")].email, None);
    let v = accepts(&load::PAYEES, &[("delivery", ""), ("email", "")]);
    assert_eq!(v.extract.payees[&id("100200301")].delivery, Delivery::Mail);
}

#[test]
fn payee_malformed_email_is_rejected_even_for_mail_delivery() {
    for (delivery, bad) in [
        ("email", "billing@example"),
        ("both", "a@b.org; c@d.org"),
        ("mail", "billing example.org"),
        ("email", "@example.org"),
        ("email", "a@b@example.org"),
        ("email", "<a@example.org>"),
    ] {
        rejects(
            &load::PAYEES,
            &[("delivery", delivery), ("email", bad)],
            &[&format!(
                "error: payees.csv:3: payee 100200301: column email = \"{bad}\": must be one email address, like billing@example.org"
            )],
        );
    }
}

// ---------------------------------------------------------------------------
// providers.csv

#[test]
fn provider_unknown_county_is_rejected() {
    for bad in ["Kings", "Seattle", "KingCounty"] {
        rejects(
            &load::PROVIDERS,
            &[("county", bad)],
            &[&format!(
                "error: providers.csv:3: provider 4102: column county = \"{bad}\": must be one of Washington's 39 counties, like King or Grays Harbor"
            )],
        );
    }
}

#[test]
fn provider_county_is_matched_regardless_of_case_and_stored_as_spelled_in_the_list() {
    let v = accepts(&load::PROVIDERS, &[("county", "king")]);
    assert_eq!(v.extract.providers[&id("4102")].county, "King");
    let v = accepts(&load::PROVIDERS, &[("county", "GRAYS HARBOR")]);
    assert_eq!(v.extract.providers[&id("4102")].county, "Grays Harbor");
    assert_eq!(WA_COUNTIES.len(), 39);
}

// ---------------------------------------------------------------------------
// clients.csv

#[test]
fn client_partial_address_is_unmailable_naming_each_missing_part() {
    let rule = format!("is required: {NOT_MAILED_CLIENT}");
    let v = unmailable(
        &load::CLIENTS,
        &[("city", ""), ("state", ""), ("zip", "")],
        &[
            &format!("unmailable: clients.csv:3: client C20002: column city is empty: {rule}"),
            &format!("unmailable: clients.csv:3: client C20002: column state is empty: {rule}"),
            &format!("unmailable: clients.csv:3: client C20002: column zip is empty: {rule}"),
        ],
    );
    assert!(!v.extract.clients[&id("C20002")].address.as_ref().unwrap().mailable);
    // Only a second line is an address too.
    unmailable(
        &load::CLIENTS,
        &[("address_line1", ""), ("city", ""), ("state", ""), ("zip", "")],
        &[
            &format!("unmailable: clients.csv:3: client C20002: column address_line1 is empty: {rule}"),
            &format!("unmailable: clients.csv:3: client C20002: column city is empty: {rule}"),
            &format!("unmailable: clients.csv:3: client C20002: column state is empty: {rule}"),
            &format!("unmailable: clients.csv:3: client C20002: column zip is empty: {rule}"),
        ],
    );
}

#[test]
fn client_without_any_address_is_accepted() {
    let v = accepts(&load::CLIENTS, &[("address_line1", ""), ("address_line2", ""), ("city", ""), ("state", ""), ("zip", "")]);
    assert_eq!(v.extract.clients[&id("C20002")].address, None);
    assert!(v.extract.clients[&id("C20001")].address.is_some());
}

#[test]
fn client_address_follows_the_payee_rules_for_state_and_zip() {
    unmailable(
        &load::CLIENTS,
        &[("state", "Wa"), ("zip", "98501-12")],
        &[
            &format!("unmailable: clients.csv:3: client C20002: column state = \"Wa\": must be a two-letter USPS state code in capitals, like WA: {NOT_MAILED_CLIENT}"),
            &format!("unmailable: clients.csv:3: client C20002: column zip = \"98501-12\": a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923: {NOT_MAILED_CLIENT}"),
        ],
    );
}

// ---------------------------------------------------------------------------
// authorizations.csv

#[test]
fn authorization_reference_number_must_be_exactly_ten_digits() {
    for bad in ["100000002", "10000000002", "10000000AB", "1000-00002"] {
        // Nine digits with a hyphen could be a TIN: masked wherever echoed.
        let shown = if bad == "1000-00002" { "****-*0002" } else { bad };
        rejects(
            &load::AUTHORIZATIONS,
            &[("reference_number", bad)],
            &[&format!(
                "error: authorizations.csv:3: authorization line {shown}: column reference_number = \"{shown}\": a reference number is exactly 10 digits"
            )],
        );
    }
}

#[test]
fn authorization_service_code_must_be_four_letters_or_digits() {
    for bad in ["430", "43011", "43-1", "43 1"] {
        rejects(
            &load::AUTHORIZATIONS,
            &[("service_code", bad)],
            &[&format!(
                "error: authorizations.csv:3: authorization line 1000000002: column service_code = \"{bad}\": a service code is 4 letters or digits, like 4301"
            )],
        );
    }
    accepts(&load::AUTHORIZATIONS, &[("service_code", "43A1")]);
    // Surrounding spaces are trimmed by the loader.
    let v = accepts(&load::AUTHORIZATIONS, &[("service_code", " 4302 ")]);
    assert_eq!(v.extract.authorizations[&id("1000000002")].service_code, "4302");
}

#[test]
fn authorization_ending_before_it_starts_is_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("start_date", "2026-07-01"), ("end_date", "2026-06-30")],
        &["error: authorizations.csv:3: authorization line 1000000002: column end_date = \"2026-06-30\": the service period ends before it starts (2026-07-01)"],
    );
    accepts(&load::AUTHORIZATIONS, &[("start_date", "2026-07-01"), ("end_date", "2026-07-01")]);
}

#[test]
fn authorization_of_up_to_six_months_is_accepted() {
    let v = accepts(&load::AUTHORIZATIONS, &[("start_date", "2026-07-01"), ("end_date", "2026-12-31")]);
    assert_eq!(v.extract.authorizations[&id("1000000002")].end_date, date("2026-12-31"));
}

#[test]
fn authorization_longer_than_six_months_is_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("start_date", "2026-07-01"), ("end_date", "2027-01-01")],
        &["error: authorizations.csv:3: authorization line 1000000002: column end_date = \"2027-01-01\": a service period is at most 6 months long; this one starts 2026-07-01"],
    );
}

#[test]
fn authorization_action_without_action_date_is_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("action", "terminate"), ("action_date", "")],
        &["error: authorizations.csv:3: authorization line 1000000002: column action_date is empty: is required when action is set"],
    );
}

#[test]
fn authorization_action_date_without_action_is_a_warning_and_ignored() {
    let v = Fx::only(&[&load::AUTHORIZATIONS]).add(&load::AUTHORIZATIONS, 2, &[("reference_number", "1000000002"), ("action", "")]).run();
    assert!(errors(&v).is_empty(), "{:#?}", v.problems);
    assert_eq!(
        warnings(&v),
        ["warning: authorizations.csv:3: authorization line 1000000002: column action_date = \"2026-06-20\": an action_date without an action is ignored"]
    );
    assert_eq!(counts(&v, &load::AUTHORIZATIONS), (2, 2, 0));
    let a = &v.extract.authorizations[&id("1000000002")];
    assert_eq!((a.action, a.action_date), (None, None));
}

// ---------------------------------------------------------------------------
// attendance.csv

#[test]
fn attendance_holiday_mark_on_a_working_day_is_rejected() {
    rejects(
        &load::ATTENDANCE,
        &[("date", "2026-10-06"), ("mark", "H")],
        &["error: attendance.csv:3: attendance for line 1000000001: column mark = \"H\": 2026-10-06 is not a Washington state holiday, so it cannot be marked H"],
    );
}

#[test]
fn attendance_holiday_mark_on_a_state_holiday_is_accepted() {
    let v = accepts(&load::ATTENDANCE, &[("date", "2026-11-27"), ("mark", "H"), ("hours", "")]);
    assert_eq!(v.extract.attendance[1].mark, Mark::Holiday);
    assert_eq!(v.extract.attendance[1].date, date("2026-11-27"));
}

#[test]
fn attendance_holiday_mark_in_a_year_without_calendar_is_rejected() {
    rejects(
        &load::ATTENDANCE,
        &[("date", "2040-01-01"), ("mark", "H")],
        &["error: attendance.csv:3: attendance for line 1000000001: column mark = \"H\": the holiday calendar has no year 2040; add it to data/holidays-wa.toml"],
    );
}

#[test]
fn attendance_of_more_than_24_hours_is_rejected() {
    rejects(
        &load::ATTENDANCE,
        &[("hours", "24.5")],
        &["error: attendance.csv:3: attendance for line 1000000001: column hours = \"24.5\": hours in care in one day cannot be more than 24"],
    );
    accepts(&load::ATTENDANCE, &[("hours", "24")]);
}

// ---------------------------------------------------------------------------
// payments.csv and payment_lines.csv

#[test]
fn eft_payment_without_settlement_date_is_rejected() {
    rejects(
        &load::PAYMENTS,
        &[("method", "EFT"), ("settlement_date", "")],
        &["error: payments.csv:3: payment P2: column settlement_date is empty: is required for an EFT payment"],
    );
    let v = accepts(&load::PAYMENTS, &[("method", "WARRANT"), ("settlement_date", "")]);
    assert_eq!(v.extract.payments[&id("P2")].settlement_date, None);
}

#[test]
fn payment_settling_before_it_is_issued_is_rejected() {
    rejects(
        &load::PAYMENTS,
        &[("issue_date", "2026-10-01"), ("settlement_date", "2026-09-30")],
        &["error: payments.csv:3: payment P2: column settlement_date = \"2026-09-30\": funds cannot settle before the payment is issued (2026-10-01)"],
    );
    accepts(&load::PAYMENTS, &[("issue_date", "2026-10-01"), ("settlement_date", "2026-10-01")]);
}

#[test]
fn line_no_must_be_a_whole_number_from_one() {
    for bad in ["0", "+1", "1.0", "-1", "one"] {
        rejects(
            &load::PAYMENT_LINES,
            &[("line_no", bad)],
            &[&format!("error: payment_lines.csv:3: column line_no = \"{bad}\": a line number is a whole number 1, 2, 3 …")],
        );
    }
}

#[test]
fn payment_line_problems_name_the_line_number_in_the_record() {
    let v = Fx::only(&[&load::PAYMENT_LINES]).add(&load::PAYMENT_LINES, 2, &[("line_no", "3"), ("service_month", "2026-13")]).run();
    assert_eq!(
        errors(&v),
        ["error: payment_lines.csv:4: line 3 of payment P1: column service_month = \"2026-13\": a month is written YYYY-MM, like 2026-10"]
    );
}

// ---------------------------------------------------------------------------
// ssp_events.csv

#[test]
fn ssp_amount_is_required_for_open_reopen_and_amount_change() {
    for (article, kind) in [("an", "open"), ("a", "reopen")] {
        rejects(
            &load::SSP_EVENTS,
            &[("event", kind), ("amount", "")],
            &[&format!(
                "error: ssp_events.csv:3: event E2: column amount is empty: is required for {article} {kind} event (the new monthly SSP amount)"
            )],
        );
    }
    rejects(
        &load::SSP_EVENTS,
        &[("event", "amount_change"), ("amount", ""), ("previous_amount", "40.00")],
        &["error: ssp_events.csv:3: event E2: column amount is empty: is required for an amount_change event (the new monthly SSP amount)"],
    );
    for kind in ["close", "ssi_termination"] {
        let v = accepts(&load::SSP_EVENTS, &[("event", kind), ("amount", ""), ("reason_code", "111")]);
        assert_eq!(v.extract.ssp_events[&id("E2")].amount, None);
    }
}

#[test]
fn ssp_previous_amount_is_required_for_amount_change() {
    rejects(
        &load::SSP_EVENTS,
        &[("event", "amount_change"), ("amount", "50.00"), ("previous_amount", "")],
        &["error: ssp_events.csv:3: event E2: column previous_amount is empty: is required for an amount_change event"],
    );
    let v = accepts(&load::SSP_EVENTS, &[("event", "amount_change"), ("amount", "50.00"), ("previous_amount", "45.00")]);
    assert_eq!(v.extract.ssp_events[&id("E2")].previous_amount, Some(dec("45.00")));
}

#[test]
fn ssp_reason_code_is_required_for_close() {
    rejects(
        &load::SSP_EVENTS,
        &[("event", "close"), ("amount", ""), ("reason_code", "")],
        &["error: ssp_events.csv:3: event E2: column reason_code is empty: is required for a close event"],
    );
}

#[test]
fn ssp_reason_599_needs_worker_text() {
    rejects(
        &load::SSP_EVENTS,
        &[("event", "close"), ("amount", ""), ("reason_code", "599"), ("worker_text", "")],
        &["error: ssp_events.csv:3: event E2: column worker_text is empty: reason 599 needs the worker's text explaining the closure; it is printed in the letter"],
    );
    let v =
        accepts(&load::SSP_EVENTS, &[("event", "close"), ("amount", ""), ("reason_code", "599"), ("worker_text", "Moved out of state")]);
    assert_eq!(v.extract.ssp_events[&id("E2")].worker_text.as_deref(), Some("Moved out of state"));
}

#[test]
fn ssp_reason_code_must_be_three_digits_whenever_given() {
    for bad in ["59", "5990", "A11", "11 "] {
        let shown = bad.trim();
        rejects(
            &load::SSP_EVENTS,
            &[("event", "close"), ("reason_code", bad)],
            &[&format!("error: ssp_events.csv:3: event E2: column reason_code = \"{shown}\": a reason code is 3 digits, like 111 or 599")],
        );
    }
    // Also on events that do not need one.
    rejects(
        &load::SSP_EVENTS,
        &[("event", "open"), ("reason_code", "1")],
        &["error: ssp_events.csv:3: event E2: column reason_code = \"1\": a reason code is 3 digits, like 111 or 599"],
    );
}

// ---------------------------------------------------------------------------
// Uniqueness of keys.

#[test]
fn second_row_with_the_same_key_is_rejected_naming_the_first_line() {
    let cases: [(&'static FileSpec, &str, &str); 6] = [
        (&load::PAYEES, "payee_number", "payee 100200300"),
        (&load::PROVIDERS, "provider_number", "provider 4101"),
        (&load::CLIENTS, "client_id", "client C20001"),
        (&load::WORKERS, "worker_id", "worker W1001"),
        (&load::PAYMENTS, "payment_id", "payment P1"),
        (&load::SSP_EVENTS, "event_id", "event E1"),
    ];
    for (spec, col, record) in cases {
        // Line 3 is line 2 again with another name, line 4 a third copy.
        let v = Fx::only(&[spec]).add(spec, 2, &[]).add(spec, 2, &[]).run();
        let key = record.rsplit(' ').next().unwrap();
        assert_eq!(
            errors(&v),
            [
                format!(
                    "error: {}:3: {record}: column {col} = \"{key}\": must be unique, but line 2 has the same value; this row is rejected",
                    spec.name
                ),
                format!(
                    "error: {}:4: {record}: column {col} = \"{key}\": must be unique, but line 2 has the same value; this row is rejected",
                    spec.name
                ),
            ],
            "{}",
            spec.name
        );
        assert_eq!(counts(&v, spec), (3, 1, 2), "{}", spec.name);
        assert_eq!(accepted_lines(&v.extract, spec.name), [2], "the first row keeps the key in {}", spec.name);
    }
}

#[test]
fn duplicate_authorization_line_is_named_as_an_authorization_line() {
    let v = Fx::only(&[&load::AUTHORIZATIONS]).add(&load::AUTHORIZATIONS, 2, &[]).run();
    assert_eq!(
        errors(&v),
        ["error: authorizations.csv:3: authorization line 1000000001: column reference_number = \"1000000001\": must be unique, but line 2 has the same value; this row is rejected"]
    );
    assert_eq!(counts(&v, &load::AUTHORIZATIONS), (2, 1, 1));
}

#[test]
fn duplicate_authorization_line_is_rejected() {
    // The rule itself (the record label is covered by the ignored test above).
    let v = Fx::only(&[&load::AUTHORIZATIONS]).add(&load::AUTHORIZATIONS, 2, &[]).run();
    let e: Vec<&Problem> = v.errors().collect();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].file.as_str(), e[0].line, e[0].column.as_deref(), e[0].value.as_deref(), e[0].rule.as_str()),
        (
            "authorizations.csv",
            Some(3),
            Some("reference_number"),
            Some("1000000001"),
            "must be unique, but line 2 has the same value; this row is rejected"
        )
    );
    assert_eq!(counts(&v, &load::AUTHORIZATIONS), (2, 1, 1));
    assert_eq!(accepted_lines(&v.extract, load::AUTHORIZATIONS.name), [2]);
}

#[test]
fn claims_and_attendance_rows_have_no_unique_key() {
    for spec in [&load::INVOICE_CLAIMS, &load::ATTENDANCE] {
        let v = Fx::only(&[spec]).add(spec, 2, &[]).run();
        assert!(v.problems.is_empty(), "{:#?}", v.problems);
        assert_eq!(counts(&v, spec), (2, 2, 0));
    }
}

#[test]
fn a_staff_overpayment_has_a_positive_amount_a_known_reason_and_a_description_for_other() {
    rejects(
        &load::OVERPAYMENTS,
        &[("amount", "-5.00")],
        &["error: overpayments.csv:3: overpayment OP2: column amount = \"-5.00\": may not be negative"],
    );
    rejects(
        &load::OVERPAYMENTS,
        &[("amount", "0")],
        &["error: overpayments.csv:3: overpayment OP2: column amount = \"0\": an overpayment is more than 0.00"],
    );
    rejects(
        &load::OVERPAYMENTS,
        &[("reason", "bogus")],
        &["error: overpayments.csv:3: overpayment OP2: column reason = \"bogus\": must be `claimed_twice`, `under_five_hours`, `infant_bonus_under_five_days`, `rate_above_usual`, `nonstandard_not_scheduled`, `no_attendance_records` or `other`"],
    );
    rejects(
        &load::OVERPAYMENTS,
        &[("reason", "other")],
        &["error: overpayments.csv:3: overpayment OP2: column description is empty: is required when the reason is `other`: it is printed on the notice as the reason"],
    );
    // A description refused for what it holds is not also called empty.
    rejects(
        &load::OVERPAYMENTS,
        &[("reason", "other"), ("description", "a\u{1b}b")],
        &["error: overpayments.csv:3: overpayment OP2: column description = \"a\\u{1b}b\": contains the control character U+001B, which cannot be printed"],
    );
    let v = accepts(&load::OVERPAYMENTS, &[("reason", "other"), ("description", "O'Connor #2 <script> #panic() Ngọc Trần")]);
    assert_eq!(v.extract.overpayments[&id("OP2")].description.as_deref(), Some("O'Connor #2 <script> #panic() Ngọc Trần"));
}

// ---------------------------------------------------------------------------
// ssp_cases.csv

#[test]
fn ssp_case_rules() {
    let at = "error: ssp_cases.csv:3: case AU8002: column";
    rejects(&load::SSP_CASES, &[("program_type", "Q")], &[&format!("{at} program_type = \"Q\": must be `I`, `M`, `A` or `B`")]);
    rejects(
        &load::SSP_CASES,
        &[("open_date", "2026-10-05"), ("close_date", "2026-10-04")],
        &[&format!("{at} close_date = \"2026-10-04\": the case closes before it opens (2026-10-05)")],
    );
    rejects(
        &load::SSP_CASES,
        &[("open_date", "2002-08-31")],
        &[&format!("{at} open_date = \"2002-08-31\": an SP assistance unit cannot open before 2002-09-01 (ACES edit 2086)")],
    );
    rejects(&load::SSP_CASES, &[("amount", "-1.00")], &[&format!("{at} amount = \"-1.00\": may not be negative")]);
    rejects(&load::SSP_CASES, &[("amount", "1,000.00")], &[&format!("{at} amount = \"1,000.00\": {MONEY}")]);
    rejects(
        &load::SSP_CASES,
        &[("close_date", "2026-02-30")],
        &[&format!("{at} close_date = \"2026-02-30\": is not a real calendar date")],
    );
    rejects(
        &load::SSP_CASES,
        &[("au_number", "AU8001")],
        &["error: ssp_cases.csv:3: case AU8001: column au_number = \"AU8001\": must be unique, but line 2 has the same value; this row is rejected"],
    );
    // Closed the day it opened, and any program type: accepted.
    accepts(&load::SSP_CASES, &[("close_date", "2002-10-01"), ("program_type", "B")]);
}
