"""The demo seeder: reproducible, big enough, and shaped so that dashboards show something."""

import datetime as dt
import functools
import hashlib
import io
import re
from statistics import mean

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.test import override_settings
from django.utils import timezone

from agents.models import Agent, Role, Site, Team, User
from satisfaction import demo
from satisfaction.management.commands import seed_demo as seed_demo_command
from surveys.models import ITEM_SCALES, Answer, Channel, Contact, Invitation, Item, Response, Survey

END_DATE = dt.date(2026, 3, 31)
SEED = 7
# Contacts per agent and day: a fraction of the real 6 keeps each seeding to seconds. The shared
# seeding is larger so that a team has about 90 csat answers per three weeks to compare.
LIGHT_VOLUME = 0.5
SHARED_VOLUME = 2.0
STRAIN_WINDOW_DAYS = 21
MAX_UNSTRAINED_DROP = 0.15  # csat points
MIN_DROP_MARGIN = 0.2
HIDDEN_GAP = -33.3  # SCORING.md §4
# Real password hashing takes about half a second per hash; these tests hash a dozen times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_LOGINS = ("admin", "hr", "quality", "supervisor", "leader", "agent")


def _seed(seed: int = SEED, *, volume: float = LIGHT_VOLUME) -> demo.DemoSummary:
    return demo.seed_demo("small", seed=seed, end_date=END_DATE, contacts_per_agent_day=volume)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


# Tests that seed for themselves come first in this file: after ``seeded`` has run, each of them
# would first have to delete its rows.
@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeding shared by the read-only tests, rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        summary = _seed(volume=SHARED_VOLUME)
        # Check the deferred foreign keys now, once, not again at every test's teardown (PostgreSQL).
        connection.check_constraints()
        yield summary
        transaction.set_rollback(True)


def _digest() -> str:
    """A hash of every seeded row by natural keys (primary keys differ from run to run)."""
    tables = [
        Agent.objects.order_by("employee_number").values_list(
            "employee_number", "name", "hire_date", "active", "team__code", "user__username"
        ),
        Agent.skill_groups.through.objects.order_by("agent__employee_number", "skillgroup__code").values_list(
            "agent__employee_number", "skillgroup__code"
        ),
        Team.objects.order_by("code").values_list("code", "name", "site__code", "leader__username"),
        Contact.objects.order_by("external_id").values_list(
            "external_id",
            "agent__employee_number",
            "team__code",
            "site__code",
            "customer_phone",
            "started_at",
            "ended_at",
            "queue",
            "direction",
            "preferred_channel",
        ),
        Invitation.objects.order_by("contact__external_id").values_list(
            "contact__external_id", "channel", "status", "decision_reason", "created_at", "delivered_at"
        ),
        Response.objects.order_by("contact__external_id").values_list(
            "contact__external_id", "channel", "answered_at", "agent__employee_number", "team__code", "site__code"
        ),
        Answer.objects.order_by("response__contact__external_id", "item", "dimension").values_list(
            "response__contact__external_id", "item", "dimension", "value", "text", "sentiment"
        ),
    ]
    digest = hashlib.sha256()
    for rows in tables:
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _csat_by_window(team_code: str) -> tuple[float, float]:
    """Mean csat of a team's contacts in the first and in the last three weeks of the window."""
    start = demo.window_start(END_DATE)
    first, last = [], []
    rows = Answer.objects.filter(item="csat", response__team__code=team_code).values_list(
        "value", "response__contact__started_at"
    )
    for value, started_at in rows:
        day = (timezone.localtime(started_at).date() - start).days
        if day < STRAIN_WINDOW_DAYS:
            first.append(value)
        elif day >= demo.DAYS - STRAIN_WINDOW_DAYS:
            last.append(value)
    return mean(first), mean(last)


@pytest.mark.django_db
def test_same_seed_and_end_date_give_identical_data():
    _seed()
    first = _digest()
    _seed()
    assert _digest() == first


@pytest.mark.django_db
def test_another_seed_gives_other_data():
    _seed()
    first = _digest()
    _seed(SEED + 1)
    assert _digest() != first


