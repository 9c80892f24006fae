"""The SMS channel (issue 4): sending invitations, replies to customers' texts, opt-outs, delivery status.

The phone number is read from the contact when a text goes out and never written to a log or
an error (``mask_phone`` where a person must recognise it).
"""

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.answering import (
    AnswerValue,
    Delivery,
    answer_writes_batched,
    claim_delivery,
    locked_sms_invitation,
    record_locked_answers,
)
from surveys.channels.sms_backends import SmsSendError, get_backend
from surveys.channels.sms_replies import Keyword, parse_keyword, parse_scale_reply, parse_yes_no_reply
from surveys.channels.sms_segments import sms_segments
from surveys.invitation_rules import in_quiet_hours, morning_after
from surveys.invitations import invitation_policy
from surveys.models import (
    ITEM_SCALES,
    Channel,
    InboundSms,
    Invitation,
    Item,
    OptOut,
    Question,
    SmsMessage,
    mask_phone,
    phone_digest,
)
from surveys.selectors import form_questions, open_sms_invitation, skip_logic_answers
from surveys.survey_flow import FCR_NO, FCR_YES, next_question

logger = logging.getLogger(__name__)

PROVIDER_TWILIO_SMS = "twilio-sms"
PROVIDER_TWILIO_SMS_STATUS = "twilio-sms-status"
# Twilio's MessageStatus values that end a message's life.
DELIVERED_STATUSES = frozenset({"delivered", "read"})
FAILED_STATUSES = frozenset({"failed", "undelivered"})
# The beat sweep sends at most this many due invitations a run.
SEND_BATCH_SIZE = 200
# Received texts: a worker takes them within a second of the first one, this many per transaction.
INBOX_DEBOUNCE_SECONDS = 1
INBOX_SCHEDULED_KEY = "sms:inbox-scheduled"
INBOX_BATCH_SIZE = 50
INBOX_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmsReply:
    """What the inbound webhook answers the customer with (None: nothing)."""

    text: str | None
    duplicate: bool = False
    # The invitation the reply is about (an answer's or a re-ask's), for the text's log.
    invitation: Invitation | None = None


def public_url(path: str) -> str:
    """An absolute URL on the public site (links in texts, provider callbacks)."""
    return settings.SURVEY_PUBLIC_URL.rstrip("/") + path


def question_text(question: Question, *, language: str) -> str:
    """The question as sent by SMS."""
    return question.text(language)


def invitation_text(invitation: Invitation, *, first: Question | None) -> str:
    """The first text: a web link, or the first question of the SMS form, with how to opt out."""
    with translation.override(invitation.language):
        if invitation.channel == Channel.WEB:
            link = public_url(reverse("survey-web", args=[invitation.token]))
            return _("Thank you for your call. Please rate our service: %(link)s Reply TD to opt out.") % {"link": link}
        return _("Thank you for your call. %(question)s Reply TD to opt out.") % {
            "question": question_text(first, language=invitation.language)
        }


