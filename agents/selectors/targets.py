"""Reads for focus agents and targets: each month's weekly actual against target (seed 001)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Q, QuerySet

from agents.models import Agent, KpiMetric, KpiTarget, Team, User
from agents.selectors.kpi import evaluation_frame, kpi_figures, kpi_frame
from satisfaction import scoping
from satisfaction.exceptions import NotFound
from satisfaction.services import month_start, next_month

DAYS_PER_WEEK = 7


def month_weeks(month: dt.date) -> list[dt.date]:
    """The Mondays of the weeks that belong to ``month`` (a week belongs to the month of its Monday)."""
    first = month + dt.timedelta(days=(-month.weekday()) % DAYS_PER_WEEK)
    following = next_month(month)
    return [first + dt.timedelta(weeks=n) for n in range(6) if first + dt.timedelta(weeks=n) < following]


@dataclass
class MetricLine:
    metric: str
    label: str
    target: KpiTarget | None
    from_team: bool
    weeks: list[tuple[Any, bool | None]]
    month: tuple[Any, bool | None]


@dataclass
class BoardRow:
    """The team as a whole (``agent`` None) or one agent, with a line per figure."""

    label: str
    agent: Agent | None
    lines: list[MetricLine] = field(default_factory=list)


@dataclass
class TargetBoard:
    team: Team
    month: dt.date
    weeks: list[dt.date]
    rows: list[BoardRow]


def _within(frame: pd.DataFrame, start: dt.date, end: dt.date) -> np.ndarray:
    """Which rows' ``date`` lies in [start, end), as a boolean mask (also for an empty frame)."""
    return np.array([start <= day < end for day in frame["date"]], dtype=bool)


def target_board(user: User, *, team: Team, month: dt.date, all_agents: bool = False) -> TargetBoard:
    """The team and its focus agents (or all its agents), each figure's target and weekly and monthly actuals."""
    month = month_start(month)
    weeks = month_weeks(month)
    end = max(next_month(month), weeks[-1] + dt.timedelta(days=DAYS_PER_WEEK)) if weeks else next_month(month)
    agents = scoping.visible_agents(user).filter(team=team, active=True)
    targets = list(KpiTarget.objects.filter(Q(team=team) | Q(agent__in=agents), month=month))
    if not all_agents:
        targeted = {t.agent_id for t in targets if t.agent_id}
        agents = agents.filter(Q(is_focus=True) | Q(pk__in=targeted))
    agents = list(agents.order_by("-is_focus", "name"))
    records = kpi_frame(scoping.visible_kpi_records(user).filter(agent__team=team, date__gte=month, date__lt=end))
    evaluations = evaluation_frame(
        scoping.visible_evaluations(user).filter(agent__team=team, evaluated_on__gte=month, evaluated_on__lt=end)
    )
    for frame in (records, evaluations):
        frame["week"] = [day - dt.timedelta(days=day.weekday()) for day in frame["date"]]
    # Calendar-month figures: the weeks may reach into the next month, the month does not.
    month_records = records.loc[_within(records, month, next_month(month))]
    month_evaluations = evaluations.loc[_within(evaluations, month, next_month(month))]
    weekly_team = kpi_figures(records, evaluations, by=["week"])
    weekly_agent = kpi_figures(records, evaluations, by=["agent_id", "week"])
    monthly = {
        "team": kpi_figures(month_records, month_evaluations, by=[])[None],
        **kpi_figures(month_records, month_evaluations, by=["agent_id"]),
    }
    team_targets = {t.metric: t for t in targets if t.team_id}
    agent_targets = {(t.agent_id, t.metric): t for t in targets if t.agent_id}

    def lines(agent: Agent | None) -> list[MetricLine]:
        result = []
        for metric in KpiMetric:
            own = agent_targets.get((agent.pk, metric)) if agent else None
            target = own or team_targets.get(metric)
            weekly = [
                (weekly_agent if agent else weekly_team).get((agent.pk, week) if agent else week, {}).get(metric)
                for week in weeks
            ]
            actual = monthly.get(agent.pk if agent else "team", {}).get(metric)
            result.append(
                MetricLine(
                    metric=metric.value,
                    label=str(metric.label),
                    target=target,
                    from_team=agent is not None and own is None and target is not None,
                    weeks=[(value, target.is_met(value) if target else None) for value in weekly],
                    month=(actual, target.is_met(actual) if target else None),
                )
            )
        return result

    rows = [BoardRow(label=team.name, agent=None, lines=lines(None))]
    rows += [BoardRow(label=agent.name, agent=agent, lines=lines(agent)) for agent in agents]
    return TargetBoard(team=team, month=month, weeks=weeks, rows=rows)


def month_targets(user: User, *, team: Team, month: dt.date) -> QuerySet[KpiTarget]:
    """The month's targets of a visible team and of its visible agents."""
    agents = scoping.visible_agents(user).filter(team=team)
    return (
        KpiTarget.objects.filter(Q(team=team) | Q(agent__in=agents), month=month_start(month))
        .select_related("agent")
        .order_by("agent__name", "metric")
    )


def get_target_for_user(user: User, pk: int, *, team: Team, month: dt.date) -> KpiTarget:
    """One of the month's targets of a visible team or its agents, or ``NotFound``."""
    try:
        return month_targets(user, team=team, month=month).get(pk=pk)
    except (KpiTarget.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
