"""Publishing: the draft becomes the next numbered, immutable policy version."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import Conflict, InvalidInput
from leeway.core.outbox import outbox_emit
from leeway.people.models import Member, Organization
from leeway.policy.diff import snapshot_changes
from leeway.policy.models import PolicySettings, PolicyVersion
from leeway.policy.services._common import SUMMARY_MAX, _audit, _check_actor
from leeway.policy.services.catalogue import policy_settings_for
from leeway.policy.snapshot import build_snapshot_data, forget_current_policy

# --- Publishing ---------------------------------------------------------------------------------


def latest_version(organization_id: int) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(organization_id=organization_id).order_by("-number").first()


def policy_diff(*, organization: Organization) -> list[str]:
    """What publishing now would change, in words, against the latest published version."""
    latest = latest_version(organization.pk)
    return snapshot_changes(latest.snapshot if latest else None, build_snapshot_data(organization))


def policy_publish(*, organization: Organization, actor: Member | None, summary: str = "") -> PolicyVersion:
    """Freeze the draft into the next numbered, immutable version; decisions use it from then on."""
    actor_id = _check_actor(actor, organization)
    summary = (summary or "").strip()[:SUMMARY_MAX]
    with transaction.atomic():
        # One lock per organization: two admins publishing at once get 1 and 2, never 1 and 1.
        policy_settings_for(organization)
        PolicySettings.objects.select_for_update().get(organization=organization)
        latest = latest_version(organization.pk)
        data = build_snapshot_data(organization)
        if not data["gestures"]:
            raise InvalidInput(
                _("Add at least one active gesture before publishing."), code="empty_catalogue"
            )
        if latest is not None and latest.snapshot == data:
            raise Conflict(
                _("Nothing changed since version %(number)s.") % {"number": latest.number},
                code="nothing_to_publish",
            )
        number = (latest.number if latest else 0) + 1
        try:
            with transaction.atomic():
                version = PolicyVersion.objects.create(
                    organization=organization,
                    number=number,
                    snapshot=data,
                    published_by_id=actor_id,
                    summary=summary,
                )
        except IntegrityError:
            raise Conflict(
                _("Someone else published at the same moment. Review the changes and try again."),
                code="publish_race",
            ) from None
        _audit(
            organization.pk,
            actor_id,
            "policy.published",
            version,
            {"number": number, "summary": summary},
        )
        outbox_emit(
            organization_id=organization.pk,
            topic="policy.published",
            payload={"number": number, "published_at": version.published_at.isoformat(), "summary": summary},
        )
        organization_id = organization.pk
        transaction.on_commit(lambda: forget_current_policy(organization_id))
    forget_current_policy(organization.pk)
    return version
