"""Domain exceptions, each with a code, an HTTP status and a translated message.

``api_exception_handler`` turns them into the API's one error shape
``{"error": {"code", "message", "details"}}``; ``DomainErrorMiddleware`` does the same for pages.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    code = "error"
    status = 400
    message = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, details: Any = None) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400
    message = _("The input is not valid.")


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    message = _("You do not have permission to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = _("This conflicts with the current state.")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map domain errors (and DRF's own) to one error shape."""
    if isinstance(exc, DomainError):
        body = {"error": {"code": exc.code, "message": str(exc.message), "details": exc.details}}
        return Response(body, status=exc.status)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, drf_exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "invalid"
        detail = response.data
        message = detail.get("detail", _("The input is not valid.")) if isinstance(detail, dict) else detail
        response.data = {"error": {"code": code, "message": str(message), "details": detail}}
    return response
