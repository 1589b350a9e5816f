"""Reads of the reports app: the dashboards' figures, aggregated by the database (ORM annotate/aggregate).

Every figure is scoped to the reader: admins and analysts see the organization, a manager the
department they manage (its teams' decisions and its budgets' counters). Each table is a `Table`, so
the page, the CSV export and the API show the same rows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from leeway.core.errors import Forbidden
from leeway.core.hooks import Hook
from leeway.people.models import Member, Role, Site, Team
from leeway.policy.budgets import budget_name, budget_order
from leeway.policy.models import BudgetCounter
from leeway.reports import rollup

READERS = (Role.ADMIN, Role.ANALYST, Role.MANAGER)
ZERO = Decimal("0.00")

# >>> ROI slot. The insights app shows the return on the dashboard by providing this hook from its
# AppConfig.ready(): `reader(member=..., start=..., end=...)` returns None (nothing to show) or a
# dict {"title": str, "html": SafeString} rendered in the marked slot of reports/dashboard.html. <<<
dashboard_roi = Hook("reports.dashboard_roi", default=lambda **kwargs: None)


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text, count, money, share, date, minutes


@dataclass
class Table:
    """One table of a page, as the page, the CSV export and the API show it."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    def cells(self) -> list[list[tuple]]:
        """Each row's (value, kind) pairs, for the template."""
        kinds = [column.kind for column in self.columns]
        return [list(zip(row, kinds, strict=True)) for row in self.rows]

    def as_dicts(self) -> list[dict]:
        return [dict(zip((c.key for c in self.columns), row, strict=True)) for row in self.rows]


@dataclass
class Scope:
    """Whose decisions a reader sees: the organization, or one manager's department."""

    organization_id: int
    time_zone: str
    currency: str
    department_id: int | None = None


def scope_for(member: Member) -> Scope:
    """Admins and analysts: the organization; a manager: their department; anyone else: 403."""
    if member.role not in READERS:
        raise Forbidden(_("Only admins, analysts and managers can read the reports."))
    organization = member.organization
    scope = Scope(
        organization_id=organization.pk, time_zone=organization.time_zone, currency=organization.base_currency
    )
    if member.role == Role.MANAGER:
        department = member.home_department
        if department is None:
            raise Forbidden(_("You manage no department yet, so there is nothing to report."))
        scope.department_id = department.pk
    return scope


def period_bounds(scope: Scope, days: int, now: datetime) -> tuple[date, datetime, datetime]:
    """The last `days` local days, today included: first day, its local midnight, and now."""
    zone = ZoneInfo(scope.time_zone)
    first = timezone.localtime(now, zone).date() - timedelta(days=days - 1)
    return first, datetime.combine(first, day_time(), tzinfo=zone), now


def decision_partials(scope: Scope, first: date, now: datetime) -> list[dict]:
    """The reader's decisions summed per (team, site, department, local day): see `leeway.reports.rollup`."""
    return rollup.decision_partials(
        organization_id=scope.organization_id,
        time_zone=scope.time_zone,
        department_id=scope.department_id,
        first=first,
        now=now,
    )


def roll_up(partials: list[dict], key: str, fields: tuple[str, ...]) -> dict:
    """Sum the partial rows' `fields` by `key` (team_key, site_key or day)."""
    totals: dict = {}
    for row in partials:
        into = totals.setdefault(row[key], dict.fromkeys(fields, 0))
        for name in fields:
            into[name] += row[name]
    return totals


ZONE_FIELDS = ("decisions", "green", "amber", "red", "spent")
ANSWER_FIELDS = (
    "red",
    "red_pending",
    "red_answered",
    "red_in_time",
    "red_slow",
    *(rollup.bucket_key(upper) for upper in rollup.ANSWER_BUCKETS),
)


