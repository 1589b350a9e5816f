"""The agent's loop in a real browser: what a no-cost gesture's confirmation says, and more."""

import re

import pytest
from playwright.sync_api import expect

from leeway.decisions.models import Decision
from leeway.decisions.tests.test_console_browser import (
    SCREENSHOTS,
    choose_reason,
    log_in,
    pick_customer,
    watch_csp,
)

pytestmark = pytest.mark.browser


def test_a_no_cost_gestures_confirmation_does_not_say_it_was_charged(page, demo_live):
    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agent")
    pick_customer(page, "C-1004", "C-1004")
    page.keyboard.press("9")  # the no-cost rule bend
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    page.locator("#reason").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    result = page.locator("#decide-result")
    expect(result).to_contain_text("Approved — protected by policy")
    expect(result).to_contain_text("It costs nothing, so no budget is charged")
    assert "charged to the company goodwill budget" not in result.inner_text()
    assert Decision.objects.get(customer__external_id="C-1004").base_amount == 0
    # A costed gesture for 0.00 is refused under the amount, and nothing is recorded.
    page.keyboard.press("1")
    page.keyboard.press("Control+a")
    page.keyboard.type("0.00")
    error = page.locator("#error-amount")
    expect(error).to_contain_text("enter an amount above 0")
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(error).to_be_visible()
    assert Decision.objects.filter(customer__external_id="C-1004").count() == 1
    assert violations == []


def send_a_red_request(page, customer: str) -> Decision:
    pick_customer(page, customer, customer)
    page.keyboard.press("1")
    page.keyboard.press("Control+a")
    page.keyboard.type("150")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-red\b"))
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(page.locator("#decide-result")).to_contain_text("Sent to your lead")
    return Decision.objects.get(customer__external_id=customer, status="pending")


def test_the_agent_sees_the_leads_answer_in_the_console_without_reloading(page, demo_live):
    from leeway.decisions.services import decision_approve, decision_decline
    from leeway.people.models import Member

    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agent")
    navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))
    lead = Member.objects.get(username="aurora-lead")

    # The agent is still looking at the request when the lead approves it: that box becomes the answer.
    first = send_a_red_request(page, "C-1011")
    result = page.locator("#decide-result")
    decision_approve(decision=first, member=lead, note="Good call, she stays.")
    expect(result).to_contain_text("Approved by Morgan Reyes", timeout=10_000)
    expect(result).to_contain_text("Good call, she stays.")
    expect(result).to_contain_text("charged to the company goodwill budget")
    expect(page.locator("#budget")).to_contain_text("$50.00")  # 200 - 150, refreshed with the answer
    page.screenshot(path=str(SCREENSHOTS / "console-answer-approved-1366x768.png"))

    # Another request; the agent moves on to a green gesture; the lead declines: a notice says why.
    page.keyboard.press("/")
    second = send_a_red_request(page, "C-1012")
    page.keyboard.press("2")
    page.keyboard.press("Control+a")
    page.keyboard.type("10")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(result).to_contain_text("Approved — protected")
    decision_decline(decision=second, member=lead, reason="Already credited last week.")
    notice = page.locator(f'#answers .answer[data-decision="{second.public_id}"]')
    expect(notice).to_contain_text("Declined: Already credited last week.", timeout=10_000)
    expect(notice).to_contain_text("Declined by Morgan Reyes")
    expect(result).to_contain_text("Approved — protected")  # the latest result stays as it was
    page.screenshot(path=str(SCREENSHOTS / "console-answer-declined-1366x768.png"))
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)
    assert navigations == []
    assert violations == []


def test_a_request_still_open_after_a_reload_is_watched_and_answered_in_spanish(page, demo_live):
    from leeway.decisions.services import decision_approve
    from leeway.people.models import Member

    violations = watch_csp(page)
    log_in(page, demo_live.url, "aurora-agente")
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto(f"{demo_live.url}/panel/")
    pick_customer(page, "C-1013", "C-1013")
    page.keyboard.press("1")
    page.keyboard.press("Control+a")
    page.keyboard.type("150")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-red\b"))
    choose_reason(page)
    page.keyboard.press("Enter")
    expect(page.locator("#decide-result")).to_contain_text("Enviada a tu líder")
    request = Decision.objects.get(customer__external_id="C-1013")
    page.reload()  # the page itself lists the open request; the console keeps watching it
    decision_approve(decision=request, member=Member.objects.get(username="aurora-lead"), note="")
    notice = page.locator(f'#answers .answer[data-decision="{request.public_id}"]')
    expect(notice).to_contain_text("Aprobada por Morgan Reyes", timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(SCREENSHOTS / "panel-es-answer-400x800.png"))
    assert violations == []


