"""Who works where: organizations (tenants), sites, departments, teams and members."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from leeway.core.models import TenantModel

currency_code_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code, e.g. USD."))


def validate_time_zone(value: str) -> None:
    """Accept only IANA time zone names this machine knows."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}, code="time_zone")


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class Organization(models.Model):
    """A tenant: one company (or one client of an outsourcer), fully isolated from the others."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    base_currency = models.CharField(
        _("base currency"), max_length=3, default="USD", validators=[currency_code_validator]
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=language_choices, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(TenantModel):
    """A contact centre: a city with its own time zone and languages."""

    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=120)
    country = models.CharField(
        _("country"), max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166 code."))]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    languages = models.CharField(
        _("languages"), max_length=100, default="en", help_text=_("Comma-separated language codes.")
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class Department(TenantModel):
    """A business department (billing, shipping, sales …) whose manager backs its agents."""

    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(TenantModel):
    """A team of agents at one site, in one department; its leads answer its requests."""

    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="teams"
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="teams")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuthorityTier(TranslatableModel, TenantModel):
    """An ordered level of authority, named in each language; certification moves an agent up."""

    code = models.SlugField(_("code"), max_length=40)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher ranks have more authority."))
    translations = TranslatedFields(name=models.CharField(_("name"), max_length=80))

    class Meta:
        verbose_name = _("authority tier")
        verbose_name_plural = _("authority tiers")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="tier_unique_code"),
            models.UniqueConstraint(fields=["organization", "rank"], name="tier_unique_rank"),
        ]

    def __str__(self) -> str:
        return self.safe_translation_getter("name", any_language=True) or self.code


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")
    TRAINER = "trainer", _("Trainer")
    ANALYST = "analyst", _("Analyst")


class MemberManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("organization", "tier")


class Member(AbstractUser):
    """A person in one organization with a role, an authority tier, a language and a time zone.

    Platform operators (Django admin only) are the one kind of member without an organization.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="members",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    tier = models.ForeignKey(
        AuthorityTier,
        verbose_name=_("authority tier"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, related_name="members", null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
        help_text=_("For managers; agents and leads take their team's department."),
    )
    language = models.CharField(_("language"), max_length=10, choices=language_choices, default="en")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )

    objects = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["username"]
        indexes = [models.Index(fields=["organization", "role"], name="member_org_role")]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def home_department(self) -> Department | None:
        """The department whose budgets and manager apply to this member."""
        return self.team.department if self.team_id else self.department

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ApiToken(TenantModel):
    """A bearer token for the HTTP API; only its SHA-256 digest is stored."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("First characters, to recognise it."))
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
