"""Provider webhooks: Twilio SMS (replies, delivery status), Twilio Voice, and signed JSON IVR events.

Each view checks the signature before reading anything else (403, nothing written), rejects a
malformed body with 400 and a reason, and leaves idempotency to the services' delivery rows.
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from satisfaction.exceptions import Conflict, DomainError
from satisfaction.querycache import ReusableQuery
from surveys import ivr, selectors, sms
from surveys.channels.signatures import hmac_signature_valid, twilio_signature_valid
from surveys.models import Integration, Item, WebhookDelivery

TWIML = "application/xml"
SIGNATURE_HEADER = "X-Signature-SHA256"
# Twilio's <Say> voices by our language codes.
VOICE_LANGUAGES = {"zh-hans": "cmn-CN", "en": "en-US"}
GATHER_TIMEOUT_SECONDS = 6
EMPTY_TWIML = str(MessagingResponse())
# Twilio's message ids are 34 characters and its texts at most 1,600; anything longer is not Twilio's.
SID_MAX_LENGTH, PHONE_MAX_LENGTH, BODY_MAX_LENGTH = 64, 32, 5000


# Every IVR event looks its integration up by name: compiled once, a prepared statement on PostgreSQL.
_ACTIVE_INTEGRATION = ReusableQuery(lambda name: Integration.objects.filter(name=name, active=True), kinds=(str,))


def _twilio_verified(request: HttpRequest) -> bool:
    return twilio_signature_valid(
        auth_token=settings.TWILIO_AUTH_TOKEN,
        url=request.build_absolute_uri(),
        params=request.POST.dict(),
        signature=request.headers.get("X-Twilio-Signature", ""),
    )


def _forbidden() -> HttpResponse:
    return HttpResponse("invalid signature", status=403, content_type="text/plain")


def _bad_request(reason: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "invalid", "message": reason}}, status=400)


@csrf_exempt
@require_POST
def sms_twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_verified(request):
        return _forbidden()
    sid, phone, body = request.POST.get("MessageSid", ""), request.POST.get("From", ""), request.POST.get("Body")
    if not sid or not phone or body is None:
        return _bad_request("MessageSid, From and Body are required")
    if len(sid) > SID_MAX_LENGTH or len(phone) > PHONE_MAX_LENGTH or len(body) > BODY_MAX_LENGTH:
        return _bad_request(
            f"MessageSid takes at most {SID_MAX_LENGTH} characters, From {PHONE_MAX_LENGTH}, Body {BODY_MAX_LENGTH}"
        )
    try:
        reply = sms.receive_sms(message_sid=sid, phone=phone, body=body)
    except Conflict:
        reply = sms.SmsReply(None)
    if not reply.text:
        # An answer: a worker texts the next question (sms.process_inbox).
        return HttpResponse(EMPTY_TWIML, content_type=TWIML)
    twiml = MessagingResponse()
    twiml.message(reply.text)
    return HttpResponse(str(twiml), content_type=TWIML)


@csrf_exempt
@require_POST
def sms_twilio_status(request: HttpRequest) -> HttpResponse:
    if not _twilio_verified(request):
        return _forbidden()
    sid, status = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if not sid or not status:
        return _bad_request("MessageSid and MessageStatus are required")
    sms.record_sms_status(message_sid=sid, status=status, error_code=request.POST.get("ErrorCode", ""))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def ivr_twilio_voice(request: HttpRequest, token: str) -> HttpResponse:
    if not _twilio_verified(request):
        return _forbidden()
    call_sid = request.POST.get("CallSid", "")
    if not call_sid:
        return _bad_request("CallSid is required")
    invitation = selectors.invitation_for_token(token)
    raw_position, raw_prompt = request.GET.get("q"), request.GET.get("p", "1")
    if raw_position is None:
        step = ivr.start_call(invitation)
    else:
        if not raw_position.isdigit() or not raw_prompt.isdigit():
            return _bad_request("q and p must be numbers")
        step = ivr.answer_step(
            invitation,
            call_sid=call_sid,
            position=int(raw_position),
            digits=request.POST.get("Digits"),
            prompt=int(raw_prompt),
        )
    language = invitation.language if invitation else settings.LANGUAGE_CODE
    return HttpResponse(_voice_twiml(step, token=token, language=language), content_type=TWIML)


def _voice_twiml(step: ivr.IvrStep, *, token: str, language: str) -> str:
    voice = VOICE_LANGUAGES.get(language, "cmn-CN")
    response = VoiceResponse()
    with translation.override(language):
        if step.question is None:
            response.say(
                _("Thank you. Goodbye.") if not step.closed else _("This survey is closed. Goodbye."), language=voice
            )
            response.hangup()
            return str(response)
        action = reverse("ivr-twilio-voice", args=[token]) + f"?q={step.question.position}&p={step.prompt}"
        if step.sorry:
            response.say(_("Sorry, that key is not one of the answers."), language=voice)
        # NPS takes 0-10, so two keys and #; every other keypad item is one key.
        digits = {} if step.question.item == Item.NPS else {"num_digits": 1}
        gather = Gather(
            input="dtmf", action=action, method="POST", timeout=GATHER_TIMEOUT_SECONDS, finish_on_key="#", **digits
        )
        gather.say(step.question.text(language), language=voice)
        response.append(gather)
        # No key before the timeout: Twilio follows this, and the step counts it as a missed prompt.
        response.redirect(action, method="POST")
    return str(response)


@csrf_exempt
@require_POST
def ivr_event(request: HttpRequest, integration: str) -> HttpResponse:
    found = _ACTIVE_INTEGRATION.first(integration)
    secret = found.secret if found else ""
    if not hmac_signature_valid(secret=secret, body=request.body, signature=request.headers.get(SIGNATURE_HEADER, "")):
        return _forbidden()
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _bad_request("the body is not JSON")
    try:
        event = ivr.parse_ivr_event(payload)
        duplicate, completed = ivr.record_ivr_event(integration=found, event=event)
    except DomainError as exc:
        body = {"error": {"code": exc.code, "message": str(exc.message), "details": exc.details}}
        return JsonResponse(body, status=exc.status)
    return JsonResponse({"duplicate": duplicate, "completed": completed}, status=200 if duplicate else 201)


@csrf_exempt
@require_POST
def bench_bare_insert(request: HttpRequest) -> HttpResponse:
    """bench/ingest.py's baseline: one row inserted, nothing else (routed only when BENCH_BARE_VIEW is on)."""
    from django.utils.crypto import get_random_string

    WebhookDelivery.objects.create(provider="bench-bare", delivery_id=get_random_string(32), kind="bench")
    return HttpResponse(status=201)
