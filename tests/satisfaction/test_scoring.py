"""Hand-worked examples for every section of SCORING.md, computed by ``satisfaction.scoring``."""

import datetime
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas import testing as pdt

from satisfaction import scoring

ANSWER_COLUMNS = ["response_id", "item", "dimension", "value"]


def answers(rows, **extra_columns):
    """Long answers from (response_id, item, dimension, value) tuples, plus constant extra columns."""
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS).assign(**extra_columns)


def only_response(rows, **kwargs):
    """The single row of ``response_table`` for answers that all belong to one response."""
    table = scoring.response_table(answers(rows), **kwargs)
    assert len(table) == 1
    return table.iloc[0]


def responses(*specs, team="a"):
    """``response_table`` for responses given as dicts of overall answers and per-dimension gaps."""
    rows = []
    for number, spec in enumerate(specs):
        response_id = f"{team}{number}"
        for item in scoring.OVERALL_ITEMS:
            if item in spec:
                rows.append((response_id, item, None, spec[item]))
        for dimension, value in spec.get("disconfirmation", {}).items():
            rows.append((response_id, "disconfirmation", dimension, value))
        for dimension, (expectation, experience) in spec.get("pair", {}).items():
            rows.append((response_id, "expectation", dimension, expectation))
            rows.append((response_id, "experience", dimension, experience))
    return scoring.response_table(answers(rows, team=team))


def metrics_row(table, **kwargs):
    """The single group row of ``customer_metrics`` grouped by team."""
    result = scoring.customer_metrics(table, by=["team"], **kwargs)
    assert len(result) == 1
    return result.iloc[0]


# --- §2 gap per response ----------------------------------------------------------------------


def test_pair_gap_is_difference_over_scale_range():
    # (6 - 4) / (7 - 1) * 100 = 33.333...
    row = only_response([("r1", "expectation", "empathy", 4), ("r1", "experience", "empathy", 6)])
    assert row["gap_empathy"] == pytest.approx(100 / 3)


@pytest.mark.parametrize(
    ("answer", "gap"),
    [(1, -100.0), (2, -50.0), (3, 0.0), (4, 50.0), (5, 100.0)],
)
def test_disconfirmation_gap_maps_one_to_five_onto_minus_to_plus_hundred(answer, gap):
    # (v - 3) / 2 * 100
    row = only_response([("r1", "disconfirmation", "assurance", answer)])
    assert row["gap_assurance"] == gap


def test_one_sided_pair_has_no_gap():
    row = only_response([("r1", "csat", None, 4), ("r1", "expectation", "empathy", 5)])
    assert math.isnan(row["gap_empathy"])
    assert math.isnan(row["gap"])


def test_response_without_gap_items_has_no_response_gap():
    row = only_response([("r1", "csat", None, 5), ("r1", "nps", None, 9)])
    assert math.isnan(row["gap"])


def test_pair_is_preferred_to_disconfirmation_on_the_same_dimension():
    # Pair: (3 - 6) / 6 * 100 = -50; the disconfirmation 5 (+100) is ignored.
    row = only_response(
        [
            ("r1", "expectation", "reliability", 6),
            ("r1", "experience", "reliability", 3),
            ("r1", "disconfirmation", "reliability", 5),
        ]
    )
    assert row["gap_reliability"] == -50.0


def test_disconfirmation_fills_in_when_the_pair_is_one_sided():
    row = only_response([("r1", "expectation", "reliability", 6), ("r1", "disconfirmation", "reliability", 4)])
    assert row["gap_reliability"] == 50.0


def test_response_gap_is_unweighted_mean_by_default():
    # empathy +50 (disconfirmation 4), assurance -100 (disconfirmation 1): (50 - 100) / 2 = -25
    row = only_response([("r1", "disconfirmation", "empathy", 4), ("r1", "disconfirmation", "assurance", 1)])
    assert row["gap"] == -25.0


def test_response_gap_uses_importance_weights():
    # (3 * 50 + 1 * -100) / (3 + 1) = 12.5
    row = only_response(
        [("r1", "disconfirmation", "empathy", 4), ("r1", "disconfirmation", "assurance", 1)],
        weights={"empathy": 3, "assurance": 1},
    )
    assert row["gap"] == 12.5


def test_weights_of_unanswered_dimensions_do_not_dilute_the_gap():
    # Only empathy answered: 50 * 3 / 3 = 50, whatever the weight of the missing assurance.
    table = scoring.response_table(
        answers([("r1", "disconfirmation", "empathy", 4), ("r2", "disconfirmation", "assurance", 1)]),
        weights={"empathy": 3, "assurance": 10},
    )
    assert table["gap"].tolist() == [50.0, -100.0]


def test_pair_scale_sets_the_gap_denominator():
    # On a 1-5 pair: (2 - 4) / (5 - 1) * 100 = -50
    row = only_response(
        [("r1", "expectation", "empathy", 4), ("r1", "experience", "empathy", 2)],
        pair_scale=(1, 5),
    )
    assert row["gap_empathy"] == -50.0


