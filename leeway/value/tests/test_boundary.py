"""A BG/NBD optimum on the boundary (no sign of customers dropping out) still gives honest values.

Issue 18: 200,000 customers with 1,000,000 purchases spread evenly over a year made the plain
maximum-likelihood fit give up ("did not converge"). The same shape at a few thousand customers
reproduces it; the fit now repeats with the model's documented penalty and says so.
"""

from __future__ import annotations

import numpy as np
import pytest

from leeway.value.model import (
    FitError,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    read_summary_csv,
    rfm_summary,
)
from leeway.value.model._common import BOUNDARY_PENALTIES
from leeway.value.tests.test_model import SUMMARY_WITH_SPEND

START = np.datetime64("2025-01-01")
END = "2025-12-31"


def evenly_spread(customers: int, *, purchases_each: int = 5, seed: int = 18):
    """Every customer buys every 365 / n days from a random first day: no one ever drops out."""
    rng = np.random.default_rng(seed)
    gap = 365 // purchases_each
    first = rng.integers(0, gap, customers)
    ids = np.repeat(np.arange(customers), purchases_each)
    days = (first[:, None] + np.arange(purchases_each)[None, :] * gap).ravel()
    amounts = np.round(rng.gamma(4.0, 10.0, ids.shape[0]), 2)
    return ids, START + days.astype("timedelta64[D]"), amounts


def uniformly_random(customers: int, *, purchases: int, seed: int = 18):
    """Purchases on uniformly random days by uniformly random customers: one steady rate, no dropout."""
    rng = np.random.default_rng(seed)
    ids = np.concatenate([np.arange(customers), rng.integers(0, customers, purchases - customers)])
    days = rng.integers(0, 365, purchases)
    amounts = np.round(rng.gamma(4.0, 10.0, purchases), 2)
    return ids, START + days.astype("timedelta64[D]"), amounts


@pytest.fixture(scope="module")
def even():
    return rfm_summary(*evenly_spread(3000), observation_end=END)


def test_the_plain_fit_gives_up_on_evenly_spread_purchases(even):
    with pytest.raises(FitError, match="did not converge"):
        fit_bgnbd(even.x, even.t_x, even.T, penalize_boundary=False)


@pytest.mark.parametrize(
    "history",
    [lambda: evenly_spread(3000), lambda: uniformly_random(3000, purchases=15000)],
    ids=["evenly-spaced", "uniformly-random"],
)
def test_a_boundary_optimum_is_fitted_with_the_documented_penalty_and_stays_near_the_limit(history):
    summary = rfm_summary(*history(), observation_end=END)
    with pytest.raises(FitError):
        fit_bgnbd(summary.x, summary.t_x, summary.T, penalize_boundary=False)
    params = fit_bgnbd(summary.x, summary.t_x, summary.T)
    assert params.converged and params.penalty == min(BOUNDARY_PENALTIES)
    assert np.isfinite(params.loglik)
    # The model's limit for this data: nobody drops out and everyone buys at the pooled rate.
    pooled_rate = summary.x.sum() / summary.T.sum()
    year = 365.25 / 7
    predicted = expected_purchases(params, t=year, x=summary.x, t_x=summary.t_x, T=summary.T)
    assert np.quantile(np.abs(predicted / (pooled_rate * year) - 1), 0.99) < 0.01
    assert probability_alive(params, x=summary.x, t_x=summary.t_x, T=summary.T).min() > 0.98


def test_an_interior_optimum_is_not_penalized():
    cdnow = read_summary_csv(SUMMARY_WITH_SPEND)
    params = fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T)
    assert params.penalty == 0.0
    assert params.r == pytest.approx(0.2426, abs=1e-4)


def test_spend_of_evenly_spread_purchases_still_fits(even):
    assert fit_gamma_gamma(even.x, even.zbar).converged


# --- through the refresh, the command and the value pages ---------------------------------------


