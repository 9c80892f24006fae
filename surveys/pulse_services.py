"""Writes for employee pulses and staff voice: the bank, surveys, schedules, rounds, answers, ideas.

The anonymity of SCORING.md §5 is kept here at write time: ``submit_pulse`` stores the answers
with the round, team, site and tenure band only, and flips the respondent's participation in
the same transaction without writing anything the two rows could be joined on.
"""

import calendar
import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agents.models import Agent, User
from satisfaction import pagecache, scoping
from satisfaction.exceptions import Conflict, NotFound, ValidationFailed
from satisfaction.scoring import anonymity_k
from surveys.models import (
    PulseAnswer,
    PulseFrequency,
    PulseParticipation,
    PulseQuestion,
    PulseRound,
    PulseSchedule,
    PulseSubmission,
    PulseSurvey,
    PulseSurveyQuestion,
    Suggestion,
    tenure_band_on,
)
from surveys.pulse_bank import STANDARD_QUESTIONS

logger = logging.getLogger(__name__)

INVITE_BATCH_SIZE = 1000
EMAIL_BATCH_SIZE = 100
MAX_COMMENT_CHARS = 2000
# A recurring round must close before the next one opens.
FREQUENCY_DAYS = {PulseFrequency.WEEKLY: 7, PulseFrequency.FORTNIGHTLY: 14}
SHORTEST_MONTH_DAYS = 28
MAX_WINDOW_DAYS = 60
TRACKING_CODE_BYTES = 9
# Fields that decide how an answer is scored (SCORING.md §1, §5); frozen once a question is answered.
SCORING_FIELDS = ("kind", "category", "reverse")


# --- question bank and surveys -------------------------------------------------------------------


def load_standard_question_bank() -> int:
    """Add the standard questions missing from the bank; returns how many were added."""
    added = 0
    for item in STANDARD_QUESTIONS:
        _question, created = PulseQuestion.objects.get_or_create(
            code=item.code,
            defaults={
                "topic": item.topic,
                "kind": item.kind,
                "category": item.category,
                "reverse": item.reverse,
                "text_en": item.text_en,
                "text_zh": item.text_zh,
                "allows_comment": item.allows_comment,
            },
        )
        added += created
    return added


def save_question(*, question: PulseQuestion | None, data: Mapping[str, object]) -> PulseQuestion:
    """Create a bank question, or change one; an answered question keeps its scale, index and direction."""
    if question is None:
        return PulseQuestion.objects.create(**data)
    if question.answers.exists() and any(data[name] != getattr(question, name) for name in SCORING_FIELDS):
        raise Conflict(
            _("This question has been answered: its scale, index and direction can no longer change. Add a new one.")
        )
    for name, value in data.items():
        setattr(question, name, value)
    question.save()
    return question


@transaction.atomic
def save_survey(
    *,
    survey: PulseSurvey | None,
    data: Mapping[str, object],
    questions: Sequence[PulseQuestion],
    target_sites: Iterable,
    target_teams: Iterable,
    user: User,
) -> PulseSurvey:
    """Create or change a pulse survey; its questions are fixed once it has run, so trends compare like with like."""
    if not questions:
        raise ValidationFailed(_("A pulse survey needs at least one question."))
    if survey is None:
        survey = PulseSurvey.objects.create(created_by=user, **data)
        current: list[int] = []
    else:
        for name, value in data.items():
            setattr(survey, name, value)
        survey.save()
        current = list(survey.survey_questions.order_by("position").values_list("question_id", flat=True))
    wanted = [question.pk for question in questions]
    if wanted != current:
        if survey.rounds.exists():
            raise Conflict(_("This survey has already run, so its questions are fixed. Create a new survey instead."))
        survey.survey_questions.all().delete()
        PulseSurveyQuestion.objects.bulk_create(
            [PulseSurveyQuestion(survey=survey, question_id=pk, position=i) for i, pk in enumerate(wanted, start=1)]
        )
    survey.target_sites.set(target_sites)
    survey.target_teams.set(target_teams)
    return survey


