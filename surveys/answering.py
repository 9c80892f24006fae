"""Storing customers' answers from every channel (DESIGN.md flow 2): once, durably, before any task.

Each call locks the invitation, records the webhook delivery first (its unique key turns a retried
delivery into a no-op: INSERT ... ON CONFLICT DO NOTHING), writes the answers, marks the response's
score chunks stale in the same transaction, and queues the recompute and comment classification
only after commit, so a down Redis loses nothing: the beat sweeps pick the stale chunks up.
"""

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from satisfaction.exceptions import Conflict
from satisfaction.querycache import PreparedStatement, ReusableQuery
from satisfaction.tasks import schedule_recompute
from surveys.models import Answer, Channel, Invitation, Item, Question, Response, WebhookDelivery
from surveys.selectors import ANSWERS_SO_FAR, form_questions, open_sms_invitations, skip_logic_answers
from surveys.services import (
    mark_response_params,
    mark_response_sql,
    mark_response_stale_statement,
    mark_responses_stale,
    schedule_comment_classification,
)
from surveys.survey_flow import AnswerKey, next_question


@dataclass(frozen=True)
class Delivery:
    """A webhook delivery's identity: provider (with the integration) and its id (MessageSid, ...)."""

    provider: str
    delivery_id: str
    kind: str


@dataclass(frozen=True)
class AnswerValue:
    question: Question
    value: float | None
    text: str = ""


@dataclass(frozen=True)
class Recorded:
    invitation: Invitation
    duplicate: bool
    next_question: Question | None
    completed: bool


def claim_delivery(delivery: Delivery, *, invitation: Invitation | None, now: dt.datetime | None = None) -> bool:
    """Insert the delivery's row; False when it was already recorded (a retry).

    INSERT ... ON CONFLICT DO NOTHING: a retry raises nothing, so no savepoint is needed and the
    caller's transaction goes on. A concurrent duplicate waits for the first one's commit.
    """
    sql = (
        f"INSERT INTO {WebhookDelivery._meta.db_table} (provider, delivery_id, kind, invitation_id, received_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id"
    )
    received = connection.ops.adapt_datetimefield_value(now or timezone.now())
    params = [delivery.provider, delivery.delivery_id, delivery.kind, invitation.pk if invitation else None, received]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def record_answers(
    *,
    invitation_id: int,
    values: list[AnswerValue],
    passed_up_to: int | None = None,
    delivery: Delivery | None = None,
    now: dt.datetime | None = None,
    form: Sequence[Question] | None = None,
) -> Recorded:
    """Store answers for an open invitation and move its position on; a repeated delivery stores nothing.

    ``passed_up_to`` moves past questions left unanswered (a skipped comment, a keypad timeout).
    ``form`` is the invitation's form when the caller has read it already (the channels all have).
    """
    with transaction.atomic():
        return record_locked_answers(
            _locked_invitation(invitation_id),
            values=values,
            passed_up_to=passed_up_to,
            delivery=delivery,
            now=now,
            form=form,
        )


def record_locked_answers(
    invitation: Invitation,
    *,
    values: list[AnswerValue],
    passed_up_to: int | None = None,
    delivery: Delivery | None = None,
    now: dt.datetime | None = None,
    form: Sequence[Question] | None = None,
    answers: dict[AnswerKey, float | None] | None = None,
) -> Recorded:
    """``record_answers`` for a caller that locked the invitation in its own transaction.

    The invitation must come from ``locked_invitation_query`` (locked, with its contact and the
    contact's response) inside ``transaction.atomic``; ``Conflict`` rolls that transaction back.
    ``answers`` are the skip-logic answers the caller read under the same lock, if it did.
    """
    now = now or timezone.now()
    if form is None:
        form = form_questions(invitation)
    # The delivery is the first write: a retry ends here with nothing written.
    if delivery is not None and not claim_delivery(delivery, invitation=invitation, now=now):
        known = skip_logic_answers(invitation, form=form) if answers is None else answers
        following = next_question(form, answers=known, after=invitation.last_position)
        return Recorded(invitation, duplicate=True, next_question=following, completed=following is None)
    if not invitation.is_open(now):
        raise Conflict(_("This survey is closed."))
    known = skip_logic_answers(invitation, form=form) if answers is None else answers
    response = _response_for(invitation, now=now)
    following = _move_on(invitation, values=values, passed_up_to=passed_up_to, form=form, answers=known, now=now)
    batch = _write_batch.get()
    if batch is None:
        # The answers, the invitation's progress and the stale marks: one round trip on PostgreSQL.
        _send_together(
            _upsert_answers_statement([(response.pk, values)]),
            _progress_statement([invitation]),
            mark_response_stale_statement(response) if values else None,
        )
    else:
        batch.answers.append((response, values))
        batch.invitations[invitation.pk] = invitation  # its state when the batch ends is written
        if values:
            batch.marks.append(response)
    _schedule_after_commit(values)
    return Recorded(invitation, duplicate=False, next_question=following, completed=following is None)


