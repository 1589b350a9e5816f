"""Customer pages: the searchable list, the customer page with value and timeline, CSV imports."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leeway.customers.models import Customer, ImportJob, Purchase
from leeway.customers.tests.factories import CustomerFactory, OutcomeFactory, PurchaseFactory
from leeway.people.models import Role
from leeway.people.tests.factories import MemberFactory
from leeway.value.models import ValueRun

pytestmark = pytest.mark.django_db


def assert_csp_safe(html: str) -> None:
    """No inline script, style attribute or event handler (the CSP would block them)."""
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag


@pytest.fixture
def customer(aurora):
    return CustomerFactory(
        organization=aurora,
        external_id="C-1001",
        name="María García",
        language="es",
        predicted_clv=Decimal("1234.56"),
        probability_alive=0.82,
        value_computed_at=dt.datetime(2024, 6, 1, 8, tzinfo=dt.UTC),
    )


class TestList:
    def test_the_list_is_at_customers_list_and_shows_values(self, client, agent, customer):
        client.force_login(agent)
        response = client.get(reverse("customers:list"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "C-1001" in html and "María García" in html and "1,234.56" in html and "82.0%" in html
        assert_csp_safe(html)

    def test_search_filters_and_htmx_gets_only_the_results(self, client, agent, customer, aurora):
        CustomerFactory(organization=aurora, external_id="C-2002", name="Avery Brooks")
        client.force_login(agent)
        response = client.get(reverse("customers:list"), {"q": "garc"})
        assert "C-1001" in response.content.decode() and "C-2002" not in response.content.decode()
        partial = client.get(reverse("customers:list"), {"q": "avery"}, headers={"HX-Request": "true"})
        html = partial.content.decode()
        assert "C-2002" in html and "<html" not in html

    def test_other_organizations_customers_are_never_listed(self, client, agent, customer, casa):
        CustomerFactory(organization=casa, external_id="CA-2001", name="Casa Guest")
        client.force_login(agent)
        assert "CA-2001" not in client.get(reverse("customers:list")).content.decode()
        assert "CA-2001" not in client.get(reverse("customers:list"), {"q": "CA"}).content.decode()

    def test_it_needs_a_login_and_a_customer_facing_role(self, client, aurora):
        assert client.get(reverse("customers:list")).status_code == 302
        client.force_login(MemberFactory(organization=aurora, role=Role.TRAINER))
        assert client.get(reverse("customers:list")).status_code == 403

    def test_it_speaks_spanish(self, client, aurora, customer):
        client.force_login(MemberFactory(organization=aurora, role=Role.AGENT, language="es"))
        html = client.get(reverse("customers:list")).content.decode()
        assert "Buscar clientes" in html
        assert "1.234,56" in html and "82,0\xa0%" in html


class TestDetail:
    def test_it_shows_value_probability_and_when_it_was_computed(self, client, agent, customer):
        client.force_login(agent)
        response = client.get(reverse("customers:detail", args=["C-1001"]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "$1,234.56" in html and "82.0%" in html and "Values computed at" in html
        assert_csp_safe(html)

    def test_the_timeline_has_purchases_and_outcomes_newest_first(self, client, agent, customer):
        PurchaseFactory(customer=customer, occurred_on=dt.date(2024, 1, 5), amount=Decimal("19.99"))
        PurchaseFactory(customer=customer, occurred_on=dt.date(2024, 3, 5), amount=Decimal("42.00"))
        OutcomeFactory(
            customer=customer, kind="csat", score=4, occurred_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
        )
        client.force_login(agent)
        html = client.get(reverse("customers:detail", args=["C-1001"])).content.decode()
        assert html.index("42.00") < html.index("4 of 5") < html.index("19.99")

    def test_without_purchases_it_says_there_is_nothing_to_predict_from(self, client, agent, aurora):
        CustomerFactory(organization=aurora, external_id="C-3")
        client.force_login(agent)
        html = client.get(reverse("customers:detail", args=["C-3"])).content.decode()
        assert "No predicted value" in html
        assert "No purchases are recorded for this customer yet" in html

    def test_with_too_little_history_it_says_why(self, client, agent, aurora):
        from leeway.value.refresh import value_refresh_organization

        new = CustomerFactory(organization=aurora, external_id="C-4")
        PurchaseFactory(customer=new)
        value_refresh_organization(organization=aurora)
        client.force_login(agent)
        html = client.get(reverse("customers:detail", args=["C-4"])).content.decode()
        assert "too little purchase history" in html

    def test_before_any_refresh_it_says_values_are_not_computed_yet(self, client, agent, aurora):
        PurchaseFactory(customer=CustomerFactory(organization=aurora, external_id="C-5"))
        client.force_login(agent)
        html = client.get(reverse("customers:detail", args=["C-5"])).content.decode()
        assert "Values have not been computed yet" in html

    def test_another_organizations_customer_is_not_found(self, client, agent, casa):
        CustomerFactory(organization=casa, external_id="CA-2001")
        client.force_login(agent)
        assert client.get(reverse("customers:detail", args=["CA-2001"])).status_code == 404
        assert client.get(reverse("customers:detail", args=["NOPE"])).status_code == 404


class TestImportPages:
    def upload(self, client, kind, content: bytes, name="file.csv"):
        return client.post(
            reverse("customers:import_upload", args=[kind]),
            {"file": SimpleUploadedFile(name, content, "text/csv")},
        )

    def test_an_analyst_uploads_a_file_and_sees_the_result(self, client, analyst, settings, tmp_path):
        settings.DATA_DIR = tmp_path
        client.force_login(analyst)
        page = client.get(reverse("customers:imports"))
        assert page.status_code == 200
        # The header row to copy, with a line-break opportunity after each comma (it fits its card).
        columns = page.content.decode().replace("<wbr>", "")
        assert "external_id,name,email,phone,language,segment,created_on" in columns
        assert_csp_safe(page.content.decode())
        response = self.upload(client, "customers", b"external_id,name\nC-1,Ann Lee\nC-2,Bo Diaz\n")
        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("customers:import_job", args=[job.pk])
        assert (job.status, job.created_count, job.created_by) == ("succeeded", 2, analyst)
        assert Customer.objects.count() == 2
        assert list(tmp_path.joinpath("imports").iterdir()) == []  # the upload is removed afterwards
        html = client.get(response["Location"]).content.decode()
        assert "All 2 rows imported" in html
        assert "hx-trigger" not in html  # finished: no more polling
        assert_csp_safe(html)

    def test_the_report_lists_the_rows_to_fix(self, client, analyst, settings, tmp_path):
        settings.DATA_DIR = tmp_path
        CustomerFactory(organization=analyst.organization, external_id="C-1")
        client.force_login(analyst)
        response = self.upload(
            client, "transactions", b"customer,date,amount,currency\nC-1,2024-01-01,-3,USD\n"
        )
        html = client.get(response["Location"]).content.decode()
        assert "Nothing was imported." in html
        assert "The amount cannot be negative." in html
        assert not Purchase.objects.exists()

    def test_a_running_import_is_polled_every_second(self, client, analyst):
        job = ImportJob.objects.create(
            organization=analyst.organization,
            kind="customers",
            file_name="big.csv",
            progress_total=1000,
            progress_done=250,
        )
        client.force_login(analyst)
        html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in html
        assert 'value="25"' in html
        partial = client.get(reverse("customers:import_job", args=[job.pk]), headers={"HX-Request": "true"})
        assert partial.content.decode().lstrip().startswith('<section class="card" id="job-status"')

    def test_a_non_csv_or_oversized_upload_is_refused_on_the_form(self, client, analyst, settings, tmp_path):
        settings.DATA_DIR = tmp_path
        client.force_login(analyst)
        response = self.upload(client, "customers", b"x", name="photo.png")
        assert response.status_code == 422
        assert "Upload a .csv file." in response.content.decode()
        settings.LEEWAY_MAX_UPLOAD_BYTES = 10
        response = self.upload(client, "customers", b"external_id,name\nC-1,Ann\n")
        # The request-size guard answers before the form is even read.
        assert response.status_code == 413
        assert "too large" in response.content.decode()
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.MANAGER, Role.TRAINER])
    def test_only_analysts_and_admins_import(self, client, aurora, role):
        client.force_login(MemberFactory(organization=aurora, role=role))
        assert client.get(reverse("customers:imports")).status_code == 403
        response = self.upload(client, "customers", b"external_id,name\nC-1,Ann\n")
        assert response.status_code == 403
        assert not ImportJob.objects.exists()

    def test_another_organizations_import_is_not_found(self, client, analyst, casa):
        job = ImportJob.objects.create(organization=casa, kind="customers", file_name="x.csv")
        client.force_login(analyst)
        assert client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404

    def test_an_unknown_kind_is_not_found(self, client, analyst):
        client.force_login(analyst)
        assert self.upload(client, "gestures", b"a\n").status_code == 404


class TestValuePages:
    def test_an_analyst_refreshes_values_and_sees_the_result(self, client, analyst, aurora):
        from leeway.value.tests.test_refresh import add_history

        add_history(aurora, customers=200)
        client.force_login(analyst)
        assert client.get(reverse("value:overview")).status_code == 200
        response = client.post(reverse("value:refresh"))
        run = ValueRun.objects.get()
        assert response["Location"] == reverse("value:run", args=[run.pk])
        assert (run.status, run.trigger, run.started_by) == ("succeeded", "page", analyst)
        html = client.get(response["Location"]).content.decode()
        assert "Values stored for 200 customers" in html
        overview = client.get(reverse("value:overview")).content.decode()
        assert "200 of 200 customers have a predicted value" in overview
        assert_csp_safe(overview)

    def test_a_failed_refresh_is_explained(self, client, analyst, aurora):
        client.force_login(analyst)
        client.post(reverse("value:refresh"))
        overview = client.get(reverse("value:overview")).content.decode()
        assert "The last refresh produced no new values." in overview
        assert "No purchases are recorded in this organization yet" in overview

    def test_settings_are_saved_and_checked(self, client, analyst):
        from leeway.value.models import ValueSettings

        client.force_login(analyst)
        response = client.post(
            reverse("value:settings"), {"horizon_months": 24, "annual_discount_rate": "0.08"}
        )
        assert response.status_code == 302
        settings = ValueSettings.objects.get(organization=analyst.organization)
        assert (settings.horizon_months, settings.annual_discount_rate) == (24, Decimal("0.08"))
        response = client.post(reverse("value:settings"), {"horizon_months": 0, "annual_discount_rate": "3"})
        assert response.status_code == 422
        settings.refresh_from_db()
        assert settings.horizon_months == 24

    def test_a_running_refresh_is_polled(self, client, analyst):
        run = ValueRun.objects.create(
            organization=analyst.organization, status="running", phase="storing", progress_total=10
        )
        client.force_login(analyst)
        html = client.get(reverse("value:run", args=[run.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in html and "Storing values: 0 of 10 customers." in html

    def test_only_analysts_and_admins_see_value_pages(self, client, aurora, casa):
        client.force_login(MemberFactory(organization=aurora, role=Role.AGENT))
        assert client.get(reverse("value:overview")).status_code == 403
        assert client.post(reverse("value:refresh")).status_code == 403
        client.force_login(MemberFactory(organization=aurora, role=Role.ADMIN))
        other = ValueRun.objects.create(organization=casa)
        assert client.get(reverse("value:run", args=[other.pk])).status_code == 404
