//! Tests of the sample generator: determinism, realism of the data, the bad rows, and
//! that every file it writes has `load`'s header and loads back clean.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};

use super::authorizations::PROGRAMS;
use super::pools::COUNTIES;
use super::{generate, SampleError, SampleOptions, SampleReport, BAD_ROW_KINDS, FILES, SAMPLE_MARKER};
use crate::load::{self, AUTHORIZATIONS, CLIENTS, PAYEES, PROVIDERS, WORKERS};

fn october() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
}

fn opts(payees: usize, seed: u64, bad_rows: usize) -> SampleOptions {
    SampleOptions { payees, month: october(), seed, bad_rows, payments: 0, ssp_cases: 0 }
}

/// A generated file as (line number, header-keyed record) pairs.
struct Table {
    rows: Vec<(u64, HashMap<String, String>)>,
}

impl Table {
    fn read(dir: &Path, name: &str) -> Table {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        assert!(!text.contains('\r'), "{name}: LF line ends only");
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|rec| {
                let rec = rec.unwrap();
                let line = rec.position().unwrap().line();
                let map = header.iter().cloned().zip(rec.iter().map(String::from)).collect();
                (line, map)
            })
            .collect();
        Table { rows }
    }

    /// Rows not listed among the bad rows of `file`.
    fn valid<'a>(&'a self, report: &'a SampleReport, file: &'a str) -> impl Iterator<Item = &'a HashMap<String, String>> + 'a {
        let bad: HashSet<u64> = report.bad_rows.iter().filter(|b| b.file == file).map(|b| b.line).collect();
        self.rows.iter().filter(move |(line, _)| !bad.contains(line)).map(|(_, r)| r)
    }
}

fn read_all(dir: &Path) -> Vec<Vec<u8>> {
    FILES.iter().map(|f| fs::read(dir.join(f)).unwrap()).collect()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

#[test]
fn sample_is_deterministic_and_depends_on_the_seed() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let ra = generate(&opts(300, 7, 20), a.path()).unwrap();
    let rb = generate(&opts(300, 7, 20), b.path()).unwrap();
    generate(&opts(300, 8, 20), c.path()).unwrap();
    assert_eq!(ra, rb);
    assert_eq!(read_all(a.path()), read_all(b.path()));
    let (fa, fc) = (read_all(a.path()), read_all(c.path()));
    for (i, name) in FILES.iter().enumerate() {
        assert_ne!(fa[i], fc[i], "{name} must change with the seed");
    }
}

#[test]
fn sample_uses_all_39_counties_with_their_own_cities_and_zips() {
    let dir = tempfile::tempdir().unwrap();
    let report = generate(&opts(2000, 1, 0), dir.path()).unwrap();
    let providers = Table::read(dir.path(), PROVIDERS.name);
    let counties: HashSet<&str> = providers.rows.iter().map(|(_, r)| r["county"].as_str()).collect();
    assert_eq!(counties.len(), 39);
    let known: HashSet<&str> = COUNTIES.iter().map(|c| c.name).collect();
    assert!(counties.is_subset(&known));
    assert_eq!(report.providers, providers.rows.len());

    // Each payee's city and ZIP belong to the county of its first provider.
    let payees = Table::read(dir.path(), PAYEES.name);
    let mut first_county: HashMap<&str, &str> = HashMap::new();
    for (_, p) in &providers.rows {
        first_county.entry(p["payee_number"].as_str()).or_insert(p["county"].as_str());
    }
    for (_, p) in &payees.rows {
        let county = COUNTIES.iter().find(|c| c.name == first_county[p["payee_number"].as_str()]).unwrap();
        let zip5 = &p["zip"][..5];
        assert!(county.places.contains(&(p["city"].as_str(), zip5)), "{p:?}");
        let prefix: u32 = zip5[..3].parse().unwrap();
        assert!((980..=994).contains(&prefix));
        let zip = p["zip"].as_bytes();
        assert!(zip.len() == 5 || (zip.len() == 10 && zip[5] == b'-'));
        assert!(p["zip"].bytes().filter(|b| *b != b'-').all(|b| b.is_ascii_digit()));
        assert_eq!(p["state"], "WA");
    }
}

