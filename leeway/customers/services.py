"""Writes on customers: upserts, purchases and outcomes (one transaction, audit entry, outbox event each)."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import InvalidInput, NotFound
from leeway.core.outbox import outbox_emit
from leeway.customers.currency import to_base_amount
from leeway.customers.models import (
    SEGMENT_CODE_MAX,
    Customer,
    Outcome,
    OutcomeKind,
    Purchase,
    Segment,
    customer_search_keys,
)
from leeway.customers.validation import RowInvalid, clean_customer, clean_outcome, clean_transaction

BATCH_LIMIT = 1000
UPDATABLE_FIELDS = ("name", "email", "phone", "language", "segment", "created_on")


def batch_rows(rows, *, field: str) -> list:
    if not isinstance(rows, list):
        raise InvalidInput(_("Send a list."), code="invalid", field=field)
    if not rows:
        raise InvalidInput(_("The list is empty."), code="batch_empty", field=field)
    if len(rows) > BATCH_LIMIT:
        raise InvalidInput(
            _("Send at most %(limit)d rows per request.") % {"limit": BATCH_LIMIT},
            code="batch_too_large",
            field=field,
        )
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise InvalidInput(_("Each row must be an object."), code="invalid", field=f"{field}[{index}]")
    return rows


def _apply_keys(customer: Customer) -> None:
    for key, value in customer_search_keys(
        external_id=customer.external_id, name=customer.name, phone=customer.phone
    ).items():
        setattr(customer, key, value)


def customers_upsert(
    *, member, rows: Sequence[Mapping[str, Any]], batch: bool = False
) -> list[tuple[Customer, bool]]:
    """Create or update customers by external id, all or nothing; returns (customer, created) pairs."""
    organization = member.organization
    prefix = "customers" if batch else ""
    cleaned = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        where = f"{prefix}[{index}]." if batch else ""
        try:
            data = clean_customer(row, organization=organization)
        except RowInvalid as error:
            raise error.as_domain_error(prefix=where) from None
        if data["external_id"] in seen:
            raise InvalidInput(
                _("This customer id appears twice in the request."),
                code="duplicate_row",
                field=f"{where}external_id",
            )
        seen[data["external_id"]] = index
        cleaned.append((index, data))

    with transaction.atomic():
        existing = {
            customer.external_id: customer
            for customer in Customer.objects.select_for_update().filter(
                organization=organization, external_id__in=list(seen)
            )
        }
        results: list[tuple[Customer, bool]] = []
        to_create, to_update = [], []
        for index, data in cleaned:
            customer = existing.get(data["external_id"])
            if customer is None:
                if data.get("name") is None:
                    where = f"{prefix}[{index}]." if batch else ""
                    raise InvalidInput(_("This field is required."), code="required", field=f"{where}name")
                fields = {"language": organization.default_language}
                fields.update({key: value for key, value in data.items() if value is not None})
                customer = Customer(organization=organization, **fields)
                _apply_keys(customer)
                to_create.append(customer)
                results.append((customer, True))
            else:
                for field in UPDATABLE_FIELDS:
                    if field in data and data[field] is not None:
                        setattr(customer, field, data[field])
                    elif field == "created_on" and "created_on" in data:
                        customer.created_on = None
                _apply_keys(customer)
                to_update.append(customer)
                results.append((customer, False))
        Customer.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Customer.objects.bulk_update(
                to_update,
                [*UPDATABLE_FIELDS, "id_key", "name_key", "surname_key", "phone_key"],
                batch_size=500,
            )
        created_ids = [c.external_id for c in to_create]
        updated_ids = [c.external_id for c in to_update]
        audit_record(
            organization_id=organization.pk,
            action="customers.upserted",
            object_type="customer",
            object_id=results[0][0].external_id if len(results) == 1 else f"batch:{len(results)}",
            actor_id=member.pk,
            data={"created": created_ids, "updated": updated_ids},
        )
        outbox_emit(
            organization_id=organization.pk,
            topic="customers.upserted",
            payload={"created": created_ids, "updated": updated_ids},
        )
    return results


def purchases_record(*, member, customer: Customer, rows: Sequence[Mapping[str, Any]], batch: bool = False):
    """Record purchases for one customer, all or nothing, with the amount in the base currency."""
    organization = member.organization
    purchases = []
    seen: set[tuple] = set()
    for index, row in enumerate(rows):
        where = f"transactions[{index}]." if batch else ""
        try:
            data = clean_transaction(row, organization=organization)
        except RowInvalid as error:
            raise error.as_domain_error(prefix=where) from None
        key = (data["occurred_on"], data["amount"], data["currency"])
        if key in seen:
            raise InvalidInput(
                _("The same purchase (date, amount, currency) appears twice in the request."),
                code="duplicate_row",
                field=f"{where}date",
            )
        seen.add(key)
        base_amount = to_base_amount(
            organization=organization,
            currency=data["currency"],
            amount=data["amount"],
            field=f"{where}currency",
        )
        purchases.append(
            Purchase(organization=organization, customer=customer, base_amount=base_amount, **data)
        )
    with transaction.atomic():
        Purchase.objects.bulk_create(purchases)
        audit_record(
            organization_id=organization.pk,
            action="purchases.recorded",
            object_type="customer",
            object_id=customer.external_id,
            actor_id=member.pk,
            data={"count": len(purchases), "total": str(sum(p.base_amount for p in purchases))},
        )
        outbox_emit(
            organization_id=organization.pk,
            topic="purchases.recorded",
            payload={
                "customer": customer.external_id,
                "purchases": [
                    {"date": p.occurred_on.isoformat(), "amount": str(p.amount), "currency": p.currency}
                    for p in purchases
                ],
            },
        )
    return purchases


def decision_model():
    """The decisions app's Decision model, or None while that app is not installed."""
    if not apps.is_installed("leeway.decisions"):
        return None
    try:
        return apps.get_model("decisions", "Decision")
    except LookupError:
        return None


