"""Quality's courtesy and perception evaluations of contacts (seed 001; SCORING.md §7 ``qa_courtesy``)."""

from collections.abc import Mapping

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models.organisation import Agent, User

# Seed 001's courtesy/perception dimensions, each scored 0-10 on the quality form.
QA_SUB_SCORES = ("greeting", "tone", "patience", "empathy_language", "accuracy", "closing")
QA_SUB_SCORE_MAX = 10
QA_SCORE_MAX = 100


def evaluation_score(sub_scores: Mapping[str, int]) -> float:
    """The 0-100 score of an evaluation: its six sub-scores as a share of their maximum, equally weighted."""
    missing = [name for name in QA_SUB_SCORES if name not in sub_scores]
    if missing:
        raise ValueError(f"missing sub-scores: {', '.join(missing)}")
    if any(not 0 <= sub_scores[name] <= QA_SUB_SCORE_MAX for name in QA_SUB_SCORES):
        raise ValueError(f"sub-scores lie between 0 and {QA_SUB_SCORE_MAX}")
    total = sum(sub_scores[name] for name in QA_SUB_SCORES)
    return total / (QA_SUB_SCORE_MAX * len(QA_SUB_SCORES)) * QA_SCORE_MAX


def _sub_score(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, validators=[MaxValueValidator(QA_SUB_SCORE_MAX)])


class QualityEvaluation(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("agent"))
    contact = models.ForeignKey(
        "surveys.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("contact"),
    )
    evaluated_on = models.DateField(_("evaluated on"), default=timezone.localdate)
    evaluator = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations_given",
        verbose_name=_("evaluator"),
    )
    greeting = _sub_score(_("greeting"))
    tone = _sub_score(_("tone of voice"))
    patience = _sub_score(_("patience"))
    empathy_language = _sub_score(_("empathy language"))
    accuracy = _sub_score(_("accuracy"))
    closing = _sub_score(_("closing"))
    score = models.FloatField(_("score (0-100)"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("quality evaluation")
        verbose_name_plural = _("quality evaluations")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=QA_SCORE_MAX), name="qa_score_0_to_100"),
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__lte": QA_SUB_SCORE_MAX}), name=f"qa_{name}_0_to_10")
                for name in QA_SUB_SCORES
            ),
        ]
        indexes = [models.Index(fields=["agent", "evaluated_on"])]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.evaluated_on}:{self.score:.1f}"

    @property
    def sub_scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in QA_SUB_SCORES}
