"""POST/GET /api/v1/customers: upsert (single and batch), the customer card, type-ahead search."""

import datetime as dt
from decimal import Decimal

import pytest

from leeway.core.models import AuditEntry, OutboxEvent
from leeway.customers.models import Customer
from leeway.customers.tests.factories import CustomerFactory
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.people.tests.helpers import assert_error

pytestmark = pytest.mark.django_db

NEW = {
    "external_id": "C-9001",
    "name": "María García López",
    "email": "Maria.Garcia@Example.com",
    "phone": "+1 (303) 555-0101",
    "language": "es",
    "segment": "residential",
    "created_on": "2023-05-14",
}


def test_it_creates_a_customer_and_answers_with_the_card(api_client, analyst):
    api_client.authenticate(analyst)
    response = api_client.post_json("/api/v1/customers", NEW)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "external_id": "C-9001",
        "name": "María García López",
        "language": "es",
        "value": None,
        "recent_decisions": [],
    }
    customer = Customer.objects.get(organization=analyst.organization, external_id="C-9001")
    assert customer.email == "maria.garcia@example.com"
    assert customer.created_on == dt.date(2023, 5, 14)
    assert customer.name_key == "maria garcia lopez"
    assert customer.surname_key == "garcia lopez"
    assert customer.phone_key == "13035550101"
    assert AuditEntry.objects.filter(action="customers.upserted").count() == 1
    assert OutboxEvent.objects.filter(topic="customers.upserted").count() == 1


def test_it_updates_by_external_id_and_keeps_fields_left_out(api_client, analyst):
    api_client.authenticate(analyst)
    api_client.post_json("/api/v1/customers", NEW)
    response = api_client.post_json("/api/v1/customers", {"external_id": "C-9001", "segment": "business"})
    assert response.status_code == 200, response.content
    customer = Customer.objects.get(external_id="C-9001")
    assert customer.segment == "business"
    assert customer.name == "María García López"
    assert customer.email == "maria.garcia@example.com"
    assert Customer.objects.count() == 1


def test_a_new_customer_needs_a_name(api_client, analyst):
    api_client.authenticate(analyst)
    response = api_client.post_json("/api/v1/customers", {"external_id": "C-9002"})
    assert_error(response, 422, code="required", field="name")
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("external_id", "C 9001", "invalid_external_id"),
        ("external_id", "C/9001", "invalid_external_id"),
        ("email", "not-an-email", "invalid_email"),
        ("phone", "call me", "invalid_phone"),
        ("language", "klingon", "invalid_language"),
        ("created_on", "14/05/2023", "invalid_date"),
        ("created_on", "2999-01-01", "date_out_of_range"),
        ("name", "x" * 201, "too_long"),
        ("name", "Bad\x01name", "invalid_characters"),  # a NUL: core/tests/test_request_limits.py
    ],
)
def test_it_refuses_bad_values_with_the_field(api_client, analyst, field, value, code):
    api_client.authenticate(analyst)
    response = api_client.post_json("/api/v1/customers", {**NEW, field: value})
    assert_error(response, 422, code=code, field=field)
    assert not Customer.objects.exists()


def test_it_refuses_unknown_fields(api_client, analyst):
    api_client.authenticate(analyst)
    response = api_client.post_json("/api/v1/customers", {**NEW, "phone_number": "123"})
    assert_error(response, 422, field="phone_number")


def test_a_batch_creates_and_updates_together(api_client, analyst):
    CustomerFactory(organization=analyst.organization, external_id="C-1", name="Old Name")
    api_client.authenticate(analyst)
    rows = [{"external_id": "C-1", "name": "New Name"}] + [
        {"external_id": f"C-{n}", "name": f"Customer {n}"} for n in range(2, 12)
    ]
    response = api_client.post_json("/api/v1/customers", {"customers": rows})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 10, "updated": 1}
    assert Customer.objects.get(external_id="C-1").name == "New Name"
    assert Customer.objects.count() == 11


