"""The CSV import of members for a new centre: every row checked first, then all added or none.

A centre's people fit in memory (the file is at most 1 MB, 5,000 rows), so the import reads the whole
file, resolves each row's role, tier, site, team and department by name within the organization,
checks the row with the same rules as the member form and the API (`checks.member_problems`), and
only when no row has a problem adds every member in one transaction (`services.members_import`).
Otherwise nothing is written and the report lists the problems by row (the header is row 1, as in a
spreadsheet) and column, in the reader's language. Imported members choose their password through
an invitation link (the members page offers them all as one CSV).
"""

import csv
import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leeway.core.errors import InvalidInput
from leeway.people.checks import member_problems
from leeway.people.models import AuthorityTier, Department, Member, Organization, Role, Site, Team
from leeway.people.services import members_import

REQUIRED_COLUMNS = ("username", "name")
OPTIONAL_COLUMNS = ("email", "role", "tier", "site", "team", "department", "language", "time_zone")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 5000
MAX_BYTES = 1024 * 1024
REPORT_LIMIT = 100
FIRST_DATA_ROW = 2  # the header is row 1


class MembersImportError(InvalidInput):
    """A members file with problems; nothing was imported. `errors` lists the first of them."""

    def __init__(self, errors: list[dict], total: int | None = None):
        self.errors = errors[:REPORT_LIMIT]
        self.total = len(errors) if total is None else total
        super().__init__(
            gettext_lazy("The file has problems; nothing was imported. Fix them and upload it again."),
            code="invalid_members_file",
            field="file",
        )


def _file_problem(message) -> MembersImportError:
    return MembersImportError([{"row": None, "column": None, "message": str(message)}])


