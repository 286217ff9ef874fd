//! Claiming an invoice online: the month calendar and the booklet's
//! rules, Save, Check and submit with the password, the frozen claim, the
//! export read back as the extract's `invoice_claims.csv`, and another
//! payee, replays and stale forms refused.

use super::*;

/// Sunrise's October 2026 invoice for provider 4001 (seven lines; Willow
/// Park's full-day line is 1000004007, 22 units at $92.30).
const INVOICE: &str = "300A-261101";
const WILLOW: &str = "1000004007";

/// The claim form's lines: (reference number, line number, child, the
/// printed units maximum).
fn form_lines(page: &str) -> Vec<(String, usize, String, String)> {
    page.split("<legend>")
        .skip(1)
        .map(|part| {
            let legend = &part[..part.find("</legend>").unwrap()];
            let (no, rest) = legend.trim_start_matches("Line ").split_once(": ").unwrap();
            let child = rest.split(" · ").next().unwrap().to_string();
            let reference = after(part, "name=\"u-", '"').to_string();
            let max = after(part, "(at most ", ')').to_string();
            (reference, no.parse().unwrap(), child, max)
        })
        .collect()
}

/// October 2026's calendar with `absent` weekdays absent and the other
/// weekdays attended.
fn october(absent: &[u32]) -> Vec<(String, String)> {
    (1..=31)
        .map(|day| {
            let d = NaiveDate::from_ymd_opt(2026, 10, day).unwrap();
            let weekend = matches!(chrono::Datelike::weekday(&d), chrono::Weekday::Sat | chrono::Weekday::Sun);
            let mark = if weekend {
                ""
            } else if absent.contains(&day) {
                "A"
            } else {
                "X"
            };
            (format!("d-{day}"), mark.to_string())
        })
        .collect()
}

fn claim_form(token: &str, action: &str, lines: &[(String, String, String)]) -> Vec<(String, String)> {
    let mut f = vec![("csrf".to_string(), token.to_string()), ("action".to_string(), action.to_string())];
    for (r, units, rate) in lines {
        f.push((format!("u-{r}"), units.clone()));
        f.push((format!("r-{r}"), rate.clone()));
    }
    f
}

fn post_owned(b: &mut Browser, path: &str, fields: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs)
}

/// The amount the claim should total, worked out here from the extract:
/// each line's units × its rate (or the corrected one).
fn expected_total(units: &BTreeMap<String, (String, Option<&str>)>) -> String {
    let rows = read_csv(&oct_2026().join("authorizations.csv"));
    let mut cents: i64 = 0;
    for row in rows.iter().filter(|r| units.contains_key(&r["reference_number"])) {
        let (u, corrected) = &units[&row["reference_number"]];
        let rate = corrected.unwrap_or(&row["rate"]);
        let rate_cents: i64 = rate.replace('.', "").parse().unwrap();
        let u: i64 = u.parse().unwrap();
        cents += u * rate_cents;
    }
    format!("${},{:03}.{:02}", cents / 100_000, (cents / 100) % 1000, cents % 100)
}

