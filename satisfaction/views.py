"""Project-level views: the health check load balancers and docker-compose call."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from satisfaction.middleware import service_unavailable


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (no details leak)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database answers 503 with Retry-After; anything else the usual 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return service_unavailable(request)
    return defaults.server_error(request)