def _schedule_after_commit(values: list[AnswerValue]) -> None:
    """Once the answers are committed (at once in autocommit): the recompute they make stale, and
    the classification of a comment among them."""
    if values:
        transaction.on_commit(schedule_recompute)
        if any(a.question.item == Item.COMMENT and a.text for a in values):
            transaction.on_commit(schedule_comment_classification)


def _move_on(
    invitation: Invitation,
    *,
    values: list[AnswerValue],
    passed_up_to: int | None,
    form: Sequence[Question],
    answers: dict[AnswerKey, float | None],
    now: dt.datetime,
) -> Question | None:
    """Move the invitation past the answered questions (and ``passed_up_to``); the question that follows."""
    known = dict(answers)
    for value in values:
        known[(value.question.item, value.question.dimension)] = value.value
    positions = [a.question.position for a in values]
    if passed_up_to is not None:
        positions.append(passed_up_to)
    invitation.last_position = max([invitation.last_position, *positions])
    invitation.reasks = 0
    following = next_question(form, answers=known, after=invitation.last_position)
    if following is None:
        invitation.completed_at = now
    if invitation.delivered_at is None:
        # An answer proves delivery even when the provider's callback never came.
        invitation.delivered_at = now
        invitation.status = Invitation.Status.DELIVERED
    return following


@dataclass
class _WriteBatch:
    """Writes of many answers (different invitations) held until the end of their transaction."""

    responses: list[Response] = field(default_factory=list)
    answers: list[tuple[Response, list[AnswerValue]]] = field(default_factory=list)
    invitations: dict[int, Invitation] = field(default_factory=dict)
    marks: list[Response] = field(default_factory=list)


_write_batch: ContextVar[_WriteBatch | None] = ContextVar("answer_write_batch", default=None)


@contextmanager
def answer_writes_batched() -> Iterator[None]:
    """Answers recorded inside are written at the end in a few statements for all of them.

    For a caller storing answers to many invitations in one transaction (the SMS inbox's batch):
    the new responses in one INSERT, the answers in one upsert, the invitations' progress in one
    UPDATE and the stale marks in one read and one insert, instead of four or five statements an
    answer. Everything is read as before, under each invitation's lock; only the writes wait.
    Use it inside the transaction, for answers to distinct invitations. PostgreSQL only
    (elsewhere each write goes out at once, as without it).
    """
    if connection.vendor != "postgresql":
        yield
        return
    batch = _WriteBatch()
    token = _write_batch.set(batch)
    try:
        yield
    finally:
        _write_batch.reset(token)
    _insert_responses(batch.responses)
    _send_together(
        _upsert_answers_statement([(response.pk, values) for response, values in batch.answers]),
        _progress_statement(list(batch.invitations.values())),
    )
    mark_responses_stale(batch.marks)


def _send_together(*statements: tuple[str, list] | None) -> None:
    """Run the statements (``None`` ones left out): in one round trip on PostgreSQL, which takes
    several statements in one query string; one by one elsewhere. Nothing is read back."""
    statements = [statement for statement in statements if statement is not None]
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
            return
        for sql, params in statements:
            cursor.execute(sql, params)


def locked_invitation_query() -> QuerySet[Invitation]:
    """Invitations locked (their row only) with the version, the contact and the contact's response if any.

    One statement finds, locks and joins what storing an answer needs; callers add the lookup.
    On PostgreSQL it also brings the contact's answers so far (``ANSWERS_SO_FAR``), which the
    skip logic reads: one round trip less per answer.
    """
    return _answer_invitation_query().select_for_update(of=("self",))


def _answer_invitation_query() -> QuerySet[Invitation]:
    """``locked_invitation_query`` without the lock (``invitation_for_web_answer``)."""
    query = Invitation.objects.select_related("survey_version", "contact__response")
    if connection.vendor == "postgresql":
        query = query.annotate(**{ANSWERS_SO_FAR: RawSQL(_ANSWERS_SO_FAR_SQL, ())})
    return query


