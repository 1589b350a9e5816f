"""Writing an import: checked rows staged in chunks, duplicates found with SQL, then applied in one go.

Rows are staged as plain tuples (model instances would cost far more memory) in short transactions,
so the progress shows to other connections; only a file with no bad row is applied to the real
tables (`Staging.apply`, inside the caller's transaction).
"""

import zoneinfo
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from leeway.customers.imports.parse import CHUNK_ROWS, STAGE_FIELDS, ImportSpec
from leeway.customers.imports.report import REPORT_LIMIT, RowReport
from leeway.customers.models import Customer, ImportJob, ImportKind, ImportRow, Outcome, OutcomeKind, Purchase


class Staging:
    """One job's staged rows: added chunk by chunk, checked for duplicates, applied."""

    def __init__(self, job: ImportJob, spec: ImportSpec):
        self.job = job
        self.organization = job.organization
        self.spec = spec
        self.staged = 0
        self._insert_sql = self._stage_insert_sql()
        self._build_stage_row = self._stage_builder()

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

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
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

    def find_duplicates(self, report: RowReport) -> None:
        """Report every staged row that repeats an earlier one (the first REPORT_LIMIT described)."""
        if self.spec.kind == ImportKind.CUSTOMERS:
            self._duplicates(
                report,
                ("external_id",),
                "external_id",
                lambda first: _("This customer id already appears on row %(row)d.") % {"row": first},
            )
        elif self.spec.kind == ImportKind.TRANSACTIONS:
            self._duplicates(
                report,
                ("customer_id", "occurred_on", "amount", "currency"),
                "date",
                lambda first: _("Same customer, date and amount as row %(row)d.") % {"row": first},
            )
        else:
            self._duplicates(
                report,
                ("customer_id", "kind", "occurred_at"),
                "occurred_at",
                lambda first: _("Same customer, kind and time as row %(row)d.") % {"row": first},
            )

    def _duplicates(
        self, report: RowReport, keys: tuple[str, ...], field: str, message: Callable[[int], str]
    ) -> None:
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
                report.add(row, field, "duplicate_row", message(group["first"]))
                listed += 1
            if listed >= REPORT_LIMIT:
                break
        # Rows past the listed ones are counted, not described.
        report.count += extra - listed

    def apply(self, columns: list[str]) -> tuple[int, int, int]:
        """Move the staged rows to the real tables: (created, updated, skipped). Call in a transaction."""
        if self.spec.kind == ImportKind.CUSTOMERS:
            return self._apply_customers(columns)
        if self.spec.kind == ImportKind.TRANSACTIONS:
            return self._apply_transactions()
        return self._apply_outcomes()

    def _table(self, model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    def _apply_customers(self, columns: list[str]) -> tuple[int, int, int]:
        staged = ImportRow.objects.filter(job=self.job, external_id=OuterRef("external_id"))
        fields = ["name", "name_key", "surname_key"]
        for optional in self.spec.optional:
            if optional in columns:
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
                    occurred_on=timezone.localtime(
                        row.occurred_at, zoneinfo.ZoneInfo(organization.time_zone)
                    ).date(),
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
