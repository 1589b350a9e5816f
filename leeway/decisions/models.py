"""Decisions: one gesture for one customer by one agent, judged into a zone against a policy version.

Approved decisions are charged to company goodwill budgets (counters in the
policy app), never to a person: nothing here records a cost against an agent.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from leeway.core.models import TenantModel, organization_key
from leeway.customers.models import Customer
from leeway.people.models import Department, Member, Site, Team, currency_code_validator
from leeway.policy.budgets import BudgetSubjects
from leeway.policy.models import MONEY, Gesture, PolicyVersion

NOTE_MAX_LENGTH = 2000
JUSTIFICATION_MAX_LENGTH = 300
INTERACTION_REF_MAX_LENGTH = 100


class DecisionReason(models.TextChoices):
    """Why the agent made the gesture (API.md's reason codes)."""

    BILLING_ERROR = "billing_error", _("Billing error")
    SERVICE_OUTAGE = "service_outage", _("Service outage")
    DELIVERY_DELAY = "delivery_delay", _("Delivery delay")
    PRODUCT_DEFECT = "product_defect", _("Product defect")
    LOYALTY = "loyalty", _("Loyalty")
    OTHER = "other", _("Other")


class Zone(models.TextChoices):
    """How the decision was judged."""

    GREEN = "green", _("Green: inside your authority")
    AMBER = "amber", _("Amber: colouring outside the lines")
    RED = "red", _("Red: a lead decides")


class DecisionStatus(models.TextChoices):
    """pending → approved | declined; green and amber start approved."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class Decision(TenantModel):
    """One goodwill gesture for one customer, judged by the policy version that was live."""

    # decision_org_status and decision_customer_caps start with it: a third index would only cost
    # every decision one more write. The references that every decision of a team or organization
    # shares (organization, policy version, gesture, team, department) have no database constraint:
    # checking one locks the shared parent row in every transaction (see core.models.organization_key).
    # The engine writes only ids it resolved in the same request; the ORM still enforces PROTECT and
    # SET_NULL when a parent is deleted, and versions and gestures are never deleted, only superseded.
    # The customer and the agent, one row per decision's own subject, keep theirs.
    organization = organization_key(db_index=False, db_constraint=False)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,  # covered by decision_customer_recent
    )
    agent = models.ForeignKey(
        Member,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,  # covered by decision_agent_recent
    )
    # Where the agent worked when asking: the request belongs to that team's leads
    # and that department's managers even if the agent moves later.
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by decision_team_queue
        db_constraint=False,  # shared by the team's decisions: see organization above
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # read through the team and department queues, never on its own yet
        db_constraint=False,  # shared by the site's decisions: see organization above
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by decision_department_queue
        db_constraint=False,  # shared by the department's decisions: see organization above
    )
    gesture = models.ForeignKey(
        Gesture,
        verbose_name=_("gesture"),
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,
        db_constraint=False,  # shared by every decision of that kind: see organization above
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    base_amount = models.DecimalField(_("amount in base currency"), **MONEY)
    base_currency = models.CharField(_("base currency"), max_length=3, validators=[currency_code_validator])
    reason = models.CharField(_("reason"), max_length=20, choices=DecisionReason.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)
    justification = models.CharField(
        _("justification"),
        max_length=JUSTIFICATION_MAX_LENGTH,
        blank=True,
        help_text=_("One line of why, required above the green limit."),
    )
    interaction_ref = models.CharField(
        _("interaction reference"), max_length=INTERACTION_REF_MAX_LENGTH, blank=True
    )
    zone = models.CharField(_("zone"), max_length=10, choices=Zone.choices)
    status = models.CharField(_("status"), max_length=10, choices=DecisionStatus.choices)
    protected = models.BooleanField(
        _("protected"),
        default=False,
        help_text=_("Approved inside policy or by a lead: it can never be held against the agent."),
    )
    learning_case = models.BooleanField(
        _("learning case"), default=False, help_text=_("Amber decisions the lead may learn from.")
    )
    escalated = models.BooleanField(_("escalated to the department's managers"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    auto_approved = models.BooleanField(
        _("approved on timeout"),
        default=False,
        help_text=_("Nobody answered in time, so the request was approved in the customer's favour."),
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("policy version"),
        on_delete=models.PROTECT,
        related_name="decisions",
        db_index=False,
        db_constraint=False,  # the live version is shared by every decision: see organization above
    )
    reasons = models.JSONField(
        _("reasons"), default=list, help_text=_("Each limit checked, as codes and figures.")
    )
    created_at = models.DateTimeField(_("created at"))
    due_at = models.DateTimeField(_("answer due at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        Member,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    decision_note = models.TextField(_("lead's note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at"]
        indexes = [
            # Per-customer caps: count and sum over a rolling window, read straight off this index
            # (invariant 7: the cost of judging does not grow with history).
            models.Index(
                fields=["organization", "customer", "gesture", "created_at"],
                condition=models.Q(status="approved"),
                name="decision_customer_caps",
            ),
            models.Index(fields=["customer", "created_at"], name="decision_customer_recent"),
            models.Index(fields=["agent", "created_at"], name="decision_agent_recent"),
            models.Index(fields=["team", "status", "created_at"], name="decision_team_queue"),
            models.Index(fields=["department", "status", "created_at"], name="decision_department_queue"),
            models.Index(fields=["organization", "status", "created_at"], name="decision_org_status"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending", escalated=False),
                name="decision_overdue",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="decision_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(base_amount__gte=0), name="decision_base_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gesture_id} {self.amount} {self.currency} ({self.zone}, {self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == DecisionStatus.PENDING

    @property
    def budget_subjects(self) -> BudgetSubjects:
        """Whose counters this decision is charged to, as recorded when it was made."""
        return BudgetSubjects(
            organization=self.organization_id,
            agent=self.agent_id,
            site=self.site_id,
            team=self.team_id,
            department=self.department_id,
        )


class IdempotencyRecord(TenantModel):
    """The stored answer to a request sent with an Idempotency-Key, so a retry gets the same answer."""

    organization = organization_key(db_constraint=False)  # written with every keyed decision: see Decision
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique (member, key) constraint serves lookups
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    request_hash = models.CharField(_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    # The exact JSON text answered the first time (jsonb would reorder keys), so a replay is byte-identical.
    response_body = models.TextField(_("response body"))
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["member", "key"], name="idempotency_unique_member_key")
        ]


class PeriodicJob(models.Model):
    """When a periodic job (e.g. the overdue sweep) may run next, shared by every worker.

    Not tenant data: one row per job for the whole installation. A worker runs a
    job only if its conditional update of `next_run_at` wins, so several
    workers never start the same run twice.
    """

    name = models.CharField(_("name"), max_length=80, primary_key=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    last_worker = models.CharField(_("last worker"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
