"""An admin opens the API docs from the navigation: Swagger UI renders under the CSP and calls the API."""

import pytest
from playwright.sync_api import expect

from leeway.core.tests.browser import SCREENSHOTS, log_in, watch_csp

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_live(transactional_db, live_server):
    from django.core.management import call_command

    call_command("demo-data", verbosity=0)
    return live_server


def test_an_admin_reads_and_tries_the_api_from_the_docs(page, demo_live):
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-admin")
    page.get_by_text("Manage", exact=True).click()  # the organization's settings menu
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Leeway API")
    operation = page.locator("#operations-people-leeway_people_api_me")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    # The browser's session works here too: /me answers for the admin.
    live = operation.locator(".live-responses-table")
    expect(live.locator("tbody td.response-col_status").first).to_contain_text("200")
    expect(live.locator("tbody .response-col_description").first).to_contain_text(
        '"username": "aurora-admin"'
    )
    page.screenshot(path=str(SCREENSHOTS / "api-docs-1366x768.png"))
    assert violations == []
