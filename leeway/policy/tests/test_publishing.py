"""Publishing numbers versions, freezes them, and says what changed."""

import pytest
from django.db import connection
from django.utils import translation

from leeway.core.errors import Conflict
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.people.models import Role
from leeway.people.tests.factories import AuthorityTierFactory, MemberFactory
from leeway.policy.models import PolicyVersion
from leeway.policy.services import (
    budget_delete,
    budget_update,
    gesture_update,
    policy_diff,
    policy_publish,
    policy_settings_update,
    rule_update,
)
from leeway.policy.snapshot import current_policy
from leeway.policy.tests.factories import make_gesture, make_policy, make_rule


@pytest.fixture
def admin(aurora):
    return MemberFactory(organization=aurora, role=Role.ADMIN)


def test_versions_are_numbered_one_two_three(aurora, admin):
    policy = make_policy(aurora)
    assert policy["version"].number == 1
    rule_update(rule=policy["rule"], actor=admin, green_limit="60.00")
    second = policy_publish(organization=aurora, actor=admin, summary="Starter waive_fee to 60")
    budget_update(budget=policy["agent_day"], actor=admin, cap="250.00")
    third = policy_publish(organization=aurora, actor=admin)
    assert (second.number, third.number) == (2, 3)
    assert second.published_by == admin and second.summary == "Starter waive_fee to 60"
    assert list(PolicyVersion.objects.filter(organization=aurora).values_list("number", flat=True)) == [
        3,
        2,
        1,
    ]


def test_publishing_writes_an_audit_row_and_an_outbox_event(aurora, admin):
    make_policy(aurora, publish=False)
    version = policy_publish(organization=aurora, actor=admin, summary="First")
    entry = AuditEntry.objects.get(action="policy.published")
    assert entry.actor_id == admin.pk and entry.object_id == str(version.pk) and entry.data["number"] == 1
    event = OutboxEvent.objects.get(topic="policy.published")
    assert event.organization_id == aurora.pk and event.payload["number"] == 1


def test_publishing_twice_without_changes_is_a_conflict(aurora, admin):
    make_policy(aurora)
    with pytest.raises(Conflict) as caught:
        policy_publish(organization=aurora, actor=admin)
    assert caught.value.code == "nothing_to_publish" and caught.value.status == 409
    assert PolicyVersion.objects.filter(organization=aurora).count() == 1
    assert AuditEntry.objects.filter(action="policy.published").count() == 1


def test_a_published_version_stays_frozen_when_the_draft_changes(aurora, admin):
    policy = make_policy(aurora)
    frozen = PolicyVersion.objects.get(organization=aurora, number=1).snapshot
    rule_update(rule=policy["rule"], actor=admin, green_limit="75.00", stretch_limit="150.00")
    gesture_update(gesture=policy["gesture"], actor=admin, names={"en": "Forgive a fee"})
    budget_delete(budget=policy["team_day"], actor=admin)
    v1 = PolicyVersion.objects.get(organization=aurora, number=1)
    assert v1.snapshot == frozen
    assert v1.snapshot["rules"][0]["green_limit"] == "50.00"
    policy_publish(organization=aurora, actor=admin)
    v2 = PolicyVersion.objects.get(organization=aurora, number=2)
    assert v2.snapshot["rules"][0]["green_limit"] == "75.00"
    assert [b["scope"] for b in v2.snapshot["budgets"]] == ["agent"]
    assert PolicyVersion.objects.get(organization=aurora, number=1).snapshot == frozen


def test_published_versions_cannot_be_edited_or_deleted(aurora):
    version = make_policy(aurora)["version"]
    version.summary = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        version.save()
    with pytest.raises(ValueError, match="immutable"):
        PolicyVersion.objects.filter(pk=version.pk).update(summary="rewritten")
    with pytest.raises(ValueError, match="immutable"):
        version.delete()
    assert PolicyVersion.objects.get(pk=version.pk).summary == ""


def test_decisions_see_the_new_version_right_after_publishing(aurora, admin):
    policy = make_policy(aurora)
    assert current_policy(aurora.pk).number == 1
    rule_update(rule=policy["rule"], actor=admin, green_limit="80.00", stretch_limit="120.00")
    assert current_policy(aurora.pk).number == 1, "the draft is not live until published"
    policy_publish(organization=aurora, actor=admin)
    live = current_policy(aurora.pk)
    assert live.number == 2
    assert str(live.rule_for(policy["tier"].pk, "waive_fee").green_limit) == "80.00"


