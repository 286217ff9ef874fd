//! Tests of the ledger: a reconciliation read back as the filed state, the
//! identity, the upload files' size limit; on extracts made by the real
//! load and validate stages.

use super::*;

#[test]
fn a_previous_reconciliation_reads_back_the_returns_it_filed() {
    let text = "payee_number,name,tin,tin_type,status,payments,amount,return_account,return_amount,filing,previous_amount,reason\r\n\
        100,A Care,***-**-1234,SSN,reported,12,2500.00,100,2600.00,original,,x\r\n\
        101,A Care 2,***-**-1234,SSN,reported,1,100.00,100,2600.00,original,,x\r\n\
        102,B Care,XX-XXX5678,EIN,below_threshold,3,10.00,,,,,x\r\n\
        TOTAL reported,,,,reported,13,2600.00,,,,,\r\n";
    let p = Previous::parse(text, "prev/tax1099/reconciliation.csv").unwrap();
    assert_eq!(p.returns.len(), 1);
    assert_eq!(p.returns["100"], Filed { name: "A Care".into(), tin: "***-**-1234".into(), amount: "2600.00".parse().unwrap() });
    let bad = "payee_number,name\r\n";
    assert_eq!(Previous::parse(bad, "r.csv").unwrap_err().to_string(), "r.csv: has no column tin");
}

/// An extract of `n` payees, each paid `amount` once on 2026-03-10,
/// through the real load and validate stages.
pub(crate) fn extract(n: usize, amount: &str) -> (Extract, Vec<RawPayment>) {
    let mut payees = String::from("payee_number,name,address_line1,city,state,zip,tin,tin_type\n");
    let mut payments = String::from("payment_id,payee_number,issue_date,method,amount\n");
    for k in 0..n {
        payees.push_str(&format!("{},Payee {k},1 Main St,Olympia,WA,98501,5{:08},SSN\n", 300000000 + k, k));
        payments.push_str(&format!("{},{},2026-03-10,WARRANT,{amount}\n", 600000000 + k, 300000000 + k));
    }
    let mut problems = Vec::new();
    let mut tables = BTreeMap::new();
    for spec in load::FILES {
        let table = match spec.name {
            "payees.csv" => load::read_table(spec, payees.as_bytes(), &mut problems),
            "payments.csv" => load::read_table(spec, payments.as_bytes(), &mut problems),
            _ => Table { spec, state: load::TableState::Absent, rows: Vec::new() },
        };
        tables.insert(spec.name, table);
    }
    let raw = raw_payments(&tables["payments.csv"]);
    let loaded = load::Loaded { dir: "mem".into(), tables, problems };
    let v = crate::validate::validate(loaded, &crate::calendar::Holidays::washington());
    assert!(v.problems.iter().all(|p| !p.is_error()), "{:?}", v.problems);
    (v.extract, raw)
}

#[test]
fn a_reconciliation_written_reads_back_as_the_filed_state() {
    let (x, raw) = extract(3, "2500.00");
    let first = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
    assert_eq!(first.returns.len(), 3);
    assert!(first.returns.iter().all(|r| r.filing == Filing::Original));
    let text = String::from_utf8(write_reconciliation(&first).unwrap()).unwrap();
    let prev = Previous::parse(&text, "r.csv").unwrap();
    assert_eq!(prev.returns.len(), 3);
    assert_eq!(prev.returns["300000001"], Filed { name: "Payee 1".into(), tin: "***-**-0001".into(), amount: "2500.00".parse().unwrap() });
    // The same year again: nothing to file.
    let again = build(2026, "2000.00".parse().unwrap(), &x, &[], Some(&prev));
    assert_eq!(again.filed().count(), 0);
    assert!(again.returns.iter().all(|r| r.filing == Filing::Unchanged));
    // A higher threshold: every return corrected to zero, under the same account and TIN.
    let zeroed = build(2026, "3000.00".parse().unwrap(), &x, &[], Some(&prev));
    let got: Vec<(&str, Filing, String)> = zeroed.returns.iter().map(|r| (r.account.as_str(), r.filing, r.amount.to_string())).collect();
    assert_eq!(
        got,
        [("300000000", Filing::Void, "0".into()), ("300000001", Filing::Void, "0".into()), ("300000002", Filing::Void, "0".into())]
    );
    let rows = String::from_utf8(write_reconciliation(&zeroed).unwrap()).unwrap();
    assert!(rows.contains("300000001,Payee 1,***-**-0001,SSN,below_threshold,1,2500.00,300000001,0.00,void,2500.00,mail,"), "{rows}");
}

#[test]
fn the_identity_fails_when_a_payment_is_lost() {
    let (x, raw) = extract(4, "2500.00");
    let mut l = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
    let id = Identity::of(&l, &raw);
    assert!(id.holds(), "{id:?}");
    assert_eq!((id.input_payments, id.input_amount), (4, "10000.00".parse().unwrap()));
    // A row dropped, or an amount changed, and the identity no longer holds.
    let lost = l.rows.pop().unwrap();
    assert!(!Identity::of(&l, &raw).holds());
    l.rows.push(Row { amount: lost.amount - Decimal::new(1, 2), ..lost });
    let id = Identity::of(&l, &raw);
    assert_eq!((id.sorted_payments, id.holds()), (4, false));
}

#[test]
fn the_upload_files_hold_at_most_250_returns_each() {
    let (x, raw) = extract(251, "2000.00");
    let l = build(2026, "2000.00".parse().unwrap(), &x, &rejected_payments(&raw, &x, &[]), None);
    let layout = super::super::iris::Layout::bundled();
    let returns: Vec<&Return> = l.filed().collect();
    let files = layout.files("iris-1099nec", &returns, &super::super::Payer::bundled(), 2026).unwrap();
    let names: Vec<(&str, usize)> = files.iter().map(|f| (f.name.as_str(), f.returns)).collect();
    assert_eq!(names, [("iris-1099nec-001.csv", 250), ("iris-1099nec-002.csv", 1)]);
    let back = layout.read_back(&files[1].bytes).unwrap();
    assert_eq!(back, [("300000250".to_string(), "2000.00".parse().unwrap())]);
    let tins = layout.filed_tins(&files[1].bytes).unwrap();
    assert_eq!(tins[0].1.for_irs_filing(), "500000250");
    assert_eq!(files.iter().map(|f| f.amount).sum::<Decimal>(), "502000.00".parse::<Decimal>().unwrap());
}
