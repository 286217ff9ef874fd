//! Tests of the cell-level rules (`validate/cells.rs`): identifiers,
//! required cells, dates and months, money and units within their bounds,
//! Y/N flags and the codes of every code column.

use super::*;

// ---------------------------------------------------------------------------
// Identifiers.

#[test]
fn identifier_with_a_space_is_rejected() {
    rejects(
        &load::PAYEES,
        &[("payee_number", "100 200")],
        &[&format!("error: payees.csv:3: payee 100 200: column payee_number = \"100 200\": {ID}")],
    );
}

#[test]
fn identifier_of_21_characters_is_rejected_and_of_20_accepted() {
    rejects(
        &load::CLIENTS,
        &[("client_id", "C2000100000000000000X")],
        &[&format!("error: clients.csv:3: client C2000100000000000000X: column client_id = \"C2000100000000000000X\": {ID}")],
    );
    accepts(&load::CLIENTS, &[("client_id", "C200010000000000000X")]);
}

#[test]
fn empty_identifier_is_required_and_the_record_has_no_name() {
    rejects(&load::WORKERS, &[("worker_id", "")], &["error: workers.csv:3: column worker_id is empty: is required"]);
}

#[test]
fn identifier_in_a_reference_column_is_checked_too() {
    rejects(
        &load::PROVIDERS,
        &[("payee_number", "100/200")],
        &[&format!("error: providers.csv:3: provider 4102: column payee_number = \"100/200\": {ID}")],
    );
    rejects(
        &load::AUTHORIZATIONS,
        &[("reporting_unit", "300A.2609")],
        &[&format!("error: authorizations.csv:3: authorization line 1000000002: column reporting_unit = \"300A.2609\": {ID}")],
    );
}

#[test]
fn optional_identifier_is_checked_when_given() {
    rejects(
        &load::PAYMENT_LINES,
        &[("invoice_number", "INV 1")],
        &[&format!("error: payment_lines.csv:3: column invoice_number = \"INV 1\": {ID}")],
    );
    accepts(&load::PAYMENT_LINES, &[("reference_number", ""), ("invoice_number", "")]);
}

#[test]
fn identifiers_are_case_sensitive_so_case_variants_are_distinct_keys() {
    let v = accepts(&load::CLIENTS, &[("client_id", "c20001")]);
    assert!(v.extract.clients.contains_key(&id("C20001")) && v.extract.clients.contains_key(&id("c20001")));
}

// ---------------------------------------------------------------------------
// Required cells.

