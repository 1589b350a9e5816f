"""The agent's minute in a real browser: keyboard only, live zone, no reloads, strict CSP; the queue."""

import re

import pytest
from playwright.sync_api import expect

from leeway.core.tests.browser import PASSWORD, SCREENSHOTS, log_in, watch_csp  # noqa: F401 - used here and by others
from leeway.decisions.models import Decision, DecisionStatus

pytestmark = pytest.mark.browser


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.dataset.gesture || ''")


def pick_customer(page, text: str, external_id: str) -> None:
    # The page focuses the search field itself (autofocus); type only once it has, as a user would.
    expect(page.locator("#customer-q")).to_be_focused()
    page.keyboard.type(text)
    expect(page.locator(f'#customer-results [data-customer="{external_id}"]')).to_be_visible(timeout=10_000)
    page.keyboard.press("Enter")
    expect(page.locator(f'#customer-card .customer-card[data-customer="{external_id}"]')).to_be_visible()


def choose_reason(page) -> None:
    """Tab to the reason and move to the first reason with the arrow key (a closed select changes value)."""
    page.keyboard.press("Tab")
    assert focused(page) == "reason"
    page.keyboard.press("ArrowDown")
    assert page.locator("#reason").input_value() == "billing_error"


def test_an_agent_records_green_amber_and_red_by_keyboard_and_a_lead_approves_the_red_one(page, demo_live):
    SCREENSHOTS.mkdir(exist_ok=True)
    history = set(Decision.objects.values_list("pk", flat=True))  # the demo's own (recognition, alignment)
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agent")
    assert page.url.endswith("/console/")
    navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))

    # Customer found by typing; the search field has focus from the start.
    assert focused(page) == "customer-q"
    pick_customer(page, "C-1001", "C-1001")
    assert focused(page) == "waive_fee"  # ready for a gesture key

    # Green: key 1 picks "Waive a fee", amount prefilled with the default 25.00.
    page.keyboard.press("1")
    assert focused(page) == "amount"
    assert page.locator("#amount").input_value() == "25.00"
    zone = page.locator("#zone")
    expect(zone).to_have_class(re.compile(r"\bzone-green\b"))
    expect(zone).to_contain_text("Inside your authority — you're covered (policy v1)")
    expect(page.locator("#zone-reasons")).to_contain_text("Inside your green limit")
    choose_reason(page)
    page.keyboard.press("Enter")
    result = page.locator("#decide-result")
    expect(result).to_contain_text("Approved — protected by policy v1")
    expect(result).to_contain_text("nothing can be held against you")
    expect(page.locator("#budget")).to_contain_text("$175.00")
    page.screenshot(path=str(SCREENSHOTS / "console-green-1366x768.png"))

    # Amber: above the green limit (50), inside the stretch (100): asks for one line of why.
    page.keyboard.press("1")
    page.keyboard.type("75")
    expect(zone).to_have_class(re.compile(r"\bzone-amber\b"))
    expect(zone).to_contain_text("Asks for one line of why")
    expect(page.locator("#justification")).to_be_visible()
    choose_reason(page)
    page.keyboard.press("Tab")
    assert focused(page) == "justification"
    page.keyboard.type("Third outage this month; she was about to cancel.")
    page.screenshot(path=str(SCREENSHOTS / "console-amber-1366x768.png"))
    page.keyboard.press("Enter")
    expect(result).to_contain_text("learning case")
    expect(page.locator("#budget")).to_contain_text("$100.00")

    # Red: beyond the stretch limit goes to the lead.
    page.keyboard.press("1")
    page.keyboard.type("150")
    expect(zone).to_have_class(re.compile(r"\bzone-red\b"))
    expect(zone).to_contain_text("Goes to your lead; usual answer in 2 min")
    expect(page.locator("#zone-reasons")).to_contain_text("Beyond your stretch limit")
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Sent to your lead")
    expect(page.locator("#customer-card")).to_contain_text("Waiting for a lead")
    page.screenshot(path=str(SCREENSHOTS / "console-red-1366x768.png"))

    assert navigations == []  # nothing reloaded the page
    decisions = list(
        Decision.objects.filter(agent__username="aurora-agent").exclude(pk__in=history).order_by("created_at")
    )
    assert [(d.zone, d.status) for d in decisions] == [
        ("green", "approved"),
        ("amber", "approved"),
        ("red", "pending"),
    ]
    assert decisions[1].justification == "Third outage this month; she was about to cancel."
    assert violations == []

    # The lead answers from the queue, without reloading it.
    lead_context = page.context.browser.new_context(viewport={"width": 1366, "height": 768})
    lead = lead_context.new_page()
    lead_violations = watch_csp(lead)
    log_in(lead, demo_live.url, "aurora-lead")
    assert lead.url.endswith("/queue/")
    request = lead.locator(f"#request-{decisions[2].public_id}")
    expect(request).to_contain_text("Avery Johnson")
    expect(request).to_contain_text("$150.00")
    expect(request).to_contain_text("Beyond the agent's stretch limit")
    expect(lead.locator("#learning-heading + p + div")).to_contain_text("Third outage this month")
    lead.screenshot(path=str(SCREENSHOTS / "queue-1366x768.png"))
    request.locator("input[name=note]").focus()
    lead.keyboard.type("Good call, approved.")
    lead.keyboard.press("Enter")
    expect(lead.locator("#queue-status")).to_contain_text("is protected and charged")
    expect(request).to_have_count(0)
    decisions[2].refresh_from_db()
    assert decisions[2].status == DecisionStatus.APPROVED
    assert decisions[2].decision_note == "Good call, approved."

    # The decision's page: protection in words, the policy that judged it, the audit trail.
    lead.goto(f"{demo_live.url}/decisions/{decisions[2].public_id}/")
    expect(lead.locator("h1")).to_contain_text("Waive a fee for")
    expect(lead.get_by_text("Judged by policy v1")).to_be_visible()
    expect(lead.locator("#audit-heading + p + div")).to_contain_text("Approved by a lead")
    lead.screenshot(path=str(SCREENSHOTS / "decision-1366x768.png"), full_page=True)
    lead.goto(f"{demo_live.url}/decisions/?zone=amber")
    expect(lead.locator("tbody tr")).to_have_count(1)
    lead.screenshot(path=str(SCREENSHOTS / "decisions-list-1366x768.png"))
    assert lead_violations == []
    lead_context.close()


