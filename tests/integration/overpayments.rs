//! `ssps overpayments`: Vendor Overpayment Notices read back from their PDFs
//! (amounts, reasons, interest and hearing rights, Spanish), the manifest
//! against an independently computed total, and overpayments.csv rejects.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::util::{amount, copy_extract, edit, pdf_text, read_csv, ssps, stdout};

fn booklet() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/booklet-claims")
}

/// The booklet's extract with Willow claimed at 22 (18 may be claimed) and
/// paid at $50.00 on 2025-09-15; a Spanish payee; staff rows, three bad.
pub fn extract(dir: &Path) {
    copy_extract(&booklet(), dir);
    edit(dir, "invoice_claims.csv", "999A-000001,2000000011,2025-08,18", "999A-000001,2000000011,2025-08,22");
    std::fs::write(
        dir.join("payees.csv"),
        "payee_number,name,address_line1,city,state,zip,tin,tin_type,delivery,language\n\
         200100100,Booklet Example Child Care,1 Example Way,Olympia,WA,98504,91-0000001,EIN,mail,en\n\
         200100200,Guardería Ñandú,2 Calle Uno,Yakima,WA,98901,91-0000002,EIN,mail,es\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("providers.csv"),
        "provider_number,payee_number,name,provider_type,county\n\
         5001,200100100,Booklet Example Child Care,center,Thurston\n\
         5002,200100200,Guardería Ñandú,family_home,Yakima\n",
    )
    .unwrap();
    std::fs::write(dir.join("payments.csv"), "payment_id,payee_number,issue_date,method,amount\nP1,200100100,2025-09-15,WARRANT,1100.00\n")
        .unwrap();
    std::fs::write(
        dir.join("payment_lines.csv"),
        "payment_id,line_no,reference_number,invoice_number,service_month,units,rate,amount\n\
         P1,1,2000000011,999A-000001,2025-08,22,50.00,1100.00\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("overpayments.csv"),
        "overpayment_id,payee_number,provider_number,reference_number,invoice_number,service_month,amount,reason,description\n\
         OP1,200100100,5001,2000000022,,2025-08,75.50,other,\"O'Connor #2 <script> #panic() Ngọc Trần\"\n\
         OP2,200100100,5001,,,2025-07,10.00,bogus,\n\
         OP3,200100100,5001,,,2025-07,-5.00,claimed_twice,\n\
         OP4,999999999,5001,,,2025-07,5.00,claimed_twice,\n\
         OP5,200100200,5002,,,2025-09,120.25,claimed_twice,\n",
    )
    .unwrap();
}

#[test]
fn notices_state_the_lines_total_reasons_interest_and_hearing_rights() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, out) = (tmp.path().join("data"), tmp.path().join("run"));
    extract(&data);
    let o = ssps(&["overpayments", "--data", data.to_str().unwrap(), "--date", "2025-10-01", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "rows were rejected: {}", stdout(&o));

    // The English notice: the paid over-claim (4 units over × $50.00) and the staff row.
    let en = pdf_text(&out.join("documents/200100100/VON-5001-20251001.pdf"));
    for expected in [
        "VENDOR OVERPAYMENT NOTICE",
        "Willow Example",
        "Units overpaid: 4",
        "Rate: $50.00",
        "Amount overpaid: $200.00",
        "over: 22 claimed, 18 may be claimed; absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18",
        "Amount overpaid: $75.50",
        "Other: O'Connor #2 <script> #panic() Ngọc Trần",
        "Total overpaid: $275.50",
        "Interest (RCW 43.20B.695)",
        "1% a month",
        "interest begins 30 days after the date of this notice, on 10/31/2025",
        "No interest accrues when the overpayment happened because of the department's error.",
        "Your right to a hearing (RCW 43.20B.675)",
        "within 28 days after the day you receive this notice",
        "Office of Administrative Hearings",
        "PO Box 9501 Olympia WA 98507-9501",
    ] {
        assert!(en.contains(expected), "{expected:?} is not in the notice: {en}");
    }

    // The Spanish payee's notice is in Spanish.
    let es = pdf_text(&out.join("documents/200100200/VON-5002-20251001.pdf"));
    for expected in [
        "AVISO DE PAGO EN EXCESO AL PROVEEDOR",
        "Usted cobró dos veces el mismo servicio.",
        "Total pagado en exceso: $120.25",
        "Intereses (RCW 43.20B.695)",
        "dentro de los 28 días siguientes al día en que reciba este aviso",
        "Su derecho a una audiencia (RCW 43.20B.675)",
    ] {
        assert!(es.contains(expected), "{expected:?} is not in the Spanish notice: {es}");
    }

    // The manifest: kind, recipient kind, plain-number amounts adding up to
    // the total computed here: (22 − 18) × 50.00 + 75.50 + 120.25.
    let rows = read_csv(&out.join("manifest.csv"));
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["kind"] == "overpayment" && r["recipient_kind"] == "payee"), "{rows:?}");
    let expected: Decimal = Decimal::from(22 - 18) * Decimal::new(5000, 2) + Decimal::new(7550, 2) + Decimal::new(12025, 2);
    let manifest: Decimal = rows.iter().map(|r| r["amount"].parse::<Decimal>().expect("a plain number")).sum();
    assert_eq!(manifest, expected);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["run"], "overpayments");
    assert_eq!(amount(&summary["total_amount"]), expected);
    assert_eq!(summary["over_claims"], 1);
    assert_eq!(summary["staff_overpayments"], 2);
    assert!(summary["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true));

    // The bad rows are rejected with their exact messages; the rest went on.
    let rejects = read_csv(&out.join("rejects.csv"));
    let got: Vec<(String, String, String, String, String)> = rejects
        .iter()
        .map(|r| (r["file"].clone(), r["line"].clone(), r["column"].clone(), r["value"].clone(), r["rule"].clone()))
        .collect();
    let row = |line: &str, col: &str, value: &str, rule: &str| {
        ("overpayments.csv".to_string(), line.to_string(), col.to_string(), value.to_string(), rule.to_string())
    };
    assert_eq!(
        got,
        [
            row("3", "reason", "bogus", "must be `claimed_twice`, `under_five_hours`, `infant_bonus_under_five_days`, `rate_above_usual`, `nonstandard_not_scheduled`, `no_attendance_records` or `other`"),
            row("4", "amount", "-5.00", "may not be negative"),
            row("5", "payee_number", "999999999", "there is no payee 999999999 in payees.csv"),
        ]
    );
}

#[test]
fn a_claim_paid_after_the_date_and_an_absent_overpayments_file_give_no_notice() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, out) = (tmp.path().join("data"), tmp.path().join("run"));
    extract(&data);
    std::fs::remove_file(data.join("overpayments.csv")).unwrap();
    let o = ssps(&["overpayments", "--data", data.to_str().unwrap(), "--date", "2025-09-14", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(read_csv(&out.join("manifest.csv")).is_empty());
}

#[test]
fn check_reports_overpayments_csv_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    extract(&data);
    edit(&data, "overpayments.csv", "OP5,200100200,5002", "OP5,200100100,5002");
    std::fs::write(
        data.join("overpayments.csv"),
        std::fs::read_to_string(data.join("overpayments.csv")).unwrap() + "OP6,200100100,5001,,,2025-07,5.00,other,\n",
    )
    .unwrap();
    let o = ssps(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    for expected in [
        "overpayments.csv:6: overpayment OP5: column provider_number = \"5002\": provider 5002 belongs to payee 200100200 (providers.csv line 3), not to payee 200100100",
        "overpayments.csv:7: overpayment OP6: column description is empty: is required when the reason is `other`",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}
