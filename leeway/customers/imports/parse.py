"""What an import file must look like: the columns of each kind, its header checked, whole-file refusals."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from leeway.customers.models import ImportKind

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


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size >= 10 * 1024 * 1024 else f"{size / (1024 * 1024):.1f}"


def encoding_message() -> str:
    return _(
        "The file is not UTF-8 text. Save it as “CSV UTF-8” (in a spreadsheet: File > Save as) "
        "and upload it again."
    )
