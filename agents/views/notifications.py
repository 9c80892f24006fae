"""A user's own notifications."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agents import selectors
from agents.services import mark_notifications_read


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        mark_notifications_read(request.user)
        return redirect("agents:notifications")
    context = {
        "notifications": selectors.notifications_for(request.user),
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "agents/notifications.html", context)
