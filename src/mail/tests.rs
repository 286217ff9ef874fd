//! Unit tests of [`super`] (`src/mail.rs`): envelopes, householding,
//! sheets, flats, presort, batch files and barcode serials.

use super::*;
use crate::kind::Kind;

fn addr(line1: &str, zip: &str) -> Address {
    Address { line1: line1.into(), line2: None, city: "Olympia".into(), state: "WA".into(), zip: zip.into(), mailable: true }
}

fn month() -> Month {
    Month::parse("2026-10").unwrap()
}

fn config(edit: impl FnOnce(&mut MailConfig)) -> MailConfig {
    let mut c = MailConfig::default_config();
    edit(&mut c);
    c
}

#[test]
fn bundled_settings_parse() {
    let c = MailConfig::default_config();
    assert!(c.sheets.duplex);
    assert_eq!(c.sheets.max_per_envelope, 5);
    assert_eq!(c.imb.serial, SerialScheme::MonthSequence);
}

#[test]
fn settings_errors_name_the_key() {
    let bad = DEFAULT_CONFIG.replace("mailer_id = \"123456\"", "mailer_id = \"923456\"");
    assert_eq!(
        MailConfig::parse(&bad, "mail.toml").unwrap_err().to_string(),
        "mail settings mail.toml: imb: mailer ID must be 6 digits starting 0-8, or 9 digits starting 9, got 6 digits"
    );
    let bad = DEFAULT_CONFIG.replace("batch_max = 2000", "batch_max = 3");
    assert_eq!(
        MailConfig::parse(&bad, "mail.toml").unwrap_err().to_string(),
        "mail settings mail.toml: sheets.batch_max: must be at least sheets.max_per_envelope (5)"
    );
    let bad = DEFAULT_CONFIG.replace("duplex = true", "duplex = true\nsimplex = false");
    let err = MailConfig::parse(&bad, "mail.toml").unwrap_err().to_string();
    assert!(err.starts_with("mail settings mail.toml: unknown field `simplex`"), "{err}");
}

#[test]
fn one_payee_with_two_providers_gets_one_envelope() {
    let a = addr("12 Main St", "98501-1234");
    let same_other_case = addr("12  MAIN st", "98501-1234");
    let b = addr("400 Pine St", "98101");
    let pieces = [
        Piece { owner: "Ann Lee", document: "300B-261101", recipient: "Ann Lee", address: &same_other_case, pages: 1 },
        Piece { owner: "Bo Tran", document: "500A-261101", recipient: "Bo Tran", address: &b, pages: 2 },
        Piece { owner: "Ann Lee", document: "300A-261101", recipient: "Ann Lee", address: &a, pages: 3 },
    ];
    let plan = plan(&pieces, &MailConfig::default_config(), month(), Kind::Invoice).unwrap();
    assert_eq!(plan.envelopes.len(), 2);
    // ZIP order: 98101 before 98501.
    let bo = &plan.envelopes[0];
    assert_eq!((bo.seq, bo.recipient.as_str(), bo.sheets), (1, "Bo Tran", 1));
    let ann = &plan.envelopes[1];
    let docs: Vec<&str> = ann.documents.iter().map(|d| pieces[d.piece].document).collect();
    assert_eq!(docs, ["300A-261101", "300B-261101"]);
    // 3 pages + blank back, 1 page + blank back: 6 pages, 3 sheets.
    assert_eq!((ann.pages, ann.sheets, ann.documents[0].blanks, ann.documents[1].blanks), (6, 3, 1, 1));
    // The ZIP+4 routes the barcode.
    assert_eq!(ann.imb.routing, "985011234");
    assert_eq!((ann.file.as_str(), ann.first_page, ann.first_sheet), ("batch-0001.pdf", 3, 2));
}

#[test]
fn different_owners_with_the_same_name_and_address_get_their_own_envelopes() {
    let a = addr("77 Cedar Loop SE", "98501");
    let a4 = addr("77 Cedar Loop SE", "98501-1234");
    let pieces = [
        Piece { owner: "100200305", document: "305A", recipient: "James O'Connor", address: &a, pages: 1 },
        Piece { owner: "100200307", document: "307A", recipient: "James O'Connor", address: &a4, pages: 1 },
    ];
    let p = plan(&pieces, &MailConfig::default_config(), month(), Kind::Invoice).unwrap();
    assert_eq!(p.envelopes.len(), 2);
    // Each barcode routes to the address in its own window.
    let routes: Vec<(&str, &str)> = p.envelopes.iter().map(|e| (e.owner.as_str(), e.imb.routing.as_str())).collect();
    assert_eq!(routes, [("100200305", "98501"), ("100200307", "985011234")]);
}

