"""The tenant base model, the background-job base, the audit chain and the outbox, shared by the apps."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The tenant table lives in the people app, above core. Core names it by its label only (resolved
# by Django's app registry once every app is loaded), so core imports no app.
ORGANIZATION_MODEL = "people.Organization"
MEMBER_MODEL = "people.Member"


def organization_key(**options) -> models.ForeignKey:
    """The tenant column. `db_index=False` where a composite index already starts with it.

    `db_constraint=False` on the tables every decision writes (decisions, their audit entries,
    outbox events and stored answers): PostgreSQL checks a foreign key by locking the parent row
    (FOR KEY SHARE), so with the constraint every concurrent decision also writes to the one
    organization row (a lock record in the WAL, a multixact when others hold it too). Measured on the
    decision benchmark: about a third of PostgreSQL's CPU per decision went to these checks on shared
    rows. The column is still a Django foreign key (joins, CASCADE emulated by the ORM), and
    organizations are never deleted by anything but the ORM.
    """
    return models.ForeignKey(
        ORGANIZATION_MODEL,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="+",
        **options,
    )


class TenantModel(models.Model):
    """Base for every tenant-owned table: the organization is always on the row."""

    organization = organization_key()

    class Meta:
        abstract = True


class JobStatus(models.TextChoices):
    """Where a background job is; each kind of job may name them in its own words (same values)."""

    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class BackgroundJob(TenantModel):
    """What every background job records: its status, progress, when it started and finished, what stopped it.

    The pages poll these fields while the worker runs the job (`leeway worker`, or inline when no
    worker is configured); `percent` and `is_finished` read the same way for every kind of job.
    """

    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # How far the job got, in its own unit (an import: bytes of its file; a value run: customers).
    progress_done = models.BigIntegerField(_("done"), default=0)
    progress_total = models.BigIntegerField(_("total"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # What stopped the job, in words for the person who reads it (empty when nothing did).
    error = models.TextField(_("error"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        """Progress in percent: 100 once finished, at most 99 before (the last step may take a moment)."""
        if self.is_finished:
            return 100
        if not self.progress_total:
            return 0
        return min(99, int(100 * self.progress_done / self.progress_total))

    def job_started(self, *fields: str) -> None:
        """Mark it running now, saving `fields` with it."""
        self.status = JobStatus.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["status", "started_at", *fields])

    def job_progressed(self, done: int, *fields: str) -> None:
        """Record how far it got, saving `fields` with it (other connections see it at once)."""
        self.progress_done = done
        self.save(update_fields=["progress_done", *fields])

    def job_finished(self, status: str, *fields: str, error: str = "") -> None:
        """Mark it succeeded or failed now (with what stopped it), saving `fields` with it."""
        self.status = status
        self.error = error
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at", *fields])


class AuditChain(TenantModel):
    """The head of an organization's audit chain: last sequence number and hash.

    Appending locks this row, so entries of one organization get gap-free,
    ordered sequence numbers; deleting the newest entry is caught because the
    head still remembers it.
    """

    last_seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default="")

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")
        constraints = [models.UniqueConstraint(fields=["organization"], name="audit_chain_one_per_org")]

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class AuditEntry(TenantModel):
    """One append-only, hash-chained record of a domain write."""

    # audit_entry_unique_seq (organization, seq) serves every lookup by organization; no database
    # constraint on the row every audited write shares (see organization_key).
    organization = organization_key(db_index=False, db_constraint=False)
    seq = models.PositiveBigIntegerField(_("sequence number"))
    created_at = models.DateTimeField(_("created at"))
    actor = models.ForeignKey(
        MEMBER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["organization_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="audit_entry_unique_seq")]
        indexes = [models.Index(fields=["organization", "object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class OutboxEvent(TenantModel):
    """An outbound event written in the same transaction as the change that caused it."""

    organization = organization_key(db_constraint=False)  # every decision writes one: see organization_key
    topic = models.CharField(_("topic"), max_length=80)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_undelivered",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.topic
