"""The value refresh: RFM aggregated in SQL, fits, stored values, and failures that keep old values."""

import datetime as dt
import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from leeway.core.models import AuditEntry
from leeway.customers.models import Customer, Purchase
from leeway.value import bulk
from leeway.value.model import (
    FitError,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    read_cdnow_transactions,
    read_summary_csv,
    round_half_up,
)
from leeway.value.models import ValueRun, ValueRunFailure, ValueSettings
from leeway.value.refresh import rfm_from_database, value_refresh_organization

pytestmark = pytest.mark.django_db

CDNOW = Path(__file__).parent / "data" / "cdnow"
TODAY = dt.date(2024, 6, 30)


def add_history(organization, *, customers: int, seed: int = 7, prefix: str = "C-") -> None:
    """Purchases drawn from the demo's BG/NBD + Gamma-Gamma process (two years up to TODAY)."""
    from leeway.customers.demo import PROFILES, _draw_history

    rng = random.Random(seed)
    profile = PROFILES["aurora"]
    made = Customer.objects.bulk_create(
        [
            Customer(organization=organization, external_id=f"{prefix}{n}", name=f"Customer {n}")
            for n in range(customers)
        ]
    )
    Purchase.objects.bulk_create(
        [
            Purchase(
                organization=organization,
                customer=customer,
                occurred_on=day,
                amount=amount,
                currency=organization.base_currency,
                base_amount=amount,
            )
            for customer in made
            for day, amount in _draw_history(rng, profile, today=TODAY)
        ]
    )


def test_the_database_summary_reproduces_the_published_cdnow_summary(aurora):
    ids, days, amounts = read_cdnow_transactions(CDNOW / "CDNOW_sample.txt")
    customers = {
        code: Customer(organization=aurora, external_id=str(code), name=f"CDNOW {code}")
        for code in np.unique(ids)
    }
    Customer.objects.bulk_create(customers.values())
    Purchase.objects.bulk_create(
        [
            Purchase(
                organization=aurora,
                customer=customers[code],
                occurred_on=day.item(),
                amount=Decimal(f"{amount:.2f}"),
                currency="USD",
                base_amount=Decimal(f"{amount:.2f}"),
            )
            for code, day, amount in zip(ids, days, amounts, strict=True)
        ]
    )
    rfm = rfm_from_database(organization_id=aurora.pk, observation_end=dt.date(1997, 9, 30))
    by_pk = {customer.pk: int(code) for code, customer in customers.items()}
    order = np.argsort([by_pk[int(pk)] for pk in rfm.customer_id])
    published = read_summary_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    assert len(rfm) == 2357
    np.testing.assert_array_equal(rfm.x[order], published.x)
    np.testing.assert_array_equal(round_half_up(rfm.t_x[order], 2), published.t_x)
    np.testing.assert_array_equal(round_half_up(rfm.T[order], 2), published.T)
    np.testing.assert_array_equal(round_half_up(rfm.zbar[order], 2), published.zbar)


def test_a_refresh_stores_every_customers_value(aurora):
    add_history(aurora, customers=400)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    assert (run.status, run.failure_code, run.converged) == ("succeeded", "", True)
    assert run.progress_total == run.progress_done == 400
    assert set(run.parameters["bgnbd"]) == {"r", "alpha", "a", "b", "loglik"}
    assert set(run.parameters["gamma_gamma"]) == {"p", "q", "gamma", "loglik"}
    assert not Customer.objects.filter(organization=aurora, predicted_clv__isnull=True).exists()
    customer = Customer.objects.filter(organization=aurora).order_by("-predicted_clv").first()
    assert customer.predicted_clv > 0
    assert 0 < customer.probability_alive <= 1
    assert customer.value_computed_at is not None
    assert AuditEntry.objects.filter(action="value.refreshed", object_id=str(run.pk)).exists()


