"""Grievance (委屈件) and praise (表扬件) tickets, and the recognition page."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agents import selectors
from agents.forms import GrievanceForm, PraiseForm, VerdictForm
from agents.models import Role, TicketStatus, User
from agents.services import file_grievance, open_praise, verify_grievance, verify_praise
from satisfaction import scoping
from satisfaction.exceptions import Conflict, DomainError, PermissionDenied

LIST_LENGTH = 200
RECOGNITION_DAYS = 90
TICKET_ROLES = (Role.ADMIN, Role.QUALITY, Role.SUPERVISOR, Role.AGENT)
VERIFIER_ROLES = (Role.QUALITY, Role.ADMIN)
PRAISE_OPENER_ROLES = (Role.SUPERVISOR, Role.QUALITY, Role.ADMIN)


def _has_role(user: User, roles: tuple[str, ...]) -> bool:
    return user.is_superuser or user.role in roles


def _check_can_verify(user: User, status: str) -> None:
    if not _has_role(user, VERIFIER_ROLES):
        raise PermissionDenied()
    if status != TicketStatus.OPEN:
        raise Conflict(_("This ticket has already been verified."))


@login_required
def grievances(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *TICKET_ROLES)
    status = request.GET.get("status", "")
    context = {
        "grievances": selectors.grievance_list(request.user, status=status)[:LIST_LENGTH],
        "status": status,
        "statuses": TicketStatus.choices,
        "can_file": request.user.role == Role.AGENT and scoping.own_agent(request.user) is not None,
        "now": timezone.now(),
    }
    return render(request, "agents/grievances.html", context)


@login_required
def grievance_new(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, Role.AGENT)
    agent = scoping.own_agent(request.user)
    if agent is None:
        raise PermissionDenied(_("Your login is not linked to an agent record."))
    contacts = list(selectors.grievable_contacts(agent))
    form = GrievanceForm(request.POST or None, contacts=contacts, initial={"contact": request.GET.get("contact")})
    if request.method == "POST" and form.is_valid():
        try:
            contact = scoping.get_contact_for_user(request.user, form.cleaned_data["contact"])
            grievance = file_grievance(
                agent=agent, contact=contact, description=form.cleaned_data["description"], filed_by=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your grievance was filed; quality will verify it."))
            return redirect("agents:grievance", grievance.pk)
    return render(request, "agents/grievance_form.html", {"form": form})


@login_required
def grievance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_role(request.user, *TICKET_ROLES)
    grievance = scoping.get_grievance_for_user(request.user, pk)
    can_verify = _has_role(request.user, VERIFIER_ROLES) and grievance.status == TicketStatus.OPEN
    form = VerdictForm(request.POST or None) if can_verify else None
    if request.method == "POST":
        _check_can_verify(request.user, grievance.status)
        if form.is_valid():
            try:
                verify_grievance(
                    grievance, upheld=form.upheld, reason=form.cleaned_data["reason"], verified_by=request.user
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Verdict recorded; the agent has been notified."))
                return redirect("agents:grievance", grievance.pk)
    return render(
        request, "agents/grievance_detail.html", {"grievance": grievance, "form": form, "now": timezone.now()}
    )


@login_required
def praise_list(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *TICKET_ROLES)
    status = request.GET.get("status", "")
    can_open = _has_role(request.user, PRAISE_OPENER_ROLES)
    context = {
        "praise": selectors.praise_list(request.user, status=status)[:LIST_LENGTH],
        "status": status,
        "statuses": TicketStatus.choices,
        "can_open": can_open,
        "candidates": selectors.praise_candidates(request.user) if can_open else [],
        "now": timezone.now(),
    }
    return render(request, "agents/praise_list.html", context)


@login_required
def praise_new(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, *PRAISE_OPENER_ROLES)
    agents = scoping.visible_agents(request.user).filter(active=True).order_by("name")
    initial = {"agent": request.GET.get("agent", ""), "contact": request.GET.get("contact", "")}
    form = PraiseForm(request.POST or None, agents=agents, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agent = scoping.get_agent_for_user(request.user, data["agent"])
            contact = scoping.get_contact_for_user(request.user, data["contact"]) if data["contact"] else None
            praise = open_praise(
                agent=agent,
                description=data["description"],
                opened_by=request.user,
                contact=contact,
                quote=data["quote"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Praise opened; quality will verify it."))
            return redirect("agents:praise", praise.pk)
    return render(request, "agents/praise_form.html", {"form": form})


@login_required
def praise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_role(request.user, *TICKET_ROLES)
    praise = scoping.get_praise_for_user(request.user, pk)
    can_verify = _has_role(request.user, VERIFIER_ROLES) and praise.status == TicketStatus.OPEN
    form = VerdictForm(request.POST or None) if can_verify else None
    if request.method == "POST":
        _check_can_verify(request.user, praise.status)
        if form.is_valid():
            try:
                verify_praise(praise, upheld=form.upheld, reason=form.cleaned_data["reason"], verified_by=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Verdict recorded."))
                return redirect("agents:praise", praise.pk)
    return render(request, "agents/praise_detail.html", {"praise": praise, "form": form, "now": timezone.now()})


@login_required
def recognition(request: HttpRequest) -> HttpResponse:
    since = timezone.localdate() - dt.timedelta(days=RECOGNITION_DAYS)
    context = {
        "since": since,
        "board": selectors.recognition_board(request.user, since=since),
        "praise": selectors.recent_upheld_praise(request.user, since=since)[:LIST_LENGTH],
    }
    return render(request, "agents/recognition.html", context)