def _read_text(file) -> str:
    raw = file if isinstance(file, bytes) else file.read(MAX_BYTES + 1)
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_BYTES:
        raise _file_problem(
            _("The file is too large (the limit is %(limit)s MB).") % {"limit": MAX_BYTES // 2**20}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem(_("Save the file as UTF-8 text (CSV).")) from None
    if "\x00" in text:
        raise _file_problem(_("This is not a text file (it contains binary data)."))
    if not text.strip():
        raise _file_problem(_("The file is empty."))
    return text


def _lookup(pairs) -> dict[str, object]:
    """Case- and space-insensitive names (and codes) → object."""
    found = {}
    for key, obj in pairs:
        found.setdefault(" ".join(str(key).split()).casefold(), obj)
    return found


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


class _Names:
    """The organization's tiers, sites, teams and departments, and the words for roles and languages."""

    def __init__(self, organization: Organization):
        tiers = list(AuthorityTier.objects.filter(organization=organization).order_by("rank"))
        self.tiers = _lookup([*((tier.code, tier) for tier in tiers), *((tier.name, tier) for tier in tiers)])
        self.tier_codes = ", ".join(tier.code for tier in tiers)
        self.sites = _lookup((site.name, site) for site in Site.objects.filter(organization=organization))
        self.teams = _lookup(
            (team.name, team)
            for team in Team.objects.filter(organization=organization).select_related("site")
        )
        self.departments = _lookup(
            (department.name, department)
            for department in Department.objects.filter(organization=organization)
        )
        roles, languages = [], []
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                roles += [(value, value) for value in Role.values]
                roles += [(str(label), value) for value, label in Role.choices]
                for code, name in settings.LANGUAGES:
                    info = translation.get_language_info(code)
                    languages += [(code, code), (str(name), code), (info["name_local"], code)]
        self.roles = _lookup(roles)
        self.languages = _lookup(languages)


def parse_members_csv(text: str, *, organization: Organization) -> list[dict]:
    """Each row as `member_create`'s keyword arguments, or MembersImportError listing every problem."""
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save with ";".
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [" ".join(cell.split()).lower() for cell in next(reader, [])]
    expected = _("Expected columns: %(required)s (required) and %(optional)s (optional).") % {
        "required": ", ".join(REQUIRED_COLUMNS),
        "optional": ", ".join(OPTIONAL_COLUMNS),
    }
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column or '""' for column in header if column not in COLUMNS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(_("missing %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            problems.append(_("unexpected %(columns)s") % {"columns": ", ".join(unknown)})
        if repeated:
            problems.append(_("repeated %(columns)s") % {"columns": ", ".join(repeated)})
        raise MembersImportError(
            [
                {
                    "row": 1,
                    "column": None,
                    "message": _("The header does not match (%(problems)s). %(expected)s")
                    % {"problems": "; ".join(problems), "expected": expected},
                }
            ]
        )
    names = _Names(organization)
    errors: list[dict] = []
    rows: list[dict] = []
    seen: dict[str, int] = {}

    def problem(row_number, column, message):
        errors.append({"row": row_number, "column": column, "message": str(message)})

    def named(row_number, column, text, table, message, *, default=None, **names_in_message):
        """The organization's thing a cell names (`default` for an empty cell); a problem when none."""
        if not text:
            return default
        found = table.get(_key(text))
        if found is None:
            problem(row_number, column, message % {"value": text, **names_in_message})
        return found

    try:
        records = list(reader)
    except csv.Error:
        raise _file_problem(_("The file is not a valid CSV file.")) from None
    for index, record in enumerate(records):
        row_number = index + FIRST_DATA_ROW
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            problem(row_number, None, _("Too many rows (limit %(limit)s).") % {"limit": MAX_ROWS})
            break
        if len(record) > len(header):
            problem(row_number, None, _("This row has more cells than the header has columns."))
            continue
        cells = dict.fromkeys(COLUMNS, "")
        cells.update({column: cell.strip() for column, cell in zip(header, record, strict=False)})
        before = len(errors)

        role = named(
            row_number,
            "role",
            cells["role"],
            names.roles,
            _("Unknown role “%(value)s”. Roles: %(roles)s."),
            default=Role.AGENT.value,
            roles=", ".join(Role.values),
        )
        tier = named(
            row_number,
            "tier",
            cells["tier"],
            names.tiers,
            _("Unknown authority tier “%(value)s”. Tiers: %(tiers)s."),
            tiers=names.tier_codes or "—",
        )
        site = named(
            row_number,
            "site",
            cells["site"],
            names.sites,
            _("No site named “%(value)s”. Add it on the organization page first."),
        )
        team = named(
            row_number,
            "team",
            cells["team"],
            names.teams,
            _("No team named “%(value)s”. Add it on the organization page first."),
        )
        if team is not None and site is not None and team.site_id != site.pk:
            problem(
                row_number,
                "team",
                _("The team “%(team)s” is at the site “%(actual)s”, not “%(site)s”.")
                % {"team": team.name, "actual": team.site.name, "site": site.name},
            )
        department = named(
            row_number,
            "department",
            cells["department"],
            names.departments,
            _("No department named “%(value)s”."),
        )
        language = named(
            row_number,
            "language",
            cells["language"],
            names.languages,
            _("Unknown language “%(value)s”. Use one of: %(codes)s."),
            default="",
            codes=", ".join(code for code, _n in settings.LANGUAGES),
        )
        if len(errors) > before:
            continue  # the rules below need the names resolved

        values, problems = member_problems(
            organization=organization,
            username=cells["username"],
            name=cells["name"],
            email=cells["email"],
            role=role,
            tier=tier,
            team=team,
            department=department,
            language=language,
            time_zone=cells["time_zone"],
        )
        for error in problems.errors:
            problem(row_number, error.field, error.message)
        username_key = cells["username"].casefold()
        if username_key and username_key in seen:
            problem(
                row_number,
                "username",
                _("The username is also on row %(row)s.") % {"row": seen[username_key]},
            )
        seen.setdefault(username_key, row_number)
        if problems.errors:
            continue
        rows.append(
            {
                "username": values["username"],
                "name": cells["name"],
                "email": values["email"],
                "role": values["role"],
                "tier": tier,
                "team": team,
                "department": department,
                "language": values["language"],
                "time_zone": values["time_zone"],
            }
        )
    if errors:
        raise MembersImportError(errors)
    if not rows:
        raise _file_problem(_("The file has a header but no members."))
    return rows


def members_import_csv(*, organization: Organization, actor: Member | None, file) -> list[Member]:
    """Import a members CSV (bytes, text or an uploaded file): every row good, or nothing changes."""
    rows = parse_members_csv(_read_text(file), organization=organization)
    return members_import(organization=organization, actor=actor, rows=rows)
