"""SCORING.md §7 in the snapshots: KPI sums before dividing, QA courtesy, and the grievance rule."""

import datetime as dt

import pytest

from agents.models import Grievance, KpiRecord, QualityEvaluation
from satisfaction import services
from satisfaction.models import ScoreSnapshot
from surveys.models import Contact
from surveys.services import import_responses

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _snapshot(level: str, key: str, granularity: str = "month", period: dt.date = MARCH) -> dict:
    return ScoreSnapshot.objects.get(level=level, key=key, granularity=granularity, period_start=period).metrics


def _recompute() -> None:
    services.compute_all()


def _kpi(agent, day: int, **counts) -> KpiRecord:
    defaults = {
        "handled": 0,
        "handle_seconds": 0,
        "resolved_first_contact": 0,
        "complaints": 0,
        "praise": 0,
        "spot_tests_taken": 0,
        "spot_tests_passed": 0,
    }
    return KpiRecord.objects.create(agent=agent, date=dt.date(2026, 3, day), **{**defaults, **counts})


def test_kpi_figures_sum_agent_days_before_dividing(agent_a):
    _kpi(
        agent_a,
        2,
        handled=10,
        handle_seconds=3000,
        resolved_first_contact=8,
        complaints=1,
        spot_tests_taken=2,
        spot_tests_passed=1,
    )
    _kpi(
        agent_a,
        3,
        handled=20,
        handle_seconds=5000,
        resolved_first_contact=12,
        praise=3,
        spot_tests_taken=3,
        spot_tests_passed=3,
    )
    _recompute()
    month = _snapshot("agent", agent_a.employee_number)
    # AHT = (3000 + 5000) / (10 + 20) = 266.67 s, not the mean of 300 and 250 (275).
    assert month["aht_s"] == pytest.approx(8000 / 30)
    assert month["fcr_operational_pct"] == pytest.approx(20 / 30 * 100)
    assert month["complaints_per_1k"] == pytest.approx(1 / 30 * 1000)
    assert month["praise_per_1k"] == pytest.approx(3 / 30 * 1000)
    assert month["spot_test_pass_pct"] == pytest.approx(80.0)
    day = _snapshot("agent", agent_a.employee_number, "day", dt.date(2026, 3, 2))
    assert day["aht_s"] == pytest.approx(300.0)
    assert _snapshot("team", agent_a.team.code)["aht_s"] == pytest.approx(8000 / 30)
    assert _snapshot("centre", "centre")["aht_s"] == pytest.approx(8000 / 30)


def test_qa_courtesy_is_the_mean_of_evaluations(agent_a):
    for day, score in ((2, 80.0), (9, 90.0), (10, 100.0)):
        sub_scores = dict.fromkeys(("greeting", "tone", "patience", "empathy_language", "accuracy", "closing"), 0)
        QualityEvaluation.objects.create(agent=agent_a, evaluated_on=dt.date(2026, 3, day), score=score, **sub_scores)
    _recompute()
    assert _snapshot("agent", agent_a.employee_number)["qa_courtesy"] == pytest.approx(90.0)
    # Week of Monday 9 March holds the 90 and the 100.
    week = _snapshot("agent", agent_a.employee_number, "week", dt.date(2026, 3, 9))
    assert week["qa_courtesy"] == pytest.approx(95.0)


def test_an_upheld_grievance_leaves_the_agent_figures_but_not_the_team_figures(
    agent_a, django_capture_on_commit_callbacks
):
    header = "contact_id,agent,answered_at,channel,item,dimension,value\n"
    rows = "".join(
        f"C{n},{agent_a.employee_number},2026-03-0{n}T10:00:00+08:00,ivr,csat,,{value}\n"
        for n, value in ((2, 1), (3, 5), (4, 5))
    )
    import_responses((header + rows).encode())
    abusive = Contact.objects.get(external_id="C2")
    Grievance.objects.create(
        contact=abusive,
        agent=agent_a,
        description="shouted and threatened",
        status="upheld",
        due_at=abusive.started_at + dt.timedelta(days=2),
    )
    _recompute()
    agent = _snapshot("agent", agent_a.employee_number)
    team = _snapshot("team", agent_a.team.code)
    assert (agent["n_responses"], agent["csat_pct"]) == (2, 100.0)
    assert (team["n_responses"], team["csat_pct"]) == (3, pytest.approx(200 / 3))
    assert agent["grievances_upheld"] == 1
    assert team["grievances_upheld"] == 1


def test_a_rejected_grievance_changes_nothing(agent_a):
    header = "contact_id,agent,answered_at,channel,item,dimension,value\n"
    import_responses((header + f"C2,{agent_a.employee_number},2026-03-02T10:00:00+08:00,ivr,csat,,1\n").encode())
    contact = Contact.objects.get(external_id="C2")
    Grievance.objects.create(
        contact=contact,
        agent=agent_a,
        description="rude",
        status="rejected",
        due_at=contact.started_at + dt.timedelta(days=2),
    )
    _recompute()
    agent = _snapshot("agent", agent_a.employee_number)
    assert (agent["n_responses"], agent["grievances_upheld"]) == (1, 0)