#[test]
fn a_provider_works_out_a_line_on_the_calendar_claims_the_invoice_and_it_is_frozen_and_exported_once() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);

    // The list: October's invoice is open; September's was paid.
    let list = b.get("/claims").text();
    assert!(list.contains(&format!("<a href=\"/claims/{INVOICE}\">{INVOICE}</a>")), "{list}");
    assert!(list.contains("Not claimed yet") && list.contains("Paid"), "{list}");

    let page = b.get(&format!("/claims/{INVOICE}")).text();
    let lines = form_lines(&page);
    assert_eq!(lines.len(), 7, "{page}");
    let willow = lines.iter().find(|l| l.0 == WILLOW).unwrap();
    assert_eq!((willow.2.as_str(), willow.3.as_str()), ("Willow Park", "22"));
    let willow_no = willow.1;

    // The booklet's Willow: absent 9 days, 4 more than the 5 allowed.
    let cal = format!("/claims/{INVOICE}/lines/{WILLOW}/calendar");
    let t = b.token(&cal);
    let mut f = october(&[1, 2, 6, 7, 13, 14, 20, 21, 27]);
    f.push(("csrf".into(), t.clone()));
    f.push(("action".into(), "work".into()));
    let r = post_owned(&mut b, &cal, &f);
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(text.contains("18 units may be claimed."), "{text}");
    assert!(text.contains("absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18"), "{text}");
    f.pop();
    f.push(("action".into(), "use".into()));
    let r = post_owned(&mut b, &cal, &f);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), format!("/claims/{INVOICE}#u-{WILLOW}"));
    let page = b.get(&format!("/claims/{INVOICE}")).text();
    assert!(page.contains(&format!("name=\"u-{WILLOW}\" type=\"text\" inputmode=\"decimal\" value=\"18\"")), "{page}");
    assert!(page.contains("From the attendance: 18 units may be claimed"), "{page}");

    // 23 is over the printed 22; 19 over what the calendar supports; the
    // other boxes blank; a rate without cents.
    let t = csrf(&page);
    let other = lines.iter().find(|l| l.0 == "1000004014").unwrap();
    let entries: Vec<(String, String, String)> =
        lines.iter().map(|l| (l.0.clone(), if l.0 == WILLOW { "23".into() } else { String::new() }, String::new())).collect();
    let r = post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t, "submit", &entries));
    let text = r.text();
    assert_eq!(r.status, 200);
    assert!(text.contains(&format!("Line {willow_no}: 23 is more than the 22 units printed on the invoice")), "{text}");
    assert!(
        text.contains(&format!(
            "Line {}: enter the total units. A blank box sends the invoice back; enter 0 if you do not claim this line.",
            other.1
        )),
        "{text}"
    );
    let mut entries: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            let units = if l.0 == WILLOW { "19".to_string() } else { l.3.clone() };
            let rate = if l.0 == other.0 { "75".to_string() } else { String::new() };
            (l.0.clone(), units, rate)
        })
        .collect();
    let text = post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t, "submit", &entries)).text();
    assert!(
        text.contains(&format!(
            "Line {willow_no}: the attendance supports 18 units, not 19: absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("Line {}: write the corrected rate in dollars and cents, like 12.00", other.1)), "{text}");
    assert!(text.contains(&format!("href=\"#r-{}\"", other.0)), "the summary links to the rate box: {text}");
    // In Spanish, the rules' reasoning is Spanish too.
    assert_eq!(b.post("/language", &[("csrf", &t), ("lang", "es")]).status, 303);
    let t_es = b.token(&format!("/claims/{INVOICE}"));
    let text = post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t_es, "submit", &entries)).text();
    assert!(
        text.contains(&format!(
            "Línea {willow_no}: la asistencia permite 18 unidades, no 19: ausente 9 días, 4 más de las 5 ausencias permitidas: 22 − 4 = 18"
        )),
        "{text}"
    );
    assert!(!text.contains("absent 9 days"), "{text}");
    assert_eq!(b.post("/language", &[("csrf", &t_es), ("lang", "en")]).status, 303);

    // Right: saved first (a draft), then checked and submitted.
    for e in entries.iter_mut() {
        if e.0 == WILLOW {
            e.1 = "18".into();
        }
        if e.0 == other.0 {
            e.2 = "75.50".into();
        }
    }
    let text = post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t, "save", &entries)).text();
    assert!(text.contains("Your claim is saved. It has not been sent"), "{text}");
    assert!(b.get("/claims").text().contains("Saved November 16, 2026, not sent"));
    let r = post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t, "submit", &entries));
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.location(), format!("/claims/{INVOICE}/confirm"));
    let confirm = b.get(&format!("/claims/{INVOICE}/confirm")).text();
    let mut units: BTreeMap<String, (String, Option<&str>)> = entries.iter().map(|e| (e.0.clone(), (e.1.clone(), None))).collect();
    units.get_mut(&other.0).unwrap().1 = Some("75.50");
    let total = expected_total(&units);
    assert!(confirm.contains(&format!("id=\"claim-total\">{total}</td>")), "{total} in {confirm}");
    // Monday 16 November 2026, 4:00 a.m. Pacific: processed Tuesday the
    // 17th; direct deposit the 5th working day after the 16th.
    assert!(
        confirm.contains("It will be processed on November 17, 2026. Your direct deposit should be in your account on November 23, 2026."),
        "{confirm}"
    );

    let t = csrf(&confirm);
    let draft = after(&confirm, "name=\"draft\" value=\"", '"').to_string();
    let r = b.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("draft", &draft), ("password", "not my password at all")]);
    assert!(r.text().contains("The password is not right"), "{r:?}");
    assert_eq!(s.portal.store.claim(A, INVOICE).unwrap().unwrap().state, ssps::portal::store::ClaimState::Draft);
    // A confirmation of other lines than those saved now is refused.
    let r = b.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("draft", &"0".repeat(64)), ("password", PASSWORD)]);
    assert_eq!(r.status, 409);
    assert!(r.text().contains("The claim was changed since this page was shown."), "{r:?}");
    let r = b.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("draft", &draft), ("password", PASSWORD)]);
    let text = r.text();
    assert_eq!(r.status, 200);
    assert!(text.contains("Your claim is submitted."), "{text}");
    assert!(text.contains("Submitted online on November 16, 2026 at 04:00 Pacific time."), "{text}");
    assert!(text.contains("Do not mail this invoice or call it in: it would be claimed twice."), "{text}");
    assert!(text.contains(&format!("id=\"claim-total\">{total}<")), "{text}");
    assert!(!text.contains(&format!("name=\"u-{WILLOW}\"")), "a submitted claim has no form");

    // Replayed: the submit, a save, a calendar: refused, nothing changed.
    let r = b.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("password", PASSWORD)]);
    assert_eq!(r.status, 409);
    assert!(r.text().contains("This invoice was submitted already; it cannot be changed or submitted again."));
    let mut changed = entries.clone();
    changed[0].1 = "0".into();
    assert_eq!(post_owned(&mut b, &format!("/claims/{INVOICE}"), &claim_form(&t, "save", &changed)).status, 409);
    assert_eq!(post_owned(&mut b, &cal, &f).status, 409);
    assert!(b.get("/claims").text().contains("Claimed online November 16, 2026"));
    assert_eq!(events(&s.audit(), "claim_submitted").len(), 1);
    assert_eq!(events(&s.audit(), "claim_submitted")[0].detail, INVOICE);

    // The export: before the cutoff of the 16th (4:30 p.m. Pacific), once.
    let out = s.runs.join("claims-2026-11-16.csv");
    let opts = |out: &Path, batch: Option<i64>| ssps::ops::export_claims::ExportOptions {
        db: s.db.clone(),
        out: out.to_path_buf(),
        date: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
        batch,
        assets: Default::default(),
        // The extract as it is: the invoice was claimed nowhere else.
        data: oct_2026(),
    };
    let done = ssps::ops::export_claims::export(&opts(&out, None), s.now()).unwrap();
    assert_eq!((done.batch, done.claims, done.rows), (Some(1), 1, 7));
    let again = ssps::ops::export_claims::export(&opts(&s.runs.join("again.csv"), None), s.now()).unwrap();
    assert_eq!((again.batch, again.rows), (None, 0), "a submission is exported once");
    assert!(!s.runs.join("again.csv").exists());
    let e = ssps::ops::export_claims::export(&opts(&out, Some(1)), s.now()).unwrap_err().to_string();
    assert_eq!(e, format!("{}: exists (an export never replaces a file: name a new one); nothing was exported", out.display()));
    let lost = s.runs.join("batch-1-again.csv");
    ssps::ops::export_claims::export(&opts(&lost, Some(1)), s.now()).unwrap();
    assert_eq!(std::fs::read(&lost).unwrap(), std::fs::read(&out).unwrap(), "a batch written again is the same file");

    // The file is the extract's invoice_claims.csv: it loads with no
    // problem and holds the lines as submitted.
    let data = tempfile::tempdir().unwrap();
    for f in ["payees.csv", "providers.csv", "clients.csv", "workers.csv", "authorizations.csv"] {
        std::fs::copy(oct_2026().join(f), data.path().join(f)).unwrap();
    }
    std::fs::copy(&out, data.path().join("invoice_claims.csv")).unwrap();
    let read = ssps::ops::read_extract(data.path()).unwrap();
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let claims = &read.extract.invoice_claims;
    assert_eq!(claims.len(), 7);
    let willow_row = claims.iter().find(|c| c.reference_number.as_str() == WILLOW).unwrap();
    assert_eq!(
        (willow_row.invoice_number.as_str(), willow_row.month.to_string(), willow_row.units_claimed.to_string()),
        (INVOICE, "2026-10".into(), "18".into())
    );
    let corrected = claims.iter().find(|c| c.reference_number.as_str() == other.0).unwrap();
    assert_eq!(corrected.corrected_rate.map(|r| r.to_string()), Some("75.50".into()));
}

