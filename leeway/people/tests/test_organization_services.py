"""Sites, departments and teams: created and changed by admins, audited, unique names per organization."""

import pytest

from leeway.core.errors import Forbidden, InvalidInput
from leeway.core.models import AuditEntry
from leeway.people.models import Department, Member, Site, Team
from leeway.people.services import (
    department_create,
    department_update,
    site_create,
    site_update,
    team_create,
    team_update,
)


def test_an_admin_adds_a_site_with_normalised_values(people_demo, aurora_admin):
    site = site_create(
        organization=people_demo["aurora"],
        actor=aurora_admin,
        name=" Lima ",
        city="Lima",
        country="pe",
        time_zone="America/Lima",
        languages="ES; en, es",
    )
    site.refresh_from_db()
    assert (site.name, site.country, site.languages) == ("Lima", "PE", "es,en")
    [entry] = AuditEntry.objects.filter(action="site.created")
    assert (
        entry.object_id == str(site.pk) and entry.data["name"] == "Lima" and entry.actor_id == aurora_admin.pk
    )


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"name": "denver"}, "name", "duplicate_name"),
        ({"name": ""}, "name", "required"),
        ({"city": ""}, "city", "required"),
        ({"country": "XX"}, "country", "unknown_country"),
        ({"country": "EU"}, "country", "unknown_country"),
        ({"time_zone": "Lima"}, "time_zone", "time_zone"),
        ({"languages": ""}, "languages", "required"),
        ({"languages": "en,klingon"}, "languages", "unknown_language"),
    ],
)
def test_bad_site_values_are_refused(people_demo, aurora_admin, changes, field, code):
    values = {
        "name": "Lima",
        "city": "Lima",
        "country": "PE",
        "time_zone": "America/Lima",
        "languages": "es",
        **changes,
    }
    before = Site.objects.count()
    with pytest.raises(InvalidInput) as refused:
        site_create(organization=people_demo["aurora"], actor=aurora_admin, **values)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert Site.objects.count() == before
    assert not AuditEntry.objects.filter(action="site.created").exists()


def test_the_same_site_name_is_fine_in_another_organization(people_demo, casa_admin):
    site = site_create(
        organization=people_demo["casa-azul"],
        actor=casa_admin,
        name="Denver",
        city="Denver",
        country="US",
        time_zone="America/Denver",
        languages="en",
    )
    assert site.organization == people_demo["casa-azul"]


def test_renaming_a_site_records_the_change(people_demo, aurora_admin):
    site = Site.objects.get(organization=people_demo["aurora"], name="Toronto")
    site_update(site=site, actor=aurora_admin, name="Toronto East", languages="en,fr")
    site.refresh_from_db()
    assert site.name == "Toronto East"
    [entry] = AuditEntry.objects.filter(action="site.updated")
    assert entry.data["changes"] == {"name": ["Toronto", "Toronto East"]}
    site_update(site=site, actor=aurora_admin, name="Toronto East")
    assert AuditEntry.objects.filter(action="site.updated").count() == 1


def test_a_site_keeps_its_own_name_when_saved_unchanged(people_demo, aurora_admin):
    site = Site.objects.get(organization=people_demo["aurora"], name="Toronto")
    site_update(site=site, actor=aurora_admin, name="TORONTO")
    site.refresh_from_db()
    assert site.name == "TORONTO"


def test_an_admin_adds_and_renames_a_department(people_demo, aurora_admin):
    department = department_create(organization=people_demo["aurora"], actor=aurora_admin, name="Retention")
    department_update(department=department, actor=aurora_admin, name="Customer retention")
    department.refresh_from_db()
    assert department.name == "Customer retention"
    assert list(
        AuditEntry.objects.filter(object_type="department").order_by("seq").values_list("action", flat=True)
    ) == ["department.created", "department.updated"]
    with pytest.raises(InvalidInput) as refused:
        department_create(organization=people_demo["aurora"], actor=aurora_admin, name="billing")
    assert refused.value.code == "duplicate_name"


def test_an_admin_adds_a_team_at_a_site_in_a_department(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    team = team_create(
        organization=aurora,
        actor=aurora_admin,
        name="Denver Retention",
        department=Department.objects.get(organization=aurora, name="Sales"),
        site=Site.objects.get(organization=aurora, name="Denver"),
    )
    assert team.site.name == "Denver" and team.department.name == "Sales"
    [entry] = AuditEntry.objects.filter(action="team.created")
    assert entry.data == {"name": "Denver Retention", "department": "Sales", "site": "Denver"}


def test_a_team_needs_a_department_and_a_site_of_the_same_organization(people_demo, aurora_admin):
    aurora, casa = people_demo["aurora"], people_demo["casa-azul"]
    with pytest.raises(InvalidInput) as refused:
        team_create(
            organization=aurora,
            actor=aurora_admin,
            name="Mixed",
            department=Department.objects.get(organization=aurora, name="Sales"),
            site=Site.objects.get(organization=casa, name="Madrid"),
        )
    assert refused.value.field == "site"
    with pytest.raises(InvalidInput) as duplicate:
        team_create(
            organization=aurora,
            actor=aurora_admin,
            name="denver billing",
            department=Department.objects.get(organization=aurora, name="Sales"),
            site=Site.objects.get(organization=aurora, name="Denver"),
        )
    assert duplicate.value.code == "duplicate_name"
    assert not Team.objects.filter(name="Mixed").exists()


def test_moving_a_team_moves_its_agents_budgets_at_once(people_demo, aurora_admin):
    from leeway.policy.selectors import budget_subjects_for

    aurora = people_demo["aurora"]
    agent = Member.objects.get(username="aurora-agent")
    before = budget_subjects_for(agent)  # cached for the decision path
    toronto = Site.objects.get(organization=aurora, name="Toronto")
    support = Department.objects.get(organization=aurora, name="Support")
    assert before.site != toronto.pk
    team_update(team=agent.team, actor=aurora_admin, site=toronto, department=support, name="Denver Billing")
    after = budget_subjects_for(Member.objects.get(pk=agent.pk))
    assert (after.site, after.department) == (toronto.pk, support.pk)
    [entry] = AuditEntry.objects.filter(action="team.updated")
    assert entry.data["changes"] == {"department": ["Billing", "Support"], "site": ["Denver", "Toronto"]}


def test_another_organizations_admin_cannot_change_a_site(people_demo, casa_admin):
    site = Site.objects.get(organization=people_demo["aurora"], name="Toronto")
    with pytest.raises(Forbidden):
        site_update(site=site, actor=casa_admin, name="Hijacked")
    site.refresh_from_db()
    assert site.name == "Toronto"
