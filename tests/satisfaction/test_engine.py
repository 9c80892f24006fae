"""The scoring engine: imported answers become snapshots whose figures match SCORING.md worked by hand."""

import datetime as dt
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from satisfaction.models import DirtyChunk, ScoreSnapshot
from satisfaction.services import compute_all, compute_chunk
from surveys.services import import_responses

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"


def rows(contact: str, agent: str, moment: str, channel: str, *answers: tuple[str, str, str]) -> str:
    """CSV lines of one response: (item, dimension, value) answers sharing contact, agent, time and channel."""
    return "".join(f"{contact},{agent},{moment},{channel},{item},{dim},{value}\n" for item, dim, value in answers)


# Six responses in March 2026 (Asia/Shanghai), A001 in team-a/site-a and B001 in team-b/site-b.
# Per response, by hand (SCORING.md §2-§4):
#   R1 A001 Mon 03-02  csat 5, nps 10 (promoter), fcr yes, disconfirmation reliability 1
#      gap_reliability = (1 - 3) / 2 * 100 = -100 -> gap -100; csat 5 with a gap <= -33.3: hidden
#   R2 A001 Tue 03-03  csat 4, nps 7 (passive), fcr yes, empathy 5 -> 6
#      gap_empathy = (6 - 5) / 6 * 100 = 16.667 -> gap 16.667; not hidden
#   R3 A001 Mon 03-09  csat 2, nps 3 (detractor), fcr no, empathy 4 -> 6, experience reliability 5 only
#      gap_empathy = (6 - 4) / 6 * 100 = 33.333; reliability has one side only: no gap -> gap 33.333
#      mean experience (6 + 5) / 2 = 5.5 >= 5 with csat 2: mismatch
#   R4 B001 Mon 03-02  csat 3, nps 8 (passive), disconfirmation empathy 4
#      gap_empathy = (4 - 3) / 2 * 100 = 50 -> gap 50
#   R5 B001 Wed 03-04  csat 1, nps 0 (detractor), fcr no, disconfirmation reliability 3, empathy 5
#      gap_reliability 0, gap_empathy 100 -> gap (0 + 100) / 2 = 50; csat 1, every disconfirmation >= 3: mismatch
#   R6 B001 Tue 03-10  a comment only: a response (n_responses) with no figure
BASE = HEADER + (
    rows("R1", "A001", "2026-03-02T10:00:00+08:00", "ivr", ("csat", "", 5), ("nps", "", 10), ("fcr", "", "yes"))
    + rows("R1", "A001", "2026-03-02T10:01:00+08:00", "ivr", ("disconfirmation", "reliability", 1))
    + rows(
        "R2",
        "A001",
        "2026-03-03T09:00:00+08:00",
        "web",
        ("csat", "", 4),
        ("nps", "", 7),
        ("fcr", "", "yes"),
        ("expectation", "empathy", 5),
        ("experience", "empathy", 6),
    )
    + rows(
        "R3",
        "A001",
        "2026-03-09T10:00:00+08:00",
        "web",
        ("csat", "", 2),
        ("nps", "", 3),
        ("fcr", "", "no"),
        ("expectation", "empathy", 4),
        ("experience", "empathy", 6),
        ("experience", "reliability", 5),
    )
    + rows("R4", "B001", "2026-03-02T15:00:00+08:00", "sms", ("csat", "", 3), ("nps", "", 8))
    + rows("R4", "B001", "2026-03-02T15:00:00+08:00", "sms", ("disconfirmation", "empathy", 4))
    + rows(
        "R5",
        "B001",
        "2026-03-04T20:00:00+08:00",
        "ivr",
        ("csat", "", 1),
        ("nps", "", 0),
        ("fcr", "", "no"),
        ("disconfirmation", "reliability", 3),
        ("disconfirmation", "empathy", 5),
    )
    + rows("R6", "B001", "2026-03-10T08:00:00+08:00", "web", ("comment", "", "ok"))
)

D = dt.date
MONTH = D(2026, 3, 1)

