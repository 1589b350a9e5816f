"""Running an import job: the file read row by row, each row checked, staged, reported, applied."""

import csv
import io
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leeway.core.audit import audit_record
from leeway.core.errors import DomainError
from leeway.core.inputs import NUL
from leeway.core.money import quantize
from leeway.core.outbox import outbox_emit
from leeway.customers.currency import to_base_amount
from leeway.customers.imports.columns import ColumnReader
from leeway.customers.imports.parse import (
    CHUNK_ROWS,
    FIRST_DATA_ROW,
    SPECS,
    FileRefused,
    check_header,
    encoding_message,
    megabytes,
)
from leeway.customers.imports.purchases import PurchaseStaging
from leeway.customers.imports.report import REPORT_LIMIT, RowReport
from leeway.customers.imports.write import Staging
from leeway.customers.models import (
    Customer,
    ImportJob,
    ImportKind,
    ImportPhase,
    ImportRow,
    ImportStatus,
    OutcomeKind,
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

logger = logging.getLogger("leeway.customers.imports")

ProgressCallback = Callable[[int], None]


def import_job_create(
    *, organization, kind: str, file_name: str, size_bytes: int, member=None, stored_path: str = ""
) -> ImportJob:
    """A queued import; the page polls it while the task runs."""
    return ImportJob.objects.create(
        organization=organization,
        kind=kind,
        file_name=os.path.basename(file_name)[:255],
        progress_total=size_bytes,
        stored_path=stored_path,
        created_by=member,
        language=getattr(member, "language", None) or translation.get_language() or settings.LANGUAGE_CODE,
    )


def import_file(
    *,
    job: ImportJob,
    path: str | os.PathLike,
    on_progress: ProgressCallback | None = None,
    uploaded: bool = True,
):
    """Run one import end to end; the job records the outcome (it never raises for bad input).

    An uploaded file is held to LEEWAY_MAX_UPLOAD_BYTES; one the command line names (`uploaded`
    False) is the operator's own and may be of any size: it is streamed either way.
    """
    with translation.override(job.language):
        job.phase = ImportPhase.READING
        job.job_started("phase")
        try:
            _Importer(job, on_progress, uploaded=uploaded).run(path)
        except FileRefused as refusal:
            _finish_failed(job, error=str(refusal))
        except Exception:
            logger.exception("Import %s failed", job.pk)
            _finish_failed(
                job, error=_("The import stopped because of an unexpected error; nothing was imported.")
            )
        finally:
            ImportRow.objects.filter(job=job).delete()
    if job.status == ImportStatus.SUCCEEDED:
        import_succeeded.send(sender=ImportJob, job=job)
    return job


def _finish_failed(job: ImportJob, *, error: str = "") -> None:
    job.phase = ImportPhase.DONE
    job.created_count = job.updated_count = job.skipped_count = 0
    job.job_finished(
        ImportStatus.FAILED,
        "phase",
        "errors",
        "error_count",
        "created_count",
        "updated_count",
        "skipped_count",
        "rows_read",
        "progress_done",
        error=error,
    )


class _Importer:
    def __init__(self, job: ImportJob, on_progress: ProgressCallback | None, *, uploaded: bool = True):
        self.job = job
        self.uploaded = uploaded
        self.organization = job.organization
        self.spec = SPECS[job.kind]
        self.report = RowReport()
        self.on_progress = on_progress or (lambda done: None)
        # (row number, checked values, the customer column as written) for the current chunk.
        self.pending: list[tuple[int, dict[str, Any] | None, str]] = []
        self.staging = Staging(job, self.spec)
        self.columns: list[str] = []
        self.base_cache: dict[tuple[str, Any], Any] = {}
        self.today = today_for(self.organization)

    # --- reading -------------------------------------------------------------------------------

    def run(self, path) -> None:
        size = os.path.getsize(path)
        limit = settings.LEEWAY_MAX_UPLOAD_BYTES
        if self.uploaded and size > limit:
            raise FileRefused(
                _("The file is too large (%(size)s MB; the limit is %(limit)s MB).")
                % {"size": megabytes(size), "limit": megabytes(limit)}
            )
        self.job.progress_total = size
        with open(path, "rb") as raw:
            start = raw.read(64 * 1024)
            if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise FileRefused(encoding_message())
            if b"\x00" in start:
                raise FileRefused(_("This is not a CSV text file (it contains binary data)."))
            raw.seek(0)
            if self.spec.kind == ImportKind.TRANSACTIONS:
                self.staging = PurchaseStaging(self.job, today=self.today)
                try:
                    self._read_columns(raw)
                    self._check_and_apply(size)
                finally:
                    self.staging.close()
                return
            self._read(raw)
        self._check_and_apply(size)

    def _check_and_apply(self, size: int) -> None:
        self.job.progress_done = size
        self._save_progress()
        self.job.phase = ImportPhase.CHECKING
        self.job.save(update_fields=["phase"])
        self.staging.find_duplicates(self.report)
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
                encoding_message() + " " + _("(The problem is near row %(row)d.)") % {"row": row_number + 1}
            ) from None
        except csv.Error as error:
            raise FileRefused(
                _("Row %(row)d is not valid CSV (%(problem)s); nothing was imported.")
                % {"row": row_number + 1, "problem": str(error)}
            ) from None
        if self.job.rows_read == 0 and not self.report.count:
            raise FileRefused(_("The file has a header but no rows."))

    def _read_columns(self, raw) -> None:
        """Transactions: chunks of columns, each checked at once and staged (imports/purchases.py)."""
        reader = ColumnReader(raw, self.spec)
        for chunk in reader.chunks():
            self.job.rows_read += chunk.rows_read
            self.staging.add(chunk, self.report)
            self.job.progress_done = chunk.done_bytes
            self._save_progress()
        self.columns = reader.names
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
            self.staging.add(rows)
            self.pending = []
        try:
            self.job.progress_done = raw.tell()
        except (OSError, ValueError):
            pass
        self._save_progress()

    def _save_progress(self) -> None:
        self.job.job_progressed(self.job.progress_done, "rows_read", "progress_total")
        self.on_progress(self.job.progress_done)

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

    # --- saving --------------------------------------------------------------------------------

    def _apply(self) -> None:
        job = self.job
        with transaction.atomic():
            created, updated, skipped = self.staging.apply(self.columns)
            job.created_count, job.updated_count, job.skipped_count = created, updated, skipped
            job.phase = ImportPhase.DONE
            job.stored_path = ""
            job.job_finished(
                ImportStatus.SUCCEEDED,
                "created_count",
                "updated_count",
                "skipped_count",
                "phase",
                "stored_path",
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
