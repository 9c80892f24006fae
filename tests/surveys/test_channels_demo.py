"""The demo channels: versions on the seeded demo, unique links, SMS threads, opt-outs and Kano answers."""

import datetime as dt
import random

import pytest
from django.conf import settings

from satisfaction import demo
from surveys.demo import KANO_WEEKS, SMS_LOG_DAYS, seed_channels
from surveys.models import KANO_ITEMS, Answer, Channel, Invitation, Item, OptOut, Response, SmsMessage, phone_digest
from surveys.selectors import form_questions

pytestmark = pytest.mark.django_db

END = dt.date(2026, 3, 31)
SEED = 1
# A twentieth of the real volume keeps each seeding to seconds and still leaves SMS and web answers.
VOLUME = 0.3


def seed(seed: int = SEED) -> dict[str, int]:
    demo.seed_demo("small", seed=seed, end_date=END, contacts_per_agent_day=VOLUME)
    return seed_channels(rng=random.Random(f"{seed}:channels"), end=END)


@pytest.fixture
def counts(_fast_password_hashing) -> dict[str, int]:
    return seed()


@pytest.fixture
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot() -> dict[str, object]:
    """What seed_channels wrote, keyed by the contacts' external ids (database ids differ between seedings)."""
    return {
        "links": sorted(Invitation.objects.values_list("contact__external_id", "token", "completed_at", "expires_at")),
        "texts": sorted(
            SmsMessage.objects.values_list(
                "invitation__contact__external_id", "direction", "provider_sid", "body", "created_at"
            )
        ),
        "kano": sorted(
            Answer.objects.filter(item__in=KANO_ITEMS).values_list(
                "response__contact__external_id", "item", "dimension", "value"
            )
        ),
    }


def test_every_response_and_surveyed_invitation_asks_the_current_version(counts):
    version = Response.objects.first().survey.current_version()
    assert counts["survey_versions"] >= 3  # the demo's survey and the two templates
    assert not Response.objects.exclude(survey_version=version).exists()
    surveyed = Invitation.objects.exclude(status=Invitation.Status.SKIPPED)
    assert not surveyed.exclude(survey_version=version).exists()
    skipped = Invitation.objects.filter(status=Invitation.Status.SKIPPED)
    assert skipped.exists() and not skipped.filter(token__isnull=False).exists()


def test_links_are_unique_and_their_dates_follow_the_status(counts):
    surveyed = Invitation.objects.exclude(status=Invitation.Status.SKIPPED)
    tokens = list(surveyed.values_list("token", flat=True))
    assert counts["survey_links"] == len(tokens) == len(set(tokens)) and None not in tokens
    assert all(len(token) >= 43 for token in tokens)
    ttl = dt.timedelta(hours=settings.SURVEY_INVITATION_TTL_HOURS)
    assert all(i.expires_at == i.created_at + ttl for i in surveyed.filter(channel=Channel.IVR))
    assert not Invitation.objects.filter(completed_at__isnull=False, contact__response__isnull=True).exists()
    web = Invitation.objects.filter(channel=Channel.WEB, contact__response__isnull=False)
    assert web.exists() and not web.filter(completed_at__isnull=True).exists()
    finished = web.first()
    assert finished.completed_at == finished.contact.response.answered_at
    assert finished.last_position == form_questions(finished)[-1].position


def test_the_last_days_sms_invitations_have_their_threads_logged(counts):
    texts = SmsMessage.objects.select_related("invitation")
    assert counts["sms_messages"] == texts.count() > 0
    assert {m.invitation.channel for m in texts} == {Channel.SMS}
    first_day = END - dt.timedelta(days=SMS_LOG_DAYS - 1)
    assert all(m.invitation.created_at.date() >= first_day - dt.timedelta(days=1) for m in texts)
    assert texts.filter(direction=SmsMessage.Direction.OUTBOUND, body__contains="TD").exists()
    assert texts.filter(direction=SmsMessage.Direction.INBOUND).exists()
    answered = texts.filter(direction=SmsMessage.Direction.INBOUND, invitation__contact__response__isnull=False)
    for message in answered:
        assert message.invitation.delivered_at <= message.created_at


def test_opted_out_customers_have_their_opt_out(counts):
    phones = set(Invitation.objects.filter(decision_reason="opt-out").values_list("contact__customer_phone", flat=True))
    assert phones and counts["opt_outs"] >= len(phones)
    stored = set(OptOut.objects.values_list("phone_hash", flat=True))
    assert {phone_digest(phone) for phone in phones} <= stored


def test_recent_web_responses_carry_kano_pairs_per_attribute(counts):
    kano = Answer.objects.filter(item__in=KANO_ITEMS).select_related("response")
    assert counts["kano_answers"] == kano.count() > 0
    since = dt.datetime.combine(END - dt.timedelta(weeks=KANO_WEEKS), dt.time(), tzinfo=dt.UTC)
    assert all(a.response.channel == Channel.WEB and a.response.answered_at >= since for a in kano)
    functional = kano.filter(item=Item.KANO_FUNCTIONAL)
    assert functional.count() == kano.filter(item=Item.KANO_DYSFUNCTIONAL).count()
    assert set(functional.values_list("dimension", flat=True)) == {
        "short-wait",
        "callback",
        "same-agent",
        "sms-summary",
        "knows-history",
    }
    assert set(kano.values_list("value", flat=True)) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_the_same_generator_gives_the_same_rows(_fast_password_hashing):
    seed()
    first = _snapshot()
    seed()
    assert _snapshot() == first
    assert first["texts"] and first["kano"]
