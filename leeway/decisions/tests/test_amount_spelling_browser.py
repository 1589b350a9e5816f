"""The console refuses the spellings the API refuses ("1e3", "+25", Arabic-Indic digits) in both languages."""

import pytest
from playwright.sync_api import expect

from leeway.decisions.models import Decision
from leeway.decisions.tests.test_console_browser import (
    SCREENSHOTS,
    choose_reason,
    log_in,
    pick_customer,
    watch_csp,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("username", "message"),
    [("aurora-agent", "The amount must be a number."), ("aurora-agente", "El importe debe ser un número.")],
)
def test_the_console_refuses_amounts_not_in_the_contracts_spelling(page, demo_live, username, message):
    recorded = Decision.objects.count()  # the demo's own
    violations = watch_csp(page)
    log_in(page, demo_live.url, username)
    pick_customer(page, "C-1001", "C-1001")
    page.keyboard.press("1")
    for text in ("1e3", "+25", "\u0662\u0665"):
        page.locator("#amount").fill(text)
        error = page.locator("#error-amount")
        expect(error).to_be_visible()
        expect(error).to_have_text(message)
        expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
    choose_reason(page)
    page.locator("#amount").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#error-amount")).to_have_text(message)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-amount-spelling-{username}.png"))
    assert Decision.objects.count() == recorded
    assert violations == []
