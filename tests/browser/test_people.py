"""A payee's people in a real Chromium: the administrator invites a
colleague with the view role; the invitation's link (read from the
portal's outbox, the message the SMTP sender would deliver) makes the
colleague's own account; view-only, they see the claim but cannot send
it, and People is not theirs. axe checks the people and invitation pages."""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import Browser, Page, expect

from conftest import Account, Portal, new_context, sign_in
from test_a11y import axe_violations, readable

VIEWER = "viewer@example.org"
VIEWER_PASSWORD = "amber violet compass 19"
INVOICE = "300B-261101"  # not the invoice test_claims.py submits


def outbox_link(portal: Portal, to: str) -> str:
    db = sqlite3.connect(portal.tmp / "portal.sqlite")
    try:
        rows = db.execute("SELECT body FROM outbox WHERE to_address = ? ORDER BY id", (to,)).fetchall()
    finally:
        db.close()
    assert len(rows) == 1, rows
    m = re.search(r"https?://\S+/invite/([0-9a-f]+)", rows[0][0])
    assert m, rows[0][0]
    return f"{portal.url}/invite/{m.group(1)}"


def test_an_invited_view_only_colleague_cannot_claim(signed_in: Page, browser: Browser, portal: Portal, account: Account):
    page = signed_in
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    page.get_by_label("Their email address").fill(VIEWER)
    page.get_by_label("View payments and documents").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"An invitation was sent to {VIEWER}.")
    link = outbox_link(portal, VIEWER)

    context = new_context(browser, bypass_csp=True)
    try:
        other = context.new_page()
        other.goto(link)
        expect(other.get_by_role("heading", level=1)).to_have_text("Invitation to the SSPS Provider Portal")
        violations = axe_violations(other)
        assert not violations, readable(violations)
        other.get_by_label("Create a password").fill(VIEWER_PASSWORD)
        other.get_by_label("Type the password again").fill(VIEWER_PASSWORD)
        other.get_by_role("button", name="Create my account").click()
        expect(other.get_by_role("status")).to_contain_text("Your account is ready.")
        sign_in(other, portal, VIEWER, VIEWER_PASSWORD)
        expect(other.locator(".who")).to_contain_text(f"Signed in for payee {account.payee}")
        expect(other.get_by_role("link", name="People")).to_have_count(0)
        other.get_by_role("link", name="Claim invoices").click()
        other.get_by_role("link", name=INVOICE).click()
        expect(other.locator("#claim-closed")).to_contain_text("Your role lets you see this payee's claims, not send them.")
        expect(other.locator("input[name^='u-']")).to_have_count(0)
        other.goto(f"{portal.url}/people")
        expect(other.locator("h1")).to_contain_text("Page not found")
    finally:
        context.close()

    # Back with the administrator: the colleague is listed with the view role.
    page.reload()
    row = page.locator("tr", has_text=VIEWER)
    expect(row).to_contain_text("View payments and documents")