# Each answer of the invitation's contact as [item, dimension, value], or null without any.
_ANSWERS_SO_FAR_SQL = (
    f"SELECT json_agg(json_build_array(a.item, a.dimension, a.value)) FROM {Answer._meta.db_table} a"
    f" JOIN {Response._meta.db_table} r ON r.id = a.response_id"
    f" WHERE r.contact_id = {Invitation._meta.db_table}.contact_id"
)


# The lookups every answer makes, compiled once per process (satisfaction/querycache.py).
_BY_PK = ReusableQuery(lambda pk: locked_invitation_query().filter(pk=pk), kinds=(int,))
_BY_TOKEN = ReusableQuery(
    lambda token: locked_invitation_query().exclude(status=Invitation.Status.SKIPPED).filter(token=token), kinds=(str,)
)
_BY_IVR_CONTACT = ReusableQuery(
    lambda external_id: (
        locked_invitation_query()
        .filter(contact__external_id=external_id, channel=Channel.IVR)
        .exclude(status=Invitation.Status.SKIPPED)
    ),
    kinds=(str,),
)
_BY_SMS_PHONE = ReusableQuery(
    lambda phone, now: open_sms_invitations(phone, now=now, query=locked_invitation_query()),
    kinds=(str, dt.datetime),
)


_BY_TOKEN_UNLOCKED = ReusableQuery(
    lambda token: _answer_invitation_query().exclude(status=Invitation.Status.SKIPPED).filter(token=token),
    kinds=(str,),
)


def invitation_for_web_answer(token: str) -> Invitation | None:
    """The invitation a web answer names, with what storing it needs, read without a lock and
    outside a transaction: ``record_checked_answer`` writes only if nobody answered in between."""
    return _BY_TOKEN_UNLOCKED.first(token) if token else None


def locked_invitation_for_token(token: str) -> Invitation | None:
    """``selectors.invitation_for_token``, locked for an answer (inside ``transaction.atomic``)."""
    return _BY_TOKEN.first(token) if token else None


def locked_ivr_invitation(external_id: str) -> Invitation | None:
    """The IVR survey of the contact with this external id, locked for its answers."""
    return _BY_IVR_CONTACT.first(external_id)


def locked_sms_invitation(phone: str, *, now: dt.datetime) -> Invitation | None:
    """``selectors.open_sms_invitation``, locked for the reply's answer."""
    return _BY_SMS_PHONE.first(phone, now)


def _locked_invitation(invitation_id: int) -> Invitation:
    invitation = _BY_PK.first(invitation_id)
    if invitation is None:
        raise Invitation.DoesNotExist(invitation_id)
    return invitation


def _response_for(invitation: Invitation, *, now: dt.datetime) -> Response:
    contact = invitation.contact
    try:
        return contact.response
    except Response.DoesNotExist:
        pass
    # No savepoint needed: every channel creates the response under the invitation's lock.
    response = _new_response(invitation, now=now)
    batch = _write_batch.get()
    if batch is None:
        _insert_responses([response])
    else:
        batch.responses.append(response)
    contact.response = response  # what a later read of this invitation's answers looks at
    return response


def _new_response(invitation: Invitation, *, now: dt.datetime) -> Response:
    """The (unsaved) response of an invitation's first answer: its contact's agent, team, site and queue."""
    contact = invitation.contact
    return Response(
        contact=contact,
        survey_id=invitation.survey_id,
        survey_version_id=invitation.survey_version_id,
        channel=invitation.channel,
        answered_at=now,
        agent_id=contact.agent_id,
        team_id=contact.team_id,
        site_id=contact.site_id,
        queue=contact.queue,
    )


def _saved(response: Response, pk: int) -> None:
    """Mark a response written outside the ORM as saved under ``pk``."""
    response.pk = pk
    response._state.adding = False
    response._state.db = connection.alias


_RESPONSE_COLUMNS = (
    "contact_id",
    "survey_id",
    "survey_version_id",
    "channel",
    "answered_at",
    "agent_id",
    "team_id",
    "site_id",
    "queue",
)


