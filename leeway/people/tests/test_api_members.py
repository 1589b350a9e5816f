"""The member, site, department and team endpoints: admins only, tenant-scoped, the error envelope."""

import json

import pytest
from django.test import Client

from leeway.core.models import AuditEntry
from leeway.people.models import ApiToken, Department, Member, Site, Team
from leeway.people.tests.helpers import assert_error


def _patch(api_client, path, data, **headers):
    return api_client.patch(
        path, json.dumps(data), content_type="application/json", headers=api_client._headers(headers)
    )


@pytest.fixture
def admin_api(api_client, aurora_admin):
    api_client.authenticate(aurora_admin)
    return api_client


def _new_agent(**changes):
    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    return {
        "username": "jdoe",
        "name": "Jamie Doe",
        "role": "agent",
        "tier": "starter",
        "team_id": team.pk,
        **changes,
    }


# --- who may call ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/members"),
        ("post", "/api/v1/members"),
        ("get", "/api/v1/members/1"),
        ("patch", "/api/v1/members/1"),
        ("post", "/api/v1/members/1/deactivate"),
        ("post", "/api/v1/members/1/reactivate"),
        ("post", "/api/v1/members/1/invitation"),
        ("post", "/api/v1/sites"),
        ("patch", "/api/v1/sites/1"),
        ("post", "/api/v1/departments"),
        ("patch", "/api/v1/departments/1"),
        ("post", "/api/v1/teams"),
        ("patch", "/api/v1/teams/1"),
        ("get", "/api/v1/sites"),
        ("get", "/api/v1/departments"),
    ],
)
def test_without_a_token_every_endpoint_is_401(api_client, people_demo, method, path):
    if method == "get":
        response = api_client.get(path)
    else:
        response = getattr(api_client, method)(path, "{}", content_type="application/json")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize("username", ["aurora-agent", "aurora-lead", "aurora-manager", "aurora-analyst"])
def test_other_roles_may_not_manage_members_even_with_a_broken_body(api_client, people_demo, username):
    api_client.authenticate(Member.objects.get(username=username))
    assert_error(api_client.get_json("/api/v1/members"), 403, "forbidden")
    assert_error(api_client.post_json("/api/v1/members", raw="{not json"), 403, "forbidden")
    agent = Member.objects.get(username="aurora-agent")
    assert_error(api_client.post_json(f"/api/v1/members/{agent.pk}/deactivate"), 403, "forbidden")
    assert_error(_patch(api_client, f"/api/v1/members/{agent.pk}", {"role": "admin"}), 403, "forbidden")
    assert_error(api_client.post_json("/api/v1/sites", {"name": "X"}), 403, "forbidden")
    assert_error(api_client.post_json("/api/v1/teams", {"name": "X"}), 403, "forbidden")
    agent.refresh_from_db()
    assert agent.is_active and agent.role == "agent"
    assert Member.objects.get(username=username).role != "admin"


def test_another_organizations_member_site_department_and_team_are_404(admin_api, people_demo):
    casa_agent = Member.objects.get(username="casa-agent")
    madrid = Site.objects.get(organization__slug="casa-azul", name="Madrid")
    reservas = Department.objects.get(organization__slug="casa-azul", name="Reservas")
    madrid_team = Team.objects.get(organization__slug="casa-azul", name="Madrid Reservas")
    assert_error(admin_api.get_json(f"/api/v1/members/{casa_agent.pk}"), 404, "not_found")
    assert_error(_patch(admin_api, f"/api/v1/members/{casa_agent.pk}", {"role": "lead"}), 404, "not_found")
    assert_error(admin_api.post_json(f"/api/v1/members/{casa_agent.pk}/deactivate"), 404, "not_found")
    assert_error(admin_api.post_json(f"/api/v1/members/{casa_agent.pk}/invitation"), 404, "not_found")
    assert_error(admin_api.get_json(f"/api/v1/sites/{madrid.pk}"), 404, "not_found")
    assert_error(_patch(admin_api, f"/api/v1/sites/{madrid.pk}", {"name": "Mine"}), 404, "not_found")
    assert_error(admin_api.get_json(f"/api/v1/departments/{reservas.pk}"), 404, "not_found")
    assert_error(_patch(admin_api, f"/api/v1/departments/{reservas.pk}", {"name": "Mine"}), 404, "not_found")
    assert_error(_patch(admin_api, f"/api/v1/teams/{madrid_team.pk}", {"name": "Mine"}), 404, "not_found")
    casa_agent.refresh_from_db()
    madrid.refresh_from_db()
    assert casa_agent.is_active and casa_agent.role == "agent" and madrid.name == "Madrid"
    assert not AuditEntry.objects.filter(organization_id=casa_agent.organization_id).exists()