def send_invitation(invitation_id: int, *, now: dt.datetime | None = None) -> bool:
    """Send a queued SMS or web-link invitation once; in quiet hours it waits for the morning."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self", "contact"))
            .select_related("contact", "survey_version")
            .get(pk=invitation_id)
        )
        if invitation.status != Invitation.Status.QUEUED or invitation.channel == Channel.IVR:
            return False
        if invitation.send_after and invitation.send_after > now:
            return False
        local = now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        policy = invitation_policy()
        if in_quiet_hours(local.time(), policy):
            invitation.send_after = morning_after(local, policy)
            invitation.save(update_fields=["send_after"])
            return False
        if OptOut.objects.filter(phone_hash=phone_digest(invitation.contact.customer_phone)).exists():
            invitation.status, invitation.decision_reason = Invitation.Status.SKIPPED, "opt-out"
            invitation.save(update_fields=["status", "decision_reason"])
            return False
        first = next_question(form_questions(invitation), answers={}, after=0)
        body = invitation_text(invitation, first=first)
        try:
            sent = get_backend().send(
                to=invitation.contact.customer_phone,
                body=body,
                status_callback=public_url(reverse("sms-twilio-status")),
            )
        except SmsSendError as exc:
            logger.warning("Invitation %s: SMS not sent: %s", invitation.pk, exc)
            invitation.status = Invitation.Status.FAILED
            invitation.save(update_fields=["status"])
            return False
        SmsMessage.objects.create(
            invitation=invitation,
            direction=SmsMessage.Direction.OUTBOUND,
            provider_sid=sent.sid,
            body=body,
            segments=sms_segments(body),
            status=sent.status,
        )
        invitation.status = Invitation.Status.SENT
        if sent.status in DELIVERED_STATUSES:
            invitation.status, invitation.delivered_at = Invitation.Status.DELIVERED, now
        invitation.save(update_fields=["status", "delivered_at"])
    return True


def due_invitation_ids(*, now: dt.datetime) -> list[int]:
    """Queued texted invitations whose time has come (quiet hours over, or queued while Redis was down)."""
    return list(
        Invitation.objects.filter(
            status=Invitation.Status.QUEUED, channel__in=[Channel.SMS, Channel.WEB], expires_at__gt=now
        )
        .exclude(send_after__gt=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SEND_BATCH_SIZE]
    )


def receive_sms(*, message_sid: str, phone: str, body: str, now: dt.datetime | None = None) -> SmsReply:
    """The inbound webhook's part: what to answer Twilio with, at once.

    STOP and HELP are answered here (an opt-out takes effect before the provider hears back).
    Any other text is put in the inbox, one row committed before the response, and a worker
    stores its answer and texts the next question (``process_inbox``): the webhook costs one
    insert, and a retried delivery (same MessageSid) inserts nothing.
    """
    if parse_keyword(body) in (Keyword.STOP, Keyword.HELP):
        return handle_inbound_sms(message_sid=message_sid, phone=phone, body=body, now=now)
    sql = (
        f"INSERT INTO {InboundSms._meta.db_table} (message_sid, phone, body, received_at, attempts, error)"
        " VALUES (%s, %s, %s, %s, 0, '') ON CONFLICT (message_sid) DO NOTHING RETURNING id"
    )
    received = connection.ops.adapt_datetimefield_value(now or timezone.now())
    # One statement, so no transaction block around it: in autocommit it is committed when it
    # returns (no BEGIN and COMMIT round trips), and on_commit then queues the worker at once;
    # inside a caller's transaction, after that commits.
    with connection.cursor() as cursor:
        cursor.execute(sql, [message_sid, phone, body, received])
        inserted = cursor.fetchone() is not None
    if inserted:
        transaction.on_commit(schedule_inbox)
    return SmsReply(None, duplicate=not inserted)


def schedule_inbox() -> None:
    """Ask a worker to process the inbox within ``INBOX_DEBOUNCE_SECONDS``; a down broker only delays
    it until the beat sweep (the texts are committed already)."""
    from satisfaction.tasks import schedule_debounced
    from surveys.tasks import process_sms_inbox_task

    schedule_debounced(process_sms_inbox_task, key=INBOX_SCHEDULED_KEY, seconds=INBOX_DEBOUNCE_SECONDS)


def process_inbox(*, batch_size: int = INBOX_BATCH_SIZE) -> int:
    """Store the answers of up to ``batch_size`` received texts and text each customer back.

    Several workers may drain at once: each locks (SKIP LOCKED) the oldest waiting text of each
    number, so one customer's texts are answered in the order they came. The batch is one
    transaction; the replies are sent after its commit (a text is never sent for an answer that
    was rolled back). When a text fails, the batch is rolled back and its texts are taken one at
    a time, so only the failing one is retried, and set aside after ``INBOX_MAX_ATTEMPTS``.
    Returns how many texts were processed or set aside.
    """
    try:
        taken = _process_batch(batch_size, taken=[])
    except DatabaseError:
        raise
    except Exception:  # noqa: BLE001 - one bad text must not hold up the others
        return _process_one_by_one(batch_size)
    return taken


def _process_batch(limit: int, *, taken: list[int]) -> int:
    """Up to ``limit`` texts in one transaction, their replies sent after its commit; how many were
    taken. ``taken`` receives their ids as they are taken, so a caller can tell which one failed."""
    with transaction.atomic(), answer_writes_batched():
        rows = _next_inbound(limit)
        taken += [row.pk for row in rows]
        replies = _log_replies([(row, _process_inbound(row)) for row in rows])
        _mark_processed(taken)
    _send_replies(replies)
    return len(rows)


def _process_one_by_one(limit: int) -> int:
    done = 0
    while done < limit:
        taken: list[int] = []
        try:
            if not _process_batch(1, taken=taken):
                break
        except DatabaseError:
            raise
        except Exception as exc:
            if not taken:
                raise
            # Tried again at once (it is still the oldest) until it is set aside.
            done += _record_failure(taken[0], exc)
            continue
        done += 1
    return done


# The oldest waiting text of each number, oldest first; a number whose oldest text another worker
# holds (locked) has none taken here, so its later texts wait for that one.
_NEXT_INBOUND_SQL = (
    f"SELECT * FROM {InboundSms._meta.db_table} WHERE id IN ("
    f" SELECT DISTINCT ON (phone) id FROM {InboundSms._meta.db_table}"
    " WHERE processed_at IS NULL ORDER BY phone, id"
    ") ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)


def _next_inbound(limit: int) -> list[InboundSms]:
    if connection.vendor == "postgresql":
        return list(InboundSms.objects.raw(_NEXT_INBOUND_SQL, [limit]))
    # Elsewhere (the demo's SQLite: one process, tasks in-process) nothing is taken concurrently.
    rows, numbers = [], set()
    for row in InboundSms.objects.filter(processed_at__isnull=True).order_by("pk"):
        if row.phone not in numbers:
            numbers.add(row.phone)
            rows.append(row)
    return rows[:limit]


@dataclass(frozen=True)
class _PendingReply:
    message: SmsMessage
    phone: str


def _process_inbound(row: InboundSms) -> SmsReply | None:
    """The text's answer stored, in the caller's transaction; the reply to send, if any."""
    reply = handle_inbound_sms(
        message_sid=row.message_sid, phone=row.phone, body=row.body, now=row.received_at, from_inbox=True
    )
    # An invitation that ended since the text came in (expired, or its number opted out) keeps the
    # answer and sends nothing more.
    if not reply.text or (reply.invitation is not None and reply.invitation.expires_at <= timezone.now()):
        return None
    return reply


def _log_replies(processed: list[tuple[InboundSms, SmsReply | None]]) -> list[_PendingReply]:
    """The replies logged (one INSERT for the batch), before the commit, as "sending"."""
    pending = [
        _PendingReply(
            SmsMessage(
                invitation=reply.invitation,
                direction=SmsMessage.Direction.OUTBOUND,
                body=reply.text,
                segments=sms_segments(reply.text),
                status="sending",
            ),
            row.phone,
        )
        for row, reply in processed
        if reply is not None
    ]
    SmsMessage.objects.bulk_create([p.message for p in pending])
    return pending


def _mark_processed(pks: list[int]) -> None:
    """The texts are done: their number and text are blanked (the answers are stored)."""
    if pks:
        InboundSms.objects.filter(pk__in=pks).update(phone="", body="", processed_at=timezone.now())


def _send_replies(replies: list[_PendingReply]) -> None:
    """Send the logged replies, then record each one's provider id and status (one UPDATE)."""
    if not replies:
        return
    backend = get_backend()
    callback = public_url(reverse("sms-twilio-status"))
    now = timezone.now()
    for reply in replies:
        message = reply.message
        message.updated_at = now
        try:
            sent = backend.send(to=reply.phone, body=message.body, status_callback=callback)
        except Exception as exc:  # noqa: BLE001 - a refusal or the provider unreachable: the other replies still go out
            # A backend's SmsSendError names no number; of anything else (a network error's text can
            # quote the request) only the class is logged.
            reason = str(exc) if isinstance(exc, SmsSendError) else type(exc).__name__
            logger.warning("Reply %s: SMS not sent (%s)", message.pk, reason)
            message.status = "failed"
            continue
        message.provider_sid, message.status = sent.sid, sent.status
    _record_sent([r.message for r in replies], now=now)


