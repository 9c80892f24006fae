"""Which survey responses open follow-up cases, and why (SCORING.md §3-§4; DESIGN.md flow 4).

Pure: a ``satisfaction.scoring.response_table`` frame and the rules in, (response, reason) pairs out.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agents.models.cases import CaseReason
from satisfaction import scoring

# "Strongly negative": the response gap is at least half the scale below expectation, e.g. a
# disconfirmation answer of 2 ("worse than expected") or experience three points under a 1-7 expectation.
STRONGLY_NEGATIVE_GAP = -50.0
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class Rule:
    enabled: bool
    threshold: float | None
    due_hours: int


DEFAULT_RULES: dict[str, Rule] = {
    # §4 bottom-2 box of csat.
    CaseReason.LOW_CSAT: Rule(enabled=True, threshold=max(scoring.CSAT_BOTTOM2), due_hours=2 * HOURS_PER_DAY),
    # §3 detractors answer 0-6.
    CaseReason.DETRACTOR: Rule(enabled=True, threshold=scoring.NPS_DETRACTOR_MAX, due_hours=3 * HOURS_PER_DAY),
    CaseReason.NEGATIVE_GAP: Rule(enabled=True, threshold=STRONGLY_NEGATIVE_GAP, due_hours=3 * HOURS_PER_DAY),
    # §4: a mismatch always opens a case, whatever the rule says.
    CaseReason.MISMATCH: Rule(enabled=True, threshold=None, due_hours=2 * HOURS_PER_DAY),
}
# The response_table column each threshold compares with ("at or below").
_THRESHOLD_COLUMNS = {
    CaseReason.LOW_CSAT: scoring.ITEM_CSAT,
    CaseReason.DETRACTOR: scoring.ITEM_NPS,
    CaseReason.NEGATIVE_GAP: "gap",
}
FIGURE_COLUMNS = (scoring.ITEM_CSAT, scoring.ITEM_NPS, "gap", "experience_mean")


def case_reasons(table: pd.DataFrame, rules: Mapping[str, Rule]) -> list[tuple[int, str]]:
    """(response_id, reason) for every rule each response triggers, in response order."""
    triggered: list[tuple[int, str]] = []
    masks: dict[str, pd.Series] = {}
    for reason, column in _THRESHOLD_COLUMNS.items():
        rule = rules[reason]
        if rule.enabled and rule.threshold is not None and column in table.columns:
            # NaN compares False: an unanswered item never opens a case.
            masks[reason] = table[column].le(rule.threshold)
    masks[CaseReason.MISMATCH] = table["mismatch"].astype(bool)
    for position, response_id in enumerate(table["response_id"]):
        for reason in (*_THRESHOLD_COLUMNS, CaseReason.MISMATCH):
            if reason in masks and bool(masks[reason].iloc[position]):
                triggered.append((int(response_id), str(reason)))
    return triggered


def response_figures(table: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """The figures a case shows, per response id (None where not answered)."""
    columns = [c for c in FIGURE_COLUMNS if c in table.columns]
    figures: dict[int, dict[str, Any]] = {}
    for record in table[["response_id", *columns]].to_dict("records"):
        response_id = int(record.pop("response_id"))
        figures[response_id] = {
            name: None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            for name, value in record.items()
        }
    return figures
