"""Writes of the scoring engine: compute a chunk (site x month) into snapshots, mark chunks stale.

A chunk holds every figure whose group lies in one site and whose period starts in one month,
so chunks are independent and the full recompute is just all of them (issue: scoring engine).
The incremental path computes the same chunks and replaces the periods of the days whose
records changed (their day, week and month), so it gives exactly the full run's figures.
"""

import contextlib
import datetime as dt
import gc
import hashlib
import io
import logging
import multiprocessing
import os
import threading
import zoneinfo
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import orjson
import pandas as pd
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from agents.models import Agent, Site, Team
from satisfaction import breakdowns, pagecache, scoring
from satisfaction.loading import (
    KANO_ITEMS,
    SCORED_ITEMS,
    load_answers_and_cuts,
    load_delivered_invitations,
    load_evaluations,
    load_kpi,
    load_upheld_grievances,
)
from satisfaction.models import CENTRE_KEY, DirtyChunk, Granularity, Level, ScoreSnapshot
from surveys.models import Response, Survey

logger = logging.getLogger(__name__)

GRANULARITIES = (Granularity.DAY, Granularity.WEEK, Granularity.MONTH)
# Periods starting in one month are at most 31 days after its first: group numbers leave 32.
GROUP_DAYS = 32
# Granularities in the order their names sort, as grouping by (key, granularity, period) sorted them.
GROUP_GRANULARITIES = sorted(granularity.value for granularity in GRANULARITIES)
EPOCH_DAY = dt.date(1970, 1, 1)
SNAPSHOT_BATCH_SIZE = 2000
# The §9 customer figures every customer snapshot carries (``gap_<dimension>`` ones are added).
CUSTOMER_METRICS = (
    "n_responses",
    "csat_pct",
    "csat_mean",
    "nps",
    "ces_mean",
    "fcr_pct",
    "response_rate_pct",
    "gap",
    "gap_sd",
    "gap_ci_low",
    "gap_ci_high",
    "gap_n",
    "hidden_dissatisfaction_pct",
    "mismatch_count",
)
DIMENSION_SUFFIXES = ("", "_sd", "_ci_low", "_ci_high", "_n")
# §5 figures of the pulse round that overlaps a week or month most, and the §8 balance.
PULSE_METRICS = ("engagement_index", "stress_index", "enps", "favourable_pct", "participation_pct")
BALANCE_METRICS = ("customer_index", "employee_index", "quadrant", "lean")
# Counts that are 0, not unknown, for a group and period without any row behind them.
ZERO_WHEN_ABSENT = frozenset({"n_responses", "mismatch_count", "grievances_upheld", "gap_n"})
# The §7 figures of KPI records, quality evaluations and upheld grievances.
KPI_METRICS = (
    "aht_s",
    "fcr_operational_pct",
    "qa_courtesy",
    "complaints_per_1k",
    "praise_per_1k",
    "grievances_upheld",
    "spot_test_pass_pct",
)


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after ``month``."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def chunk_window(month: dt.date, *, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of every answer that can fall in a period starting in ``month``.

    Weeks start on Monday and belong to the month of their Monday, so the window runs from the
    month's first day to the Sunday after the last Monday of the month.
    """
    zone = zoneinfo.ZoneInfo(tz)
    first = month
    following = next_month(month)
    last_monday = following - dt.timedelta(days=1)
    last_monday -= dt.timedelta(days=last_monday.weekday())
    end = max(following, last_monday + dt.timedelta(days=7))
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC),
        dt.datetime.combine(end, dt.time(), tzinfo=zone).astimezone(dt.UTC),
    )


def survey_weights() -> dict[str, float]:
    """Importance weights of the default survey's dimensions (§2; 1 where it sets none)."""
    survey = Survey.objects.filter(is_default=True).prefetch_related("dimensions").first()
    return {d.code: d.weight for d in survey.dimensions.all()} if survey else {}


def compute_chunk(*, site: str, month: dt.date, clear_marks: bool = False, only_marked: bool = False) -> int:
    """Recompute every snapshot of one site (or ``CENTRE_KEY``) for periods starting in ``month``.

    With ``clear_marks``, the chunk's stale marks that this computation saw are deleted with its
    snapshots; a mark committed after the read stays for the next run. With ``only_marked`` (the
    incremental path), only the periods of the marked days (their day, week and month) are
    replaced, unless a mark names no day; a chunk without marks is left alone. The figures are
    computed from the whole chunk either way, so they are exactly the full run's.
    """
    return compute_chunks(sites=[site], month=month, clear_marks=clear_marks, only_marked=only_marked)