def test_my_decisions_lists_the_agents_own_decisions_and_updates_with_the_answer(page, demo_live):
    from leeway.decisions.services import decision_create, decision_decline
    from leeway.people.models import Member

    violations = watch_csp(page)
    agent = Member.objects.get(username="aurora-agent")
    request = decision_create(
        member=agent,
        customer="C-1014",
        gesture="waive_fee",
        amount="150.00",
        currency="USD",
        reason="loyalty",
    )
    decision_create(
        member=Member.objects.get(username="aurora-agente"),
        customer="C-1015",
        gesture="waive_fee",
        amount="20.00",
        currency="USD",
        reason="loyalty",
    )
    log_in(page, demo_live.url, "aurora-agent")
    page.get_by_role("link", name="My decisions").click()
    row = page.locator(f"#mine-{request.public_id}")
    expect(row).to_contain_text("Waiting for your lead")
    # Every row is the agent's own (the demo's history included); another agent's decision is not listed.
    expect(page.locator("#mine tbody tr")).to_have_count(Decision.objects.filter(agent=agent).count())
    expect(page.locator("#mine")).not_to_contain_text("C-1015")
    decision_decline(
        decision=request, member=Member.objects.get(username="aurora-lead"), reason="Over the monthly cap."
    )
    expect(row).to_contain_text("Declined by Morgan Reyes: Over the monthly cap.", timeout=12_000)
    page.set_viewport_size({"width": 400, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(SCREENSHOTS / "my-decisions-400x800.png"), full_page=True)
    assert violations == []


@pytest.mark.parametrize("path", ["/panel/", "/console/"])
@pytest.mark.parametrize(("username", "suffix"), [("aurora-agent", "en"), ("aurora-agente", "es")])
def test_at_400_pixels_the_zone_the_why_and_the_value_show_without_scrolling(
    page, demo_live, path, username, suffix
):
    violations = watch_csp(page)
    log_in(page, demo_live.url, username)
    page.set_viewport_size({"width": 400, "height": 768})
    page.goto(f"{demo_live.url}{path}?customer=C-1002")
    page.keyboard.press("1")
    expect(page.locator("#zone")).to_have_class(re.compile(r"\bzone-green\b"))
    expect(page.locator("#value-share")).to_be_visible()
    for selector in ("#zone", "#zone-reasons", "#value-share"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, f"{selector} is below the fold: {box}"
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(SCREENSHOTS / f"{path.strip('/')}-{suffix}-zone-400x768.png"))
    assert violations == []


def test_the_customer_timeline_says_whose_gesture_it_was(page, demo_live):
    from leeway.decisions.services import decision_create
    from leeway.people.models import Member

    violations = watch_csp(page)
    colleague = Member.objects.get(username="aurora-agente")
    theirs = decision_create(
        member=colleague,
        customer="C-1016",
        gesture="waive_fee",
        amount="20.00",
        currency="USD",
        reason="loyalty",
    )
    log_in(page, demo_live.url, "aurora-agent")
    page.goto(f"{demo_live.url}/customers/C-1016/")
    row = page.locator("tr.timeline-decision")
    expect(row).to_contain_text(f"Waive a fee · Green · Approved · by {colleague.display_name}")
    expect(row.locator("a")).to_have_count(0)  # not the agent's to open
    assert "inside your authority" not in page.locator("main").inner_text().lower()
    page.screenshot(path=str(SCREENSHOTS / "customer-timeline-1366x768.png"), full_page=True)
    lead_context = page.context.browser.new_context()
    lead = lead_context.new_page()
    log_in(lead, demo_live.url, "aurora-lead")
    lead.goto(f"{demo_live.url}/customers/C-1016/")
    expect(lead.locator("tr.timeline-decision a")).to_have_attribute(
        "href", f"/decisions/{theirs.public_id}/"
    )
    lead_context.close()
    assert violations == []


@pytest.mark.parametrize(
    ("username", "words"), [("aurora-lead", "Overdue by"), ("aurora-manager", "Escalated")]
)
def test_the_queue_lists_overdue_and_escalated_requests_under_the_strict_csp(
    page, demo_live, username, words
):
    from datetime import timedelta

    from django.utils import timezone

    from leeway.decisions.services import decision_create
    from leeway.people.models import Member

    agent = Member.objects.get(username="aurora-agent")
    for customer, escalated in (("C-1030", False), ("C-1031", True)):
        request = decision_create(
            member=agent,
            customer=customer,
            gesture="waive_fee",
            amount="150.00",
            currency="USD",
            reason="loyalty",
        )
        Decision.objects.filter(pk=request.pk).update(
            due_at=timezone.now() - timedelta(minutes=3), escalated=escalated
        )
    violations = watch_csp(page)
    log_in(page, demo_live.url, username)
    page.goto(f"{demo_live.url}/queue/")
    expect(page.locator(".request.is-overdue").first).to_contain_text(words)
    # Browsers, extensions and password managers touch inputs' styles through the CSSOM (allowed), which
    # leaves style="" behind; htmx's settle step must not copy that attribute (blocked by style-src).
    page.evaluate(
        "document.querySelectorAll('.request input')"
        ".forEach(i => { i.style.color = 'red'; i.style.color = ''; })"
    )
    page.wait_for_timeout(5_500)  # one poll of the list
    page.locator(".request input[name=reason]").first.fill("Not this time.")
    page.locator(".request button.danger").first.click()
    expect(page.locator("#queue-status")).to_contain_text("Declined")
    page.screenshot(path=str(SCREENSHOTS / f"queue-overdue-{username}-1366x768.png"), full_page=True)
    assert violations == []
