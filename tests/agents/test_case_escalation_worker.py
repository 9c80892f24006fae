"""The beat task that escalates overdue cases, on a real Celery worker with PostgreSQL and Redis."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from agents.models import FollowUpCase, Notification
from agents.tasks import escalate_overdue_cases_task
from tests.factories import FollowUpCaseFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

POLL_TIMEOUT_S = 60
POLL_INTERVAL_S = 0.25


def test_the_worker_escalates_an_overdue_case_to_the_site_supervisor(celery_worker_process, agent_a, site_a):
    supervisor = UserFactory(role="supervisor", username="sup-a")
    supervisor.supervised_sites.add(site_a)
    opened = timezone.now() - dt.timedelta(days=3)
    case = FollowUpCaseFactory(agent=agent_a, opened_at=opened, due_at=opened + dt.timedelta(hours=48))
    escalate_overdue_cases_task.delay()
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline and not FollowUpCase.objects.filter(pk=case.pk, escalated_at__isnull=False):
        time.sleep(POLL_INTERVAL_S)
    case.refresh_from_db()
    assert case.escalated_at is not None, f"the worker escalated nothing within {POLL_TIMEOUT_S} s"
    assert list(case.escalated_to.all()) == [supervisor]
    assert Notification.objects.filter(user=supervisor).count() == 1