def spend_by_day(scope: Scope, partials: list[dict], first: date, days: int) -> Table:
    """Approved spend per local day, with the daily budgets' room those days (cap x counters used)."""
    per_day = roll_up(partials, "day", ("approved", "spent"))
    capacity = _daily_capacity(scope, first, first + timedelta(days=days - 1))
    day_budgets = sorted({key for per in capacity.values() for key in per}, key=lambda k: budget_order(*k))
    columns = [
        Column("day", _("Day"), "date"),
        Column("decisions", _("Approved decisions"), "count"),
        Column("spent", _("Approved spend"), "money"),
    ]
    for scope_code, period in day_budgets:
        columns.append(
            Column(
                f"{scope_code}_{period}_room",
                _("%(budget)s: room") % {"budget": budget_name(scope_code, period)},
                "money",
            )
        )
    table = Table("spend", _("Spend per day against the daily budgets"), columns)
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = per_day.get(day, {})
        cells = [day, row.get("approved", 0), row.get("spent") or ZERO]
        cells += [capacity.get(day, {}).get(key, ZERO) for key in day_budgets]
        table.rows.append(cells)
    return table


def _counters(scope: Scope) -> QuerySet:
    """The budget counters the reader may see: a manager's are their department's, its teams' and agents'."""
    counters = BudgetCounter.objects.filter(organization_id=scope.organization_id).order_by()
    if scope.department_id is None:
        return counters
    teams = Team.objects.filter(organization_id=scope.organization_id, department_id=scope.department_id)
    agents = Member.objects.filter(organization_id=scope.organization_id).filter(
        Q(team__department_id=scope.department_id) | Q(team__isnull=True, department_id=scope.department_id)
    )
    return counters.filter(
        Q(budget__scope="department", subject_id=scope.department_id)
        | Q(budget__scope="team", subject_id__in=teams.values("pk"))
        | Q(budget__scope="agent", subject_id__in=agents.values("pk"))
    )


def _daily_capacity(scope: Scope, first: date, last: date) -> dict[date, dict[tuple[str, str], Decimal]]:
    rows = (
        _counters(scope)
        .filter(budget__period="day", period_start__gte=first, period_start__lte=last)
        .values("period_start", "budget__scope", "budget__period", "budget__cap")
        .annotate(counters=Count("id"))
    )
    capacity: dict[date, dict] = {}
    for row in rows:
        key = (row["budget__scope"], row["budget__period"])
        capacity.setdefault(row["period_start"], {})[key] = row["budget__cap"] * row["counters"]
    return capacity


def budget_use(scope: Scope, first: date, last: date) -> Table:
    """Per budget over the days shown: spend, room (cap x counters), use, and counters that filled."""
    rows = (
        _counters(scope)
        .filter(period_start__gte=first.replace(day=1), period_start__lte=last)
        .values("budget__scope", "budget__period", "budget__cap")
        .annotate(
            total=Sum("spent"),
            counters=Count("id"),
            full=Count("id", filter=Q(spent__gte=F("budget__cap"))),
        )
    )
    table = Table(
        "budgets",
        _("Budgets: spend against room"),
        [
            Column("budget", _("Budget")),
            Column("cap", _("Cap"), "money"),
            Column("counters", _("Counters (subject x period)"), "count"),
            Column("spent", _("Spent"), "money"),
            Column("room", _("Room"), "money"),
            Column("use", _("Use"), "share"),
            Column("full", _("Counters that filled"), "count"),
        ],
    )
    for row in sorted(rows, key=lambda r: budget_order(r["budget__scope"], r["budget__period"])):
        spent, room = row["total"] or ZERO, row["budget__cap"] * row["counters"]
        table.rows.append(
            [
                budget_name(row["budget__scope"], row["budget__period"]),
                row["budget__cap"],
                row["counters"],
                spent,
                room,
                (spent / room) if room else None,
                row["full"],
            ]
        )
    return table


def _zone_table(key: str, title, label, names: dict, totals: dict) -> Table:
    table = Table(
        key,
        title,
        [
            Column("name", label),
            Column("decisions", _("Decisions"), "count"),
            Column("green", _("Green"), "count"),
            Column("amber", _("Amber"), "count"),
            Column("red", _("Red"), "count"),
            Column("green_share", _("Green share"), "share"),
            Column("spent", _("Approved spend"), "money"),
        ],
    )
    ordered = sorted(totals.items(), key=lambda item: (-item[1]["decisions"], names.get(item[0], "")))
    for group, row in ordered:
        total = row["decisions"]
        table.rows.append(
            [
                names.get(group) or _("None"),
                total,
                row["green"],
                row["amber"],
                row["red"],
                row["green"] / total if total else None,
                row["spent"] or ZERO,
            ]
        )
    return table


