"""A transactions import at scale: whole columns checked at once, staged by COPY, applied by one INSERT.

Each chunk of rows (`columns.Chunk`) is checked column by column with the same rules as one row
through the API: amounts by `money.read_amounts` (the one amount rule, over a whole column); dates
and currencies by the same functions as `clean_transaction`, once per distinct cell (a chunk has a
few thousand distinct dates, not a million). Only the rows the report describes (the first
REPORT_LIMIT problems) are checked again one by one, for the messages.

Rows are staged in a temporary table of the import's own database session: on PostgreSQL by COPY
(psycopg's `Cursor.copy`), elsewhere by executemany. Each chunk is its own short transaction, so the
job's progress shows to other connections. Customer ids are then resolved, and repeated rows found,
by whole-table queries; only a file without any problem is moved into the purchases, by one
INSERT … SELECT inside the caller's transaction.
"""

from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _

from leeway.core.errors import DomainError
from leeway.core.money import ASCII_BLANKS, read_amounts
from leeway.customers.currency import to_base_amount
from leeway.customers.imports.columns import Chunk
from leeway.customers.imports.report import REPORT_LIMIT, RowReport
from leeway.customers.models import Customer, ImportJob, Purchase
from leeway.customers.validation import RowInvalid, clean_transaction, currency_or_none, date_or_none

# Sorting and hashing ten million staged rows in memory, for this session's queries only.
WORK_MEM = "256MB"
COPY_NULL = "\\N"
STAGE_COLUMNS = "file_row, customer, ok, occurred_on, amount, currency, base_amount"


