"""Segments are data named in every language: pages show the name, never the raw code."""

import pytest
from django.test import Client
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.customers.models import Segment
from leeway.customers.services import segment_names_set
from leeway.customers.tests.factories import CustomerFactory
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(aurora):
    CustomerFactory(organization=aurora, external_id="C-1", name="Ann Lee", segment="small_business")
    CustomerFactory(organization=aurora, external_id="C-2", name="Bo Diaz", segment="residential")


def names(segment: Segment) -> dict[str, str]:
    return dict(segment.translations.values_list("language_code", "name"))


def test_an_analyst_names_a_segment_in_both_languages_and_pages_use_the_name(client, aurora, customers):
    analyst = MemberFactory(organization=aurora, role=Role.ANALYST)
    client.force_login(analyst)
    page = client.get(reverse("customers:segments")).content.decode()
    assert "<code>small_business</code>" in page and "<code>residential</code>" in page
    response = client.post(
        reverse("customers:segments"),
        {"code": "small_business", "name_en": "Small business", "name_es": "Pequeña empresa"},
    )
    assert response.status_code == 302
    segment = Segment.objects.get(organization=aurora, code="small_business")
    assert names(segment) == {"en": "Small business", "es": "Pequeña empresa"}
    entry = AuditEntry.objects.get(action="segment.named")
    assert (entry.object_id, entry.actor_id) == ("small_business", analyst.pk)

    agent = MemberFactory(organization=aurora, role=Role.AGENT, language="es")
    client = Client()  # a fresh browser: the analyst's "saved" message stays with the analyst
    client.force_login(agent)
    listing = client.get(reverse("customers:list")).content.decode()
    assert "Pequeña empresa" in listing and "small_business" not in listing
    detail = client.get(reverse("customers:detail", args=["C-1"])).content.decode()
    assert "Pequeña empresa" in detail
    card = client.get(reverse("decisions:customer_card"), {"customer": "C-1"}).content.decode()
    assert "Pequeña empresa" in card
    # A segment nobody named yet reads as words, not as a code.
    assert "Residential" in client.get(reverse("customers:detail", args=["C-2"])).content.decode()


def test_an_empty_name_removes_that_language_and_the_others_stay(aurora, customers):
    admin = MemberFactory(organization=aurora, role=Role.ADMIN)
    segment_names_set(member=admin, code="residential", names={"en": "Homes", "es": "Hogares"})
    segment = segment_names_set(member=admin, code="residential", names={"en": "Homes", "es": ""})
    assert names(segment) == {"en": "Homes"}
    assert AuditEntry.objects.filter(action="segment.named").count() == 2


def test_a_code_no_customer_carries_is_refused_and_nothing_is_recorded(client, aurora, customers, casa):
    CustomerFactory(organization=casa, external_id="CA-1", name="Eva Gil", segment="leisure")
    admin = MemberFactory(organization=aurora, role=Role.ADMIN, language="es")
    client.force_login(admin)
    response = client.post(reverse("customers:segments"), {"code": "leisure", "name_en": "Leisure"})
    assert response.status_code == 422
    assert "Segmento desconocido." in response.content.decode()
    response = client.post(reverse("customers:segments"), {"code": "residential", "name_en": "x" * 81})
    assert response.status_code == 422
    assert not Segment.objects.filter(organization=aurora).exists()
    assert not AuditEntry.objects.filter(action="segment.named").exists()


def test_another_organizations_segments_are_neither_listed_nor_named(client, aurora, customers, casa):
    CustomerFactory(organization=casa, external_id="CA-1", name="Eva Gil", segment="leisure")
    client.force_login(MemberFactory(organization=aurora, role=Role.ADMIN))
    assert "leisure" not in client.get(reverse("customers:segments")).content.decode()


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.MANAGER, Role.TRAINER])
def test_only_analysts_and_admins_name_segments(client, aurora, customers, role):
    client.force_login(MemberFactory(organization=aurora, role=role))
    assert client.get(reverse("customers:segments")).status_code == 403
    response = client.post(reverse("customers:segments"), {"code": "residential", "name_en": "Homes"})
    assert response.status_code == 403
    assert not Segment.objects.exists()


def test_it_needs_a_login(client, aurora):
    response = client.get(reverse("customers:segments"))
    assert response.status_code == 302 and "/login/" in response["Location"]
