"""Follow-up cases: the team leader's work list, a case with its log and next step, complaints by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agents import selectors
from agents.forms import CaseNoteForm, CaseStepForm, ComplaintCaseForm
from agents.models import CaseReason, CaseStatus, Role
from agents.selectors.cases import FILTER_ACTIVE, FILTER_OVERDUE
from agents.services import add_case_note, advance_case, open_complaint_case
from satisfaction import scoping
from satisfaction.exceptions import DomainError

CASE_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR)
LIST_LENGTH = 300


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *CASE_ROLES)
    status = request.GET.get("status", FILTER_ACTIVE)
    team = request.GET.get("team", "")
    reason = request.GET.get("reason", "")
    context = {
        "cases": selectors.case_list(request.user, status=status, team=team, reason=reason)[:LIST_LENGTH],
        "counts": selectors.case_counts(request.user),
        "status": status,
        "team": team,
        "reason": reason,
        "statuses": [
            (FILTER_ACTIVE, _("To do")),
            (FILTER_OVERDUE, _("Overdue")),
            *CaseStatus.choices,
        ],
        "reasons": CaseReason.choices,
        "teams": scoping.visible_teams(request.user).order_by("code"),
        "now": timezone.now(),
    }
    return render(request, "agents/cases.html", context)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *CASE_ROLES)
    agents = scoping.visible_agents(request.user).filter(active=True).order_by("name")
    initial = {"agent": request.GET.get("agent", ""), "contact": request.GET.get("contact", "")}
    form = ComplaintCaseForm(request.POST or None, agents=agents, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agent = scoping.get_agent_for_user(request.user, data["agent"])
            contact = scoping.get_contact_for_user(request.user, data["contact"]) if data["contact"] else None
            case = open_complaint_case(
                agent=agent, description=data["description"], opened_by=request.user, contact=contact
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Complaint case opened."))
            return redirect("agents:case", case.pk)
    return render(request, "agents/case_form.html", {"form": form})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_role(request.user, *CASE_ROLES)
    case = scoping.get_case_for_user(request.user, pk)
    step_form = CaseStepForm(allowed=case.allowed_statuses())
    note_form = CaseNoteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "note":
            note_form = CaseNoteForm(request.POST)
            form, run = note_form, lambda data: add_case_note(case, actor=request.user, note=data["note"])
        else:
            step_form = CaseStepForm(request.POST, allowed=case.allowed_statuses())
            form, run = (
                step_form,
                lambda data: advance_case(
                    case, to=data["to"], actor=request.user, note=data["note"], customer_told=data["customer_told"]
                ),
            )
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Case updated."))
                return redirect("agents:case", case.pk)
    context = {
        "case": case,
        "events": selectors.case_events(case),
        "escalated_to": case.escalated_to.all(),
        "step_form": step_form if case.allowed_statuses() else None,
        "note_form": note_form,
        "now": timezone.now(),
    }
    return render(request, "agents/case_detail.html", context, status=400 if request.method == "POST" else 200)
