"""Outbound SMS backends: Twilio (the reference, the official ``twilio`` library) and a console/file one.

``settings.SMS_BACKEND`` names the class. No backend logs a phone number: the console and file
backends show it masked.
"""

import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from surveys.models.customer import mask_phone

logger = logging.getLogger(__name__)


class SmsSendError(Exception):
    """The provider refused or could not take the message (the text names no phone)."""


@dataclass(frozen=True)
class SentMessage:
    sid: str
    status: str


class SmsBackend:
    """Sends one text; ``status_callback`` is the URL the provider reports delivery to."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SentMessage:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: logs the text with the number masked, and appends it to ``SMS_OUTBOX_FILE`` if set."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SentMessage:
        sid = f"CONSOLE{uuid.uuid4().hex}"
        logger.info("SMS %s to %s: %s", sid, mask_phone(to), body)
        outbox = getattr(settings, "SMS_OUTBOX_FILE", "")
        if outbox:
            record = {"sid": sid, "to": mask_phone(to), "body": body, "sent_at": timezone.now().isoformat()}
            with Path(outbox).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return SentMessage(sid=sid, status="delivered")


class TwilioSmsBackend(SmsBackend):
    """Sends through Twilio's Messages API with the official client."""

    def __init__(self, client=None) -> None:
        from twilio.rest import Client

        self.client = client or Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SentMessage:
        from twilio.base.exceptions import TwilioException

        options = {"to": to, "body": body, "status_callback": status_callback}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            options["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            options["from_"] = settings.TWILIO_FROM_NUMBER
        try:
            message = self.client.messages.create(**{k: v for k, v in options.items() if v})
        except TwilioException as exc:
            # Twilio's error text can quote the number; keep only its code.
            raise SmsSendError(f"Twilio refused the message (code {getattr(exc, 'code', None)})") from None
        return SentMessage(sid=message.sid, status=message.status or "queued")


def get_backend() -> SmsBackend:
    """The configured backend."""
    return import_string(settings.SMS_BACKEND)()
