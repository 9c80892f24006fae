"""Celery interfaces to the agents services: thin, idempotent, retried."""

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from agents.services import cases, notifications


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def escalate_overdue_cases_task() -> int:
    """Escalate overdue follow-up cases to their site's supervisors (run by beat)."""
    return cases.escalate_overdue_cases()


@shared_task(acks_late=True, autoretry_for=(SMTPException, OSError), retry_backoff=True, max_retries=8)
def send_notification_email_task(notification_id: int) -> bool:
    """E-mail one stored notification to its user."""
    return notifications.email_notification(notification_id=notification_id)
