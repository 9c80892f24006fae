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


# --- employee pulses and staff voice ------------------------------------------------------------

PULSE_OPENS_AT = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


class PulseQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseQuestion"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"q-{n}")
    topic = "engagement"
    kind = "likert"
    category = "engagement"
    reverse = False
    text_en = factory.LazyAttribute(lambda q: f"Question {q.code}")
    text_zh = factory.LazyAttribute(lambda q: f"问题 {q.code}")


class PulseSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseSurvey"
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"pulse-{n}")
    name_en = factory.LazyAttribute(lambda s: f"Pulse {s.code}")
    name_zh = factory.LazyAttribute(lambda s: f"脉搏 {s.code}")

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        """``PulseSurveyFactory(questions=[q1, q2])`` asks them in that order."""
        if create and extracted:
            for position, question in enumerate(extracted, start=1):
                self.survey_questions.create(question=question, position=position)


class PulseRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseRound"

    survey = factory.SubFactory(PulseSurveyFactory)
    number = factory.Sequence(lambda n: n + 1)
    opens_at = PULSE_OPENS_AT
    closes_at = factory.LazyAttribute(lambda r: r.opens_at + dt.timedelta(days=7))


class PulseParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseParticipation"

    round = factory.SubFactory(PulseRoundFactory)
    agent = factory.SubFactory(AgentFactory)
    team_code = factory.LazyAttribute(lambda p: p.agent.team.code)
    site_code = factory.LazyAttribute(lambda p: p.agent.team.site.code)
    tenure_band = "1to3y"


class PulseSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseSubmission"

    round = factory.SubFactory(PulseRoundFactory)
    team_code = "team-a"
    site_code = "site-a"
    tenure_band = "1to3y"


class PulseAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.PulseAnswer"

    submission = factory.SubFactory(PulseSubmissionFactory)
    question = factory.SubFactory(PulseQuestionFactory)
    value = 4.0
    comment = ""


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Suggestion"

    title = factory.Sequence(lambda n: f"Idea {n}")
    body = "Let agents see the caller's last three contacts before answering."
    author = factory.SubFactory(UserFactory)
    team_code = "team-a"
    site_code = "site-a"
    submitted_on = dt.date(2026, 3, 2)


# --- operations: contacts, KPI records, quality, tickets and follow-up cases (issue 6) ---------

OPERATIONS_MOMENT = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Contact"

    external_id = factory.Sequence(lambda n: f"C{n:06d}")
    agent = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda c: c.agent.team)
    site = factory.LazyAttribute(lambda c: c.agent.team.site)
    customer_phone = "+8613812345678"
    started_at = OPERATIONS_MOMENT


class KpiRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.KpiRecord"

    agent = factory.SubFactory(AgentFactory)
    date = dt.date(2026, 3, 2)
    handled = 40
    handle_seconds = 12000
    resolved_first_contact = 32
    complaints = 1
    praise = 2
    spot_tests_taken = 2
    spot_tests_passed = 1


class QualityEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.QualityEvaluation"

    agent = factory.SubFactory(AgentFactory)
    evaluated_on = dt.date(2026, 3, 2)
    greeting = 8
    tone = 8
    patience = 8
    empathy_language = 8
    accuracy = 8
    closing = 8
    score = 80.0


class GrievanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.Grievance"

    contact = factory.SubFactory(ContactFactory)
    agent = factory.LazyAttribute(lambda g: g.contact.agent)
    description = "The caller shouted insults for five minutes."
    filed_at = OPERATIONS_MOMENT
    due_at = factory.LazyAttribute(lambda g: g.filed_at + dt.timedelta(hours=72))


class PraiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.Praise"

    agent = factory.SubFactory(AgentFactory)
    source = "supervisor"
    description = "Calmed an upset customer and solved the billing error."
    opened_at = OPERATIONS_MOMENT
    due_at = factory.LazyAttribute(lambda p: p.opened_at + dt.timedelta(days=7))


class FollowUpCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.FollowUpCase"

    reason = "complaint"
    agent = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda c: c.agent.team)
    site = factory.LazyAttribute(lambda c: c.agent.team.site)
    assignee = factory.LazyAttribute(lambda c: c.agent.team.leader)
    description = "The customer complained about a wrong bill."
    opened_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    due_at = factory.LazyAttribute(lambda c: c.opened_at + dt.timedelta(hours=48))


# --- customer surveys: versions, invitations and integrations (issue 4) -------------------------


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Survey"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"survey-{n}")
    name_en = factory.LazyAttribute(lambda s: f"Survey {s.code}")
    name_zh = factory.LazyAttribute(lambda s: f"调查 {s.code}")


def _default_survey():
    from surveys.services import default_survey

    return default_survey()


def _current_version(survey):
    from surveys.survey_templates import ensure_current_version

    return ensure_current_version(survey)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation of the default survey's current version (the post-call template)."""

    class Meta:
        model = "surveys.Invitation"

    contact = factory.SubFactory(ContactFactory)
    survey = factory.LazyFunction(_default_survey)
    survey_version = factory.LazyAttribute(lambda i: _current_version(i.survey))
    channel = "web"
    language = "en"
    status = "sent"
    decision_reason = "sampled"
    token = factory.Sequence(lambda n: f"test-token-{n:04d}-abcdefghijklmnopqrstuvwxyz")
    created_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
    expires_at = factory.LazyAttribute(lambda i: i.created_at + dt.timedelta(hours=72))


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Integration"
        django_get_or_create = ("name",)

    name = "acme-ivr"
    secret = "integration-secret-for-tests"
