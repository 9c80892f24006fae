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
from satisfaction import scoring
from satisfaction.loading import load_answers, load_delivered_invitations
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


def compute_chunk(*, site: str, month: dt.date) -> int:
    """Recompute every snapshot of one site (or ``CENTRE_KEY``) for periods starting in ``month``."""
    month = month_start(month)
    tz = settings.TIME_ZONE
    start, end = chunk_window(month, tz=tz)
    if site == CENTRE_KEY:
        scope = None
        answers = load_answers(start, end)
        invitations = load_delivered_invitations(start, end)
    else:
        scope = _site_scope(site)
        answers = load_answers(
            start, end, site_id=scope["site_id"], team_ids=scope["team_ids"], agent_ids=scope["agent_ids"]
        )
        invitations = load_delivered_invitations(start, end)
    rows = _customer_rows(answers, invitations, month=month, scope=scope, tz=tz)
    with transaction.atomic():
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
    return {
        Level.AGENT: ("agent_id", frame.loc[frame["agent_id"].isin(scope["agent_ids"])]),
        Level.TEAM: ("team_id", frame.loc[frame["team_id"].isin(scope["team_ids"])]),
        Level.SITE: ("site_id", frame.loc[frame["site_id"] == scope["site_id"]]),
    }


def _customer_rows(
    answers: pd.DataFrame, invitations: pd.DataFrame, *, month: dt.date, scope: dict | None, tz: str
) -> list[ScoreSnapshot]:
    responses = scoring.response_table(answers, weights=survey_weights())
    dimensions = sorted(c[len("gap_") :] for c in responses.columns if c.startswith("gap_"))
    names = [*CUSTOMER_METRICS, *(f"gap_{d}{s}" for d in dimensions for s in DIMENSION_SUFFIXES)]
    key_names = _key_names(scope)
    # All three granularities in one frame, so each level is one grouped pass, not three.
    in_month = _by_period(responses, "answered_at", month=month, tz=tz)
    sent = _by_period(invitations.assign(delivered=1), "delivered_at", month=month, tz=tz)
    rows: list[ScoreSnapshot] = []
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
            rows.append(
                ScoreSnapshot(
                    level=level,
                    key=key_names[level](key),
                    granularity=granularity,
                    period_start=period,
                    metrics=metrics,
                )
            )
    return rows


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
    """Every (site, month) chunk holding answers since ``since``, plus the centre's months."""
    bounds = Response.objects.aggregate(first=Min("answered_at"), last=Max("answered_at"))
    if bounds["first"] is None:
        return []
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    first_day = bounds["first"].astimezone(zone).date()
    # The first answer's week belongs to the month of its Monday, which may be the month before.
    first = month_start(first_day - dt.timedelta(days=first_day.weekday()))
    if since is not None:
        first = max(first, month_start(since))
    last = month_start(bounds["last"].astimezone(zone).date())
    months = []
    while first <= last:
        months.append(first)
        first = next_month(first)
    sites = [*Site.objects.order_by("code").values_list("code", flat=True), CENTRE_KEY]
    return [(site, month) for month in months for site in sites]


def mark_dirty(*, chunks: Iterable[tuple[str, dt.date]]) -> None:
    """Record chunks whose figures are stale; the recompute task picks them up."""
    for site, month in set(chunks):
        for code in (site, CENTRE_KEY):
            DirtyChunk.objects.update_or_create(site=code, month=month_start(month))


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


def take_dirty_chunks() -> list[tuple[str, dt.date, dt.datetime]]:
    """The stale chunks, with the time each was marked (to clear only what was computed)."""
    return list(DirtyChunk.objects.order_by("site", "month").values_list("site", "month", "marked_at"))


def clear_dirty_chunk(*, site: str, month: dt.date, marked_at: dt.datetime) -> None:
    """Forget a stale chunk unless an answer marked it again while it was being computed."""
    DirtyChunk.objects.filter(site=site, month=month, marked_at__lte=marked_at).delete()
