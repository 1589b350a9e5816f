"""The CSV import of members: every row checked first, then all added or none, problems by row and column."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leeway.core.models import AuditEntry
from leeway.people.imports import MembersImportError, members_import_csv
from leeway.people.models import Member


def _import(organization, actor, text):
    return members_import_csv(organization=organization, actor=actor, file=text.encode())


def _refusal(organization, actor, text) -> list[dict]:
    before = Member.objects.count()
    with pytest.raises(MembersImportError) as refused:
        _import(organization, actor, text)
    assert Member.objects.count() == before
    assert not AuditEntry.objects.filter(action__in=["member.created", "members.imported"]).exists()
    return refused.value.errors


def test_a_good_file_adds_every_member_invited(people_demo, aurora_admin):
    text = "username,name,email,role,tier,site,team,department,language\n" + "\n".join(
        [
            "lima-ana,Ana Quispe,ana@example.com,agent,starter,Denver,Denver Billing,,es",
            "lima-beto,Beto Huamán,,Agente,Starter,,Denver Billing,,Español",
            "lima-lead,Carla Rojas,,lead,,Denver,Denver Billing,,en",
            "lima-mgr,Diego Salas,,manager,,,,Billing,",
        ]
    )
    members = _import(people_demo["aurora"], aurora_admin, text)
    assert [member.username for member in members] == ["lima-ana", "lima-beto", "lima-lead", "lima-mgr"]
    beto = Member.objects.get(username="lima-beto")
    assert beto.role == "agent" and beto.tier.code == "starter" and beto.language == "es"
    assert beto.team.name == "Denver Billing" and beto.time_zone == "America/Denver"
    assert not beto.has_usable_password()
    assert Member.objects.get(username="lima-mgr").department.name == "Billing"
    assert Member.objects.get(username="lima-ana").email == "ana@example.com"
    assert AuditEntry.objects.filter(action="member.created").count() == 4
    summary = AuditEntry.objects.get(action="members.imported")
    assert summary.data["count"] == 4 and summary.actor_id == aurora_admin.pk


def test_one_bad_row_refuses_the_whole_file_and_lists_every_problem(people_demo, aurora_admin):
    text = "\n".join(
        [
            "username,name,role,tier,site,team",
            "ok-one,Okay One,agent,starter,,Denver Billing",
            "aurora-agent,Taken,agent,starter,,Denver Billing",
            "bad-tier,Bad Tier,agent,platinum,,Denver Billing",
            "bad-team,Bad Team,agent,starter,,Lima Sales",
            "wrong-site,Wrong Site,agent,starter,Toronto,Denver Billing",
            "no-team,No Team,agent,starter,,",
            "ok-one,Again,agent,starter,,Denver Billing",
            ",No Username,boss,,,",
        ]
    )
    errors = _refusal(people_demo["aurora"], aurora_admin, text)
    found = {(error["row"], error["column"]) for error in errors}
    assert {
        (3, "username"),
        (4, "tier"),
        (5, "team"),
        (6, "team"),
        (7, "team"),
        (8, "username"),
        (9, "role"),
    } <= found
    assert (2, "username") not in found
    messages = {(error["row"], error["column"]): error["message"] for error in errors}
    assert messages[(3, "username")] == "This username is already taken."
    assert "Tiers: starter, experienced, senior" in messages[(4, "tier")]
    assert messages[(6, "team")] == "The team “Denver Billing” is at the site “Denver”, not “Toronto”."
    assert messages[(8, "username")] == "The username is also on row 2."


def test_the_report_speaks_the_readers_language(people_demo, aurora_admin):
    from django.utils import translation

    with translation.override("es"):
        errors = _refusal(
            people_demo["aurora"],
            aurora_admin,
            "username,name,role,tier,team\nx1,Equis,agent,,Denver Billing\n",
        )
    assert errors == [
        {
            "row": 2,
            "column": "tier",
            "message": "Un agente necesita un nivel de autoridad: fija lo que puede decidir por su cuenta.",
        }
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("name,email\nAna,ana@example.com\n", "missing username"),
        ("username,name,colour\nana,Ana,blue\n", "unexpected colour"),
        ("username,name,name\nana,Ana,Ana\n", "repeated name"),
        ("username,name\n", "no members"),
        ("", "The file is empty."),
        ("username,name\nana,Ana,extra\n", "more cells than the header"),
    ],
)
def test_whole_file_problems_are_one_clear_message(people_demo, aurora_admin, content, words):
    errors = _refusal(people_demo["aurora"], aurora_admin, content)
    assert any(words in error["message"] for error in errors), errors


def test_binary_or_non_utf8_files_are_refused(people_demo, aurora_admin):
    for raw in (b"username,name\n\x00\x01\x02", "username,name\nana,Añá\n".encode("latin-1")):
        with pytest.raises(MembersImportError) as refused:
            members_import_csv(organization=people_demo["aurora"], actor=aurora_admin, file=raw)
        assert refused.value.errors[0]["row"] is None
    assert not Member.objects.filter(username="ana").exists()


def test_a_spanish_spreadsheet_with_semicolons_and_a_bom_imports(people_demo, casa_admin):
    text = "\ufeffusername;name;role;tier;team\ncasa-nuevo;Nuevo Agente;agente;starter;Madrid Reservas\n"
    [member] = members_import_csv(organization=people_demo["casa-azul"], actor=casa_admin, file=text.encode())
    assert member.organization.slug == "casa-azul" and member.team.name == "Madrid Reservas"
    assert member.language == "es"  # the organization's language when the column is absent


def test_names_are_looked_up_only_in_the_importers_organization(people_demo, casa_admin):
    errors = _refusal(
        people_demo["casa-azul"],
        casa_admin,
        "username,name,role,tier,team\nintruso,Intruso,agent,starter,Denver Billing\n",
    )
    assert [(error["row"], error["column"]) for error in errors] == [(2, "team")]


def test_the_import_page_adds_members_and_points_to_their_invitations(client, aurora_admin):
    client.force_login(aurora_admin)
    upload = SimpleUploadedFile(
        "lima.csv",
        b"username,name,tier,team\nlima-ana,Ana Quispe,starter,Denver Billing\n",
        content_type="text/csv",
    )
    response = client.post(reverse("people:members_import"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{reverse('people:members')}?status=invited"
    assert "1 member added." in page and "Ana Quispe" in page and "Download invitation links (CSV)" in page
    assert Member.objects.get(username="lima-ana").organization == aurora_admin.organization


def test_the_import_page_lists_problems_by_row_and_column_in_spanish(client, casa_admin):
    client.force_login(casa_admin)
    upload = SimpleUploadedFile(
        "equipo.csv", b"username,name,role,team\nnueva,Nueva,agent,Madrid Reservas\n", content_type="text/csv"
    )
    response = client.post(reverse("people:members_import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 422
    assert "Problemas en el archivo (no se ha añadido a nadie)" in page
    assert '<td class="num">2</td><td><code>tier</code></td>' in page
    assert not Member.objects.filter(username="nueva").exists()


def test_the_import_page_refuses_what_is_not_a_csv(client, aurora_admin):
    client.force_login(aurora_admin)
    upload = SimpleUploadedFile("people.xlsx", b"PK\x03\x04", content_type="application/octet-stream")
    response = client.post(reverse("people:members_import"), {"file": upload})
    assert response.status_code == 422 and "Upload a .csv file." in response.content.decode()


def test_only_admins_import(client, people_demo):
    client.force_login(Member.objects.get(username="aurora-analyst"))
    upload = SimpleUploadedFile("x.csv", b"username,name\nx,X\n", content_type="text/csv")
    assert client.post(reverse("people:members_import"), {"file": upload}).status_code == 403
    assert not Member.objects.filter(username="x").exists()
