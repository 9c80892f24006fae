"""Score snapshots that dashboards and the API read, the queue of periods to recompute, and
the integration tokens and audit trail of issue 9."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class FiguresField(models.JSONField):
    """A JSONField kept in PostgreSQL's ``json`` (the text as written) rather than ``jsonb``.

    Snapshot figures are written in bulk (a full recompute loads ~500k of them) and read whole;
    nothing searches inside them, so ``jsonb``'s parsed form buys nothing, and parsing it was a
    quarter to a third of loading them (515k snapshots: 20.8 s into ``jsonb``, 13.7-15.8 s into
    ``json``). Read them whole (psycopg2 decodes them with orjson, see ``apps.py``): a name read in
    SQL (``metrics__<name>``, ``->``) decompresses and scans the text once per name, and equality
    and containment lookups on a name need ``jsonb``. Other databases keep the JSONField's own column.
    """

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg2 decodes ``json`` itself (``jsonb`` it leaves to Django as text): decoding the
        # text again would turn a figure such as "balanced" into an error or "1" into a number.
        if connection.vendor == "postgresql":
            return value
        return super().from_db_value(value, expression, connection)


class ScoreSnapshot(models.Model):
    """The SCORING.md §9 figures of one group and period, as last computed."""

    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    key = models.CharField(_("key"), max_length=64)
    granularity = models.CharField(_("granularity"), max_length=8, choices=Granularity.choices)
    period_start = models.DateField(_("period start"))
    metrics = FiguresField(_("figures"), default=dict)
    # A digest of the figures as written: a recompute rewrites only the snapshots whose figures changed.
    digest = models.BigIntegerField(_("digest"), null=True, editable=False)
    # When these figures were first written as they are (a recompute that changes nothing keeps it).
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
    # The centre-local day whose records changed: its day, week and month are stale. Empty: the whole month.
    day = models.DateField(_("day"), null=True, blank=True)
    marked_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("stale scores")
        verbose_name_plural = _("stale scores")
        indexes = [models.Index(fields=["site", "month"])]

    def __str__(self) -> str:
        return f"{self.site}:{self.month:%Y-%m}"


class ApiToken(models.Model):
    """An integration's API token (issue 9): only its SHA-256 is kept; the token is shown once.

    A token acts as its own service login (``user``, role administrator by default), so
    ``satisfaction.scoping`` decides what it may reach exactly as for a person.
    """

    class Kind(models.TextChoices):
        TELEPHONY = "telephony", _("Telephony platform")
        SMS = "sms", _("SMS provider")
        KPI = "kpi", _("KPI feed")
        OTHER = "other", _("Other integration")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("integration kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as"),
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditAction(models.TextChoices):
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Viewed personal data")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Exported personal data")
    PERSONAL_DATA_ERASED = "personal_data_erased", _("Erased personal data")
    RETENTION_APPLIED = "retention_applied", _("Applied the retention period")
    SURVEY_CHANGED = "survey_changed", _("Changed a survey")
    TICKET_VERIFIED = "ticket_verified", _("Verified a ticket")
    ROLE_CHANGED = "role_changed", _("Changed a role")
    TOKEN_CREATED = "token_created", _("Created an API token")
    TOKEN_ROTATED = "token_rotated", _("Rotated an API token")
    TOKEN_REVOKED = "token_revoked", _("Revoked an API token")


class AuditEvent(models.Model):
    """Who viewed or exported personal data, changed surveys, verified tickets or changed roles (issue 9).

    Rows are only ever inserted; ``detail`` never holds a phone number.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["action", "at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
