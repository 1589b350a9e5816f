"""Bearer-token API calls skip the browser's middleware; pages and session calls keep all of it."""

import pytest
from django.test import Client

from leeway.customers.models import Customer
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_a_bearer_call_gets_no_cookie_and_no_page_headers(api_client, aurora):
    api_client.authenticate(MemberFactory(organization=aurora))
    response = api_client.get_json("/api/v1/me")
    assert response.status_code == 200
    assert not response.cookies  # no session, no CSRF cookie
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers
    # What every answer gets still applies: security headers and the language it speaks.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Language"] == "en"


def test_a_wrong_bearer_token_on_a_write_is_refused_and_records_nothing(api_client, aurora):
    api_client.token = "lw_not-a-real-token"
    response = api_client.post_json("/api/v1/customers", {"external_id": "C-9", "name": "Nobody"})
    assert_error(response, 401, code="not_authenticated")
    assert not Customer.objects.filter(external_id="C-9").exists()


@pytest.mark.parametrize("token", [None, "lw_not-a-real-token"])
def test_a_write_without_a_valid_token_is_401_even_where_csrf_is_enforced(aurora, token):
    """As a real server answers (the test client skips CSRF unless told): 401, never a CSRF 403."""
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/api/v1/decisions", "{}", content_type="application/json", headers=headers)
    assert_error(response, 401, code="not_authenticated")


def test_pages_keep_csp_frame_options_and_the_session(aurora):
    member = MemberFactory(organization=aurora, role=Role.AGENT)
    client = Client()
    client.force_login(member)
    response = client.get("/console/")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert response.wsgi_request.user == member


def test_a_session_call_to_the_api_still_needs_its_csrf_token(aurora):
    member = MemberFactory(organization=aurora, role=Role.AGENT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/decisions/preview", "{}", content_type="application/json")
    assert response.status_code == 403
