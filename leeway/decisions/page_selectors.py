"""Reads for the decision pages (console, panel, lead queue, decision page) that the engine's selectors lack.

Everything is scoped to the member's organization; another organization's
customer or decision is simply not found.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leeway.core.hooks import Hook
from leeway.core.models import AuditEntry
from leeway.core.tenancy import scoped
from leeway.customers.models import Customer
from leeway.decisions.models import Decision, DecisionStatus

SEARCH_LIMIT = 8
SEARCH_MIN_LENGTH = 1
CARD_WINDOW_DAYS = 30

# Links apps above this one add to a decision's page for its reader (alignment: "Give feedback"),
# as a list of {"label", "url"}.
decision_page_links = Hook("decisions.decision_page_links", default=lambda member, decision: [])
# Small panels apps above this one show in the console's quiet moments (training: a due review
# question), as rendered HTML for the request's member; none by default.
console_panels = Hook("decisions.console_panels", default=lambda request: [])


@dataclass(frozen=True)
class CustomerCard:
    """What the console shows about a customer while the agent decides."""

    customer: Customer
    recent: list
    window_days: int
    window_count: int
    window_total: Decimal
    base_currency: str
    pending_count: int


def customer_search(member, query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose id, name, surname, email or phone starts with what the agent typed.

    The customers app's indexed prefix search does the matching; until it is
    installed, a plain prefix match on id, name, email and phone stands in.
    """
    query = (query or "").strip()[:100]
    if len(query) < SEARCH_MIN_LENGTH:
        return []
    try:
        from leeway.customers.selectors import customer_search as indexed_search
    except ImportError:
        condition = (
            Q(external_id__istartswith=query)
            | Q(name__istartswith=query)
            | Q(email__istartswith=query)
            | Q(phone__startswith=query)
        )
        return list(scoped(Customer, member).filter(condition).order_by("external_id")[:limit])
    return list(indexed_search(member=member, q=query, limit=limit))


def customer_by_external_id(member, external_id: str) -> Customer | None:
    """One customer of the member's organization by its own id, or None."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64:
        return None
    return scoped(Customer, member).filter(external_id=external_id).first()


def customer_card(member, customer: Customer, *, now=None) -> CustomerCard:
    """The card: recent gestures (any agent), what the customer received lately, requests still open."""
    from leeway.decisions.selectors import customer_recent_decisions

    now = now or timezone.now()
    since = now - timedelta(days=CARD_WINDOW_DAYS)
    decisions = Decision.objects.filter(organization_id=member.organization_id, customer_id=customer.pk)
    window = decisions.filter(status=DecisionStatus.APPROVED, created_at__gte=since).aggregate(
        count=Count("id"), total=Sum("base_amount")
    )
    recent = customer_recent_decisions(customer, limit=5)
    decisions_for_reader(member, recent)
    return CustomerCard(
        customer=customer,
        recent=recent,
        window_days=CARD_WINDOW_DAYS,
        window_count=window["count"] or 0,
        window_total=window["total"] or Decimal("0.00"),
        base_currency=member.organization.base_currency,
        pending_count=decisions.filter(status=DecisionStatus.PENDING).count(),
    )


def decisions_for_reader(member, decisions: list[Decision]) -> list[Decision]:
    """Ready a list of anyone's decisions for this member: the gesture's name in their language, and
    `readable` when they may open the decision's page (their own; their team's for a lead; ...)."""
    from leeway.decisions.selectors import visible_decisions

    names = gesture_names(member, translation.get_language())
    ids = [decision.pk for decision in decisions]
    readable = (
        set(visible_decisions(member).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    for decision in decisions:
        decision.gesture_name = names.get(decision.gesture.code) or str(decision.gesture)
        decision.readable = decision.pk in readable
    return decisions


def panel_allowed_origins(member) -> list[str]:
    """The origins the admin allows to frame the panel (policy settings), one per line."""
    from leeway.policy.models import PolicySettings

    if not member.organization_id:
        return []
    text = (
        PolicySettings.objects.filter(organization_id=member.organization_id)
        .values_list("panel_allowed_origins", flat=True)
        .first()
    )
    origins = []
    for line in (text or "").splitlines():
        origin = line.strip()
        # Only plain origins reach the header: nothing that could add a directive.
        if origin and origin.startswith(("https://", "http://")) and not any(c in origin for c in " ;,'\""):
            origins.append(origin.rstrip("/"))
    return origins


def decision_currencies(member) -> list[str]:
    """The currencies a gesture can be entered in: the base currency, then those with a rate."""
    from leeway.policy.models import ExchangeRate

    base = member.organization.base_currency
    others = scoped(ExchangeRate, member).exclude(currency=base).values_list("currency", flat=True)
    return [base, *sorted(set(others))]


def gesture_names(member, language: str) -> dict[str, str]:
    """Gesture code → name in the language, from the published policy (no query per row)."""
    from leeway.policy.snapshot import current_policy

    snapshot = current_policy(member.organization_id) if member.organization_id else None
    if snapshot is None:
        return {}
    return {code: entry.name(language) for code, entry in snapshot.gestures.items()}


def agent_budgets(member) -> list[dict]:
    """The member's own (agent-scope) budgets now, with a label in the active language."""
    from leeway.decisions.selectors import remaining_today_for
    from leeway.policy.budgets import budget_label

    rows = []
    for budget in remaining_today_for(member):
        if budget["scope"] != "agent":
            continue
        rows.append({**budget, "label": budget_label(budget["scope"], budget["period"])})
    rows.sort(key=lambda row: row["period"] != "day")
    return rows


