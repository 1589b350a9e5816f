"""Pages read right in every language: the organization's own id pattern, formatted numbers and dates."""

from html import unescape

from django.urls import reverse

from leeway.people.models import Member


def html_for(client, username: str, name: str, *args, **query) -> str:
    client.force_login(Member.objects.get(username=username))
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_search_placeholders_show_each_organizations_own_id_pattern(client, demo):
    aurora = html_for(client, "aurora-agent", "decisions:console")
    assert 'placeholder="C-1001, name, email or phone"' in aurora
    casa = html_for(client, "casa-agent", "decisions:console")
    assert 'placeholder="CA-2001, nombre, correo o teléfono"' in casa
    assert "C-1001" not in casa
    assert 'placeholder="p. ej. CA-2001, un apellido o un teléfono"' in html_for(
        client, "casa-agent", "customers:list"
    )
