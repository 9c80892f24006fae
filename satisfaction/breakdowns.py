"""Snapshot figures beyond SCORING.md §9 that the customer dashboard reads (issue 8).

Pure functions over the answers the engine already loads: the CSAT distribution
(``csat_count_1`` .. ``csat_count_5``), expectation and experience per dimension
(``expectation_<d>``, ``experience_<d>``, ``pairs_<d>``), and the headline figures per channel
and per queue (``<figure>@channel=<code>``, ``<figure>@queue=<code>``, weeks and months only). Every figure is computed
with the §2-§4 functions of ``satisfaction.scoring``, so a cut's figures follow the same rules as
the group's. No Django, ORM or settings here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from satisfaction import scoring

CSAT_VALUES = (1, 2, 3, 4, 5)
# The headline figures kept per channel and per queue; the rest (response rate, per-dimension
# gaps, mismatches) exist for the whole group only.
CUT_FIGURES = (
    "n_responses",
    "csat_pct",
    "csat_mean",
    "nps",
    "ces_mean",
    "fcr_pct",
    "gap",
    "hidden_dissatisfaction_pct",
    *(f"csat_count_{value}" for value in CSAT_VALUES),
)
CUTS = ("channel", "queue")
# Cut figures are kept for the periods the dashboards filter, not for days: agent-days are most
# snapshots, and per-channel figures of one agent's day rest on a handful of answers.
CUT_GRANULARITIES = ("week", "month")
CUT_MARK = "@"
# Columns of the response table that the cut figures read (``scoring.customer_metrics``).
_CUT_COLUMNS = ("has_answer", "csat", "nps", "ces", "fcr", "gap", "hidden", "mismatch")
# The ``response_breakdowns`` columns ``group_breakdowns`` reads: those, the cuts, and each
# dimension's pair (``expectation_<d>``, ``experience_<d>``).
GROUP_INPUT_COLUMNS = (*_CUT_COLUMNS, *CUTS)
PAIR_SIDES = (f"{scoring.ITEM_EXPECTATION}_", f"{scoring.ITEM_EXPERIENCE}_")


def cut_name(figure: str, *, cut: str, value: str) -> str:
    """The snapshot name of a figure for one channel or queue, e.g. ``csat_pct@channel=ivr``."""
    return f"{figure}{CUT_MARK}{cut}={value}"


def response_breakdowns(
    answers: pd.DataFrame,
    *,
    cuts: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    responses: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per response: ``scoring.response_table`` with channel, queue and each dimension's pair.

    ``cuts`` holds ``response_id``, ``channel`` and ``queue``; a blank queue is no queue.
    ``responses`` is ``scoring.response_table(answers, weights=weights)`` when the caller has it.
    ``expectation_<d>`` and ``experience_<d>`` are set only where both sides of the §2 pair are
    answered, so their difference over a group matches the pair gap.
    """
    if answers.empty:
        return pd.DataFrame()
    if responses is None:
        responses = scoring.response_table(answers, weights=weights)
    extra = {}
    items = (scoring.ITEM_EXPECTATION, scoring.ITEM_EXPERIENCE)
    pairs = answers.loc[answers["item"].isin(items).to_numpy(dtype=bool) & answers["value"].notna().to_numpy()]
    if not pairs.empty:
        # Each side of each dimension as a (response x dimension) grid, as response_table builds its gaps.
        row = pd.Index(responses["response_id"]).get_indexer(pairs["response_id"])
        dimension, dimensions = pd.factorize(pairs["dimension"], sort=True)
        value = pairs["value"].to_numpy(dtype=float)
        sides = []
        for item in items:
            grid = np.full((len(responses), len(dimensions)), np.nan)
            of_item = (pairs["item"] == item).to_numpy(dtype=bool)
            grid[row[of_item], dimension[of_item]] = value[of_item]
            sides.append(grid)
        complete = ~np.isnan(sides[0]) & ~np.isnan(sides[1])
        for position, name in enumerate(dimensions):
            # A dimension without one complete pair in these answers has no columns (and no figures).
            if complete[:, position].any():
                for item, grid in zip(items, sides, strict=True):
                    extra[f"{item}_{name}"] = np.where(complete[:, position], grid[:, position], np.nan)
    cut_columns = cuts.loc[:, ["response_id", *CUTS]].drop_duplicates("response_id").set_index("response_id")
    cut_columns["queue"] = cut_columns["queue"].fillna("").astype(str).str.strip().replace("", np.nan)
    # Categories: a response's cut is copied once per group it counts for, and codes copy cheaply.
    cut_columns = cut_columns.astype({cut: "category" for cut in CUTS})
    return pd.concat(
        [
            responses.drop(columns=[c for c in CUTS if c in responses.columns]),
            pd.DataFrame(extra, index=responses.index),
        ],
        axis=1,
    ).join(cut_columns, on="response_id")


