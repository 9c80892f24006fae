"""Customers' phone numbers (issue 9): the retention period and erasure on request.

Answers are never deleted: a contact keeps its agent, team, time and response, and loses only the
number. An opted-out number keeps its hash, so the opt-out is honoured after erasure too.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from satisfaction import pagecache
from satisfaction.audit import AuditAction, record_audit
from satisfaction.exceptions import ValidationFailed
from surveys.contact_import import normalise_phone
from surveys.models import Answer, Contact, InboundSms, OptOut, SmsMessage, phone_digest

ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class Erasure:
    """What an erasure request changed (counts only: the number itself is never reported)."""

    contacts: int
    opt_outs: int
    texts: int


def erase_phone(phone: str, *, actor=None, request: HttpRequest | None = None) -> Erasure:
    """Remove a customer's number from contacts, opt-out hints, texts and comments; keep the answers."""
    try:
        number = normalise_phone(phone)
    except ValueError as exc:
        raise ValidationFailed(details={"phone": [str(exc)]}) from exc
    if not number:
        raise ValidationFailed(details={"phone": ["empty"]})
    with transaction.atomic():
        contacts = Contact.objects.filter(customer_phone=number).update(customer_phone="")
        opt_outs = OptOut.objects.filter(phone_hash=phone_digest(number)).update(phone_hint="")
        texts = _scrub_text(Answer, "text", number) + _scrub_text(SmsMessage, "body", number)
        # Texts of this number still in the inbox (or set aside) go unanswered: number and text blanked.
        texts += InboundSms.objects.filter(phone=number).update(
            phone="", body="", processed_at=timezone.now(), error="erased"
        )
        # Kept dashboards may show the comments just scrubbed: none is served again.
        pagecache.bump()
        record_audit(
            actor=actor,
            action=AuditAction.PERSONAL_DATA_ERASED,
            object_type=Contact._meta.label_lower,
            detail={"contacts": contacts, "opt_outs": opt_outs, "texts": texts},
            request=request,
        )
    return Erasure(contacts=contacts, opt_outs=opt_outs, texts=texts)


def _scrub_text(model, field: str, number: str) -> int:
    """Replace the number wherever a customer typed it into a comment or a text."""
    changed = 0
    for row in model.objects.filter(**{f"{field}__contains": number}).only("pk", field):
        model.objects.filter(pk=row.pk).update(**{field: getattr(row, field).replace(number, ERASED_TEXT)})
        changed += 1
    return changed


def apply_contact_retention(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Blank the numbers of contacts older than ``CONTACT_RETENTION_DAYS``; the number of contacts changed."""
    days = settings.CONTACT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    with transaction.atomic():
        blanked = Contact.objects.filter(started_at__lt=cutoff).exclude(customer_phone="").update(customer_phone="")
        # Received texts are blanked once processed; one set aside keeps its number only this long.
        InboundSms.objects.filter(received_at__lt=cutoff).exclude(phone="").update(phone="", body="")
        if blanked:
            pagecache.bump()
            record_audit(
                actor=None,
                action=AuditAction.RETENTION_APPLIED,
                object_type=Contact._meta.label_lower,
                detail={"contacts": blanked, "days": days},
            )
    return blanked
