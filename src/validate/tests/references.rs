//! Tests of the cross-file rules (`validate/references.rs`): references to
//! missing or rejected records and their cascades, a payment against its
//! lines, an SSP event's client without an address.

use super::*;

// ---------------------------------------------------------------------------
// Cascades.

#[test]
fn rejected_payee_rejects_its_provider_naming_the_payee_line_and_reason_and_everything_downstream() {
    let v = Fx::valid().set(&load::PAYEES, 2, "tin", "91-123456").run();
    let tin_rule = "tin: a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN";
    let by_auth = "authorization line 1000000001 was rejected (authorizations.csv line 2: provider 4101 was rejected (providers.csv line 2)), so this record is rejected too";
    let by_payment =
        "payment P1 was rejected (payments.csv line 2: payee 100200300 was rejected (payees.csv line 2)), so this record is rejected too";
    assert_eq!(
        errors(&v),
        [
            "error: payees.csv:2: payee 100200300: column tin = \"**-**3456\": a TIN is 9 digits, written NNNNNNNNN, NNN-NN-NNNN or NN-NNNNNNN".to_string(),
            format!("error: providers.csv:2: provider 4101: column payee_number = \"100200300\": payee 100200300 was rejected (payees.csv line 2: {tin_rule}), so this record is rejected too"),
            "error: authorizations.csv:2: authorization line 1000000001: column provider_number = \"4101\": provider 4101 was rejected (providers.csv line 2: payee 100200300 was rejected (payees.csv line 2)), so this record is rejected too".to_string(),
            format!("error: invoice_claims.csv:2: claim for line 1000000001 in 2026-10: column reference_number = \"1000000001\": {by_auth}"),
            format!("error: attendance.csv:2: attendance for line 1000000001 on 2026-10-05: column reference_number = \"1000000001\": {by_auth}"),
            format!("error: payments.csv:2: payment P1: column payee_number = \"100200300\": payee 100200300 was rejected (payees.csv line 2: {tin_rule}), so this record is rejected too"),
            format!("error: payment_lines.csv:2: line 1 of payment P1: column payment_id = \"P1\": {by_payment}"),
            format!("error: payment_lines.csv:3: line 2 of payment P1: column payment_id = \"P1\": {by_payment}"),
            // A staff overpayment names the payee, the provider and the line: each reference is reported.
            format!("error: overpayments.csv:2: overpayment OP1: column payee_number = \"100200300\": payee 100200300 was rejected (payees.csv line 2: {tin_rule}), so this record is rejected too"),
            "error: overpayments.csv:2: overpayment OP1: column provider_number = \"4101\": provider 4101 was rejected (providers.csv line 2: payee 100200300 was rejected (payees.csv line 2)), so this record is rejected too".to_string(),
            format!("error: overpayments.csv:2: overpayment OP1: column reference_number = \"1000000001\": {by_auth}"),
        ]
    );
    for spec in [&load::PAYEES, &load::PROVIDERS, &load::AUTHORIZATIONS, &load::INVOICE_CLAIMS, &load::ATTENDANCE, &load::PAYMENTS] {
        assert_eq!(counts(&v, spec), (1, 0, 1), "{}", spec.name);
    }
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 0, 2));
    // Clients, workers and the SSP event do not depend on the payee.
    for spec in [&load::CLIENTS, &load::WORKERS, &load::SSP_EVENTS] {
        assert_eq!(counts(&v, spec), (1, 1, 0), "{}", spec.name);
    }
}

#[test]
fn provider_with_an_unknown_payee_is_rejected() {
    let v = Fx::only(&[&load::PAYEES, &load::PROVIDERS])
        .add(&load::PROVIDERS, 2, &[("provider_number", "4102"), ("payee_number", "100200399")])
        .run();
    assert_eq!(
        errors(&v),
        ["error: providers.csv:3: provider 4102: column payee_number = \"100200399\": there is no payee 100200399 in payees.csv"]
    );
    assert_eq!(accepted_lines(&v.extract, load::PROVIDERS.name), [2]);
    assert_eq!(counts(&v, &load::PROVIDERS), (2, 1, 1));
}

