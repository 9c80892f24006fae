"""Grievance (委屈件) and praise (表扬件) tickets, both verified by quality (seed 001)."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models.organisation import Agent, User

# Quality verifies a grievance within three days, so an abused agent is not left waiting.
GRIEVANCE_SLA = dt.timedelta(hours=72)
PRAISE_SLA = dt.timedelta(days=7)
# Recognition points an upheld ticket earns the agent (seed 000: recognition).
GRIEVANCE_POINTS = 5
PRAISE_POINTS = 10


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Awaiting verification")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Ticket(models.Model):
    """What grievances and praise share: an agent, a status, who verified it, when and why."""

    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    description = models.TextField(_("description"))
    due_at = models.DateTimeField(_("verify by"))
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_reason = models.TextField(_("reason of the verdict"), blank=True)
    points = models.PositiveSmallIntegerField(_("recognition points"), default=0)

    class Meta:
        abstract = True

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Still awaiting verification after its SLA."""
        return self.status == TicketStatus.OPEN and self.due_at < (now or timezone.now())


class Grievance(Ticket):
    """An agent's report that a caller was abusive, threatening or unreasonable on one contact."""

    contact = models.ForeignKey(
        "surveys.Contact", on_delete=models.CASCADE, related_name="grievances", verbose_name=_("contact")
    )
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="grievances", verbose_name=_("agent"))
    filed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("filed by")
    )
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        constraints = [models.UniqueConstraint(fields=["contact"], name="one_grievance_per_contact")]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"grievance {self.pk} on {self.contact_id}"


class Praise(Ticket):
    """Praise of an agent, from a customer's survey comment or a supervisor's report."""

    class Source(models.TextChoices):
        SURVEY_COMMENT = "survey_comment", _("Survey comment")
        SUPERVISOR = "supervisor", _("Supervisor")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="praise", verbose_name=_("agent"))
    contact = models.ForeignKey(
        "surveys.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="praise",
        verbose_name=_("contact"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    quote = models.TextField(_("customer's words"), blank=True)
    opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        constraints = [
            models.UniqueConstraint(
                fields=["contact"], condition=Q(contact__isnull=False), name="one_praise_per_contact"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"praise {self.pk} for {self.agent_id}"