def test_a_red_request_appears_in_the_queue_without_reload(page, demo_live):
    lead_context = page.context.browser.new_context(viewport={"width": 1366, "height": 768})
    lead = lead_context.new_page()
    log_in(lead, demo_live.url, "aurora-lead")
    expect(lead.locator(".requests")).to_have_count(0)

    log_in(page, demo_live.url, "aurora-agent")
    pick_customer(page, "C-1002", "C-1002")
    page.keyboard.press("1")
    page.keyboard.type("150")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-red\b"))
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(page.locator("#decide-result")).to_contain_text("Sent to your lead")

    expect(lead.locator(".request")).to_have_count(1, timeout=12_000)  # polled every 5 s
    lead_context.close()


def test_a_retry_after_a_lost_answer_reuses_the_idempotency_key(page, demo_live):
    violations = watch_csp(page)
    keys = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            assert route.fetch().status == 201  # the server records the decision…
            route.abort()  # …but its answer never reaches the browser
        else:
            route.continue_()

    # Routed before the page loads, so no submission can reach the server around the handler (CI saw the
    # first answer arrive once when the route was set up just before the submission).
    page.route("**/api/v1/decisions", lose_the_first_answer)
    log_in(page, demo_live.url, "aurora-agent")
    pick_customer(page, "C-1003", "C-1003")
    page.keyboard.press("1")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    choose_reason(page)
    assert keys == []
    page.keyboard.press("Enter")
    # The recording and the lost answer take a round trip through the test's own client: allow for a slow
    # machine before saying the console failed to tell the agent.
    expect(page.locator("#form-error")).to_contain_text("The connection failed", timeout=15_000)
    page.keyboard.press("Enter")  # the focus is on the button: the same submission again
    expect(page.locator("#decide-result")).to_contain_text("Approved")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    assert Decision.objects.filter(customer__external_id="C-1003").count() == 1
    # The next decision is a new submission: a fresh key.
    page.keyboard.press("2")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(page.locator("#decide-result")).to_contain_text("Account credit")
    assert len(keys) == 3 and keys[2] != keys[0]
    assert Decision.objects.filter(customer__external_id="C-1003").count() == 2
    assert [v for v in violations if "net::" not in v] == []


def test_errors_show_next_to_their_field_in_the_agents_language(page, demo_live):
    recorded = Decision.objects.count()  # the demo's own
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agente")
    pick_customer(page, "C-1001", "C-1001")
    page.keyboard.press("1")
    assert page.locator("#amount").input_value() == "25,00"  # the default, as Spanish writes it
    page.keyboard.type("12,345")  # three decimals after the Spanish decimal comma
    error = page.locator("#error-amount")
    expect(error).to_be_visible()
    expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
    assert "decimales" in error.inner_text()
    # Amber without a justification: the API's 422 lands under the justification field, in Spanish.
    page.keyboard.press("Control+a")
    page.keyboard.type("75")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-amber\b"))
    expect(page.locator("#zone")).to_contain_text("Pide una línea de por qué")
    choose_reason(page)
    page.keyboard.press("Enter")
    justification_error = page.locator("#error-justification")
    expect(justification_error).to_be_visible()
    assert focused(page) == "justification"
    assert Decision.objects.count() == recorded
    page.screenshot(path=str(SCREENSHOTS / "console-es-error-1366x768.png"))
    assert violations == []


@pytest.mark.parametrize(("username", "suffix"), [("aurora-agent", "en"), ("aurora-agente", "es")])
def test_the_panel_fits_a_400_pixel_sidebar(page, demo_live, username, suffix):
    SCREENSHOTS.mkdir(exist_ok=True)
    violations = watch_csp(page)
    log_in(page, demo_live.url, username)
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{demo_live.url}/panel/?customer=C-1001&interaction=CALL-778")
    expect(page.locator(".customer-card")).to_be_visible()
    assert focused(page) == "waive_fee"
    page.keyboard.press("2")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    # Nothing overflows sideways in the sidebar.
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(SCREENSHOTS / f"panel-{suffix}-400x800.png"))
    page.screenshot(path=str(SCREENSHOTS / f"panel-{suffix}-400x800-full.png"), full_page=True)
    if suffix == "es":
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{demo_live.url}/console/?customer=C-1001")
        page.keyboard.press("1")
        expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
        page.screenshot(path=str(SCREENSHOTS / "console-es-1366x768.png"))
    assert violations == []
