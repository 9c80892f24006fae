"""Demo channels: survey versions and links, SMS threads, opt-outs and Kano answers for the demo centre.

Runs once on a centre just seeded by ``satisfaction.demo.seed_demo``, whose invitations and
responses predate survey versions and links. Every draw comes from the ``rng`` argument and rows
are visited in the order of their contact's external id (``C00000001`` ...), never of database
ids, so the same generator state and end date give the same rows. The links' tokens are drawn
from ``rng`` too and so follow from the seed: demo data only.
"""

import base64
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, OuterRef, PositiveSmallIntegerField, Q, Subquery, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.channels.sms_segments import sms_segments
from surveys.invitations import TOKEN_BYTES
from surveys.models import (
    Answer,
    Channel,
    Contact,
    Invitation,
    Item,
    OptOut,
    Question,
    Response,
    SmsMessage,
    SurveyVersion,
    mask_phone,
    phone_digest,
)
from surveys.services import default_survey
from surveys.sms import invitation_text, question_text
from surveys.survey_flow import channel_form
from surveys.survey_templates import KANO_ATTRIBUTES, ensure_current_version, load_survey_templates

BATCH_SIZE = 2000

# SMS threads are logged for the invitations of the last few days, and a few of those customers
# text an opt-out keyword instead of an answer.
SMS_LOG_DAYS = 3
SMS_OPT_OUT_REPLIES = 3
OPT_OUT_KEYWORDS = ("TD", "退订", "STOP", "unsubscribe")
# Customers whose invitations were skipped for an opt-out texted it this long before the first.
OPT_OUT_LEAD_MINUTES = (10, 60 * 24 * 30)
REPLY_DELAY_SECONDS = (20, 600)
FCR_YES_REPLY, FCR_NO_REPLY = "1", "2"

# SCORING.md §6: Kano pairs on half of the last four weeks' web responses. Each attribute has a
# typical pair, so the demo shows one of each category: must-be, attractive, one-dimensional,
# indifferent (1 like, 2 must-be, 3 neutral, 4 live-with, 5 dislike).
KANO_WEEKS = 4
KANO_SHARE = 0.5
KANO_TYPICAL_SHARE = 0.6
KANO_TYPICAL_PAIRS = {
    "short-wait": (2, 5),
    "callback": (1, 3),
    "same-agent": (1, 5),
    "sms-summary": (3, 3),
    "knows-history": (1, 4),
}
KANO_OTHER_FUNCTIONAL = (1, 2, 3, 4)
KANO_OTHER_DYSFUNCTIONAL = (2, 3, 4, 5)


@dataclass(frozen=True)
class _Thread:
    """One invitation's texts, in the order they were sent and received."""

    invitation: Invitation
    messages: list[SmsMessage]


def seed_channels(*, rng: random.Random, end: dt.date) -> dict[str, int]:
    """Give the seeded demo versions, links, SMS threads, opt-outs and Kano answers; the counts written."""
    with transaction.atomic():
        load_survey_templates()
        version = ensure_current_version(default_survey())
        counts = {"survey_versions": SurveyVersion.objects.count()}
        counts["survey_links"] = _attach_version_and_links(rng, version=version)
        counts["sms_messages"], replied_opt_outs = _log_sms_threads(rng, version=version, end=end)
        counts["opt_outs"] = _opt_out_skipped_customers(rng) + replied_opt_outs
        counts["kano_answers"] = _add_kano_answers(rng, end=end)
    return counts


def _token(rng: random.Random) -> str:
    """A link token of the production length (``secrets.token_urlsafe(TOKEN_BYTES)``), from ``rng``."""
    raw = rng.getrandbits(8 * TOKEN_BYTES).to_bytes(TOKEN_BYTES, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _attach_version_and_links(rng: random.Random, *, version: SurveyVersion) -> int:
    """The version on every response and surveyed invitation, with a token, expiry and completion each.

    As in ``invitations.create_invitation``, an invitation not surveyed keeps no version or link.
    """
    survey_id = version.survey_id
    Response.objects.filter(survey_id=survey_id, survey_version__isnull=True).update(survey_version=version)
    surveyed = Invitation.objects.filter(survey_id=survey_id, token__isnull=True).exclude(
        status=Invitation.Status.SKIPPED
    )
    ttl = dt.timedelta(hours=settings.SURVEY_INVITATION_TTL_HOURS)
    rows = surveyed.order_by("contact__external_id").values_list("pk", "created_at")
    links = [(pk, _token(rng), created_at + ttl) for pk, created_at in rows]
    _set_links(links, version=version)
    # Finished: every web response, and the short forms that reached their fcr question (the
    # demo's IVR and SMS customers who hung up or stopped replying left it unanswered).
    finished = Q(channel=Channel.WEB, contact__response__isnull=False) | Q(contact__response__answers__item=Item.FCR)
    questions = list(version.questions.all())
    last_positions = [
        When(channel=channel, then=Value(form[-1].position))
        for channel in Channel.values
        if (form := channel_form(questions, channel))
    ]
    Invitation.objects.filter(finished, survey_version=version).update(
        completed_at=Subquery(Response.objects.filter(contact_id=OuterRef("contact_id")).values("answered_at")[:1]),
        last_position=Case(*last_positions, default=F("last_position"), output_field=PositiveSmallIntegerField()),
    )
    return len(links)


def _set_links(links: list[tuple[int, str, dt.datetime]], *, version: SurveyVersion) -> None:
    """Each invitation's version, token and expiry, a batch of rows per statement.

    ``bulk_update`` builds a CASE branch per row in Python, half a millisecond each: 20 s for the
    small demo. A join on the batch's values takes a fraction of that on PostgreSQL and SQLite.
    """
    table = connection.ops.quote_name(Invitation._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(links), BATCH_SIZE):
            batch = links[start : start + BATCH_SIZE]
            rows = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"WITH batch (id, token, expires_at) AS (VALUES {rows}) "
                f"UPDATE {table} SET survey_version_id = %s, token = batch.token, expires_at = batch.expires_at "
                f"FROM batch WHERE {table}.id = batch.id",
                [
                    *(
                        value
                        for pk, token, expires_at in batch
                        for value in (pk, token, connection.ops.adapt_datetimefield_value(expires_at))
                    ),
                    version.pk,
                ],
            )


