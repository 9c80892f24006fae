"""Storing customers' answers from every channel (DESIGN.md flow 2): once, durably, before any task.

Each call locks the invitation, records the webhook delivery first (its unique key turns a retried
delivery into a no-op), writes the answers, marks the response's score chunks stale in the same
transaction, and queues the recompute and comment classification only after commit, so a down
Redis loses nothing: the beat sweeps pick the stale chunks up.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satisfaction.exceptions import Conflict
from satisfaction.tasks import schedule_recompute
from surveys.models import Answer, Invitation, Item, Question, Response, WebhookDelivery
from surveys.selectors import answers_so_far, form_questions, skip_logic_answers
from surveys.services import mark_responses_stale, schedule_comment_classification
from surveys.survey_flow import next_question


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


def claim_delivery(delivery: Delivery, *, invitation: Invitation | None) -> bool:
    """Insert the delivery's row; False when it was already recorded (a retry)."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                provider=delivery.provider,
                delivery_id=delivery.delivery_id,
                kind=delivery.kind,
                invitation=invitation,
            )
    except IntegrityError:
        return False
    return True


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
    now = now or timezone.now()
    claimed = delivery is None
    try:
        with transaction.atomic():
            invitation = _locked_invitation(invitation_id)
            if not claimed:
                # The transaction's first write, without a savepoint: a unique violation here can
                # only mean the delivery was recorded before, and rolls back nothing else.
                WebhookDelivery.objects.create(
                    provider=delivery.provider,
                    delivery_id=delivery.delivery_id,
                    kind=delivery.kind,
                    invitation=invitation,
                )
                claimed = True
            if not invitation.is_open(now):
                raise Conflict(_("This survey is closed."))
            if form is None:
                form = form_questions(invitation)
            response = _response_for(invitation, now=now)
            _store_answers(response, values)
            positions = [a.question.position for a in values]
            if passed_up_to is not None:
                positions.append(passed_up_to)
            invitation.last_position = max([invitation.last_position, *positions])
            invitation.reasks = 0
            following = next_question(
                form, answers=skip_logic_answers(invitation, form=form), after=invitation.last_position
            )
            if following is None:
                invitation.completed_at = now
            if invitation.delivered_at is None:
                # An answer proves delivery even when the provider's callback never came.
                invitation.delivered_at = now
                invitation.status = Invitation.Status.DELIVERED
            invitation.save(update_fields=["last_position", "reasks", "completed_at", "delivered_at", "status"])
            if values:
                mark_responses_stale([response])
                transaction.on_commit(schedule_recompute)
                if any(a.question.item == Item.COMMENT and a.text for a in values):
                    transaction.on_commit(schedule_comment_classification)
    except IntegrityError:
        if claimed:
            raise
        return _already_recorded(invitation_id, form=form)
    return Recorded(invitation, duplicate=False, next_question=following, completed=following is None)


def _locked_invitation(invitation_id: int) -> Invitation:
    """The invitation, locked (its row only), with its contact and the contact's response if any."""
    return Invitation.objects.select_for_update(of=("self",)).select_related("contact__response").get(pk=invitation_id)


def _already_recorded(invitation_id: int, *, form: Sequence[Question] | None) -> Recorded:
    """What a retried delivery answers: where the survey stands, with nothing written."""
    invitation = Invitation.objects.select_related("survey_version").get(pk=invitation_id)
    if form is None:
        form = form_questions(invitation)
    following = next_question(form, answers=answers_so_far(invitation), after=invitation.last_position)
    return Recorded(invitation, duplicate=True, next_question=following, completed=following is None)


def _response_for(invitation: Invitation, *, now: dt.datetime) -> Response:
    contact = invitation.contact
    try:
        return contact.response
    except Response.DoesNotExist:
        pass
    # No savepoint needed: every channel creates the response under the invitation's lock.
    return Response.objects.create(
        contact=contact,
        survey_id=invitation.survey_id,
        survey_version_id=invitation.survey_version_id,
        channel=invitation.channel,
        answered_at=now,
        agent_id=contact.agent_id,
        team_id=contact.team_id,
        site_id=contact.site_id,
    )


def _store_answers(response: Response, values: list[AnswerValue]) -> None:
    """Insert the answers, or overwrite an item answered before, in one statement."""
    latest = {(a.question.item, a.question.dimension): a for a in values}
    Answer.objects.bulk_create(
        [
            Answer(response=response, item=item, dimension=dimension, value=a.value, text=a.text, sentiment="")
            for (item, dimension), a in latest.items()
        ],
        update_conflicts=True,
        unique_fields=["response", "item", "dimension"],
        update_fields=["value", "text", "sentiment"],
    )
