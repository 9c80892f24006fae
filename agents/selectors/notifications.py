"""Reads of a user's own notifications."""

from django.db.models import QuerySet

from agents.models import Notification, User

RECENT_NOTIFICATIONS = 50


def notifications_for(user: User, *, limit: int = RECENT_NOTIFICATIONS) -> QuerySet[Notification]:
    """The user's latest notifications, newest first (only ever their own)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
