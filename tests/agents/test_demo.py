"""Demo operations on a seeded centre: every kind of row, cases in every state, reproducible."""

import datetime as dt
import hashlib
import random

import pytest
from django.db import transaction

from agents.demo import seed_operations
from agents.models import (
    CaseStatus,
    FollowUpCase,
    Grievance,
    KpiRecord,
    KpiTarget,
    Praise,
    QualityEvaluation,
    TicketStatus,
)
from satisfaction import demo

END = dt.date(2026, 3, 31)
VOLUME = 0.5


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One light demo centre with its operations, shared by the read-only tests and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo.seed_demo("small", seed=3, end_date=END, contacts_per_agent_day=VOLUME)
        counts = seed_operations(rng=random.Random(11), end=END)
        yield counts
        transaction.set_rollback(True)


def digest() -> str:
    """The operations rows by natural keys (primary keys differ between runs)."""
    tables = [
        KpiRecord.objects.order_by("agent__employee_number", "date").values_list(
            "agent__employee_number", "date", "handled", "handle_seconds", "resolved_first_contact", "adherence_pct"
        ),
        QualityEvaluation.objects.order_by(
            "agent__employee_number", "evaluated_on", "score", "contact__external_id"
        ).values_list("agent__employee_number", "evaluated_on", "score", "contact__external_id"),
        Grievance.objects.order_by("contact__external_id").values_list("contact__external_id", "status", "filed_at"),
        Praise.objects.order_by("agent__employee_number", "opened_at").values_list(
            "agent__employee_number", "status", "opened_at", "quote"
        ),
        FollowUpCase.objects.order_by("contact__external_id", "reason").values_list(
            "contact__external_id", "reason", "status", "opened_at", "due_at", "escalated_at", "customer_told"
        ),
        KpiTarget.objects.order_by("team__code", "agent__employee_number", "month", "metric").values_list(
            "team__code", "agent__employee_number", "month", "metric", "target"
        ),
    ]
    return hashlib.sha256(repr([list(rows) for rows in tables]).encode()).hexdigest()


@pytest.mark.django_db
def test_the_demo_has_every_kind_of_operations_row(seeded):
    for name in ("kpi_records", "evaluations", "grievances", "grievances_upheld", "praise", "praise_upheld", "cases"):
        assert seeded[name] > 0, name
    assert seeded["kpi_records"] == KpiRecord.objects.count()
    assert seeded["focus_agents"] > 0 and seeded["targets"] > 0


@pytest.mark.django_db
def test_the_demo_has_ninety_days_of_kpi_records(seeded):
    days = sorted(set(KpiRecord.objects.values_list("date", flat=True)))
    assert (days[0], days[-1]) == (END - dt.timedelta(days=89), END)


@pytest.mark.django_db
def test_the_demo_has_cases_in_every_state_some_overdue_and_escalated(seeded):
    statuses = set(FollowUpCase.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    assert seeded["cases_overdue"] > 0
    assert FollowUpCase.objects.filter(escalated_at__isnull=False).exists()
    assert FollowUpCase.objects.filter(reason="mismatch", cause_not_captured=True).exists()
    closed = FollowUpCase.objects.filter(status__in=[CaseStatus.RESOLVED, CaseStatus.ARCHIVED])
    assert not closed.filter(customer_told="").exists()


@pytest.mark.django_db
def test_the_demo_tickets_have_every_verdict(seeded):
    assert set(Grievance.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    assert set(Praise.objects.values_list("status", flat=True)) == set(TicketStatus.values)


@pytest.mark.django_db
def test_the_demo_is_reproducible_and_replaces_itself(seeded):
    first = digest()
    again = seed_operations(rng=random.Random(11), end=END)
    assert digest() == first
    assert again["kpi_records"] == seeded["kpi_records"]
