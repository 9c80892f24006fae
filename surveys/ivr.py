"""The IVR channel (issue 4): Twilio Voice step by step, and all digits at once from other platforms."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from satisfaction.exceptions import Conflict, NotFound, ValidationFailed
from surveys.answering import AnswerValue, Delivery, locked_ivr_invitation, record_answers, record_locked_answers
from surveys.models import Channel, Integration, Invitation, Question
from surveys.selectors import LinkState, form_questions, link_state, skip_logic_answers
from surveys.survey_flow import map_keypad_answers, next_question, parse_keypad

PROVIDER_TWILIO_VOICE = "twilio-voice"
# A question is asked at most this often (first time plus one re-prompt) before the call moves on.
MAX_PROMPTS = 2
MAX_EVENT_ID = 128
MAX_DIGITS = 20


@dataclass(frozen=True)
class IvrStep:
    """What the call does next: ask ``question`` (again, after ``sorry``), or say goodbye."""

    question: Question | None
    prompt: int = 1
    sorry: bool = False
    closed: bool = False


def start_call(invitation: Invitation | None, *, now: dt.datetime | None = None) -> IvrStep:
    """The first step of a post-call survey: the question where the caller stopped, if any."""
    now = now or timezone.now()
    if link_state(invitation, now=now) != LinkState.OPEN or invitation.channel != Channel.IVR:
        return IvrStep(None, closed=True)
    if invitation.delivered_at is None:
        Invitation.objects.filter(pk=invitation.pk, delivered_at__isnull=True).update(
            delivered_at=now, status=Invitation.Status.DELIVERED
        )
    form = form_questions(invitation)
    answers = skip_logic_answers(invitation, form=form)
    return IvrStep(next_question(form, answers=answers, after=invitation.last_position))


def answer_step(
    invitation: Invitation | None,
    *,
    call_sid: str,
    position: int,
    digits: str | None,
    prompt: int,
    now: dt.datetime | None = None,
) -> IvrStep:
    """Keys pressed (or a timeout) for the question at ``position``: store, re-prompt once, or move on."""
    now = now or timezone.now()
    if link_state(invitation, now=now) != LinkState.OPEN or invitation.channel != Channel.IVR:
        return IvrStep(None, closed=True)
    form = form_questions(invitation)
    question = next((q for q in form if q.position == position), None)
    if question is None:
        return start_call(invitation, now=now)
    value = None
    if digits:
        try:
            value = parse_keypad(question.item, digits)
        except ValueError:
            value = None
    if value is None and prompt < MAX_PROMPTS:
        return IvrStep(question, prompt=prompt + 1, sorry=bool(digits))
    # One delivery per call and question: Twilio retrying the same step writes nothing twice.
    delivery = Delivery(PROVIDER_TWILIO_VOICE, f"{call_sid}:{position}", "ivr-step")
    values = [AnswerValue(question, value)] if value is not None else []
    try:
        recorded = record_answers(
            invitation_id=invitation.pk, values=values, passed_up_to=position, delivery=delivery, now=now, form=form
        )
    except Conflict:
        return IvrStep(None, closed=True)
    return IvrStep(recorded.next_question)


@dataclass(frozen=True)
class IvrEvent:
    event_id: str
    contact_id: str
    digits: list[str]


def parse_ivr_event(payload: object) -> IvrEvent:
    """The generic JSON body: ``{"event_id", "contact_id", "digits": ["5", "4", "1"] or "541"}``."""
    if not isinstance(payload, dict):
        raise ValidationFailed(details=[_("the body must be a JSON object")])
    problems = []
    event_id, contact_id, digits = payload.get("event_id"), payload.get("contact_id"), payload.get("digits")
    if not isinstance(event_id, str) or not event_id or len(event_id) > MAX_EVENT_ID:
        problems.append(_("event_id must be a non-empty string of at most %(n)s characters") % {"n": MAX_EVENT_ID})
    if not isinstance(contact_id, str) or not contact_id:
        problems.append(_("contact_id must be a non-empty string"))
    if isinstance(digits, str):
        digits = list(digits)
    if (
        not isinstance(digits, list)
        or len(digits) > MAX_DIGITS
        or not all(isinstance(d, str | int) and not isinstance(d, bool) for d in digits)
    ):
        problems.append(_("digits must be a string of keys or a list of at most %(n)s answers") % {"n": MAX_DIGITS})
    if any(isinstance(v, str) and "\x00" in v for v in (event_id, contact_id)):
        # PostgreSQL cannot compare such text: a 400 with the reason, never a 500.
        problems.append(_("Text may not contain NUL characters."))
    if problems:
        raise ValidationFailed(details=problems)
    return IvrEvent(event_id=event_id, contact_id=contact_id, digits=[str(d) for d in digits])


def record_ivr_event(*, integration: Integration, event: IvrEvent, now: dt.datetime | None = None) -> tuple[bool, bool]:
    """Store the digits of a finished IVR survey; (duplicate, completed). Nothing is written on a bad digit."""
    now = now or timezone.now()
    # One statement finds and locks the invitation; a bad digit raises and rolls back (nothing written).
    with transaction.atomic():
        invitation = locked_ivr_invitation(event.contact_id)
        if invitation is None or invitation.survey_version_id is None:
            raise NotFound(_("No IVR survey is open for this contact."))
        form = form_questions(invitation)
        try:
            matched = map_keypad_answers(form, event.digits, answers={})
        except ValueError as exc:
            raise ValidationFailed(details=[str(exc)]) from exc
        values = [AnswerValue(question, value) for question, value in matched]
        recorded = record_locked_answers(
            invitation,
            values=values,
            passed_up_to=values[-1].question.position if values else None,
            delivery=Delivery(f"ivr:{integration.name}", event.event_id, "ivr-event"),
            now=now,
            form=form,
        )
    return recorded.duplicate, recorded.completed
