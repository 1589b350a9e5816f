"""Reads on customers: the API's customer card, the type-ahead search, the timeline and value status."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.hooks import Hook
from leeway.core.tenancy import get_for, scoped
from leeway.customers.models import (
    Customer,
    ImportJob,
    Outcome,
    Purchase,
    Segment,
    phone_key,
    search_key,
    segment_fallback_name,
)

SEARCH_LIMIT = 10
TIMELINE_LIMIT = 100

# What the apps above customers add to the card and the page (see core.hooks). Without them the card
# lists no decisions and a missing value has no reason beyond the customer's own purchases.
recent_decisions = Hook("customers.recent_decisions", default=lambda customer, *, limit: [])
recent_decision_payloads = Hook("customers.recent_decision_payloads", default=lambda customer, *, limit: [])
# Readies a list of anyone's decisions for a reader (names, what they may open); decisions provides it.
decisions_for_reader = Hook("customers.decisions_for_reader", default=lambda member, decisions: decisions)
value_missing_reason = Hook("customers.value_missing_reason", default=lambda organization_id: None)


def customer_for(member, external_id: str) -> Customer:
    """One customer of the member's organization by external id, or NotFound (also for another org's)."""
    return get_for(member, Customer.objects.select_related("organization"), external_id=external_id)


def _prefix(field: str, value: str) -> Q:
    """Prefix match written as a range too, so a plain B-tree index answers it under any collation."""
    condition = Q(**{f"{field}__startswith": value})
    last = ord(value[-1])
    if last < 0x10FFFF:
        condition &= Q(**{f"{field}__gte": value, f"{field}__lt": value[:-1] + chr(last + 1)})
    return condition


def customer_search_queryset(*, member, q: str) -> QuerySet:
    """Customers whose id, name, surname, email or phone digits start with `q`, ordered by id."""
    text = (q or "").strip()[:100]
    key = search_key(text)
    if not key:
        return Customer.objects.none()
    condition = _prefix("id_key", key) | _prefix("name_key", key) | _prefix("surname_key", key)
    condition |= _prefix("email", text.lower())
    digits = phone_key(text)
    if len(digits) >= 3:
        condition |= _prefix("phone_key", digits)
    return scoped(Customer, member).filter(condition).order_by("external_id")


def customer_search(*, member, q: str, limit: int = SEARCH_LIMIT) -> QuerySet:
    """Type-ahead for the console and the API: at most SEARCH_LIMIT matches."""
    return customer_search_queryset(member=member, q=q)[: max(1, min(limit, SEARCH_LIMIT))]


def customer_id_example(member) -> str:
    """One of the organization's own customer ids, to show agents the pattern it uses (or "")."""
    return (
        scoped(Customer, member).order_by("external_id").values_list("external_id", flat=True).first() or ""
    )


def value_payload(customer: Customer, currency: str) -> dict[str, Any] | None:
    """API.md's `value`: predicted CLV (decimal string) and probability alive, or None without a value."""
    if customer.predicted_clv is None:
        return None
    return {
        "predicted_clv": f"{customer.predicted_clv:.2f}",
        "probability_alive": None
        if customer.probability_alive is None
        else round(float(customer.probability_alive), 4),
        "currency": currency,
    }


def customer_payload(customer: Customer) -> dict[str, Any]:
    """GET /api/v1/customers/{external_id}, exactly as API.md describes it."""
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "language": customer.language,
        "value": value_payload(customer, customer.organization.base_currency),
        "recent_decisions": recent_decision_payloads(customer, limit=5),
    }


def customer_search_payload(customer: Customer, currency: str) -> dict[str, Any]:
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "language": customer.language,
        "segment": customer.segment,
        "value": value_payload(customer, currency),
    }


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the customer's history: a purchase, a gesture (decision) or an outcome."""

    kind: str  # purchase | decision | outcome
    when: dt.datetime
    date: dt.date
    item: Any


def _as_moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), dt.UTC)


def customer_timeline(customer: Customer, *, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """Purchases, gestures and outcomes, newest first (at most `limit` of each kind are read)."""
    entries: list[TimelineEntry] = []
    purchases = Purchase.objects.filter(organization_id=customer.organization_id, customer=customer).order_by(
        "-occurred_on", "-id"
    )[:limit]
    entries += [TimelineEntry("purchase", _as_moment(p.occurred_on), p.occurred_on, p) for p in purchases]
    outcomes = (
        Outcome.objects.filter(organization_id=customer.organization_id, customer=customer)
        .select_related("decision")
        .order_by("-occurred_at", "-id")[:limit]
    )
    entries += [TimelineEntry("outcome", o.occurred_at, o.occurred_at.date(), o) for o in outcomes]
    for decision in recent_decisions(customer, limit=limit):
        entries.append(TimelineEntry("decision", decision.created_at, decision.created_at.date(), decision))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


@dataclass(frozen=True)
class ValueStatus:
    """What the customer page says about value: the figures, or why there are none."""

    predicted_clv: Decimal | None
    probability_alive: float | None
    computed_at: dt.datetime | None
    reason: Any  # a translated sentence when there is no value


def customer_value_status(customer: Customer) -> ValueStatus:
    """The value with its date, or the plain reason there is none (never an invented number)."""
    if customer.predicted_clv is not None:
        return ValueStatus(
            customer.predicted_clv, customer.probability_alive, customer.value_computed_at, None
        )
    has_purchases = Purchase.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).exists()
    if not has_purchases:
        return ValueStatus(
            None,
            None,
            None,
            _("No purchases are recorded for this customer yet, so there is nothing to predict from."),
        )
    return ValueStatus(None, None, None, value_missing_reason(customer.organization_id))


def recent_imports(member, *, limit: int = 20) -> QuerySet:
    return scoped(ImportJob, member).select_related("created_by").order_by("-created_at", "-id")[:limit]


def segment_names(organization_id: int, language: str) -> dict[str, str]:
    """Segment code → its name in the language (or in another the organization gave), one query."""
    segments = Segment.objects.filter(organization_id=organization_id).prefetch_related("translations")
    return {
        segment.code: segment.safe_translation_getter("name", language_code=language, any_language=True)
        or segment_fallback_name(segment.code)
        for segment in segments
    }


def segment_name(code: str, names: dict[str, str]) -> str:
    """How a page names a customer's segment: its name, or the code made readable when nobody named it."""
    return names.get(code) or segment_fallback_name(code) if code else ""


@dataclass(frozen=True)
class SegmentRow:
    """One segment on the segments page: its code, how many customers carry it, its names by language."""

    code: str
    customers: int
    names: dict[str, str]


def segments_for(member) -> list[SegmentRow]:
    """Every segment the organization named or its customers carry, with a count of customers each."""
    from django.db.models import Count

    counts = dict(
        scoped(Customer, member)
        .exclude(segment="")
        .values_list("segment")
        .annotate(total=Count("id"))
        .values_list("segment", "total")
    )
    named = {
        segment.code: {t.language_code: t.name for t in segment.translations.all()}
        for segment in scoped(Segment, member).prefetch_related("translations")
    }
    return [
        SegmentRow(code=code, customers=counts.get(code, 0), names=named.get(code, {}))
        for code in sorted(set(counts) | set(named))
    ]
