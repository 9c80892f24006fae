"""Score snapshots that dashboards and the API read, and the queue of periods to recompute."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM = "team", _("Team")
    SITE = "site", _("Site")
    CENTRE = "centre", _("Centre")


class Granularity(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


# The key of the centre-level snapshot (DESIGN.md "Scores API").
CENTRE_KEY = "centre"


class ScoreSnapshot(models.Model):
    """The SCORING.md §9 figures of one group and period, as last computed."""

    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    key = models.CharField(_("key"), max_length=64)
    granularity = models.CharField(_("granularity"), max_length=8, choices=Granularity.choices)
    period_start = models.DateField(_("period start"))
    metrics = models.JSONField(_("figures"), default=dict)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("score snapshot")
        verbose_name_plural = _("score snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "granularity", "key", "period_start"], name="one_snapshot_per_group_period"
            )
        ]
        indexes = [models.Index(fields=["level", "granularity", "period_start"])]

    def __str__(self) -> str:
        return f"{self.level}:{self.key}:{self.granularity}:{self.period_start}"


class DirtyChunk(models.Model):
    """A mark that a site and month's figures are stale because an answer arrived.

    Kept in PostgreSQL, not Redis, so an answer stored while Redis is down is still scored once
    the broker returns. Marks are only ever inserted (several per chunk are fine), never updated,
    so concurrent answers never wait on one another's mark; a recompute deletes exactly the marks
    its own snapshot saw (``services.compute_chunk``).
    """

    site = models.CharField(_("site"), max_length=32)
    month = models.DateField(_("month"))
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("stale scores")
        verbose_name_plural = _("stale scores")
        indexes = [models.Index(fields=["site", "month"])]

    def __str__(self) -> str:
        return f"{self.site}:{self.month:%Y-%m}"
