"""Decision pages: the agent console and embeddable panel, the lead's queue, the list and a decision's page.

The console talks to the HTTP API (`/api/v1/decisions/preview`, `/api/v1/decisions`)
from static JavaScript; these views render the pages and small HTML partials
(customer search, customer card, budgets, queue) and call the engine's
services for a lead's one-click answers.
"""

import math

from csp.decorators import csp_replace
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_POST

from leeway.core.decorators import member_required, role_required
from leeway.core.errors import Conflict, DomainError, NotFound
from leeway.customers.selectors import customer_id_example
from leeway.decisions import page_selectors, selectors, services
from leeway.decisions.judging import render_reasons
from leeway.decisions.models import DecisionReason, DecisionStatus, Zone
from leeway.decisions.signals import approved_decision_change_refused
from leeway.people.models import Role
from leeway.policy.budgets import AGENT_VOICE, REVIEWER_VOICE
from leeway.policy.selectors import gestures_for
from leeway.policy.snapshot import current_policy

# Who records gestures (the engine's deciding roles) and who answers requests.
CONSOLE_ROLES = (Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN)
QUEUE_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN)
LIST_ROLES = (Role.LEAD, Role.MANAGER, Role.ADMIN, Role.ANALYST)
LIST_PAGE_SIZE = 50


# ---------------------------------------------------------------------------
# Console and panel


def _console_context(request, *, customer_id: str = "", interaction: str = "", lean: bool = False) -> dict:
    member = request.user
    language = translation.get_language()
    snapshot = current_policy(member.organization_id)
    card = None
    missing_customer = ""
    if customer_id:
        customer = page_selectors.customer_by_external_id(member, customer_id)
        if customer is None:
            missing_customer = customer_id[:64]
        else:
            card = page_selectors.customer_card(member, customer)
    gestures = gestures_for(member, language, snapshot=snapshot)
    return {
        "lean": lean,
        "snapshot": snapshot,
        "gestures": gestures,
        "reasons": DecisionReason.choices,
        "currencies": page_selectors.decision_currencies(member),
        "base_currency": member.organization.base_currency,
        "budgets": page_selectors.agent_budgets(member),
        "card": card,
        "missing_customer": missing_customer,
        "interaction": interaction[:100],
        "console_strings": _console_strings(),
        "pending_ids": page_selectors.own_pending_ids(member),
        "id_example": customer_id_example(member),
        "console_panels": [] if lean else page_selectors.console_panels(request),
    }


def _console_strings() -> dict:
    """The words the console's script shows, in the member's language (no JavaScript catalogue)."""
    from django.utils.translation import gettext as _

    return {
        "zone_none": _("Pick a customer, a gesture and an amount: the zone shows here as you type."),
        "zone_green": _("Inside your authority — you're covered (policy v%(version)s)"),
        "zone_green_detail": _("Approved at once and protected. Nothing can be held against you."),
        "zone_amber": _("Asks for one line of why"),
        "zone_amber_detail": _(
            "Above your green limit, inside your stretch: add a justification and it is approved at once "
            "and protected (policy v%(version)s)."
        ),
        "zone_red": _("Goes to your lead; usual answer in %(minutes)s min"),
        "zone_red_detail": _("No money moves until your lead approves. Asking is always the right call."),
        "zone_name_green": _("Green"),
        "zone_name_amber": _("Amber"),
        "zone_name_red": _("Red"),
        "reason_ok": _("passed"),
        "reason_failed": _("not met"),
        "more_checks_one": _("1 more budget checked, fine"),
        "more_checks": _("%(count)s more budgets checked, all fine"),
        "value_share": _("This %(amount)s is %(percent)s of this customer's predicted value (%(value)s)."),
        "approved_title": _("Approved — protected by policy v%(version)s"),
        "approved_body": _("Charged to the company goodwill budget; nothing can be held against you."),
        "approved_free_body": _(
            "It costs nothing, so no budget is charged; nothing can be held against you."
        ),
        "amber_body": _("Your lead sees it as a learning case, never as a mistake."),
        "auto_body": _("Approved in the customer's favour because nobody answered in time."),
        "red_title": _("Sent to your lead"),
        "red_body": _(
            "No money moves until they approve; usual answer in %(minutes)s min. "
            "You can tell the customer it is being looked at now."
        ),
        "declined_title": _("Declined"),
        "open_decision": _("Open the decision"),
        "my_decisions": _("All your decisions and requests"),
        "dismiss": _("Dismiss"),
        "next_hint": _("Press a gesture's key for another one, or / to find another customer."),
        "need_customer": _("Find and pick a customer first."),
        "need_gesture": _("Pick a gesture (press its key)."),
        "need_amount": _("Enter an amount."),
        "network_error": _(
            "The connection failed; nothing was recorded twice. Press Enter again to retry the same decision."
        ),
        "server_error": _("Something went wrong on our side. Press Enter again to retry the same decision."),
        "results_count": _("%(count)s customers found; use the arrow keys and Enter."),
        "results_one": _("1 customer found; press Enter to pick it."),
        "results_none": _("No customer matches."),
        "customer_loaded": _("Customer %(name)s picked. Press a gesture's key."),
    }


