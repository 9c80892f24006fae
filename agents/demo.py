"""Demo operations on a seeded centre: 90 days of KPI records, quality evaluations, grievances, praise,
follow-up cases in every state (some overdue), focus agents and targets (issue 6).

``seed_operations`` runs after ``satisfaction.demo.seed_demo`` on its agents, contacts and responses.
Every draw comes from the ``rng`` argument over rows read in a fixed order, and the only moment used
is the evening of ``end``, so the same rng state and end date give the same rows.
"""

import datetime as dt
import random
import zoneinfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from agents.models import (
    GRIEVANCE_POINTS,
    GRIEVANCE_SLA,
    PRAISE_POINTS,
    PRAISE_SLA,
    Agent,
    CaseEvent,
    CaseStatus,
    FollowUpCase,
    Grievance,
    KpiImport,
    KpiMetric,
    KpiRecord,
    KpiTarget,
    Notification,
    Praise,
    QualityEvaluation,
    Role,
    Team,
    TicketStatus,
    User,
    evaluation_score,
)
from agents.models.quality import QA_SUB_SCORE_MAX, QA_SUB_SCORES
from agents.services.cases import escalate_overdue_cases, open_followup_cases
from surveys.models import Answer, Contact, Item, Response

BATCH_SIZE = 2000
DEMO_DAYS = 90
# The demo's "now": the evening of its last day, so that the rows do not depend on the clock.
DEMO_HOUR = 18

# KPI records: agents work about five days in seven; figures drawn per agent around team norms.
WORKDAY_SHARE = 5 / 7
HANDLED_MEAN, HANDLED_SD, HANDLED_MIN = 45, 8, 5
AHT_MEAN_S, AHT_SD_S, AHT_AGENT_SD_S, AHT_MIN_S = 380, 45, 60, 120
FCR_MEAN, FCR_AGENT_SD, FCR_DAY_SD = 0.78, 0.06, 0.05
COMPLAINT_RATE, PRAISE_RATE = 0.012, 0.02
SPOT_TEST_SHARE, SPOT_TEST_PASS = 0.3, 0.85
ADHERENCE_MEAN, ADHERENCE_SD = 93.0, 3.0
OCCUPANCY_MEAN, OCCUPANCY_SD = 82.0, 5.0
PERCENT_MAX = 100.0

# Quality evaluations: one or two a week per agent, sub-scores around the agent's own level.
EVALUATIONS_PER_AGENT_WEEK = 1.5
QA_LEVEL_MEAN, QA_LEVEL_SD, QA_DAY_SD = 8.2, 0.7, 1.0
DAYS_PER_WEEK = 7

# Grievances on low-csat contacts, praise on kind comments; their verdicts.
GRIEVANCE_SHARE_OF_LOW_CSAT = 0.25
MIN_GRIEVANCES = 12
GRIEVANCE_UPHELD, GRIEVANCE_REJECTED = 0.6, 0.25  # the rest still wait for quality
PRAISE_SHARE_OF_KIND_COMMENTS = 0.15
SUPERVISOR_PRAISE_PER_TEAM = 3
PRAISE_UPHELD, PRAISE_REJECTED = 0.7, 0.1
VERIFY_WITHIN_HOURS = (4, 60)
LOW_CSAT_MAX = 2
KIND_CSAT_MIN = 5

# Follow-up cases from the last three weeks of responses; how far each has come depends on its age.
CASE_WINDOW_DAYS = 21
OPENED_AFTER_MINUTES = (1, 30)
STEP_HOURS = (2, 20)
# (minimum age in days, weights of the statuses a case of that age has reached)
CASE_PROGRESS = (
    (10, {CaseStatus.ARCHIVED: 0.75, CaseStatus.RESOLVED: 0.2, CaseStatus.INVESTIGATING: 0.03, CaseStatus.OPEN: 0.02}),
    (
        4,
        {
            CaseStatus.ARCHIVED: 0.2,
            CaseStatus.RESOLVED: 0.55,
            CaseStatus.CUSTOMER_CONTACTED: 0.12,
            CaseStatus.INVESTIGATING: 0.08,
            CaseStatus.OPEN: 0.05,
        },
    ),
    (
        0,
        {
            CaseStatus.OPEN: 0.45,
            CaseStatus.INVESTIGATING: 0.3,
            CaseStatus.CUSTOMER_CONTACTED: 0.15,
            CaseStatus.RESOLVED: 0.1,
        },
    ),
)
STATUS_ORDER = (
    CaseStatus.OPEN,
    CaseStatus.INVESTIGATING,
    CaseStatus.CUSTOMER_CONTACTED,
    CaseStatus.RESOLVED,
    CaseStatus.ARCHIVED,
)

