"""Webhook authentication: Twilio's ``X-Twilio-Signature`` and our HMAC-SHA256 header for other platforms."""

import hashlib
import hmac
from collections.abc import Mapping

from twilio.request_validator import RequestValidator

HMAC_PREFIX = "sha256="


def twilio_signature_valid(*, auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Twilio's own check of a webhook; an empty token or signature never passes."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, dict(params), signature)


def hmac_signature(secret: str, body: bytes) -> str:
    """The header value a platform sends: ``sha256=<hex digest of the raw body>``."""
    return HMAC_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hmac_signature_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """Constant-time check of the integration's signature header over the raw body."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hmac_signature(secret, body), signature.strip())
