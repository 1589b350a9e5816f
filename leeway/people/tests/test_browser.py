from pathlib import Path

import pytest
from django.core.management import call_command

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def demo_live(transactional_db, live_server):
    call_command("demo-data", verbosity=0)
    return live_server


@pytest.mark.browser
def test_an_agent_logs_in_and_switches_to_spanish(page, demo_live):
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    page.goto(f"{demo_live.url}/login/")
    page.get_by_label("Username").fill("aurora-agent")
    page.get_by_label("Password").fill("demo-pass-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.get_by_role("button", name="Avery Johnson Agent").count()
        or page.get_by_text("Avery Johnson").count()
    )

    page.get_by_label("Language").select_option("es")
    page.wait_for_selector("html[lang=es]", state="attached")
    assert page.get_by_text("Cerrar sesión").count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-and-spanish.png"), full_page=True)
    assert violations == []


@pytest.mark.browser
def test_the_login_page_is_keyboard_friendly(page, demo_live):
    page.goto(f"{demo_live.url}/login/")
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("aurora-lead")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-pass-1")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url
