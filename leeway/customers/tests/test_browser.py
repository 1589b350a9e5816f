"""In a real browser: type-ahead customer search, the customer page, and an import with its report."""

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def demo_live(transactional_db, live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo-data", verbosity=0)
    return live_server


def log_in(page, live, username):
    page.goto(f"{live.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo-pass-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def csp_watch(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    return violations


@pytest.mark.browser
def test_an_agent_finds_a_customer_by_typing_and_sees_the_value(page, demo_live):
    violations = csp_watch(page)
    log_in(page, demo_live, "aurora-agent")
    page.goto(f"{demo_live.url}/customers/")
    page.get_by_label("Search customers").fill("C-1042")
    expect(page.locator("#customer-results tbody tr")).to_have_count(1)
    page.get_by_role("link", name="C-1042").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Customer value").count() == 1
    assert page.get_by_text("Values computed at").count() == 1
    assert page.get_by_role("heading", name="Timeline").count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "customer-page.png"), full_page=True)
    assert violations == []


@pytest.mark.browser
def test_an_analyst_imports_a_file_and_reads_the_report(page, demo_live, tmp_path):
    violations = csp_watch(page)
    bad = tmp_path / "purchases.csv"
    bad.write_text("customer,date,amount,currency\nC-1001,2024-02-30,10.00,USD\nC-9999,2024-02-01,-1,USD\n")
    log_in(page, demo_live, "aurora-analyst")
    page.goto(f"{demo_live.url}/customers/imports/")
    page.locator("#id_transactions_file").set_input_files(str(bad))
    page.get_by_role("button", name="Import Transactions").click()
    page.wait_for_selector("text=Nothing was imported.")
    rows = page.locator("table tbody tr")
    assert rows.count() == 3
    assert "Enter a date as YYYY-MM-DD." in rows.nth(0).inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-report.png"), full_page=True)
    assert violations == []
