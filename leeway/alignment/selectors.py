"""Reads of the alignment app: one way to reach each object, charters, feedback, the Backing Index, pulses."""

import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from leeway.alignment.models import (
    BackingEvent,
    Charter,
    CharterSignature,
    Dispute,
    DisputeOutcome,
    Feedback,
    PolicyProposal,
    Pulse,
    PulseComment,
    PulseQuestion,
    PulseRespondent,
    PulseTally,
    PulseTeam,
)
from leeway.core.errors import Forbidden
from leeway.core.tenancy import get_for, scoped
from leeway.decisions.models import Decision, DecisionStatus, Zone
from leeway.people.models import Department, Member, Role

# Results of a pulse are shown only for groups of at least this many answers; comments need more.
PULSE_MIN_ANSWERS = 5
PULSE_MIN_COMMENT_ANSWERS = 10
BACKING_TARGET = 0.05  # under 5 % of protected decisions drawing negative feedback or a concern
BACKING_WEEKS = 8


# --- One way to reach an object


def get_charter_for(member: Member, charter_id) -> Charter:
    return get_for(member, Charter.objects.select_related("department"), pk=charter_id)


def get_feedback_for(member: Member, feedback_id) -> Feedback:
    return get_for(member, Feedback.objects.select_related("decision", "author", "agent"), pk=feedback_id)


def get_dispute_for(member: Member, dispute_id) -> Dispute:
    return get_for(
        member,
        Dispute.objects.select_related("feedback__decision", "feedback__author", "agent"),
        pk=dispute_id,
    )


def get_proposal_for(member: Member, proposal_id) -> PolicyProposal:
    return get_for(
        member,
        PolicyProposal.objects.select_related("decision__gesture", "decision__policy_version", "raised_by"),
        pk=proposal_id,
    )


def get_pulse_for(member: Member, pulse_id) -> Pulse:
    return get_for(member, Pulse, pk=pulse_id)


def get_department_for(member: Member, department_id) -> Department:
    return get_for(member, Department, pk=department_id)


def get_member_for(member: Member, member_id) -> Member:
    return get_for(member, Member, pk=member_id)


# --- Charters


@dataclass
class CharterStatus:
    """A department's current charter, who signed it and which of its managers has not."""

    department: Department
    charter: Charter | None
    signatures: list[CharterSignature]
    unsigned: list[Member]

    @property
    def signed_by_all(self) -> bool:
        return self.charter is not None and not self.unsigned


def department_managers(department: Department) -> QuerySet:
    return Member.objects.filter(
        organization_id=department.organization_id, role=Role.MANAGER, department=department, is_active=True
    ).order_by("first_name", "username")


def charter_status(department: Department) -> CharterStatus:
    charter = Charter.objects.filter(department=department).order_by("-version").first()
    signatures = (
        list(CharterSignature.objects.filter(charter=charter).select_related("manager")) if charter else []
    )
    signed = {signature.manager_id for signature in signatures}
    unsigned = [manager for manager in department_managers(department) if manager.pk not in signed]
    return CharterStatus(department=department, charter=charter, signatures=signatures, unsigned=unsigned)


def charter_statuses_for(member: Member) -> list[CharterStatus]:
    """Admins and analysts: every department; everyone else: their own department's."""
    if member.role in (Role.ADMIN, Role.ANALYST):
        return [charter_status(department) for department in scoped(Department, member).order_by("name")]
    department = member.home_department
    return [charter_status(department)] if department else []


# --- Feedback, disputes, proposals


def feedback_received(member: Member) -> QuerySet:
    return scoped(Feedback, member).filter(agent=member).select_related("decision__gesture", "author")


def feedback_on(decision: Decision) -> QuerySet:
    return Feedback.objects.filter(decision=decision).select_related("author", "agent").order_by("created_at")


def disputes_to_resolve(member: Member) -> QuerySet:
    """Open disputes this member could resolve (not about their own feedback)."""
    queryset = scoped(Dispute, member).filter(outcome=DisputeOutcome.OPEN).exclude(feedback__author=member)
    queryset = queryset.select_related("feedback__decision__gesture", "feedback__author", "agent")
    if member.role == Role.ADMIN:
        return queryset
    if member.role == Role.MANAGER and member.home_department:
        return queryset.filter(feedback__decision__department_id=member.home_department.pk)
    return queryset.none()