#[test]
fn sample_references_resolve_and_records_follow_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let month = october();
    let month_end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    // With bad rows present: the valid rows must still be whole and consistent.
    let report = generate(&opts(2000, 3, 40), dir.path()).unwrap();
    let payees = Table::read(dir.path(), PAYEES.name);
    let providers = Table::read(dir.path(), PROVIDERS.name);
    let clients = Table::read(dir.path(), CLIENTS.name);
    let workers = Table::read(dir.path(), WORKERS.name);
    let auths = Table::read(dir.path(), AUTHORIZATIONS.name);

    fn unique<'a>(rows: impl Iterator<Item = &'a HashMap<String, String>>, key: &str) -> HashSet<String> {
        let mut set = HashSet::new();
        for r in rows {
            assert!(set.insert(r[key].clone()), "duplicate {key} {}", r[key]);
        }
        set
    }
    let payee_ids = unique(payees.valid(&report, PAYEES.name), "payee_number");
    let provider_ids = unique(providers.valid(&report, PROVIDERS.name), "provider_number");
    let client_ids = unique(clients.valid(&report, CLIENTS.name), "client_id");
    let worker_ids = unique(workers.valid(&report, WORKERS.name), "worker_id");
    unique(auths.valid(&report, AUTHORIZATIONS.name), "reference_number");
    assert_eq!(payee_ids.len(), report.payees);
    assert_eq!(provider_ids.len(), report.providers);
    assert_eq!(client_ids.len(), report.clients);
    assert_eq!(worker_ids.len(), report.workers);
    assert!(report.workers >= 5 && report.workers.abs_diff(report.providers / 50) <= 1);

    for p in payees.valid(&report, PAYEES.name) {
        assert_eq!(p["payee_number"].len(), 9);
        let digits: String = p["tin"].chars().filter(|c| *c != '-').collect();
        assert_eq!(digits.len(), 9);
        match p["tin_type"].as_str() {
            "SSN" => assert_eq!(p["tin"].len(), 11),
            "EIN" => assert_eq!(p["tin"].len(), 10),
            other => panic!("tin_type {other}"),
        }
        if p["delivery"] != "mail" {
            assert!(p["email"].ends_with("@example.org") && p["email"].is_ascii());
        }
    }
    let mut lines_per_provider: HashMap<&str, usize> = HashMap::new();
    for p in providers.valid(&report, PROVIDERS.name) {
        assert!(payee_ids.contains(&p["payee_number"]));
        assert_eq!(p["provider_number"].len(), 7);
        lines_per_provider.insert(p["provider_number"].as_str(), 0);
    }
    let mut auth_client: HashMap<&str, &str> = HashMap::new();
    for a in auths.valid(&report, AUTHORIZATIONS.name) {
        assert!(provider_ids.contains(&a["provider_number"]), "{a:?}");
        assert!(client_ids.contains(&a["client_id"]), "{a:?}");
        assert!(worker_ids.contains(&a["worker_id"]), "{a:?}");
        *lines_per_provider.get_mut(a["provider_number"].as_str()).unwrap() += 1;
        assert_eq!(*auth_client.entry(a["authorization_number"].as_str()).or_insert(a["client_id"].as_str()), a["client_id"]);
        assert_eq!(a["reference_number"].len(), 10);
        assert!(PROGRAMS.contains(&a["program"].as_str()));
        assert_eq!(decimals(&a["rate"]), 2);
        assert!(!a["units_authorized"].starts_with('-'));
        let (start, end) = (date(&a["start_date"]), date(&a["end_date"]));
        assert!(start <= end && start <= month_end && end >= month, "{a:?}");
        assert!(end < start + Months::new(6), "{a:?}");
        if a["action"].is_empty() {
            assert!(a["action_date"].is_empty());
        } else {
            let d = date(&a["action_date"]);
            assert!(d >= month && d <= month_end, "{a:?}");
        }
        if a["service_kind"] == "infant_bonus" {
            let client = clients.rows.iter().find(|(_, c)| c["client_id"] == a["client_id"]).unwrap();
            assert!(date(&client.1["birth_date"]) + Months::new(12) > month);
        }
        let ru = a["reporting_unit"].as_bytes();
        assert!(ru.len() == 3 && ru[0].is_ascii_digit() && ru[1..].iter().all(u8::is_ascii_uppercase));
    }
    assert!(lines_per_provider.values().all(|n| (1..=14).contains(n)));
    // Within one invoice the last four digits of reference numbers are distinct.
    let mut last_four: HashSet<(&str, &str)> = HashSet::new();
    for a in auths.valid(&report, AUTHORIZATIONS.name) {
        assert!(last_four.insert((a["provider_number"].as_str(), &a["reference_number"][6..])));
    }
}

