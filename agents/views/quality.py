"""Quality evaluations: the form quality fills in, and daily, weekly and monthly tracking."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agents import selectors
from agents.forms import EvaluationForm
from agents.models import QA_SUB_SCORES, Role
from agents.selectors.quality import DEFAULT_SPAN_DAYS, GRANULARITIES, LEVEL_AGENT, LEVELS
from agents.services import record_evaluation
from satisfaction import scoping
from satisfaction.exceptions import DomainError

RECENT_EVALUATIONS = 50
VIEW_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR, Role.HR)


@login_required
def evaluations(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *VIEW_ROLES)
    level = request.GET.get("level") if request.GET.get("level") in LEVELS else LEVEL_AGENT
    granularity = request.GET.get("granularity") if request.GET.get("granularity") in GRANULARITIES else "week"
    team = request.GET.get("team", "")
    end = timezone.localdate()
    start = end - dt.timedelta(days=DEFAULT_SPAN_DAYS[granularity])
    periods, trend = selectors.evaluation_trend(
        request.user, level=level, granularity=granularity, start=start, end=end, team=team
    )
    context = {
        "level": level,
        "granularity": granularity,
        "team": team,
        "teams": scoping.visible_teams(request.user).order_by("code"),
        "periods": periods,
        "trend": [(row, [row.cells.get(period) for period in periods]) for row in trend],
        "recent": selectors.evaluation_list(request.user, team=team)[:RECENT_EVALUATIONS],
        "can_evaluate": request.user.is_superuser or request.user.role in (Role.QUALITY, Role.ADMIN),
    }
    return render(request, "agents/evaluations.html", context)


@login_required
def evaluation_new(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, Role.QUALITY, Role.ADMIN)
    agents = scoping.visible_agents(request.user).filter(active=True).order_by("name")
    form = EvaluationForm(request.POST or None, agents=agents, initial={"agent": request.GET.get("agent", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agent = scoping.get_agent_for_user(request.user, data["agent"])
            contact = scoping.get_contact_for_user(request.user, data["contact"]) if data["contact"] else None
            evaluation = record_evaluation(
                agent=agent,
                evaluator=request.user,
                sub_scores={name: data[name] for name in QA_SUB_SCORES},
                evaluated_on=data["evaluated_on"],
                contact=contact,
                comment=data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Evaluation of %(a)s recorded: %(s)s / 100.") % {"a": agent.name, "s": f"{evaluation.score:.1f}"},
            )
            return redirect("agents:evaluations")
    return render(request, "agents/evaluation_form.html", {"form": form})