@pytest.mark.django_db
def test_seeding_replaces_existing_data():
    Site.objects.create(code="old", name="Old site")
    User.objects.create_user("someone-else", password="x-x-x-x-x-x")
    _seed()
    assert not Site.objects.filter(code="old").exists()
    assert not User.objects.filter(username="someone-else").exists()


@pytest.mark.django_db
def test_command_prints_counts_logins_and_url(monkeypatch):
    light = functools.partial(demo.seed_demo, contacts_per_agent_day=LIGHT_VOLUME)
    monkeypatch.setattr(seed_demo_command, "seed_demo", light)
    out = io.StringIO()
    call_command("seed_demo", "--seed", str(SEED), "--end-date", END_DATE.isoformat(), stdout=out)
    text = out.getvalue()
    assert re.search(rf"contacts\s+{Contact.objects.count():,}\n", text)
    assert re.search(rf"answers\s+{Answer.objects.count():,}\n", text)
    assert demo.DEMO_PASSWORD in text
    assert "leader-cd-complaints" in text
    assert "http://127.0.0.1:8000/" in text


@pytest.mark.django_db
def test_small_demo_meets_the_minimum_volumes(seeded):
    assert Site.objects.count() == seeded.sites >= 2
    assert Team.objects.count() == seeded.teams >= 8
    assert Agent.objects.count() == seeded.agents >= 120
    assert Contact.objects.count() == seeded.contacts
    assert Invitation.objects.count() == seeded.invitations
    assert Response.objects.count() == seeded.responses > 0
    assert Answer.objects.count() == seeded.answers > seeded.responses
    days = {timezone.localtime(t).date() for t in Contact.objects.values_list("started_at", flat=True)}
    assert min(days) == END_DATE - dt.timedelta(days=demo.DAYS - 1)
    assert max(days) == END_DATE
    assert len(days) == demo.DAYS


@pytest.mark.django_db
def test_default_survey_has_the_four_weighted_dimensions(seeded):
    survey = Survey.objects.get(is_default=True)
    weights = dict(survey.dimensions.values_list("code", "weight"))
    assert weights == {"convenience": 1.0, "assurance": 1.0, "reliability": 1.5, "empathy": 1.0}
    assert survey.name_zh and survey.name_en


@pytest.mark.django_db
def test_agent_names_are_chinese_and_english(seeded):
    names = list(Agent.objects.values_list("name", flat=True))
    assert any(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for name in names)
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name) for name in names)


@pytest.mark.django_db
def test_answers_stay_on_their_scales(seeded):
    answered = set(Answer.objects.values_list("item", flat=True))
    assert {Item.CSAT, Item.NPS, Item.CES, Item.FCR, Item.COMMENT} <= answered
    assert {Item.EXPECTATION, Item.EXPERIENCE, Item.DISCONFIRMATION} <= answered
    scales = {**ITEM_SCALES, Item.FCR: (0, 1)}
    for item in answered - {Item.COMMENT}:
        low, high = scales[item]
        values = Answer.objects.filter(item=item).values_list("value", flat=True)
        assert low <= min(values) and max(values) <= high, item
    comments = Answer.objects.filter(item=Item.COMMENT)
    assert set(comments.values_list("sentiment", flat=True)) == {"positive", "neutral", "negative"}


@pytest.mark.django_db
def test_response_rates_fall_from_ivr_to_sms_to_web(seeded):
    rates = []
    for channel in (Channel.IVR, Channel.SMS, Channel.WEB):
        delivered = Invitation.objects.filter(channel=channel, status=Invitation.Status.DELIVERED).count()
        rates.append(Response.objects.filter(channel=channel).count() / delivered)
    assert rates == sorted(rates, reverse=True)
    statuses = set(Invitation.objects.values_list("status", flat=True))
    assert {Invitation.Status.DELIVERED, Invitation.Status.FAILED, Invitation.Status.SKIPPED} <= statuses


