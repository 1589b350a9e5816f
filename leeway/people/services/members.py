"""Members: add, change, deactivate and reactivate them, and invite them to choose a password.

Members are never deleted: decisions, approvals and the audit trail point at them. An organization
always keeps at least one active admin, so nobody can lock everyone out of its settings.

The audit trail is append-only, so it records who changed which fields and the values of the
organizational ones (role, tier, team …), but not a person's name or email: those are personal data
an organization may have to erase.
"""

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from leeway.core.audit import audit_record
from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.people.checks import member_problems
from leeway.people.models import ApiToken, AuthorityTier, Department, Member, Organization, Role, Team

UNSET = object()
# Recorded in the audit trail by name only (see the module docstring).
PERSONAL_FIELDS = ("first_name", "last_name", "email")
TRACKED_FIELDS = ("role", "tier", "team", "department", "language", "time_zone")


def check_actor(actor: Member | None, organization: Organization) -> int | None:
    """A service acts for one organization; an actor from another one is refused outright."""
    if actor is None:
        return None
    if actor.organization_id != organization.pk:
        raise Forbidden()
    return actor.pk


def _audit(member: Member, actor_id: int | None, action: str, data: dict) -> None:
    audit_record(
        organization_id=member.organization_id,
        actor_id=actor_id,
        action=action,
        object_type="member",
        object_id=member.pk,
        data={"username": member.username, **data},
    )


def _plain(field: str, value):
    """How a tracked value reads in the audit trail: codes and names, not ids."""
    if isinstance(value, AuthorityTier):
        return value.code
    if isinstance(value, Team | Department):
        return value.name
    return value


# `of=("self",)`: members are read with their tier (MemberManager), an outer join PostgreSQL cannot lock.


def _lock_admins(organization_id: int) -> list[Member]:
    """Lock the organization's active admins (in id order, so two admins acting at once queue)."""
    return list(
        Member.objects.select_for_update(of=("self",))
        .filter(organization_id=organization_id, role=Role.ADMIN, is_active=True)
        .order_by("pk")
    )


def _keep_an_admin(member: Member, admins: list[Member], *, field: str | None) -> None:
    """Refuse to take away the last active admin (deactivated or given another role)."""
    if member.role == Role.ADMIN and member.is_active and all(admin.pk == member.pk for admin in admins):
        raise Conflict(
            _(
                "%(name)s is the organization's last active admin. Make someone else an admin first, "
                "so the organization keeps someone who can manage it."
            )
            % {"name": member.display_name},
            code="last_admin",
            field=field,
        )


def member_create(
    *,
    organization: Organization,
    actor: Member | None,
    username: str,
    name: str,
    email: str = "",
    role: str,
    tier: AuthorityTier | None = None,
    team: Team | None = None,
    department: Department | None = None,
    language: str = "",
    time_zone: str = "",
    password: str | None = None,
) -> Member:
    """Add a member; without a password they choose one through an invitation link (`member_invite`)."""
    actor_id = check_actor(actor, organization)
    values, problems = member_problems(
        organization=organization,
        username=username,
        name=name,
        email=email,
        role=role,
        tier=tier,
        team=team,
        department=department,
        language=language,
        time_zone=time_zone,
        password=password,
    )
    problems.raise_first()
    try:
        with transaction.atomic():
            member = Member(organization=organization, **values)
            if password:
                member.set_password(password)
            else:
                member.set_unusable_password()
            member.save()
            _audit(
                member,
                actor_id,
                "member.created",
                {
                    **{field: _plain(field, values[field]) for field in TRACKED_FIELDS},
                    "password": "set" if password else "invitation",
                },
            )
    except IntegrityError:
        # Someone took the username between the check and the insert.
        raise InvalidInput(
            _("This username is already taken."), code="username_taken", field="username"
        ) from None
    return member


