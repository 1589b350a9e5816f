"""The agent's loop in a real browser: what a no-cost gesture's confirmation says, and more."""

import re

import pytest
from playwright.sync_api import expect

from leeway.decisions.models import Decision
from leeway.decisions.tests.test_console_browser import choose_reason, log_in, pick_customer, watch_csp

pytestmark = pytest.mark.browser


def test_a_no_cost_gestures_confirmation_does_not_say_it_was_charged(page, demo_live):
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agent")
    pick_customer(page, "C-1004", "C-1004")
    page.keyboard.press("9")  # the no-cost rule bend
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    page.locator("#reason").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    result = page.locator("#decide-result")
    expect(result).to_contain_text("Approved — protected by policy")
    expect(result).to_contain_text("It costs nothing, so no budget is charged")
    assert "charged to the company goodwill budget" not in result.inner_text()
    assert Decision.objects.get(customer__external_id="C-1004").base_amount == 0
    # A costed gesture for 0.00 is refused under the amount, and nothing is recorded.
    page.keyboard.press("1")
    page.keyboard.press("Control+a")
    page.keyboard.type("0.00")
    error = page.locator("#error-amount")
    expect(error).to_contain_text("enter an amount above 0")
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(error).to_be_visible()
    assert Decision.objects.filter(customer__external_id="C-1004").count() == 1
    assert violations == []
