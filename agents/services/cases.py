"""Writes of follow-up cases: opening them from responses or complaints, the state machine, escalation."""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agents.followup_rules import case_reasons, response_figures
from agents.models import (
    ACTIVE_STATUSES,
    CASE_TRANSITIONS,
    Agent,
    CaseEvent,
    CaseReason,
    CaseStatus,
    FollowUpCase,
    Role,
    User,
)
from agents.selectors.cases import followup_rules
from agents.services.notifications import notify
from satisfaction import pagecache, scoring
from satisfaction.exceptions import Conflict, ValidationFailed
from satisfaction.services import survey_weights
from surveys.models import Answer, Contact, Response

logger = logging.getLogger(__name__)

# A complaint opened by hand is answered within two days, like a low score.
COMPLAINT_DUE = dt.timedelta(hours=48)
MAX_NOTE = 4000
CASE_BATCH_SIZE = 1000


def open_followup_cases(*, response_ids: Iterable[int]) -> int:
    """Open the cases the rules call for on these responses (SCORING.md §4); idempotent per response and reason."""
    ids = sorted(set(response_ids))
    if not ids:
        return 0
    table = _response_table(ids)
    if table.empty:
        return 0
    rules = followup_rules()
    triggered = case_reasons(table, rules)
    if not triggered:
        return 0
    figures = response_figures(table)
    responses = Response.objects.select_related("agent__team").in_bulk({response_id for response_id, _ in triggered})
    now = timezone.now()
    cases = []
    for response_id, reason in triggered:
        response = responses[response_id]
        team = response.agent.team
        cases.append(
            FollowUpCase(
                reason=reason,
                response=response,
                contact_id=response.contact_id,
                agent=response.agent,
                team=team,
                site_id=team.site_id,
                cause_not_captured=reason == CaseReason.MISMATCH,
                figures=figures[response_id],
                assignee_id=team.leader_id,
                opened_at=now,
                due_at=now + dt.timedelta(hours=rules[reason].due_hours),
            )
        )
    with transaction.atomic():
        # A concurrent or repeated call inserts nothing twice (one case per response and reason).
        FollowUpCase.objects.bulk_create(cases, batch_size=CASE_BATCH_SIZE, ignore_conflicts=True)
        # Cases are always logged in the transaction that opens them, so the unlogged ones are ours.
        opened = list(
            FollowUpCase.objects.filter(response_id__in=ids)
            .filter(~Exists(CaseEvent.objects.filter(case=OuterRef("pk"))))
            .values_list("pk", flat=True)
        )
        CaseEvent.objects.bulk_create(
            [CaseEvent(case_id=pk, at=now, kind=CaseEvent.Kind.OPENED, to_status=CaseStatus.OPEN) for pk in opened],
            batch_size=CASE_BATCH_SIZE,
        )
        if opened:
            pagecache.bump()  # written in bulk: no save signal tells the kept dashboards
    return len(opened)


def open_complaint_case(
    *, agent: Agent, description: str, opened_by: User | None, contact: Contact | None = None
) -> FollowUpCase:
    """A case opened by hand from a customer's complaint, assigned to the agent's team leader."""
    description = _clean(description, what=_("Describe the complaint."))
    if contact is not None and contact.agent_id != agent.pk:
        raise ValidationFailed(_("The contact was handled by another agent."))
    now = timezone.now()
    with transaction.atomic():
        case = FollowUpCase.objects.create(
            reason=CaseReason.COMPLAINT,
            contact=contact,
            agent=agent,
            team=agent.team,
            site_id=agent.team.site_id,
            description=description,
            assignee_id=agent.team.leader_id,
            opened_by=opened_by,
            opened_at=now,
            due_at=now + COMPLAINT_DUE,
        )
        CaseEvent.objects.create(case=case, at=now, actor=opened_by, kind=CaseEvent.Kind.OPENED, to_status=case.status)
    return case