#[test]
fn authorization_with_a_missing_provider_client_or_worker_is_rejected() {
    let cases = [
        ("provider_number", "4999", "there is no provider 4999 in providers.csv"),
        ("client_id", "C29999", "there is no client C29999 in clients.csv"),
        ("worker_id", "W1999", "there is no worker W1999 in workers.csv"),
    ];
    for (col, value, rule) in cases {
        let v = Fx::valid()
            .without(&load::INVOICE_CLAIMS)
            .without(&load::ATTENDANCE)
            .add(&load::AUTHORIZATIONS, 2, &[("reference_number", "1000000002"), (col, value)])
            .run();
        assert_eq!(errors(&v), [format!("error: authorizations.csv:3: authorization line 1000000002: column {col} = \"{value}\": {rule}")]);
        assert_eq!(accepted_lines(&v.extract, load::AUTHORIZATIONS.name), [2]);
        assert_eq!(counts(&v, &load::AUTHORIZATIONS), (2, 1, 1));
    }
}

#[test]
fn cascade_names_a_missing_reference_as_missing_not_as_rejected() {
    let v = Fx::valid().set(&load::AUTHORIZATIONS, 2, "provider_number", "4999").run();
    let claim = v.problems.iter().find(|p| p.file == load::INVOICE_CLAIMS.name).expect("claim rejected");
    assert_eq!(
        claim.rule,
        "authorization line 1000000001 was rejected (authorizations.csv line 2: there is no provider 4999 in providers.csv), so this record is rejected too"
    );
}

#[test]
fn claim_and_attendance_for_a_rejected_authorization_are_rejected() {
    let v = Fx::valid().set(&load::AUTHORIZATIONS, 2, "service_code", "43").run();
    let cause = "authorization line 1000000001 was rejected (authorizations.csv line 2: service_code: a service code is 4 letters or digits, like 4301), so this record is rejected too";
    assert_eq!(
        errors(&v),
        [
            "error: authorizations.csv:2: authorization line 1000000001: column service_code = \"43\": a service code is 4 letters or digits, like 4301".to_string(),
            format!("error: invoice_claims.csv:2: claim for line 1000000001 in 2026-10: column reference_number = \"1000000001\": {cause}"),
            format!("error: attendance.csv:2: attendance for line 1000000001 on 2026-10-05: column reference_number = \"1000000001\": {cause}"),
            format!("error: overpayments.csv:2: overpayment OP1: column reference_number = \"1000000001\": {cause}"),
        ]
    );
    for spec in [&load::AUTHORIZATIONS, &load::INVOICE_CLAIMS, &load::ATTENDANCE] {
        assert_eq!(counts(&v, spec), (1, 0, 1), "{}", spec.name);
    }
    // Payment lines name the reference but are not checked against it.
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 2, 0));
}

#[test]
fn claim_and_attendance_for_an_unknown_authorization_are_rejected() {
    let v = Fx::valid()
        .add(&load::INVOICE_CLAIMS, 2, &[("reference_number", "1000000009")])
        .add(&load::ATTENDANCE, 2, &[("reference_number", "1000000009")])
        .run();
    assert_eq!(
        errors(&v),
        [
            "error: invoice_claims.csv:3: claim for line 1000000009 in 2026-10: column reference_number = \"1000000009\": there is no authorization line 1000000009 in authorizations.csv",
            "error: attendance.csv:3: attendance for line 1000000009 on 2026-10-05: column reference_number = \"1000000009\": there is no authorization line 1000000009 in authorizations.csv",
        ]
    );
    assert_eq!(accepted_lines(&v.extract, load::INVOICE_CLAIMS.name), [2]);
    assert_eq!(accepted_lines(&v.extract, load::ATTENDANCE.name), [2]);
}

