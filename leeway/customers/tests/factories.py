"""Factories for customers and purchases."""

import datetime as dt
from decimal import Decimal

import factory

from leeway.customers.models import Customer, Outcome, Purchase
from leeway.people.tests.factories import OrganizationFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("organization", "external_id")

    organization = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"C-{5000 + n}")
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda o: f"{o.external_id.lower()}@example.com")
    phone = factory.Sequence(lambda n: f"+1 303 555 {1000 + n:04d}")
    language = "en"
    segment = "residential"
    created_on = dt.date(2023, 1, 15)


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    occurred_on = dt.date(2024, 3, 1)
    amount = Decimal("40.00")
    currency = factory.LazyAttribute(lambda o: o.organization.base_currency)
    base_amount = factory.LazyAttribute(lambda o: o.amount)


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    customer = factory.SubFactory(CustomerFactory)
    organization = factory.SelfAttribute("customer.organization")
    kind = "retained"
    occurred_at = factory.LazyFunction(lambda: dt.datetime(2024, 3, 2, 12, 0, tzinfo=dt.UTC))