#[test]
fn another_payees_invoice_a_stale_form_and_a_month_out_of_reach_are_refused() {
    let s = Server::start();
    s.account(A, EMAIL);
    s.account(B, "b.tester@example.net");
    let mut a = s.browser();
    assert_eq!(a.sign_in(EMAIL, PASSWORD).status, 303);
    let page = a.get(&format!("/claims/{INVOICE}")).text();
    let t = csrf(&page);

    // Payee B, signed in: A's invoice is not there, however asked.
    let mut b = s.browser();
    assert_eq!(b.sign_in("b.tester@example.net", PASSWORD).status, 303);
    let bt = b.token("/claims");
    for path in [format!("/claims/{INVOICE}"), format!("/claims/{INVOICE}/confirm"), format!("/claims/{INVOICE}/lines/{WILLOW}/calendar")] {
        assert_eq!(b.get(&path).status, 404, "{path}");
        assert_eq!(b.post(&path, &[("csrf", &bt), ("action", "save"), ("password", PASSWORD)]).status, 404, "{path}");
    }
    assert!(!b.get("/claims").text().contains(INVOICE));
    assert!(events(&s.audit(), "not_found").len() >= 6);
    assert_eq!(s.portal.store.claim(A, INVOICE).unwrap(), None);
    assert_eq!(s.portal.store.claim(B, INVOICE).unwrap(), None);

    // A form token of another session, or none: refused, nothing saved.
    let entries: Vec<(String, String, String)> = form_lines(&page).iter().map(|l| (l.0.clone(), l.3.clone(), String::new())).collect();
    let r = post_owned(&mut a, &format!("/claims/{INVOICE}"), &claim_form(&bt, "save", &entries));
    assert_eq!(r.status, 403);
    assert!(r.text().contains("The form expired."), "{r:?}");
    assert_eq!(s.portal.store.claim(A, INVOICE).unwrap(), None);
    // A confirmation without a draft goes back to the form with its errors.
    let r = a.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("password", PASSWORD)]);
    assert!(r.text().contains("A blank box sends the invoice back"), "{r:?}");
    assert_eq!(s.portal.store.claim(A, INVOICE).unwrap(), None);

    // January 2025's invoice is paid and long out of reach; a bonus line has
    // no calendar.
    assert_eq!(a.get("/claims/300A-250101").status, 404);
    assert_eq!(a.get(&format!("/claims/{INVOICE}/lines/1000004021/calendar")).status, 404);

    // Before the last working day of its month an invoice waits: in
    // November, on the 16th, November's is not open yet.
    let list = a.get("/claims").text();
    assert!(list.contains("Can be claimed from November 30, 2026"), "{list}");
}