def _render_console(request, template: str, **kwargs):
    context = _console_context(request, **kwargs)
    return render(request, template, context)


@require_GET
@role_required(*CONSOLE_ROLES)
def console(request):
    """The page agents live in: find a customer, pick a gesture, see the zone live, record it."""
    return _render_console(
        request,
        "decisions/console.html",
        customer_id=request.GET.get("customer", ""),
        interaction=request.GET.get("interaction", ""),
    )


def _framed_by(origins: list[str]):
    """Let exactly these origins frame the response (CSP frame-ancestors), and nobody if there are none."""

    def decorate(view):
        if not origins:
            return view  # the site-wide frame-ancestors 'none' and X-Frame-Options DENY stay
        return xframe_options_exempt(csp_replace({"frame-ancestors": origins})(view))

    return decorate


@require_GET
@role_required(*CONSOLE_ROLES)
def panel(request):
    """The console's lean layout for a CRM or helpdesk sidebar (400 px), framable by listed origins only."""
    origins = page_selectors.panel_allowed_origins(request.user)

    def render_panel(request):
        return _render_console(
            request,
            "decisions/panel.html",
            customer_id=request.GET.get("customer", ""),
            interaction=request.GET.get("interaction", ""),
            lean=True,
        )

    return _framed_by(origins)(render_panel)(request)


@require_GET
@role_required(*CONSOLE_ROLES)
def customer_search(request):
    """Type-ahead: a listbox of matching customers (HTML partial for the console's script)."""
    query = request.GET.get("q", "")
    customers = page_selectors.customer_search(request.user, query)
    return render(
        request,
        "decisions/_customer_results.html",
        {"customers": customers, "query": query.strip()},
    )


@require_GET
@role_required(*CONSOLE_ROLES)
def customer_card(request):
    """The customer card partial (`?customer=C-1001`); another organization's customer is not found."""
    customer = page_selectors.customer_by_external_id(request.user, request.GET.get("customer", ""))
    if customer is None:
        raise NotFound()
    card = page_selectors.customer_card(request.user, customer)
    return render(request, "decisions/_customer_card.html", {"card": card})


@require_GET
@role_required(*CONSOLE_ROLES)
def console_requests(request):
    """Where the member's own requests stand (`?ids=…`), polled by the console so the lead's answer shows.

    Only the member's own decisions are answered; any other id is left out, as if it did not exist.
    """
    member = request.user
    ids = [value for value in request.GET.get("ids", "").split(",") if value]
    names = page_selectors.gesture_names(member, translation.get_language())
    answers = [
        page_selectors.request_answer(decision, names)
        for decision in page_selectors.own_requests(member, ids)
    ]
    response = JsonResponse({"requests": answers})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*CONSOLE_ROLES)
def budget(request):
    """What the agent has left today (refreshed after each decision)."""
    return render(request, "decisions/_budget.html", {"budgets": page_selectors.agent_budgets(request.user)})


# ---------------------------------------------------------------------------
# The lead's queue


class QueueItem:
    """A pending request as the queue shows it: the decision, its reasons, and the time left.

    The queue's reader answers for the agent, so the reasons speak of "the agent's" limits.
    """

    def __init__(self, decision, now, gesture_names: dict[str, str]):
        self.decision = decision
        self.gesture_name = gesture_names.get(decision.gesture.code) or str(decision.gesture)
        reasons = render_reasons(decision.reasons, voice=REVIEWER_VOICE)
        self.failed_reasons = [reason for reason in reasons if not reason["ok"]]
        seconds = (decision.due_at - now).total_seconds() if decision.due_at else None
        self.overdue = seconds is not None and seconds <= 0
        self.minutes = None if seconds is None else max(1, math.ceil(abs(seconds) / 60))
        self.under_a_minute = seconds is not None and 0 < seconds < 60


def _queue_context(request) -> dict:
    member = request.user
    now = timezone.now()
    names = page_selectors.gesture_names(member, translation.get_language())
    pending = [QueueItem(decision, now, names) for decision in selectors.pending_requests_for(member)[:100]]
    learning = selectors.learning_cases_for(member, limit=20)
    for decision in learning:
        decision.gesture_name = names.get(decision.gesture.code) or str(decision.gesture)
    return {"pending": pending, "learning": learning, "now": now}


@require_GET
@role_required(*QUEUE_ROLES)
def queue(request):
    """Pending requests of the lead's teams, oldest first, and the amber learning cases."""
    return render(request, "decisions/queue.html", _queue_context(request))


@require_GET
@role_required(*QUEUE_ROLES)
def queue_items(request):
    """The queue's live part, polled every few seconds."""
    return render(request, "decisions/_queue_items.html", _queue_context(request))


