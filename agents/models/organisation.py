"""Sites, teams, skill groups, agents and the people who log in, with their roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    HR = "hr", _("HR")
    SUPERVISOR = "supervisor", _("Supervisor / team leader")
    QUALITY = "quality", _("Quality")
    AGENT = "agent", _("Agent")


class User(AbstractUser):
    """A login; what it may see follows from ``role`` through ``satisfaction.scoping``."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    supervised_sites = models.ManyToManyField(
        "Site", blank=True, related_name="supervisors", verbose_name=_("supervised sites")
    )
    supervised_teams = models.ManyToManyField(
        "Team", blank=True, related_name="supervisors", verbose_name=_("supervised teams")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class Site(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name or self.code


class Team(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="teams", verbose_name=_("site"))
    leader = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team leader"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name or self.code


class SkillGroup(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("skill group")
        verbose_name_plural = _("skill groups")

    def __str__(self) -> str:
        return self.name or self.code


class Agent(models.Model):
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    hire_date = models.DateField(_("hire date"))
    active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agents", verbose_name=_("team"))
    skill_groups = models.ManyToManyField(SkillGroup, blank=True, related_name="agents", verbose_name=_("skill groups"))
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent",
        verbose_name=_("login"),
    )
    # Seed 001: team leaders single out agents to coach against monthly targets.
    is_focus = models.BooleanField(_("focus agent"), default=False)
    focus_note = models.CharField(_("why in focus"), max_length=200, blank=True)

    class Meta:
        ordering = ["employee_number"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_number})"