#[test]
fn the_ssps_calendar_lists_each_months_dates_and_the_holidays_and_offers_them_as_icalendar() {
    let s = Server::start();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let page = b.get("/calendar").text();
    assert!(page.contains("<h1>SSPS calendar 2026</h1>"), "{page}");
    // November 2026: the 30th is its last working day (Thanksgiving and
    // Native American Heritage Day the 26th and 27th); processed December 1;
    // direct deposit December 7; a warrant mailed December 2; December 12 is
    // a Saturday, so a new child's first invoice comes around Monday the 14th.
    let nov = &page[page.find("<th scope=\"row\">November 2026</th>").unwrap()..];
    let nov = &nov[..nov.find("</tr>").unwrap()];
    let cells: Vec<&str> = nov.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap()).collect();
    assert_eq!(
        cells,
        ["November 30, 2026", "November 30, 2026", "December 1, 2026", "December 7, 2026", "December 2, 2026", "December 14, 2026"]
    );
    assert!(page.contains("<td>November 27, 2026</td><td lang=\"en\">Native American Heritage Day</td>"), "{page}");
    assert_eq!(b.get("/calendar?year=2040").status, 404);

    let r = b.get("/calendar.ics?year=2026");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/calendar; charset=utf-8"));
    assert_eq!(r.header("content-disposition"), Some("attachment; filename=\"ssps-calendar-2026.ics\""));
    let ics = r.text();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "{ics}");
    assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 12 + 11, "a claim day a month and the 11 state holidays");
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains(
            "DTSTART;VALUE=DATE:20261130\r\nDTEND;VALUE=DATE:20261201\r\nSUMMARY:SSPS: the November 2026 invoice can be claimed\r\n"
        ),
        "{unfolded}"
    );
    assert!(unfolded.contains("SUMMARY:State holiday: Native American Heritage Day\r\n"), "{unfolded}");
    assert!(unfolded.contains("DESCRIPTION:Claimed today before the cutoff: processed December 1\\, 2026\\, direct deposit December 7\\, 2026\\, warrant mailed December 2\\, 2026."), "{unfolded}");
}

