"""Daily per-agent KPI records, the imports that wrote them, and monthly targets (SCORING.md §7)."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models.organisation import Agent, Team, User

PERCENT_MAX = 100


class KpiImport(models.Model):
    """One KPI upload or API call, refused or imported: the import history (issue 6)."""

    class Source(models.TextChoices):
        CSV = "csv", _("CSV file")
        EXCEL = "excel", _("Excel workbook")
        API = "api", _("API (JSON)")

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")

    imported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("imported by")
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("replaced"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    first_date = models.DateField(_("first day"), null=True, blank=True)
    last_date = models.DateField(_("last day"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("KPI import")
        verbose_name_plural = _("KPI imports")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.filename} {self.imported_at:%Y-%m-%d %H:%M}"


class KpiRecord(models.Model):
    """One agent's operational figures for one day; §7 sums them before dividing."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="kpi_records", verbose_name=_("agent"))
    date = models.DateField(_("date"))
    handled = models.PositiveIntegerField(_("handled contacts"))
    handle_seconds = models.PositiveIntegerField(_("handle seconds"))
    resolved_first_contact = models.PositiveIntegerField(_("resolved at first contact"))
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    praise = models.PositiveIntegerField(_("praise"), default=0)
    spot_tests_taken = models.PositiveIntegerField(_("spot tests taken"), default=0)
    spot_tests_passed = models.PositiveIntegerField(_("spot tests passed"), default=0)
    adherence_pct = models.FloatField(_("schedule adherence %"), null=True, blank=True)
    occupancy_pct = models.FloatField(_("occupancy %"), null=True, blank=True)
    source_import = models.ForeignKey(
        KpiImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("written by import"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-date", "agent"]
        verbose_name = _("KPI record")
        verbose_name_plural = _("KPI records")
        constraints = [
            models.UniqueConstraint(fields=["agent", "date"], name="one_kpi_record_per_agent_day"),
            models.CheckConstraint(
                condition=Q(resolved_first_contact__lte=F("handled")), name="kpi_resolved_within_handled"
            ),
            models.CheckConstraint(
                condition=Q(spot_tests_passed__lte=F("spot_tests_taken")), name="kpi_passed_within_taken"
            ),
            models.CheckConstraint(
                condition=Q(adherence_pct__isnull=True) | Q(adherence_pct__gte=0, adherence_pct__lte=PERCENT_MAX),
                name="kpi_adherence_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(occupancy_pct__isnull=True) | Q(occupancy_pct__gte=0, occupancy_pct__lte=PERCENT_MAX),
                name="kpi_occupancy_is_a_percentage",
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.agent_id}:{self.date}"


class KpiMetric(models.TextChoices):
    """The §7 figures a team leader can set a monthly target for (SCORING.md §9 names)."""

    AHT = "aht_s", _("Average handle time (s)")
    FCR = "fcr_operational_pct", _("First-contact resolution %")
    QA = "qa_courtesy", _("QA courtesy score")
    COMPLAINTS = "complaints_per_1k", _("Complaints per 1,000 contacts")
    PRAISE = "praise_per_1k", _("Praise per 1,000 contacts")
    SPOT_TESTS = "spot_test_pass_pct", _("Spot-test pass rate %")


# Shorter handling and fewer complaints are better; every other target is a floor.
LOWER_IS_BETTER = frozenset({KpiMetric.AHT, KpiMetric.COMPLAINTS})


class KpiTarget(models.Model):
    """A monthly target for one figure, for one agent or for a whole team (seed 001)."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="kpi_targets", verbose_name=_("agent")
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="kpi_targets", verbose_name=_("team")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    metric = models.CharField(_("figure"), max_length=32, choices=KpiMetric.choices)
    target = models.FloatField(_("target"))
    set_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("set by")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["month", "team", "agent", "metric"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(agent__isnull=True, team__isnull=False) | Q(agent__isnull=False, team__isnull=True),
                name="kpi_target_for_agent_or_team",
            ),
            models.UniqueConstraint(
                fields=["agent", "month", "metric"], condition=Q(agent__isnull=False), name="one_target_per_agent"
            ),
            models.UniqueConstraint(
                fields=["team", "month", "metric"], condition=Q(team__isnull=False), name="one_target_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}:{self.month:%Y-%m}={self.target}"

    def is_met(self, actual: float | None) -> bool | None:
        """Whether ``actual`` reaches the target (None when there is no actual figure)."""
        if actual is None:
            return None
        return actual <= self.target if self.metric in LOWER_IS_BETTER else actual >= self.target