class PurchaseStaging:
    """One transactions import's staged rows: added chunk by chunk, checked, applied."""

    def __init__(self, job: ImportJob, *, today):
        self.job = job
        self.organization = job.organization
        self.today = today
        self.staged = 0
        self.table = connection.ops.quote_name(f"leeway_import_{job.pk}")
        self.postgres = connection.vendor == "postgresql"
        self._currencies: dict[str, DomainError | None] = {}
        self._bases: dict[tuple[str, int], str] = {}
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (file_row integer NOT NULL, customer text NOT NULL, "
                "ok boolean NOT NULL, occurred_on date, amount numeric(14, 2), currency varchar(3), "
                "base_amount numeric(14, 2))"
            )

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            if self.postgres:
                cursor.execute("RESET work_mem")

    # --- checking and staging a chunk ----------------------------------------------------------

    def add(self, chunk: Chunk, report: RowReport) -> None:
        """Check a chunk's rows, describe its problems in `report` and stage the rows with a customer."""
        columns = chunk.columns
        count = int(chunk.rows.shape[0])
        if count == 0:
            return
        customers = [cell.strip() for cell in columns["customer"]]
        has_customer = np.fromiter(map(bool, customers), dtype=bool, count=count)
        days = self._per_distinct(columns["date"], self._date)
        amounts = read_amounts(columns["amount"])
        codes = self._per_distinct(columns["currency"], self._currency)
        day_ok = np.fromiter((day is not None for day in days), dtype=bool, count=count)
        code_ok = np.fromiter((code is not None for code in codes), dtype=bool, count=count)
        fields_ok = day_ok & amounts.accepted & code_ok
        known = {code: self._known_currency(code) is None for code in set(codes) if code is not None}
        currency_known = np.fromiter((known.get(code, False) for code in codes), dtype=bool, count=count)
        ok = fields_ok & currency_known
        problems = (~day_ok).astype(np.int64) + ~amounts.accepted + ~code_ok + ~has_customer
        problems += fields_ok & ~currency_known
        self._describe(chunk, report, problems, customers, codes, fields_ok)
        amount_texts = [cell.strip(ASCII_BLANKS) for cell in columns["amount"]]
        bases = self._base_amounts(amount_texts, codes, amounts.cents, ok)
        staged = np.flatnonzero(has_customer)
        if staged.size == 0:
            return
        if staged.size != count:
            pick = staged.tolist()
            customers = [customers[i] for i in pick]
            days, amount_texts, codes, bases = (
                [values[i] for i in pick] for values in (days, amount_texts, codes, bases)
            )
        ok_list = ok[staged].tolist()
        rows = chunk.rows[staged].tolist()
        self._write(rows, customers, ok_list, days, amount_texts, codes, bases)
        self.staged += int(ok[staged].sum())

    @staticmethod
    def _per_distinct(cells: list[str], read) -> list[Any]:
        results = {cell: read(cell) for cell in set(cells)}
        return [results[cell] for cell in cells]

    def _date(self, cell: str) -> str | None:
        day = date_or_none(cell, organization=self.organization, today=self.today)
        return None if day is None else day.isoformat()

    @staticmethod
    def _currency(cell: str) -> str | None:
        return currency_or_none(cell)

    def _known_currency(self, code: str) -> DomainError | None:
        if code not in self._currencies:
            try:
                to_base_amount(organization=self.organization, currency=code, amount=Decimal(0))
                self._currencies[code] = None
            except DomainError as error:
                self._currencies[code] = error
        return self._currencies[code]

    def _base_amounts(self, amount_texts, codes, cents: np.ndarray, ok: np.ndarray) -> list[str | None]:
        """The amount in the base currency, as text: the amount itself, or converted by the one rule."""
        base = self.organization.base_currency
        if ok.all() and all(code == base for code in set(codes)):
            return amount_texts
        out: list[str | None] = []
        for text, code, value, good in zip(amount_texts, codes, cents.tolist(), ok.tolist(), strict=True):
            if not good:
                out.append(None)
            elif code == base:
                out.append(text)
            else:
                key = (code, value)
                if key not in self._bases:
                    if len(self._bases) > 100_000:
                        self._bases.clear()
                    converted = to_base_amount(
                        organization=self.organization, currency=code, amount=Decimal(value) / 100
                    )
                    self._bases[key] = str(converted)
                out.append(self._bases[key])
        return out

    def _describe(self, chunk: Chunk, report: RowReport, problems, customers, codes, fields_ok) -> None:
        """Add the chunk's problems to the report: the described ones one by one, the others counted."""
        shape = sorted(chunk.problems)
        bad = np.flatnonzero(problems)
        total = int(problems.sum())
        if not shape and total == 0:
            return
        described: list[tuple[int, str | None, str, Any]] = list(shape)
        room = max(0, REPORT_LIMIT - len(report.errors))
        listed = 0
        for index in bad.tolist():
            if listed >= room:
                break
            row = int(chunk.rows[index])
            data = {name: values[index] for name, values in chunk.columns.items()}
            found: list[tuple[int, str | None, str, Any]] = []
            try:
                clean_transaction(data, organization=self.organization, today=self.today)
            except RowInvalid as error:
                found += [(row, p.field, p.code, p.message) for p in error.problems]
            if not customers[index]:
                found.append((row, "customer", "required", _("This field is required.")))
            if fields_ok[index]:
                unknown = self._known_currency(codes[index])
                if unknown is not None:
                    found.append((row, "currency", unknown.code, unknown.message))
            described += found
            listed += len(found)
        described.sort(key=lambda problem: (problem[0], problem[1] or ""))
        for row, field, code, message in described:
            report.add(row, field, code, message)
        # Problems past the described ones are counted, not described.
        report.count += len(shape) + total - len(described)

    def _write(self, rows, customers, ok, days, amounts, codes, bases) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if not self.postgres:
                cursor.executemany(
                    f"INSERT INTO {self.table} ({STAGE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        (row, customer, good, day, amount, code, base)
                        if good
                        else (row, customer, False, None, None, None, None)
                        for row, customer, good, day, amount, code, base in zip(
                            rows, customers, ok, days, amounts, codes, bases, strict=True
                        )
                    ],
                )
                return
            if any(mark in "".join(customers) for mark in ("\\", "\t", "\n", "\r")):
                customers = [_copy_text(customer) for customer in customers]
            if all(ok):
                lines = map(
                    "\t".join,
                    zip(
                        map(str, rows),
                        customers,
                        ("t",) * len(rows),
                        days,
                        amounts,
                        codes,
                        bases,
                        strict=True,
                    ),
                )
            else:
                blank = (COPY_NULL,) * 4
                lines = (
                    "\t".join((str(row), customer, "t", day, amount, code, base))
                    if good
                    else "\t".join((str(row), customer, "f", *blank))
                    for row, customer, good, day, amount, code, base in zip(
                        rows, customers, ok, days, amounts, codes, bases, strict=True
                    )
                )
            payload = "\n".join(lines) + "\n"
            statement = f"COPY {self.table} ({STAGE_COLUMNS}) FROM STDIN"
            with cursor.copy(statement) as copy:
                copy.write(payload)

    # --- the whole file ------------------------------------------------------------------------

    def _settings(self, cursor) -> None:
        if self.postgres:
            # Temporary tables are never analysed by autovacuum; the planner needs their size.
            cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(f"SET work_mem = '{WORK_MEM}'")

    def find_duplicates(self, report: RowReport) -> None:
        """Unknown customers and repeated rows, found by queries over the whole staged file."""
        quote = connection.ops.quote_name
        customer = quote(Customer._meta.db_table)
        known = f"SELECT 1 FROM {customer} c WHERE c.organization_id = %s AND c.external_id = s.customer"
        org = self.organization.pk
        with connection.cursor() as cursor:
            self._settings(cursor)
            cursor.execute(f"SELECT COUNT(*) FROM {self.table} s WHERE NOT EXISTS ({known})", [org])
            unknown = cursor.fetchone()[0]
            if unknown:
                cursor.execute(
                    f"SELECT s.file_row, s.customer FROM {self.table} s WHERE NOT EXISTS ({known}) "
                    f"ORDER BY s.file_row LIMIT {REPORT_LIMIT}",
                    [org],
                )
                message = _("There is no customer with the id %(id)s; import the customer first.")
                report.add_ranked(
                    [
                        (row, "customer", "unknown_customer", message % {"id": ref[:64]})
                        for row, ref in cursor.fetchall()
                    ],
                    total=unknown,
                )
            # Rows with an unknown customer were never candidates, as before.
            where = f"s.ok AND EXISTS ({known})" if unknown else "s.ok"
            params = [org] if unknown else []
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {self.table} s WHERE {where} "
                "GROUP BY s.customer, s.occurred_on, s.amount, s.currency) d",
                params,
            )
            distinct = cursor.fetchone()[0]
            if unknown:
                cursor.execute(f"SELECT COUNT(*) FROM {self.table} s WHERE {where}", params)
                self.staged = cursor.fetchone()[0]
            extra = self.staged - distinct
            if extra <= 0:
                return
            cursor.execute(
                f"SELECT file_row, first_row FROM (SELECT s.file_row, MIN(s.file_row) OVER (PARTITION BY "
                f"s.customer, s.occurred_on, s.amount, s.currency) AS first_row FROM {self.table} s "
                f"WHERE {where}) d WHERE file_row <> first_row ORDER BY file_row LIMIT {REPORT_LIMIT}",
                params,
            )
            message = _("Same customer, date and amount as row %(row)d.")
            report.add_ranked(
                [
                    (row, "date", "duplicate_row", message % {"row": first})
                    for row, first in cursor.fetchall()
                ],
                total=extra,
            )

    def apply(self, columns: list[str] | None = None) -> tuple[int, int, int]:
        """Move the staged rows into the purchases: (created, 0, skipped). Call in a transaction."""
        quote = connection.ops.quote_name
        purchase, customer = quote(Purchase._meta.db_table), quote(Customer._meta.db_table)
        org = self.organization.pk
        # In customer and date order, so the purchases' indexes are filled page by page.
        sql = (
            f"INSERT INTO {purchase} (organization_id, import_job_id, customer_id, occurred_on, amount, "
            f"currency, base_amount) SELECT %s, %s, c.id, s.occurred_on, s.amount, s.currency, s.base_amount "
            f"FROM {self.table} s JOIN {customer} c ON c.organization_id = %s AND c.external_id = s.customer "
            f"WHERE s.ok AND NOT EXISTS (SELECT 1 FROM {purchase} p WHERE p.organization_id = %s "
            "AND p.customer_id = c.id AND p.occurred_on = s.occurred_on AND p.amount = s.amount "
            "AND p.currency = s.currency) ORDER BY c.id, s.occurred_on"
        )
        with connection.cursor() as cursor:
            self._settings(cursor)
            cursor.execute(sql, [org, self.job.pk, org, org])
            created = cursor.rowcount
        return created, 0, self.staged - created


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab and line ends escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
