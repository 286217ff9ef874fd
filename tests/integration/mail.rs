//! The print job (issue 3): envelopes, barcodes, batches, job files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::util::{copy_extract, edit, oct_2026, pdf_page_count, read_csv, ssps, stderr, stdout};

type Row = BTreeMap<String, String>;

/// Runs the October invoices with `settings` (edits of the bundled mail
/// settings, applied in order) into `<tmp>/run`.
fn run_with(tmp: &Path, data: &Path, settings: &[(&str, &str)]) -> (std::process::Output, PathBuf) {
    let out = tmp.join("run");
    let mut args = vec!["invoices".to_string(), "--data".into(), data.display().to_string(), "--month".into(), "2026-10".into()];
    args.extend(["--out".into(), out.display().to_string()]);
    if !settings.is_empty() {
        let mut toml = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mail.toml")).unwrap();
        for (from, to) in settings {
            assert!(toml.contains(from), "mail.toml has no {from:?}");
            toml = toml.replacen(from, to, 1);
        }
        let path = tmp.join("mail.toml");
        std::fs::write(&path, toml).unwrap();
        args.extend(["--mail-config".into(), path.display().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (ssps(&args), out)
}

fn job(out: &Path) -> (Vec<Row>, serde_json::Value) {
    let rows = read_csv(&out.join("print/job.csv"));
    let json = serde_json::from_slice(&std::fs::read(out.join("print/job.json")).unwrap()).unwrap();
    (rows, json)
}

/// The rectangles (`x y w h re`) the print channel drew over a page (its
/// last content stream), 1-based page number.
fn overlay_rects(pdf: &Path, page: u32) -> Vec<[f64; 4]> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let id = doc.get_pages()[&page];
    let last = match doc.get_dictionary(id).unwrap().get(b"Contents") {
        Ok(lopdf::Object::Array(parts)) => parts.last().unwrap().as_reference().unwrap(),
        _ => return Vec::new(), // a blank back, or no overlay (the page's own single stream)
    };
    let stream = doc.get_object(last).unwrap().as_stream().unwrap();
    let text = String::from_utf8(stream.content.clone()).unwrap();
    text.lines()
        .filter(|l| l.ends_with(" re"))
        .map(|l| {
            let n: Vec<f64> = l.split_whitespace().take(4).map(|x| x.parse().unwrap()).collect();
            [n[0], n[1], n[2], n[3]]
        })
        .collect()
}

/// Reads the bars back from their drawn rectangles: height and position
/// tell full, ascender, descender and tracker apart.
fn bars_from_rects(rects: &[[f64; 4]]) -> String {
    let top = rects.iter().map(|r| r[1] + r[3]).fold(f64::MIN, f64::max);
    let bottom = rects.iter().map(|r| r[1]).fold(f64::MAX, f64::min);
    rects
        .iter()
        .map(|r| {
            let reaches_top = (r[1] + r[3] - top).abs() < 0.01;
            let reaches_bottom = (r[1] - bottom).abs() < 0.01;
            match (reaches_top, reaches_bottom) {
                (true, true) => 'F',
                (true, false) => 'A',
                (false, true) => 'D',
                (false, false) => 'T',
            }
        })
        .collect()
}

#[test]
fn imb_command_prints_the_specification_examples() {
    let cases = [
        ("", "ATTFATTDTTADTAATTDTDTATTDAFDDFADFDFTFFFFFTATFAAAATDFFTDAADFTFDTDT"),
        ("01234", "DTTAFADDTTFTDTFTFDTDDADADAFADFATDDFTAAAFDTTADFAAATDFDTDFADDDTDFFT"),
        ("012345678", "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA"),
        ("01234567891", "AADTFFDFTDADTAADAATFDTDDAAADDTDTTDAFADADDDTFFFDDTTTADFAAADFTDAADA"),
    ];
    for (zip, bars) in cases {
        let o =
            ssps(&["imb", "--barcode-id", "01", "--service-type", "234", "--mailer-id", "567094", "--serial", "987654321", "--zip", zip]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(stdout(&o), format!("{bars}\n"), "zip {zip:?}");
    }
    let o =
        ssps(&["imb", "--barcode-id", "01", "--service-type", "234", "--mailer-id", "567094", "--serial", "987654321", "--zip", "9850"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: cannot make the barcode: routing code must be 0, 5, 9 or 11 digits, got 4 digits\n");
    let o =
        ssps(&["imb", "--barcode-id", "01", "--service-type", "234", "--mailer-id", "567094", "--serial", "987654321", "--zip", "98501-"]);
    assert_eq!(stderr(&o), "error: cannot make the barcode: routing code must be digits only, got \"98501-\"\n");
    let o = ssps(&[
        "imb",
        "--barcode-id",
        "01",
        "--service-type",
        "234",
        "--mailer-id",
        "567094",
        "--serial",
        "987654321",
        "--zip",
        "01234-5678",
    ]);
    assert_eq!(stdout(&o), "ADFTTAFDTTTTFATTADTAAATFTFTATDAAAFDDADATATDTDTTDFDTDATADADTDFFTFA\n", "ZIP+4 with its hyphen");
    let o = ssps(&["imb", "--barcode-id", "07", "--service-type", "234", "--mailer-id", "567094", "--serial", "987654321"]);
    assert_eq!(stderr(&o), "error: cannot make the barcode: the barcode ID's second digit must be 0-4, got \"07\"\n");
}

#[test]
fn imb_command_agrees_with_an_independent_encoder() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imb/reportlab-cases.csv");
    for r in read_csv(&path).iter().step_by(10) {
        let o = ssps(&[
            "imb",
            "--barcode-id",
            &r["barcode_id"],
            "--service-type",
            &r["service_type"],
            "--mailer-id",
            &r["mailer_id"],
            "--serial",
            &r["serial"],
            "--zip",
            &r["routing"],
        ]);
        assert_eq!(stdout(&o).trim_end(), r["bars"], "{r:?}");
    }
}

#[test]
fn one_payee_with_two_providers_gets_one_envelope() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (rows, _) = job(&out);
    let sunrise = &rows[0];
    assert_eq!(sunrise["recipient"], "Sunrise Early Learning LLC");
    assert_eq!(sunrise["documents"], "300A-261101;300B-261101");
    // 300A: 2 pages; 300B: 1 page and a blank back.
    assert_eq!((sunrise["pages"].as_str(), sunrise["sheets"].as_str(), sunrise["first_page"].as_str()), ("4", "2", "1"));
    let m: BTreeMap<String, Row> = read_csv(&out.join("manifest.csv")).into_iter().map(|r| (r["document_id"].clone(), r)).collect();
    assert_eq!(m["300A-261101"]["envelope"], "1");
    assert_eq!(m["300B-261101"]["envelope"], "1");
    assert_eq!(m["300B-261101"]["print_first_page"], "3");
}

#[test]
fn every_mailed_document_is_in_exactly_one_envelope_and_the_job_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (rows, json) = job(&out);
    let placed: Vec<String> = rows.iter().flat_map(|r| r["documents"].split(';').map(str::to_string)).collect();
    let unique: BTreeSet<&String> = placed.iter().collect();
    assert_eq!(placed.len(), unique.len(), "no document in two envelopes");
    let mailed: BTreeSet<String> = read_csv(&out.join("manifest.csv"))
        .into_iter()
        .filter(|r| r["channels"].split(';').any(|c| c == "mail"))
        .map(|r| r["document_id"].clone())
        .collect();
    assert_eq!(unique.into_iter().cloned().collect::<BTreeSet<_>>(), mailed);
    assert_eq!((json["envelopes"].as_u64(), json["documents"].as_u64()), (Some(5), Some(6)));
    let sheets: u64 = rows.iter().map(|r| r["sheets"].parse::<u64>().unwrap()).sum();
    let pages: u64 = rows.iter().map(|r| r["pages"].parse::<u64>().unwrap()).sum();
    assert_eq!((json["sheets"].as_u64(), json["pages"].as_u64(), json["blank_pages"].as_u64()), (Some(sheets), Some(pages), Some(5)));
    assert_eq!(pdf_page_count(&out.join("print/batch-0001.pdf")), pages as usize);
    assert_eq!(json["zip_groups"]["981"]["envelopes"], 1);
    assert_eq!(json["zip_groups"]["984"]["envelopes"], 1);
    assert_eq!(json["zip_groups"]["985"]["envelopes"], 1);
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for name in [
        "mailable documents placed in envelopes",
        "each mailable document in exactly one envelope",
        "sheets printed (from the pages written) = sheets of the envelopes",
    ] {
        let check = summary["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}"));
        assert_eq!(check["ok"], true, "{check}");
    }
}

#[test]
fn each_envelope_carries_its_own_barcode_above_the_address() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (rows, _) = job(&out);
    let mut serials = BTreeSet::new();
    for r in &rows {
        let page: u32 = r["first_page"].parse().unwrap();
        let rects = overlay_rects(&out.join("print").join(&r["batch_file"]), page);
        assert_eq!(rects.len(), 65, "envelope {}", r["envelope"]);
        assert_eq!(bars_from_rects(&rects), r["imb_bars"], "envelope {}", r["envelope"]);
        // The same fields through `ssps imb` give the same bars.
        let t = &r["imb_tracking"];
        let o = ssps(&[
            "imb",
            "--barcode-id",
            &t[0..2],
            "--service-type",
            &t[2..5],
            "--mailer-id",
            &t[5..11],
            "--serial",
            &t[11..],
            "--zip",
            &r["imb_routing"],
        ]);
        assert_eq!(stdout(&o).trim_end(), r["imb_bars"]);
        assert_eq!(r["imb_routing"], r["zip"].replace('-', ""));
        assert_eq!(r["imb_serial"], t[11..]);
        assert!(serials.insert(t[11..].to_string()), "serial {} used twice", &t[11..]);
        // Inside the window (x 0.875-5.375 in, y 2.50-3.625 in from the top), above the address (2.80 in).
        let (left, right) = (rects[0][0], rects[64][0] + rects[64][2]);
        let (top, bottom) = (rects.iter().map(|r| r[1] + r[3]).fold(0.0, f64::max), rects.iter().map(|r| r[1]).fold(792.0, f64::min));
        assert!(left >= 0.875 * 72.0 + 9.0 && right <= 5.375 * 72.0 - 9.0, "1/8 in clear of the window's sides");
        assert!(top <= 792.0 - 2.50 * 72.0 - 2.0 && bottom >= 792.0 - 2.80 * 72.0 + 2.0, "between the window top and the address");
        // Nominal USPS-B-3200 sizes: 22 bars per inch, bars 0.020 in wide.
        assert!(((right - left) - (64.0 / 22.0 + 0.02) * 72.0).abs() < 0.05);
    }
    // Only the first page of an envelope has a barcode: 300B (page 3) shares envelope 1.
    assert!(overlay_rects(&out.join("print/batch-0001.pdf"), 3).is_empty());
}