def test_the_member_list_shows_only_the_callers_organization(admin_api, people_demo):
    body = admin_api.get_json("/api/v1/members", limit=200).json()
    usernames = {item["username"] for item in body["items"]}
    assert "aurora-agent" in usernames and "casa-agent" not in usernames
    assert body["count"] == Member.objects.filter(organization__slug="aurora").count()
    leads = admin_api.get_json("/api/v1/members", role="lead").json()["items"]
    assert leads and {item["role"] for item in leads} == {"lead"}
    found = admin_api.get_json("/api/v1/members", q="avery").json()["items"]
    assert [item["username"] for item in found] == ["aurora-agent"]
    assert (
        found[0]["tier"] == "starter"
        and found[0]["team"] == "Denver Billing"
        and found[0]["site"] == "Denver"
    )
    assert found[0]["status"] == "active"
    assert_error(admin_api.get_json("/api/v1/members", status="gone"), 422, field="status")
    assert_error(admin_api.get_json("/api/v1/members", limit=1000), 422, field="limit")


# --- members --------------------------------------------------------------------------------------


def test_an_admin_adds_an_agent_and_the_invitation_link_lets_them_choose_a_password(admin_api, people_demo):
    response = admin_api.post_json("/api/v1/members", _new_agent(email="jamie@example.com"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "jdoe" and body["name"] == "Jamie Doe" and body["status"] == "invited"
    assert (
        body["tier"] == "starter"
        and body["team"] == "Denver Billing"
        and body["time_zone"] == "America/Denver"
    )
    assert body["invitation_url"].startswith("http://testserver/people/invitation/")
    member = Member.objects.get(username="jdoe")
    assert member.organization.slug == "aurora" and not member.has_usable_password()
    assert AuditEntry.objects.filter(action="member.created", object_id=str(member.pk)).exists()

    browser = Client()
    form_url = browser.get(body["invitation_url"], follow=True).redirect_chain[-1][0]
    browser.post(form_url, {"new_password1": "jamie-long-pass-1", "new_password2": "jamie-long-pass-1"})
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "jdoe", "password": "jamie-long-pass-1"},
        content_type="application/json",
    )
    assert token.status_code == 200


def test_with_a_password_there_is_no_invitation(admin_api, people_demo):
    body = admin_api.post_json("/api/v1/members", _new_agent(password="a-long-secret-77")).json()
    assert body["invitation_url"] is None and body["status"] == "active"
    assert Member.objects.get(username="jdoe").check_password("a-long-secret-77")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"tier": None}, "tier", "tier_required"),
        ({"tier": "platinum"}, "tier", "unknown_tier"),
        ({"team_id": None}, "team_id", "team_required"),
        ({"team_id": 999999}, "team_id", "unknown_team"),
        ({"username": "aurora-agent"}, "username", "username_taken"),
        ({"email": "nope"}, "email", "invalid_email"),
        ({"role": "boss"}, "role", "unknown_role"),
        ({"password": "short"}, "password", "weak_password"),
        ({"colour": "blue"}, "colour", "invalid"),
    ],
)
def test_bad_member_values_are_422_and_record_nothing(admin_api, people_demo, changes, field, code):
    before = Member.objects.count()
    response = admin_api.post_json("/api/v1/members", _new_agent(**changes))
    assert_error(response, 422, code, field)
    assert Member.objects.count() == before
    assert not AuditEntry.objects.filter(action="member.created").exists()