def compute_chunks(
    *, sites: Iterable[str], month: dt.date, clear_marks: bool = False, only_marked: bool = False
) -> int:
    """``compute_chunk`` for several chunks of one month at once, from one read of the month.

    The centre's chunk reads every answer of the month, which are also the site chunks' answers:
    computing a month's chunks together reads and scores each answer once instead of twice. Each
    group counts the same rows as in its chunk alone, so its figures are the same; one difference:
    a dimension that only another site's answers have gets a count of 0 (e.g. ``pairs_<d>``)
    where the chunk alone leaves it out. The full and the incremental paths both compute a month's
    chunks together, so they agree to the last bit.
    """
    month = month_start(month)
    sites = sorted(set(sites), key=_site_order)
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if not nested:
                    # One snapshot for the marks, the answers and the delete: nothing read twice differently.
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # The chunk's reads are index lookups of a month; compiling them (JIT) costs more than it saves.
                cursor.execute("SET LOCAL jit = off")
        marks = list(DirtyChunk.objects.filter(site__in=sites, month=month).values_list("pk", "site", "day"))
        days: set[dt.date] | None = None
        if only_marked:
            sites = [site for site in sites if any(marked == site for _pk, marked, _day in marks)]
            if not sites:
                return 0
            marked_days = {day for _pk, _site, day in marks}
            # A mark without a day makes the whole month stale.
            days = None if None in marked_days else marked_days
        with _collector_paused():
            written = _compute_chunks(sites=sites, month=month, days=days)
        if clear_marks:
            DirtyChunk.objects.filter(pk__in=[pk for pk, site, _day in marks if site in sites]).delete()
    return written


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off for one month's computation, back on (if it was) afterwards.

    A month builds ~20k dicts of figures and their keys; every few hundred new objects the
    collector walked them all again, an eighth of the computation's CPU (4 months: 5.2-5.5 s ->
    4.6-4.8 s without it, peak memory unchanged). What the month leaves in cycles is collected once
    it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _site_order(site: str) -> tuple[bool, str]:
    """Sites by code, the centre last (as ``all_chunks`` lists them)."""
    return site == CENTRE_KEY, site


def compute_all(
    *,
    since: dt.date | None = None,
    clear_marks: bool = False,
    processes: int | None = None,
    months_done: Callable[[int], None] | None = None,
) -> int:
    """The full recompute from this process: every month's chunks (``all_chunks``), a month per job.

    The nightly job runs the same months as tasks of one Celery group (``compute_all_scores_task``);
    this runs them in ``processes`` local processes (default ``SCORES_PROCESSES``, else one per
    core), each on its own connection, so that scoring (Python, one core per process) and
    PostgreSQL's reading and writing (its own processes) share the cores. Within a transaction
    (its rows are invisible to other connections), on SQLite or with one process, the months run
    here one after another (``pool_size``). ``clear_marks`` deletes the stale marks each month's read saw
    (``compute_chunk``); ``months_done`` is called with 1 as each month is written (a progress bar).
    """
    months = chunks_by_month(all_chunks(since=since))
    done = months_done or (lambda count: None)
    processes = pool_size(len(months), processes=processes)
    if processes < 2:
        written = 0
        for month, sites in months:
            written += compute_chunks(sites=sites, month=month, clear_marks=clear_marks)
            done(1)
        return written
    # Forked children must not share this process's connections (nor it theirs).
    connections.close_all()
    written = 0
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        jobs = [pool.submit(_compute_month_job, sites, month, clear_marks) for month, sites in months]
        for job in as_completed(jobs):
            written += job.result()
            done(1)
    return written


def pool_size(months: int, *, processes: int | None = None) -> int:
    """How many processes ``compute_all`` scores ``months`` months in (1: in this process)."""
    wanted = min(processes or settings.SCORES_PROCESSES or os.cpu_count() or 1, months)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    # A daemonic process (a Celery prefork child) may not start processes; and a process with other
    # threads (a live server, a web worker's) must not fork: a child would close their connections.
    if multiprocessing.current_process().daemon or threading.active_count() > 1:
        return 1
    return max(wanted, 1)


def _compute_month_job(sites: list[str], month: dt.date, clear_marks: bool) -> int:
    """``compute_chunks`` in a pool process, on a connection of its own closed afterwards."""
    try:
        return compute_chunks(sites=sites, month=month, clear_marks=clear_marks)
    finally:
        connections.close_all()


def chunks_by_month(chunks: Iterable[tuple[str, dt.date]]) -> list[tuple[dt.date, list[str]]]:
    """(site, month) chunks as (month, [sites]) in month order: what ``compute_chunks`` takes."""
    months: dict[dt.date, list[str]] = {}
    for site, month in chunks:
        months.setdefault(month_start(month), []).append(site)
    return [(month, sorted(months[month], key=_site_order)) for month in sorted(months)]