FOCUS_AGENTS_PER_TEAM = 2
TARGETS = {
    KpiMetric.AHT: 360.0,
    KpiMetric.FCR: 80.0,
    KpiMetric.QA: 85.0,
    KpiMetric.COMPLAINTS: 10.0,
    KpiMetric.SPOT_TESTS: 85.0,
}
FOCUS_TARGET_STRETCH = {KpiMetric.AHT: 0.95, KpiMetric.FCR: 1.03, KpiMetric.QA: 1.02}

GRIEVANCE_TEXTS = (
    "客户在通话中多次辱骂，并威胁要投诉到媒体。",
    "The caller shouted insults and refused to let me verify the account.",
    "客户要求违规退款，被拒绝后持续人身攻击。",
    "客户威胁要到营业厅找我本人，情绪失控。",
    "The customer used racist language after the third transfer.",
)
VERDICT_UPHELD = (
    "录音确认客户存在辱骂行为，座席处理得当。",
    "Recording confirms abusive language; the agent stayed calm.",
)
VERDICT_REJECTED = (
    "客户情绪激动但未构成辱骂，建议加强安抚话术。",
    "The caller was upset but not abusive; coaching suggested.",
)
PRAISE_VERDICTS = ("客户表扬属实，已核实录音。", "Confirmed with the customer and the recording.")
PRAISE_REJECTIONS = ("表扬针对的是其他座席。", "The praise was about another agent.")
PRAISE_TEXTS = (
    "耐心细致地帮客户解决了复杂的账单问题。",
    "Stayed with an elderly customer until the router worked again.",
    "主动回访客户，确认问题彻底解决。",
    "Turned an angry caller into a thankful one.",
)
CUSTOMER_TOLD = (
    "已致电客户致歉，并说明账单差错已更正，退款三个工作日内到账。",
    "Called the customer back, apologised and confirmed the technician visit for Thursday.",
    "向客户解释了资费规则，客户表示理解并接受补偿方案。",
    "Explained the new process and gave the customer a direct callback number.",
)
CASE_NOTES = ("已调取通话录音。", "Checked the recording and the billing history.", "客户未接听，稍后再拨。")


def delete_operations() -> None:
    """Delete every KPI, quality, ticket, case and notification row, children first, and clear focus flags."""
    for model in (CaseEvent, FollowUpCase.escalated_to.through, FollowUpCase, Notification, Grievance, Praise):
        model.objects.all().delete()
    for model in (QualityEvaluation, KpiRecord, KpiImport, KpiTarget):
        model.objects.all().delete()
    Agent.objects.filter(Q(is_focus=True) | ~Q(focus_note="")).update(is_focus=False, focus_note="")


