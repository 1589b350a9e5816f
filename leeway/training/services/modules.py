"""Modules and scenarios (trainers and admins write them), the training settings (admins), waivers."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from leeway.alignment.services.common import clean_text
from leeway.core.audit import audit_record
from leeway.core.errors import Forbidden, InvalidInput, NotFound
from leeway.core.money import parse_strict_amount
from leeway.decisions.models import DecisionReason
from leeway.people.models import AuthorityTier, Member, Role
from leeway.policy.snapshot import current_policy
from leeway.training.models import (
    LESSON_MAX_LENGTH,
    SCENARIO_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Certification,
    Module,
    Scenario,
    TrainingSettings,
)
from leeway.training.services.tiers import certification_record

TRAINING_ROLES = (Role.TRAINER, Role.ADMIN)
MODULE_TEXTS = {
    "title": (TITLE_MAX_LENGTH, True),
    "summary": (SUMMARY_MAX_LENGTH, False),
    "lesson_meaning": (LESSON_MAX_LENGTH, True),
    "lesson_practice": (LESSON_MAX_LENGTH, True),
    "lesson_celebration": (LESSON_MAX_LENGTH, True),
}
SCENARIO_TEXTS = {
    "situation": (SCENARIO_MAX_LENGTH, True),
    "rubric": (SCENARIO_MAX_LENGTH, True),
    "key_terms": (SUMMARY_MAX_LENGTH, False),
}
UNSET = object()


def check_trainer(actor: Member, organization_id: int) -> None:
    """Trainers and admins of the same organization write training content; another organization's is 404."""
    if actor is None or actor.organization_id != organization_id:
        raise NotFound()
    if actor.role not in TRAINING_ROLES:
        raise Forbidden(_("Only a trainer or an admin can change training."))


def _audit(obj, actor: Member | None, action: str, data: dict) -> None:
    audit_record(
        organization_id=obj.organization_id,
        actor_id=actor.pk if actor else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data,
    )


def clean_texts(texts, *, fields: dict, default_language: str) -> dict[str, dict[str, str]]:
    """Texts per language: each given whole (its required fields) or not at all; the default one always."""
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(texts, dict):
        raise InvalidInput(_("Give the texts per language."), code="invalid", field="texts")
    cleaned: dict[str, dict[str, str]] = {}
    for language, values in texts.items():
        if language not in languages:
            raise InvalidInput(_("Unknown language."), code="unknown_language", field="texts")
        if not isinstance(values, dict):
            raise InvalidInput(_("Give the texts per language."), code="invalid", field="texts")
        row = {
            name: clean_text(values.get(name), field=f"{name}_{language}", max_length=limit)
            for name, (limit, _required) in fields.items()
        }
        if not any(row.values()):
            continue
        for name, (_limit, required) in fields.items():
            if required and not row[name]:
                raise InvalidInput(_("This field is required."), code="required", field=f"{name}_{language}")
        cleaned[language] = row
    if default_language not in cleaned:
        first = next(name for name, (_limit, required) in fields.items() if required)
        raise InvalidInput(
            _("Write it in the organization's language first."),
            code="required",
            field=f"{first}_{default_language}",
        )
    return cleaned


def _gesture_codes(organization_id: int, codes, *, field: str, allow_empty: bool) -> list[str]:
    if codes is None:
        codes = []
    if not isinstance(codes, list | tuple) or not all(isinstance(code, str) for code in codes):
        raise InvalidInput(_("Give a list of gesture codes."), code="invalid", field=field)
    snapshot = current_policy(organization_id)
    known = set(snapshot.gestures) if snapshot else set()
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput(_("Unknown gesture."), code="unknown_gesture", field=field)
    if not codes and not allow_empty:
        raise InvalidInput(_("Pick at least one gesture."), code="required", field=field)
    return list(dict.fromkeys(codes))