def _log_sms_threads(rng: random.Random, *, version: SurveyVersion, end: dt.date) -> tuple[int, int]:
    """Console SMS logs of the last days' texted invitations; (messages written, opt-outs texted)."""
    tz = timezone.get_default_timezone()
    since = dt.datetime.combine(end - dt.timedelta(days=SMS_LOG_DAYS - 1), dt.time(), tzinfo=tz)
    invitations = list(
        Invitation.objects.filter(survey_version=version, channel=Channel.SMS, created_at__gte=since)
        .select_related("contact__response", "survey_version")
        .order_by("contact__external_id")
    )
    answers: dict[int, dict[tuple[str, str], float | None]] = defaultdict(dict)
    rows = Answer.objects.filter(response__contact__in=[i.contact_id for i in invitations]).values_list(
        "response__contact_id", "item", "dimension", "value"
    )
    for contact_id, item, dimension, value in rows:
        answers[contact_id][(item, dimension)] = value
    form = channel_form(list(Question.objects.filter(version=version)), Channel.SMS)
    quitting = _opt_out_candidates(rng, [i for i in invitations if i.delivered_at and i.contact_id not in answers])
    threads = []
    for invitation in invitations:
        thread = _Thread(invitation, [])
        _outbound(rng, thread, invitation_text(invitation, first=form[0]), at=invitation.created_at)
        if invitation.pk in quitting:
            _opt_out_by_text(rng, thread, keyword=quitting[invitation.pk])
        elif invitation.contact_id in answers:
            _answer_by_text(rng, thread, form=form, answers=answers[invitation.contact_id])
        threads.append(thread)
    if quitting:
        quitters = [t.invitation for t in threads if t.invitation.pk in quitting]
        Invitation.objects.bulk_update(quitters, ["expires_at"])
        OptOut.objects.bulk_create(
            [
                OptOut(
                    phone_hash=phone_digest(i.contact.customer_phone),
                    phone_hint=mask_phone(i.contact.customer_phone),
                    keyword=quitting[i.pk],
                    created_at=i.expires_at,
                )
                for i in quitters
            ],
            ignore_conflicts=True,
        )
    messages = [message for thread in threads for message in thread.messages]
    SmsMessage.objects.bulk_create(messages, batch_size=BATCH_SIZE)
    return len(messages), len(quitting)


def _opt_out_candidates(rng: random.Random, unanswered: list[Invitation]) -> dict[int, str]:
    """A few unanswered invitations whose customer texts an opt-out keyword: invitation id to keyword.

    Only one-off callers, so that no later invitation of theirs contradicts the opt-out.
    """
    phones = {i.contact.customer_phone for i in unanswered}
    once = set(
        Contact.objects.filter(customer_phone__in=phones)
        .values("customer_phone")
        .annotate(contacts=Count("pk"))
        .filter(contacts=1)
        .values_list("customer_phone", flat=True)
    )
    candidates = [i for i in unanswered if i.contact.customer_phone in once]
    chosen = rng.sample(candidates, min(SMS_OPT_OUT_REPLIES, len(candidates)))
    return {i.pk: rng.choice(OPT_OUT_KEYWORDS) for i in sorted(chosen, key=lambda i: i.contact.external_id)}


def _outbound(rng: random.Random, thread: _Thread, body: str, *, at: dt.datetime) -> None:
    delivered = thread.invitation.status == Invitation.Status.DELIVERED
    thread.messages.append(
        SmsMessage(
            invitation=thread.invitation,
            direction=SmsMessage.Direction.OUTBOUND,
            # The console backend's message ids (``ConsoleSmsBackend``).
            provider_sid=f"CONSOLE{rng.getrandbits(128):032x}",
            body=body,
            segments=sms_segments(body),
            status="delivered" if delivered else "failed",
            created_at=at,
            updated_at=at,
        )
    )


