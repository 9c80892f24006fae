"""Pulse results: the SCORING.md §5 figures, items, COPC, heat map, trend, export, and the engine's frames."""

import csv
import datetime as dt
import io
import math

import pandas as pd
import pytest
from rest_framework.test import APIClient

from satisfaction import scoring
from surveys.pulse_selectors import invited_frame, pulse_answer_frame, team_pulse_metrics
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

# Six respondents of team A; columns eng1, eng2 (reverse), st1 (stress), vision, enps.
ANSWERS = [
    (5, 1, 4, 5, 10),
    (4, 2, 4, 4, 9),
    (4, 2, 5, 4, 8),
    (3, 3, 2, 4, 7),
    (2, 4, 1, 2, 5),
    (5, 1, 3, 3, 3),
]
INVITED = 8
DAY = dt.timedelta(days=1)


@pytest.fixture
def questions(db):
    return [
        PulseQuestionFactory(code="eng1"),
        PulseQuestionFactory(code="eng2", reverse=True),
        PulseQuestionFactory(code="st1", topic="stress", category="stress", reverse=True),
        PulseQuestionFactory(code="vision", topic="vision", category="other"),
        PulseQuestionFactory(code="enps", topic="enps", kind="enps", category="other"),
    ]


def fill(pulse_round, team, answers, *, invited: int, questions) -> None:
    for row in answers:
        submission = PulseSubmissionFactory(round=pulse_round, team_code=team.code, site_code=team.site.code)
        for question, value in zip(questions, row, strict=True):
            if value is not None:
                PulseAnswerFactory(submission=submission, question=question, value=value)
    for _ in range(invited):
        PulseParticipationFactory(round=pulse_round, agent=AgentFactory(team=team))


@pytest.fixture
def survey(questions):
    return PulseSurveyFactory(code="monthly", questions=questions)


@pytest.fixture
def pulse_round(survey, team_a, questions):
    pulse_round = PulseRoundFactory(survey=survey, number=3)
    fill(pulse_round, team_a, ANSWERS, invited=INVITED, questions=questions)
    return pulse_round


def api(user, **query):
    client = APIClient()
    client.force_authenticate(user)
    reply = client.get("/api/v1/pulse/results/", query)
    assert reply.status_code == 200, reply.content
    return reply.json()


def test_results_carry_the_section_5_figures(hr_user, pulse_round):
    metrics = api(hr_user, round=pulse_round.pk)["metrics"]
    # Engagement: respondent means 5, 4, 4, 3, 2, 5 (eng2 recoded 6 - v) -> 23/6 -> (23/6 - 1) / 4 * 100.
    assert metrics["engagement_index"] == pytest.approx((23 / 6 - 1) / 4 * 100)
    # Stress: st1 as answered, 19/6 -> (19/6 - 1) / 4 * 100.
    assert metrics["stress_index"] == pytest.approx((19 / 6 - 1) / 4 * 100)
    # eNPS: promoters 10, 9; detractors 5, 3 -> 0.
    assert metrics["enps"] == pytest.approx(0.0)
    # Favourable: eng1 4, eng2 4, st1 (recoded) 2, vision 4 of 24 likert answers.
    assert metrics["favourable_pct"] == pytest.approx(14 / 24 * 100)
    assert metrics["respondents"] == 6
    assert metrics["participation_pct"] == pytest.approx(6 / INVITED * 100)


def test_items_show_favourable_pct_with_reverse_items_recoded(hr_user, pulse_round):
    items = {item["item"]: item for item in api(hr_user, round=pulse_round.pk)["items"]}
    assert list(items) == ["eng1", "eng2", "st1", "vision"]
    assert items["eng2"]["favourable_pct"] == pytest.approx(4 / 6 * 100)
    assert items["st1"]["favourable_pct"] == pytest.approx(2 / 6 * 100)
    assert items["st1"]["respondents"] == 6


def test_copc_compares_the_vision_item_with_eighty_percent(client, hr_user, pulse_round):
    copc = api(hr_user, round=pulse_round.pk)["copc"]
    assert copc == {"favourable_pct": pytest.approx(4 / 6 * 100), "target_pct": 80.0, "met": False}
    client.force_login(hr_user)
    html = client.get(f"/pulse/rounds/{pulse_round.pk}/results/").content.decode()
    assert "66.7 % agree, against a target of 80 %." in html
    assert "Below target." in html


