"""In a real browser: the ROI page with the demo's estimate, its method page, in English and Spanish,
at 1366 px and 400 px, under the strict Content Security Policy."""

import pytest
from playwright.sync_api import expect

from leeway.core.tests.browser import (
    SCREENSHOTS,
    demo_live,  # noqa: F401 - fixture
    log_in,
    watch_csp,
)
from leeway.people.models import Member

pytestmark = pytest.mark.browser


def test_an_admin_reads_the_return_on_goodwill_and_its_method(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-admin")
    page.get_by_role("link", name="Return on goodwill").first.click()
    expect(page.get_by_role("heading", name="Return on goodwill", exact=True)).to_be_visible()
    row = page.get_by_test_id("figure-retention_90")
    expect(row.get_by_test_id("estimate")).to_contain_text("points")
    expect(row.get_by_test_id("interval")).to_contain_text(" to ")
    expect(row.get_by_test_id("naive")).to_contain_text("points")
    expect(page.get_by_test_id("figure-purchases").get_by_test_id("estimate")).to_contain_text("$")
    expect(page.get_by_test_id("compared")).to_contain_text("customers with a gesture")
    page.screenshot(path=str(SCREENSHOTS / "insights-roi-1366.png"), full_page=True)
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{demo_live.url}/insights/roi/method/#retention_90")
    expect(page.get_by_role("heading", name="The adjustment: propensity weighting")).to_be_visible()
    expect(page.get_by_test_id("query").first).to_contain_text("insights_interaction")
    page.screenshot(path=str(SCREENSHOTS / "insights-roi-method-1366.png"))
    assert violations == []


def test_an_analyst_reads_it_in_spanish_at_400(page, demo_live):  # noqa: F811
    violations = watch_csp(page)
    analyst = Member.objects.get(username="aurora-analyst")
    analyst.language = "es"
    analyst.save(update_fields=["language"])
    page.set_viewport_size({"width": 400, "height": 800})
    log_in(page, demo_live.url, "aurora-analyst")
    page.goto(f"{demo_live.url}/insights/roi/")
    expect(page.get_by_role("heading", name="Retorno de la buena voluntad", exact=True)).to_be_visible()
    row = page.get_by_test_id("figure-retention_90")
    expect(row.get_by_test_id("estimate")).to_contain_text("puntos")
    expect(row.get_by_test_id("interval")).to_contain_text("de ")
    # Spanish numbers: a decimal comma.
    assert "," in row.get_by_test_id("estimate").inner_text()
    page.get_by_role("button", name="Calcular la estimación ahora").click()
    expect(page.locator(".message.success")).to_contain_text("La estimación se calculó")
    page.screenshot(path=str(SCREENSHOTS / "insights-roi-es-400.png"), full_page=True)
    assert violations == []


def test_an_admin_imports_helpdesk_interactions_on_the_page(page, demo_live, tmp_path):  # noqa: F811
    from leeway.insights.models import Interaction

    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-admin")
    page.goto(f"{demo_live.url}/insights/roi/")
    page.get_by_role("link", name="Interactions", exact=True).click()
    expect(page.get_by_role("heading", name="Interactions", exact=True)).to_be_visible()
    expect(page.get_by_test_id("interactions")).to_contain_text("DEMO-INS-")
    before = Interaction.objects.count()
    header = "external_ref,customer,channel,category,agent,occurred_at\n"
    bad = tmp_path / "helpdesk-bad.csv"
    bad.write_text(
        header
        + "WEB-1,C-1001,phone,billing_error,aurora-agent,2026-11-02T10:00:00Z\n"
        + "WEB-2,C-NOBODY,pigeon,billing_error,,2026-11-02T10:00:00Z\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import interactions").click()
    expect(page.get_by_test_id("import-refused")).to_contain_text(
        "Nothing was imported from helpdesk-bad.csv"
    )
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("There is no customer with the id C-NOBODY")
    expect(errors).to_contain_text("Unknown channel")
    page.screenshot(path=str(SCREENSHOTS / "insights-interactions-refused-1366.png"), full_page=True)
    assert Interaction.objects.count() == before
    good = tmp_path / "helpdesk.csv"
    good.write_text(
        header + "WEB-1,C-1001,phone,billing_error,aurora-agent,2026-11-02T10:00:00Z\n", encoding="utf-8"
    )
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import interactions").click()
    expect(page.locator(".message.success")).to_contain_text("1 new interactions")
    expect(page.get_by_test_id("interactions")).to_contain_text("WEB-1")
    assert Interaction.objects.count() == before + 1
    assert violations == []
