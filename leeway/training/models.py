"""Training that raises authority: modules, their scenarios, attempts, certifications and spaced review.

A module certifies for one authority tier. Its quiz is drawn from the organization's published policy
when an attempt starts (the real engine grades it), plus the trainer's own scenarios. Passing every
published module of a tier makes an agent eligible for it; a lead confirms the new tier in one click.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import TenantModel
from leeway.decisions.models import DecisionReason, Zone
from leeway.people.models import AuthorityTier, Member
from leeway.policy.models import MONEY, PolicyVersion

TITLE_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 500
LESSON_MAX_LENGTH = 10000
SCENARIO_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 500


class Module(TranslatableModel, TenantModel):
    """A bilingual lesson in three parts with a quiz; passing it certifies for its tier until it expires."""

    code = models.SlugField(_("code"), max_length=60)
    tier = models.ForeignKey(
        AuthorityTier,
        verbose_name=_("tier it certifies for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Gesture codes the scenarios cover; empty: every gesture the tier has a rule for.
    gesture_codes = models.JSONField(_("gestures covered"), default=list, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    policy_questions = models.PositiveSmallIntegerField(
        _("questions from the policy"), default=5, validators=[MinValueValidator(0), MaxValueValidator(20)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=TITLE_MAX_LENGTH),
        summary=models.CharField(_("summary"), max_length=SUMMARY_MAX_LENGTH, blank=True),
        lesson_meaning=models.TextField(_("what empowerment is here"), max_length=LESSON_MAX_LENGTH),
        lesson_practice=models.TextField(
            _("how to use it: the zones and the console"), max_length=LESSON_MAX_LENGTH
        ),
        lesson_celebration=models.TextField(_("how it is celebrated"), max_length=LESSON_MAX_LENGTH),
    )

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="module_unique_code")]

    def __str__(self) -> str:
        return self.safe_translation_getter("title", any_language=True) or self.code


class Scenario(TranslatableModel, TenantModel):
    """A trainer's own scenario: a situation, the amount at stake and a rubric for the justification.

    The zone is still the engine's answer for the gesture chosen, under the policy of the day.
    """

    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="scenarios"
    )
    gesture_codes = models.JSONField(_("gestures that fit"), default=list)
    amount = models.DecimalField(_("amount in base currency"), **MONEY)
    reason = models.CharField(_("reason"), max_length=20, choices=DecisionReason.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    translations = TranslatedFields(
        situation=models.TextField(_("situation"), max_length=SCENARIO_MAX_LENGTH),
        rubric=models.TextField(_("rubric: what a good justification says"), max_length=SCENARIO_MAX_LENGTH),
        key_terms=models.CharField(
            _("key terms (comma-separated; a justification names at least one)"),
            max_length=SUMMARY_MAX_LENGTH,
            blank=True,
        ),
    )

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["module", "position", "pk"]

    @property
    def key(self) -> str:
        return f"scenario:{self.pk}"


class Attempt(TenantModel):
    """One agent taking one module: the questions drawn at the start and, once submitted, the score."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="attempts"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="training_attempts"
    )
    policy_version = models.ForeignKey(
        PolicyVersion, verbose_name=_("policy version"), on_delete=models.PROTECT, related_name="+"
    )
    tier = models.ForeignKey(
        AuthorityTier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    correct = models.PositiveSmallIntegerField(_("correct answers"), default=0)
    total = models.PositiveSmallIntegerField(_("questions"), default=0)
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["organization", "member", "started_at"], name="attempt_member_recent")
        ]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def score(self) -> float | None:
        """xAPI's result.score.scaled: 0 to 1."""
        if not self.is_submitted or not self.total:
            return None
        return round(self.correct / self.total, 4)

    @property
    def percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)

    @property
    def duration(self):
        return self.submitted_at - self.started_at if self.submitted_at else None


