"""Recording helpdesk interactions: one, a list, or a CSV file, each all or nothing with every bad row named.

The API and the CSV import check a row the same way (`clean_interaction`), then look the customers and
agents up in bulk and compare each reference with what is already recorded: the same interaction sent
again is skipped (a helpdesk resends), the same reference with other details is an error. Only when every
row is good is anything written, in one transaction with one audit entry.
"""

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, InvalidInput
from leeway.core.inputs import NUL
from leeway.customers.imports import (
    CHUNK_ROWS,
    FIRST_DATA_ROW,
    REPORT_LIMIT,
    FileRefused,
    ImportSpec,
    RowReport,
    check_header,
)
from leeway.customers.models import Customer
from leeway.customers.services import batch_rows
from leeway.customers.validation import FieldProblem, RowInvalid, parse_moment
from leeway.insights.models import CATEGORY_MAX, REF_MAX, Channel, Interaction
from leeway.people.models import Member

SPEC = ImportSpec(
    "interactions", ("external_ref", "customer", "channel", "category", "occurred_at"), ("agent",)
)
FIELDS = SPEC.columns
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
CATEGORY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class _Problems:
    """The bad fields of one row, collected so a row reports all its problems at once."""

    def __init__(self):
        self.problems: list[FieldProblem] = []

    def add(self, field: str, code: str, message) -> None:
        self.problems.append(FieldProblem(field, code, message))


