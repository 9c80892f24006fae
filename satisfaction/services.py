"""Writes of the scoring engine: compute a chunk (site x month) into snapshots, mark chunks stale.

A chunk holds every figure whose group lies in one site and whose period starts in one month,
so chunks are independent and the full recompute is just all of them (issue: scoring engine).
The incremental path recomputes the same chunks, so it gives exactly the full run's figures.
"""

import csv
import datetime as dt
import io
import json
import logging
import zoneinfo
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from agents.models import Agent, Site, Team
from satisfaction import breakdowns, scoring
from satisfaction.loading import (
    KANO_ITEMS,
    load_answers,
    load_delivered_invitations,
    load_evaluations,
    load_kpi,
    load_response_cuts,
    load_upheld_grievances,
)
from satisfaction.models import CENTRE_KEY, DirtyChunk, Granularity, Level, ScoreSnapshot
from surveys.models import Response, Survey

logger = logging.getLogger(__name__)

GRANULARITIES = (Granularity.DAY, Granularity.WEEK, Granularity.MONTH)
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


def compute_chunk(*, site: str, month: dt.date, clear_marks: bool = False) -> int:
    """Recompute every snapshot of one site (or ``CENTRE_KEY``) for periods starting in ``month``.

    With ``clear_marks``, the chunk's stale marks that this computation saw are deleted with its
    snapshots; a mark committed after the read stays for the next run.
    """
    month = month_start(month)
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            # One snapshot for the marks, the answers and the delete: nothing read twice differently.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        marks = list(DirtyChunk.objects.filter(site=site, month=month).values_list("pk", flat=True))
        written = _compute_chunk(site=site, month=month)
        if clear_marks:
            DirtyChunk.objects.filter(pk__in=marks).delete()
    return written


def _compute_chunk(*, site: str, month: dt.date) -> int:
    tz = settings.TIME_ZONE
    start, end = chunk_window(month, tz=tz)
    scope = None if site == CENTRE_KEY else _site_scope(site)
    answers = load_answers(start, end, **_scope_filter(scope))
    invitations = load_delivered_invitations(start, end)
    figures = _customer_figures(answers, invitations, month=month, scope=scope, tz=tz)
    kano_answers = load_answers(start, end, items=KANO_ITEMS, **_scope_filter(scope))
    for group, metrics in _kano_figures(kano_answers, month=month, scope=scope, tz=tz).items():
        figures.setdefault(group, {}).update(metrics)
    for group, metrics in _kpi_figures(month=month, scope=scope, tz=tz).items():
        figures.setdefault(group, {}).update(metrics)
    # Extras beyond §9 for the dashboards: CSAT distribution, expectation and experience, channel and queue cuts.
    extra = breakdowns.response_breakdowns(answers, cuts=load_response_cuts(start, end), weights=survey_weights())
    extra_levels = _level_frames(_by_period(extra, "answered_at", month=month, tz=tz), scope) if len(extra) else {}
    for level, (column, frame) in extra_levels.items():
        for (key, granularity, period), metrics in breakdowns.group_breakdowns(
            frame, by=[column, "granularity", "period_start"]
        ).items():
            figures.setdefault((level, _key_names(scope)[level](key), granularity, period), {}).update(metrics)
    _add_balance_figures(figures, month=month, scope=scope, tz=tz)
    for metrics in figures.values():
        # Every snapshot carries every name; a group without records has no upheld grievance.
        for name in (*CUSTOMER_METRICS, *KPI_METRICS):
            metrics.setdefault(name, 0 if name in ZERO_WHEN_ABSENT else None)
    rows = [
        ScoreSnapshot(level=level, key=key, granularity=granularity, period_start=period, metrics=metrics)
        for (level, key, granularity, period), metrics in figures.items()
    ]
    _delete_chunk_snapshots(month=month, scope=scope)
    write_snapshots(rows)
    return len(rows)


def write_snapshots(rows: list[ScoreSnapshot]) -> None:
    """Insert snapshot rows: with COPY on PostgreSQL (a month of agent-days is thousands of rows)."""
    if connection.vendor != "postgresql":
        ScoreSnapshot.objects.bulk_create(rows, batch_size=SNAPSHOT_BATCH_SIZE)
        return
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                row.level,
                row.key,
                row.granularity,
                row.period_start.isoformat(),
                json.dumps(row.metrics, allow_nan=False),
                now,
            ]
        )
    buffer.seek(0)
    columns = "level, key, granularity, period_start, metrics, computed_at"
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {ScoreSnapshot._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)


