"""Reads of quality evaluations: lists and the daily, weekly and monthly tracking per agent and team (seed 001)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from agents.models import QualityEvaluation, User
from satisfaction import scoping

LEVEL_AGENT = "agent"
LEVEL_TEAM = "team"
LEVELS = (LEVEL_AGENT, LEVEL_TEAM)
GRANULARITIES = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
# Periods shown by default per granularity: two weeks of days, a quarter of weeks, half a year of months.
DEFAULT_SPAN_DAYS = {"day": 14, "week": 13 * 7, "month": 183}


def evaluation_list(user: User, *, team: str = "", agent: str = "") -> QuerySet[QualityEvaluation]:
    """The user's visible evaluations, newest first, optionally of one team or agent."""
    evaluations = scoping.visible_evaluations(user)
    if team:
        evaluations = evaluations.filter(agent__team__code=team)
    if agent:
        evaluations = evaluations.filter(agent__employee_number=agent)
    return evaluations.order_by("-evaluated_on", "-pk")


@dataclass
class TrendRow:
    key: str
    name: str
    cells: dict[dt.date, tuple[float, int]] = field(default_factory=dict)


def evaluation_trend(
    user: User, *, level: str, granularity: str, start: dt.date, end: dt.date, team: str = ""
) -> tuple[list[dt.date], list[TrendRow]]:
    """Mean score and count per period (weeks start on Monday) for each visible agent or team."""
    if level not in LEVELS or granularity not in GRANULARITIES:
        raise ValueError(f"unknown level {level!r} or granularity {granularity!r}")
    evaluations = evaluation_list(user, team=team).filter(evaluated_on__gte=start, evaluated_on__lte=end)
    key, name = (
        ("agent__employee_number", "agent__name")
        if level == LEVEL_AGENT
        else ("agent__team__code", "agent__team__name")
    )
    rows = (
        evaluations.annotate(period=GRANULARITIES[granularity]("evaluated_on"))
        .values("period", key, name)
        .annotate(mean=Avg("score"), n=Count("pk"))
        .order_by(key, "period")
    )
    trend: dict[str, TrendRow] = {}
    periods: set[dt.date] = set()
    for row in rows:
        period = row["period"].date() if isinstance(row["period"], dt.datetime) else row["period"]
        periods.add(period)
        trend.setdefault(row[key], TrendRow(key=row[key], name=row[name])).cells[period] = (row["mean"], row["n"])
    return sorted(periods), list(trend.values())