def _audit_label(entry: AuditEntry) -> str:
    data = entry.data or {}
    if entry.action == "decision.approved":
        if data.get("auto_approved"):
            return _("Approved automatically: nobody answered in time")
        if "zone" in data:
            return _("Recorded and approved inside policy")
        return _("Approved by a lead")
    labels = {
        "decision.requested": _("Recorded and sent to the lead"),
        "decision.declined": _("Declined"),
        "decision.escalated": _("Escalated to the department's managers"),
    }
    return str(labels.get(entry.action, entry.action))


def decision_audit_entries(decision: Decision) -> list[AuditEntry]:
    """The decision's audit trail, oldest first, each with a label and the lead's words if any.

    The engine writes object_type "decision" and the decision's public id.
    """
    entries = list(
        AuditEntry.objects.select_related("actor")
        .filter(
            organization_id=decision.organization_id,
            object_type="decision",
            object_id=str(decision.public_id),
        )
        .order_by("seq")
    )
    for entry in entries:
        data = entry.data or {}
        entry.label = _audit_label(entry)
        entry.detail = str(data.get("note") or data.get("reason") or "") if "by" in data else ""
    return entries


OWN_REQUESTS_LIMIT = 20


def own_decisions(member, *, status: str | None = None):
    """The member's own decisions for "My decisions": open requests first (soonest due), then newest."""
    from django.db.models import Case, F, IntegerField, Value, When

    queryset = Decision.objects.select_related("customer", "gesture", "decided_by", "policy_version").filter(
        organization_id=member.organization_id, agent_id=member.pk
    )
    if status:
        queryset = queryset.filter(status=status)
    waiting = Case(
        When(status=DecisionStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    due = Case(When(status=DecisionStatus.PENDING, then=F("due_at")))  # answered ones: newest first
    return queryset.order_by(waiting, due.asc(nulls_last=True), "-created_at", "-id")


def own_pending_ids(member, *, limit: int = OWN_REQUESTS_LIMIT) -> list[str]:
    """The public ids of the member's requests still waiting for a lead (the console watches them)."""
    ids = (
        Decision.objects.filter(
            organization_id=member.organization_id, agent_id=member.pk, status=DecisionStatus.PENDING
        )
        .order_by("-created_at")
        .values_list("public_id", flat=True)[:limit]
    )
    return [str(public_id) for public_id in ids]


def own_requests(member, public_ids) -> list[Decision]:
    """Those of the given decisions that are the member's own (anyone else's id is silently left out)."""
    import uuid

    parsed = set()
    for value in list(public_ids)[:OWN_REQUESTS_LIMIT]:
        try:
            parsed.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not parsed:
        return []
    return list(
        Decision.objects.select_related("gesture", "customer", "decided_by", "policy_version").filter(
            organization_id=member.organization_id, agent_id=member.pk, public_id__in=parsed
        )
    )


def request_answer(decision: Decision, gesture_names: dict[str, str]) -> dict:
    """What the console tells the agent about one of their requests, in the active language."""
    from leeway.decisions.selectors import decision_summary

    lead = decision.decided_by.display_name if decision.decided_by_id else ""
    lines = []
    if decision.status == DecisionStatus.APPROVED:
        if decision.auto_approved:
            title = _("Approved on timeout")
        else:
            title = _("Approved by %(lead)s") % {"lead": lead}
            if decision.decision_note:
                lines.append(_("%(lead)s's note: %(note)s") % {"lead": lead, "note": decision.decision_note})
        lines.append(decision_summary(decision))
    elif decision.status == DecisionStatus.DECLINED:
        title = _("Declined: %(reason)s") % {"reason": decision.decision_note}
        lines.append(
            _("Declined by %(lead)s. Nothing was spent; asking was the right call.") % {"lead": lead}
        )
    elif decision.escalated:
        title = _("Sent on to the department's managers")
        lines.append(decision_summary(decision))
    else:
        title = _("Sent to your lead")
        lines.append(decision_summary(decision))
    return {
        "id": str(decision.public_id),
        "status": decision.status,
        "pending": decision.status == DecisionStatus.PENDING,
        "escalated": decision.escalated,
        "title": str(title),
        "lines": [str(line) for line in lines],
        "gesture": gesture_names.get(decision.gesture.code) or str(decision.gesture),
        "customer": decision.customer.name,
        "amount": f"{decision.amount:.2f}",
        "currency": decision.currency,
        "base_amount": f"{decision.base_amount:.2f}",
        "policy_version": decision.policy_version.number,
    }
