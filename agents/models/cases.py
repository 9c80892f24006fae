"""Follow-up cases: the closed loop that answers every unhappy customer (DESIGN.md flow 4, seed 004)."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models.organisation import Agent, Site, Team, User


class CaseReason(models.TextChoices):
    LOW_CSAT = "low_csat", _("Low satisfaction")
    DETRACTOR = "detractor", _("Detractor (NPS)")
    NEGATIVE_GAP = "negative_gap", _("Strongly negative gap")
    MISMATCH = "mismatch", _("Overall score does not match the attributes")
    COMPLAINT = "complaint", _("Complaint")


# Reasons a survey response opens a case by itself; a complaint is opened by hand.
AUTOMATIC_REASONS = (CaseReason.LOW_CSAT, CaseReason.DETRACTOR, CaseReason.NEGATIVE_GAP, CaseReason.MISMATCH)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    CUSTOMER_CONTACTED = "customer_contacted", _("Customer contacted")
    RESOLVED = "resolved", _("Resolved")
    ARCHIVED = "archived", _("Archived")


# Seed 004: every complaint is recorded, investigated, answered and archived, in that order.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.OPEN: (CaseStatus.INVESTIGATING,),
    CaseStatus.INVESTIGATING: (CaseStatus.CUSTOMER_CONTACTED,),
    CaseStatus.CUSTOMER_CONTACTED: (CaseStatus.RESOLVED, CaseStatus.INVESTIGATING),
    CaseStatus.RESOLVED: (CaseStatus.ARCHIVED,),
    CaseStatus.ARCHIVED: (),
}
ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.INVESTIGATING, CaseStatus.CUSTOMER_CONTACTED)


class FollowUpRule(models.Model):
    """The configurable rule of one automatic reason; a reason without a row uses the defaults in code."""

    reason = models.CharField(
        _("reason"), max_length=16, choices=[(r.value, r.label) for r in AUTOMATIC_REASONS], unique=True
    )
    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Mismatches always open a case (SCORING.md §4).")
    )
    threshold = models.FloatField(
        _("threshold"),
        null=True,
        blank=True,
        help_text=_(
            "csat at or below, NPS at or below, or response gap at or below this value; unused for mismatches."
        ),
    )
    due_hours = models.PositiveIntegerField(_("hours to resolve"))

    class Meta:
        ordering = ["reason"]
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")

    def __str__(self) -> str:
        return self.get_reason_display()


class FollowUpCase(models.Model):
    reason = models.CharField(_("reason"), max_length=16, choices=CaseReason.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    response = models.ForeignKey(
        "surveys.Response",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_cases",
        verbose_name=_("survey response"),
    )
    contact = models.ForeignKey(
        "surveys.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_cases",
        verbose_name=_("contact"),
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="followup_cases", verbose_name=_("agent"))
    # The team and site at opening: the team leader who owns the case and the site it escalates in.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="followup_cases", verbose_name=_("team"))
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="followup_cases", verbose_name=_("site"))
    cause_not_captured = models.BooleanField(_("cause not captured by the survey"), default=False)
    description = models.TextField(_("description"), blank=True)
    # The response's §3-§4 figures that opened the case (csat, nps, gap, experience_mean).
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ManyToManyField(
        User, blank=True, related_name="escalated_cases", verbose_name=_("escalated to")
    )
    customer_told = models.TextField(_("what the customer was told"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "reason"], condition=Q(response__isnull=False), name="one_case_per_response_reason"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["team", "status"])]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.reason})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Not yet resolved after its due time."""
        return self.is_active and self.due_at < (now or timezone.now())

    def allowed_statuses(self) -> tuple[str, ...]:
        """The statuses this case may move to next."""
        return CASE_TRANSITIONS[self.status]


class CaseEvent(models.Model):
    """One step in a case's log: who did what, when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STATUS = "status", _("Status changed")
        NOTE = "note", _("Note")
        ESCALATED = "escalated", _("Escalated")

    case = models.ForeignKey(FollowUpCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.at:%Y-%m-%d %H:%M}"
