"""The answer path's building blocks (issue 4): delivery claims, stale marks, the locked lookups."""

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from twilio.request_validator import RequestValidator

from satisfaction.models import DirtyChunk
from satisfaction.querycache import ReusableQuery, placeholder
from surveys import sms
from surveys.answering import (
    AnswerValue,
    Delivery,
    claim_delivery,
    locked_invitation_for_token,
    locked_invitation_query,
    locked_ivr_invitation,
    locked_sms_invitation,
    record_answers,
)
from surveys.channels.signatures import hmac_signature
from surveys.models import Answer, Invitation, Response, SmsMessage, WebhookDelivery
from surveys.selectors import answers_so_far, form_questions
from surveys.services import mark_response_stale, mark_responses_stale
from tests.factories import AgentFactory, ContactFactory, IntegrationFactory, InvitationFactory, TeamFactory

pytestmark = pytest.mark.django_db
TOKEN = "twilio-auth-token-for-tests"


def _marks() -> list[tuple[str, dt.date, dt.date | None]]:
    return sorted(DirtyChunk.objects.values_list("site", "month", "day"))


def test_a_delivery_is_claimed_once_and_a_retry_leaves_the_transaction_usable():
    delivery = Delivery("acme", "D1", "test")
    with transaction.atomic():
        assert claim_delivery(delivery, invitation=None) is True
        assert claim_delivery(delivery, invitation=None) is False
        # No IntegrityError and no savepoint: the transaction goes on.
        assert WebhookDelivery.objects.filter(provider="acme").count() == 1
    assert claim_delivery(Delivery("acme", "D2", "test"), invitation=None) is True


def test_one_statement_marks_the_same_chunks_as_the_batch_marking(site_a, site_b, team_a):
    # The agent moved to a team of another site after the contact: both sites' chunks are stale.
    moved = AgentFactory(team=TeamFactory(site=site_b))
    contact = ContactFactory(agent=moved, team=team_a, site=site_a)
    # A Monday-week that starts in the previous month: two months are marked.
    response = Response.objects.create(
        contact=contact,
        survey=InvitationFactory(contact=contact).survey,
        channel="web",
        answered_at=dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC),
        agent=moved,
        team=team_a,
        site=site_a,
    )
    mark_responses_stale([response])
    expected = _marks()
    DirtyChunk.objects.all().delete()
    mark_response_stale(response)
    assert _marks() == expected
    assert {site for site, _month, _day in expected} == {"site-a", "site-b", "centre"}
    assert {month for _site, month, _day in expected} == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}
    # The answer's local day (20:00 in Shanghai): only its day's, week's and month's periods are redone.
    assert {day for _site, _month, day in expected} == {dt.date(2026, 4, 1)}


# A real new connection: outside the test's transaction (closing inside it would end the test).
@pytest.mark.django_db(transaction=True)
def test_the_mark_statement_is_prepared_once_per_connection_and_again_on_a_new_one(team_a, site_a):
    contact = ContactFactory(team=team_a, site=site_a, agent=AgentFactory(team=team_a))
    response = Response.objects.create(
        contact=contact,
        survey=InvitationFactory(contact=contact).survey,
        channel="web",
        answered_at=dt.datetime(2026, 6, 10, 3, tzinfo=dt.UTC),
        agent=contact.agent,
        team=team_a,
        site=site_a,
    )
    expected = [
        ("centre", dt.date(2026, 6, 1), dt.date(2026, 6, 10)),
        ("site-a", dt.date(2026, 6, 1), dt.date(2026, 6, 10)),
    ]

    def marked(times: int) -> list[str]:
        DirtyChunk.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            for _ in range(times):
                mark_response_stale(response)
        assert _marks() == sorted(expected * times)
        return [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]

    # A rolled-back transaction keeps the statement (PREPARE is not transactional).
    with pytest.raises(RuntimeError), transaction.atomic():
        mark_response_stale(response)
        raise RuntimeError("roll back")
    assert marked(3) == ["EXECUTE"] * 3
    # A new connection (CONN_MAX_AGE over, or a lost one) has no prepared statements: it prepares again.
    connection.close()
    assert marked(2) == ["PREPARE", "EXECUTE", "EXECUTE"]


def test_the_locked_lookups_read_what_the_orm_reads(django_assert_num_queries):
    invitation = InvitationFactory(channel="web")
    with transaction.atomic():
        found = locked_invitation_for_token(invitation.token)
        expected = locked_invitation_query().get(pk=invitation.pk)
    assert found is not None and found.pk == invitation.pk
    for name in ("token", "status", "expires_at", "last_position", "survey_version_id"):
        assert getattr(found, name) == getattr(expected, name)
    # The joined objects come with it: no further query for the version, contact or (missing) response.
    with django_assert_num_queries(0):
        assert found.survey_version.pk == invitation.survey_version_id
        assert found.contact.external_id == invitation.contact.external_id
        with pytest.raises(Response.DoesNotExist):
            found.contact.response  # noqa: B018
    with transaction.atomic():
        assert locked_invitation_for_token("no-such-token") is None
        assert locked_invitation_for_token("") is None