def test_every_dimension_seen_gets_a_gap_column_in_sorted_order():
    table = scoring.response_table(
        answers([("r1", "disconfirmation", "tangibles", 5), ("r2", "expectation", "empathy", 3)])
    )
    assert [column for column in table if column.startswith("gap_")] == ["gap_empathy", "gap_tangibles"]
    assert math.isnan(table.loc[0, "gap_empathy"])
    assert math.isnan(table.loc[1, "gap_tangibles"])


def test_response_table_has_one_row_per_response_with_its_answers():
    table = scoring.response_table(
        answers(
            [
                ("r2", "csat", None, 3),
                ("r1", "csat", None, 5),
                ("r1", "nps", None, 10),
                ("r1", "ces", None, 6),
                ("r1", "fcr", None, 0),
            ]
        )
    )
    expected = pd.DataFrame(
        {
            "response_id": ["r1", "r2"],
            "csat": [5.0, 3.0],
            "nps": [10.0, np.nan],
            "ces": [6.0, np.nan],
            "fcr": [0.0, np.nan],
        }
    )
    pdt.assert_frame_equal(table[list(expected.columns)], expected, check_dtype=False)


def test_extra_columns_are_carried_through_per_response():
    frame = answers([("r1", "csat", None, 5), ("r1", "nps", None, 9), ("r2", "csat", None, 1)])
    frame["team"] = ["a", "a", "b"]
    frame["agent"] = [7, 7, 8]
    table = scoring.response_table(frame)
    assert table["team"].tolist() == ["a", "b"]
    assert table["agent"].tolist() == [7, 8]


def test_a_comment_alone_counts_as_an_answer():
    row = only_response([("r1", "comment", None, np.nan)])
    assert row["has_answer"]


def test_a_response_of_skipped_items_has_no_answer():
    row = only_response([("r1", "csat", None, np.nan)])
    assert not row["has_answer"]


def test_an_item_answered_twice_is_rejected():
    with pytest.raises(ValueError, match="more than once"):
        scoring.response_table(answers([("r1", "csat", None, 5), ("r1", "csat", None, 4)]))


def test_a_gap_item_without_dimension_is_rejected():
    with pytest.raises(ValueError, match="need a dimension"):
        scoring.response_table(answers([("r1", "disconfirmation", None, 4)]))


# --- §2 group gap -----------------------------------------------------------------------------


def test_group_gap_has_mean_sd_interval_and_n():
    # Gaps 0, 50, 100: mean 50, sd = sqrt((50² + 0 + 50²) / 2) = 50,
    # interval 50 ± 1.96 * 50 / sqrt(3) = 50 ± 56.5803 -> [-6.5803, 106.5803].
    table = responses(
        {"disconfirmation": {"empathy": 3}}, {"disconfirmation": {"empathy": 4}}, {"disconfirmation": {"empathy": 5}}
    )
    row = metrics_row(table)
    assert row["gap"] == 50.0
    assert row["gap_sd"] == pytest.approx(50.0)
    assert row["gap_ci_low"] == pytest.approx(-6.580326, abs=1e-6)
    assert row["gap_ci_high"] == pytest.approx(106.580326, abs=1e-6)
    assert row["gap_n"] == 3


def test_group_gap_per_dimension_counts_only_responses_answering_it():
    # empathy: +100 and -100 -> mean 0, sd sqrt(2 * 100²) = 141.42, n 2; assurance: one answer (+50).
    table = responses(
        {"disconfirmation": {"empathy": 5, "assurance": 4}},
        {"disconfirmation": {"empathy": 1}},
        {"csat": 5},
    )
    row = metrics_row(table)
    assert (row["gap_empathy"], row["gap_empathy_n"]) == (0.0, 2)
    assert row["gap_empathy_sd"] == pytest.approx(100 * math.sqrt(2))
    assert (row["gap_assurance"], row["gap_assurance_n"]) == (50.0, 1)
    assert math.isnan(row["gap_assurance_sd"])
    assert math.isnan(row["gap_assurance_ci_low"])


def test_single_response_group_has_no_sd_or_interval():
    row = metrics_row(responses({"disconfirmation": {"empathy": 4}}))
    assert row["gap"] == 50.0
    assert math.isnan(row["gap_sd"])
    assert math.isnan(row["gap_ci_low"])
    assert math.isnan(row["gap_ci_high"])


def test_listed_dimension_without_answers_has_empty_figures():
    row = metrics_row(responses({"csat": 4}), dimensions=["convenience"])
    assert row["gap_convenience_n"] == 0
    assert math.isnan(row["gap_convenience"])


def test_group_under_thirty_responses_is_marked_small_sample():
    assert metrics_row(responses(*[{"csat": 4}] * 29))["small_sample"]
    assert not metrics_row(responses(*[{"csat": 4}] * 30))["small_sample"]


