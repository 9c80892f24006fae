"""Chart payloads for ``static/dashboards/charts.js``: plain data and translated labels, no code."""

from typing import Any

from django.utils.translation import gettext as _

from dashboards.selectors import (
    PULSE_COLUMNS,
    QUADRANT_LABELS,
    AgentDashboard,
    BalanceDashboard,
    CustomerDashboard,
    EmployeeDashboard,
)
from dashboards.tables import Table
from satisfaction import scoring


def _periods(table: Table) -> list[str]:
    return [row["period_start"].isoformat() for row in table.rows]


def lines(table: Table, names: dict[str, str], *, title: str) -> dict[str, Any]:
    """A line chart of some columns of a period table."""
    return {
        "kind": "lines",
        "title": title,
        "x": _periods(table),
        "series": [{"name": label, "data": [row.get(key) for row in table.rows]} for key, label in names.items()],
    }


def balance_charts(data: BalanceDashboard) -> list[dict[str, Any]]:
    """The §8 plane (E on x, C on y) with targets and quadrants, and the trend of both indices."""
    plane = {
        "kind": "balance",
        "title": _("Customer index × employee index"),
        "xName": _("Employee index"),
        "yName": _("Customer index"),
        "customerTarget": data.customer_target,
        "employeeTarget": data.employee_target,
        "quadrants": {
            "balanced": str(QUADRANT_LABELS[scoring.QUADRANT_BALANCED]),
            "strain": str(QUADRANT_LABELS[scoring.QUADRANT_CUSTOMER_FIRST_STRAIN]),
            "comfort": str(QUADRANT_LABELS[scoring.QUADRANT_INTERNAL_COMFORT]),
            "risk": str(QUADRANT_LABELS[scoring.QUADRANT_AT_RISK]),
        },
        "targetLabels": {"customer": _("customer target"), "employee": _("employee target")},
        "points": [
            {"name": p["name"], "value": [p["employee_index"], p["customer_index"]], "url": p["_url"]}
            for p in data.points
        ],
    }
    trend = lines(
        data.trend,
        {"customer_index": _("Customer index"), "employee_index": _("Employee index")},
        title=_("Trend of both indices (%(group)s)") % {"group": data.trend_label},
    )
    trend["targets"] = [data.customer_target, data.employee_target]
    return [plane, trend]


def customer_charts(data: CustomerDashboard) -> list[dict[str, Any]]:
    """The node's trend, CSAT distribution, gap per dimension, and expectation against experience."""
    charts = []
    if data.trend.rows:
        charts.append(
            lines(data.trend, {"csat_pct": _("CSAT %"), "fcr_pct": _("FCR %"), "nps": "NPS"}, title=_("Trend"))
        )
    if data.distribution.rows:
        charts.append(
            {
                "kind": "bars",
                "name": "distribution",
                "title": _("CSAT distribution (responses per answer, 1–5)"),
                "x": [row["csat"] for row in data.distribution.rows],
                "series": [{"name": _("Responses"), "data": [row["responses"] for row in data.distribution.rows]}],
            }
        )
    if data.gaps:
        charts.append(
            {
                "kind": "bars",
                "name": "gaps",
                "title": _("Gap per dimension (experience − expectation)"),
                "x": [g["dimension"] for g in data.gaps],
                "series": [{"name": _("Gap"), "data": [g["gap"] for g in data.gaps]}],
            }
        )
    paired = [g for g in data.gaps if g["pairs"]]
    if paired:
        charts.append(
            {
                "kind": "bars",
                "name": "expectation",
                "title": _("Expectation against experience per dimension (1–7)"),
                "x": [g["dimension"] for g in paired],
                "series": [
                    {"name": _("Expectation"), "data": [g["expectation"] for g in paired]},
                    {"name": _("Experience"), "data": [g["experience"] for g in paired]},
                ],
            }
        )
    if data.kano is not None and data.kano.rows:
        charts.append(kano_chart(data.kano))
    return charts


def kano_chart(table: Table) -> dict[str, Any]:
    """§6 better (y) against |worse| (x) per attribute, with the quadrant lines at 0.5."""
    return {
        "kind": "kano",
        "name": "kano",
        "title": _("Kano: better against worse per attribute"),
        "xName": _("Worse (absolute value)"),
        "yName": _("Better"),
        "quadrants": {
            "attractive": _("attractive"),
            "one": _("one-dimensional"),
            "must": _("must-be"),
            "indifferent": _("indifferent"),
        },
        "points": [
            {
                "name": row["attribute"],
                "category": str(row["kano_category"]),
                "value": [abs(row["kano_worse"]), row["kano_better"]],
            }
            for row in table.rows
            if row["kano_better"] is not None and row["kano_worse"] is not None
        ],
    }


def employee_charts(data: EmployeeDashboard, *, copc_target: float) -> list[dict[str, Any]]:
    """Pulse trend, item favourable % against the COPC 80 % line, and the teams × items heat map."""
    if data.trend is None:
        return []
    trend = {
        "kind": "lines",
        "title": _("Trend across rounds"),
        "x": [str(row["round"]) for row in data.trend.rows],
        "series": [
            {"name": _("Engagement index"), "data": [r.get("engagement_index") for r in data.trend.rows]},
            {"name": _("Stress index"), "data": [r.get("stress_index") for r in data.trend.rows]},
            {"name": _("Participation %"), "data": [r.get("participation_pct") for r in data.trend.rows]},
        ],
    }
    items = {
        "kind": "bars",
        "title": _("Favourable % per item"),
        "x": [row["item"] for row in data.items.rows],
        "series": [{"name": _("Favourable %"), "data": [row.get("favourable_pct") for row in data.items.rows]}],
        "markLine": copc_target,
        "markLineLabel": _("COPC 80 %"),
    }
    heat_codes = [c.key for c in data.teams.columns[1 + len(PULSE_COLUMNS) :]]
    heat = {
        "kind": "heatmap",
        "title": _("Teams × items (favourable %)"),
        "x": heat_codes,
        "y": [row["team"] for row in data.teams.rows],
        "data": [
            [x, y, row.get(code)]
            for y, row in enumerate(data.teams.rows)
            for x, code in enumerate(heat_codes)
            if row.get(code) is not None
        ],
    }
    return [trend, items, heat] if data.teams.rows else [trend, items]


def agent_charts(data: AgentDashboard) -> list[dict[str, Any]]:
    """The agent's CSAT % against the team's, period by period."""
    if data.comparison is None or not data.comparison.rows:
        return []
    return [
        lines(
            data.comparison,
            {"own_csat_pct": _("My CSAT %"), "team_csat_pct": _("Team CSAT %")},
            title=_("My CSAT % against my team's"),
        )
    ]
