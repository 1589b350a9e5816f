"""Background work for reports: every hour `leeway worker` sums the days just closed, before anyone asks."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks import task

from leeway.decisions.models import Decision
from leeway.people.models import Organization
from leeway.reports.models import RolledDay
from leeway.reports.rollup import SUMMED_DAYS, days_roll_up

ROLLUP_JOB = "reports.sum_closed_days"


@task()
def reports_days_roll_up() -> int:
    """Sum the closed days of the last SUMMED_DAYS days of every organization; how many organizations."""
    now = timezone.now()
    done = 0
    for organization in Organization.objects.only("pk", "time_zone"):
        last = timezone.localtime(now, ZoneInfo(organization.time_zone)).date() - timedelta(days=1)
        days_roll_up(
            organization_id=organization.pk,
            time_zone=organization.time_zone,
            first=last - timedelta(days=SUMMED_DAYS - 1),
            last=last,
        )
        done += 1
    return done


def reports_days_roll_up_enqueue() -> bool:
    """Enqueue the round only when some organization has a closed day with decisions not summed yet."""
    if not days_waiting():
        return False
    reports_days_roll_up.enqueue()
    return True


def days_waiting(now=None) -> bool:
    """Whether a decision was made on a closed day (before the organization's today) not summed yet."""
    now = now or timezone.now()
    for organization in Organization.objects.only("pk", "time_zone"):
        zone = ZoneInfo(organization.time_zone)
        today = timezone.localtime(now, zone).date()
        first = today - timedelta(days=SUMMED_DAYS)
        summed = RolledDay.objects.filter(organization=organization, day__gte=first).values_list(
            "day", flat=True
        )
        latest = max(summed, default=first - timedelta(days=1))
        since = datetime.combine(latest + timedelta(days=1), time(), tzinfo=zone)
        midnight = datetime.combine(today, time(), tzinfo=zone)
        if Decision.objects.filter(
            organization=organization, created_at__gte=since, created_at__lt=midnight
        ).exists():
            return True
    return False
