"""Pure scoring functions: every figure of SCORING.md, computed from DataFrames or values.

No Django, ORM or settings here: callers load the rows, pass values such as the anonymity
``k`` or the balance targets, and store what comes back. Frames keep missing figures as NaN;
functions that return plain dicts (and ``metrics_to_records``) turn them into ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

# §1 item names as stored in the answers table.
ITEM_CSAT = "csat"
ITEM_NPS = "nps"
ITEM_CES = "ces"
ITEM_FCR = "fcr"
ITEM_EXPECTATION = "expectation"
ITEM_EXPERIENCE = "experience"
ITEM_DISCONFIRMATION = "disconfirmation"
ITEM_COMMENT = "comment"
OVERALL_ITEMS = (ITEM_CSAT, ITEM_NPS, ITEM_CES, ITEM_FCR)
GAP_ITEMS = (ITEM_EXPECTATION, ITEM_EXPERIENCE, ITEM_DISCONFIRMATION)

PERCENT = 100
PER_THOUSAND = 1000

# §1/§2 scales.
PAIR_SCALE = (1, 7)
GAP_SCALE = 100
DISCONFIRMATION_AS_EXPECTED = 3
DISCONFIRMATION_HALF_RANGE = 2
DEFAULT_DIMENSION_WEIGHT = 1.0

# §2 group gap interval and small-sample mark.
Z95 = 1.96
SMALL_SAMPLE_N = 30

# §3 headline figures.
CSAT_TOP2 = (4, 5)
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
FCR_YES = 1.0

# §4 hidden dissatisfaction and mismatches.
HIDDEN_GAP_THRESHOLD = -33.3
CSAT_BOTTOM2 = (1, 2)
MISMATCH_EXPERIENCE_MIN = 5
MISMATCH_DISCONFIRMATION_MIN = 3

# §5 employee pulse.
PULSE_LIKERT = "likert"
PULSE_ENPS = "enps"
CATEGORY_ENGAGEMENT = "engagement"
CATEGORY_STRESS = "stress"
LIKERT_MIN = 1
LIKERT_RANGE = 4
LIKERT_REVERSE_BASE = 6
LIKERT_FAVOURABLE_MIN = 4
DEFAULT_K = 5
MIN_K = 3
# §5/§9 pulse figures that ``suppress`` blanks; ``respondents`` is always blanked as well.
PULSE_METRIC_COLUMNS = ("engagement_index", "stress_index", "enps", "favourable_pct", "participation_pct")

# §6 Kano table: keys are (functional, dysfunctional) answers, 1 like, 2 must-be, 3 neutral,
# 4 live-with, 5 dislike; each string is one row of the spec table, read left to right.
KANO_ANSWERS = (1, 2, 3, 4, 5)
KANO_TABLE: dict[tuple[int, int], str] = {
    (functional, dysfunctional): row[dysfunctional - 1]
    for functional, row in {1: "QAAAO", 2: "RIIIM", 3: "RIIIM", 4: "RIIIM", 5: "RRRRQ"}.items()
    for dysfunctional in KANO_ANSWERS
}
KANO_CATEGORIES = ("A", "O", "M", "I", "R", "Q")
KANO_TIE_ORDER = "MOAIRQ"

# §8 balance.
DEFAULT_CUSTOMER_TARGET = 85
DEFAULT_EMPLOYEE_TARGET = 70
QUADRANT_BALANCED = "balanced"
QUADRANT_CUSTOMER_FIRST_STRAIN = "customer-first strain"
QUADRANT_INTERNAL_COMFORT = "internal comfort"
QUADRANT_AT_RISK = "at risk"
LINK_MIN_PERIODS = 8
LINK_CONFIDENCE = 0.95

PERIOD_GRANULARITIES = ("day", "week", "month")

# Stand-in grouping key when a caller asks for one figure over the whole frame (``by=[]``).
_ALL = "__all__"
_ANSWER_COLUMNS = ("response_id", "item", "dimension", "value", "comment_negative")
# The ``response_table`` columns ``customer_metrics`` reads (with ``gap`` and every ``gap_<d>``).
GROUP_INPUT_COLUMNS = ("has_answer", "csat", "nps", "ces", "fcr", "hidden", "mismatch")
_GROUP_SUFFIXES = ("sd", "ci_low", "ci_high", "n")


# --- §2-§4 per response ------------------------------------------------------------------


def response_table(
    answers: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    pair_scale: tuple[float, float] = PAIR_SCALE,
) -> pd.DataFrame:
    """One row per response with its §3 answers, §2 gaps and §4 flags, from long-format answers."""
    low, high = pair_scale
    if high <= low:
        raise ValueError(f"pair_scale must rise, got {pair_scale!r}")
    weights = weights or {}
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("dimension weights must not be negative")

    response_codes, response_ids = pd.factorize(answers["response_id"], sort=True)
    if (response_codes < 0).any():
        raise ValueError("every answer needs a response_id")
    item_codes, item_names = pd.factorize(answers["item"])
    dimension_codes, dimension_names = pd.factorize(answers["dimension"], sort=True)
    value = answers["value"].to_numpy(dtype=float)
    answered = ~np.isnan(value)
    n_responses, n_dimensions = len(response_ids), len(dimension_names)

    def is_item(name: str) -> np.ndarray:
        matches = np.flatnonzero(item_names == name)
        return item_codes == matches[0] if len(matches) else np.zeros(len(answers), dtype=bool)

    is_gap_item = is_item(ITEM_EXPECTATION) | is_item(ITEM_EXPERIENCE) | is_item(ITEM_DISCONFIRMATION)
    if (is_gap_item & (dimension_codes < 0)).any():
        raise ValueError("expectation, experience and disconfirmation answers need a dimension")
    is_comment = is_item(ITEM_COMMENT)
    # An item is answered once per response (per dimension for gap items); a second answer is
    # a loading bug, and silently keeping either one would make figures depend on row order.
    once = answered & ~is_comment
    item_key = response_codes.astype(np.int64) * (len(item_names) + 1) + item_codes
    answer_key = item_key * (n_dimensions + 1) + np.where(is_gap_item, dimension_codes + 1, 0)
    if not pd.Index(answer_key[once]).is_unique:
        raise ValueError("an item is answered more than once in the same response")

    def per_response(name: str) -> np.ndarray:
        rows = is_item(name) & answered
        column = np.full(n_responses, np.nan)
        column[response_codes[rows]] = value[rows]
        return column

    def per_dimension(name: str) -> np.ndarray:
        rows = is_item(name) & answered
        grid = np.full((n_responses, n_dimensions), np.nan)
        grid[response_codes[rows], dimension_codes[rows]] = value[rows]
        return grid

    expectation = per_dimension(ITEM_EXPECTATION)
    experience = per_dimension(ITEM_EXPERIENCE)
    disconfirmation = per_dimension(ITEM_DISCONFIRMATION)
    # §2: NaN on either side of a pair leaves the pair gap missing, not zero.
    pair_gap = (experience - expectation) / (high - low) * GAP_SCALE
    disconfirmation_gap = (disconfirmation - DISCONFIRMATION_AS_EXPECTED) / DISCONFIRMATION_HALF_RANGE * GAP_SCALE
    # SCORING.md does not say which wins when one response has both a complete pair and a
    # disconfirmation answer for the same dimension; we take the pair, the finer measurement.
    gaps = np.where(np.isnan(pair_gap), disconfirmation_gap, pair_gap)

    gap_answered = ~np.isnan(gaps)
    dimension_weights = np.array(
        [float(weights.get(name, DEFAULT_DIMENSION_WEIGHT)) for name in dimension_names], dtype=float
    )
    weight_sum = gap_answered @ dimension_weights
    weighted_gap_sum = np.where(gap_answered, gaps, 0.0) @ dimension_weights
    # A weighted mean lies between the smallest and largest gap; clipping to them removes the
    # float rounding that would otherwise put a lone -100 at -100.00000000000001.
    response_gap = np.clip(
        _divide(weighted_gap_sum, weight_sum),
        np.where(gap_answered, gaps, np.inf).min(axis=1, initial=np.inf),
        np.where(gap_answered, gaps, -np.inf).max(axis=1, initial=-np.inf),
    )

    experience_answered = ~np.isnan(experience)
    experience_mean = _divide(
        np.where(experience_answered, experience, 0.0).sum(axis=1), experience_answered.sum(axis=1).astype(float)
    )

    has_answer = np.zeros(n_responses, dtype=bool)
    has_answer[response_codes[answered | is_comment]] = True
    comment_negative = np.zeros(n_responses, dtype=bool)
    if "comment_negative" in answers.columns:
        negative_rows = is_comment & answers["comment_negative"].eq(True).to_numpy(dtype=bool, na_value=False)
        comment_negative[response_codes[negative_rows]] = True

    csat = per_response(ITEM_CSAT)
    # §4: NaN gaps compare False, so unanswered dimensions never flag a response.
    hidden = np.isin(csat, CSAT_TOP2) & ((gaps <= HIDDEN_GAP_THRESHOLD).any(axis=1) | comment_negative)
    disconfirmation_answered = ~np.isnan(disconfirmation)
    all_disconfirmation_fine = disconfirmation_answered.any(axis=1) & (
        (disconfirmation >= MISMATCH_DISCONFIRMATION_MIN) | ~disconfirmation_answered
    ).all(axis=1)
    mismatch = np.isin(csat, CSAT_BOTTOM2) & ((experience_mean >= MISMATCH_EXPERIENCE_MIN) | all_disconfirmation_fine)

    figures = {
        ITEM_CSAT: csat,
        ITEM_NPS: per_response(ITEM_NPS),
        ITEM_CES: per_response(ITEM_CES),
        ITEM_FCR: per_response(ITEM_FCR),
        "gap": response_gap,
        **{f"gap_{name}": gaps[:, position] for position, name in enumerate(dimension_names)},
        "experience_mean": experience_mean,
        "has_answer": has_answer,
        "comment_negative": comment_negative,
        "hidden": hidden,
        "mismatch": mismatch,
    }
    # Columns such as agent or team are constant per response; the first row carries them.
    carried = [column for column in answers.columns if column not in _ANSWER_COLUMNS]
    first_rows = np.flatnonzero(~pd.Index(response_codes).duplicated())
    first_rows = first_rows[np.argsort(response_codes[first_rows])]
    return pd.concat(
        [
            pd.DataFrame({"response_id": np.asarray(response_ids)}),
            answers[carried].iloc[first_rows].reset_index(drop=True),
            pd.DataFrame(figures),
        ],
        axis=1,
    )


# --- §2-§4 per group -----------------------------------------------------------------------


def customer_metrics(
    responses: pd.DataFrame,
    *,
    by: Sequence[str],
    dimensions: Sequence[str] = (),
    invitations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """§2-§4 group figures (§9 names) from ``response_table`` rows, one row per ``by`` group."""
    # Without ``dimensions``, every ``gap_<d>`` column of the response table is a dimension.
    dimension_names = list(dimensions) or [column[len("gap_") :] for column in responses if column.startswith("gap_")]
    if reserved := set(dimension_names) & set(_GROUP_SUFFIXES):
        raise ValueError(f"dimension names clash with group figure names: {sorted(reserved)}")
    keys, frame = _with_keys(responses.loc[responses["has_answer"].to_numpy(dtype=bool)], by)
    csat, nps, fcr = frame[ITEM_CSAT], frame[ITEM_NPS], frame[ITEM_FCR]
    gap_columns = ["gap", *(f"gap_{name}" for name in dimension_names)]
    counts = pd.DataFrame(
        {
            "n_responses": np.ones(len(frame), dtype=np.int64),
            "csat_answered": csat.notna(),
            "csat_top2": csat.isin(CSAT_TOP2),
            "nps_answered": nps.notna(),
            "nps_promoters": nps.ge(NPS_PROMOTER_MIN),
            "nps_detractors": nps.le(NPS_DETRACTOR_MAX),
            "fcr_answered": fcr.notna(),
            "fcr_yes": fcr.eq(FCR_YES),
            "hidden": frame["hidden"].astype(bool),
            "mismatch": frame["mismatch"].astype(bool),
        },
        index=frame.index,
        # Whole numbers, summed as such: pandas sums a boolean column by converting it group by group.
    ).astype(np.int64)
    values = pd.DataFrame(
        {column: frame.get(column, np.nan) for column in [ITEM_CSAT, ITEM_CES, *gap_columns]},
        index=frame.index,
    ).astype(float)
    grouped = pd.concat([frame[keys], counts.add_prefix("count_"), values], axis=1).groupby(
        keys, dropna=False, sort=True
    )
    sums = grouped[[f"count_{column}" for column in counts]].sum().rename(columns=lambda name: name[len("count_") :])
    means = grouped[list(values.columns)].mean()
    sds = grouped[gap_columns].std(ddof=1)
    ns = grouped[gap_columns].count()

    figures: dict[str, pd.Series] = {
        "n_responses": sums["n_responses"],
        "csat_pct": _percent(sums["csat_top2"], sums["csat_answered"]),
        "csat_mean": means[ITEM_CSAT],
        "nps": _percent(sums["nps_promoters"] - sums["nps_detractors"], sums["nps_answered"]),
        "ces_mean": means[ITEM_CES],
        "fcr_pct": _percent(sums["fcr_yes"], sums["fcr_answered"]),
    }
    for column in gap_columns:
        # §2: mean ± 1.96 * sd / sqrt(n); sd (ddof=1) and so the interval are NaN below n = 2.
        half_width = Z95 * sds[column] / np.sqrt(ns[column])
        figures[column] = means[column]
        figures[f"{column}_sd"] = sds[column]
        figures[f"{column}_ci_low"] = means[column] - half_width
        figures[f"{column}_ci_high"] = means[column] + half_width
        figures[f"{column}_n"] = ns[column]
    figures["hidden_dissatisfaction_pct"] = _percent(sums["hidden"], sums["csat_top2"])
    figures["mismatch_count"] = sums["mismatch"]
    result = pd.DataFrame(figures).reset_index()

    if invitations is not None:
        delivered = _with_keys(invitations, by)[1].groupby(keys, dropna=False)["delivered"].sum()
        # Outer join: a group that was invited but never answered has a response rate of 0 %.
        result = result.merge(delivered.reset_index(), on=keys, how="outer", sort=True)
        unanswered = result["n_responses"].isna()
        for column in ["n_responses", "mismatch_count", *(f"{gap}_n" for gap in gap_columns)]:
            result[column] = result[column].fillna(0).astype(np.int64)
        result.loc[unanswered, "hidden_dissatisfaction_pct"] = np.nan
        result["response_rate_pct"] = _percent(result["n_responses"], result.pop("delivered"))
    result["small_sample"] = result["n_responses"] < SMALL_SAMPLE_N
    return _drop_keys(result, by)


# --- §5 employee pulse ---------------------------------------------------------------------


def pulse_metrics(
    pulse_answers: pd.DataFrame,
    *,
    by: Sequence[str],
    invited: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """§5 pulse figures per ``by`` group: respondents, indices, eNPS, favourable and participation %."""
    keys, frame = _with_keys(_answered_pulse(pulse_answers), by)
    likert = frame["kind"].eq(PULSE_LIKERT)
    enps = frame["kind"].eq(PULSE_ENPS)
    grouped = frame.groupby(keys, dropna=False, sort=True)
    respondents = grouped["submission_id"].nunique()
    enps_counts = (
        pd.DataFrame(
            {
                "answered": enps,
                "promoters": enps & frame["value"].ge(NPS_PROMOTER_MIN),
                "detractors": enps & frame["value"].le(NPS_DETRACTOR_MAX),
            }
        )
        .groupby([frame[key] for key in keys], dropna=False, sort=True)
        .sum()
    )
    favourable = (
        pd.DataFrame({"answers": likert, "favourable": likert & frame["recoded"].ge(LIKERT_FAVOURABLE_MIN)})
        .groupby([frame[key] for key in keys], dropna=False, sort=True)
        .sum()
    )
    result = pd.DataFrame(
        {
            "respondents": respondents,
            "engagement_index": _respondent_index(
                frame, likert & frame["category"].eq(CATEGORY_ENGAGEMENT), "recoded", keys
            ),
            # §5: the stress items are worded so that agreement means strain, so no recoding.
            "stress_index": _respondent_index(frame, likert & frame["category"].eq(CATEGORY_STRESS), "value", keys),
            "enps": _percent(enps_counts["promoters"] - enps_counts["detractors"], enps_counts["answered"]),
            "favourable_pct": _percent(favourable["favourable"], favourable["answers"]),
        },
        index=respondents.index,
    ).reset_index()
    if invited is not None:
        invited_counts = _with_keys(invited, by)[1].groupby(keys, dropna=False)["invited"].sum()
        # Left join: a cut with no respondents is suppressed anyway (§5 anonymity rule).
        result = result.merge(invited_counts.reset_index(), on=keys, how="left")
        result["participation_pct"] = _percent(result["respondents"], result.pop("invited"))
    return _drop_keys(result, by)


def item_favourable(pulse_answers: pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """§5 item favourable % per ``by`` group and likert item, with the item's respondents."""
    keys, frame = _with_keys(_answered_pulse(pulse_answers), by)
    likert = frame.loc[frame["kind"].eq(PULSE_LIKERT)]
    grouped = likert.assign(favourable=likert["recoded"].ge(LIKERT_FAVOURABLE_MIN)).groupby(
        [*keys, "item"], dropna=False, sort=True
    )
    counts = grouped.agg(
        respondents=("submission_id", "nunique"), favourable=("favourable", "sum"), answers=("favourable", "size")
    )
    result = pd.DataFrame(
        {"respondents": counts["respondents"], "favourable_pct": _percent(counts["favourable"], counts["answers"])}
    ).reset_index()
    return _drop_keys(result, by)


