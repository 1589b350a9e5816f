"""In a real browser: kudos in one click from the feed, and the feed itself, at 1366 px and 400 px, in
English and Spanish, under the strict Content Security Policy."""

import pytest
from playwright.sync_api import expect

from leeway.core.tests.browser import (
    SCREENSHOTS,
    demo_live,  # noqa: F401 - fixture
    log_in,
    watch_csp,
)
from leeway.people.models import Member
from leeway.recognition.models import Kudos

pytestmark = pytest.mark.browser


def give_kudos_in_one_click(page, giver: Member) -> None:
    before = Kudos.objects.filter(giver=giver).count()
    item = page.locator(".recent-decision:has(.kudos-form)").first
    expect(item).to_be_visible()
    item_id = item.get_attribute("id")
    item.locator(".kudos-button").first.click()  # the one click
    page.wait_for_load_state("networkidle")
    assert Kudos.objects.filter(giver=giver).count() == before + 1
    expect(page.locator(f"#{item_id} .praised")).to_be_visible()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_lead_gives_kudos_in_one_click_at_1366(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-lead")
    page.get_by_role("link", name="Celebrations").first.click()
    expect(page.get_by_role("heading", name="Celebrations", exact=True)).to_be_visible()
    expect(page.locator(".feed .feed-item").first).to_be_visible()
    expect(page.get_by_role("heading", name="Streaks")).to_be_visible()
    give_kudos_in_one_click(page, Member.objects.get(username="aurora-lead"))
    expect(page.locator(".message.success")).to_contain_text("Kudos sent to")
    # Filter the feed to one team: every item links to a decision page.
    page.get_by_label("Team").select_option(label="Denver Billing")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".feed .feed-item").first).to_be_visible()
    page.locator(".feed .feed-item a").first.click()
    expect(page.get_by_role("heading", name="Kudos")).to_be_visible()
    no_sideways_scroll(page)
    page.goto(f"{demo_live.url}/recognition/")
    page.screenshot(path=str(SCREENSHOTS / "recognition-feed-1366.png"))
    assert violations == []


def test_an_agent_gives_kudos_in_spanish_at_400(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    page.set_viewport_size({"width": 400, "height": 800})
    log_in(page, demo_live.url, "aurora-agente")
    page.goto(f"{demo_live.url}/recognition/")
    expect(page.get_by_role("heading", name="Celebraciones", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Reconoce las decisiones de tu equipo")).to_be_visible()
    expect(page.locator(".kudos-button").first).to_contain_text("El cliente primero")
    give_kudos_in_one_click(page, Member.objects.get(username="aurora-agente"))
    expect(page.locator(".message.success")).to_contain_text("Reconocimiento enviado a")
    expect(page.get_by_role("heading", name="Rachas")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "recognition-feed-400-es.png"))
    page.locator(".feed").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "recognition-feed-400-es-feed.png"))
    page.goto(f"{demo_live.url}/people/home/")
    no_sideways_scroll(page)
    assert violations == []
