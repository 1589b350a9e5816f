"""The value pages in Chromium: a penalized fit says so, in English and Spanish, wide and narrow."""

import datetime as dt
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def penalized_live(transactional_db, live_server):
    from leeway.people.models import Organization, Role
    from leeway.people.tests.factories import MemberFactory
    from leeway.value.refresh import value_refresh_organization
    from leeway.value.tests.test_boundary import add_evenly_spread_history

    aurora = Organization.objects.create(slug="aurora", name="Aurora Utilities", base_currency="USD")
    add_evenly_spread_history(aurora, customers=1000)
    run = value_refresh_organization(organization=aurora, today=dt.date(2025, 12, 31))
    assert run.penalized
    for username, language in [("analyst-en", "en"), ("analyst-es", "es")]:
        member = MemberFactory(organization=aurora, role=Role.ANALYST, username=username, language=language)
        member.set_password("demo-pass-1")
        member.save()
    return live_server, run


def log_in(page, url, username):
    page.goto(f"{url}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo-pass-1")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("username", "note", "width"),
    [
        ("analyst-en", "It was fitted with a small documented penalty", 1366),
        ("analyst-es", "Se ajustó con una pequeña penalización documentada", 400),
    ],
)
def test_the_value_pages_say_the_fit_was_penalized(page, penalized_live, username, note, width):
    server, run = penalized_live
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, server.url, username)
    page.goto(f"{server.url}/value/")
    assert page.get_by_test_id("penalized-note").is_visible()
    assert note in page.get_by_test_id("penalized-note").inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"value-penalized-{username}.png"), full_page=True)
    page.goto(f"{server.url}/value/runs/{run.pk}/")
    assert note in page.get_by_test_id("penalized-note").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"value-run-penalized-{username}.png"), full_page=True)
