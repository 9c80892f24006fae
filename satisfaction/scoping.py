"""Role scoping: the one place that decides which sites, teams and agents a user may see.

Every page, export, API endpoint and selector starts from these functions (STYLE.md).
Missing and hidden objects raise the same ``NotFound`` so scope cannot be probed.
"""

from django.db.models import Q, QuerySet

from agents.models import Agent, Role, Site, Team, User
from satisfaction.exceptions import NotFound, PermissionDenied

# Roles that see the whole centre's customer and operational data.
CENTRE_WIDE_ROLES = frozenset({Role.ADMIN, Role.HR, Role.QUALITY})


def is_centre_wide(user: User) -> bool:
    """Whether the user sees every site and team."""
    return user.is_authenticated and (user.is_superuser or user.role in CENTRE_WIDE_ROLES)


def visible_teams(user: User) -> QuerySet[Team]:
    """Teams whose data the user may see."""
    teams = Team.objects.select_related("site")
    if not user.is_authenticated:
        return teams.none()
    if is_centre_wide(user):
        return teams.all()
    if user.role == Role.SUPERVISOR:
        return teams.filter(
            Q(site__in=user.supervised_sites.all()) | Q(pk__in=user.supervised_teams.all()) | Q(leader=user)
        ).distinct()
    return teams.none()


def visible_sites(user: User) -> QuerySet[Site]:
    """Sites the user may see at least one team of."""
    if is_centre_wide(user):
        return Site.objects.all()
    return Site.objects.filter(teams__in=visible_teams(user)).distinct()


def visible_agents(user: User) -> QuerySet[Agent]:
    """Agents whose data the user may see: their teams' agents, or only themselves."""
    agents = Agent.objects.select_related("team__site", "user")
    if not user.is_authenticated:
        return agents.none()
    if is_centre_wide(user):
        return agents.all()
    if user.role == Role.SUPERVISOR:
        return agents.filter(team__in=visible_teams(user))
    return agents.filter(user=user)


def can_see_centre(user: User) -> bool:
    """Whether centre-level figures (all sites together) may be shown to the user."""
    return is_centre_wide(user)


def get_agent_for_user(user: User, employee_number: str) -> Agent:
    """One agent the user may see, or ``NotFound`` (the same whether missing or hidden)."""
    try:
        return visible_agents(user).get(employee_number=employee_number)
    except Agent.DoesNotExist as exc:
        raise NotFound() from exc


def get_team_for_user(user: User, code: str) -> Team:
    """One team the user may see, or ``NotFound``."""
    try:
        return visible_teams(user).get(code=code)
    except Team.DoesNotExist as exc:
        raise NotFound() from exc


def get_site_for_user(user: User, code: str) -> Site:
    """One site the user may see, or ``NotFound``."""
    try:
        return visible_sites(user).get(code=code)
    except Site.DoesNotExist as exc:
        raise NotFound() from exc


def require_role(user: User, *roles: str) -> None:
    """Raise ``PermissionDenied`` unless the user has one of the roles (superusers pass)."""
    if not user.is_authenticated or not (user.is_superuser or user.role in roles):
        raise PermissionDenied()


def own_agent(user: User) -> Agent | None:
    """The agent record linked to this login, if any."""
    return Agent.objects.select_related("team__site").filter(user=user).first()


def visible_score_keys(user: User, level: str) -> set[str] | None:
    """Keys of the score snapshots the user may read at ``level``; None means every key.

    Site and centre figures mix many teams, so only those who oversee the whole site
    (or the centre) read them; an agent reads their own figures and their team's.
    """
    if is_centre_wide(user):
        return None
    own = own_agent(user) if user.is_authenticated and user.role == Role.AGENT else None
    if level == "agent":
        return set(visible_agents(user).values_list("employee_number", flat=True))
    if level == "team":
        if own is not None:
            return {own.team.code}
        return set(visible_teams(user).values_list("code", flat=True))
    if level == "site" and user.is_authenticated and user.role == Role.SUPERVISOR:
        return set(user.supervised_sites.values_list("code", flat=True))
    return set()