def test_customer_metrics_has_the_section_9_columns_in_order():
    result = scoring.customer_metrics(responses({"csat": 4}), by=["team"], dimensions=["empathy"])
    assert list(result.columns) == [
        "team",
        "n_responses",
        "csat_pct",
        "csat_mean",
        "nps",
        "ces_mean",
        "fcr_pct",
        "gap",
        "gap_sd",
        "gap_ci_low",
        "gap_ci_high",
        "gap_n",
        "gap_empathy",
        "gap_empathy_sd",
        "gap_empathy_ci_low",
        "gap_empathy_ci_high",
        "gap_empathy_n",
        "hidden_dissatisfaction_pct",
        "mismatch_count",
        "small_sample",
    ]


# --- §3 headline customer figures ------------------------------------------------------------


def test_csat_pct_is_top_two_box_and_mean_is_shown_alongside():
    # csat 5, 4, 3, 2: top-2 = 2 of 4 = 50 %; mean (5 + 4 + 3 + 2) / 4 = 3.5
    row = metrics_row(responses({"csat": 5}, {"csat": 4}, {"csat": 3}, {"csat": 2}))
    assert row["csat_pct"] == 50.0
    assert row["csat_mean"] == 3.5


def test_csat_pct_counts_only_responses_with_a_csat_answer():
    # 1 of the 2 csat answers is top-2; the nps-only response does not count: 50 %.
    row = metrics_row(responses({"csat": 5}, {"csat": 1}, {"nps": 9}))
    assert row["csat_pct"] == 50.0
    assert row["n_responses"] == 3


def test_nps_is_promoters_minus_detractors_over_answers():
    # 10, 10, 7, 3: (2 promoters - 1 detractor) / 4 * 100 = 25
    row = metrics_row(responses({"nps": 10}, {"nps": 10}, {"nps": 7}, {"nps": 3}))
    assert row["nps"] == 25.0


def test_nps_boundaries_six_is_detractor_and_nine_is_promoter():
    # 9 promoter, 6 detractor, 8 passive: (1 - 1) / 3 * 100 = 0
    row = metrics_row(responses({"nps": 9}, {"nps": 6}, {"nps": 8}))
    assert row["nps"] == 0.0


def test_ces_mean_and_survey_fcr_pct():
    # ces (7 + 5 + 3) / 3 = 5; fcr 2 yes / 3 answers * 100 = 66.67
    row = metrics_row(responses({"ces": 7, "fcr": 1}, {"ces": 5, "fcr": 1}, {"ces": 3, "fcr": 0}))
    assert row["ces_mean"] == 5.0
    assert row["fcr_pct"] == pytest.approx(200 / 3)


def test_figures_without_answers_are_missing_not_zero():
    row = metrics_row(responses({"nps": 9}))
    assert math.isnan(row["csat_pct"])
    assert math.isnan(row["csat_mean"])
    assert math.isnan(row["fcr_pct"])
    assert math.isnan(row["hidden_dissatisfaction_pct"])


def test_responses_without_any_answer_are_not_counted():
    table = scoring.response_table(answers([("r1", "csat", None, 5), ("r2", "csat", None, np.nan)], team="a"))
    assert metrics_row(table)["n_responses"] == 1


def test_response_rate_is_answered_responses_over_delivered_invitations():
    # team a: 2 / 8 = 25 %; team b: delivered 0 -> missing; team c: invited, no answers -> 0 %.
    table = pd.concat([responses({"csat": 5}, {"csat": 4}, team="a"), responses({"csat": 3}, team="b")])
    invitations = pd.DataFrame({"team": ["a", "b", "c"], "delivered": [8, 0, 4]})
    result = scoring.customer_metrics(table, by=["team"], invitations=invitations)
    expected = pd.DataFrame(
        {"team": ["a", "b", "c"], "n_responses": [2, 1, 0], "response_rate_pct": [25.0, np.nan, 0.0]}
    )
    pdt.assert_frame_equal(result[list(expected.columns)], expected, check_dtype=False)


def test_groups_are_computed_separately():
    table = pd.concat([responses({"csat": 5}, team="a"), responses({"csat": 1}, {"csat": 2}, team="b")])
    result = scoring.customer_metrics(table, by=["team"])
    expected = pd.DataFrame({"team": ["a", "b"], "n_responses": [1, 2], "csat_pct": [100.0, 0.0]})
    pdt.assert_frame_equal(result[list(expected.columns)], expected)


def test_empty_by_gives_one_figure_for_the_whole_frame():
    table = pd.concat([responses({"csat": 5}, team="a"), responses({"csat": 1}, team="b")])
    result = scoring.customer_metrics(table, by=[])
    assert "team" not in result
    assert result["csat_pct"].tolist() == [50.0]


# --- §4 hidden dissatisfaction and mismatches ------------------------------------------------


def test_satisfied_response_with_two_point_shortfall_is_hidden_dissatisfaction():
    # (3 - 5) / 6 * 100 = -33.33, at or below -33.3
    row = only_response(
        [("r1", "csat", None, 4), ("r1", "expectation", "empathy", 5), ("r1", "experience", "empathy", 3)]
    )
    assert row["hidden"]


def test_one_point_shortfall_is_not_hidden_dissatisfaction():
    # (4 - 5) / 6 * 100 = -16.67
    row = only_response(
        [("r1", "csat", None, 5), ("r1", "expectation", "empathy", 5), ("r1", "experience", "empathy", 4)]
    )
    assert not row["hidden"]


