"""The navigation of the base layout, chosen by role."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Role

# (url name, label, roles that see it); superusers see everything.
NAVIGATION = (
    ("agents:overview", _("Teams"), {Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY}),
    ("agents:me", _("My page"), {Role.AGENT}),
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