def anonymity_k(setting: int | None) -> int:
    """§5 anonymity threshold k: the setting, 5 when unset, never below 3."""
    if setting is None:
        return DEFAULT_K
    if setting < MIN_K:
        raise ValueError(f"the anonymity k may not be set below {MIN_K}, got {setting}")
    return int(setting)


def suppress(
    cuts: pd.DataFrame,
    *,
    k: int,
    parent_respondents: int | None,
    metrics: Sequence[str] = PULSE_METRIC_COLUMNS,
) -> pd.DataFrame:
    """§5 anonymity rule: blank the figures and respondents of cuts under k or with a small complement."""
    # The blanked columns are ``respondents`` and each name of ``metrics`` present in ``cuts``
    # (by default the §9 pulse figures); every other column (team, site, round, item) is kept.
    k = anonymity_k(k)
    respondents = cuts["respondents"].astype(float)
    # NaN respondents compare False, so a cut whose count is unknown is suppressed too.
    suppressed = ~(respondents >= k)
    if parent_respondents is not None and parent_respondents >= k:
        complement = parent_respondents - respondents
        suppressed |= (complement >= 1) & (complement < k)
    result = cuts.copy()
    for column in ["respondents", *(name for name in metrics if name in cuts.columns)]:
        result[column] = result[column].astype(float).mask(suppressed)
    result["suppressed"] = suppressed.to_numpy(dtype=bool)
    return result