#[test]
fn the_window_shows_only_name_and_address() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payees: BTreeMap<String, Row> = read_csv(&oct_2026().join("payees.csv")).into_iter().map(|r| (r["name"].clone(), r)).collect();
    let (rows, _) = job(&out);
    for r in &rows {
        let p = &payees[&r["recipient"]];
        let mut expected = vec![p["name"].clone()];
        for k in ["dba_name", "address_line1", "address_line2"] {
            if !p[k].is_empty() {
                expected.push(p[k].clone());
            }
        }
        expected.push(format!("{} {} {}", p["city"], p["state"], p["zip"]));
        // The #10 window: 4-1/2 × 1-1/8 in, 7/8 in from the left, its top 2.50 in from the page's top.
        let page = &r["first_page"];
        let o = Command::new("pdftotext")
            .args(["-enc", "UTF-8", "-r", "72", "-x", "63", "-y", "180", "-W", "324", "-H", "81", "-f", page, "-l", page])
            .arg(out.join("print").join(&r["batch_file"]))
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils; `bash .ci/run` installs it)");
        let seen = String::from_utf8(o.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(seen, expected.join(" ").split_whitespace().collect::<Vec<_>>().join(" "), "envelope {}", r["envelope"]);
    }
}

#[test]
fn flats_and_batch_files_follow_the_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) =
        run_with(tmp.path(), &oct_2026(), &[("max_per_envelope = 5", "max_per_envelope = 1"), ("batch_max = 2000", "batch_max = 2")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (rows, json) = job(&out);
    let placement: Vec<(&str, &str, &str)> =
        rows.iter().map(|r| (r["batch_file"].as_str(), r["stream"].as_str(), r["first_page"].as_str())).collect();
    assert_eq!(
        placement,
        [
            ("flats-0001.pdf", "flats", "1"),   // Sunrise: 2 sheets
            ("flats-0002.pdf", "flats", "1"),   // Tacoma: 2 sheets, the first flats file is full
            ("batch-0001.pdf", "letters", "1"), // three 1-sheet envelopes: 2 + 1
            ("batch-0001.pdf", "letters", "3"),
            ("batch-0002.pdf", "letters", "1"),
        ]
    );
    for (file, pages) in [("flats-0001.pdf", 4), ("flats-0002.pdf", 4), ("batch-0001.pdf", 4), ("batch-0002.pdf", 2)] {
        assert_eq!(pdf_page_count(&out.join("print").join(file)), pages, "{file}");
    }
    let files: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["flats-0001.pdf", "flats-0002.pdf", "batch-0001.pdf", "batch-0002.pdf"]);
    assert!(json["files"].as_array().unwrap().iter().all(|f| f["sheets"].as_u64().unwrap() <= 2));
    assert_eq!(json["flats"], 2);
    assert_eq!(json["zip_groups"]["984"]["flats"], 1);
}

