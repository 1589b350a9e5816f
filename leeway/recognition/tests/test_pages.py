"""Recognition pages: what each role sees, one-click kudos, escaping, 302 / 403 / 404-other-organization."""

import pytest
from django.test import Client
from django.urls import reverse

from leeway.recognition.models import Award, AwardStatus, Celebration, CompanyValue, Kudos
from leeway.recognition.services import award_confirm, award_nominate, decision_celebrate, kudos_give


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def pages(rw) -> dict[str, str]:
    decision = rw.decision.public_id
    return {
        "feed": reverse("recognition:feed"),
        "decision": reverse("recognition:decision", args=[decision]),
        "agent": reverse("recognition:agent", args=[rw.agent.pk]),
        "awards": reverse("recognition:awards"),
        "values": reverse("recognition:values"),
        "insights": reverse("recognition:insights"),
    }


def test_anonymous_visitors_are_sent_to_log_in(rw):
    client = Client()
    for url in pages(rw).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for name in ("kudos", "celebrate", "nominate"):
        url = reverse(f"recognition:{name}", args=[rw.decision.public_id])
        assert client.post(url).status_code == 302
    assert not Kudos.objects.exists()


def test_roles_that_may_not_are_refused(rw):
    agent = client_for(rw.agent2)
    for name in ("awards", "values", "insights"):
        assert agent.get(pages(rw)[name]).status_code == 403, name
    assert client_for(rw.lead).get(pages(rw)["values"]).status_code == 403
    manager = client_for(rw.manager)
    assert (
        manager.post(
            reverse("recognition:kudos", args=[rw.decision.public_id]), {"value": "own-it"}
        ).status_code
        == 403
    )
    assert (
        manager.post(
            reverse("recognition:nominate", args=[rw.decision.public_id]), {"period": "week"}
        ).status_code
        == 403
    )
    award = award_nominate(member=rw.lead, decision=rw.decision, period="week")
    assert client_for(rw.lead).post(reverse("recognition:award_confirm", args=[award.pk])).status_code == 403
    assert not Kudos.objects.exists()
    assert Award.objects.get().status == AwardStatus.NOMINATED


def test_another_organizations_things_are_not_found(rw, other_rw):
    outsider = client_for(other_rw.lead)
    decision = rw.decision.public_id
    assert outsider.get(reverse("recognition:decision", args=[decision])).status_code == 404
    assert outsider.get(reverse("recognition:agent", args=[rw.agent.pk])).status_code == 404
    assert outsider.get(reverse("recognition:feed"), {"site": rw.decision.site_id}).status_code == 404
    assert outsider.get(reverse("recognition:feed"), {"team": rw.agent.team_id}).status_code == 404
    assert (
        outsider.post(reverse("recognition:kudos", args=[decision]), {"value": "own-it"}).status_code == 404
    )
    assert outsider.post(reverse("recognition:celebrate", args=[decision])).status_code == 404
    assert (
        outsider.post(reverse("recognition:nominate", args=[decision]), {"period": "week"}).status_code == 404
    )
    award = award_nominate(member=rw.lead, decision=rw.decision, period="week")
    assert (
        client_for(other_rw.manager).post(reverse("recognition:award_confirm", args=[award.pk])).status_code
        == 404
    )
    value = CompanyValue.objects.filter(organization=rw.organization).first()
    assert (
        client_for(other_rw.admin).get(reverse("recognition:value_edit", args=[value.pk])).status_code == 404
    )
    assert not Kudos.objects.exists() and not Celebration.objects.exists()