#[test]
fn payment_with_a_missing_payee_is_rejected() {
    let v = Fx::valid().without(&load::PAYMENT_LINES).add(&load::PAYMENTS, 2, &[("payment_id", "P2"), ("payee_number", "100200399")]).run();
    assert_eq!(
        errors(&v),
        ["error: payments.csv:3: payment P2: column payee_number = \"100200399\": there is no payee 100200399 in payees.csv"]
    );
    assert_eq!(accepted_lines(&v.extract, load::PAYMENTS.name), [2]);
    assert_eq!(counts(&v, &load::PAYMENTS), (2, 1, 1));
}

#[test]
fn payment_line_of_an_unknown_payment_is_rejected() {
    let v = Fx::valid().add(&load::PAYMENT_LINES, 2, &[("payment_id", "P9")]).run();
    assert_eq!(
        errors(&v),
        ["error: payment_lines.csv:4: line 1 of payment P9: column payment_id = \"P9\": there is no payment P9 in payments.csv"]
    );
    assert_eq!(accepted_lines(&v.extract, load::PAYMENT_LINES.name), [2, 3]);
}

#[test]
fn ssp_event_for_a_rejected_client_or_missing_worker_is_rejected() {
    let v = Fx::valid()
        .add(&load::CLIENTS, 2, &[("client_id", "C20002"), ("first_name", "")])
        .add(&load::SSP_EVENTS, 2, &[("event_id", "E2"), ("client_id", "C20002")])
        .add(&load::SSP_EVENTS, 2, &[("event_id", "E3"), ("worker_id", "W1999")])
        .run();
    assert_eq!(
        errors(&v),
        [
            "error: clients.csv:3: client C20002: column first_name is empty: is required",
            "error: ssp_events.csv:3: event E2: column client_id = \"C20002\": client C20002 was rejected (clients.csv line 3: first_name: is required), so this record is rejected too",
            "error: ssp_events.csv:4: event E3: column worker_id = \"W1999\": there is no worker W1999 in workers.csv",
        ]
    );
    assert_eq!(accepted_lines(&v.extract, load::SSP_EVENTS.name), [2]);
    assert_eq!(counts(&v, &load::SSP_EVENTS), (3, 1, 2));
}

#[test]
fn references_into_an_absent_file_are_not_checked() {
    // Providers without payees.csv, authorizations without clients.csv and
    // workers.csv, events without clients.csv and workers.csv.
    let v = Fx::only(&[&load::PROVIDERS, &load::AUTHORIZATIONS, &load::PAYMENTS, &load::SSP_EVENTS])
        .set(&load::PROVIDERS, 2, "payee_number", "100200399")
        .edit(&load::AUTHORIZATIONS, 2, &[("client_id", "C29999"), ("worker_id", "W1999")])
        .set(&load::PAYMENTS, 2, "amount", "1.00")
        .edit(&load::SSP_EVENTS, 2, &[("client_id", "C29999"), ("worker_id", "W1999")])
        .run();
    assert!(v.problems.is_empty(), "{:#?}", v.problems);
    for spec in [&load::PROVIDERS, &load::AUTHORIZATIONS, &load::PAYMENTS, &load::SSP_EVENTS] {
        assert_eq!(counts(&v, spec), (1, 1, 0), "{}", spec.name);
    }
    // The payment sum is not checked without payment_lines.csv.
    assert_eq!(v.extract.payments[&id("P1")].amount, dec("1.00"));
    // Claims, attendance and payment lines without the files they name.
    let v = Fx::only(&[&load::INVOICE_CLAIMS, &load::ATTENDANCE, &load::PAYMENT_LINES])
        .set(&load::INVOICE_CLAIMS, 2, "reference_number", "1000000009")
        .set(&load::ATTENDANCE, 2, "reference_number", "1000000009")
        .set(&load::PAYMENT_LINES, 2, "payment_id", "P9")
        .run();
    assert!(v.problems.is_empty(), "{:#?}", v.problems);
    assert_eq!(counts(&v, &load::INVOICE_CLAIMS), (1, 1, 0));
    assert_eq!(counts(&v, &load::ATTENDANCE), (1, 1, 0));
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 2, 0));
}