# --- schedules and rounds ------------------------------------------------------------------------


def schedule_occurrence(first_opens_at: dt.datetime, *, frequency: str, index: int) -> dt.datetime:
    """The ``index``-th opening of a schedule (0 is the first), in the centre's local time.

    Monthly openings keep the first one's day of month, moved to the month's last day when the
    month is shorter (31 January, 28 February, 31 March), so the day never drifts.
    """
    local = timezone.localtime(first_opens_at)
    naive = local.replace(tzinfo=None)
    if frequency == PulseFrequency.MONTHLY:
        months = local.month - 1 + index
        year, month = local.year + months // 12, months % 12 + 1
        naive = naive.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))
    elif frequency in FREQUENCY_DAYS:
        naive = naive + dt.timedelta(days=FREQUENCY_DAYS[frequency] * index)
    elif index:
        raise ValueError("a one-off schedule has a single occurrence")
    return timezone.make_aware(naive)


def add_schedule(
    *,
    survey: PulseSurvey,
    frequency: str,
    first_opens_at: dt.datetime,
    window_days: int,
    reminder_days: Sequence[int],
) -> PulseSchedule:
    """Schedule a survey once or recurring; the hourly beat task opens each round when it is due."""
    _check_window(frequency=frequency, window_days=window_days, reminder_days=reminder_days)
    if not survey.survey_questions.exists():
        raise ValidationFailed(_("A pulse survey needs at least one question."))
    return PulseSchedule.objects.create(
        survey=survey,
        frequency=frequency,
        first_opens_at=first_opens_at,
        next_run_at=first_opens_at,
        window_days=window_days,
        reminder_days=sorted(set(reminder_days)),
    )


def set_schedule_active(*, schedule: PulseSchedule, active: bool, now: dt.datetime) -> PulseSchedule:
    """Pause or resume a schedule; resuming skips the openings missed while paused."""
    schedule.active = active
    if active and schedule.next_run_at is not None:
        _advance_past(schedule, now=now, include_now=False)
    schedule.save(update_fields=["active", "next_run_at", "runs"])
    return schedule


def open_due_rounds(*, now: dt.datetime) -> list[int]:
    """Open a round for every active schedule that is due; returns the new rounds' ids."""
    opened = []
    due = PulseSchedule.objects.filter(active=True, next_run_at__lte=now).values_list("pk", flat=True)
    for schedule_id in list(due):
        with transaction.atomic():
            schedule = PulseSchedule.objects.select_for_update().select_related("survey").get(pk=schedule_id)
            # Another worker may have opened it between the query and the lock.
            if not schedule.active or schedule.next_run_at is None or schedule.next_run_at > now:
                continue
            pulse_round = open_round(
                survey=schedule.survey,
                now=now,
                window_days=schedule.window_days,
                reminder_days=schedule.reminder_days,
                schedule=schedule,
            )
            # Openings missed while beat was down are skipped: one round now, the next in the future.
            _advance_past(schedule, now=now, include_now=True)
            schedule.save(update_fields=["next_run_at", "runs", "active"])
            opened.append(pulse_round.pk)
    return opened