def _text(out: _Problems, name: str, value, *, max_length: int, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        out.add(name, "invalid", gettext_lazy("This value must be text."))
        return ""
    text = value.strip()
    if not text:
        if required:
            out.add(name, "required", gettext_lazy("This field is required."))
        return ""
    if CONTROL_RE.search(text):
        out.add(name, "invalid_characters", gettext_lazy("This value contains control characters."))
        return ""
    if len(text) > max_length:
        out.add(
            name,
            "too_long",
            gettext_lazy("This value is too long (at most %(limit)d characters).") % {"limit": max_length},
        )
        return ""
    return text


def clean_interaction(data: Mapping[str, Any], *, organization) -> dict[str, Any]:
    """Clean values of one interaction (names not yet looked up), or RowInvalid listing every bad field."""
    out = _Problems()
    clean = {
        "external_ref": _text(
            out, "external_ref", data.get("external_ref"), max_length=REF_MAX, required=True
        ),
        "customer": _text(out, "customer", data.get("customer"), max_length=64, required=True),
        "agent": _text(out, "agent", data.get("agent"), max_length=150, required=False),
    }
    channel = _text(out, "channel", data.get("channel"), max_length=20, required=True).lower()
    if channel and channel not in Channel.values:
        out.add(
            "channel",
            "unknown_channel",
            _("Unknown channel; use one of %(channels)s.") % {"channels": ", ".join(Channel.values)},
        )
    clean["channel"] = channel
    category = _text(out, "category", data.get("category"), max_length=CATEGORY_MAX, required=True).lower()
    if category and not CATEGORY_RE.match(category):
        out.add(
            "category",
            "invalid_category",
            _("A category is a code of lower-case letters, digits and . _ - (e.g. late_delivery)."),
        )
    clean["category"] = category
    if data.get("occurred_at") in (None, ""):
        out.add("occurred_at", "required", gettext_lazy("This field is required."))
        clean["occurred_at"] = None
    else:
        clean["occurred_at"] = parse_moment(
            out, "occurred_at", data.get("occurred_at"), organization=organization
        )
    if out.problems:
        raise RowInvalid(out.problems)
    return clean


@dataclass
class Recorded:
    """What a batch wrote: the interactions created, and how many were already recorded as they are."""

    created: list[Interaction] = field(default_factory=list)
    skipped: int = 0
    existing: list[Interaction] = field(default_factory=list)


class _Batch:
    """Rows checked together: customers, agents and existing references looked up once per chunk."""

    def __init__(self, organization, report: RowReport):
        self.organization = organization
        self.report = report
        self.refs_seen: dict[str, int] = {}
        self.to_create: list[Interaction] = []
        self.existing: list[Interaction] = []
        self.skipped = 0

    def add_chunk(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        org = self.organization
        customers = dict(
            Customer.objects.filter(
                organization=org, external_id__in={clean["customer"] for _row, clean in rows}
            ).values_list("external_id", "id")
        )
        agents = dict(
            Member.objects.filter(
                organization=org, username__in={clean["agent"] for _row, clean in rows if clean["agent"]}
            ).values_list("username", "id")
        )
        recorded = {
            interaction.external_ref: interaction
            for interaction in Interaction.objects.filter(
                organization=org, external_ref__in={clean["external_ref"] for _row, clean in rows}
            )
        }
        for row, clean in rows:
            ref = clean["external_ref"]
            ok = not clean.get("invalid")
            if not ref:
                pass
            elif ref in self.refs_seen:
                self.report.add(
                    row,
                    "external_ref",
                    "duplicate_ref",
                    _("This reference is also on row %(row)d.") % {"row": self.refs_seen[ref]},
                )
                ok = False
            else:
                self.refs_seen[ref] = row
            customer_id = customers.get(clean["customer"])
            if customer_id is None and clean["customer"]:
                self.report.add(
                    row,
                    "customer",
                    "unknown_customer",
                    _("There is no customer with the id %(id)s; import the customer first.")
                    % {"id": clean["customer"]},
                )
                ok = False
            agent_id = None
            if clean["agent"]:
                agent_id = agents.get(clean["agent"])
                if agent_id is None:
                    self.report.add(
                        row,
                        "agent",
                        "unknown_agent",
                        _("There is no member with the username %(username)s.")
                        % {"username": clean["agent"]},
                    )
                    ok = False
            if not ok:
                continue
            candidate = Interaction(
                organization=org,
                external_ref=ref,
                customer_id=customer_id,
                channel=clean["channel"],
                category=clean["category"],
                agent_id=agent_id,
                occurred_at=clean["occurred_at"],
            )
            before = recorded.get(ref)
            if before is None:
                self.to_create.append(candidate)
            elif _same(before, candidate):
                self.skipped += 1
                self.existing.append(before)
            else:
                self.report.add(
                    row,
                    "external_ref",
                    "ref_conflict",
                    _("An interaction with this reference is already recorded with other details."),
                )

    def save(self, *, actor, source: str) -> Recorded:
        with transaction.atomic():
            created = Interaction.objects.bulk_create(self.to_create, batch_size=CHUNK_ROWS)
            audit_record(
                organization_id=self.organization.pk,
                action="interactions.recorded",
                object_type="interaction",
                object_id=created[0].external_ref if len(created) == 1 else "",
                actor_id=getattr(actor, "pk", None),
                data={"source": source, "created": len(created), "already_recorded": self.skipped},
            )
        return Recorded(created=created, skipped=self.skipped, existing=self.existing)


def _names_of(data: Mapping[str, Any], error: RowInvalid) -> dict[str, Any]:
    """A bad row's names that are themselves fine, still looked up so the report lists all its problems."""
    bad = {problem.field for problem in error.problems}

    def name(field: str) -> str:
        value = data.get(field)
        return value.strip() if field not in bad and isinstance(value, str) else ""

    return {
        "invalid": True,
        "external_ref": name("external_ref"),
        "customer": name("customer"),
        "agent": name("agent"),
    }


def _same(a: Interaction, b: Interaction) -> bool:
    return (a.customer_id, a.channel, a.category, a.agent_id, a.occurred_at) == (
        b.customer_id,
        b.channel,
        b.category,
        b.agent_id,
        b.occurred_at,
    )


def interaction_record(*, organization, actor, data: Mapping[str, Any]) -> tuple[Interaction, bool]:
    """One interaction: (it, True) when new, (the recorded one, False) when sent again unchanged.

    The same reference with other details is 409 `ref_conflict`; a bad value is 422 naming its field.
    """
    try:
        clean = clean_interaction(data, organization=organization)
    except RowInvalid as error:
        raise error.as_domain_error() from None
    report = RowReport()
    batch = _Batch(organization, report)
    batch.add_chunk([(1, clean)])
    if report.count:
        first = report.errors[0]
        error_class = Conflict if first["code"] == "ref_conflict" else InvalidInput
        raise error_class(first["message"], code=first["code"], field=first["field"])
    if batch.existing:
        return batch.existing[0], False
    return batch.save(actor=actor, source="api").created[0], True


def interactions_record(*, organization, actor, items: list[Mapping[str, Any]]) -> Recorded:
    """Up to 1,000 interactions, all or none: 422 names the first bad field (`interactions[3].customer`)."""
    items = batch_rows(items, field="interactions")
    report = RowReport()
    rows = []
    for index, data in enumerate(items):
        try:
            rows.append((index, clean_interaction(data, organization=organization)))
        except RowInvalid as error:
            report.add_invalid(index, error)
            rows.append((index, _names_of(data, error)))
    batch = _Batch(organization, report)
    if rows:
        batch.add_chunk(rows)
    if report.count:
        first = min(report.errors, key=lambda error: error["row"])
        raise InvalidInput(
            _("Interaction %(number)d: %(problem)s")
            % {"number": first["row"] + 1, "problem": first["message"]},
            code=first["code"],
            field=f"interactions[{first['row']}].{first['field']}"
            if first["field"]
            else f"interactions[{first['row']}]",
        )
    return batch.save(actor=actor, source="api")


@dataclass
class ImportResult:
    """A CSV import's outcome: rows read, created, already recorded, or the rows with problems."""

    rows: int = 0
    created: int = 0
    skipped: int = 0
    error: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    @property
    def succeeded(self) -> bool:
        return not self.error and not self.error_count


def interactions_import(*, organization, path: str | os.PathLike, actor=None) -> ImportResult:
    """Import a helpdesk CSV (external_ref, customer, channel, category, occurred_at, agent): all or none."""
    result = ImportResult()
    try:
        size = os.path.getsize(path)
        if size > settings.LEEWAY_MAX_UPLOAD_BYTES:
            raise FileRefused(_("The file is too large."))
        with open(path, "rb") as raw:
            if b"\x00" in raw.read(64 * 1024):
                raise FileRefused(_("This is not a CSV text file (it contains binary data)."))
            raw.seek(0)
            report = RowReport()
            batch = _Batch(organization, report)
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
            for chunk in _chunks(_rows(csv.reader(text), organization, report, result)):
                batch.add_chunk(chunk)
    except FileRefused as refusal:
        result.error = str(refusal)
        return result
    except UnicodeDecodeError:
        result.error = _("The file is not UTF-8 text. Save it as “CSV UTF-8” and import it again.")
        return result
    except csv.Error as error:
        result.error = _("The file is not valid CSV (%(problem)s); nothing was imported.") % {
            "problem": error
        }
        return result
    if report.count:
        result.errors = sorted(report.errors, key=lambda e: (e["row"], e["field"] or ""))[:REPORT_LIMIT]
        result.error_count = report.count
        return result
    saved = batch.save(actor=actor, source=f"csv:{os.path.basename(path)}")
    result.created, result.skipped = len(saved.created), saved.skipped
    return result


def _rows(
    reader, organization, report: RowReport, result: ImportResult
) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(_("The file is empty.")) from None
    columns = check_header(header, SPEC)
    row = FIRST_DATA_ROW - 1
    for record in reader:
        row += 1
        if not any(cell.strip() for cell in record):
            continue
        result.rows += 1
        if len(record) != len(columns):
            report.add(
                row,
                None,
                "wrong_column_count",
                _("Expected %(expected)d values, found %(found)d.")
                % {"expected": len(columns), "found": len(record)},
            )
            continue
        if NUL in "".join(record):
            report.add(row, None, "invalid_text", _("This text contains characters that are not allowed."))
            continue
        data = dict(zip(columns, record, strict=True))
        try:
            yield row, clean_interaction(data, organization=organization)
        except RowInvalid as error:
            report.add_invalid(row, error)
            yield row, _names_of(data, error)
    if result.rows == 0:
        raise FileRefused(_("The file has a header but no rows."))


def _chunks(rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterable[list[tuple[int, dict[str, Any]]]]:
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