/// Every file the sample writes carries `load`'s header for it (its columns, in its
/// order), no file outside the record format is written, and the whole sample, with
/// every option on, loads through `load::load_folder` and validates with no problem at
/// all, every row accepted; with bad rows added, the problems are exactly on those rows.
#[test]
fn every_file_has_the_load_header_and_loads_back_clean() {
    let dir = tempfile::tempdir().unwrap();
    let o = SampleOptions { payments: 3, ssp_cases: 60, ..opts(150, 11, 0) };
    let report = generate(&o, dir.path()).unwrap();

    let mut on_disk: Vec<String> =
        fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n != SAMPLE_MARKER).collect();
    on_disk.sort();
    let mut written: Vec<String> = Vec::new();
    for spec in load::FILES {
        let path = dir.path().join(spec.name);
        if !path.exists() {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header: Vec<&str> = reader.headers().unwrap().iter().collect();
        let want: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        assert_eq!(header, want, "{}", spec.name);
        written.push(spec.name.to_string());
    }
    written.sort();
    assert_eq!(on_disk, written, "every file written is a file of the record format");
    let mut expected: Vec<&str> =
        FILES.iter().copied().chain([load::PAYMENTS.name, load::PAYMENT_LINES.name, load::SSP_EVENTS.name]).collect();
    expected.sort_unstable();
    assert_eq!(written, expected);

    let loaded = load::load_folder(dir.path()).unwrap();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems.first());
    let rows = |name: &str| loaded.tables[name].rows.len();
    let counts = [
        (load::PAYEES.name, report.payees),
        (load::PROVIDERS.name, report.providers),
        (load::CLIENTS.name, report.clients),
        (load::WORKERS.name, report.workers),
        (load::AUTHORIZATIONS.name, report.authorizations),
        (load::PAYMENTS.name, report.payments),
        (load::PAYMENT_LINES.name, report.payment_lines),
        (load::SSP_EVENTS.name, report.ssp_events),
    ];
    for (name, n) in counts {
        assert!(n > 0, "{name}");
        assert_eq!(rows(name), n, "{name}");
    }
    let v = crate::validate::validate(loaded, &crate::calendar::Holidays::washington());
    assert!(v.problems.is_empty(), "{:?}", v.problems.first());
    let x = &v.extract;
    assert_eq!(x.payees.len(), report.payees);
    assert_eq!(x.providers.len(), report.providers);
    assert_eq!(x.clients.len(), report.clients);
    assert!(report.clients > o.ssp_cases);
    assert_eq!(x.workers.len(), report.workers);
    assert_eq!(x.authorizations.len(), report.authorizations);
    assert_eq!(x.payments.len(), report.payments);
    assert_eq!(x.payment_lines.len(), report.payment_lines);
    assert_eq!(x.ssp_events.len(), report.ssp_events);

    // The same sample with one bad row of each kind: a problem on each (an error, or a
    // warning for the malformed ZIP, which only makes the address unmailable), and
    // nowhere else.
    let bad = tempfile::tempdir().unwrap();
    let report = generate(&SampleOptions { bad_rows: BAD_ROW_KINDS.len(), ..o }, bad.path()).unwrap();
    let v = crate::ops::read_extract(bad.path()).unwrap();
    let problems: HashSet<(&str, u64)> =
        v.problems.iter().map(|p| (p.file.as_str(), p.line.expect("a row's problem names its line"))).collect();
    let broken: HashSet<(&str, u64)> = report.bad_rows.iter().map(|b| (b.file, b.line)).collect();
    assert_eq!(problems, broken);
}

#[test]
fn sample_gives_about_32000_pages_for_23000_payees() {
    let dir = tempfile::tempdir().unwrap();
    let payees = 2000;
    generate(&opts(payees, 11, 0), dir.path()).unwrap();
    let auths = Table::read(dir.path(), AUTHORIZATIONS.name);
    let mut lines: HashMap<&str, usize> = HashMap::new();
    for (_, a) in &auths.rows {
        *lines.entry(a["provider_number"].as_str()).or_default() += 1;
    }
    let pages: usize = lines.values().map(|n| n.div_ceil(6)).sum();
    let ratio = pages as f64 / payees as f64;
    let target = 32_000.0 / 23_000.0;
    assert!((ratio / target - 1.0).abs() <= 0.08, "{ratio} pages a payee, want {target}");
    let (small, mid, big) = lines.values().fold((0, 0, 0), |(s, m, b), n| match n {
        1..=6 => (s + 1, m, b),
        7..=12 => (s, m + 1, b),
        _ => (s, m, b + 1),
    });
    assert!(small > mid && mid > big && big > 0);
}

