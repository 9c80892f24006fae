"""The Celery application; tasks are discovered in each app's ``tasks.py``."""

import logging
import os

from celery import Celery
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")

logger = logging.getLogger(__name__)

app = Celery("satisfaction")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_restore_unacked = kombu_redis.QoS.restore_unacked


def _restore_unacked_unless_disconnected(self, client=None):
    """kombu's restore of unacknowledged messages, which must not stop the worker when Redis is gone.

    With kombu 5.7, a worker that loses Redis while it holds an unacknowledged job closes its
    channel, and the restore then reads the address of a connection already torn down
    (AttributeError on ``None.hostname``): Celery reports "Unrecoverable error" and the worker
    exits (seen in bench/soak.py). The messages stay in Redis's unacknowledged set, which kombu
    restores after the visibility timeout; every job here is idempotent, and the beat sweep
    recomputes whatever is still marked stale, so nothing is lost by restoring them later.
    """
    try:
        return _restore_unacked(self, client)
    except AttributeError:
        if self.channel.connection.client is not None:
            raise
        logger.warning("Broker connection gone: %d unacknowledged job(s) left for redelivery.", len(self._delivered))
        return None


kombu_redis.QoS.restore_unacked = _restore_unacked_unless_disconnected