def member_update(
    *,
    member: Member,
    actor: Member | None,
    name=UNSET,
    email=UNSET,
    role=UNSET,
    tier=UNSET,
    team=UNSET,
    department=UNSET,
    language=UNSET,
    time_zone=UNSET,
) -> Member:
    """Change a member's name, email, role, tier, team, department, language or time zone.

    The username never changes: it is how they log in. Values left UNSET keep theirs.
    """
    organization = member.organization
    actor_id = check_actor(actor, organization)

    def pick(value, current):
        return current if value is UNSET else value

    with transaction.atomic():
        admins = _lock_admins(organization.pk)
        member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        values, problems = member_problems(
            organization=organization,
            member=member,
            name=pick(name, member.get_full_name() or member.username),
            email=pick(email, member.email),
            role=pick(role, member.role),
            tier=pick(tier, member.tier),
            team=pick(team, member.team),
            department=pick(department, member.department),
            language=pick(language, member.language),
            time_zone=pick(time_zone, member.time_zone),
        )
        problems.raise_first()
        if values["role"] != member.role:
            _keep_an_admin(member, admins, field="role")
        if name is UNSET or " ".join(str(name).split()) == member.get_full_name():
            # Keep the stored split of the name: it reads the same, and nobody changed it.
            values.pop("first_name")
            values.pop("last_name")
        changes, personal = {}, []
        for field, value in values.items():
            old = getattr(member, field)
            if old == value:
                continue
            if field in PERSONAL_FIELDS:
                personal.append("name" if field != "email" else "email")
            else:
                changes[field] = [_plain(field, old), _plain(field, value)]
            setattr(member, field, value)
        if changes or personal:
            member.save(update_fields=[*values.keys()])
            _audit(
                member, actor_id, "member.updated", {"changes": changes, "personal": sorted(set(personal))}
            )
    return member


def member_deactivate(*, member: Member, actor: Member | None) -> Member:
    """Stop a member from logging in or using the API (their tokens are revoked); nothing is deleted.

    Their decisions, approvals and feedback stay as they were. Deactivating twice changes nothing.
    """
    actor_id = check_actor(actor, member.organization)
    with transaction.atomic():
        admins = _lock_admins(member.organization_id)
        member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        if not member.is_active:
            return member
        _keep_an_admin(member, admins, field=None)
        member.is_active = False
        member.save(update_fields=["is_active"])
        # A reactivated member gets new tokens: an integration of someone who left must not come back.
        revoked = ApiToken.objects.filter(member=member, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        _audit(member, actor_id, "member.deactivated", {"tokens_revoked": revoked})
    return member


def member_reactivate(*, member: Member, actor: Member | None) -> Member:
    """Let a deactivated member log in again, with the same role, tier and team as before."""
    actor_id = check_actor(actor, member.organization)
    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        if member.is_active:
            return member
        member.is_active = True
        member.save(update_fields=["is_active"])
        _audit(member, actor_id, "member.reactivated", {})
    return member


def member_invite(*, member: Member, actor: Member | None) -> str:
    """A link (path) where the member chooses their password: Django's password-reset token.

    It works once (choosing a password changes what the token is made of) and for
    PASSWORD_RESET_TIMEOUT (three days by default). For a member who already has a password it is a
    reset link; their current password works until they choose a new one.
    """
    actor_id = check_actor(actor, member.organization)
    with transaction.atomic():
        member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
        if not member.is_active:
            raise Conflict(
                _("%(name)s is deactivated. Reactivate them first.") % {"name": member.display_name},
                code="member_inactive",
            )
        _audit(member, actor_id, "member.invited", {})
    return reverse(
        "people:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
            "token": default_token_generator.make_token(member),
        },
    )


def member_invitation_accept(*, member: Member, password: str) -> Member:
    """The member chose their password through an invitation link (the form validated it)."""
    with transaction.atomic():
        member.set_password(password)
        member.save(update_fields=["password"])
        _audit(member, member.pk, "member.password_chosen", {})
    return member


def members_import(*, organization: Organization, actor: Member | None, rows: list[dict]) -> list[Member]:
    """Add many members at once, every one checked before any is added: all of them, or none.

    `rows` hold `member_create`'s keyword arguments (names already resolved to tiers and teams).
    """
    actor_id = check_actor(actor, organization)
    with transaction.atomic():
        members = [member_create(organization=organization, actor=actor, **row) for row in rows]
        audit_record(
            organization_id=organization.pk,
            actor_id=actor_id,
            action="members.imported",
            object_type="member",
            object_id="csv",
            data={"count": len(members), "usernames": [member.username for member in members]},
        )
    return members
