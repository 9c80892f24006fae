"""Employee pulse surveys and staff voice (SCORING.md §1 and §5).

Anonymity is a property of the storage, not of the pages. An answer is kept as a
``PulseSubmission`` (round, team and site codes at the time, tenure band) with its
``PulseAnswer`` rows, and nothing else: no user or agent, no time (the round says when), no
address, and random UUID keys so that row order does not tell who answered when. Who has
answered is kept apart in ``PulseParticipation``, which shares no key with the answers.
"""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from agents.models import Agent, Site, Team

__all__ = [
    "ENPS_SCALE",
    "LIKERT_SCALE",
    "PulseAnswer",
    "PulseCategory",
    "PulseFrequency",
    "PulseKind",
    "PulseParticipation",
    "PulseQuestion",
    "PulseRound",
    "PulseSchedule",
    "PulseSubmission",
    "PulseSurvey",
    "PulseSurveyQuestion",
    "PulseTopic",
    "Suggestion",
    "TenureBand",
    "tenure_band_on",
]

# SCORING.md §1: pulse likert items are answered 1-5 (5 = strongly agree), eNPS 0-10.
LIKERT_SCALE = (1, 5)
ENPS_SCALE = (0, 10)
# Tenure bands are coarse on purpose: a finer band makes smaller groups in the answer table.
TENURE_ONE_YEAR_DAYS = 365
TENURE_THREE_YEARS_DAYS = 3 * 365


def _localized(english: str, chinese: str) -> str:
    """The Chinese text in Chinese pages, the English one otherwise (either when the other is empty)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language.lower().startswith("zh"):
        return chinese or english
    return english or chinese


class PulseKind(models.TextChoices):
    LIKERT = "likert", _("Agreement, 1-5")
    ENPS = "enps", _("Recommend as a workplace, 0-10 (eNPS)")


class PulseCategory(models.TextChoices):
    """The SCORING.md §5 index an item feeds."""

    ENGAGEMENT = "engagement", _("Engagement index")
    STRESS = "stress", _("Stress index")
    OTHER = "other", _("No index")


class PulseTopic(models.TextChoices):
    """The topics of the seed documents (000, 001, 004) the question bank covers."""

    ENGAGEMENT = "engagement", _("Engagement")
    STRESS = "stress", _("Stress and workload")
    KPI_PRESSURE = "kpi_pressure", _("KPI pressure")
    ABUSIVE_CALLERS = "abusive_callers", _("Abusive callers")
    TRAINING = "training", _("Training and skills")
    RECOGNITION = "recognition", _("Recognition")
    CAREER = "career", _("Career development")
    LEADER_SUPPORT = "leader_support", _("Team-leader support")
    VISION = "vision", _("Vision and strategy")
    SCHEDULE = "schedule", _("Schedule fairness")
    ENPS = "enps", _("Employee NPS")


class TenureBand(models.TextChoices):
    UNDER_ONE_YEAR = "lt1y", _("Under 1 year")
    ONE_TO_THREE_YEARS = "1to3y", _("1 to 3 years")
    THREE_YEARS_PLUS = "3yplus", _("3 years or more")


def tenure_band_on(hire_date: dt.date, day: dt.date) -> str:
    """The tenure band of someone hired on ``hire_date``, on ``day``."""
    days = (day - hire_date).days
    if days < TENURE_ONE_YEAR_DAYS:
        return TenureBand.UNDER_ONE_YEAR
    if days < TENURE_THREE_YEARS_DAYS:
        return TenureBand.ONE_TO_THREE_YEARS
    return TenureBand.THREE_YEARS_PLUS


class PulseFrequency(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class PulseQuestion(models.Model):
    """An item of the question bank, in both languages."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    topic = models.CharField(_("topic"), max_length=20, choices=PulseTopic.choices)
    kind = models.CharField(_("answer scale"), max_length=8, choices=PulseKind.choices, default=PulseKind.LIKERT)
    category = models.CharField(_("index"), max_length=12, choices=PulseCategory.choices, default=PulseCategory.OTHER)
    reverse = models.BooleanField(
        _("reverse-worded"),
        default=False,
        help_text=_("Agreement is unfavourable; the answer is recoded 6 − v for favourable % (SCORING.md §1)."),
    )
    text_en = models.CharField(_("text (English)"), max_length=300)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    allows_comment = models.BooleanField(_("optional comment"), default=False)
    active = models.BooleanField(_("in the bank"), default=True)

    class Meta:
        ordering = ["topic", "code"]
        verbose_name = _("pulse question")
        verbose_name_plural = _("pulse questions")

    def __str__(self) -> str:
        return self.code

    @property
    def text(self) -> str:
        return _localized(self.text_en, self.text_zh)

    @property
    def scale(self) -> tuple[int, int]:
        return ENPS_SCALE if self.kind == PulseKind.ENPS else LIKERT_SCALE


