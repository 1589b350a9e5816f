from leeway.people.models import Member


def test_me_describes_the_caller(api_client, demo):
    api_client.authenticate(Member.objects.get(username="aurora-agent"))
    body = api_client.get_json("/api/v1/me").json()
    assert body["username"] == "aurora-agent"
    assert body["organization"] == {"slug": "aurora", "base_currency": "USD"}
    assert body["role"] == "agent"
    assert body["tier"] == "starter"
    assert body["language"] == "en"
    assert isinstance(body["budgets"], list)


def test_me_errors_follow_accept_language(api_client, demo):
    response = api_client.get_json("/api/v1/me", headers={"Accept-Language": "es"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Se requiere autenticación."


def test_unknown_languages_fall_back_to_the_organization_default(api_client, demo):
    api_client.authenticate(Member.objects.get(username="casa-agent"))
    response = api_client.get_json("/api/v1/teams/999999", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No encontrado."


def test_the_session_works_for_the_api_too(client, demo):
    client.force_login(Member.objects.get(username="aurora-lead"))
    assert client.get("/api/v1/me").json()["role"] == "lead"


def test_the_demo_data_loads_twice_without_changes(demo):
    from django.core.management import call_command

    before = Member.objects.count()
    call_command("demo-data", verbosity=0)
    assert Member.objects.count() == before
    assert Member.objects.filter(organization__slug="aurora", role="agent").count() >= 20


def test_an_aurora_agent_sees_their_sites_daily_budget(api_client, demo):
    """API.md: each aurora site has a daily budget (scope `site`) of 5,000.00 USD."""
    api_client.authenticate(Member.objects.get(username="aurora-agent"))
    budgets = api_client.get_json("/api/v1/me").json()["budgets"]
    site = [b for b in budgets if b["scope"] == "site"]
    assert site == [
        {
            "scope": "site",
            "period": "day",
            "cap": "5000.00",
            "spent": "0.00",
            "remaining": "5000.00",
            "currency": "USD",
        }
    ]
    assert [b["scope"] for b in budgets].index("site") == 2  # after the agent's day and month
