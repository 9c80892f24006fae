"""The engine's grouped passes give, to the last bit, the figures of one grouping per level.

A chunk numbers its groups (level, key, granularity, period_start) so that several levels and all
three granularities share one ``groupby``. These tests compute the same figures the plain way,
one level at a time over day, week and month copies of the rows, and compare them exactly.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from satisfaction import scoring, services
from satisfaction.models import CENTRE_KEY

TZ = "Asia/Shanghai"
MONTH = dt.date(2026, 3, 1)
SCOPE = {
    "site_id": 1,
    "site": "site-a",
    "team_ids": [10, 11],
    "teams": {10: "team-a", 11: "team-c"},
    "agent_ids": [100, 101, 102],
    "agents": {100: "A001", 101: "A002", 102: "A003"},
}
# Agent 102 moved to team 20 of site 2: its answers count for it, not for site-a's teams or site.
AGENT_TEAMS = {100: (10, 1), 101: (11, 1), 102: (20, 2), 200: (20, 2)}


def _answers(rng: np.random.Generator, *, responses: int, days: list[dt.date], complete: bool) -> pd.DataFrame:
    """Long answers of ``responses`` responses on ``days``; with ``complete``, no item is ever missing."""
    rows = []
    for number in range(responses):
        agent = int(rng.choice(list(AGENT_TEAMS)))
        team, site = AGENT_TEAMS[agent]
        day = days[int(rng.integers(len(days)))]
        moment = pd.Timestamp(dt.datetime.combine(day, dt.time(int(rng.integers(0, 24)))), tz=TZ).tz_convert("UTC")
        carried = (agent, team, site, moment, bool(rng.random() < 0.1))
        items = [
            ("csat", None, rng.integers(1, 6)),
            ("nps", None, rng.integers(0, 11)),
            ("ces", None, rng.integers(1, 8)),
        ]
        items += [("expectation", "empathy", rng.integers(1, 8)), ("experience", "empathy", rng.integers(1, 8))]
        items += [("disconfirmation", "reliability", rng.integers(1, 6))]
        for item, dimension, value in items:
            if complete or rng.random() < 0.7:
                rows.append((number + 1, item, dimension, float(value), None, *carried))
        if not complete and rng.random() < 0.2:
            rows.append((number + 1, "comment", None, np.nan, bool(rng.random() < 0.5), *carried))
    columns = ["response_id", "item", "dimension", "value", "comment_negative"]
    columns += ["agent_id", "team_id", "site_id", "answered_at", "excluded_for_agent"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"comment_negative": "boolean", "excluded_for_agent": "boolean"})


def _invitations(answers: pd.DataFrame) -> pd.DataFrame:
    responses = answers.drop_duplicates("response_id")
    frame = responses[["agent_id", "team_id", "site_id"]].assign(delivered_at=responses["answered_at"])
    return frame.reset_index(drop=True)


def _by_period(frame: pd.DataFrame, moment: str) -> pd.DataFrame:
    """``frame`` once per granularity with its ``period_start``, keeping periods that start in MONTH."""
    following = services.next_month(MONTH)
    copies = []
    for granularity in ("day", "week", "month"):
        starts = scoring.period_start(frame[moment], granularity=granularity, tz=TZ)
        keep = ((starts >= MONTH) & (starts < following)).to_numpy(dtype=bool)
        copies.append(frame.loc[keep].assign(granularity=granularity, period_start=starts[keep]))
    return pd.concat(copies, ignore_index=True)


def _per_level(frame: pd.DataFrame, scope: dict | None) -> dict[str, tuple[str, pd.DataFrame, dict]]:
    if scope is None:
        return {"centre": ("centre", frame.assign(centre=CENTRE_KEY), {CENTRE_KEY: CENTRE_KEY})}
    agent_rows = frame["agent_id"].isin(scope["agent_ids"])
    if "excluded_for_agent" in frame.columns:
        agent_rows &= ~frame["excluded_for_agent"].fillna(False).astype(bool)
    return {
        "agent": ("agent_id", frame.loc[agent_rows], scope["agents"]),
        "team": ("team_id", frame.loc[frame["team_id"].isin(scope["team_ids"])], scope["teams"]),
        "site": ("site_id", frame.loc[frame["site_id"] == scope["site_id"]], {scope["site_id"]: scope["site"]}),
    }


def _one_level_at_a_time(answers: pd.DataFrame, invitations: pd.DataFrame, scope: dict | None) -> dict:
    responses = scoring.response_table(answers)
    dimensions = sorted(c[len("gap_") :] for c in responses.columns if c.startswith("gap_"))
    names = [*services.CUSTOMER_METRICS, *(f"gap_{d}{s}" for d in dimensions for s in services.DIMENSION_SUFFIXES)]
    sent = _per_level(_by_period(invitations.assign(delivered=1), "delivered_at"), scope)
    result = {}
    for level, (column, frame, key_names) in _per_level(_by_period(responses, "answered_at"), scope).items():
        if frame.empty and sent[level][1].empty:
            continue
        by = [column, "granularity", "period_start"]
        figures = scoring.customer_metrics(frame, by=by, dimensions=dimensions, invitations=sent[level][1])
        for name in names:
            if name not in figures.columns:
                figures[name] = np.nan
        for (key, granularity, period), metrics in zip(
            figures[by].itertuples(index=False, name=None),
            scoring.metrics_to_records(figures, names=names),
            strict=True,
        ):
            result[(level, key_names[key], granularity, period)] = metrics
    return result


def _grouped(answers: pd.DataFrame, invitations: pd.DataFrame, scope: dict | None) -> dict:
    groups = services.ChunkGroups(scope=scope, month=MONTH, tz=TZ)
    responses = scoring.response_table(answers, weights=services.survey_weights())
    return services._customer_figures(responses, invitations, groups=groups)


@pytest.fixture(autouse=True)
def _equal_weights(monkeypatch):
    monkeypatch.setattr(services, "survey_weights", dict)


MARCH_AND_AFTER = [MONTH + dt.timedelta(days=n) for n in range(36)]


@pytest.mark.parametrize("scope", [SCOPE, None], ids=["site", "centre"])
@pytest.mark.parametrize("seed", range(6))
def test_grouped_customer_figures_equal_one_grouping_per_level_exactly(seed, scope):
    answers = _answers(np.random.default_rng(seed), responses=80, days=MARCH_AND_AFTER, complete=seed % 2 == 0)
    invitations = _invitations(answers.sample(frac=0.9, random_state=seed))
    grouped = _grouped(answers, invitations, scope)
    assert grouped == _one_level_at_a_time(answers, invitations, scope)
    assert {level for level, *_ in grouped} == ({"agent", "team", "site"} if scope else {"centre"})


@pytest.mark.parametrize("scope", [SCOPE, None], ids=["site", "centre"])
def test_a_level_with_sorted_groups_is_summed_as_pandas_sums_it_alone(scope):
    # Sunday 1 March: its week began in February, so each level has a day group then a month group,
    # in sorted order; pandas sums sorted groups with reduceat, and the figures must follow suit.
    answers = _answers(np.random.default_rng(7), responses=50, days=[MONTH], complete=True)
    invitations = _invitations(answers)
    assert _grouped(answers, invitations, scope) == _one_level_at_a_time(answers, invitations, scope)


def test_groups_invited_but_never_answered_have_a_response_rate_of_zero():
    answers = _answers(np.random.default_rng(3), responses=10, days=[dt.date(2026, 3, 10)], complete=True)
    invited_only = pd.DataFrame(
        {
            "agent_id": [101],
            "team_id": [11],
            "site_id": [1],
            "delivered_at": [pd.Timestamp("2026-03-20T10:00", tz=TZ).tz_convert("UTC")],
        }
    )
    grouped = _grouped(answers, invited_only, SCOPE)
    assert grouped == _one_level_at_a_time(answers, invited_only, SCOPE)
    assert grouped[("agent", "A002", "day", dt.date(2026, 3, 20))]["response_rate_pct"] == 0


def test_group_numbers_decode_to_level_key_granularity_and_period():
    groups = services.ChunkGroups(scope=SCOPE, month=MONTH, tz=TZ)
    frame = pd.DataFrame({"agent_id": [101, 999], "team_id": [11, 11], "site_id": [1, 1]})
    # Tuesday 31 March: its day and month start in March, and its week on Monday 30 March.
    days = np.array([(dt.date(2026, 3, 31) - services.EPOCH_DAY).days] * 2)
    decoded = {group for _rows, codes in groups.level_rows(frame, days=days) for group in groups.decode(codes)}
    assert decoded == {
        (level, key, granularity, period)
        for level, key in (("agent", "A002"), ("team", "team-c"), ("site", "site-a"))
        for granularity, period in (("day", dt.date(2026, 3, 31)), ("week", dt.date(2026, 3, 30)), ("month", MONTH))
    }


def test_a_week_that_began_in_the_month_before_is_not_a_group_of_this_month():
    groups = services.ChunkGroups(scope=None, month=MONTH, tz=TZ)
    days = np.array([(dt.date(2026, 3, 1) - services.EPOCH_DAY).days, (dt.date(2026, 4, 5) - services.EPOCH_DAY).days])
    [(rows, codes)] = groups.level_rows(pd.DataFrame(index=range(2)), days=days)
    # 1 March counts for its day and month; 5 April (a Sunday) for the week of Monday 30 March only.
    assert sorted(groups.decode(codes)) == [
        ("centre", "centre", "day", dt.date(2026, 3, 1)),
        ("centre", "centre", "month", dt.date(2026, 3, 1)),
        ("centre", "centre", "week", dt.date(2026, 3, 30)),
    ]
    assert sorted(rows.tolist()) == [0, 0, 1]