class PulseSurvey(models.Model):
    """A pulse built from the bank: its questions, whom it targets and who may read its results."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    questions = models.ManyToManyField(
        PulseQuestion, through="PulseSurveyQuestion", related_name="surveys", verbose_name=_("questions")
    )
    # No target sites and no target teams means every active agent.
    target_sites = models.ManyToManyField(Site, blank=True, related_name="+", verbose_name=_("target sites"))
    target_teams = models.ManyToManyField(Team, blank=True, related_name="+", verbose_name=_("target teams"))
    share_with_team_leaders = models.BooleanField(
        _("team leaders see their own teams' results"),
        default=False,
        help_text=_("Always under the anonymity rule: a team with too few answers is never shown."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("pulse survey")
        verbose_name_plural = _("pulse surveys")

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return _localized(self.name_en, self.name_zh)


class PulseSurveyQuestion(models.Model):
    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="survey_questions")
    question = models.ForeignKey(PulseQuestion, on_delete=models.PROTECT, related_name="survey_questions")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["survey", "position"]
        verbose_name = _("pulse survey question")
        verbose_name_plural = _("pulse survey questions")
        constraints = [
            models.UniqueConstraint(fields=["survey", "question"], name="pulse_question_once_per_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.position}:{self.question_id}"


class PulseSchedule(models.Model):
    """When a survey runs: once or recurring; the hourly beat task opens the rounds that are due."""

    survey = models.ForeignKey(PulseSurvey, on_delete=models.CASCADE, related_name="schedules")
    frequency = models.CharField(_("frequency"), max_length=12, choices=PulseFrequency.choices)
    first_opens_at = models.DateTimeField(_("first round opens"))
    next_run_at = models.DateTimeField(_("next round opens"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("occurrences passed"), default=0)
    window_days = models.PositiveSmallIntegerField(_("days open"), default=7)
    reminder_days = models.JSONField(
        _("reminders, days after opening"), default=list, blank=True, help_text=_("For example 2, 5.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["survey", "first_opens_at"]
        verbose_name = _("pulse schedule")
        verbose_name_plural = _("pulse schedules")
        indexes = [models.Index(fields=["active", "next_run_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.frequency}"


class PulseRound(models.Model):
    """One run of a survey: an open window, its invitations, reminders and closing."""

    survey = models.ForeignKey(PulseSurvey, on_delete=models.PROTECT, related_name="rounds")
    schedule = models.ForeignKey(PulseSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="rounds")
    number = models.PositiveIntegerField(_("round"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminder_days = models.JSONField(_("reminders, days after opening"), default=list, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminder waves sent"), default=0)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("pulse round")
        verbose_name_plural = _("pulse rounds")
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="pulse_round_number_per_survey")]
        indexes = [models.Index(fields=["closed_at", "closes_at"])]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.number}"

    def is_open(self, now: dt.datetime) -> bool:
        """Whether answers are taken at ``now``."""
        return self.closed_at is None and self.opens_at <= now < self.closes_at

    @property
    def window_start(self) -> dt.date:
        return timezone.localdate(self.opens_at)

    @property
    def window_end(self) -> dt.date:
        # A window closing at midnight ends on the day before.
        return timezone.localdate(self.closes_at - dt.timedelta(microseconds=1))


class PulseParticipation(models.Model):
    """Who was invited to a round and whether they have answered; never joined to the answers.

    It carries the team, site and tenure band at invitation so that participation % divides
    like by like; it holds no key, time or order that leads to a ``PulseSubmission``.
    """

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="participations")
    # SET_NULL: deleting an agent must not change a past round's invited counts.
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, related_name="pulse_participations")
    team_code = models.CharField(_("team"), max_length=32)
    site_code = models.CharField(_("site"), max_length=32)
    tenure_band = models.CharField(_("tenure"), max_length=8, choices=TenureBand.choices)
    invitation_sent = models.BooleanField(_("invitation sent"), default=False)
    answered = models.BooleanField(_("answered"), default=False)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("pulse participation")
        verbose_name_plural = _("pulse participations")
        constraints = [models.UniqueConstraint(fields=["round", "agent"], name="one_invitation_per_round")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.agent_id}"


class PulseSubmission(models.Model):
    """One anonymous set of answers: the round, team and site at the time, tenure band. Nothing else."""

    # Random, not sequential: an ordered key would tell who answered first.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="submissions")
    team_code = models.CharField(_("team"), max_length=32)
    site_code = models.CharField(_("site"), max_length=32)
    tenure_band = models.CharField(_("tenure"), max_length=8, choices=TenureBand.choices)

    class Meta:
        verbose_name = _("pulse submission")
        verbose_name_plural = _("pulse submissions")
        indexes = [models.Index(fields=["round", "site_code", "team_code"])]

    def __str__(self) -> str:
        return str(self.id)


class PulseAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(PulseSubmission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(PulseQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.FloatField(_("value"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("pulse answer")
        verbose_name_plural = _("pulse answers")
        constraints = [
            models.UniqueConstraint(fields=["submission", "question"], name="one_pulse_answer_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}={self.value}"


class Suggestion(models.Model):
    """Staff voice: a process-improvement idea (seed 001's "golden idea"), open or anonymous."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REVIEWING = "reviewing", _("Under review")
        ADOPTED = "adopted", _("Adopted")
        DECLINED = "declined", _("Not adopted")

    class Topic(models.TextChoices):
        PROCESS = "process", _("Process improvement")
        CUSTOMER = "customer", _("Customer experience")
        TOOLS = "tools", _("Tools and systems")
        WELLBEING = "wellbeing", _("Workload and well-being")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices, default=Topic.PROCESS)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("idea"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Open suggestions only: an anonymous one keeps no author, team or site.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("author"),
    )
    team_code = models.CharField(_("team"), max_length=32, blank=True)
    site_code = models.CharField(_("site"), max_length=32, blank=True)
    # Anonymous authors follow their idea with a code shown once; only its hash is kept.
    tracking_hash = models.CharField(max_length=64, blank=True, db_index=True)
    submitted_on = models.DateField(_("submitted"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    response = models.TextField(_("answer"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_on = models.DateField(_("answered"), null=True, blank=True)
    adopted_on = models.DateField(_("adopted"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_on", "title"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["status", "submitted_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(author__isnull=True, team_code="", site_code=""),
                name="anonymous_suggestion_has_no_author",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def hash_tracking_code(code: str) -> str:
        """The stored form of an anonymous idea's tracking code (the code itself is never stored)."""
        return hashlib.sha256(code.strip().encode()).hexdigest()
