"""What a provider does on the portal, in a real Chromium: register with
the letter's code, find a payment, download its advice, switch language,
sign out, the idle-timeout warning, and the edges a browser alone shows
(its own static requests, the error summary's focus, no JavaScript)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import (
    EXTRACT,
    IDLE_SECONDS,
    PASSWORD,
    PAYEE_REGISTER,
    Account,
    Portal,
    money,
    new_context,
    read_csv,
    sign_in,
)

def invoice_of(payee: str) -> tuple[str, str]:
    """(invoice number, payment id): the payee's newest paid invoice,
    taken from the extract's CSV files."""
    payments = {p["payment_id"]: p for p in read_csv(EXTRACT / "payments.csv") if p["payee_number"] == payee}
    lines = [l for l in read_csv(EXTRACT / "payment_lines.csv") if l["payment_id"] in payments and l["invoice_number"]]
    newest = max(lines, key=lambda l: payments[l["payment_id"]]["issue_date"])
    return newest["invoice_number"], newest["payment_id"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_secure_cookies_kept_on_loopback(browser: Browser, portal: Portal, host: str):
    """The `__Host-` Secure cookies survive on plain http to loopback, by
    address and by name (the suite uses conftest.HOST; were they dropped,
    every form would fail, and this says why first)."""
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"http://{host}:{portal.port}/sign-in")
        cookies = {c["name"]: c for c in context.cookies()}
        assert "__Host-ssps-pre" in cookies, f"Chromium dropped the Secure form-token cookie on {host}: {cookies}"
        pre = cookies["__Host-ssps-pre"]
        assert pre["secure"] and pre["httpOnly"] and pre["path"] == "/" and pre["sameSite"] == "Lax"
        assert pre["domain"] == host
    finally:
        context.close()


def test_register_with_letter_code_then_sign_in(page: Page, portal: Portal):
    code = portal.letter_code(PAYEE_REGISTER)
    email = f"office-{PAYEE_REGISTER}@example.org"
    page.goto(f"{portal.url}/sign-in")
    page.get_by_role("link", name="Register with the code from your registration letter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    # A wrong code first: refused, with the field named.
    page.get_by_label("Payee number").fill(PAYEE_REGISTER)
    page.get_by_label("Registration code").fill("ABCD-EFGH-JKMN")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".error-summary")).to_contain_text("do not match a current letter")
    # The letter's code, typed as a person might (lower case, spaces).
    page.get_by_label("Registration code").fill(code.lower().replace("-", " "))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?registered=1$"))
    expect(page.get_by_role("status")).to_have_text("Your account is ready. Sign in with your email address and password.")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/payments$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    expect(page.get_by_text(f"Signed in for payee {PAYEE_REGISTER}")).to_be_visible()
    # The code worked once: registering again with it is refused.
    context = page.context.browser.new_context(locale="en-US")
    try:
        again = context.new_page()
        again.goto(f"{portal.url}/register")
        again.get_by_label("Payee number").fill(PAYEE_REGISTER)
        again.get_by_label("Registration code").fill(code)
        again.get_by_role("button", name="Create my account").click()
        expect(again.locator(".error-summary")).to_contain_text("already been used")
    finally:
        context.close()


def open_payment_by_invoice(page: Page, invoice: str, payment: str) -> None:
    page.get_by_label("Invoice number").fill(invoice)
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(re.compile(rf"/payments\?.*\binvoice={re.escape(invoice)}"))
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("1 of 1 payments")
    rows.first.get_by_role("link", name=payment, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payment {payment}")


def test_find_payment_by_invoice_lines_and_total(signed_in: Page, account: Account):
    page = signed_in
    invoice, payment = invoice_of(account.payee)
    open_payment_by_invoice(page, invoice, payment)
    lines = [l for l in read_csv(EXTRACT / "payment_lines.csv") if l["payment_id"] == payment]
    paid = next(p for p in read_csv(EXTRACT / "payments.csv") if p["payment_id"] == payment)
    table = page.get_by_role("table", name="What this payment paid for")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(lines))
    for row, line in zip(rows.all(), lines):
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text(line["line_no"])
        expect(cells.nth(4)).to_have_text(line["invoice_number"])
        expect(cells.nth(5)).to_have_text(line["units"])
        expect(cells.nth(6)).to_have_text(money(Decimal(line["rate"])))
        expect(cells.nth(7)).to_have_text(money(Decimal(line["amount"])))
    total = sum(Decimal(l["amount"]) for l in lines)
    assert total == Decimal(paid["amount"]), "the extract's lines sum to the payment"
    expect(table.locator("tfoot td")).to_have_text(money(total))
    expect(page.locator("dl.facts")).to_contain_text(money(total))


