"""Queries per stored answer on every channel (bench/ingest.py): pinned so that they cannot creep back.

Counted inside the test's transaction, so the answer's own transaction shows as a SAVEPOINT and a
RELEASE. A later answer of a web survey, for instance: savepoint, the invitation found by token
and locked with its contact and response in one statement (prepared), then one round trip with
the answers' upsert, the invitation's position and the stale marks (a prepared insert that reads
the site codes itself), release. (Served outside a transaction on PostgreSQL, as gunicorn serves
it, a web answer is one unlocked read and one guarded write instead: test_web_checked_answers.py.)
The form is cached per process. A text costs the webhook one
insert into the inbox. The worker's batch takes its texts in one query; per text, the locked
invitation and the answers its skip logic reads; per batch, one round trip with the answers and
the invitations' progress, the stale marks (a read and an insert), the logged replies, the texts
marked processed and, after sending, the replies' provider ids.
"""

import json

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from surveys import answering, sms, webhook_views
from surveys.channels.signatures import hmac_signature
from surveys.models import Answer, SmsMessage
from surveys.selectors import form_questions
from tests.factories import IntegrationFactory, InvitationFactory

pytestmark = pytest.mark.django_db
TOKEN = "twilio-auth-token-for-tests"
WEB_ANSWER_QUERIES = 4
SMS_WEBHOOK_QUERIES = 3
SMS_PROCESSING_QUERIES = 10
IVR_EVENT_QUERIES = 7
IVR_STEP_QUERIES = 6
# A retried IVR event: savepoint, the locked invitation, (its skip logic's answers), the delivery's row
# that is not inserted, release. A retried text: savepoint, the inbox row not inserted, release.
SMS_RETRY_QUERIES = 3
IVR_RETRY_QUERIES = 5


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def _prepared():
    """Each connection PREPAREs the lookups once, the first time it runs them: done here, not counted."""
    with transaction.atomic():
        for query, values in (
            (answering._BY_PK, (0,)),
            (answering._BY_TOKEN, ("",)),
            (answering._BY_IVR_CONTACT, ("",)),
            (answering._BY_SMS_PHONE, ("", timezone.now())),
            (webhook_views._ACTIVE_INTEGRATION, ("",)),
        ):
            query.first(*values)


def _web_answer(client, invitation, question, value: str = "4"):
    return client.post(reverse("survey-web", args=[invitation.token]), {"position": question.position, "value": value})


def _sms_reply(client, invitation, sid: str, body: str = "4"):
    """The webhook alone: the text is kept in the inbox, the worker's part is left to the test."""
    params = {"MessageSid": sid, "From": invitation.contact.customer_phone, "Body": body}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver/hooks/sms/twilio/", params)
    return client.post("/hooks/sms/twilio/", params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_web_answer_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    invitation = InvitationFactory()
    first, second = form_questions(invitation)[:2]
    assert _web_answer(client, invitation, first).status_code == 302
    with django_assert_max_num_queries(WEB_ANSWER_QUERIES):
        assert _web_answer(client, invitation, second).status_code == 302
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 2


def test_an_sms_reply_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    invitation = InvitationFactory(channel="sms")
    assert _sms_reply(client, invitation, "SM-first").status_code == 200
    assert sms.process_inbox() == 1
    with django_assert_max_num_queries(SMS_WEBHOOK_QUERIES):
        assert _sms_reply(client, invitation, "SM-second").status_code == 200
    # The SMS form has skip logic (a comment after a low csat), so the answers are read once, under the lock.
    with django_assert_max_num_queries(SMS_PROCESSING_QUERIES):
        assert sms.process_inbox() == 1
    reply = SmsMessage.objects.filter(direction="out").order_by("-pk").first()
    assert "Compared with what you expected" in reply.body
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 2


def test_an_ivr_event_stores_all_its_digits_in_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    integration = IntegrationFactory()
    invitation = InvitationFactory(channel="ivr")
    digits = "4" * (len(form_questions(invitation)) - 1) + "1"
    body = json.dumps({"event_id": "E1", "contact_id": invitation.contact.external_id, "digits": digits}).encode()
    url = reverse("ivr-event", args=[integration.name])
    signature = hmac_signature(integration.secret, body)
    with django_assert_max_num_queries(IVR_EVENT_QUERIES):
        posted = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE_SHA256=signature)
    assert posted.status_code == 201 and posted.json() == {"duplicate": False, "completed": True}
    assert Answer.objects.filter(response__contact=invitation.contact).count() == len(digits)


def test_an_ivr_keypad_step_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    invitation = InvitationFactory(channel="ivr")
    first, second = form_questions(invitation)[:2]

    def step(question, sid):
        path = reverse("ivr-twilio-voice", args=[invitation.token]) + f"?q={question.position}&p=1"
        params = {"CallSid": sid, "Digits": "4"}
        signature = RequestValidator(TOKEN).compute_signature("http://testserver" + path, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    assert step(first, "CA1").status_code == 200
    with django_assert_max_num_queries(IVR_STEP_QUERIES):
        assert step(second, "CA1").status_code == 200
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 2


def test_a_retried_sms_reply_reads_little_and_writes_nothing(client, django_assert_max_num_queries):
    invitation = InvitationFactory(channel="sms")
    assert _sms_reply(client, invitation, "SM-first").status_code == 200
    assert sms.process_inbox() == 1
    messages = SmsMessage.objects.count()
    with django_assert_max_num_queries(SMS_RETRY_QUERIES):
        assert _sms_reply(client, invitation, "SM-first").status_code == 200
    assert sms.process_inbox() == 0
    assert SmsMessage.objects.count() == messages
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 1


def test_a_retried_ivr_event_reads_little_and_writes_nothing(client, django_assert_max_num_queries):
    integration = IntegrationFactory()
    invitation = InvitationFactory(channel="ivr")
    body = json.dumps({"event_id": "E1", "contact_id": invitation.contact.external_id, "digits": "4"}).encode()
    url = reverse("ivr-event", args=[integration.name])
    headers = {"HTTP_X_SIGNATURE_SHA256": hmac_signature(integration.secret, body)}
    assert client.post(url, body, content_type="application/json", **headers).status_code == 201
    with django_assert_max_num_queries(IVR_RETRY_QUERIES + 1):  # + the integration
        again = client.post(url, body, content_type="application/json", **headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 1