def test_a_peer_gives_kudos_in_one_click_from_the_feed(rw):
    client = client_for(rw.agent2)
    feed = client.get(reverse("recognition:feed")).content.decode()
    assert f'id="recent-{rw.decision.public_id}"' in feed
    assert 'data-kudos="own-it"' in feed
    url = reverse("recognition:kudos", args=[rw.decision.public_id])
    response = client.post(
        url,
        {"value": "own-it", "points": "10", "message": "<script>alert(1)</script>", "next": "/recognition/"},
    )
    assert response.status_code == 302 and response["Location"] == "/recognition/"
    kudos = Kudos.objects.get()
    assert (kudos.points, kudos.company_value.code) == (10, "own-it")
    page = client.get(reverse("recognition:feed")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "You gave kudos for this decision." in page


def test_a_refused_kudos_says_why_and_stores_nothing(rw):
    client = client_for(rw.lead)
    url = reverse("recognition:kudos", args=[rw.decision.public_id])
    response = client.post(url, {"value": "own-it", "points": "500"}, follow=True)
    assert "You have 100 points left this month." in response.content.decode()
    response = client.post(url, {"value": "own-it", "message": "x" * 10_000}, follow=True)
    assert "Keep it under 280 characters." in response.content.decode()
    assert not Kudos.objects.exists()


def test_the_feed_shows_celebrations_kudos_and_awards_with_the_customers_words(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    kudos_give(member=rw.agent2, decision=rw.decision, company_value="customer-first", points=5)
    award = award_nominate(member=rw.lead, decision=rw.decision, period="week")
    award_confirm(member=rw.manager, award=award)
    page = client_for(rw.analyst).get(reverse("recognition:feed")).content.decode()
    assert "Empowered decision of the week" in page
    assert "Customer first" in page
    assert "You saved my month" in page and "— Ada" in page
    assert "Byron" not in page and "555-123" not in page
    spanish = client_for(rw.analyst)
    spanish.cookies.load({})
    rw.analyst.language = "es"
    rw.analyst.save(update_fields=["language"])
    page = client_for(rw.analyst).get(reverse("recognition:feed")).content.decode()
    assert "El cliente primero" in page and "Decisión empoderada de la semana" in page


def test_the_agents_home_shows_their_celebrated_decisions_first(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    page = client_for(rw.agent).get(reverse("people:home")).content.decode()
    assert "Your celebrated decisions" in page
    assert page.index("your-celebrated-decisions") < page.index("What Leeway promises you")
    assert "You saved my month" in page
    assert (
        "Your celebrated decisions" not in client_for(rw.agent2).get(reverse("people:home")).content.decode()
    )
    assert client_for(rw.agent).get("/").status_code == 302  # the landing still opens the console


def test_the_agents_page_shows_awards(rw):
    award = award_nominate(member=rw.lead, decision=rw.decision, period="month")
    award_confirm(member=rw.manager, award=award)
    page = client_for(rw.agent2).get(reverse("recognition:agent", args=[rw.agent.pk])).content.decode()
    assert "Empowered decision of the month" in page


def test_leads_nominate_and_managers_confirm_on_the_pages(rw):
    lead = client_for(rw.lead)
    url = reverse("recognition:nominate", args=[rw.decision.public_id])
    assert lead.post(url, {"period": "week", "reason": "Kind"}).status_code == 302
    award = Award.objects.get()
    page = client_for(rw.manager).get(reverse("recognition:awards")).content.decode()
    assert reverse("recognition:award_confirm", args=[award.pk]) in page
    assert (
        client_for(rw.manager).post(reverse("recognition:award_confirm", args=[award.pk])).status_code == 302
    )
    award.refresh_from_db()
    assert award.status == AwardStatus.CONFIRMED


def test_admins_define_values_in_both_languages(rw):
    admin = client_for(rw.admin)
    url = reverse("recognition:values")
    response = admin.post(
        url,
        {
            "value-code": "be-kind",
            "value-name_en": "Be kind",
            "value-name_es": "Sé amable",
            "value-active": "on",
        },
    )
    assert response.status_code == 302
    value = CompanyValue.objects.get(organization=rw.organization, code="be-kind")
    assert value.safe_translation_getter("name", language_code="es") == "Sé amable"
    hostile = admin.post(url, {"value-code": "evil", "value-name_en": "<script>x</script>"})
    assert hostile.status_code == 200 and "Use plain text, without &lt; or &gt;." in hostile.content.decode()
    assert not CompanyValue.objects.filter(code="evil").exists()
    edit = reverse("recognition:value_edit", args=[value.pk])
    assert admin.post(edit, {"value-name_en": "Be kind", "value-name_es": "Sé amable"}).status_code == 302
    value.refresh_from_db()
    assert value.active is False
    assert admin.post(url, {"allowance-monthly_allowance": "40"}).status_code == 302


def test_the_insights_page_explains_the_gini(rw):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    page = client_for(rw.admin).get(reverse("recognition:insights")).content.decode()
    assert "50 %" in page and "Gini 0.50" in page
    assert "a concentrated programme is a popularity contest" in page


@pytest.mark.parametrize("url_name", ["recognition:feed", "people:home"])
def test_pages_render_for_every_role(rw, url_name):
    for member in (rw.agent, rw.lead, rw.manager, rw.admin, rw.analyst):
        assert client_for(member).get(reverse(url_name)).status_code == 200


def test_the_insights_page_reads_other_months_and_refuses_a_bad_one(rw):
    admin = client_for(rw.admin)
    page = admin.get(reverse("recognition:insights"), {"month": "2020-01"}).content.decode()
    assert "January 2020" in page and "0 %" in page
    page = admin.get(reverse("recognition:insights"), {"month": "2020-13"}).content.decode()
    assert "Give the month as YYYY-MM" in page


def test_a_colleagues_pending_request_is_not_found_by_peers(rw):
    from leeway.recognition.tests.conftest import make_decision

    pending = make_decision(rw.agent, amount="150.00")
    url = reverse("recognition:decision", args=[pending.public_id])
    assert client_for(rw.agent2).get(url).status_code == 404
    assert client_for(rw.agent).get(url).status_code == 200
    assert client_for(rw.lead).get(url).status_code == 200


def test_only_admins_edit_a_value(rw):
    value = CompanyValue.objects.filter(organization=rw.organization).first()
    url = reverse("recognition:value_edit", args=[value.pk])
    assert Client().get(url).status_code == 302
    assert client_for(rw.lead).get(url).status_code == 403
    assert client_for(rw.manager).post(url, {"value-name_en": "Hacked"}).status_code == 403
    assert client_for(rw.admin).get(url).status_code == 200
    value.refresh_from_db()
    assert value.safe_translation_getter("name", language_code="en") == "Own it"


def test_the_feed_pages_back_to_older_celebrations(rw, monkeypatch):
    from leeway.recognition import views

    monkeypatch.setattr(views, "FEED_PAGE_SIZE", 1)
    decision_celebrate(member=rw.lead, decision=rw.decision)
    decision_celebrate(member=rw.lead, decision=rw.decision2)
    reader = client_for(rw.analyst)
    url = reverse("recognition:feed")
    first = reader.get(url).content.decode()
    assert "page=2" in first and "Older" in first and "Newer" not in first
    assert str(rw.decision2.public_id) in first and str(rw.decision.public_id) not in first
    second = reader.get(url, {"page": "2"}).content.decode()
    assert "page=1" in second and "Newer" in second and "Older" not in second
    assert str(rw.decision.public_id) in second and str(rw.decision2.public_id) not in second
    # What is not a page number is the first page, as Django's paginator reads it; far pages are empty.
    for spelling in ("abc", "0", "-1", "٢", "99999999999999999999"):
        page = reader.get(url, {"page": spelling})
        assert page.status_code == 200
    assert str(rw.decision2.public_id) in reader.get(url, {"page": "abc"}).content.decode()
    far = reader.get(url, {"page": "99999999999999999999"}).content.decode()
    assert "Nothing celebrated here yet." in far
