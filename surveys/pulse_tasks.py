"""Celery interfaces to the pulse services: open due rounds, send invitations and reminders, close rounds."""

import smtplib

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from surveys import pulse_services

__all__ = [
    "close_pulse_rounds_task",
    "open_due_pulse_rounds_task",
    "send_pulse_invitations_task",
    "send_pulse_reminders_task",
]

# A mail server that is down for a while should not lose invitations; they are sent when it is back.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def open_due_pulse_rounds_task() -> int:
    """Open the rounds whose schedule is due (beat runs this hourly)."""
    return len(pulse_services.open_due_rounds(now=timezone.now()))


@shared_task(acks_late=True, autoretry_for=(DatabaseError, *MAIL_ERRORS), retry_backoff=True, max_retries=10)
def send_pulse_invitations_task(round_id: int) -> int:
    """Email a new round's invitations (each invitee once, even when retried)."""
    return pulse_services.send_invitations(round_id=round_id)


@shared_task(acks_late=True, autoretry_for=(DatabaseError, *MAIL_ERRORS), retry_backoff=True, max_retries=10)
def send_pulse_reminders_task() -> int:
    """Remind those who have not answered when a reminder time has passed (beat runs this hourly)."""
    return pulse_services.send_due_reminders(now=timezone.now())


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def close_pulse_rounds_task() -> int:
    """Close the rounds whose window has ended (beat runs this hourly)."""
    return pulse_services.close_due_rounds(now=timezone.now())