@pytest.mark.parametrize(("answer", "hidden"), [(1, True), (2, True), (3, False)])
def test_disconfirmation_of_one_or_two_is_hidden_dissatisfaction(answer, hidden):
    row = only_response([("r1", "csat", None, 5), ("r1", "disconfirmation", "convenience", answer)])
    assert row["hidden"] == hidden


def test_negative_comment_makes_a_satisfied_response_hidden_dissatisfaction():
    frame = answers([("r1", "csat", None, 4), ("r1", "comment", None, np.nan)])
    frame["comment_negative"] = [None, True]
    row = scoring.response_table(frame).iloc[0]
    assert row["comment_negative"]
    assert row["hidden"]


def test_unsatisfied_response_is_never_hidden_dissatisfaction():
    row = only_response([("r1", "csat", None, 3), ("r1", "disconfirmation", "empathy", 1)])
    assert not row["hidden"]


def test_hidden_dissatisfaction_pct_is_over_satisfied_responses():
    # 4 responses with csat 4-5, 1 of them hidden; the csat-2 response is outside both counts: 25 %.
    table = responses(
        {"csat": 5, "disconfirmation": {"empathy": 2}},
        {"csat": 5},
        {"csat": 4},
        {"csat": 4, "disconfirmation": {"empathy": 4}},
        {"csat": 2, "disconfirmation": {"empathy": 1}},
    )
    assert metrics_row(table)["hidden_dissatisfaction_pct"] == 25.0


def test_unsatisfied_response_with_good_experience_is_a_mismatch():
    # experience mean (5 + 6) / 2 = 5.5 >= 5
    row = only_response(
        [("r1", "csat", None, 1), ("r1", "experience", "empathy", 5), ("r1", "experience", "assurance", 6)]
    )
    assert row["experience_mean"] == 5.5
    assert row["mismatch"]


def test_experience_mean_below_five_is_not_a_mismatch():
    # (4 + 5) / 2 = 4.5
    row = only_response(
        [("r1", "csat", None, 2), ("r1", "experience", "empathy", 4), ("r1", "experience", "assurance", 5)]
    )
    assert not row["mismatch"]


def test_unsatisfied_response_with_all_disconfirmations_as_expected_or_better_is_a_mismatch():
    row = only_response(
        [("r1", "csat", None, 2), ("r1", "disconfirmation", "empathy", 3), ("r1", "disconfirmation", "assurance", 4)]
    )
    assert row["mismatch"]


def test_one_disconfirmation_below_expected_prevents_a_mismatch():
    row = only_response(
        [("r1", "csat", None, 1), ("r1", "disconfirmation", "empathy", 3), ("r1", "disconfirmation", "assurance", 2)]
    )
    assert not row["mismatch"]


def test_unsatisfied_response_without_attribute_answers_is_not_a_mismatch():
    row = only_response([("r1", "csat", None, 1), ("r1", "nps", None, 0)])
    assert not row["mismatch"]


def test_neutral_csat_is_never_a_mismatch():
    row = only_response([("r1", "csat", None, 3), ("r1", "experience", "empathy", 7)])
    assert not row["mismatch"]


def test_mismatch_count_counts_mismatched_responses():
    table = responses(
        {"csat": 1, "disconfirmation": {"empathy": 4}},
        {"csat": 2, "disconfirmation": {"empathy": 5}},
        {"csat": 2, "disconfirmation": {"empathy": 1}},
    )
    assert metrics_row(table)["mismatch_count"] == 2


# --- §5 employee pulse ------------------------------------------------------------------------

PULSE_COLUMNS = ["submission_id", "item", "kind", "category", "reverse", "value", "team"]


def pulse(rows):
    """Pulse answers from (submission_id, item, kind, category, reverse, value, team) tuples."""
    return pd.DataFrame(rows, columns=PULSE_COLUMNS)


def test_engagement_index_averages_respondent_means():
    # s1 answers one item: 5 -> mean 5; s2 answers two: 1, 1 -> mean 1. Respondent means
    # average to 3, so (3 - 1) / 4 * 100 = 50 (a mean over answers would give 7/3 -> 33.3).
    frame = pulse(
        [
            ("s1", "e1", "likert", "engagement", False, 5, "a"),
            ("s2", "e1", "likert", "engagement", False, 1, "a"),
            ("s2", "e2", "likert", "engagement", False, 1, "a"),
        ]
    )
    assert scoring.pulse_metrics(frame, by=["team"])["engagement_index"].tolist() == [50.0]


def test_engagement_index_recodes_reverse_items():
    # s1: 5 and reverse 1 -> 5: mean 5; s2: 3 and reverse 3 -> 3: mean 3; (4 - 1) / 4 * 100 = 75
    frame = pulse(
        [
            ("s1", "e1", "likert", "engagement", False, 5, "a"),
            ("s1", "e2", "likert", "engagement", True, 1, "a"),
            ("s2", "e1", "likert", "engagement", False, 3, "a"),
            ("s2", "e2", "likert", "engagement", True, 3, "a"),
        ]
    )
    assert scoring.pulse_metrics(frame, by=["team"])["engagement_index"].tolist() == [75.0]