#[test]
fn settings_positions_must_be_on_the_page() {
    let bad = DEFAULT_CONFIG.replace("imb_left_in = 1.0", "imb_left_in = nan");
    assert_eq!(
        MailConfig::parse(&bad, "m.toml").unwrap_err().to_string(),
        "mail settings m.toml: window.imb_left_in: must be a position on the page, from 0 to 5.571 inches; got NaN"
    );
    let bad = DEFAULT_CONFIG.replace("serial_start = 1\n", "");
    assert!(MailConfig::parse(&bad, "m.toml").unwrap_err().to_string().contains("missing field `serial_start`"));
}

#[test]
fn duplex_blanks_and_simplex() {
    let a = addr("1 A St", "98001");
    let pieces = [Piece { owner: "X", document: "d1", recipient: "X", address: &a, pages: 3 }];
    let p = plan(&pieces, &MailConfig::default_config(), month(), Kind::Invoice).unwrap();
    assert_eq!((p.envelopes[0].pages, p.envelopes[0].sheets, p.files[0].blank_pages), (4, 2, 1));
    let simplex = config(|c| c.sheets.duplex = false);
    let p = plan(&pieces, &simplex, month(), Kind::Invoice).unwrap();
    assert_eq!((p.envelopes[0].pages, p.envelopes[0].sheets, p.files[0].blank_pages), (3, 3, 0));
}

#[test]
fn more_sheets_than_an_envelope_holds_go_to_flats() {
    let a = addr("1 A St", "98001");
    let b = addr("2 B St", "98002");
    let pieces = [
        // 11 pages duplex = 6 sheets > 5.
        Piece { owner: "X", document: "big", recipient: "X", address: &a, pages: 11 },
        // 10 pages = 5 sheets: still a letter.
        Piece { owner: "Y", document: "five", recipient: "Y", address: &b, pages: 10 },
    ];
    let p = plan(&pieces, &MailConfig::default_config(), month(), Kind::Invoice).unwrap();
    assert_eq!(p.envelopes[0].stream, Stream::Flats);
    assert_eq!(p.envelopes[0].file, "flats-0001.pdf");
    assert_eq!(p.envelopes[1].stream, Stream::Letters);
    assert_eq!(p.envelopes[1].file, "batch-0001.pdf");
    assert_eq!(p.envelopes[1].first_page, 1);
    assert_eq!(p.groups["980"].flats, 1);
    assert_eq!(p.groups["980"].envelopes, 2);
}

#[test]
fn batches_split_at_the_limit_and_never_split_an_envelope() {
    let addrs: Vec<Address> = (0..7).map(|i| addr(&format!("{i} Elm St"), &format!("9850{i}"))).collect();
    // Sheets 2, 2, 1, 3, 1, 2, 2 with a 5-sheet batch limit.
    let pages = [4, 3, 1, 5, 2, 4, 4];
    let names: Vec<String> = (0..7).map(|i| format!("doc{i}")).collect();
    let pieces: Vec<Piece> =
        (0..7).map(|i| Piece { owner: "R", document: &names[i], recipient: "R", address: &addrs[i], pages: pages[i] }).collect();
    let c = config(|c| c.sheets.batch_max = 5);
    let p = plan(&pieces, &c, month(), Kind::Invoice).unwrap();
    let files: Vec<(&str, usize, usize)> = p.files.iter().map(|f| (f.file.as_str(), f.envelopes, f.sheets)).collect();
    assert_eq!(files, [("batch-0001.pdf", 3, 5), ("batch-0002.pdf", 2, 4), ("batch-0003.pdf", 2, 4)]);
    assert!(p.files.iter().all(|f| f.sheets <= 5));
    assert_eq!(p.envelopes.iter().map(|e| e.sheets).sum::<usize>(), 13);
    // First pages restart in each file.
    let firsts: Vec<usize> = p.envelopes.iter().map(|e| e.first_page).collect();
    assert_eq!(firsts, [1, 5, 9, 1, 7, 1, 5]);
}

