"""Claiming an invoice online in a real Chromium: the booklet's Willow
worked out on the month calendar (18 units, with the booklet's
reasoning), 23 refused, save and come back, submit with the password, the
claim frozen, and the export read back as invoice_claims.csv."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

from playwright.sync_api import Browser, Page, expect

from conftest import EXTRACT, PASSWORD, Account, Portal, money, new_context, read_csv, run_ssps, sign_in, ssps_binary
from test_a11y import axe_violations, readable

INVOICE = "300A-261101"  # Sunrise's October 2026 invoice, provider 4001
WILLOW = "1000004007"  # Willow Park, full day, 22 units at $92.30
ABSENT = (1, 2, 6, 7, 13, 14, 20, 21, 27)  # nine weekdays of October 2026


def day_label(day: int) -> str:
    d = dt.date(2026, 10, day)
    return f"{d.strftime('%a')} October {day}, 2026"


def test_claim_an_invoice_with_the_calendar_then_submit_and_export(
    signed_in: Page, browser: Browser, portal: Portal, account: Account, tmp_path
):
    page = signed_in
    page.get_by_role("link", name="Claim invoices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim invoices")
    page.get_by_role("link", name=INVOICE).click()
    willow = page.locator("fieldset", has_text="Willow Park")
    willow.get_by_role("link", name=re.compile("Work out the units from a calendar")).click()

    # The booklet's Willow: absent nine days.
    for day in ABSENT:
        page.get_by_label(day_label(day), exact=True).select_option("A")
    page.get_by_role("button", name="Work out the units").click()
    result = page.locator("#calendar-result")
    expect(result).to_contain_text("18 units may be claimed.")
    expect(result).to_contain_text("absent 9 days, 4 more than the 5 allowed: 22 − 4 = 18")
    page.get_by_role("button", name="Use these units in the claim").click()
    willow = page.locator("fieldset", has_text="Willow Park")
    box = willow.get_by_label(re.compile(r"^Total units"))
    expect(box).to_have_value("18")

    # 23 is more than the invoice allows: the summary takes focus.
    box.fill("23")
    page.get_by_role("button", name="Check and submit").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("23 is more than the 22 units printed on the invoice")
    expect(summary).to_contain_text("A blank box sends the invoice back")

    # Every other line at its printed units; Willow 18; save, leave, return.
    claimed = {}
    for fieldset in page.locator("fieldset.claim-line").all():
        ref = fieldset.locator("input[name^='u-']").get_attribute("name")[2:]
        most = re.search(r"at most (\d+)", fieldset.inner_text()).group(1)
        units = "18" if ref == WILLOW else most
        fieldset.locator("input[name^='u-']").fill(units)
        claimed[ref] = units
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_role("status")).to_contain_text("Your claim is saved.")
    page.get_by_role("link", name="Payments").click()
    page.goto(f"{portal.url}/claims")
    expect(page.locator("tr", has_text=INVOICE)).to_contain_text("Saved November 16, 2026, not sent")
    page.get_by_role("link", name=INVOICE).click()
    expect(page.locator(f"#u-{WILLOW}")).to_have_value("18")

    # Submit: the total is the extract's rates times the units.
    page.get_by_role("button", name="Check and submit").click()
    page.wait_for_url(re.compile(r"/confirm$"))
    rates = {a["reference_number"]: Decimal(a["rate"]) for a in read_csv(EXTRACT / "authorizations.csv")}
    total = sum(Decimal(u) * rates[r] for r, u in claimed.items())
    expect(page.locator("tfoot")).to_contain_text(money(total))
    expect(page.locator("main")).to_contain_text("Your direct deposit should be in your account on November 23, 2026.")
    page.get_by_label("Your password, to confirm").fill(PASSWORD)
    page.get_by_role("button", name="Submit claim").click()
    expect(page.get_by_role("status")).to_contain_text("Your claim is submitted.")
    frozen = page.locator("#claim-frozen")
    expect(frozen).to_contain_text("Do not mail this invoice or call it in")
    expect(page.locator("#claim-total")).to_have_text(money(total))
    expect(page.locator("input[name^='u-']")).to_have_count(0)

    # The receipt: a PDF saying what was claimed, read back with pdftotext.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download (PDF)").click()
    receipt = info.value
    assert receipt.suggested_filename == f"CR-{INVOICE}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(receipt.path()), "-"], check=True, capture_output=True, text=True).stdout
    assert "CLAIM RECEIPT" in text and "Willow Park" in text, text
    assert re.search(rf"Total claimed\s+{re.escape(money(total))}", text), text
    assert "Direct deposit in your account on November 23, 2026." in text, text

    # The frozen claim meets WCAG 2.1 AA too (axe needs a context that
    # lets it inject its script past the portal's CSP).
    context = new_context(browser, bypass_csp=True)
    try:
        other = context.new_page()
        sign_in(other, portal, account.email)
        other.goto(f"{portal.url}/claims/{INVOICE}")
        expect(other.locator("#claim-frozen")).to_be_visible()
        violations = axe_violations(other)
        assert not violations, readable(violations)
    finally:
        context.close()

    # The export, as the payment system's nightly job runs it.
    out = tmp_path / "invoice_claims.csv"
    done = run_ssps(
        ssps_binary(),
        ["portal", "export-claims", "--db", str(portal.tmp / "portal.sqlite"), "--data", str(EXTRACT), "--out", str(out), "--date", "2026-11-16"],
    )
    assert re.search(r"^export batch \d+: 1 claims, 7 invoice_claims.csv rows written to ", done.stdout, re.M), done.stdout
    rows = read_csv(out)
    assert {r["reference_number"]: r["units_claimed"] for r in rows} == claimed
    assert {(r["invoice_number"], r["month"]) for r in rows} == {(INVOICE, "2026-10")}
    again = run_ssps(
        ssps_binary(),
        ["portal", "export-claims", "--db", str(portal.tmp / "portal.sqlite"), "--data", str(EXTRACT), "--out", str(tmp_path / "again.csv"), "--date", "2026-11-16"],
    )
    assert "no claims waiting: nothing was written" in again.stdout