def _inbound(rng: random.Random, thread: _Thread, body: str, *, at: dt.datetime) -> None:
    thread.messages.append(
        SmsMessage(
            invitation=thread.invitation,
            direction=SmsMessage.Direction.INBOUND,
            provider_sid=f"SM{rng.getrandbits(128):032x}",
            body=body,
            segments=sms_segments(body),
            status="received",
            created_at=at,
            updated_at=at,
        )
    )


def _answer_by_text(
    rng: random.Random, thread: _Thread, *, form: list[Question], answers: dict[tuple[str, str], float | None]
) -> None:
    """The customer's replies to the form's questions they answered, each question sent after the last reply."""
    invitation = thread.invitation
    asked = [q for q in form if (q.item, q.dimension) in answers]
    start, finish = invitation.delivered_at, invitation.contact.response.answered_at
    steps = 2 * len(asked) + 1
    for index, question in enumerate(asked):
        if index:
            _outbound(
                rng,
                thread,
                question_text(question, language=invitation.language),
                at=start + (finish - start) * (2 * index) / steps,
            )
        _inbound(
            rng,
            thread,
            _reply(question, answers[(question.item, question.dimension)]),
            at=start + (finish - start) * (2 * index + 1) / steps,
        )
    if invitation.completed_at is not None:
        with translation.override(invitation.language):
            _outbound(rng, thread, _("Thank you for your answers!"), at=finish)


def _reply(question: Question, value: float | None) -> str:
    """What the customer texted for ``value``: the digits the question asks for."""
    if question.item == Item.FCR:
        return FCR_YES_REPLY if value else FCR_NO_REPLY
    return str(round(value))


def _opt_out_by_text(rng: random.Random, thread: _Thread, *, keyword: str) -> None:
    """STOP instead of an answer: the link ends at once, and the number is off every survey."""
    invitation = thread.invitation
    at = invitation.delivered_at + dt.timedelta(seconds=rng.randint(*REPLY_DELAY_SECONDS))
    _inbound(rng, thread, keyword, at=at)
    with translation.override(invitation.language):
        _outbound(rng, thread, _("You have been unsubscribed and will receive no more surveys."), at=at)
    invitation.expires_at = min(invitation.expires_at, at)


def _opt_out_skipped_customers(rng: random.Random) -> int:
    """An opt-out for every number whose invitations the demo skipped as opted out."""
    first_skipped: dict[str, dt.datetime] = {}
    rows = (
        Invitation.objects.filter(status=Invitation.Status.SKIPPED, decision_reason="opt-out")
        .order_by("contact__customer_phone", "created_at")
        .values_list("contact__customer_phone", "created_at")
    )
    for phone, created_at in rows:
        first_skipped.setdefault(phone, created_at)
    opt_outs = [
        OptOut(
            phone_hash=phone_digest(phone),
            phone_hint=mask_phone(phone),
            keyword=rng.choice(OPT_OUT_KEYWORDS),
            created_at=created_at - dt.timedelta(minutes=rng.randint(*OPT_OUT_LEAD_MINUTES)),
        )
        for phone, created_at in first_skipped.items()
        if phone
    ]
    # Opt-outs are for good (issue 4): a number that opted out in an earlier seeding stays out.
    OptOut.objects.bulk_create(opt_outs, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(opt_outs)


def _add_kano_answers(rng: random.Random, *, end: dt.date) -> int:
    """Functional and dysfunctional answers per attribute on some of the last weeks' web responses."""
    tz = timezone.get_default_timezone()
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    since = until - dt.timedelta(weeks=KANO_WEEKS)
    responses = (
        Response.objects.filter(channel=Channel.WEB, answered_at__gte=since, answered_at__lt=until)
        .order_by("contact__external_id")
        .values_list("pk", flat=True)
    )
    answers = []
    for response_id in responses:
        if rng.random() >= KANO_SHARE:
            continue
        for code, _english, _chinese in KANO_ATTRIBUTES:
            if rng.random() < KANO_TYPICAL_SHARE:
                functional, dysfunctional = KANO_TYPICAL_PAIRS[code]
            else:
                functional, dysfunctional = rng.choice(KANO_OTHER_FUNCTIONAL), rng.choice(KANO_OTHER_DYSFUNCTIONAL)
            answers += [
                Answer(response_id=response_id, item=Item.KANO_FUNCTIONAL, dimension=code, value=float(functional)),
                Answer(
                    response_id=response_id, item=Item.KANO_DYSFUNCTIONAL, dimension=code, value=float(dysfunctional)
                ),
            ]
    Answer.objects.bulk_create(answers, batch_size=BATCH_SIZE)
    return len(answers)