def test_another_organizations_team_in_the_body_is_422(admin_api, people_demo):
    madrid_team = Team.objects.get(organization__slug="casa-azul", name="Madrid Reservas")
    assert_error(
        admin_api.post_json("/api/v1/members", _new_agent(team_id=madrid_team.pk)),
        422,
        "unknown_team",
        "team_id",
    )
    assert not Member.objects.filter(username="jdoe").exists()


def test_errors_follow_accept_language(admin_api, people_demo):
    response = admin_api.post_json(
        "/api/v1/members", _new_agent(tier=None), headers={"Accept-Language": "es"}
    )
    error = assert_error(response, 422, "tier_required", "tier")
    assert error["message"].startswith("Un agente necesita un nivel de autoridad")


def test_a_malformed_body_is_400(admin_api, people_demo):
    assert_error(admin_api.post_json("/api/v1/members", raw="{oops"), 400, "malformed_json")


def test_an_admin_changes_a_members_tier_team_and_role(admin_api, people_demo):
    agent = Member.objects.get(username="aurora-agent")
    toronto = Team.objects.get(organization__slug="aurora", name="Toronto Support")
    response = _patch(admin_api, f"/api/v1/members/{agent.pk}", {"tier": "senior", "team_id": toronto.pk})
    assert response.status_code == 200, response.content
    assert response.json()["tier"] == "senior" and response.json()["team"] == "Toronto Support"
    agent.refresh_from_db()
    assert agent.tier.code == "senior" and agent.team == toronto
    body = _patch(admin_api, f"/api/v1/members/{agent.pk}", {"role": "lead", "tier": None}).json()
    assert body["role"] == "lead" and body["tier"] is None
    assert_error(
        _patch(admin_api, f"/api/v1/members/{agent.pk}", {"username": "renamed"}), 422, field="username"
    )
    assert_error(_patch(admin_api, f"/api/v1/members/{agent.pk}", {"role": None}), 422, field="role")


def test_the_last_admin_cannot_step_down_through_the_api(admin_api, aurora_admin):
    response = _patch(admin_api, f"/api/v1/members/{aurora_admin.pk}", {"role": "analyst"})
    error = assert_error(response, 409, "last_admin", "role")
    assert "last active admin" in error["message"]
    assert_error(admin_api.post_json(f"/api/v1/members/{aurora_admin.pk}/deactivate"), 409, "last_admin")
    aurora_admin.refresh_from_db()
    assert aurora_admin.role == "admin" and aurora_admin.is_active


def test_the_last_admin_refusal_speaks_spanish(api_client, casa_admin):
    api_client.authenticate(casa_admin)
    response = api_client.post_json(f"/api/v1/members/{casa_admin.pk}/deactivate")  # casa-azul speaks Spanish
    error = assert_error(response, 409, "last_admin")
    assert "último administrador activo" in error["message"]


def test_deactivate_and_reactivate_through_the_api(admin_api, api_client, people_demo):
    agent = Member.objects.get(username="aurora-agent")
    ApiToken.objects.create(organization=agent.organization, member=agent, prefix="lw_x", digest="d" * 64)
    body = admin_api.post_json(f"/api/v1/members/{agent.pk}/deactivate").json()
    assert body["status"] == "inactive"
    assert not ApiToken.objects.filter(member=agent, revoked_at__isnull=True).exists()
    assert admin_api.post_json(f"/api/v1/members/{agent.pk}/deactivate").status_code == 200  # idempotent
    assert_error(admin_api.post_json(f"/api/v1/members/{agent.pk}/invitation"), 409, "member_inactive")
    assert admin_api.post_json(f"/api/v1/members/{agent.pk}/reactivate").json()["status"] == "active"
    link = admin_api.post_json(f"/api/v1/members/{agent.pk}/invitation").json()["invitation_url"]
    assert "/people/invitation/" in link
    assert_error(admin_api.get_json("/api/v1/members/999999"), 404, "not_found")