#[test]
fn required_cells_that_are_empty_are_rejected() {
    let cases: [(&'static FileSpec, &str, &str); 5] = [
        (&load::PAYEES, "name", "error: payees.csv:3: payee 100200301: column name is empty: is required"),
        (&load::CLIENTS, "first_name", "error: clients.csv:3: client C20002: column first_name is empty: is required"),
        (&load::WORKERS, "phone", "error: workers.csv:3: worker W1002: column phone is empty: is required"),
        (
            &load::AUTHORIZATIONS,
            "service_name",
            "error: authorizations.csv:3: authorization line 1000000002: column service_name is empty: is required",
        ),
        (&load::SSP_EVENTS, "au_number", "error: ssp_events.csv:3: event E2: column au_number is empty: is required"),
    ];
    for (spec, col, expected) in cases {
        rejects(spec, &[(col, "")], &[expected]);
    }
}

#[test]
fn a_payee_without_a_city_is_kept_and_reported_unmailable() {
    let v = unmailable(
        &load::PAYEES,
        &[("city", "")],
        &[&format!("unmailable: payees.csv:3: payee 100200301: column city is empty: is required: {NOT_MAILED_PAYEE}")],
    );
    assert!(!v.extract.payees[&id("100200301")].address.mailable);
    assert!(v.extract.payees[&id("100200300")].address.mailable);
}

#[test]
fn an_email_payee_with_a_bad_zip_is_told_nothing_is_mailed_now() {
    unmailable(
        &load::PAYEES,
        &[("zip", "9850"), ("delivery", "email"), ("email", "ap@example.org")],
        &["unmailable: payees.csv:3: payee 100200301: column zip = \"9850\": a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923: the address cannot be mailed to Sunrise Child Care LLC; nothing is mailed now (delivery is email), but fix it before choosing mail"],
    );
}

#[test]
fn a_cell_of_only_spaces_counts_as_empty() {
    rejects(&load::WORKERS, &[("name", "   ")], &["error: workers.csv:3: worker W1002: column name is empty: is required"]);
}

#[test]
fn every_broken_rule_of_a_row_is_reported_not_only_the_first() {
    let v = rejects(
        &load::PAYEES,
        &[("zip", "9850"), ("tin_type", "TIN"), ("direct_deposit", "yes")],
        &[
            "error: payees.csv:3: payee 100200301: column tin_type = \"TIN\": must be `SSN` or `EIN`",
            "error: payees.csv:3: payee 100200301: column direct_deposit = \"yes\": must be Y or N (or empty)",
        ],
    );
    // The address problem is reported with them.
    assert!(v.problems.iter().any(|p| p.severity == Severity::Unmailable && p.column.as_deref() == Some("zip")));
}

// ---------------------------------------------------------------------------
// Dates and months.

#[test]
fn date_with_the_wrong_shape_is_rejected() {
    for bad in ["03/14/2021", "2021-3-14", "20210314", "2021-03-14T00:00"] {
        rejects(
            &load::CLIENTS,
            &[("birth_date", bad)],
            &[&format!(
                "error: clients.csv:3: client C20002: column birth_date = \"{bad}\": a date is written YYYY-MM-DD, like 2026-10-31"
            )],
        );
    }
}

#[test]
fn date_of_the_right_shape_that_does_not_exist_is_rejected() {
    rejects(
        &load::PAYMENTS,
        &[("issue_date", "2026-02-30")],
        &["error: payments.csv:3: payment P2: column issue_date = \"2026-02-30\": is not a real calendar date"],
    );
    rejects(
        &load::AUTHORIZATIONS,
        &[("action_date", "2026-06-31")],
        &["error: authorizations.csv:3: authorization line 1000000002: column action_date = \"2026-06-31\": is not a real calendar date"],
    );
}

#[test]
fn date_with_spaces_or_a_sign_inside_the_shape_is_rejected() {
    let bad = ["2021-03- 4", "2021- 3-14", "+021-03-14", "-021-03-14"];
    let got: Vec<Vec<String>> = bad
        .iter()
        .map(|b| errors(&Fx::only(&[&load::CLIENTS]).add(&load::CLIENTS, 2, &[("client_id", "C20002"), ("birth_date", b)]).run()))
        .collect();
    let expected: Vec<Vec<String>> = bad
        .iter()
        .map(|b| {
            vec![format!("error: clients.csv:3: client C20002: column birth_date = \"{b}\": a date is written YYYY-MM-DD, like 2026-10-31")]
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn month_that_is_not_yyyy_mm_is_rejected() {
    for bad in ["2026-13", "2026-1", "2026-10-01", "10/2026"] {
        rejects(
            &load::INVOICE_CLAIMS,
            &[("month", bad)],
            &[&format!(
                "error: invoice_claims.csv:3: claim for line 1000000001: column month = \"{bad}\": a month is written YYYY-MM, like 2026-10"
            )],
        );
    }
    rejects(
        &load::PAYMENT_LINES,
        &[("service_month", "2026-00")],
        &["error: payment_lines.csv:3: column service_month = \"2026-00\": a month is written YYYY-MM, like 2026-10"],
    );
}

// ---------------------------------------------------------------------------
// Money and units.

#[test]
fn money_with_three_decimals_is_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("rate", "92.305")],
        &[&format!("error: authorizations.csv:3: authorization line 1000000002: column rate = \"92.305\": {MONEY}")],
    );
}

#[test]
fn money_with_a_currency_sign_is_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("copay", "$12")],
        &[&format!("error: authorizations.csv:3: authorization line 1000000002: column copay = \"$12\": {MONEY}")],
    );
}

#[test]
fn money_with_a_thousands_separator_is_rejected() {
    rejects(
        &load::PAYMENTS,
        &[("amount", "1,234.50")],
        &[&format!("error: payments.csv:3: payment P2: column amount = \"1,234.50\": {MONEY}")],
    );
}

