"""Customers of an organization, what they bought, what happened after a gesture, and imports."""

import unicodedata

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import BackgroundJob, TenantModel
from leeway.people.models import currency_code_validator, language_choices

MONEY = {"max_digits": 14, "decimal_places": 2}


def search_key(text: str) -> str:
    """Lower-case, accent-free, single-spaced text, so "garcía" finds "García" by prefix."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def phone_key(phone: str) -> str:
    """Only the digits of a phone number: "+1 (303) 555-0101" is found by typing 1303555."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


def customer_search_keys(*, external_id: str, name: str, phone: str) -> dict[str, str]:
    """The normalised columns the type-ahead search matches by prefix (each one indexed)."""
    name_normal = search_key(name)
    _first, _space, rest = name_normal.partition(" ")
    return {
        "id_key": search_key(external_id)[:64],
        "name_key": name_normal[:200],
        # Agents often type the surname first: everything after the first word gets its own index.
        "surname_key": rest[:200],
        "phone_key": phone_key(phone)[:40],
    }


SEGMENT_CODE_MAX = 60


class Segment(TranslatableModel, TenantModel):
    """A customer segment the organization uses (the code its customers carry), named in each language."""

    code = models.CharField(_("code"), max_length=SEGMENT_CODE_MAX)
    translations = TranslatedFields(name=models.CharField(_("name"), max_length=80))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="segment_unique_code")]

    def __str__(self) -> str:
        return self.safe_translation_getter("name", any_language=True) or self.code


def segment_fallback_name(code: str) -> str:
    """A code nobody named yet, readable: "small_business" → "Small business"."""
    text = code.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


