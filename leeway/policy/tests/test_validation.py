"""Services refuse bad policy values with the field that is wrong, and record nothing."""

from decimal import Decimal

import pytest

from leeway.core.errors import Forbidden, InvalidInput
from leeway.core.models import AuditEntry
from leeway.people.models import AuthorityTier, Role
from leeway.people.tests.factories import AuthorityTierFactory, MemberFactory
from leeway.policy.models import AuthorityRule, Budget, Gesture
from leeway.policy.services import (
    budget_create,
    budget_delete,
    budget_update,
    gesture_create,
    gesture_update,
    policy_settings_for,
    policy_settings_update,
    rule_create,
    rule_update,
    tier_create,
    tier_update,
)
from leeway.policy.tests.factories import make_gesture, make_rule


@pytest.fixture
def admin(aurora):
    return MemberFactory(organization=aurora, role=Role.ADMIN)


@pytest.fixture
def starter(aurora):
    return AuthorityTierFactory(organization=aurora, code="starter", name="Starter", rank=1)


def refused(call, *, field, code=None) -> InvalidInput:
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.field == field, (caught.value.field, caught.value.code)
    if code:
        assert caught.value.code == code
    assert caught.value.status == 422
    assert AuditEntry.objects.count() == before, "a refused write must leave no audit row"
    return caught.value


