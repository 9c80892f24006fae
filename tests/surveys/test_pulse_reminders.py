"""Pulse invitations and reminders by email: each invitee once, reminders only to non-respondents."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import PulseParticipation, PulseRound
from surveys.pulse_services import open_round, send_due_reminders, send_invitations, submit_pulse
from surveys.pulse_tasks import send_pulse_reminders_task
from tests.factories import AgentFactory, PulseQuestionFactory, PulseSurveyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins are made by the dozen here; real hashing would take half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


OPENS = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def question(db):
    return PulseQuestionFactory(code="eng-1")


@pytest.fixture
def agents(team_a):
    return [AgentFactory(team=team_a, user=UserFactory(username=f"agent-{n}")) for n in range(4)]


@pytest.fixture
def pulse_round(question, agents):
    survey = PulseSurveyFactory(code="monthly", name_en="Monthly pulse", questions=[question])
    return open_round(survey=survey, now=OPENS, window_days=7, reminder_days=[2, 5])


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def answer(agent, pulse_round, question, *, now=OPENS + DAY):
    submit_pulse(user=agent.user, round_id=pulse_round.pk, values={question.pk: 4}, comments={}, now=now)


def test_opening_a_round_emails_each_invitee_separately(question, agents, django_capture_on_commit_callbacks):
    survey = PulseSurveyFactory(code="monthly", name_en="Monthly pulse", questions=[question])
    with django_capture_on_commit_callbacks(execute=True):
        open_round(survey=survey, now=timezone.now(), window_days=7, reminder_days=[])
    assert [len(message.to) for message in mail.outbox] == [1, 1, 1, 1]
    assert recipients() == sorted(agent.user.email for agent in agents)
    assert "Monthly pulse" in mail.outbox[0].subject
    assert "without your name" in mail.outbox[0].body


def test_invitations_are_sent_once_even_when_the_task_runs_again(pulse_round):
    assert send_invitations(round_id=pulse_round.pk) == 4
    assert send_invitations(round_id=pulse_round.pk) == 0
    assert len(mail.outbox) == 4


def test_reminders_go_only_to_those_who_have_not_answered(pulse_round, agents, question):
    answer(agents[0], pulse_round, question)
    answer(agents[2], pulse_round, question)
    assert send_due_reminders(now=OPENS + 2 * DAY) == 2
    assert recipients() == sorted([agents[1].user.email, agents[3].user.email])
    assert all(message.subject.startswith("Reminder") for message in mail.outbox)
    reminded = PulseParticipation.objects.filter(reminders_sent=1).values_list("agent_id", flat=True)
    assert sorted(reminded) == sorted([agents[1].pk, agents[3].pk])


def test_no_reminder_before_its_time(pulse_round):
    assert send_due_reminders(now=OPENS + 2 * DAY - dt.timedelta(minutes=1)) == 0
    assert mail.outbox == []


def test_each_reminder_time_sends_one_reminder(pulse_round, agents, question):
    send_due_reminders(now=OPENS + 2 * DAY)
    send_due_reminders(now=OPENS + 2 * DAY + dt.timedelta(hours=1))
    answer(agents[0], pulse_round, question, now=OPENS + 3 * DAY)
    send_due_reminders(now=OPENS + 5 * DAY)
    assert len(mail.outbox) == 4 + 3
    assert PulseRound.objects.get().reminders_sent == 2


def test_reminder_times_missed_while_beat_was_down_send_one_reminder(pulse_round):
    assert send_due_reminders(now=OPENS + 6 * DAY) == 4
    assert send_due_reminders(now=OPENS + 6 * DAY + dt.timedelta(hours=1)) == 0


def test_no_reminders_once_the_round_has_closed(pulse_round):
    assert send_due_reminders(now=OPENS + 8 * DAY) == 0


def test_the_reminder_task_reminds_from_the_real_clock(question, agents):
    survey = PulseSurveyFactory(code="monthly", questions=[question])
    open_round(survey=survey, now=timezone.now() - 3 * DAY, window_days=7, reminder_days=[2])
    assert send_pulse_reminders_task.delay().get() == 4