def seed_operations(*, rng: random.Random, end: dt.date, days: int = DEMO_DAYS) -> dict[str, int]:
    """Replace the operations data of a seeded centre with ``days`` days of it ending on ``end``; return counts."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.combine(end, dt.time(DEMO_HOUR), tzinfo=zone)
    start = end - dt.timedelta(days=days - 1)
    agents = list(Agent.objects.select_related("team").order_by("employee_number"))
    quality = User.objects.filter(role=Role.QUALITY).order_by("username").first()
    with transaction.atomic():
        delete_operations()
        counts = {"kpi_records": _kpi_records(rng, agents, start=start, end=end)}
        counts["evaluations"] = _evaluations(rng, agents, start=start, end=end, evaluator=quality)
        counts.update(_grievances(rng, start=start, now=now, quality=quality))
        counts.update(_praise(rng, start=start, now=now, quality=quality))
        counts.update(_cases(rng, now=now))
        counts.update(_focus_and_targets(rng, end=end))
        counts["notifications"] = Notification.objects.count()
    return counts


def _kpi_records(rng: random.Random, agents: list[Agent], *, start: dt.date, end: dt.date) -> int:
    history = KpiImport.objects.create(
        source=KpiImport.Source.API, filename="demo", status=KpiImport.Status.IMPORTED, first_date=start, last_date=end
    )
    records = []
    for agent in agents:
        aht = max(AHT_MIN_S, rng.gauss(AHT_MEAN_S, AHT_AGENT_SD_S))
        fcr = min(max(rng.gauss(FCR_MEAN, FCR_AGENT_SD), 0.3), 0.97)
        day = max(start, agent.hire_date)
        while day <= end:
            if rng.random() < WORKDAY_SHARE:
                records.append(_kpi_record(rng, agent, day, aht=aht, fcr=fcr, history=history))
            day += dt.timedelta(days=1)
    KpiRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)
    history.rows = history.created = len(records)
    history.save(update_fields=["rows", "created"])
    return len(records)


def _kpi_record(
    rng: random.Random, agent: Agent, day: dt.date, *, aht: float, fcr: float, history: KpiImport
) -> KpiRecord:
    handled = max(HANDLED_MIN, round(rng.gauss(HANDLED_MEAN, HANDLED_SD)))
    seconds = min(round(handled * max(AHT_MIN_S, rng.gauss(aht, AHT_SD_S))), 86_400)
    resolved = min(handled, max(0, round(handled * rng.gauss(fcr, FCR_DAY_SD))))
    taken = sum(rng.random() < SPOT_TEST_SHARE for _ in range(3))
    return KpiRecord(
        agent=agent,
        date=day,
        handled=handled,
        handle_seconds=seconds,
        resolved_first_contact=resolved,
        complaints=sum(rng.random() < COMPLAINT_RATE for _ in range(handled)),
        praise=sum(rng.random() < PRAISE_RATE for _ in range(handled)),
        spot_tests_taken=taken,
        spot_tests_passed=sum(rng.random() < SPOT_TEST_PASS for _ in range(taken)),
        adherence_pct=round(min(PERCENT_MAX, rng.gauss(ADHERENCE_MEAN, ADHERENCE_SD)), 1),
        occupancy_pct=round(min(PERCENT_MAX, rng.gauss(OCCUPANCY_MEAN, OCCUPANCY_SD)), 1),
        source_import=history,
    )


def _evaluations(
    rng: random.Random, agents: list[Agent], *, start: dt.date, end: dt.date, evaluator: User | None
) -> int:
    contacts: dict[int, list[int]] = {}
    for contact_id, agent_id in (
        Contact.objects.filter(started_at__date__gte=start).order_by("external_id").values_list("pk", "agent_id")
    ):
        contacts.setdefault(agent_id, []).append(contact_id)
    evaluations = []
    weeks = max(1, (end - start).days // DAYS_PER_WEEK)
    for agent in agents:
        level = rng.gauss(QA_LEVEL_MEAN, QA_LEVEL_SD)
        for _ in range(round(weeks * EVALUATIONS_PER_AGENT_WEEK)):
            day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
            if day < agent.hire_date:
                continue
            sub_scores = {
                name: min(QA_SUB_SCORE_MAX, max(0, round(rng.gauss(level, QA_DAY_SD)))) for name in QA_SUB_SCORES
            }
            own = contacts.get(agent.pk)
            evaluations.append(
                QualityEvaluation(
                    agent=agent,
                    contact_id=rng.choice(own) if own else None,
                    evaluated_on=day,
                    evaluator=evaluator,
                    score=evaluation_score(sub_scores),
                    **sub_scores,
                )
            )
    QualityEvaluation.objects.bulk_create(evaluations, batch_size=BATCH_SIZE)
    return len(evaluations)


def _verdicts(rng: random.Random, count: int, *, upheld_share: float, rejected_share: float) -> list[str]:
    """Exactly the shares of verdicts (the rest still open), in a random order."""
    upheld, rejected = round(count * upheld_share), round(count * rejected_share)
    verdicts = [TicketStatus.UPHELD] * upheld + [TicketStatus.REJECTED] * rejected
    verdicts += [TicketStatus.OPEN] * (count - len(verdicts))
    rng.shuffle(verdicts)
    return verdicts


def _grievances(rng: random.Random, *, start: dt.date, now: dt.datetime, quality: User | None) -> dict[str, int]:
    low = (
        Response.objects.filter(answered_at__date__gte=start, answers__item=Item.CSAT, answers__value__lte=LOW_CSAT_MAX)
        .select_related("contact", "agent__user")
        .order_by("contact__external_id")
    )
    low = list(low)
    chosen = rng.sample(low, min(len(low), max(MIN_GRIEVANCES, round(len(low) * GRIEVANCE_SHARE_OF_LOW_CSAT))))
    chosen.sort(key=lambda r: r.contact.external_id)
    verdicts = _verdicts(rng, len(chosen), upheld_share=GRIEVANCE_UPHELD, rejected_share=GRIEVANCE_REJECTED)
    grievances, notes = [], []
    for response, status in zip(chosen, verdicts, strict=True):
        filed = response.contact.started_at + dt.timedelta(minutes=rng.randint(5, 240))
        verified = filed + dt.timedelta(hours=rng.randint(*VERIFY_WITHIN_HOURS))
        if status != TicketStatus.OPEN and verified > now:
            status = TicketStatus.OPEN
        upheld = status == TicketStatus.UPHELD
        grievance = Grievance(
            contact=response.contact,
            agent=response.agent,
            description=rng.choice(GRIEVANCE_TEXTS),
            filed_by=response.agent.user,
            filed_at=filed,
            due_at=filed + GRIEVANCE_SLA,
            status=status,
        )
        if status != TicketStatus.OPEN:
            grievance.verified_by, grievance.verified_at = quality, verified
            grievance.verification_reason = rng.choice(VERDICT_UPHELD if upheld else VERDICT_REJECTED)
            grievance.points = GRIEVANCE_POINTS if upheld else 0
            if response.agent.user:
                notes.append(
                    Notification(user=response.agent.user, text=grievance.verification_reason, created_at=verified)
                )
        grievances.append(grievance)
    Grievance.objects.bulk_create(grievances, batch_size=BATCH_SIZE)
    Notification.objects.bulk_create(notes)
    return {
        "grievances": len(grievances),
        "grievances_upheld": sum(g.status == TicketStatus.UPHELD for g in grievances),
    }


def _praise(rng: random.Random, *, start: dt.date, now: dt.datetime, quality: User | None) -> dict[str, int]:
    kind = (
        Answer.objects.filter(
            item=Item.COMMENT,
            response__answered_at__date__gte=start,
            response__answers__item=Item.CSAT,
            response__answers__value__gte=KIND_CSAT_MIN,
        )
        .filter(sentiment=Answer.Sentiment.POSITIVE)
        .select_related("response__contact", "response__agent__team__leader")
        .order_by("response__contact__external_id")
    )
    drafts = []
    for answer in kind:
        if rng.random() < PRAISE_SHARE_OF_KIND_COMMENTS:
            response = answer.response
            opened = response.answered_at + dt.timedelta(hours=rng.randint(1, 48))
            drafts.append((response.agent, response.contact, answer.text, opened, response.agent.team.leader))
    for team in Team.objects.select_related("leader").order_by("code"):
        members = list(team.agents.filter(active=True).order_by("employee_number"))
        for agent in rng.sample(members, min(SUPERVISOR_PRAISE_PER_TEAM, len(members))):
            drafts.append((agent, None, "", now - dt.timedelta(hours=rng.randint(2, 24 * 60)), team.leader))
    verdicts = _verdicts(rng, len(drafts), upheld_share=PRAISE_UPHELD, rejected_share=PRAISE_REJECTED)
    praise = [
        _praise_ticket(
            rng,
            agent=agent,
            contact=contact,
            quote=quote,
            opened=opened,
            opened_by=opened_by,
            status=status,
            now=now,
            quality=quality,
        )
        for (agent, contact, quote, opened, opened_by), status in zip(drafts, verdicts, strict=True)
    ]
    Praise.objects.bulk_create(praise, batch_size=BATCH_SIZE)
    return {"praise": len(praise), "praise_upheld": sum(p.status == TicketStatus.UPHELD for p in praise)}


def _praise_ticket(
    rng: random.Random,
    *,
    agent: Agent,
    contact: Contact | None,
    quote: str,
    opened: dt.datetime,
    opened_by: User | None,
    status: str,
    now: dt.datetime,
    quality: User | None,
) -> Praise:
    verified = opened + dt.timedelta(hours=rng.randint(*VERIFY_WITHIN_HOURS))
    if verified > now:
        status = TicketStatus.OPEN
    praise = Praise(
        agent=agent,
        contact=contact,
        source=Praise.Source.SURVEY_COMMENT if quote else Praise.Source.SUPERVISOR,
        quote=quote,
        description=rng.choice(PRAISE_TEXTS),
        opened_by=opened_by,
        opened_at=opened,
        due_at=opened + PRAISE_SLA,
        status=status,
    )
    if status != TicketStatus.OPEN:
        praise.verified_by, praise.verified_at = quality, verified
        praise.verification_reason = rng.choice(PRAISE_VERDICTS if status == TicketStatus.UPHELD else PRAISE_REJECTIONS)
        praise.points = PRAISE_POINTS if status == TicketStatus.UPHELD else 0
    return praise


def _cases(rng: random.Random, *, now: dt.datetime) -> dict[str, int]:
    since = now - dt.timedelta(days=CASE_WINDOW_DAYS)
    responses = list(
        Response.objects.filter(answered_at__gte=since, answered_at__lt=now)
        .order_by("answered_at", "contact__external_id")
        .values_list("pk", "answered_at")
    )
    open_followup_cases(response_ids=[pk for pk, _answered in responses])
    answered_at = dict(responses)
    cases = list(
        FollowUpCase.objects.filter(response_id__in=answered_at)
        .select_related("team")
        .order_by("response__answered_at", "response__contact__external_id", "reason")
    )
    opened_events = {event.case_id: event for event in CaseEvent.objects.filter(case__in=cases)}
    events = []
    for case in cases:
        rule_hours = case.due_at - case.opened_at
        delay = dt.timedelta(minutes=rng.randint(*OPENED_AFTER_MINUTES))
        case.opened_at = min(answered_at[case.response_id] + delay, now)
        case.due_at = case.opened_at + rule_hours
        opened_events[case.pk].at = case.opened_at
        events += _progress(rng, case, now=now)
    FollowUpCase.objects.bulk_update(
        cases, ["opened_at", "due_at", "status", "customer_told", "resolved_at", "archived_at"], batch_size=BATCH_SIZE
    )
    CaseEvent.objects.bulk_update(opened_events.values(), ["at"], batch_size=BATCH_SIZE)
    CaseEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    # Overdue cases escalate as beat would have done; notifications stay in the app (no e-mail).
    escalate_overdue_cases(now=now, email=False)
    overdue = sum(case.is_overdue(now) for case in cases)
    return {"cases": len(cases), "cases_overdue": overdue}


def _progress(rng: random.Random, case: FollowUpCase, *, now: dt.datetime) -> list[CaseEvent]:
    """Move a case as far as its age suggests, logging each step as its assignee; return the events."""
    age_days = max(0, (now - case.opened_at).days)
    weights = next(weights for minimum, weights in CASE_PROGRESS if age_days >= minimum)
    target = rng.choices(list(weights), weights=list(weights.values()))[0]
    events, moment, status = [], case.opened_at, CaseStatus.OPEN
    for step in STATUS_ORDER[1 : STATUS_ORDER.index(target) + 1]:
        moment += dt.timedelta(hours=rng.randint(*STEP_HOURS))
        if moment >= now:
            break
        note = ""
        if step == CaseStatus.INVESTIGATING:
            note = rng.choice(CASE_NOTES)
        if step == CaseStatus.RESOLVED:
            case.customer_told = note = rng.choice(CUSTOMER_TOLD)
            case.resolved_at = moment
        if step == CaseStatus.ARCHIVED:
            case.archived_at = moment
        events.append(
            CaseEvent(
                case=case,
                at=moment,
                actor_id=case.assignee_id,
                kind=CaseEvent.Kind.STATUS,
                from_status=status,
                to_status=step,
                note=note,
            )
        )
        status = step
    case.status = status
    return events


def _focus_and_targets(rng: random.Random, *, end: dt.date) -> dict[str, int]:
    months = [end.replace(day=1), (end.replace(day=1) - dt.timedelta(days=1)).replace(day=1)]
    targets, focus = [], []
    for team in Team.objects.select_related("leader").order_by("code"):
        members = list(team.agents.filter(active=True).order_by("employee_number"))
        chosen = rng.sample(members, min(FOCUS_AGENTS_PER_TEAM, len(members)))
        for agent in chosen:
            agent.is_focus, agent.focus_note = (
                True,
                rng.choice(("新员工辅导", "Coaching on handle time", "质检得分偏低")),
            )
            focus.append(agent)
        for month in months:
            targets += [
                KpiTarget(team=team, month=month, metric=metric, target=value, set_by=team.leader)
                for metric, value in TARGETS.items()
            ]
            targets += [
                KpiTarget(agent=agent, month=month, metric=metric, target=TARGETS[metric] * stretch, set_by=team.leader)
                for agent in chosen
                for metric, stretch in FOCUS_TARGET_STRETCH.items()
            ]
    Agent.objects.bulk_update(focus, ["is_focus", "focus_note"])
    KpiTarget.objects.bulk_create(targets, batch_size=BATCH_SIZE)
    return {"focus_agents": len(focus), "targets": len(targets)}