#[test]
fn duplex_adds_blank_backs_and_simplex_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[("duplex = true", "duplex = false")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, json) = job(&out);
    // 2 + 1 + 3 + 1 + 1 + 1 invoice pages, one sheet each.
    assert_eq!((json["pages"].as_u64(), json["sheets"].as_u64(), json["blank_pages"].as_u64()), (Some(9), Some(9), Some(0)));
    let pages = crate::util::pdf_pages_text(&out.join("print/batch-0001.pdf"));
    assert_eq!(pages.len(), 9);
    assert!(pages.iter().all(|p| p.contains("INVOICE")), "no blank page in simplex");
}

#[test]
fn omr_marks_tell_the_inserter_sheet_order_and_end_of_collation() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[("enabled = false", "enabled = true")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (rows, _) = job(&out);
    let pdf = out.join("print/batch-0001.pdf");
    let mut sheet = 0;
    for r in &rows {
        let first: u32 = r["first_page"].parse().unwrap();
        let sheets: u32 = r["sheets"].parse().unwrap();
        for s in 0..sheets {
            sheet += 1;
            let front = first + 2 * s;
            // Marks are the short dashes in the left margin (the barcode's bars are further right).
            let marks: Vec<f64> = overlay_rects(&pdf, front).iter().filter(|m| m[0] < 36.0).map(|m| m[1] + m[3] / 2.0).collect();
            // Positions: centre 4.0 in from the top, one every 1/6 in.
            let slot = |y: f64| ((792.0 - y) / 72.0 - 4.0) / 0.1667;
            let slots: BTreeSet<i64> = marks.iter().map(|&y| slot(y).round() as i64).collect();
            assert!(slots.contains(&0) && slots.contains(&6), "benchmark and safety on sheet {sheet}");
            assert_eq!(slots.contains(&1), s + 1 == sheets, "end of collation only on an envelope's last sheet (sheet {sheet})");
            let seq = (0..3).filter(|b| slots.contains(&(2 + b))).map(|b| 1 << b).sum::<u32>();
            assert_eq!(seq, sheet % 8, "sheet sequence of sheet {sheet}");
            assert_eq!(slots.len() % 2, 0, "even parity on sheet {sheet}");
            // Backs carry no marks.
            assert!(overlay_rects(&pdf, front + 1).iter().all(|m| m[0] >= 36.0));
        }
    }
    assert_eq!(sheet, 7);
}

