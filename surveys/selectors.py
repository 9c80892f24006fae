"""Reads for customer surveys: invitations by token or phone, their form and answers so far."""

import datetime as dt
import functools
from collections.abc import Sequence
from enum import StrEnum

from django.db.models import Q, QuerySet

from surveys.models import Answer, Channel, Contact, Invitation, OptOut, Question, phone_digest
from surveys.survey_flow import AnswerKey, channel_form

# Forms (version x channel) each process keeps; a centre runs a handful of versions at a time.
FORM_CACHE_SIZE = 256


class LinkState(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link or webhook path names, or None (never reveals why)."""
    if not token:
        return None
    # Only the version (its form): every join costs planning time on each answer of every customer.
    return (
        Invitation.objects.select_related("survey_version")
        .filter(token=token)
        .exclude(status=Invitation.Status.SKIPPED)
        .first()
    )


def link_state(invitation: Invitation | None, *, now: dt.datetime) -> LinkState:
    """Whether a link may still be answered; used links are told apart from expired ones."""
    if invitation is None or invitation.survey_version_id is None:
        return LinkState.UNKNOWN
    if invitation.completed_at is not None:
        return LinkState.USED
    if invitation.is_expired(now):
        return LinkState.EXPIRED
    return LinkState.OPEN


def form_questions(invitation: Invitation, *, channel: str | None = None) -> list[Question]:
    """The questions of the invitation's version that its channel (or ``channel``) carries, in order."""
    version = invitation.survey_version
    if version is None:
        return []
    return list(_version_form(version.pk, version.revision, version.created_at, channel or invitation.channel))


# Every answer reads its form, and versions rarely change: each process keeps the forms it has
# read. The key changes with an edit in place (``revision``) and with a reused id (``created_at``).
@functools.lru_cache(maxsize=FORM_CACHE_SIZE)
def _version_form(version_id: int, revision: int, created_at: dt.datetime, channel: str) -> tuple[Question, ...]:
    questions = Question.objects.filter(version_id=version_id).order_by("position")
    return tuple(channel_form(questions, channel))


# The attribute under which an answer's invitation lookup brings the contact's answers so far
# (``answering.locked_invitation_query`` and its unlocked twin, PostgreSQL): [[item, dimension,
# value], ...] or None.
ANSWERS_SO_FAR = "answers_so_far_rows"


def answers_so_far(invitation: Invitation) -> dict[AnswerKey, float | None]:
    """The values answered for this invitation's contact, keyed by (item, dimension)."""
    if hasattr(invitation, ANSWERS_SO_FAR):
        # Read with the invitation: no query.
        return {(item, dimension): value for item, dimension, value in getattr(invitation, ANSWERS_SO_FAR) or ()}
    answers = Answer.objects.all()
    # The answer paths read the invitation with its contact and response (a join): no response, no
    # answers and no query; otherwise no join either.
    if Invitation.contact.field.is_cached(invitation) and Contact.response.related.is_cached(invitation.contact):
        response = Contact.response.related.get_cached_value(invitation.contact)
        if response is None:
            return {}
        answers = answers.filter(response_id=response.pk)
    else:
        answers = answers.filter(response__contact_id=invitation.contact_id)
    rows = answers.values_list("item", "dimension", "value")
    return {(item, dimension): value for item, dimension, value in rows}


def skip_logic_answers(invitation: Invitation, *, form: Sequence[Question]) -> dict[AnswerKey, float | None]:
    """The answers the form's skip logic reads: none, and no query, when no question is conditional."""
    if not any(question.ask_if_item for question in form):
        return {}
    return answers_so_far(invitation)


def open_sms_invitation(phone: str, *, now: dt.datetime) -> Invitation | None:
    """The newest SMS survey still waiting for this number's replies."""
    return open_sms_invitations(phone, now=now).first()


def open_sms_invitations(
    phone: str, *, now: dt.datetime, query: QuerySet[Invitation] | None = None
) -> QuerySet[Invitation]:
    """SMS surveys still waiting for this number's replies, newest first (from ``query``: e.g. locked)."""
    query = Invitation.objects.select_related("survey_version") if query is None else query
    return (
        query.filter(contact__customer_phone=phone, channel=Channel.SMS, completed_at__isnull=True)
        .filter(Q(status=Invitation.Status.SENT) | Q(status=Invitation.Status.DELIVERED))
        .filter(expires_at__gt=now)
        .order_by("-created_at")
    )


def is_opted_out(phone: str) -> bool:
    """Whether the number asked never to be surveyed again."""
    return bool(phone) and OptOut.objects.filter(phone_hash=phone_digest(phone)).exists()
