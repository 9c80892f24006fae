"""Comments are classified after import, a person can correct the mark, and it feeds SCORING.md §4."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from satisfaction.exceptions import NotFound, ValidationFailed
from satisfaction.models import DirtyChunk, ScoreSnapshot
from satisfaction.services import compute_all
from surveys.models import Answer
from surveys.services import (
    classify_pending_comments,
    correct_comment_sentiment,
    import_responses,
    reclassify_comments,
)

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


# Marks as an older classifier left them: it read 不满意 as praise (满意) and this request as a complaint.
OLD_MARKS = HEADER + (
    "D1,A001,2026-03-03T10:00:00+08:00,web,csat,,5\n"
    "D1,A001,2026-03-03T10:00:00+08:00,web,comment,,说实话不太满意\n"
    "D2,A001,2026-03-03T11:00:00+08:00,web,csat,,5\n"
    "D2,A001,2026-03-03T11:00:00+08:00,web,comment,,我想查一下上个月的账单\n"
    "D3,A001,2026-03-03T12:00:00+08:00,web,csat,,4\n"
    "D3,A001,2026-03-03T12:00:00+08:00,web,comment,,一点都不热情\n"
    "D4,A001,2026-02-20T12:00:00+08:00,web,csat,,5\n"
    "D4,A001,2026-02-20T12:00:00+08:00,web,comment,,不满意\n"
)


@pytest.fixture
def old_marks(agent_a, admin_user, django_capture_on_commit_callbacks):
    """OLD_MARKS imported and scored, then set to what the older classifier said; D3's corrected by a person."""
    with django_capture_on_commit_callbacks(execute=True):
        import_responses(OLD_MARKS.encode())
    comments = Answer.objects.filter(item="comment")
    comments.filter(response__contact__external_id__in=["D1", "D4"]).update(sentiment="positive")
    comments.filter(response__contact__external_id="D2").update(sentiment="negative")
    comments.filter(response__contact__external_id="D3").update(sentiment="positive", sentiment_corrected_by=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        compute_all()
    return agent_a


def _marks() -> dict[str, str]:
    return dict(Answer.objects.filter(item="comment").values_list("response__contact__external_id", "sentiment"))


def test_reclassifying_fixes_old_marks_keeps_corrections_and_rescores(old_marks, django_capture_on_commit_callbacks):
    # D1 hidden by the old marks, D2 flagged: of three top-2 answers, one hidden (D2).
    assert _team_month(old_marks.team.code)["hidden_dissatisfaction_pct"] == pytest.approx(100 / 3)

    with django_capture_on_commit_callbacks(execute=True):
        done = reclassify_comments()

    assert _marks() == {"D1": "negative", "D2": "neutral", "D3": "positive", "D4": "negative"}
    assert (done.read, done.changed, done.to_negative, done.from_negative) == (3, 3, 2, 1)
    # Now D1 is the hidden one among D1, D2 and D3.
    assert _team_month(old_marks.team.code)["hidden_dissatisfaction_pct"] == pytest.approx(100 / 3)
    assert ScoreSnapshot.objects.get(
        level="team", key=old_marks.team.code, granularity="month", period_start=dt.date(2026, 2, 1)
    ).metrics["hidden_dissatisfaction_pct"] == pytest.approx(100)
    assert not DirtyChunk.objects.exists()


def test_reclassifying_since_a_day_and_again_changes_nothing_more(old_marks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        done = reclassify_comments(since=dt.date(2026, 3, 1))
    assert _marks()["D4"] == "positive"
    assert (done.read, done.changed) == (2, 2)

    with django_capture_on_commit_callbacks(execute=True):
        again = reclassify_comments(since=dt.date(2026, 3, 1))
    assert (again.read, again.changed) == (2, 0)
    assert not DirtyChunk.objects.exists()


def test_an_erased_comment_keeps_its_mark(old_marks):
    Answer.objects.filter(item="comment", response__contact__external_id="D1").update(text="")

    reclassify_comments()

    assert _marks()["D1"] == "positive"


def test_the_command_reports_what_it_changed(old_marks, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        call_command("reclassify_comments", stdout=out)
    assert "3 comment(s) read, 3 mark(s) changed: 2 now negative, 1 no longer negative" in out.getvalue()
    with translation.override("zh-hans"):
        call_command("reclassify_comments", stdout=(zh := io.StringIO()))
    assert "0" in zh.getvalue() and "comment(s)" not in zh.getvalue()
