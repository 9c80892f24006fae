"""Which responses open follow-up cases (SCORING.md §3-§4): pure frames, no database."""

import unittest

import pandas as pd

from agents.followup_rules import DEFAULT_RULES, Rule, case_reasons, response_figures
from satisfaction import scoring


def table(*responses: list[tuple]) -> pd.DataFrame:
    """A response table from (item, dimension, value) answers per response, ids 1, 2, ..."""
    rows = [
        {"response_id": number, "item": item, "dimension": dimension, "value": value}
        for number, answers in enumerate(responses, start=1)
        for item, dimension, value in answers
    ]
    return scoring.response_table(pd.DataFrame(rows))


class CaseReasonsTest(unittest.TestCase):
    def test_a_satisfied_response_opens_nothing(self):
        frame = table([("csat", None, 5), ("nps", None, 9), ("disconfirmation", "empathy", 4)])
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [])

    def test_bottom_two_csat_is_low_satisfaction(self):
        frame = table([("csat", None, 2)], [("csat", None, 3)])
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [(1, "low_csat")])

    def test_nps_zero_to_six_is_a_detractor(self):
        frame = table([("nps", None, 6)], [("nps", None, 7)])
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [(1, "detractor")])

    def test_a_gap_at_or_below_minus_fifty_is_strongly_negative(self):
        # Disconfirmation 2 is (2 - 3) / 2 * 100 = -50; expectation 6, experience 4 is -33.3.
        frame = table(
            [("csat", None, 4), ("disconfirmation", "reliability", 2)],
            [("csat", None, 4), ("expectation", "empathy", 6), ("experience", "empathy", 4)],
        )
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [(1, "negative_gap")])

    def test_a_mismatch_opens_its_own_case_besides_low_satisfaction(self):
        # csat 1 with a mean experience of (6 + 5) / 2 = 5.5 >= 5 (SCORING.md §4).
        frame = table([("csat", None, 1), ("experience", "empathy", 6), ("experience", "reliability", 5)])
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [(1, "low_csat"), (1, "mismatch")])

    def test_a_disabled_rule_opens_nothing_but_a_mismatch_always_does(self):
        rules = {
            reason: Rule(enabled=False, threshold=rule.threshold, due_hours=1) for reason, rule in DEFAULT_RULES.items()
        }
        frame = table([("csat", None, 2), ("disconfirmation", "empathy", 3)])
        self.assertEqual(case_reasons(frame, rules), [(1, "mismatch")])

    def test_thresholds_are_configurable(self):
        rules = {**DEFAULT_RULES, "detractor": Rule(enabled=True, threshold=3, due_hours=24)}
        frame = table([("nps", None, 3)], [("nps", None, 5)])
        self.assertEqual(case_reasons(frame, rules), [(1, "detractor")])

    def test_unanswered_items_never_open_a_case(self):
        frame = table([("comment", None, None)], [("fcr", None, 0.0)])
        self.assertEqual(case_reasons(frame, DEFAULT_RULES), [])

    def test_figures_keep_missing_answers_as_none(self):
        frame = table([("csat", None, 2), ("disconfirmation", "empathy", 1)])
        self.assertEqual(
            response_figures(frame), {1: {"csat": 2.0, "nps": None, "gap": -100.0, "experience_mean": None}}
        )