class TestRules:
    def test_a_rule_is_created_with_an_audit_row(self, aurora, admin, starter):
        gesture = make_gesture(aurora)
        rule = rule_create(
            organization=aurora,
            actor=admin,
            tier=starter,
            gesture=gesture,
            green_limit="50.00",
            stretch_limit="100.00",
            customer_cap_count=5,
            customer_cap_amount="300.00",
            customer_cap_window_days=30,
        )
        rule.refresh_from_db()
        assert (rule.green_limit, rule.stretch_limit) == (Decimal("50.00"), Decimal("100.00"))
        assert (rule.customer_cap_count, rule.customer_cap_amount) == (5, Decimal("300.00"))
        entry = AuditEntry.objects.get(action="rule.created")
        assert entry.actor_id == admin.pk and entry.data["green_limit"] == "50.00"

    def test_stretch_below_green_is_refused_with_the_stretch_field(self, aurora, admin, starter):
        gesture = make_gesture(aurora)
        error = refused(
            lambda: rule_create(
                organization=aurora,
                actor=admin,
                tier=starter,
                gesture=gesture,
                green_limit="60.00",
                stretch_limit="59.99",
            ),
            field="stretch_limit",
            code="stretch_below_green",
        )
        assert "60.00" in str(error)
        assert not AuthorityRule.objects.exists()

    def test_stretch_equal_to_green_is_allowed(self, aurora, starter):
        rule = make_rule(aurora, starter, make_gesture(aurora), green="50.00", stretch="50.00")
        assert rule.stretch_limit == rule.green_limit

    @pytest.mark.parametrize(
        ("values", "field", "code"),
        [
            ({"green_limit": "-1.00"}, "green_limit", "amount_negative"),
            ({"green_limit": "abc"}, "green_limit", "amount_not_a_number"),
            ({"green_limit": "NaN"}, "green_limit", "amount_not_a_number"),
            ({"green_limit": 10.5}, "green_limit", "amount_not_string"),
            ({"stretch_limit": "100.001"}, "stretch_limit", "amount_too_precise"),
            ({"customer_cap_count": 0}, "customer_cap_count", "too_small"),
            ({"customer_cap_count": -3}, "customer_cap_count", "too_small"),
            ({"customer_cap_amount": "0.00"}, "customer_cap_amount", "amount_zero"),
            ({"customer_cap_amount": "-5"}, "customer_cap_amount", "amount_negative"),
            ({"customer_cap_window_days": 0}, "customer_cap_window_days", "too_small"),
            ({"customer_cap_window_days": None}, "customer_cap_window_days", "window_required"),
        ],
    )
    def test_bad_values_are_refused_with_their_field(self, aurora, admin, starter, values, field, code):
        gesture = make_gesture(aurora)
        arguments = {"green_limit": "50.00", "stretch_limit": "100.00", **values}
        refused(
            lambda: rule_create(organization=aurora, actor=admin, tier=starter, gesture=gesture, **arguments),
            field=field,
            code=code,
        )
        assert not AuthorityRule.objects.exists()

    def test_an_update_is_checked_against_the_values_it_keeps(self, aurora, admin, starter):
        rule = make_rule(aurora, starter, make_gesture(aurora))
        refused(lambda: rule_update(rule=rule, actor=admin, green_limit="150.00"), field="stretch_limit")
        rule.refresh_from_db()
        assert rule.green_limit == Decimal("50.00")

    def test_an_update_records_what_changed(self, aurora, admin, starter):
        rule = make_rule(aurora, starter, make_gesture(aurora))
        rule_update(rule=rule, actor=admin, green_limit="60.00", customer_cap_count=4)
        rule.refresh_from_db()
        assert rule.green_limit == Decimal("60.00") and rule.customer_cap_count == 4
        entry = AuditEntry.objects.get(action="rule.updated")
        assert entry.data["green_limit"] == ["50.00", "60.00"]
        assert entry.data["customer_cap_count"] == [None, 4]

    def test_an_update_that_changes_nothing_writes_nothing(self, aurora, admin, starter):
        rule = make_rule(aurora, starter, make_gesture(aurora))
        rule_update(rule=rule, actor=admin, green_limit="50.00")
        assert not AuditEntry.objects.filter(action="rule.updated").exists()

    def test_a_tier_of_another_organization_is_not_found(self, aurora, casa, admin):
        other_tier = AuthorityTierFactory(organization=casa, code="starter", rank=1)
        with pytest.raises(Exception) as caught:
            rule_create(
                organization=aurora,
                actor=admin,
                tier=other_tier,
                gesture=make_gesture(aurora),
                green_limit="1.00",
                stretch_limit="2.00",
            )
        assert getattr(caught.value, "status", None) == 404

    def test_an_actor_from_another_organization_is_refused(self, aurora, casa, starter):
        outsider = MemberFactory(organization=casa, role=Role.ADMIN)
        gesture = make_gesture(aurora)
        with pytest.raises(Forbidden):
            rule_create(
                organization=aurora,
                actor=outsider,
                tier=starter,
                gesture=gesture,
                green_limit="1.00",
                stretch_limit="2.00",
            )
        assert not AuthorityRule.objects.exists()


class TestBudgets:
    def test_a_budget_is_created_updated_and_deleted_with_audit_rows(self, aurora, admin):
        budget = budget_create(organization=aurora, actor=admin, scope="agent", period="day", cap="200.00")
        budget_update(budget=budget, actor=admin, cap="250.00")
        budget.refresh_from_db()
        assert budget.cap == Decimal("250.00")
        budget_delete(budget=budget, actor=admin)
        budget.refresh_from_db()
        assert budget.retired_at is not None, "a deleted budget is retired: the live version may still use it"
        actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
        assert actions == ["budget.created", "budget.updated", "budget.deleted"]

    @pytest.mark.parametrize(
        ("values", "field", "code"),
        [
            ({"cap": "0.00"}, "cap", "amount_zero"),
            ({"cap": "-10.00"}, "cap", "amount_negative"),
            ({"cap": ""}, "cap", "amount_required"),
            ({"scope": "galaxy"}, "scope", "invalid_scope"),
            ({"period": "week"}, "period", "invalid_period"),
        ],
    )
    def test_bad_budgets_are_refused(self, aurora, admin, values, field, code):
        arguments = {"scope": "agent", "period": "day", "cap": "200.00", **values}
        refused(lambda: budget_create(organization=aurora, actor=admin, **arguments), field=field, code=code)
        assert not Budget.objects.exists()

    def test_a_second_budget_for_the_same_scope_and_period_is_refused(self, aurora, admin):
        budget_create(organization=aurora, actor=admin, scope="team", period="day", cap="2000.00")
        refused(
            lambda: budget_create(organization=aurora, actor=admin, scope="team", period="day", cap="10.00"),
            field="period",
            code="budget_exists",
        )

    def test_adding_a_deleted_budget_again_revives_it(self, aurora, admin):
        budget = budget_create(organization=aurora, actor=admin, scope="team", period="day", cap="2000.00")
        budget_delete(budget=budget, actor=admin)
        again = budget_create(organization=aurora, actor=admin, scope="team", period="day", cap="1500.00")
        assert again.pk == budget.pk and again.retired_at is None and again.cap == Decimal("1500.00")

    def test_a_zero_cap_update_is_refused(self, aurora, admin):
        budget = budget_create(organization=aurora, actor=admin, scope="agent", period="day", cap="200.00")
        refused(lambda: budget_update(budget=budget, actor=admin, cap="0"), field="cap")
        budget.refresh_from_db()
        assert budget.cap == Decimal("200.00")


