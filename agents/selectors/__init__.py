"""Reads of the agents app, one module per domain; the public selectors are re-exported here."""

from agents.selectors.cases import case_counts, case_events, case_list, followup_rules
from agents.selectors.kpi import agent_performance, get_kpi_import, import_history
from agents.selectors.notifications import notifications_for, unread_count
from agents.selectors.organisation import agent_list, team_agents, team_overview
from agents.selectors.quality import evaluation_list, evaluation_trend
from agents.selectors.targets import get_target_for_user, month_targets, target_board
from agents.selectors.tickets import (
    grievable_contacts,
    grievance_list,
    praise_candidates,
    praise_list,
    recent_upheld_praise,
    recognition_board,
    upheld_grievance_contact_ids,
    upheld_grievance_response_ids,
)

__all__ = [
    "agent_list",
    "agent_performance",
    "case_counts",
    "case_events",
    "case_list",
    "evaluation_list",
    "evaluation_trend",
    "followup_rules",
    "get_kpi_import",
    "get_target_for_user",
    "grievable_contacts",
    "grievance_list",
    "import_history",
    "month_targets",
    "notifications_for",
    "praise_candidates",
    "praise_list",
    "recent_upheld_praise",
    "recognition_board",
    "target_board",
    "team_agents",
    "team_overview",
    "unread_count",
    "upheld_grievance_contact_ids",
    "upheld_grievance_response_ids",
]