class Customer(TenantModel):
    """A customer of the organization, known by the organization's own id (e.g. C-1001)."""

    external_id = models.CharField(_("customer id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=language_choices, default="en")
    segment = models.CharField(_("segment"), max_length=60, blank=True)
    created_on = models.DateField(_("customer since"), null=True, blank=True)
    # Filled by the lifetime-value refresh; null means "not enough history", never a guess.
    predicted_clv = models.DecimalField(
        _("predicted value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    probability_alive = models.FloatField(_("probability active"), null=True, blank=True)
    value_computed_at = models.DateTimeField(_("value computed at"), null=True, blank=True)
    # Normalised copies for the type-ahead search (see customer_search_keys); never shown.
    id_key = models.CharField(max_length=64, blank=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    surname_key = models.CharField(max_length=200, blank=True, editable=False)
    phone_key = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="customer_unique_external_id"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="customer_org_name"),
            models.Index(fields=["organization", "email"], name="customer_org_email"),
            models.Index(fields=["organization", "phone"], name="customer_org_phone"),
            models.Index(fields=["organization", "id_key"], name="customer_org_id_key"),
            models.Index(fields=["organization", "name_key"], name="customer_org_name_key"),
            models.Index(fields=["organization", "surname_key"], name="customer_org_surname_key"),
            models.Index(fields=["organization", "phone_key"], name="customer_org_phone_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        for field, value in customer_search_keys(
            external_id=self.external_id, name=self.name, phone=self.phone
        ).items():
            setattr(self, field, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "email",
                "id_key",
                "name_key",
                "surname_key",
                "phone_key",
            }
        super().save(*args, **kwargs)

    @property
    def has_value(self) -> bool:
        return self.predicted_clv is not None


class Purchase(TenantModel):
    """One purchase transaction: the raw material of the lifetime-value model."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="purchases"
    )
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code_validator])
    base_amount = models.DecimalField(_("amount in base currency"), max_digits=14, decimal_places=2)
    import_job = models.ForeignKey(
        "customers.ImportJob",
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text=_("The CSV import that added this purchase, if any."),
    )

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["customer_id", "occurred_on"]
        indexes = [
            models.Index(fields=["organization", "customer", "occurred_on"], name="purchase_customer_date")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="purchase_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(base_amount__gte=0), name="purchase_base_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.amount} {self.currency}"


class OutcomeKind(models.TextChoices):
    """What happened after: the basis of the return on gestures."""

    RETAINED = "retained", _("Retained")
    RENEWED = "renewed", _("Renewed")
    CHURNED = "churned", _("Churned")
    PURCHASE = "purchase", _("Purchase")
    CSAT = "csat", _("Satisfaction score")


class Outcome(TenantModel):
    """Something that happened to a customer after an interaction, optionally tied to a decision."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="outcomes"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OutcomeKind.choices)
    # Satisfaction score (csat), 1 to 5.
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    # Purchase outcomes: the amount, also recorded as a Purchase so the value model sees it.
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    base_amount = models.DecimalField(_("amount in base currency"), **MONEY, null=True, blank=True)
    purchase = models.ForeignKey(
        Purchase,
        verbose_name=_("purchase"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    decision = models.ForeignKey(
        "decisions.Decision",
        verbose_name=_("decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    import_job = models.ForeignKey(
        "customers.ImportJob",
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["organization", "customer", "occurred_at"], name="outcome_customer_time"),
            models.Index(fields=["organization", "kind", "occurred_at"], name="outcome_kind_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="outcome_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"

    @property
    def value(self):
        """The value as the API shows it: the score, the amount as a string, or None."""
        if self.kind == OutcomeKind.CSAT:
            return self.score
        if self.amount is not None:
            return f"{self.amount:.2f}"
        return None


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    TRANSACTIONS = "transactions", _("Transactions")
    OUTCOMES = "outcomes", _("Outcomes")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Nothing imported")


class ImportPhase(models.TextChoices):
    READING = "reading", _("Reading and checking rows")
    CHECKING = "checking", _("Looking for duplicates")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Done")


class ImportJob(BackgroundJob):
    """One CSV file imported all-or-nothing: its progress, and the report of rows it refused.

    Its progress counts bytes: `progress_total` is the file's size, `progress_done` how much of it
    was read (the row count is unknown until the end); `error` is a problem with the whole file
    (header, encoding, size), in the importer's language.
    """

    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    phase = models.CharField(_("phase"), max_length=20, choices=ImportPhase.choices, default="reading")
    file_name = models.CharField(_("file name"), max_length=255)
    # Where an uploaded file waits for the worker; removed once the import has run.
    stored_path = models.CharField(_("stored file"), max_length=500, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    # Rows identical to ones already recorded by an earlier import (overlapping exports are normal).
    skipped_count = models.PositiveIntegerField(_("already recorded"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # At most REPORT_LIMIT rows of {"row", "field", "code", "message"}; error_count has the total.
    errors = models.JSONField(_("error report"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="importjob_org_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def wrote_rows(self) -> bool:
        """True when the import created or changed something (a file of rows all seen before did not)."""
        return bool(self.created_count or self.updated_count)


class ImportRow(models.Model):
    """A checked row waiting in staging until the whole file is known to be good.

    Rows are staged chunk by chunk (short transactions, bounded memory), checked
    for duplicates with SQL, then moved to the real tables in one transaction,
    so a broken file never leaves half an import. Not shown to anyone.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+", db_index=False)
    row = models.PositiveIntegerField()
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    external_id = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10, blank=True)
    segment = models.CharField(max_length=60, blank=True)
    created_on = models.DateField(null=True, blank=True)
    id_key = models.CharField(max_length=64, blank=True)
    name_key = models.CharField(max_length=200, blank=True)
    surname_key = models.CharField(max_length=200, blank=True)
    phone_key = models.CharField(max_length=40, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    base_amount = models.DecimalField(**MONEY, null=True, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    decision_id = models.BigIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staged import row")
        verbose_name_plural = _("staged import rows")
        indexes = [
            models.Index(fields=["job", "external_id"], name="importrow_job_external"),
            models.Index(fields=["job", "customer", "occurred_on"], name="importrow_job_customer_date"),
            models.Index(fields=["job", "row"], name="importrow_job_row"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"
