"""What the apps' browser tests share: the demo behind a live server, logging in, the CSP watch, shots."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Other browser sessions empty test-results/ when they start; LEEWAY_SCREENSHOTS points elsewhere if needed.
DEFAULT_SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"
SCREENSHOTS = Path(os.environ.get("LEEWAY_SCREENSHOTS") or DEFAULT_SCREENSHOTS)
PASSWORD = "demo-pass-1"


@pytest.fixture
def demo_live(transactional_db, live_server):
    """The demo data behind a live server, for the browser tests."""
    from django.core.management import call_command

    call_command("demo-data", verbosity=0)
    return live_server


def watch_csp(page) -> list[str]:
    violations: list[str] = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            violations.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
    return violations


def log_in(page, base_url: str, username: str) -> None:
    """By keyboard: the username field has focus on the login page."""
    page.goto(f"{base_url}/login/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # Wait for the login's own navigation: "network idle" alone can come before it starts.
    page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state("networkidle")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
