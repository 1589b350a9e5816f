"""The what-if as tables (zones, budgets, requests by team), for the page, its CSV export and the API."""

from django.utils.translation import gettext as _

from leeway.policy.budgets import budget_name
from leeway.reports.selectors import Column, Table
from leeway.reports.whatif import WhatIf
from leeway.reports.whatif.replay import ZONES


def zone_labels() -> dict[str, str]:
    return {"green": _("Green"), "amber": _("Amber"), "red": _("Red: requests to leads")}


def whatif_tables(result: WhatIf) -> dict[str, Table]:
    live = result.live
    zones = Table(
        "zones",
        _("Zones"),
        [
            Column("zone", _("Zone")),
            Column("recorded", _("As recorded"), "count"),
            Column("live", _("Live version, replayed"), "count"),
            Column("draft", _("Draft, replayed"), "count"),
            Column("change", _("Change"), "signed"),
        ],
    )
    labels = zone_labels()
    for zone in ZONES:
        live_count = live.zones[zone] if live else None
        draft_count = result.draft.zones[zone]
        zones.rows.append(
            [
                labels[zone],
                result.recorded.zones[zone],
                live_count,
                draft_count,
                None if live_count is None else draft_count - live_count,
            ]
        )
    spend = Table(
        "spend",
        _("Money"),
        [
            Column("figure", _("Figure")),
            Column("recorded", _("As recorded"), "money"),
            Column("live", _("Live version, replayed"), "money"),
            Column("draft", _("Draft, replayed"), "money"),
            Column("change", _("Change"), "money"),
        ],
    )
    for label, attribute in (
        (_("Approved at once (green and amber)"), "approved_spend"),
        (_("Asked in requests to leads"), "request_amount"),
    ):
        current = getattr(live, attribute) if live else None
        draft = getattr(result.draft, attribute)
        recorded = getattr(result.recorded, attribute)
        spend.rows.append([label, recorded, current, draft, None if current is None else draft - current])

    budgets = Table(
        "budgets",
        _("Spend by budget"),
        [
            Column("budget", _("Budget")),
            Column("cap", _("Cap in the draft"), "money"),
            Column("live", _("Live version: spend"), "money"),
            Column("draft", _("Draft: spend"), "money"),
            Column("live_requests", _("Live version: requests it causes"), "count"),
            Column("draft_requests", _("Draft: requests it causes"), "count"),
        ],
    )
    for row in result.budget_rows():
        draft, current = row.get("draft"), row.get("live")
        budgets.rows.append(
            [
                budget_name(row["scope"], row["period"]),
                draft.cap if draft else None,
                current.spent if current else None,
                draft.spent if draft else None,
                current.requests if current else None,
                draft.requests if draft else None,
            ]
        )

    teams = Table(
        "teams",
        _("Requests to leads, by team"),
        [
            Column("team", _("Team")),
            Column("live", _("Live version"), "count"),
            Column("draft", _("Draft"), "count"),
        ],
    )
    for row in result.requests_by_team():
        teams.rows.append([row["team"], row["live"], row["draft"]])

    causes = Table(
        "causes",
        _("Why requests go to a lead"),
        [
            Column("cause", _("Cause")),
            Column("live", _("Live version"), "count"),
            Column("draft", _("Draft"), "count"),
        ],
    )
    cause_labels = {
        "limit": _("Beyond the stretch limit, or no rule for the tier"),
        "customer_cap": _("A per-customer cap"),
        "budget": _("A budget would be passed"),
    }
    for cause, label in cause_labels.items():
        causes.rows.append(
            [
                label,
                live.requests_by_cause.get(cause, 0) if live else None,
                result.draft.requests_by_cause[cause],
            ]
        )
    return {table.key: table for table in (zones, spend, causes, budgets, teams)}