def _record_sent(messages: list[SmsMessage], *, now: dt.datetime) -> None:
    """Each message's provider id and status in one UPDATE on PostgreSQL (``bulk_update`` builds a
    CASE expression per row and field: 1.8 ms of CPU a text)."""
    if connection.vendor != "postgresql":
        for message in messages:
            SmsMessage.objects.filter(pk=message.pk).update(
                provider_sid=message.provider_sid, status=message.status, updated_at=now
            )
        return
    rows = ", ".join(["(%s, %s, %s)"] * len(messages))
    sql = (
        f"UPDATE {SmsMessage._meta.db_table} AS m SET provider_sid = v.sid, status = v.status, updated_at = %s"
        f" FROM (VALUES {rows}) AS v (id, sid, status) WHERE m.id = v.id"
    )
    params = [now, *(p for m in messages for p in (m.pk, m.provider_sid, m.status))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _record_failure(pk: int, exc: Exception) -> bool:
    """One more failed attempt at a text; after ``INBOX_MAX_ATTEMPTS`` it is set aside for a person (True)."""
    with transaction.atomic():
        row = InboundSms.objects.select_for_update().get(pk=pk)
        row.attempts += 1
        # The exception's class only: its message could quote the number or the text.
        row.error = type(exc).__name__[:200]
        if row.attempts >= INBOX_MAX_ATTEMPTS:
            row.processed_at = timezone.now()
            logger.error("Received text %s set aside after %s attempts (%s)", row.message_sid, row.attempts, row.error)
        row.save(update_fields=["attempts", "error", "processed_at"])
    return row.processed_at is not None


def handle_inbound_sms(
    *, message_sid: str, phone: str, body: str, now: dt.datetime | None = None, from_inbox: bool = False
) -> SmsReply:
    """A customer's text: opt-out and help keywords, or the answer to the open question.

    ``now`` is when the text was received: the invitation open then is the one answered. Returns
    the reply with the invitation it is about; the caller sends it (TwiML or the SMS backend).
    A text ``from_inbox`` was recorded once already, under its MessageSid, by the inbox's own
    unique key, and is processed once under its row's lock: no delivery row is written for it.
    """
    now = now or timezone.now()
    delivery = None if from_inbox else Delivery(PROVIDER_TWILIO_SMS, message_sid, "sms-inbound")
    keyword = parse_keyword(body)
    if keyword == Keyword.STOP:
        return _opt_out(phone=phone, delivery=delivery, now=now, keyword=body.strip()[:32])
    # One transaction (or the inbox batch's): the invitation found and locked in one statement, the
    # answer stored under the lock, and the reply logged before the commit.
    with transaction.atomic(savepoint=False):
        invitation = locked_sms_invitation(phone, now=now)
        language = invitation.language if invitation else settings.LANGUAGE_CODE
        if keyword == Keyword.HELP:
            if not claim_delivery(delivery, invitation=invitation, now=now):
                return SmsReply(None, duplicate=True)
            with translation.override(language):
                return SmsReply(_("Customer survey: reply with the number the question asks for. Reply TD to opt out."))
        if invitation is None:
            # Nothing to answer: record the delivery so a retry is recognised, and reveal nothing.
            return SmsReply(None, duplicate=not _claim(delivery, invitation=None, now=now))
        form = form_questions(invitation)
        answers = skip_logic_answers(invitation, form=form)
        question = next_question(form, answers=answers, after=invitation.last_position)
        if question is None:
            return SmsReply(None)
        value = _parse_reply(question, body)
        if value is None:
            return _reask(invitation=invitation, question=question, delivery=delivery)
        number, text = value
        recorded = record_locked_answers(
            invitation,
            values=[AnswerValue(question, number, text)],
            delivery=delivery,
            now=now,
            form=form,
            answers=answers,
        )
        if recorded.duplicate:
            return SmsReply(None, duplicate=True)
        with translation.override(invitation.language):
            if recorded.next_question is None:
                reply = _("Thank you for your answers!")
            else:
                reply = question_text(recorded.next_question, language=invitation.language)
    return SmsReply(reply, invitation=invitation)


def _parse_reply(question: Question, body: str) -> tuple[float | None, str] | None:
    if question.item == Item.COMMENT:
        text = body.strip()
        return (None, text[:4000]) if text else None
    if question.item == Item.FCR:
        answer = parse_yes_no_reply(body)
        return None if answer is None else ((FCR_YES if answer else FCR_NO), "")
    low, high = ITEM_SCALES[question.item]
    number = parse_scale_reply(body, low=low, high=high)
    return None if number is None else (float(number), "")


def _reask(*, invitation: Invitation, question: Question, delivery: Delivery | None) -> SmsReply:
    """One clear re-ask after a reply that makes no sense; after that, silence (no loop of texts).

    Called with the invitation locked in the caller's transaction.
    """
    if not _claim(delivery, invitation=invitation):
        return SmsReply(None, duplicate=True)
    if invitation.reasks >= 1:
        return SmsReply(None)
    invitation.reasks += 1
    invitation.save(update_fields=["reasks"])
    with translation.override(invitation.language):
        reply = _("Sorry, we did not understand. %(question)s") % {
            "question": question_text(question, language=invitation.language)
        }
    return SmsReply(reply, invitation=invitation)


def _claim(delivery: Delivery | None, *, invitation: Invitation | None, now: dt.datetime | None = None) -> bool:
    """``claim_delivery``, for a text that has a delivery row to claim (not one from the inbox)."""
    return delivery is None or claim_delivery(delivery, invitation=invitation, now=now)


def _opt_out(*, phone: str, delivery: Delivery, now: dt.datetime, keyword: str) -> SmsReply:
    """STOP, UNSUBSCRIBE, 退订, TD: the number is off every survey at once and for good."""
    open_invitation = open_sms_invitation(phone, now=now)
    language = open_invitation.language if open_invitation else settings.LANGUAGE_CODE
    with transaction.atomic():
        if not claim_delivery(delivery, invitation=open_invitation):
            return SmsReply(None, duplicate=True)
        OptOut.objects.get_or_create(
            phone_hash=phone_digest(phone),
            defaults={"phone_hint": mask_phone(phone), "keyword": keyword, "created_at": now},
        )
        # Open and queued surveys of this number end now: no further question is sent.
        Invitation.objects.filter(contact__customer_phone=phone, completed_at__isnull=True).exclude(
            status=Invitation.Status.SKIPPED
        ).update(expires_at=now)
        Invitation.objects.filter(contact__customer_phone=phone, status=Invitation.Status.QUEUED).update(
            status=Invitation.Status.SKIPPED, decision_reason="opt-out"
        )
    with translation.override(language):
        return SmsReply(_("You have been unsubscribed and will receive no more surveys."))


def record_sms_status(*, message_sid: str, status: str, error_code: str = "", now: dt.datetime | None = None) -> bool:
    """A delivery status callback: kept once per (message, status); delivery marks the invitation."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update(of=("self",))
            .select_related("invitation")
            .filter(provider_sid=message_sid)
            .first()
        )
        invitation = message.invitation if message else None
        if not claim_delivery(
            Delivery(PROVIDER_TWILIO_SMS_STATUS, f"{message_sid}:{status}", "sms-status"), invitation=invitation
        ):
            return False
        if message is None:
            return True
        message.status, message.error_code, message.updated_at = status, error_code[:16], now
        message.save(update_fields=["status", "error_code", "updated_at"])
        if invitation is not None and invitation.status in (Invitation.Status.SENT, Invitation.Status.QUEUED):
            if status in DELIVERED_STATUSES:
                invitation.status, invitation.delivered_at = Invitation.Status.DELIVERED, now
            elif status in FAILED_STATUSES:
                invitation.status = Invitation.Status.FAILED
            invitation.save(update_fields=["status", "delivered_at"])
    return True
