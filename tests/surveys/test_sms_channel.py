"""The SMS channel: invitations out, replies in through a Twilio-signed webhook, opt-outs, status."""

import logging

import psycopg2
import pytest
import requests
from django.db import connection, transaction
from django.urls import reverse
from twilio.request_validator import RequestValidator

from satisfaction.models import CENTRE_KEY, DirtyChunk
from surveys import sms
from surveys.channels.sms_backends import SentMessage, SmsBackend, TwilioSmsBackend
from surveys.models import Answer, InboundSms, Invitation, OptOut, SmsMessage, WebhookDelivery, phone_digest
from surveys.tasks import process_sms_inbox_task
from tests.factories import InvitationFactory
from tests.surveys.texting import Texted, text_in

pytestmark = pytest.mark.django_db
TOKEN = "twilio-auth-token-for-tests"
PHONE = "+8613812345678"
INBOUND = "/hooks/sms/twilio/"


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SMS_BACKEND = "surveys.channels.sms_backends.ConsoleSmsBackend"
    # No quiet hours unless a test sets them: the suite must pass at 21:00-08:00 in Shanghai too.
    settings.SURVEY_QUIET_HOURS_START = settings.SURVEY_QUIET_HOURS_END = 0


def _signed_post(client, path: str, params: dict, *, signature: str | None = None, base="http://testserver"):
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(base + path, params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(path, params, **headers)


def _reply(client, body: str, sid: str, phone: str = PHONE) -> Texted:
    return text_in(client, token=TOKEN, body=body, sid=sid, phone=phone)


@pytest.fixture
def sms_invitation():
    invitation = InvitationFactory(channel="sms", status="queued")
    assert sms.send_invitation(invitation.pk)
    invitation.refresh_from_db()
    return invitation


def test_sending_logs_the_text_with_segments_and_no_phone(sms_invitation, caplog):
    caplog.set_level(logging.DEBUG)
    other = InvitationFactory(channel="web", status="queued")
    sms.send_invitation(other.pk)
    sent = SmsMessage.objects.get(invitation=other)
    assert other.token in sent.body and sent.segments <= 2
    assert PHONE not in caplog.text
    assert "5678" in caplog.text  # masked, still recognisable
    first = SmsMessage.objects.get(invitation=sms_invitation)
    assert "Overall, how satisfied" in first.body and "TD" in first.body
    assert sms_invitation.status == Invitation.Status.DELIVERED


def test_every_text_of_the_template_fits_two_segments(sms_invitation):
    from surveys.selectors import form_questions

    for question in form_questions(sms_invitation):
        for language in ("en", "zh-hans"):
            assert sms.sms_segments(sms.question_text(question, language=language)) <= 2


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_or_badly_signed_replies_get_403_and_write_nothing(client, sms_invitation, signature):
    params = {"MessageSid": "SM1", "From": PHONE, "Body": "5"}
    response = _signed_post(client, INBOUND, params, signature=signature)
    assert response.status_code == 403
    assert not Answer.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_signature_for_other_parameters_is_refused(client, sms_invitation):
    good = RequestValidator(TOKEN).compute_signature("http://testserver" + INBOUND, {"MessageSid": "SM1", "Body": "1"})
    response = _signed_post(client, INBOUND, {"MessageSid": "SM1", "From": PHONE, "Body": "5"}, signature=good)
    assert response.status_code == 403


def test_a_conversation_stores_each_answer_and_asks_the_next_question(client, sms_invitation):
    first = _reply(client, "５分 thanks", "SM1")
    assert first.status_code == 200
    # Twilio hears back at once, with nothing to send; the worker texts the next question.
    assert "<Message>" not in first.twiml
    assert "Compared with what you expected" in first.texted
    _reply(client, "four", "SM2")
    last_question = _reply(client, "五", "SM3")
    assert "resolved" in last_question.texted
    done = _reply(client, "yes", "SM4")
    assert "Thank you for your answers" in done.texted
    values = dict(Answer.objects.values_list("dimension", "value").exclude(dimension=""))
    assert values == {"convenience": 4.0, "reliability": 5.0}
    assert dict(Answer.objects.values_list("item", "value").filter(dimension="")) == {"csat": 5.0, "fcr": 1.0}
    sms_invitation.refresh_from_db()
    assert sms_invitation.completed_at is not None


def test_a_low_score_brings_the_what_went_wrong_question(client, sms_invitation):
    for sid, body in enumerate(["1", "2", "2", "no"]):
        last = _reply(client, body, f"SM{sid}")
    assert "What went wrong" in last.texted
    _reply(client, "I waited 20 minutes and nobody called back", "SM9")
    assert Answer.objects.get(item="comment").text.startswith("I waited")


def test_a_retried_delivery_records_nothing_twice(client, sms_invitation):
    _reply(client, "5", "SM1")
    again = _reply(client, "5", "SM1")
    assert again.status_code == 200
    assert "<Message>" not in again.twiml and again.texted == ""
    assert Answer.objects.count() == 1
    # The inbox's unique MessageSid recognises the retry; the text is processed once, under its row's lock.
    assert InboundSms.objects.filter(message_sid="SM1").count() == 1
    sms_invitation.refresh_from_db()
    assert sms_invitation.last_position == 1


def test_nonsense_gets_one_clear_reask_then_silence(client, sms_invitation):
    reask = _reply(client, "what?", "SM1")
    assert "Sorry, we did not understand" in reask.texted
    silent = _reply(client, "huh", "SM2")
    assert silent.texted == ""
    assert not Answer.objects.exists()
    _reply(client, "4", "SM3")
    assert Answer.objects.get(item="csat").value == 4.0


@pytest.mark.parametrize("keyword", ["STOP", "unsubscribe", "退订", "TD"])
def test_opt_out_keywords_stop_surveys_at_once_and_for_good(client, sms_invitation, keyword):
    confirmation = _reply(client, keyword, "SM1")
    # Answered in the webhook's own response: the opt-out holds before Twilio hears back.
    assert "unsubscribed" in confirmation.twiml
    assert OptOut.objects.filter(phone_hash=phone_digest(PHONE)).exists()
    after = _reply(client, "5", "SM2")
    assert "<Message>" not in after.twiml and after.texted == ""
    assert not Answer.objects.exists()
    later = InvitationFactory(channel="sms", status="queued")
    assert not sms.send_invitation(later.pk)
    later.refresh_from_db()
    assert (later.status, later.decision_reason) == ("skipped", "opt-out")


def test_help_is_answered(client, sms_invitation):
    assert "reply with the number" in _reply(client, "HELP", "SM1").twiml


def test_a_stranger_gets_no_reply_and_nothing_is_revealed(client, sms_invitation):
    response = _reply(client, "5", "SM1", phone="+8613900000000")
    assert "<Message>" not in response.twiml and response.texted == ""
    assert not Answer.objects.exists()


def test_a_malformed_body_is_refused_with_a_reason(client):
    response = _signed_post(client, INBOUND, {"Body": "5"})
    assert response.status_code == 400
    assert "MessageSid" in response.json()["error"]["message"]
    assert not WebhookDelivery.objects.exists()


def test_delivery_status_callbacks_are_recorded_once(client, settings):
    settings.SMS_BACKEND = "tests.surveys.test_sms_channel.QueuedBackend"
    invitation = InvitationFactory(channel="sms", status="queued")
    sms.send_invitation(invitation.pk)
    path = reverse("sms-twilio-status")
    params = {"MessageSid": "SMqueued1", "MessageStatus": "delivered"}
    assert _signed_post(client, path, params).status_code == 204
    assert _signed_post(client, path, params).status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DELIVERED and invitation.delivered_at is not None
    assert SmsMessage.objects.get(provider_sid="SMqueued1").status == "delivered"
    assert WebhookDelivery.objects.filter(provider="twilio-sms-status").count() == 1
    assert _signed_post(client, path, params, signature="").status_code == 403


class QueuedBackend(SmsBackend):
    """A provider that accepts the message and reports delivery later, by callback."""

    def send(self, *, to, body, status_callback=None):
        return SentMessage(sid="SMqueued1", status="queued")


class FakeTwilioHttp:
    """Stands in for Twilio's HTTP client: records the request, answers like the Messages API."""

    def __init__(self):
        self.requests = []
        self.last_response = None
        self.last_request = None

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        from twilio.http.response import Response as TwilioResponse

        self.requests.append((method, url, data))
        body = '{"sid": "SMtwilio1", "status": "queued", "account_sid": "ACtest", "body": "x"}'
        return TwilioResponse(201, body)


def test_the_twilio_backend_sends_through_the_official_client(settings):
    from twilio.rest import Client

    settings.TWILIO_FROM_NUMBER = "+10000000000"
    http = FakeTwilioHttp()
    backend = TwilioSmsBackend(client=Client("ACtest", TOKEN, http_client=http))
    sent = backend.send(to=PHONE, body="Hello", status_callback="https://example.test/hooks/sms/twilio/status/")
    assert (sent.sid, sent.status) == ("SMtwilio1", "queued")
    method, url, data = http.requests[0]
    assert method == "POST" and url.endswith("/Accounts/ACtest/Messages.json")
    assert data["To"] == PHONE and data["Body"] == "Hello" and data["From"] == "+10000000000"


@pytest.mark.django_db(transaction=True)
def test_a_reply_over_real_http(live_server, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    invitation = InvitationFactory(channel="sms", status="queued")
    sms.send_invitation(invitation.pk)
    url = live_server.url + INBOUND
    params = {"MessageSid": "SMlive1", "From": PHONE, "Body": "5"}
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert Answer.objects.get(item="csat").value == 5.0
    forged = requests.post(
        url, data={**params, "MessageSid": "SMlive2"}, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    assert forged.status_code == 403


def _received(sid: str, body: str, phone: str = PHONE) -> None:
    """A text the webhook took while no worker ran: in the inbox, not processed."""
    sms.receive_sms(message_sid=sid, phone=phone, body=body)


def test_the_webhook_only_keeps_the_text_and_the_worker_answers_it(sms_invitation, settings):
    _received("SM1", "4")
    kept = InboundSms.objects.get()
    assert (kept.phone, kept.body, kept.processed_at) == (PHONE, "4", None)
    assert not Answer.objects.exists()
    # Swept by beat too, for texts whose job was never queued (Redis down).
    assert settings.CELERY_BEAT_SCHEDULE["process-sms-inbox"]["task"] == process_sms_inbox_task.name
    assert process_sms_inbox_task.apply().get() == 1
    assert Answer.objects.get(item="csat").value == 4.0
    # Its score chunks are marked stale with the answer (the batch marks them in one insert).
    assert set(DirtyChunk.objects.values_list("site", flat=True)) == {CENTRE_KEY, sms_invitation.contact.site.code}
    kept.refresh_from_db()
    # Processed: the number stays on the contact only, the answer in the answers.
    assert (kept.phone, kept.body) == ("", "") and kept.processed_at is not None
    reply = SmsMessage.objects.filter(direction="out").order_by("-pk").first()
    assert "Compared with what you expected" in reply.body
    assert reply.provider_sid.startswith("CONSOLE") and reply.status == "delivered"


def test_one_numbers_texts_are_answered_in_the_order_they_came(sms_invitation):
    other = InvitationFactory(channel="sms", status="queued", contact__customer_phone="+8613800000002")
    assert sms.send_invitation(other.pk)
    _received("SM1", "5")
    _received("SM2", "2")
    _received("SM3", "3", phone="+8613800000002")
    # A batch takes each number's oldest waiting text only: SM2 waits for SM1.
    with transaction.atomic():
        assert [row.message_sid for row in sms._next_inbound(50)] == ["SM1", "SM3"]
    assert sms.process_inbox() == 2
    assert sms.process_inbox() == 1
    assert sms.process_inbox() == 0
    csat = dict(Answer.objects.filter(item="csat").values_list("response__contact__customer_phone", "value"))
    assert csat == {PHONE: 5.0, "+8613800000002": 3.0}
    assert Answer.objects.get(response__contact__customer_phone=PHONE, dimension="convenience").value == 2.0


def test_a_text_that_keeps_failing_is_set_aside_and_the_others_are_answered(sms_invitation, monkeypatch, caplog):
    handle = sms.handle_inbound_sms

    def failing(*, message_sid, **kwargs):
        if message_sid == "SM-bad":
            raise RuntimeError(f"cannot handle {kwargs['phone']}")
        return handle(message_sid=message_sid, **kwargs)

    monkeypatch.setattr(sms, "handle_inbound_sms", failing)
    _received("SM-bad", "4", phone="+8613800000009")
    _received("SM1", "4")
    processed = 0
    while batch := sms.process_inbox():
        processed += batch
    assert processed == 2
    bad = InboundSms.objects.get(message_sid="SM-bad")
    assert bad.attempts == sms.INBOX_MAX_ATTEMPTS and bad.processed_at is not None
    # Kept for a person to look at; the error names the exception's class, never the number.
    assert (bad.phone, bad.body, bad.error) == ("+8613800000009", "4", "RuntimeError")
    assert "+8613800000009" not in caplog.text
    assert Answer.objects.get(item="csat").value == 4.0


def test_a_text_answered_after_the_number_opted_out_keeps_its_answer_and_texts_nothing(client, sms_invitation):
    _received("SM1", "4")
    outbound = SmsMessage.objects.filter(direction="out").count()
    assert "unsubscribed" in _reply(client, "TD", "SM2").twiml
    sms.process_inbox()
    # Sent before the opt-out, so the answer counts; the survey has ended, so no further question.
    assert Answer.objects.get(item="csat").value == 4.0
    assert SmsMessage.objects.filter(direction="out").count() == outbound


@pytest.mark.parametrize(
    "field, value",
    [("MessageSid", "SM" + "x" * 80), ("From", "+86" + "1" * 40), ("Body", "5" * 6000)],
)
def test_an_oversized_field_is_refused_with_a_reason_and_nothing_kept(client, field, value):
    params = {"MessageSid": "SM1", "From": PHONE, "Body": "5", field: value}
    response = _signed_post(client, INBOUND, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]
    assert not InboundSms.objects.exists()


class UnreachableBackend(SmsBackend):
    """A provider that cannot be reached: the client raises a network error, not SmsSendError."""

    def send(self, *, to, body, status_callback=None):
        raise ConnectionError(f"cannot reach the provider to text {to}")


def test_a_reply_the_provider_cannot_take_is_logged_failed_and_the_answer_kept(sms_invitation, settings, caplog):
    settings.SMS_BACKEND = "tests.surveys.test_sms_channel.UnreachableBackend"
    _received("SM1", "4")
    _received("SM2", "5", phone="+8613800000003")
    assert sms.process_inbox() == 2
    assert Answer.objects.get(item="csat").value == 4.0
    failed = SmsMessage.objects.filter(direction="out", invitation=sms_invitation).order_by("-pk").first()
    assert failed.status == "failed" and failed.provider_sid is None
    assert PHONE not in caplog.text and "ConnectionError" in caplog.text


def _conversations(prefix: str) -> list[str]:
    """Four texted surveys at different points: fresh, mid-way, on their last question, one re-asked."""
    phones = [f"+86139{prefix}{n:05d}" for n in range(4)]
    for phone in phones:
        invitation = InvitationFactory(channel="sms", status="queued", contact__customer_phone=phone)
        assert sms.send_invitation(invitation.pk)
    history = {phones[1]: ["4"], phones[2]: ["5", "4", "5"], phones[3]: []}
    for phone, bodies in history.items():
        for n, body in enumerate(bodies):
            _received(f"SM{prefix}-{phone}-old{n}", body, phone=phone)
    while sms.process_inbox(batch_size=1):
        pass
    for n, (phone, body) in enumerate(zip(phones, ["3", "2", "yes", "what?"], strict=True)):
        _received(f"SM{prefix}-{n}", body, phone=phone)
    return phones


def _state(phones: list[str]) -> list[tuple]:
    rows = []
    for phone in phones:
        invitation = Invitation.objects.get(contact__customer_phone=phone)
        answers = sorted(
            Answer.objects.filter(response__contact__customer_phone=phone).values_list("item", "dimension", "value")
        )
        texts = list(
            SmsMessage.objects.filter(invitation=invitation, direction="out").order_by("pk").values_list("body")
        )
        rows.append(
            (
                invitation.last_position,
                invitation.reasks,
                invitation.completed_at is not None,
                invitation.status,
                answers,
                texts,
            )
        )
    return rows


def test_a_batch_of_texts_stores_exactly_what_one_text_at_a_time_stores(sms_invitation):
    one_by_one = _conversations("1")
    while sms.process_inbox(batch_size=1):
        pass
    batched = _conversations("2")
    assert sms.process_inbox(batch_size=50) == 4
    expected = _state(one_by_one)
    assert _state(batched) == expected
    # The batch really covered every case: a first answer, a later one, a completion and a re-ask.
    assert [row[2] for row in expected] == [False, False, True, False] and expected[3][1] == 1
    assert [len(row[4]) for row in expected] == [1, 2, 4, 0]


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_skips_a_number_whose_oldest_text_another_worker_holds():
    # Rows written directly: through the webhook, their commit would run the (in-process) worker at once.
    for sid, phone in (("SM-x1", PHONE), ("SM-x2", PHONE), ("SM-y1", "+8613800000004")):
        InboundSms.objects.create(message_sid=sid, phone=phone, body="4")
    held = InboundSms.objects.get(message_sid="SM-x1").pk
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1", port=db["PORT"]
    )
    try:
        # Another worker's batch, mid-transaction, holding the number's oldest text.
        other.cursor().execute(f"SELECT id FROM {InboundSms._meta.db_table} WHERE id = %s FOR UPDATE", [held])
        with transaction.atomic():
            taken = [row.message_sid for row in sms._next_inbound(50)]
        # Not the held text, and not the number's later one either: it waits for the first.
        assert taken == ["SM-y1"]
    finally:
        other.rollback()
        other.close()
    with transaction.atomic():
        assert [row.message_sid for row in sms._next_inbound(50)] == ["SM-x1", "SM-y1"]
