"""Factories for people: build realistic members without fixtures."""

import factory

from leeway.people.models import AuthorityTier, Department, Member, Organization, Role, Site, Team


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")
    base_currency = "USD"
    default_language = "en"
    time_zone = "America/Denver"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    city = "Denver"
    country = "US"
    time_zone = "America/Denver"
    languages = "en,es"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    department = factory.SubFactory(DepartmentFactory, organization=factory.SelfAttribute("..organization"))
    site = factory.SubFactory(SiteFactory, organization=factory.SelfAttribute("..organization"))


class AuthorityTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorityTier
        django_get_or_create = ("organization", "code")

    organization = factory.SubFactory(OrganizationFactory)
    code = "starter"
    name = "Starter"
    rank = 1


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member-{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.AGENT
    language = "en"
    time_zone = "America/Denver"
    password = factory.django.Password("demo-pass-1")

    @factory.lazy_attribute
    def tier(self):
        if self.role != Role.AGENT:
            return None
        return AuthorityTierFactory(organization=self.organization)
