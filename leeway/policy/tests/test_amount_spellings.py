"""The policy pages read amounts with the API's strict checks (not Django's DecimalField), in the admin's
own language's format: "1,000.00" on an English page is a thousand (issue 17), "1e3" is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.core.tests.amount_spellings import NOT_A_NUMBER
from leeway.people.models import Member
from leeway.policy.models import Budget

# How an English page reads what the API refuses: the language's own grouping and decimal mark.
ENGLISH_PAGE_SPELLINGS = {"1,000.00": Decimal("1000.00"), "25,00": Decimal("25.00")}
# A form field refuses NUL itself (Django's ProhibitNullCharactersValidator); the rest is the table.
PAGE_NOT_A_NUMBER = [
    text for text in NOT_A_NUMBER if "\x00" not in text and text not in ENGLISH_PAGE_SPELLINGS
]


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


@pytest.mark.parametrize(("text", "cap"), ENGLISH_PAGE_SPELLINGS.items())
def test_a_budget_cap_in_the_admins_language_is_saved(admin_client, policy_demo, text, cap):
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="agent", period="day")
    response = admin_client.post(reverse("policy:budget_edit", args=[budget.pk]), {"cap": text})
    assert response.status_code == 302
    assert Budget.objects.get(pk=budget.pk).cap == cap


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