# Month of March: A001 (= team-a = site-a) holds R1-R3.
#   csat 5, 4, 2: top-2 2 of 3 = 66.667 %, mean 11 / 3; nps 10, 7, 3: (1 - 1) / 3 = 0; fcr yes, yes, no: 66.667 %
#   gaps -100, 16.667, 33.333: mean -50 / 3 = -16.667 (n 3); deviations -250/3, 100/3, 50:
#   sd = sqrt((62500/9 + 10000/9 + 2500) / 2) = sqrt(47500 / 9) = 72.648; ci = mean -/+ 1.96 * sd / sqrt(3)
#   gap_empathy (16.667 + 33.333) / 2 = 25 (n 2), gap_reliability -100 (n 1, no sd)
#   hidden: R1 of the top-2 R1, R2 = 50 %; mismatch: R3 = 1
A_SD = math.sqrt(47500 / 9)
TEAM_A_MONTH = {
    "n_responses": 3,
    "csat_pct": 200 / 3,
    "csat_mean": 11 / 3,
    "nps": 0,
    "ces_mean": None,
    "fcr_pct": 200 / 3,
    "response_rate_pct": None,
    "gap": -50 / 3,
    "gap_sd": A_SD,
    "gap_ci_low": -50 / 3 - 1.96 * A_SD / math.sqrt(3),
    "gap_ci_high": -50 / 3 + 1.96 * A_SD / math.sqrt(3),
    "gap_n": 3,
    "gap_empathy": 25,
    "gap_empathy_sd": math.sqrt(2 * (25 / 3) ** 2),
    "gap_empathy_n": 2,
    "gap_reliability": -100,
    "gap_reliability_sd": None,
    "gap_reliability_n": 1,
    "hidden_dissatisfaction_pct": 50,
    "mismatch_count": 1,
}
# B001 (= team-b = site-b) holds R4-R6: csat 3, 1: top-2 0 %, mean 2; nps 8, 0: (0 - 1) / 2 = -50;
#   fcr no only: 0 %; gaps 50, 50: mean 50, sd 0, ci 50..50; gap_empathy (50 + 100) / 2 = 75; gap_reliability 0;
#   no top-2 answer: hidden % has no denominator (None); mismatch R5 = 1
TEAM_B_MONTH = {
    "n_responses": 3,
    "csat_pct": 0,
    "csat_mean": 2,
    "nps": -50,
    "fcr_pct": 0,
    "gap": 50,
    "gap_sd": 0,
    "gap_ci_low": 50,
    "gap_ci_high": 50,
    "gap_n": 2,
    "gap_empathy": 75,
    "gap_empathy_n": 2,
    "gap_reliability": 0,
    "gap_reliability_n": 1,
    "hidden_dissatisfaction_pct": None,
    "mismatch_count": 1,
}
# The centre holds all six: csat 5, 4, 2, 3, 1: top-2 2 of 5 = 40 %, mean 15 / 5 = 3;
#   nps 10, 7, 3, 8, 0: (1 - 2) / 5 = -20; fcr yes, yes, no, no: 50 %;
#   gaps -100, 16.667, 33.333, 50, 50: 50 / 5 = 10 (n 5); empathy 16.667, 33.333, 50, 100: 200 / 4 = 50;
#   reliability -100, 0: -50; hidden 1 of 2 top-2 = 50 %; mismatches R3, R5 = 2
CENTRE_MONTH = {
    "n_responses": 6,
    "csat_pct": 40,
    "csat_mean": 3,
    "nps": -20,
    "fcr_pct": 50,
    "gap": 10,
    "gap_n": 5,
    "gap_empathy": 50,
    "gap_empathy_n": 4,
    "gap_reliability": -50,
    "gap_reliability_n": 2,
    "hidden_dissatisfaction_pct": 50,
    "mismatch_count": 2,
}
# Weeks start on Monday: 03-02 holds R1, R2 (A001) and R4, R5 (B001); 03-09 holds R3 (A001) and R6 (B001).
#   A001 03-02: csat 5, 4: 100 %, 4.5; nps 10, 7: 50; fcr 100 %; gaps -100, 16.667: -125 / 3 = -41.667; hidden 1 of 2
#   B001 03-02: csat 3, 1: 0 %, 2; nps 8, 0: -50; fcr no: 0 %; gaps 50, 50; no top-2; mismatch R5
#   centre 03-02: csat 5, 4, 3, 1: 50 %, 13 / 4; nps 10, 7, 8, 0: (1 - 1) / 4 = 0; fcr yes, yes, no: 66.667 %;
#     gaps -100, 16.667, 50, 50: (50 / 3) / 4 = 4.1667; empathy 16.667, 50, 100: 55.556; reliability -100, 0: -50
#   A001 03-09: R3 alone: csat 0 %, 2; nps -100; fcr 0 %; gap 33.333; no reliability gap (n 0); mismatch 1
#   B001 03-09: R6 alone: one response, every figure None, counts 0
#   centre 03-09: R3 and R6: csat 0 %, 2; nps -100; gap 33.333 (n 1); mismatch 1
AGENT_A_WEEK_1 = {
    "n_responses": 2,
    "csat_pct": 100,
    "csat_mean": 4.5,
    "nps": 50,
    "fcr_pct": 100,
    "gap": -125 / 3,
    "gap_n": 2,
    "gap_empathy": 50 / 3,
    "gap_reliability": -100,
    "hidden_dissatisfaction_pct": 50,
    "mismatch_count": 0,
}
AGENT_B_WEEK_1 = {
    "n_responses": 2,
    "csat_pct": 0,
    "csat_mean": 2,
    "nps": -50,
    "fcr_pct": 0,
    "gap": 50,
    "gap_n": 2,
    "hidden_dissatisfaction_pct": None,
    "mismatch_count": 1,
}
CENTRE_WEEK_1 = {
    "n_responses": 4,
    "csat_pct": 50,
    "csat_mean": 3.25,
    "nps": 0,
    "fcr_pct": 200 / 3,
    "gap": 25 / 6,
    "gap_n": 4,
    "gap_empathy": 500 / 9,
    "gap_empathy_n": 3,
    "gap_reliability": -50,
    "gap_reliability_n": 2,
    "hidden_dissatisfaction_pct": 50,
    "mismatch_count": 1,
}
AGENT_A_WEEK_2 = {
    "n_responses": 1,
    "csat_pct": 0,
    "csat_mean": 2,
    "nps": -100,
    "fcr_pct": 0,
    "gap": 100 / 3,
    "gap_sd": None,
    "gap_n": 1,
    "gap_empathy": 100 / 3,
    "gap_reliability": None,
    "gap_reliability_n": 0,
    "hidden_dissatisfaction_pct": None,
    "mismatch_count": 1,
}
AGENT_B_WEEK_2 = {
    "n_responses": 1,
    "csat_pct": None,
    "csat_mean": None,
    "nps": None,
    "fcr_pct": None,
    "gap": None,
    "gap_n": 0,
    "hidden_dissatisfaction_pct": None,
    "mismatch_count": 0,
}
CENTRE_WEEK_2 = {"n_responses": 2, "csat_pct": 0, "csat_mean": 2, "nps": -100, "gap": 100 / 3, "mismatch_count": 1}
# Days: 03-02 holds R1 (A001) and R4 (B001): centre csat 5, 3: 50 %, 4; nps 10, 8: (1 - 0) / 2 = 50;
#   fcr yes: 100 %; gaps -100, 50: -25; hidden R1 of top-2 R1 = 100 %.
AGENT_A_DAY_0302 = {"n_responses": 1, "csat_pct": 100, "csat_mean": 5, "nps": 100, "gap": -100}
AGENT_B_DAY_0302 = {"n_responses": 1, "csat_pct": 0, "csat_mean": 3, "nps": 0, "fcr_pct": None, "gap": 50}
CENTRE_DAY_0302 = {
    "n_responses": 2,
    "csat_pct": 50,
    "csat_mean": 4,
    "nps": 50,
    "fcr_pct": 100,
    "gap": -25,
    "hidden_dissatisfaction_pct": 100,
    "mismatch_count": 0,
}
CENTRE_DAY_0304 = {"n_responses": 1, "csat_pct": 0, "csat_mean": 1, "nps": -100, "fcr_pct": 0, "gap": 50}