def _insert_responses(responses: list[Response]) -> None:
    """``save()`` of new responses, in one INSERT on PostgreSQL: compiling the ORM's insert cost more
    than the statement costs PostgreSQL (the first answer of every contact)."""
    if not responses:
        return
    if connection.vendor != "postgresql":
        for response in responses:
            response.save(force_insert=True)
        return
    row = f"({', '.join(['%s'] * len(_RESPONSE_COLUMNS))})"
    sql = (
        f"INSERT INTO {Response._meta.db_table} ({', '.join(_RESPONSE_COLUMNS)})"
        f" VALUES {', '.join([row] * len(responses))} RETURNING id, contact_id"
    )
    params = [value for response in responses for value in _response_row(response)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = dict((contact_id, pk) for pk, contact_id in cursor.fetchall())
    for response in responses:
        # One response per contact: the contact names the row RETURNING gave back.
        _saved(response, ids[response.contact_id])


def _response_row(response: Response) -> list:
    """A new response's ``_RESPONSE_COLUMNS`` values, as the database takes them."""
    adapt = connection.ops.adapt_datetimefield_value
    return [
        adapt(value) if column == "answered_at" else value
        for column in _RESPONSE_COLUMNS
        for value in [getattr(response, column)]
    ]


_PROGRESS_COLUMNS = "last_position = %s, reasks = %s, completed_at = %s, delivered_at = %s, status = %s"


def _progress_statement(invitations: list[Invitation]) -> tuple[str, list] | None:
    """The UPDATE of the fields an answer moves (``save(update_fields=[...])`` without compiling it)."""
    if not invitations:
        return None
    adapt = connection.ops.adapt_datetimefield_value
    if len(invitations) == 1:
        sql = f"UPDATE {Invitation._meta.db_table} SET {_PROGRESS_COLUMNS} WHERE id = %s"
    else:
        # Many at once (PostgreSQL): the new values as a typed VALUES list joined on the id.
        row = "(%s::bigint, %s::integer, %s::integer, %s::timestamptz, %s::timestamptz, %s::varchar)"
        rows = ", ".join([row] * len(invitations))
        sql = (
            f"UPDATE {Invitation._meta.db_table} AS i SET last_position = v.last_position, reasks = v.reasks,"
            " completed_at = v.completed_at, delivered_at = v.delivered_at, status = v.status"
            f" FROM (VALUES {rows}) AS v (id, last_position, reasks, completed_at, delivered_at, status)"
            " WHERE i.id = v.id"
        )
    params = []
    for invitation in invitations:
        values = [
            invitation.last_position,
            invitation.reasks,
            adapt(invitation.completed_at),
            adapt(invitation.delivered_at),
            invitation.status,
        ]
        params += [*values, invitation.pk] if len(invitations) == 1 else [invitation.pk, *values]
    return sql, params


def _upsert_answers_statement(answers: list[tuple[int, list[AnswerValue]]]) -> tuple[str, list] | None:
    """Insert the answers, or overwrite an item answered before, in one statement.

    Written out rather than ``bulk_create(update_conflicts=True)``: every answer of every channel
    comes through here, and the SQL is the same one the ORM would send, without compiling it each time.
    """
    # One row per (response, item, dimension): an upsert may not touch a row twice; the latest value wins.
    latest = {
        (response_id, a.question.item, a.question.dimension): a for response_id, values in answers for a in values
    }
    if not latest:
        return None
    rows = ", ".join(["(%s, %s, %s, %s, %s, '')"] * len(latest))
    sql = (
        f"INSERT INTO {Answer._meta.db_table} (response_id, item, dimension, value, text, sentiment) VALUES {rows}"
        " ON CONFLICT (response_id, item, dimension)"
        " DO UPDATE SET value = EXCLUDED.value, text = EXCLUDED.text, sentiment = EXCLUDED.sentiment"
    )
    params = [
        p
        for (response_id, item, dimension), a in latest.items()
        for p in (response_id, item, dimension, a.value, a.text)
    ]
    return sql, params


def record_checked_answer(
    invitation: Invitation,
    *,
    values: list[AnswerValue],
    passed_up_to: int,
    now: dt.datetime,
    form: Sequence[Question],
    answers: dict[AnswerKey, float | None],
) -> Recorded:
    """``record_locked_answers`` for a web answer read by ``invitation_for_web_answer``, in one statement.

    PostgreSQL, outside any transaction (autocommit). Instead of locking the invitation first (a
    ``BEGIN``, a locked read and a ``COMMIT``: three of a web answer's five round trips), the
    invitation's progress is updated only where it still stands where it was read, and the
    response, the answer and the stale marks are written only if that update was; one statement,
    committed when it returns. An answer that lost the race (a double submit) writes nothing and
    raises ``Conflict``, as the locked path's stale-page check would have turned it away.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        raise RuntimeError("record_checked_answer runs on PostgreSQL in autocommit; use record_answers")
    if not invitation.is_open(now):
        raise Conflict(_("This survey is closed."))
    read_position = invitation.last_position
    following = _move_on(invitation, values=values, passed_up_to=passed_up_to, form=form, answers=answers, now=now)
    contact = invitation.contact
    try:
        response, new_response = contact.response, False
    except Response.DoesNotExist:
        response, new_response = _new_response(invitation, now=now), True
    adapt = connection.ops.adapt_datetimefield_value
    params: list = [
        invitation.last_position,
        adapt(invitation.completed_at),
        adapt(invitation.delivered_at),
        invitation.status,
        invitation.pk,
        read_position,
    ]
    params += _response_row(response) if new_response else [response.pk]
    for value in values:
        params += [value.question.item, value.question.dimension, value.value, value.text]
    if values:
        params += mark_response_params(response)
    statement = _checked_answer_statement(new_response=new_response, answers=len(values))
    with connection.cursor() as cursor:
        statement.run(cursor, params, connection=connection)
        moved, response_id = cursor.fetchone()
    if not moved:
        raise Conflict(_("This question was answered already."))
    if new_response:
        _saved(response, response_id)
        contact.response = response
    # In autocommit these run now: the statement above has committed.
    _schedule_after_commit(values)
    return Recorded(invitation, duplicate=False, next_question=following, completed=following is None)


# The prepared statements of ``record_checked_answer``, one per shape (a new response or not, how many answers).
_CHECKED_STATEMENTS: dict[tuple[bool, int], PreparedStatement] = {}


def _checked_answer_statement(*, new_response: bool, answers: int) -> PreparedStatement:
    """The guarded write of a web answer: the invitation's move, then (only if it moved) the
    response, the answers and the stale marks. Returns (rows moved, the new response's id)."""
    shape = (new_response, answers)
    if shape in _CHECKED_STATEMENTS:
        return _CHECKED_STATEMENTS[shape]
    numbers = itertools.count(1)

    def slot(kind: str) -> str:
        return f"${next(numbers)}::{kind}"

    invitation, response, answer = Invitation._meta.db_table, Response._meta.db_table, Answer._meta.db_table
    parts = [
        f"moved AS (UPDATE {invitation} SET last_position = {slot('integer')}, reasks = 0,"
        f" completed_at = {slot('timestamptz')}, delivered_at = {slot('timestamptz')}, status = {slot('varchar')}"
        f" WHERE id = {slot('bigint')} AND last_position = {slot('integer')} AND completed_at IS NULL RETURNING id)"
    ]
    if new_response:
        columns = ", ".join(_RESPONSE_COLUMNS)
        kinds = ("bigint", "bigint", "bigint", "varchar", "timestamptz", "bigint", "bigint", "bigint", "varchar")
        parts.append(
            f"new_response AS (INSERT INTO {response} ({columns})"
            f" SELECT {', '.join(slot(kind) for kind in kinds)} FROM moved RETURNING id)"
        )
        target = "SELECT id FROM new_response"
    else:
        target = f"SELECT {slot('bigint')} AS id FROM moved"
    if answers:
        rows = ", ".join(
            f"({slot('varchar')}, {slot('varchar')}, {slot('double precision')}, {slot('text')})"
            for _ in range(answers)
        )
        parts.append(
            f"written AS (INSERT INTO {answer} (response_id, item, dimension, value, text, sentiment)"
            f" SELECT target.id, v.item, v.dimension, v.value, v.text, '' FROM ({target}) target"
            f" CROSS JOIN (VALUES {rows}) AS v (item, dimension, value, text)"
            " ON CONFLICT (response_id, item, dimension)"
            " DO UPDATE SET value = EXCLUDED.value, text = EXCLUDED.text, sentiment = EXCLUDED.sentiment)"
        )
        day, marked_at = slot("date"), slot("timestamptz")
        ids = [slot("bigint"), slot("bigint"), slot("bigint"), slot("text")]
        months = f"(SELECT month FROM unnest({slot('date[]')}) AS m (month) WHERE EXISTS (SELECT 1 FROM moved)) months"
        parts.append(f"marks AS ({mark_response_sql([day, marked_at, *ids], months)})")
    new_id = "(SELECT id FROM new_response)" if new_response else "NULL::bigint"
    sql = f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM moved), {new_id}"
    statement = _CHECKED_STATEMENTS[shape] = PreparedStatement(
        f"surveys_checked_answer_{int(new_response)}_{answers}", sql, types=()
    )
    return statement
