"""The interactions and ROI endpoints: answers, 401 / 403, other organizations unseen, bad input refused."""

import pytest

from leeway.decisions.services import decision_create
from leeway.insights.models import Interaction
from leeway.people.tests.helpers import ApiClient, assert_error

V1 = "/api/v1"
ONE = {
    "external_ref": "CALL-778",
    "customer": "C-1001",
    "channel": "phone",
    "category": "billing_error",
    "agent": "agent",
    "occurred_at": "2025-03-01T14:30:00Z",
}


@pytest.fixture
def as_member(db):
    def login(member):
        client = ApiClient()
        client.authenticate(member)
        return client

    return login


def test_an_analyst_records_one_interaction_and_a_resend_changes_nothing(world, as_member):
    client = as_member(world.analyst)
    response = client.post_json(f"{V1}/interactions", ONE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "external_ref": "CALL-778",
        "customer": "C-1001",
        "channel": "phone",
        "category": "billing_error",
        "agent": "agent",
        "occurred_at": "2025-03-01T14:30:00Z",
        "gesture": False,
    }
    again = client.post_json(f"{V1}/interactions", ONE)
    assert again.status_code == 200 and again.json() == body
    assert Interaction.objects.count() == 1


def test_the_same_reference_with_other_details_is_a_conflict(world, as_member):
    client = as_member(world.admin)
    assert client.post_json(f"{V1}/interactions", ONE).status_code == 201
    assert_error(client.post_json(f"{V1}/interactions", {**ONE, "customer": "C-1002"}), 409, "ref_conflict")
    assert Interaction.objects.get().customer == world.customer


def test_a_list_is_all_or_nothing_and_names_the_bad_item(world, as_member):
    client = as_member(world.analyst)
    second = {**ONE, "external_ref": "CHAT-9", "customer": "C-NOBODY", "channel": "chat"}
    error = assert_error(
        client.post_json(f"{V1}/interactions", {"interactions": [ONE, second]}),
        422,
        "unknown_customer",
        "interactions[1].customer",
    )
    assert error["message"].startswith("Interaction 2:")
    assert not Interaction.objects.exists()
    response = client.post_json(
        f"{V1}/interactions", {"interactions": [ONE, {**second, "customer": "C-1002"}]}
    )
    assert response.status_code == 201 and response.json() == {"created": 2, "already_recorded": 0}
    resent = client.post_json(f"{V1}/interactions", {"interactions": [ONE]})
    assert resent.json() == {"created": 0, "already_recorded": 1}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"channel": "pigeon"}, "unknown_channel", "channel"),
        ({"occurred_at": "yesterday"}, "invalid_datetime", "occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "date_out_of_range", "occurred_at"),
        ({"external_ref": ""}, "required", "external_ref"),
        ({"external_ref": "X" * 101}, "too_long", "external_ref"),
        ({"category": "Two words"}, "invalid_category", "category"),
        ({"agent": "nobody"}, "unknown_agent", "agent"),
        ({"customer": 12}, "invalid", "customer"),
    ],
)
def test_bad_values_are_422_and_nothing_is_recorded(world, as_member, change, code, field):
    client = as_member(world.analyst)
    assert_error(client.post_json(f"{V1}/interactions", {**ONE, **change}), 422, code, field)
    assert not Interaction.objects.exists()


def test_one_and_a_list_together_is_refused(world, as_member):
    client = as_member(world.analyst)
    assert_error(
        client.post_json(f"{V1}/interactions", {**ONE, "interactions": [ONE]}), 422, "invalid", "interactions"
    )


def test_who_may_record_and_read(world, as_member, api_client):
    assert_error(api_client.post_json(f"{V1}/interactions", ONE), 401)
    assert_error(api_client.get_json(f"{V1}/interactions"), 401)
    assert_error(as_member(world.agent).post_json(f"{V1}/interactions", ONE), 403)
    assert_error(as_member(world.lead).post_json(f"{V1}/interactions", ONE), 403)
    assert_error(as_member(world.agent).get_json(f"{V1}/interactions"), 403)
    assert as_member(world.lead).get_json(f"{V1}/interactions").status_code == 200
    assert_error(as_member(world.agent).get_json(f"{V1}/insights/roi"), 403)
    assert_error(as_member(world.manager).get_json(f"{V1}/insights/roi"), 403)
    assert not Interaction.objects.exists()


def test_the_list_shows_only_the_callers_organization_and_which_had_a_gesture(world, other_world, as_member):
    as_member(world.analyst).post_json(f"{V1}/interactions", ONE)
    as_member(world.analyst).post_json(f"{V1}/interactions", {**ONE, "external_ref": "CALL-779"})
    other = {**ONE, "customer": "C-1001", "agent": "casa-agent"}  # the same names in casa-azul
    assert as_member(other_world.analyst).post_json(f"{V1}/interactions", other).status_code == 201
    decision_create(
        member=world.agent,
        customer="C-1001",
        gesture="waive_fee",
        amount="20.00",
        currency="USD",
        reason="billing_error",
        interaction_ref="CALL-778",
    )
    body = as_member(world.lead).get_json(f"{V1}/interactions").json()
    assert body["count"] == 2
    assert {item["external_ref"]: item["gesture"] for item in body["items"]} == {
        "CALL-778": True,
        "CALL-779": False,
    }
    theirs = as_member(other_world.analyst).get_json(f"{V1}/interactions").json()
    assert [(i["external_ref"], i["agent"], i["gesture"]) for i in theirs["items"]] == [
        ("CALL-778", "casa-agent", False)
    ]
    only = as_member(world.lead).get_json(f"{V1}/interactions", customer="C-1002").json()
    assert only == {"count": 0, "items": []}


def test_the_roi_endpoint_before_and_after_an_estimate(world, as_member):
    from leeway.insights.roi.service import roi_estimate_compute

    client = as_member(world.analyst)
    assert client.get_json(f"{V1}/insights/roi").json() == {
        "computed_at": None,
        "currency": "USD",
        "treated": 0,
        "control": 0,
        "figures": [],
    }
    roi_estimate_compute(organization=world.organization)
    body = client.get_json(f"{V1}/insights/roi").json()
    assert body["computed_at"] and [f["key"] for f in body["figures"]] == [
        "retention_90",
        "retention_180",
        "purchases",
        "value",
    ]
    assert all(f["estimate"] is None and f["missing"]["reason"] for f in body["figures"])


@pytest.mark.parametrize("since", ["0.0", "yesterday", "2025-13-01T00:00:00Z", "2025-03-01T00:00:00"])
def test_a_since_that_is_not_a_moment_with_its_offset_is_422(world, as_member, since):
    assert_error(
        as_member(world.lead).get_json(f"{V1}/interactions", since=since), 422, "invalid_datetime", "since"
    )


def test_since_keeps_the_later_interactions(world, as_member):
    client = as_member(world.analyst)
    client.post_json(f"{V1}/interactions", ONE)
    client.post_json(
        f"{V1}/interactions", {**ONE, "external_ref": "CALL-2", "occurred_at": "2025-04-01T00:00:00Z"}
    )
    body = client.get_json(f"{V1}/interactions", since="2025-03-15T00:00:00+00:00").json()
    assert [item["external_ref"] for item in body["items"]] == ["CALL-2"] and body["count"] == 1