#[test]
fn an_unmailable_address_is_reported_and_its_invoice_is_download_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    copy_extract(&oct_2026(), &data);
    edit(&data, "payees.csv", "Olympia,WA,98501,", "Olympia,WA,9850,");
    let (o, out) = run_with(tmp.path(), &data, &[]);
    assert_eq!(o.status.code(), Some(1), "something to act on: {}", stderr(&o));
    let m: BTreeMap<String, Row> = read_csv(&out.join("manifest.csv")).into_iter().map(|r| (r["document_id"].clone(), r)).collect();
    assert_eq!(m.len(), 8, "every invoice is still made");
    assert_eq!(m["305A-261101"]["channels"], "unmailable;download");
    assert_eq!(m["305A-261101"]["envelope"], "");
    let text = crate::util::pdf_text(&out.join("documents/100200305/305A-261101.pdf"));
    assert!(text.contains("305A-261101") && text.contains("James O'Connor"), "{text}");
    let rejects = read_csv(&out.join("rejects.csv"));
    let r = rejects.iter().find(|r| r["file"] == "payees.csv").expect("a rejects row for the address");
    assert_eq!((r["severity"].as_str(), r["line"].as_str(), r["column"].as_str(), r["value"].as_str()), ("unmailable", "7", "zip", "9850"));
    assert_eq!(r["record"], "payee 100200305");
    assert_eq!(
        r["rule"],
        "a ZIP code is NNNNN or NNNNN-NNNN, like 98501 or 98144-2923: the address cannot be mailed to James O'Connor; their documents are made for download only (channel unmailable) until it is fixed"
    );
    let (rows, json) = job(&out);
    assert!(rows.iter().all(|r| !r["documents"].contains("305A")));
    assert_eq!(json["envelopes"], 4);
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["unmailable"].as_u64(), summary["rejected_records"].as_u64()), (Some(1), Some(0)));
    assert_eq!(summary["channels"]["unmailable"], 1);
}

