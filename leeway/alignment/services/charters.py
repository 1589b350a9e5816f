"""Department charters: a manager signs each published version."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.alignment.models import (
    CHARTER_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Charter,
    CharterSignature,
)
from leeway.alignment.services.common import _first_name, _same_organization, clean_text
from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.people.models import Department, Member, Role


def charter_publish(*, department: Department, actor: Member, texts: dict[str, dict[str, str]]) -> Charter:
    """Publish a new charter version for a department; every manager is asked to sign it again."""
    _same_organization(actor, department.organization_id)
    if actor.role != Role.ADMIN:
        raise Forbidden(_("Only an admin can publish a charter."))
    organization = department.organization
    languages = {code for code, _name in settings.LANGUAGES}
    cleaned: dict[str, dict[str, str]] = {}
    for language, values in (texts or {}).items():
        if language not in languages:
            # The key is the client's own: naming it again in the error would only echo it back.
            raise InvalidInput(_("Unknown language."), code="unknown_language", field="texts")
        title = clean_text(values.get("title"), field=f"title_{language}", max_length=TITLE_MAX_LENGTH)
        text = clean_text(values.get("text"), field=f"text_{language}", max_length=CHARTER_TEXT_MAX_LENGTH)
        if title or text:
            if not (title and text):
                field = f"text_{language}" if title else f"title_{language}"
                raise InvalidInput(_("Give both a title and the commitment."), code="required", field=field)
            cleaned[language] = {"title": title, "text": text}
    if organization.default_language not in cleaned:
        raise InvalidInput(
            _("Write the charter in the organization's language."),
            code="required",
            field=f"text_{organization.default_language}",
        )
    with transaction.atomic():
        # Lock the department so two admins publishing at once get versions n+1 and n+2.
        Department.objects.select_for_update().get(pk=department.pk)
        last = Charter.objects.filter(department=department).order_by("-version").first()
        charter = Charter(
            organization_id=department.organization_id,
            department=department,
            version=(last.version + 1) if last else 1,
            published_at=timezone.now(),
            published_by=actor,
        )
        for language, values in cleaned.items():
            charter.set_current_language(language)
            charter.title = values["title"]
            charter.text = values["text"]
        charter.save()
        audit_record(
            organization_id=charter.organization_id,
            actor_id=actor.pk,
            action="charter.published",
            object_type="charter",
            object_id=charter.pk,
            data={"department": department.name, "version": charter.version, "languages": sorted(cleaned)},
        )
        outbox_emit(
            organization_id=charter.organization_id,
            topic="charter.published",
            payload={"department": department.name, "version": charter.version},
        )
    return charter


def charter_sign(*, charter: Charter, manager: Member) -> CharterSignature:
    """A manager of the department signs its current charter (once per version)."""
    _same_organization(manager, charter.organization_id)
    if manager.role != Role.MANAGER or manager.department_id != charter.department_id:
        raise Forbidden(
            _("Only a manager of this department can sign its charter."), code="not_your_department"
        )
    with transaction.atomic():
        newest = Charter.objects.filter(department_id=charter.department_id).order_by("-version").first()
        if newest.pk != charter.pk:
            raise Conflict(
                _("A newer version of this charter has been published: sign that one."),
                code="charter_superseded",
            )
        try:
            # The unique constraint, not a prior look-up, decides between two clicks at once.
            with transaction.atomic():
                signature = CharterSignature.objects.create(
                    organization_id=charter.organization_id,
                    charter=charter,
                    manager=manager,
                    signed_at=timezone.now(),
                )
        except IntegrityError:
            raise Conflict(_("You have already signed this version."), code="already_signed") from None
        audit_record(
            organization_id=charter.organization_id,
            actor_id=manager.pk,
            action="charter.signed",
            object_type="charter",
            object_id=charter.pk,
            data={
                "department": charter.department.name,
                "version": charter.version,
                "manager": manager.username,
            },
        )
        outbox_emit(
            organization_id=charter.organization_id,
            topic="charter.signed",
            payload={
                "department": charter.department.name,
                "version": charter.version,
                "manager": _first_name(manager),
            },
        )
    return signature