def test_an_empty_catalogue_cannot_be_published(aurora, admin):
    with pytest.raises(Exception) as caught:
        policy_publish(organization=aurora, actor=admin)
    assert caught.value.code == "empty_catalogue"
    assert not PolicyVersion.objects.exists()


class TestDiff:
    def test_nothing_published_yet_lists_everything_as_added(self, aurora):
        make_policy(aurora, publish=False)
        changes = policy_diff(organization=aurora)
        assert "Tier added: Starter (rank 1)" in changes
        assert "Gesture added: Waive a fee (waive_fee)" in changes
        assert any(change.startswith("Starter · Waive a fee: rule added") for change in changes)
        assert "Agent budget per day added: cap 200.00 USD" in changes

    def test_no_changes_after_publishing(self, aurora):
        make_policy(aurora)
        assert policy_diff(organization=aurora) == []

    def test_the_diff_names_each_change(self, aurora, admin):
        policy = make_policy(aurora)
        rule_update(rule=policy["rule"], actor=admin, green_limit="60.00", customer_cap_count=5)
        gesture_update(gesture=policy["gesture"], actor=admin, names={"es": "Condonar un cargo"})
        budget_update(budget=policy["agent_day"], actor=admin, cap="250.00")
        budget_delete(budget=policy["team_day"], actor=admin)
        refund = make_gesture(aurora, code="refund", name="Refund", name_es="Reembolso", category="refund")
        make_rule(aurora, policy["tier"], refund, green="40.00", stretch="80.00")
        policy_settings_update(
            organization=aurora,
            actor=admin,
            red_response_minutes=5,
            panel_allowed_origins="https://crm.example.com",
        )
        senior = AuthorityTierFactory(organization=aurora, code="senior", name="Senior", rank=3)
        assert senior
        changes = policy_diff(organization=aurora)
        expected = [
            "Starter · Waive a fee: green limit changed from 50.00 to 60.00",
            "Starter · Waive a fee: gestures per customer changed from none to 5",
            "Gesture renamed (Spanish): “Anular un cargo” → “Condonar un cargo”",
            "Agent budget per day: cap changed from 200.00 to 250.00 USD",
            "Team budget per day removed",
            "Gesture added: Refund (refund)",
            "Response-time target changed from 2 to 5 minutes",
            "Panel may now be embedded by https://crm.example.com",
            "Tier added: Senior (rank 3)",
        ]
        for change in expected:
            assert change in changes, (change, changes)
        assert any(
            c.startswith("Starter · Refund: rule added (green 40.00, stretch 80.00 USD") for c in changes
        )

    def test_a_removed_gesture_and_its_rules_are_listed(self, aurora, admin):
        policy = make_policy(aurora)
        gesture_update(gesture=policy["gesture"], actor=admin, active=False)
        changes = policy_diff(organization=aurora)
        assert "Gesture removed: Waive a fee (waive_fee)" in changes
        assert "Starter · Waive a fee: rule removed (requests go to a lead)" in changes

    def test_the_diff_speaks_spanish(self, aurora, admin):
        policy = make_policy(aurora)
        rule_update(rule=policy["rule"], actor=admin, green_limit="60.00")
        with translation.override("es"):
            changes = policy_diff(organization=aurora)
        assert changes == ["Starter · Anular un cargo: límite verde cambia de 50.00 a 60.00"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_publishing_at_once_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    import threading

    from django.db import connections

    from leeway.people.tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="race")
    policy = make_policy(organization)
    rule_update(rule=policy["rule"], actor=None, green_limit="70.00")
    barrier = threading.Barrier(4)
    outcomes = []

    def publish():
        try:
            barrier.wait()
            outcomes.append(policy_publish(organization=organization, actor=None).number)
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = list(PolicyVersion.objects.filter(organization=organization).values_list("number", flat=True))
    assert sorted(numbers) == [1, 2]
    assert sorted(outcomes, key=str) == sorted(
        [2, "nothing_to_publish", "nothing_to_publish", "nothing_to_publish"], key=str
    )