#[test]
fn references_into_an_unusable_file_are_not_checked() {
    let payees = "payee_number,name,address_line1,city,state,zip,tin_type\n100200300,Sunrise,1 Main St,Olympia,WA,98501,EIN\n";
    let v = Fx::only(&[&load::PAYEES, &load::PROVIDERS])
        .file(&load::PAYEES, payees)
        .set(&load::PROVIDERS, 2, "payee_number", "100200399")
        .run();
    assert_eq!(errors(&v), ["error: payees.csv:1: the header lacks the required column tin; no row of this file can be read"]);
    let c = &v.counts[load::PAYEES.name];
    assert!(c.present && !c.usable && c.rows == 0);
    assert_eq!(counts(&v, &load::PROVIDERS), (1, 1, 0));
}

// ---------------------------------------------------------------------------
// A payment against its lines.

#[test]
fn payment_amount_not_equal_to_the_sum_of_its_lines_rejects_the_payment_and_its_lines() {
    let v = Fx::valid().set(&load::PAYMENTS, 2, "amount", "100.00").run();
    assert_eq!(
        errors(&v),
        [
            "error: payments.csv:2: payment P1: column amount = \"100.00\": the payment's amount 100.00 does not equal the sum of its 2 line(s) in payment_lines.csv, 100.50; the payment and its lines are rejected",
            "error: payment_lines.csv:2: line 1 of payment P1: column payment_id = \"P1\": payment P1 was rejected (payments.csv line 2: amount 100.00 ≠ sum of lines 100.50), so this record is rejected too",
            "error: payment_lines.csv:3: line 2 of payment P1: column payment_id = \"P1\": payment P1 was rejected (payments.csv line 2: amount 100.00 ≠ sum of lines 100.50), so this record is rejected too",
        ]
    );
    assert!(v.extract.payments.is_empty() && v.extract.payment_lines.is_empty());
    assert_eq!(counts(&v, &load::PAYMENTS), (1, 0, 1));
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 0, 2));
    // Everything else stays.
    assert_eq!(accepted_lines(&v.extract, load::PAYEES.name), [2]);
    assert_eq!(accepted_lines(&v.extract, load::SSP_EVENTS.name), [2]);
}

#[test]
fn payment_without_lines_sums_to_zero_and_is_rejected() {
    let v = Fx::valid().add(&load::PAYMENTS, 2, &[("payment_id", "P2"), ("amount", "5.00")]).run();
    assert_eq!(
        errors(&v),
        ["error: payments.csv:3: payment P2: column amount = \"5.00\": the payment's amount 5.00 does not equal the sum of its 0 line(s) in payment_lines.csv, 0; the payment and its lines are rejected"]
    );
    assert_eq!(accepted_lines(&v.extract, load::PAYMENTS.name), [2]);
    assert_eq!(counts(&v, &load::PAYMENTS), (2, 1, 1));
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 2, 0));
}

#[test]
fn duplicate_line_no_rejects_the_line_the_payment_and_all_its_lines() {
    let v = Fx::valid().set(&load::PAYMENT_LINES, 3, "line_no", "1").run();
    let cascade = "column payment_id = \"P1\": payment P1 was rejected (payments.csv line 2: two of its lines share a line_no), so this record is rejected too";
    assert_eq!(
        errors(&v),
        [
            "error: payments.csv:2: payment P1: payment_lines.csv line 3 repeats a line_no of this payment; the payment is rejected".to_string(),
            format!("error: payment_lines.csv:2: line 1 of payment P1: {cascade}"),
            "error: payment_lines.csv:3: line 1 of payment P1: column line_no = \"1\": line_no must be unique within payment P1, but line 2 has the same number".to_string(),
        ]
    );
    assert_eq!(counts(&v, &load::PAYMENTS), (1, 0, 1));
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 0, 2));
    assert_eq!(accepted_lines(&v.extract, load::PAYEES.name), [2]);
}

