"""Member services: add, change, deactivate, reactivate, invite; audited and tenant-scoped."""

import pytest
from django.test import Client

from leeway.core.errors import Conflict, Forbidden, InvalidInput
from leeway.core.models import AuditEntry
from leeway.people.models import ApiToken, AuthorityTier, Member, Role, Team
from leeway.people.services import (
    member_create,
    member_deactivate,
    member_invite,
    member_reactivate,
    member_update,
    token_create,
)


def _can_log_in(username, password) -> bool:
    """Through the token endpoint, which authenticates as the login page does (throttling included)."""
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    return response.status_code == 200


def _audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def _starter(organization):
    return AuthorityTier.objects.get(organization=organization, code="starter")


def _denver(organization):
    return Team.objects.get(organization=organization, name="Denver Billing")


def test_an_admin_adds_an_agent_with_an_initial_password(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    member = member_create(
        organization=aurora,
        actor=aurora_admin,
        username="jdoe",
        name="  Jamie   Alex Doe ",
        email="Jamie.Doe@EXAMPLE.com",
        role=Role.AGENT,
        tier=_starter(aurora),
        team=_denver(aurora),
        password="a-long-secret-77",
    )
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.display_name) == (
        "Jamie",
        "Alex Doe",
        "Jamie Alex Doe",
    )
    assert member.email == "Jamie.Doe@example.com"
    assert (
        member.organization == aurora
        and member.tier.code == "starter"
        and member.team.name == "Denver Billing"
    )
    # The team's site's time zone and the organization's language when none are given.
    assert (member.time_zone, member.language) == ("America/Denver", "en")
    assert _can_log_in("jdoe", "a-long-secret-77")
    [entry] = _audit("member.created")
    assert entry.actor_id == aurora_admin.pk and entry.organization_id == aurora.pk
    assert (
        entry.data["username"] == "jdoe" and entry.data["role"] == "agent" and entry.data["tier"] == "starter"
    )
    assert entry.data["team"] == "Denver Billing" and entry.data["password"] == "set"
    # Personal data is not written into the append-only trail; the password never is.
    assert "Jamie" not in str(entry.data) and "example.com" not in str(entry.data)
    assert "a-long-secret-77" not in str(entry.data)


def test_without_a_password_the_member_is_invited_and_the_link_works_once(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    member = member_create(
        organization=aurora,
        actor=aurora_admin,
        username="nnueva",
        name="Nora Nueva",
        role=Role.AGENT,
        tier=_starter(aurora),
        team=_denver(aurora),
        language="es",
    )
    assert not member.has_usable_password()
    assert _audit("member.created")[0].data["password"] == "invitation"
    path = member_invite(member=member, actor=aurora_admin)
    assert _audit("member.invited")[0].object_id == str(member.pk)

    client = Client()
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert "Elige tu contraseña" in page.content.decode()  # the language the admin gave them
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": "una-clave-larga-9", "new_password2": "una-clave-larga-9"})
    assert done.status_code == 302 and done.url == "/"
    member.refresh_from_db()
    assert member.check_password("una-clave-larga-9")
    assert client.get("/").status_code == 302  # logged in: sent to the agent's console
    assert _audit("member.password_chosen")[0].actor_id == member.pk
    again = Client().get(path, follow=True)
    assert "Este enlace ya no funciona" in again.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"tier": None}, "tier", "tier_required"),
        ({"team": None}, "team", "team_required"),
        ({"username": "Aurora-Agent"}, "username", "username_taken"),
        ({"username": "no spaces"}, "username", "invalid_username"),
        ({"username": ""}, "username", "required"),
        ({"name": "   "}, "name", "required"),
        ({"email": "not-an-email"}, "email", "invalid_email"),
        ({"role": "boss"}, "role", "unknown_role"),
        ({"language": "fr"}, "language", "unknown_language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "time_zone"),
        ({"password": "12345"}, "password", "weak_password"),
    ],
)
def test_bad_member_values_are_refused_and_nothing_is_recorded(
    people_demo, aurora_admin, changes, field, code
):
    aurora = people_demo["aurora"]
    values = {
        "username": "jdoe",
        "name": "Jamie Doe",
        "email": "",
        "role": Role.AGENT,
        "tier": _starter(aurora),
        "team": _denver(aurora),
        **changes,
    }
    before = Member.objects.count()
    with pytest.raises(InvalidInput) as refused:
        member_create(organization=aurora, actor=aurora_admin, **values)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert Member.objects.count() == before
    assert _audit("member.created") == []


