"""The scoring tasks on a real Celery worker process, with PostgreSQL and Redis (DESIGN.md "Real parts")."""

import datetime as dt
import time

import pytest

from satisfaction import services
from satisfaction.models import DirtyChunk, ScoreSnapshot
from satisfaction.tasks import compute_all_scores_task, compute_chunk_task, recompute_dirty_task
from surveys import services as survey_services

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]

POLL_TIMEOUT_S = 60
POLL_INTERVAL_S = 0.25
MARCH = dt.date(2026, 3, 1)
# A001 (site-a): csat 5 and 2 -> top-2 1 of 2 = 50 %, mean 3.5; nps 10 and 6 -> (1 - 1) / 2 = 0.
# B001 (site-b): csat 4 -> 100 %. The centre: csat 5, 2, 4 -> 2 of 3 = 66.667 %, mean 11 / 3.
ANSWERS = (
    "contact_id,agent,answered_at,channel,item,dimension,value\n"
    "C1,A001,2026-03-02T10:00:00+08:00,ivr,csat,,5\n"
    "C1,A001,2026-03-02T10:00:00+08:00,ivr,nps,,10\n"
    "C2,A001,2026-03-03T10:00:00+08:00,ivr,csat,,2\n"
    "C2,A001,2026-03-03T10:00:00+08:00,ivr,nps,,6\n"
    "C3,B001,2026-03-04T10:00:00+08:00,sms,csat,,4\n"
)


@pytest.fixture
def imported(agent_a, agent_b, monkeypatch):
    """The answers, committed, with the on-commit recompute left out so that the test sends the task."""
    monkeypatch.setattr(survey_services, "schedule_recompute", lambda: None)
    survey_services.import_responses(ANSWERS.encode())


def wait_for_snapshot(**lookup) -> ScoreSnapshot:
    """The snapshot once the worker has written it, polling the database for at most a minute."""
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline:
        found = ScoreSnapshot.objects.filter(**lookup).first()
        if found is not None:
            return found
        time.sleep(POLL_INTERVAL_S)
    pytest.fail(f"the worker wrote no snapshot {lookup} within {POLL_TIMEOUT_S} s")


def assert_centre_and_site_b_of_march() -> None:
    """The worker's March figures of the centre and site-b, as worked out above ANSWERS."""
    centre = wait_for_snapshot(level="centre", key="centre", granularity="month", period_start=MARCH)
    assert centre.metrics["n_responses"] == 3
    assert centre.metrics["csat_pct"] == pytest.approx(200 / 3)
    assert centre.metrics["csat_mean"] == pytest.approx(11 / 3)
    site_b = wait_for_snapshot(level="site", key="site-b", granularity="month", period_start=MARCH)
    assert site_b.metrics["csat_pct"] == pytest.approx(100)


def test_the_worker_computes_a_chunk_sent_to_it(imported, celery_worker_process):
    compute_chunk_task.delay("site-a", MARCH.isoformat())
    month = wait_for_snapshot(level="agent", key="A001", granularity="month", period_start=MARCH)
    assert month.metrics["n_responses"] == 2
    assert month.metrics["csat_pct"] == pytest.approx(50)
    assert month.metrics["csat_mean"] == pytest.approx(3.5)
    assert month.metrics["nps"] == pytest.approx(0)
    # The chunk is one site's: site-b and the centre are other chunks, not computed here.
    assert not ScoreSnapshot.objects.filter(key__in=["B001", "team-b", "site-b", "centre"]).exists()


def test_the_nightly_group_computes_every_chunk_a_month_per_task(imported, celery_worker_process):
    # March's three chunks (site-a, site-b, the centre) are one task, which reads March once.
    assert services.chunks_by_month(services.all_chunks()) == [(MARCH, ["site-a", "site-b", "centre"])]
    # Run here as beat's worker would run it: it sends the month tasks to the test's worker.
    assert compute_all_scores_task() == 1
    assert_centre_and_site_b_of_march()
    agent_a = wait_for_snapshot(level="agent", key="A001", granularity="month", period_start=MARCH)
    assert agent_a.metrics["csat_mean"] == pytest.approx(3.5)
    assert not DirtyChunk.objects.filter(month=MARCH).exists()


def test_the_worker_recomputes_the_chunks_an_import_marked_stale(imported, celery_worker_process):
    assert set(DirtyChunk.objects.values_list("site", flat=True)) == {"site-a", "site-b", "centre"}
    recompute_dirty_task.delay()
    assert_centre_and_site_b_of_march()
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while DirtyChunk.objects.exists() and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S)
    assert not DirtyChunk.objects.exists()


@pytest.mark.redis
def test_restoring_unacked_jobs_on_a_torn_down_connection_does_not_raise(caplog, settings):
    """The guard in satisfaction/celery.py around kombu's restore (the worker used to exit on it)."""
    import kombu

    import satisfaction.celery  # noqa: F401  (installs the guard)

    with kombu.Connection(settings.REDIS_URL) as connection:
        channel = connection.channel()
        channel.qos._delivered["tag-1"] = ("message", "exchange", "routing-key")
        # What kombu leaves when the worker's connection is torn down before its channel closes.
        channel._pool = None
        client, channel.connection.client = channel.connection.client, None
        try:
            with caplog.at_level("WARNING"):
                assert channel.qos.restore_unacked() is None
        finally:
            channel.connection.client = client
            channel.qos._delivered.clear()
    assert "1 unacknowledged job(s) left for redelivery" in caplog.text