@pytest.mark.django_db
def test_some_satisfied_answers_hide_dissatisfaction_and_some_overall_scores_mismatch(seeded):
    answers: dict[int, dict[tuple[str, str], float]] = {}
    for response, item, dimension, value in Answer.objects.exclude(item=Item.COMMENT).values_list(
        "response", "item", "dimension", "value"
    ):
        answers.setdefault(response, {})[item, dimension] = value
    hidden = mismatches = 0
    for values in answers.values():
        csat = values.get((Item.CSAT, ""))
        # SCORING.md §2 gap indices.
        gaps = [(v - 3) / 2 * 100 for (item, _d), v in values.items() if item == Item.DISCONFIRMATION]
        gaps += [
            (values[Item.EXPERIENCE, d] - values[Item.EXPECTATION, d]) / 6 * 100
            for (item, d) in values
            if item == Item.EXPERIENCE and (Item.EXPECTATION, d) in values
        ]
        experience = [v for (item, _d), v in values.items() if item == Item.EXPERIENCE]
        disconfirmation = [v for (item, _d), v in values.items() if item == Item.DISCONFIRMATION]
        if csat is not None and csat >= 4 and gaps and min(gaps) <= HIDDEN_GAP:
            hidden += 1
        fine = (experience and mean(experience) >= 5) or (disconfirmation and min(disconfirmation) >= 3)
        if csat is not None and csat <= 2 and fine:
            mismatches += 1
    assert hidden > 0
    assert 0 < mismatches < hidden


@pytest.mark.django_db
def test_responses_copy_the_contact_organisation(seeded):
    assert Response.objects.count() > 0
    copied = Q(agent=F("contact__agent"), team=F("contact__team"), site=F("contact__site"))
    assert not Response.objects.exclude(copied).exists()
    assert not Contact.objects.exclude(site=F("team__site")).exists()


@pytest.mark.django_db
def test_strained_teams_csat_falls_while_the_others_hold(seeded):
    drops = {}
    for team in Team.objects.values_list("code", flat=True):
        first, last = _csat_by_window(team)
        drops[team] = first - last
    strained = [drops[team] for team in seeded.strained_teams]
    unstrained = [drop for team, drop in drops.items() if team not in seeded.strained_teams]
    assert min(strained) > 0, drops
    assert mean(unstrained) <= MAX_UNSTRAINED_DROP, drops
    assert mean(strained) >= mean(unstrained) + MIN_DROP_MARGIN, drops


def test_team_strain_rises_only_for_the_strained_team():
    strained = demo.strained_team_code("sh", seed=SEED)
    other = next(f"sh-{kind}" for kind in demo.STRAINED_TEAM_KINDS if f"sh-{kind}" != strained)
    last_week = demo.DAYS // 7
    assert demo.team_strain(strained, last_week, seed=SEED) - demo.team_strain(strained, 0, seed=SEED) > 0.4
    assert abs(demo.team_strain(other, last_week, seed=SEED) - demo.team_strain(other, 0, seed=SEED)) < 0.2
    assert demo.team_strain(strained, 5, seed=SEED) == demo.team_strain(strained, 5, seed=SEED)
    assert all(0.0 <= demo.team_strain(strained, week, seed=SEED) <= 1.0 for week in range(-5, 30))


@pytest.mark.django_db
def test_demo_logins_authenticate_with_their_roles_and_scope(seeded, rf):
    for username in (*DEMO_LOGINS, "leader-cd-billing"):
        # django-axes (issue 9) checks every login against its request.
        request = rf.post("/login/")
        assert authenticate(request, username=username, password=demo.DEMO_PASSWORD) is not None, username
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="hr").role == Role.HR
    assert list(User.objects.get(username="supervisor").supervised_sites.values_list("code", flat=True)) == ["sh"]
    assert list(Team.objects.filter(leader__username="leader").values_list("code", flat=True)) == ["sh-billing"]
    agent = Agent.objects.get(user__username="agent")
    assert agent == Agent.objects.filter(team__code="sh-billing").order_by("employee_number").first()
    assert Team.objects.filter(leader__isnull=True).count() == 0
