"""Reads of recognition: the celebration feed, streaks, milestones, an agent's page, the admins' figures.

No ranking anywhere: lists of people are in alphabetical order, and the figures for admins (share
recognised, Gini coefficient) describe the programme, never a person's place in it.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Min, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leeway.core.errors import InvalidInput
from leeway.core.tenancy import get_for, scoped
from leeway.decisions.models import Decision, DecisionStatus
from leeway.decisions.selectors import decision_for, decision_in_organization
from leeway.people.models import Member, Organization, Role, Site, Team
from leeway.recognition.models import Award, AwardPeriod, AwardStatus, Celebration, CompanyValue, Kudos
from leeway.recognition.services import (
    _zone,
    customer_first_name,
    customer_words_from,
    decision_path,
    first_name,
    gesture_name,
    month_start,
    value_kept,
    value_name,
)

FEED_RELATED = ("decision", "decision__customer", "decision__gesture", "decision__agent", "agent")
STREAK_WEEKS = 26
MILESTONE_DAYS = 30


def recognition_decision_for(member: Member, public_id) -> Decision:
    """An approved decision of the member's organization to recognise (another organization's: NotFound).

    Recognition is about approved decisions, which any colleague may praise; a pending or declined one
    stays visible only to those who may read it anyway (its agent, their lead, managers, admins).
    """
    decision = decision_in_organization(member, public_id)
    if decision.status != DecisionStatus.APPROVED:
        return decision_for(member, public_id)
    return decision


def company_values_for(member_or_organization, *, active_only: bool = False) -> QuerySet:
    organization_id = getattr(member_or_organization, "organization_id", None) or member_or_organization.pk
    queryset = CompanyValue.objects.filter(organization_id=organization_id).prefetch_related("translations")
    if active_only:
        queryset = queryset.filter(active=True)
    return queryset.order_by("position", "code")


def company_value_for(member: Member, value_id: int) -> CompanyValue:
    return get_for(member, CompanyValue, pk=value_id)


def award_for(member: Member, award_id) -> Award:
    return get_for(
        member, Award.objects.select_related("decision", "site", "agent", "nominated_by"), pk=award_id
    )


def site_for(member: Member, site_id) -> Site | None:
    if site_id in (None, ""):
        return None
    return get_for(member, Site, pk=site_id)


def team_for(member: Member, team_id) -> Team | None:
    if team_id in (None, ""):
        return None
    return get_for(member, Team, pk=team_id)


def _scope(queryset: QuerySet, *, prefix: str, site: Site | None, team: Team | None) -> QuerySet:
    if site is not None:
        queryset = queryset.filter(**{f"{prefix}site_id": site.pk})
    if team is not None:
        queryset = queryset.filter(**{f"{prefix}team_id": team.pk})
    return queryset


def _decision_facts(decision: Decision, language: str) -> dict:
    return {
        "decision": str(decision.public_id),
        "agent": first_name(decision.agent),
        "agent_id": decision.agent_id,
        "gesture": gesture_name(decision.gesture, language),
        "amount": decision.amount,
        "currency": decision.currency,
        "customer_first_name": customer_first_name(decision.customer),
        "url": decision_path(decision),
    }


def feed_for(
    member: Member, *, site: Site | None = None, team: Team | None = None, limit: int = 30, offset: int = 0
) -> list[dict]:
    """Celebrated decisions, kudos and confirmed awards (organization, site or team), newest first."""
    language = translation.get_language() or member.organization.default_language
    window = offset + limit
    celebrations = _scope(
        scoped(Celebration.objects.select_related(*FEED_RELATED, "by"), member),
        prefix="decision__",
        site=site,
        team=team,
    ).order_by("-created_at", "-id")[:window]
    kudos = _scope(
        scoped(Kudos.objects.select_related(*FEED_RELATED, "giver", "company_value"), member),
        prefix="decision__",
        site=site,
        team=team,
    ).order_by("-created_at", "-id")[:window]
    awards = _scope(
        scoped(Award.objects.select_related(*FEED_RELATED, "confirmed_by", "site"), member).filter(
            status=AwardStatus.CONFIRMED
        ),
        prefix="decision__",
        site=site,
        team=team,
    ).order_by("-confirmed_at", "-id")[:window]
    items = []
    for celebration in celebrations:
        items.append(
            {
                "kind": "celebrated",
                "id": f"celebration-{celebration.pk}",
                "at": celebration.created_at,
                "by": first_name(celebration.by),
                "customer_words": celebration.customer_words,
                **_decision_facts(celebration.decision, language),
            }
        )
    for item in kudos:
        items.append(
            {
                "kind": "kudos",
                "id": f"kudos-{item.pk}",
                "at": item.created_at,
                "by": first_name(item.giver),
                "company_value": value_name(item.company_value, language),
                "points": item.points,
                "message": item.message,
                **_decision_facts(item.decision, language),
            }
        )
    for award in awards:
        items.append(
            {
                "kind": "award",
                "id": f"award-{award.pk}",
                "at": award.confirmed_at,
                "by": first_name(award.confirmed_by),
                "award_period": award.period,
                "award_label": AwardPeriod(award.period).label,
                "site": award.site.name,
                "period_start": award.period_start,
                "customer_words": customer_words_from(award.decision),
                **_decision_facts(award.decision, language),
            }
        )
    items.sort(key=lambda entry: entry["at"], reverse=True)
    return items[offset:window]


def _protected(organization_id: int) -> QuerySet:
    return Decision.objects.filter(
        organization_id=organization_id, status=DecisionStatus.APPROVED, protected=True
    )


def _week_of(moment: datetime, zone) -> date:
    local = timezone.localtime(moment, zone).date()
    return local - timedelta(days=local.weekday())


def streaks_for(
    organization: Organization,
    *,
    site: Site | None = None,
    team: Team | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Agents with a streak of two or more consecutive weeks with a protected decision, by name (no ranking).

    A streak counts back from this week, or from last week while this one has none yet (a Monday
    morning does not break a streak).
    """
    now = now or timezone.now()
    zone = _zone(organization.time_zone)
    this_week = _week_of(now, zone)
    since = now - timedelta(weeks=STREAK_WEEKS)
    decisions = _scope(
        _protected(organization.pk).filter(created_at__gte=since), prefix="", site=site, team=team
    )
    weeks: dict[int, set[date]] = defaultdict(set)
    for agent_id, created_at in decisions.values_list("agent_id", "created_at"):
        weeks[agent_id].add(_week_of(created_at, zone))
    streaks = {}
    for agent_id, seen in weeks.items():
        week = this_week if this_week in seen else this_week - timedelta(weeks=1)
        length = 0
        while week in seen:
            length += 1
            week -= timedelta(weeks=1)
        if length >= 2:
            streaks[agent_id] = length
    agents = Member.objects.filter(pk__in=streaks, is_active=True)
    rows = [
        {"agent_id": agent.pk, "agent": first_name(agent), "weeks": streaks[agent.pk]} for agent in agents
    ]
    return sorted(rows, key=lambda row: row["agent"].casefold())


