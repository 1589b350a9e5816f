"""References every decision shares have no database constraint; the ORM still guards their deletion.

(See Decision.organization: checking such a foreign key locks the shared parent row in every
transaction.) What a user could do through Leeway must behave as if the constraints were there.
"""

import pytest
from django.db import connection
from django.db.models import ProtectedError

from leeway.decisions.models import Decision
from leeway.decisions.services import decision_create
from leeway.people.models import Team
from leeway.policy.models import Gesture, PolicyVersion

pytestmark = pytest.mark.django_db


def record(world) -> Decision:
    return decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="10.00",
        currency="USD",
        reason="billing_error",
    )


def test_a_gesture_with_decisions_cannot_be_deleted(world):
    decision = record(world)
    with pytest.raises(ProtectedError):
        Gesture.objects.get(pk=decision.gesture_id).delete()


def test_a_policy_version_with_decisions_cannot_be_deleted(world):
    decision = record(world)
    with pytest.raises((ProtectedError, ValueError)):
        PolicyVersion.objects.get(pk=decision.policy_version_id).delete()
    assert PolicyVersion.objects.filter(pk=decision.policy_version_id).exists()


def test_deleting_a_team_keeps_its_decisions_and_forgets_the_team(world):
    decision = record(world)
    team = Team.objects.get(pk=decision.team_id)
    world.agent.team = None
    world.agent.save()
    type(world.agent).objects.filter(team=team).update(team=None)
    team.delete()
    decision.refresh_from_db()
    assert decision.team_id is None


@pytest.mark.postgres
def test_only_the_per_decision_references_are_database_constraints(db):
    if connection.vendor != "postgresql":
        pytest.skip("constraint introspection is checked on PostgreSQL")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Decision._meta.db_table)
    enforced = {tuple(c["columns"]) for c in constraints.values() if c["foreign_key"]}
    assert enforced == {("customer_id",), ("agent_id",), ("decided_by_id",)}
