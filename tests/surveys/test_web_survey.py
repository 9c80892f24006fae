"""The web channel /s/<token>: one question a page, saved as it goes, resumable, closed pages."""

import datetime as dt

import pytest
import requests
from django.urls import reverse

from surveys.models import Answer, Invitation, Response
from tests.factories import InvitationFactory
from tests.surveys.web_pages import answer_every_question

pytestmark = pytest.mark.django_db


def _url(invitation: Invitation) -> str:
    return reverse("survey-web", args=[invitation.token])


def _answer(client, invitation: Invitation, value: str, **extra):
    page = client.get(_url(invitation))
    position = page.context["question"].position
    return client.post(_url(invitation), {"position": position, "value": value, **extra})


def test_the_first_page_shows_the_first_question_with_progress_and_labels(client):
    invitation = InvitationFactory()
    page = client.get(_url(invitation))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Overall, how satisfied are you" in html
    assert "Question 1 of" in html
    assert '<label for="choice-5">' in html
    assert "<script" not in html


def test_each_answer_is_saved_when_submitted_and_the_next_question_follows(client):
    invitation = InvitationFactory()
    done = _answer(client, invitation, "4")
    assert done.status_code == 302
    answer = Answer.objects.get(response__contact=invitation.contact, item="csat")
    assert answer.value == 4.0
    assert answer.response.survey_version == invitation.survey_version
    assert "Question 2 of" in client.get(_url(invitation)).content.decode()


def test_a_partial_survey_resumes_where_it_stopped(client):
    invitation = InvitationFactory()
    _answer(client, invitation, "5")
    _answer(client, invitation, "6")
    invitation.refresh_from_db()
    assert invitation.completed_at is None
    page = client.get(_url(invitation))
    assert page.context["question"].position > 2
    assert Response.objects.get(contact=invitation.contact).answers.count() == 2


def test_an_answer_off_the_scale_is_refused_and_nothing_is_written(client):
    invitation = InvitationFactory()
    page = _answer(client, invitation, "9")
    assert page.status_code == 400
    assert "Please choose one of the answers." in page.content.decode()
    assert not Answer.objects.exists()


def test_the_whole_form_completes_once_and_the_link_is_then_used(client):
    invitation = InvitationFactory()
    answer_every_question(client, invitation.token)
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    items = set(Answer.objects.filter(response__contact=invitation.contact).values_list("item", flat=True))
    assert {"csat", "expectation", "experience", "ces", "nps", "fcr", "comment"} <= items
    used = client.get(_url(invitation))
    assert used.status_code == 410
    assert "This survey has been answered" in used.content.decode()


def test_a_stale_page_posting_an_old_question_changes_nothing(client):
    invitation = InvitationFactory()
    _answer(client, invitation, "5")
    client.post(_url(invitation), {"position": 1, "value": "1"})
    assert Answer.objects.get(item="csat").value == 5.0


def test_expired_and_unknown_links_say_so_and_reveal_nothing(client):
    expired = InvitationFactory(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    page = client.get(_url(expired))
    assert page.status_code == 410
    html = page.content.decode()
    assert "expired" in html
    assert expired.contact.external_id not in html and expired.contact.agent.name not in html
    unknown = client.get(reverse("survey-web", args=["no-such-token"]))
    assert unknown.status_code == 404
    assert "not valid" in unknown.content.decode()


def test_closed_pages_come_in_chinese_for_a_chinese_invitation(client):
    expired = InvitationFactory(language="zh-hans", expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    page = client.get(_url(expired))
    assert '<html lang="zh-hans">' in page.content.decode()


def test_the_page_is_in_the_customers_language(client):
    invitation = InvitationFactory(language="zh-hans")
    html = client.get(_url(invitation)).content.decode()
    assert "您对本次通话总体满意吗" in html
    assert "Overall, how satisfied" in client.get(_url(invitation) + "?lang=en").content.decode()


def test_an_sms_invitations_token_is_no_web_link(client):
    invitation = InvitationFactory(channel="sms")
    assert client.get(_url(invitation)).status_code == 404


def test_an_answer_is_kept_while_redis_is_down(client, settings):
    """REDIS_URL at a closed port: the request succeeds, the answer is stored, its chunk is stale."""
    from satisfaction.celery import app as celery_app
    from satisfaction.models import DirtyChunk

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url, celery_app.conf.task_publish_retry)
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    celery_app.conf.task_publish_retry = False
    try:
        invitation = InvitationFactory()
        page = _answer(client, invitation, "2")
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url, celery_app.conf.task_publish_retry = previous
    assert page.status_code == 302
    assert Answer.objects.get(item="csat").value == 2.0
    assert DirtyChunk.objects.exists()
    # Redis is back: the beat sweep's task scores the answer that arrived during the outage.
    from satisfaction.models import ScoreSnapshot
    from satisfaction.tasks import recompute_dirty_task

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    recompute_dirty_task.delay()
    agent_rows = ScoreSnapshot.objects.filter(level="agent", key=invitation.contact.agent.employee_number)
    assert any(row.metrics.get("csat_mean") == 2.0 for row in agent_rows)
    assert not DirtyChunk.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_over_real_http(live_server):
    invitation = InvitationFactory()
    url = live_server.url + _url(invitation)
    session = requests.Session()
    assert "Question 1 of" in session.get(url, timeout=10).text
    posted = session.post(url, data={"position": 1, "value": "5"}, timeout=10, allow_redirects=True)
    assert posted.status_code == 200
    assert "Question 2 of" in posted.text
    assert Answer.objects.get(response__contact=invitation.contact, item="csat").value == 5.0
