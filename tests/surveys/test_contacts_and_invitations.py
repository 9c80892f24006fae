"""Contacts from the telephony platform and the invitation decisions stored with them."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from surveys import sms
from surveys.models import Contact, Invitation, OptOut, SmsMessage, phone_digest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PHONE = "+8613812345678"
NOON_UTC = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture(autouse=True)
def _midday(monkeypatch):
    """Decisions depend on the local hour (quiet hours): the tests run at noon in Shanghai."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOON_UTC)


@pytest.fixture
def integrator(client):
    client.force_login(UserFactory(role="admin", username="integrator"))
    return client


def _contact(external_id="C1", phone=PHONE, channel="sms", **extra):
    return {
        "external_id": external_id,
        "agent": "A001",
        "customer_phone": phone,
        "started_at": "2026-03-10T11:50:00+08:00",
        "ended_at": "2026-03-10T11:58:00+08:00",
        "queue": "billing",
        "direction": "inbound",
        "preferred_channel": channel,
        "language": "en",
        **extra,
    }


def _post(client, body):
    return client.post(reverse("api-contacts"), body, content_type="application/json")


def test_a_reported_contact_gets_an_invitation_with_its_decision(
    integrator, agent_a, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(integrator, _contact())
    assert response.status_code == 201
    body = response.json()
    assert body["invitation"]["decision_reason"] == "sampled" and body["invitation"]["surveyed"] is True
    assert PHONE not in response.content.decode() and body["masked_phone"].endswith("5678")
    invitation = Invitation.objects.get(contact__external_id="C1")
    assert len(invitation.token) >= 43  # 32 random bytes, url-safe
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=72)
    assert invitation.status == "delivered"  # the console backend sent it after commit (eager tasks)
    assert SmsMessage.objects.filter(invitation=invitation).exists()
    assert PHONE not in caplog.text


def test_reposting_a_contact_changes_nothing(integrator, agent_a):
    _post(integrator, _contact())
    again = _post(integrator, _contact())
    assert again.status_code == 200
    assert Contact.objects.count() == 1 and Invitation.objects.count() == 1


def test_a_second_contact_of_the_same_customer_is_quarantined(integrator, agent_a):
    _post(integrator, _contact("C1"))
    second = _post(integrator, _contact("C2")).json()
    assert second["invitation"] == {**second["invitation"], "decision_reason": "quarantine", "surveyed": False}
    assert Invitation.objects.get(contact__external_id="C2").status == "skipped"


def test_an_opted_out_customer_is_not_invited(integrator, agent_a):
    OptOut.objects.create(phone_hash=phone_digest(PHONE))
    assert _post(integrator, _contact()).json()["invitation"]["decision_reason"] == "opt-out"


def test_in_quiet_hours_the_sms_waits_for_the_morning_sweep(integrator, agent_a, monkeypatch):
    late = dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)  # 22:30 in Shanghai
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    _post(integrator, _contact())
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.decision_reason) == ("queued", "quiet-hours")
    assert invitation.send_after == dt.datetime(2026, 3, 11, 0, 0, tzinfo=dt.UTC)  # 08:00 Shanghai
    assert sms.due_invitation_ids(now=late) == []
    morning = dt.datetime(2026, 3, 11, 0, 5, tzinfo=dt.UTC)
    assert sms.due_invitation_ids(now=morning) == [invitation.pk]
    assert sms.send_invitation(invitation.pk, now=morning)
    invitation.refresh_from_db()
    assert invitation.status == "delivered"


def test_an_unknown_agent_or_bad_field_is_refused_with_a_reason(integrator, agent_a):
    unknown = _post(integrator, _contact(agent="Z999"))
    assert unknown.status_code == 400 and "Z999" in str(unknown.json())
    bad = _post(integrator, _contact(started_at="yesterday", customer_phone="call me"))
    details = str(bad.json())
    assert bad.status_code == 400 and "started_at" in details and "customer_phone" in details
    assert "call me" not in details
    assert not Contact.objects.exists()


def test_only_integrators_report_contacts(client, agent_a):
    client.force_login(agent_a.user)
    assert _post(client, _contact()).status_code == 403


CSV = (
    "external_id,agent,customer_phone,started_at,ended_at,queue,direction,preferred_channel,language\n"
    "K1,A001,+8613800000001,2026-03-10T09:00:00+08:00,2026-03-10T09:05:00+08:00,billing,inbound,web,zh-hans\n"
    "K2,A001,+8613800000001,2026-03-10T10:00:00+08:00,2026-03-10T10:05:00+08:00,billing,inbound,sms,zh-hans\n"
    "K3,A001,,2026-03-10T11:00:00+08:00,,tech,inbound,ivr,en\n"
)


def test_a_csv_of_contacts_is_imported_with_decisions_and_reimport_changes_nothing(integrator, agent_a):
    url = reverse("api-contacts-import")
    first = integrator.post(url, CSV, content_type="text/csv")
    assert first.status_code == 201
    assert first.json() == {"contacts_created": 3, "contacts_unchanged": 0, "invited": 2}
    reasons = dict(Invitation.objects.values_list("contact__external_id", "decision_reason"))
    assert reasons == {"K1": "sampled", "K2": "quarantine", "K3": "sampled"}
    again = integrator.post(url, CSV, content_type="text/csv")
    assert again.json() == {"contacts_created": 0, "contacts_unchanged": 3, "invited": 0}


def test_a_csv_with_one_bad_row_imports_nothing(integrator, agent_a):
    bad = CSV + "K4,A001,,not-a-time,,tech,inbound,ivr,en\n"
    response = integrator.post(reverse("api-contacts-import"), bad, content_type="text/csv")
    assert response.status_code == 400 and "line 5" in str(response.json())
    assert not Contact.objects.exists()


def test_the_monthly_cap_counts_this_months_surveys(agent_a, settings):
    from surveys.contact_import import check_contact
    from surveys.invitations import report_contact

    settings.SURVEY_QUARANTINE_DAYS = 0
    reasons = []
    for day in (2, 3, 4):
        row, _problems = check_contact(_contact(f"M{day}", channel="ivr"))
        contact, _created = report_contact(row, now=NOON_UTC.replace(day=day))
        reasons.append(contact.invitation.decision_reason)
    assert reasons == ["sampled", "sampled", "monthly-cap"]
