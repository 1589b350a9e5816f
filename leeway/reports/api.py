"""Report endpoints: the policy what-if and the dashboard tables. Handlers parse, call one reader, answer."""

from decimal import Decimal

from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from leeway.core.api_schemas import errors
from leeway.core.errors import Forbidden
from leeway.people.models import Role
from leeway.reports.selectors import Table, dashboard_for
from leeway.reports.whatif import MAX_DAYS, Outcome, policy_whatif

router = Router(tags=["reports"])


class ReportDaysIn(Schema):
    days: int = SchemaField(30, ge=1, le=MAX_DAYS, description="The last N local days, today included")


class WhatIfBudgetOut(Schema):
    scope: str
    period: str
    cap: str
    spent: str
    requests: int = SchemaField(description="Requests to leads this budget would cause")


class WhatIfOutcomeOut(Schema):
    zones: dict[str, int]
    approved_spend: str = SchemaField(description="Approved at once (green and amber), base currency")
    requests: int
    request_amount: str
    requests_by_cause: dict[str, int]
    budgets: list[WhatIfBudgetOut]


class WhatIfOut(Schema):
    days: int
    start: str
    end: str
    decisions: int
    currency: str
    draft_version: int
    draft: WhatIfOutcomeOut
    live_version: int | None
    live: WhatIfOutcomeOut | None


class ReportColumnOut(Schema):
    key: str
    label: str
    kind: str


class ReportTableOut(Schema):
    key: str
    title: str
    columns: list[ReportColumnOut]
    rows: list[list[str | int | None]] = SchemaField(description="Money and shares as decimal strings")


class DashboardOut(Schema):
    days: int
    start: str
    end: str
    currency: str
    department: int | None = SchemaField(description="A manager's department; null: the whole organization")
    tables: list[ReportTableOut]


def _text(value) -> str | int | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value.isoformat() if hasattr(value, "isoformat") else value)


def _table(table: Table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [[_text(value) for value in row] for row in table.rows],
    }


def _outcome(outcome: Outcome | None) -> dict | None:
    if outcome is None:
        return None
    return {
        "zones": outcome.zones,
        "approved_spend": f"{outcome.approved_spend:.2f}",
        "requests": outcome.requests,
        "request_amount": f"{outcome.request_amount:.2f}",
        "requests_by_cause": outcome.requests_by_cause,
        "budgets": [
            {
                "scope": b.scope,
                "period": b.period,
                "cap": f"{b.cap:.2f}",
                "spent": f"{b.spent:.2f}",
                "requests": b.requests,
            }
            for b in outcome.budgets
        ],
    }


@router.get(
    "/reports/whatif",
    response={200: WhatIfOut, **errors(401, 403, 422)},
    summary="Replay the last N days of decisions under the draft policy and the live version",
)
def whatif(request, query: Query[ReportDaysIn]):
    """Admins and analysts. Nothing is recorded: the engine judges the draft, budgets in time order."""
    member = request.auth
    if member.role not in (Role.ADMIN, Role.ANALYST):
        raise Forbidden()
    result = policy_whatif(organization=member.organization, days=query.days)
    return {
        "days": result.days,
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "decisions": result.decisions,
        "currency": result.currency,
        "draft_version": result.draft_number,
        "draft": _outcome(result.draft),
        "live_version": result.live_number,
        "live": _outcome(result.live),
    }


@router.get(
    "/reports/dashboard",
    response={200: DashboardOut, **errors(401, 403, 422)},
    summary="The dashboard's tables: spend and budgets, zones by team and site, time to answer red requests",
)
def dashboard(request, query: Query[ReportDaysIn]):
    """Admins and analysts: the organization; managers: their department. Aggregated by the database."""
    board = dashboard_for(request.auth, days=query.days)
    return {
        "days": board.days,
        "start": board.start.isoformat(),
        "end": board.end.isoformat(),
        "currency": board.currency,
        "department": board.scope.department_id,
        "tables": [_table(table) for table in board.tables.values()],
    }
