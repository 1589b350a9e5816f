"""Report pages: the policy what-if and the dashboard, each table also as CSV. Views only parse and render."""

import csv
import io
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leeway.core.decorators import role_required
from leeway.core.errors import DomainError, Forbidden
from leeway.decisions.models import Zone
from leeway.people.models import Role
from leeway.reports import charts
from leeway.reports.selectors import DAYS_CHOICES, Table, dashboard_for, dashboard_roi
from leeway.reports.whatif import DEFAULT_DAYS, parse_days, policy_whatif
from leeway.reports.whatif.tables import whatif_tables

WHATIF_ROLES = (Role.ADMIN, Role.ANALYST)
DASHBOARD_ROLES = (Role.ADMIN, Role.ANALYST, Role.MANAGER)


def _days(request) -> int:
    try:
        return parse_days(request.GET.get("days"))
    except DomainError as error:
        messages.error(request, error.message)
        return DEFAULT_DAYS


def _csv(table: Table, filename: str) -> HttpResponse:
    """The table's raw figures: money as plain decimals, shares as fractions, dates in ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(["" if value is None else (f"{value:.4f}" if isinstance(value, float) else value)
                         for value in row])  # fmt: skip
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _whatif(request):
    return policy_whatif(organization=request.user.organization, days=_days(request))


@require_GET
@role_required(*WHATIF_ROLES)
def whatif(request):
    """Before publishing: the last N days of decisions replayed under the draft, beside the live version."""
    result = _whatif(request)
    tables = whatif_tables(result)
    zones = tables["zones"]
    chart = charts.stacked_rows(
        title=_("Zones of the same decisions"),
        names=[zones.columns[i].label for i in (1, 2, 3)],
        parts=[
            (str(row[0]), charts.ZONE_COLOURS[zone], [row[1] or 0, row[2] or 0, row[3] or 0])
            for zone, row in zip((Zone.GREEN, Zone.AMBER, Zone.RED), zones.rows, strict=True)
        ],
    )
    return render(
        request,
        "reports/whatif.html",
        {"result": result, "tables": tables, "chart": chart, "days_choices": DAYS_CHOICES},
    )


@require_GET
@role_required(*WHATIF_ROLES)
def whatif_csv(request, table: str):
    tables = whatif_tables(_whatif(request))
    if table not in tables:
        raise Http404
    return _csv(tables[table], f"whatif-{table}.csv")


def _dashboard(request):
    try:
        return dashboard_for(request.user, days=_days(request))
    except Forbidden:
        raise PermissionDenied from None


@require_GET
@role_required(*DASHBOARD_ROLES)
def dashboard(request):
    """Spend against budgets over time, zones by team and site, and how fast red requests are answered."""
    board = _dashboard(request)
    tables = board.tables
    spend = tables["spend"]
    room_columns = [i for i, column in enumerate(spend.columns) if column.key.endswith("_room")]
    spend_chart = charts.bars_with_lines(
        title=spend.title,
        labels=[
            f"{row[0]:%d/%m}" if request.LANGUAGE_CODE != "en" else f"{row[0]:%m/%d}" for row in spend.rows
        ],
        bars=[row[2] for row in spend.rows],
        bar_label=spend.columns[2].label,
        # One line, the tightest daily envelope: beside a site's room the day's spend would be a flat line.
        lines=[
            (spend.columns[i].label, [row[i] for row in spend.rows])
            for i in sorted(room_columns, key=lambda i: sum(row[i] for row in spend.rows))[:1]
        ],
    )

    def zone_chart(table: Table):
        return charts.stacked_rows(
            title=table.title,
            names=[str(row[0]) for row in table.rows],
            parts=[
                (table.columns[index].label, charts.ZONE_COLOURS[zone], [row[index] for row in table.rows])
                for index, zone in ((2, "green"), (3, "amber"), (4, "red"))
            ],
        )

    answers = tables["answer_times"]
    answer_chart = charts.bars_with_lines(
        title=answers.title,
        labels=[str(row[0]) for row in answers.rows],
        bars=[Decimal(row[1]) for row in answers.rows],
        bar_label=answers.columns[1].label,
        lines=[],
        height=200,
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "tables": tables,
            "spend_chart": spend_chart,
            "team_chart": zone_chart(tables["zones_team"]),
            "site_chart": zone_chart(tables["zones_site"]),
            "answer_chart": answer_chart,
            "days_choices": DAYS_CHOICES,
            # The ROI slot: filled by the insights app through the `dashboard_roi` hook.
            "roi": dashboard_roi(member=request.user, start=board.start, end=board.end),
        },
    )


@require_GET
@role_required(*DASHBOARD_ROLES)
def dashboard_csv(request, table: str):
    tables = _dashboard(request).tables
    if table not in tables:
        raise Http404
    return _csv(tables[table], f"dashboard-{table}.csv")
