"""The policy what-if: the last N days of decisions replayed under the draft, beside the live policy.

`policy_whatif(organization=..., days=...)` reads the decisions once (`rows`), replays them under the
draft (the policy rows as they would be published now) and under the live version with the same
method (`replay`), and sets both beside what was recorded. How a million decisions replay in
seconds is explained in `leeway.reports.whatif.replay`.
"""

import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as day_time
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from leeway.core.errors import InvalidInput
from leeway.decisions.models import Decision, DecisionStatus
from leeway.people.models import Organization, Team
from leeway.policy.budgets import SCOPES, BudgetPeriod
from leeway.policy.models import PolicyVersion
from leeway.policy.snapshot import PolicySnapshot, build_snapshot_data, current_policy, parse_snapshot
from leeway.reports.whatif.replay import ZONES, BudgetOutcome, Outcome, cents_to_money, replay
from leeway.reports.whatif.rows import Columns, approved_cap_history, decision_columns

DEFAULT_DAYS = 30
MAX_DAYS = 366

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Outcome", "WhatIf", "parse_days", "policy_whatif"]


@dataclass
class WhatIf:
    """The draft's answers to the window's decisions, beside the live version's and what was recorded."""

    days: int
    start: datetime
    end: datetime
    decisions: int
    currency: str
    draft_number: int
    draft: Outcome
    live_number: int | None
    live: Outcome | None
    recorded: Outcome
    team_names: dict[int, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def budget_rows(self) -> list[dict]:
        """Every budget of the draft or the live version, with what each would have charged."""
        rows: dict[tuple[str, str], dict] = {}
        for label, outcome in (("draft", self.draft), ("live", self.live), ("recorded", self.recorded)):
            for budget in outcome.budgets if outcome else []:
                row = rows.setdefault(
                    (budget.scope, budget.period), {"scope": budget.scope, "period": budget.period}
                )
                row[label] = budget
        return sorted(rows.values(), key=lambda row: (list(SCOPES).index(row["scope"]), row["period"]))

    def requests_by_team(self) -> list[dict]:
        teams = set(self.draft.requests_by_team) | set(self.live.requests_by_team if self.live else {})
        rows = [
            {
                "team": self.team_names.get(team, _("No team")) if team else _("No team"),
                "team_id": team or None,
                "draft": self.draft.requests_by_team.get(team, 0),
                "live": self.live.requests_by_team.get(team, 0) if self.live else None,
            }
            for team in teams
        ]
        return sorted(rows, key=lambda row: (-row["draft"], row["team"]))


def parse_days(value, *, field_name: str = "days") -> int:
    """A whole number of days from 1 to MAX_DAYS, or 422 in the reader's language."""
    if value in (None, ""):
        return DEFAULT_DAYS
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number of days."), field=field_name) from None
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            _("Choose between 1 and %(maximum)s days.") % {"maximum": MAX_DAYS}, field=field_name
        )
    return days


def draft_policy(organization: Organization) -> PolicySnapshot:
    """The draft as publishing it now would freeze it (not stored: version id 0)."""
    latest = PolicyVersion.objects.filter(organization=organization).order_by("-number").first()
    return parse_snapshot(
        version_id=0,
        number=(latest.number if latest else 0) + 1,
        organization_id=organization.pk,
        data=build_snapshot_data(organization),
    )


def window(organization: Organization, days: int, now: datetime) -> tuple[date, datetime]:
    """The first local day of the last `days` days (today included) and its local midnight."""
    zone = ZoneInfo(organization.time_zone)
    first = timezone.localtime(now, zone).date() - timedelta(days=days - 1)
    return first, datetime.combine(first, day_time(), tzinfo=zone)


def _budget_seeds(snapshot: PolicySnapshot, *, organization_id: int, first: date, start: datetime) -> dict:
    """Spend recorded earlier in the month the window starts in, per month budget and subject, in cents."""
    seeds: dict[int, dict[int, int]] = {}
    month_start = datetime.combine(first.replace(day=1), day_time(), tzinfo=start.tzinfo)
    if month_start >= start:
        return seeds
    for budget in snapshot.budgets:
        kind = SCOPES.get(budget.scope)
        if budget.period != BudgetPeriod.MONTH or kind is None:
            continue
        column = f"{kind.subject}_id"
        totals = (
            Decision.objects.filter(
                organization_id=organization_id,
                status=DecisionStatus.APPROVED,
                created_at__gte=month_start,
                created_at__lt=start,
                **{f"{column}__isnull": False},
            )
            .values(column)
            .annotate(total=Sum("base_amount"))
            .order_by()
        )
        seeds[budget.id] = {row[column]: round(row["total"] * 100) for row in totals}
    return seeds


