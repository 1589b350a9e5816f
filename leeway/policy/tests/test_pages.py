"""The admin pages: who may see them, forms that refuse bad values, saving the grid, publishing."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.people.models import Member
from leeway.policy.models import AuthorityRule, Budget, ExchangeRate, Gesture, PolicySettings, PolicyVersion

PAGES = [
    ("overview", None),
    ("gestures", None),
    ("gesture_create", None),
    ("gesture_edit", "gesture"),
    ("tiers", None),
    ("tier_edit", "tier"),
    ("rules", None),
    ("budgets", None),
    ("budget_edit", "budget"),
    ("settings", None),
    ("rates", None),
    ("publish", None),
    ("versions", None),
    ("version", "version"),
]


def url_for(name, kind, organization):
    if kind is None:
        return reverse(f"policy:{name}")
    if kind == "version":
        return reverse(f"policy:{name}", args=[1])
    model = {"gesture": Gesture, "budget": Budget, "tier": Member.tier.field.related_model}[kind]
    return reverse(f"policy:{name}", args=[model.objects.filter(organization=organization).first().pk])


@pytest.fixture
def admin(policy_demo):
    return Member.objects.get(username="aurora-admin")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def audit_count():
    return AuditEntry.objects.count()


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_an_admin_sees_each_page(admin_client, policy_demo, name, kind):
    response = admin_client.get(url_for(name, kind, policy_demo["aurora"]))
    assert response.status_code == 200
    assert b"Policy sections" in response.content


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_an_agent_gets_403(client, policy_demo, name, kind):
    client.force_login(Member.objects.get(username="aurora-agent"))
    assert client.get(url_for(name, kind, policy_demo["aurora"])).status_code == 403


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_another_organizations_objects_are_404(admin_client, policy_demo, name, kind):
    if kind is None:
        return
    url = url_for(name, kind, policy_demo["casa-azul"])
    if kind == "version":
        url = reverse("policy:version", args=[99])
    assert admin_client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, policy_demo):
    response = client.get(reverse("policy:overview"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_admins_land_on_the_policy_overview(admin_client):
    response = admin_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("policy:overview")
    page = admin_client.get(reverse("policy:overview"))
    assert b"Version 1" in page.content and b"The draft is the same as the live version." in page.content


def test_the_pages_speak_spanish(client, policy_demo):
    client.force_login(Member.objects.get(username="casa-admin"))
    content = client.get(reverse("policy:overview")).content.decode()
    assert "Versión 1" in content and "Publicar" in content
    content = client.get(reverse("policy:rules")).content.decode()
    assert "Límite verde" in content


def test_editing_a_gesture_saves_both_languages(admin_client, policy_demo):
    gesture = Gesture.objects.get(organization=policy_demo["aurora"], code="waive_fee")
    response = admin_client.post(
        reverse("policy:gesture_edit", args=[gesture.pk]),
        {
            "name_en": "Waive a late fee",
            "description_en": "Late fees only.",
            "name_es": "Anular un recargo por demora",
            "description_es": "Solo recargos por demora.",
            "category": "fee_waiver",
            "default_amount": "20.00",
            "shortcut": "1",
            "position": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    gesture = Gesture.objects.get(pk=gesture.pk)
    assert gesture.safe_translation_getter("name", language_code="es") == "Anular un recargo por demora"
    assert gesture.default_amount == Decimal("20.00")
    assert AuditEntry.objects.filter(action="gesture.updated", actor_id__isnull=False).exists()


def test_a_bad_gesture_value_shows_the_error_and_records_nothing(admin_client, policy_demo):
    gesture = Gesture.objects.get(organization=policy_demo["aurora"], code="waive_fee")
    before = audit_count()
    response = admin_client.post(
        reverse("policy:gesture_edit", args=[gesture.pk]),
        {
            "name_en": "Waive a fee",
            "name_es": "Anular un cargo",
            "category": "fee_waiver",
            "default_amount": "-5.00",
            "shortcut": "2",  # also taken by account_credit
            "position": "1",
            "active": "on",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_default_amount_error"' in content and "cannot be negative" in content
    assert 'aria-invalid="true"' in content
    assert Gesture.objects.get(pk=gesture.pk).default_amount == Decimal("25.00")
    assert audit_count() == before


def test_a_taken_shortcut_is_shown_next_to_its_field(admin_client, policy_demo):
    gesture = Gesture.objects.get(organization=policy_demo["aurora"], code="waive_fee")
    response = admin_client.post(
        reverse("policy:gesture_edit", args=[gesture.pk]),
        {
            "name_en": "Waive a fee",
            "category": "fee_waiver",
            "default_amount": "25.00",
            "shortcut": "2",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert 'id="id_shortcut_error"' in response.content.decode()
    assert Gesture.objects.get(pk=gesture.pk).shortcut == "1"


def test_a_gesture_is_added_from_the_page(admin_client, policy_demo):
    response = admin_client.post(
        reverse("policy:gesture_create"),
        {
            "code": "late_checkout",
            "name_en": "Late check-out",
            "name_es": "Salida tardía",
            "category": "rule_bend",
            "default_amount": "0",
            "zero_cost": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    gesture = Gesture.objects.get(organization=policy_demo["aurora"], code="late_checkout")
    assert (
        gesture.zero_cost and gesture.safe_translation_getter("name", language_code="es") == "Salida tardía"
    )


def rules_post(organization, **changes):
    """The whole grid as the browser would send it, with some cells changed."""
    data = {}
    for rule in AuthorityRule.objects.filter(organization=organization):
        prefix = f"rule-{rule.tier_id}-{rule.gesture_id}"
        data[f"{prefix}-green_limit"] = str(rule.green_limit)
        data[f"{prefix}-stretch_limit"] = str(rule.stretch_limit)
        data[f"{prefix}-customer_cap_count"] = (
            "" if rule.customer_cap_count is None else rule.customer_cap_count
        )
        data[f"{prefix}-customer_cap_amount"] = (
            "" if rule.customer_cap_amount is None else rule.customer_cap_amount
        )
        data[f"{prefix}-customer_cap_window_days"] = rule.customer_cap_window_days
    data.update(changes)
    return data


def starter_rule(organization, code):
    return AuthorityRule.objects.get(organization=organization, tier__code="starter", gesture__code=code)


def test_the_rules_grid_saves_changed_cells(admin_client, policy_demo):
    aurora = policy_demo["aurora"]
    waive, refund = starter_rule(aurora, "waive_fee"), starter_rule(aurora, "refund")
    before = audit_count()
    data = rules_post(
        aurora,
        **{
            f"rule-{waive.tier_id}-{waive.gesture_id}-green_limit": "60.00",
            f"rule-{refund.tier_id}-{refund.gesture_id}-green_limit": "",
            f"rule-{refund.tier_id}-{refund.gesture_id}-stretch_limit": "",
        },
    )
    response = admin_client.post(reverse("policy:rules"), data)
    assert response.status_code == 302
    assert starter_rule(aurora, "waive_fee").green_limit == Decimal("60.00")
    assert not AuthorityRule.objects.filter(pk=refund.pk).exists(), "empty limits take the authority away"
    assert audit_count() == before + 2
    assert PolicyVersion.objects.filter(organization=aurora).count() == 1, "saving does not publish"


def test_the_rules_grid_shows_errors_next_to_each_cell_and_saves_nothing(admin_client, policy_demo):
    aurora = policy_demo["aurora"]
    waive, refund = starter_rule(aurora, "waive_fee"), starter_rule(aurora, "refund")
    waive_prefix = f"rule-{waive.tier_id}-{waive.gesture_id}"
    refund_prefix = f"rule-{refund.tier_id}-{refund.gesture_id}"
    before = audit_count()
    data = rules_post(
        aurora,
        **{
            f"{waive_prefix}-green_limit": "80.00",  # valid on its own
            f"{refund_prefix}-stretch_limit": "10.00",  # below green 40.00
            f"{refund_prefix}-customer_cap_amount": "0",
            f"{refund_prefix}-customer_cap_window_days": "0",
        },
    )
    response = admin_client.post(reverse("policy:rules"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="id_{refund_prefix}-stretch_limit_error"' in content
    assert "cannot be below the green limit" in content
    assert f'id="id_{refund_prefix}-customer_cap_amount_error"' in content
    assert f'id="id_{refund_prefix}-customer_cap_window_days_error"' in content
    assert "Nothing was saved" in content
    assert starter_rule(aurora, "waive_fee").green_limit == Decimal("50.00"), "all or nothing"
    assert audit_count() == before


def test_a_budget_with_a_zero_cap_is_refused_on_the_page(admin_client, policy_demo):
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="agent", period="day")
    before = audit_count()
    response = admin_client.post(reverse("policy:budget_edit", args=[budget.pk]), {"cap": "0"})
    assert response.status_code == 200 and 'id="id_cap_error"' in response.content.decode()
    assert Budget.objects.get(pk=budget.pk).cap == Decimal("200.00")
    assert audit_count() == before


def test_a_budget_is_removed_and_added_from_the_pages(admin_client, policy_demo):
    budget = Budget.objects.get(organization=policy_demo["aurora"], scope="team", period="day")
    assert admin_client.post(reverse("policy:budget_delete", args=[budget.pk])).status_code == 302
    assert Budget.objects.get(pk=budget.pk).retired_at is not None
    response = admin_client.post(
        reverse("policy:budgets"), {"scope": "team", "period": "day", "cap": "1800.00"}
    )
    assert response.status_code == 302
    assert Budget.objects.get(pk=budget.pk).cap == Decimal("1800.00")


def test_bad_settings_are_shown_and_not_saved(admin_client, policy_demo):
    response = admin_client.post(
        reverse("policy:settings"),
        {
            "red_response_minutes": "0",
            "auto_approve_ceiling": "25.00",
            "panel_allowed_origins": "https://crm.example.com/embed",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_red_response_minutes_error"' in content
    assert 'id="id_panel_allowed_origins_error"' in content
    row = PolicySettings.objects.get(organization=policy_demo["aurora"])
    assert row.red_response_minutes == 2


def test_the_rates_page_imports_a_file_and_reports_row_errors(admin_client, policy_demo):
    aurora = policy_demo["aurora"]
    before = dict(ExchangeRate.objects.filter(organization=aurora).values_list("currency", "rate"))
    bad = SimpleUploadedFile(
        "rates.csv", b"currency,rate\nCAD,0.74\nUSD,1\nEUR,-1\n", content_type="text/csv"
    )
    response = admin_client.post(reverse("policy:rates"), {"action": "import", "import-file": bad})
    assert response.status_code == 200
    content = response.content.decode()
    assert "nothing was imported" in content
    assert '<td class="num">3</td>' in content and '<td class="num">4</td>' in content
    assert dict(ExchangeRate.objects.filter(organization=aurora).values_list("currency", "rate")) == before
    good = SimpleUploadedFile("rates.csv", b"currency,rate\nCAD,0.74\nGBP,1.27\n", content_type="text/csv")
    response = admin_client.post(reverse("policy:rates"), {"action": "import", "import-file": good})
    assert response.status_code == 302
    assert ExchangeRate.objects.get(organization=aurora, currency="GBP").rate == Decimal("1.27")


def test_a_rate_is_set_from_the_page(admin_client, policy_demo):
    response = admin_client.post(
        reverse("policy:rates"), {"action": "set", "rate-currency": "gbp", "rate-rate": "1.27"}
    )
    assert response.status_code == 302
    response = admin_client.post(
        reverse("policy:rates"), {"action": "set", "rate-currency": "USD", "rate-rate": "1"}
    )
    assert response.status_code == 200 and 'id="id_rate-currency_error"' in response.content.decode()


def test_publishing_from_the_page_shows_the_diff_and_freezes_the_next_version(admin_client, policy_demo):
    aurora = policy_demo["aurora"]
    rule = starter_rule(aurora, "waive_fee")
    admin_client.post(
        reverse("policy:rules"),
        rules_post(aurora, **{f"rule-{rule.tier_id}-{rule.gesture_id}-green_limit": "60.00"}),
    )
    page = admin_client.get(reverse("policy:publish")).content.decode()
    assert "Starter · Waive a fee: green limit changed from 50.00 to 60.00" in page
    assert "Publish version 2" in page
    response = admin_client.post(reverse("policy:publish"), {"number": "2", "summary": "More room for fees"})
    assert response.status_code == 302 and response["Location"] == reverse("policy:version", args=[2])
    version = PolicyVersion.objects.get(organization=aurora, number=2)
    assert version.summary == "More room for fees" and version.published_by.username == "aurora-admin"
    page = admin_client.get(reverse("policy:version", args=[2])).content.decode()
    assert "green limit changed from 50.00 to 60.00" in page
    assert "Nothing has changed" in admin_client.get(reverse("policy:publish")).content.decode()


def test_a_stale_publish_button_publishes_nothing(admin_client, policy_demo):
    aurora = policy_demo["aurora"]
    rule = starter_rule(aurora, "waive_fee")
    admin_client.post(
        reverse("policy:rules"),
        rules_post(aurora, **{f"rule-{rule.tier_id}-{rule.gesture_id}-green_limit": "60.00"}),
    )
    response = admin_client.post(reverse("policy:publish"), {"number": "5"})
    assert response.status_code == 302 and response["Location"] == reverse("policy:publish")
    assert PolicyVersion.objects.filter(organization=aurora).count() == 1
