"""Rate limits (issue 9): survey links, webhooks and the login page per client address, the API
per login or token, and django-axes' lockout answer. Over the limit: 429 with Retry-After.

Counters live in the cache (Redis in production, local memory in the demo). A stopped Redis must
not stop customers answering, so every limit here fails open when the cache is unreachable.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from redis.commands.core import Script
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from satisfaction.rediscache import redis_client

logger = logging.getLogger(__name__)

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# What a down or slow cache raises; the limit is then skipped rather than the request refused.
CACHE_ERRORS = (RedisError, ConnectionError, OSError)


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int


def parse_rate(text: str | None) -> Rate | None:
    """``"120/m"`` → 120 requests a minute; ``"off"``, empty or None → no limit."""
    if not text or text.strip().lower() == "off":
        return None
    count, _sep, period = text.strip().partition("/")
    return Rate(int(count), PERIOD_SECONDS[period.strip()[:1].lower()])


def hit(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Count one request in a fixed window; the seconds to wait when over the limit, else None."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"ratelimit:{scope}:{ident}:{window}"
    try:
        count = _count(key, ttl=rate.seconds + 1)
    except CACHE_ERRORS:
        logger.warning("Rate limit %s skipped: the cache is unreachable.", scope)
        return None
    except ValueError:
        # The key expired between add and incr: this request opens a new window.
        return None
    if count <= rate.requests:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


# INCR, and EXPIRE on the window's first request: atomic, one command, one round trip.
COUNT_SCRIPT = Script(
    None,
    b"local count = redis.call('INCR', KEYS[1]) "
    b"if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    b"return count",
)


def _count(key: str, *, ttl: int) -> int:
    """Add one to the window's counter: one Redis round trip (a script run by its digest)."""
    found = redis_client(key)
    if found is None:
        cache.add(key, 0, ttl)
        return cache.incr(key)
    client, full_key = found
    return COUNT_SCRIPT(keys=[full_key], args=[ttl], client=client)


def client_address(request: HttpRequest) -> str:
    """The address limits count against (the proxy in front sets REMOTE_ADDR, see README)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def too_many_requests(retry_after: int, *, json: bool) -> HttpResponse:
    """The 429 answer, with the seconds to wait."""
    message = _("Too many requests. Please wait a moment and try again.")
    if json:
        response = JsonResponse({"error": {"code": "throttled", "message": message, "details": None}}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Limits survey links (``/s/``), webhooks (``/hooks/``) and login attempts per client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = self._scope(request)
        rate = parse_rate(settings.RATE_LIMITS.get(scope)) if scope else None
        if rate is not None:
            wait = hit(scope, client_address(request), rate)
            if wait is not None:
                return too_many_requests(wait, json=scope == "hooks")
        return self.get_response(request)

    @staticmethod
    def _scope(request: HttpRequest) -> str | None:
        path = request.path_info
        if path.startswith("/s/"):
            return "survey"
        if path.startswith("/hooks/"):
            return "hooks"
        if request.method == "POST" and path in (reverse("login"), reverse("admin:login")):
            return "login"
        return None


class _SettingsRate:
    """DRF throttles whose rate is read from ``settings.RATE_LIMITS`` and that fail open."""

    scope = ""

    def get_rate(self) -> str | None:
        rate = parse_rate(settings.RATE_LIMITS.get(self.scope))
        if rate is None:
            return None
        return f"{rate.requests}/{ {1: 's', 60: 'm', 3600: 'h', 86400: 'd'}[rate.seconds] }"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS:
            logger.warning("API throttle %s skipped: the cache is unreachable.", self.scope)
            return True


class ApiUserThrottle(_SettingsRate, UserRateThrottle):
    """Per login or integration token (anonymous callers per address)."""

    scope = "api_user"


class ApiAnonThrottle(_SettingsRate, AnonRateThrottle):
    """Anonymous API callers per address."""

    scope = "api_anon"


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: 429 with Retry-After, the cool-off period."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, seconds // 60)
    message = _("Too many failed logins for this account from your address. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"error": {"code": "locked_out", "message": message, "details": None}}, status=429)
    else:
        response = TemplateResponse(request, "error.html", {"error": {"message": message}, "status": 429}, status=429)
        response.render()
    response["Retry-After"] = str(seconds)
    return response