#[test]
fn money_in_other_malformed_forms_is_rejected() {
    for bad in [".50", "92.", "+5", "1e3", "(212.40)", "12 50", "--5", "1234567890123456"] {
        rejects(
            &load::INVOICE_CLAIMS,
            &[("corrected_rate", bad)],
            &[&format!(
                "error: invoice_claims.csv:3: claim for line 1000000001: column corrected_rate = \"{}\": {MONEY}",
                crate::problem::shown(bad, 48, crate::problem::Masking::AnyNineDigits)
            )],
        );
    }
}

#[test]
fn money_in_the_documented_forms_is_accepted() {
    for good in ["92.30", "1234.50", "7.5", "22", "0", "99999.99"] {
        let v = accepts(&load::AUTHORIZATIONS, &[("rate", good)]);
        assert_eq!(v.extract.authorizations[&id("1000000002")].rate, dec(good));
    }
}

#[test]
fn negative_rate_copay_corrected_rate_and_ssp_amounts_are_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("rate", "-92.30")],
        &["error: authorizations.csv:3: authorization line 1000000002: column rate = \"-92.30\": may not be negative"],
    );
    rejects(
        &load::AUTHORIZATIONS,
        &[("copay", "-1")],
        &["error: authorizations.csv:3: authorization line 1000000002: column copay = \"-1\": may not be negative"],
    );
    rejects(
        &load::INVOICE_CLAIMS,
        &[("corrected_rate", "-0.01")],
        &["error: invoice_claims.csv:3: claim for line 1000000001: column corrected_rate = \"-0.01\": may not be negative"],
    );
    rejects(
        &load::SSP_EVENTS,
        &[("amount", "-45.00")],
        &["error: ssp_events.csv:3: event E2: column amount = \"-45.00\": may not be negative"],
    );
    rejects(&load::PAYMENT_LINES, &[("rate", "-92.30")], &["error: payment_lines.csv:3: column rate = \"-92.30\": may not be negative"]);
}

#[test]
fn negative_payment_and_payment_line_amounts_are_allowed() {
    let v = accepts(&load::PAYMENTS, &[("amount", "-212.40")]);
    assert_eq!(v.extract.payments[&id("P2")].amount, dec("-212.40"));
    let v = accepts(&load::PAYMENT_LINES, &[("amount", "-8.20"), ("adjustment_code", "OVP")]);
    assert_eq!(v.extract.payment_lines[1].amount, dec("-8.20"));
}

#[test]
fn minus_zero_is_zero_not_a_negative_amount() {
    // `-0` is not negative: accepted wherever a negative value is not, and equal to 0.
    let v = accepts(&load::AUTHORIZATIONS, &[("rate", "-0"), ("copay", "-0.00"), ("units_authorized", "-0")]);
    let a = &v.extract.authorizations[&id("1000000002")];
    assert!(a.rate.is_zero() && a.copay.is_some_and(|c| c.is_zero()) && a.units_authorized.is_zero());
    let v = accepts(&load::PAYMENTS, &[("amount", "-0")]);
    assert!(v.extract.payments[&id("P2")].amount.is_zero());
    // A payment of -0 with one line of 0 balances.
    let v = Fx::valid()
        .add(&load::PAYMENTS, 2, &[("payment_id", "P2"), ("amount", "-0")])
        .add(&load::PAYMENT_LINES, 2, &[("payment_id", "P2"), ("amount", "0")])
        .run();
    assert!(v.problems.is_empty(), "{:#?}", v.problems);
    assert!(v.extract.payments.contains_key(&id("P2")));
}

#[test]
fn units_with_three_decimals_or_negative_are_rejected() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("units_authorized", "7.555")],
        &[&format!("error: authorizations.csv:3: authorization line 1000000002: column units_authorized = \"7.555\": {UNITS}")],
    );
    rejects(
        &load::AUTHORIZATIONS,
        &[("units_authorized", "-1")],
        &["error: authorizations.csv:3: authorization line 1000000002: column units_authorized = \"-1\": may not be negative"],
    );
    rejects(&load::PAYMENT_LINES, &[("units", "1.5.0")], &[&format!("error: payment_lines.csv:3: column units = \"1.5.0\": {UNITS}")]);
}

