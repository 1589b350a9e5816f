"""The admin's organization pages: members, sites, departments, teams; admins only, tenant-scoped."""

import csv
import io

import pytest
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.people.models import Department, Member, Site, Team


@pytest.fixture
def admin_client(client, aurora_admin):
    client.force_login(aurora_admin)
    return client


def _pages(member_id, site_id, department_id, team_id):
    return [
        reverse("people:members"),
        reverse("people:member_add"),
        reverse("people:members_import"),
        reverse("people:invitations_csv"),
        reverse("people:member", args=[member_id]),
        reverse("people:site_add"),
        reverse("people:site_edit", args=[site_id]),
        reverse("people:department_add"),
        reverse("people:department_edit", args=[department_id]),
        reverse("people:team_add"),
        reverse("people:team_edit", args=[team_id]),
    ]


def _aurora_ids():
    return (
        Member.objects.get(username="aurora-agent").pk,
        Site.objects.get(organization__slug="aurora", name="Denver").pk,
        Department.objects.get(organization__slug="aurora", name="Billing").pk,
        Team.objects.get(organization__slug="aurora", name="Denver Billing").pk,
    )


def test_anonymous_visitors_are_sent_to_log_in(client, people_demo):
    for path in _pages(*_aurora_ids()):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/login/"), path


@pytest.mark.parametrize("username", ["aurora-agent", "aurora-lead", "aurora-manager", "aurora-analyst"])
def test_other_roles_get_403_on_every_management_page(client, people_demo, username):
    client.force_login(Member.objects.get(username=username))
    member_id, *_rest = ids = _aurora_ids()
    for path in _pages(*ids):
        assert client.get(path).status_code == 403, path
    assert client.post(reverse("people:member_deactivate", args=[member_id])).status_code == 403
    assert Member.objects.get(pk=member_id).is_active


def test_another_organizations_objects_are_404(client, casa_admin):
    client.force_login(casa_admin)
    member_id, site_id, department_id, team_id = _aurora_ids()
    for path in _pages(member_id, site_id, department_id, team_id)[4:]:
        if path.endswith("/new/"):
            continue
        assert client.get(path).status_code == 404, path
    for name in ("people:member_deactivate", "people:member_reactivate", "people:member_invite"):
        assert client.post(reverse(name, args=[member_id])).status_code == 404
    assert client.post(reverse("people:site_edit", args=[site_id]), {"name": "Mine"}).status_code == 404
    assert Member.objects.get(pk=member_id).is_active
    assert Site.objects.get(pk=site_id).name == "Denver"


def test_the_members_page_lists_and_filters_the_organization(admin_client, people_demo):
    page = admin_client.get(reverse("people:members")).content.decode()
    assert "Avery Johnson" in page and "aurora-agente" in page
    assert "casa-agent" not in page
    filtered = admin_client.get(reverse("people:members"), {"role": "lead"}).content.decode()
    assert "Morgan Reyes" in filtered and "Avery Johnson" not in filtered
    searched = admin_client.get(reverse("people:members"), {"q": "lucía"}).content.decode()
    assert "Lucía Fernández" in searched and "Avery Johnson" not in searched


def test_an_admin_adds_an_invited_member_and_sees_the_link_once(admin_client, people_demo):
    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    tier = Member.objects.get(username="aurora-agent").tier
    response = admin_client.post(
        reverse("people:member_add"),
        {
            "username": "jdoe",
            "name": "Jamie Doe",
            "email": "",
            "role": "agent",
            "tier": tier.pk,
            "team": team.pk,
            "department": "",
            "language": "es",
            "time_zone": "",
            "access": "invite",
            "password": "",
        },
    )
    member = Member.objects.get(username="jdoe")
    assert response.status_code == 302 and response.url == reverse("people:member", args=[member.pk])
    assert (
        member.organization.slug == "aurora" and member.language == "es" and not member.has_usable_password()
    )
    page = admin_client.get(response.url).content.decode()
    assert "Invitation link for Jamie Doe" in page and "http://testserver/people/invitation/" in page
    assert "Jamie Doe was added." in page
    assert "/people/invitation/" not in admin_client.get(response.url).content.decode()
    assert AuditEntry.objects.filter(action="member.created").count() == 1
    assert AuditEntry.objects.filter(action="member.invited").count() == 1


