from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from surveys import services, sms
from surveys.pulse_tasks import *  # noqa: F403


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def classify_comments_task() -> int:
    """Classify every unmarked comment, a batch at a time (also swept by beat)."""
    done = 0
    while batch := services.classify_pending_comments():
        done += batch
    return done


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def send_invitation_task(invitation_id: int) -> bool:
    """Send one texted invitation (SMS question or web link)."""
    return sms.send_invitation(invitation_id)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def process_sms_inbox_task() -> int:
    """Answer the texts customers sent (queued after each text, debounced; also swept by beat)."""
    done = 0
    while batch := sms.process_inbox():
        done += batch
    return done


@shared_task
def send_due_invitations_task() -> int:
    """Send texted invitations whose quiet hours are over or that were queued while Redis was down."""
    return sum(sms.send_invitation(pk) for pk in sms.due_invitation_ids(now=timezone.now()))


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def apply_contact_retention_task() -> int:
    """Blank customers' phone numbers past CONTACT_RETENTION_DAYS (daily beat, issue 9)."""
    from surveys.privacy import apply_contact_retention

    return apply_contact_retention()