def test_a_lead_needs_a_team_and_a_manager_a_department(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    with pytest.raises(InvalidInput) as lead:
        member_create(organization=aurora, actor=aurora_admin, username="l1", name="Lee Lead", role=Role.LEAD)
    assert lead.value.field == "team"
    with pytest.raises(InvalidInput) as manager:
        member_create(
            organization=aurora, actor=aurora_admin, username="m1", name="Max Manager", role=Role.MANAGER
        )
    assert manager.value.field == "department"
    admin = member_create(
        organization=aurora, actor=aurora_admin, username="a2", name="Ada Admin", role=Role.ADMIN
    )
    assert admin.role == Role.ADMIN and admin.tier is None and admin.team is None


def test_another_organizations_team_or_tier_is_refused(people_demo, aurora_admin):
    aurora, casa = people_demo["aurora"], people_demo["casa-azul"]
    with pytest.raises(InvalidInput) as refused:
        member_create(
            organization=aurora,
            actor=aurora_admin,
            username="jdoe",
            name="Jamie Doe",
            role=Role.AGENT,
            tier=_starter(aurora),
            team=Team.objects.get(organization=casa, name="Madrid Reservas"),
        )
    assert refused.value.field == "team"
    assert not Member.objects.filter(username="jdoe").exists()


def test_an_admin_of_another_organization_cannot_act(people_demo, casa_admin):
    aurora = people_demo["aurora"]
    with pytest.raises(Forbidden):
        member_create(organization=aurora, actor=casa_admin, username="x1", name="X", role=Role.ADMIN)
    with pytest.raises(Forbidden):
        member_deactivate(member=Member.objects.get(username="aurora-agent"), actor=casa_admin)
    assert Member.objects.get(username="aurora-agent").is_active


def test_changing_tier_role_and_team_is_audited_without_personal_data(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    agent = Member.objects.get(username="aurora-agent")
    toronto = Team.objects.get(organization=aurora, name="Toronto Support")
    experienced = AuthorityTier.objects.get(organization=aurora, code="experienced")
    member_update(member=agent, actor=aurora_admin, tier=experienced, team=toronto, email="avery@example.com")
    agent.refresh_from_db()
    assert agent.tier == experienced and agent.team == toronto and agent.email == "avery@example.com"
    [entry] = _audit("member.updated")
    assert entry.data["changes"] == {
        "tier": ["starter", "experienced"],
        "team": ["Denver Billing", "Toronto Support"],
    }
    assert entry.data["personal"] == ["email"]
    assert "avery@example.com" not in str(entry.data)

    member_update(member=agent, actor=aurora_admin, role=Role.LEAD)
    agent.refresh_from_db()
    assert agent.role == Role.LEAD
    assert _audit("member.updated")[-1].data["changes"] == {"role": ["agent", "lead"]}


def test_an_update_that_changes_nothing_records_nothing(people_demo, aurora_admin):
    agent = Member.objects.get(username="aurora-agent")
    member_update(member=agent, actor=aurora_admin, name=agent.get_full_name(), language=agent.language)
    assert _audit("member.updated") == []


def test_an_agent_cannot_be_left_without_a_tier(people_demo, aurora_admin):
    agent = Member.objects.get(username="aurora-agent")
    with pytest.raises(InvalidInput) as refused:
        member_update(member=agent, actor=aurora_admin, tier=None)
    assert refused.value.field == "tier"
    agent.refresh_from_db()
    assert agent.tier is not None


def test_the_last_active_admin_cannot_deactivate_or_demote_themselves(people_demo, aurora_admin):
    with pytest.raises(Conflict) as deactivating:
        member_deactivate(member=aurora_admin, actor=aurora_admin)
    assert deactivating.value.code == "last_admin"
    with pytest.raises(Conflict) as demoting:
        member_update(member=aurora_admin, actor=aurora_admin, role=Role.ANALYST)
    assert (demoting.value.code, demoting.value.field) == ("last_admin", "role")
    aurora_admin.refresh_from_db()
    assert aurora_admin.is_active and aurora_admin.role == Role.ADMIN
    assert _audit("member.deactivated") == [] and _audit("member.updated") == []


def test_with_a_second_admin_an_admin_may_step_down(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    second = member_create(
        organization=aurora, actor=aurora_admin, username="a2", name="Ada Admin", role=Role.ADMIN
    )
    member_update(member=aurora_admin, actor=aurora_admin, role=Role.ANALYST)
    aurora_admin.refresh_from_db()
    assert aurora_admin.role == Role.ANALYST
    # Now `second` is the last one.
    with pytest.raises(Conflict):
        member_deactivate(member=second, actor=second)


def test_a_deactivated_admin_does_not_count_as_the_one_left(people_demo, aurora_admin):
    aurora = people_demo["aurora"]
    second = member_create(
        organization=aurora, actor=aurora_admin, username="a2", name="Ada Admin", role=Role.ADMIN
    )
    member_deactivate(member=second, actor=aurora_admin)
    with pytest.raises(Conflict):
        member_deactivate(member=aurora_admin, actor=aurora_admin)


def test_deactivating_stops_login_and_revokes_tokens_and_reactivating_restores_login(
    people_demo, aurora_admin, api_client
):
    agent = Member.objects.get(username="aurora-agent")
    raw = api_client.authenticate(agent)
    assert api_client.get_json("/api/v1/me").status_code == 200
    session = Client()
    session.force_login(agent)

    member_deactivate(member=agent, actor=aurora_admin)
    agent.refresh_from_db()
    assert not agent.is_active
    assert not _can_log_in("aurora-agent", "demo-pass-1")
    assert api_client.get_json("/api/v1/me").status_code == 401
    assert session.get("/console/").status_code == 302  # the session no longer authenticates
    assert not ApiToken.objects.filter(member=agent, revoked_at__isnull=True).exists()
    [entry] = _audit("member.deactivated")
    assert entry.data["tokens_revoked"] == 1
    # Nothing is deleted: decisions keep pointing at the member.
    assert Member.objects.filter(pk=agent.pk).exists()

    member_deactivate(member=agent, actor=aurora_admin)  # twice changes nothing
    assert len(_audit("member.deactivated")) == 1

    member_reactivate(member=agent, actor=aurora_admin)
    agent.refresh_from_db()
    assert agent.is_active
    assert _can_log_in("aurora-agent", "demo-pass-1")
    assert api_client.get_json("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert len(_audit("member.reactivated")) == 1


def test_a_deactivated_member_gets_no_invitation_and_an_old_link_stops_working(people_demo, aurora_admin):
    agent = Member.objects.get(username="aurora-agent")
    path = member_invite(member=agent, actor=aurora_admin)
    member_deactivate(member=agent, actor=aurora_admin)
    with pytest.raises(Conflict) as refused:
        member_invite(member=agent, actor=aurora_admin)
    assert refused.value.code == "member_inactive"
    page = Client().get(path, follow=True)
    assert "This link no longer works" in page.content.decode()


def test_an_invitation_link_for_a_member_with_a_password_is_a_reset(people_demo, aurora_admin):
    agent = Member.objects.get(username="aurora-agent")
    path = member_invite(member=agent, actor=aurora_admin)
    assert agent.check_password("demo-pass-1")  # still works until they choose a new one
    client = Client()
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "another-long-one-5", "new_password2": "another-long-one-5"})
    agent.refresh_from_db()
    assert agent.check_password("another-long-one-5")
    token_create(member=agent)  # the member can work normally afterwards
