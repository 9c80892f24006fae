"""SCORING.md §8 in snapshots and ``GET /api/v1/balance/``: C, E, quadrant, lean and the lagged link."""

import datetime as dt

import pytest

from satisfaction import selectors, services
from satisfaction.models import ScoreSnapshot
from surveys.services import import_responses
from tests.factories import (
    AgentFactory,
    PulseAnswerFactory,
    PulseParticipationFactory,
    PulseQuestionFactory,
    PulseRoundFactory,
    PulseSubmissionFactory,
    PulseSurveyFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"


def _recompute() -> None:
    services.compute_all()


def _pulse_round(team, *, opens: dt.datetime, days: int, answers: list[int], engagement_item):
    """A closed round in which ``len(answers)`` people of ``team`` gave those engagement answers."""
    pulse_round = PulseRoundFactory(
        survey=PulseSurveyFactory(code="monthly"), opens_at=opens, closes_at=opens + dt.timedelta(days=days)
    )
    for value in answers:
        PulseParticipationFactory(round=pulse_round, agent=AgentFactory(team=team))
        submission = PulseSubmissionFactory(round=pulse_round, team_code=team.code, site_code=team.site.code)
        PulseAnswerFactory(submission=submission, question=engagement_item, value=value)
    return pulse_round


@pytest.fixture
def engagement_item(db):
    return PulseQuestionFactory(code="eng-1", category="engagement", kind="likert")


def test_team_month_gets_customer_and_employee_index_quadrant_and_lean(agent_a, engagement_item):
    # C: 4 csat answers, 3 of them 4-5 -> 75 %.
    rows = "".join(
        f"C{n},A001,2026-03-0{n}T10:00:00+08:00,ivr,csat,,{v}\n" for n, v in ((2, 5), (3, 4), (4, 4), (5, 2))
    )
    import_responses((HEADER + rows).encode())
    # E: six people answer 5,5,4,4,4,3 -> mean 25/6, (25/6 - 1) / 4 * 100 = 79.17.
    _pulse_round(
        agent_a.team,
        opens=dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC),
        days=7,
        answers=[5, 5, 4, 4, 4, 3],
        engagement_item=engagement_item,
    )
    _recompute()
    month = ScoreSnapshot.objects.get(
        level="team", key="team-a", granularity="month", period_start=dt.date(2026, 3, 1)
    ).metrics
    assert month["customer_index"] == 75.0
    assert month["employee_index"] == pytest.approx((25 / 6 - 1) / 4 * 100)
    # C < 85 and E >= 70: internal comfort; lean = (75 - 85) - (79.17 - 70) = -19.17.
    assert month["quadrant"] == "internal comfort"
    assert month["lean"] == pytest.approx(-10 - ((25 / 6 - 1) / 4 * 100 - 70))


def test_a_team_too_small_for_anonymity_stays_out_of_the_balance(agent_a, engagement_item):
    import_responses((HEADER + "C2,A001,2026-03-02T10:00:00+08:00,ivr,csat,,5\n").encode())
    _pulse_round(
        agent_a.team,
        opens=dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC),
        days=7,
        answers=[5, 4, 4, 3],
        engagement_item=engagement_item,
    )
    _recompute()
    month = ScoreSnapshot.objects.get(
        level="team", key="team-a", granularity="month", period_start=dt.date(2026, 3, 1)
    ).metrics
    assert month["customer_index"] == 100.0
    assert (month["employee_index"], month["quadrant"], month["lean"]) == (None, None, None)


def test_the_round_overlapping_the_week_most_gives_its_employee_index(agent_a, engagement_item):
    import_responses((HEADER + "C2,A001,2026-03-10T10:00:00+08:00,ivr,csat,,5\n").encode())
    # Local windows: round 1 runs 2-11 March (3 days of the week of 9 March), round 2 from 11 March (5 days).
    _pulse_round(
        agent_a.team,
        opens=dt.datetime(2026, 3, 1, 17, tzinfo=dt.UTC),
        days=9,
        answers=[1, 1, 1, 1, 1],
        engagement_item=engagement_item,
    )
    PulseSurveyFactory(code="monthly")
    second = _pulse_round(
        agent_a.team,
        opens=dt.datetime(2026, 3, 10, 17, tzinfo=dt.UTC),
        days=7,
        answers=[5, 5, 5, 5, 5],
        engagement_item=engagement_item,
    )
    assert second.number != 0
    _recompute()
    week = ScoreSnapshot.objects.get(
        level="team", key="team-a", granularity="week", period_start=dt.date(2026, 3, 9)
    ).metrics
    assert week["employee_index"] == 100.0


def test_link_needs_eight_team_periods():
    rows = [
        {"team": "t", "period_start": dt.date(2026, m, 1), "customer_index": 80.0 + m, "employee_index": 60.0 + m}
        for m in range(1, 8)
    ]
    lag0 = selectors.balance_link(rows, granularity="month")[0]
    assert (lag0["enough_data"], lag0["link_n"], lag0["link_slope"]) == (False, 7, None)


def test_link_pairs_employee_index_with_next_periods_customer_index():
    # C(t+1) = 2 * E(t) + 1 exactly over nine months of one team: lag 1 slope 2, r 1.
    employee = [50, 55, 53, 60, 62, 58, 65, 70, 68, 72]
    rows = [
        {
            "team": "t",
            "period_start": dt.date(2026, m + 1, 1),
            "employee_index": float(employee[m]),
            "customer_index": float(2 * employee[m - 1] + 1) if m else 10.0,
        }
        for m in range(10)
    ]
    lag0, lag1 = selectors.balance_link(rows, granularity="month")
    assert lag1["link_lag"] == 1
    assert lag1["link_n"] == 9
    assert lag1["link_slope"] == pytest.approx(2.0)
    assert lag1["link_pearson_r"] == pytest.approx(1.0)
    assert lag0["link_n"] == 10


def test_balance_api_is_scoped_to_visible_teams(client, leader_a, agent_a, agent_b, engagement_item):
    rows = "C2,A001,2026-03-02T10:00:00+08:00,ivr,csat,,5\nC3,B001,2026-03-02T10:00:00+08:00,ivr,csat,,1\n"
    import_responses((HEADER + rows).encode())
    _recompute()
    client.force_login(leader_a)
    body = client.get("/api/v1/balance/?granularity=month&start=2026-03-01&end=2026-03-31").json()
    assert [r["team"] for r in body["results"]] == ["team-a"]
    assert body["customer_target"] == 85.0
    assert [link["link_lag"] for link in body["link"]] == [0, 1]
    assert body["link"][0]["enough_data"] is False


def test_balance_api_refuses_a_day_granularity(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/balance/?granularity=day")
    assert response.status_code == 400
    assert "granularity" in response.json()["error"]["details"]


def test_site_level_week_has_employee_figures(agent_a, engagement_item):
    other = TeamFactory(code="team-a2", site=agent_a.team.site)
    import_responses((HEADER + "C2,A001,2026-03-10T10:00:00+08:00,ivr,csat,,5\n").encode())
    _pulse_round(
        agent_a.team,
        opens=dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC),
        days=7,
        answers=[4, 4, 4, 4, 4],
        engagement_item=engagement_item,
    )
    assert other.site == agent_a.team.site
    _recompute()
    site_week = ScoreSnapshot.objects.get(
        level="site", key="site-a", granularity="week", period_start=dt.date(2026, 3, 9)
    ).metrics
    assert site_week["employee_index"] == 75.0
    assert site_week["quadrant"] == "balanced"
