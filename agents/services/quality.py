"""Writes of quality evaluations (seed 001: courtesy and perception, scored 0-100)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import QA_SUB_SCORE_MAX, QA_SUB_SCORES, Agent, QualityEvaluation, User, evaluation_score
from satisfaction.exceptions import ValidationFailed
from surveys.models import Contact


def record_evaluation(
    *,
    agent: Agent,
    evaluator: User | None,
    sub_scores: dict[str, int],
    evaluated_on: dt.date | None = None,
    contact: Contact | None = None,
    comment: str = "",
) -> QualityEvaluation:
    """Quality's evaluation of one agent (on one contact, if given), with its 0-100 score."""
    evaluated_on = evaluated_on or timezone.localdate()
    if evaluated_on > timezone.localdate():
        raise ValidationFailed(_("An evaluation cannot be dated in the future."))
    if contact is not None and contact.agent_id != agent.pk:
        raise ValidationFailed(_("The contact was handled by another agent."))
    try:
        score = evaluation_score(sub_scores)
    except ValueError as exc:
        raise ValidationFailed(
            _("Give each of the six sub-scores a whole number from 0 to %(max)s.") % {"max": QA_SUB_SCORE_MAX}
        ) from exc
    return QualityEvaluation.objects.create(
        agent=agent,
        contact=contact,
        evaluated_on=evaluated_on,
        evaluator=evaluator,
        score=score,
        comment=comment.strip(),
        **{name: sub_scores[name] for name in QA_SUB_SCORES},
    )