def test_stress_index_does_not_recode():
    # 4 kept as 4 even though flagged reverse: (4 - 1) / 4 * 100 = 75
    frame = pulse([("s1", "st1", "likert", "stress", True, 4, "a")])
    assert scoring.pulse_metrics(frame, by=["team"])["stress_index"].tolist() == [75.0]


def test_enps_is_nps_over_the_enps_item():
    # 10, 9, 7, 5: (2 - 1) / 4 * 100 = 25
    frame = pulse([(f"s{i}", "enps", "enps", None, False, v, "a") for i, v in enumerate([10, 9, 7, 5])])
    assert scoring.pulse_metrics(frame, by=["team"])["enps"].tolist() == [25.0]


def test_favourable_pct_counts_recoded_four_and_five():
    # 5, 4, 3, reverse 2 -> 4, reverse 5 -> 1: favourable 5, 4, 4 = 3 of 5 = 60 %
    frame = pulse(
        [
            ("s1", "q1", "likert", "engagement", False, 5, "a"),
            ("s1", "q2", "likert", "other", False, 4, "a"),
            ("s1", "q3", "likert", None, False, 3, "a"),
            ("s2", "q4", "likert", "engagement", True, 2, "a"),
            ("s2", "q5", "likert", "engagement", True, 5, "a"),
        ]
    )
    assert scoring.pulse_metrics(frame, by=["team"])["favourable_pct"].tolist() == [60.0]


def test_pulse_respondents_are_distinct_submissions_and_participation_is_over_invited():
    # team a: 3 submissions of 6 invited = 50 %; team b: not in the invited frame -> missing.
    frame = pulse(
        [
            ("s1", "q1", "likert", "engagement", False, 4, "a"),
            ("s1", "q2", "likert", "engagement", False, 4, "a"),
            ("s2", "q1", "likert", "engagement", False, 4, "a"),
            ("s3", "q1", "likert", "engagement", False, 4, "a"),
            ("s4", "q1", "likert", "engagement", False, 4, "b"),
        ]
    )
    result = scoring.pulse_metrics(frame, by=["team"], invited=pd.DataFrame({"team": ["a"], "invited": [6]}))
    expected = pd.DataFrame({"team": ["a", "b"], "respondents": [3, 1], "participation_pct": [50.0, np.nan]})
    pdt.assert_frame_equal(result[list(expected.columns)], expected)


def test_pulse_metrics_has_the_section_9_columns():
    frame = pulse([("s1", "q1", "likert", "engagement", False, 4, "a")])
    result = scoring.pulse_metrics(frame, by=["team"], invited=pd.DataFrame({"team": ["a"], "invited": [1]}))
    assert list(result.columns) == [
        "team",
        "respondents",
        "engagement_index",
        "stress_index",
        "enps",
        "favourable_pct",
        "participation_pct",
    ]


def test_item_favourable_is_per_item_with_its_respondents():
    # q1: 5, 2 -> 1 of 2 = 50 %; q2 (reverse): 1 -> 5 favourable = 100 %
    frame = pulse(
        [
            ("s1", "q1", "likert", "engagement", False, 5, "a"),
            ("s2", "q1", "likert", "engagement", False, 2, "a"),
            ("s1", "q2", "likert", "engagement", True, 1, "a"),
            ("s1", "enps", "enps", None, False, 10, "a"),
        ]
    )
    expected = pd.DataFrame(
        {"team": ["a", "a"], "item": ["q1", "q2"], "respondents": [2, 1], "favourable_pct": [50.0, 100.0]}
    )
    pdt.assert_frame_equal(scoring.item_favourable(frame, by=["team"]), expected, check_dtype=False)


@pytest.mark.parametrize(("setting", "k"), [(None, 5), (3, 3), (8, 8)])
def test_anonymity_k_defaults_to_five_and_follows_the_setting(setting, k):
    assert scoring.anonymity_k(setting) == k


def test_anonymity_k_may_not_be_set_below_three():
    with pytest.raises(ValueError, match="below 3"):
        scoring.anonymity_k(2)


def cuts(*respondents):
    """A pulse-figures frame with one team per respondents count."""
    return pd.DataFrame(
        {
            "team": [f"t{i}" for i in range(len(respondents))],
            "respondents": list(respondents),
            "engagement_index": 60.0,
            "stress_index": 40.0,
            "enps": 10.0,
            "favourable_pct": 70.0,
            "participation_pct": 80.0,
        }
    )


def test_cut_under_k_respondents_is_suppressed_including_its_count():
    result = scoring.suppress(cuts(4, 5), k=5, parent_respondents=None)
    assert result["suppressed"].tolist() == [True, False]
    assert result.loc[0, ["respondents", *scoring.PULSE_METRIC_COLUMNS]].isna().all()
    assert result.loc[1, "respondents"] == 5
    assert result.loc[1, "engagement_index"] == 60.0
    assert result["team"].tolist() == ["t0", "t1"]