def _compute_chunks(*, sites: list[str], month: dt.date, days: set[dt.date] | None = None) -> int:
    tz = settings.TIME_ZONE
    start, end = chunk_window(month, tz=tz)
    scopes = [None if site == CENTRE_KEY else _site_scope(site) for site in sites]
    periods = None if days is None else stale_periods(days, month)
    groups = ChunkGroups(scope=scopes, month=month, tz=tz, periods=periods)
    # One read of the chunks' answers: the scored items (§2-§4) and the Kano pairs (§6) apart in memory.
    # (With each response's channel and queue, for the dashboards' cuts, from the same read.)
    answers, cuts = load_answers_and_cuts(start, end, items=(*SCORED_ITEMS, *KANO_ITEMS), **groups.read_filter)
    is_kano = answers["item"].isin(KANO_ITEMS).to_numpy(dtype=bool)
    invitations = load_delivered_invitations(start, end, **groups.read_filter)
    scored = answers.loc[~is_kano]
    # §2-§4 per response, once: the §9 figures and the dashboards' extras both start from it.
    responses = scoring.response_table(scored, weights=survey_weights())
    figures = _customer_figures(responses, invitations, groups=groups)
    _merge_figures(figures, _kano_figures(answers.loc[is_kano], groups=groups))
    _merge_figures(figures, _kpi_figures(groups=groups))
    # Further per-group figures join here, each through ``_merge_figures(figures, ...)``.
    _merge_figures(figures, _breakdown_figures(scored, responses=responses, cuts=cuts, groups=groups))
    figures = {group: metrics for group, metrics in figures.items() if groups.wanted(group)}
    _add_balance_figures(figures, month=month, scopes=scopes, tz=tz)
    # Every snapshot carries every name; a group without records has no upheld grievance.
    defaults = {name: 0 if name in ZERO_WHEN_ABSENT else None for name in (*CUSTOMER_METRICS, *KPI_METRICS)}
    figures = {group: {**defaults, **metrics} for group, metrics in figures.items()}
    _replace_snapshots(figures, month=month, scopes=scopes, periods=periods)
    return len(figures)


def _replace_snapshots(
    figures: dict[tuple, dict],
    *,
    month: dt.date,
    scopes: list[dict | None],
    periods: set[tuple[str, dt.date]] | None,
) -> None:
    """Make the chunks' snapshots of ``periods`` (None: the whole month) ``figures``: write the groups
    whose figures changed or are new, delete the ones that changed or are gone, keep the rest."""
    encoded = {group: _metrics_json(metrics) for group, metrics in figures.items()}
    digests = {group: _digest(text) for group, text in encoded.items()}
    kept: set[tuple] = set()
    stale: list[int] = []
    for scope in scopes:
        for pk, *group, digest in _chunk_snapshots(month=month, scope=scope, periods=periods):
            if digest is not None and digests.get(tuple(group)) == digest:
                kept.add(tuple(group))
            else:
                stale.append(pk)
    _delete_snapshots(stale)
    write_snapshots([(*group, text, digests[group]) for group, text in encoded.items() if group not in kept])


def _merge_figures(figures: dict[tuple, dict], more: dict[tuple, dict]) -> None:
    """Add per-group figures (same keys as ``figures``) to ``figures``, creating groups that are new."""
    for group, metrics in more.items():
        figures.setdefault(group, {}).update(metrics)


def write_snapshots(rows: list[tuple[str, str, str, dt.date, str, int]]) -> None:
    """Insert (level, key, granularity, period_start, figures as ``_metrics_json``, their ``_digest``)
    rows: with COPY on PostgreSQL. A full recompute writes hundreds of thousands of rows, so no model
    instance is built per row.
    """
    if not rows:
        return
    # Kept dashboards show snapshots: none of them is served again once these are committed.
    pagecache.bump()
    if connection.vendor != "postgresql":
        ScoreSnapshot.objects.bulk_create(
            [
                ScoreSnapshot(
                    level=level,
                    key=key,
                    granularity=granularity,
                    period_start=period,
                    metrics=orjson.loads(text),
                    digest=digest,
                )
                for level, key, granularity, period, text, digest in rows
            ],
            batch_size=SNAPSHOT_BATCH_SIZE,
        )
        return
    now = timezone.now().isoformat()
    # COPY's text format: tab-separated, with backslashes (JSON escapes) doubled.
    text = "".join(
        f"{level}\t{_copy_text(key)}\t{granularity}\t{period.isoformat()}\t{_copy_text(metrics)}\t{digest}\t{now}\n"
        for level, key, granularity, period, metrics, digest in rows
    )
    columns = "level, key, granularity, period_start, metrics, digest, computed_at"
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {ScoreSnapshot._meta.db_table} ({columns}) FROM STDIN", io.StringIO(text))


