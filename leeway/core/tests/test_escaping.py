from django.urls import reverse

from leeway.people.models import Member, Team

HOSTILE = '<script>alert("x")</script>'


def test_hostile_names_are_escaped_on_pages(client, demo):
    agent = Member.objects.get(username="aurora-agent")
    agent.first_name = HOSTILE
    agent.save()
    team = Team.objects.get(organization__slug="aurora", name="Denver Billing")
    team.name = HOSTILE
    team.save()
    client.force_login(Member.objects.get(username="aurora-admin"))
    for url in (reverse("people:organization"), reverse("people:team", args=[team.pk])):
        html = client.get(url).content.decode()
        assert HOSTILE not in html
        assert "&lt;script&gt;" in html


def test_pages_carry_a_content_security_policy(client, demo):
    client.force_login(Member.objects.get(username="aurora-admin"))
    response = client.get(reverse("people:organization"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
