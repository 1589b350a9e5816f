"""Summing closed days once (`models.DecisionDay`) and reading them back beside the live decisions.

`decision_partials` is what the dashboard's tables are summed from: one row per (team, site,
department, local day) with every count and sum. Past days come from `DecisionDay` (summed the
first time a dashboard needs them, in one statement for all missing days); today and the requests
that were still pending when their day was summed (`OpenDecision`) are aggregated live, by the same
statement. Figures in bench/README.md (bench/insights.py).
"""

from datetime import date, datetime, timedelta
from datetime import time as day_time
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay
from django.utils import timezone

from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.reports.models import DecisionDay, OpenDecision, RolledDay

# How long a red request waited for its answer, in minutes: the upper edge of each bucket (None: beyond).
ANSWER_BUCKETS = (2, 5, 15, 60, 240, None)
ANSWERED = Q(zone=Zone.RED) & Q(decided_at__isnull=False) & ~Q(status=DecisionStatus.PENDING)
KEYS = ("team_key", "site_key", "department_key", "day")
# How far back the worker's hourly round sums days (a dashboard asking further back sums the rest itself).
SUMMED_DAYS = 92


def bucket_key(upper: int | None) -> str:
    return f"waited_{upper or 'more'}"


def _aggregates() -> dict:
    approved = Q(status=DecisionStatus.APPROVED)
    aggregates = {
        "decisions": Count("id"),
        "green": Count("id", filter=Q(zone=Zone.GREEN)),
        "amber": Count("id", filter=Q(zone=Zone.AMBER)),
        "red": Count("id", filter=Q(zone=Zone.RED)),
        "approved": Count("id", filter=approved),
        "spent": Sum("base_amount", filter=approved),
        "red_pending": Count("id", filter=Q(zone=Zone.RED, status=DecisionStatus.PENDING)),
        "red_answered": Count("id", filter=ANSWERED),
        "red_in_time": Count("id", filter=ANSWERED & Q(decided_at__lte=F("due_at"))),
        "red_slow": Count("id", filter=ANSWERED & Q(waited__gt=timedelta(minutes=60))),
    }
    lower = None
    for upper in ANSWER_BUCKETS:
        condition = ANSWERED
        if lower is not None:
            condition &= Q(waited__gt=timedelta(minutes=lower))
        if upper is not None:
            condition &= Q(waited__lte=timedelta(minutes=upper))
        aggregates[bucket_key(upper)] = Count("id", filter=condition)
        lower = upper
    return aggregates


FIELDS = tuple(_aggregates())


def aggregate(decisions: QuerySet, time_zone: str) -> list[dict]:
    """Decisions summed by the database per (team, site, department, local day), in one statement."""
    rows = (
        decisions.order_by()
        .annotate(waited=ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField()))
        .values(
            team_key=F("team_id"),
            site_key=F("site_id"),
            department_key=F("department_id"),
            day=TruncDay("created_at", tzinfo=ZoneInfo(time_zone)),
        )
        .annotate(**_aggregates())
    )
    found = []
    for row in rows:
        if isinstance(row["day"], datetime):
            row["day"] = row["day"].date()
        row["spent"] = row["spent"] or 0
        found.append(row)
    return found


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, day_time(), tzinfo=zone)


def _recorded(organization_id: int) -> QuerySet:
    # Every status named: PostgreSQL then reads the (organization, status, created_at) index by ranges.
    return Decision.objects.filter(organization_id=organization_id, status__in=DecisionStatus.values)


def days_roll_up(*, organization_id: int, time_zone: str, first: date, last: date) -> None:
    """Sum the final decisions of every day in [first, last] not summed yet, in one statement."""
    zone = ZoneInfo(time_zone)
    done = set(
        RolledDay.objects.filter(organization_id=organization_id, day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )
    missing = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    missing = [day for day in missing if day not in done]
    if not missing:
        return
    start, end = _midnight(missing[0], zone), _midnight(missing[-1] + timedelta(days=1), zone)
    in_days = _recorded(organization_id).filter(created_at__gte=start, created_at__lt=end)
    wanted = set(missing)
    try:
        with transaction.atomic():
            now = timezone.now()
            # The unique (organization, day) rows first: a second reader summing the same days at the
            # same moment fails here and keeps the first one's sums.
            RolledDay.objects.bulk_create(
                [RolledDay(organization_id=organization_id, day=day, rolled_at=now) for day in missing]
            )
            final = in_days.exclude(status=DecisionStatus.PENDING)
            DecisionDay.objects.bulk_create(
                [
                    DecisionDay(organization_id=organization_id, **row)
                    for row in aggregate(final, time_zone)
                    if row["day"] in wanted
                ],
                batch_size=2000,
            )
            pending = in_days.filter(status=DecisionStatus.PENDING).values_list("pk", "created_at")
            OpenDecision.objects.bulk_create(
                [
                    OpenDecision(
                        organization_id=organization_id,
                        day=timezone.localtime(created, zone).date(),
                        decision_id=pk,
                    )
                    for pk, created in pending
                    if timezone.localtime(created, zone).date() in wanted
                ],
                batch_size=2000,
            )
    except IntegrityError:
        return


def decision_partials(
    *, organization_id: int, time_zone: str, department_id: int | None, first: date, now: datetime
) -> list[dict]:
    """Every decision from `first` (local) to `now`, summed per (team, site, department, local day)."""
    zone = ZoneInfo(time_zone)
    today = timezone.localtime(now, zone).date()
    yesterday = today - timedelta(days=1)
    if first <= yesterday:
        days_roll_up(organization_id=organization_id, time_zone=time_zone, first=first, last=yesterday)
    summed = DecisionDay.objects.filter(organization_id=organization_id, day__gte=first, day__lte=yesterday)
    if department_id is not None:
        summed = summed.filter(department_key=department_id)
    rows = list(summed.values(*KEYS, *FIELDS))
    live = _recorded(organization_id).filter(
        created_at__gte=_midnight(max(first, today), zone), created_at__lt=now
    )
    opened = OpenDecision.objects.filter(organization_id=organization_id, day__gte=first, day__lte=yesterday)
    reopened = _recorded(organization_id).filter(pk__in=opened.values("decision_id"))
    if department_id is not None:
        live, reopened = (
            live.filter(department_id=department_id),
            reopened.filter(department_id=department_id),
        )
    rows += aggregate(live, time_zone)
    rows += aggregate(reopened, time_zone)
    return rows
