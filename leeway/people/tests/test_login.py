import pytest
from django.urls import reverse

from leeway.people.models import Member

DEMO_USERS = ["aurora-agent", "aurora-agente", "aurora-lead", "aurora-admin", "casa-agent"]


def log_in(client, username, password="demo-pass-1"):
    return client.post(reverse("login"), {"username": username, "password": password}, follow=True)


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_user_logs_in_and_lands_on_their_roles_page(client, demo, username):
    response = log_in(client, username)
    assert response.status_code == 200
    member = Member.objects.get(username=username)
    assert response.context["user"] == member
    assert response.redirect_chain, "login should redirect to the role's page"
    html = response.content.decode()
    assert member.get_role_display() in html or member.display_name in html


def test_the_spanish_agent_sees_spanish(client, demo):
    response = log_in(client, "aurora-agente")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Cerrar sesión" in html
    assert "Log out" not in html


def test_the_english_agent_sees_english(client, demo):
    html = log_in(client, "aurora-agent").content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html


def test_a_wrong_password_shows_an_error_and_logs_nobody_in(client, demo):
    response = log_in(client, "aurora-agent", "wrong-password")
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_repeated_failures_lock_the_username_for_a_while(client, demo):
    for _attempt in range(5):
        log_in(client, "aurora-agent", "wrong-password")
    response = log_in(client, "aurora-agent")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_a_login(client, demo):
    response = client.get(reverse("people:organization"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_language_switch_saves_the_members_language(client, demo):
    log_in(client, "aurora-agent")
    response = client.post(
        reverse("language_switch"), {"language": "es", "next": "/people/tokens/"}, follow=True
    )
    assert Member.objects.get(username="aurora-agent").language == "es"
    assert "Tokens de API" in response.content.decode()


def test_the_language_switch_refuses_an_unknown_language(client, demo):
    log_in(client, "aurora-agent")
    client.post(reverse("language_switch"), {"language": "xx"})
    assert Member.objects.get(username="aurora-agent").language == "en"


def test_the_language_switch_ignores_a_foreign_next_url(client, demo):
    log_in(client, "aurora-agent")
    response = client.post(reverse("language_switch"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


def test_an_anonymous_visitor_can_switch_the_login_page_to_spanish(client, db):
    client.post(reverse("language_switch"), {"language": "es", "next": reverse("login")})
    assert "Inicia sesión en Leeway" in client.get(reverse("login")).content.decode()


def test_a_member_changes_their_password(client, demo):
    log_in(client, "aurora-agent")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "demo-pass-1",
            "new_password1": "a-much-better-pass-9",
            "new_password2": "a-much-better-pass-9",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert log_in(client, "aurora-agent", "a-much-better-pass-9").context["user"].is_authenticated


def test_logout_ends_the_session(client, demo):
    log_in(client, "aurora-agent")
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