def group_breakdowns(responses: pd.DataFrame, *, by: Sequence[str]) -> dict[tuple, dict[str, Any]]:
    """Per ``by`` group of ``response_breakdowns`` rows: the distribution, the pairs and the cut figures."""
    if responses.empty:
        return {}
    keys = list(by)
    answered = responses.loc[responses["has_answer"].to_numpy(dtype=bool)]
    result: dict[tuple, dict[str, Any]] = {}

    def merge(frame: pd.DataFrame, names: Sequence[str], *, suffix: str = "") -> None:
        # Column-wise to plain Python values (NaN to None): a site's agent-days are thousands of rows.
        renamed = {name: f"{name}{suffix}" for name in names}
        records = scoring.metrics_to_records(frame.rename(columns=renamed), names=list(renamed.values()))
        for group, record in zip(frame[keys].itertuples(index=False, name=None), records, strict=True):
            result.setdefault(group, {}).update(record)

    dimensions = sorted(
        c[len(scoring.ITEM_EXPECTATION) + 1 :] for c in answered.columns if c.startswith(scoring.ITEM_EXPECTATION + "_")
    )
    distribution = csat_distribution(answered, by=keys, pair_dimensions=dimensions)
    merge(distribution, [c for c in distribution.columns if c not in keys])
    periods = answered
    if "granularity" in answered.columns:
        periods = answered.loc[answered["granularity"].isin(CUT_GRANULARITIES).to_numpy(dtype=bool)]
    for cut in CUTS:
        frame = periods.loc[periods[cut].notna()] if cut in periods.columns else periods.iloc[0:0]
        if frame.empty:
            continue
        figures = cut_figures(frame, by=keys, cut=cut)
        for value, part in figures.groupby(cut, sort=True):
            merge(part, CUT_FIGURES, suffix=cut_name("", cut=cut, value=value))
    return result


def csat_distribution(
    responses: pd.DataFrame, *, by: Sequence[str], pair_dimensions: Sequence[str] = ()
) -> pd.DataFrame:
    """``csat_count_1`` .. ``csat_count_5``: responses per overall CSAT answer (§1), per ``by`` group.

    With ``pair_dimensions``, also the mean expectation and experience (1-7) over complete pairs per
    dimension, ``expectation_<d>`` and ``experience_<d>``, and their number, ``pairs_<d>``, from the
    same grouping (``response_breakdowns`` sets both sides only where both are answered).
    """
    csat = responses[scoring.ITEM_CSAT]
    counts = pd.DataFrame(
        {f"csat_count_{value}": csat.eq(value).astype(np.int64) for value in CSAT_VALUES}, index=responses.index
    )
    sides = [f"{item}_{d}" for d in pair_dimensions for item in (scoring.ITEM_EXPECTATION, scoring.ITEM_EXPERIENCE)]
    values = pd.DataFrame({column: responses.get(column, np.nan) for column in sides}, index=responses.index)
    grouped = pd.concat([responses[list(by)], counts, values.astype(float)], axis=1).groupby(list(by), sort=True)
    parts = [grouped[list(counts.columns)].sum()]
    if sides:
        pairs = grouped[[f"{scoring.ITEM_EXPECTATION}_{d}" for d in pair_dimensions]].count()
        pairs.columns = [f"pairs_{d}" for d in pair_dimensions]
        parts += [grouped[sides].mean(), pairs]
    return pd.concat(parts, axis=1).reset_index()


def cut_figures(responses: pd.DataFrame, *, by: Sequence[str], cut: str) -> pd.DataFrame:
    """The ``CUT_FIGURES`` per ``by`` group and value of ``cut`` (``channel`` or ``queue``)."""
    keys = [*by, cut]
    # Grouped by the value's number, not its text: hashing strings per grouping costs more than the sums.
    codes, values = pd.factorize(responses[cut], sort=True, use_na_sentinel=False)
    frame = responses[[*by, *_CUT_COLUMNS]].assign(**{cut: codes})
    headline = scoring.customer_metrics(frame, by=keys)
    distribution = csat_distribution(frame, by=keys)
    figures = headline.merge(distribution, on=keys, how="left")
    figures[cut] = np.asarray(values, dtype=object)[figures[cut].to_numpy()]
    return figures
