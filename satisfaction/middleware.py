"""Turns domain errors raised under page views into 403/404/409 pages (STYLE.md "Errors"), and a lost
database into 503 (issue 9)."""

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from satisfaction.exceptions import DomainError

logger = logging.getLogger(__name__)
# Long enough for a PostgreSQL restart or fail-over.
RETRY_AFTER_SECONDS = 10


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        response = TemplateResponse(
            request,
            "error.html",
            {"error": exception, "status": exception.status},
            status=exception.status,
        )
        return response.render()


class DatabaseUnavailableMiddleware:
    """A lost database connection answers 503 with Retry-After, never a traceback (issue 9).

    Whatever the view had begun is rolled back by PostgreSQL with the broken transaction.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return service_unavailable(request)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for the API and webhooks, a plain page (no database needed) otherwise."""
    logger.error("Database unavailable while serving %s %s", request.method, request.path)
    message = _("The service is briefly unavailable. Please try again in a moment.")
    if request.path_info.startswith(("/api/", "/hooks/")):
        response = JsonResponse(
            {"error": {"code": "unavailable", "message": str(message), "details": None}}, status=503
        )
    else:
        response = HttpResponse(
            render_to_string("unavailable.html", {"message": message}), status=503, content_type="text/html"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class RejectNulMiddleware:
    """A NUL character in the path, the query string or a form body is refused with 400 (issue 9).

    PostgreSQL cannot hold one, so a filter or an insert with it would otherwise end in a 500.
    Form bodies are what webhooks (Twilio) and survey pages post; uploaded files are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any("\x00" in k or "\x00" in v for k, v in request.GET.items()):
            return HttpResponse(_("The address contains a NUL character."), status=400, content_type="text/plain")
        if request.content_type in FORM_TYPES and _form_has_nul(request):
            return HttpResponse(_("The form contains a NUL character."), status=400, content_type="text/plain")
        return self.get_response(request)


def _form_has_nul(request: HttpRequest) -> bool:
    try:
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
    except (RequestDataTooBig, TooManyFieldsSent, UnicodeDecodeError, MultiPartParserError):
        return False  # the view's own handling answers these
