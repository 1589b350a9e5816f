"""No input makes a 500: integer query parameters are bounded, a NUL character is refused everywhere.

Both 500s were found by a fuzzer (schemathesis) on PostgreSQL: `GET /decisions?offset=` beyond
64 bits, and `GET /customers?q=` with a NUL character. These tests run on both databases.
"""

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from leeway.core.inputs import MAX_OFFSET
from leeway.core.models import AuditEntry
from leeway.customers.models import Customer
from leeway.people.models import ApiToken, Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(aurora):
    return MemberFactory(organization=aurora, role=Role.ADMIN, username="aurora-admin-t", language="en")


@pytest.fixture
def admin_client(api_client, admin):
    api_client.authenticate(admin)
    return api_client


# --- integer query parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("offset=99999999999999999999999", "offset", "Enter a number no larger than 1000000000."),
        ("offset=9223372036854775808", "offset", "Enter a number no larger than 1000000000."),
        ("offset=-1", "offset", "Enter a number of at least 0."),
        ("limit=201", "limit", "Enter a number no larger than 200."),
        ("limit=0", "limit", "Enter a number of at least 1."),
        ("limit=ten", "limit", "Enter a whole number."),
    ],
)
def test_a_paging_parameter_out_of_bounds_is_a_422_naming_it(admin_client, query, field, message):
    error = assert_error(
        admin_client.get_json(f"/api/v1/decisions?{query}"), 422, code="invalid", field=field
    )
    assert error["message"] == message


def test_the_largest_offset_is_answered_with_an_empty_page(admin_client):
    response = admin_client.get_json(f"/api/v1/decisions?offset={MAX_OFFSET}&limit=200")
    assert response.status_code == 200, response.content
    assert response.json()["items"] == [] and response.json()["offset"] == MAX_OFFSET


@pytest.mark.parametrize("limit", ["99999999999999999999", "11", "0"])
def test_the_customer_search_limit_is_bounded_to_ten(admin_client, limit):
    assert_error(admin_client.get_json(f"/api/v1/customers?q=a&limit={limit}"), 422, field="limit")


def test_the_bound_speaks_spanish(admin_client):
    response = admin_client.get_json("/api/v1/decisions?limit=999", headers={"Accept-Language": "es"})
    error = assert_error(response, 422, field="limit")
    assert error["message"] == "Introduce un número no mayor que 200."


# --- NUL characters: query, path, body -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/customers?q=a%00b", "q"),
        ("/api/v1/customers?q=%00&limit=99999999999999999999", "q"),
        ("/api/v1/decisions?status=pending%00", "status"),
        ("/api/v1/customers/C%001001", None),
        ("/api/v1/decisions/%00", None),
        ("/api/v1/me?x%00y=1", None),
    ],
)
def test_a_nul_in_the_query_or_the_path_is_a_422(admin_client, path, field):
    error = assert_error(admin_client.get_json(path), 422, code="invalid_text", field=field)
    assert error["message"] == "This text contains characters that are not allowed."


def test_a_nul_in_the_login_body_is_refused_and_gives_no_token(api_client, admin):
    before = ApiToken.objects.count()
    response = api_client.post_json("/api/v1/auth/token", {"username": "aurora-admin-t\x00", "password": "x"})
    assert_error(response, 422, code="invalid_text", field="username")
    assert ApiToken.objects.count() == before


def test_a_nul_deep_in_a_batch_names_the_row_and_records_nothing(admin_client):
    before = (Customer.objects.count(), AuditEntry.objects.count())
    rows = [{"external_id": "C-1", "name": "Ada"}, {"external_id": "C-2", "name": "Gr\x00ce"}]
    response = admin_client.post_json("/api/v1/customers", {"customers": rows})
    assert_error(response, 422, code="invalid_text", field="customers[1].name")
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before


def test_a_nul_in_an_unknown_key_is_refused_too(admin_client):
    response = admin_client.post_json("/api/v1/customers", {"external_id": "C-1", "na\x00me": "Ada"})
    assert_error(response, 422, code="invalid_text", field=None)
    assert not Customer.objects.exists()


def test_a_refusal_repeats_only_the_start_of_a_made_up_key(admin_client):
    # Seen in a schemathesis run: `field` repeated a key the client made up, and keys have no length limit.
    key = "k" * 5000
    response = admin_client.post_json("/api/v1/customers", {"external_id": "C-1", key: "A\x00"})
    assert_error(response, 422, code="invalid_text", field="k" * 100)


def test_a_backslash_u_0000_that_is_text_is_not_a_nul(admin_client):
    # JSON "a\\u0000" is the six characters \u0000 after an a: text, not a NUL.
    raw = json.dumps({"external_id": "C-1", "name": "a\\u0000"})
    response = admin_client.post_json("/api/v1/customers", raw=raw)
    assert response.status_code == 201, response.content
    assert Customer.objects.get().name == "a\\u0000"


def test_the_refusal_follows_accept_language(admin_client):
    response = admin_client.get_json("/api/v1/customers?q=%00", headers={"Accept-Language": "es"})
    error = assert_error(response, 422, code="invalid_text", field="q")
    assert error["message"] == "Este texto contiene caracteres no permitidos."


def test_a_nul_is_refused_before_authentication(api_client):
    assert_error(api_client.get("/api/v1/customers?q=%00"), 422, code="invalid_text")


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/console/?customer=C%001001", "/customers/?q=%00", "/decisions/%00/"])
def test_a_page_with_a_nul_answers_the_400_page(client, aurora, url):
    agent = MemberFactory(organization=aurora, role=Role.ADMIN, username="aurora-page-t", language="es")
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 400
    assert "Este texto contiene caracteres no permitidos." in response.content.decode()


def test_a_form_post_with_a_nul_answers_the_400_page(client, admin):
    body = urlencode({"username": "aurora-admin-t\x00", "password": "x"})
    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "This text contains characters that are not allowed." in response.content.decode()