def test_a_batch_with_one_bad_row_writes_nothing_and_names_the_row(api_client, analyst):
    api_client.authenticate(analyst)
    rows = [{"external_id": f"C-{n}", "name": f"Customer {n}"} for n in range(5)]
    rows[3]["email"] = "broken@"
    response = api_client.post_json("/api/v1/customers", {"customers": rows})
    assert_error(response, 422, code="invalid_email", field="customers[3].email")
    assert not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action="customers.upserted").exists()


def test_a_batch_refuses_the_same_id_twice(api_client, analyst):
    api_client.authenticate(analyst)
    rows = [{"external_id": "C-1", "name": "A"}, {"external_id": "C-1", "name": "B"}]
    response = api_client.post_json("/api/v1/customers", {"customers": rows})
    assert_error(response, 422, code="duplicate_row", field="customers[1].external_id")
    assert not Customer.objects.exists()


def test_a_batch_is_limited_to_a_thousand_rows(api_client, analyst, settings):
    settings.LEEWAY_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
    api_client.authenticate(analyst)
    rows = [{"external_id": f"C-{n}", "name": "N"} for n in range(1001)]
    response = api_client.post_json("/api/v1/customers", {"customers": rows})
    assert_error(response, 422, code="batch_too_large", field="customers")
    assert not Customer.objects.exists()


def test_a_batch_row_with_an_unknown_field_is_refused(api_client, analyst):
    api_client.authenticate(analyst)
    response = api_client.post_json("/api/v1/customers", {"customers": [{"external_id": "C-1", "nmae": "x"}]})
    assert_error(response, 422, field="customers[0].nmae")


def test_writing_needs_authentication(api_client):
    assert_error(api_client.post_json("/api/v1/customers", NEW), 401, code="not_authenticated")
    assert_error(api_client.get_json("/api/v1/customers/C-1"), 401)
    assert_error(api_client.get_json("/api/v1/customers", q="C"), 401)


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.MANAGER, Role.TRAINER])
def test_only_admins_and_analysts_write_customers(api_client, aurora, role):
    api_client.authenticate(MemberFactory(organization=aurora, role=role))
    assert_error(api_client.post_json("/api/v1/customers", NEW), 403, code="forbidden")
    # The role check comes before the body is read: a broken body is still 403.
    assert_error(api_client.post_json("/api/v1/customers", raw="{not json"), 403)
    assert not Customer.objects.exists()


def test_an_admin_may_write_customers(api_client, aurora):
    api_client.authenticate(MemberFactory(organization=aurora, role=Role.ADMIN))
    assert api_client.post_json("/api/v1/customers", NEW).status_code == 201


def test_the_card_has_exactly_the_fields_of_the_contract(api_client, aurora, agent):
    CustomerFactory(
        organization=aurora,
        external_id="C-1001",
        name="Avery Brooks",
        language="en",
        predicted_clv=Decimal("1234.50"),
        probability_alive=0.87654321,
    )
    api_client.authenticate(agent)
    response = api_client.get_json("/api/v1/customers/C-1001")
    assert response.status_code == 200
    assert response.json() == {
        "external_id": "C-1001",
        "name": "Avery Brooks",
        "language": "en",
        "value": {"predicted_clv": "1234.50", "probability_alive": 0.8765, "currency": "USD"},
        "recent_decisions": [],
    }


def test_the_card_value_is_null_without_a_value(api_client, aurora, agent):
    CustomerFactory(organization=aurora, external_id="C-1001")
    api_client.authenticate(agent)
    assert api_client.get_json("/api/v1/customers/C-1001").json()["value"] is None


def test_another_organizations_customer_is_not_found(api_client, aurora, casa, agent):
    CustomerFactory(organization=casa, external_id="CA-2001")
    api_client.authenticate(agent)
    assert_error(api_client.get_json("/api/v1/customers/CA-2001"), 404, code="not_found")
    assert_error(api_client.get_json("/api/v1/customers/NOPE"), 404, code="not_found")


