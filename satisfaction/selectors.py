"""Reads of score snapshots, always through ``satisfaction.scoping``."""

import datetime as dt

import pandas as pd
from django.db.models import QuerySet

from agents.models import User
from satisfaction import scoping, scoring
from satisfaction.models import ScoreSnapshot

# SCORING.md §8: lag 0 and lag 1 period.
LINK_LAGS = (0, 1)
BALANCE_FIGURES = (
    "customer_index",
    "employee_index",
    "quadrant",
    "lean",
    "engagement_index",
    "stress_index",
    "n_responses",
)


def score_snapshots(
    user: User, *, level: str, granularity: str, start: dt.date, end: dt.date, key: str | None = None
) -> QuerySet[ScoreSnapshot]:
    """Snapshots of ``level`` and ``granularity`` whose period starts in [start, end], scoped to the user."""
    snapshots = ScoreSnapshot.objects.filter(
        level=level, granularity=granularity, period_start__gte=start, period_start__lte=end
    ).order_by("period_start", "key")
    allowed = scoping.visible_score_keys(user, level)
    if allowed is not None:
        snapshots = snapshots.filter(key__in=allowed)
    if key:
        snapshots = snapshots.filter(key=key)
    return snapshots


def latest_scores(user: User, *, level: str, granularity: str) -> tuple[dt.date | None, dict[str, dict]]:
    """The most recent period with snapshots at ``level`` and the user's visible figures in it."""
    allowed = scoping.visible_score_keys(user, level)
    snapshots = ScoreSnapshot.objects.filter(level=level, granularity=granularity)
    if allowed is not None:
        snapshots = snapshots.filter(key__in=allowed)
    latest = snapshots.order_by("-period_start").values_list("period_start", flat=True).first()
    if latest is None:
        return None, {}
    return latest, dict(snapshots.filter(period_start=latest).values_list("key", "metrics"))


def balance_rows(user: User, *, granularity: str, start: dt.date, end: dt.date) -> list[dict]:
    """Team-periods of the balance view (SCORING.md §8) from snapshots, scoped to the user."""
    snapshots = score_snapshots(user, level="team", granularity=granularity, start=start, end=end)
    team_sites = dict(scoping.visible_teams(user).values_list("code", "site__code"))
    # Whole figures, picked here: PostgreSQL reads a name out of ``json`` by decompressing and
    # scanning the text each time (7 names of 416 team-weeks: 118-141 ms, against 24 ms this way).
    return [
        {
            "team": key,
            "site": team_sites.get(key),
            "period_start": period,
            **{name: metrics.get(name) for name in BALANCE_FIGURES},
        }
        for key, period, metrics in snapshots.values_list("key", "period_start", "metrics")
    ]


def balance_link(rows: list[dict], *, granularity: str) -> list[dict]:
    """The §8 link between employee and customer indices at lag 0 and 1, over the given team-periods."""
    frame = pd.DataFrame(
        [
            {
                "team": r["team"],
                "period_index": period_index(r["period_start"], granularity=granularity),
                "customer_index": r["customer_index"],
                "employee_index": r["employee_index"],
            }
            for r in rows
        ],
        columns=["team", "period_index", "customer_index", "employee_index"],
    ).astype({"customer_index": float, "employee_index": float})
    return [scoring.link(frame, lag=lag) for lag in LINK_LAGS]


def period_index(period_start: dt.date, *, granularity: str) -> int:
    """Consecutive integers for consecutive weeks or months, so ``lag`` counts periods."""
    if granularity == "month":
        return period_start.year * 12 + period_start.month
    if granularity == "week":
        return (period_start - dt.date(1970, 1, 5)).days // 7
    return period_start.toordinal()