# --- §6 Kano ----------------------------------------------------------------------------------


def kano_category(functional: int, dysfunctional: int) -> str:
    """§6 Kano category of one functional/dysfunctional answer pair."""
    try:
        return KANO_TABLE[(int(functional), int(dysfunctional))]
    except KeyError:
        raise ValueError(f"Kano answers must be 1-5, got {functional!r}, {dysfunctional!r}") from None


def kano_summary(pairs: pd.DataFrame, *, by: Sequence[str] = ("attribute",)) -> pd.DataFrame:
    """§6 per attribute: category counts, the most frequent category and the better/worse coefficients."""
    keys, frame = _with_keys(pairs.dropna(subset=["functional", "dysfunctional"]), by)
    functional = frame["functional"].to_numpy(dtype=np.int64)
    dysfunctional = frame["dysfunctional"].to_numpy(dtype=np.int64)
    if not (np.isin(functional, KANO_ANSWERS).all() and np.isin(dysfunctional, KANO_ANSWERS).all()):
        raise ValueError("Kano answers must be 1-5")
    grid = np.array([[KANO_TABLE[(f, d)] for d in KANO_ANSWERS] for f in KANO_ANSWERS])
    categories = pd.Categorical(grid[functional - 1, dysfunctional - 1], categories=KANO_CATEGORIES)
    indicators = pd.get_dummies(categories, dtype=np.int64).set_axis(frame.index)
    counts = pd.concat([frame[keys], indicators], axis=1).groupby(keys, dropna=False, sort=True).sum()
    # idxmax keeps the first of equal maxima, so column order is the §6 tie order.
    category = counts[list(KANO_TIE_ORDER)].idxmax(axis=1)
    classified = counts["A"] + counts["O"] + counts["M"] + counts["I"]
    result = pd.DataFrame(
        {
            "kano_category": category,
            "kano_better": _ratio(counts["A"] + counts["O"], classified),
            "kano_worse": -_ratio(counts["O"] + counts["M"], classified),
            **{name: counts[name] for name in KANO_CATEGORIES},
            "n": counts.sum(axis=1),
        }
    ).reset_index()
    return _drop_keys(result, by)