def milestones_for(
    organization: Organization,
    *,
    site: Site | None = None,
    team: Team | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Agents whose first empowered (protected) decision came in the last 30 days, by name."""
    now = now or timezone.now()
    firsts = (
        _protected(organization.pk)
        .values("agent_id")
        .annotate(first=Min("created_at"))
        .filter(first__gte=now - timedelta(days=MILESTONE_DAYS))
    )
    first_at = {row["agent_id"]: row["first"] for row in firsts}
    agents = Member.objects.filter(pk__in=first_at, is_active=True)
    if site is not None:
        agents = agents.filter(team__site_id=site.pk)
    if team is not None:
        agents = agents.filter(team_id=team.pk)
    rows = [{"agent_id": agent.pk, "agent": first_name(agent), "at": first_at[agent.pk]} for agent in agents]
    return sorted(rows, key=lambda row: row["agent"].casefold())


def values_this_month(
    organization: Organization,
    *,
    site: Site | None = None,
    team: Team | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """How often each active company value was named in kudos this month (the values, not the people)."""
    language = translation.get_language() or organization.default_language
    start = month_start(organization, now)
    zone = _zone(organization.time_zone)
    since = datetime(start.year, start.month, 1, tzinfo=zone)
    kudos = _scope(
        Kudos.objects.filter(organization_id=organization.pk, created_at__gte=since),
        prefix="decision__",
        site=site,
        team=team,
    )
    counts = Counter(kudos.values_list("company_value_id", flat=True))
    return [
        {"code": value.code, "name": value_name(value, language), "kudos": counts.get(value.pk, 0)}
        for value in company_values_for(organization, active_only=True)
    ]


def recent_to_recognise(member: Member, *, days: int = 14, limit: int = 8) -> list[Decision]:
    """Approved decisions of the member's team by others, newest first: what a peer or lead may praise."""
    if not member.team_id or member.role not in (Role.AGENT, Role.LEAD):
        return []
    since = timezone.now() - timedelta(days=days)
    return list(
        Decision.objects.filter(
            organization_id=member.organization_id,
            team_id=member.team_id,
            status=DecisionStatus.APPROVED,
            created_at__gte=since,
        )
        .exclude(agent_id=member.pk)
        .select_related("customer", "gesture", "agent")
        .order_by("-created_at", "-id")[:limit]
    )


def given_by(member: Member, decisions) -> set[int]:
    """Which of these decisions the member already praised."""
    return set(
        Kudos.objects.filter(giver=member, decision_id__in=[d.pk for d in decisions]).values_list(
            "decision_id", flat=True
        )
    )


def celebrated_ids(decisions) -> set[int]:
    return set(
        Celebration.objects.filter(decision_id__in=[d.pk for d in decisions]).values_list(
            "decision_id", flat=True
        )
    )


def decision_recognition(decision: Decision) -> dict:
    """Everything recognition knows about one decision: its celebration, kudos and awards."""
    return {
        "celebration": Celebration.objects.select_related("by").filter(decision=decision).first(),
        "kudos": list(
            Kudos.objects.filter(decision=decision)
            .select_related("giver", "company_value")
            .order_by("created_at")
        ),
        "awards": list(
            Award.objects.filter(decision=decision).select_related("site", "nominated_by", "confirmed_by")
        ),
        "customer_first_name": customer_first_name(decision.customer),
        "customer_words": customer_words_from(decision),
        "value_kept": value_kept(decision),
    }


def celebrated_decisions_of(member: Member, *, limit: int = 5) -> list[dict]:
    """The member's own decisions that others celebrated, praised or awarded, newest first (the home page)."""
    if not member.organization_id:
        return []
    language = translation.get_language() or member.organization.default_language
    latest: dict[int, datetime] = {}
    for model, field in ((Celebration, "created_at"), (Kudos, "created_at"), (Award, "confirmed_at")):
        rows = model.objects.filter(organization_id=member.organization_id, agent=member)
        if model is Award:
            rows = rows.filter(status=AwardStatus.CONFIRMED)
        for decision_id, at in rows.values_list("decision_id", field):
            if decision_id not in latest or at > latest[decision_id]:
                latest[decision_id] = at
    chosen = sorted(latest, key=lambda decision_id: latest[decision_id], reverse=True)[:limit]
    decisions = {
        d.pk: d for d in Decision.objects.filter(pk__in=chosen).select_related("customer", "gesture", "agent")
    }
    kudos_counts = Counter(Kudos.objects.filter(decision_id__in=chosen).values_list("decision_id", flat=True))
    celebrations = {
        c.decision_id: c for c in Celebration.objects.filter(decision_id__in=chosen).select_related("by")
    }
    awards = defaultdict(list)
    for award in Award.objects.filter(decision_id__in=chosen, status=AwardStatus.CONFIRMED):
        awards[award.decision_id].append(AwardPeriod(award.period).label)
    items = []
    with translation.override(language):
        for decision_id in chosen:
            decision = decisions[decision_id]
            customer = customer_first_name(decision.customer)
            gesture = gesture_name(decision.gesture, language)
            headline = _("%(gesture)s for %(customer)s") % {"gesture": gesture, "customer": customer}
            parts = []
            if decision_id in celebrations:
                parts.append(_("celebrated by %(name)s") % {"name": first_name(celebrations[decision_id].by)})
            if kudos_counts.get(decision_id):
                count = kudos_counts[decision_id]
                parts.append(ngettext("%(count)s kudos", "%(count)s kudos", count) % {"count": count})
            parts.extend(str(label) for label in awards.get(decision_id, []))
            words = celebrations[decision_id].customer_words if decision_id in celebrations else ""
            items.append(
                {
                    "headline": headline,
                    "detail": " · ".join(parts),
                    "words": words,
                    "url": decision_path(decision),
                }
            )
    return items


def agent_page_for(member: Member, agent_id: int) -> dict:
    """An agent's recognition page: their celebrated decisions, kudos received, awards, streak, milestone."""
    agent = get_for(member, Member.objects.filter(role__in=(Role.AGENT, Role.LEAD)), pk=agent_id)
    organization = member.organization
    streak = next((row["weeks"] for row in streaks_for(organization) if row["agent_id"] == agent.pk), 0)
    first = _protected(organization.pk).filter(agent=agent).aggregate(first=Min("created_at"))["first"]
    return {
        "agent": agent,
        "agent_name": first_name(agent),
        "celebrated": celebrated_decisions_of(agent, limit=20),
        "awards": list(
            Award.objects.filter(organization_id=organization.pk, agent=agent, status=AwardStatus.CONFIRMED)
            .select_related("decision", "decision__gesture", "decision__customer", "site")
            .order_by("-period_start")
        ),
        "kudos": list(
            Kudos.objects.filter(organization_id=organization.pk, agent=agent)
            .select_related("giver", "company_value", "decision", "decision__gesture", "decision__customer")
            .order_by("-created_at")[:20]
        ),
        "streak": streak,
        "first_protected_at": first,
    }


def nominations_for(member: Member) -> QuerySet:
    """Awards waiting for a manager's confirmation, and the confirmed ones, newest period first."""
    return scoped(
        Award.objects.select_related(
            "decision",
            "decision__gesture",
            "decision__customer",
            "agent",
            "site",
            "nominated_by",
            "confirmed_by",
        ),
        member,
    ).order_by("status", "-period_start", "-id")


# --- The admins' figures ------------------------------------------------------------------------


def gini(values: list[int]) -> float:
    """The Gini coefficient of non-negative counts: 0 when everyone has the same, near 1 when one has all."""
    values = sorted(values)
    count, total = len(values), sum(values)
    if count == 0 or total == 0:
        return 0.0
    weighted = sum((index + 1) * value for index, value in enumerate(values))
    return (2 * weighted) / (count * total) - (count + 1) / count


@dataclass(frozen=True)
class RecognitionStats:
    month: date
    agents: int
    recognised: int
    share: float
    gini: float
    recognitions: int


# Months whose neighbours and local bounds are dates too: year 9999's December has no next month, and
# year 1's first instant in a zone east of UTC falls before the first datetime.
MONTH_YEARS = range(1900, 9999)


def parse_month(text: str | None) -> date | None:
    """A month as YYYY-MM (its first day), or None when absent; refused when malformed or out of range."""
    if not text:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", str(text)):
            raise ValueError
        year, month = (int(part) for part in str(text).split("-"))
        if year not in MONTH_YEARS:
            raise ValueError
        return date(year, month, 1)
    except ValueError:
        raise InvalidInput(
            _("Give the month as YYYY-MM, e.g. 2026-11."), code="invalid_month", field="month"
        ) from None


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def recognitions_per_agent(organization: Organization, *, month: date) -> dict[int, int]:
    """Recognitions (kudos received, celebrations, confirmed awards) per active agent in that month."""
    zone = _zone(organization.time_zone)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = datetime(end_month.year, end_month.month, 1, tzinfo=zone)
    agents = list(
        Member.objects.filter(organization=organization, role=Role.AGENT, is_active=True).values_list(
            "pk", flat=True
        )
    )
    counts = dict.fromkeys(agents, 0)
    sources = [
        Kudos.objects.filter(organization_id=organization.pk, created_at__gte=start, created_at__lt=end),
        Celebration.objects.filter(
            organization_id=organization.pk, created_at__gte=start, created_at__lt=end
        ),
        Award.objects.filter(
            organization_id=organization.pk,
            status=AwardStatus.CONFIRMED,
            confirmed_at__gte=start,
            confirmed_at__lt=end,
        ),
    ]
    for rows in sources:
        for agent_id in rows.filter(agent_id__in=agents).values_list("agent_id", flat=True):
            counts[agent_id] += 1
    return counts


def recognition_stats(organization: Organization, *, month: date | None = None) -> RecognitionStats:
    """Share of agents recognised at least once in the month, and how concentrated recognition is (Gini)."""
    month = month or month_start(organization)
    counts = recognitions_per_agent(organization, month=month)
    agents = len(counts)
    recognised = sum(1 for value in counts.values() if value > 0)
    return RecognitionStats(
        month=month,
        agents=agents,
        recognised=recognised,
        share=(recognised / agents) if agents else 0.0,
        gini=gini(list(counts.values())),
        recognitions=sum(counts.values()),
    )


# --- The weekly digest --------------------------------------------------------------------------


def digest_for(team: Team, *, since: datetime, until: datetime, language: str) -> dict:
    """What the team celebrated in the week: celebrations, kudos, awards, and cost against value kept."""
    base_currency = team.organization.base_currency
    decision_ids = set()
    celebrations = list(
        Celebration.objects.filter(decision__team=team, created_at__gte=since, created_at__lt=until)
        .select_related(*FEED_RELATED, "by")
        .order_by("created_at")
    )
    kudos = list(
        Kudos.objects.filter(decision__team=team, created_at__gte=since, created_at__lt=until)
        .select_related(*FEED_RELATED, "giver", "company_value")
        .order_by("created_at")
    )
    awards = list(
        Award.objects.filter(
            decision__team=team, status=AwardStatus.CONFIRMED, confirmed_at__gte=since, confirmed_at__lt=until
        )
        .select_related(*FEED_RELATED, "site")
        .order_by("confirmed_at")
    )
    for row in (*celebrations, *kudos, *awards):
        decision_ids.add(row.decision_id)
    decisions = Decision.objects.filter(pk__in=decision_ids).select_related("customer")
    cost = sum((d.base_amount for d in decisions), Decimal("0.00"))
    kept = sum((value_kept(d) or Decimal("0.00") for d in decisions), Decimal("0.00"))
    with translation.override(language):
        return {
            "team": team,
            "since": since,
            "until": until,
            "celebrations": [
                {
                    "agent": first_name(c.decision.agent),
                    "by": first_name(c.by),
                    "gesture": gesture_name(c.decision.gesture, language),
                    "customer": customer_first_name(c.decision.customer),
                    "words": c.customer_words,
                    "path": decision_path(c.decision),
                }
                for c in celebrations
            ],
            "kudos": [
                {
                    "agent": first_name(k.decision.agent),
                    "by": first_name(k.giver),
                    "value": value_name(k.company_value, language),
                    "message": k.message,
                    "gesture": gesture_name(k.decision.gesture, language),
                }
                for k in kudos
            ],
            "awards": [
                {
                    "agent": first_name(a.decision.agent),
                    "label": str(AwardPeriod(a.period).label),
                    "gesture": gesture_name(a.decision.gesture, language),
                    "site": a.site.name,
                }
                for a in awards
            ],
            "decisions": len(decision_ids),
            "cost": cost,
            "value_kept": kept,
            "currency": base_currency,
        }


def digest_recipients(team: Team) -> list[Member]:
    """The team's active members with an e-mail address (agents and leads)."""
    return list(Member.objects.filter(team=team, is_active=True).exclude(email="").order_by("username"))


def teams_for_digest(*, team_ids: list[int] | None = None) -> QuerySet:
    teams = Team.objects.select_related("organization", "site")
    if team_ids:
        teams = teams.filter(pk__in=team_ids)
    return teams.order_by("organization_id", "name")


def member_filters(member: Member) -> dict:
    return {
        "sites": list(scoped(Site, member).order_by("name")),
        "teams": list(scoped(Team, member).order_by("name")),
    }