def zones_by(scope: Scope, partials: list[dict], by: str) -> Table:
    """Green, amber and red decisions per team or per site."""
    model = {"team": Team, "site": Site}[by]
    totals = roll_up(partials, f"{by}_key", ZONE_FIELDS)
    names = dict(model.objects.filter(organization_id=scope.organization_id).values_list("pk", "name"))
    if by == "team":
        return _zone_table("zones_team", _("Zones by team"), _("Team"), names, totals)
    return _zone_table("zones_site", _("Zones by site"), _("Site"), names, totals)


def answer_times(scope: Scope, partials: list[dict]) -> tuple[Table, Table, dict]:
    """Red requests: how long each waited for its answer, per bucket and per team, and how many in time."""
    totals = roll_up(partials, "day", ANSWER_FIELDS)
    overall = {name: sum(day[name] for day in totals.values()) for name in ANSWER_FIELDS}
    distribution = Table(
        "answer_times",
        _("Time to answer red requests"),
        [
            Column("waited", _("Answered within")),
            Column("requests", _("Requests"), "count"),
            Column("share", _("Share of answered"), "share"),
        ],
    )
    answered_total = overall["red_answered"]
    lower = None
    for upper in rollup.ANSWER_BUCKETS:
        count = overall[rollup.bucket_key(upper)]
        if upper is None:
            label = _("more than %(minutes)s minutes") % {"minutes": lower}
        elif lower is None:
            label = _("%(minutes)s minutes or less") % {"minutes": upper}
        else:
            label = _("%(low)s to %(high)s minutes") % {"low": lower, "high": upper}
        distribution.rows.append([label, count, count / answered_total if answered_total else None])
        lower = upper

    names = dict(Team.objects.filter(organization_id=scope.organization_id).values_list("pk", "name"))
    teams = Table(
        "answers_team",
        _("Red requests by team"),
        [
            Column("team", _("Team")),
            Column("requests", _("Requests"), "count"),
            Column("answered", _("Answered"), "count"),
            Column("in_time", _("Answered in time"), "share"),
            Column("slow", _("Waited over an hour"), "count"),
            Column("pending", _("Still pending"), "count"),
        ],
    )
    per_team = roll_up(partials, "team_key", ANSWER_FIELDS)
    requested = [(team, row) for team, row in per_team.items() if row["red"]]
    for team, row in sorted(requested, key=lambda item: (-item[1]["red"], names.get(item[0], ""))):
        teams.rows.append(
            [
                names.get(team) or _("None"),
                row["red"],
                row["red_answered"],
                row["red_in_time"] / row["red_answered"] if row["red_answered"] else None,
                row["red_slow"],
                row["red_pending"],
            ]
        )
    summary = {
        "requests": overall["red"],
        "pending": overall["red_pending"],
        "answered": answered_total,
        "in_time": overall["red_in_time"],
    }
    return distribution, teams, summary


@dataclass
class Dashboard:
    """Everything the dashboard shows, for one reader and one stretch of days."""

    scope: Scope
    days: int
    first: date
    start: datetime
    end: datetime
    tables: dict[str, Table]
    answers: dict

    @property
    def currency(self) -> str:
        return self.scope.currency


def dashboard_for(member: Member, *, days: int, now: datetime | None = None) -> Dashboard:
    scope = scope_for(member)
    now = now or timezone.now()
    first, start, end = period_bounds(scope, days, now)
    last = first + timedelta(days=days - 1)
    partials = decision_partials(scope, first, end)
    distribution, teams, answers = answer_times(scope, partials)
    tables = [
        spend_by_day(scope, partials, first, days),
        budget_use(scope, first, last),
        zones_by(scope, partials, "team"),
        zones_by(scope, partials, "site"),
        distribution,
        teams,
    ]
    return Dashboard(
        scope=scope,
        days=days,
        first=first,
        start=start,
        end=end,
        tables={table.key: table for table in tables},
        answers=answers,
    )


TABLE_KEYS = ("spend", "budgets", "zones_team", "zones_site", "answer_times", "answers_team")
DAYS_CHOICES = (7, 30, 90)
