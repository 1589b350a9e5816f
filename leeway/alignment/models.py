"""Every manager on board: charters, fair feedback, disputes, the backing they give, and the fear pulse.

Nothing here records a cost against an agent. Feedback on a protected decision is
praise or coaching only (invariant 4, enforced in `services`); a concern about one
is a question for the policy, kept as a `PolicyProposal`, never as a mark on the agent.
Pulse answers are stored as counts per team and question, never as a row a member could be traced to.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import TenantModel
from leeway.decisions.models import Decision
from leeway.people.models import Department, Member, Team

TEXT_MAX_LENGTH = 2000
CHARTER_TEXT_MAX_LENGTH = 10000
TITLE_MAX_LENGTH = 200


class Charter(TranslatableModel, TenantModel):
    """One version of a department's commitment to back empowered decisions, in each language."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="charters"
    )
    version = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        Member,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    translations = TranslatedFields(
        title=models.CharField(_("title"), max_length=TITLE_MAX_LENGTH),
        text=models.TextField(_("commitment"), max_length=CHARTER_TEXT_MAX_LENGTH),
    )

    class Meta:
        verbose_name = _("charter")
        verbose_name_plural = _("charters")
        ordering = ["department", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["department", "version"], name="charter_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.department} v{self.version}"


class CharterSignature(TenantModel):
    """A manager of the department stands behind one charter version."""

    charter = models.ForeignKey(
        Charter, verbose_name=_("charter"), on_delete=models.CASCADE, related_name="signatures"
    )
    manager = models.ForeignKey(
        Member, verbose_name=_("manager"), on_delete=models.CASCADE, related_name="charter_signatures"
    )
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("charter signature")
        verbose_name_plural = _("charter signatures")
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["charter", "manager"], name="charter_signature_once")]


class FeedbackKind(models.TextChoices):
    """Praise and coaching are for every decision; a correction only where the decision is not protected."""

    PRAISE = "praise", _("Praise")
    COACHING = "coaching", _("Coaching")
    CORRECTION = "correction", _("Correction")


class Behaviour(models.TextChoices):
    """Just culture (David Marx): what the behaviour was decides the answer, not the outcome."""

    HUMAN_ERROR = "human_error", _("Human error: console the agent")
    AT_RISK = "at_risk", _("At-risk behaviour: coach the agent")
    RECKLESS = "reckless", _("Reckless behaviour")


# How the agent reads the behaviour: the words address them, not the reviewer.
BEHAVIOUR_FOR_AGENT = {
    Behaviour.HUMAN_ERROR: _("A slip anyone could make: nothing to blame"),
    Behaviour.AT_RISK: _("A habit worth adjusting: here is how"),
    Behaviour.RECKLESS: _("Reckless behaviour"),
}

NEGATIVE_KINDS = (FeedbackKind.CORRECTION,)
NEGATIVE_BEHAVIOURS = (Behaviour.RECKLESS,)


