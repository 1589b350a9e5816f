"""The what-if and the dashboard in Chromium on the demo data, under the strict Content Security Policy."""

import pytest

from leeway.core.tests.browser import log_in, shot, watch_csp


@pytest.mark.browser
def test_an_admin_changes_the_draft_and_reads_the_whatif_from_the_publish_page(page, demo_live):
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-admin")
    page.goto(f"{demo_live.url}/policy/budgets/")
    page.get_by_role("link", name="Change cap Agent Day").click()
    page.wait_for_load_state("networkidle")
    page.locator("#id_cap").fill("10.00")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{demo_live.url}/policy/publish/")
    page.locator("#whatif-link").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Policy what-if").count() == 1
    shot(page, "reports-whatif")
    rows = page.locator("#table-zones tbody tr")
    assert rows.count() == 3
    red = rows.nth(2).locator("td")
    live_red, draft_red = (
        int(red.nth(1).inner_text().replace(",", "")),
        int(red.nth(2).inner_text().replace(",", "")),
    )
    assert draft_red > live_red  # a smaller agent budget sends more requests to the leads
    assert page.locator("figure.report-chart svg rect").count() >= 3
    shot(page, "reports-whatif")
    page.get_by_label("Last").select_option("7")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "days=7" in page.url
    assert violations == []


@pytest.mark.browser
def test_an_analyst_reads_the_dashboard_in_spanish_with_a_table_behind_each_chart(page, demo_live):
    from leeway.people.models import Member

    Member.objects.filter(username="aurora-analyst").update(language="es")
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-analyst")
    page.goto(f"{demo_live.url}/reports/dashboard/")
    assert page.get_by_role("heading", name="Panel de control", exact=True).count() == 1
    assert (
        "US$" in page.locator("#table-zones_team").inner_text()
    )  # the organization's currency, Spanish style
    assert page.locator("figure.report-chart").count() == 4
    for key in ("spend", "budgets", "zones_team", "zones_site", "answer_times", "answers_team"):
        assert page.locator(f"#table-{key}").count() == 1
    assert page.locator("#table-zones_team tbody tr").count() >= 1
    shot(page, "reports-dashboard")
    with page.expect_download() as download:
        page.locator("#table-zones_site caption a").click()  # "Descargar CSV"
    assert download.value.suggested_filename == "dashboard-zones_site.csv"
    assert violations == []
