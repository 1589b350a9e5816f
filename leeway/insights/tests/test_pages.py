"""The ROI and method pages: for admins and analysts, their own organization's figures, in their language."""

import pytest
from django.test import Client

from leeway.insights.models import RoiEstimate
from leeway.insights.roi.service import roi_estimate_compute


def client_for(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_the_first_visit_makes_an_estimate_that_says_what_is_missing(world):
    page = client_for(world.analyst).get("/insights/roi/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Return on goodwill" in text
    assert "Not shown: each group needs at least 300 customers" in text
    assert 'href="/insights/roi/method/#retention_90"' in text
    assert RoiEstimate.objects.filter(organization=world.organization).count() == 1
    client_for(world.admin).get("/insights/roi/")
    assert RoiEstimate.objects.count() == 1  # later visits read the stored one


def test_other_roles_are_refused(world):
    for member in (world.agent, world.lead, world.manager):
        assert client_for(member).get("/insights/roi/").status_code == 403
        assert client_for(member).get("/insights/roi/method/").status_code == 403
        assert client_for(member).post("/insights/roi/compute/").status_code == 403
    assert Client().get("/insights/roi/").status_code == 302  # to the login page
    assert not RoiEstimate.objects.exists()


def test_each_organization_sees_only_its_own_estimate(world, other_world):
    roi_estimate_compute(organization=other_world.organization, replicates=5)
    client_for(world.analyst).get("/insights/roi/")
    assert RoiEstimate.objects.filter(organization=world.organization).count() == 1
    mine = RoiEstimate.objects.get(organization=world.organization)
    page = client_for(world.analyst).get("/insights/roi/method/")
    assert page.context["estimate"] == mine


def test_computing_again_adds_an_estimate_and_says_so(world):
    client = client_for(world.admin)
    response = client.post("/insights/roi/compute/", follow=True)
    assert response.redirect_chain[-1][0] == "/insights/roi/"
    assert "The estimate was computed" in response.content.decode()
    assert RoiEstimate.objects.filter(organization=world.organization, computed_by=world.admin).count() == 1
    assert client.get("/insights/roi/compute/").status_code == 405


def test_the_method_page_shows_the_queries_that_made_the_figures(world):
    roi_estimate_compute(organization=world.organization, replicates=5)
    text = client_for(world.analyst).get("/insights/roi/method/").content.decode()
    for anchor in ("retention_90", "retention_180", "purchases", "value"):
        assert f'id="{anchor}"' in text
    assert "insights_interaction" in text and "Kaplan" in text and "logistic regression" in text


@pytest.mark.parametrize("path", ["/insights/roi/", "/insights/roi/method/"])
def test_the_pages_speak_spanish(world, path):
    world.analyst.language = "es"
    world.analyst.save(update_fields=["language"])
    text = client_for(world.analyst).get(path).content.decode()
    assert "Retorno de la buena voluntad" in text
    if path == "/insights/roi/":
        assert "No se muestra" in text


def upload(client, text: str, name: str = "helpdesk.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post("/insights/interactions/import/", {"file": file}, follow=True)


def test_an_analyst_imports_a_helpdesk_file_on_the_page(world):
    from leeway.insights.models import Interaction

    client = client_for(world.analyst)
    header = "external_ref,customer,channel,category,occurred_at\n"
    good = header + "CALL-1,C-1001,phone,billing_error,2025-03-01T10:00:00Z\n"
    response = upload(client, good)
    text = response.content.decode()
    assert "Imported 1 rows: 1 new interactions, 0 already recorded." in text
    assert "CALL-1" in text and "Ada Byron" in text
    bad = header + "CALL-2,C-NOBODY,phone,billing_error,2025-03-01T10:00:00Z\n"
    refused = upload(client, bad, "bad.csv")
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Nothing was imported from bad.csv: 1 problem in 1 rows." in text
    assert "There is no customer with the id C-NOBODY" in text
    assert Interaction.objects.count() == 1
    not_csv = upload(client, good, "notes.pdf")
    assert not_csv.status_code == 422 and "Upload a .csv file." in not_csv.content.decode()
    assert client_for(world.agent).get("/insights/interactions/").status_code == 403
    assert upload(client_for(world.lead), good).status_code == 403


def test_the_interactions_page_lists_only_the_organizations_own(world, other_world):
    from leeway.customers.models import Customer
    from leeway.insights.models import Interaction

    theirs = Customer.objects.create(
        organization=other_world.organization, external_id="CA-9", name="Lola Flores"
    )
    Interaction.objects.create(
        organization=other_world.organization,
        external_ref="THEIRS-1",
        customer=theirs,
        channel="chat",
        category="other",
        occurred_at="2025-03-01T10:00:00Z",
    )
    text = client_for(world.analyst).get("/insights/interactions/").content.decode()
    assert "THEIRS-1" not in text and "Lola" not in text


def stored_estimate(organization):
    """An estimate as the estimator stores it, so the page's wording and numbers can be checked exactly."""
    from django.utils import timezone

    now = timezone.now()
    retention = {
        "key": "retention_90",
        "unit": "points",
        "treated": 628,
        "control": 1232,
        "estimate": 6.64,
        "low": 1.78,
        "high": 11.21,
        "naive": 14.26,
        "treated_level": 73.22,
        "control_level": 66.58,
        "missing": {},
    }
    purchases = {
        **retention,
        "key": "purchases",
        "unit": "money",
        "estimate": -2.5,
        "low": -5.61,
        "high": 8.17,
        "naive": 0.85,
        "treated_level": -3.61,
        "control_level": -1.11,
    }
    value = {**retention, "key": "value", "unit": "money", "missing": {"reason": "no_value_model"}}
    return RoiEstimate.objects.create(
        organization=organization,
        computed_at=now,
        window_start=now,
        window_end=now,
        treated=666,
        control=1334,
        figures=[retention, purchases, value],
        parameters={"currency": organization.base_currency, "mean_gesture_cost": 17.0},
    )


def test_the_figures_read_as_points_money_and_the_cost_of_one_more_customer_kept(world):
    stored_estimate(world.organization)
    page = client_for(world.analyst).get("/insights/roi/")
    text = " ".join(page.content.decode().split())
    assert "+6.6 points" in text and "+1.8 points to +11.2 points" in text and "+14.3 points" in text
    assert "73.2 %" in text and "66.6 %" in text
    assert "-$2.50" in text and "-$5.61 to +$8.17" in text
    assert "Not shown: no customer value model has been fitted yet." in text
    # 17.00 per gesture / 6.64 points = 256.02 per customer kept; the interval's ends swap.
    assert (
        "Cost per extra customer still active after 90 days: $256.02 (95 % interval $151.65 to $955.06)"
        in text
    )
    world.analyst.language = "es"
    world.analyst.save(update_fields=["language"])
    text = " ".join(client_for(world.analyst).get("/insights/roi/").content.decode().split())
    assert "+6,6 puntos" in text and "de +1,8 puntos a +11,2 puntos" in text
    assert "256,02 US$" in text


def test_the_dashboard_shows_the_latest_estimate_to_those_who_read_the_roi(world, other_world):
    dashboard = "/reports/dashboard/"
    assert 'id="roi"' not in client_for(world.analyst).get(dashboard).content.decode()  # none yet
    assert not RoiEstimate.objects.exists()  # a dashboard view never computes one
    stored_estimate(world.organization)
    text = " ".join(client_for(world.analyst).get(dashboard).content.decode().split())
    assert 'id="roi"' in text and "+6.6 points" in text and "+1.8 points to +11.2 points" in text
    assert 'href="/insights/roi/"' in text
    # Managers read their department's dashboard, not the organization's return; others have their own.
    assert 'id="roi"' not in client_for(world.manager).get(dashboard).content.decode()
    assert 'id="roi"' not in client_for(other_world.analyst).get(dashboard).content.decode()
