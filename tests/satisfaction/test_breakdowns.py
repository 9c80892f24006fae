"""Hand-worked dashboard extras: CSAT distribution, expectation and experience, channel and queue cuts."""

import pandas as pd
import pytest

from satisfaction import breakdowns

# Four responses of team "a" (SCORING.md §2-§4 by hand):
#   R1 ivr, queue billing: csat 5, nps 10, fcr yes, empathy 5 -> 6: gap (6 - 5) / 6 * 100 = 16.667
#   R2 ivr, no queue:      csat 4, nps 7, fcr no, disconfirmation reliability 1: gap -100, hidden (csat 4, gap <= -33.3)
#   R3 sms, queue billing: csat 2, nps 3, expectation empathy 4 only: no pair, no gap
#   R4 web, queue sales:   csat 5, empathy 3 -> 7 (gap 66.667), assurance 6 -> 5 (gap -16.667): gap 25
ANSWERS = [
    (1, "csat", None, 5),
    (1, "nps", None, 10),
    (1, "fcr", None, 1),
    (1, "expectation", "empathy", 5),
    (1, "experience", "empathy", 6),
    (2, "csat", None, 4),
    (2, "nps", None, 7),
    (2, "fcr", None, 0),
    (2, "disconfirmation", "reliability", 1),
    (3, "csat", None, 2),
    (3, "nps", None, 3),
    (3, "expectation", "empathy", 4),
    (4, "csat", None, 5),
    (4, "expectation", "empathy", 3),
    (4, "experience", "empathy", 7),
    (4, "expectation", "assurance", 6),
    (4, "experience", "assurance", 5),
]
CUTS = pd.DataFrame(
    {"response_id": [1, 2, 3, 4], "channel": ["ivr", "ivr", "sms", "web"], "queue": ["billing", "", "billing", "sales"]}
)


def _answers() -> pd.DataFrame:
    return pd.DataFrame(ANSWERS, columns=["response_id", "item", "dimension", "value"]).assign(team="a")


@pytest.fixture
def figures() -> dict:
    responses = breakdowns.response_breakdowns(_answers(), cuts=CUTS)
    found = breakdowns.group_breakdowns(responses, by=["team"])
    assert list(found) == [("a",)]
    return found[("a",)]


def test_csat_distribution_counts_each_answer(figures):
    assert [figures[f"csat_count_{v}"] for v in range(1, 6)] == [0, 1, 0, 1, 2]


def test_expectation_and_experience_are_means_over_complete_pairs(figures):
    # Empathy pairs R1 (5, 6) and R4 (3, 7); R3's lone expectation is left out.
    assert figures["expectation_empathy"] == pytest.approx(4)
    assert figures["experience_empathy"] == pytest.approx(6.5)
    assert figures["pairs_empathy"] == 2
    assert figures["expectation_assurance"] == pytest.approx(6)
    assert figures["experience_assurance"] == pytest.approx(5)
    assert figures["pairs_assurance"] == 1
    assert "expectation_reliability" not in figures  # disconfirmation only: no pair


def test_channel_cut_follows_the_headline_rules(figures):
    ivr = {name: figures[breakdowns.cut_name(name, cut="channel", value="ivr")] for name in breakdowns.CUT_FIGURES}
    assert ivr["n_responses"] == 2
    assert ivr["csat_pct"] == pytest.approx(100)
    assert ivr["csat_mean"] == pytest.approx(4.5)
    assert ivr["nps"] == pytest.approx(50)  # one promoter, one passive
    assert ivr["fcr_pct"] == pytest.approx(50)
    assert ivr["gap"] == pytest.approx((100 / 6 - 100) / 2)
    assert ivr["hidden_dissatisfaction_pct"] == pytest.approx(50)
    assert [ivr[f"csat_count_{v}"] for v in range(1, 6)] == [0, 0, 0, 1, 1]


def test_a_channel_without_an_answer_to_a_figure_has_none(figures):
    assert figures["n_responses@channel=sms"] == 1
    assert figures["csat_pct@channel=sms"] == 0
    assert figures["fcr_pct@channel=sms"] is None
    assert figures["gap@channel=sms"] is None
    assert figures["hidden_dissatisfaction_pct@channel=sms"] is None  # no top-2 answer
    assert figures["gap@channel=web"] == pytest.approx(25)


def test_queue_cut_leaves_out_responses_without_a_queue(figures):
    assert figures["n_responses@queue=billing"] == 2
    assert figures["csat_mean@queue=billing"] == pytest.approx(3.5)
    assert figures["n_responses@queue=sales"] == 1
    assert not any(name.endswith("@queue=") for name in figures)


def test_cuts_add_up_to_the_group(figures):
    channels = sum(figures[f"n_responses@channel={c}"] for c in ("ivr", "sms", "web"))
    assert channels == sum(figures[f"csat_count_{v}"] for v in range(1, 6)) == 4


def test_groups_are_kept_apart():
    answers = _answers()
    answers.loc[answers["response_id"] >= 3, "team"] = "b"
    found = breakdowns.group_breakdowns(breakdowns.response_breakdowns(answers, cuts=CUTS), by=["team"])
    assert found[("a",)]["n_responses@channel=ivr"] == 2
    assert "n_responses@channel=ivr" not in found[("b",)]
    assert found[("b",)]["csat_count_2"] == 1


def test_no_answers_give_no_figures():
    empty = _answers().iloc[0:0]
    assert breakdowns.group_breakdowns(breakdowns.response_breakdowns(empty, cuts=CUTS), by=["team"]) == {}


def test_cuts_are_kept_for_weeks_and_months_not_days():
    responses = breakdowns.response_breakdowns(_answers(), cuts=CUTS)
    both = pd.concat([responses.assign(granularity="day"), responses.assign(granularity="week")])
    found = breakdowns.group_breakdowns(both, by=["team", "granularity"])
    assert "n_responses@channel=ivr" not in found[("a", "day")]
    assert found[("a", "day")]["csat_count_5"] == 2  # the distribution is kept for days
    assert found[("a", "week")]["n_responses@channel=ivr"] == 2