#[test]
fn duplicate_line_no_is_rejected_even_when_payments_csv_is_absent() {
    let v = Fx::only(&[&load::PAYMENT_LINES]).set(&load::PAYMENT_LINES, 3, "line_no", "1").run();
    assert_eq!(
        errors(&v),
        ["error: payment_lines.csv:3: line 1 of payment P1: column line_no = \"1\": line_no must be unique within payment P1, but line 2 has the same number"]
    );
    assert_eq!(accepted_lines(&v.extract, load::PAYMENT_LINES.name), [2]);
    assert_eq!(counts(&v, &load::PAYMENT_LINES), (2, 1, 1));
}

// ---------------------------------------------------------------------------
// An SSP letter needs the client's address.

#[test]
fn ssp_event_for_a_client_without_address_is_rejected_naming_the_client() {
    let v = Fx::valid()
        .add(
            &load::CLIENTS,
            2,
            &[("client_id", "C20002"), ("address_line1", ""), ("address_line2", ""), ("city", ""), ("state", ""), ("zip", "")],
        )
        .add(&load::SSP_EVENTS, 2, &[("event_id", "E2"), ("client_id", "C20002")])
        .run();
    assert_eq!(
        errors(&v),
        ["error: ssp_events.csv:3: event E2: column client_id = \"C20002\": client C20002 has no mailing address in clients.csv (line 3); a letter cannot be sent"]
    );
    assert_eq!(accepted_lines(&v.extract, load::SSP_EVENTS.name), [2]);
    assert_eq!(counts(&v, &load::SSP_EVENTS), (2, 1, 1));
    // The client itself is fine (children in care need no address).
    assert_eq!(counts(&v, &load::CLIENTS), (2, 2, 0));
}

// ---------------------------------------------------------------------------
// overpayments.csv.

#[test]
fn a_staff_overpayment_needs_its_payee_and_a_provider_of_that_payee() {
    let v = Fx::valid().set(&load::OVERPAYMENTS, 2, "payee_number", "100200399").run();
    assert_eq!(
        errors(&v),
        ["error: overpayments.csv:2: overpayment OP1: column payee_number = \"100200399\": there is no payee 100200399 in payees.csv"]
    );
    let v = Fx::valid()
        .add(&load::PAYEES, 2, &[("payee_number", "100200301"), ("tin", "91-1234568")])
        .set(&load::OVERPAYMENTS, 2, "payee_number", "100200301")
        .run();
    assert_eq!(
        errors(&v),
        ["error: overpayments.csv:2: overpayment OP1: column provider_number = \"4101\": provider 4101 belongs to payee 100200300 (providers.csv line 2), not to payee 100200301"]
    );
    assert!(v.extract.overpayments.is_empty());
    assert!(crate::validate::accounting(&v).iter().all(|b| b.ok()));
}

#[test]
fn ssp_case_whose_client_is_missing_or_rejected_is_kept_with_a_warning() {
    let v = Fx::only(&[&load::CLIENTS, &load::SSP_CASES])
        .add(&load::CLIENTS, 2, &[("client_id", "C20002"), ("first_name", "")])
        .add(&load::SSP_CASES, 2, &[("au_number", "AU8002"), ("client_id", "C20002")])
        .add(&load::SSP_CASES, 2, &[("au_number", "AU8003"), ("client_id", "C29999")])
        .run();
    assert_eq!(
        warnings(&v),
        [
            "warning: ssp_cases.csv:3: case AU8002: column client_id = \"C20002\": client C20002 was rejected (clients.csv line 3); the case is kept and listed without the client's name",
            "warning: ssp_cases.csv:4: case AU8003: column client_id = \"C29999\": there is no client C29999 in clients.csv; the case is kept and listed without the client's name",
        ]
    );
    assert_eq!(counts(&v, &load::SSP_CASES), (3, 3, 0));
    // Without clients.csv nothing is checked.
    let v = Fx::only(&[&load::SSP_CASES]).add(&load::SSP_CASES, 2, &[("au_number", "AU8002"), ("client_id", "C29999")]).run();
    assert!(v.problems.is_empty(), "{:#?}", v.problems);
}