def policy_notes_for_agent(member: Member) -> QuerySet:
    """Concerns about this agent's decisions, shown to them as a question for the policy."""
    return scoped(PolicyProposal, member).filter(decision__agent=member).select_related("decision__gesture")


def open_proposals(member: Member) -> QuerySet:
    return scoped(PolicyProposal, member).select_related(
        "decision__gesture", "decision__policy_version", "raised_by"
    )


def recent_decisions_to_review(member: Member, *, limit: int = 30) -> list[Decision]:
    """Decisions a lead, manager or admin may give feedback on: their team's, department's or all."""
    queryset = scoped(Decision.objects.select_related("agent", "gesture", "customer"), member).exclude(
        agent=member
    )
    if member.role == Role.LEAD:
        if not member.team_id:
            return []
        queryset = queryset.filter(team_id=member.team_id)
    elif member.role == Role.MANAGER:
        department = member.home_department
        if department is None:
            return []
        queryset = queryset.filter(department_id=department.pk)
    elif member.role != Role.ADMIN:
        return []
    return list(queryset.order_by("-created_at")[:limit])


# --- The Backing Index


@dataclass
class WeekFigures:
    """One week of a member's or a department's backing of in-policy decisions."""

    start: date
    protected: int = 0
    flagged: int = 0
    red_answered: int = 0
    red_in_target: int = 0
    declines: int = 0
    timeouts: int = 0
    disputes_resolved: int = 0
    disputes_upheld: int = 0
    resolution_hours: list[float] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.flagged / self.protected if self.protected else None

    @property
    def share_percent(self) -> float | None:
        return None if self.share is None else round(self.share * 100, 1)

    @property
    def on_target(self) -> bool:
        return self.share is None or self.share < BACKING_TARGET

    @property
    def in_target_percent(self) -> float | None:
        return round(100 * self.red_in_target / self.red_answered, 1) if self.red_answered else None

    @property
    def median_resolution_hours(self) -> float | None:
        return round(statistics.median(self.resolution_hours), 1) if self.resolution_hours else None


@dataclass
class BackingIndex:
    """The weeks of one subject, oldest first, and the whole period's figures."""

    subject: str
    weeks: list[WeekFigures]
    total: WeekFigures


