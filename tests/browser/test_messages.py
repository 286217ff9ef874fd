"""Contact Us and the state staff in a real Chromium: a provider writes to
Customer Service with a PDF; a staff member invited with `ssps portal
staff` makes their account from the invitation (read from the portal's
outbox) with the second factor enrolled there (the code computed here,
RFC 6238), signs in with password and code, answers; the provider reads
the answer.
axe checks the message and staff pages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import sqlite3
import struct
import time

from playwright.sync_api import Browser, Page, expect

from conftest import Account, Portal, new_context, run_ssps, sign_in, ssps_binary
from test_a11y import axe_violations, readable

STAFF = "cs.agent@dshs.example"
STAFF_PASSWORD = "granite meadow orbit 58"


def totp(key_b32: str, at: float | None = None) -> str:
    """RFC 6238: HMAC-SHA1, 30-second steps, 6 digits (written here, not
    taken from the portal)."""
    key = base64.b32decode(key_b32 + "=" * (-len(key_b32) % 8))
    step = int((at if at is not None else time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def outbox_links(portal: Portal, to: str) -> list[str]:
    db = sqlite3.connect(portal.tmp / "portal.sqlite")
    try:
        rows = db.execute("SELECT body FROM outbox WHERE to_address = ? ORDER BY id", (to,)).fetchall()
    finally:
        db.close()
    return [re.search(r"https?://\S+", r[0]).group(0) for r in rows]


def test_a_provider_writes_staff_answer_and_the_provider_reads_it(signed_in: Page, browser: Browser, portal: Portal, account: Account):
    page = signed_in
    pdf = next((portal.runs / "invoices-2026-10" / "documents").rglob("*.pdf"))
    page.get_by_role("link", name="Messages", exact=True).click()
    page.get_by_role("link", name="Write a message").click()
    page.get_by_label("Customer Service").check()
    page.get_by_label("Subject").fill("Where is my October payment?")
    page.get_by_label("Message").fill("We have not received the October payment.\n\nThank you.")
    page.get_by_label("Attach a file (optional)").set_input_files(str(pdf))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Your message is sent.")
    expect(page.locator(".thread")).to_contain_text("We have not received the October payment.")
    expect(page.get_by_role("link", name=re.compile("Download the attachment"))).to_be_visible()
    thread_url = page.url.split("?")[0]

    # The staff member, invited from the command line.
    run_ssps(
        ssps_binary(),
        ["portal", "staff", "--db", str(portal.tmp / "portal.sqlite"), "--email", STAFF, "--unit", "customer_service", "--public-url", portal.url],
    )
    link = outbox_links(portal, STAFF)[0]
    # A context axe may inject its script into (past the portal's CSP).
    context = new_context(browser, bypass_csp=True)
    try:
        staff = context.new_page()
        staff.goto(link)
        # The second factor is enrolled with the account (the code computed
        # here, RFC 6238, at the portal's clock).
        key = staff.locator("#totp-key").inner_text()
        violations = axe_violations(staff)
        assert not violations, f"staff invitation: {readable(violations)}"
        staff.get_by_label("Create a password").fill(STAFF_PASSWORD)
        staff.get_by_label("Type the password again").fill(STAFF_PASSWORD)
        staff.get_by_label("Security code").fill(totp(key, time.time() + portal.clock_shift))
        staff.get_by_role("button", name="Create my account").click()
        expect(staff.get_by_role("status")).to_contain_text("Your account is ready.")
        sign_in(staff, portal, STAFF, STAFF_PASSWORD, start="/sign-in/code")
        # A code is good once: the next 30-second step's.
        now = time.time() + portal.clock_shift
        time.sleep(30 - now % 30 + 0.5)
        staff.get_by_label("Security code").fill(totp(key, time.time() + portal.clock_shift))
        staff.get_by_role("button", name="Continue").click()
        staff.wait_for_url(re.compile(r"/staff$"))
        staff.get_by_role("link", name="Inbox and look-up").click()
        row = staff.locator("tr", has_text="Where is my October payment?")
        expect(row).to_contain_text("To answer")
        row.get_by_role("link", name="Where is my October payment?").click()
        expect(staff.locator(".thread")).to_contain_text("We have not received the October payment.")
        staff.get_by_label("Message").fill("It was deposited on November 3.")
        staff.get_by_role("button", name="Send").click()
        expect(staff.get_by_role("status")).to_contain_text("Your message is sent.")
        staff_thread = staff.url.split("?")[0]
        for path in [staff_thread, f"{portal.url}/staff", f"{portal.url}/staff/payee?payee=100200300", f"{portal.url}/staff/audit?payee=100200300"]:
            staff.goto(path)
            violations = axe_violations(staff)
            assert not violations, f"{path}: {readable(violations)}"
    finally:
        context.close()

    # The provider is told by email (queued) and reads the answer (signed in
    # again if the session idled out: the suite's idle timeout is short, and
    # the staff waited for a fresh code).
    page.goto(f"{portal.url}/payments")
    if "/sign-in" in page.url:
        sign_in(page, portal, account.email)
    assert any(l.endswith(thread_url.replace(portal.url, "")) for l in outbox_links(portal, "payee-100200300@example.org")), outbox_links(portal, "payee-100200300@example.org")
    page.goto(thread_url)
    expect(page.locator(".message.from-staff")).to_contain_text("It was deposited on November 3.")
    page.get_by_role("link", name="Messages", exact=True).click()
    expect(page.locator("tr", has_text="Where is my October payment?")).to_contain_text("Answered")
