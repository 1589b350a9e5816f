"""The report of an import: the rows that have problems, the first REPORT_LIMIT of them described."""

from typing import Any

from django.utils.translation import ngettext

from leeway.customers.models import ImportJob
from leeway.customers.validation import RowInvalid

REPORT_LIMIT = 100


class RowReport:
    """Row errors: the first REPORT_LIMIT kept, all of them counted."""

    def __init__(self):
        self.errors: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int, field: str | None, code: str, message) -> None:
        self.count += 1
        if len(self.errors) < REPORT_LIMIT:
            self.errors.append({"row": row, "field": field, "code": code, "message": str(message)})

    def add_ranked(self, problems: list[tuple[int, str | None, str, Any]], *, total: int) -> None:
        """Problems a query found over the whole file (its first ones by row), and how many in all.

        Like `add`, they fill what room the problems found while reading left.
        """
        self.count += total
        room = max(0, REPORT_LIMIT - len(self.errors))
        self.errors.extend(
            {"row": row, "field": field, "code": code, "message": str(message)}
            for row, field, code, message in problems[:room]
        )

    def add_invalid(self, row: int, error: RowInvalid) -> None:
        for problem in error.problems:
            self.add(row, problem.field, problem.code, problem.message)


def row_error_summary(job: ImportJob) -> str:
    """ "3 rows have problems" for the report heading, in the active language."""
    return ngettext("%(count)d problem found", "%(count)d problems found", job.error_count) % {
        "count": job.error_count
    }


def refusal_lines(*, error_count: int, rows: int, errors: list[dict[str, Any]]) -> list[str]:
    """A refused import's report for the command line: the count, then one aligned line per listed row."""
    lines = [
        f"Nothing was imported: {error_count} problem(s) in {rows} rows.",
        f"{'row':>8}  {'field':<14} reason",
    ]
    lines += [f"{error['row']:>8}  {error['field'] or '-':<14} {error['message']}" for error in errors]
    if error_count > len(errors):
        lines.append(f"… and {error_count - len(errors)} more.")
    return lines
