"""Writes of daily KPI records: imports from CSV, Excel and JSON, all or nothing and idempotent (issue 6)."""

import datetime as dt
import zoneinfo
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.kpi_import import (
    COUNT_COLUMNS,
    PERCENT_COLUMNS,
    KpiRow,
    RecordError,
    is_excel,
    read_csv,
    read_excel,
    read_records,
    validate,
)
from agents.models import Agent, KpiImport, KpiRecord, User
from agents.staff_import import RowError
from satisfaction import services as scoring_services
from satisfaction.exceptions import ValidationFailed
from satisfaction.tasks import schedule_recompute

KPI_BATCH_SIZE = 2000
KPI_FIELDS = (*COUNT_COLUMNS, *PERCENT_COLUMNS)


def import_kpi_file(data: bytes, *, filename: str = "", imported_by: User | None = None) -> KpiImport:
    """Import a CSV or Excel (.xlsx) file of KPI records; refused whole, with every bad line, if any is wrong."""
    excel = is_excel(data)
    frame, errors = read_excel(data) if excel else read_csv(data)
    source = KpiImport.Source.EXCEL if excel else KpiImport.Source.CSV
    return _import(frame, errors, source=source, filename=filename, imported_by=imported_by, error=RowError)


def import_kpi_records(records: Any, *, imported_by: User | None = None) -> KpiImport:
    """Import KPI records sent as a JSON list of objects with the file's columns (the API's bulk import)."""
    frame, errors = read_records(records)
    return _import(frame, errors, source=KpiImport.Source.API, filename="", imported_by=imported_by, error=RecordError)


def _import(
    frame: pd.DataFrame,
    errors: list[RowError],
    *,
    source: str,
    filename: str,
    imported_by: User | None,
    error: type[RowError],
) -> KpiImport:
    history = KpiImport(source=source, filename=filename[:255], imported_by=imported_by, rows=len(frame))
    rows: list[KpiRow] = []
    if not errors:
        numbers = {str(n).strip() for n in frame["employee_number"] if isinstance(n, str)}
        known = set(Agent.objects.filter(employee_number__in=numbers).values_list("employee_number", flat=True))
        rows, errors = validate(frame, known_agents=known, today=timezone.localdate(), error=error)
        if not rows and not errors:
            errors = [error(1, _("There are no KPI rows to import."))]
    if errors:
        # The refusal is history too: who tried to import what, and why it was refused.
        history.status = KpiImport.Status.REFUSED
        history.errors = [str(e) for e in errors]
        history.save()
        raise ValidationFailed(
            _("Nothing was imported: fix every listed line and import again."), details=history.errors
        )
    with transaction.atomic():
        history.status = KpiImport.Status.IMPORTED
        history.rows = len(rows)
        history.first_date = min(row.date for row in rows)
        history.last_date = max(row.date for row in rows)
        history.save()
        _write_records(rows, history=history)
        history.save(update_fields=["created", "updated", "unchanged"])
    return history


def _write_records(rows: list[KpiRow], *, history: KpiImport) -> None:
    """Create new agent-days, replace changed ones, leave identical ones alone (re-importing changes nothing)."""
    agents = dict(
        Agent.objects.filter(employee_number__in={row.employee_number for row in rows}).values_list(
            "employee_number", "pk"
        )
    )
    existing = {
        (record.agent_id, record.date): record
        for record in KpiRecord.objects.filter(
            agent_id__in=agents.values(), date__gte=history.first_date, date__lte=history.last_date
        )
    }
    to_write = []
    for row in rows:
        agent_id = agents[row.employee_number]
        values = row.values()
        current = existing.get((agent_id, row.date))
        if current is None:
            history.created += 1
        elif any(getattr(current, name) != value for name, value in values.items()):
            history.updated += 1
        else:
            history.unchanged += 1
            continue
        to_write.append(KpiRecord(agent_id=agent_id, date=row.date, source_import=history, **values))
    # An upsert, so that a concurrent import of the same agent-day replaces it instead of failing.
    KpiRecord.objects.bulk_create(
        to_write,
        batch_size=KPI_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["agent", "date"],
        update_fields=[*KPI_FIELDS, "source_import", "updated_at"],
    )
    if to_write:
        _mark_stale(to_write)


def _mark_stale(records: list[KpiRecord]) -> None:
    """Mark the score chunks of the written agent-days stale, so §7 snapshots follow the new records."""
    site_of_agent = dict(
        Agent.objects.filter(pk__in={r.agent_id for r in records}).values_list("pk", "team__site__code")
    )
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    moments = {(site_of_agent[r.agent_id], r.date) for r in records}
    chunks = scoring_services.chunks_for_answers(
        sites_and_times=[(site, dt.datetime.combine(day, dt.time(), tzinfo=zone)) for site, day in moments]
    )
    scoring_services.mark_dirty(chunks=chunks)
    transaction.on_commit(schedule_recompute)