def test_an_admin_can_set_the_initial_password_instead(admin_client, people_demo):
    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    admin_client.post(
        reverse("people:member_add"),
        {
            "username": "lead2",
            "name": "Lee Lead",
            "role": "lead",
            "team": team.pk,
            "language": "en",
            "access": "password",
            "password": "a-long-secret-77",
        },
    )
    lead = Member.objects.get(username="lead2")
    assert lead.check_password("a-long-secret-77") and lead.role == "lead"
    assert not AuditEntry.objects.filter(action="member.invited").exists()


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_recorded(admin_client, people_demo):
    response = admin_client.post(
        reverse("people:member_add"),
        {"username": "aurora-agent", "name": "", "role": "agent", "language": "en", "access": "password"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "This username is already taken." in page
    assert "Enter a password, or choose an invitation link instead." in page
    assert Member.objects.filter(username="aurora-agent").count() == 1
    assert not AuditEntry.objects.exists()


def test_a_spanish_admin_reads_the_errors_in_spanish(client, casa_admin):
    client.force_login(casa_admin)
    response = client.post(
        reverse("people:member_add"),
        {"username": "nuevo", "name": "Nuevo Agente", "role": "agent", "language": "es", "access": "invite"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Un agente necesita un nivel de autoridad" in page and "Un agente necesita un equipo" in page
    assert "Añadir un miembro" in page
    assert not Member.objects.filter(username="nuevo").exists()


def test_an_admin_changes_a_members_team_and_tier(admin_client, people_demo):
    agent = Member.objects.get(username="aurora-agent")
    toronto = Team.objects.get(organization__slug="aurora", name="Toronto Support")
    response = admin_client.post(
        reverse("people:member", args=[agent.pk]),
        {
            "name": "Avery Johnson",
            "email": agent.email,
            "role": "agent",
            "tier": agent.tier_id,
            "team": toronto.pk,
            "language": "en",
            "time_zone": "America/Toronto",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.team == toronto and agent.time_zone == "America/Toronto"
    assert AuditEntry.objects.get(action="member.updated").data["changes"]["team"] == [
        "Denver Billing",
        "Toronto Support",
    ]


def test_the_last_admin_sees_why_they_cannot_leave(admin_client, aurora_admin):
    response = admin_client.post(reverse("people:member_deactivate", args=[aurora_admin.pk]), follow=True)
    assert "last active admin" in response.content.decode()
    aurora_admin.refresh_from_db()
    assert aurora_admin.is_active
    demoted = admin_client.post(
        reverse("people:member", args=[aurora_admin.pk]),
        {"name": "Dana Whitfield", "role": "analyst", "language": "en", "time_zone": "America/Denver"},
    )
    assert demoted.status_code == 422 and "last active admin" in demoted.content.decode()
    aurora_admin.refresh_from_db()
    assert aurora_admin.role == "admin"


def test_the_last_admin_message_is_spanish_for_a_spanish_admin(client, casa_admin):
    client.force_login(casa_admin)
    response = client.post(reverse("people:member_deactivate", args=[casa_admin.pk]), follow=True)
    assert "último administrador activo" in response.content.decode()


def test_deactivate_then_reactivate_from_the_member_page(admin_client, people_demo):
    agent = Member.objects.get(username="aurora-agent")
    page = admin_client.post(
        reverse("people:member_deactivate", args=[agent.pk]), follow=True
    ).content.decode()
    assert "Avery Johnson is deactivated" in page and "Reactivate" in page
    agent.refresh_from_db()
    assert not agent.is_active
    admin_client.post(reverse("people:member_reactivate", args=[agent.pk]))
    agent.refresh_from_db()
    assert agent.is_active
    assert admin_client.get(reverse("people:member_deactivate", args=[agent.pk])).status_code == 405


def test_the_invitation_links_csv_lists_everyone_without_a_password(admin_client, people_demo, aurora_admin):
    from leeway.people.services import member_create

    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    tier = Member.objects.get(username="aurora-agent").tier
    for username in ("inv1", "inv2"):
        member_create(
            organization=aurora_admin.organization,
            actor=aurora_admin,
            username=username,
            name=f"Invited {username}",
            role="agent",
            tier=tier,
            team=team,
        )
    response = admin_client.get(reverse("people:invitations_csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "email", "invitation_link"]
    assert sorted(row[0] for row in rows[1:]) == ["inv1", "inv2"]
    assert all(row[3].startswith("http://testserver/people/invitation/") for row in rows[1:])
    assert AuditEntry.objects.filter(action="member.invited").count() == 2
    listing = admin_client.get(reverse("people:members")).content.decode()
    assert "2 members have not chosen a password yet" in listing


def test_an_admin_adds_and_edits_a_site_department_and_team(admin_client, people_demo):
    response = admin_client.post(
        reverse("people:site_add"),
        {"name": "Lima", "city": "Lima", "country": "PE", "time_zone": "America/Lima", "languages": "es,en"},
    )
    assert response.status_code == 302 and response.url == reverse("people:organization")
    lima = Site.objects.get(organization__slug="aurora", name="Lima")
    admin_client.post(reverse("people:department_add"), {"name": "Retention"})
    retention = Department.objects.get(organization__slug="aurora", name="Retention")
    admin_client.post(
        reverse("people:team_add"), {"name": "Lima Retention", "department": retention.pk, "site": lima.pk}
    )
    team = Team.objects.get(organization__slug="aurora", name="Lima Retention")
    assert team.site == lima and team.department == retention
    admin_client.post(
        reverse("people:site_edit", args=[lima.pk]),
        {
            "name": "Lima Centro",
            "city": "Lima",
            "country": "PE",
            "time_zone": "America/Lima",
            "languages": "es",
        },
    )
    admin_client.post(reverse("people:department_edit", args=[retention.pk]), {"name": "Loyalty"})
    admin_client.post(
        reverse("people:team_edit", args=[team.pk]),
        {"name": "Lima Loyalty", "department": retention.pk, "site": lima.pk},
    )
    lima.refresh_from_db()
    retention.refresh_from_db()
    team.refresh_from_db()
    assert (lima.name, lima.languages, retention.name, team.name) == (
        "Lima Centro",
        "es",
        "Loyalty",
        "Lima Loyalty",
    )
    page = admin_client.get(reverse("people:organization")).content.decode()
    assert "Lima Centro" in page and "Lima Loyalty" in page and "Add a team" in page


def test_a_duplicate_site_name_is_refused_on_the_page(admin_client, people_demo):
    response = admin_client.post(
        reverse("people:site_add"),
        {
            "name": "denver",
            "city": "Denver",
            "country": "US",
            "time_zone": "America/Denver",
            "languages": "en",
        },
    )
    assert response.status_code == 422 and "Another site already has this name." in response.content.decode()
    assert Site.objects.filter(organization__slug="aurora", name__iexact="denver").count() == 1


def test_managers_see_the_organization_without_the_management_links(client, people_demo):
    client.force_login(Member.objects.get(username="aurora-manager"))
    page = client.get(reverse("people:organization")).content.decode()
    assert "Denver Billing" in page
    assert "Add a site" not in page and reverse("people:members") not in page


def test_only_admins_have_members_in_their_navigation(client, people_demo, aurora_admin):
    client.force_login(aurora_admin)
    assert (
        f'href="{reverse("people:members")}"' in client.get(reverse("people:organization")).content.decode()
    )
    client.force_login(Member.objects.get(username="aurora-manager"))
    assert (
        f'href="{reverse("people:members")}"'
        not in client.get(reverse("people:organization")).content.decode()
    )


def test_names_in_the_invitation_csv_cannot_run_as_spreadsheet_formulas(admin_client, aurora_admin):
    from leeway.people.services import member_create

    member_create(
        organization=aurora_admin.organization,
        actor=aurora_admin,
        username="-formula",
        name='=HYPERLINK("http://evil.example","Click")',
        role="admin",
    )
    rows = list(
        csv.reader(
            io.StringIO(admin_client.get(reverse("people:invitations_csv")).content.decode("utf-8-sig"))
        )
    )
    [row] = rows[1:]
    assert row[0] == "'-formula" and row[1].startswith("'=HYPERLINK")


def test_an_admin_who_steps_down_lands_on_their_new_home(admin_client, aurora_admin):
    from leeway.people.services import member_create

    member_create(
        organization=aurora_admin.organization, actor=aurora_admin, username="a2", name="Ada", role="admin"
    )
    response = admin_client.post(
        reverse("people:member", args=[aurora_admin.pk]),
        {"name": "Dana Whitfield", "role": "analyst", "language": "en", "time_zone": "America/Denver"},
    )
    assert response.status_code == 302 and response.url == reverse("home")
    aurora_admin.refresh_from_db()
    assert aurora_admin.role == "analyst"


def test_sites_show_country_and_language_names_in_the_readers_language(admin_client, aurora_admin):
    page = admin_client.get(reverse("people:organization")).content.decode()
    assert "<td>Colombia</td>" in page and "<td>Spanish, English</td>" in page and "<td>Poland</td>" in page
    assert "<td>es,en</td>" not in page and "<td>CO</td>" not in page
    aurora_admin.language = "es"
    aurora_admin.save(update_fields=["language"])
    page = admin_client.get(reverse("people:organization")).content.decode()
    assert "<td>Polonia</td>" in page and "<td>español, inglés</td>" in page
