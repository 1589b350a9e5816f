"""Kudos, celebrations and awards through the services: rules, audit entries, outbox payloads."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.models import AuditEntry, OutboxEvent
from leeway.customers.models import Outcome
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.recognition.models import Allowance, Award, AwardStatus, Celebration, CompanyValue, Kudos
from leeway.recognition.services import (
    allowance_for,
    award_confirm,
    award_nominate,
    company_value_create,
    company_value_update,
    decision_celebrate,
    kudos_give,
    recognition_settings_update,
)
from leeway.recognition.tests.conftest import make_decision

CELEBRATION_KEYS = {
    "kind",
    "agent",
    "by",
    "gesture",
    "amount",
    "currency",
    "value_kept",
    "company_value",
    "award_period",
    "customer_words",
    "customer_first_name",
    "path",
}


def test_a_peer_gives_kudos_with_a_value_and_points(rw):
    kudos = kudos_give(
        member=rw.agent2, decision=rw.decision, company_value="own-it", points=15, message="Nice"
    )
    assert (kudos.agent, kudos.points, kudos.message) == (rw.agent, 15, "Nice")
    assert allowance_for(rw.agent2).remaining == 85
    entry = AuditEntry.objects.get(action="kudos.given")
    assert entry.data["points"] == 15 and entry.actor_id == rw.agent2.pk
    event = OutboxEvent.objects.get(topic="kudos.given")
    assert event.payload["decision"] == str(rw.decision.public_id)
    celebration = event.payload["celebration"]
    assert set(celebration) == CELEBRATION_KEYS
    assert celebration["kind"] == "kudos"
    assert (celebration["agent"], celebration["by"]) == (rw.agent.first_name, rw.agent2.first_name)
    assert (celebration["amount"], celebration["currency"], celebration["company_value"]) == (
        "25.00",
        "USD",
        "Own it",
    )
    assert celebration["customer_first_name"] == "Ada"
    assert celebration["path"] == f"/recognition/decisions/{rw.decision.public_id}/"


def test_customer_words_come_from_the_note_without_contact_details_or_surname(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    words = OutboxEvent.objects.get(topic="decision.celebrated").payload["celebration"]["customer_words"]
    assert words.startswith("You saved my month")
    assert "555" not in words and "example.com" not in words and "Byron" not in words
    assert Celebration.objects.get().customer_words == words


def test_nobody_praises_their_own_decision(rw):
    with pytest.raises(InvalidInput) as refused:
        kudos_give(member=rw.agent, decision=rw.decision, company_value="own-it")
    assert refused.value.code == "own_decision"
    with pytest.raises(InvalidInput):
        decision_celebrate(member=rw.agent, decision=rw.decision)
    assert not Kudos.objects.exists() and not Celebration.objects.exists()


def test_managers_admins_and_analysts_do_not_give_kudos(rw):
    for member in (rw.manager, rw.admin, rw.analyst):
        with pytest.raises(Forbidden):
            kudos_give(member=member, decision=rw.decision, company_value="own-it")


def test_kudos_once_per_person_and_decision(rw):
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", points=5)
    with pytest.raises(Conflict) as refused:
        kudos_give(member=rw.lead, decision=rw.decision, company_value="customer-first", points=5)
    assert refused.value.code == "already_given"
    assert Kudos.objects.count() == 1
    assert allowance_for(rw.lead).spent == 5  # the refused one spent nothing


def test_zero_point_kudos_are_fine(rw):
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", points=0)
    assert allowance_for(rw.lead).spent == 0


def test_more_than_what_is_left_is_refused_and_nothing_is_stored(rw, counts):
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", points=90)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        kudos_give(member=rw.lead, decision=rw.decision2, company_value="own-it", points=11)
    assert (refused.value.code, refused.value.field) == ("allowance_exceeded", "points")
    assert "10" in str(refused.value.message)
    assert counts() == before
    assert Kudos.objects.count() == 1


def test_the_allowance_resets_each_month_without_rollover(rw, time_machine):
    time_machine.move_to(datetime(2026, 3, 31, 20, 0, tzinfo=ZoneInfo("America/Denver")))
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", points=30)
    assert allowance_for(rw.lead).remaining == 70
    # 1 April in Denver: a fresh 100, not 170.
    time_machine.move_to(datetime(2026, 4, 1, 0, 30, tzinfo=ZoneInfo("America/Denver")))
    assert allowance_for(rw.lead).remaining == 100
    kudos_give(member=rw.lead, decision=rw.decision2, company_value="own-it", points=100)
    assert allowance_for(rw.lead).remaining == 0
    assert Allowance.objects.filter(member=rw.lead).count() == 2


def test_a_new_allowance_applies_from_the_next_month(rw):
    kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", points=10)
    recognition_settings_update(organization=rw.organization, actor=rw.admin, monthly_allowance=20)
    assert allowance_for(rw.lead).granted == 100  # this month's was granted already
    assert allowance_for(rw.agent2).granted == 20
    assert AuditEntry.objects.filter(action="recognition_settings.updated").exists()


def test_kudos_need_an_active_value_and_a_short_plain_message(rw, counts):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        kudos_give(member=rw.lead, decision=rw.decision, company_value="nope")
    assert refused.value.field == "value"
    with pytest.raises(InvalidInput) as refused:
        kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it", message="x" * 281)
    assert (refused.value.code, refused.value.field) == ("too_long", "message")
    value = CompanyValue.objects.get(organization=rw.organization, code="own-it")
    company_value_update(company_value=value, actor=rw.admin, active=False)
    with pytest.raises(InvalidInput):
        kudos_give(member=rw.lead, decision=rw.decision, company_value="own-it")
    assert counts()["outbox"] == before["outbox"] and not Kudos.objects.exists()


def test_a_pending_request_gets_no_kudos(rw):
    pending = make_decision(rw.agent, amount="150.00")
    assert pending.status == "pending"
    with pytest.raises(Conflict):
        kudos_give(member=rw.lead, decision=pending, company_value="own-it")


def test_celebrating_a_protected_decision_once(rw):
    celebration = decision_celebrate(member=rw.agent2, decision=rw.decision)
    assert celebration.agent == rw.agent
    assert AuditEntry.objects.filter(action="decision.celebrated").count() == 1
    payload = OutboxEvent.objects.get(topic="decision.celebrated").payload
    assert payload["celebration"]["kind"] == "celebrated"
    with pytest.raises(Conflict):
        decision_celebrate(member=rw.lead, decision=rw.decision)


def test_value_kept_is_the_customer_value_once_an_outcome_says_they_stayed(rw):
    customer = rw.decision.customer
    customer.predicted_clv = Decimal("1234.00")
    customer.save(update_fields=["predicted_clv"])
    Outcome.objects.create(
        organization=rw.organization,
        customer=customer,
        kind="retained",
        decision=rw.decision,
        occurred_at=rw.decision.created_at,
    )
    decision_celebrate(member=rw.lead, decision=rw.decision)
    assert (
        OutboxEvent.objects.get(topic="decision.celebrated").payload["celebration"]["value_kept"] == "1234.00"
    )


def test_a_lead_nominates_and_a_manager_confirms_an_award(rw):
    award = award_nominate(member=rw.lead, decision=rw.decision, period="week", reason="Calm and kind")
    assert award.status == AwardStatus.NOMINATED and award.site_id == rw.decision.site_id
    assert not OutboxEvent.objects.filter(topic="award.confirmed").exists()
    with pytest.raises(Forbidden):
        award_confirm(member=rw.lead, award=award)  # a lead does not confirm
    award_confirm(member=rw.manager, award=award)
    award.refresh_from_db()
    assert (award.status, award.confirmed_by) == (AwardStatus.CONFIRMED, rw.manager)
    payload = OutboxEvent.objects.get(topic="award.confirmed").payload
    assert (payload["celebration"]["kind"], payload["celebration"]["award_period"]) == ("award", "week")
    assert AuditEntry.objects.filter(action__in=["award.nominated", "award.confirmed"]).count() == 2
    with pytest.raises(Conflict):
        award_confirm(member=rw.admin, award=award)


def test_the_nominator_cannot_confirm_their_own_nomination(rw):
    admin_lead = MemberFactory(organization=rw.organization, role=Role.LEAD, team=rw.lead.team)
    award = award_nominate(member=admin_lead, decision=rw.decision, period="month")
    admin_lead.role = Role.ADMIN
    admin_lead.save(update_fields=["role"])
    with pytest.raises(Forbidden) as refused:
        award_confirm(member=admin_lead, award=award)
    assert refused.value.code == "own_nomination"


def test_one_award_per_site_and_period(rw):
    first = award_nominate(member=rw.lead, decision=rw.decision, period="week")
    second = award_nominate(member=rw.lead, decision=rw.decision2, period="week")
    award_confirm(member=rw.manager, award=first)
    with pytest.raises(Conflict) as refused:
        award_confirm(member=rw.manager, award=second)
    assert refused.value.code == "period_taken"
    second.refresh_from_db()
    assert second.status == AwardStatus.NOMINATED
    assert OutboxEvent.objects.filter(topic="award.confirmed").count() == 1


def test_leads_nominate_only_their_own_site(rw):
    with pytest.raises(Forbidden):
        award_nominate(member=rw.other_lead, decision=rw.decision, period="week")
    assert not Award.objects.exists()


def test_value_names_refuse_markup_and_need_the_organization_language(aurora, counts):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        company_value_create(
            organization=aurora, actor=None, code="x", names={"en": "<script>alert(1)</script>"}
        )
    assert (refused.value.code, refused.value.field) == ("no_markup", "name_en")
    with pytest.raises(InvalidInput) as refused:
        company_value_create(organization=aurora, actor=None, code="x", names={"es": "Solo en español"})
    assert refused.value.field == "name_en"
    with pytest.raises(InvalidInput):
        company_value_create(organization=aurora, actor=None, code="x", names={"en": "y" * 81})
    with pytest.raises(InvalidInput):
        company_value_create(organization=aurora, actor=None, code="Not A Code", names={"en": "Ok"})
    assert not CompanyValue.objects.exists() and counts() == before


def test_an_actor_from_another_organization_is_refused(rw, other_rw):
    with pytest.raises(Forbidden):
        kudos_give(member=other_rw.lead, decision=rw.decision, company_value="own-it")
    with pytest.raises(Forbidden):
        company_value_create(organization=rw.organization, actor=other_rw.admin, code="x", names={"en": "X"})


def test_an_unlinked_retention_soon_after_the_gesture_counts_as_value_kept(rw):
    customer = rw.decision.customer
    customer.predicted_clv = Decimal("800.00")
    customer.save(update_fields=["predicted_clv"])
    from leeway.recognition.services import value_kept

    def retained(days):
        return Outcome.objects.create(
            organization=rw.organization,
            customer=customer,
            kind="retained",
            occurred_at=rw.decision.created_at + timedelta(days=days),
        )

    too_early = retained(-1)
    assert value_kept(rw.decision) is None
    too_early.delete()
    retained(120)
    assert value_kept(rw.decision) is None
    retained(30)
    assert value_kept(rw.decision) == Decimal("800.00")
