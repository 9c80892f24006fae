"""Properties of ``satisfaction.scoring`` that hold for any valid answers (SCORING.md §2-§6)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas import testing as pdt

from satisfaction import scoring

DIMENSIONS = ("assurance", "empathy", "reliability")
TEAMS = ("a", "b", "c")
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def response_answers(draw, response_id):
    """The answer rows of one response: any mix of §1 items on their scales, possibly none."""
    rows = []
    for item, low, high in (("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7), ("fcr", 0, 1)):
        if draw(st.booleans()):
            rows.append((response_id, item, None, float(draw(st.integers(low, high))), None))
    for dimension in DIMENSIONS:
        if draw(st.booleans()):
            rows.append((response_id, "expectation", dimension, float(draw(st.integers(1, 7))), None))
        if draw(st.booleans()):
            rows.append((response_id, "experience", dimension, float(draw(st.integers(1, 7))), None))
        if draw(st.booleans()):
            rows.append((response_id, "disconfirmation", dimension, float(draw(st.integers(1, 5))), None))
    if draw(st.booleans()):
        rows.append((response_id, "comment", None, np.nan, draw(st.booleans())))
    return rows


@st.composite
def answer_frames(draw, min_responses=1, max_responses=25):
    """Long answers of several responses spread over teams, with a ``team`` column."""
    n = draw(st.integers(min_responses, max_responses))
    rows = []
    for number in range(n):
        team = draw(st.sampled_from(TEAMS))
        rows.extend((*row, team) for row in draw(response_answers(f"r{number:03d}")))
    return pd.DataFrame(rows, columns=["response_id", "item", "dimension", "value", "comment_negative", "team"])


def gap_columns(table):
    """The response gap and every per-dimension gap column."""
    return [column for column in table if column == "gap" or column.startswith("gap_")]


@PROPERTY_SETTINGS
@given(answer_frames(), st.dictionaries(st.sampled_from(DIMENSIONS), st.floats(0.1, 10)))
def test_gaps_always_lie_between_minus_and_plus_hundred(frame, weights):
    table = scoring.response_table(frame, weights=weights)
    gaps = table[gap_columns(table)].to_numpy(dtype=float)
    assert ((gaps >= -100) & (gaps <= 100) | np.isnan(gaps)).all()


@PROPERTY_SETTINGS
@given(answer_frames(), st.randoms(use_true_random=False))
def test_shuffling_the_answers_changes_no_figure(frame, random):
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = frame.iloc[order]
    table = scoring.response_table(frame)
    pdt.assert_frame_equal(scoring.response_table(shuffled), table)
    shuffled_table = table.iloc[random.sample(range(len(table)), len(table))]
    pdt.assert_frame_equal(
        scoring.customer_metrics(shuffled_table, by=["team"]),
        scoring.customer_metrics(table, by=["team"]),
    )


@PROPERTY_SETTINGS
@given(answer_frames(), st.sampled_from(TEAMS), response_answers("added"))
def test_adding_a_response_to_one_group_changes_no_other_group(frame, team, added_rows):
    added = pd.DataFrame([(*row, team) for row in added_rows], columns=frame.columns)
    before = scoring.customer_metrics(scoring.response_table(frame), by=["team"], dimensions=DIMENSIONS)
    after = scoring.customer_metrics(
        scoring.response_table(pd.concat([frame, added], ignore_index=True)), by=["team"], dimensions=DIMENSIONS
    )
    pdt.assert_frame_equal(
        after.loc[after["team"] != team].reset_index(drop=True),
        before.loc[before["team"] != team].reset_index(drop=True),
    )


@PROPERTY_SETTINGS
@given(answer_frames())
def test_headline_figures_stay_in_their_ranges(frame):
    result = scoring.customer_metrics(scoring.response_table(frame), by=["team"])
    for column, low, high in (
        ("csat_pct", 0, 100),
        ("csat_mean", 1, 5),
        ("nps", -100, 100),
        ("ces_mean", 1, 7),
        ("fcr_pct", 0, 100),
        ("hidden_dissatisfaction_pct", 0, 100),
    ):
        values = result[column].dropna()
        assert values.between(low, high).all(), column


@st.composite
def pulse_frames(draw):
    """Pulse answers of a few submissions over two teams: likert items of both categories and eNPS."""
    rows = []
    for number in range(draw(st.integers(1, 15))):
        team = draw(st.sampled_from(TEAMS[:2]))
        for item, category, reverse in (
            ("e1", "engagement", False),
            ("e2", "engagement", True),
            ("s1", "stress", False),
        ):
            if draw(st.booleans()):
                rows.append((f"s{number}", item, "likert", category, reverse, draw(st.integers(1, 5)), team))
        rows.append((f"s{number}", "enps", "enps", None, False, draw(st.integers(0, 10)), team))
    return pd.DataFrame(rows, columns=["submission_id", "item", "kind", "category", "reverse", "value", "team"])


@PROPERTY_SETTINGS
@given(pulse_frames())
def test_pulse_figures_stay_in_their_ranges(frame):
    result = scoring.pulse_metrics(frame, by=["team"])
    for column, low, high in (
        ("engagement_index", 0, 100),
        ("stress_index", 0, 100),
        ("enps", -100, 100),
        ("favourable_pct", 0, 100),
    ):
        assert result[column].dropna().between(low, high).all(), column


@PROPERTY_SETTINGS
@given(st.lists(st.integers(0, 20), min_size=1, max_size=8), st.integers(3, 8), st.integers(0, 40))
def test_every_shown_cut_has_k_respondents_and_a_complement_of_zero_or_k(respondents, k, extra):
    parent = sum(respondents) + extra
    cuts = pd.DataFrame({"respondents": respondents, "enps": 0.0})
    result = scoring.suppress(cuts, k=k, parent_respondents=parent)
    shown = result.loc[~result["suppressed"]]
    assert (shown["respondents"] >= k).all()
    complement = parent - shown["respondents"]
    assert ((complement == 0) | (complement >= k)).all()
    assert result.loc[result["suppressed"], ["respondents", "enps"]].isna().all().all()


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=30))
def test_kano_better_and_worse_stay_in_their_ranges(answer_pairs):
    pairs = pd.DataFrame([("x", *pair) for pair in answer_pairs], columns=["attribute", "functional", "dysfunctional"])
    summary = scoring.kano_summary(pairs)
    assert summary["kano_better"].dropna().between(0, 1).all()
    assert summary["kano_worse"].dropna().between(-1, 0).all()
    assert summary.loc[0, "n"] == len(answer_pairs)