def test_remittance_download_is_the_archived_file(signed_in: Page, portal: Portal, account: Account):
    page = signed_in
    invoice, payment = invoice_of(account.payee)
    open_payment_by_invoice(page, invoice, payment)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download (PDF)").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"RA-{payment}.pdf"
    got = download.path().read_bytes()
    run = portal.runs / "remittances-2026-10"
    row = next(r for r in read_csv(run / "manifest.csv") if r["document_id"] == f"RA-{payment}")
    assert row["file"] == f"documents/{account.payee}/RA-{payment}.pdf"
    archived = (run / row["file"]).read_bytes()
    assert hashlib.sha256(got).hexdigest() == row["sha256"]
    assert got == archived


def test_accessible_copy_is_tagged(signed_in: Page, portal: Portal, account: Account):
    page = signed_in
    invoice, payment = invoice_of(account.payee)
    open_payment_by_invoice(page, invoice, payment)
    link = page.get_by_role("link", name="Accessible copy (tagged PDF)")
    href = link.get_attribute("href")
    # Asked the way the page's link asks (same cookies), to see the answer.
    answer = page.request.get(f"{portal.url}{href}")
    assert answer.status == 200, f"{href} answered {answer.status}"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    pdf = download.path()
    assert pdf.read_bytes().startswith(b"%PDF-")
    tree = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert tree.strip(), "pdfinfo -struct-text shows no structure tree"
    # A table with header cells, holding the payment's amount as printed.
    assert "Table" in tree and "TH" in tree, tree[:2000]
    paid = next(p for p in read_csv(EXTRACT / "payments.csv") if p["payment_id"] == payment)
    assert money(Decimal(paid["amount"])).lstrip("$") in tree, tree[:2000]