def outcome_record(*, member, data: Mapping[str, Any]) -> Outcome:
    """Record what happened after: retained, renewed, churned, a purchase (amount) or a csat score (1-5)."""
    organization = member.organization
    external_id = data.get("customer")
    if not isinstance(external_id, str) or not external_id.strip():
        raise InvalidInput(_("This field is required."), code="required", field="customer")
    try:
        clean = clean_outcome(data, organization=organization)
    except RowInvalid as error:
        raise error.as_domain_error() from None
    customer = Customer.objects.filter(organization=organization, external_id=external_id.strip()).first()
    if customer is None:
        raise InvalidInput(_("There is no customer with this id."), code="unknown_customer", field="customer")
    decision = None
    if clean["decision"] is not None:
        Decision = decision_model()
        decision = (
            None
            if Decision is None
            else Decision.objects.filter(organization=organization, public_id=clean["decision"]).first()
        )
        if decision is None:
            raise NotFound(_("There is no such decision."), code="decision_not_found", field="decision")
        if decision.customer_id != customer.pk:
            raise InvalidInput(
                _("This decision was made for another customer."),
                code="decision_customer_mismatch",
                field="decision",
            )
    occurred_at = clean["occurred_at"] or timezone.now()
    base_amount = None
    if clean["kind"] == OutcomeKind.PURCHASE:
        base_amount = to_base_amount(
            organization=organization, currency=clean["currency"], amount=clean["amount"]
        )
    with transaction.atomic():
        purchase = None
        if clean["kind"] == OutcomeKind.PURCHASE:
            purchase = Purchase.objects.create(
                organization=organization,
                customer=customer,
                occurred_on=_local_date(occurred_at, organization.time_zone),
                amount=clean["amount"],
                currency=clean["currency"],
                base_amount=base_amount,
            )
        outcome = Outcome.objects.create(
            organization=organization,
            customer=customer,
            kind=clean["kind"],
            score=clean["score"],
            amount=clean["amount"],
            currency=clean["currency"],
            base_amount=base_amount,
            purchase=purchase,
            decision=decision,
            occurred_at=occurred_at,
            recorded_by=member,
        )
        audit_record(
            organization_id=organization.pk,
            action="outcome.recorded",
            object_type="outcome",
            object_id=outcome.pk,
            actor_id=member.pk,
            data={"customer": customer.external_id, "kind": outcome.kind, "value": outcome.value},
        )
        outbox_emit(
            organization_id=organization.pk, topic="outcome.recorded", payload=outcome_payload(outcome)
        )
    return outcome


def _local_date(moment, time_zone: str):
    import zoneinfo

    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def outcome_payload(outcome: Outcome) -> dict[str, Any]:
    """The outcome as the API and webhooks show it."""
    return {
        "id": outcome.pk,
        "customer": outcome.customer.external_id,
        "kind": outcome.kind,
        "value": outcome.value,
        "currency": outcome.currency or None,
        "decision": str(outcome.decision.public_id) if outcome.decision_id else None,
        "occurred_at": outcome.occurred_at.isoformat(),
    }


SEGMENT_NAME_MAX = 80


def segment_names_set(*, member, code: str, names: dict[str, str]) -> Segment:
    """Name a segment in each language (an empty name removes that language's); customers keep the code."""
    from django.conf import settings

    organization = member.organization
    code = (code or "").strip()
    if not code or len(code) > SEGMENT_CODE_MAX:
        raise InvalidInput(_("Unknown segment."), code="unknown_segment", field="code")
    languages = dict(settings.LANGUAGES)
    cleaned = {}
    for language, name in names.items():
        if language not in languages:
            raise InvalidInput(_("Unknown language."), code="unknown_language", field=f"name_{language}")
        name = (name or "").strip()
        if len(name) > SEGMENT_NAME_MAX:
            raise InvalidInput(
                _("Keep it under %(limit)s characters.") % {"limit": SEGMENT_NAME_MAX},
                code="too_long",
                field=f"name_{language}",
            )
        cleaned[language] = name
    with transaction.atomic():
        segment = Segment.objects.select_for_update().filter(organization=organization, code=code).first()
        if segment is None:
            if not Customer.objects.filter(organization=organization, segment=code).exists():
                raise InvalidInput(_("Unknown segment."), code="unknown_segment", field="code")
            segment = Segment.objects.create(organization=organization, code=code)
        changes = {}
        for language, name in cleaned.items():
            old = (
                segment.safe_translation_getter("name", language_code=language)
                if segment.has_translation(language)
                else ""
            )
            if name == (old or ""):
                continue
            changes[f"name_{language}"] = [old or "", name]
            if name:
                segment.set_current_language(language)
                segment.name = name
                segment.save_translations()
            else:
                segment.delete_translation(language)
        if changes:
            audit_record(
                organization_id=organization.pk,
                action="segment.named",
                object_type="segment",
                object_id=code,
                actor_id=member.pk,
                data=changes,
            )
    return segment