#[test]
fn a_submitted_claim_has_a_receipt_read_back_from_the_pdf_archived_and_tagged() {
    use super::documents::{pdf_bytes_text, pdfinfo};
    use ssps::claim::entry::LineEntry;
    let s = Server::remaking();
    s.account(A, EMAIL);
    let mut b = s.browser();
    assert_eq!(b.sign_in(EMAIL, PASSWORD).status, 303);
    let page = b.get(&format!("/claims/{INVOICE}")).text();
    let lines = form_lines(&page);
    // Willow 18, the others their printed units; a corrected rate on one.
    let entries: BTreeMap<String, LineEntry> = lines
        .iter()
        .map(|l| {
            let units = if l.0 == WILLOW { "18".to_string() } else { l.3.clone() };
            let rate = if l.0 == "1000004014" { "75.50".to_string() } else { String::new() };
            (l.0.clone(), LineEntry { units, corrected_rate: rate, calendar: Default::default() })
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap();
    let draft = ssps::portal::store::ClaimWrite {
        payee_number: A,
        invoice_number: INVOICE,
        month: "2026-10",
        entries: &json,
        account_id: 1,
        now: s.now(),
    };
    s.portal.store.save_claim(&draft).unwrap().unwrap();
    assert_eq!(b.get(&format!("/claims/{INVOICE}/receipt")).status, 404, "a draft has no receipt");
    s.portal.store.submit_claim(&draft).unwrap().unwrap();

    let r = b.get(&format!("/claims/{INVOICE}/receipt?download=1"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert_eq!(r.header("content-disposition"), Some(format!("attachment; filename=\"CR-{INVOICE}.pdf\"").as_str()));
    let text = pdf_bytes_text(&r.body);
    let units: BTreeMap<String, (String, Option<&str>)> = entries
        .iter()
        .map(|(k, e)| (k.clone(), (e.units.clone(), (!e.corrected_rate.is_empty()).then_some(e.corrected_rate.as_str()))))
        .collect();
    let total = expected_total(&units);
    for expected in [
        "CLAIM RECEIPT",
        &format!("Invoice number: {INVOICE}"),
        "Sunrise Early Learning LLC",
        "Claimed online November 16, 2026 at 04:00 Pacific time",
        "Willow Park",
        "$75.50 (corrected)",
        "Processed on November 17, 2026.",
        "Direct deposit in your account on November 23, 2026.",
        "Do not mail this invoice or call it in as well",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the receipt:\n{text}");
    }
    assert!(text.contains(&format!("Total claimed {total} ")), "the total, worked out here, is {total}: {text}");
    assert!(text.contains("7 Willow Park 4301 FULL DAY CARE CENTER 18 $92.30 $1,661.40"), "{text}");
    let info = pdfinfo(&r.body, &[]);
    assert!(info.contains("Pages:           1"), "{info}");
    assert!(pdfinfo(&r.body, &["-meta"]).contains("pdfaid:part"), "the archived copy is PDF/A");

    let r = b.get(&format!("/claims/{INVOICE}/receipt/accessible"));
    assert_eq!(r.status, 200);
    let tree = pdfinfo(&r.body, &["-struct-text"]);
    assert!(tree.contains("Table") && tree.contains("TH") && tree.contains("Willow Park") && tree.contains(&total[1..]), "{tree}");
    assert!(pdfinfo(&r.body, &["-meta"]).contains("pdfuaid:part"), "the accessible copy claims PDF/UA-1");

    // Another payee: no receipt.
    s.account(B, "b.tester@example.net");
    let mut other = s.browser();
    assert_eq!(other.sign_in("b.tester@example.net", PASSWORD).status, 303);
    assert_eq!(other.get(&format!("/claims/{INVOICE}/receipt")).status, 404);
}

#[test]
fn two_portal_processes_share_sessions_drafts_submissions_lockouts_and_one_export_through_the_database() {
    let one = Server::start();
    one.account(A, EMAIL);
    let two = one.twin();
    let mut b1 = one.browser();
    assert_eq!(b1.sign_in(EMAIL, PASSWORD).status, 303);
    // The same browser's next request lands on the other server.
    let mut b2 = two.browser();
    b2.jar = b1.jar.clone();
    assert!(b2.get("/payments").text().contains(&format!("Signed in for payee {A}")), "the session lives in the database");

    // A draft saved on one is there on two; submitted on two; refused on one.
    let page = b1.get(&format!("/claims/{INVOICE}")).text();
    let entries: Vec<(String, String, String)> =
        form_lines(&page).iter().map(|l| (l.0.clone(), if l.0 == WILLOW { "18".into() } else { l.3.clone() }, String::new())).collect();
    let t = csrf(&page);
    assert!(post_owned(&mut b1, &format!("/claims/{INVOICE}"), &claim_form(&t, "save", &entries)).text().contains("Your claim is saved."));
    let page2 = b2.get(&format!("/claims/{INVOICE}")).text();
    assert!(page2.contains(&format!("name=\"u-{WILLOW}\" type=\"text\" inputmode=\"decimal\" value=\"18\"")), "{page2}");
    assert_eq!(
        post_owned(&mut b2, &format!("/claims/{INVOICE}"), &claim_form(&t, "submit", &entries)).status,
        303,
        "the form token is good on both"
    );
    let confirm = b2.get(&format!("/claims/{INVOICE}/confirm")).text();
    let draft = after(&confirm, "name=\"draft\" value=\"", '"').to_string();
    let r = b2.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("draft", &draft), ("password", PASSWORD)]);
    assert!(r.text().contains("Your claim is submitted."), "{r:?}");
    let r = b1.post(&format!("/claims/{INVOICE}/confirm"), &[("csrf", &t), ("password", PASSWORD)]);
    assert_eq!(r.status, 409, "submitted once, whichever server is asked");

    // Failed sign-ins counted on one lock the account on two.
    let mut x = one.browser();
    for _ in 0..10 {
        x.sign_in(EMAIL, "wrong wrong wrong wrong");
    }
    assert!(two.browser().sign_in(EMAIL, PASSWORD).text().contains(LOCKED));

    // Both servers' nightly exports start at once: one takes the claim.
    let outs = [one.runs.join("export-a.csv"), one.runs.join("export-b.csv")];
    let handles: Vec<_> = outs
        .iter()
        .map(|out| {
            let opts = ssps::ops::export_claims::ExportOptions {
                db: one.db.clone(),
                out: out.clone(),
                date: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                batch: None,
                assets: Default::default(),
                data: oct_2026(),
            };
            let now = one.now();
            std::thread::spawn(move || ssps::ops::export_claims::export(&opts, now).unwrap())
        })
        .collect();
    let done: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(done.iter().filter(|d| d.batch.is_some()).count(), 1, "{done:?}");
    assert_eq!(done.iter().map(|d| d.claims).sum::<usize>(), 1);
    assert_eq!(outs.iter().filter(|o| o.exists()).count(), 1);
}

/// Copies the files of an extract folder.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_submission_claimed_by_mail_or_paid_meanwhile_is_held_back_from_the_export_and_listed() {
    use ssps::portal::store::ClaimWrite;
    let s = Server::start();
    let entries = |r: &str| format!("{{\"{r}\":{{\"units\":\"20\",\"corrected_rate\":\"\"}}}}");
    let submit = |payee: &str, invoice: &str, month: &str, reference: &str| {
        let e = entries(reference);
        let w = ClaimWrite { payee_number: payee, invoice_number: invoice, month, entries: &e, account_id: 1, now: s.now() - 60 };
        s.portal.store.submit_claim(&w).unwrap().unwrap();
    };
    // Willow's October line, then mailed in too; a December 2024 line that
    // was paid; B's claim, nowhere else.
    submit(A, INVOICE, "2026-10", WILLOW);
    submit(A, "300A-250101", "2024-12", "1000004014");
    submit(B, "301A-261101", "2026-10", "1000009999");
    let data = s._tmp.path().join("extract-now");
    copy_dir(&oct_2026(), &data);
    let mut mailed = std::fs::read_to_string(data.join("invoice_claims.csv")).unwrap();
    mailed.push_str(&format!("{INVOICE},{WILLOW},2026-10,22,\n"));
    std::fs::write(data.join("invoice_claims.csv"), mailed).unwrap();

    let out = s.runs.join("claims-2026-11-16.csv");
    let db = s.db.to_string();
    let export = |out: &Path, more: &[&str]| {
        let mut args = vec!["portal", "export-claims", "--db", &db, "--date", "2026-11-16", "--data", arg(&data), "--out", arg(out)];
        args.extend_from_slice(more);
        ssps(&args)
    };
    let o = export(&out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let held = s.runs.join("claims-2026-11-16.held.csv");
    assert_eq!(
        stdout(&o),
        format!(
            "export batch 1: 1 claims, 1 invoice_claims.csv rows written to {}\n2 held back (claimed by mail or telephone, or paid, since they were submitted): listed in {}\n",
            out.display(),
            held.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("{}\n301A-261101,1000009999,2026-10,20,\n", ssps::ops::export_claims::HEADER)
    );
    assert_eq!(
        std::fs::read_to_string(&held).unwrap(),
        format!(
            "{}\n{A},300A-250101,2024-12,paid\n{A},{INVOICE},2026-10,claimed by mail or telephone\n",
            ssps::ops::export_claims::HELD_HEADER
        )
    );
    // Taken once, held or written: the next export finds nothing.
    let o = export(&s.runs.join("next.csv"), &[]);
    assert_eq!(stdout(&o), "no claims waiting: nothing was written\n", "{}", stderr(&o));
    // A held list is never replaced either.
    let o = export(&s.runs.join("claims-2026-11-16.csv.x"), &["--batch", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(s.runs.join("again.held.csv"), "mine").unwrap();
    let o = export(&s.runs.join("again.csv"), &["--batch", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!(
            "{}: exists (an export never replaces a file: name a new one); nothing was exported",
            s.runs.join("again.held.csv").display()
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(s.runs.join("again.held.csv")).unwrap(), "mine");
}
