"""CSV imports of customers, transactions and outcomes: streamed, checked, all or nothing.

A file is read row by row (csv over a text wrapper, never the whole file), each
row checked with the same rules as the API. Good rows go to a staging table in
short chunked transactions, so memory stays bounded and the progress is
visible to other connections. Duplicates are then found with SQL. Only when
the whole file is good are the staged rows moved to the real tables, in one
transaction; otherwise nothing is written and the report lists the bad rows
(row number as a spreadsheet shows it, field, reason).
"""

import csv
import io
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leeway.core.audit import audit_record
from leeway.core.errors import DomainError
from leeway.core.inputs import NUL
from leeway.core.money import quantize
from leeway.core.outbox import outbox_emit
from leeway.customers.currency import to_base_amount
from leeway.customers.models import (
    Customer,
    ImportJob,
    ImportKind,
    ImportPhase,
    ImportRow,
    ImportStatus,
    Outcome,
    OutcomeKind,
    Purchase,
    customer_search_keys,
)
from leeway.customers.services import decision_model
from leeway.customers.signals import import_succeeded
from leeway.customers.validation import (
    RowInvalid,
    clean_customer,
    clean_outcome,
    clean_transaction,
    today_for,
)

logger = logging.getLogger(__name__)

REPORT_LIMIT = 100
CHUNK_ROWS = 1000
FIRST_DATA_ROW = 2  # the header is row 1, as in a spreadsheet