def test_spanish_and_back(signed_in: Page):
    page = signed_in
    page.get_by_role("button", name="Ver esta página en español").click()
    try:
        expect(page.get_by_role("heading", level=1)).to_have_text("Pagos")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("navigation", name="Secciones del portal").get_by_role("link", name="Pagos")).to_be_visible()
        page.get_by_role("link", name="Documentos").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Documentos")
    finally:
        page.get_by_role("button", name="View this page in English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_signed_out_back_button_and_direct_visit(signed_in: Page, portal: Portal):
    page = signed_in
    page.get_by_role("link", name="Authorizations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorizations")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?out=1$"))
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    assert not [c for c in page.context.cookies() if c["name"] == "__Host-ssps-session"]
    page.go_back()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("table.data")).to_have_count(0)
    page.goto(f"{portal.url}/payments")
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_idle_timeout_warning_stay_then_expire(signed_in: Page, portal: Portal):
    page = signed_in
    loaded = time.monotonic()  # the page's GET was the session's last use
    dialog = page.locator("#timeout-dialog")
    expect(dialog).to_be_hidden()
    warn = IDLE_SECONDS / 2
    expect(dialog).to_be_visible(timeout=(warn + 5) * 1000)
    shown_after = time.monotonic() - loaded
    assert warn - 1 <= shown_after <= warn + 3, f"the warning showed after {shown_after:.1f} s, not {warn:.0f} s"
    expect(dialog.get_by_role("heading")).to_have_text("You will be signed out soon")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/session/extend")) as extended:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert extended.value.status == 200
    expect(dialog).to_be_hidden()
    # Past the idle time since the page loaded (the server ends a session
    # idle more than 30 whole seconds): the page stayed, and the session
    # is alive on the server too.
    page.wait_for_timeout(max(0.0, loaded + IDLE_SECONDS + 2.5 - time.monotonic()) * 1000)
    expect(page).to_have_url(re.compile(r"/payments$"))
    page.reload()
    reloaded = time.monotonic()
    expect(page).to_have_url(re.compile(r"/payments$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    # Now nothing: the warning again, then the sign-in page, timed out.
    expect(dialog).to_be_visible(timeout=(warn + 5) * 1000)
    expect(page).to_have_url(re.compile(r"/sign-in\?timeout=1$"), timeout=(reloaded + IDLE_SECONDS + 8 - time.monotonic()) * 1000)
    ended_after = time.monotonic() - reloaded
    assert IDLE_SECONDS <= ended_after <= IDLE_SECONDS + 6, f"signed out after {ended_after:.1f} s idle"
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_have_text(
        "You were signed out because you were inactive for too long. Sign in again to go on."
    )
    page.goto(f"{portal.url}/payments")
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_static_requests_keep_the_form_token_and_session(browser: Browser, portal: Portal, account: Account):
    context = new_context(browser)
    try:
        form = context.new_page()
        form.goto(f"{portal.url}/sign-in")
        pre = {c["name"]: c["value"] for c in context.cookies()}["__Host-ssps-pre"]
        # The browser's own requests, with the cookies it holds: a tab on
        # the favicon and the static files, and the page fetching them.
        other = context.new_page()
        for path in ["/favicon.ico", "/static/portal.css", "/static/portal.js", "/favicon.ico"]:
            answer = other.goto(f"{portal.url}{path}")
            assert answer.status == 200, path
            assert "set-cookie" not in answer.headers, f"{path} set a cookie"
        statuses = form.evaluate(
            "async () => Promise.all(['/favicon.ico', '/static/portal.css'].map(u => fetch(u).then(r => r.status)))"
        )
        assert statuses == [200, 200]
        assert {c["name"]: c["value"] for c in context.cookies()}["__Host-ssps-pre"] == pre
        # The form loaded before all that still signs in.
        form.get_by_label("Email address").fill(account.email)
        form.get_by_label("Password").fill(PASSWORD)
        form.get_by_role("button", name="Sign in").click()
        expect(form).to_have_url(re.compile(r"/payments$"))
        session = {c["name"]: c["value"] for c in context.cookies()}["__Host-ssps-session"]
        other.goto(f"{portal.url}/favicon.ico")
        other.goto(f"{portal.url}/static/portal.css")
        assert {c["name"]: c["value"] for c in context.cookies()}["__Host-ssps-session"] == session
        # The signed-in form token too: the language form still posts.
        form.get_by_role("button", name="Ver esta página en español").click()
        expect(form.get_by_role("heading", level=1)).to_have_text("Pagos")
        form.get_by_role("button", name="View this page in English").click()
        expect(form.get_by_role("heading", level=1)).to_have_text("Payments")
    finally:
        context.close()


def test_error_summary_on_empty_sign_in(page: Page, portal: Portal):
    page.goto(f"{portal.url}/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Enter your email address", "Enter your password"])
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    # Each summary link leads to its field.
    summary.get_by_role("link", name="Enter your password").click()
    expect(page.get_by_label("Password")).to_be_focused()


def test_no_javascript_sign_in_and_payments(browser: Browser, portal: Portal, account: Account):
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, portal, account.email)
        expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
        invoice, payment = invoice_of(account.payee)
        expect(page.get_by_role("link", name=payment, exact=True)).to_be_visible()
        page.get_by_role("link", name=payment, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Payment {payment}")
        # The error summary without script: shown, just not focused.
        page.goto(f"{portal.url}/payments?from=31-10-2026")
        expect(page.locator(".error-summary")).to_contain_text("Enter a real date, like 2026-10-31")
    finally:
        context.close()