def test_a_figure_resting_on_fewer_than_k_answers_is_blanked_inside_a_shown_cut(hr_user, survey, team_a, questions):
    pulse_round = PulseRoundFactory(survey=survey)
    # All six answer eng1; only four answer eNPS.
    fill(
        pulse_round,
        team_a,
        [(*row[:4], row[4] if n < 4 else None) for n, row in enumerate(ANSWERS)],
        invited=6,
        questions=questions,
    )
    metrics = api(hr_user, round=pulse_round.pk)["metrics"]
    assert metrics["respondents"] == 6
    assert metrics["engagement_index"] is not None
    assert metrics["enps"] is None


def test_the_heat_map_has_a_coloured_cell_per_team_and_item(client, hr_user, pulse_round, questions, site_a):
    team_c = TeamFactory(code="team-c", name="Gamma", site=site_a)
    fill(pulse_round, team_c, [(2, 4, 5, 2, 3)] * 5, invited=5, questions=questions)
    teams = {team["team"]: team for team in api(hr_user, round=pulse_round.pk)["teams"]}
    assert teams["team-c"]["items"] == {"eng1": 0.0, "eng2": 0.0, "st1": 0.0, "vision": 0.0}
    assert teams["team-a"]["items"]["eng1"] == pytest.approx(4 / 6 * 100)
    client.force_login(hr_user)
    html = client.get(f"/pulse/rounds/{pulse_round.pk}/results/").content.decode()
    assert 'class="num heat-bad">0<' in html
    assert 'class="num heat-fair">67<' in html


def test_the_trend_follows_the_cut_across_the_surveys_rounds(hr_user, survey, pulse_round, team_a, questions):
    earlier = PulseRoundFactory(survey=survey, number=1, opens_at=pulse_round.opens_at - 60 * DAY)
    fill(earlier, team_a, [(5, 1, 1, 5, 10)] * 5, invited=6, questions=questions)
    too_few = PulseRoundFactory(survey=survey, number=2, opens_at=pulse_round.opens_at - 30 * DAY)
    fill(too_few, team_a, [(5, 1, 1, 5, 10)] * 3, invited=6, questions=questions)
    trend = api(hr_user, round=pulse_round.pk, team="team-a")["trend"]
    assert [point["number"] for point in trend] == [1, 2, 3]
    assert [point["respondents"] for point in trend] == [5, None, 6]
    assert trend[0]["stress_index"] == pytest.approx(0.0)
    assert trend[1]["stress_index"] is None
    assert trend[2]["stress_index"] == pytest.approx((19 / 6 - 1) / 4 * 100)