def _scope_filter(scope: dict | None) -> dict:
    """``load_answers`` arguments for a site's chunk (its responses, teams and agents), or none for the centre."""
    if scope is None:
        return {}
    return {"site_id": scope["site_id"], "team_ids": scope["team_ids"], "agent_ids": scope["agent_ids"]}


def _kano_figures(answers: pd.DataFrame, *, month: dt.date, scope: dict | None, tz: str) -> dict[tuple, dict]:
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
    in_month = _by_period(pairs, "answered_at", month=month, tz=tz)
    key_names = _key_names(scope)
    result: dict[tuple, dict] = {}
    for level, (column, frame) in _level_frames(in_month, scope).items():
        if frame.empty:
            continue
        summary = scoring.kano_summary(frame, by=[column, "granularity", "period_start", "attribute"])
        for row in summary.itertuples(index=False):
            group = (level, key_names[level](getattr(row, column)), row.granularity, row.period_start)
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


def _level_frames(frame: pd.DataFrame, scope: dict | None) -> dict[str, tuple[str, pd.DataFrame]]:
    """Per level, the column holding its key and the rows that count for it in this chunk."""
    if scope is None:
        return {Level.CENTRE: ("centre", frame.assign(centre=CENTRE_KEY))}
    agent_rows = frame["agent_id"].isin(scope["agent_ids"])
    if "excluded_for_agent" in frame.columns:
        # SCORING.md §7: out of the agent's own figures, still in the team's, site's and centre's.
        agent_rows &= ~frame["excluded_for_agent"].fillna(False).astype(bool)
    return {
        Level.AGENT: ("agent_id", frame.loc[agent_rows]),
        Level.TEAM: ("team_id", frame.loc[frame["team_id"].isin(scope["team_ids"])]),
        Level.SITE: ("site_id", frame.loc[frame["site_id"] == scope["site_id"]]),
    }


def _customer_figures(
    answers: pd.DataFrame, invitations: pd.DataFrame, *, month: dt.date, scope: dict | None, tz: str
) -> dict[tuple, dict]:
    """§2-§4 figures of the chunk, keyed by (level, key, granularity, period_start)."""
    responses = scoring.response_table(answers, weights=survey_weights())
    dimensions = sorted(c[len("gap_") :] for c in responses.columns if c.startswith("gap_"))
    names = [*CUSTOMER_METRICS, *(f"gap_{d}{s}" for d in dimensions for s in DIMENSION_SUFFIXES)]
    key_names = _key_names(scope)
    # All three granularities in one frame, so each level is one grouped pass, not three.
    in_month = _by_period(responses, "answered_at", month=month, tz=tz)
    sent = _by_period(invitations.assign(delivered=1), "delivered_at", month=month, tz=tz)
    figures_by_group: dict[tuple, dict] = {}
    for level, (column, frame) in _level_frames(in_month, scope).items():
        level_sent = _level_frames(sent, scope)[level][1]
        if frame.empty and level_sent.empty:
            continue
        by = [column, "granularity", "period_start"]
        figures = scoring.customer_metrics(frame, by=by, dimensions=dimensions, invitations=level_sent)
        for name in names:
            if name not in figures.columns:
                figures[name] = np.nan
        records = scoring.metrics_to_records(figures, names=names)
        for (key, granularity, period), metrics in zip(
            figures[by].itertuples(index=False, name=None), records, strict=True
        ):
            figures_by_group[(level, key_names[level](key), granularity, period)] = metrics
    return figures_by_group


def _kpi_figures(*, month: dt.date, scope: dict | None, tz: str) -> dict[tuple, dict]:
    """§7 figures of the chunk, keyed like ``_customer_figures``."""
    start, end = chunk_window(month, tz=tz)
    zone = zoneinfo.ZoneInfo(tz)
    first, last = start.astimezone(zone).date(), (end - dt.timedelta(seconds=1)).astimezone(zone).date()
    kpi = _by_period(_local_noon(load_kpi(first, last), tz), "at", month=month, tz=tz)
    evaluations = _by_period(_local_noon(load_evaluations(first, last), tz), "at", month=month, tz=tz)
    grievances = _by_period(load_upheld_grievances(start, end), "started_at", month=month, tz=tz)
    key_names = _key_names(scope)
    figures_by_group: dict[tuple, dict] = {}
    kpi_levels = _level_frames(kpi, scope)
    for level, (column, frame) in kpi_levels.items():
        level_evaluations = _level_frames(evaluations, scope)[level][1]
        level_grievances = _level_frames(grievances, scope)[level][1]
        if frame.empty and level_evaluations.empty and level_grievances.empty:
            continue
        by = [column, "granularity", "period_start"]
        figures = scoring.kpi_metrics(frame, by=by, evaluations=level_evaluations, grievances=level_grievances)
        records = scoring.metrics_to_records(figures, names=KPI_METRICS)
        for (key, granularity, period), metrics in zip(
            figures[by].itertuples(index=False, name=None), records, strict=True
        ):
            figures_by_group[(level, key_names[level](key), granularity, period)] = metrics
    return figures_by_group


