"""Celery interfaces to the scoring services: thin, idempotent, locked per chunk, retried."""

import datetime as dt
import logging
import time

from celery import group, shared_task
from django.core.cache import cache
from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from satisfaction import services
from satisfaction.rediscache import redis_client

logger = logging.getLogger(__name__)

# A chunk of 10M answers / 24 months / 3 sites takes seconds; a lock outliving a dead worker
# by ten minutes at most keeps two workers off one chunk without wedging it for long.
CHUNK_LOCK_SECONDS = 600
LOCK_RETRY_SECONDS = 5
RECOMPUTE_DEBOUNCE_SECONDS = 10
RECOMPUTE_SCHEDULED_KEY = "scores:recompute-scheduled"


# Chunk tasks are idempotent: redelivered after a lost worker, retried with backoff on database errors.
CHUNK_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 20,
}


def _lock_key(site: str, month: str) -> str:
    return f"scores:lock:{site}:{month}"


def _take_locks(keys: list[str], holder: str, *, retaking: bool) -> bool:
    """Take every lock in ``keys`` for ``holder``, or none of them.

    With ``retaking``, a lock already held by ``holder`` counts as taken: it was left by a worker
    killed mid-job, and the redelivered job takes it over.
    """
    taken = []
    for key in keys:
        if cache.add(key, holder, CHUNK_LOCK_SECONDS) or (retaking and cache.get(key) == holder):
            taken.append(key)
            continue
        cache.delete_many(taken)
        return False
    return True


@shared_task(**CHUNK_TASK_OPTIONS)
def compute_chunk_task(self, site: str, month: str) -> int:
    """Recompute one site x month chunk; never two at once on the same chunk."""
    return _compute_locked(self, month, [site])


@shared_task(**CHUNK_TASK_OPTIONS)
def compute_month_task(self, month: str, sites: list[str]) -> int:
    """Recompute the chunks of ``sites`` in one month from one read; never two at once on a chunk."""
    return _compute_locked(self, month, sites)


def _compute_locked(task, month: str, sites: list[str]) -> int:
    keys = [_lock_key(site, month) for site in sites]
    holder = task.request.id or "eager"
    if not _take_locks(keys, holder, retaking=bool(task.request.id)):
        raise task.retry(countdown=LOCK_RETRY_SECONDS)
    try:
        return services.compute_chunks(sites=sites, month=dt.date.fromisoformat(month), clear_marks=True)
    finally:
        cache.delete_many(keys)


@shared_task
def compute_all_scores_task(since: str | None = None) -> int:
    """The nightly full recompute: every month's chunks as one independent task, all in one Celery group.

    A month's site chunks and its centre chunk read the same answers, so one task reads them once.
    """
    months = services.chunks_by_month(services.all_chunks(since=dt.date.fromisoformat(since) if since else None))
    group(compute_month_task.s(month.isoformat(), sites) for month, sites in months).apply_async()
    return len(months)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def recompute_dirty_task() -> int:
    """Recompute the chunks marked stale by new answers (debounced; also swept by beat)."""
    done = 0
    for month, sites in services.chunks_by_month(services.take_dirty_chunks()):
        # Chunks another task holds keep their marks for the next sweep.
        free = [site for site in sites if cache.add(_lock_key(site, month.isoformat()), "dirty", CHUNK_LOCK_SECONDS)]
        if not free:
            continue
        try:
            services.compute_chunks(sites=free, month=month, clear_marks=True, only_marked=True)
            done += len(free)
        finally:
            cache.delete_many([_lock_key(site, month.isoformat()) for site in free])
    return done


def schedule_recompute() -> None:
    """Ask for a debounced recompute of stale chunks; a down broker only delays it.

    The stale chunks are already in the database, so the beat sweep scores them once Redis is back.
    """
    schedule_debounced(recompute_dirty_task, key=RECOMPUTE_SCHEDULED_KEY, seconds=RECOMPUTE_DEBOUNCE_SECONDS)


# When each debounced task queued by this process or, as Redis told it, by another runs (time.time()).
_queued_until: dict[str, float] = {}


def schedule_debounced(task, *, key: str, seconds: int) -> None:
    """Queue ``task`` to run in ``seconds`` unless a queued one runs later than now; never raises.

    Called after the commit of what the task will read, so a task that runs later picks it up. Most
    calls cost nothing: the process remembers when the queued task runs. Otherwise one Redis round
    trip (SET NX GET) either claims the slot or tells when the task another process queued runs.
    """
    app = task.app
    try:
        if app.conf.task_always_eager:
            # In-process tasks (the demo) have no beat sweep to catch what a debounce would skip.
            task.delay()
            return
        now = time.time()
        if _queued_until.get(key, 0.0) > now:
            return
        runs_at = now + seconds
        queued = _claim_slot(key, runs_at=runs_at, seconds=seconds)
        if queued is not None:
            _queued_until[key] = queued
            return
        try:
            task.apply_async(countdown=seconds)
        except (BrokerError, RedisError, ConnectionError, OSError):
            cache.delete(key)  # not queued after all: the next call tries again
            raise
        _queued_until[key] = runs_at
    except (BrokerError, RedisError, ConnectionError, OSError):
        logger.warning("Broker or cache unreachable: %s waits for its beat sweep.", task.name)


def _claim_slot(key: str, *, runs_at: float, seconds: int) -> float | None:
    """None when this call claimed the slot; else when the task already queued runs."""
    found = redis_client(key)
    if found is None:
        if cache.add(key, runs_at, seconds):
            return None
        queued = cache.get(key)
    else:
        client, full_key = found
        queued = client.set(full_key, repr(runs_at), nx=True, get=True, ex=seconds)
        if queued is None:
            return None
    # Unknown (just expired): no promise, so this process asks Redis again next time.
    return float(queued) if queued is not None else 0.0


def enqueue(task, *args: object) -> None:
    """Send a task, or log that the broker is down; callers have already stored what it needs."""
    try:
        task.delay(*args)
    except (BrokerError, RedisError, ConnectionError):
        logger.warning("Broker unreachable: %s waits for its beat sweep.", task.name)