def test_the_locked_channel_lookups_find_only_open_surveys():
    now = dt.datetime.now(dt.UTC)
    texted = InvitationFactory(channel="sms", contact=ContactFactory(customer_phone="+8613800000001"))
    called = InvitationFactory(channel="ivr")
    skipped = InvitationFactory(channel="ivr", status="skipped")
    with transaction.atomic():
        assert locked_sms_invitation("+8613800000001", now=now).pk == texted.pk
        assert locked_sms_invitation("+8613800000001", now=texted.expires_at) is None
        assert locked_sms_invitation("+8613800000002", now=now) is None
        assert locked_ivr_invitation(called.contact.external_id).pk == called.pk
        assert locked_ivr_invitation(skipped.contact.external_id) is None


def test_a_reusable_query_refuses_a_placeholder_missing_from_its_parameters():
    query = ReusableQuery(lambda token, _unused: Invitation.objects.filter(token=token), kinds=(str, str))
    with pytest.raises(ValueError, match="placeholder"), transaction.atomic():
        query.first("x", "y")
    assert placeholder(0) != placeholder(1)


def test_answers_of_a_locked_invitation_come_with_its_lock(django_assert_num_queries):
    invitation = InvitationFactory(channel="sms")
    first = form_questions(invitation)[0]
    record_answers(invitation_id=invitation.pk, values=[AnswerValue(first, 4.0)])
    expected = {(first.item, first.dimension): 4.0}
    with transaction.atomic():
        locked = locked_invitation_for_token(invitation.token)
        with django_assert_num_queries(0):
            assert answers_so_far(locked) == expected
    # Read apart (the ORM's own lookup), they take one query, without a join.
    joined = Invitation.objects.select_related("contact__response").get(pk=invitation.pk)
    with django_assert_num_queries(1) as queries:
        assert answers_so_far(joined) == expected
    assert "JOIN" not in queries.captured_queries[0]["sql"]
    fresh = InvitationFactory(channel="sms")
    with transaction.atomic():
        locked = locked_invitation_for_token(fresh.token)
        with django_assert_num_queries(0):
            assert answers_so_far(locked) == {}


def test_an_sms_answer_and_its_reply_are_committed_together(client, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    invitation = InvitationFactory(channel="sms")
    params = {"MessageSid": "SM-together", "From": invitation.contact.customer_phone, "Body": "4"}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver/hooks/sms/twilio/", params)
    assert client.post("/hooks/sms/twilio/", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200
    # The webhook keeps the text; the worker's batch stores the answer and logs the reply in one commit.
    assert not Answer.objects.exists()
    assert sms.process_inbox() == 1
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 1
    assert SmsMessage.objects.filter(invitation=invitation, direction="out").count() == 1


def test_nul_characters_in_webhook_fields_answer_400_and_write_nothing(client, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    integration = IntegrationFactory()
    invitation = InvitationFactory(channel="ivr")
    body = json.dumps({"event_id": "E\x00", "contact_id": invitation.contact.external_id + "\x00", "digits": "4"})
    raw = body.encode()
    posted = client.post(
        reverse("ivr-event", args=[integration.name]),
        raw,
        content_type="application/json",
        HTTP_X_SIGNATURE_SHA256=hmac_signature(integration.secret, raw),
    )
    assert posted.status_code == 400
    assert "NUL" in json.dumps(posted.json())
    params = {"MessageSid": "SM-nul", "From": "+8613812345678", "Body": "4\x00"}
    signature = RequestValidator(TOKEN).compute_signature("http://testserver/hooks/sms/twilio/", params)
    assert client.post("/hooks/sms/twilio/", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 400
    assert not WebhookDelivery.objects.exists() and not Answer.objects.exists()


def test_a_response_carries_its_contact_queue_for_the_queue_cut():
    invitation = InvitationFactory(channel="web", contact=ContactFactory(queue="billing"))
    question = form_questions(invitation)[0]
    record_answers(invitation_id=invitation.pk, values=[AnswerValue(question, 4.0)])
    assert Response.objects.get(contact=invitation.contact).queue == "billing"


def test_a_contact_queue_changed_in_the_admin_moves_its_response_and_marks_it_stale(rf, admin_user):
    from django.contrib.admin import site

    from surveys.admin import ContactAdmin

    invitation = InvitationFactory(channel="web", contact=ContactFactory(queue="billing"))
    record_answers(invitation_id=invitation.pk, values=[AnswerValue(form_questions(invitation)[0], 4.0)])
    DirtyChunk.objects.all().delete()
    contact = invitation.contact
    contact.queue = "sales"
    request = rf.post("/")
    request.user = admin_user

    class Form:
        changed_data = ["queue"]

    ContactAdmin(type(contact), site).save_model(request, contact, Form(), change=True)
    assert Response.objects.get(contact=contact).queue == "sales"
    assert {site for site, _month, _day in _marks()} == {contact.site.code, "centre"}
