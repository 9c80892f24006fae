"""Rendered dashboards kept in the cache until the data under them changes (issue 8).

A dashboard page costs 35-140 ms of CPU to read and render (snapshots, scoping, the hidden
dissatisfaction and comment lists, templates), the same for every supervisor who opens it again.
Each entry is kept with the *generation* it was built under: one counter in the cache, raised
after every committed change a page shows (``bump``). An entry of an older generation is never
served, so a page never shows figures older than the last write; ``DASHBOARD_CACHE_SECONDS``
bounds what no write marks (time passing: overdue cases, a new day's default period).

Raised by: the engine writing or deleting snapshots, ORM saves and deletes of the models the
pages read (``connect_signals``), and the services that write those models in bulk. Not raised
by the answer and contact ingest itself: new answers reach the pages with the scoring run that
follows them (which writes snapshots), so a busy centre does not empty the cache at every call.

Without a reachable cache (Redis down), pages are built as if nothing were kept: never an error.
Nothing is kept without Redis at all: a process's local memory would not see the writes that
another process (a second gunicorn worker) makes.
"""

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from redis.exceptions import RedisError

from satisfaction.rediscache import redis_client

logger = logging.getLogger(__name__)

GENERATION_KEY = "dashboards:generation"
ENTRY_PREFIX = "dashboards:page:"
T = TypeVar("T")

# Written at every call or answer, or bookkeeping no page shows: the scoring run's snapshot
# write raises the generation for what they lead to.
UNWATCHED_MODELS = frozenset(
    {
        "surveys.Contact",
        "surveys.Invitation",
        "surveys.Response",
        "surveys.Answer",
        "surveys.WebhookDelivery",
        "surveys.SmsMessage",
        "surveys.InboundSms",
        "surveys.OptOut",
        "agents.Notification",
        "satisfaction.ScoreSnapshot",
        "satisfaction.DirtyChunk",
        "satisfaction.ApiToken",
        "satisfaction.AuditEvent",
    }
)
WATCHED_APPS = ("agents", "surveys", "satisfaction")


def _bump_now() -> None:
    found = redis_client(GENERATION_KEY)
    if found is None:
        return  # nothing is kept without Redis
    client, key = found
    try:
        client.incr(key)  # one round trip; a missing counter (first write, emptied cache) starts at 1
    except RedisError:  # the write it follows has committed; entries expire anyway
        logger.warning("dashboard cache generation not raised: cache unreachable")


def bump() -> None:
    """Mark every kept page out of date: now, and again once the current transaction commits.

    The second raise matters: a page built between the first and the commit read the old rows
    and was kept under the new generation. Outside a transaction the first is all there is.
    """
    _bump_now()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump_now)


def _entry_key(parts: Iterable[object]) -> str:
    return ENTRY_PREFIX + hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()


def cached(parts: Iterable[object], build: Callable[[], T]) -> T:
    """``build()``'s value for ``parts`` (who asks, for what, in which language), kept until a write.

    ``parts`` must name everything the value depends on besides the data: the user, the page,
    the filters, the language. Exceptions of ``build`` (permission, not found) are not kept.
    """
    seconds = settings.DASHBOARD_CACHE_SECONDS
    # A process's own memory (the demo's cache) would miss the other processes' writes.
    if not seconds or redis_client(GENERATION_KEY) is None:
        return build()
    key = _entry_key(parts)
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:  # noqa: BLE001  (Redis down: build the page as if nothing were kept)
        return build()
    generation = found.get(GENERATION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = build()
    # Kept under the generation read *before* building: a write during the build makes it stale.
    with contextlib.suppress(Exception):  # a cache gone since the read: the page is served anyway
        cache.set(key, (generation, value), seconds)
    return value


def watched_models() -> list[type[Model]]:
    """The models whose saves and deletes raise the generation."""
    return [
        model
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label not in UNWATCHED_MODELS
    ]


def _on_save(sender: type[Model], update_fields: frozenset[str] | None = None, **kwargs: object) -> None:
    # A login writes last_login only: no page shows it, and it would empty the cache at every login.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump()


def _on_delete(sender: type[Model], **kwargs: object) -> None:
    bump()


def _on_m2m(sender: type[Model], action: str, **kwargs: object) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        bump()


def connect_signals() -> None:
    """Raise the generation on every ORM save and delete of a watched model (called once, at start).

    Connected per model, never for all senders: a delete listener makes Django fetch every row
    it deletes, and the engine deletes hundreds of thousands of snapshots in one statement.
    """
    for model in watched_models():
        uid = model._meta.label
        post_save.connect(_on_save, sender=model, dispatch_uid=f"pagecache-save-{uid}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"pagecache-delete-{uid}")
        # A supervisor's sites, a case's contacts: the relation's own table changes.
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"pagecache-m2m-{through._meta.label}")
