"""The fear pulse: anonymous, one answer each, and no group under five answers can be read or derived."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from leeway.alignment.models import PulseComment, PulseRespondent, PulseTally, PulseTeam
from leeway.alignment.selectors import pulse_results
from leeway.alignment.services import pulse_answer, pulse_schedule
from leeway.core.errors import Conflict, Forbidden
from leeway.core.models import AuditEntry
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory, SiteFactory, TeamFactory

SCORES = {"negative_feedback": 2, "losing_job": 1, "paying": 1, "held_against": 2}


def agents(world, team, count):
    return [
        MemberFactory(
            organization=world.organization, role=Role.AGENT, team=team, username=f"{team.name}-{n}"
        )
        for n in range(count)
    ]


def schedule(world, teams):
    now = timezone.now()
    return pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="Winter pulse",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        teams=teams,
    )


def answer_all(pulse, members, scores=SCORES, comment=""):
    for member in members:
        pulse_answer(pulse=pulse, member=member, scores=scores, comment=comment)


def by_key(groups):
    return {group.key: group for group in groups}


def results(pulse):
    """The results as they read once the pulse has closed."""
    return pulse_results(pulse, now=pulse.closes_at)


def test_an_answer_is_counted_without_keeping_who_gave_it(world):
    team = world.agent.team
    pulse = schedule(world, [team])
    audit_before = AuditEntry.objects.count()
    pulse_answer(pulse=pulse, member=world.agent, scores=SCORES, comment="Mostly fine.")
    assert PulseTeam.objects.get(pulse=pulse).answers == 1
    assert PulseTally.objects.get(pulse_team__pulse=pulse, question="losing_job", score=1).count == 1
    assert PulseRespondent.objects.filter(pulse=pulse, member=world.agent).exists()
    # Nothing ties the answer to the member: no audit entry, tallies and comments carry no member or time.
    assert AuditEntry.objects.count() == audit_before
    comment_fields = {field.name for field in PulseComment._meta.get_fields()}
    assert comment_fields == {"id", "organization", "pulse_team", "text"}
    tally_fields = {field.name for field in PulseTally._meta.get_fields()}
    assert not tally_fields & {"member", "created_at", "answered_at"}


def test_one_answer_each_and_only_while_open_and_only_the_teams_asked(world):
    pulse = schedule(world, [world.agent.team])
    pulse_answer(pulse=pulse, member=world.agent, scores=SCORES)
    with pytest.raises(Conflict):
        pulse_answer(pulse=pulse, member=world.agent, scores=SCORES)
    outsider = MemberFactory(organization=world.organization, role=Role.AGENT, team=world.other_lead.team)
    with pytest.raises(Forbidden):
        pulse_answer(pulse=pulse, member=outsider, scores=SCORES)
    with time_machine.travel(timezone.now() + timedelta(days=8)), pytest.raises(Conflict):
        pulse_answer(pulse=pulse, member=world.agent2, scores=SCORES)


def test_every_question_needs_a_score_from_one_to_five(world):
    from leeway.core.errors import InvalidInput

    pulse = schedule(world, [world.agent.team])
    for bad in (
        {**SCORES, "paying": 6},
        {**SCORES, "paying": None},
        {k: v for k, v in SCORES.items() if k != "paying"},
        {**SCORES, "paying": "٣"},
        {**SCORES, "paying": True},
    ):
        with pytest.raises(InvalidInput):
            pulse_answer(pulse=pulse, member=world.agent, scores=bad)
    assert PulseTeam.objects.get(pulse=pulse).answers == 0


def test_a_group_under_five_answers_is_not_shown(world):
    team = world.agent.team
    pulse = schedule(world, [team])
    answer_all(pulse, agents(world, team, 4))
    groups = by_key(results(pulse))
    assert not groups["organization"].published and not groups[f"team-{team.pk}"].published
    assert groups["organization"].answers == 0 and groups["organization"].questions == []
    answer_all(pulse, [world.agent])
    groups = by_key(results(pulse))
    assert groups["organization"].published and groups["organization"].answers == 5
    figure = {q.question: q for q in groups["organization"].questions}
    assert figure["losing_job"].mean == 1.0 and figure["losing_job"].agree_percent == 0.0


def test_the_subtraction_attack_team_a_and_b_against_team_a_reveals_nothing(world):
    """Department = team A (5 answers) + team B (2): shown together, team A alone would give B away."""
    department = world.agent.team.department
    team_a = world.agent.team
    team_b = TeamFactory(
        organization=world.organization,
        department=department,
        name="Team B",
        site=SiteFactory(organization=world.organization, name="Other site"),
    )
    pulse = schedule(world, [team_a, team_b])
    answer_all(pulse, agents(world, team_a, 5), scores={**SCORES, "paying": 1})
    answer_all(pulse, agents(world, team_b, 2), scores={**SCORES, "paying": 5})
    groups = by_key(results(pulse))
    assert groups["organization"].published and groups[f"department-{department.pk}"].published
    assert groups["organization"].answers == 7
    # Team A has five answers, but beside the department's seven it would expose team B's two.
    assert not groups[f"team-{team_a.pk}"].published
    assert not groups[f"site-{team_a.site_id}"].published
    assert not groups[f"team-{team_b.pk}"].published
    assert not groups[f"site-{team_b.site_id}"].published
    # Nothing shown isolates fewer than five: every published pair differs by 0 or at least 5.
    shown = [group for group in groups.values() if group.published]
    for first in shown:
        for second in shown:
            assert first.answers - second.answers in (0,) or abs(first.answers - second.answers) >= 5


def test_two_large_teams_are_both_shown_beside_their_department(world):
    department = world.agent.team.department
    team_a = world.agent.team
    team_b = TeamFactory(
        organization=world.organization, department=department, name="Team B", site=team_a.site
    )
    pulse = schedule(world, [team_a, team_b])
    answer_all(pulse, agents(world, team_a, 5))
    answer_all(pulse, agents(world, team_b, 6))
    groups = by_key(results(pulse))
    assert groups[f"team-{team_a.pk}"].published and groups[f"team-{team_b.pk}"].published
    assert groups[f"department-{department.pk}"].answers == 11


def test_comments_need_ten_answers_and_come_sorted(world):
    team = world.agent.team
    pulse = schedule(world, [team])
    people = agents(world, team, 9)
    for number, member in enumerate(people):
        pulse_answer(pulse=pulse, member=member, scores=SCORES, comment=f"comment {9 - number}")
    assert by_key(results(pulse))["organization"].comments is None
    pulse_answer(pulse=pulse, member=world.agent, scores=SCORES, comment="a first")
    comments = by_key(results(pulse))["organization"].comments
    assert comments[0] == "a first" and len(comments) == 10 and comments == sorted(comments)


def test_nothing_is_shown_while_the_pulse_is_open(world):
    team = world.agent.team
    pulse = schedule(world, [team])
    answer_all(pulse, agents(world, team, 6))
    assert not any(group.published for group in pulse_results(pulse))
    assert by_key(results(pulse))["organization"].published
