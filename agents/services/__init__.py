"""Writes of the agents app, one module per domain; the public services are re-exported here."""

from agents.services.cases import (
    add_case_note,
    advance_case,
    escalate_overdue_cases,
    open_complaint_case,
    open_followup_cases,
)
from agents.services.kpi import import_kpi_file, import_kpi_records
from agents.services.notifications import mark_notifications_read, notify
from agents.services.organisation import ImportResult, import_agents
from agents.services.quality import record_evaluation
from agents.services.targets import remove_kpi_target, set_focus, set_kpi_target
from agents.services.tickets import file_grievance, open_praise, verify_grievance, verify_praise

__all__ = [
    "ImportResult",
    "add_case_note",
    "advance_case",
    "escalate_overdue_cases",
    "file_grievance",
    "import_agents",
    "import_kpi_file",
    "import_kpi_records",
    "mark_notifications_read",
    "notify",
    "open_complaint_case",
    "open_followup_cases",
    "open_praise",
    "record_evaluation",
    "remove_kpi_target",
    "set_focus",
    "set_kpi_target",
    "verify_grievance",
    "verify_praise",
]