#[test]
fn serials_are_unique_stable_and_sized() {
    let c = MailConfig::default_config();
    let inv = Kind::Invoice;
    assert_eq!(c.serial(month(), inv, 1).unwrap(), "610100001");
    assert_eq!(c.serial(month(), inv, 23_456).unwrap(), "610123456");
    assert_eq!(
        c.serial(month(), inv, 100_000).unwrap_err().to_string(),
        "envelope 100000 needs a serial number of more than 5 digits; use a 6-digit mailer ID or the sequence scheme"
    );
    let nine = config(|c| {
        c.imb.mailer_id = "901234567".into();
        c.imb.serial = SerialScheme::Sequence;
        c.imb.serial_start = 500;
    });
    assert_eq!(nine.serial(month(), inv, 1).unwrap(), "000500");
    let a = addr("1 A St", "98001");
    let b = addr("2 B St", "98002");
    let pieces = [
        Piece { owner: "X", document: "x", recipient: "X", address: &a, pages: 1 },
        Piece { owner: "Y", document: "y", recipient: "Y", address: &b, pages: 1 },
    ];
    let p1 = plan(&pieces, &c, month(), Kind::Invoice).unwrap();
    let p2 = plan(&pieces, &c, month(), Kind::Invoice).unwrap();
    let serials: Vec<&str> = p1.envelopes.iter().map(|e| e.imb.serial.as_str()).collect();
    assert_eq!(serials, ["610100001", "610100002"]);
    assert_eq!(p1.envelopes[1].bars, p2.envelopes[1].bars);
    assert_eq!(p1.envelopes[0].imb.tracking(), "00300123456610100001");
}

#[test]
fn barcode_ops_draw_65_bars_at_nominal_size() {
    let bars = Imb::from_tracking("01234567094987654321", "01234567891").unwrap().bars().unwrap();
    let ops = barcode_ops(&bars, 1.0, 2.56);
    let rects: Vec<Vec<f64>> =
        ops.lines().filter(|l| l.ends_with(" re")).map(|l| l.split_whitespace().take(4).map(|n| n.parse().unwrap()).collect()).collect();
    assert_eq!(rects.len(), 65);
    // First bar 'A' (ascender): from the top down to the tracker's bottom.
    let top = 792.0 - 2.56 * 72.0;
    let r = &rects[0];
    assert!((r[0] - 72.0).abs() < 0.01 && (r[2] - 1.44).abs() < 0.01);
    assert!((r[1] + r[3] - top).abs() < 0.01);
    // "AADTF…": full bars (the 5th) are 0.145 in; trackers (the 4th) 0.048 in.
    assert!((rects[4][3] - 0.145 * 72.0).abs() < 0.01);
    assert!((rects[3][3] - 0.048 * 72.0).abs() < 0.01);
    // 22 bars per inch.
    assert!((rects[64][0] - rects[0][0] - 64.0 * 72.0 / 22.0).abs() < 0.01);
}

#[test]
fn omr_marks_encode_collation_sequence_and_parity() {
    for sheet in 1..=16 {
        for last in [false, true] {
            let m = omr_marks(sheet, last);
            assert!(m[0] && m[6], "benchmark and safety always");
            assert_eq!(m[1], last);
            let seq = usize::from(m[2]) | usize::from(m[3]) << 1 | usize::from(m[4]) << 2;
            assert_eq!(seq, sheet % 8);
            assert_eq!(m.iter().filter(|&&x| x).count() % 2, 0, "even parity");
        }
    }
}

#[test]
fn overlays_put_the_barcode_on_the_first_page_and_marks_on_fronts() {
    let a = addr("1 A St", "98001");
    let pieces = [Piece { owner: "X", document: "d", recipient: "X", address: &a, pages: 3 }];
    let c = config(|c| c.omr.enabled = true);
    let p = plan(&pieces, &c, month(), Kind::Invoice).unwrap();
    let o = envelope_overlays(&p.envelopes[0], &c);
    assert_eq!(o.len(), 4);
    let count = |s: &Option<String>| s.as_deref().map_or(0, |s| s.lines().filter(|l| l.ends_with(" re")).count());
    // Page 1: 65 bars + marks of sheet 1 (benchmark, seq bit 0, safety, parity → 4).
    assert_eq!(count(&o[0]), 65 + 4);
    assert_eq!(o[1], None);
    // Page 3 is sheet 2's front, the envelope's last sheet: benchmark, EOC,
    // seq bit 1, safety → 4, parity off.
    assert_eq!(count(&o[2]), 4);
    assert_eq!(o[3], None);
    let no_omr = MailConfig::default_config();
    let o = envelope_overlays(&p.envelopes[0], &no_omr);
    assert_eq!((count(&o[0]), o[2].is_none()), (65, true));
}
