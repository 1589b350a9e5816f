from django.urls import reverse

from leeway.people.models import Member, Team
from leeway.people.tests.helpers import assert_error


def test_another_organizations_team_page_is_404(client, demo):
    aurora_team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    client.force_login(Member.objects.get(username="casa-admin"))
    assert client.get(reverse("people:team", args=[aurora_team.pk])).status_code == 404


def test_own_organizations_team_page_is_200(client, demo):
    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    client.force_login(Member.objects.get(username="aurora-admin"))
    response = client.get(reverse("people:team", args=[team.pk]))
    assert response.status_code == 200
    assert "Avery" in response.content.decode()


def test_another_organizations_team_is_404_in_the_api(api_client, demo):
    aurora_team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    api_client.authenticate(Member.objects.get(username="casa-agent"))
    assert_error(api_client.get_json(f"/api/v1/teams/{aurora_team.pk}"), 404, "not_found")


def test_the_team_list_shows_only_the_callers_organization(api_client, demo):
    api_client.authenticate(Member.objects.get(username="casa-agent"))
    names = {team["name"] for team in api_client.get_json("/api/v1/teams").json()}
    assert names == {"Madrid Reservas", "Valencia Recepción"}


def test_an_agent_may_not_see_the_organization_page(client, demo):
    client.force_login(Member.objects.get(username="aurora-agent"))
    assert client.get(reverse("people:organization")).status_code == 403


def test_another_members_token_cannot_be_revoked(client, demo):
    from leeway.people.services import token_create

    token, _raw = token_create(member=Member.objects.get(username="aurora-lead"))
    client.force_login(Member.objects.get(username="aurora-agent"))
    assert client.post(reverse("people:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
