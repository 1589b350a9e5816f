import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leeway.core.models import AuditEntry
from leeway.people.models import ApiToken
from leeway.people.services import token_revoke
from leeway.people.services import tokens as services
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error


def test_it_exchanges_credentials_for_a_token(api_client, aurora):
    member = MemberFactory(organization=aurora, username="avery")
    response = api_client.post_json("/api/v1/auth/token", {"username": "avery", "password": "demo-pass-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert token.startswith("lw_")
    stored = ApiToken.objects.get(member=member)
    assert stored.digest != token and token not in stored.digest, "the raw token must never be stored"
    assert AuditEntry.objects.filter(action="token.created", object_id=str(stored.pk)).exists()


def test_wrong_password_is_401(api_client, aurora):
    MemberFactory(organization=aurora, username="avery")
    response = api_client.post_json("/api/v1/auth/token", {"username": "avery", "password": "nope"})
    assert_error(response, 401, "invalid_credentials")
    assert not ApiToken.objects.exists()


def test_repeated_failures_are_throttled_with_429(api_client, aurora):
    MemberFactory(organization=aurora, username="avery")
    for _attempt in range(5):
        api_client.post_json("/api/v1/auth/token", {"username": "avery", "password": "nope"})
    response = api_client.post_json("/api/v1/auth/token", {"username": "avery", "password": "demo-pass-1"})
    assert_error(response, 429, "login_locked")
    assert not ApiToken.objects.exists()


def test_a_valid_token_authenticates(api_client, aurora):
    member = MemberFactory(organization=aurora, username="avery")
    api_client.authenticate(member)
    response = api_client.get_json("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "avery"


def test_a_missing_token_is_401(api_client, aurora):
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_a_wrong_token_is_401(api_client, aurora):
    api_client.token = "lw_not-a-real-token"
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_a_revoked_token_is_401(api_client, aurora):
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    ApiToken.objects.filter(member=member).update(revoked_at=timezone.now())
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_an_inactive_members_token_is_401(api_client, aurora):
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    member.is_active = False
    member.save()
    assert_error(api_client.get_json("/api/v1/me"), 401)


def _token_queries(captured) -> int:
    return sum('"people_apitoken" t' in query["sql"] for query in captured.captured_queries)


def test_a_token_lookup_is_cached_for_a_few_seconds(api_client, aurora, settings):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 5
    api_client.authenticate(MemberFactory(organization=aurora))
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get_json("/api/v1/me").status_code == 200
        assert api_client.get_json("/api/v1/me").status_code == 200
    assert _token_queries(captured) == 1


def test_revoking_a_token_takes_effect_at_once_in_this_process(api_client, aurora, settings):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 5
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    assert api_client.get_json("/api/v1/me").status_code == 200
    token_revoke(token=ApiToken.objects.get(member=member), actor=member)
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_deactivating_a_member_takes_effect_at_once_in_this_process(api_client, aurora, settings):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 5
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    assert api_client.get_json("/api/v1/me").status_code == 200
    member.is_active = False
    member.save()
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_another_workers_revocation_is_seen_once_the_cache_expires(api_client, aurora, settings, monkeypatch):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 5
    member = MemberFactory(organization=aurora)
    api_client.authenticate(member)
    assert api_client.get_json("/api/v1/me").status_code == 200
    # Another process revokes: no signal reaches this one (a queryset update sends none either).
    ApiToken.objects.filter(member=member).update(revoked_at=timezone.now())
    assert api_client.get_json("/api/v1/me").status_code == 200  # still trusted, for at most 5 s
    later = time.monotonic() + 5.1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    assert_error(api_client.get_json("/api/v1/me"), 401, "not_authenticated")


def test_the_cache_can_be_turned_off(api_client, aurora, settings):
    settings.LEEWAY_TOKEN_CACHE_SECONDS = 0
    api_client.authenticate(MemberFactory(organization=aurora))
    with CaptureQueriesContext(connection) as captured:
        api_client.get_json("/api/v1/me")
        api_client.get_json("/api/v1/me")
    assert _token_queries(captured) == 2
