"""Who the ROI estimator compares, read from the database: index contacts, gestures by interaction_ref,
churn after the contact, purchases around it; another organization's data never enters."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from leeway.core.models import AuditEntry
from leeway.customers.models import Customer, Outcome, Purchase
from leeway.decisions.services import decision_create
from leeway.insights.models import Interaction, RoiEstimate
from leeway.insights.roi.cohort import build_cohort
from leeway.insights.roi.service import roi_estimate_compute

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
CONTACT = NOW - dt.timedelta(days=200)


def contact(world, customer, ref, at=CONTACT, category="billing_error"):
    return Interaction.objects.create(
        organization=world.organization,
        external_ref=ref,
        customer=customer,
        channel="phone",
        category=category,
        occurred_at=at,
    )


def gesture(world, customer, ref, time_machine, at=CONTACT, amount="20.00"):
    time_machine.move_to(at + dt.timedelta(minutes=5), tick=False)
    return decision_create(
        member=world.agent,
        customer=customer.external_id,
        gesture="waive_fee",
        amount=amount,
        currency="USD",
        reason="billing_error",
        interaction_ref=ref,
    )


@pytest.fixture
def customers(world):
    made = [world.customer, world.customer2]
    made += [
        Customer.objects.create(
            organization=world.organization, external_id=f"C-2{n:03}", name=f"Person {n}", segment="retail"
        )
        for n in range(10)
    ]
    return made


def test_the_arms_churn_and_purchases_come_from_the_organizations_own_records(
    world, other_world, customers, time_machine
):
    for i, customer in enumerate(customers):
        contact(world, customer, f"CALL-{i}")
    contact(world, customers[0], "CALL-LATER", at=CONTACT + dt.timedelta(days=10))  # not the first contact
    for i in range(6):
        gesture(world, customers[i], f"CALL-{i}", time_machine, amount=f"{10 + i}.00")
    gesture(world, customers[6], "CALL-OTHER", time_machine)  # names no contact of theirs
    gesture(world, customers[7], "CALL-8", time_machine)  # another customer's contact: not a link
    Outcome.objects.create(
        organization=world.organization,
        customer=customers[1],
        kind="churned",
        occurred_at=CONTACT + dt.timedelta(days=30),
    )
    Outcome.objects.create(
        organization=world.organization,
        customer=customers[2],
        kind="churned",
        occurred_at=CONTACT - dt.timedelta(days=3),
    )
    for day, amount in ((-400, "999.00"), (-100, "30.00"), (-20, "50.00"), (10, "70.00"), (95, "5.00")):
        Purchase.objects.create(
            organization=world.organization,
            customer=customers[0],
            occurred_on=(CONTACT + dt.timedelta(days=day)).date(),
            amount=Decimal(amount),
            currency="USD",
            base_amount=Decimal(amount),
        )
    # Casa Azul's contacts and gestures with the same references never enter aurora's comparison.
    theirs = Customer.objects.create(organization=other_world.organization, external_id="C-2000", name="Lola")
    contact(other_world, theirs, "CALL-7")

    built = build_cohort(world.organization, now=NOW)
    cohort = built.cohort
    assert built.contacts == 13 and len(cohort) == 12
    assert cohort.treated.tolist() == [True] * 6 + [False] * 6
    assert cohort.gesture_cost[:6].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    assert built.mean_gesture_cost == pytest.approx(12.5)
    assert (
        cohort.churned.tolist() == [False, True] + [False] * 10
    )  # a churn before the contact is not one after
    assert cohort.duration[1] == pytest.approx(30.0)
    assert cohort.duration[0] == pytest.approx(200.0) and cohort.observed_days[0] == pytest.approx(200.0)
    assert cohort.purchases_change[0] == pytest.approx(70.0 - 50.0)
    assert np.isnan(cohort.value_change).all() and built.value_missing_reason == "no_value_model"


def test_a_category_that_one_arm_hardly_has_is_left_out(world, customers, time_machine):
    for i, customer in enumerate(customers):
        contact(world, customer, f"CALL-{i}", category="outage" if i == 0 else "billing_error")
    for i in range(6):
        gesture(world, customers[i], f"CALL-{i}", time_machine)
    built = build_cohort(world.organization, now=NOW)
    assert built.excluded_categories == ["outage"]
    assert len(built.cohort) == 11


def test_an_estimate_is_stored_with_its_method_queries_and_an_audit_entry(world, customers, time_machine):
    for i, customer in enumerate(customers):
        contact(world, customer, f"CALL-{i}")
    for i in range(6):
        gesture(world, customers[i], f"CALL-{i}", time_machine)
    time_machine.move_to(NOW, tick=False)
    estimate = roi_estimate_compute(organization=world.organization, actor=world.analyst, replicates=5)
    assert (estimate.treated, estimate.control) == (6, 6)
    assert all(figure["missing"] for figure in estimate.figures)
    assert any("insights_interaction" in query for query in estimate.queries)
    assert any("decisions_decision" in query for query in estimate.queries)
    assert estimate.parameters["minimum_per_arm"] == 300 and estimate.parameters["currency"] == "USD"
    entry = AuditEntry.objects.get(action="roi.estimated")
    assert entry.actor_id == world.analyst.pk and entry.data == {"treated": 6, "control": 6, "figures": 0}


def test_with_a_small_minimum_the_figures_are_made_from_the_database(world, customers, time_machine):
    for i, customer in enumerate(customers):
        contact(world, customer, f"CALL-{i}")
    for i in range(6):
        gesture(world, customers[i], f"CALL-{i}", time_machine)
    for i in (7, 8, 9):
        Outcome.objects.create(
            organization=world.organization,
            customer=customers[i],
            kind="churned",
            occurred_at=CONTACT + dt.timedelta(days=40),
        )
    time_machine.move_to(NOW, tick=False)
    estimate = roi_estimate_compute(organization=world.organization, replicates=20, minimum=5)
    retention = estimate.figure("retention_90")
    # Nobody with a gesture churned; half of the others did: 100 % against 50 %, 50 points.
    assert retention["treated_level"] == pytest.approx(100.0)
    assert retention["control_level"] == pytest.approx(50.0)
    assert retention["naive"] == pytest.approx(50.0)
    assert retention["low"] is not None and retention["low"] <= retention["high"]
    assert RoiEstimate.objects.filter(organization=world.organization).count() == 1


def test_an_organization_without_contacts_gets_an_estimate_that_says_what_is_missing(world):
    estimate = roi_estimate_compute(organization=world.organization, now=timezone.now())
    assert (estimate.treated, estimate.control) == (0, 0)
    assert [f["missing"]["treated_short"] for f in estimate.figures] == [300, 300, 300, 300]
