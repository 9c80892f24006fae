"""Quality evaluations (seed 001): the 0-100 score, daily/weekly/monthly tracking per agent and team, scoping."""

import datetime as dt
import unittest

import pytest
from django.urls import reverse
from django.utils import timezone

from agents.models import QualityEvaluation, evaluation_score
from agents.selectors import evaluation_trend
from agents.services import record_evaluation
from satisfaction.exceptions import ValidationFailed
from tests.factories import AgentFactory, ContactFactory, QualityEvaluationFactory

SUB_SCORES = {"greeting": 10, "tone": 9, "patience": 8, "empathy_language": 7, "accuracy": 10, "closing": 6}


class EvaluationScoreTest(unittest.TestCase):
    def test_the_score_is_the_sub_scores_share_of_sixty(self):
        self.assertAlmostEqual(evaluation_score(SUB_SCORES), 50 / 60 * 100)

    def test_full_and_empty_marks(self):
        self.assertEqual(evaluation_score(dict.fromkeys(SUB_SCORES, 10)), 100.0)
        self.assertEqual(evaluation_score(dict.fromkeys(SUB_SCORES, 0)), 0.0)

    def test_a_missing_or_out_of_range_sub_score_is_refused(self):
        with self.assertRaises(ValueError):
            evaluation_score({**SUB_SCORES, "closing": 11})
        with self.assertRaises(ValueError):
            evaluation_score({k: v for k, v in SUB_SCORES.items() if k != "tone"})


@pytest.mark.django_db
def test_quality_records_an_evaluation_on_a_contact(agent_a, quality_user):
    contact = ContactFactory(agent=agent_a)
    evaluation = record_evaluation(
        agent=agent_a, evaluator=quality_user, sub_scores=SUB_SCORES, evaluated_on=dt.date(2026, 3, 2), contact=contact
    )
    evaluation.refresh_from_db()
    assert evaluation.score == pytest.approx(83.333, abs=1e-3)
    assert (evaluation.contact, evaluation.evaluator, evaluation.greeting) == (contact, quality_user, 10)


@pytest.mark.django_db
def test_an_evaluation_of_another_agents_contact_is_refused(agent_a, agent_b, quality_user):
    with pytest.raises(ValidationFailed):
        record_evaluation(
            agent=agent_a, evaluator=quality_user, sub_scores=SUB_SCORES, contact=ContactFactory(agent=agent_b)
        )


@pytest.mark.django_db
def test_bad_sub_scores_are_refused(agent_a, quality_user):
    with pytest.raises(ValidationFailed):
        record_evaluation(agent=agent_a, evaluator=quality_user, sub_scores={**SUB_SCORES, "tone": 12})
    assert not QualityEvaluation.objects.exists()


@pytest.fixture
def march_evaluations(team_a, team_b):
    """Two A-agents over two weeks and a month boundary, one B-agent."""
    first, second = AgentFactory(team=team_a, employee_number="A1"), AgentFactory(team=team_a, employee_number="A2")
    other = AgentFactory(team=team_b, employee_number="B1")
    QualityEvaluationFactory(agent=first, evaluated_on=dt.date(2026, 3, 2), score=80)  # Monday, week of 03-02
    QualityEvaluationFactory(agent=first, evaluated_on=dt.date(2026, 3, 4), score=90)
    QualityEvaluationFactory(agent=second, evaluated_on=dt.date(2026, 3, 8), score=60)  # Sunday, same week
    QualityEvaluationFactory(agent=first, evaluated_on=dt.date(2026, 3, 9), score=70)  # next week
    QualityEvaluationFactory(agent=first, evaluated_on=dt.date(2026, 4, 1), score=100)
    QualityEvaluationFactory(agent=other, evaluated_on=dt.date(2026, 3, 2), score=40)
    return first, second, other


RANGE = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 4, 30)}


@pytest.mark.django_db
def test_weekly_tracking_per_agent(march_evaluations, quality_user):
    periods, rows = evaluation_trend(quality_user, level="agent", granularity="week", **RANGE)
    assert periods == [dt.date(2026, 3, 2), dt.date(2026, 3, 9), dt.date(2026, 3, 30)]
    by_key = {row.key: row.cells for row in rows}
    assert by_key["A1"] == {
        dt.date(2026, 3, 2): (85.0, 2),
        dt.date(2026, 3, 9): (70.0, 1),
        dt.date(2026, 3, 30): (100.0, 1),
    }
    assert by_key["A2"] == {dt.date(2026, 3, 2): (60.0, 1)}


@pytest.mark.django_db
def test_monthly_tracking_per_team(march_evaluations, quality_user):
    periods, rows = evaluation_trend(quality_user, level="team", granularity="month", **RANGE)
    assert periods == [dt.date(2026, 3, 1), dt.date(2026, 4, 1)]
    by_key = {row.key: row.cells for row in rows}
    assert by_key["team-a"] == {dt.date(2026, 3, 1): (75.0, 4), dt.date(2026, 4, 1): (100.0, 1)}
    assert by_key["team-b"] == {dt.date(2026, 3, 1): (40.0, 1)}


@pytest.mark.django_db
def test_daily_tracking(march_evaluations, quality_user):
    periods, rows = evaluation_trend(
        quality_user, level="agent", granularity="day", start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4)
    )
    assert periods == [dt.date(2026, 3, 2), dt.date(2026, 3, 4)]
    assert {row.key: row.cells for row in rows}["A1"] == {
        dt.date(2026, 3, 2): (80.0, 1),
        dt.date(2026, 3, 4): (90.0, 1),
    }


@pytest.mark.django_db
def test_a_team_leader_tracks_only_their_teams(march_evaluations, leader_a):
    _periods, rows = evaluation_trend(leader_a, level="team", granularity="month", **RANGE)
    assert [row.key for row in rows] == ["team-a"]


@pytest.mark.django_db
def test_the_page_records_an_evaluation(client, quality_user, agent_a):
    client.force_login(quality_user)
    form = {"agent": "A001", "contact": "", "evaluated_on": "2026-03-02", "comment": "Warm greeting.", **SUB_SCORES}
    assert client.post(reverse("agents:evaluation_new"), form).status_code == 302
    evaluation = QualityEvaluation.objects.get()
    assert (evaluation.agent, evaluation.evaluator, evaluation.comment) == (agent_a, quality_user, "Warm greeting.")
    page = client.get(reverse("agents:evaluations"), {"granularity": "month"}).content.decode()
    assert agent_a.name in page


@pytest.mark.django_db
def test_only_quality_records_evaluations(client, leader_a, agent_a):
    client.force_login(leader_a)
    assert client.get(reverse("agents:evaluation_new")).status_code == 403


@pytest.mark.django_db
def test_the_page_and_api_show_a_team_leader_only_their_teams(client, leader_a, agent_a, agent_b):
    QualityEvaluationFactory(agent=agent_a, evaluated_on=timezone.localdate())
    QualityEvaluationFactory(agent=agent_b, evaluated_on=timezone.localdate())
    client.force_login(leader_a)
    page = client.get(reverse("agents:evaluations")).content.decode()
    assert agent_a.name in page
    assert agent_b.name not in page
    assert [e["employee_number"] for e in client.get("/api/v1/evaluations/").json()["results"]] == ["A001"]


@pytest.mark.django_db
def test_agents_do_not_open_the_evaluations_page(client, agent_a):
    client.force_login(agent_a.user)
    assert client.get(reverse("agents:evaluations")).status_code == 403
