"""The demo pulses: three monthly rounds, 70-90 % participation, rising stress, teams too small to report."""

import datetime as dt
import random

import pandas as pd
import pytest

from surveys.models import PulseAnswer, PulseParticipation, PulseRound, PulseSubmission, Suggestion
from surveys.pulse_demo import seed_pulses
from surveys.pulse_selectors import team_pulse_metrics
from tests.factories import AgentFactory, SiteFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

END = dt.date(2026, 3, 31)
TEAMS_PER_SITE = ("billing", "tech", "sales", "complaints")
AGENTS_PER_TEAM = 15
STRAINED = ["sh-billing", "cd-sales"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def centre(db):
    """Two sites of four teams of fifteen, hired over six years; the demo agent login in sh-billing."""
    hiring = random.Random(5)
    for site_code in ("sh", "cd"):
        site = SiteFactory(code=site_code)
        for kind in TEAMS_PER_SITE:
            team = TeamFactory(code=f"{site_code}-{kind}", site=site)
            for _ in range(AGENTS_PER_TEAM):
                AgentFactory(team=team, hire_date=END - dt.timedelta(days=hiring.randint(30, 6 * 365)))
    agent = AgentFactory(team=TeamFactory(code="sh-billing"), user=UserFactory(username="agent", role="agent"))
    UserFactory(username="hr", role="hr")
    return agent


def seed(seed: int = 1, **options) -> dict[str, int]:
    return seed_pulses(rng=random.Random(seed), end=END, strained_teams=options.get("strained", STRAINED))


def metrics() -> pd.DataFrame:
    """Per round number and team, the demo's figures under the anonymity rule."""
    numbers = pd.DataFrame(list(PulseRound.objects.values_list("pk", "number")), columns=["round_id", "number"])
    return team_pulse_metrics().merge(numbers, on="round_id")


def test_three_closed_monthly_rounds_end_on_the_end_date(centre):
    counts = seed()
    rounds = list(PulseRound.objects.order_by("number"))
    assert counts["pulse_rounds"] == 3
    assert [r.window_end for r in rounds] == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), END]
    assert all(r.closed_at is not None for r in rounds)
    assert counts["pulse_submissions"] == PulseSubmission.objects.count()
    assert counts["pulse_answers"] == PulseAnswer.objects.count()


def test_participation_is_seventy_to_ninety_percent_except_the_teams_too_small_to_report(centre):
    seed()
    suppressed = set(metrics().query("suppressed")["team"])
    for pulse_round in PulseRound.objects.all():
        for team in {p.team_code for p in pulse_round.participations.all()}:
            invited = PulseParticipation.objects.filter(round=pulse_round, team_code=team)
            share = invited.filter(answered=True).count() / invited.count()
            if team in suppressed:
                assert invited.filter(answered=True).count() <= 4
            else:
                assert 0.70 <= share <= 0.90, (pulse_round.number, team, share)


def test_two_teams_of_one_site_are_too_small_to_report_and_hide_no_other_team(centre):
    seed()
    hidden = metrics().query("suppressed")
    assert hidden["team"].nunique() == 2
    assert len(set(hidden["site"])) == 1
    assert len(hidden) == 2 * 3
    assert "sh-billing" not in set(hidden["team"])


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_stress_rises_round_by_round_in_the_strained_teams(centre, seed_value):
    seed(seed_value)
    frame = metrics()
    for team in STRAINED:
        stress = frame.loc[frame["team"].eq(team)].sort_values("number")["stress_index"].tolist()
        assert stress == sorted(stress), (team, stress)
        assert stress[-1] - stress[0] > 15


def test_without_strained_teams_the_complaints_team_is_strained(centre):
    seed(strained=())
    frame = metrics()
    stress = frame.loc[frame["team"].eq("cd-complaints")].sort_values("number")["stress_index"].tolist()
    assert stress == sorted(stress)


def _digest() -> list[tuple]:
    answers = PulseAnswer.objects.values_list(
        "submission_id", "submission__round__number", "submission__team_code", "question__code", "value", "comment"
    )
    return sorted((str(row[0]), *row[1:]) for row in answers)


def test_the_same_generator_gives_the_same_rows_and_reseeding_replaces_them(centre):
    first = seed(4)
    digest = _digest()
    assert seed(4) == first
    assert _digest() == digest
    seed(5)
    assert _digest() != digest


def test_staff_voice_ideas_are_seeded_with_adopted_ones(centre):
    counts = seed()
    assert counts["suggestions"] == Suggestion.objects.count() > 0
    assert Suggestion.objects.filter(status="adopted").exists()
    assert Suggestion.objects.filter(anonymous=True, author__isnull=True).exists()
    assert Suggestion.objects.filter(anonymous=False, author=centre.user).exists()