def advance_case(
    case: FollowUpCase, *, to: str, actor: User | None, note: str = "", customer_told: str = ""
) -> FollowUpCase:
    """Move a case one step on (open → investigating → customer contacted → resolved → archived), logged.

    No case is resolved without a note of what the customer was told (seed 004: every complaint answered).
    """
    note = (note or "").strip()
    customer_told = (customer_told or "").strip()
    if len(note) > MAX_NOTE or len(customer_told) > MAX_NOTE:
        raise ValidationFailed(_("The text is longer than %(n)s characters.") % {"n": MAX_NOTE})
    with transaction.atomic():
        case = FollowUpCase.objects.select_for_update().get(pk=case.pk)
        if to not in CASE_TRANSITIONS[case.status]:
            raise Conflict(
                _("A case that is “%(from)s” cannot move to “%(to)s”.")
                % {"from": case.get_status_display(), "to": dict(CaseStatus.choices).get(to, to)}
            )
        now = timezone.now()
        if to == CaseStatus.RESOLVED:
            if not customer_told:
                raise ValidationFailed(_("Write down what the customer was told before closing the case."))
            case.customer_told = customer_told
            case.resolved_at = now
        if to == CaseStatus.ARCHIVED:
            if not case.customer_told:
                raise ValidationFailed(_("Write down what the customer was told before closing the case."))
            case.archived_at = now
        previous, case.status = case.status, to
        case.save(update_fields=["status", "customer_told", "resolved_at", "archived_at"])
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=actor,
            kind=CaseEvent.Kind.STATUS,
            from_status=previous,
            to_status=to,
            note=customer_told if to == CaseStatus.RESOLVED and not note else note,
        )
    return case


def add_case_note(case: FollowUpCase, *, actor: User | None, note: str) -> CaseEvent:
    """A note in the case's log (a call attempt, a finding), without changing its status."""
    note = _clean(note, what=_("The note is empty."))
    return CaseEvent.objects.create(case=case, actor=actor, kind=CaseEvent.Kind.NOTE, note=note)


def escalate_overdue_cases(*, now: dt.datetime | None = None, email: bool = True) -> int:
    """Escalate every overdue, not yet escalated case to its site's supervisors; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        cases = list(
            FollowUpCase.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("site", "agent")
            .filter(status__in=ACTIVE_STATUSES, due_at__lt=now, escalated_at__isnull=True)
            .order_by("due_at", "pk")
        )
        if not cases:
            return 0
        supervisors = site_supervisors(site_ids={case.site_id for case in cases})
        events, links, unsupervised = [], [], set()
        through = FollowUpCase.escalated_to.through
        for case in cases:
            users = supervisors.get(case.site_id, [])
            case.escalated_at = now
            if users:
                links += [through(followupcase_id=case.pk, user_id=user.pk) for user in users]
                note = ", ".join(user.get_full_name() or user.username for user in users)
            else:
                unsupervised.add(case.site.code)
                note = _("no supervisor is assigned to site %(s)s") % {"s": case.site.code}
            events.append(CaseEvent(case=case, at=now, kind=CaseEvent.Kind.ESCALATED, note=note))
            with translation.override(settings.LANGUAGE_CODE):
                text = _("Case %(n)s (%(r)s, agent %(a)s) is overdue since %(d)s and was escalated to you.") % {
                    "n": case.pk,
                    "r": case.get_reason_display(),
                    "a": case.agent.name,
                    "d": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"),
                }
            notify(users=users, text=text, link=reverse("agents:case", args=[case.pk]), email=email)
        if unsupervised:
            logger.warning(
                "Overdue cases escalated to nobody: no supervisor for sites %s.", ", ".join(sorted(unsupervised))
            )
        FollowUpCase.objects.bulk_update(cases, ["escalated_at"])
        through.objects.bulk_create(links, ignore_conflicts=True)
        CaseEvent.objects.bulk_create(events)
        pagecache.bump()
    return len(cases)


def site_supervisors(*, site_ids: Iterable[int]) -> dict[int, list[User]]:
    """Active supervisors per site they oversee."""
    through = User.supervised_sites.through
    links = through.objects.filter(
        site_id__in=list(site_ids), user__role=Role.SUPERVISOR, user__is_active=True
    ).select_related("user")
    found: dict[int, list[User]] = defaultdict(list)
    for link in links.order_by("user__username"):
        found[link.site_id].append(link.user)
    return found


def _response_table(response_ids: list[int]) -> pd.DataFrame:
    """§2-§4 figures per response (``scoring.response_table``) from the answers of these responses."""
    rows = Answer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "item", "dimension", "value", "sentiment"
    )
    answers = pd.DataFrame.from_records(list(rows), columns=["response_id", "item", "dimension", "value", "sentiment"])
    if answers.empty:
        return pd.DataFrame()
    answers["dimension"] = answers["dimension"].where(answers["dimension"] != "", None)
    answers["value"] = answers["value"].astype(float)
    answers["comment_negative"] = answers.pop("sentiment").eq(Answer.Sentiment.NEGATIVE)
    return scoring.response_table(answers, weights=survey_weights())


def _clean(text: str, *, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(what)
    if len(text) > MAX_NOTE:
        raise ValidationFailed(_("The text is longer than %(n)s characters.") % {"n": MAX_NOTE})
    return text
