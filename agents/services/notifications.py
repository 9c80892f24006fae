"""Writes of notifications: in the app, and by e-mail once the transaction commits."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from agents.models import Notification, User

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[User], text: str, link: str = "", email: bool = True) -> list[Notification]:
    """Tell each user ``text`` in the app and, unless ``email`` is off, by e-mail after commit."""
    notes = Notification.objects.bulk_create([Notification(user=user, text=text, link=link) for user in users])
    if email and notes:
        ids = [note.pk for note in notes]
        transaction.on_commit(lambda: _queue_emails(ids))
    return notes


def email_notification(*, notification_id: int) -> bool:
    """Send one notification to its user's e-mail address; False when the user has none."""
    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or not note.user.email:
        return False
    send_mail(
        subject=_("Contact-centre satisfaction: %(text)s") % {"text": note.text[:60]},
        message=note.text + (f"\n\n{note.link}" if note.link else ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[note.user.email],
    )
    return True


def mark_notifications_read(user: User, *, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications (or only ``ids``) as read; return how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def _queue_emails(ids: list[int]) -> None:
    # Imported here: the tasks module imports this one.
    from agents.tasks import send_notification_email_task

    try:
        for notification_id in ids:
            send_notification_email_task.delay(notification_id)
    except (BrokerError, RedisError, ConnectionError):
        # The in-app notification is stored; only the e-mail copy is lost.
        logger.warning("Broker unreachable: %s notification e-mails not queued.", len(ids))
