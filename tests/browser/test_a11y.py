"""Every portal page, signed out and signed in, in English and Spanish,
checked by axe-core (the pinned copy in node_modules, injected into the
page) against the WCAG 2.1 A and AA rules: no violations allowed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import AXE, PASSWORD, Account, Portal, new_context, sign_in

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return {
    version: axe.version,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
      nodes: v.nodes.map(n => ({ target: n.target.join(" "), html: n.html, summary: n.failureSummary })),
    })),
  };
}"""


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, TAGS)["violations"]


def readable(violations: list[dict]) -> str:
    out = []
    for v in violations:
        out.append(f"\n[{v['impact']}] {v['id']}: {v['help']}\n  {v['url']}")
        for n in v["nodes"][:8]:
            out.append(f"  - {n['target']}\n      {n['html'][:200]}\n      {n['summary'].replace(chr(10), chr(10) + '      ')}")
        if len(v["nodes"]) > 8:
            out.append(f"  … and {len(v['nodes']) - 8} more elements")
    return "\n".join(out)


# Each signed-in payee's own October payment and one of its invoices.
PAYMENT = {"en": ("880000236", "300A-261001"), "es": ("880000237", "301A-261001")}

# An invoice of each payee's to claim and a line with a calendar (not the
# invoice test_claims.py claims).
CLAIM = {"en": ("300B-261101", "1000004063"), "es": ("301A-261101", "1000004091")}

Go = Callable[[Page, str, str], None]


@dataclass
class Case:
    """A page to check, and how a fresh page of the right visitor reaches
    it: go(page, portal url, language)."""

    name: str
    signed_in: bool
    go: Go


def visit(path: str) -> Go:
    def go(page: Page, url: str, lang: str) -> None:
        payment, invoice = PAYMENT[lang]
        claim, line = CLAIM[lang]
        page.goto(url + path.format(payment=payment, invoice=invoice, claim=claim, line=line))

    return go


def security_errors(page: Page, url: str, lang: str) -> None:
    # The second factor's form sent without a code (the page has other forms).
    page.goto(f"{url}/security")
    page.locator("form[action='/security/totp/on'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()


def claim_errors(page: Page, url: str, lang: str) -> None:
    claim, _ = CLAIM[lang]
    page.goto(f"{url}/claims/{claim}")
    for box in page.locator("input[name^='u-']").all():
        box.fill("")
    page.locator("button[value=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()


def claim_confirm(page: Page, url: str, lang: str) -> None:
    claim, _ = CLAIM[lang]
    page.goto(f"{url}/claims/{claim}")
    for box in page.locator("input[name^='u-']").all():
        box.fill("0")
    page.locator("button[value=submit]").click()
    page.wait_for_url(re.compile(r"/confirm$"))


def calendar_result(page: Page, url: str, lang: str) -> None:
    claim, line = CLAIM[lang]
    page.goto(f"{url}/claims/{claim}/lines/{line}/calendar")
    page.locator("button[value=work]").click()
    expect(page.locator("#calendar-result")).to_be_visible()


def submit_empty(path: str) -> Go:
    def go(page: Page, url: str, lang: str) -> None:
        page.goto(f"{url}{path}")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator(".error-summary")).to_be_visible()

    return go


def timeout_warning(page: Page, url: str, lang: str) -> None:
    page.goto(f"{url}/payments")
    # The warning as it shows after half the idle time, opened now.
    page.evaluate("document.getElementById('timeout-dialog').showModal()")
    expect(page.locator("#timeout-dialog")).to_be_visible()


CASES = [
    Case("sign-in", False, visit("/sign-in")),
    Case("sign-in-errors", False, submit_empty("/sign-in")),
    Case("sign-in-timed-out", False, visit("/sign-in?timeout=1")),
    Case("register", False, visit("/register")),
    Case("register-errors", False, submit_empty("/register")),
    Case("not-found-signed-out", False, visit("/no-such-page")),
    Case("payments", True, visit("/payments")),
    Case("payments-filtered", True, visit("/payments?invoice={invoice}")),
    Case("payments-errors", True, visit("/payments?from=31-10-2026&min=ten")),
    Case("payment", True, visit("/payments/{payment}")),
    Case("payment-not-found", True, visit("/payments/999999999")),
    Case("documents", True, visit("/documents")),
    Case("authorizations", True, visit("/authorizations")),
    Case("1099", True, visit("/tax")),
    Case("provider-file", True, visit("/provider")),
    Case("security", True, visit("/security")),
    Case("security-errors", True, security_errors),
    Case("timeout-warning", True, timeout_warning),
    Case("claims", True, visit("/claims")),
    Case("ssps-calendar", True, visit("/calendar")),
    Case("people", True, visit("/people")),
    Case("messages", True, visit("/messages")),
    Case("message-new", True, visit("/messages/new")),
    Case("message-errors", True, submit_empty("/messages/new")),
    Case("claim-form", True, visit("/claims/{claim}")),
    Case("claim-errors", True, claim_errors),
    Case("claim-calendar", True, visit("/claims/{claim}/lines/{line}/calendar")),
    Case("claim-calendar-result", True, calendar_result),
    Case("claim-confirm", True, claim_confirm),
    Case("not-found-signed-in", True, visit("/no-such-page")),
]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_has_no_wcag21_aa_violations(
    browser: Browser, portal: Portal, request: pytest.FixtureRequest, case: Case, lang: str
):
    # axe is injected as an inline script, which the portal's CSP forbids:
    # only this test's context bypasses it.
    context = new_context(browser, bypass_csp=True)
    try:
        page = context.new_page()
        if case.signed_in:
            who: Account = request.getfixturevalue("account" if lang == "en" else "spanish_account")
            sign_in(page, portal, who.email, PASSWORD)
        elif lang == "es":
            page.goto(f"{portal.url}/sign-in")
            page.get_by_role("button", name="Ver esta página en español").click()
            expect(page.locator("html")).to_have_attribute("lang", "es")
        case.go(page, portal.url, lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if case.signed_in:
            assert not re.search(r"/sign-in", page.url), f"{case.name}: signed out unexpectedly ({page.url})"
        violations = axe_violations(page)
        assert not violations, f"{case.name} ({lang}, {page.url}): {len(violations)} WCAG 2.1 A/AA violations{readable(violations)}"
    finally:
        context.close()


def test_axe_finds_a_broken_page(browser: Browser, portal: Portal):
    """The check is not lenient: the sign-in page with its email label
    taken away and a low-contrast paragraph added fails it."""
    context = new_context(browser, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{portal.url}/sign-in")
        page.evaluate(
            """() => {
              document.querySelector('label[for="email"]').remove();
              const p = document.createElement('p');
              p.textContent = 'pale words';
              p.style.color = '#bbbbbb';
              document.querySelector('main').append(p);
            }"""
        )
        found = {v["id"] for v in axe_violations(page)}
        assert {"label", "color-contrast"} <= found, found
    finally:
        context.close()
