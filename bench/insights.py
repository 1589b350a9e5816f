"""Benchmark: the dashboard over 1,000,000 decisions on PostgreSQL (target: ≤ 1 s), beside raw SQL.

Uses bench/reports_data.py's organization (run bench/whatif.py first, or without --reuse this loads
it). Times `dashboard_for(admin, days=30)` - every table the page shows - first with no day summed
yet (the first view sums the 29 closed days in one statement: leeway/reports/rollup.py), then as every
later view runs it (summed days read back, today and the open requests aggregated live); and, in the
same run, hand-written SQL computing the same aggregates straight from the decisions (spend per local
day, zones per team and per site, red requests' answer times, budget use), one statement each.

    .venv/bin/python bench/insights.py --reuse
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports_data

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
RAW = [
    """SELECT (created_at AT TIME ZONE %(tz)s)::date, count(*), sum(base_amount) FROM decisions_decision
       WHERE organization_id = %(org)s AND created_at >= %(start)s AND created_at < %(end)s
       AND status = 'approved' GROUP BY 1""",
    """SELECT team_id, count(*), count(*) FILTER (WHERE zone = 'green'),
       count(*) FILTER (WHERE zone = 'amber'),
       count(*) FILTER (WHERE zone = 'red'), sum(base_amount) FILTER (WHERE status = 'approved')
       FROM decisions_decision WHERE organization_id = %(org)s
       AND created_at >= %(start)s AND created_at < %(end)s
       GROUP BY 1""",
    """SELECT site_id, count(*), count(*) FILTER (WHERE zone = 'green'),
       count(*) FILTER (WHERE zone = 'amber'),
       count(*) FILTER (WHERE zone = 'red'), sum(base_amount) FILTER (WHERE status = 'approved')
       FROM decisions_decision WHERE organization_id = %(org)s
       AND created_at >= %(start)s AND created_at < %(end)s
       GROUP BY 1""",
    """SELECT team_id, count(*), count(*) FILTER (WHERE decided_at IS NOT NULL AND status <> 'pending'),
       count(*) FILTER (WHERE decided_at <= due_at AND status <> 'pending'),
       count(*) FILTER (WHERE decided_at - created_at <= interval '5 minutes')
       FROM decisions_decision WHERE organization_id = %(org)s
       AND created_at >= %(start)s AND created_at < %(end)s
       AND zone = 'red' GROUP BY 1""",
    """SELECT b.scope, b.period, sum(c.spent), count(*)
       FROM policy_budgetcounter c JOIN policy_budget b ON b.id = c.budget_id
       WHERE c.organization_id = %(org)s AND c.period_start >= %(first)s GROUP BY 1, 2""",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="leeway_bench_reports")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        reports_data.recreate(args.database)
    reports_data.setup_django(args.database)
    from django.core.management import call_command
    from django.db import connection

    from leeway.people.models import Member
    from leeway.reports.selectors import dashboard_for

    if not args.reuse:
        call_command("migrate", verbosity=0)
        reports_data.load(decisions=args.decisions, days=30, now=NOW)
    from leeway.reports.models import DecisionDay, OpenDecision, RolledDay

    admin = Member.objects.get(username="bench-admin")
    for model in (DecisionDay, OpenDecision, RolledDay):
        model.objects.filter(organization=admin.organization).delete()
    started = time.perf_counter()
    board = dashboard_for(admin, days=30, now=NOW)
    first_view = time.perf_counter() - started
    print(f"first view (sums the closed days): {first_view:.3f} s; {DecisionDay.objects.count():,} day rows")
    params = {
        "tz": admin.organization.time_zone,
        "org": admin.organization_id,
        "start": board.start,
        "end": board.end,
        "first": board.first.replace(day=1),
    }
    ours, raw = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        board = dashboard_for(admin, days=30, now=NOW)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in RAW:
                cursor.execute(statement, params)
                cursor.fetchall()
        raw.append(time.perf_counter() - started)
    decisions = sum(row[1] for row in board.tables["zones_team"].rows)
    print(f"decisions in the 30 days: {decisions:,}")
    print(
        "dashboard_for (ORM) s: "
        + " / ".join(f"{t:.3f}" for t in ours)
        + f" · median {statistics.median(ours):.3f}"
    )
    print(
        "raw SQL aggregates s:  "
        + " / ".join(f"{t:.3f}" for t in raw)
        + f" · median {statistics.median(raw):.3f}"
    )
    print(f"ratio dashboard / raw: {statistics.median(ours) / statistics.median(raw):.2f}")


if __name__ == "__main__":
    main()