# --- §7 operational KPIs ------------------------------------------------------------------


def kpi_metrics(
    kpi: pd.DataFrame,
    *,
    by: Sequence[str],
    evaluations: pd.DataFrame | None = None,
    grievances: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """§7 operational figures per ``by`` group, summing agent-days before dividing."""
    keys, frame = _with_keys(kpi, by)
    count_columns = [
        "handled",
        "handle_seconds",
        "resolved_first_contact",
        "complaints",
        "praise",
        "spot_tests_taken",
        "spot_tests_passed",
    ]
    sums = frame.groupby(keys, dropna=False, sort=True)[count_columns].sum()
    result = pd.DataFrame(
        {
            "aht_s": _ratio(sums["handle_seconds"], sums["handled"]),
            "fcr_operational_pct": _percent(sums["resolved_first_contact"], sums["handled"]),
            "complaints_per_1k": _ratio(sums["complaints"], sums["handled"]) * PER_THOUSAND,
            "praise_per_1k": _ratio(sums["praise"], sums["handled"]) * PER_THOUSAND,
            "spot_test_pass_pct": _percent(sums["spot_tests_passed"], sums["spot_tests_taken"]),
        }
    )
    # Outer joins: an evaluation or a grievance for a group without KPI rows is not dropped.
    # A missing frame counts as empty: no evaluations (NaN mean) and no grievances (0).
    if evaluations is not None:
        scores = _with_keys(evaluations, by)[1].groupby(keys, dropna=False)["score"].mean()
        result = result.join(scores.rename("qa_courtesy"), how="outer")
    else:
        result["qa_courtesy"] = np.nan
    if grievances is not None:
        upheld = _with_keys(grievances, by)[1].groupby(keys, dropna=False).size()
        result = result.join(upheld.rename("grievances_upheld"), how="outer")
    else:
        result["grievances_upheld"] = 0
    result["grievances_upheld"] = result["grievances_upheld"].fillna(0).astype(np.int64)
    columns = [
        "aht_s",
        "fcr_operational_pct",
        "qa_courtesy",
        "complaints_per_1k",
        "praise_per_1k",
        "grievances_upheld",
        "spot_test_pass_pct",
    ]
    return _drop_keys(result[columns].sort_index().reset_index(), by)


# --- §8 balance ---------------------------------------------------------------------------


def quadrant(
    c: float | None,
    e: float | None,
    *,
    customer_target: float = DEFAULT_CUSTOMER_TARGET,
    employee_target: float = DEFAULT_EMPLOYEE_TARGET,
) -> str | None:
    """§8 quadrant of a customer index C and employee index E; None when either is missing."""
    if _missing(c) or _missing(e):
        return None
    if c >= customer_target:
        return QUADRANT_BALANCED if e >= employee_target else QUADRANT_CUSTOMER_FIRST_STRAIN
    return QUADRANT_INTERNAL_COMFORT if e >= employee_target else QUADRANT_AT_RISK


def lean(
    c: float | None,
    e: float | None,
    *,
    customer_target: float = DEFAULT_CUSTOMER_TARGET,
    employee_target: float = DEFAULT_EMPLOYEE_TARGET,
) -> float | None:
    """§8 lean (C - Ct) - (E - Et); positive when the employee side lags; None when either is missing."""
    if _missing(c) or _missing(e):
        return None
    return float((c - customer_target) - (e - employee_target))


def balance_table(
    indices: pd.DataFrame,
    *,
    customer_target: float = DEFAULT_CUSTOMER_TARGET,
    employee_target: float = DEFAULT_EMPLOYEE_TARGET,
) -> pd.DataFrame:
    """§8 ``quadrant`` and ``lean`` columns added to a frame of ``customer_index`` and ``employee_index``."""
    customer = indices["customer_index"].astype(float)
    employee = indices["employee_index"].astype(float)
    customer_met = customer.ge(customer_target)
    employee_met = employee.ge(employee_target)
    labels = np.select(
        [customer_met & employee_met, customer_met, employee_met],
        [QUADRANT_BALANCED, QUADRANT_CUSTOMER_FIRST_STRAIN, QUADRANT_INTERNAL_COMFORT],
        default=QUADRANT_AT_RISK,
    ).astype(object)
    labels[(customer.isna() | employee.isna()).to_numpy()] = None
    return indices.assign(
        quadrant=labels,
        lean=(customer - customer_target) - (employee - employee_target),
    )


def link(indices: pd.DataFrame, *, lag: int) -> dict[str, Any]:
    """§8 service-profit link: E(t) against C(t + lag) over team-periods, with the OLS slope of C on E."""
    if lag < 0:
        raise ValueError(f"lag must not be negative, got {lag}")
    frame = indices[["team", "period_index", "customer_index", "employee_index"]]
    if frame.duplicated(["team", "period_index"]).any():
        raise ValueError("each team has at most one row per period_index")
    employee = frame[["team", "period_index", "employee_index"]]
    # Shifting C back by lag periods lines C(t + lag) up with E(t) of the same team.
    customer = frame[["team", "period_index", "customer_index"]].assign(period_index=frame["period_index"] - lag)
    pairs = (
        employee.merge(customer, on=["team", "period_index"], how="inner")
        .dropna(subset=["employee_index", "customer_index"])
        .sort_values(["team", "period_index"])
    )
    e = pairs["employee_index"].to_numpy(dtype=float)
    c = pairs["customer_index"].to_numpy(dtype=float)
    result: dict[str, Any] = {
        "link_pearson_r": None,
        "link_spearman_rho": None,
        "link_slope": None,
        "link_slope_ci_low": None,
        "link_slope_ci_high": None,
        "link_n": len(pairs),
        "link_lag": lag,
        "enough_data": False,
    }
    # A constant index has no correlation and (for E) no slope: report "not enough data".
    if len(pairs) < LINK_MIN_PERIODS or np.all(e == e[0]) or np.all(c == c[0]):
        return result
    fit = stats.linregress(e, c)
    half_width = stats.t.ppf(1 - (1 - LINK_CONFIDENCE) / 2, len(pairs) - 2) * fit.stderr
    result.update(
        link_pearson_r=float(stats.pearsonr(e, c).statistic),
        link_spearman_rho=float(stats.spearmanr(e, c).statistic),
        link_slope=float(fit.slope),
        link_slope_ci_low=float(fit.slope - half_width),
        link_slope_ci_high=float(fit.slope + half_width),
        enough_data=True,
    )
    return result


# --- periods and output -------------------------------------------------------------------


def period_start(ts: pd.Series, *, granularity: str, tz: str) -> pd.Series:
    """§8 periods: the centre-local date that starts each timestamp's day, ISO week or month."""
    if granularity not in PERIOD_GRANULARITIES:
        raise ValueError(f"granularity must be one of {PERIOD_GRANULARITIES}, got {granularity!r}")
    if getattr(ts.dt, "tz", None) is None:
        raise ValueError("period_start needs timezone-aware timestamps")
    # Drop the zone only after converting, so day arithmetic never crosses a DST change.
    local_day = ts.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    if granularity == "week":
        local_day = local_day - pd.to_timedelta(local_day.dt.day_of_week, unit="D")
    elif granularity == "month":
        local_day = local_day - pd.to_timedelta(local_day.dt.day - 1, unit="D")
    return local_day.dt.date


def metrics_to_records(frame: pd.DataFrame, *, names: Sequence[str]) -> list[dict[str, Any]]:
    """§9 figures as plain dicts for the API and snapshots: NaN becomes None, numpy scalars Python ones."""
    columns = [_plain_column(frame[name]) for name in names]
    if not columns:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


# --- private helpers ----------------------------------------------------------------------


def _with_keys(frame: pd.DataFrame, by: Sequence[str]) -> tuple[list[str], pd.DataFrame]:
    """Grouping keys for ``by``, with a constant stand-in column when ``by`` is empty."""
    if by:
        return list(by), frame
    return [_ALL], frame.assign(**{_ALL: 0})


def _drop_keys(result: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Remove the stand-in key added by ``_with_keys``."""
    return result if by else result.drop(columns=_ALL)


def _answered_pulse(pulse_answers: pd.DataFrame) -> pd.DataFrame:
    """Pulse rows with a value, with ``recoded`` (§1: reverse likert items become 6 - v)."""
    frame = pulse_answers.loc[pulse_answers["value"].notna()]
    value = frame["value"].astype(float)
    reverse = frame["kind"].eq(PULSE_LIKERT) & frame["reverse"].eq(True)
    return frame.assign(value=value, recoded=value.mask(reverse, LIKERT_REVERSE_BASE - value))


def _respondent_index(frame: pd.DataFrame, rows: pd.Series, column: str, keys: list[str]) -> pd.Series:
    """§5 index: per-respondent mean, averaged over respondents, rescaled from 1-5 to 0-100."""
    per_respondent = (
        frame.loc[rows].groupby([*keys, "submission_id"], dropna=False, sort=True)[column].mean().reset_index()
    )
    mean = per_respondent.groupby(keys, dropna=False, sort=True)[column].mean()
    return (mean - LIKERT_MIN) / LIKERT_RANGE * PERCENT


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ratio, NaN where the denominator is 0."""
    result = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=result, where=denominator != 0)
    return result


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Series ratio, NaN where the denominator is 0 or missing."""
    denominator = denominator.astype(float)
    return numerator.astype(float) / denominator.where(denominator != 0)


def _percent(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Series percentage, NaN where the denominator is 0 or missing."""
    return _ratio(numerator, denominator) * PERCENT


def _missing(value: float | None) -> bool:
    """True for None and NaN."""
    return value is None or bool(pd.isna(value))


def _plain_column(column: pd.Series) -> list[Any]:
    """``_plain`` of every value of ``column``, a whole column at a time where its dtype allows."""
    if not isinstance(column.dtype, np.dtype):
        return [_plain(value) for value in column.tolist()]
    if column.dtype.kind in "iub":
        return column.to_numpy().tolist()
    if column.dtype.kind == "f":
        # tolist gives Python floats; NaN is the only value unequal to itself.
        return [None if value != value else value for value in column.to_numpy().tolist()]
    return [_plain(value) for value in column.tolist()]


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python one, and NaN, NA or NaT as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
