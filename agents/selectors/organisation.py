"""Reads for the organisation, always starting from ``satisfaction.scoping``."""

from django.db.models import Count, Q, QuerySet

from agents.models import Agent, Team, User
from satisfaction import scoping


def team_overview(user: User) -> QuerySet[Team]:
    """The user's visible teams with their active agent counts."""
    return (
        scoping.visible_teams(user)
        .select_related("leader")
        .annotate(active_agents=Count("agents", filter=Q(agents__active=True)))
        .order_by("site__code", "code")
    )


def team_agents(user: User, team_code: str) -> tuple[Team, QuerySet[Agent]]:
    """A visible team and its agents."""
    team = scoping.get_team_for_user(user, team_code)
    return team, scoping.visible_agents(user).filter(team=team).prefetch_related("skill_groups")


def agent_list(user: User, *, search: str = "", team: str = "", active: bool | None = None) -> QuerySet[Agent]:
    """Visible agents, optionally filtered."""
    agents = scoping.visible_agents(user).prefetch_related("skill_groups")
    if search:
        agents = agents.filter(Q(name__icontains=search) | Q(employee_number__icontains=search))
    if team:
        agents = agents.filter(team__code=team)
    if active is not None:
        agents = agents.filter(active=active)
    return agents