A_DAYS = [D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 9)]
B_DAYS = [D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 10)]
WEEKS = [D(2026, 3, 2), D(2026, 3, 9)]
GROUPS = {
    "a": (("agent", "A001"), ("team", "team-a"), ("site", "site-a")),
    "b": (("agent", "B001"), ("team", "team-b"), ("site", "site-b")),
}


@pytest.fixture
def agents(agent_a, agent_b):
    return agent_a, agent_b


@pytest.fixture
def import_scored(django_capture_on_commit_callbacks):
    """Import answers and run the incremental recompute that the import schedules on commit."""

    def run(text: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            import_responses(text.encode())

    return run


def metrics(level: str, key: str, granularity: str, period: dt.date) -> dict:
    return ScoreSnapshot.objects.get(level=level, key=key, granularity=granularity, period_start=period).metrics


def assert_figures(actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        if value is None:
            assert actual[name] is None, (name, actual[name])
        else:
            assert actual[name] == pytest.approx(value, rel=1e-9, abs=1e-9), (name, actual[name], value)


def snapshot_set() -> set[tuple]:
    return {
        (s.level, s.key, s.granularity, s.period_start, tuple(sorted(s.metrics.items())))
        for s in ScoreSnapshot.objects.all()
    }


def full_recompute() -> None:
    compute_all()


# --- hand-worked figures -------------------------------------------------------------------


def test_importing_answers_computes_a_snapshot_for_every_group_and_period(agents, import_scored):
    import_scored(BASE)
    expected = {("centre", "centre", "month", MONTH)}
    for side, days in (("a", A_DAYS), ("b", B_DAYS)):
        for level, key in GROUPS[side]:
            expected |= {(level, key, "day", day) for day in days}
            expected |= {(level, key, "week", week) for week in WEEKS}
            expected.add((level, key, "month", MONTH))
    expected |= {("centre", "centre", "day", day) for day in {*A_DAYS, *B_DAYS}}
    expected |= {("centre", "centre", "week", week) for week in WEEKS}
    assert set(ScoreSnapshot.objects.values_list("level", "key", "granularity", "period_start")) == expected
    assert not DirtyChunk.objects.exists()


@pytest.mark.parametrize(("level", "key"), [("agent", "A001"), ("team", "team-a"), ("site", "site-a")])
def test_month_figures_of_team_a_at_every_level_match_the_hand_computation(agents, import_scored, level, key):
    import_scored(BASE)
    assert_figures(metrics(level, key, "month", MONTH), TEAM_A_MONTH)


@pytest.mark.parametrize(("level", "key"), [("agent", "B001"), ("team", "team-b"), ("site", "site-b")])
def test_month_figures_of_team_b_at_every_level_match_the_hand_computation(agents, import_scored, level, key):
    import_scored(BASE)
    assert_figures(metrics(level, key, "month", MONTH), TEAM_B_MONTH)


def test_centre_month_figures_match_the_hand_computation(agents, import_scored):
    import_scored(BASE)
    assert_figures(metrics("centre", "centre", "month", MONTH), CENTRE_MONTH)


@pytest.mark.parametrize(
    ("level", "key", "week", "expected"),
    [
        ("agent", "A001", D(2026, 3, 2), AGENT_A_WEEK_1),
        ("team", "team-a", D(2026, 3, 2), AGENT_A_WEEK_1),
        ("site", "site-a", D(2026, 3, 2), AGENT_A_WEEK_1),
        ("agent", "B001", D(2026, 3, 2), AGENT_B_WEEK_1),
        ("site", "site-b", D(2026, 3, 2), AGENT_B_WEEK_1),
        ("centre", "centre", D(2026, 3, 2), CENTRE_WEEK_1),
        ("agent", "A001", D(2026, 3, 9), AGENT_A_WEEK_2),
        ("team", "team-b", D(2026, 3, 9), AGENT_B_WEEK_2),
        ("centre", "centre", D(2026, 3, 9), CENTRE_WEEK_2),
    ],
)
def test_week_figures_match_the_hand_computation(agents, import_scored, level, key, week, expected):
    import_scored(BASE)
    assert_figures(metrics(level, key, "week", week), expected)


@pytest.mark.parametrize(
    ("level", "key", "day", "expected"),
    [
        ("agent", "A001", D(2026, 3, 2), AGENT_A_DAY_0302),
        ("team", "team-b", D(2026, 3, 2), AGENT_B_DAY_0302),
        ("centre", "centre", D(2026, 3, 2), CENTRE_DAY_0302),
        ("centre", "centre", D(2026, 3, 4), CENTRE_DAY_0304),
    ],
)
def test_day_figures_match_the_hand_computation(agents, import_scored, level, key, day, expected):
    import_scored(BASE)
    assert_figures(metrics(level, key, "day", day), expected)


def test_snapshots_carry_every_section_9_customer_name(agents, import_scored):
    import_scored(BASE)
    # The dashboards' extras (satisfaction/breakdowns.py) are tested apart, below.
    names = {
        n for n in metrics("centre", "centre", "month", MONTH) if not n.startswith(EXTRA_PREFIXES) and "@" not in n
    }
    dimension_names = {
        f"gap_{d}{s}" for d in ("empathy", "reliability") for s in ("", "_sd", "_ci_low", "_ci_high", "_n")
    }
    assert names == {
        "n_responses",
        "csat_pct",
        "csat_mean",
        "nps",
        "ces_mean",
        "fcr_pct",
        "response_rate_pct",
        "gap",
        "gap_sd",
        "gap_ci_low",
        "gap_ci_high",
        "gap_n",
        "hidden_dissatisfaction_pct",
        "mismatch_count",
        *dimension_names,
        # SCORING.md §7, present (null, or 0 for the count) even without KPI records.
        "aht_s",
        "fcr_operational_pct",
        "qa_courtesy",
        "complaints_per_1k",
        "praise_per_1k",
        "grievances_upheld",
        "spot_test_pass_pct",
        # SCORING.md §5 and §8 on week and month groups above the agent, null without a pulse.
        "engagement_index",
        "stress_index",
        "enps",
        "favourable_pct",
        "participation_pct",
        "customer_index",
        "employee_index",
        "quadrant",
        "lean",
    }


# --- periods in the centre's time zone -------------------------------------------------------


EXTRA_PREFIXES = ("csat_count_", "expectation_", "experience_", "pairs_")


def test_snapshots_carry_the_dashboard_extras_worked_by_hand(agents, import_scored):
    import_scored(BASE)
    centre = metrics("centre", "centre", "month", MONTH)
    # csat 5, 4, 2, 3, 1: one of each; empathy pairs R2 (5, 6) and R3 (4, 6); reliability has no pair.
    assert [centre[f"csat_count_{v}"] for v in range(1, 6)] == [1, 1, 1, 1, 1]
    assert (centre["expectation_empathy"], centre["experience_empathy"], centre["pairs_empathy"]) == (4.5, 6, 2)
    assert "expectation_reliability" not in centre
    # Channels: ivr R1, R5; web R2, R3, R6 (a comment only); sms R4.
    assert [centre[f"n_responses@channel={c}"] for c in ("ivr", "web", "sms")] == [2, 3, 1]
    assert centre["csat_mean@channel=ivr"] == 3
    assert centre["csat_pct@channel=web"] == 50
    assert centre["nps@channel=sms"] == 0
    # A001's own figures hold R1-R3 only.
    agent = metrics("agent", "A001", "month", MONTH)
    assert agent["n_responses@channel=web"] == 2
    assert "n_responses@channel=sms" not in agent


def test_a_sunday_evening_answer_belongs_to_the_week_that_began_the_monday_before(agents, import_scored):
    # 2026-03-01 23:30 in Shanghai is a Sunday: its week began on Monday 2026-02-23.
    import_scored(HEADER + rows("T1", "A001", "2026-03-01T23:30:00+08:00", "ivr", ("csat", "", 5)))
    assert set(ScoreSnapshot.objects.filter(level="agent").values_list("granularity", "period_start")) == {
        ("day", D(2026, 3, 1)),
        ("week", D(2026, 2, 23)),
        ("month", D(2026, 3, 1)),
    }


def test_a_utc_sunday_that_is_monday_in_the_centre_belongs_to_the_new_week(agents, import_scored):
    # 2026-03-01 16:30 UTC is Monday 2026-03-02 00:30 in Shanghai.
    import_scored(HEADER + rows("T2", "A001", "2026-03-01T16:30:00Z", "ivr", ("csat", "", 3)))
    assert set(ScoreSnapshot.objects.filter(level="agent").values_list("granularity", "period_start")) == {
        ("day", D(2026, 3, 2)),
        ("week", D(2026, 3, 2)),
        ("month", D(2026, 3, 1)),
    }


def test_a_week_spanning_two_months_is_one_snapshot_with_answers_from_both(agents, import_scored):
    # Monday 2026-03-30 to Sunday 2026-04-05: csat 5 (March), 4 and 2 (April) -> one week, mean 11 / 3.
    # Sunday 04-05 16:30 UTC is Monday 04-06 00:30 local: the next week.
    import_scored(
        HEADER
        + rows("W1", "A001", "2026-03-31T12:00:00+08:00", "ivr", ("csat", "", 5))
        + rows("W2", "A001", "2026-04-02T12:00:00+08:00", "ivr", ("csat", "", 4))
        + rows("W3", "A001", "2026-04-05T23:00:00+08:00", "ivr", ("csat", "", 2))
        + rows("W4", "A001", "2026-04-05T16:30:00Z", "ivr", ("csat", "", 1))
    )
    weeks = ScoreSnapshot.objects.filter(level="agent", granularity="week").order_by("period_start")
    assert [w.period_start for w in weeks] == [D(2026, 3, 30), D(2026, 4, 6)]
    assert_figures(weeks[0].metrics, {"n_responses": 3, "csat_mean": 11 / 3, "csat_pct": 200 / 3})
    assert_figures(weeks[1].metrics, {"n_responses": 1, "csat_mean": 1})
    assert_figures(metrics("agent", "A001", "month", D(2026, 3, 1)), {"n_responses": 1, "csat_mean": 5})
    assert_figures(metrics("agent", "A001", "month", D(2026, 4, 1)), {"n_responses": 3, "csat_mean": 7 / 3})
    assert_figures(metrics("centre", "centre", "week", D(2026, 3, 30)), {"n_responses": 3, "csat_mean": 11 / 3})


# --- incremental equals full -----------------------------------------------------------------

# File A: the six March responses, plus a Sunday answer whose week (from Monday 02-23) starts in February.
FILE_A = BASE + rows("R0", "B001", "2026-03-01T23:30:00+08:00", "ivr", ("csat", "", 4), ("nps", "", 9))
# File B touches site-a only: R1's csat changes (March), a new answer in the week of 03-30 (April, whose
# week starts in March) and one mid-April; site-b's chunks stay as they were.
FILE_B = (
    FILE_A.replace("ivr,csat,,5", "ivr,csat,,3")
    + rows("R7", "A001", "2026-04-01T09:00:00+08:00", "web", ("csat", "", 5), ("expectation", "empathy", 3))
    + rows("R7", "A001", "2026-04-01T09:00:00+08:00", "web", ("experience", "empathy", 7))
    + rows("R8", "A001", "2026-04-15T09:00:00+08:00", "sms", ("nps", "", 10), ("fcr", "", "yes"))
)


def test_incremental_recompute_gives_exactly_the_full_recompute(agents, import_scored):
    import_scored(FILE_A)
    site_b_before = {s for s in snapshot_set() if s[1] in ("B001", "team-b", "site-b")}
    import_scored(FILE_B)
    assert not DirtyChunk.objects.exists()
    incremental = snapshot_set()
    assert {s for s in incremental if s[1] in ("B001", "team-b", "site-b")} == site_b_before
    assert ("agent", "A001", "week", D(2026, 3, 30)) in {s[:4] for s in incremental}
    assert ("centre", "centre", "week", D(2026, 2, 23)) in {s[:4] for s in incremental}
    ScoreSnapshot.objects.all().delete()
    full_recompute()
    assert snapshot_set() == incremental


def test_the_incremental_recompute_uses_the_changed_value(agents, import_scored):
    import_scored(FILE_A)
    import_scored(FILE_B)
    # R1 now csat 3: A001's March csat 3, 4, 2 -> top-2 1 of 3, mean 3; R1 no longer hides dissatisfaction.
    assert_figures(
        metrics("agent", "A001", "month", MONTH),
        {"csat_pct": 100 / 3, "csat_mean": 3, "hidden_dissatisfaction_pct": 0},
    )


def test_full_recompute_covers_the_month_where_the_first_answers_week_began(agents):
    import_responses(FILE_A.encode())
    full_recompute()
    assert_figures(metrics("centre", "centre", "week", D(2026, 2, 23)), {"n_responses": 1, "nps": 100})
    assert_figures(metrics("site", "site-b", "week", D(2026, 2, 23)), {"n_responses": 1, "csat_pct": 100})


# --- transfers -----------------------------------------------------------------------------------


@pytest.fixture
def transferred(agents, team_b, import_scored):
    """A001 answered once in team-a (csat 5), moved to team-b (site-b), then answered again (csat 1)."""
    agent_a = agents[0]
    import_scored(HEADER + rows("X1", "A001", "2026-03-02T10:00:00+08:00", "ivr", ("csat", "", 5)))
    agent_a.team = team_b
    agent_a.save()
    import_scored(HEADER + rows("X2", "A001", "2026-03-03T10:00:00+08:00", "ivr", ("csat", "", 1)))
    return agent_a


def test_a_transferred_agent_has_one_snapshot_per_period_combining_both_sites(transferred):
    assert ScoreSnapshot.objects.filter(level="agent", key="A001", granularity="month").count() == 1
    assert_figures(metrics("agent", "A001", "month", MONTH), {"n_responses": 2, "csat_mean": 3, "csat_pct": 50})
    assert_figures(metrics("agent", "A001", "week", D(2026, 3, 2)), {"n_responses": 2, "csat_mean": 3})


def test_team_and_site_figures_keep_each_response_where_it_was_answered(transferred):
    assert_figures(metrics("team", "team-a", "month", MONTH), {"n_responses": 1, "csat_mean": 5})
    assert_figures(metrics("site", "site-a", "month", MONTH), {"n_responses": 1, "csat_mean": 5})
    assert_figures(metrics("team", "team-b", "month", MONTH), {"n_responses": 1, "csat_mean": 1})
    assert_figures(metrics("site", "site-b", "month", MONTH), {"n_responses": 1, "csat_mean": 1})
    assert_figures(metrics("centre", "centre", "month", MONTH), {"n_responses": 2, "csat_mean": 3})


def test_a_transferred_agents_snapshots_are_the_same_after_a_full_recompute(transferred):
    incremental = snapshot_set()
    ScoreSnapshot.objects.all().delete()
    full_recompute()
    assert snapshot_set() == incremental


def test_a_changed_answer_from_before_a_transfer_updates_the_agents_snapshot(transferred, import_scored):
    import_scored(HEADER + rows("X1", "A001", "2026-03-02T10:00:00+08:00", "ivr", ("csat", "", 3)))
    assert_figures(metrics("agent", "A001", "month", MONTH), {"n_responses": 2, "csat_mean": 2})
    assert_figures(metrics("team", "team-a", "month", MONTH), {"csat_mean": 3})


# --- the command ---------------------------------------------------------------------------------


def test_compute_scores_full_writes_every_snapshot_and_reports_the_count(agents):
    import_responses(BASE.encode())
    assert not ScoreSnapshot.objects.exists()
    out = io.StringIO()
    call_command("compute_scores", "--full", stdout=out)
    # March only; chunks site-a, site-b and centre; 44 snapshots as listed in the first test.
    assert "3 chunks recomputed, 44 snapshots written." in out.getvalue()
    assert ScoreSnapshot.objects.count() == 44
    assert_figures(metrics("centre", "centre", "month", MONTH), CENTRE_MONTH)


def test_compute_scores_without_full_recomputes_the_stale_chunks_and_clears_them(agents):
    import_responses(BASE.encode())
    out = io.StringIO()
    call_command("compute_scores", stdout=out)
    assert "3 chunks recomputed, 44 snapshots written." in out.getvalue()
    assert not DirtyChunk.objects.exists()
    assert_figures(metrics("site", "site-a", "month", MONTH), TEAM_A_MONTH)


# --- the incremental path replaces only the marked days' periods ---------------------------------


def _tamper(level: str, key: str, granularity: str, period: dt.date) -> None:
    # As any writer but the engine does, with no digest: the engine cannot know these figures.
    ScoreSnapshot.objects.filter(level=level, key=key, granularity=granularity, period_start=period).update(
        metrics={"tampered": True}, digest=None
    )


def test_an_answer_replaces_only_its_day_week_and_month(agents, import_scored):
    import_scored(BASE)
    _tamper("agent", "A001", "day", D(2026, 3, 2))
    _tamper("agent", "A001", "week", D(2026, 3, 2))
    _tamper("agent", "A001", "day", D(2026, 3, 9))
    # A new answer on Tuesday 03-10 for A001: its day, the week of 03-09 and March are recomputed.
    import_scored(HEADER + rows("R9", "A001", "2026-03-10T09:00:00+08:00", "web", ("csat", "", 1)))
    assert metrics("agent", "A001", "day", D(2026, 3, 2)) == {"tampered": True}
    assert metrics("agent", "A001", "week", D(2026, 3, 2)) == {"tampered": True}
    assert metrics("agent", "A001", "day", D(2026, 3, 9)) == {"tampered": True}
    assert_figures(metrics("agent", "A001", "day", D(2026, 3, 10)), {"n_responses": 1, "csat_mean": 1})
    assert_figures(metrics("agent", "A001", "week", D(2026, 3, 9)), {"n_responses": 2, "csat_mean": 1.5})
    assert_figures(metrics("agent", "A001", "month", MONTH), {"n_responses": 4, "csat_mean": 3})
    assert not DirtyChunk.objects.exists()


def test_a_mark_without_a_day_recomputes_the_whole_month(agents, import_scored):
    from satisfaction.services import mark_dirty
    from satisfaction.tasks import recompute_dirty_task

    import_scored(BASE)
    expected = snapshot_set()
    _tamper("agent", "A001", "day", D(2026, 3, 2))
    mark_dirty(chunks=[("site-a", MONTH)])
    recompute_dirty_task()
    assert snapshot_set() == expected


def test_a_chunk_whose_marks_are_gone_is_left_alone(agents, import_scored):
    import_scored(BASE)
    _tamper("agent", "A001", "day", D(2026, 3, 2))
    assert compute_chunk(site="site-a", month=MONTH, clear_marks=True, only_marked=True) == 0
    assert metrics("agent", "A001", "day", D(2026, 3, 2)) == {"tampered": True}


def test_a_day_in_a_week_begun_the_month_before_marks_that_months_week_only(agents, import_scored):
    from satisfaction.services import chunks_for_answers, stale_periods

    sunday = dt.datetime(2026, 4, 5, 10, tzinfo=dt.UTC)
    assert chunks_for_answers(sites_and_times=[("site-a", sunday)]) == {
        ("site-a", D(2026, 4, 1), D(2026, 4, 5)),
        ("site-a", MONTH, D(2026, 4, 5)),
    }
    assert stale_periods([D(2026, 4, 5)], MONTH) == {("week", D(2026, 3, 30))}
    assert stale_periods([D(2026, 4, 5)], D(2026, 4, 1)) == {("day", D(2026, 4, 5)), ("month", D(2026, 4, 1))}


def test_incremental_answers_on_many_days_give_exactly_the_full_recompute(agents, import_scored):
    import_scored(FILE_A)
    # Changes and additions spread over days, weeks and both months, one import at a time.
    import_scored(FILE_A.replace("web,csat,,4", "web,csat,,1"))
    import_scored(HEADER + rows("R10", "B001", "2026-03-31T22:00:00+08:00", "sms", ("csat", "", 5), ("nps", "", 9)))
    import_scored(HEADER + rows("R11", "A001", "2026-04-05T20:00:00+08:00", "ivr", ("csat", "", 2)))
    import_scored(HEADER + rows("R12", "A001", "2026-03-09T08:00:00+08:00", "web", ("ces", "", 3)))
    incremental = snapshot_set()
    ScoreSnapshot.objects.all().delete()
    full_recompute()
    assert snapshot_set() == incremental


def test_a_months_chunks_together_give_each_chunk_its_own_figures(agents, import_scored):
    from satisfaction.services import compute_chunks

    import_scored(FILE_B)
    ScoreSnapshot.objects.all().delete()
    for site in ("site-a", "site-b", "centre"):
        compute_chunk(site=site, month=MONTH)
    alone = {s[:4]: dict(s[4]) for s in snapshot_set()}
    ScoreSnapshot.objects.all().delete()
    assert compute_chunks(sites=["centre", "site-b", "site-a"], month=MONTH) == len(alone)
    together = {s[:4]: dict(s[4]) for s in snapshot_set()}
    assert together.keys() == alone.keys()
    for group, figures in alone.items():
        # Only counts of a dimension that another site's answers carry are added (0), nothing else differs.
        added = {name: together[group][name] for name in together[group].keys() - figures.keys()}
        assert set(added.values()) <= {0, None}, (group, added)
        assert {name: together[group][name] for name in figures} == figures, group


def test_a_month_computes_only_its_marked_chunks(agents, import_scored):
    from satisfaction.services import compute_chunks, mark_dirty

    import_scored(BASE)
    _tamper("agent", "A001", "day", D(2026, 3, 2))
    _tamper("agent", "B001", "day", D(2026, 3, 4))
    mark_dirty(chunks=[("site-b", MONTH)])
    compute_chunks(sites=["site-a", "site-b", "centre"], month=MONTH, clear_marks=True, only_marked=True)
    # site-b (and the centre) were marked: B001's day is right again; site-a's chunk was left alone.
    assert "tampered" not in metrics("agent", "B001", "day", D(2026, 3, 4))
    assert metrics("agent", "A001", "day", D(2026, 3, 2)) == {"tampered": True}
    assert not DirtyChunk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_full_recompute_in_processes_writes_what_a_month_at_a_time_writes(agents):
    from satisfaction import services

    if connection.vendor != "postgresql":
        pytest.skip("the full recompute uses processes on PostgreSQL only")

    import_responses(FILE_B.encode())
    # February (R0's week began then), March and April: one job per month.
    months = services.chunks_by_month(services.all_chunks())
    assert [month for month, _sites in months] == [D(2026, 2, 1), MONTH, D(2026, 4, 1)]
    ScoreSnapshot.objects.all().delete()
    for month, sites in months:
        services.compute_chunks(sites=sites, month=month)
    one_at_a_time = snapshot_set()
    ScoreSnapshot.objects.all().delete()
    services.mark_dirty(chunks=[("site-a", month) for month, _sites in months])
    # The command in a process of its own, as an operator runs it: this test process has other
    # threads (xdist's, a live server's), whose connections a forked child would close.
    # The test database pytest-django made, on the server DATABASE_URL names (as the worker fixture does).
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env = {**os.environ, "DATABASE_URL": f"{server}/{connection.settings_dict['NAME']}", "SCORES_PROCESSES": "2"}
    done = subprocess.run(
        [sys.executable, "manage.py", "compute_scores", "--full"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"{sum(len(sites) for _month, sites in months)} chunks recomputed" in done.stdout
    assert "Months scored in 2 processes." in done.stdout
    # The same snapshots, and the stale marks the processes' reads saw are cleared.
    assert snapshot_set() == one_at_a_time
    assert not DirtyChunk.objects.exists()


def test_a_recompute_rewrites_only_the_snapshots_whose_figures_changed(agents, import_scored):
    from satisfaction.services import compute_chunks

    import_scored(BASE)
    before = {s.pk: s for s in ScoreSnapshot.objects.all()}
    assert all(s.digest is not None for s in before.values())
    csat_mean = metrics("agent", "A001", "month", MONTH)["csat_mean"]
    # Nothing changed: every snapshot is kept as it was (same row, same time).
    compute_chunks(sites=["site-a", "site-b", "centre"], month=MONTH)
    assert {s.pk: s.computed_at for s in ScoreSnapshot.objects.all()} == {pk: s.computed_at for pk, s in before.items()}
    # One answer changes: its groups' snapshots are rewritten, the other site's are kept.
    import_responses(BASE.replace("ivr,csat,,5", "ivr,csat,,3").encode())
    compute_chunks(sites=["site-a", "site-b", "centre"], month=MONTH)
    after = {s.pk: s for s in ScoreSnapshot.objects.all()}
    rewritten = {(s.level, s.key) for s in after.values() if s.pk not in before}
    assert ("agent", "A001") in rewritten and ("centre", "centre") in rewritten
    assert not rewritten & {("agent", "B001"), ("team", "team-b"), ("site", "site-b")}
    assert len(after) == len(before)
    assert metrics("agent", "A001", "month", MONTH)["csat_mean"] < csat_mean