def test_an_upsert_never_touches_another_organizations_customer(api_client, casa, analyst):
    CustomerFactory(organization=casa, external_id="C-9001", name="Casa customer")
    api_client.authenticate(analyst)
    assert api_client.post_json("/api/v1/customers", NEW).status_code == 201
    assert Customer.objects.get(organization=casa).name == "Casa customer"
    assert Customer.objects.filter(external_id="C-9001").count() == 2


def test_trainers_cannot_read_customers(api_client, aurora):
    CustomerFactory(organization=aurora, external_id="C-1001")
    api_client.authenticate(MemberFactory(organization=aurora, role=Role.TRAINER))
    assert_error(api_client.get_json("/api/v1/customers/C-1001"), 403)
    assert_error(api_client.get_json("/api/v1/customers", q="C"), 403)


def test_errors_come_in_the_callers_language(api_client, analyst):
    api_client.authenticate(analyst)
    response = api_client.post_json(
        "/api/v1/customers", {**NEW, "email": "nope"}, headers={"Accept-Language": "es"}
    )
    error = assert_error(response, 422, code="invalid_email")
    assert "correo electrónico" in error["message"]


class TestSearch:
    @pytest.fixture
    def people(self, aurora, casa):
        CustomerFactory(
            organization=aurora, external_id="C-1001", name="María García", phone="+1 303 555 0101"
        )
        CustomerFactory(
            organization=aurora, external_id="C-1002", name="Avery Brooks", email="avery@example.com"
        )
        CustomerFactory(organization=aurora, external_id="C-2001", name="Garcia Holdings")
        CustomerFactory(organization=casa, external_id="C-1003", name="María Casa")

    def ids(self, api_client, q, **params):
        response = api_client.get_json("/api/v1/customers", q=q, **params)
        assert response.status_code == 200, response.content
        return [row["external_id"] for row in response.json()]

    def test_it_matches_id_prefixes_ignoring_case(self, api_client, agent, people):
        api_client.authenticate(agent)
        assert self.ids(api_client, "c-100") == ["C-1001", "C-1002"]

    def test_it_matches_first_and_last_names_without_accents(self, api_client, agent, people):
        api_client.authenticate(agent)
        assert self.ids(api_client, "maria") == ["C-1001"]
        assert self.ids(api_client, "garcía") == ["C-1001", "C-2001"]

    def test_it_matches_email_and_phone_digits(self, api_client, agent, people):
        api_client.authenticate(agent)
        assert self.ids(api_client, "avery@") == ["C-1002"]
        assert self.ids(api_client, "1303555010") == ["C-1001"]
        assert self.ids(api_client, "+1 (303) 555-01") == ["C-1001"]

    def test_it_never_shows_another_organizations_customers(self, api_client, agent, people):
        api_client.authenticate(agent)
        assert "C-1003" not in self.ids(api_client, "c-")
        assert self.ids(api_client, "maría casa") == []

    def test_it_returns_at_most_ten(self, api_client, aurora, agent):
        Customer.objects.bulk_create(
            [
                Customer(organization=aurora, external_id=f"X-{n:03d}", name="N", id_key=f"x-{n:03d}")
                for n in range(30)
            ]
        )
        api_client.authenticate(agent)
        assert len(self.ids(api_client, "x-")) == 10
        assert len(self.ids(api_client, "x-", limit=3)) == 3

    def test_an_empty_query_finds_nothing(self, api_client, agent, people):
        api_client.authenticate(agent)
        assert self.ids(api_client, "  ") == []

    def test_the_result_rows_carry_contact_details_and_value(self, api_client, agent, people):
        api_client.authenticate(agent)
        [row] = api_client.get_json("/api/v1/customers", q="avery").json()
        assert row == {
            "external_id": "C-1002",
            "name": "Avery Brooks",
            "email": "avery@example.com",
            "phone": row["phone"],
            "language": "en",
            "segment": "residential",
            "value": None,
        }


def test_a_browser_session_reads_the_card_too(client, agent, aurora):
    CustomerFactory(organization=aurora, external_id="C-1001")
    client.force_login(agent)
    assert client.get("/api/v1/customers/C-1001").status_code == 200
    assert client.get("/api/v1/customers", {"q": "C-1"}).status_code == 200
