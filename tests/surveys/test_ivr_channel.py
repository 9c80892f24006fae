"""The IVR channel: Twilio Voice <Gather> step by step, and signed JSON events from other platforms."""

import json

import pytest
import requests
from django.urls import reverse
from twilio.request_validator import RequestValidator

from surveys.channels.signatures import hmac_signature
from surveys.models import Answer, WebhookDelivery
from surveys.selectors import form_questions
from tests.factories import IntegrationFactory, InvitationFactory

pytestmark = pytest.mark.django_db
TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture
def ivr_invitation():
    return InvitationFactory(channel="ivr", status="queued", language="en")


def _voice(client, invitation, query: str = "", **params):
    path = reverse("ivr-twilio-voice", args=[invitation.token]) + query
    params = {"CallSid": "CA1", **params}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver" + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_the_call_starts_with_a_gather_for_the_first_question(client, ivr_invitation):
    twiml = _voice(client, ivr_invitation).content.decode()
    assert "<Gather" in twiml and 'numDigits="1"' in twiml and "?q=1&amp;p=1" in twiml
    assert "Overall, how satisfied" in twiml and 'language="en-US"' in twiml
    ivr_invitation.refresh_from_db()
    assert ivr_invitation.status == "delivered"


def test_each_key_is_stored_and_the_next_question_asked(client, ivr_invitation):
    twiml = _voice(client, ivr_invitation, "?q=1&p=1", Digits="4").content.decode()
    assert Answer.objects.get(item="csat").value == 4.0
    assert "?q=2&amp;p=1" in twiml


def test_an_invalid_key_is_reprompted_once_then_the_call_moves_on(client, ivr_invitation):
    again = _voice(client, ivr_invitation, "?q=1&p=1", Digits="9").content.decode()
    assert "not one of the answers" in again and "?q=1&amp;p=2" in again
    moved = _voice(client, ivr_invitation, "?q=1&p=2", Digits="9").content.decode()
    assert "?q=2&amp;p=1" in moved
    assert not Answer.objects.exists()


def test_a_timeout_reprompts_without_apology(client, ivr_invitation):
    twiml = _voice(client, ivr_invitation, "?q=1&p=1").content.decode()
    assert "not one of the answers" not in twiml and "?q=1&amp;p=2" in twiml


def test_a_retried_step_records_nothing_twice(client, ivr_invitation):
    _voice(client, ivr_invitation, "?q=1&p=1", Digits="4")
    _voice(client, ivr_invitation, "?q=1&p=1", Digits="2")
    assert Answer.objects.get(item="csat").value == 4.0
    assert WebhookDelivery.objects.filter(delivery_id="CA1:1").count() == 1


def test_the_last_key_ends_the_survey_with_thanks(client, ivr_invitation):
    form = form_questions(ivr_invitation)
    assert len(form) <= 5
    for question, digit in zip(form, "54341", strict=True):
        twiml = _voice(client, ivr_invitation, f"?q={question.position}&p=1", Digits=digit).content.decode()
    assert "Thank you. Goodbye." in twiml and "<Hangup" in twiml
    ivr_invitation.refresh_from_db()
    assert ivr_invitation.completed_at is not None
    assert Answer.objects.count() == 5


def test_an_unsigned_voice_request_is_refused(client, ivr_invitation):
    path = reverse("ivr-twilio-voice", args=[ivr_invitation.token])
    assert client.post(path, {"CallSid": "CA1", "Digits": "5"}).status_code == 403


def _event(client, body, *, integration="acme-ivr", secret="integration-secret-for-tests", signature=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {}
    if signature is None:
        headers["HTTP_X_SIGNATURE_SHA256"] = hmac_signature(secret, raw)
    elif signature:
        headers["HTTP_X_SIGNATURE_SHA256"] = signature
    return client.post(reverse("ivr-event", args=[integration]), raw, content_type="application/json", **headers)


def test_a_signed_event_stores_all_digits_at_once(client, ivr_invitation):
    IntegrationFactory()
    body = {"event_id": "E1", "contact_id": ivr_invitation.contact.external_id, "digits": ["5", "4", "3", "4", "1"]}
    response = _event(client, body)
    assert response.status_code == 201 and response.json() == {"duplicate": False, "completed": True}
    assert Answer.objects.count() == 5


def test_a_repeated_event_is_recognised_and_writes_nothing(client, ivr_invitation):
    IntegrationFactory()
    body = {"event_id": "E1", "contact_id": ivr_invitation.contact.external_id, "digits": "54"}
    _event(client, body)
    again = _event(client, body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Answer.objects.count() == 2


@pytest.mark.parametrize("signature", ["", "sha256=00", "wrong"])
def test_a_missing_or_wrong_hmac_is_refused(client, ivr_invitation, signature):
    IntegrationFactory()
    body = {"event_id": "E1", "contact_id": ivr_invitation.contact.external_id, "digits": "5"}
    assert _event(client, body, signature=signature).status_code == 403
    assert _event(client, body, secret="another-secret").status_code == 403
    assert not Answer.objects.exists() and not WebhookDelivery.objects.exists()


def test_an_unknown_integration_is_refused(client, ivr_invitation):
    body = {"event_id": "E1", "contact_id": ivr_invitation.contact.external_id, "digits": "5"}
    assert _event(client, body, integration="nobody").status_code == 403


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        ({"contact_id": "x", "digits": "5"}, "event_id"),
        ({"event_id": "E1", "contact_id": "C", "digits": {"a": 1}}, "digits"),
    ],
)
def test_a_malformed_body_gets_400_with_a_reason(client, ivr_invitation, body, reason):
    IntegrationFactory()
    response = _event(client, body)
    assert response.status_code == 400
    assert reason in json.dumps(response.json())
    assert not WebhookDelivery.objects.exists()


def test_an_invalid_digit_writes_nothing(client, ivr_invitation):
    IntegrationFactory()
    body = {"event_id": "E1", "contact_id": ivr_invitation.contact.external_id, "digits": ["5", "9"]}
    response = _event(client, body)
    assert response.status_code == 400 and "digit 2" in json.dumps(response.json())
    assert not Answer.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_over_real_http(live_server):
    IntegrationFactory()
    invitation = InvitationFactory(channel="ivr", status="queued")
    raw = json.dumps({"event_id": "E9", "contact_id": invitation.contact.external_id, "digits": "41"}).encode()
    url = live_server.url + reverse("ivr-event", args=["acme-ivr"])
    headers = {
        "Content-Type": "application/json",
        "X-Signature-SHA256": hmac_signature("integration-secret-for-tests", raw),
    }
    assert requests.post(url, data=raw, headers=headers, timeout=10).status_code == 201
    assert requests.post(url, data=raw, headers=headers, timeout=10).status_code == 200
    assert Answer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_twilio_voice_step_over_real_http(live_server, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    invitation = InvitationFactory(channel="ivr", status="queued")
    url = live_server.url + reverse("ivr-twilio-voice", args=[invitation.token]) + "?q=1&p=1"
    params = {"CallSid": "CAlive", "Digits": "3"}
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200 and "<Gather" in response.text
    assert Answer.objects.get(item="csat").value == 3.0