#[test]
fn sample_has_non_ascii_and_apostrophe_names() {
    let dir = tempfile::tempdir().unwrap();
    generate(&opts(1000, 5, 0), dir.path()).unwrap();
    let clients = Table::read(dir.path(), CLIENTS.name);
    let non_ascii = clients.rows.iter().filter(|(_, c)| !c["first_name"].is_ascii() || !c["last_name"].is_ascii()).count();
    let share = non_ascii as f64 / clients.rows.len() as f64;
    assert!((0.10..=0.22).contains(&share), "non-ASCII share {share}");
    let all: String = clients.rows.iter().map(|(_, c)| format!("{} {}\n", c["first_name"], c["last_name"])).collect();
    for needle in ["'", "ễ", "ñ", "á"] {
        assert!(all.contains(needle), "no {needle} in client names");
    }
    let payees = Table::read(dir.path(), PAYEES.name);
    assert!(payees.rows.iter().all(|(_, p)| p["email"].is_ascii()));
}

/// Re-reads the line the report names and checks that it shows its defect.
#[test]
fn sample_bad_rows_are_where_the_report_says() {
    let dir = tempfile::tempdir().unwrap();
    let k = 47;
    let report = generate(&opts(500, 9, k), dir.path()).unwrap();
    assert_eq!(report.bad_rows.len(), k);
    let kinds: HashSet<&str> = report.bad_rows.iter().map(|b| b.what).collect();
    assert_eq!(kinds.len(), 14);
    let files: HashSet<&str> = report.bad_rows.iter().map(|b| b.file).collect();
    assert_eq!(files.len(), 5);

    let providers = Table::read(dir.path(), PROVIDERS.name);
    let clients = Table::read(dir.path(), CLIENTS.name);
    let provider_ids: HashSet<&str> = providers.rows.iter().map(|(_, r)| r["provider_number"].as_str()).collect();
    let client_ids: HashSet<&str> = clients.rows.iter().map(|(_, r)| r["client_id"].as_str()).collect();
    let mut texts: HashMap<&str, String> = HashMap::new();
    for b in &report.bad_rows {
        let text = texts.entry(b.file).or_insert_with(|| fs::read_to_string(dir.path().join(b.file)).unwrap());
        let mut lines = text.split('\n');
        let header = lines.next().unwrap();
        let line = text.split('\n').nth(b.line as usize - 1).unwrap();
        let row_text = format!("{header}\n{line}\n");
        let mut reader = csv::Reader::from_reader(row_text.as_bytes());
        let names: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rec = reader.records().next().unwrap().unwrap();
        let row: HashMap<&str, &str> = names.iter().map(String::as_str).zip(rec.iter()).collect();
        let broken = match b.what {
            "rate with 3 decimals" => decimals(row["rate"]) == 3,
            "negative units_authorized" => row["units_authorized"].starts_with('-'),
            "unknown program DAYCARE" => row["program"] == "DAYCARE",
            "end_date before start_date" => date(row["end_date"]) < date(row["start_date"]),
            "service period longer than 6 months" => date(row["end_date"]) >= date(row["start_date"]) + Months::new(6),
            "reference_number of 9 digits" => row["reference_number"].len() == 9,
            "provider_number that does not exist" => !provider_ids.contains(row["provider_number"]),
            "client_id that does not exist" => !client_ids.contains(row["client_id"]),
            "malformed zip 9850" => row["zip"] == "9850",
            "tin with 8 digits" => row["tin"].chars().filter(char::is_ascii_digit).count() == 8,
            "duplicate payee_number" => {
                let n = row["payee_number"];
                let first = text.split('\n').position(|l| l.starts_with(&format!("{n},"))).unwrap();
                (first as u64 + 1) < b.line
            }
            "delivery email with empty email" => row["delivery"] == "email" && row["email"].is_empty(),
            "impossible date 2026-02-30" => {
                row["birth_date"] == "2026-02-30" && NaiveDate::parse_from_str("2026-02-30", "%Y-%m-%d").is_err()
            }
            "identifier with a space" => rec.get(0).unwrap().contains(' '),
            other => panic!("unknown kind {other}"),
        };
        assert!(broken, "{b:?}: {line}");
    }

    // The bad rows only add: the valid rows are those of the same run without them.
    let clean = tempfile::tempdir().unwrap();
    let clean_report = generate(&opts(500, 9, 0), clean.path()).unwrap();
    assert_eq!(SampleReport { bad_rows: vec![], ..report.clone() }, clean_report);
    for name in FILES {
        let with = fs::read_to_string(dir.path().join(name)).unwrap();
        let without = fs::read_to_string(clean.path().join(name)).unwrap();
        assert!(with.starts_with(&without), "{name}");
    }
}

