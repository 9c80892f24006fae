"""Reads of KPI records, their import history and an agent's §7 figures (SCORING.md §7)."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.db.models import QuerySet, Sum

from agents.kpi_import import COUNT_COLUMNS
from agents.models import Agent, KpiImport, KpiRecord, QualityEvaluation, TicketStatus, User
from agents.selectors.tickets import recognition_points
from satisfaction import scoping, scoring
from satisfaction.exceptions import NotFound

KPI_FIGURES = (
    "aht_s",
    "fcr_operational_pct",
    "qa_courtesy",
    "complaints_per_1k",
    "praise_per_1k",
    "grievances_upheld",
    "spot_test_pass_pct",
)


def import_history() -> QuerySet[KpiImport]:
    """Every KPI import, refused ones included, newest first, with who ran them."""
    return KpiImport.objects.select_related("imported_by").order_by("-imported_at", "-pk")


def kpi_frame(records: QuerySet[KpiRecord]) -> pd.DataFrame:
    """KPI records as a frame for ``scoring.kpi_metrics``: agent_id, team_id, date and the counts."""
    columns = ["agent_id", "agent__team_id", "date", *COUNT_COLUMNS]
    frame = pd.DataFrame.from_records(list(records.values_list(*columns)), columns=columns)
    frame = frame.rename(columns={"agent__team_id": "team_id"})
    return frame.astype({column: "int64" for column in COUNT_COLUMNS})


def evaluation_frame(evaluations: QuerySet[QualityEvaluation]) -> pd.DataFrame:
    """Quality evaluations as a frame: agent_id, team_id, date and score."""
    columns = ["agent_id", "agent__team_id", "evaluated_on", "score"]
    frame = pd.DataFrame.from_records(list(evaluations.values_list(*columns)), columns=columns)
    return frame.rename(columns={"agent__team_id": "team_id", "evaluated_on": "date"}).astype({"score": "float64"})


def kpi_figures(
    records: pd.DataFrame,
    evaluations: pd.DataFrame,
    *,
    by: Sequence[str],
    grievances: pd.DataFrame | None = None,
) -> dict[Any, dict[str, Any]]:
    """§7 figures per ``by`` key (a tuple for several keys, ``None`` for the whole frame), NaN as None."""
    figures = scoring.kpi_metrics(records, by=by, evaluations=evaluations, grievances=grievances)
    keys = [tuple(row) if len(by) > 1 else row[0] for row in figures[list(by)].itertuples(index=False)] if by else []
    values = scoring.metrics_to_records(figures, names=KPI_FIGURES)
    if not by:
        return {None: values[0] if values else dict.fromkeys(KPI_FIGURES)}
    return dict(zip(keys, values, strict=True))


def agent_performance(user: User, agent: Agent, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """One visible agent's §7 figures over [start, end], with upheld praise and recognition points."""
    records = scoping.visible_kpi_records(user).filter(agent=agent, date__gte=start, date__lte=end)
    evaluations = scoping.visible_evaluations(user).filter(agent=agent, evaluated_on__gte=start, evaluated_on__lte=end)
    upheld = scoping.visible_grievances(user).filter(
        agent=agent, status=TicketStatus.UPHELD, verified_at__date__gte=start, verified_at__date__lte=end
    )
    grievances = pd.DataFrame({"agent_id": [agent.pk] * upheld.count()})
    figures = kpi_figures(kpi_frame(records), evaluation_frame(evaluations), by=[], grievances=grievances)[None]
    praise = scoping.visible_praise(user).filter(
        agent=agent, status=TicketStatus.UPHELD, verified_at__date__gte=start, verified_at__date__lte=end
    )
    return {
        **figures,
        "days": records.count(),
        "handled": records.aggregate(total=Sum("handled"))["total"] or 0,
        "praise_upheld": praise.count(),
        "points": recognition_points([agent], since=start, until=end)[agent.pk],
    }


def get_kpi_import(pk: int) -> KpiImport:
    """One import of the history, or ``NotFound`` (the history is for administrators only)."""
    try:
        return KpiImport.objects.select_related("imported_by").get(pk=pk)
    except KpiImport.DoesNotExist as exc:
        raise NotFound() from exc
