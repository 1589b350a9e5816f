"""Pages read right in every language: the organization's own id pattern, formatted numbers and dates."""

import re
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


def test_amounts_have_the_languages_thousands_separator(client, demo):
    casa = html_for(client, "casa-admin", "policy:budgets")
    assert "50.000,00" in casa and "500.000,00" in casa
    assert "50000,00" not in casa
    aurora = html_for(client, "aurora-admin", "policy:budgets")
    assert "50,000.00" in aurora


def test_the_home_page_names_budgets_and_formats_their_money(client, demo):
    html = html_for(client, "aurora-trainer", "home")  # a Spanish trainer, with no page of their own yet
    assert "agent · day" not in html and "organization · month" not in html
    # The company's month budget (500,000.00, less what the demo's history spent) in Spanish digits.
    assert re.search(r"<td class=\"num\">4\d\d\.\d{3},\d\d\xa0US\$</td>", html)
    assert "500000.00 USD" not in html
    assert "Tu presupuesto de hoy" in html


def test_a_page_uses_one_date_format_and_no_time_ends_in_two_full_stops(client, demo):
    import re

    html = html_for(client, "aurora-agent", "customers:detail", "C-1001")
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d", html)
    assert re.search(r"Values computed at \d\d/\d\d/\d{4} \d{1,2}:\d\d [AP]M", html)
    assert re.search(r"Customer since</dt><dd>\d\d/\d\d/\d{4}</dd>", html)
    for name in ("value:overview", "policy:overview", "policy:versions"):
        assert ".m.." not in html_for(client, "aurora-admin", name)
    assert ".m.." not in html


def test_a_spanish_admin_saves_the_rules_grid_as_it_is_shown(client, demo):
    """The grid shows amounts the Spanish way (1.200,00); sending them back unchanged changes nothing."""
    import re
    from decimal import Decimal

    from leeway.policy.models import AuthorityRule

    html = html_for(client, "casa-admin", "policy:rules")
    fields = dict(re.findall(r'<input type="text" name="(rule-[^"]+)" value="([^"]*)"', html))
    assert fields and "1.200,00" in fields.values()
    before = list(
        AuthorityRule.objects.filter(organization=demo["casa-azul"]).values_list("customer_cap_amount")
    )
    senior = next(name for name, value in fields.items() if value == "1.200,00")
    fields[senior] = "1.250,50"
    response = client.post(reverse("policy:rules"), fields)
    assert response.status_code == 302
    after = list(
        AuthorityRule.objects.filter(organization=demo["casa-azul"]).values_list("customer_cap_amount")
    )
    assert sorted(set(after) - set(before)) == [(Decimal("1250.50"),)]
