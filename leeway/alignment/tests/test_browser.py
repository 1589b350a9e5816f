"""The alignment pages in Chromium on the demo data, under the strict Content Security Policy."""

from pathlib import Path

import pytest
from django.core.management import call_command

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def demo_live(transactional_db, live_server):
    call_command("demo-data", verbosity=0)
    return live_server


def log_in(page, server, username):
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message.text),
    )
    page.goto(f"{server.url}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("demo-pass-1")
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")
    return violations


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"alignment-{name}.png"), full_page=True)


@pytest.mark.browser
def test_a_manager_coaches_is_refused_a_reversal_and_reads_their_backing(page, demo_live):
    violations = log_in(page, demo_live, "aurora-manager")
    page.goto(f"{demo_live.url}/alignment/review/")
    page.get_by_role("link", name="Give feedback").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-protected=true]").count() == 1
    # Only praise and coaching are offered on a protected decision; "reckless" is not there.
    assert page.locator("input[name=kind][value=correction]").count() == 0
    assert page.locator("input[name=behaviour][value=reckless]").count() == 0
    page.get_by_label("Coaching", exact=True).check()
    page.get_by_label("Human error: console the agent").check()
    page.get_by_label("Message to the agent").fill("Easy slip; the new screen hides the month.")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Feedback sent to").count() == 1
    page.get_by_role("button", name="Ask to reverse").click()
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert")
    assert "cannot be reversed" in alert.inner_text()
    shot(page, "reversal-refused")
    page.goto(f"{demo_live.url}/alignment/backing/")
    assert page.locator("svg.backing-chart rect").count() == 8
    assert page.locator("table.backing-table tbody tr").count() == 8
    assert page.locator("#pulse-trend").count() == 1
    shot(page, "backing")
    page.goto(f"{demo_live.url}/alignment/review/")
    dispute = page.locator("article.dispute").first
    dispute.get_by_label("Outcome").select_option("partly_upheld")
    dispute.get_by_label("Reasons").fill("The console did hide the earlier waiver.")
    dispute.get_by_role("button", name="Resolve").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Dispute resolved").count() == 1
    assert violations == []


@pytest.mark.browser
def test_an_agent_answers_the_pulse_in_spanish_and_reads_the_charter(page, demo_live):
    violations = log_in(page, demo_live, "aurora-agente")
    page.goto(f"{demo_live.url}/alignment/pulses/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Pulse: this week").click()
    page.wait_for_load_state("networkidle")
    for group in page.locator("form.pulse-form fieldset").all():
        group.get_by_label("En desacuerdo", exact=True).check()
    page.get_by_role("button", name="Enviar mi respuesta").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("nada la vincula contigo").count() == 1
    page.goto(f"{demo_live.url}/alignment/charter/")
    assert page.get_by_text("Respaldamos las decisiones que tomas dentro de la política").count() == 1
    assert page.get_by_text("Priya Raman").count() == 1
    shot(page, "charter-es")
    assert violations == []


@pytest.mark.browser
def test_the_admin_sees_unsigned_managers_proposals_and_only_safe_pulse_groups(page, demo_live):
    violations = log_in(page, demo_live, "aurora-admin")
    page.goto(f"{demo_live.url}/alignment/charter/")
    assert page.locator("ul.unsigned li").all_inner_texts() == ["Marek Wiśniewski"]
    page.goto(f"{demo_live.url}/alignment/proposals/")
    assert page.locator("article.proposal").count() == 1
    page.goto(f"{demo_live.url}/alignment/pulses/")
    page.get_by_role("link", name="Pulse: last month").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-published=true]").count() >= 1
    assert page.locator("[data-published=false]").count() >= 1  # small teams stay hidden
    shot(page, "pulse-results")
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{demo_live.url}/alignment/backing/")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow
    assert violations == []
