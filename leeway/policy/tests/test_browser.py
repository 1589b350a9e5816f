"""An admin edits the rules, sees an error in place, and publishes, in a real browser at 1366x768."""

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(os.environ.get("LEEWAY_SCREENSHOTS", Path(__file__).resolve().parents[3] / "test-results"))


@pytest.fixture
def policy_live(transactional_db, live_server):
    from leeway.people import demo as people_demo
    from leeway.policy import demo as policy_demo_data

    people_demo.load()
    policy_demo_data.load()
    return live_server


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_an_admin_fixes_a_rule_and_publishes_version_2(page, policy_live):
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{policy_live.url}/login/")
    page.get_by_label("Username").fill("aurora-admin")
    page.get_by_label("Password").fill("demo-pass-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/policy/")
    assert page.get_by_text("Version 1", exact=True).count() == 1
    page.screenshot(path=str(SCREENSHOTS / "policy-overview.png"), full_page=True)

    page.get_by_role("navigation", name="Policy sections").get_by_role("link", name="Rules").click()
    green = page.get_by_label("Green limit · Starter · Waive a fee")
    stretch = page.get_by_label("Stretch limit · Starter · Waive a fee")
    assert green.input_value() == "50.00" and stretch.input_value() == "100.00"
    green.fill("120.00")
    page.get_by_role("button", name="Save rules").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Nothing was saved").count() == 1
    assert stretch.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{stretch.get_attribute('id')}_error")
    assert "cannot be below the green limit" in error.inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "policy-rules-error.png"))

    green.fill("60.00")
    page.get_by_role("button", name="Save rules").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Rules saved in the draft.").count() == 1

    page.get_by_role("navigation", name="Policy sections").get_by_role("link", name="Publish").click()
    assert page.get_by_text("Starter · Waive a fee: green limit changed from 50.00 to 60.00").count() == 1
    page.get_by_label("What changed, in a sentence").fill("More room for fee waivers")
    page.screenshot(path=str(SCREENSHOTS / "policy-publish.png"), full_page=True)
    page.get_by_role("button", name="Publish version 2").click()
    page.wait_for_url("**/policy/versions/2/")
    assert page.get_by_text("Version 2 is live").count() == 1
    assert fits_the_screen(page)

    for path, name in [
        ("/policy/gestures/", "policy-gestures.png"),
        ("/policy/rates/", "policy-rates.png"),
        ("/policy/budgets/", "policy-budgets.png"),
        ("/policy/settings/", "policy-settings.png"),
    ]:
        page.goto(f"{policy_live.url}{path}")
        assert fits_the_screen(page), path
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.goto(f"{policy_live.url}/policy/gestures/")
    page.get_by_role("link", name="Edit waive_fee").click()
    assert page.get_by_label("Name (Spanish)").input_value() == "Anular un cargo"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "policy-gesture-form.png"), full_page=True)
    assert violations == []