class Feedback(TenantModel):
    """A lead's or manager's words to an agent about one decision."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(Member, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        Member, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="feedback_received"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FeedbackKind.choices)
    behaviour = models.CharField(_("behaviour"), max_length=20, choices=Behaviour.choices, blank=True)
    message = models.TextField(_("message"), max_length=TEXT_MAX_LENGTH)
    decision_protected = models.BooleanField(_("decision was protected"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "agent", "created_at"], name="feedback_agent_recent")]

    @property
    def behaviour_for_agent(self) -> str:
        return BEHAVIOUR_FOR_AGENT.get(self.behaviour, "")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADOPTED = "adopted", _("Taken into the policy")
    DISMISSED = "dismissed", _("Policy kept as it is")


class PolicyProposal(TenantModel):
    """A concern about a protected decision, raised against the policy that allowed it, for the admin."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    raised_by = models.ForeignKey(
        Member, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("what the policy should change"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    answered_by = models.ForeignKey(
        Member,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), max_length=TEXT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("policy proposal")
        verbose_name_plural = _("policy proposals")
        ordering = ["-created_at"]


class DisputeOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    REJECTED = "rejected", _("Rejected")


class Dispute(TenantModel):
    """An agent disputes feedback; another manager (not its author) resolves it."""

    feedback = models.OneToOneField(
        Feedback, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="dispute"
    )
    agent = models.ForeignKey(Member, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=DisputeOutcome.choices, default=DisputeOutcome.OPEN
    )
    resolved_by = models.ForeignKey(
        Member,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("reasons"), max_length=TEXT_MAX_LENGTH, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at"]

    @property
    def is_open(self) -> bool:
        return self.outcome == DisputeOutcome.OPEN

    @property
    def time_to_resolution(self):
        return self.resolved_at - self.created_at if self.resolved_at else None


class BackingEventKind(models.TextChoices):
    NEGATIVE_FEEDBACK_REFUSED = "negative_feedback_refused", _("Negative feedback on a protected decision")
    CONCERN = "concern", _("Concern about a protected decision")
    REVERSAL_REFUSED = "reversal_refused", _("Attempt to reverse or re-charge an approved decision")


class BackingEvent(TenantModel):
    """Something a lead or manager did against a protected decision; it counts on their backing only."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=BackingEventKind.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("backing event")
        verbose_name_plural = _("backing events")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "created_at"], name="backing_event_recent")]


class PulseQuestion(models.TextChoices):
    """The article's three fears, and Amy Edmondson's first psychological-safety item."""

    NEGATIVE_FEEDBACK = (
        "negative_feedback",
        _("I worry that a decision I make for a customer will get me negative feedback."),
    )
    LOSING_JOB = "losing_job", _("I worry that using my judgement for a customer could cost me my job.")
    PAYING = "paying", _("I worry that I would have to pay for a mistake.")
    HELD_AGAINST = "held_against", _("If you make a mistake on this team, it is held against you.")


SCORES = (1, 2, 3, 4, 5)


class Pulse(TenantModel):
    """An anonymous survey on the fears, scheduled for some teams between two moments."""

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        Member,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), through="PulseTeam", related_name="+")

    class Meta:
        verbose_name = _("pulse")
        verbose_name_plural = _("pulses")
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    def is_open_at(self, moment) -> bool:
        return self.opens_at <= moment < self.closes_at


class PulseTeam(TenantModel):
    """One team asked in a pulse, with how many of its members answered (a count, nothing more)."""

    pulse = models.ForeignKey(
        Pulse, verbose_name=_("pulse"), on_delete=models.CASCADE, related_name="pulse_teams"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    answers = models.PositiveIntegerField(_("answers"), default=0)

    class Meta:
        verbose_name = _("team in a pulse")
        verbose_name_plural = _("teams in a pulse")
        constraints = [models.UniqueConstraint(fields=["pulse", "team"], name="pulse_team_once")]


class PulseTally(TenantModel):
    """How many of a team chose one score for one question: answers are added here and never kept whole."""

    pulse_team = models.ForeignKey(
        PulseTeam, verbose_name=_("team in a pulse"), on_delete=models.CASCADE, related_name="tallies"
    )
    question = models.CharField(_("question"), max_length=30, choices=PulseQuestion.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("pulse tally")
        verbose_name_plural = _("pulse tallies")
        constraints = [
            models.UniqueConstraint(fields=["pulse_team", "question", "score"], name="pulse_tally_once")
        ]


class PulseComment(TenantModel):
    """A free-text comment left with an answer: random id, no time: it lines up with no one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pulse_team = models.ForeignKey(
        PulseTeam, verbose_name=_("team in a pulse"), on_delete=models.CASCADE, related_name="comments"
    )
    text = models.TextField(_("comment"), max_length=TEXT_MAX_LENGTH)

    class Meta:
        verbose_name = _("pulse comment")
        verbose_name_plural = _("pulse comments")
        ordering = ["id"]


class PulseRespondent(TenantModel):
    """Who has answered a pulse, kept apart from the answers and only to stop a second answer; never shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pulse = models.ForeignKey(Pulse, verbose_name=_("pulse"), on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("pulse respondent")
        verbose_name_plural = _("pulse respondents")
        constraints = [models.UniqueConstraint(fields=["pulse", "member"], name="pulse_answer_once")]
