"""Answering a pulse: the agent's list and form, one answer per person, open rounds only, valid values."""

import datetime as dt

import pytest
from django.utils import timezone

from satisfaction.exceptions import Conflict, NotFound, ValidationFailed
from surveys.models import PulseAnswer, PulseParticipation, PulseSubmission
from surveys.pulse_services import submit_pulse
from tests.factories import (
    AgentFactory,
    PulseParticipationFactory,
    PulseQuestionFactory,
    PulseRoundFactory,
    PulseSurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def questions(db):
    return [
        PulseQuestionFactory(code="eng-1", allows_comment=True),
        PulseQuestionFactory(code="stress-1", topic="stress", category="stress", reverse=True),
        PulseQuestionFactory(code="enps", topic="enps", kind="enps", category="other"),
    ]


@pytest.fixture
def open_round(questions, agent_a):
    """A round open now, with agent A invited."""
    now = timezone.now()
    pulse_round = PulseRoundFactory(
        survey=PulseSurveyFactory(name_en="March pulse", questions=questions),
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
    )
    PulseParticipationFactory(round=pulse_round, agent=agent_a)
    return pulse_round


def form_data(questions, *, eng="4", stress="2", enps="9", comment="") -> dict:
    eng_q, stress_q, enps_q = questions
    return {f"q{eng_q.pk}": eng, f"q{stress_q.pk}": stress, f"q{enps_q.pk}": enps, f"c{eng_q.pk}": comment}


def test_an_agent_sees_the_pulses_waiting_for_them(client, agent_a, open_round):
    client.force_login(agent_a.user)
    page = client.get("/pulse/mine/")
    assert "March pulse" in page.content.decode()
    assert f"/pulse/rounds/{open_round.pk}/answer/" in page.content.decode()


def test_an_agent_answers_through_the_form_and_the_pulse_leaves_their_list(client, agent_a, open_round, questions):
    client.force_login(agent_a.user)
    form = client.get(f"/pulse/rounds/{open_round.pk}/answer/")
    assert "Strongly agree" in form.content.decode()
    reply = client.post(
        f"/pulse/rounds/{open_round.pk}/answer/", form_data(questions, comment="Fewer KPIs"), follow=True
    )
    assert "stored without your name" in reply.content.decode()
    assert "No pulse is waiting for you." in reply.content.decode()
    assert sorted(PulseAnswer.objects.values_list("question__code", "value")) == [
        ("eng-1", 4.0),
        ("enps", 9.0),
        ("stress-1", 2.0),
    ]
    assert PulseAnswer.objects.get(question__code="eng-1").comment == "Fewer KPIs"


def test_skipped_questions_store_nothing(agent_a, open_round, questions):
    submit_pulse(
        user=agent_a.user, round_id=open_round.pk, values={questions[0].pk: 5}, comments={}, now=timezone.now()
    )
    assert PulseAnswer.objects.count() == 1


def test_a_second_answer_is_refused(client, agent_a, open_round, questions):
    now = timezone.now()
    submit_pulse(user=agent_a.user, round_id=open_round.pk, values={questions[0].pk: 5}, comments={}, now=now)
    with pytest.raises(Conflict):
        submit_pulse(user=agent_a.user, round_id=open_round.pk, values={questions[0].pk: 1}, comments={}, now=now)
    client.force_login(agent_a.user)
    reply = client.post(f"/pulse/rounds/{open_round.pk}/answer/", form_data(questions), follow=True)
    assert "already answered" in reply.content.decode()
    assert PulseSubmission.objects.count() == 1
    assert list(PulseAnswer.objects.values_list("value", flat=True)) == [5.0]


def test_an_agent_who_was_not_invited_cannot_answer(client, agent_b, open_round, questions):
    with pytest.raises(NotFound):
        submit_pulse(
            user=agent_b.user, round_id=open_round.pk, values={questions[0].pk: 5}, comments={}, now=timezone.now()
        )
    client.force_login(agent_b.user)
    assert client.get(f"/pulse/rounds/{open_round.pk}/answer/").status_code == 404


def test_a_closed_round_takes_no_answers(agent_a, open_round, questions):
    with pytest.raises(Conflict):
        submit_pulse(
            user=agent_a.user,
            round_id=open_round.pk,
            values={questions[0].pk: 5},
            comments={},
            now=open_round.closes_at,
        )
    assert PulseParticipation.objects.get().answered is False


@pytest.mark.parametrize(
    ("values", "comments"),
    [
        ({"eng": 6}, {}),
        ({"eng": 0}, {}),
        ({"enps": 11}, {}),
        ({"eng": 3.5}, {}),
        ({}, {}),
        ({"stress": 3}, {"eng": "a comment on a skipped question"}),
        ({"stress": 3}, {"stress": "this question takes no comment"}),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_stored(agent_a, open_round, questions, values, comments):
    codes = {"eng": questions[0].pk, "stress": questions[1].pk, "enps": questions[2].pk}
    with pytest.raises(ValidationFailed):
        submit_pulse(
            user=agent_a.user,
            round_id=open_round.pk,
            values={codes[name]: value for name, value in values.items()},
            comments={codes[name]: text for name, text in comments.items()},
            now=timezone.now(),
        )
    assert PulseSubmission.objects.count() == 0
    assert PulseParticipation.objects.get().answered is False


def test_pending_pulses_leave_out_closed_and_future_rounds(client, agent_a, questions):
    now = timezone.now()
    for name, opens, closes in (
        ("Closed pulse", now - dt.timedelta(days=9), now - dt.timedelta(days=2)),
        ("Future pulse", now + dt.timedelta(days=1), now + dt.timedelta(days=8)),
    ):
        pulse_round = PulseRoundFactory(
            survey=PulseSurveyFactory(name_en=name, questions=questions), opens_at=opens, closes_at=closes
        )
        PulseParticipationFactory(round=pulse_round, agent=agent_a)
    client.force_login(agent_a.user)
    html = client.get("/pulse/mine/").content.decode()
    assert "Closed pulse" not in html
    assert "Future pulse" not in html


def test_a_login_without_an_agent_has_nothing_to_answer(client, open_round):
    user = UserFactory(username="no-agent")
    client.force_login(user)
    assert "No pulse is waiting for you." in client.get("/pulse/mine/").content.decode()
    assert client.get(f"/pulse/rounds/{open_round.pk}/answer/").status_code == 404


def test_another_agents_invitation_does_not_let_one_answer(agent_a, open_round, questions, team_a):
    other = AgentFactory(team=team_a, user=UserFactory(username="other"))
    with pytest.raises(NotFound):
        submit_pulse(
            user=other.user, round_id=open_round.pk, values={questions[0].pk: 3}, comments={}, now=timezone.now()
        )
