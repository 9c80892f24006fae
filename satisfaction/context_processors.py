"""The navigation of the base layout, chosen by role."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Role

# (url name, label, roles that see it); superusers see everything.
NAVIGATION = (
    ("dashboards:balance", _("Dashboards"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:overview", _("Teams"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:me", _("My page"), {Role.AGENT}),
    ("dashboards:me", _("My scores"), {Role.AGENT}),
    ("pulse:mine", _("My pulses"), {Role.AGENT}),
    ("pulse:rounds", _("Pulse results"), {Role.ADMIN, Role.HR, Role.SUPERVISOR}),
    ("pulse:surveys", _("Pulse surveys"), {Role.ADMIN, Role.HR}),
    ("pulse:voice", _("Staff voice"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY, Role.AGENT}),
    ("agents:cases", _("Follow-up cases"), {Role.ADMIN, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:grievances", _("Grievances"), {Role.ADMIN, Role.SUPERVISOR, Role.QUALITY, Role.AGENT}),
    ("agents:praise_list", _("Praise"), {Role.ADMIN, Role.SUPERVISOR, Role.QUALITY, Role.AGENT}),
    ("agents:evaluations", _("Quality evaluations"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:targets", _("Targets"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:kpi_imports", _("KPI records"), {Role.ADMIN}),
    ("agents:notifications", _("Notifications"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY, Role.AGENT}),
    ("api-docs", _("API"), {Role.ADMIN}),
    ("admin:index", _("Administration"), {Role.ADMIN}),
)


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, roles in NAVIGATION
        if user.is_superuser or user.role in roles
    ]
    return {"navigation": items}
