"""Customers' phone numbers: retention, erasure on request, hashed opt-outs, never in logs (issue 9)."""

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from satisfaction.models import AuditAction, AuditEvent
from surveys import sms
from surveys.models import Answer, Contact, InboundSms, OptOut, Response, phone_digest
from surveys.privacy import apply_contact_retention, erase_phone
from tests.factories import ContactFactory, InvitationFactory, SurveyFactory
from tests.surveys.texting import text_in

pytestmark = pytest.mark.django_db
PHONE = "+8613812345678"
OTHER = "+8613900001111"
TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    # No quiet hours, whatever the time of day the suite runs at.
    settings.SURVEY_QUIET_HOURS_START = settings.SURVEY_QUIET_HOURS_END = 0
    settings.SMS_BACKEND = "surveys.channels.sms_backends.ConsoleSmsBackend"


def _sms(client, body: str, sid: str, phone: str = PHONE):
    """The text through the webhook and, for an answer, the worker's reply."""
    return text_in(client, token=TOKEN, body=body, sid=sid, phone=phone)


def _answered_contact(phone: str = PHONE, **kwargs) -> Contact:
    contact = ContactFactory(customer_phone=phone, **kwargs)
    response = Response.objects.create(
        contact=contact,
        survey=SurveyFactory(),
        channel="web",
        answered_at=contact.started_at,
        agent=contact.agent,
        team=contact.team,
        site=contact.site,
    )
    Answer.objects.create(response=response, item="csat", value=5)
    Answer.objects.create(response=response, item="comment", text=f"call me back on {phone} please")
    return contact


def test_an_opt_out_keeps_only_a_hash_and_a_masked_hint(client):
    _sms(client, "TD", "SM-optout-1")
    opt_out = OptOut.objects.get()
    assert opt_out.phone_hash == phone_digest(PHONE)
    assert opt_out.phone_hint == "+86*******5678"
    assert PHONE not in str(OptOut.objects.values().get())


def test_an_opted_out_number_is_not_texted_again(client):
    _sms(client, "STOP", "SM-optout-2")
    invitation = InvitationFactory(channel="sms", status="queued", contact=ContactFactory(customer_phone=PHONE))
    assert sms.send_invitation(invitation.pk) is False
    invitation.refresh_from_db()
    assert invitation.decision_reason == "opt-out"


def test_erasure_removes_the_number_everywhere_and_keeps_the_answers(admin_user):
    contact = _answered_contact()
    kept = _answered_contact(OTHER)
    OptOut.objects.create(phone_hash=phone_digest(PHONE), phone_hint="+86*******5678")
    done = erase_phone(PHONE, actor=admin_user)
    assert (done.contacts, done.opt_outs, done.texts) == (1, 1, 1)
    contact.refresh_from_db()
    assert contact.customer_phone == ""
    assert Answer.objects.filter(response__contact=contact).count() == 2
    assert not Answer.objects.filter(text__contains=PHONE).exists()
    # The opt-out is still honoured, by its hash; only the hint is gone.
    assert OptOut.objects.get().phone_hint == ""
    assert OptOut.objects.filter(phone_hash=phone_digest(PHONE)).exists()
    kept.refresh_from_db()
    assert kept.customer_phone == OTHER
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_ERASED)
    assert event.actor == admin_user and PHONE not in str(event.detail)


def test_erasure_blanks_texts_of_the_number_still_waiting_in_the_inbox():
    sms.receive_sms(message_sid="SM-waiting", phone=PHONE, body="call me on " + PHONE)
    sms.receive_sms(message_sid="SM-other", phone=OTHER, body="4")
    done = erase_phone(PHONE)
    assert done.texts == 1
    waiting = InboundSms.objects.get(message_sid="SM-waiting")
    assert (waiting.phone, waiting.body, waiting.error) == ("", "", "erased") and waiting.processed_at is not None
    assert InboundSms.objects.get(message_sid="SM-other").phone == OTHER
    assert sms.process_inbox() == 1  # only the other number's text is left to answer


def test_the_erase_phone_command_reports_counts_only(capsys):
    _answered_contact()
    call_command("erase_phone", "+86 138-1234-5678")
    out = capsys.readouterr().out
    assert "1 contact" in out and PHONE not in out
    assert not Contact.objects.filter(customer_phone=PHONE).exists()


def test_the_admin_action_erases_the_selected_contacts_numbers(client, admin_user):
    contact = _answered_contact()
    client.force_login(admin_user)
    client.post("/admin/surveys/contact/", {"action": "erase_phone_numbers", "_selected_action": [contact.pk]})
    contact.refresh_from_db()
    assert contact.customer_phone == ""
    assert Answer.objects.filter(response__contact=contact).count() == 2


def test_retention_blanks_only_numbers_older_than_the_setting(settings):
    settings.CONTACT_RETENTION_DAYS = 30
    now = timezone.now()
    old = _answered_contact(started_at=now - dt.timedelta(days=31))
    recent = _answered_contact(OTHER, started_at=now - dt.timedelta(days=29))
    assert apply_contact_retention(now=now) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.customer_phone == "" and recent.customer_phone == OTHER
    assert Answer.objects.filter(response__contact=old).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_APPLIED).count() == 1


def test_retention_blanks_a_set_aside_text_older_than_the_setting(settings):
    settings.CONTACT_RETENTION_DAYS = 30
    now = timezone.now()
    for sid, days in (("SM-old", 31), ("SM-recent", 29)):
        InboundSms.objects.create(
            message_sid=sid,
            phone=PHONE,
            body="4",
            received_at=now - dt.timedelta(days=days),
            processed_at=now,
            attempts=5,
            error="RuntimeError",
        )
    apply_contact_retention(now=now)
    assert dict(InboundSms.objects.values_list("message_sid", "phone")) == {"SM-old": "", "SM-recent": PHONE}


def test_the_retention_task_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["apply-contact-retention"]
    assert entry["task"] == "surveys.tasks.apply_contact_retention_task"


def test_the_phone_never_reaches_the_logs(client, admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    invitation = InvitationFactory(channel="sms", status="queued", contact=ContactFactory(customer_phone=PHONE))
    sms.send_invitation(invitation.pk)
    _sms(client, "5", "SM-log-1")
    _sms(client, "nonsense words", "SM-log-2")
    _sms(client, "TD", "SM-log-3")
    _sms(client, "5", "SM-log-4", phone=OTHER)
    call_command("erase_phone", PHONE)
    apply_contact_retention(days=0)
    assert caplog.records, "expected the channel to log something"
    assert PHONE not in caplog.text and PHONE.removeprefix("+") not in caplog.text
    assert OTHER not in caplog.text
