"""Focus agents and monthly targets, with each week's actual against target (seed 001)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agents import selectors
from agents.forms import FocusForm, TargetForm
from agents.models import Role, Team, User
from agents.services import remove_kpi_target, set_focus, set_kpi_target
from satisfaction import scoping
from satisfaction.exceptions import DomainError, PermissionDenied, ValidationFailed

VIEW_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.HR, Role.QUALITY)
EDIT_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def _month(value: str | None) -> dt.date:
    """The month of a ``YYYY-MM`` parameter, or the current month."""
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *VIEW_ROLES)
    teams = scoping.visible_teams(request.user).order_by("code")
    params = request.POST if request.method == "POST" else request.GET
    code = params.get("team") or next(iter(teams.values_list("code", flat=True)), "")
    if not code:
        return render(request, "agents/targets.html", {"board": None, "teams": teams})
    team = scoping.get_team_for_user(request.user, code)
    month = _month(params.get("month"))
    all_agents = params.get("all") == "1"
    can_edit = request.user.is_superuser or request.user.role in EDIT_ROLES
    agents = scoping.visible_agents(request.user).filter(team=team, active=True).order_by("name")
    target_form = TargetForm(agents=agents)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied()
        posted = _run_action(request, team=team, month=month, agents=agents)
        if posted is None or not posted.errors:
            query = {"team": team.code, "month": f"{month:%Y-%m}", **({"all": "1"} if all_agents else {})}
            return redirect(f"{reverse('agents:targets')}?{urlencode(query)}")
        target_form = posted
    context = {
        "teams": teams,
        "board": selectors.target_board(request.user, team=team, month=month, all_agents=all_agents),
        "month_value": f"{month:%Y-%m}",
        "all_agents": all_agents,
        "can_edit": can_edit,
        "target_form": target_form,
        "agents": agents,
        "targets": selectors.month_targets(request.user, team=team, month=month),
    }
    return render(request, "agents/targets.html", context, status=400 if request.method == "POST" else 200)


def _run_action(request: HttpRequest, *, team: Team, month: dt.date, agents) -> TargetForm | None:
    """Mark a focus agent, remove a target or set one; return the target form when it was posted."""
    user: User = request.user
    action = request.POST.get("action")
    if action == "focus":
        form = FocusForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(details=form.errors.get_json_data())
        agent = scoping.get_agent_for_user(user, form.cleaned_data["agent"])
        set_focus(agent, is_focus=form.cleaned_data["is_focus"], note=form.cleaned_data["note"])
        messages.success(request, _("Focus agents updated."))
        return None
    if action == "remove":
        remove_kpi_target(selectors.get_target_for_user(user, request.POST.get("target"), team=team, month=month))
        messages.success(request, _("Target removed."))
        return None
    form = TargetForm(request.POST, agents=agents)
    if form.is_valid():
        data = form.cleaned_data
        try:
            agent = scoping.get_agent_for_user(user, data["agent"]) if data["agent"] else None
            set_kpi_target(
                metric=data["metric"],
                month=month,
                target=data["target"],
                set_by=user,
                agent=agent,
                team=None if agent else team,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Target saved."))
    return form
