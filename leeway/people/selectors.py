"""Reads about people."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Count, Q, QuerySet

from leeway.core.hooks import Hook
from leeway.core.tenancy import get_for, scoped
from leeway.people.models import AuthorityTier, Department, Member, Role, Site, Team


class MemberStatus:
    """What the members list filters on: active (and logged in or with a password), invited, inactive."""

    ACTIVE = "active"
    INVITED = "invited"
    INACTIVE = "inactive"
    ALL = "all"


# The budgets that apply to a member, as the API shows them (cap, spent, remaining). The policy app
# provides them (PolicyConfig.ready); without it there are none.
budgets_for = Hook("people.budgets_for", default=lambda member: [])

# The member's own celebrated decisions, newest first, for the home page (fear 1: what they did well
# is what they see first). The recognition app provides them (RecognitionConfig.ready); each item is a
# dict of display-ready text (headline, detail, when, url). Without it there are none.
celebrated_decisions = Hook("people.celebrated_decisions", default=lambda member, *, limit=5: [])


def member_profile(member: Member) -> dict:
    """What `GET /api/v1/me` answers."""
    return {
        "username": member.username,
        "organization": {
            "slug": member.organization.slug,
            "base_currency": member.organization.base_currency,
        },
        "role": member.role,
        "tier": member.tier.code if member.tier_id else None,
        "language": member.language,
        "budgets": budgets_for(member),
    }


def _members(member: Member) -> QuerySet:
    return scoped(Member.objects.select_related("tier", "team__site", "department"), member)


def is_invited(person: Member) -> bool:
    """Active, but has not chosen a password yet (their invitation link is still to be used)."""
    return person.is_active and not person.has_usable_password()


def member_status(person: Member) -> str:
    if not person.is_active:
        return MemberStatus.INACTIVE
    return MemberStatus.INVITED if is_invited(person) else MemberStatus.ACTIVE


def members_for(
    member: Member,
    *,
    q: str = "",
    role: str = "",
    team_id: int | None = None,
    site_id: int | None = None,
    status: str = MemberStatus.ALL,
) -> QuerySet:
    """The organization's members, filtered as the members page and `GET /api/v1/members` ask."""
    members = _members(member)
    q = " ".join((q or "").split())
    if q:
        members = members.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role:
        members = members.filter(role=role)
    if team_id:
        members = members.filter(team_id=team_id)
    if site_id:
        members = members.filter(team__site_id=site_id)
    invited = Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    if status == MemberStatus.ACTIVE:
        members = members.filter(is_active=True).exclude(invited)
    elif status == MemberStatus.INVITED:
        members = members.filter(invited, is_active=True)
    elif status == MemberStatus.INACTIVE:
        members = members.filter(is_active=False)
    return members.order_by("last_name", "first_name", "username")


def invited_members_for(member: Member) -> QuerySet:
    """Active members who have not chosen a password yet."""
    return members_for(member, status=MemberStatus.INVITED)


def get_member_for(member: Member, member_id) -> Member:
    """One member of the caller's organization, or NotFound."""
    return get_for(member, _members(member), pk=member_id)


def get_site_for(member: Member, site_id) -> Site:
    return get_for(member, Site, pk=site_id)


def get_department_for(member: Member, department_id) -> Department:
    return get_for(member, Department, pk=department_id)


def get_team_for(member: Member, team_id) -> Team:
    return get_for(member, Team.objects.select_related("department", "site"), pk=team_id)


def tiers_for(member: Member) -> QuerySet:
    return scoped(AuthorityTier, member).order_by("rank")


def teams_for(member: Member) -> QuerySet:
    return scoped(Team.objects.select_related("department", "site"), member).order_by("site__name", "name")


def sites_for(member: Member) -> QuerySet:
    """Sites with how many teams and active members each has."""
    return (
        scoped(Site, member)
        .annotate(
            team_count=Count("teams", distinct=True),
            member_count=Count("teams__members", filter=Q(teams__members__is_active=True), distinct=True),
        )
        .order_by("name")
    )


def departments_for(member: Member) -> QuerySet:
    return scoped(Department, member).annotate(team_count=Count("teams")).order_by("name")


def team_rows_for(member: Member) -> QuerySet:
    """Teams with their active leads and agents counted."""
    return teams_for(member).annotate(
        agent_count=Count("members", filter=Q(members__role=Role.AGENT, members__is_active=True)),
        lead_count=Count("members", filter=Q(members__role=Role.LEAD, members__is_active=True)),
    )


def member_payload(person: Member) -> dict:
    """A member as the API shows it."""
    team = person.team if person.team_id else None
    return {
        "id": person.pk,
        "username": person.username,
        "name": person.get_full_name(),
        "email": person.email,
        "role": person.role,
        "tier": person.tier.code if person.tier_id else None,
        "team_id": person.team_id,
        "team": team.name if team else None,
        "site": team.site.name if team else None,
        "department_id": person.department_id,
        "language": person.language,
        "time_zone": person.time_zone,
        "status": member_status(person),
        "last_login": person.last_login.isoformat() if person.last_login else None,
        "date_joined": person.date_joined.isoformat(),
    }


def site_payload(site: Site) -> dict:
    return {
        "id": site.pk,
        "name": site.name,
        "city": site.city,
        "country": site.country,
        "time_zone": site.time_zone,
        "languages": site.language_list,
    }


def department_payload(department: Department) -> dict:
    return {"id": department.pk, "name": department.name}


def team_payload(team: Team) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "department": team.department.name,
        "site": team.site.name,
        "department_id": team.department_id,
        "site_id": team.site_id,
    }
