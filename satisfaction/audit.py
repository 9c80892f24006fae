"""The audit log (issue 9): one function every app calls to record who did what to which object."""

from typing import Any

from django.db import models
from django.http import HttpRequest

from satisfaction.models import AuditAction, AuditEvent

__all__ = ["AuditAction", "record_audit"]


def _ip(request: HttpRequest | None) -> str | None:
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


def record_audit(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Insert one audit event; never pass a phone number or other personal data in ``detail``."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip=_ip(request),
    )