def _digest(text: str) -> int:
    """A 64-bit digest of a snapshot's figures (its ``_metrics_json``), to tell a changed snapshot."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _delete_snapshots(pks: list[int]) -> None:
    """Delete snapshots by id, in one statement."""
    if not pks:
        return
    pagecache.bump()
    if connection.vendor != "postgresql":
        for start in range(0, len(pks), SNAPSHOT_BATCH_SIZE):
            ScoreSnapshot.objects.filter(pk__in=pks[start : start + SNAPSHOT_BATCH_SIZE])._raw_delete(
                ScoreSnapshot.objects.db
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ScoreSnapshot._meta.db_table} WHERE id = ANY(%s)", [pks])


def _metrics_json(metrics: dict) -> str:
    """A snapshot's figures as JSON, as stored and read back (a ``json`` column keeps the text): orjson,
    as a full run encodes ~500k of them (18x faster than the json module); names in alphabetical
    order, floats in their shortest exact form (read back bit for bit), no whitespace. A NaN would
    come out as null, which is what a missing figure is."""
    return orjson.dumps(metrics, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_SORT_KEYS).decode()


def _copy_text(value: str) -> str:
    """``value`` as one field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _scope_filter(scope: dict | None) -> dict:
    """Loader arguments for a site's chunk (its responses, teams and agents), or none for the centre."""
    if scope is None:
        return {}
    return {"site_id": scope["site_id"], "team_ids": scope["team_ids"], "agent_ids": scope["agent_ids"]}