class TestGestures:
    def test_a_gesture_is_named_in_english_and_spanish(self, aurora, admin):
        gesture = gesture_create(
            organization=aurora,
            actor=admin,
            code="waive_fee",
            names={"en": "Waive a fee", "es": "Anular un cargo"},
            descriptions={"en": "Remove a fee.", "es": "Quitar un cargo."},
            category="fee_waiver",
            default_amount="25.00",
            shortcut="1",
        )
        gesture = Gesture.objects.get(pk=gesture.pk)
        assert gesture.safe_translation_getter("name", language_code="en") == "Waive a fee"
        assert gesture.safe_translation_getter("name", language_code="es") == "Anular un cargo"
        assert gesture.safe_translation_getter("description", language_code="es") == "Quitar un cargo."
        entry = AuditEntry.objects.get(action="gesture.created")
        assert entry.data["names"] == {"en": "Waive a fee", "es": "Anular un cargo"}

    def test_an_update_changes_names_and_fields(self, aurora, admin):
        gesture = make_gesture(aurora)
        gesture_update(
            gesture=gesture,
            actor=admin,
            names={"en": "Waive a late fee", "es": "Anular un recargo"},
            default_amount="30.00",
        )
        gesture = Gesture.objects.get(pk=gesture.pk)
        assert gesture.safe_translation_getter("name", language_code="es") == "Anular un recargo"
        assert gesture.default_amount == Decimal("30.00")
        entry = AuditEntry.objects.get(action="gesture.updated")
        assert entry.data["name_es"] == ["Anular un cargo", "Anular un recargo"]
        assert entry.data["default_amount"] == ["25.00", "30.00"]

    def test_the_organization_language_name_is_required(self, casa, aurora, admin):
        refused(
            lambda: gesture_create(
                organization=aurora, actor=admin, code="refund", names={"es": "Reembolso"}, category="refund"
            ),
            field="name_en",
            code="name_required",
        )
        casa_admin = MemberFactory(organization=casa, role=Role.ADMIN)
        gesture = gesture_create(
            organization=casa, actor=casa_admin, code="refund", names={"es": "Reembolso"}, category="refund"
        )
        assert gesture.safe_translation_getter("name", language_code="es") == "Reembolso"

    @pytest.mark.parametrize(
        ("values", "field", "code"),
        [
            ({"code": "Waive Fee"}, "code", "invalid_code"),
            ({"category": "bribe"}, "category", "invalid_category"),
            ({"default_amount": "-1"}, "default_amount", "amount_negative"),
            ({"zero_cost": True, "default_amount": "5.00"}, "default_amount", "zero_cost_with_amount"),
            ({"shortcut": "F1"}, "shortcut", "invalid_shortcut"),
        ],
    )
    def test_bad_gestures_are_refused(self, aurora, admin, values, field, code):
        arguments = {
            "code": "refund",
            "names": {"en": "Refund"},
            "category": "refund",
            "default_amount": "10.00",
            **values,
        }
        refused(lambda: gesture_create(organization=aurora, actor=admin, **arguments), field=field, code=code)
        assert not Gesture.objects.exists()

    def test_codes_and_shortcuts_are_unique(self, aurora, admin):
        make_gesture(aurora, shortcut="1")
        refused(
            lambda: make_gesture(aurora, code="waive_fee", shortcut="2"), field="code", code="duplicate_code"
        )
        refused(
            lambda: make_gesture(aurora, code="refund", shortcut="1"), field="shortcut", code="shortcut_taken"
        )