#[test]
fn units_claimed_zero_is_a_claim_but_empty_is_not() {
    let v = accepts(&load::INVOICE_CLAIMS, &[("units_claimed", "0")]);
    assert!(v.extract.invoice_claims[1].units_claimed.is_zero());
    rejects(
        &load::INVOICE_CLAIMS,
        &[("units_claimed", "")],
        &["error: invoice_claims.csv:3: claim for line 1000000001: column units_claimed is empty: is required"],
    );
}

// ---------------------------------------------------------------------------
// Y/N flags.

#[test]
fn flags_other_than_capital_y_or_n_are_rejected() {
    for (col, bad) in [("direct_deposit", "y"), ("reportable_1099", "Yes"), ("consent_electronic_1099", "1")] {
        rejects(
            &load::PAYEES,
            &[(col, bad)],
            &[&format!("error: payees.csv:3: payee 100200301: column {col} = \"{bad}\": must be Y or N (or empty)")],
        );
    }
}

#[test]
fn empty_flags_take_their_defaults() {
    let v = accepts(&load::PAYEES, &[("direct_deposit", ""), ("reportable_1099", ""), ("consent_electronic_1099", "")]);
    let p = &v.extract.payees[&id("100200301")];
    assert_eq!((p.direct_deposit, p.reportable_1099, p.consent_electronic_1099), (false, true, false));
    let v = accepts(&load::PAYEES, &[("direct_deposit", "N"), ("reportable_1099", "N"), ("consent_electronic_1099", "Y")]);
    let p = &v.extract.payees[&id("100200301")];
    assert_eq!((p.direct_deposit, p.reportable_1099, p.consent_electronic_1099), (false, false, true));
}

// ---------------------------------------------------------------------------
// Codes, one test per code column.

#[test]
fn code_delivery() {
    rejects(
        &load::PAYEES,
        &[("delivery", "Email")],
        &["error: payees.csv:3: payee 100200301: column delivery = \"Email\": must be `mail`, `email` or `both` (or empty)"],
    );
}

#[test]
fn code_language_of_payee_and_client() {
    rejects(
        &load::PAYEES,
        &[("language", "EN")],
        &["error: payees.csv:3: payee 100200301: column language = \"EN\": must be `en` or `es` (or empty)"],
    );
    rejects(
        &load::CLIENTS,
        &[("language", "spanish")],
        &["error: clients.csv:3: client C20002: column language = \"spanish\": must be `en` or `es` (or empty)"],
    );
    let v = accepts(&load::CLIENTS, &[("language", "")]);
    assert_eq!(v.extract.clients[&id("C20002")].language, Language::En);
}

#[test]
fn code_tin_type() {
    rejects(
        &load::PAYEES,
        &[("tin_type", "ITIN")],
        &["error: payees.csv:3: payee 100200301: column tin_type = \"ITIN\": must be `SSN` or `EIN`"],
    );
}

#[test]
fn code_provider_type() {
    rejects(
        &load::PROVIDERS,
        &[("provider_type", "Center")],
        &["error: providers.csv:3: provider 4102: column provider_type = \"Center\": must be `center`, `family_home`, `in_home` or `relative`"],
    );
}

#[test]
fn code_program() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("program", "wccc")],
        &["error: authorizations.csv:3: authorization line 1000000002: column program = \"wccc\": must be `WCCC`, `SEASONAL`, `TEEN_PARENT`, `EFP`, `CPS` or `CWS`"],
    );
}

#[test]
fn code_service_kind() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("service_kind", "full-day")],
        &["error: authorizations.csv:3: authorization line 1000000002: column service_kind = \"full-day\": must be `full_day`, `half_day`, `extended_hours`, `infant_bonus`, `nonstandard_bonus`, `registration_fee`, `activity_fee` or `special_needs`"],
    );
}

