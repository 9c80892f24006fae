"""Reads for employee pulses: the answer frames of the scoring engine and the one path to results.

Every page, export and API response of pulse results comes from ``pulse_results`` (or, for
the lead's balance snapshots and the rounds list, ``team_pulse_metrics`` and
``round_participation``); all three pass each figure through ``anonymised``, the one function
that applies the anonymity rule of SCORING.md §5:

- a cut (a round with any of site, team and tenure band fixed) is shown only with at least
  ``k`` respondents (``scoring.suppress``);
- against every cut it refines (drop any of its filters, down to the whole round) with at least
  ``k`` respondents, the difference must be 0 or at least ``k`` (``scoring.suppress`` again), so
  two shown figures never isolate fewer than ``k`` people;
- where sibling cuts split a parent (the teams of a site, the sites of the centre, the tenure
  bands of a team), the hidden siblings together must also be 0 or at least ``k``; otherwise the
  smallest shown siblings are hidden too, so that the parent minus the shown siblings isolates
  no one ("secondary suppression");
- each figure is checked on the respondents it rests on: an item on those who answered it, the
  engagement index on those who answered an engagement item, and so on.

Whether a cut is shown depends only on the answers, never on who asks, so the same cut is
hidden for everyone. Hidden teams are left out of tables, filters, exports and the API
altogether; only their number is said.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Count, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import get_language, gettext

from agents.models import Site, Team, User
from satisfaction import scoping, scoring
from satisfaction.exceptions import NotFound
from surveys.models import (
    PulseAnswer,
    PulseKind,
    PulseParticipation,
    PulseQuestion,
    PulseRound,
    PulseSchedule,
    PulseSubmission,
    PulseSurvey,
    PulseTopic,
    Suggestion,
    TenureBand,
)

# The dimensions a cut may fix, as named in the answer frame; a team lies in one site.
SITE = "site"
TEAM = "team"
TENURE = "tenure_band"
DIMENSIONS = (SITE, TEAM, TENURE)
FRAME_COLUMNS = [
    "submission_id",
    "item",
    "kind",
    "category",
    "reverse",
    "value",
    "team",
    "site",
    "round_id",
    "window_start",
    "window_end",
    "tenure_band",
    "topic",
]
INVITED_COLUMNS = ["team", "site", "tenure_band", "round_id", "invited"]
# The respondents each figure rests on (SCORING.md §5): everyone, or those who answered its items.
MEASURE_ALL = "respondents"
MEASURE_ITEM = "item"
STANDARD_MEASURES = (MEASURE_ALL, "engagement", "stress", "enps", "likert")
FIGURE_MEASURES = {
    "engagement_index": "engagement",
    "stress_index": "stress",
    "enps": "enps",
    "favourable_pct": "likert",
    "participation_pct": MEASURE_ALL,
}
HEADLINE_FIGURES = ("engagement_index", "stress_index", "enps", "favourable_pct", "participation_pct")
TREND_ROUNDS = 12
# A closed round's results never change; the cache key also holds the counts behind them.
CLOSED_ROUND_CACHE_SECONDS = 3600
# Seed 004 (COPC): at least 80 % of staff can state the centre's vision and strategy.
COPC_VISION_TARGET_PCT = 80.0
# Heat-map colour bands of item favourable %.
HEAT_GOOD_PCT = 75.0
HEAT_FAIR_PCT = 60.0
HEAT_POOR_PCT = 45.0

Cut = frozenset[tuple[str, str]]
_comment_order = random.SystemRandom()


# --- the engine's frames (the lead's snapshot contract) -------------------------------------------


def pulse_answer_frame(*, round_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Pulse answers in the long format ``scoring.pulse_metrics`` takes, one row per answered item.

    Columns: submission_id, item (question code), kind ("likert"|"enps"), category
    ("engagement"|"stress"|"other"), reverse, value, team and site (codes at the time),
    round_id, window_start, window_end (dates), tenure_band and topic.
    """
    answers = PulseAnswer.objects.filter(value__isnull=False)
    rounds = PulseRound.objects.all()
    if round_ids is not None:
        round_ids = list(round_ids)
        answers = answers.filter(submission__round_id__in=round_ids)
        rounds = rounds.filter(pk__in=round_ids)
    # The key as text from the database: building 10^5 UUID objects only to print them is slow.
    rows = answers.annotate(submission_key=Cast("submission_id", output_field=CharField())).values_list(
        "submission_key",
        "question__code",
        "question__kind",
        "question__category",
        "question__reverse",
        "value",
        "submission__team_code",
        "submission__site_code",
        "submission__round_id",
        "submission__tenure_band",
        "question__topic",
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[name for name in FRAME_COLUMNS if not name.startswith("window_")],
    )
    windows = {r.pk: (r.window_start, r.window_end) for r in rounds.only("pk", "opens_at", "closes_at")}
    frame["submission_id"] = frame["submission_id"].astype(str)
    frame["value"] = frame["value"].astype(float)
    frame["reverse"] = frame["reverse"].astype(bool)
    frame["window_start"] = frame["round_id"].map(lambda pk: windows[pk][0])
    frame["window_end"] = frame["round_id"].map(lambda pk: windows[pk][1])
    return frame[FRAME_COLUMNS]


