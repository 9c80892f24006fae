"""Texting the SMS webhook in tests: what Twilio gets back at once, and what the worker texts after.

Answers go through the inbox (``sms.receive_sms``): the webhook answers Twilio with an empty
TwiML response, and the worker's job, queued after the commit, stores the answer and texts the
next question through the SMS backend. Tests run tasks in-process, so the commit's callbacks are
run here and the texts sent meanwhile are read back from the SMS log.
"""

from dataclasses import dataclass

from django.test import TestCase
from twilio.request_validator import RequestValidator

from surveys.models import SmsMessage

INBOUND = "/hooks/sms/twilio/"


@dataclass(frozen=True)
class Texted:
    status_code: int
    # The webhook's own response: STOP and HELP are answered in it, answers get an empty one.
    twiml: str
    # What the worker texted back after the commit, one text per line ("" for nothing).
    texted: str


def text_in(client, *, token: str, body: str, sid: str, phone: str, base: str = "http://testserver") -> Texted:
    """Post a signed text to the inbound webhook, run what its commit queued, and collect the replies."""
    params = {"MessageSid": sid, "From": phone, "Body": body, "To": "+10000000000"}
    signature = RequestValidator(token).compute_signature(base + INBOUND, params)
    outbound = SmsMessage.objects.filter(direction=SmsMessage.Direction.OUTBOUND)
    last = outbound.order_by("-pk").values_list("pk", flat=True).first() or 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(INBOUND, params, HTTP_X_TWILIO_SIGNATURE=signature)
    sent = outbound.filter(pk__gt=last).order_by("pk").values_list("body", flat=True)
    return Texted(response.status_code, response.content.decode(), "\n".join(sent))
