"""The agents app's models: the organisation, KPI records, quality, tickets, follow-up cases, notifications."""

from agents.models.cases import (
    ACTIVE_STATUSES,
    AUTOMATIC_REASONS,
    CASE_TRANSITIONS,
    CaseEvent,
    CaseReason,
    CaseStatus,
    FollowUpCase,
    FollowUpRule,
)
from agents.models.kpi import LOWER_IS_BETTER, KpiImport, KpiMetric, KpiRecord, KpiTarget
from agents.models.notifications import Notification
from agents.models.organisation import Agent, Role, Site, SkillGroup, Team, User
from agents.models.quality import QA_SUB_SCORE_MAX, QA_SUB_SCORES, QualityEvaluation, evaluation_score
from agents.models.tickets import (
    GRIEVANCE_POINTS,
    GRIEVANCE_SLA,
    PRAISE_POINTS,
    PRAISE_SLA,
    Grievance,
    Praise,
    TicketStatus,
)

__all__ = [
    "ACTIVE_STATUSES",
    "AUTOMATIC_REASONS",
    "CASE_TRANSITIONS",
    "GRIEVANCE_POINTS",
    "GRIEVANCE_SLA",
    "LOWER_IS_BETTER",
    "PRAISE_POINTS",
    "PRAISE_SLA",
    "QA_SUB_SCORES",
    "QA_SUB_SCORE_MAX",
    "Agent",
    "CaseEvent",
    "CaseReason",
    "CaseStatus",
    "FollowUpCase",
    "FollowUpRule",
    "Grievance",
    "KpiImport",
    "KpiMetric",
    "KpiRecord",
    "KpiTarget",
    "Notification",
    "Praise",
    "QualityEvaluation",
    "Role",
    "Site",
    "SkillGroup",
    "Team",
    "TicketStatus",
    "User",
    "evaluation_score",
]
