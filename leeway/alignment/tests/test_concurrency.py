"""Answers and signatures under real concurrency (PostgreSQL only): each counts once, nobody gets a 500."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leeway.alignment.models import CharterSignature, PulseRespondent, PulseTally, PulseTeam
from leeway.alignment.services import charter_publish, charter_sign, pulse_answer, pulse_schedule
from leeway.core.audit import audit_verify
from leeway.core.errors import Conflict
from leeway.core.tests.threads import run_in_threads
from leeway.decisions.tests.conftest import build_world
from leeway.people.models import Member, Role
from leeway.people.tests.factories import MemberFactory, OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SCORES = {"negative_feedback": 3, "losing_job": 2, "paying": 1, "held_against": 2}


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections)")


def test_many_agents_answer_at_once_and_one_agent_twice_counts_once():
    world = build_world(OrganizationFactory(slug="aurora", name="Aurora"))
    team = world.agent.team
    agents = [MemberFactory(organization=world.organization, role=Role.AGENT, team=team) for _ in range(7)]
    now = timezone.now()
    pulse = pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="Concurrent",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        teams=[team],
    )
    # Seven agents once each, and the same agent eight times: 8 counted, 7 refused.
    members = [*agents, *([world.agent] * 8)]

    def work(i):
        pulse_answer(pulse=pulse, member=Member.objects.get(pk=members[i].pk), scores=SCORES)
        return "ok"

    results = run_in_threads(len(members), work)
    outcome = Counter("ok" if result == "ok" else type(result).__name__ for result in results)
    assert outcome == {"ok": 8, "Conflict": 7}, results
    assert PulseTeam.objects.get(pulse=pulse).answers == 8
    assert PulseRespondent.objects.filter(pulse=pulse).count() == 8
    assert PulseTally.objects.get(pulse_team__pulse=pulse, question="paying", score=1).count == 8


def test_a_manager_signing_twice_at_once_signs_once():
    world = build_world(OrganizationFactory(slug="aurora", name="Aurora"))
    charter = charter_publish(
        department=world.manager.department, actor=world.admin, texts={"en": {"title": "T", "text": "C"}}
    )

    def work(_):
        try:
            charter_sign(charter=charter, manager=Member.objects.get(pk=world.manager.pk))
        except Conflict as error:
            return error.code
        return "signed"

    assert Counter(run_in_threads(6, work)) == {"signed": 1, "already_signed": 5}
    assert CharterSignature.objects.count() == 1
    assert audit_verify(organization_id=world.organization.pk) == []