def test_stored_values_are_the_models_discounted_clv(aurora):
    add_history(aurora, customers=300)
    ValueSettings.objects.create(organization=aurora, horizon_months=24, annual_discount_rate=Decimal("0.15"))
    run = value_refresh_organization(organization=aurora, today=TODAY)
    rfm = rfm_from_database(organization_id=aurora.pk, observation_end=TODAY)
    bg = fit_bgnbd(rfm.x, rfm.t_x, rfm.T)
    gg = fit_gamma_gamma(rfm.x, rfm.zbar)
    expected = customer_lifetime_value(
        bg, gg, x=rfm.x, t_x=rfm.t_x, T=rfm.T, zbar=rfm.zbar, horizon_months=24, annual_discount_rate=0.15
    )
    alive = probability_alive(bg, x=rfm.x, t_x=rfm.t_x, T=rfm.T)
    stored = dict(Customer.objects.filter(organization=aurora).values_list("pk", "predicted_clv"))
    stored_alive = dict(Customer.objects.filter(organization=aurora).values_list("pk", "probability_alive"))
    for i, pk in enumerate(rfm.customer_id[:50]):
        assert float(stored[int(pk)]) == pytest.approx(expected[i], abs=0.006)
        assert stored_alive[int(pk)] == pytest.approx(alive[i], abs=1e-6)
    assert (run.horizon_months, run.annual_discount_rate) == (24, Decimal("0.15"))


def test_a_longer_horizon_means_more_value(aurora):
    add_history(aurora, customers=300)
    value_refresh_organization(organization=aurora, today=TODAY)
    one_year = sum(Customer.objects.filter(organization=aurora).values_list("predicted_clv", flat=True))
    ValueSettings.objects.filter(organization=aurora).update(horizon_months=36)
    value_refresh_organization(organization=aurora, today=TODAY)
    three_years = sum(Customer.objects.filter(organization=aurora).values_list("predicted_clv", flat=True))
    assert three_years > one_year * Decimal("1.5")


def test_a_fit_that_does_not_converge_keeps_the_previous_values(aurora, monkeypatch):
    add_history(aurora, customers=300)
    value_refresh_organization(organization=aurora, today=TODAY)
    before = dict(Customer.objects.values_list("pk", "predicted_clv"))
    computed = dict(Customer.objects.values_list("pk", "value_computed_at"))

    def not_converging(*args, **kwargs):
        raise FitError("BG/NBD fit did not converge: gradient 1e-2 exceeds 1e-5")

    monkeypatch.setattr("leeway.value.refresh.fit_bgnbd", not_converging)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    assert (run.status, run.failure_code, run.converged) == ("failed", ValueRunFailure.NOT_CONVERGED, False)
    assert "did not converge" in run.error
    assert run.finished_at is not None
    assert dict(Customer.objects.values_list("pk", "predicted_clv")) == before
    assert dict(Customer.objects.values_list("pk", "value_computed_at")) == computed


def test_new_values_replace_the_old_ones_in_one_step_or_not_at_all(aurora, monkeypatch):
    add_history(aurora, customers=300)
    value_refresh_organization(organization=aurora, today=TODAY)
    before = dict(Customer.objects.values_list("pk", "predicted_clv"))
    sent = []

    def interrupted(done: int) -> None:
        # Every value has gone to the database (COPY or executemany) when the storing breaks off.
        sent.append(done)
        raise ConnectionError("worker stopped")

    monkeypatch.setattr(
        "leeway.value.refresh.store_values",
        lambda **kwargs: (bulk.store_values(**{**kwargs, "progress": lambda done: None}), interrupted(300)),
    )
    run = value_refresh_organization(organization=aurora, today=TODAY + dt.timedelta(days=60))
    assert (run.status, run.failure_code, sent) == ("failed", ValueRunFailure.ERROR, [300])
    assert dict(Customer.objects.values_list("pk", "predicted_clv")) == before


def test_too_little_history_gives_no_invented_number(aurora, casa):
    add_history(aurora, customers=8)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    assert (run.status, run.failure_code) == ("failed", ValueRunFailure.INSUFFICIENT_HISTORY)
    assert not Customer.objects.filter(organization=aurora, predicted_clv__isnull=False).exists()
    empty = value_refresh_organization(organization=casa, today=TODAY)
    assert (empty.status, empty.failure_code) == ("failed", ValueRunFailure.NO_PURCHASES)


def test_an_unexpected_error_is_recorded_not_raised(aurora, monkeypatch):
    add_history(aurora, customers=50)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("leeway.value.refresh.rfm_from_database", broken)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    assert (run.status, run.failure_code) == ("failed", ValueRunFailure.ERROR)
    assert "database went away" in run.error


