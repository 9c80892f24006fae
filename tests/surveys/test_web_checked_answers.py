"""Web answers outside a transaction (as gunicorn serves them on PostgreSQL): read without a lock and
written by one guarded statement (``answering.record_checked_answer``).

These tests commit for real (``transaction=True``): inside the test's own transaction the view
takes the locked path instead, which ``test_web_survey.py`` covers.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from satisfaction.exceptions import Conflict
from satisfaction.models import DirtyChunk, ScoreSnapshot
from surveys.answering import AnswerValue, invitation_for_web_answer, record_checked_answer
from surveys.models import Answer, Invitation, Response
from surveys.selectors import form_questions
from tests.factories import InvitationFactory
from tests.surveys.web_pages import answer_every_question

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the guarded write is PostgreSQL's path"),
]


def _url(invitation: Invitation) -> str:
    return reverse("survey-web", args=[invitation.token])


def _record(invitation: Invitation, question, value: float, text: str = ""):
    return record_checked_answer(
        invitation,
        values=[AnswerValue(question, value, text)],
        passed_up_to=question.position,
        now=timezone.now(),
        form=form_questions(invitation),
        answers={},
    )


def test_a_whole_survey_is_stored_answer_by_answer_and_completes_once(client):
    invitation = InvitationFactory(contact__queue="billing")
    answer_every_question(client, invitation.token)
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    assert invitation.status == Invitation.Status.DELIVERED
    response = Response.objects.get(contact=invitation.contact)
    contact = invitation.contact
    assert (response.agent_id, response.team_id, response.site_id, response.queue) == (
        contact.agent_id,
        contact.team_id,
        contact.site_id,
        "billing",
    )
    assert response.channel == "web"
    assert response.survey_version_id == invitation.survey_version_id
    stored = dict(response.answers.values_list("item", "value").filter(dimension=""))
    assert stored["csat"] == 5.0 and stored["nps"] == 9.0 and stored["fcr"] == 1.0
    assert response.answers.get(item="comment").text == "Quick and friendly."
    # Every answer marked its chunk stale after its commit, and the (in-process) recompute scored it.
    assert not DirtyChunk.objects.exists()
    day = ScoreSnapshot.objects.get(
        level="agent", key=contact.agent.employee_number, granularity="day", period_start=timezone.localdate()
    )
    assert day.metrics["n_responses"] == 1 and day.metrics["csat_mean"] == 5.0
    assert client.get(_url(invitation)).status_code == 410


def test_a_later_answer_is_one_read_and_one_write(client, django_assert_num_queries, monkeypatch):
    # The debounced recompute the answer asks for after its commit is counted elsewhere (it runs in-process here).
    monkeypatch.setattr("surveys.answering.schedule_recompute", lambda: None)
    invitation = InvitationFactory()
    first, second, third = form_questions(invitation)[:3]
    # The first answer creates the response; each statement's shape is prepared once per connection.
    client.post(_url(invitation), {"position": first.position, "value": "4"})
    client.post(_url(invitation), {"position": second.position, "value": "5"})
    with django_assert_num_queries(2):
        assert client.post(_url(invitation), {"position": third.position, "value": "6"}).status_code == 302
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 3


def test_an_answer_read_before_another_was_stored_writes_nothing():
    invitation = InvitationFactory()
    first, second = form_questions(invitation)[:2]
    # Two requests read the invitation at the same position (a double submit, two tabs) ...
    one, other = invitation_for_web_answer(invitation.token), invitation_for_web_answer(invitation.token)
    _record(one, first, 4)
    marks = DirtyChunk.objects.count()
    # ... the second one finds it moved on, and neither its answer nor its marks are written.
    with pytest.raises(Conflict):
        _record(other, first, 1)
    assert list(Answer.objects.values_list("item", "value")) == [("csat", 4.0)]
    assert DirtyChunk.objects.count() == marks
    # The same holds for the first answer, whose statement also creates the response.
    fresh = InvitationFactory()
    a, b = invitation_for_web_answer(fresh.token), invitation_for_web_answer(fresh.token)
    _record(a, first, 5)
    with pytest.raises(Conflict):
        _record(b, first, 2)
    assert Response.objects.filter(contact=fresh.contact).count() == 1
    assert Answer.objects.get(response__contact=fresh.contact).value == 5.0
    # A stale read of a later question is turned away too.
    later = invitation_for_web_answer(invitation.token)
    _record(invitation_for_web_answer(invitation.token), second, 6)
    with pytest.raises(Conflict):
        _record(later, second, 7)
    assert (
        Answer.objects.get(response__contact=invitation.contact, item=second.item, dimension=second.dimension).value
        == 6
    )


def test_a_double_submit_over_the_page_stores_the_first_answer_only(client):
    invitation = InvitationFactory()
    first = form_questions(invitation)[0]
    assert client.post(_url(invitation), {"position": first.position, "value": "5"}).status_code == 302
    # The same page posted again: the position has moved on, so it is a stale page, not an answer.
    assert client.post(_url(invitation), {"position": first.position, "value": "1"}).status_code == 302
    assert Answer.objects.get(item="csat").value == 5.0


def test_the_guarded_write_refuses_to_run_inside_a_transaction():
    from django.db import transaction

    invitation = InvitationFactory()
    first = form_questions(invitation)[0]
    with transaction.atomic(), pytest.raises(RuntimeError):
        _record(invitation_for_web_answer(invitation.token), first, 4)
    assert not Answer.objects.exists()


def test_answers_from_threads_each_on_its_own_connection_are_all_stored():
    """gunicorn's threads each hold a connection, and each connection prepares the statements itself."""
    invitations = [InvitationFactory() for _ in range(4)]
    form = form_questions(invitations[0])[:4]
    errors = []

    def answer_all(invitation: Invitation) -> None:
        try:
            for question in form:
                _record(invitation_for_web_answer(invitation.token), question, 4)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer_all, args=(invitation,)) for invitation in invitations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Answer.objects.count() == len(invitations) * len(form)
    assert Response.objects.count() == len(invitations)