def open_round(
    *,
    survey: PulseSurvey,
    now: dt.datetime,
    window_days: int,
    reminder_days: Sequence[int],
    schedule: PulseSchedule | None = None,
) -> PulseRound:
    """Open a round now and invite the targeted agents; invitations are emailed after commit."""
    _check_window(frequency=PulseFrequency.ONCE, window_days=window_days, reminder_days=reminder_days)
    if not survey.survey_questions.exists():
        raise ValidationFailed(_("A pulse survey needs at least one question."))
    with transaction.atomic():
        number = (survey.rounds.aggregate(last=Max("number"))["last"] or 0) + 1
        pulse_round = PulseRound.objects.create(
            survey=survey,
            schedule=schedule,
            number=number,
            opens_at=now,
            closes_at=now + dt.timedelta(days=window_days),
            reminder_days=sorted(set(reminder_days)),
        )
        today = timezone.localdate(now)
        PulseParticipation.objects.bulk_create(
            [
                PulseParticipation(
                    round=pulse_round,
                    agent=agent,
                    team_code=agent.team.code,
                    site_code=agent.team.site.code,
                    tenure_band=tenure_band_on(agent.hire_date, today),
                )
                for agent in targeted_agents(survey)
            ],
            batch_size=INVITE_BATCH_SIZE,
        )
        transaction.on_commit(partial(_queue_invitations, pulse_round.pk))
    return pulse_round


def targeted_agents(survey: PulseSurvey) -> list[Agent]:
    """Active agents with a login in the survey's target sites and teams (all of them when none are set)."""
    agents = Agent.objects.filter(active=True, user__isnull=False, user__is_active=True).select_related("team__site")
    sites = list(survey.target_sites.values_list("pk", flat=True))
    teams = list(survey.target_teams.values_list("pk", flat=True))
    if sites or teams:
        agents = agents.filter(Q(team__site__in=sites) | Q(team__in=teams))
    return list(agents.order_by("employee_number"))


def close_round(*, pulse_round: PulseRound, now: dt.datetime) -> PulseRound:
    """Close a round before its window ends (HR)."""
    if pulse_round.closed_at is not None:
        raise Conflict(_("This round is already closed."))
    pulse_round.closed_at = now
    pulse_round.closes_at = min(pulse_round.closes_at, now)
    pulse_round.save(update_fields=["closed_at", "closes_at"])
    return pulse_round


def close_due_rounds(*, now: dt.datetime) -> int:
    """Close every round whose window has ended; returns how many."""
    closed = PulseRound.objects.filter(closed_at__isnull=True, closes_at__lte=now).update(closed_at=now)
    if closed:
        pagecache.bump()  # an update, not a save: no signal tells the kept dashboards
    return closed


# --- invitations and reminders -------------------------------------------------------------------


def send_invitations(*, round_id: int) -> int:
    """Email the round's invitees not yet told about it; safe to run again after a failure."""
    pulse_round = PulseRound.objects.select_related("survey").get(pk=round_id)
    if pulse_round.closed_at is not None:
        return 0
    pending = pulse_round.participations.filter(invitation_sent=False, agent__user__isnull=False).select_related(
        "agent__user"
    )
    sent = 0
    for batch in _batches(list(pending), EMAIL_BATCH_SIZE):
        messages = [_pulse_email(pulse_round, p.agent.user, reminder=False) for p in batch if p.agent.user.email]
        _send(messages)
        PulseParticipation.objects.filter(pk__in=[p.pk for p in batch]).update(invitation_sent=True)
        sent += len(messages)
    return sent


def send_due_reminders(*, now: dt.datetime) -> int:
    """Remind those who have not answered, once per reminder time that has passed; returns emails sent."""
    sent = 0
    open_rounds = PulseRound.objects.filter(closed_at__isnull=True, opens_at__lte=now, closes_at__gt=now)
    for round_id in list(open_rounds.values_list("pk", flat=True)):
        with transaction.atomic():
            pulse_round = PulseRound.objects.select_for_update().select_related("survey").get(pk=round_id)
            due = [
                wave
                for wave, days in enumerate(pulse_round.reminder_days, start=1)
                if wave > pulse_round.reminders_sent and pulse_round.opens_at + dt.timedelta(days=days) <= now
            ]
            if not due:
                continue
            # Several reminder times passed while beat was down make one reminder, not several.
            waiting = pulse_round.participations.filter(answered=False, agent__user__isnull=False).select_related(
                "agent__user"
            )
            waiting = list(waiting)
            messages = [_pulse_email(pulse_round, p.agent.user, reminder=True) for p in waiting if p.agent.user.email]
            for batch in _batches(messages, EMAIL_BATCH_SIZE):
                _send(batch)
            PulseParticipation.objects.filter(pk__in=[p.pk for p in waiting]).update(
                reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
            )
            pulse_round.reminders_sent = due[-1]
            pulse_round.save(update_fields=["reminders_sent"])
            sent += len(messages)
    return sent


