"""The recognition API: each endpoint's answer, its 401 / 403 / 404-for-another-organization, bad input."""

import pytest

from leeway.core.models import OutboxEvent
from leeway.people.tests.helpers import ApiClient, assert_error
from leeway.recognition.models import Award, Celebration, CompanyValue, Kudos
from leeway.recognition.services import award_nominate, decision_celebrate

V1 = "/api/v1"


@pytest.fixture
def as_member(db):
    """A fresh client per member (the `api_client` fixture stays anonymous)."""

    def login(member):
        client = ApiClient()
        client.authenticate(member)
        return client

    return login


def kudos_url(decision) -> str:
    return f"{V1}/decisions/{decision.public_id}/kudos"


def test_a_peer_gives_kudos_over_the_api(rw, as_member):
    client = as_member(rw.agent2)
    response = client.post_json(kudos_url(rw.decision), {"value": "own-it", "points": 20, "message": "Great"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["value"], body["points"], body["remaining"]) == ("own-it", 20, 80)
    assert client.get_json(f"{V1}/recognition/allowance").json()["remaining"] == 80
    assert Kudos.objects.filter(giver=rw.agent2).count() == 1


def test_kudos_bad_input_is_refused_and_nothing_is_stored(rw, as_member):
    client = as_member(rw.lead)
    assert_error(
        client.post_json(kudos_url(rw.decision), {"value": "own-it", "points": -1}), 422, field="points"
    )
    assert_error(client.post_json(kudos_url(rw.decision), {"value": "own-it", "points": "lots"}), 422)
    assert_error(
        client.post_json(kudos_url(rw.decision), {"value": "own-it", "points": 101}),
        422,
        "allowance_exceeded",
    )
    huge = {"value": "own-it", "message": "x" * 5000}
    assert_error(client.post_json(kudos_url(rw.decision), huge), 422, "too_long", "message")
    assert_error(client.post_json(kudos_url(rw.decision), {"value": "<script>"}), 422, "unknown_value")
    assert_error(client.post_json(kudos_url(rw.decision), raw="{not json"), 400)
    assert_error(client.post_json(kudos_url(rw.decision), {}), 422, field="value")
    assert not Kudos.objects.exists() and not OutboxEvent.objects.filter(topic="kudos.given").exists()


def test_kudos_endpoint_401_403_404(rw, other_rw, as_member, api_client):
    assert_error(api_client.post_json(kudos_url(rw.decision), {"value": "own-it"}), 401)
    assert_error(as_member(rw.manager).post_json(kudos_url(rw.decision), {"value": "own-it"}), 403)
    assert_error(as_member(other_rw.lead).post_json(kudos_url(rw.decision), {"value": "own-it"}), 404)
    assert_error(as_member(rw.lead).post_json(f"{V1}/decisions/not-a-uuid/kudos", {"value": "own-it"}), 404)
    assert_error(
        as_member(rw.agent).post_json(kudos_url(rw.decision), {"value": "own-it"}), 422, "own_decision"
    )


def test_celebrate_endpoint(rw, other_rw, as_member, api_client):
    url = f"{V1}/decisions/{rw.decision.public_id}/celebrate"
    assert_error(api_client.post_json(url), 401)
    assert_error(as_member(rw.admin).post_json(url), 403)
    assert_error(as_member(other_rw.agent2).post_json(url), 404)
    response = as_member(rw.agent2).post_json(url)
    assert response.status_code == 201, response.content
    assert response.json()["customer_words"].startswith("You saved my month")
    assert_error(as_member(rw.lead).post_json(url), 409, "already_celebrated")
    assert Celebration.objects.count() == 1


def test_award_endpoints(rw, other_rw, as_member, api_client):
    url = f"{V1}/decisions/{rw.decision.public_id}/award-nominations"
    assert_error(api_client.post_json(url, {"period": "week"}), 401)
    assert_error(as_member(rw.agent2).post_json(url, {"period": "week"}), 403)
    assert_error(as_member(other_rw.lead).post_json(url, {"period": "week"}), 404)
    assert_error(as_member(rw.lead).post_json(url, {"period": "year"}), 422, "invalid_period")
    response = as_member(rw.lead).post_json(url, {"period": "week", "reason": "Kind"})
    assert response.status_code == 201, response.content
    award_id = response.json()["id"]
    confirm = f"{V1}/recognition/awards/{award_id}/confirm"
    assert_error(api_client.post_json(confirm), 401)
    assert_error(as_member(rw.lead).post_json(confirm), 403)
    assert_error(as_member(other_rw.manager).post_json(confirm), 404)
    confirmed = as_member(rw.manager).post_json(confirm)
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    assert_error(as_member(rw.admin).post_json(confirm), 409)
    assert OutboxEvent.objects.filter(topic="award.confirmed", organization=rw.organization).count() == 1


def test_values_endpoints(rw, other_rw, as_member, api_client):
    url = f"{V1}/recognition/values"
    assert_error(api_client.get_json(url), 401)
    listed = as_member(rw.agent).get_json(url, headers={"Accept-Language": "es"})
    assert [value["name"] for value in listed.json()] == ["Hazlo tuyo", "El cliente primero"]
    body = {"code": "be-kind", "names": {"en": "Be kind", "es": "Sé amable"}}
    assert_error(as_member(rw.lead).post_json(url, body), 403)
    created = as_member(rw.admin).post_json(url, body)
    assert created.status_code == 201, created.content
    assert_error(as_member(rw.admin).post_json(url, body), 409)
    hostile = {"code": "evil", "names": {"en": "<img src=x onerror=alert(1)>"}}
    assert_error(as_member(rw.admin).post_json(url, hostile), 422, "no_markup", "name_en")
    value_id = created.json()["id"]
    patch = as_member(rw.admin).patch(
        f"{url}/{value_id}",
        '{"active": false}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {as_member(rw.admin).token}"},
    )
    assert (patch.status_code, patch.json()["active"]) == (200, False)
    other = as_member(other_rw.admin)
    response = other.patch(
        f"{url}/{value_id}",
        '{"active": true}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {other.token}"},
    )
    assert_error(response, 404)
    assert CompanyValue.objects.filter(organization=other_rw.organization, code="evil").count() == 0


def test_feed_endpoint_shows_only_the_organizations_own(rw, other_rw, as_member, api_client):
    decision_celebrate(member=rw.lead, decision=rw.decision)
    decision_celebrate(member=other_rw.lead, decision=other_rw.decision)
    url = f"{V1}/recognition/feed"
    assert_error(api_client.get_json(url), 401)
    items = as_member(rw.agent).get_json(url).json()["items"]
    assert [item["decision"] for item in items] == [str(rw.decision.public_id)]
    assert items[0]["customer_first_name"] == "Ada" and "Byron" not in str(items[0])
    other_site = other_rw.decision.site_id
    # Another organization's site is not a value this filter takes (a 422 that says no more than a 404).
    assert_error(as_member(rw.agent).get_json(url, site=other_site), 422, "unknown_site", "site")
    other_team = other_rw.lead.team_id
    assert_error(as_member(rw.agent).get_json(url, team=other_team), 422, "unknown_team", "team")
    assert as_member(rw.agent).get_json(url, team=rw.other_lead.team_id).json()["items"] == []


def test_stats_endpoint(rw, other_rw, as_member, api_client):
    url = f"{V1}/recognition/stats"
    assert_error(api_client.get_json(url), 401)
    assert_error(as_member(rw.agent).get_json(url), 403)
    decision_celebrate(member=rw.lead, decision=rw.decision)
    body = as_member(rw.admin).get_json(url).json()
    assert (body["agents"], body["recognised"], body["share"], body["gini"]) == (2, 1, 0.5, 0.5)
    assert as_member(other_rw.admin).get_json(url).json()["recognised"] == 0


def test_nominations_are_per_site(rw, as_member):
    award_nominate(member=rw.lead, decision=rw.decision, period="month")
    assert Award.objects.count() == 1


def test_stats_for_another_month_and_a_malformed_one(rw, as_member):
    client = as_member(rw.admin)
    assert client.get_json(f"{V1}/recognition/stats", month="2020-01").json()["month"] == "2020-01-01"
    assert_error(client.get_json(f"{V1}/recognition/stats", month="Jan"), 422, "invalid_month", "month")
    # Months without a next one (or whose start is before the first datetime) are refused, not a 500.
    for month in ("9999-12", "0001-01", " 2026-1", "2026-13", "٢٠٢٦-01"):
        assert_error(client.get_json(f"{V1}/recognition/stats", month=month), 422, "invalid_month", "month")


def test_allowance_and_value_changes_need_the_right_caller(rw, other_rw, as_member, api_client):
    assert_error(api_client.get_json(f"{V1}/recognition/allowance"), 401)
    value = CompanyValue.objects.filter(organization=rw.organization).first()
    url = f"{V1}/recognition/values/{value.pk}"

    def patch(client, body):
        headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
        return client.patch(url, body, content_type="application/json", headers=headers)

    assert_error(patch(api_client, '{"active": false}'), 401)
    assert_error(patch(as_member(rw.lead), '{"active": false}'), 403)
    assert_error(patch(as_member(rw.admin), '{"names": {"en": "<i>x</i>"}}'), 422, "no_markup")
    assert_error(patch(as_member(rw.admin), '{"names": {"en": ""}}'), 422, "required")
    value.refresh_from_db()
    assert value.active and value.safe_translation_getter("name", language_code="en") == "Own it"
