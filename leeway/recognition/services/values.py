"""Company values (translated) and the organization's recognition settings."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, InvalidInput
from leeway.people.models import Member, Organization, Role
from leeway.people.services.members import check_actor
from leeway.recognition.models import (
    MAX_MONTHLY_ALLOWANCE,
    VALUE_DESCRIPTION_MAX,
    VALUE_NAME_MAX,
    CompanyValue,
    RecognitionSettings,
)
from leeway.recognition.services.common import (
    CODE_RE,
    _audit,
    _languages,
    _no_markup,
    _plain_text,
    _require_role,
)


def _value_names(organization: Organization, names: dict | None, *, field: str, limit: int) -> dict:
    cleaned = {}
    for language, text in (names or {}).items():
        if language not in _languages():
            raise InvalidInput(_("Unknown language."), code="unknown_language", field=f"{field}_{language}")
        cleaned[language] = _no_markup(
            _plain_text(text, field=f"{field}_{language}", limit=limit), field=f"{field}_{language}"
        )
    return cleaned


def _save_value_texts(company_value: CompanyValue, names: dict, descriptions: dict) -> dict:
    changes = {}
    for language in _languages():
        if language not in names and language not in descriptions:
            continue
        has = company_value.has_translation(language)
        old_name = company_value.safe_translation_getter("name", language_code=language) if has else ""
        old_description = (
            company_value.safe_translation_getter("description", language_code=language) if has else ""
        )
        name = names.get(language, old_name or "")
        description = descriptions.get(language, old_description or "")
        if not name:
            if has:
                company_value.delete_translation(language)
                changes[f"name_{language}"] = [old_name, ""]
            continue
        if name != old_name or description != old_description:
            company_value.set_current_language(language)
            company_value.name = name
            company_value.description = description
            company_value.save_translations()
            changes[f"name_{language}"] = [old_name or "", name]
    company_value.set_current_language(translation.get_language() or settings.LANGUAGE_CODE)
    return changes


def company_value_create(
    *,
    organization: Organization,
    actor: Member | None,
    code: str,
    names: dict[str, str],
    descriptions: dict[str, str] | None = None,
    active: bool = True,
) -> CompanyValue:
    """Add a company value, named in the organization's language (others optional)."""
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("Use lower-case letters, digits, - and _ (up to 40)."), code="invalid_code", field="code"
        )
    names = _value_names(organization, names, field="name", limit=VALUE_NAME_MAX)
    descriptions = _value_names(organization, descriptions, field="description", limit=VALUE_DESCRIPTION_MAX)
    default = organization.default_language
    if not names.get(default):
        raise InvalidInput(_("This field is required."), code="required", field=f"name_{default}")
    with transaction.atomic():
        if CompanyValue.objects.filter(organization=organization, code=code).exists():
            raise Conflict(
                _("A company value with this code already exists."), code="duplicate", field="code"
            )
        position = CompanyValue.objects.filter(organization=organization).count()
        company_value = CompanyValue(
            organization=organization, code=code, active=bool(active), position=position
        )
        company_value.set_current_language(default)
        company_value.name = names[default]
        company_value.description = descriptions.get(default, "")
        company_value.save()
        _save_value_texts(
            company_value,
            {k: v for k, v in names.items() if k != default},
            {k: v for k, v in descriptions.items() if k != default},
        )
        _audit(
            organization.pk,
            actor_id,
            "company_value.created",
            company_value,
            {"code": code, "names": names, "active": bool(active)},
        )
    return company_value


def company_value_update(
    *,
    company_value: CompanyValue,
    actor: Member | None,
    names: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    active: bool | None = None,
) -> CompanyValue:
    """Rename a value in any language or switch it on or off; its code stays (kudos refer to it)."""
    organization = company_value.organization
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    names = _value_names(organization, names, field="name", limit=VALUE_NAME_MAX)
    descriptions = _value_names(organization, descriptions, field="description", limit=VALUE_DESCRIPTION_MAX)
    if organization.default_language in names and not names[organization.default_language]:
        raise InvalidInput(
            _("This field is required."), code="required", field=f"name_{organization.default_language}"
        )
    with transaction.atomic():
        company_value = CompanyValue.objects.select_for_update().get(pk=company_value.pk)
        changes = {}
        if active is not None and bool(active) != company_value.active:
            changes["active"] = [company_value.active, bool(active)]
            company_value.active = bool(active)
            company_value.save(update_fields=["active"])
        changes.update(_save_value_texts(company_value, names, descriptions))
        if changes:
            _audit(
                organization.pk,
                actor_id,
                "company_value.updated",
                company_value,
                {"code": company_value.code, **changes},
            )
    return company_value


def recognition_settings_for(organization: Organization) -> RecognitionSettings:
    found = RecognitionSettings.objects.filter(organization=organization).first()
    if found is None:
        RecognitionSettings.objects.bulk_create(
            [RecognitionSettings(organization=organization)], ignore_conflicts=True
        )
        found = RecognitionSettings.objects.get(organization=organization)
    return found


def _parse_count(value, *, field: str, maximum: int) -> int:
    """A whole number from 0 to `maximum` (a JSON number or plain ASCII digits)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise InvalidInput(_("Enter a whole number."), code="invalid", field=field)
    if value < 0 or value > maximum:
        raise InvalidInput(
            _("Enter a whole number from 0 to %(maximum)s.") % {"maximum": maximum},
            code="out_of_range",
            field=field,
        )
    return value


def recognition_settings_update(
    *, organization: Organization, actor: Member | None, monthly_allowance
) -> RecognitionSettings:
    """Set the points each member may give per month (from the next month's first kudos on)."""
    actor_id = check_actor(actor, organization)
    if actor is not None:
        _require_role(actor, (Role.ADMIN,))
    allowance = _parse_count(monthly_allowance, field="monthly_allowance", maximum=MAX_MONTHLY_ALLOWANCE)
    with transaction.atomic():
        found = recognition_settings_for(organization)
        found = RecognitionSettings.objects.select_for_update().get(pk=found.pk)
        if found.monthly_allowance != allowance:
            old = found.monthly_allowance
            found.monthly_allowance = allowance
            found.save(update_fields=["monthly_allowance"])
            _audit(
                organization.pk,
                actor_id,
                "recognition_settings.updated",
                found,
                {"monthly_allowance": [old, allowance]},
            )
    return found