def test_purchases_after_the_observation_end_are_ignored(aurora):
    add_history(aurora, customers=100)
    late = Customer.objects.create(organization=aurora, external_id="LATE", name="Late")
    Purchase.objects.create(
        organization=aurora,
        customer=late,
        occurred_on=TODAY + dt.timedelta(days=1),
        amount=Decimal("10.00"),
        currency="USD",
        base_amount=Decimal("10.00"),
    )
    rfm = rfm_from_database(organization_id=aurora.pk, observation_end=TODAY)
    assert late.pk not in set(rfm.customer_id.tolist())


def test_each_organization_is_fitted_on_its_own_purchases(aurora, casa):
    add_history(aurora, customers=300)
    add_history(casa, customers=5, prefix="CA-")
    value_refresh_organization(organization=aurora, today=TODAY)
    casa_run = value_refresh_organization(organization=casa, today=TODAY)
    assert casa_run.failure_code == ValueRunFailure.INSUFFICIENT_HISTORY
    assert casa_run.progress_total == 5
    assert not Customer.objects.filter(organization=casa, predicted_clv__isnull=False).exists()


class TestCommands:
    def test_value_fit_prints_the_published_cdnow_parameters(self, capsys):
        call_command(
            "value",
            "fit",
            "--summary",
            str(CDNOW / "cdnow_customers_summary_with_transactions.csv"),
            "--json",
        )
        result = json.loads(capsys.readouterr().out)
        assert set(result) == {"bgnbd", "gamma_gamma"}
        assert set(result["bgnbd"]) == {"r", "alpha", "a", "b", "loglik"}
        assert set(result["gamma_gamma"]) == {"p", "q", "gamma"}
        published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        for name, value in published.items():
            assert result["bgnbd"][name] == pytest.approx(value, rel=0.005)
        assert result["bgnbd"]["loglik"] == pytest.approx(-9582.4, abs=0.1)
        for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
            assert result["gamma_gamma"][name] == pytest.approx(value, rel=0.005)

    def test_value_fit_without_spend_gives_no_gamma_gamma(self, capsys):
        call_command("value", "fit", "--summary", str(CDNOW / "cdnow_customers_summary.csv"), "--json")
        result = json.loads(capsys.readouterr().out)
        assert result["gamma_gamma"] is None
        assert result["bgnbd"]["r"] == pytest.approx(0.243, rel=0.005)

    def test_the_leeway_command_fits_a_file_without_starting_django(self, capsys):
        summary = str(CDNOW / "cdnow_customers_summary_with_transactions.csv")
        call_command("value", "fit", "--summary", summary, "--json")
        expected = json.loads(capsys.readouterr().out)
        # The real command line, in a fresh process: same answer, and Django is never imported.
        script = (
            "import runpy, sys; sys.argv = ['leeway', 'value', 'fit', '--summary', sys.argv[1], '--json']\n"
            "try:\n    runpy.run_module('leeway', run_name='__main__')\n"
            "finally:\n    print('django' in sys.modules, file=sys.stderr)"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, summary], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == expected
        assert done.stderr.strip() == "False"

    def test_the_leeway_command_reports_a_bad_file_like_a_management_command(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("ID,x,t_x,T\n1,two,3,4\n")
        done = subprocess.run(
            [sys.executable, "-m", "leeway", "value", "fit", "--summary", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 1
        assert done.stderr.startswith("CommandError: ") and "column 'x'" in done.stderr

    def test_value_fit_reports_a_bad_file(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text("ID,foo\n1,2\n")
        with pytest.raises(CommandError):
            call_command("value", "fit", "--summary", str(path), "--json")

    def test_value_refresh_runs_per_organization(self, aurora, casa, capsys):
        add_history(aurora, customers=300)
        call_command("value", "refresh", "--organization", "aurora", "--no-progress")
        assert "values stored for 300 customers" in capsys.readouterr().out
        assert ValueRun.objects.filter(organization=aurora, status="succeeded").count() == 1
        assert not ValueRun.objects.filter(organization=casa).exists()

    def test_value_refresh_says_why_there_are_no_values(self, aurora, capsys):
        with pytest.raises(CommandError):
            call_command("value", "refresh", "--organization", "aurora", "--no-progress")
        assert "no_purchases" in capsys.readouterr().err

    def test_value_refresh_needs_a_known_organization(self, db):
        with pytest.raises(CommandError, match="No organization"):
            call_command("value", "refresh", "--organization", "nope", "--no-progress")
