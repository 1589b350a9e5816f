"""The guardrails: gesture catalogue, authority rules, budgets, currencies and policy versions.

Admins edit the live rows (the draft). Publishing freezes them into an
immutable `PolicyVersion` snapshot; decisions are judged against the
published snapshot and keep a link to it forever.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import TenantModel
from leeway.people.models import AuthorityTier, Member, currency_code_validator
from leeway.policy.budgets import BudgetPeriod, BudgetScope, budget_name, is_hard_cap

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class GestureCategory(models.TextChoices):
    FEE_WAIVER = "fee_waiver", _("Fee waiver")
    CREDIT = "credit", _("Account credit")
    REFUND = "refund", _("Refund")
    UPGRADE = "upgrade", _("Upgrade")
    EXTENSION = "extension", _("Deadline extension")
    SHIPPING = "shipping", _("Expedited shipping")
    REPLACEMENT = "replacement", _("Replacement")
    DISCOUNT = "discount", _("Discount")
    RULE_BEND = "rule_bend", _("No-cost rule bend")
    OTHER = "other", _("Other")


class Gesture(TranslatableModel, TenantModel):
    """A kind of goodwill action in the organization's catalogue, named in each language."""

    code = models.SlugField(_("code"), max_length=40)
    category = models.CharField(_("category"), max_length=20, choices=GestureCategory.choices)
    default_amount = models.DecimalField(
        _("default amount"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    zero_cost = models.BooleanField(
        _("zero cost"), default=False, help_text=_("Bending a rule that costs nothing, e.g. a cutoff time.")
    )
    shortcut = models.CharField(
        _("keyboard shortcut"), max_length=1, blank=True, help_text=_("One key the console uses to pick it.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=120),
        description=models.TextField(_("description"), blank=True),
    )

    class Meta:
        verbose_name = _("gesture")
        verbose_name_plural = _("gestures")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="gesture_unique_code")]

    def __str__(self) -> str:
        return self.safe_translation_getter("name", any_language=True) or self.code


class AuthorityRule(TenantModel):
    """How far one tier may go with one gesture: green limit, stretch limit, per-customer caps."""

    tier = models.ForeignKey(
        AuthorityTier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="rules"
    )
    gesture = models.ForeignKey(
        Gesture, verbose_name=_("gesture"), on_delete=models.CASCADE, related_name="rules"
    )
    green_limit = models.DecimalField(
        _("green limit"), **MONEY, default=Decimal("50.00"), validators=[MinValueValidator(ZERO)]
    )
    stretch_limit = models.DecimalField(
        _("stretch limit"), **MONEY, default=Decimal("100.00"), validators=[MinValueValidator(ZERO)]
    )
    customer_cap_count = models.PositiveIntegerField(
        _("gestures per customer"),
        null=True,
        blank=True,
        help_text=_("Across all agents and sites; empty = no cap."),
    )
    customer_cap_amount = models.DecimalField(
        _("amount per customer"), **MONEY, null=True, blank=True, help_text=_("Empty = no cap.")
    )
    customer_cap_window_days = models.PositiveIntegerField(_("cap window (days)"), default=30)

    class Meta:
        verbose_name = _("authority rule")
        verbose_name_plural = _("authority rules")
        ordering = ["tier__rank", "gesture__position"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "gesture"], name="rule_unique_tier_gesture"),
            models.CheckConstraint(
                condition=models.Q(stretch_limit__gte=models.F("green_limit")), name="rule_stretch_gte_green"
            ),
            models.CheckConstraint(condition=models.Q(green_limit__gte=0), name="rule_green_not_negative"),
        ]


class Budget(TenantModel):
    """A company goodwill envelope: each agent/team/department (or the organization) gets `cap` per period.

    What each scope means (authority or hard cap, whose counter) is in `leeway.policy.budgets`.
    """

    scope = models.CharField(_("scope"), max_length=20, choices=BudgetScope.choices)
    period = models.CharField(_("period"), max_length=10, choices=BudgetPeriod.choices)
    cap = models.DecimalField(_("cap"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    # Deleting a budget retires it instead: the published snapshot (and its
    # counters) may still point at the row until the next version is live.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["scope", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "scope", "period"], name="budget_unique_scope_period"
            ),
            models.CheckConstraint(condition=models.Q(cap__gt=0), name="budget_cap_positive"),
        ]

    @property
    def is_hard_cap(self) -> bool:
        return is_hard_cap(self.scope)

    @property
    def label(self) -> str:
        return budget_name(self.scope, self.period)


class BudgetCounter(TenantModel):
    """Approved spend of one budget for one subject (agent, team …) in one period.

    Judging a decision reads and bumps these counters; it never sums history.
    """

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="counters"
    )
    subject_id = models.BigIntegerField(_("subject"))
    period_start = models.DateField(_("period start"))
    spent = models.DecimalField(_("spent"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("budget counter")
        verbose_name_plural = _("budget counters")
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "subject_id", "period_start"], name="counter_unique_period"
            ),
            models.CheckConstraint(condition=models.Q(spent__gte=0), name="counter_spent_not_negative"),
        ]


class ExchangeRate(TenantModel):
    """How many units of the base currency one unit of `currency` is worth, as the admin maintains it."""

    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    rate = models.DecimalField(
        _("rate to base currency"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        Member,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "currency"], name="rate_unique_currency"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]


class PolicySettings(TenantModel):
    """Organization-wide settings that travel with the policy."""

    red_response_minutes = models.PositiveIntegerField(
        _("response-time target for requests (minutes)"), default=2, validators=[MinValueValidator(1)]
    )
    auto_approve_ceiling = models.DecimalField(
        _("auto-approve on timeout up to"),
        **MONEY,
        default=Decimal("25.00"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("An unanswered request up to this amount is approved in the customer's favour."),
    )
    panel_allowed_origins = models.TextField(
        _("origins allowed to embed the panel"),
        blank=True,
        help_text=_("One origin per line, e.g. https://crm.example.com"),
    )

    class Meta:
        verbose_name = _("policy settings")
        verbose_name_plural = _("policy settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="policy_settings_one_per_org")]


class PolicyVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Published policy versions are immutable.")


class PolicyVersion(TenantModel):
    """An immutable, published snapshot of the rules; decisions point at the one that judged them."""

    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        Member,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    summary = models.TextField(_("what changed"), blank=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["organization_id", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="policy_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Published policy versions are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Published policy versions are immutable.")
