"""Storing customers' answers from every channel (DESIGN.md flow 2): once, durably, before any task.

Each call locks the invitation, records the webhook delivery first (its unique key turns a retried
delivery into a no-op), writes the answers, marks the response's score chunks stale in the same
transaction, and queues the recompute and comment classification only after commit, so a down
Redis loses nothing: the beat sweeps pick the stale chunks up.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satisfaction.exceptions import Conflict
from satisfaction.tasks import schedule_recompute
from surveys.models import Answer, Invitation, Item, Question, Response, WebhookDelivery
from surveys.selectors import answers_so_far, form_questions
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
) -> Recorded:
    """Store answers for an open invitation and move its position on; a repeated delivery stores nothing.

    ``passed_up_to`` moves past questions left unanswered (a skipped comment, a keypad timeout).
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("contact").get(pk=invitation_id)
        form = form_questions(invitation)
        if delivery is not None and not claim_delivery(delivery, invitation=invitation):
            answers = answers_so_far(invitation)
            following = next_question(form, answers=answers, after=invitation.last_position)
            return Recorded(invitation, duplicate=True, next_question=following, completed=following is None)
        if not invitation.is_open(now):
            raise Conflict(_("This survey is closed."))
        response = _response_for(invitation, now=now)
        for answer in values:
            Answer.objects.update_or_create(
                response=response,
                item=answer.question.item,
                dimension=answer.question.dimension,
                defaults={"value": answer.value, "text": answer.text, "sentiment": ""},
            )
        positions = [a.question.position for a in values]
        if passed_up_to is not None:
            positions.append(passed_up_to)
        invitation.last_position = max([invitation.last_position, *positions])
        invitation.reasks = 0
        answers = answers_so_far(invitation)
        following = next_question(form, answers=answers, after=invitation.last_position)
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
    return Recorded(invitation, duplicate=False, next_question=following, completed=following is None)


def _response_for(invitation: Invitation, *, now: dt.datetime) -> Response:
    contact = invitation.contact
    response, _created = Response.objects.get_or_create(
        contact=contact,
        defaults={
            "survey_id": invitation.survey_id,
            "survey_version_id": invitation.survey_version_id,
            "channel": invitation.channel,
            "answered_at": now,
            "agent_id": contact.agent_id,
            "team_id": contact.team_id,
            "site_id": contact.site_id,
        },
    )
    return response