def _cap_history(snapshot: PolicySnapshot, *, organization_id: int, start: datetime) -> Columns:
    windows = [
        rule.customer_cap_window_days
        for rule in snapshot.rules.values()
        if rule.customer_cap_count is not None or rule.customer_cap_amount is not None
    ]
    capped = {
        snapshot.gestures[code].id
        for (_tier, code), rule in snapshot.rules.items()
        if code in snapshot.gestures
        and (rule.customer_cap_count is not None or rule.customer_cap_amount is not None)
    }
    days = max(windows, default=0)
    return approved_cap_history(
        organization_id=organization_id,
        gesture_ids=sorted(capped),
        start=start - timedelta(days=days),
        end=start,
    )


def _replay(
    snapshot: PolicySnapshot, columns: Columns, *, first: date, last: date, start: datetime
) -> Outcome:
    return replay(
        snapshot=snapshot,
        columns=columns,
        gesture_codes={gesture.id: gesture.code for gesture in snapshot.gestures.values()},
        first_day=first,
        last_day=last,
        budget_seeds=_budget_seeds(
            snapshot, organization_id=snapshot.organization_id, first=first, start=start
        ),
        cap_history=_cap_history(snapshot, organization_id=snapshot.organization_id, start=start),
    )


def recorded_outcome(columns: Columns, snapshot: PolicySnapshot | None) -> Outcome:
    """What was recorded for the same decisions: their zones, the spend approved at once, the requests."""

    zone = columns["recorded_zone"]
    approved = columns["recorded_approved"] == 1
    red = zone == ZONES.index("red")
    budgets = []
    for budget in snapshot.budgets if snapshot else ():
        kind = SCOPES.get(budget.scope)
        if kind is None:
            continue
        charged = approved & (columns[kind.subject] > 0)
        budgets.append(
            BudgetOutcome(
                budget_id=budget.id,
                scope=budget.scope,
                period=budget.period,
                cap=budget.cap,
                spent=cents_to_money(int(columns.cents[charged].sum())),
                counters=0,
                requests=0,
            )
        )
    teams = np.bincount(columns["team"][red]) if red.any() else np.zeros(0, dtype=np.int64)
    return Outcome(
        zones={name: int((zone == index).sum()) for index, name in enumerate(ZONES)},
        # Approved at once (green and amber), as the replays count it; a lead's approvals are not in it.
        approved_spend=cents_to_money(int(columns.cents[approved & ~red].sum())),
        request_amount=cents_to_money(int(columns.cents[red].sum())),
        budgets=budgets,
        requests_by_team={team: int(n) for team, n in enumerate(teams.tolist()) if n},
    )


def policy_whatif(
    *, organization: Organization, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> WhatIf:
    """Replay the last `days` days of the organization's decisions under its draft and its live version."""
    now = now or timezone.now()
    seconds = {}
    started = clock.perf_counter()
    first, start = window(organization, days, now)
    last = timezone.localtime(now, ZoneInfo(organization.time_zone)).date()
    columns = decision_columns(organization_id=organization.pk, start=start, end=now)
    seconds["read"] = clock.perf_counter() - started

    mark = clock.perf_counter()
    draft = draft_policy(organization)
    draft_outcome = _replay(draft, columns, first=first, last=last, start=start)
    seconds["draft"] = clock.perf_counter() - mark

    mark = clock.perf_counter()
    live = current_policy(organization.pk)
    live_outcome = _replay(live, columns, first=first, last=last, start=start) if live else None
    seconds["live"] = clock.perf_counter() - mark

    team_ids = set(draft_outcome.requests_by_team) | set(
        live_outcome.requests_by_team if live_outcome else {}
    )
    names = dict(Team.objects.filter(organization=organization, pk__in=team_ids).values_list("pk", "name"))
    seconds["total"] = clock.perf_counter() - started
    return WhatIf(
        days=days,
        start=start,
        end=now,
        decisions=len(columns),
        currency=organization.base_currency,
        draft_number=draft.number,
        draft=draft_outcome,
        live_number=live.number if live else None,
        live=live_outcome,
        recorded=recorded_outcome(columns, live),
        team_names=names,
        seconds=seconds,
    )
