"""Validation shared by the people services, the admin forms, the API and the member CSV import.

Each `*_problems` function checks a whole set of values and returns every problem at once (a form or a
CSV report shows them all); the services raise the first one as an `InvalidInput`, so a page, the API
and an import refuse the same values with the same words.
"""

import re
import zoneinfo

from babel import Locale
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import to_locale

from leeway.core import caches
from leeway.core.errors import InvalidInput
from leeway.people.models import AuthorityTier, Department, Member, Organization, Role, Site, Team

NAME_MAX = 150  # Django's first_name and last_name are 150 characters each
PLACE_MAX = 120
EMAIL_MAX = 254
USERNAME_MAX = 150
SITE_LANGUAGES_MAX = 100
# Codes Babel lists among territories that are not countries (European Union, United Nations, …).
NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
LANGUAGE_CODE_RE = re.compile(r"^[a-z]{2,3}$")


class Problems:
    """Collects InvalidInput errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput] = []

    def add(self, message, *, code: str, field: str | None) -> None:
        self.errors.append(InvalidInput(message, code=code, field=field))

    def has(self, field: str) -> bool:
        return any(error.field == field for error in self.errors)

    def raise_first(self) -> None:
        if self.errors:
            raise self.errors[0]


def interface_languages() -> dict[str, str]:
    return dict(settings.LANGUAGES)


@caches.memo("people.time_zones", maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[str]:
    return sorted(_time_zones())


@caches.memo("people.country_names", maxsize=8)
def country_names(language: str) -> dict[str, str]:
    """ISO 3166 code → the country's name in that language (Babel's CLDR data)."""
    territories = Locale.parse(to_locale(language)).territories
    return {
        code: name
        for code, name in territories.items()
        if COUNTRY_RE.match(code) and code not in NOT_COUNTRIES
    }


@caches.memo("people.language_codes", maxsize=1)
def _language_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").languages if LANGUAGE_CODE_RE.match(code))


def split_name(name: str) -> tuple[str, str]:
    """The first word and the rest: "María José Pérez" → ("María", "José Pérez").

    Members have Django's first and last name; people type one name. Joined again with a space
    (`Member.display_name`) it reads exactly as typed.
    """
    words = " ".join((name or "").split()).split(" ", 1)
    return words[0], (words[1] if len(words) > 1 else "")


def _text(value) -> str:
    return " ".join(str(value or "").split())


def member_problems(
    *,
    organization: Organization,
    name,
    email,
    role,
    tier: AuthorityTier | None,
    team: Team | None,
    department: Department | None,
    language,
    time_zone,
    username=None,
    password=None,
    member: Member | None = None,
) -> tuple[dict, Problems]:
    """Check a member's values: the cleaned values and every problem.

    `username` is checked only for a new member (it never changes); `member` is the member being
    changed, whose own username and attributes the password must not resemble.
    """
    problems = Problems()
    values: dict = {}
    if member is None:
        username = str(username or "").strip()
        values["username"] = username
        if not username:
            problems.add(_("Enter a username."), code="required", field="username")
        elif len(username) > USERNAME_MAX:
            problems.add(
                _("Keep it under %(limit)s characters.") % {"limit": USERNAME_MAX},
                code="too_long",
                field="username",
            )
        else:
            try:
                Member.username_validator(username)
            except ValidationError:
                problems.add(
                    _("Use only letters, digits and @ . + - _ in a username."),
                    code="invalid_username",
                    field="username",
                )
            else:
                if Member.objects.filter(username__iexact=username).exists():
                    problems.add(
                        _("This username is already taken."), code="username_taken", field="username"
                    )

    name = _text(name)
    first_name, last_name = split_name(name)
    values["first_name"], values["last_name"] = first_name, last_name
    if not name:
        problems.add(_("Enter the member's name."), code="required", field="name")
    elif len(first_name) > NAME_MAX or len(last_name) > NAME_MAX:
        problems.add(
            _("Keep it under %(limit)s characters.") % {"limit": NAME_MAX}, code="too_long", field="name"
        )

    email = str(email or "").strip()
    values["email"] = Member.objects.normalize_email(email) if email else ""
    if email:
        try:
            if len(email) > EMAIL_MAX:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            problems.add(_("Enter a valid email address."), code="invalid_email", field="email")

    role = str(role or "").strip()
    values["role"] = role
    if role not in Role.values:
        problems.add(_("Choose a role."), code="unknown_role", field="role")

    for field, obj in (("tier", tier), ("team", team), ("department", department)):
        # A caller resolves names and ids within the organization; this keeps any mistake out.
        if obj is not None and obj.organization_id != organization.pk:
            problems.add(_("Not found."), code=f"unknown_{field}", field=field)
    values["tier"], values["team"], values["department"] = tier, team, department
    if role == Role.AGENT:
        if tier is None:
            problems.add(
                _("An agent needs an authority tier: it sets what they may decide alone."),
                code="tier_required",
                field="tier",
            )
        if team is None:
            problems.add(
                _("An agent needs a team: its leads answer the agent's requests."),
                code="team_required",
                field="team",
            )
    elif role == Role.LEAD and team is None:
        problems.add(
            _("A team lead needs a team: they answer that team's requests."),
            code="team_required",
            field="team",
        )
    elif role == Role.MANAGER and team is None and department is None:
        problems.add(
            _("A manager needs a department: they back that department's agents."),
            code="department_required",
            field="department",
        )

    language = str(language or "").strip() or organization.default_language
    values["language"] = language
    if language not in interface_languages():
        problems.add(_("Unknown language."), code="unknown_language", field="language")

    time_zone = str(time_zone or "").strip()
    if not time_zone:
        time_zone = team.site.time_zone if team is not None else organization.time_zone
    values["time_zone"] = time_zone
    if time_zone not in _time_zones():
        problems.add(
            _("Unknown time zone: %(zone)s") % {"zone": time_zone}, code="time_zone", field="time_zone"
        )

    if password:
        candidate = member or Member(
            username=values.get("username", ""), first_name=first_name, last_name=last_name, email=email
        )
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            problems.add(" ".join(error.messages), code="weak_password", field="password")
    return values, problems


def _name_problems(problems: Problems, name, *, queryset, exclude_pk=None, taken_message) -> str:
    name = _text(name)
    if not name:
        problems.add(_("Enter a name."), code="required", field="name")
    elif len(name) > PLACE_MAX:
        problems.add(
            _("Keep it under %(limit)s characters.") % {"limit": PLACE_MAX}, code="too_long", field="name"
        )
    else:
        clash = queryset.filter(name__iexact=name)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            problems.add(taken_message, code="duplicate_name", field="name")
    return name


def site_problems(
    *, organization: Organization, name, city, country, time_zone, languages, site: Site | None = None
) -> tuple[dict, Problems]:
    """Check a site: a unique name, a city, an ISO country, an IANA time zone, language codes."""
    problems = Problems()
    values = {
        "name": _name_problems(
            problems,
            name,
            queryset=Site.objects.filter(organization=organization),
            exclude_pk=site.pk if site else None,
            taken_message=_("Another site already has this name."),
        )
    }
    city = _text(city)
    values["city"] = city
    if not city:
        problems.add(_("Enter the city."), code="required", field="city")
    elif len(city) > PLACE_MAX:
        problems.add(
            _("Keep it under %(limit)s characters.") % {"limit": PLACE_MAX}, code="too_long", field="city"
        )
    country = str(country or "").strip().upper()
    values["country"] = country
    if country not in country_names("en"):
        problems.add(
            _("Choose a country (a two-letter ISO 3166 code such as US or ES)."),
            code="unknown_country",
            field="country",
        )
    time_zone = str(time_zone or "").strip()
    values["time_zone"] = time_zone
    if time_zone not in _time_zones():
        problems.add(
            _("Unknown time zone: %(zone)s") % {"zone": time_zone}, code="time_zone", field="time_zone"
        )
    codes = []
    for part in re.split(r"[,;\s]+", str(languages or "").lower()):
        if part and part not in codes:
            codes.append(part)
    unknown = [code for code in codes if code not in _language_codes()]
    values["languages"] = ",".join(codes)
    if not codes:
        problems.add(
            _("List the languages spoken at the site, e.g. en,es."), code="required", field="languages"
        )
    elif unknown:
        problems.add(
            _("Unknown language code(s): %(codes)s. Use ISO 639 codes such as en, es, fr.")
            % {"codes": ", ".join(unknown)},
            code="unknown_language",
            field="languages",
        )
    elif len(values["languages"]) > SITE_LANGUAGES_MAX:
        problems.add(
            _("Keep it under %(limit)s characters.") % {"limit": SITE_LANGUAGES_MAX},
            code="too_long",
            field="languages",
        )
    return values, problems


def department_problems(
    *, organization: Organization, name, department: Department | None = None
) -> tuple[dict, Problems]:
    """Check a department: a unique name."""
    problems = Problems()
    values = {
        "name": _name_problems(
            problems,
            name,
            queryset=Department.objects.filter(organization=organization),
            exclude_pk=department.pk if department else None,
            taken_message=_("Another department already has this name."),
        )
    }
    return values, problems


def team_problems(
    *,
    organization: Organization,
    name,
    department: Department | None,
    site: Site | None,
    team: Team | None = None,
) -> tuple[dict, Problems]:
    """Check a team: a unique name, a department and a site of the organization."""
    problems = Problems()
    values = {
        "name": _name_problems(
            problems,
            name,
            queryset=Team.objects.filter(organization=organization),
            exclude_pk=team.pk if team else None,
            taken_message=_("Another team already has this name."),
        ),
        "department": department,
        "site": site,
    }
    if department is None or department.organization_id != organization.pk:
        problems.add(_("Choose the team's department."), code="department_required", field="department")
    if site is None or site.organization_id != organization.pk:
        problems.add(_("Choose the team's site."), code="site_required", field="site")
    return values, problems
