"""Reads of follow-up cases and their rules, always starting from ``satisfaction.scoping``."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from agents.followup_rules import DEFAULT_RULES, Rule
from agents.models import ACTIVE_STATUSES, CaseEvent, CaseStatus, FollowUpCase, FollowUpRule, User
from satisfaction import scoping

# The case list's status filter: every status, plus the work still to do and the overdue part of it.
FILTER_ACTIVE = "active"
FILTER_OVERDUE = "overdue"


def followup_rules() -> dict[str, Rule]:
    """The rule of every automatic reason: the stored row where there is one, else the default."""
    rules = dict(DEFAULT_RULES)
    for row in FollowUpRule.objects.all():
        rules[row.reason] = Rule(enabled=row.enabled, threshold=row.threshold, due_hours=row.due_hours)
    return rules


def case_list(user: User, *, status: str = FILTER_ACTIVE, team: str = "", reason: str = "") -> QuerySet[FollowUpCase]:
    """The user's visible cases, filtered by status (or ``active``/``overdue``), team code and reason."""
    cases = scoping.visible_cases(user).select_related("site")
    if status == FILTER_ACTIVE:
        cases = cases.filter(status__in=ACTIVE_STATUSES)
    elif status == FILTER_OVERDUE:
        cases = cases.filter(overdue_filter())
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    if team:
        cases = cases.filter(team__code=team)
    if reason:
        cases = cases.filter(reason=reason)
    return cases.order_by("due_at", "pk")


def overdue_filter() -> Q:
    """Cases past their due time and not yet resolved."""
    return Q(status__in=ACTIVE_STATUSES, due_at__lt=timezone.now())


def case_counts(user: User) -> dict[str, int]:
    """How many of the user's visible cases are active and how many of those are overdue."""
    cases = scoping.visible_cases(user)
    return {
        FILTER_ACTIVE: cases.filter(status__in=ACTIVE_STATUSES).count(),
        FILTER_OVERDUE: cases.filter(overdue_filter()).count(),
    }


def case_events(case: FollowUpCase) -> QuerySet[CaseEvent]:
    """A case's log, oldest first, with who did each step."""
    return case.events.select_related("actor").order_by("at", "pk")
