"""Pages in Spanish at 1366 and 400 px: nothing overflows its card; numbers and dates read as Spanish."""

import pytest

from leeway.decisions.tests.test_console_browser import SCREENSHOTS, log_in, watch_csp

pytestmark = pytest.mark.browser

OVERFLOWING_CARDS = """() => Array.from(document.querySelectorAll('.card')).filter((card) => {
  const box = card.getBoundingClientRect();
  // Anything inside that sticks out of the card (a scrolling table wrapper is allowed to scroll).
  return Array.from(card.querySelectorAll('*')).some((el) => {
    if (el.closest('.table-wrap, .table-scroll') && !el.matches('.table-wrap, .table-scroll')) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
  });
}).map((card) => card.querySelector('h2')?.textContent || card.className)"""


@pytest.mark.parametrize("width", [1366, 400])
@pytest.mark.parametrize("path", ["/policy/budgets/", "/customers/imports/", "/policy/versions/1/"])
def test_spanish_admin_pages_fit_their_cards(page, demo_live, path, width):
    violations = watch_csp(page)
    log_in(page, demo_live.url, "casa-admin")
    page.set_viewport_size({"width": width, "height": 768})
    page.goto(f"{demo_live.url}{path}")
    assert page.evaluate(OVERFLOWING_CARDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    name = path.strip("/").replace("/", "-")
    page.screenshot(path=str(SCREENSHOTS / f"es-{name}-{width}.png"), full_page=True)
    assert violations == []


@pytest.mark.parametrize(
    ("username", "typed", "placeholder"),
    [("aurora-agente", "1.234,56", "0,00"), ("aurora-agent", "1,234.56", "0.00")],
)
def test_the_console_reads_an_amount_in_the_agents_own_format(page, demo_live, username, typed, placeholder):
    import re
    from decimal import Decimal

    from playwright.sync_api import expect

    from leeway.decisions.models import Decision
    from leeway.decisions.tests.test_console_browser import choose_reason, pick_customer

    violations = watch_csp(page)
    log_in(page, demo_live.url, username)
    expect(page.locator("#amount")).to_have_attribute("placeholder", placeholder)
    pick_customer(page, "C-1040", "C-1040")
    page.keyboard.press("1")
    page.keyboard.type(typed)
    expect(page.locator("#zone")).to_have_class(
        re.compile(r"\bzone-red\b")
    )  # read as 1234.56: beyond stretch
    expect(page.locator("#error-amount")).to_be_hidden()
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(page.locator("#decide-result")).to_contain_text("1")
    decision = Decision.objects.get(customer__external_id="C-1040")
    assert decision.amount == Decimal("1234.56")
    assert violations == []


def test_a_spanish_admin_types_a_cap_the_spanish_way(page, demo_live):
    from decimal import Decimal

    from playwright.sync_api import expect

    from leeway.policy.models import Budget

    violations = watch_csp(page)
    log_in(page, demo_live.url, "casa-admin")
    budget = Budget.objects.get(organization__slug="casa-azul", scope="department", period="month")
    page.goto(f"{demo_live.url}/policy/budgets/{budget.pk}/")
    cap = page.locator("#id_cap")
    expect(cap).to_have_value("50.000,00")  # shown as Spanish writes it
    cap.fill("62.500,50")
    cap.press("Enter")
    expect(page.locator("main")).to_contain_text("62.500,50")
    budget.refresh_from_db()
    assert budget.cap == Decimal("62500.50")
    assert violations == []


def test_segments_and_tiers_read_in_spanish_and_a_spanish_admin_renames_a_segment(page, demo_live):
    from playwright.sync_api import expect

    violations = watch_csp(page)
    log_in(page, demo_live.url, "casa-admin")
    page.goto(f"{demo_live.url}/policy/tiers/")
    expect(page.locator("main")).to_contain_text("Inicial")
    page.goto(f"{demo_live.url}/customers/")
    page.get_by_role("link", name="Segmentos").click()
    row = page.locator("tr", has=page.locator("code", has_text="leisure"))
    expect(row.locator("input[lang=es]")).to_have_value("Ocio")
    row.locator("input[lang=es]").fill("Vacaciones")
    row.get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("leisure")
    page.set_viewport_size({"width": 400, "height": 768})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(SCREENSHOTS / "es-segments-400.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{demo_live.url}/customers/")
    listing = page.locator("#customer-results")
    expect(listing).to_contain_text("Vacaciones")
    for code in ("leisure", "business", "loyalty"):
        assert f">{code}<" not in listing.inner_html()
    page.screenshot(path=str(SCREENSHOTS / "es-customers-1366.png"))
    assert violations == []