def invited_frame(*, round_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Invited counts per round, team, site and tenure band, as ``scoring.pulse_metrics(invited=...)`` takes."""
    participations = PulseParticipation.objects.all()
    if round_ids is not None:
        participations = participations.filter(round_id__in=list(round_ids))
    rows = (
        participations.values("team_code", "site_code", "tenure_band", "round_id")
        .annotate(invited=Count("pk"))
        .order_by("round_id", "site_code", "team_code", "tenure_band")
        .values_list("team_code", "site_code", "tenure_band", "round_id", "invited")
    )
    return pd.DataFrame(list(rows), columns=INVITED_COLUMNS)


# --- the anonymity rule ----------------------------------------------------------------------------


def _rule_allows(respondents: int, parent: int | None, k: int) -> bool:
    """SCORING.md §5 for one cut against one parent, as ``scoring.suppress`` decides it."""
    # A cut never has more respondents than a parent; without a parent, round up to bound the cache.
    upto = parent if parent is not None else max(_RULE_TABLE_MIN, 1 << int(respondents).bit_length())
    if respondents > upto:
        raise ValueError(f"a cut of {respondents} respondents cannot lie inside a parent of {parent}")
    return _rule_table(parent, k, upto)[respondents]


_RULE_TABLE_MIN = 64


@functools.lru_cache(maxsize=4096)
def _rule_table(parent: int | None, k: int, upto: int) -> tuple[bool, ...]:
    """Whether cuts of 0 to ``upto`` respondents may be shown under ``parent``: one ``suppress`` call for all."""
    cuts = pd.DataFrame({"respondents": range(upto + 1)})
    return tuple(~scoring.suppress(cuts, k=k, parent_respondents=parent)["suppressed"].to_numpy(dtype=bool))


class AnonymityGuard:
    """Decides which cuts of one round may be shown, from respondent counts per site, team and band."""

    def __init__(self, cells: Mapping[tuple[str, str, str], int], *, k: int, team_sites: Mapping[str, str]) -> None:
        self.k = k
        self.team_sites = team_sites
        # Every cut's respondents and, per dimension, the values that split it: one pass over the cells.
        self._counts: dict[Cut, int] = {}
        self._values: dict[tuple[Cut, str], set[str]] = {}
        for key, n in cells.items():
            if not n:
                continue
            cell = tuple(zip(DIMENSIONS, key, strict=True))
            for size in range(len(cell) + 1):
                for fixed in itertools.combinations(cell, size):
                    cut = frozenset(fixed)
                    self._counts[cut] = self._counts.get(cut, 0) + n
                    for name, value in cell:
                        if (name, value) not in cut:
                            self._values.setdefault((cut, name), set()).add(value)
        self._passes: dict[Cut, bool] = {}
        self._hidden: dict[tuple[Cut, str], frozenset[Cut]] = {}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, k: int, team_sites: Mapping[str, str]) -> AnonymityGuard:
        """A guard over the distinct submissions of ``frame`` (one round)."""
        counts = frame.groupby(list(DIMENSIONS), sort=False)["submission_id"].nunique() if len(frame) else {}
        return cls({key: int(n) for key, n in dict(counts).items()}, k=k, team_sites=team_sites)

    def cut(self, **filters: str | None) -> Cut:
        """The canonical cut for filters: empty ones dropped, a team's site added."""
        fixed = {name: value for name, value in filters.items() if value}
        if TEAM in fixed and fixed[TEAM] in self.team_sites:
            fixed.setdefault(SITE, self.team_sites[fixed[TEAM]])
        return frozenset(fixed.items())

    def respondents(self, cut: Cut) -> int:
        return self._counts.get(cut, 0)

    def shown(self, cut: Cut) -> bool:
        """Whether a cut may be shown: k, every complement, and no sibling left alone by subtraction."""
        if not self._passes_complements(cut):
            return False
        return all(cut not in self._hidden_siblings(cut - {pair}, pair[0]) for pair in cut)

    def _passes_complements(self, cut: Cut) -> bool:
        if cut not in self._passes:
            n = self.respondents(cut)
            parents = (frozenset(subset) for size in range(len(cut)) for subset in itertools.combinations(cut, size))
            self._passes[cut] = _rule_allows(n, None, self.k) and all(
                _rule_allows(n, self.respondents(parent), self.k) for parent in parents
            )
        return self._passes[cut]

    def _hidden_siblings(self, parent: Cut, dimension: str) -> frozenset[Cut]:
        """The cuts splitting ``parent`` by ``dimension`` that stay hidden, secondary suppression included."""
        key = (parent, dimension)
        if key not in self._hidden:
            values = sorted(self._values.get(key, ()))
            siblings = [parent | {(dimension, value)} for value in values]
            hidden = {s for s in siblings if not self._passes_complements(s)}
            shown = sorted((s for s in siblings if s not in hidden), key=lambda s: (self.respondents(s), sorted(s)))
            parent_n = self.respondents(parent)
            # The parent minus the shown siblings is what the hidden ones add up to: 0 or at least k.
            while shown and not _rule_allows(sum(self.respondents(s) for s in shown), parent_n, self.k):
                hidden.add(shown.pop(0))
            self._hidden[key] = frozenset(hidden)
        return self._hidden[key]


class RoundGuards:
    """The guards of one round: one per set of respondents a figure may rest on, built when first asked."""

    def __init__(self, frame: pd.DataFrame, *, k: int, team_sites: Mapping[str, str]) -> None:
        self.frame = frame
        self.k = k
        self.team_sites = team_sites
        self._guards: dict[str, AnonymityGuard] = {}
        self._item_cells: dict[str, dict[tuple[str, str, str], int]] | None = None
        self._measure_cells: dict[str, dict[tuple[str, str, str], int]] | None = None

    @property
    def main(self) -> AnonymityGuard:
        return self.measure(MEASURE_ALL)

    def measure(self, name: str) -> AnonymityGuard:
        """The guard of ``respondents``, ``engagement``, ``stress``, ``enps``, ``likert`` or ``item:<codes>``."""
        if name not in self._guards:
            code = name.removeprefix("item:")
            if name.startswith("item:") and "," not in code:
                cells = self._cells_by_item().get(code, {})
                self._guards[name] = AnonymityGuard(cells, k=self.k, team_sites=self.team_sites)
            elif name in STANDARD_MEASURES:
                cells = self._cells_by_measure()[name]
                self._guards[name] = AnonymityGuard(cells, k=self.k, team_sites=self.team_sites)
            else:
                self._guards[name] = AnonymityGuard.from_frame(
                    self.frame.loc[_measure_rows(self.frame, name)], k=self.k, team_sites=self.team_sites
                )
        return self._guards[name]

    def _cells_by_item(self) -> dict[str, dict[tuple[str, str, str], int]]:
        """Respondents per item and cell, counted in one pass (an item is answered once per submission)."""
        if self._item_cells is None:
            self._item_cells = {}
            if len(self.frame):
                counts = self.frame.groupby(["item", *DIMENSIONS], sort=False)["submission_id"].nunique()
                for (item, *key), n in counts.items():
                    self._item_cells.setdefault(item, {})[tuple(key)] = int(n)
        return self._item_cells

    def _cells_by_measure(self) -> dict[str, dict[tuple[str, str, str], int]]:
        """Respondents per cell for each standard measure, from one pass over the submissions."""
        if self._measure_cells is None:
            frame = self.frame
            flags = pd.DataFrame(
                {name: _measure_rows(frame, name).to_numpy(dtype=bool) for name in STANDARD_MEASURES},
                index=frame.index,
            )
            per_submission = (
                pd.concat([frame[["submission_id", *DIMENSIONS]], flags], axis=1)
                .groupby(["submission_id", *DIMENSIONS], sort=False)[list(STANDARD_MEASURES)]
                .any()
            )
            self._measure_cells = {}
            for name in STANDARD_MEASURES:
                counts = per_submission[name].groupby(level=list(DIMENSIONS), sort=False).sum()
                self._measure_cells[name] = {key: int(n) for key, n in counts.items() if n}
        return self._measure_cells


def _measure_rows(frame: pd.DataFrame, name: str) -> pd.Series:
    if name == MEASURE_ALL:
        return pd.Series(True, index=frame.index)
    if name.startswith("item:"):
        return frame["item"].isin(name.removeprefix("item:").split(","))
    if name in (PulseKind.ENPS, PulseKind.LIKERT):
        return frame["kind"].eq(name)
    return frame["kind"].eq(PulseKind.LIKERT) & frame["category"].eq(name)


def anonymised(
    rows: pd.DataFrame,
    *,
    guards: RoundGuards,
    cut_of: Callable[[Mapping[str, Any]], Cut],
    figures: Mapping[str, str],
) -> pd.DataFrame:
    """SCORING.md §5 on every row of pulse figures: the one function every path to employee results calls.

    ``cut_of`` gives each row's cut, ``figures`` maps each figure column to the measure it rests
    on (``MEASURE_ITEM``: the row's own ``item``). A row whose cut is hidden loses its
    respondents and every figure (``suppressed`` is True); a shown row loses only the figures
    whose own respondents are too few.
    """
    records = rows.to_dict("records")
    cuts = [cut_of(record) for record in records]
    shown = [guards.main.shown(cut) for cut in cuts]
    present = [name for name in figures if name in rows.columns]
    result = scoring.suppress(
        rows.assign(respondents=rows["respondents"].astype(float).where(shown)),
        k=guards.k,
        parent_respondents=None,
        metrics=present,
    )
    for name in present:
        if figures[name] == MEASURE_ALL:
            continue
        measures = [f"item:{r['item']}" if figures[name] == MEASURE_ITEM else figures[name] for r in records]
        figure_shown = [guards.measure(m).shown(cut) for m, cut in zip(measures, cuts, strict=True)]
        result[name] = result[name].where(figure_shown)
    return result


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseFilters:
    site: str = ""
    team: str = ""
    tenure_band: str = ""

    def as_dict(self) -> dict[str, str]:
        return {SITE: self.site, TEAM: self.team, TENURE: self.tenure_band}


@dataclass
class PulseResults:
    """Everything a results page, export or API response shows for one round and cut."""

    round: PulseRound
    filters: PulseFilters
    k: int
    refused: bool
    team_scope: frozenset[str] | None
    site_options: list[Site] = field(default_factory=list)
    team_options: list[Team] = field(default_factory=list)
    tenure_options: list[tuple[str, str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    copc: dict[str, Any] | None = None
    teams: list[dict[str, Any]] = field(default_factory=list)
    heat_items: list[PulseQuestion] = field(default_factory=list)
    hidden_teams: int = 0
    trend: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)


def pulse_results(user: User, *, round_id: int, filters: PulseFilters) -> PulseResults:
    """One round's results for a cut, scoped to the user and under the anonymity rule (SCORING.md §5).

    ``refused`` is True when the cut itself may not be shown; nothing else is computed then.
    A closed round's results are cached: no answer is taken after closing, and the key holds the
    counts of answers and invitations behind them, the user's team scope, the cut and k.
    """
    pulse_round = scoping.get_pulse_round_for_results(user, round_id)
    team_scope = scoping.pulse_result_team_codes(user, pulse_round)
    k = scoring.anonymity_k(settings.ANONYMITY_K)
    if pulse_round.closed_at is None:
        return _pulse_results(pulse_round, team_scope=team_scope, filters=filters, k=k)
    key = _results_cache_key(pulse_round, team_scope=team_scope, filters=filters, k=k)
    results = cache.get(key)
    if results is None:
        results = _pulse_results(pulse_round, team_scope=team_scope, filters=filters, k=k)
        cache.set(key, results, CLOSED_ROUND_CACHE_SECONDS)
    return results


def _results_cache_key(
    pulse_round: PulseRound, *, team_scope: frozenset[str] | None, filters: PulseFilters, k: int
) -> str:
    """A key that changes with anything the results of a closed round rest on."""
    rounds = PulseRound.objects.filter(survey=pulse_round.survey, opens_at__lte=pulse_round.opens_at)
    parts = (
        pulse_round.pk,
        pulse_round.closed_at.isoformat(),
        PulseSubmission.objects.filter(round__in=rounds).count(),
        PulseAnswer.objects.filter(submission__round__in=rounds).count(),
        PulseParticipation.objects.filter(round__in=rounds).count(),
        k,
        None if team_scope is None else sorted(team_scope),
        sorted(filters.as_dict().items()),
        get_language(),
    )
    return "pulse-results:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _pulse_results(
    pulse_round: PulseRound, *, team_scope: frozenset[str] | None, filters: PulseFilters, k: int
) -> PulseResults:
    trend_rounds = list(
        PulseRound.objects.filter(survey=pulse_round.survey, opens_at__lte=pulse_round.opens_at).order_by("-opens_at")[
            :TREND_ROUNDS
        ]
    )[::-1]
    frames = pulse_answer_frame(round_ids=[r.pk for r in trend_rounds])
    invited = invited_frame(round_ids=[r.pk for r in trend_rounds])
    guards = _round_guards(frames, invited, round_id=pulse_round.pk, k=k)
    frame = guards.frame
    round_invited = invited.loc[invited["round_id"].eq(pulse_round.pk)]

    scoped = _scoped_filters(filters, team_scope=team_scope, guard=guards.main)
    results = PulseResults(
        round=pulse_round,
        filters=scoped,
        k=k,
        refused=True,
        team_scope=team_scope,
        tenure_options=list(TenureBand.choices),
        **_filter_options(guards.main, team_scope=team_scope),
    )
    cut = guards.main.cut(**scoped.as_dict())
    if team_scope is not None and not scoped.team:
        return results
    if not guards.main.shown(cut):
        return results
    results.refused = False

    in_cut = _within(frame, cut)
    summary = scoring.pulse_metrics(in_cut, by=[], invited=_within(round_invited, cut))
    summary = anonymised(summary, guards=guards, cut_of=lambda _row: cut, figures=FIGURE_MEASURES)
    results.summary = _records(summary, invited=int(_within(round_invited, cut)["invited"].sum()))[0]

    questions = list(
        PulseQuestion.objects.filter(survey_questions__survey=pulse_round.survey).order_by("survey_questions__position")
    )
    results.items = _item_rows(in_cut, questions, guards=guards, cut=cut)
    results.copc = _copc(in_cut, questions, guards=guards, cut=cut)
    results.heat_items = [q for q in questions if q.kind == PulseKind.LIKERT]
    results.teams, results.hidden_teams = _team_rows(
        frame, round_invited, results.heat_items, guards=guards, filters=scoped, team_scope=team_scope
    )
    results.trend = _trend(frames, invited, trend_rounds, k=k, filters=scoped, built={pulse_round.pk: guards})
    results.comments = _comments(pulse_round, cut, questions)
    return results


def team_pulse_metrics(*, round_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Per round and team, the §5 figures under the anonymity rule (for the §8 balance snapshots).

    Columns: round_id, window_start, window_end, team, site, respondents, the §9 pulse figures
    and ``suppressed``; a suppressed team keeps its row with every figure missing.
    """
    return group_pulse_metrics(level="team", round_ids=round_ids).drop(columns="key")


def group_pulse_metrics(*, level: str, round_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Per round and team, site or the whole centre (``level``), the §5 figures under the anonymity rule.

    Columns: round_id, window_start, window_end, ``key`` (team or site code, or "centre"),
    respondents, the §9 pulse figures and ``suppressed``. The same guard as the pages decides.
    """
    return pulse_metrics_by_level(levels={level: None}, round_ids=round_ids)[level]


def pulse_metrics_by_level(
    *, levels: Mapping[str, Collection[str] | None], round_ids: Iterable[int] | None = None
) -> dict[str, pd.DataFrame]:
    """``group_pulse_metrics`` for several levels from one read, each for the given keys only (None: all).

    Every round's anonymity guards are built from all its respondents, whatever the keys asked:
    a team's figures and whether they are shown are the same as in a run over every team.
    """
    for level in levels:
        if level not in ("team", "site", "centre"):
            raise ValueError(f"level must be team, site or centre, not {level!r}")
    round_ids = None if round_ids is None else list(round_ids)
    frames = pulse_answer_frame(round_ids=round_ids)
    invited = invited_frame(round_ids=round_ids)
    k = scoring.anonymity_k(settings.ANONYMITY_K)
    parts: dict[str, list[pd.DataFrame]] = {level: [] for level in levels}
    for round_id in sorted(set(frames["round_id"])):
        guards = _round_guards(frames, invited, round_id=round_id, k=k)
        round_invited = invited.loc[invited["round_id"].eq(round_id)]
        window = guards.frame[["window_start", "window_end"]].iloc[0]
        for level, keys in levels.items():
            frame, level_invited = guards.frame, round_invited
            if keys is not None and level != "centre":
                # §5 figures are per group: the other groups' answers change none of these.
                frame = frame.loc[frame[level].isin(list(keys))]
                level_invited = level_invited.loc[level_invited[level].isin(list(keys))]
            by = [] if level == "centre" else [level]
            metrics = scoring.pulse_metrics(frame, by=by, invited=level_invited)
            if level == "centre":
                metrics = metrics.assign(centre="centre")

            def cut_of(row, g=guards, level=level):
                return g.main.cut() if level == "centre" else g.main.cut(**{level: row[level]})

            metrics = anonymised(metrics, guards=guards, cut_of=cut_of, figures=FIGURE_MEASURES)
            metrics = metrics.assign(
                round_id=round_id, window_start=window["window_start"], window_end=window["window_end"]
            )
            if level == "team":
                metrics = metrics.assign(site=metrics["team"].map(guards.team_sites))
            parts[level].append(metrics.assign(key=metrics[level]))
    result = {}
    for level in levels:
        columns = ["round_id", "window_start", "window_end", *(["team", "site"] if level == "team" else []), "key"]
        columns += ["respondents", *HEADLINE_FIGURES, "suppressed"]
        result[level] = (
            pd.concat(parts[level], ignore_index=True)[columns] if parts[level] else pd.DataFrame(columns=columns)
        )
    return result


def round_participation(rounds: Sequence[PulseRound]) -> dict[int, dict[str, Any]]:
    """Per round: invited, and respondents and participation % of the whole round when at least k answered."""
    ids = [r.pk for r in rounds]
    frames = pulse_answer_frame(round_ids=ids)
    invited = invited_frame(round_ids=ids)
    k = scoring.anonymity_k(settings.ANONYMITY_K)
    result = {}
    for pulse_round in rounds:
        round_invited = invited.loc[invited["round_id"].eq(pulse_round.pk)]
        guards = _round_guards(frames, invited, round_id=pulse_round.pk, k=k)
        total = int(round_invited["invited"].sum())
        if len(guards.frame):
            rows = scoring.pulse_metrics(guards.frame, by=[], invited=round_invited)[
                ["respondents", "participation_pct"]
            ]
        else:
            rows = pd.DataFrame({"respondents": [0], "participation_pct": [np.nan]})
        shown = anonymised(
            rows, guards=guards, cut_of=lambda _row: frozenset(), figures={"participation_pct": MEASURE_ALL}
        )
        result[pulse_round.pk] = {"invited": total, **_records(shown, invited=total)[0]}
    return result


def round_rows(rounds: Sequence[PulseRound], *, now: dt.datetime) -> list[dict[str, Any]]:
    """Rounds for lists: each with closed, invited, and (at least k answered) respondents and participation %."""
    participation = round_participation(rounds)
    return [
        {"round": r, "closed": r.closed_at is not None or r.closes_at <= now, **participation[r.pk]} for r in rounds
    ]


def heat_class(favourable_pct: float | None) -> str:
    """The heat-map colour class of an item favourable %."""
    if favourable_pct is None:
        return "heat-none"
    if favourable_pct >= HEAT_GOOD_PCT:
        return "heat-good"
    if favourable_pct >= HEAT_FAIR_PCT:
        return "heat-fair"
    if favourable_pct >= HEAT_POOR_PCT:
        return "heat-poor"
    return "heat-bad"


def refusal_message(results: PulseResults) -> str:
    """Why a cut is not shown, without saying how many answered."""
    if results.team_scope is not None and not results.filters.team:
        return gettext("None of your teams has enough answers to show yet.")
    return gettext(
        "This selection is not shown: it rests on fewer than %(k)s people, or it would let a group of fewer "
        "than %(k)s people be worked out from other figures."
    ) % {"k": results.k}


EXPORT_COLUMNS = [
    "section",
    "round",
    "window_start",
    "window_end",
    "site",
    "team",
    "tenure_band",
    "item",
    "respondents",
    "invited",
    *HEADLINE_FIGURES,
    "comment",
]
# Spreadsheet programs run a cell starting with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_rows(results: PulseResults) -> list[list[Any]]:
    """The CSV export of a shown result: the same figures as the page, hidden teams left out."""
    if results.refused:
        return []
    pulse_round, filters = results.round, results.filters
    cut = {"site": filters.site, "team": filters.team, "tenure_band": filters.tenure_band}

    def row(section: str, figures: Mapping[str, Any], **values: Any) -> list[Any]:
        merged = {
            "section": section,
            "round": pulse_round.number,
            "window_start": pulse_round.window_start.isoformat(),
            "window_end": pulse_round.window_end.isoformat(),
            **cut,
            **{name: figures.get(name) for name in ("respondents", "invited", *HEADLINE_FIGURES)},
            **values,
        }
        return [_cell(merged.get(name)) for name in EXPORT_COLUMNS]

    rows = [row("cut", results.summary)]
    rows += [row("item", item, item=item["item"]) for item in results.items]
    if results.copc is not None:
        rows.append(row("copc_vision", {"favourable_pct": results.copc["favourable_pct"]}, item="vision"))
    for team in results.teams:
        rows.append(row("team", team, team=team["team"], site=team.get("site") or cut["site"]))
        rows += [
            row("heat", {"favourable_pct": cell["pct"]}, team=team["team"], item=question.code)
            for question, cell in zip(results.heat_items, team["cells"], strict=True)
            if cell["pct"] is not None
        ]
    for point in results.trend:
        trend_round = point["round"]
        rows.append(
            row(
                "trend",
                point,
                round=trend_round.number,
                window_start=trend_round.window_start.isoformat(),
                window_end=trend_round.window_end.isoformat(),
            )
        )
    rows += [row("comment", {}, item=comment["question"], comment=comment["comment"]) for comment in results.comments]
    return rows


def _cell(value: Any) -> Any:
    """A CSV cell: None empty, text that a spreadsheet would run as a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


# --- pages other than results ----------------------------------------------------------------------


def pending_pulses(user: User, *, now: dt.datetime) -> list[PulseRound]:
    """Open rounds the user is invited to and has not answered."""
    participations = scoping.own_pulse_participations(user).filter(
        answered=False, round__closed_at__isnull=True, round__opens_at__lte=now, round__closes_at__gt=now
    )
    return [p.round for p in participations.order_by("round__closes_at")]


def answered_pulse_count(user: User) -> int:
    """How many pulses the user has answered (the answers themselves are not reachable)."""
    return scoping.own_pulse_participations(user).filter(answered=True).count()


def round_to_answer(user: User, *, round_id: int, now: dt.datetime) -> tuple[PulseRound, list[PulseQuestion]]:
    """An open round the user is invited to, with its questions in order; ``NotFound`` otherwise."""
    participation = scoping.own_pulse_participations(user).filter(round_id=round_id).first()
    if participation is None or not participation.round.is_open(now):
        raise NotFound()
    pulse_round = participation.round
    questions = list(
        PulseQuestion.objects.filter(survey_questions__survey=pulse_round.survey).order_by("survey_questions__position")
    )
    return pulse_round, questions


def has_answered(user: User, *, round_id: int) -> bool:
    return scoping.own_pulse_participations(user).filter(round_id=round_id, answered=True).exists()


def visible_rounds(user: User) -> QuerySet[PulseRound]:
    """Rounds whose results the user may read, newest first."""
    return scoping.visible_pulse_rounds(user).order_by("-opens_at")


def question_bank() -> QuerySet[PulseQuestion]:
    return PulseQuestion.objects.annotate(times_answered=Count("answers")).order_by("topic", "code")


def pulse_surveys() -> QuerySet[PulseSurvey]:
    return PulseSurvey.objects.annotate(round_count=Count("rounds", distinct=True)).order_by("code")


def survey_detail(survey_id: int) -> tuple[PulseSurvey, list[PulseQuestion], list[PulseSchedule], list[PulseRound]]:
    """A survey with its questions in order, its schedules and its rounds (newest first)."""
    try:
        survey = PulseSurvey.objects.get(pk=survey_id)
    except PulseSurvey.DoesNotExist as exc:
        raise NotFound() from exc
    questions = list(
        PulseQuestion.objects.filter(survey_questions__survey=survey).order_by("survey_questions__position")
    )
    return survey, questions, list(survey.schedules.all()), list(survey.rounds.order_by("-opens_at"))


def adopted_suggestions(user: User) -> QuerySet[Suggestion]:
    """Adopted ideas, shown to everyone who logs in (open authors are credited, anonymous ones are not)."""
    if not user.is_authenticated:
        return Suggestion.objects.none()
    return Suggestion.objects.filter(status=Suggestion.Status.ADOPTED).select_related("author").order_by("-adopted_on")


def suggestion_inbox(user: User, *, status: str = "") -> QuerySet[Suggestion]:
    """Suggestions the user may answer, optionally of one status, newest first."""
    suggestions = scoping.visible_suggestions(user).select_related("author", "responded_by")
    if status:
        suggestions = suggestions.filter(status=status)
    return suggestions.order_by("-submitted_on", "title")


def suggestion_by_code(code: str) -> Suggestion | None:
    """The anonymous suggestion a tracking code belongs to, if any."""
    if not code.strip():
        return None
    return Suggestion.objects.filter(anonymous=True, tracking_hash=Suggestion.hash_tracking_code(code)).first()


# --- private helpers -------------------------------------------------------------------------------


def _round_guards(frames: pd.DataFrame, invited: pd.DataFrame, *, round_id: int, k: int) -> RoundGuards:
    """The guards of one round, with each team's site at the time from answers and invitations."""
    frame = frames.loc[frames["round_id"].eq(round_id)]
    round_invited = invited.loc[invited["round_id"].eq(round_id)]
    team_sites = dict(zip(round_invited["team"], round_invited["site"], strict=True))
    team_sites.update(zip(frame["team"], frame["site"], strict=True))
    return RoundGuards(frame, k=k, team_sites=team_sites)


def _scoped_filters(filters: PulseFilters, *, team_scope: frozenset[str] | None, guard: AnonymityGuard) -> PulseFilters:
    """The filters a user may apply: team leaders read one of their teams (the first shown one by default)."""
    if team_scope is None:
        return filters
    if filters.team and filters.team not in team_scope:
        raise NotFound()
    team = filters.team or next((t for t in sorted(team_scope) if guard.shown(guard.cut(team=t))), "")
    return PulseFilters(team=team, tenure_band=filters.tenure_band)


def _filter_options(guard: AnonymityGuard, *, team_scope: frozenset[str] | None) -> dict[str, list]:
    """Sites and teams to offer as filters: only those shown on their own, so a hidden team is never named."""
    team_codes = [t for t in sorted(guard.team_sites) if team_scope is None or t in team_scope]
    teams = [t for t in team_codes if guard.shown(guard.cut(team=t))]
    sites = []
    if team_scope is None:
        sites = [s for s in sorted(set(guard.team_sites.values())) if guard.shown(guard.cut(site=s))]
    return {
        "site_options": list(Site.objects.filter(code__in=sites).order_by("code")),
        "team_options": list(Team.objects.filter(code__in=teams).select_related("site").order_by("site__code", "code")),
    }


def _within(frame: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    """The rows of a frame inside a cut."""
    mask = pd.Series(True, index=frame.index)
    for name, value in cut:
        mask &= frame[name].eq(value)
    return frame.loc[mask]


def _records(frame: pd.DataFrame, **extra: Any) -> list[dict[str, Any]]:
    """Rows as plain dicts (NaN as None, counts as whole numbers), with ``extra`` added to each."""
    records = scoring.metrics_to_records(frame, names=list(frame.columns))
    for record in records:
        if record.get("respondents") is not None:
            # ``scoring.suppress`` turns the count into a float so that it can hold NaN.
            record["respondents"] = int(record["respondents"])
    return [{**record, **extra} for record in records]


def _item_rows(
    in_cut: pd.DataFrame, questions: Sequence[PulseQuestion], *, guards: RoundGuards, cut: Cut
) -> list[dict[str, Any]]:
    """Per likert item of the survey: favourable % and its respondents, each under its own guard."""
    likert = [q for q in questions if q.kind == PulseKind.LIKERT]
    if not likert:
        return []
    favourable = scoring.item_favourable(in_cut, by=[]) if len(in_cut) else pd.DataFrame(columns=["item"])
    # Items nobody answered keep a row, with no figure.
    every_item = pd.DataFrame({"item": [q.code for q in likert]})
    rows = every_item.merge(favourable, on="item", how="left").fillna({"respondents": 0})
    shown = anonymised(rows, guards=guards, cut_of=lambda _row: cut, figures={"favourable_pct": MEASURE_ITEM})
    result = []
    for question, record in zip(likert, _records(shown), strict=True):
        # The item's own respondents decide, not the cut's: blank the count too when the figure is hidden.
        if record["favourable_pct"] is None:
            record["respondents"] = None
        result.append({**record, "question": question, "heat": heat_class(record["favourable_pct"])})
    return result


def _copc(
    in_cut: pd.DataFrame, questions: Sequence[PulseQuestion], *, guards: RoundGuards, cut: Cut
) -> dict[str, Any] | None:
    """Seed 004's COPC criterion: favourable share of the vision item(s) against 80 %."""
    vision = [q.code for q in questions if q.topic == PulseTopic.VISION and q.kind == PulseKind.LIKERT]
    if not vision:
        return None
    rows = in_cut.loc[in_cut["item"].isin(vision)].assign(item="vision")
    if len(rows):
        figure = scoring.item_favourable(rows, by=[])
    else:
        figure = pd.DataFrame({"item": ["vision"], "respondents": [0], "favourable_pct": [np.nan]})
    # It rests on those who answered a vision item.
    measure = "item:" + ",".join(vision)
    shown = _records(anonymised(figure, guards=guards, cut_of=lambda _row: cut, figures={"favourable_pct": measure}))[0]
    pct = shown["favourable_pct"]
    return {
        "favourable_pct": pct,
        "target_pct": COPC_VISION_TARGET_PCT,
        "met": None if pct is None else pct >= COPC_VISION_TARGET_PCT,
    }


def _team_rows(
    frame: pd.DataFrame,
    round_invited: pd.DataFrame,
    heat_items: Sequence[PulseQuestion],
    *,
    guards: RoundGuards,
    filters: PulseFilters,
    team_scope: frozenset[str] | None,
) -> tuple[list[dict[str, Any]], int]:
    """The heat map: each team under the page's site and tenure filters, with its items; hidden teams left out."""
    base = {SITE: filters.site, TENURE: filters.tenure_band}
    parent = guards.main.cut(**base)
    in_parent = _within(frame, parent)
    if team_scope is not None:
        in_parent = in_parent.loc[in_parent["team"].isin(team_scope)]
    if not len(in_parent):
        return [], 0

    def cut_of(row: Mapping[str, Any]) -> Cut:
        return guards.main.cut(team=row["team"], **base)

    metrics = scoring.pulse_metrics(in_parent, by=["team"], invited=_within(round_invited, parent))
    metrics = anonymised(metrics, guards=guards, cut_of=cut_of, figures=FIGURE_MEASURES)
    cells = scoring.item_favourable(in_parent, by=["team"])
    cells = anonymised(cells, guards=guards, cut_of=cut_of, figures={"favourable_pct": MEASURE_ITEM})
    cell_pct = {(row["team"], row["item"]): row["favourable_pct"] for row in _records(cells)}

    shown = metrics.loc[~metrics["suppressed"]]
    teams = {t.code: t for t in Team.objects.filter(code__in=list(shown["team"])).select_related("site")}
    rows = []
    for record in _records(shown):
        pcts = [cell_pct.get((record["team"], q.code)) for q in heat_items]
        rows.append(
            {
                **record,
                "site": guards.team_sites.get(record["team"], ""),
                "team_obj": teams.get(record["team"]),
                "cells": [{"pct": pct, "heat": heat_class(pct)} for pct in pcts],
            }
        )
    return rows, int(metrics["suppressed"].sum())


def _trend(
    frames: pd.DataFrame,
    invited: pd.DataFrame,
    trend_rounds: Sequence[PulseRound],
    *,
    k: int,
    filters: PulseFilters,
    built: Mapping[int, RoundGuards],
) -> list[dict[str, Any]]:
    """The same cut in each round of the survey, oldest first; each round under its own guard."""
    rows = []
    for pulse_round in trend_rounds:
        guards = built.get(pulse_round.pk) or _round_guards(frames, invited, round_id=pulse_round.pk, k=k)
        cut = guards.main.cut(**filters.as_dict())
        round_invited = invited.loc[invited["round_id"].eq(pulse_round.pk)]
        in_cut = _within(guards.frame, cut)
        if len(in_cut):
            metrics = scoring.pulse_metrics(in_cut, by=[], invited=_within(round_invited, cut))
        else:
            metrics = pd.DataFrame({"respondents": [0], **{name: [np.nan] for name in HEADLINE_FIGURES}})
        shown = anonymised(metrics, guards=guards, cut_of=lambda _row, c=cut: c, figures=FIGURE_MEASURES)
        rows.append({"round": pulse_round, **_records(shown)[0]})
    return rows


def _comments(pulse_round: PulseRound, cut: Cut, questions: Sequence[PulseQuestion]) -> list[dict[str, str]]:
    """The cut's comments with their question, in random order (never the order they were written in)."""
    columns = {SITE: "submission__site_code", TEAM: "submission__team_code", TENURE: "submission__tenure_band"}
    answers = PulseAnswer.objects.filter(submission__round=pulse_round).exclude(comment="")
    answers = answers.filter(**{columns[name]: value for name, value in cut})
    texts = {q.pk: q.text for q in questions}
    comments = [
        {"question": texts.get(pk, ""), "comment": text} for pk, text in answers.values_list("question_id", "comment")
    ]
    _comment_order.shuffle(comments)
    return comments