@dataclass(frozen=True)
class ImportSpec:
    """The columns a kind of file must and may have."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


SPECS = {
    ImportKind.CUSTOMERS: ImportSpec(
        "customers", ("external_id", "name"), ("email", "phone", "language", "segment", "created_on")
    ),
    ImportKind.TRANSACTIONS: ImportSpec("transactions", ("customer", "date", "amount", "currency"), ()),
    ImportKind.OUTCOMES: ImportSpec(
        "outcomes", ("customer", "kind"), ("value", "currency", "occurred_at", "decision")
    ),
}

# The staging columns each kind fills; every other column is given '' (text) or NULL in the SQL.
STAGE_FIELDS = {
    ImportKind.CUSTOMERS: (
        "external_id",
        "name",
        "email",
        "phone",
        "language",
        "segment",
        "created_on",
        "id_key",
        "name_key",
        "surname_key",
        "phone_key",
    ),
    ImportKind.TRANSACTIONS: ("customer", "occurred_on", "amount", "currency", "base_amount"),
    ImportKind.OUTCOMES: (
        "customer",
        "kind",
        "score",
        "amount",
        "currency",
        "base_amount",
        "decision_id",
        "occurred_at",
    ),
}


class FileRefused(Exception):
    """The whole file is unusable (header, encoding, size, format); nothing is imported."""


ProgressCallback = Callable[[int], None]


class _Report:
    """Row errors: the first REPORT_LIMIT kept, all of them counted."""

    def __init__(self):
        self.errors: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int, field: str | None, code: str, message) -> None:
        self.count += 1
        if len(self.errors) < REPORT_LIMIT:
            self.errors.append({"row": row, "field": field, "code": code, "message": str(message)})

    def add_invalid(self, row: int, error: RowInvalid) -> None:
        for problem in error.problems:
            self.add(row, problem.field, problem.code, problem.message)


def expected_columns_text(spec: ImportSpec) -> str:
    required = ", ".join(spec.required)
    if not spec.optional:
        return required
    return _("%(required)s (required) and %(optional)s (optional)") % {
        "required": required,
        "optional": ", ".join(spec.optional),
    }


def check_header(header: list[str], spec: ImportSpec) -> list[str]:
    """The normalised column names, or FileRefused naming the expected columns."""
    names = [cell.strip().lower() for cell in header]
    expected = expected_columns_text(spec)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise FileRefused(
            _("The header repeats the column(s) %(columns)s. Expected columns: %(expected)s.")
            % {"columns": ", ".join(duplicates), "expected": expected}
        )
    missing = [name for name in spec.required if name not in names]
    unknown = [name for name in names if name not in spec.columns]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unexpected %(columns)s") % {"columns": ", ".join(c or '""' for c in unknown)})
        raise FileRefused(
            _("The header does not match (%(problems)s). Expected columns: %(expected)s.")
            % {"problems": "; ".join(problems), "expected": expected}
        )
    return names


def import_job_create(
    *, organization, kind: str, file_name: str, size_bytes: int, member=None, stored_path: str = ""
) -> ImportJob:
    """A queued import; the page polls it while the task runs."""
    return ImportJob.objects.create(
        organization=organization,
        kind=kind,
        file_name=os.path.basename(file_name)[:255],
        size_bytes=size_bytes,
        stored_path=stored_path,
        created_by=member,
        language=getattr(member, "language", None) or translation.get_language() or settings.LANGUAGE_CODE,
    )


def import_file(*, job: ImportJob, path: str | os.PathLike, on_progress: ProgressCallback | None = None):
    """Run one import end to end; the job records the outcome (it never raises for bad input)."""
    with translation.override(job.language):
        job.status = ImportStatus.RUNNING
        job.phase = ImportPhase.READING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "phase", "started_at"])
        try:
            _Importer(job, on_progress).run(path)
        except FileRefused as refusal:
            _finish_failed(job, failure=str(refusal))
        except Exception:
            logger.exception("Import %s failed", job.pk)
            _finish_failed(
                job, failure=_("The import stopped because of an unexpected error; nothing was imported.")
            )
        finally:
            ImportRow.objects.filter(job=job).delete()
    if job.status == ImportStatus.SUCCEEDED:
        import_succeeded.send(sender=ImportJob, job=job)
    return job


def _finish_failed(job: ImportJob, *, failure: str = "") -> None:
    job.status = ImportStatus.FAILED
    job.phase = ImportPhase.DONE
    job.failure = failure
    job.created_count = job.updated_count = job.skipped_count = 0
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "phase",
            "failure",
            "errors",
            "error_count",
            "created_count",
            "updated_count",
            "skipped_count",
            "finished_at",
            "rows_read",
            "bytes_read",
        ]
    )


class _Importer:
    def __init__(self, job: ImportJob, on_progress: ProgressCallback | None):
        self.job = job
        self.organization = job.organization
        self.spec = SPECS[job.kind]
        self.report = _Report()
        self.on_progress = on_progress or (lambda done: None)
        # (row number, checked values, the customer column as written) for the current chunk.
        self.pending: list[tuple[int, dict[str, Any] | None, str]] = []
        self.staged = 0
        self.columns: list[str] = []
        self.base_cache: dict[tuple[str, Any], Any] = {}
        self._insert_sql = self._stage_insert_sql()
        self._build_stage_row = self._stage_builder()
        self.today = today_for(self.organization)

    # --- reading -------------------------------------------------------------------------------

    def run(self, path) -> None:
        size = os.path.getsize(path)
        limit = settings.LEEWAY_MAX_UPLOAD_BYTES
        if size > limit:
            raise FileRefused(
                _("The file is too large (%(size)s MB; the limit is %(limit)s MB).")
                % {"size": _megabytes(size), "limit": _megabytes(limit)}
            )
        self.job.size_bytes = size
        with open(path, "rb") as raw:
            start = raw.read(64 * 1024)
            if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise FileRefused(_encoding_message())
            if b"\x00" in start:
                raise FileRefused(_("This is not a CSV text file (it contains binary data)."))
            raw.seek(0)
            self._read(raw)
        self.job.bytes_read = size
        self._save_progress()
        self.job.phase = ImportPhase.CHECKING
        self.job.save(update_fields=["phase"])
        self._find_duplicates()
        if self.report.count:
            self.job.errors = sorted(self.report.errors, key=lambda e: (e["row"], e["field"] or ""))[
                :REPORT_LIMIT
            ]
            self.job.error_count = self.report.count
            _finish_failed(self.job)
            return
        self.job.phase = ImportPhase.SAVING
        self.job.save(update_fields=["phase"])
        self._apply()

    def _read(self, raw) -> None:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text)
        row_number = FIRST_DATA_ROW - 1
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise FileRefused(_("The file is empty.")) from None
            self.columns = check_header(header, self.spec)
            width = len(self.columns)
            for record in reader:
                row_number += 1
                if not record or not any(cell.strip() for cell in record):
                    continue
                self.job.rows_read += 1
                if len(record) != width:
                    self.report.add(
                        row_number,
                        None,
                        "wrong_column_count",
                        _("Expected %(expected)d values, found %(found)d.")
                        % {"expected": width, "found": len(record)},
                    )
                    continue
                if NUL in "".join(record):
                    # Past the binary check of the first 64 KiB; PostgreSQL cannot hold a NUL.
                    for column, cell in zip(self.columns, record, strict=True):
                        if NUL in cell:
                            self.report.add(
                                row_number,
                                column,
                                "invalid_text",
                                _("This text contains characters that are not allowed."),
                            )
                    continue
                self._accept(row_number, dict(zip(self.columns, record, strict=True)))
                if len(self.pending) >= CHUNK_ROWS:
                    self._flush(raw)
            self._flush(raw)
        except UnicodeDecodeError:
            raise FileRefused(
                _encoding_message() + " " + _("(The problem is near row %(row)d.)") % {"row": row_number + 1}
            ) from None
        except csv.Error as error:
            raise FileRefused(
                _("Row %(row)d is not valid CSV (%(problem)s); nothing was imported.")
                % {"row": row_number + 1, "problem": str(error)}
            ) from None
        if self.job.rows_read == 0 and not self.report.count:
            raise FileRefused(_("The file has a header but no rows."))

    def _accept(self, row: int, data: dict[str, str]) -> None:
        try:
            if self.spec.kind == ImportKind.CUSTOMERS:
                clean = clean_customer(data, organization=self.organization, today=self.today)
            elif self.spec.kind == ImportKind.TRANSACTIONS:
                clean = clean_transaction(data, organization=self.organization, today=self.today)
            else:
                clean = clean_outcome(data, organization=self.organization)
        except RowInvalid as error:
            self.report.add_invalid(row, error)
            if self.spec.kind != ImportKind.CUSTOMERS:
                # Still look the customer up, so the report lists every problem of the row at once.
                self.pending.append((row, None, data.get("customer", "").strip()))
            return
        self.pending.append((row, clean, data.get("customer", "").strip()))

    def _flush(self, raw) -> None:
        if self.pending:
            if self.spec.kind == ImportKind.CUSTOMERS:
                rows = self._customer_rows()
            elif self.spec.kind == ImportKind.TRANSACTIONS:
                rows = self._transaction_rows()
            else:
                rows = self._outcome_rows()
            self._stage(rows)
            self.pending = []
        try:
            self.job.bytes_read = raw.tell()
        except (OSError, ValueError):
            pass
        self._save_progress()

    def _save_progress(self) -> None:
        self.job.save(update_fields=["bytes_read", "rows_read", "size_bytes"])
        self.on_progress(self.job.bytes_read)

    # --- per kind ------------------------------------------------------------------------------

    def _customer_rows(self) -> Iterable[dict[str, Any]]:
        default_language = self.organization.default_language
        for row, clean, _reference in self.pending:
            clean.setdefault("language", default_language)
            clean.update(
                customer_search_keys(
                    external_id=clean["external_id"], name=clean["name"], phone=clean.get("phone", "")
                )
            )
            yield {"row": row, **clean}

    def _customers_by_external_id(self) -> dict[str, int]:
        wanted = {reference for _row, _clean, reference in self.pending}
        return dict(
            Customer.objects.filter(organization=self.organization, external_id__in=wanted).values_list(
                "external_id", "id"
            )
        )

    def _customer_or_error(self, known: dict[str, int], row: int, external_id: str) -> int | None:
        if not external_id:
            self.report.add(row, "customer", "required", _("This field is required."))
            return None
        customer_id = known.get(external_id)
        if customer_id is None:
            self.report.add(
                row,
                "customer",
                "unknown_customer",
                _("There is no customer with the id %(id)s; import the customer first.")
                % {"id": external_id[:64]},
            )
        return customer_id

    def _base(self, row: int, field: str, currency: str, amount) -> Any:
        if currency == self.organization.base_currency:
            return quantize(amount)
        key = (currency, amount)
        if key not in self.base_cache:
            if len(self.base_cache) > 1000:
                self.base_cache.clear()
            try:
                self.base_cache[key] = to_base_amount(
                    organization=self.organization, currency=currency, amount=amount, field=field
                )
            except DomainError as error:
                self.base_cache[key] = error
        value = self.base_cache[key]
        if isinstance(value, DomainError):
            self.report.add(row, field, value.code, value.message)
            return None
        return value

    def _transaction_rows(self) -> Iterable[dict[str, Any]]:
        known = self._customers_by_external_id()
        for row, clean, reference in self.pending:
            customer_id = self._customer_or_error(known, row, reference)
            if clean is None:
                continue
            base = self._base(row, "currency", clean["currency"], clean["amount"])
            if customer_id is None or base is None:
                continue
            yield {"row": row, "customer": customer_id, "base_amount": base, **clean}

    def _outcome_rows(self) -> Iterable[dict[str, Any]]:
        known = self._customers_by_external_id()
        decisions: dict[Any, tuple[int, int]] = {}
        wanted = {
            clean["decision"] for _row, clean, _reference in self.pending if clean and clean["decision"]
        }
        if wanted:
            Decision = decision_model()
            if Decision is not None:
                decisions = {
                    public_id: (pk, customer_id)
                    for public_id, pk, customer_id in Decision.objects.filter(
                        organization=self.organization, public_id__in=wanted
                    ).values_list("public_id", "id", "customer_id")
                }
        now = timezone.now()
        for row, clean, reference in self.pending:
            customer_id = self._customer_or_error(known, row, reference)
            if clean is None:
                continue
            decision_id = None
            if clean["decision"]:
                found = decisions.get(clean["decision"])
                if found is None:
                    self.report.add(row, "decision", "decision_not_found", _("There is no such decision."))
                    continue
                decision_id, decision_customer = found
                if customer_id is not None and decision_customer != customer_id:
                    self.report.add(
                        row,
                        "decision",
                        "decision_customer_mismatch",
                        _("This decision was made for another customer."),
                    )
                    continue
            base = None
            if clean["kind"] == OutcomeKind.PURCHASE:
                base = self._base(row, "currency", clean["currency"], clean["amount"])
                if base is None:
                    continue
            if customer_id is None:
                continue
            yield {
                "row": row,
                "customer": customer_id,
                "kind": clean["kind"],
                "score": clean["score"],
                "amount": clean["amount"],
                "currency": clean["currency"] or "",
                "base_amount": base,
                "decision_id": decision_id,
                "occurred_at": clean["occurred_at"] or now,
            }

    # --- staging -------------------------------------------------------------------------------

    def _stage_insert_sql(self) -> str:
        quote = connection.ops.quote_name
        meta = ImportRow._meta
        filled = ("job", "row", *STAGE_FIELDS[self.spec.kind])
        columns, values = [], []
        for field in meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(quote(field.column))
            if field.name in filled:
                values.append("%s")
            else:
                values.append("NULL" if field.null else "''")
        return f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"

    def _stage_builder(self) -> Callable[[dict[str, Any]], tuple]:
        """Turn a checked row into the tuple of database values the INSERT expects, in column order."""
        ops = connection.ops
        meta = ImportRow._meta
        filled = ("job", "row", *STAGE_FIELDS[self.spec.kind])
        order = [f.name for f in meta.concrete_fields if not f.primary_key and f.name in filled]
        adapters = []
        for name in order:
            kind = meta.get_field(name).get_internal_type()
            if kind == "DateField":
                adapters.append((name, ops.adapt_datefield_value))
            elif kind == "DateTimeField":
                adapters.append((name, ops.adapt_datetimefield_value))
            elif kind == "DecimalField":
                adapters.append((name, lambda v: ops.adapt_decimalfield_value(v, 14, 2)))
            else:
                adapters.append((name, None))

        def build(row: dict[str, Any]) -> tuple:
            out = []
            for name, adapt in adapters:
                value = row.get(name)
                if value is not None and adapt is not None:
                    value = adapt(value)
                elif value is None and not meta.get_field(name).null:
                    value = ""
                out.append(value)
            return tuple(out)

        return build

    def _stage(self, rows: Iterable[dict[str, Any]]) -> None:
        """Insert checked rows as plain tuples (model instances would cost far more memory)."""
        job_id = self.job.pk
        build = self._build_stage_row
        values = []
        for row in rows:
            row["job"] = job_id
            values.append(build(row))
        if not values:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(self._insert_sql, values)
        self.staged += len(values)

    # --- duplicates ----------------------------------------------------------------------------

    def _find_duplicates(self) -> None:
        if self.spec.kind == ImportKind.CUSTOMERS:
            self._duplicates(
                ("external_id",),
                "external_id",
                lambda first: _("This customer id already appears on row %(row)d.") % {"row": first},
            )
        elif self.spec.kind == ImportKind.TRANSACTIONS:
            self._duplicates(
                ("customer_id", "occurred_on", "amount", "currency"),
                "date",
                lambda first: _("Same customer, date and amount as row %(row)d.") % {"row": first},
            )
        else:
            self._duplicates(
                ("customer_id", "kind", "occurred_at"),
                "occurred_at",
                lambda first: _("Same customer, kind and time as row %(row)d.") % {"row": first},
            )

    def _duplicates(self, keys: tuple[str, ...], field: str, message: Callable[[int], str]) -> None:
        staged = ImportRow.objects.filter(job=self.job)
        distinct = staged.values(*keys).distinct().count()
        extra = self.staged - distinct
        if extra <= 0:
            return
        groups = (
            staged.values(*keys)
            .annotate(copies=Count("id"), first=Min("row"))
            .filter(copies__gt=1)
            .order_by("first")
        )
        listed = 0
        for group in groups[:REPORT_LIMIT]:
            lookup = {key: group[key] for key in keys}
            for row in (
                staged.filter(**lookup)
                .exclude(row=group["first"])
                .order_by("row")
                .values_list("row", flat=True)[: REPORT_LIMIT - listed]
            ):
                self.report.add(row, field, "duplicate_row", message(group["first"]))
                listed += 1
            if listed >= REPORT_LIMIT:
                break
        # Rows past the listed ones are counted, not described.
        self.report.count += extra - listed

    # --- saving --------------------------------------------------------------------------------

    def _apply(self) -> None:
        job = self.job
        with transaction.atomic():
            if self.spec.kind == ImportKind.CUSTOMERS:
                created, updated, skipped = self._apply_customers()
            elif self.spec.kind == ImportKind.TRANSACTIONS:
                created, updated, skipped = self._apply_transactions()
            else:
                created, updated, skipped = self._apply_outcomes()
            job.created_count, job.updated_count, job.skipped_count = created, updated, skipped
            job.status = ImportStatus.SUCCEEDED
            job.phase = ImportPhase.DONE
            job.finished_at = timezone.now()
            job.stored_path = ""
            job.save(
                update_fields=[
                    "created_count",
                    "updated_count",
                    "skipped_count",
                    "status",
                    "phase",
                    "finished_at",
                    "stored_path",
                ]
            )
            summary = {
                "kind": job.kind,
                "file": job.file_name,
                "rows": job.rows_read,
                "created": created,
                "updated": updated,
                "skipped": skipped,
            }
            audit_record(
                organization_id=job.organization_id,
                action=f"{job.kind}.imported",
                object_type="import",
                object_id=job.pk,
                actor_id=job.created_by_id,
                data=summary,
            )
            outbox_emit(organization_id=job.organization_id, topic=f"{job.kind}.imported", payload=summary)

    def _table(self, model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def _apply_customers(self) -> tuple[int, int, int]:
        staged = ImportRow.objects.filter(job=self.job, external_id=OuterRef("external_id"))
        fields = ["name", "name_key", "surname_key"]
        for optional in self.spec.optional:
            if optional in self.columns:
                fields.append(optional)
        if "phone" in fields:
            fields.append("phone_key")
        updated = Customer.objects.filter(
            organization=self.organization,
            external_id__in=ImportRow.objects.filter(job=self.job).values("external_id"),
        ).update(**{field: Subquery(staged.values(field)[:1]) for field in fields})
        quote = connection.ops.quote_name
        columns = [
            "external_id",
            "name",
            "email",
            "phone",
            "language",
            "segment",
            "created_on",
            "id_key",
            "name_key",
            "surname_key",
            "phone_key",
        ]
        target = ", ".join(quote(Customer._meta.get_field(c).column) for c in ["organization", *columns])
        source = ", ".join(f"s.{quote(ImportRow._meta.get_field(c).column)}" for c in columns)
        sql = (
            f"INSERT INTO {self._table(Customer)} ({target}) SELECT %s, {source} "
            f"FROM {self._table(ImportRow)} s WHERE s.{quote('job_id')} = %s AND NOT EXISTS ("
            f"SELECT 1 FROM {self._table(Customer)} c WHERE c.{quote('organization_id')} = %s "
            f"AND c.{quote('external_id')} = s.{quote('external_id')})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.organization.pk, self.job.pk, self.organization.pk])
            created = cursor.rowcount
        return created, updated, 0

    def _apply_transactions(self) -> tuple[int, int, int]:
        quote = connection.ops.quote_name
        copied = ["customer_id", "occurred_on", "amount", "currency", "base_amount"]
        target = ", ".join(quote(c) for c in ["organization_id", "import_job_id", *copied])
        source = ", ".join(f"s.{quote(c)}" for c in copied)
        same = " AND ".join(
            f"p.{quote(c)} = s.{quote(c)}" for c in ["customer_id", "occurred_on", "amount", "currency"]
        )
        sql = (
            f"INSERT INTO {self._table(Purchase)} ({target}) SELECT %s, %s, {source} "
            f"FROM {self._table(ImportRow)} s WHERE s.{quote('job_id')} = %s AND NOT EXISTS ("
            f"SELECT 1 FROM {self._table(Purchase)} p WHERE p.{quote('organization_id')} = %s AND {same})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.organization.pk, self.job.pk, self.job.pk, self.organization.pk])
            created = cursor.rowcount
        return created, 0, self.staged - created

    def _apply_outcomes(self) -> tuple[int, int, int]:
        organization = self.organization
        already = Outcome.objects.filter(
            organization=organization,
            customer_id=OuterRef("customer_id"),
            kind=OuterRef("kind"),
            occurred_at=OuterRef("occurred_at"),
        )
        created = skipped = 0
        last_id = 0
        while True:
            chunk = list(
                ImportRow.objects.filter(job=self.job, id__gt=last_id)
                .annotate(already=Exists(already))
                .order_by("id")[:CHUNK_ROWS]
            )
            if not chunk:
                break
            last_id = chunk[-1].pk
            fresh = [row for row in chunk if not row.already]
            skipped += len(chunk) - len(fresh)
            purchases = {
                row.pk: Purchase(
                    organization=organization,
                    customer_id=row.customer_id,
                    occurred_on=timezone.localtime(row.occurred_at, _zone(organization.time_zone)).date(),
                    amount=row.amount,
                    currency=row.currency,
                    base_amount=row.base_amount,
                    import_job=self.job,
                )
                for row in fresh
                if row.kind == OutcomeKind.PURCHASE
            }
            Purchase.objects.bulk_create(list(purchases.values()))
            Outcome.objects.bulk_create(
                [
                    Outcome(
                        organization=organization,
                        customer_id=row.customer_id,
                        kind=row.kind,
                        score=row.score,
                        amount=row.amount,
                        currency=row.currency,
                        base_amount=row.base_amount,
                        purchase=purchases.get(row.pk),
                        decision_id=row.decision_id,
                        occurred_at=row.occurred_at,
                        recorded_by_id=self.job.created_by_id,
                        import_job=self.job,
                    )
                    for row in fresh
                ]
            )
            created += len(fresh)
        return created, 0, skipped


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size >= 10 * 1024 * 1024 else f"{size / (1024 * 1024):.1f}"


def _encoding_message() -> str:
    return _(
        "The file is not UTF-8 text. Save it as “CSV UTF-8” (in a spreadsheet: File > Save as) "
        "and upload it again."
    )


def row_error_summary(job: ImportJob) -> str:
    """ "3 rows have problems" for the report heading, in the active language."""
    return ngettext("%(count)d problem found", "%(count)d problems found", job.error_count) % {
        "count": job.error_count
    }
