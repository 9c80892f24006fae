"""The engine's pulse figures for a chunk's own teams equal those of a run over every team (SCORING.md §5)."""

import pandas as pd
import pytest

from surveys.pulse_selectors import group_pulse_metrics, pulse_metrics_by_level
from tests.dashboards.centre import build_centre

pytestmark = pytest.mark.django_db


def _rows(frame: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    chosen = frame.loc[frame["key"].isin(keys)]
    return chosen.sort_values(["round_id", "key"]).reset_index(drop=True)


def test_figures_for_some_keys_equal_those_of_the_whole_run():
    build_centre()
    whole = {level: group_pulse_metrics(level=level) for level in ("team", "site", "centre")}
    assert len(whole["team"]) == 9  # three teams in three rounds
    asked = {"team": {"team-a", "team-a2", "no-such-team"}, "site": {"site-b"}, "centre": None}
    some = pulse_metrics_by_level(levels=asked)
    pd.testing.assert_frame_equal(_rows(some["team"], asked["team"]), _rows(whole["team"], asked["team"]))
    pd.testing.assert_frame_equal(_rows(some["site"], asked["site"]), _rows(whole["site"], asked["site"]))
    pd.testing.assert_frame_equal(some["centre"], whole["centre"])
    assert set(some["team"]["key"]) == {"team-a", "team-a2"}
    assert set(some["site"]["key"]) == {"site-b"}


def test_a_key_without_answers_gives_no_rows():
    build_centre()
    found = pulse_metrics_by_level(levels={"team": {"no-such-team"}})
    assert found["team"].empty
    assert list(found["team"].columns) == list(group_pulse_metrics(level="team").columns)