class ChunkGroups:
    """The groups (level, key, granularity, period_start) of one chunk, numbered for grouped passes.

    ``level_rows`` lists, per level, the rows each group counts (its agent, team and site, or the
    centre; its day, week and month when they start in the chunk's month) with the group's number,
    so that several levels and all granularities are one ``groupby`` instead of one each.

    The numbers sort like (key, granularity name, period_start), the keys the engine grouped by
    one level at a time, and a level's rows come day rows first, then week, then month, each in
    the frame's order. pandas sums a float column with ``np.add.reduceat`` when the group numbers
    are sorted and with compensated summation in row order otherwise, so ``passes`` gives a level
    whose numbers are sorted a pass of its own: every mean comes out to the last bit as before.
    """

    def __init__(
        self,
        *,
        scope: dict | list[dict | None] | None,
        month: dt.date,
        tz: str,
        periods: set[tuple[str, dt.date]] | None = None,
    ) -> None:
        # A site's scope (``_site_scope``), None for the centre, or a list of them (one month's chunks).
        scopes = scope if isinstance(scope, list) else [scope]
        self.month = month
        self.tz = tz
        # The (granularity, period_start) pairs to keep; None keeps every period of the month.
        self.periods = periods
        sites = [s for s in scopes if s is not None]
        self.levels = []
        if sites:
            agents = {a: name for s in sites for a, name in s["agents"].items()}
            teams = {t: name for s in sites for t, name in s["teams"].items()}
            site_ids = {s["site_id"]: s["site"] for s in sites}
            for level, column, names in (
                (Level.AGENT, "agent_id", agents),
                (Level.TEAM, "team_id", teams),
                (Level.SITE, "site_id", site_ids),
            ):
                ids = sorted(names)
                self.levels.append((level, column, np.array(ids, dtype=np.int64), [names[i] for i in ids]))
        if len(sites) < len(scopes):
            self.levels.append((Level.CENTRE, None, np.zeros(1, dtype=np.int64), [CENTRE_KEY]))
        # What the loaders read: one site's rows, or every row (the centre, or several sites).
        self.read_filter = _scope_filter(sites[0]) if len(scopes) == 1 and sites else {}
        self.site_id = sites[0]["site_id"] if len(scopes) == 1 and sites else None
        # Each (level, key) is a slot; a group's number is (slot * 3 + granularity) * 32 + day of the month.
        self.slot_level: list[str] = []
        self.slot_key: list[str] = []
        self.level_base: list[int] = []
        for level, _column, _ids, names in self.levels:
            self.level_base.append(len(self.slot_level))
            self.slot_level += [level] * len(names)
            self.slot_key += names

    def level_rows(self, frame: pd.DataFrame, *, days: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level, the positions of the rows of ``frame`` that count for it and their group numbers.

        ``days`` holds each row's centre-local calendar day (days since 1970-01-01).
        """
        offsets = self._period_offsets(days)
        result = []
        for (level, column, ids, _names), base in zip(self.levels, self.level_base, strict=True):
            rows, codes = [], []
            if column is None:
                member = np.ones(len(frame), dtype=bool)
                slot = np.full(len(frame), base, dtype=np.int64)
            elif not len(ids):
                member = np.zeros(len(frame), dtype=bool)  # a site without teams or agents
                slot = np.zeros(len(frame), dtype=np.int64)
            else:
                values = frame[column].to_numpy(dtype=np.int64)
                position = np.minimum(np.searchsorted(ids, values), len(ids) - 1)
                member = ids[position] == values
                slot = base + position
                if level == Level.AGENT and "excluded_for_agent" in frame.columns:
                    # SCORING.md §7: out of the agent's own figures, still in the team's, site's and centre's.
                    member &= ~frame["excluded_for_agent"].to_numpy(dtype=bool, na_value=False)
            for granularity, offset in zip(GRANULARITIES, offsets, strict=True):
                picked = np.flatnonzero(member & (offset >= 0))
                rows.append(picked)
                codes.append(
                    (slot[picked] * len(GRANULARITIES) + GROUP_GRANULARITIES.index(granularity)) * GROUP_DAYS
                    + offset[picked]
                )
            result.append((np.concatenate(rows), np.concatenate(codes)))
        return result

    @staticmethod
    def passes(level_rows: list[tuple[np.ndarray, np.ndarray]]) -> list[list[int]]:
        """The levels (indices into ``level_rows``) to group together: sorted ones alone, the rest at once."""
        alone = [
            [n] for n, (_rows, codes) in enumerate(level_rows) if len(codes) and bool(np.all(codes[1:] >= codes[:-1]))
        ]
        together = [n for n, (_rows, codes) in enumerate(level_rows) if len(codes) and [n] not in alone]
        return [*alone, together] if together else alone

    @staticmethod
    def take(frame: pd.DataFrame, level_rows: list[tuple[np.ndarray, np.ndarray]], levels: list[int]) -> pd.DataFrame:
        """The rows of ``levels`` (one copy per group they count for) with their group number in ``group``."""
        rows = [level_rows[n][0] for n in levels]
        expanded = frame.iloc[np.concatenate(rows) if rows else []].reset_index(drop=True)
        expanded["group"] = np.concatenate([level_rows[n][1] for n in levels]) if rows else np.zeros(0, dtype=np.int64)
        return expanded

    def _period_offsets(self, days: np.ndarray) -> list[np.ndarray]:
        """Per granularity, each day's period start as days from the month's first, -1 outside the month."""
        first = (self.month - EPOCH_DAY).days
        following = (next_month(self.month) - EPOCH_DAY).days
        # 1970-01-01 was a Thursday: (days + 3) % 7 is the weekday with Monday 0 (weeks start on Monday).
        week = days - (days + 3) % 7
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        offsets = []
        for granularity, start in zip(GRANULARITIES, (days, week, month), strict=True):
            offset = np.where((start >= first) & (start < following), start - first, -1)
            if self.periods is not None:
                # Only the periods this computation replaces: an incremental run groups one day, not 31.
                kept = [(s - self.month).days for g, s in self.periods if g == granularity]
                offset = np.where(np.isin(offset, kept), offset, -1)
            offsets.append(offset)
        return offsets

    def decode(self, codes: np.ndarray) -> list[tuple[str, str, str, dt.date]]:
        """The (level, key, granularity, period_start) of each group number."""
        granularities = GROUP_GRANULARITIES
        slots, rest = np.divmod(np.asarray(codes, dtype=np.int64), len(GRANULARITIES) * GROUP_DAYS)
        granularity, offset = np.divmod(rest, GROUP_DAYS)
        periods = [self.month + dt.timedelta(days=d) for d in range(GROUP_DAYS)]
        return [
            (self.slot_level[s], self.slot_key[s], granularities[g], periods[o])
            for s, g, o in zip(slots.tolist(), granularity.tolist(), offset.tolist(), strict=True)
        ]

    def wanted(self, group: tuple[str, str, str, dt.date]) -> bool:
        """Whether ``group``'s period is one this computation replaces."""
        return self.periods is None or (group[2], group[3]) in self.periods

    def records(self, figures: pd.DataFrame, *, names: list[str], by: str = "group") -> dict[tuple, dict]:
        """Rows of ``figures`` (one per group number in ``by``) of the wanted periods, as {group: {name: figure}}."""
        groups = self.decode(figures[by].to_numpy())
        if self.periods is not None:
            keep = [self.wanted(group) for group in groups]
            figures = figures.loc[keep]
            groups = [group for group, kept in zip(groups, keep, strict=True) if kept]
        return dict(zip(groups, scoring.metrics_to_records(figures, names=names), strict=True))

    def local_days(self, moments: pd.Series) -> np.ndarray:
        """Centre-local calendar days (since 1970-01-01) of tz-aware moments (§8 periods follow TIME_ZONE)."""
        local = moments.dt.tz_convert(self.tz).dt.tz_localize(None)
        return local.to_numpy().astype("datetime64[D]").astype(np.int64)


def _date_days(dates: pd.Series) -> np.ndarray:
    """Calendar dates (a datetime64 column) as days since 1970-01-01."""
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _kano_figures(answers: pd.DataFrame, *, groups: ChunkGroups) -> dict[tuple, dict]:
    """§6 per attribute: ``kano_category_<a>``, ``kano_better_<a>``, ``kano_worse_<a>`` (and ``kano_n_<a>``)."""
    if answers.empty:
        return {}
    keys = ["response_id", "dimension"]
    pairs = answers.pivot_table(index=keys, columns="item", values="value", aggfunc="first", observed=True)
    if set(pairs.columns) != set(KANO_ITEMS):
        return {}
    # A respondent's attribute counts only with both questions answered (§6 reads the pair).
    pairs = pairs.dropna().rename(columns={"kano_functional": "functional", "kano_dysfunctional": "dysfunctional"})
    carried = answers.drop_duplicates("response_id").set_index("response_id")[
        ["agent_id", "team_id", "site_id", "answered_at", "excluded_for_agent"]
    ]
    pairs = pairs.reset_index().rename(columns={"dimension": "attribute"}).join(carried, on="response_id")
    pairs = pairs.astype({"functional": int, "dysfunctional": int})
    # Kano figures are counts: one pass over every level.
    level_rows = groups.level_rows(pairs, days=groups.local_days(pairs["answered_at"]))
    expanded = groups.take(pairs, level_rows, list(range(len(level_rows))))
    if expanded.empty:
        return {}
    summary = scoring.kano_summary(expanded, by=["group", "attribute"])
    result: dict[tuple, dict] = {}
    for group, row in zip(groups.decode(summary["group"].to_numpy()), summary.itertuples(index=False), strict=True):
        metrics = result.setdefault(group, {})
        metrics[f"kano_category_{row.attribute}"] = row.kano_category
        metrics[f"kano_better_{row.attribute}"] = _plain_or_none(row.kano_better)
        metrics[f"kano_worse_{row.attribute}"] = _plain_or_none(row.kano_worse)
        metrics[f"kano_n_{row.attribute}"] = int(row.n)
    return result


def _site_scope(site: str) -> dict:
    site_obj = Site.objects.get(code=site)
    teams = dict(Team.objects.filter(site=site_obj).values_list("id", "code"))
    agents = dict(Agent.objects.filter(team__site=site_obj).values_list("id", "employee_number"))
    return {
        "site_id": site_obj.id,
        "site": site,
        "team_ids": list(teams),
        "teams": teams,
        "agent_ids": list(agents),
        "agents": agents,
    }


def _customer_figures(responses: pd.DataFrame, invitations: pd.DataFrame, *, groups: ChunkGroups) -> dict[tuple, dict]:
    """§2-§4 figures of the chunk from its ``scoring.response_table``, keyed by (level, key, granularity, period)."""
    dimensions = sorted(c[len("gap_") :] for c in responses.columns if c.startswith("gap_"))
    names = [*CUSTOMER_METRICS, *(f"gap_{d}{s}" for d in dimensions for s in DIMENSION_SUFFIXES)]
    answered = groups.level_rows(responses, days=groups.local_days(responses["answered_at"]))
    invitations = invitations.assign(delivered=1)
    sent = groups.level_rows(invitations, days=groups.local_days(invitations["delivered_at"]))
    passes = groups.passes(answered)
    # Levels invited but without answers: the delivered counts are whole numbers, so any pass will do.
    rest = [n for n, (rows, _codes) in enumerate(sent) if len(rows) and not any(n in levels for levels in passes)]
    # Only the columns the figures read are copied once per group a response counts for.
    scored = responses[[c for c in responses.columns if c in scoring.GROUP_INPUT_COLUMNS or c.startswith("gap")]]
    delivered = invitations[["delivered"]]
    result: dict[tuple, dict] = {}
    for levels in [*passes, *([rest] if rest else [])]:
        frame = groups.take(scored, answered, levels)
        figures = scoring.customer_metrics(
            frame, by=["group"], dimensions=dimensions, invitations=groups.take(delivered, sent, levels)
        )
        for name in names:
            if name not in figures.columns:
                figures[name] = np.nan
        result.update(groups.records(figures, names=names))
    return result


def _breakdown_figures(
    answers: pd.DataFrame, *, responses: pd.DataFrame, cuts: pd.DataFrame, groups: ChunkGroups
) -> dict[tuple, dict]:
    """The dashboards' extras beyond §9 (satisfaction/breakdowns.py): CSAT distribution, expectation
    and experience per dimension, and the headline figures per channel and queue (weeks and months)."""
    extra = breakdowns.response_breakdowns(answers, cuts=cuts, responses=responses)
    if extra.empty:
        return {}
    rows = groups.level_rows(extra, days=groups.local_days(extra["answered_at"]))
    levels = [n for n, (picked, _codes) in enumerate(rows) if len(picked)]
    if not levels:
        return {}
    # Only the columns the extras read are copied once per group a response counts for.
    read = [c for c in extra.columns if c in breakdowns.GROUP_INPUT_COLUMNS or c.startswith(breakdowns.PAIR_SIDES)]
    frame = groups.take(extra[read], rows, levels)
    granularity = (frame["group"].to_numpy() // GROUP_DAYS) % len(GRANULARITIES)
    # The granularity only picks the rows of the cut figures (weeks and months); the group number
    # already holds it, so it is no grouping key (grouping by a column of strings costs more than all the sums).
    frame["granularity"] = pd.Categorical.from_codes(granularity, categories=GROUP_GRANULARITIES)
    figures = breakdowns.group_breakdowns(frame, by=["group"])
    decoded = groups.decode(np.fromiter((code for (code,) in figures), dtype=np.int64, count=len(figures)))
    return {group: metrics for group, metrics in zip(decoded, figures.values(), strict=True) if groups.wanted(group)}


def _kpi_figures(*, groups: ChunkGroups) -> dict[tuple, dict]:
    """§7 figures of the chunk, keyed like ``_customer_figures``."""
    start, end = chunk_window(groups.month, tz=groups.tz)
    zone = zoneinfo.ZoneInfo(groups.tz)
    first, last = start.astimezone(zone).date(), (end - dt.timedelta(seconds=1)).astimezone(zone).date()
    kpi = load_kpi(first, last, site_id=groups.site_id)
    evaluations = load_evaluations(first, last, site_id=groups.site_id)
    grievances = load_upheld_grievances(start, end, **groups.read_filter)
    # KPI records and evaluations are kept per local calendar date.
    kpi_rows = groups.level_rows(kpi, days=_date_days(kpi["date"]))
    evaluation_rows = groups.level_rows(evaluations, days=_date_days(evaluations["date"]))
    grievance_rows = groups.level_rows(grievances, days=groups.local_days(grievances["started_at"]))
    # Only the evaluation scores are summed as floats (§7 counts are whole numbers): they decide the passes.
    passes = groups.passes(evaluation_rows)
    rest = [n for n in range(len(groups.levels)) if not any(n in levels for levels in passes)]
    result: dict[tuple, dict] = {}
    for levels in [*passes, *([rest] if rest else [])]:
        parts = [
            groups.take(frame, rows, levels)
            for frame, rows in ((kpi, kpi_rows), (evaluations, evaluation_rows), (grievances, grievance_rows))
        ]
        if all(part.empty for part in parts):
            continue
        figures = scoring.kpi_metrics(parts[0], by=["group"], evaluations=parts[1], grievances=parts[2])
        result.update(groups.records(figures, names=list(KPI_METRICS)))
    return result


def _add_balance_figures(figures: dict[tuple, dict], *, month: dt.date, scopes: list[dict | None], tz: str) -> None:
    """§5 and §8 for week and month groups: the pulse whose window overlaps the period most, C, E, quadrant, lean.

    A team hidden by the anonymity rule gets no employee figures and so stays out of the balance.
    """
    from surveys.models import PulseRound
    from surveys.pulse_selectors import pulse_metrics_by_level

    start, end = chunk_window(month, tz=tz)
    # A month period runs to the month's end; a week to its Sunday, possibly past the chunk window.
    rounds = list(
        PulseRound.objects.filter(opens_at__lt=end + dt.timedelta(days=31), closes_at__gt=start).values_list(
            "pk", flat=True
        )
    )
    # The chunks' own groups only: their sites' teams and the sites, and the centre.
    wanted: dict[str, set[str] | None] = {}
    for scope in scopes:
        if scope is None:
            wanted[Level.CENTRE] = None
        else:
            wanted.setdefault(Level.TEAM, set()).update(scope["teams"].values())
            wanted.setdefault(Level.SITE, set()).add(scope["site"])
    pulse: dict[str, pd.DataFrame] = (
        pulse_metrics_by_level(levels=wanted, round_ids=rounds) if rounds else dict.fromkeys(wanted, pd.DataFrame())
    )
    for (level, key, granularity, period), metrics in figures.items():
        if granularity == Granularity.DAY or level not in pulse:
            continue
        row = _most_overlapping_round(pulse[level], key=key, period=period, granularity=granularity)
        for name in PULSE_METRICS:
            metrics[name] = _plain_or_none(row[name]) if row is not None else None
        employee = metrics["engagement_index"]
        customer = metrics.get("csat_pct")
        metrics["customer_index"] = customer
        metrics["employee_index"] = employee
        both = customer is not None and employee is not None
        targets = {"customer_target": settings.CUSTOMER_TARGET, "employee_target": settings.EMPLOYEE_TARGET}
        metrics["quadrant"] = scoring.quadrant(customer, employee, **targets) if both else None
        metrics["lean"] = scoring.lean(customer, employee, **targets) if both else None


def _most_overlapping_round(pulse: pd.DataFrame, *, key: str, period: dt.date, granularity: str) -> pd.Series | None:
    """The pulse row of ``key`` whose window overlaps the period most (the later round on a tie)."""
    if pulse.empty:
        return None
    rows = pulse.loc[pulse["key"] == key]
    if rows.empty:
        return None
    period_end = (
        period + dt.timedelta(days=6) if granularity == Granularity.WEEK else next_month(period) - dt.timedelta(days=1)
    )
    overlap = [
        (min(window_end, period_end) - max(window_start, period)).days + 1
        for window_start, window_end in zip(rows["window_start"], rows["window_end"], strict=True)
    ]
    best = max(range(len(rows)), key=lambda i: (overlap[i], rows["window_start"].iloc[i]))
    return rows.iloc[best] if overlap[best] > 0 else None


def _plain_or_none(value: object) -> float | None:
    """A figure as a plain float, or None where it is missing (NaN) or suppressed."""
    return None if value is None or pd.isna(value) else float(value)


def stale_periods(days: Iterable[dt.date], month: dt.date) -> set[tuple[str, dt.date]]:
    """The (granularity, period_start) pairs starting in ``month`` that contain one of ``days``."""
    following = next_month(month)
    periods = set()
    for day in days:
        for granularity, start in (
            (Granularity.DAY, day),
            (Granularity.WEEK, day - dt.timedelta(days=day.weekday())),
            (Granularity.MONTH, month_start(day)),
        ):
            if month <= start < following:
                periods.add((granularity.value, start))
    return periods


def _chunk_snapshots(
    *, month: dt.date, scope: dict | None, periods: set[tuple[str, dt.date]] | None = None
) -> list[tuple[int, str, str, str, dt.date, int | None]]:
    """(id, level, key, granularity, period_start, digest) of a chunk's snapshots of ``periods`` (None: all)."""
    in_month = ScoreSnapshot.objects.filter(period_start__gte=month, period_start__lt=next_month(month))
    if periods is not None:
        chosen = Q(pk__in=[])
        for granularity, start in periods:
            chosen |= Q(granularity=granularity, period_start=start)
        in_month = in_month.filter(chosen)
    if scope is None:
        chunk = Q(level=Level.CENTRE)
    else:
        chunk = (
            Q(level=Level.AGENT, key__in=list(scope["agents"].values()))
            | Q(level=Level.TEAM, key__in=list(scope["teams"].values()))
            | Q(level=Level.SITE, key=scope["site"])
        )
    return list(in_month.filter(chunk).values_list("id", "level", "key", "granularity", "period_start", "digest"))


def all_chunks(*, since: dt.date | None = None) -> list[tuple[str, dt.date]]:
    """Every (site, month) chunk holding data since ``since``, plus the centre's months."""
    from agents.models import KpiRecord, QualityEvaluation

    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    answered = Response.objects.aggregate(first=Min("answered_at"), last=Max("answered_at"))
    days = [moment.astimezone(zone).date() for moment in answered.values() if moment is not None]
    for model, field in ((KpiRecord, "date"), (QualityEvaluation, "evaluated_on")):
        days += [day for day in model.objects.aggregate(first=Min(field), last=Max(field)).values() if day]
    if not days:
        return []
    first_day, last_day = min(days), max(days)
    # The first day's week belongs to the month of its Monday, which may be the month before.
    first = month_start(first_day - dt.timedelta(days=first_day.weekday()))
    if since is not None:
        first = max(first, month_start(since))
    last = month_start(last_day)
    months = []
    while first <= last:
        months.append(first)
        first = next_month(first)
    sites = [*Site.objects.order_by("code").values_list("code", flat=True), CENTRE_KEY]
    return [(site, month) for month in months for site in sites]


def mark_dirty(*, chunks: Iterable[tuple[str, dt.date] | tuple[str, dt.date, dt.date | None]]) -> None:
    """Record chunks whose figures are stale, in one insert; the recompute task picks them up.

    A chunk is (site, month) — the whole month is stale — or (site, month, day) as
    ``chunks_for_answers`` gives: only the day's periods are.
    """
    marks = {
        (code, month_start(chunk[1]), chunk[2] if len(chunk) > 2 else None)
        for chunk in chunks
        for code in (chunk[0], CENTRE_KEY)
    }
    DirtyChunk.objects.bulk_create(
        [DirtyChunk(site=site, month=month, day=day) for site, month, day in sorted(marks, key=_mark_order)]
    )


def _mark_order(mark: tuple[str, dt.date, dt.date | None]) -> tuple:
    site, month, day = mark
    return site, month, day or dt.date.min


def chunks_for_answers(*, sites_and_times: Iterable[tuple[str, dt.datetime]]) -> set[tuple[str, dt.date, dt.date]]:
    """The chunks an answer at ``time`` in ``site`` affects, with its local day: its day's and week's months."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    chunks = set()
    for site, moment in sites_and_times:
        day = moment.astimezone(zone).date()
        monday = day - dt.timedelta(days=day.weekday())
        chunks.add((site, month_start(day), day))
        chunks.add((site, month_start(monday), day))
    return chunks


def take_dirty_chunks() -> list[tuple[str, dt.date]]:
    """The stale chunks, each once."""
    return list(DirtyChunk.objects.order_by("site", "month").values_list("site", "month").distinct())