def add_evenly_spread_history(organization, *, customers: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from leeway.customers.models import Customer, Purchase

    ids, days, amounts = evenly_spread(customers)
    made = Customer.objects.bulk_create(
        [
            Customer(organization=organization, external_id=f"E-{n}", name=f"Customer {n}")
            for n in range(customers)
        ]
    )
    Purchase.objects.bulk_create(
        [
            Purchase(
                organization=organization,
                customer=made[int(i)],
                occurred_on=dt.date.fromisoformat(str(day)),
                amount=Decimal(f"{amount:.2f}"),
                currency=organization.base_currency,
                base_amount=Decimal(f"{amount:.2f}"),
            )
            for i, day, amount in zip(ids, days, amounts, strict=True)
        ],
        batch_size=5000,
    )


@pytest.fixture
def refreshed(aurora):
    import datetime as dt

    from leeway.value.refresh import value_refresh_organization

    add_evenly_spread_history(aurora, customers=1000)
    return value_refresh_organization(organization=aurora, today=dt.date(2025, 12, 31))


@pytest.mark.django_db
def test_the_refresh_stores_values_and_the_run_says_it_was_penalized(aurora, refreshed):
    from leeway.customers.models import Customer

    run = refreshed
    assert (run.status, run.failure_code, run.converged, run.penalized) == ("succeeded", "", True, True)
    assert run.progress_done == 1000
    assert run.parameters["bgnbd"]["penalty"] in BOUNDARY_PENALTIES
    assert not Customer.objects.filter(organization=aurora, predicted_clv__isnull=True).exists()
    alive = Customer.objects.filter(organization=aurora).values_list("probability_alive", flat=True)
    assert min(alive) > 0.98


@pytest.mark.django_db
def test_an_ordinary_refresh_is_not_penalized(aurora):
    from leeway.value.refresh import value_refresh_organization
    from leeway.value.tests.test_refresh import TODAY, add_history

    add_history(aurora, customers=300)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    assert (run.status, run.penalized) == ("succeeded", False)
    assert "penalty" not in run.parameters["bgnbd"]


@pytest.mark.django_db
def test_the_command_says_the_fit_was_penalized(aurora, capsys):
    from django.core.management import call_command

    add_evenly_spread_history(aurora, customers=1000)
    call_command("value", "refresh", "--organization", "aurora", "--no-progress")
    out = capsys.readouterr().out
    assert "aurora: values stored for 1000 customers" in out
    assert "optimum lies on the boundary" in out and "fitted with a small penalty" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "It was fitted with a small documented penalty"),
        ("es", "Se ajustó con una pequeña penalización documentada"),
    ],
)
def test_the_value_pages_say_so_in_both_languages(client, aurora, refreshed, language, note):
    from django.urls import reverse

    from leeway.people.models import Role
    from leeway.people.tests.factories import MemberFactory

    analyst = MemberFactory(organization=aurora, role=Role.ANALYST, username="analyst-v", language=language)
    client.force_login(analyst)
    overview = client.get(reverse("value:overview")).content.decode()
    assert note in overview
    run_page = client.get(reverse("value:run", args=[refreshed.pk])).content.decode()
    assert note in run_page


@pytest.mark.django_db
def test_the_pages_say_nothing_of_a_penalty_for_an_ordinary_fit(client, aurora):
    from django.urls import reverse

    from leeway.people.models import Role
    from leeway.people.tests.factories import MemberFactory
    from leeway.value.refresh import value_refresh_organization
    from leeway.value.tests.test_refresh import TODAY, add_history

    add_history(aurora, customers=300)
    run = value_refresh_organization(organization=aurora, today=TODAY)
    client.force_login(MemberFactory(organization=aurora, role=Role.ANALYST, username="analyst-w"))
    for url in (reverse("value:overview"), reverse("value:run", args=[run.pk])):
        assert 'data-testid="penalized-note"' not in client.get(url).content.decode()
