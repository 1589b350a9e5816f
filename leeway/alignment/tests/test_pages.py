"""The alignment pages: invariant 4 through the page, the reversal guard, disputes, charters, pulses."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from leeway.alignment.models import (
    BackingEvent,
    CharterSignature,
    Dispute,
    Feedback,
    PolicyProposal,
    PulseTeam,
)
from leeway.alignment.services import (
    charter_publish,
    concern_raise,
    dispute_open,
    feedback_give,
    pulse_answer,
    pulse_schedule,
)

from .conftest import make_decision

TEXTS = {
    "en": {"title": "We back you", "text": "Inside policy, you are covered."},
    "es": {"title": "Te respaldamos", "text": "Dentro de la política, estás cubierto."},
}


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_page_offers_no_negative_choice_on_a_protected_decision(world, protected):
    page = client_for(world.lead).get(f"/alignment/decisions/{protected.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="correction"' not in html and 'value="reckless"' not in html
    assert 'value="at_risk"' in html and "Protected" in html


def test_a_forged_correction_through_the_page_is_refused_by_the_service(world, protected):
    client = client_for(world.lead)
    page = client.post(
        f"/alignment/decisions/{protected.public_id}/feedback/", {"kind": "correction", "message": "Bad call"}
    )
    assert page.status_code == 422
    assert "never negative feedback" in page.content.decode()
    page = client.post(
        f"/alignment/decisions/{protected.public_id}/feedback/",
        {"kind": "coaching", "behaviour": "reckless", "message": "Bad call"},
    )
    assert page.status_code == 422
    assert not Feedback.objects.exists()
    assert BackingEvent.objects.filter(member=world.lead, kind="negative_feedback_refused").count() == 2


def test_coaching_through_the_page(world, protected):
    client = client_for(world.lead)
    page = client.post(
        f"/alignment/decisions/{protected.public_id}/feedback/",
        {"kind": "coaching", "behaviour": "human_error", "message": "Typo in the amount: happens."},
    )
    assert page.status_code == 302
    assert Feedback.objects.get().behaviour == "human_error"


def test_a_declined_request_offers_a_correction(world, pending):
    from leeway.decisions.services import decision_decline

    decision_decline(decision=pending, member=world.lead, reason="Over the cap")
    html = client_for(world.lead).get(f"/alignment/decisions/{pending.public_id}/").content.decode()
    assert 'value="correction"' in html and 'value="reckless"' in html


def test_the_reversal_button_is_refused_with_409_and_a_clear_message(world, protected):
    page = client_for(world.manager).post(
        f"/alignment/decisions/{protected.public_id}/reverse/", {"attempt": "reverse"}
    )
    assert page.status_code == 409
    assert "cannot be reversed" in page.content.decode()
    page = client_for(world.manager).post(
        f"/alignment/decisions/{protected.public_id}/reverse/", {"attempt": "recharge"}
    )
    assert page.status_code == 409 and "never to a person" in page.content.decode()
    assert BackingEvent.objects.filter(member=world.manager, kind="reversal_refused").count() == 2


def test_declining_an_approved_decision_on_the_queue_page_is_recorded_on_the_lead(world, protected):
    page = client_for(world.lead).post(f"/decisions/{protected.public_id}/decline/", {"reason": "Oops"})
    assert page.status_code == 302
    assert BackingEvent.objects.get().member == world.lead


def test_a_concern_through_the_page_becomes_a_proposal_and_the_agent_is_told(world, protected):
    page = client_for(world.manager).post(
        f"/alignment/decisions/{protected.public_id}/concern/", {"text": "Waivers should need a note."}
    )
    assert page.status_code == 302
    assert PolicyProposal.objects.count() == 1
    html = client_for(world.agent).get("/alignment/feedback/").content.decode()
    assert "not about you" in html and "inside it" in html
    assert world.manager.display_name not in html  # raised against the policy, not by a name at the agent
    admin_page = client_for(world.admin).get("/alignment/proposals/").content.decode()
    assert "Waivers should need a note." in admin_page and str(protected.public_id) in admin_page


def test_the_admin_answers_a_proposal(world, protected):
    proposal = concern_raise(decision=protected, member=world.lead, text="Cap")
    client_for(world.admin).post(
        f"/alignment/proposals/{proposal.pk}/answer/", {"status": "dismissed", "answer": "The cap is right."}
    )
    proposal.refresh_from_db()
    assert proposal.status == "dismissed" and proposal.answered_by == world.admin


def test_a_dispute_through_the_pages(world, protected):
    feedback = feedback_give(
        decision=protected,
        author=world.manager,
        kind="coaching",
        behaviour="at_risk",
        message="Check the cap next time",
    )
    agent = client_for(world.agent)
    agent.post(f"/alignment/feedback/{feedback.pk}/dispute/", {"comment": ""})
    assert not Dispute.objects.exists()
    agent.post(f"/alignment/feedback/{feedback.pk}/dispute/", {"comment": "The cap was not shown to me."})
    dispute = Dispute.objects.get()
    # The author cannot resolve it; another manager of the department can.
    assert (
        client_for(world.manager)
        .post(f"/alignment/disputes/{dispute.pk}/resolve/", {"outcome": "rejected", "reason": "No"})
        .status_code
        == 403
    )
    review = client_for(world.manager2).get("/alignment/review/").content.decode()
    assert "The cap was not shown to me." in review
    client_for(world.manager2).post(
        f"/alignment/disputes/{dispute.pk}/resolve/",
        {"outcome": "upheld", "reason": "The console hid the cap."},
    )
    dispute.refresh_from_db()
    assert dispute.outcome == "upheld" and dispute.resolved_by == world.manager2
    assert "The console hid the cap." in agent.get("/alignment/feedback/").content.decode()


def test_another_agent_cannot_dispute_someone_elses_feedback(world, protected):
    feedback = feedback_give(decision=protected, author=world.lead, kind="praise", message="Nice")
    page = client_for(world.agent2).post(f"/alignment/feedback/{feedback.pk}/dispute/", {"comment": "Me"})
    assert page.status_code == 403 and not Dispute.objects.exists()


def test_charters_page_shows_signers_to_agents_and_unsigned_managers_to_the_admin(world):
    charter = charter_publish(department=world.manager.department, actor=world.admin, texts=TEXTS)
    manager = client_for(world.manager)
    assert "Sign this charter" in manager.get("/alignment/charter/").content.decode()
    manager.post(f"/alignment/charters/{charter.pk}/sign/")
    assert CharterSignature.objects.filter(manager=world.manager).exists()
    agent_page = client_for(world.agent).get("/alignment/charter/").content.decode()
    assert "We back you" in agent_page and world.manager.display_name in agent_page
    assert "Not signed yet" not in agent_page
    admin_page = client_for(world.admin).get("/alignment/charter/").content.decode()
    assert "Not signed yet" in admin_page and world.manager2.display_name in admin_page
    spanish = Client()
    world.agent.language = "es"
    world.agent.save()
    spanish.force_login(world.agent)
    assert "Te respaldamos" in spanish.get("/alignment/charter/").content.decode()


def test_the_admin_publishes_a_charter_in_both_languages(world):
    client = client_for(world.admin)
    department = world.manager.department
    page = client.post(
        f"/alignment/departments/{department.pk}/charter/new/",
        {"title_en": "", "text_en": "", "title_es": "Hola", "text_es": "Texto"},
    )
    assert page.status_code == 422
    page = client.post(
        f"/alignment/departments/{department.pk}/charter/new/",
        {"title_en": "T", "text_en": "C", "title_es": "T es", "text_es": "C es"},
    )
    assert page.status_code == 302
    assert (
        client_for(world.lead).get(f"/alignment/departments/{department.pk}/charter/new/").status_code == 403
    )


def test_backing_pages_by_role(world, protected):
    concern_raise(decision=protected, member=world.manager, text="Cap")
    page = client_for(world.manager).get("/alignment/backing/")
    assert page.status_code == 200 and "<svg" in page.content.decode() and "100.0 %" in page.content.decode()
    department = world.manager.department
    assert (
        client_for(world.manager).get(f"/alignment/backing/departments/{department.pk}/").status_code == 200
    )
    other = world.other_lead.team.department
    assert client_for(world.manager).get(f"/alignment/backing/departments/{other.pk}/").status_code == 403
    assert client_for(world.agent).get("/alignment/backing/").status_code == 403
    overview = client_for(world.admin).get("/alignment/backing/").content.decode()
    assert department.name in overview and world.manager.display_name in overview
    assert client_for(world.admin).get(f"/alignment/backing/members/{world.manager.pk}/").status_code == 200


def test_another_organizations_pages_are_not_found(world, other_world, protected):
    charter = charter_publish(department=world.manager.department, actor=world.admin, texts=TEXTS)
    feedback = feedback_give(decision=protected, author=world.lead, kind="praise", message="Nice")
    dispute = dispute_open(feedback=feedback, agent=world.agent, comment="Hm")
    proposal = concern_raise(decision=protected, member=world.lead, text="Cap")
    now = timezone.now()
    pulse = pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="P",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        teams=[world.agent.team],
    )
    department = world.manager.department
    admin = client_for(other_world.admin)
    for method, path in [
        ("get", f"/alignment/decisions/{protected.public_id}/"),
        ("post", f"/alignment/decisions/{protected.public_id}/feedback/"),
        ("post", f"/alignment/decisions/{protected.public_id}/reverse/"),
        ("get", f"/alignment/departments/{department.pk}/charter/new/"),
        ("post", f"/alignment/disputes/{dispute.pk}/resolve/"),
        ("post", f"/alignment/proposals/{proposal.pk}/answer/"),
        ("get", f"/alignment/backing/departments/{department.pk}/"),
        ("get", f"/alignment/backing/members/{world.manager.pk}/"),
        ("get", f"/alignment/pulses/{pulse.pk}/"),
        ("get", f"/alignment/pulses/{pulse.pk}/results/"),
    ]:
        assert getattr(admin, method)(path).status_code == 404, path
    assert client_for(other_world.manager).post(f"/alignment/charters/{charter.pk}/sign/").status_code == 404
    assert (
        client_for(other_world.agent)
        .post(f"/alignment/feedback/{feedback.pk}/dispute/", {"comment": "x"})
        .status_code
        == 404
    )


def test_pages_need_a_login(world):
    for path in [
        "/alignment/charter/",
        "/alignment/review/",
        "/alignment/feedback/",
        "/alignment/backing/",
        "/alignment/pulses/",
        "/alignment/proposals/",
    ]:
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_answering_a_pulse_on_the_page(world):
    now = timezone.now()
    pulse = pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="Winter",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        teams=[world.agent.team],
    )
    agent = client_for(world.agent)
    assert "Winter" in agent.get("/alignment/pulses/").content.decode()
    assert agent.post(f"/alignment/pulses/{pulse.pk}/", {"score_paying": "3"}).status_code == 422
    answer = {f"score_{q}": "2" for q in ("negative_feedback", "losing_job", "paying", "held_against")}
    assert agent.post(f"/alignment/pulses/{pulse.pk}/", answer).status_code == 302
    assert PulseTeam.objects.get(pulse=pulse).answers == 1
    assert "You have answered" in agent.get(f"/alignment/pulses/{pulse.pk}/").content.decode()
    # No page lists who has (not) answered: the results page shows only suppressed groups here.
    results = client_for(world.admin).get(f"/alignment/pulses/{pulse.pk}/results/").content.decode()
    assert world.agent.display_name not in results and world.agent2.display_name not in results
    assert 'data-published="true"' not in results


def test_the_admin_schedules_a_pulse_on_the_page(world):
    client = client_for(world.admin)
    assert client.get("/alignment/pulses/new/").status_code == 200
    page = client.post(
        "/alignment/pulses/new/",
        {"title": "Spring", "opens": "2026-03-01", "closes": "2026-02-01", "teams": [world.agent.team.pk]},
    )
    assert page.status_code == 422
    page = client.post(
        "/alignment/pulses/new/",
        {"title": "Spring", "opens": "2026-03-01", "closes": "2026-03-08", "teams": [world.agent.team.pk]},
    )
    assert page.status_code == 302
    assert client_for(world.manager).get("/alignment/pulses/new/").status_code == 403


def test_pulse_results_page_shows_a_group_of_five(world):
    from leeway.people.models import Role
    from leeway.people.tests.factories import MemberFactory

    now = timezone.now()
    pulse = pulse_schedule(
        organization_id=world.organization.pk,
        actor=world.admin,
        title="Winter",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        teams=[world.agent.team],
    )
    for number in range(5):
        member = MemberFactory(organization=world.organization, role=Role.AGENT, team=world.agent.team)
        pulse_answer(
            pulse=pulse,
            member=member,
            scores=dict.fromkeys(
                ("negative_feedback", "losing_job", "paying", "held_against"), 4 if number else 1
            ),
        )
    html = client_for(world.manager).get(f"/alignment/pulses/{pulse.pk}/results/").content.decode()
    assert "data-still-open" in html and 'data-published="true"' not in html
    with time_machine.travel(now + timedelta(days=2)):
        html = client_for(world.manager).get(f"/alignment/pulses/{pulse.pk}/results/").content.decode()
    assert 'data-published="true"' in html and "80.0 %" in html
    assert make_decision  # the helper stays importable for other tests


@pytest.mark.parametrize("path", ["/alignment/charter/", "/alignment/feedback/", "/alignment/pulses/"])
def test_spanish_pages(world, path):
    world.agent.language = "es"
    world.agent.save()
    html = client_for(world.agent).get(path, headers={"Accept-Language": "es"}).content.decode()
    assert 'lang="es"' in html


def test_the_decision_page_links_reviewers_to_feedback_and_not_the_agent(world, protected):
    link = f"/alignment/decisions/{protected.public_id}/"
    assert link in client_for(world.lead).get(f"/decisions/{protected.public_id}/").content.decode()
    assert link not in client_for(world.agent).get(f"/decisions/{protected.public_id}/").content.decode()
