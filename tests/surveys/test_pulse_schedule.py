"""Pulse schedules: recurring rounds opened by the hourly beat task, invitations, closing."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from satisfaction.celery import app as celery_app
from satisfaction.exceptions import ValidationFailed
from surveys.models import PulseParticipation, PulseRound, PulseSchedule
from surveys.pulse_services import (
    add_schedule,
    close_due_rounds,
    open_due_rounds,
    schedule_occurrence,
    set_schedule_active,
)
from surveys.pulse_tasks import close_pulse_rounds_task, open_due_pulse_rounds_task
from tests.factories import AgentFactory, PulseQuestionFactory, PulseSurveyFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins are made by the dozen here; real hashing would take half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_9AM = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def survey(db):
    return PulseSurveyFactory(code="weekly-pulse", questions=[PulseQuestionFactory(code="eng-1")])


@pytest.fixture
def invitees(team_a, team_b):
    """Two agents with logins in team A, one in team B, and two who cannot be invited."""
    agents = [
        AgentFactory(team=team_a, user=UserFactory(username="a1"), hire_date=dt.date(2025, 12, 1)),
        AgentFactory(team=team_a, user=UserFactory(username="a2"), hire_date=dt.date(2020, 1, 1)),
        AgentFactory(team=team_b, user=UserFactory(username="b1")),
    ]
    AgentFactory(team=team_a, user=UserFactory(username="gone"), active=False)
    AgentFactory(team=team_a, user=None)
    return agents


def weekly(survey, **options):
    values = {"frequency": "weekly", "first_opens_at": MONDAY_9AM, "window_days": 5, "reminder_days": [2]}
    return add_schedule(survey=survey, **{**values, **options})


def test_a_weekly_schedule_opens_one_round_a_week(survey, invitees):
    schedule = weekly(survey)
    assert open_due_rounds(now=MONDAY_9AM - HOUR) == []
    first = open_due_rounds(now=MONDAY_9AM + dt.timedelta(minutes=5))
    assert open_due_rounds(now=MONDAY_9AM + 2 * HOUR) == []
    second = open_due_rounds(now=MONDAY_9AM + 7 * DAY)
    rounds = PulseRound.objects.order_by("number")
    assert [r.pk for r in rounds] == first + second
    assert [r.number for r in rounds] == [1, 2]
    assert rounds[0].closes_at - rounds[0].opens_at == 5 * DAY
    schedule.refresh_from_db()
    assert schedule.next_run_at == MONDAY_9AM + 14 * DAY


def test_the_hourly_beat_task_opens_the_due_rounds(survey, invitees, django_capture_on_commit_callbacks):
    weekly(survey, first_opens_at=timezone.now() - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        assert open_due_pulse_rounds_task.delay().get() == 1
    assert PulseRound.objects.count() == 1
    assert open_due_pulse_rounds_task.delay().get() == 0


def test_beat_runs_the_pulse_tasks_every_hour():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "surveys.pulse_tasks.open_due_pulse_rounds_task",
        "surveys.pulse_tasks.send_pulse_reminders_task",
        "surveys.pulse_tasks.close_pulse_rounds_task",
    ):
        assert name in tasks
        assert name in celery_app.tasks


def test_openings_missed_while_beat_was_down_open_one_round_not_several(survey, invitees):
    schedule = weekly(survey)
    assert len(open_due_rounds(now=MONDAY_9AM + 22 * DAY)) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at == MONDAY_9AM + 28 * DAY


@pytest.mark.parametrize(
    ("frequency", "index", "expected"),
    [
        ("fortnightly", 2, dt.datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)),
        ("monthly", 1, dt.datetime(2026, 2, 28, 9, 0, tzinfo=SHANGHAI)),
        ("monthly", 2, dt.datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI)),
        ("monthly", 13, dt.datetime(2027, 2, 28, 9, 0, tzinfo=SHANGHAI)),
    ],
)
def test_recurring_openings_keep_their_local_time_and_day(frequency, index, expected):
    first = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI) if frequency == "fortnightly" else None
    first = first or dt.datetime(2026, 1, 31, 9, 0, tzinfo=SHANGHAI)
    assert schedule_occurrence(first, frequency=frequency, index=index) == expected


def test_a_monthly_schedule_creates_a_round_each_month(survey, invitees):
    first = dt.datetime(2026, 1, 31, 9, 0, tzinfo=SHANGHAI)
    add_schedule(survey=survey, frequency="monthly", first_opens_at=first, window_days=14, reminder_days=[3, 7])
    for moment in (
        first,
        dt.datetime(2026, 2, 28, 9, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 3, 31, 9, tzinfo=SHANGHAI),
    ):
        assert len(open_due_rounds(now=moment)) == 1
    assert list(PulseRound.objects.order_by("number").values_list("reminder_days", flat=True)) == [[3, 7]] * 3


def test_a_one_off_schedule_opens_a_single_round(survey, invitees):
    schedule = add_schedule(
        survey=survey, frequency="once", first_opens_at=MONDAY_9AM, window_days=10, reminder_days=[]
    )
    assert len(open_due_rounds(now=MONDAY_9AM)) == 1
    assert open_due_rounds(now=MONDAY_9AM + 30 * DAY) == []
    schedule.refresh_from_db()
    assert (schedule.active, schedule.next_run_at) == (False, None)


def test_a_paused_schedule_opens_nothing_and_resumes_without_catching_up(survey, invitees):
    schedule = weekly(survey)
    set_schedule_active(schedule=schedule, active=False, now=MONDAY_9AM - DAY)
    assert open_due_rounds(now=MONDAY_9AM + 10 * DAY) == []
    set_schedule_active(schedule=schedule, active=True, now=MONDAY_9AM + 10 * DAY)
    assert PulseSchedule.objects.get().next_run_at == MONDAY_9AM + 14 * DAY


def test_a_round_invites_the_targeted_active_agents_with_a_login(survey, invitees, team_a):
    survey.target_teams.set([team_a])
    weekly(survey)
    (round_id,) = open_due_rounds(now=MONDAY_9AM)
    invited = PulseParticipation.objects.filter(round_id=round_id).order_by("agent__user__username")
    assert [p.agent.user.username for p in invited] == ["a1", "a2"]
    # Team, site and tenure band are taken at invitation, so participation divides like by like.
    assert [(p.team_code, p.site_code, p.tenure_band) for p in invited] == [
        ("team-a", "site-a", "lt1y"),
        ("team-a", "site-a", "3yplus"),
    ]


def test_a_site_target_invites_every_team_of_the_site(survey, invitees, site_b):
    TeamFactory(code="team-b2", site=site_b)
    survey.target_sites.set([site_b])
    weekly(survey)
    (round_id,) = open_due_rounds(now=MONDAY_9AM)
    assert list(PulseParticipation.objects.filter(round_id=round_id).values_list("team_code", flat=True)) == ["team-b"]


@pytest.mark.parametrize(
    ("frequency", "window_days", "reminder_days"),
    [("weekly", 8, []), ("fortnightly", 15, []), ("monthly", 29, []), ("weekly", 5, [5]), ("once", 0, [])],
)
def test_a_window_must_fit_its_period_and_hold_its_reminders(survey, frequency, window_days, reminder_days):
    with pytest.raises(ValidationFailed):
        add_schedule(
            survey=survey,
            frequency=frequency,
            first_opens_at=MONDAY_9AM,
            window_days=window_days,
            reminder_days=reminder_days,
        )


def test_rounds_close_when_their_window_ends(survey, invitees):
    weekly(survey)
    open_due_rounds(now=MONDAY_9AM)
    assert close_due_rounds(now=MONDAY_9AM + 5 * DAY - HOUR) == 0
    assert close_due_rounds(now=MONDAY_9AM + 5 * DAY) == 1
    assert PulseRound.objects.get().closed_at == MONDAY_9AM + 5 * DAY


def test_the_close_task_closes_ended_rounds(survey, invitees):
    weekly(survey, first_opens_at=timezone.now() - 6 * DAY)
    open_due_rounds(now=timezone.now() - 6 * DAY)
    assert close_pulse_rounds_task.delay().get() == 1


def test_the_command_does_what_beat_does_once(survey, invitees, django_capture_on_commit_callbacks):
    weekly(survey, first_opens_at=timezone.now() - HOUR)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_pulse_schedule", stdout=out)
    assert "opened 1," in out.getvalue()
    assert len(mail.outbox) == 3


def test_the_question_bank_command_loads_the_standard_bank_once():
    out = io.StringIO()
    call_command("load_pulse_questions", stdout=out)
    call_command("load_pulse_questions", stdout=out)
    assert "Added 0 standard" in out.getvalue()
