"""Comments are classified after import, a person can correct the mark, and it feeds SCORING.md §4."""

import datetime as dt

import pytest

from satisfaction.exceptions import NotFound, ValidationFailed
from satisfaction.models import ScoreSnapshot
from surveys.models import Answer
from surveys.services import classify_pending_comments, correct_comment_sentiment, import_responses

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"
SATISFIED_BUT_ANGRY = HEADER + (
    "C1,A001,2026-03-02T10:15:00+08:00,web,csat,,5\n"
    "C1,A001,2026-03-02T10:15:00+08:00,web,comment,,等了半个小时才接通，太差了\n"
    "C2,A001,2026-03-02T11:15:00+08:00,web,csat,,4\n"
    "C2,A001,2026-03-02T11:15:00+08:00,web,comment,,Great service and a very patient agent\n"
)


def _team_month(team_code: str) -> dict:
    return ScoreSnapshot.objects.get(
        level="team", key=team_code, granularity="month", period_start=dt.date(2026, 3, 1)
    ).metrics


def test_imported_comments_are_classified_and_feed_hidden_dissatisfaction(agent_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_responses(SATISFIED_BUT_ANGRY.encode())
    marks = dict(Answer.objects.filter(item="comment").values_list("response__contact__external_id", "sentiment"))
    assert marks == {"C1": "negative", "C2": "positive"}
    # Two top-2 answers, one with a negative comment: 50 % hidden dissatisfaction.
    assert _team_month(agent_a.team.code)["hidden_dissatisfaction_pct"] == 50.0


def test_a_correction_is_kept_and_rescored(agent_a, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_responses(SATISFIED_BUT_ANGRY.encode())
    comment = Answer.objects.get(item="comment", response__contact__external_id="C1")
    with django_capture_on_commit_callbacks(execute=True):
        correct_comment_sentiment(answer_id=comment.id, sentiment_label="neutral", user=admin_user)
    comment.refresh_from_db()
    assert (comment.sentiment, comment.sentiment_corrected_by) == ("neutral", admin_user)
    assert classify_pending_comments() == 0
    assert _team_month(agent_a.team.code)["hidden_dissatisfaction_pct"] == 0.0


def test_a_correction_must_name_a_known_mark(agent_a, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_responses(SATISFIED_BUT_ANGRY.encode())
    comment = Answer.objects.filter(item="comment").first()
    with pytest.raises(ValidationFailed):
        correct_comment_sentiment(answer_id=comment.id, sentiment_label="furious", user=admin_user)
    with pytest.raises(NotFound):
        correct_comment_sentiment(
            answer_id=Answer.objects.get(item="csat", response=comment.response).id,
            sentiment_label="neutral",
            user=admin_user,
        )
