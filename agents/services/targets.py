"""Writes for focus agents and monthly KPI targets (seed 001)."""

import datetime as dt

from django.utils.translation import gettext as _

from agents.models import Agent, KpiMetric, KpiTarget, Team, User
from satisfaction.exceptions import ValidationFailed

MAX_FOCUS_NOTE = 200


def set_focus(agent: Agent, *, is_focus: bool, note: str = "") -> Agent:
    """Mark or unmark an agent as a focus agent, with why."""
    note = (note or "").strip()
    if len(note) > MAX_FOCUS_NOTE:
        raise ValidationFailed(_("The note is longer than %(n)s characters.") % {"n": MAX_FOCUS_NOTE})
    agent.is_focus = is_focus
    agent.focus_note = note if is_focus else ""
    agent.save(update_fields=["is_focus", "focus_note"])
    return agent


def set_kpi_target(
    *,
    metric: str,
    month: dt.date,
    target: float,
    set_by: User | None,
    agent: Agent | None = None,
    team: Team | None = None,
) -> KpiTarget:
    """Set (or replace) the month's target of one figure for one agent or one team."""
    if (agent is None) == (team is None):
        raise ValidationFailed(_("A target is set for one agent or for one team."))
    if metric not in KpiMetric.values:
        raise ValidationFailed(_("Unknown figure %(m)s.") % {"m": metric})
    if target < 0:
        raise ValidationFailed(_("A target cannot be negative."))
    target_row, _created = KpiTarget.objects.update_or_create(
        agent=agent,
        team=team,
        month=month.replace(day=1),
        metric=metric,
        defaults={"target": target, "set_by": set_by},
    )
    return target_row


def remove_kpi_target(target: KpiTarget) -> None:
    """Delete a target."""
    target.delete()