def _week_starts(organization, weeks: int, now: datetime) -> tuple[zoneinfo.ZoneInfo, list[date]]:
    zone = zoneinfo.ZoneInfo(organization.time_zone)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return zone, [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _bucket(moment: datetime | None, zone, starts: list[date]) -> int | None:
    if moment is None:
        return None
    day = moment.astimezone(zone).date()
    if day < starts[0]:
        return None
    index = (day - starts[0]).days // 7
    return index if index < len(starts) else None


def backing_index(
    *,
    organization,
    member: Member | None = None,
    department: Department | None = None,
    weeks: int = BACKING_WEEKS,
    now: datetime | None = None,
) -> BackingIndex:
    """Per week: protected decisions, the share that drew negative feedback or a concern, and more.

    For a member, the decisions are those of their team (lead), department (manager) or organization
    (admin), and only what they did counts; for a department, what anyone did.
    """
    now = now or timezone.now()
    zone, starts = _week_starts(organization, weeks, now)
    since = datetime.combine(starts[0], time.min, tzinfo=zone)
    decisions = Decision.objects.filter(organization_id=organization.pk)
    events = BackingEvent.objects.filter(organization_id=organization.pk)
    disputes = Dispute.objects.filter(organization_id=organization.pk, resolved_at__gte=since)
    answered = decisions.filter(zone=Zone.RED, decided_at__gte=since, auto_approved=False)
    declines = decisions.filter(status=DecisionStatus.DECLINED, decided_at__gte=since)
    if department is not None:
        scope = Q(department_id=department.pk)
        subject = department.name
        answered = answered.filter(scope)
        declines = declines.filter(scope)
        disputes = disputes.filter(feedback__decision__department_id=department.pk)
    else:
        subject = member.display_name
        if member.role == Role.LEAD:
            scope = Q(team_id=member.team_id) if member.team_id else Q(pk__in=[])
        elif member.role == Role.MANAGER:
            home = member.home_department
            scope = Q(department_id=home.pk) if home else Q(pk__in=[])
        else:
            scope = Q()
        events = events.filter(member=member)
        answered = answered.filter(decided_by=member)
        declines = declines.filter(decided_by=member)
        disputes = disputes.filter(feedback__author=member)
    protected = decisions.filter(scope, protected=True, created_at__gte=since)
    flagged_ids = set(events.filter(decision__in=protected).values_list("decision_id", flat=True))
    figures = [WeekFigures(start=start) for start in starts]
    for pk, created_at in protected.values_list("pk", "created_at"):
        index = _bucket(created_at, zone, starts)
        if index is not None:
            figures[index].protected += 1
            figures[index].flagged += pk in flagged_ids
    for decided_at, due_at in answered.values_list("decided_at", "due_at"):
        index = _bucket(decided_at, zone, starts)
        if index is not None:
            figures[index].red_answered += 1
            figures[index].red_in_target += due_at is None or decided_at <= due_at
    for (decided_at,) in declines.values_list("decided_at"):
        index = _bucket(decided_at, zone, starts)
        if index is not None:
            figures[index].declines += 1
    # A request nobody answered by its due time: approved on timeout or escalated to the managers.
    timeouts = decisions.filter(scope, Q(auto_approved=True) | Q(escalated=True), due_at__gte=since)
    for (due_at,) in timeouts.values_list("due_at"):
        index = _bucket(due_at, zone, starts)
        if index is not None:
            figures[index].timeouts += 1
    for created_at, resolved_at, outcome in disputes.values_list("created_at", "resolved_at", "outcome"):
        index = _bucket(resolved_at, zone, starts)
        if index is not None:
            week = figures[index]
            week.disputes_resolved += 1
            week.disputes_upheld += outcome in (DisputeOutcome.UPHELD, DisputeOutcome.PARTLY_UPHELD)
            week.resolution_hours.append((resolved_at - created_at).total_seconds() / 3600)
    total = WeekFigures(start=starts[0])
    for week in figures:
        for name in (
            "protected",
            "flagged",
            "red_answered",
            "red_in_target",
            "declines",
            "timeouts",
            "disputes_resolved",
            "disputes_upheld",
        ):
            setattr(total, name, getattr(total, name) + getattr(week, name))
        total.resolution_hours += week.resolution_hours
    return BackingIndex(subject=subject, weeks=figures, total=total)


def backing_chart(index: BackingIndex, *, width: int = 640, height: int = 120) -> dict:
    """Bars of the weekly share (0 to 20 %) with the 5 % target line, for a small server-drawn SVG."""
    ceiling = max(0.2, max((week.share or 0) for week in index.weeks))
    slot = width / max(len(index.weeks), 1)
    bars = []
    for position, week in enumerate(index.weeks):
        share = week.share or 0
        bar_height = round(share / ceiling * (height - 20), 1)
        bars.append(
            {
                "x": round(position * slot + slot * 0.15, 1),
                "y": round(height - 16 - bar_height, 1),
                "width": round(slot * 0.7, 1),
                "height": bar_height,
                "label_x": round(position * slot + slot / 2, 1),
                "week": week,
            }
        )
    target_y = round(height - 16 - BACKING_TARGET / ceiling * (height - 20), 1)
    return {"width": width, "height": height, "bars": bars, "target_y": target_y, "label_y": height - 3}


def backing_subjects_for(member: Member) -> dict:
    """Whose index the member may read: their own; a manager also their department; an admin everyone."""
    if member.role == Role.ADMIN:
        departments = list(scoped(Department, member).order_by("name"))
        people = list(
            scoped(Member, member)
            .filter(role__in=(Role.LEAD, Role.MANAGER), is_active=True)
            .order_by("username")
        )
        return {"departments": departments, "members": people}
    departments = [member.home_department] if member.role == Role.MANAGER and member.home_department else []
    return {
        "departments": departments,
        "members": [member] if member.role in (Role.LEAD, Role.MANAGER) else [],
    }


def check_can_read_backing(
    viewer: Member, *, department: Department | None = None, member: Member | None = None
):
    subjects = backing_subjects_for(viewer)
    if department is not None and department.pk not in {item.pk for item in subjects["departments"]}:
        raise Forbidden()
    if member is not None and member.pk not in {item.pk for item in subjects["members"]}:
        raise Forbidden()


# --- The fear pulse


@dataclass
class QuestionResult:
    question: str
    label: str
    mean: float
    agree_percent: float


@dataclass
class GroupResult:
    """One group's results, or only its name when they could identify anyone."""

    kind: str  # organization, department, site, team
    key: str
    name: str
    teams: frozenset
    answers: int = 0
    published: bool = False
    questions: list[QuestionResult] = field(default_factory=list)
    comments: list[str] | None = None


def safe_groups(groups: list[GroupResult], counts: dict[int, int], minimum: int) -> list[GroupResult]:
    """The groups whose figures may be shown together, in priority order, so no fewer than `minimum` leak.

    Anyone can add and subtract the figures of shown groups. Whatever they compute is constant on each
    "atom": the teams that belong to exactly the same shown groups. So if every atom of the shown
    groups holds no answer or at least `minimum` answers, no combination of shown figures isolates
    fewer people (team A+B shown beside team A would isolate team B). A group is shown only if it has
    `minimum` answers and keeps every atom so; otherwise it is suppressed.
    """
    shown: list[GroupResult] = []
    for group in groups:
        if sum(counts.get(team, 0) for team in group.teams) < minimum:
            continue
        if _atoms_are_safe([*shown, group], counts, minimum):
            shown.append(group)
    return shown


def _atoms_are_safe(groups: list[GroupResult], counts: dict[int, int], minimum: int) -> bool:
    atoms: dict[frozenset, int] = defaultdict(int)
    for team, answers in counts.items():
        signature = frozenset(index for index, group in enumerate(groups) if team in group.teams)
        if signature:  # a team in no shown group cannot be reached by any sum of them
            atoms[signature] += answers
    return all(answers == 0 or answers >= minimum for answers in atoms.values())


def pulse_groups(pulse: Pulse) -> tuple[list[GroupResult], dict[int, int], list[PulseTeam]]:
    """Every group a pulse could report, largest first: organization, departments, sites, teams."""
    pulse_teams = list(PulseTeam.objects.filter(pulse=pulse).select_related("team__department", "team__site"))
    counts = {pulse_team.team_id: pulse_team.answers for pulse_team in pulse_teams}
    everyone = frozenset(counts)
    groups = [
        GroupResult(kind="organization", key="organization", name=pulse.organization.name, teams=everyone)
    ]
    departments: dict[int, list] = defaultdict(list)
    sites: dict[int, list] = defaultdict(list)
    for pulse_team in pulse_teams:
        departments[pulse_team.team.department_id].append(pulse_team.team)
        sites[pulse_team.team.site_id].append(pulse_team.team)
    for teams in sorted(departments.values(), key=lambda teams: teams[0].department.name):
        department = teams[0].department
        groups.append(
            GroupResult(
                kind="department",
                key=f"department-{department.pk}",
                name=department.name,
                teams=frozenset(team.pk for team in teams),
            )
        )
    for teams in sorted(sites.values(), key=lambda teams: teams[0].site.name):
        site = teams[0].site
        groups.append(
            GroupResult(
                kind="site", key=f"site-{site.pk}", name=site.name, teams=frozenset(team.pk for team in teams)
            )
        )
    for pulse_team in sorted(pulse_teams, key=lambda item: item.team.name):
        groups.append(
            GroupResult(
                kind="team",
                key=f"team-{pulse_team.team_id}",
                name=pulse_team.team.name,
                teams=frozenset({pulse_team.team_id}),
            )
        )
    return groups, counts, pulse_teams


def pulse_results(pulse: Pulse, *, now: datetime | None = None) -> list[GroupResult]:
    """Every group, with figures only where `safe_groups` allows them (comments need 10 answers).

    Nothing is shown before the pulse closes: figures that change while people answer would tell
    someone who watched them before and after a colleague answered what that colleague said.
    """
    groups, counts, pulse_teams = pulse_groups(pulse)
    if (now or timezone.now()) < pulse.closes_at:
        return groups
    shown = {group.key for group in safe_groups(groups, counts, PULSE_MIN_ANSWERS)}
    with_comments = {group.key for group in safe_groups(groups, counts, PULSE_MIN_COMMENT_ANSWERS)}
    by_team = {pulse_team.pk: pulse_team.team_id for pulse_team in pulse_teams}
    tallies: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for pulse_team_id, question, score, count in PulseTally.objects.filter(
        pulse_team__pulse=pulse
    ).values_list("pulse_team_id", "question", "score", "count"):
        tallies[(by_team[pulse_team_id], question)][score] = count
    comments: dict[int, list[str]] = defaultdict(list)
    if with_comments:
        for pulse_team_id, text in PulseComment.objects.filter(pulse_team__pulse=pulse).values_list(
            "pulse_team_id", "text"
        ):
            comments[by_team[pulse_team_id]].append(text)
    labels = dict(PulseQuestion.choices)
    for group in groups:
        if group.key not in shown:
            continue
        group.published = True
        group.answers = sum(counts[team] for team in group.teams)
        for question in PulseQuestion.values:
            histogram: dict[int, int] = defaultdict(int)
            for team in group.teams:
                for score, count in tallies[(team, question)].items():
                    histogram[score] += count
            total = sum(histogram.values()) or 1
            group.questions.append(
                QuestionResult(
                    question=question,
                    label=str(labels[question]),
                    mean=round(sum(score * count for score, count in histogram.items()) / total, 2),
                    agree_percent=round(100 * (histogram[4] + histogram[5]) / total, 1),
                )
            )
        if group.key in with_comments:
            # Sorted by text, so their order says nothing about who or when.
            group.comments = sorted(text for team in group.teams for text in comments[team])
    return groups


def pulse_groups_visible_to(member: Member, groups: list[GroupResult]) -> list[GroupResult]:
    """Admins and analysts read every group; a manager the organization, their department and its teams."""
    if member.role in (Role.ADMIN, Role.ANALYST):
        return groups
    if member.role not in (Role.MANAGER, Role.LEAD):
        return []
    department = member.home_department
    allowed = {"organization"}
    if department is not None:
        allowed.add(f"department-{department.pk}")
        allowed |= {f"team-{team_id}" for team_id in department.teams.values_list("pk", flat=True)}
    if member.role == Role.LEAD:
        allowed = {"organization", f"team-{member.team_id}"} | (
            {f"department-{department.pk}"} if department else set()
        )
    return [group for group in groups if group.key in allowed]


def pulses_for(member: Member) -> QuerySet:
    return scoped(Pulse, member).order_by("-opens_at")


def open_pulses_to_answer(member: Member, *, now: datetime | None = None) -> list[Pulse]:
    """Open pulses sent to the member's team that they have not answered (shown to them alone)."""
    if not member.team_id:
        return []
    now = now or timezone.now()
    answered = PulseRespondent.objects.filter(member=member).values_list("pulse_id", flat=True)
    return list(
        scoped(Pulse, member)
        .filter(opens_at__lte=now, closes_at__gt=now, pulse_teams__team_id=member.team_id)
        .exclude(pk__in=answered)
        .order_by("closes_at")
    )


def has_answered(pulse: Pulse, member: Member) -> bool:
    return PulseRespondent.objects.filter(pulse=pulse, member=member).exists()


def pulse_trend(member: Member, *, key: str, limit: int = 6) -> list[tuple[Pulse, GroupResult | None]]:
    """One group's published results over the latest pulses, beside the Backing Index."""
    trend = []
    for pulse in pulses_for(member).filter(closes_at__lte=timezone.now())[:limit]:
        group = next((group for group in pulse_results(pulse) if group.key == key), None)
        trend.append((pulse, group if group and group.published else None))
    return list(reversed(trend))
