from celery import shared_task
from django.db import DatabaseError

from surveys import services


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def classify_comments_task() -> int:
    """Classify every unmarked comment, a batch at a time (also swept by beat)."""
    done = 0
    while batch := services.classify_pending_comments():
        done += batch
    return done
