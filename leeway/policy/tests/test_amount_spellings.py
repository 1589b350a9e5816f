"""The policy pages read amounts with the same strict parser as the API (not Django's DecimalField)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.core.tests.amount_spellings import NOT_A_NUMBER
from leeway.people.models import Member
from leeway.policy.models import Budget

# A form field refuses NUL itself (Django's ProhibitNullCharactersValidator); the rest is the table.
PAGE_NOT_A_NUMBER = [text for text in NOT_A_NUMBER if "\x00" not in text]


@pytest.fixture
def admin_client(client, policy_demo):
    client.force_login(Member.objects.get(username="aurora-admin"))
    return client


@pytest.mark.parametrize("text", PAGE_NOT_A_NUMBER)
def test_a_budget_cap_in_another_spelling_is_refused_on_the_page(admin_client, policy_demo, text):
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="agent", period="day")
    before = AuditEntry.objects.count()
    response = admin_client.post(reverse("policy:budget_edit", args=[budget.pk]), {"cap": text})
    content = response.content.decode()
    assert response.status_code == 200 and 'id="id_cap_error"' in content
    assert "The amount must be a number." in content
    assert Budget.objects.get(pk=budget.pk).cap == Decimal("200.00")
    assert AuditEntry.objects.count() == before


def test_a_budget_cap_in_the_contracts_spelling_is_saved(admin_client, policy_demo):
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="agent", period="day")
    response = admin_client.post(reverse("policy:budget_edit", args=[budget.pk]), {"cap": " 250.5 "})
    assert response.status_code == 302
    assert Budget.objects.get(pk=budget.pk).cap == Decimal("250.50")


def test_the_page_says_it_in_spanish(client, policy_demo):
    admin = Member.objects.get(username="aurora-admin")
    admin.language = "es"
    admin.save(update_fields=["language"])
    client.force_login(admin)
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="agent", period="day")
    response = client.post(reverse("policy:budget_edit", args=[budget.pk]), {"cap": "1e3"})
    assert "El importe debe ser un número." in response.content.decode()