def test_cut_whose_complement_is_under_k_is_suppressed():
    # parent 12: cut 8 leaves 4 (< 5) -> suppressed; cut 7 leaves 5 -> shown;
    # cut 12 leaves 0 -> shown (no one to isolate).
    result = scoring.suppress(cuts(8, 7, 12), k=5, parent_respondents=12)
    assert result["suppressed"].tolist() == [True, False, False]
    assert math.isnan(result.loc[0, "enps"])


def test_without_a_parent_only_the_k_rule_applies():
    # Cuts of 5 and 6 respondents at k = 5: both shown. Inside a shown parent of 8 their
    # complements are 3 and 2 (< 5), so both are suppressed.
    assert scoring.suppress(cuts(5, 6), k=5, parent_respondents=None)["suppressed"].tolist() == [False, False]
    assert scoring.suppress(cuts(5, 6), k=5, parent_respondents=8)["suppressed"].tolist() == [True, True]


def test_suppress_refuses_k_below_three():
    with pytest.raises(ValueError, match="below 3"):
        scoring.suppress(cuts(5), k=2, parent_respondents=None)


# --- §6 Kano ----------------------------------------------------------------------------------

KANO_SPEC_TABLE = {
    1: "Q A A A O",
    2: "R I I I M",
    3: "R I I I M",
    4: "R I I I M",
    5: "R R R R Q",
}


@pytest.mark.parametrize(
    ("functional", "dysfunctional", "category"),
    [
        (functional, dysfunctional, row.split()[dysfunctional - 1])
        for functional, row in KANO_SPEC_TABLE.items()
        for dysfunctional in range(1, 6)
    ],
)
def test_kano_category_follows_every_cell_of_the_table(functional, dysfunctional, category):
    assert scoring.kano_category(functional, dysfunctional) == category


def test_kano_category_rejects_answers_outside_one_to_five():
    with pytest.raises(ValueError, match="1-5"):
        scoring.kano_category(0, 3)


# One answer pair producing each category.
KANO_PAIR = {"A": (1, 2), "O": (1, 5), "M": (2, 5), "I": (3, 3), "R": (5, 1), "Q": (1, 1)}


def kano_pairs(counts, attribute="x"):
    """Kano answer pairs for one attribute, ``counts`` giving how many of each category."""
    rows = [(attribute, *KANO_PAIR[category]) for category, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["attribute", "functional", "dysfunctional"])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (preferred, other)
        for position, preferred in enumerate(scoring.KANO_TIE_ORDER)
        for other in scoring.KANO_TIE_ORDER[position + 1 :]
    ],
)
def test_kano_tie_goes_to_the_earlier_of_m_o_a_i_r_q(first, second):
    summary = scoring.kano_summary(kano_pairs({second: 2, first: 2}))
    assert summary["kano_category"].tolist() == [first]


def test_kano_summary_counts_categories_and_computes_better_and_worse():
    # A 2, O 1, M 1, I 0, R 3, Q 0: most frequent R;
    # better = (2 + 1) / (2 + 1 + 1 + 0) = 0.75, worse = -(1 + 1) / 4 = -0.5
    summary = scoring.kano_summary(kano_pairs({"A": 2, "O": 1, "M": 1, "R": 3}))
    expected = pd.DataFrame(
        {
            "attribute": ["x"],
            "kano_category": ["R"],
            "kano_better": [0.75],
            "kano_worse": [-0.5],
            "A": [2],
            "O": [1],
            "M": [1],
            "I": [0],
            "R": [3],
            "Q": [0],
            "n": [7],
        }
    )
    pdt.assert_frame_equal(summary, expected, check_dtype=False)


def test_kano_coefficients_are_missing_without_classifiable_answers():
    summary = scoring.kano_summary(kano_pairs({"R": 1, "Q": 2}))
    assert summary["kano_category"].tolist() == ["Q"]
    assert math.isnan(summary.loc[0, "kano_better"])
    assert math.isnan(summary.loc[0, "kano_worse"])


def test_kano_summary_is_per_attribute():
    pairs = pd.concat([kano_pairs({"A": 1}, attribute="speed"), kano_pairs({"M": 1}, attribute="courtesy")])
    summary = scoring.kano_summary(pairs)
    assert summary[["attribute", "kano_category"]].to_numpy().tolist() == [["courtesy", "M"], ["speed", "A"]]


# --- §7 operational KPIs ----------------------------------------------------------------------


def kpi_days():
    """Two agent-days of team a and one empty agent-day of team b."""
    return pd.DataFrame(
        {
            "team": ["a", "a", "b"],
            "handled": [100, 300, 0],
            "handle_seconds": [30_000, 50_000, 0],
            "resolved_first_contact": [70, 230, 0],
            "complaints": [2, 2, 0],
            "praise": [1, 5, 0],
            "spot_tests_taken": [4, 6, 0],
            "spot_tests_passed": [3, 6, 0],
        }
    )


