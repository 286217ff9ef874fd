//! The files machines read carry plain numbers: `manifest.csv`,
//! `summary.json`, the download index. Each amount is read the way a
//! downstream system would (a decimal parse, a JSON number, no cleaning of
//! separators) and summed against the input, to the cent.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::util::{amount, oct_2026, read_csv, ssps, stderr};

/// A CSV cell as a downstream system reads an amount: a plain decimal.
fn plain(cell: &str) -> Decimal {
    assert!(!cell.contains(','), "an amount with a thousands separator: {cell}");
    cell.parse().unwrap_or_else(|e| panic!("{cell:?} is not a plain decimal: {e}"))
}

#[test]
fn manifest_summary_and_download_index_amounts_are_numbers_that_add_up_to_the_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = ssps(&["invoices", "--data", oct_2026().to_str().unwrap(), "--month", "2026-10", "--out", out.to_str().unwrap()]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", stderr(&o));

    // The input: units × rate of every authorization line overlapping October.
    let mut input = Decimal::ZERO;
    for a in read_csv(&oct_2026().join("authorizations.csv")) {
        if a["start_date"].as_str() <= "2026-10-31" && a["end_date"].as_str() >= "2026-10-01" {
            input += a["units_authorized"].parse::<Decimal>().unwrap() * a["rate"].parse::<Decimal>().unwrap();
        }
    }
    assert!(input > Decimal::ZERO);

    let manifest = read_csv(&out.join("manifest.csv"));
    let from_manifest: Decimal = manifest.iter().map(|r| plain(&r["amount"])).sum();
    assert_eq!(from_manifest, input);
    // Two places after the point, as amounts are written.
    assert!(manifest.iter().all(|r| r["amount"].split_once('.').is_some_and(|(_, cents)| cents.len() == 2)), "{manifest:?}");
    // The recipient is named with its kind.
    assert!(manifest.iter().all(|r| r["recipient_kind"] == "payee" && !r["recipient_id"].is_empty()));

    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(amount(&summary["total_amount"]), input);
    // Written exactly as a number token with its cents, not through a float.
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(text.contains(&format!("\"total_amount\": {:.2}", input)), "{text}");
    // The amount check compares numbers, and says so with numbers.
    let check = summary["checks"].as_array().unwrap().iter().find(|c| c["name"] == "amount authorized: input = invoices").unwrap();
    assert_eq!((amount(&check["expected"]), amount(&check["found"]), &check["ok"]), (input, input, &serde_json::json!(true)));

    // Each payee archive's index lists the same amounts as the manifest.
    let by_document: BTreeMap<&str, Decimal> = manifest.iter().map(|r| (r["document_id"].as_str(), plain(&r["amount"]))).collect();
    let mut archived = 0;
    for a in read_csv(&out.join("download/index.csv")) {
        let file = std::fs::File::open(out.join(&a["archive"])).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut index = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("index.csv").unwrap(), &mut index).unwrap();
        for row in csv::Reader::from_reader(index.as_bytes()).deserialize::<BTreeMap<String, String>>() {
            let row = row.unwrap();
            assert_eq!(plain(&row["amount"]), by_document[row["document_id"].as_str()]);
            archived += 1;
        }
    }
    assert_eq!(archived, manifest.len());
}