#[test]
fn the_job_archive_holds_the_batches_with_their_checksums() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) =
        run_with(tmp.path(), &oct_2026(), &[("max_per_envelope = 5", "max_per_envelope = 2"), ("batch_max = 2000", "batch_max = 3")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(out.join("print/job.zip")).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    assert_eq!(names, ["batch-0001.pdf", "batch-0002.pdf", "batch-0003.pdf", "job.csv", "job.json", "SHA256SUMS"]);
    let mut read = |name: &str| {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut buf).unwrap();
        buf
    };
    let sums = String::from_utf8(read("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 5);
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").unwrap();
        let member = read(name);
        let hex: String = Sha256::digest(&member).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, sum, "{name} in the archive");
        assert_eq!(member, std::fs::read(out.join("print").join(name)).unwrap(), "{name} as written");
    }
    let (_, json) = job(&out);
    let listed: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f["sha256"].as_str().unwrap()).collect();
    assert!(listed.iter().all(|s| sums.contains(s)));
}

/// PDF/A-2b problems of a file, as `rule: message` lines (empty when it conforms).
fn pdfa_2b_failures(path: &Path) -> Vec<String> {
    use page_validation::{validate_pdf, ValidationOptions, ValidationProfile};
    let report = validate_pdf(path, &ValidationOptions::default().profile(ValidationProfile::PdfA2b))
        .unwrap_or_else(|e| panic!("{}: not a readable PDF: {e}", path.display()));
    assert_eq!(report.is_compliant, report.failures.is_empty());
    report.failures.iter().map(|f| format!("{}: {}", f.rule_id, f.message)).collect()
}

#[test]
fn download_copies_are_pdf_a_2b_and_print_files_plain_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, out) = run_with(tmp.path(), &oct_2026(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&out.join("manifest.csv"));
    assert_eq!(rows.len(), 8);
    for r in &rows {
        let failures = pdfa_2b_failures(&out.join(&r["file"]));
        assert!(failures.is_empty(), "{} is not PDF/A-2b:\n{}", r["file"], failures.join("\n"));
    }
    // The checker is not lenient: the print file (plain PDF, no output
    // intent or PDF/A identification) fails it.
    let print = pdfa_2b_failures(&out.join("print/batch-0001.pdf"));
    assert!(print.iter().any(|f| f.contains("XMP does not contain the PDF/A Identification schema")), "{print:?}");
    // The archival metadata agrees with the document: title, date.
    let doc = lopdf::Document::load(out.join("documents/100200305/305A-261101.pdf")).unwrap();
    let info = doc.trailer.get(b"Info").and_then(|i| doc.dereference(i)).unwrap().1.as_dict().unwrap().clone();
    assert_eq!(info.get(b"Title").unwrap().as_str().unwrap(), b"DSHS 08-141 invoice 305A-261101 for month ending 10/31/2026");
    assert_eq!(info.get(b"CreationDate").unwrap().as_str().unwrap(), b"D:20261031000000Z");
}

#[test]
fn every_download_copy_of_a_sample_month_is_pdf_a_2b() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ssps(&["sample", "--payees", "300", "--month", "2026-10", "--out", data.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (o, out) = run_with(tmp.path(), &data, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = read_csv(&out.join("manifest.csv"));
    assert!(rows.len() > 300);
    let bad: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let f = pdfa_2b_failures(&out.join(&r["file"]));
            (!f.is_empty()).then(|| format!("{}: {}", r["file"], f.join("; ")))
        })
        .collect();
    assert!(bad.is_empty(), "{} of {} copies are not PDF/A-2b:\n{}", bad.len(), rows.len(), bad.join("\n"));
}