def test_kpis_sum_agent_days_before_dividing():
    # Team a: AHT 80,000 / 400 = 200 s (not the mean of 300 and 166.7 = 233.3);
    # FCR 300 / 400 = 75 %; complaints 4 / 400 * 1000 = 10; praise 6 / 400 * 1000 = 15;
    # spot tests 9 / 10 = 90 %.
    row = scoring.kpi_metrics(kpi_days(), by=["team"]).iloc[0]
    assert row["aht_s"] == 200.0
    assert row["fcr_operational_pct"] == 75.0
    assert row["complaints_per_1k"] == 10.0
    assert row["praise_per_1k"] == 15.0
    assert row["spot_test_pass_pct"] == 90.0


def test_kpis_are_missing_on_zero_denominators():
    row = scoring.kpi_metrics(kpi_days(), by=["team"]).iloc[1]
    assert row[["aht_s", "fcr_operational_pct", "complaints_per_1k", "spot_test_pass_pct"]].isna().all()


def test_qa_courtesy_is_mean_evaluation_and_grievances_are_counted():
    # Team a: (80 + 90) / 2 = 85, 2 upheld grievances; team b: no evaluation, 0 grievances.
    evaluations = pd.DataFrame({"team": ["a", "a"], "score": [80.0, 90.0]})
    grievances = pd.DataFrame({"team": ["a", "a"], "contact": [1, 2]})
    result = scoring.kpi_metrics(kpi_days(), by=["team"], evaluations=evaluations, grievances=grievances)
    expected = pd.DataFrame({"team": ["a", "b"], "qa_courtesy": [85.0, np.nan], "grievances_upheld": [2, 0]})
    pdt.assert_frame_equal(result[list(expected.columns)], expected)


def test_kpi_metrics_has_the_section_9_columns():
    assert list(scoring.kpi_metrics(kpi_days(), by=["team"]).columns) == [
        "team",
        "aht_s",
        "fcr_operational_pct",
        "qa_courtesy",
        "complaints_per_1k",
        "praise_per_1k",
        "grievances_upheld",
        "spot_test_pass_pct",
    ]


# --- §8 balance -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "e", "expected"),
    [
        (85, 70, "balanced"),
        (90, 69.9, "customer-first strain"),
        (84.9, 70, "internal comfort"),
        (50, 50, "at risk"),
        (np.nan, 80, None),
        (90, None, None),
    ],
)
def test_quadrant_compares_both_indices_with_their_targets(c, e, expected):
    assert scoring.quadrant(c, e) == expected


def test_quadrant_uses_the_centre_targets():
    assert scoring.quadrant(80, 60, customer_target=75, employee_target=60) == "balanced"


def test_lean_is_positive_when_the_employee_side_lags():
    # (90 - 85) - (60 - 70) = 15
    assert scoring.lean(90, 60) == 15.0
    assert scoring.lean(np.nan, 60) is None


def test_balance_table_adds_quadrant_and_lean():
    indices = pd.DataFrame(
        {"team": ["a", "b", "c"], "customer_index": [90.0, 80.0, np.nan], "employee_index": [75.0, 60.0, 70.0]}
    )
    result = scoring.balance_table(indices, customer_target=85, employee_target=70)
    # a: (90 - 85) - (75 - 70) = 0; b: (80 - 85) - (60 - 70) = 5
    assert result["quadrant"].tolist()[:2] == ["balanced", "at risk"]
    assert pd.isna(result.loc[2, "quadrant"])
    pdt.assert_series_equal(result["lean"], pd.Series([0.0, 5.0, np.nan], name="lean"))


# E = 1..8 and C = 1, 3, 2, 5, 4, 7, 6, 8 (both mean 4.5).
LINK_E = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
LINK_C = [1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 6.0, 8.0]


def link_indices(team="a", employee=LINK_E, customer=LINK_C):
    """One team's consecutive periods with the given indices."""
    return pd.DataFrame(
        {"team": team, "period_index": range(len(employee)), "customer_index": customer, "employee_index": employee}
    )


def test_link_correlation_and_slope_match_hand_computation():
    # Deviations from 4.5: Sxy = 39, Sxx = Syy = 42, so r = slope = 39 / 42 = 0.928571.
    # Both series are their own ranks, so rho = r. Residual SS = 42 - 39² / 42 = 5.785714;
    # SE = sqrt(5.785714 / 6 / 42) = 0.151523; t(0.975, 6) = 2.446912;
    # interval 0.928571 ± 0.370766 = [0.557805, 1.299337].
    result = scoring.link(link_indices(), lag=0)
    assert result["link_pearson_r"] == pytest.approx(39 / 42)
    assert result["link_spearman_rho"] == pytest.approx(39 / 42)
    assert result["link_slope"] == pytest.approx(39 / 42)
    assert result["link_slope"] == pytest.approx(np.polyfit(LINK_E, LINK_C, 1)[0])
    assert result["link_slope_ci_low"] == pytest.approx(0.557805, abs=1e-5)
    assert result["link_slope_ci_high"] == pytest.approx(1.299337, abs=1e-5)
    assert (result["link_n"], result["link_lag"], result["enough_data"]) == (8, 0, True)