def _next_url(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _answer(request, decision_id, *, approve: bool):
    from django.utils.translation import gettext as _

    member = request.user
    text = request.POST.get("note" if approve else "reason", "")
    status = "success"
    try:
        decision = selectors.decision_in_organization(member, decision_id)
        if approve:
            decision = services.decision_approve(decision=decision, member=member, note=text)
            if decision.base_amount == 0:
                message = _(
                    "Approved: %(agent)s's %(gesture)s for %(customer)s is protected; it costs nothing."
                )
            else:
                message = _("Approved: %(agent)s's %(gesture)s for %(customer)s is protected and charged.")
        else:
            try:
                decision = services.decision_decline(decision=decision, member=member, reason=text)
            except Conflict:
                if decision.status == DecisionStatus.APPROVED:
                    approved_decision_change_refused.send(
                        sender=type(decision), decision=decision, member=member, attempt="decline"
                    )
                raise
            message = _("Declined: %(agent)s's request for %(customer)s. Nothing was spent.")
        names = page_selectors.gesture_names(member, translation.get_language())
        message = message % {
            "agent": decision.agent.display_name,
            "gesture": names.get(decision.gesture.code) or str(decision.gesture),
            "customer": decision.customer.name,
        }
    except NotFound:
        raise
    except DomainError as error:
        status, message = "error", str(error.message)
    if request.htmx:
        context = _queue_context(request)
        context.update({"status_message": message, "status_kind": status})
        return render(request, "decisions/_queue_items.html", context)
    (messages.success if status == "success" else messages.error)(request, message)
    return redirect(_next_url(request, reverse("decisions:queue")))


@require_POST
@role_required(*QUEUE_ROLES)
def decision_approve(request, decision_id):
    """One click: approve a pending request (optional note for the agent)."""
    return _answer(request, decision_id, approve=True)


@require_POST
@role_required(*QUEUE_ROLES)
def decision_decline(request, decision_id):
    """One click: decline a pending request (reason for the agent)."""
    return _answer(request, decision_id, approve=False)


# ---------------------------------------------------------------------------
# A decision's page and the list


@require_GET
@member_required
def decision_detail(request, decision_id):
    """Zone, status, protection, amounts, the policy version and its reasoning, who decided, the trail."""
    member = request.user
    decision = selectors.decision_for(member, decision_id)
    names = page_selectors.gesture_names(member, translation.get_language())
    can_answer = False
    if decision.is_pending:
        try:
            services.check_can_answer(decision=decision, member=member)
            can_answer = True
        except DomainError:
            can_answer = False
    # "You" and "your green limit" only to the decision's own agent; a lead, manager or admin
    # reads "the agent" and "the agent's".
    voice = AGENT_VOICE if decision.agent_id == member.pk else REVIEWER_VOICE
    return render(
        request,
        "decisions/detail.html",
        {
            "decision": decision,
            "gesture_name": names.get(decision.gesture.code) or str(decision.gesture),
            "summary": selectors.decision_summary(decision, voice=voice),
            "reasons": render_reasons(decision.reasons, voice=voice),
            "audit_entries": page_selectors.decision_audit_entries(decision),
            "can_answer": can_answer,
            "extra_links": page_selectors.decision_page_links(member, decision),
        },
    )


@require_GET
@role_required(*LIST_ROLES)
def decision_list(request):
    """Decisions the member may read, filterable by status and zone."""
    member = request.user
    status = request.GET.get("status", "")
    zone = request.GET.get("zone", "")
    status = status if status in DecisionStatus.values else ""
    zone = zone if zone in Zone.values else ""
    queryset = selectors.decisions_for(member, status=status or None, zone=zone or None)
    paginator = Paginator(queryset, LIST_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    names = page_selectors.gesture_names(member, translation.get_language())
    for decision in page.object_list:
        decision.gesture_name = names.get(decision.gesture.code) or str(decision.gesture)
    return render(
        request,
        "decisions/list.html",
        {
            "page": page,
            "status": status,
            "zone": zone,
            "statuses": DecisionStatus.choices,
            "zones": Zone.choices,
        },
    )


@require_GET
@role_required(*CONSOLE_ROLES)
def my_decisions(request):
    """The member's own decisions and requests: what is still waiting, and what each lead answered."""
    member = request.user
    status = request.GET.get("status", "")
    status = status if status in DecisionStatus.values else ""
    page = Paginator(page_selectors.own_decisions(member, status=status or None), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = page_selectors.gesture_names(member, translation.get_language())
    for decision in page.object_list:
        decision.gesture_name = names.get(decision.gesture.code) or str(decision.gesture)
    context = {
        "page": page,
        "status": status,
        "statuses": DecisionStatus.choices,
        # While a request waits, the table polls itself so the lead's answer shows without a reload.
        "has_pending": any(decision.is_pending for decision in page.object_list),
    }
    template = "decisions/_mine_table.html" if request.htmx else "decisions/mine.html"
    return render(request, template, context)