# --- answering -----------------------------------------------------------------------------------


def submit_pulse(
    *,
    user: User,
    round_id: int,
    values: Mapping[int, float | None],
    comments: Mapping[int, str],
    now: dt.datetime,
) -> None:
    """Store one anonymous answer set and mark the user as having answered; a second answer is refused.

    Returns nothing on purpose: no caller should hold the new submission next to the user.
    """
    with transaction.atomic():
        participation = (
            scoping.own_pulse_participations(user).select_for_update(of=("self",)).filter(round_id=round_id).first()
        )
        if participation is None:
            raise NotFound()
        if participation.answered:
            raise Conflict(_("You have already answered this pulse. Each person answers once."))
        pulse_round = participation.round
        if not pulse_round.is_open(now):
            raise Conflict(_("This pulse is closed."))
        questions = {
            link.question_id: link.question for link in pulse_round.survey.survey_questions.select_related("question")
        }
        rows = _answer_rows(questions, values=values, comments=comments)
        submission = PulseSubmission.objects.create(
            round=pulse_round,
            team_code=participation.team_code,
            site_code=participation.site_code,
            tenure_band=participation.tenure_band,
        )
        PulseAnswer.objects.bulk_create(
            [PulseAnswer(submission=submission, question_id=pk, value=value, comment=text) for pk, value, text in rows]
        )
        participation.answered = True
        participation.save(update_fields=["answered"])


def _answer_rows(
    questions: Mapping[int, PulseQuestion], *, values: Mapping[int, float | None], comments: Mapping[int, str]
) -> list[tuple[int, float, str]]:
    """Validated (question, value, comment) rows; a comment needs an answer to the same question."""
    unknown = (set(values) | set(comments)) - set(questions)
    if unknown:
        raise ValidationFailed(_("The answers do not match this pulse's questions."))
    rows = []
    for pk, question in questions.items():
        value = values.get(pk)
        text = (comments.get(pk) or "").strip()
        if text and not question.allows_comment:
            raise ValidationFailed(_("This question takes no comment."))
        if len(text) > MAX_COMMENT_CHARS:
            raise ValidationFailed(_("A comment may have at most 2000 characters."))
        if value is None:
            if text:
                raise ValidationFailed(_("Answer the question you comment on."))
            continue
        low, high = question.scale
        if value != int(value) or not low <= value <= high:
            raise ValidationFailed(_("An answer is outside its scale."))
        rows.append((pk, float(value), text))
    if not rows:
        raise ValidationFailed(_("Answer at least one question."))
    return rows


# --- staff voice ---------------------------------------------------------------------------------


def submit_suggestion(
    *, user: User, topic: str, title: str, body: str, anonymous: bool, today: dt.date
) -> tuple[Suggestion, str]:
    """Record an idea; returns it with the tracking code an anonymous author follows it by ("" when open)."""
    code = ""
    fields: dict[str, object] = {}
    if anonymous:
        # Only the hash is kept, so the code is shown once and nobody can look it up from the row.
        code = secrets.token_urlsafe(TRACKING_CODE_BYTES)
        fields["tracking_hash"] = Suggestion.hash_tracking_code(code)
    else:
        agent = scoping.own_agent(user)
        fields.update(
            author=user, team_code=agent.team.code if agent else "", site_code=agent.team.site.code if agent else ""
        )
    suggestion = Suggestion.objects.create(
        topic=topic, title=title.strip(), body=body.strip(), anonymous=anonymous, submitted_on=today, **fields
    )
    return suggestion, code