def test_link_with_lag_pairs_employee_index_with_next_period_of_same_team():
    # Two teams of 5 periods: lag 1 gives 4 pairs each, never across teams.
    teams = pd.concat(
        [
            link_indices("a", employee=[1.0, 2.0, 3.0, 4.0, 5.0], customer=[9.0, 2.0, 1.0, 4.0, 3.0]),
            link_indices("b", employee=[6.0, 8.0, 7.0, 9.0, 5.0], customer=[0.0, 6.0, 9.0, 7.0, 8.0]),
        ]
    )
    # Pairs (E(t), C(t + 1)): a: (1,2) (2,1) (3,4) (4,3); b: (6,6) (8,9) (7,7) (9,8).
    employee = [1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 7.0, 9.0]
    customer = [2.0, 1.0, 4.0, 3.0, 6.0, 9.0, 7.0, 8.0]
    result = scoring.link(teams, lag=1)
    assert (result["link_n"], result["link_lag"]) == (8, 1)
    assert result["link_pearson_r"] == pytest.approx(np.corrcoef(employee, customer)[0, 1])
    assert result["link_slope"] == pytest.approx(np.polyfit(employee, customer, 1)[0])


def test_link_uses_only_team_periods_with_both_indices():
    employee = [*LINK_E, 3.0, np.nan]
    customer = [*LINK_C, np.nan, 5.0]
    result = scoring.link(link_indices(employee=employee, customer=customer), lag=0)
    assert result["link_n"] == 8
    assert result["link_slope"] == pytest.approx(39 / 42)


def test_link_under_eight_team_periods_is_not_enough_data():
    result = scoring.link(link_indices(employee=LINK_E[:7], customer=LINK_C[:7]), lag=0)
    assert result["enough_data"] is False
    assert result["link_n"] == 7
    assert result["link_pearson_r"] is None
    assert result["link_slope_ci_high"] is None


def test_link_with_constant_index_reports_no_figures_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = scoring.link(link_indices(employee=[70.0] * 8), lag=0)
    assert result["enough_data"] is False
    assert result["link_slope"] is None
    assert result["link_spearman_rho"] is None


# --- periods ----------------------------------------------------------------------------------


def utc(*stamps):
    """A series of UTC timestamps."""
    return pd.Series(pd.to_datetime(list(stamps)).tz_localize("UTC"))


def test_period_start_converts_to_the_centre_zone_before_taking_the_day():
    # Sunday 2024-03-10 17:00 UTC is Monday 2024-03-11 01:00 in Shanghai (UTC+8).
    result = scoring.period_start(utc("2024-03-10 17:00"), granularity="day", tz="Asia/Shanghai")
    assert result.tolist() == [datetime.date(2024, 3, 11)]


def test_sunday_late_evening_in_shanghai_belongs_to_the_week_started_that_monday():
    # Sunday 2024-03-10 23:30 Shanghai = 15:30 UTC: ISO week from Monday 2024-03-04.
    # Monday 2024-03-11 01:00 Shanghai = Sunday 17:00 UTC: the new week of 2024-03-11,
    # although in UTC it is still Sunday.
    result = scoring.period_start(utc("2024-03-10 15:30", "2024-03-10 17:00"), granularity="week", tz="Asia/Shanghai")
    assert result.tolist() == [datetime.date(2024, 3, 4), datetime.date(2024, 3, 11)]


def test_month_starts_on_the_first_local_day():
    # 2024-03-31 20:00 UTC is 2024-04-01 04:00 in Shanghai.
    result = scoring.period_start(utc("2024-03-31 20:00", "2024-03-15 00:00"), granularity="month", tz="Asia/Shanghai")
    assert result.tolist() == [datetime.date(2024, 4, 1), datetime.date(2024, 3, 1)]


def test_week_start_is_right_across_a_dst_change():
    # New York switched to DST on Sunday 2024-03-10; Tuesday 2024-03-12 00:30 local
    # (04:30 UTC) still starts its week on Monday 2024-03-11.
    result = scoring.period_start(utc("2024-03-12 04:30"), granularity="week", tz="America/New_York")
    assert result.tolist() == [datetime.date(2024, 3, 11)]


def test_period_start_rejects_unknown_granularity():
    with pytest.raises(ValueError, match="granularity"):
        scoring.period_start(utc("2024-03-10 17:00"), granularity="quarter", tz="UTC")


def test_period_start_rejects_naive_timestamps():
    with pytest.raises(ValueError, match="timezone-aware"):
        scoring.period_start(pd.Series(pd.to_datetime(["2024-03-10 17:00"])), granularity="day", tz="UTC")


# --- records ----------------------------------------------------------------------------------


def test_metrics_to_records_gives_plain_python_values_and_none_for_missing():
    frame = pd.DataFrame(
        {"team": ["a"], "n_responses": np.array([3], dtype=np.int64), "csat_pct": [np.nan], "small_sample": [True]}
    )
    records = scoring.metrics_to_records(frame, names=["team", "n_responses", "csat_pct", "small_sample"])
    assert records == [{"team": "a", "n_responses": 3, "csat_pct": None, "small_sample": True}]
    assert type(records[0]["n_responses"]) is int
    assert type(records[0]["small_sample"]) is bool
