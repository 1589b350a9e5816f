"""Benchmark: the policy what-if over 1,000,000 decisions on PostgreSQL (target: ≤ 10 s).

Loads bench/reports_data.py's organization into a fresh database (setup, not measured), changes the
draft the way an admin would before publishing (the starter tier's green limit for `waive_fee` from
50.00 to 75.00, the agent's daily budget from 200.00 to 250.00), then times `policy_whatif` over the
last 30 days: reading the decisions, the replay under the draft and the replay under the live version.
`--stress` also lowers the agent's daily budget to 60.00, so most counters fill and the replay one by
one carries most decisions (the worst case of the trick in leeway/reports/whatif/replay.py).

Usage (from the repository root; PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    .venv/bin/python bench/whatif.py                       # 1,000,000 decisions, 3 timed runs
    .venv/bin/python bench/whatif.py --decisions 100000 --reuse
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reports_data

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="leeway_bench_reports")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--stress", action="store_true")
    args = parser.parse_args()
    if not args.reuse:
        reports_data.recreate(args.database)
    reports_data.setup_django(args.database)
    from django.core.management import call_command

    from leeway.people.models import Organization
    from leeway.policy.models import AuthorityRule, Budget
    from leeway.policy.services import policy_diff, policy_publish
    from leeway.reports.whatif import policy_whatif

    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        loaded = reports_data.load(decisions=args.decisions, days=30, now=NOW)
        print(f"loaded {loaded} in {time.perf_counter() - started:.0f} s (setup, not measured)")
    organization = Organization.objects.get(slug=reports_data.SLUG)
    # The live version has reports_data's caps (a database loaded by an older loader is brought up to them).
    for scope, period, cap in reports_data.BUDGETS:
        Budget.objects.filter(organization=organization, scope=scope, period=period).update(cap=cap)
    if policy_diff(organization=organization):
        policy_publish(organization=organization, actor=None, summary="bench caps")
    rule = AuthorityRule.objects.get(
        organization=organization, tier__code="starter", gesture__code="waive_fee"
    )
    AuthorityRule.objects.filter(pk=rule.pk).update(green_limit="75.00")
    Budget.objects.filter(organization=organization, scope="agent", period="day").update(
        cap="60.00" if args.stress else "250.00"
    )
    runs = []
    for _ in range(args.repeat):
        result = policy_whatif(organization=organization, days=30, now=NOW)
        runs.append(result)
        s = result.seconds
        print(
            f"read {s['read']:.2f} s · draft {s['draft']:.2f} s · live {s['live']:.2f} s"
            f" · total {s['total']:.2f} s"
        )
    last = runs[-1]
    print(f"decisions replayed: {last.decisions:,}")
    for label, outcome in (("draft", last.draft), ("live", last.live), ("recorded", last.recorded)):
        print(
            f"{label:9s} green {outcome.zones['green']:,} amber {outcome.zones['amber']:,}"
            f" red {outcome.zones['red']:,}"
            f" · approved {outcome.approved_spend:,} · one by one {outcome.replayed_one_by_one:,}"
            f" · evaluate calls {outcome.evaluate_calls:,}"
        )
    print(f"median total: {statistics.median(r.seconds['total'] for r in runs):.2f} s")
    cpu = subprocess.run(
        ["sh", "-c", "lscpu | grep 'Model name'"], capture_output=True, text=True
    ).stdout.strip()
    print(f"machine: {cpu} · {platform.python_version()} · {datetime.now(UTC):%Y-%m-%d}")


if __name__ == "__main__":
    main()