#[test]
fn code_unit() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("unit", "da")],
        &["error: authorizations.csv:3: authorization line 1000000002: column unit = \"da\": must be `DA`, `HR`, `MO` or `EA`"],
    );
}

#[test]
fn code_action() {
    rejects(
        &load::AUTHORIZATIONS,
        &[("action", "add")],
        &["error: authorizations.csv:3: authorization line 1000000002: column action = \"add\": must be `new`, `change` or `terminate` (or empty)"],
    );
}

#[test]
fn code_mark() {
    rejects(
        &load::ATTENDANCE,
        &[("mark", "x")],
        &["error: attendance.csv:3: attendance for line 1000000001: column mark = \"x\": must be `X`, `A`, `H` or `C`"],
    );
}

#[test]
fn code_method() {
    rejects(
        &load::PAYMENTS,
        &[("method", "ACH")],
        &["error: payments.csv:3: payment P2: column method = \"ACH\": must be `EFT` or `WARRANT`"],
    );
}

#[test]
fn code_event() {
    rejects(
        &load::SSP_EVENTS,
        &[("event", "Open")],
        &["error: ssp_events.csv:3: event E2: column event = \"Open\": must be `open`, `reopen`, `close`, `amount_change` or `ssi_termination`"],
    );
}

#[test]
fn code_program_type() {
    rejects(
        &load::SSP_EVENTS,
        &[("program_type", "a")],
        &["error: ssp_events.csv:3: event E2: column program_type = \"a\": must be `I`, `M`, `A` or `B`"],
    );
}

#[test]
fn code_eft() {
    rejects(
        &load::SSP_EVENTS,
        &[("eft", "yes")],
        &["error: ssp_events.csv:3: event E2: column eft = \"yes\": must be `none` or `registered` (or empty)"],
    );
    let v = accepts(&load::SSP_EVENTS, &[("eft", "")]);
    assert_eq!(v.extract.ssp_events[&id("E2")].eft, Eft::None);
}

// ---------------------------------------------------------------------------
// Bounds of amounts, rates and units.

#[test]
fn values_at_their_bound_are_accepted_and_a_cent_more_is_rejected() {
    let v = accepts(&load::AUTHORIZATIONS, &[("units_authorized", "99999.99"), ("rate", "99999.99"), ("copay", "99999.99")]);
    let a = &v.extract.authorizations[&id("1000000002")];
    // The largest product is exact and fits: no overflow is possible.
    assert_eq!(a.amount_authorized().unwrap(), dec("9999998000.00"));
    for (col, bad, what) in [
        ("units_authorized", "100000.00", "a number of units (at most 99,999.99)"),
        ("rate", "100000", "a rate (at most 99,999.99)"),
        ("copay", "100000.01", "a rate (at most 99,999.99)"),
    ] {
        rejects(
            &load::AUTHORIZATIONS,
            &[(col, bad)],
            &[&format!(
                "error: authorizations.csv:3: authorization line 1000000002: column {col} = \"{bad}\": is larger than the record format allows for {what}; check the value"
            )],
        );
    }
    // Amounts, negative ones (recoveries) included, up to 99,999,999.99.
    accepts(&load::PAYMENTS, &[("amount", "-99999999.99")]);
    rejects(
        &load::PAYMENTS,
        &[("amount", "-100000000.00")],
        &["error: payments.csv:3: payment P2: column amount = \"-*****0000.00\": holds what looks like a taxpayer identification number (NNN-NN-NNNN, NN-NNNNNNN or nine digits); a TIN belongs only in the tin column of payees.csv and is never printed elsewhere"],
    );
    rejects(
        &load::PAYMENTS,
        &[("amount", "-1000000000.00")],
        &["error: payments.csv:3: payment P2: column amount = \"-******0000.00\": is larger than the record format allows for an amount (at most 99,999,999.99); check the value"],
    );
    accepts(&load::INVOICE_CLAIMS, &[("units_claimed", "99999.99")]);
    rejects(
        &load::INVOICE_CLAIMS,
        &[("units_claimed", "100000")],
        &["error: invoice_claims.csv:3: claim for line 1000000001: column units_claimed = \"100000\": is larger than the record format allows for a number of units (at most 99,999.99); check the value"],
    );
}
