"""Where people work: create and change the organization's sites, departments and teams.

Nothing here deletes: teams, sites and departments are referenced by members, budgets and
decisions. A team that moves to another site or department is picked up by the decision path through
the team's post_save signal (`leeway.policy.selectors.forget_team_placement`).
"""

from django.db import transaction

from leeway.core.audit import audit_record
from leeway.people.checks import department_problems, site_problems, team_problems
from leeway.people.models import Department, Member, Organization, Site, Team
from leeway.people.services.members import UNSET, check_actor


def _audit(obj, actor_id: int | None, action: str, data: dict) -> None:
    audit_record(
        organization_id=obj.organization_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data,
    )


def _plain(value):
    return value.name if isinstance(value, Site | Department) else value


def _apply(obj, values: dict) -> dict:
    """Set the values that differ; return {field: [old, new]} for the audit trail."""
    changes = {}
    for field, value in values.items():
        old = getattr(obj, field)
        if old != value:
            changes[field] = [_plain(old), _plain(value)]
            setattr(obj, field, value)
    return changes


def site_create(
    *,
    organization: Organization,
    actor: Member | None,
    name: str,
    city: str,
    country: str,
    time_zone: str,
    languages: str,
) -> Site:
    """Add a contact centre."""
    actor_id = check_actor(actor, organization)
    values, problems = site_problems(
        organization=organization,
        name=name,
        city=city,
        country=country,
        time_zone=time_zone,
        languages=languages,
    )
    problems.raise_first()
    with transaction.atomic():
        site = Site.objects.create(organization=organization, **values)
        _audit(site, actor_id, "site.created", values)
    return site


def site_update(
    *,
    site: Site,
    actor: Member | None,
    name=UNSET,
    city=UNSET,
    country=UNSET,
    time_zone=UNSET,
    languages=UNSET,
) -> Site:
    """Rename a site or change its city, country, time zone or languages."""
    organization = site.organization
    actor_id = check_actor(actor, organization)
    with transaction.atomic():
        site = Site.objects.select_for_update().get(pk=site.pk)
        values, problems = site_problems(
            organization=organization,
            site=site,
            name=site.name if name is UNSET else name,
            city=site.city if city is UNSET else city,
            country=site.country if country is UNSET else country,
            time_zone=site.time_zone if time_zone is UNSET else time_zone,
            languages=site.languages if languages is UNSET else languages,
        )
        problems.raise_first()
        changes = _apply(site, values)
        if changes:
            site.save(update_fields=list(changes))
            _audit(site, actor_id, "site.updated", {"changes": changes})
    return site


def department_create(*, organization: Organization, actor: Member | None, name: str) -> Department:
    """Add a department (billing, shipping, sales …)."""
    actor_id = check_actor(actor, organization)
    values, problems = department_problems(organization=organization, name=name)
    problems.raise_first()
    with transaction.atomic():
        department = Department.objects.create(organization=organization, **values)
        _audit(department, actor_id, "department.created", values)
    return department


def department_update(*, department: Department, actor: Member | None, name: str) -> Department:
    """Rename a department."""
    organization = department.organization
    actor_id = check_actor(actor, organization)
    with transaction.atomic():
        department = Department.objects.select_for_update().get(pk=department.pk)
        values, problems = department_problems(organization=organization, name=name, department=department)
        problems.raise_first()
        changes = _apply(department, values)
        if changes:
            department.save(update_fields=list(changes))
            _audit(department, actor_id, "department.updated", {"changes": changes})
    return department


def team_create(
    *, organization: Organization, actor: Member | None, name: str, department: Department, site: Site
) -> Team:
    """Add a team at a site, in a department."""
    actor_id = check_actor(actor, organization)
    values, problems = team_problems(organization=organization, name=name, department=department, site=site)
    problems.raise_first()
    with transaction.atomic():
        team = Team.objects.create(organization=organization, **values)
        _audit(
            team,
            actor_id,
            "team.created",
            {"name": team.name, "department": department.name, "site": site.name},
        )
    return team


def team_update(*, team: Team, actor: Member | None, name=UNSET, department=UNSET, site=UNSET) -> Team:
    """Rename a team or move it to another site or department (its members' budgets follow)."""
    organization = team.organization
    actor_id = check_actor(actor, organization)
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        values, problems = team_problems(
            organization=organization,
            team=team,
            name=team.name if name is UNSET else name,
            department=team.department if department is UNSET else department,
            site=team.site if site is UNSET else site,
        )
        problems.raise_first()
        changes = _apply(team, values)
        if changes:
            # The save sends post_save, which tells the decision path the team moved.
            team.save(update_fields=list(changes))
            _audit(team, actor_id, "team.updated", {"changes": changes})
    return team
