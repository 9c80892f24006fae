"""Debounced background work after an answer (issue 4): mostly no Redis round trip, never lost."""

import time

import pytest
from celery import shared_task
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerError

from satisfaction import tasks
from satisfaction.celery import app as celery_app

pytestmark = pytest.mark.redis
KEY = "test:debounced"


@shared_task
def noop_task() -> None:
    """Stands for the recompute or the comment classifier."""


@pytest.fixture
def queued(monkeypatch):
    """Tasks queued with a broker (not run in-process), recorded instead of sent."""
    sent = []
    celery_app.conf.task_always_eager = False  # restored by the suite's own fixture
    monkeypatch.setattr(noop_task, "apply_async", lambda **kwargs: sent.append(kwargs))
    monkeypatch.setattr(tasks, "_queued_until", {})
    cache.delete(KEY)
    return sent


def test_one_task_is_queued_for_a_burst_and_the_process_remembers_when_it_runs(queued, monkeypatch):
    tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    assert queued == [{"countdown": 10}]
    # Later calls in the window cost no round trip at all.
    monkeypatch.setattr(tasks, "redis_client", lambda key: pytest.fail("Redis asked within the window"))
    for _ in range(5):
        tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    assert len(queued) == 1


def test_another_process_s_queued_task_is_trusted_until_it_runs(queued):
    tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    runs_at = tasks._queued_until[KEY]
    tasks._queued_until.clear()  # another process: it knows nothing yet
    tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    assert len(queued) == 1
    assert tasks._queued_until[KEY] == pytest.approx(runs_at)
    assert runs_at > time.time()


def test_a_down_broker_queues_nothing_raises_nothing_and_frees_the_slot(queued, monkeypatch):
    def refuse(**kwargs):
        raise BrokerError("connection refused")

    monkeypatch.setattr(noop_task, "apply_async", refuse)
    tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    assert KEY not in tasks._queued_until
    assert cache.get(KEY) is None  # the next answer tries again


def test_in_process_tasks_run_every_time(monkeypatch):
    ran = []
    celery_app.conf.task_always_eager = True
    monkeypatch.setattr(noop_task, "delay", lambda: ran.append(1))
    for _ in range(3):
        tasks.schedule_debounced(noop_task, key=KEY, seconds=10)
    assert len(ran) == 3