def _add_balance_figures(figures: dict[tuple, dict], *, month: dt.date, scope: dict | None, tz: str) -> None:
    """§5 and §8 for week and month groups: the pulse whose window overlaps the period most, C, E, quadrant, lean.

    A team hidden by the anonymity rule gets no employee figures and so stays out of the balance.
    """
    from surveys.models import PulseRound
    from surveys.pulse_selectors import group_pulse_metrics

    start, end = chunk_window(month, tz=tz)
    # A month period runs to the month's end; a week to its Sunday, possibly past the chunk window.
    rounds = list(
        PulseRound.objects.filter(opens_at__lt=end + dt.timedelta(days=31), closes_at__gt=start).values_list(
            "pk", flat=True
        )
    )
    levels = {Level.TEAM: "team", Level.SITE: "site", Level.CENTRE: "centre"}
    pulse: dict[str, pd.DataFrame] = {}
    for level, name in levels.items():
        if (scope is None) != (level == Level.CENTRE):
            continue
        pulse[level] = group_pulse_metrics(level=name, round_ids=rounds) if rounds else pd.DataFrame()
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


def _local_noon(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """A local calendar ``date`` column as a tz-aware moment inside that day, for ``period_start``."""
    return frame.assign(at=(frame["date"] + pd.Timedelta(hours=12)).dt.tz_localize(tz))


def _by_period(frame: pd.DataFrame, moment: str, *, month: dt.date, tz: str) -> pd.DataFrame:
    """``frame`` once per granularity with its ``period_start``, keeping periods that start in ``month``."""
    following = next_month(month)
    copies = []
    for granularity in GRANULARITIES:
        starts = scoring.period_start(frame[moment], granularity=granularity, tz=tz)
        keep = ((starts >= month) & (starts < following)).to_numpy(dtype=bool)
        copies.append(frame.loc[keep].assign(granularity=granularity.value, period_start=starts[keep]))
    return pd.concat(copies, ignore_index=True)


def _key_names(scope: dict | None) -> dict:
    if scope is None:
        return {Level.CENTRE: lambda key: CENTRE_KEY}
    return {
        Level.AGENT: lambda key: scope["agents"][int(key)],
        Level.TEAM: lambda key: scope["teams"][int(key)],
        Level.SITE: lambda key: scope["site"],
    }


def _delete_chunk_snapshots(*, month: dt.date, scope: dict | None) -> None:
    in_month = ScoreSnapshot.objects.filter(period_start__gte=month, period_start__lt=next_month(month))
    if scope is None:
        in_month.filter(level=Level.CENTRE).delete()
        return
    in_month.filter(level=Level.AGENT, key__in=list(scope["agents"].values())).delete()
    in_month.filter(level=Level.TEAM, key__in=list(scope["teams"].values())).delete()
    in_month.filter(level=Level.SITE, key=scope["site"]).delete()


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


def mark_dirty(*, chunks: Iterable[tuple[str, dt.date]]) -> None:
    """Record chunks whose figures are stale, in one insert; the recompute task picks them up."""
    marks = {(code, month_start(month)) for site, month in chunks for code in (site, CENTRE_KEY)}
    DirtyChunk.objects.bulk_create([DirtyChunk(site=site, month=month) for site, month in sorted(marks)])


def chunks_for_answers(*, sites_and_times: Iterable[tuple[str, dt.datetime]]) -> set[tuple[str, dt.date]]:
    """The chunks an answer at ``time`` in ``site`` affects: its day and month, and its week's month."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    chunks = set()
    for site, moment in sites_and_times:
        day = moment.astimezone(zone).date()
        monday = day - dt.timedelta(days=day.weekday())
        chunks.add((site, month_start(day)))
        chunks.add((site, month_start(monday)))
    return chunks


def take_dirty_chunks() -> list[tuple[str, dt.date]]:
    """The stale chunks, each once."""
    return list(DirtyChunk.objects.order_by("site", "month").values_list("site", "month").distinct())
