"""The interactive API docs are served from the site's own static files and linked for admins."""

import pytest
from django.urls import reverse

from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_docs_load_swagger_ui_from_the_sites_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    # Under the same strict policy as every page: scripts and styles only from the site itself.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_admins_find_the_docs_in_the_navigation_and_others_do_not(client, aurora):
    client.force_login(MemberFactory(organization=aurora, role=Role.ADMIN))
    link = f'href="{reverse("api:openapi-view")}"'
    assert link in client.get(reverse("people:organization")).content.decode()
    client.force_login(MemberFactory(organization=aurora, role=Role.AGENT))
    assert link not in client.get(reverse("decisions:console")).content.decode()
