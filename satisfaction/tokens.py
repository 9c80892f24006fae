"""Integration API tokens (issue 9): create, rotate, revoke, and find the token a request bears.

A token is 256 random bits; only its SHA-256 is stored, with a short prefix to tell tokens apart.
Each token acts as its own service login, so role scoping stays in ``satisfaction.scoping``.
"""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from agents.models import Role, User
from satisfaction.audit import AuditAction, record_audit
from satisfaction.models import ApiToken

TOKEN_BYTES = 32
PREFIX_LENGTH = 8
# Writing last_used_at on every request would turn each API call into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
SERVICE_USERNAME_PREFIX = "integration-"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _service_user(name: str, *, role: str) -> User:
    base = SERVICE_USERNAME_PREFIX + (slugify(name) or "token")
    username, n = base[:140], 1
    while get_user_model().objects.filter(username=username).exists():
        n += 1
        username = f"{base[:140]}-{n}"
    user = get_user_model()(username=username, role=role, is_active=True)
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def create_api_token(
    *, name: str, kind: str, created_by: User | None, role: str = Role.ADMIN, user: User | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is never stored and must be shown to the administrator once."""
    secret = _new_secret()
    token = ApiToken.objects.create(
        name=name,
        kind=kind,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_LENGTH],
        user=user or _service_user(name, role=role),
        created_by=created_by,
    )
    record_audit(actor=created_by, action=AuditAction.TOKEN_CREATED, obj=token, detail={"name": name, "kind": kind})
    return token, secret


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User | None, now: dt.datetime | None = None) -> ApiToken:
    """Stop a token working at once; the row stays for the audit trail."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(actor=actor, action=AuditAction.TOKEN_REVOKED, obj=token, detail={"name": token.name})
    return token


@transaction.atomic
def rotate_api_token(token: ApiToken, *, actor: User | None) -> tuple[ApiToken, str]:
    """Revoke a token and issue its successor for the same integration and service login."""
    revoke_api_token(token, actor=actor)
    new, secret = create_api_token(name=token.name, kind=token.kind, created_by=actor, user=token.user)
    record_audit(actor=actor, action=AuditAction.TOKEN_ROTATED, obj=new, detail={"replaces": token.pk})
    return new, secret


def active_token(secret: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token with this secret, its use noted; None for an unknown or revoked one."""
    if not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