def test_the_csv_export_carries_the_page_figures_under_section_9_names(client, hr_user, pulse_round):
    client.force_login(hr_user)
    export = client.get(f"/pulse/rounds/{pulse_round.pk}/results.csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    (cut,) = [row for row in rows if row["section"] == "cut"]
    assert float(cut["engagement_index"]) == pytest.approx((23 / 6 - 1) / 4 * 100)
    assert cut["respondents"] == "6"
    assert cut["invited"] == str(INVITED)
    assert {row["item"] for row in rows if row["section"] == "item"} == {"eng1", "eng2", "st1", "vision"}


def test_a_comment_that_looks_like_a_formula_is_exported_as_text(client, hr_user, pulse_round, questions):
    submission = pulse_round.submissions.first()
    answer = submission.answers.get(question=questions[0])
    answer.comment = '=HYPERLINK("http://example.com")'
    answer.save()
    client.force_login(hr_user)
    text = client.get(f"/pulse/rounds/{pulse_round.pk}/results.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


# --- the rounds list ----------------------------------------------------------------------------------


def test_the_rounds_list_shows_participation_only_above_k(client, hr_user, survey, pulse_round, team_a, questions):
    small = PulseRoundFactory(survey=survey, number=4, opens_at=pulse_round.opens_at + 30 * DAY)
    fill(small, team_a, [(4, 2, 2, 4, 9)] * 3, invited=10, questions=questions)
    client_api = APIClient()
    client_api.force_authenticate(hr_user)
    rounds = {row["number"]: row for row in client_api.get("/api/v1/pulse/rounds/").json()}
    assert rounds[3]["participation_pct"] == pytest.approx(75.0)
    assert (rounds[4]["invited"], rounds[4]["respondents"], rounds[4]["participation_pct"]) == (10, None, None)
    client.force_login(hr_user)
    assert "75.0" in client.get("/pulse/rounds/").content.decode()


def test_agents_cannot_list_rounds(client, agent_a, pulse_round):
    client.force_login(agent_a.user)
    assert client.get("/pulse/rounds/").status_code == 403
    client_api = APIClient()
    client_api.force_authenticate(agent_a.user)
    assert client_api.get("/api/v1/pulse/rounds/").status_code == 403


# --- the engine's frames ------------------------------------------------------------------------------


def test_the_answer_frame_has_the_engine_columns_and_feeds_pulse_metrics(pulse_round):
    frame = pulse_answer_frame(round_ids=[pulse_round.pk])
    expected = ["submission_id", "item", "kind", "category", "reverse", "value", "team", "site", "round_id"]
    assert list(frame.columns[: len(expected)]) == expected
    assert {"window_start", "window_end"} <= set(frame.columns)
    assert len(frame) == 6 * 5
    assert set(frame["kind"]) == {"likert", "enps"}
    assert set(frame["category"]) == {"engagement", "stress", "other"}
    assert frame["window_start"].iloc[0] == pulse_round.window_start
    invited = invited_frame(round_ids=[pulse_round.pk])
    assert list(invited.columns) == ["team", "site", "tenure_band", "round_id", "invited"]
    metrics = scoring.pulse_metrics(frame, by=["team"], invited=invited)
    assert metrics.loc[0, "participation_pct"] == pytest.approx(75.0)


def test_team_pulse_metrics_blank_a_team_under_k_for_the_balance_view(pulse_round, questions, site_a):
    small = TeamFactory(code="team-small", site=site_a)
    fill(pulse_round, small, [(4, 2, 2, 4, 9)] * 3, invited=4, questions=questions)
    metrics = team_pulse_metrics(round_ids=[pulse_round.pk]).set_index("team")
    assert bool(metrics.loc["team-small", "suppressed"]) is True
    assert math.isnan(metrics.loc["team-small", "engagement_index"])
    # Team A would leave the three alone against their site: hidden too.
    assert bool(metrics.loc["team-a", "suppressed"]) is True


def test_team_pulse_metrics_show_a_team_with_enough_answers(pulse_round):
    metrics = team_pulse_metrics(round_ids=[pulse_round.pk])
    assert metrics["team"].tolist() == ["team-a"]
    assert metrics.loc[0, "engagement_index"] == pytest.approx((23 / 6 - 1) / 4 * 100)
    assert list(metrics.columns[:5]) == ["round_id", "window_start", "window_end", "team", "site"]


def test_an_empty_round_has_empty_frames():
    assert pulse_answer_frame(round_ids=[]).empty
    assert isinstance(team_pulse_metrics(round_ids=[]), pd.DataFrame)


def test_a_closed_rounds_results_are_cached_until_an_answer_behind_them_changes(
    hr_user, pulse_round, team_a, questions, django_assert_max_num_queries
):
    from django.utils import timezone

    from surveys.pulse_selectors import PulseFilters, pulse_results

    pulse_round.closed_at = timezone.now()
    pulse_round.save()
    first = pulse_results(hr_user, round_id=pulse_round.pk, filters=PulseFilters())
    with django_assert_max_num_queries(8):  # scoping and the key's counts, not the answers
        again = pulse_results(hr_user, round_id=pulse_round.pk, filters=PulseFilters())
    assert again.summary == first.summary
    # One more respondent changes the key, so the figures are computed afresh.
    fill(pulse_round, team_a, [(1, 5, 5, 1, 0)], invited=0, questions=questions)
    after = pulse_results(hr_user, round_id=pulse_round.pk, filters=PulseFilters())
    assert after.summary["respondents"] == first.summary["respondents"] + 1
