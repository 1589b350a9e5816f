"""Exchange rates: set one, remove one, or import many from a CSV, all or nothing."""

import csv
import io
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import InvalidInput
from leeway.people.models import Member, Organization
from leeway.policy.checks import Problems, parse_currency, parse_rate
from leeway.policy.models import ExchangeRate
from leeway.policy.selectors import forget_rates
from leeway.policy.services._common import CSV_MAX_BYTES, CSV_MAX_ROWS, _audit, _check_actor, _plain

# --- Exchange rates -----------------------------------------------------------------------------


def _forget_rates_on_commit(organization_id: int) -> None:
    forget_rates(organization_id)
    transaction.on_commit(lambda: forget_rates(organization_id))


def rate_set(*, organization: Organization, currency: str, rate, actor: Member | None) -> ExchangeRate:
    """Set how many units of the base currency one unit of `currency` is worth."""
    actor_id = _check_actor(actor, organization)
    problems = Problems()
    code = problems.run(parse_currency, currency, base_currency=organization.base_currency)
    value = problems.run(parse_rate, rate)
    problems.raise_first()
    with transaction.atomic():
        row = (
            ExchangeRate.objects.select_for_update().filter(organization=organization, currency=code).first()
        )
        old = None if row is None else row.rate
        if row is None:
            row = ExchangeRate.objects.create(
                organization=organization, currency=code, rate=value, updated_by_id=actor_id
            )
        elif row.rate != value:
            row.rate, row.updated_by_id = value, actor_id
            row.save(update_fields=["rate", "updated_by", "updated_at"])
        else:
            return row
        _audit(
            organization.pk,
            actor_id,
            "rate.set",
            row,
            {"currency": code, "old": _plain(old), "new": _plain(value)},
        )
        _forget_rates_on_commit(organization.pk)
    return row


def rate_delete(*, rate: ExchangeRate, actor: Member | None) -> None:
    """Stop accepting a currency: decisions in it are refused until a rate is set again."""
    organization = rate.organization
    actor_id = _check_actor(actor, organization)
    with transaction.atomic():
        _audit(
            organization.pk,
            actor_id,
            "rate.deleted",
            rate,
            {"currency": rate.currency, "old": _plain(rate.rate)},
        )
        rate.delete()
        _forget_rates_on_commit(organization.pk)


class RatesImportError(InvalidInput):
    """A rates file with problems; `errors` lists each with its row, field and reason."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__(
            _("The file has problems; nothing was imported. Fix them and upload it again."),
            code="invalid_rates_file",
            field="file",
        )


def _read_upload(file) -> str:
    if isinstance(file, str):
        raw = file.encode()
    elif isinstance(file, bytes):
        raw = file
    else:
        raw = file.read(CSV_MAX_BYTES + 1)
        if isinstance(raw, str):
            raw = raw.encode()
    if len(raw) > CSV_MAX_BYTES:
        raise RatesImportError(
            [{"row": None, "field": "file", "message": str(_("The file is too large (limit 256 KB)."))}]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RatesImportError(
            [{"row": None, "field": "file", "message": str(_("Save the file as UTF-8 text (CSV)."))}]
        ) from None


def _parse_rates_csv(text: str, *, base_currency: str) -> tuple[dict[str, Decimal], list[dict]]:
    errors: list[dict] = []
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save with ";" and a decimal comma.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    columns = [cell.strip().lower() for cell in header]
    if sorted(columns) != ["currency", "rate"]:
        errors.append(
            {
                "row": 1,
                "field": "header",
                "message": str(_("The first row must be the header: currency,rate")),
            }
        )
        return {}, errors
    currency_at, rate_at = columns.index("currency"), columns.index("rate")
    rates: dict[str, Decimal] = {}
    seen_rows: dict[str, int] = {}
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rates) + len(errors) >= CSV_MAX_ROWS:
                errors.append(
                    {
                        "row": number,
                        "field": "file",
                        "message": str(_("Too many rows (limit %(limit)s).") % {"limit": CSV_MAX_ROWS}),
                    }
                )
                break
            if len(row) != 2:
                errors.append(
                    {
                        "row": number,
                        "field": "row",
                        "message": str(_("Each row needs a currency and a rate.")),
                    }
                )
                continue
            rate_text = row[rate_at].strip()
            if delimiter == ";":
                rate_text = rate_text.replace(",", ".")
            try:
                currency = parse_currency(row[currency_at], base_currency=base_currency)
            except InvalidInput as error:
                errors.append({"row": number, "field": "currency", "message": str(error.message)})
                currency = None
            try:
                rate = parse_rate(rate_text)
            except InvalidInput as error:
                errors.append({"row": number, "field": "rate", "message": str(error.message)})
                rate = None
            if currency and currency in seen_rows:
                errors.append(
                    {
                        "row": number,
                        "field": "currency",
                        "message": str(
                            _("%(currency)s is already on row %(row)s.")
                            % {"currency": currency, "row": seen_rows[currency]}
                        ),
                    }
                )
                continue
            if currency:
                seen_rows[currency] = number
            if currency and rate is not None:
                rates[currency] = rate
    except csv.Error:
        errors.append(
            {"row": reader.line_num, "field": "file", "message": str(_("The file is not valid CSV."))}
        )
    if not rates and not errors:
        errors.append({"row": None, "field": "file", "message": str(_("The file has no rates."))})
    return rates, errors


def rates_import_csv(*, organization: Organization, file, actor: Member | None) -> dict:
    """Set many rates from a `currency,rate` CSV: every row valid, or nothing changes."""
    actor_id = _check_actor(actor, organization)
    rates, errors = _parse_rates_csv(_read_upload(file), base_currency=organization.base_currency)
    if errors:
        raise RatesImportError(errors)
    created, updated, unchanged = [], [], 0
    with transaction.atomic():
        existing = {
            row.currency: row
            for row in ExchangeRate.objects.select_for_update().filter(organization=organization)
        }
        for currency, rate in rates.items():
            row = existing.get(currency)
            if row is None:
                ExchangeRate.objects.create(
                    organization=organization, currency=currency, rate=rate, updated_by_id=actor_id
                )
                created.append({"currency": currency, "new": str(rate)})
            elif row.rate != rate:
                updated.append({"currency": currency, "old": str(row.rate), "new": str(rate)})
                row.rate, row.updated_by_id = rate, actor_id
                row.save(update_fields=["rate", "updated_by", "updated_at"])
            else:
                unchanged += 1
        if created or updated:
            audit_record(
                organization_id=organization.pk,
                actor_id=actor_id,
                action="rates.imported",
                object_type="exchangerate",
                object_id="csv",
                data={"created": created, "updated": updated, "unchanged": unchanged},
            )
            _forget_rates_on_commit(organization.pk)
    return {"created": len(created), "updated": len(updated), "unchanged": unchanged}
