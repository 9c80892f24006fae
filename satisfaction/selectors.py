"""Reads of score snapshots, always through ``satisfaction.scoping``."""

import datetime as dt

from django.db.models import QuerySet

from agents.models import User
from satisfaction import scoping
from satisfaction.models import ScoreSnapshot


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