# --- sites, departments, teams --------------------------------------------------------------------


def test_every_member_reads_sites_departments_and_teams_of_their_own_organization(api_client, people_demo):
    api_client.authenticate(Member.objects.get(username="casa-agent"))
    assert {site["name"] for site in api_client.get_json("/api/v1/sites").json()} == {"Madrid", "Valencia"}
    assert {d["name"] for d in api_client.get_json("/api/v1/departments").json()} == {"Reservas", "Recepción"}
    teams = api_client.get_json("/api/v1/teams").json()
    assert {team["name"] for team in teams} == {"Madrid Reservas", "Valencia Recepción"}
    madrid = Site.objects.get(organization__slug="casa-azul", name="Madrid")
    site = api_client.get_json(f"/api/v1/sites/{madrid.pk}").json()
    assert site["languages"] == ["es", "en"] and site["country"] == "ES"


def test_an_admin_adds_a_site_department_and_team_and_puts_an_agent_there(admin_api, people_demo):
    site = admin_api.post_json(
        "/api/v1/sites",
        {
            "name": "Lima",
            "city": "Lima",
            "country": "PE",
            "time_zone": "America/Lima",
            "languages": ["es", "en"],
        },
    )
    assert site.status_code == 201, site.content
    department = admin_api.post_json("/api/v1/departments", {"name": "Retention"})
    assert department.status_code == 201
    team = admin_api.post_json(
        "/api/v1/teams",
        {"name": "Lima Retention", "department_id": department.json()["id"], "site_id": site.json()["id"]},
    )
    assert team.status_code == 201, team.content
    assert team.json()["site"] == "Lima" and team.json()["department"] == "Retention"
    agent = admin_api.post_json("/api/v1/members", _new_agent(team_id=team.json()["id"])).json()
    assert agent["time_zone"] == "America/Lima" and agent["site"] == "Lima"

    renamed = _patch(admin_api, f"/api/v1/sites/{site.json()['id']}", {"name": "Lima Centro"})
    assert renamed.json()["name"] == "Lima Centro"
    moved = _patch(admin_api, f"/api/v1/teams/{team.json()['id']}", {"name": "Lima Retención"})
    assert moved.json()["name"] == "Lima Retención"
    renamed_department = _patch(
        admin_api, f"/api/v1/departments/{department.json()['id']}", {"name": "Loyalty"}
    )
    assert renamed_department.json()["name"] == "Loyalty"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "site.created",
        "site.updated",
        "department.created",
        "department.updated",
        "team.created",
    } <= actions


def test_bad_site_and_team_values_are_422(admin_api, people_demo):
    site = {
        "name": "Denver",
        "city": "Denver",
        "country": "US",
        "time_zone": "America/Denver",
        "languages": ["en"],
    }
    assert_error(admin_api.post_json("/api/v1/sites", site), 422, "duplicate_name", "name")
    assert_error(
        admin_api.post_json("/api/v1/sites", {**site, "name": "X", "country": "ZZ"}), 422, field="country"
    )
    madrid = Site.objects.get(organization__slug="casa-azul", name="Madrid")
    sales = Department.objects.get(organization__slug="aurora", name="Sales")
    team = {"name": "New", "department_id": sales.pk, "site_id": madrid.pk}
    assert_error(admin_api.post_json("/api/v1/teams", team), 422, "unknown_site", "site_id")
    assert not Team.objects.filter(name="New").exists()
    assert not Site.objects.filter(name="X").exists()


def test_the_openapi_document_lists_the_management_endpoints(api_client, people_demo):
    paths = api_client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/members/{member_id}/deactivate",
        "/api/v1/sites",
        "/api/v1/departments",
        "/api/v1/teams/{team_id}",
    ):
        assert path in paths
    assert "403" in paths["/api/v1/members"]["post"]["responses"]