#[test]
fn sample_rejects_bad_options_and_names_unwritable_paths() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(generate(&opts(0, 1, 0), dir.path()), Err(SampleError::InvalidOptions(_))));
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let err = generate(&opts(3, 1, 0), &file).unwrap_err();
    assert!(matches!(err, SampleError::CreateDir { .. }));
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}

#[test]
fn ssp_cases_are_valid_varied_and_make_letters() {
    let dir = tempfile::tempdir().unwrap();
    let o = SampleOptions { ssp_cases: 400, ..opts(3, 7, 0) };
    let report = generate(&o, dir.path()).unwrap();
    assert_eq!(report.ssp_events, 400);
    let v = crate::ops::read_extract(dir.path()).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems.first());
    let x = &v.extract;
    assert_eq!(x.ssp_events.len(), 400);
    let kinds: HashSet<&str> = x.ssp_events.values().map(|e| e.event.code()).collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    let reasons: HashSet<&str> = x.ssp_events.values().filter_map(|e| e.reason_code.as_deref()).collect();
    for code in ["109", "110", "111", "341", "599"] {
        assert!(reasons.contains(code), "{code}");
    }
    assert!(x.ssp_events.values().any(|e| e.amount.is_some_and(|a| a < rust_decimal::Decimal::ONE)), "a MIL amount under a dollar");
    assert!(x.clients.values().any(|c| c.language == crate::model::Language::Es));
    let c = crate::compose::letter::letters(
        x,
        &crate::texts::aces::Catalog::bundled(),
        &crate::texts::Texts::bundled(),
        &crate::calendar::Holidays::washington(),
        october(),
    );
    assert!(c.refused.is_empty());
    let ssi = x.ssp_events.values().filter(|e| e.event == crate::model::SspEventKind::SsiTermination).count();
    assert_eq!(c.letters.len(), 400 + ssi);
    // The same options, the same bytes.
    let again = tempfile::tempdir().unwrap();
    generate(&o, again.path()).unwrap();
    for f in ["clients.csv", "ssp_events.csv"] {
        assert_eq!(fs::read(dir.path().join(f)).unwrap(), fs::read(again.path().join(f)).unwrap(), "{f}");
    }
}

#[test]
fn payments_pay_the_lines_monthly_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let o = SampleOptions { payments: 12, month: date("2026-12-01"), ..opts(60, 3, 0) };
    let report = generate(&o, dir.path()).unwrap();
    assert_eq!(report.payments, 12 * 60);
    let v = crate::ops::read_extract(dir.path()).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems.first());
    let x = &v.extract;
    assert_eq!(x.payments.len(), 720);
    assert_eq!(x.payment_lines.len(), report.payment_lines);
    // Twelve a payee, all issued in 2026 on weekdays, one a month.
    let mut per_payee: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    for p in x.payments.values() {
        per_payee.entry(p.payee_number.to_string()).or_default().push(p.issue_date);
        assert_eq!(p.issue_date.year(), 2026);
        assert!(p.issue_date.weekday().number_from_monday() <= 5);
        assert_eq!(p.settlement_date.is_some(), p.method == crate::model::PaymentMethod::Eft);
    }
    assert_eq!(per_payee.len(), 60);
    for dates in per_payee.values() {
        let months: HashSet<u32> = dates.iter().map(|d| d.month()).collect();
        assert_eq!(months.len(), 12);
    }
    // Each line pays an authorization line of its payee, at its rate, for the month before.
    for l in x.payment_lines.iter().filter(|l| l.adjustment_code.is_none()) {
        let a = &x.authorizations[l.reference_number.as_ref().unwrap()];
        let pay = &x.payments[&l.payment_id];
        assert_eq!(x.providers[&a.provider_number].payee_number, pay.payee_number);
        assert_eq!(l.rate, Some(a.rate));
        assert!(l.units.unwrap() <= a.units_authorized);
        assert_eq!(l.service_month.next(), crate::model::Month::of(pay.issue_date));
    }
    assert!(x.payment_lines.iter().any(|l| l.adjustment_code.as_deref() == Some("OVP") && l.amount.is_sign_negative()));
    // The same options, the same bytes.
    let again = tempfile::tempdir().unwrap();
    generate(&o, again.path()).unwrap();
    for f in ["payments.csv", "payment_lines.csv"] {
        assert_eq!(fs::read(dir.path().join(f)).unwrap(), fs::read(again.path().join(f)).unwrap(), "{f}");
    }
}
