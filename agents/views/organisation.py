"""Organisation pages: the overview of visible teams, a team, an agent."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from agents import selectors
from agents.models import Role
from satisfaction import scoping
from satisfaction.models import Granularity, Level
from satisfaction.selectors import latest_scores

PERFORMANCE_DAYS = 30
MY_NOTIFICATIONS = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Agents land on their own page, everyone else on the balance dashboard (issue 8)."""
    if request.user.role == Role.AGENT and not request.user.is_superuser:
        return redirect("agents:me")
    return redirect("dashboards:balance")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY)
    teams = list(selectors.team_overview(request.user))
    period, scores = latest_scores(request.user, level=Level.TEAM, granularity=Granularity.MONTH)
    for team in teams:
        team.scores = scores.get(team.code, {})
    return render(request, "agents/overview.html", {"teams": teams, "period": period})


@login_required
def team_detail(request: HttpRequest, code: str) -> HttpResponse:
    team, agents = selectors.team_agents(request.user, code)
    return render(request, "agents/team_detail.html", {"team": team, "agents": agents})


def _agent_context(request: HttpRequest, agent) -> dict:
    """An agent's §7 figures over the last 30 days, with upheld praise and recognition points."""
    end = timezone.localdate()
    start = end - dt.timedelta(days=PERFORMANCE_DAYS - 1)
    return {
        "agent": agent,
        "performance": selectors.agent_performance(request.user, agent, start=start, end=end),
        "performance_start": start,
        "performance_end": end,
    }


@login_required
def agent_detail(request: HttpRequest, employee_number: str) -> HttpResponse:
    agent = scoping.get_agent_for_user(request.user, employee_number)
    return render(request, "agents/agent_detail.html", _agent_context(request, agent))


@login_required
def me(request: HttpRequest) -> HttpResponse:
    agent = scoping.own_agent(request.user)
    context = _agent_context(request, agent) if agent else {"agent": None}
    context.update(is_self=True, notifications=selectors.notifications_for(request.user, limit=MY_NOTIFICATIONS))
    return render(request, "agents/agent_detail.html", context)
