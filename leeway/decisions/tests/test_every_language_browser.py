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