class TestTiers:
    def test_tiers_are_created_and_reranked(self, aurora, admin):
        starter = tier_create(organization=aurora, actor=admin, code="starter", name="Starter", rank=1)
        senior = tier_create(organization=aurora, actor=admin, code="senior", name="Senior", rank=3)
        tier_update(tier=senior, actor=admin, rank=2, name="Senior agent")
        assert list(AuthorityTier.objects.filter(organization=aurora).values_list("code", "rank")) == [
            ("starter", 1),
            ("senior", 2),
        ]
        assert starter.rank == 1
        assert AuditEntry.objects.filter(action="tier.updated").get().data["rank"] == [3, 2]

    def test_ranks_are_unique_and_positive(self, aurora, admin):
        tier_create(organization=aurora, actor=admin, code="starter", name="Starter", rank=1)
        refused(
            lambda: tier_create(organization=aurora, actor=admin, code="other", name="Other", rank=1),
            field="rank",
            code="duplicate_rank",
        )
        refused(
            lambda: tier_create(organization=aurora, actor=admin, code="other", name="Other", rank=0),
            field="rank",
        )
        refused(
            lambda: tier_create(organization=aurora, actor=admin, code="starter", name="Again", rank=5),
            field="code",
            code="duplicate_code",
        )


class TestSettings:
    def test_settings_are_saved_with_normalised_origins(self, aurora, admin):
        row = policy_settings_update(
            organization=aurora,
            actor=admin,
            red_response_minutes=5,
            auto_approve_ceiling="30.00",
            panel_allowed_origins="https://CRM.example.com/\nhttp://localhost:8080\n\nhttps://crm.example.com",
        )
        assert row.red_response_minutes == 5
        assert row.auto_approve_ceiling == Decimal("30.00")
        assert row.panel_allowed_origins.splitlines() == ["https://crm.example.com", "http://localhost:8080"]
        assert AuditEntry.objects.filter(action="policy_settings.updated").exists()

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({"red_response_minutes": 0}, "red_response_minutes"),
            ({"red_response_minutes": "soon"}, "red_response_minutes"),
            ({"auto_approve_ceiling": "-1.00"}, "auto_approve_ceiling"),
            ({"panel_allowed_origins": "https://crm.example.com/path"}, "panel_allowed_origins"),
            ({"panel_allowed_origins": "ftp://crm.example.com"}, "panel_allowed_origins"),
            ({"panel_allowed_origins": "javascript:alert(1)"}, "panel_allowed_origins"),
            ({"panel_allowed_origins": "https://user:pw@crm.example.com"}, "panel_allowed_origins"),
            ({"panel_allowed_origins": "https://crm.example.com:99999"}, "panel_allowed_origins"),
            ({"panel_allowed_origins": "*"}, "panel_allowed_origins"),
        ],
    )
    def test_bad_settings_are_refused(self, aurora, admin, values, field):
        refused(lambda: policy_settings_update(organization=aurora, actor=admin, **values), field=field)
        row = policy_settings_for(aurora)
        assert row.red_response_minutes == 2 and row.panel_allowed_origins == ""