class Question(TenantModel):
    """One question of an attempt as it was asked (a later policy never rewrites it), and its answer."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    # Stable across attempts and policy versions: "policy:<gesture>:<zone band>" or "scenario:<id>".
    key = models.CharField(_("key"), max_length=80)
    scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("scenario"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    situation = models.TextField(_("situation"), max_length=SCENARIO_MAX_LENGTH)
    amount = models.DecimalField(_("amount in base currency"), **MONEY)
    accepted_gestures = models.JSONField(_("gestures that fit"), default=list)
    answer_gesture = models.CharField(_("gesture answered"), max_length=40, blank=True)
    answer_zone = models.CharField(_("zone answered"), max_length=10, choices=Zone.choices, blank=True)
    answer_justification = models.CharField(_("justification"), max_length=ANSWER_MAX_LENGTH, blank=True)
    engine_zone = models.CharField(_("zone the engine gave"), max_length=10, choices=Zone.choices, blank=True)
    gesture_ok = models.BooleanField(_("gesture right"), null=True)
    zone_ok = models.BooleanField(_("zone right"), null=True)
    justification_ok = models.BooleanField(_("justification right"), null=True)
    correct = models.BooleanField(_("correct"), null=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="question_unique_position")
        ]
        indexes = [models.Index(fields=["organization", "key"], name="question_key")]


class Certification(TenantModel):
    """An agent certified in a module (by passing it, or waived by a trainer) until it expires.

    `coverage` fingerprints the policy's rules for what the module covers when it was earned: a newer
    policy that changes them calls for re-certification, as an expiry does.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="training_certifications"
    )
    module = models.ForeignKey(
        Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="certifications"
    )
    attempt = models.OneToOneField(
        Attempt, verbose_name=_("attempt"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_by = models.ForeignKey(
        Member,
        verbose_name=_("waived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    certified_at = models.DateTimeField(_("certified at"))
    expires_at = models.DateTimeField(_("expires at"))
    policy_number = models.PositiveIntegerField(_("policy version"))
    coverage = models.CharField(_("what the policy said"), max_length=64)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-certified_at"]
        indexes = [models.Index(fields=["organization", "member", "module"], name="certification_member")]

    @property
    def waived(self) -> bool:
        return self.attempt_id is None


class ProposalSource(models.TextChoices):
    CERTIFICATION = "certification", _("Passed the tier's modules")
    TRACK_RECORD = "track_record", _("Track record")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the lead")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Not now")


class TierProposal(TenantModel):
    """An agent proposed for a higher tier; only a lead's confirmation changes the tier (never automatic)."""

    member = models.ForeignKey(
        Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="tier_proposals"
    )
    from_tier = models.ForeignKey(
        AuthorityTier,
        verbose_name=_("from tier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_tier = models.ForeignKey(
        AuthorityTier, verbose_name=_("to tier"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("why"), max_length=20, choices=ProposalSource.choices)
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    decided_by = models.ForeignKey(
        Member,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tier proposal")
        verbose_name_plural = _("tier proposals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "to_tier"],
                condition=models.Q(status="open"),
                name="tier_proposal_one_open",
            )
        ]


class TrainingSettings(TenantModel):
    """The organization's track-record rule and how many review questions a shift gets (admins edit it)."""

    track_record_decisions = models.PositiveIntegerField(
        _("protected decisions needed"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
    )
    track_record_days = models.PositiveIntegerField(
        _("window (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    good_outcome_percent = models.PositiveSmallIntegerField(
        _("good outcomes needed (%)"), default=80, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    reviews_per_shift = models.PositiveSmallIntegerField(
        _("review questions per shift"), default=3, validators=[MinValueValidator(0), MaxValueValidator(20)]
    )

    class Meta:
        verbose_name = _("training settings")
        verbose_name_plural = _("training settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="training_settings_once")]


class ReviewCard(TenantModel):
    """One question an agent keeps practising, on an FSRS schedule (the `fsrs` package's card, as JSON)."""

    member = models.ForeignKey(Member, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="+")
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=80)
    card = models.JSONField(_("schedule"))
    due = models.DateTimeField(_("due"))
    reviews = models.PositiveIntegerField(_("reviews"), default=0)
    lapses = models.PositiveIntegerField(_("misses"), default=0)
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    # Counts against the shift's few console questions (answers inside an attempt do not).
    console_reviewed_at = models.DateTimeField(_("last reviewed in the console"), null=True, blank=True)

    class Meta:
        verbose_name = _("review card")
        verbose_name_plural = _("review cards")
        ordering = ["due"]
        constraints = [models.UniqueConstraint(fields=["member", "module", "key"], name="review_card_once")]
        indexes = [models.Index(fields=["organization", "member", "due"], name="review_card_due")]