def respond_to_suggestion(
    *, suggestion: Suggestion, user: User, status: str, response: str, today: dt.date
) -> Suggestion:
    """Answer an idea and set its status; adopting it dates it for the adopted-ideas page."""
    if status not in Suggestion.Status.values:
        raise ValidationFailed(_("Unknown status."))
    if status in (Suggestion.Status.ADOPTED, Suggestion.Status.DECLINED) and not response.strip():
        raise ValidationFailed(_("Tell the author why when you adopt or decline an idea."))
    suggestion.status = status
    suggestion.response = response.strip()
    suggestion.responded_by = user
    suggestion.responded_on = today
    if status == Suggestion.Status.ADOPTED and suggestion.adopted_on is None:
        suggestion.adopted_on = today
    elif status != Suggestion.Status.ADOPTED:
        suggestion.adopted_on = None
    suggestion.save()
    return suggestion


# --- private helpers -----------------------------------------------------------------------------


def _check_window(*, frequency: str, window_days: int, reminder_days: Sequence[int]) -> None:
    """A window of 1 to 60 days, shorter than the period when recurring; reminders inside the window."""
    period = SHORTEST_MONTH_DAYS if frequency == PulseFrequency.MONTHLY else FREQUENCY_DAYS.get(frequency)
    if not 1 <= window_days <= (period or MAX_WINDOW_DAYS):
        raise ValidationFailed(
            _("A round stays open 1 to %(days)s days, and closes before the next one opens.")
            % {"days": period or MAX_WINDOW_DAYS}
        )
    if any(not 1 <= day < window_days for day in reminder_days):
        raise ValidationFailed(_("Reminders are sent on days after opening and before closing."))


def _advance_past(schedule: PulseSchedule, *, now: dt.datetime, include_now: bool) -> None:
    """Move ``next_run_at`` to the first opening after ``now`` (or deactivate a finished one-off)."""
    if schedule.frequency == PulseFrequency.ONCE:
        if include_now:
            schedule.runs, schedule.next_run_at, schedule.active = 1, None, False
        return
    index = schedule.runs
    while (moment := schedule_occurrence(schedule.first_opens_at, frequency=schedule.frequency, index=index)) < now or (
        include_now and moment == now
    ):
        index += 1
    schedule.runs, schedule.next_run_at = index, moment


def _queue_invitations(round_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from surveys.pulse_tasks import send_pulse_invitations_task

    send_pulse_invitations_task.delay(round_id)


def _pulse_email(pulse_round: PulseRound, user: User, *, reminder: bool) -> EmailMessage:
    """One invitation or reminder, in the centre's language, to one person (never a shared recipient list)."""
    with translation.override(settings.LANGUAGE_CODE):
        closes = date_format(timezone.localtime(pulse_round.closes_at), "DATETIME_FORMAT")
        values = {
            "name": user.get_full_name() or user.username,
            "survey": pulse_round.survey.name,
            "closes": closes,
            "k": anonymity_k(settings.ANONYMITY_K),
            "path": reverse("pulse:mine"),
        }
        subject = (_("Reminder: %(survey)s") if reminder else _("Pulse survey: %(survey)s")) % values
        body = (
            _(
                'Hello %(name)s,\n\nYou have not answered the pulse survey "%(survey)s" yet. It stays open '
                "until %(closes)s.\n\nYour answers are stored without your name, and results are only shown for "
                "groups of at least %(k)s people.\n\nLog in and open My pulses (%(path)s).\n"
            )
            if reminder
            else _(
                'Hello %(name)s,\n\nA new anonymous pulse survey, "%(survey)s", is open until %(closes)s. It '
                "takes about three minutes.\n\nYour answers are stored without your name, and results are only "
                "shown for groups of at least %(k)s people.\n\nLog in and open My pulses (%(path)s).\n"
            )
        ) % values
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _send(messages: list[EmailMessage]) -> None:
    if messages:
        get_connection().send_messages(messages)


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
