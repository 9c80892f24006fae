"""factory_boy factories for every model the tests build."""

import datetime as dt

import factory

from agents.models import Agent, Site, SkillGroup, Team, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "agent"
    password = factory.django.Password("pass-word-123")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.LazyAttribute(lambda s: s.code.title())


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda t: t.code.title())
    site = factory.SubFactory(SiteFactory)


class SkillGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkillGroup

    code = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda s: s.code)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Faker("name")
    hire_date = dt.date(2024, 1, 15)
    team = factory.SubFactory(TeamFactory)
