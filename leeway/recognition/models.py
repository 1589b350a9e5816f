"""Recognition: company values, monthly point allowances, kudos, celebrations and awards.

Leeway celebrates the decision itself (the goodwill act, linked to its audit entry
and, when known, to what it kept), not volume: there is no ranked leaderboard
anywhere, only streaks, values and first-decision milestones.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import TenantModel
from leeway.decisions.models import Decision
from leeway.people.models import Member, Site

VALUE_NAME_MAX = 80
VALUE_DESCRIPTION_MAX = 300
MESSAGE_MAX_LENGTH = 280
WORDS_MAX_LENGTH = 280
DEFAULT_MONTHLY_ALLOWANCE = 100
MAX_MONTHLY_ALLOWANCE = 10_000


class CompanyValue(TranslatableModel, TenantModel):
    """A value the company lives by (e.g. "Own it"), named in each language; kudos are tagged with one."""

    code = models.SlugField(_("code"), max_length=40)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=VALUE_NAME_MAX),
        description=models.CharField(_("description"), max_length=VALUE_DESCRIPTION_MAX, blank=True),
    )

    class Meta:
        verbose_name = _("company value")
        verbose_name_plural = _("company values")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="company_value_unique_code")
        ]

    def __str__(self) -> str:
        return self.safe_translation_getter("name", any_language=True) or self.code


class RecognitionSettings(TenantModel):
    """An organization's recognition settings: the points each member may give per month."""

    monthly_allowance = models.PositiveIntegerField(
        _("monthly allowance (points)"),
        default=DEFAULT_MONTHLY_ALLOWANCE,
        help_text=_("Points each member may give per month; unused points do not roll over."),
    )

    class Meta:
        verbose_name = _("recognition settings")
        verbose_name_plural = _("recognition settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="recognition_settings_one")]


class Allowance(TenantModel):
    """One member's points for one month: granted at the month's first kudos, spent by a guarded UPDATE."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(
        _("month"), help_text=_("The first day of the month, in the organization's time.")
    )
    granted = models.PositiveIntegerField(_("granted"))
    spent = models.PositiveIntegerField(_("spent"), default=0)

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="allowance_unique_member_month"),
            # The last line of defence: even a buggy write cannot overspend.
            models.CheckConstraint(
                condition=models.Q(spent__lte=models.F("granted")), name="allowance_not_overspent"
            ),
        ]

    @property
    def remaining(self) -> int:
        return self.granted - self.spent


class Kudos(TenantModel):
    """Praise from a peer or lead for one approved decision, tagged with a company value."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    giver = models.ForeignKey(Member, verbose_name=_("given by"), on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+")
    company_value = models.ForeignKey(
        CompanyValue, verbose_name=_("company value"), on_delete=models.PROTECT, related_name="kudos"
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    message = models.CharField(_("message"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("given at"))

    class Meta:
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One kudos per person per decision: praise, not a way to pile up points on a friend.
            models.UniqueConstraint(fields=["decision", "giver"], name="kudos_once_per_giver")
        ]
        indexes = [models.Index(fields=["organization", "created_at"], name="kudos_org_time")]


class Celebration(TenantModel):
    """A protected decision a lead or peer chose to celebrate: it enters the celebration feed."""

    decision = models.OneToOneField(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        Member, verbose_name=_("celebrated by"), on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+")
    # What the customer said, taken from the decision's note when it quotes them (first name only elsewhere).
    customer_words = models.CharField(_("customer's words"), max_length=WORDS_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("celebrated at"))

    class Meta:
        verbose_name = _("celebration")
        verbose_name_plural = _("celebrations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="celebration_org_time")]


class AwardPeriod(models.TextChoices):
    WEEK = "week", _("Empowered decision of the week")
    MONTH = "month", _("Empowered decision of the month")


class AwardStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    CONFIRMED = "confirmed", _("Confirmed")


class Award(TenantModel):
    """A lead's nomination of a decision as a site's empowered decision of the week or month.

    A manager (not the nominator) confirms it; only then does it reach the feed and the webhooks.
    """

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    agent = models.ForeignKey(Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=10, choices=AwardPeriod.choices)
    period_start = models.DateField(_("period starts"))
    status = models.CharField(
        _("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.NOMINATED
    )
    reason = models.CharField(_("why"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    nominated_by = models.ForeignKey(
        Member, verbose_name=_("nominated by"), on_delete=models.CASCADE, related_name="+"
    )
    nominated_at = models.DateTimeField(_("nominated at"))
    confirmed_by = models.ForeignKey(
        Member,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "period", "period_start"], name="award_one_nomination_per_decision"
            ),
            # One award per site and period: the confirmation of a second one is refused.
            models.UniqueConstraint(
                fields=["site", "period", "period_start"],
                condition=models.Q(status="confirmed"),
                name="award_one_per_site_period",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "period_start"], name="award_org_status")]