def _number(value, *, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(_("Enter a whole number."), code="invalid", field=field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Enter a whole number."), code="invalid", field=field) from None
    if not minimum <= number <= maximum:
        raise InvalidInput(
            _("Enter a whole number from %(minimum)s to %(maximum)s.")
            % {"minimum": minimum, "maximum": maximum},
            code="out_of_range",
            field=field,
        )
    return number


def _tier(organization_id: int, tier) -> AuthorityTier:
    if isinstance(tier, AuthorityTier):
        if tier.organization_id != organization_id:
            raise InvalidInput(_("Unknown tier."), code="unknown_tier", field="tier")
        return tier
    found = AuthorityTier.objects.filter(organization_id=organization_id, code=str(tier or "")).first()
    if found is None:
        raise InvalidInput(_("Unknown tier."), code="unknown_tier", field="tier")
    return found


def _apply_module(module: Module, values: dict) -> None:
    numbers = {
        "pass_mark": (1, 100),
        "validity_months": (1, 60),
        "policy_questions": (0, 20),
        "position": (0, 1000),
    }
    for name, (minimum, maximum) in numbers.items():
        if values.get(name, UNSET) is not UNSET:
            setattr(module, name, _number(values[name], field=name, minimum=minimum, maximum=maximum))
    if values.get("tier", UNSET) is not UNSET:
        module.tier = _tier(module.organization_id, values["tier"])
    if values.get("gesture_codes", UNSET) is not UNSET:
        module.gesture_codes = _gesture_codes(
            module.organization_id, values["gesture_codes"], field="gestures", allow_empty=True
        )
    if values.get("published", UNSET) is not UNSET:
        if not isinstance(values["published"], bool):
            raise InvalidInput(_("This value is not valid."), code="invalid", field="published")
        module.published = values["published"]


def _set_texts(obj, texts: dict[str, dict[str, str]]) -> None:
    for language, row in texts.items():
        obj.set_current_language(language)
        for name, value in row.items():
            setattr(obj, name, value)
    # Read back in the language of the request, as a freshly loaded object is.
    obj.set_current_language(translation.get_language() or obj.organization.default_language)


def module_create(*, actor: Member, code: str = "", texts: dict, tier, **values) -> Module:
    """A new module (a draft until published) with its lessons in the organization's language at least."""
    organization = actor.organization if actor else None
    check_trainer(actor, organization.pk if organization else None)
    cleaned = clean_texts(texts, fields=MODULE_TEXTS, default_language=organization.default_language)
    code = clean_text(code, field="code", max_length=60) or slugify(
        cleaned[organization.default_language]["title"]
    )
    if not code or slugify(code) != code:
        raise InvalidInput(
            _("Use lower-case letters, digits and hyphens."), code="invalid_code", field="code"
        )
    module = Module(organization=organization, code=code[:60])
    _apply_module(module, {"tier": tier, **values})
    _set_texts(module, cleaned)
    try:
        with transaction.atomic():
            module.save()
            _audit(
                module, actor, "training.module_created", {"code": module.code, "languages": sorted(cleaned)}
            )
    except IntegrityError:
        raise InvalidInput(_("This code is already taken."), code="code_taken", field="code") from None
    return module


def module_update(*, module: Module, actor: Member, texts=None, **values) -> Module:
    """Change a module's lessons, tier, gestures, pass mark, expiry or question count, or publish it."""
    check_trainer(actor, module.organization_id)
    cleaned = None
    if texts is not None:
        cleaned = clean_texts(
            texts, fields=MODULE_TEXTS, default_language=module.organization.default_language
        )
    with transaction.atomic():
        module = Module.objects.select_for_update().get(pk=module.pk)
        _apply_module(module, values)
        if cleaned is not None:
            _set_texts(module, cleaned)
        module.save()
        _audit(
            module,
            actor,
            "training.module_updated",
            {
                "code": module.code,
                "fields": sorted(name for name, value in values.items() if value is not UNSET),
            }
            | ({"languages": sorted(cleaned)} if cleaned else {}),
        )
    return module


def scenario_create(
    *, module: Module, actor: Member, texts: dict, gesture_codes, amount, reason: str
) -> Scenario:
    """A trainer's scenario for the module, with a rubric the justification is graded against."""
    check_trainer(actor, module.organization_id)
    cleaned = clean_texts(texts, fields=SCENARIO_TEXTS, default_language=module.organization.default_language)
    codes = _gesture_codes(module.organization_id, gesture_codes, field="gestures", allow_empty=False)
    value = parse_strict_amount(amount, field="amount")
    if reason not in DecisionReason.values:
        raise InvalidInput(_("Unknown reason."), code="unknown_reason", field="reason")
    with transaction.atomic():
        last = Scenario.objects.filter(module=module).order_by("-position").first()
        scenario = Scenario(
            organization_id=module.organization_id,
            module=module,
            gesture_codes=codes,
            amount=value,
            reason=reason,
            position=(last.position + 1) if last else 0,
        )
        _set_texts(scenario, cleaned)
        scenario.save()
        _audit(scenario, actor, "training.scenario_created", {"module": module.code, "gestures": codes})
    return scenario


def scenario_delete(*, scenario: Scenario, actor: Member) -> None:
    """Take a scenario out of the module; attempts keep the questions as they were asked."""
    check_trainer(actor, scenario.organization_id)
    with transaction.atomic():
        _audit(scenario, actor, "training.scenario_deleted", {"module": scenario.module.code})
        scenario.delete()


def training_settings_for(organization) -> TrainingSettings:
    found, _created = TrainingSettings.objects.get_or_create(organization=organization)
    return found


def training_settings_update(*, actor: Member, **values) -> TrainingSettings:
    """The track-record rule and the review questions per shift (admins)."""
    if actor is None or actor.organization_id is None:
        raise NotFound()
    if actor.role != Role.ADMIN:
        raise Forbidden(_("Only an admin can change the training settings."))
    limits = {
        "track_record_decisions": (1, 100000),
        "track_record_days": (1, 3650),
        "good_outcome_percent": (0, 100),
        "reviews_per_shift": (0, 20),
    }
    with transaction.atomic():
        row = training_settings_for(actor.organization)
        row = TrainingSettings.objects.select_for_update().get(pk=row.pk)
        changes = {}
        for name, (minimum, maximum) in limits.items():
            if values.get(name) is None:
                continue
            number = _number(values[name], field=name, minimum=minimum, maximum=maximum)
            if number != getattr(row, name):
                changes[name] = [getattr(row, name), number]
                setattr(row, name, number)
        if changes:
            row.save()
            _audit(row, actor, "training.settings_updated", {"changes": changes})
    return row


def certification_waive(*, module: Module, member: Member, actor: Member) -> Certification:
    """A trainer certifies an agent without the quiz (xAPI `waived`), for the module's validity."""
    check_trainer(actor, module.organization_id)
    if member.organization_id != module.organization_id:
        raise NotFound()
    if member.role != Role.AGENT:
        raise InvalidInput(_("Only agents are certified."), code="not_an_agent", field="member")
    snapshot = current_policy(module.organization_id)
    if snapshot is None:
        raise InvalidInput(_("Publish a policy first."), code="no_policy")
    with transaction.atomic():
        certification = certification_record(
            member=member, module=module, snapshot=snapshot, attempt=None, waived_by=actor, now=timezone.now()
        )
        _audit(certification, actor, "training.waived", {"module": module.code, "member": member.username})
    return certification
