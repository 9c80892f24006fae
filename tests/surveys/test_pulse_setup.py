"""HR's pulse pages: the question bank, the survey builder, schedules and rounds; nobody else may use them."""

import datetime as dt

import pytest
from django.utils import timezone

from surveys.models import PulseParticipation, PulseQuestion, PulseRound, PulseSchedule, PulseSurvey
from surveys.pulse_bank import STANDARD_QUESTIONS, VISION_QUESTION_CODE
from tests.factories import (
    AgentFactory,
    PulseAnswerFactory,
    PulseQuestionFactory,
    PulseRoundFactory,
    PulseSurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HR_PAGES = ["/pulse/questions/", "/pulse/surveys/", "/pulse/surveys/new/"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hr(client, hr_user):
    client.force_login(hr_user)
    return client


def test_the_standard_bank_covers_the_seed_topics_in_both_languages(hr):
    hr.post("/pulse/questions/standard/")
    topics = set(PulseQuestion.objects.values_list("topic", flat=True))
    assert topics == {
        "engagement",
        "stress",
        "kpi_pressure",
        "abusive_callers",
        "training",
        "recognition",
        "career",
        "leader_support",
        "vision",
        "schedule",
        "enps",
    }
    assert PulseQuestion.objects.count() == len(STANDARD_QUESTIONS)
    assert PulseQuestion.objects.filter(reverse=True).exists()
    assert not PulseQuestion.objects.filter(text_zh="").exists()
    assert PulseQuestion.objects.filter(code=VISION_QUESTION_CODE, topic="vision").exists()
    # Stress items are worded so that agreement means strain, hence reverse for favourable %.
    assert set(PulseQuestion.objects.filter(category="stress").values_list("reverse", flat=True)) == {True}


def test_loading_the_standard_bank_twice_adds_nothing(hr):
    hr.post("/pulse/questions/standard/")
    reply = hr.post("/pulse/questions/standard/", follow=True)
    assert "0 standard questions were added." in reply.content.decode()


def test_hr_adds_a_question_to_the_bank(hr):
    hr.post(
        "/pulse/questions/",
        {
            "code": "night-shifts",
            "topic": "schedule",
            "kind": "likert",
            "category": "other",
            "text_en": "Night shifts are shared fairly.",
            "text_zh": "夜班分配公平。",
            "active": "on",
        },
    )
    assert PulseQuestion.objects.get(code="night-shifts").text_zh == "夜班分配公平。"


def test_an_answered_questions_scoring_cannot_change(hr):
    answer = PulseAnswerFactory(question=PulseQuestionFactory(code="eng-1"))
    question = answer.question
    data = {
        "code": "eng-1",
        "topic": "engagement",
        "kind": "likert",
        "category": "engagement",
        "reverse": "on",
        "text_en": "Changed",
        "text_zh": "改",
        "active": "on",
    }
    assert hr.post(f"/pulse/questions/{question.pk}/", data).status_code == 409
    data.pop("reverse")
    hr.post(f"/pulse/questions/{question.pk}/", data)
    question.refresh_from_db()
    assert (question.reverse, question.text_en) == (False, "Changed")


def test_hr_builds_a_survey_from_the_bank_in_the_banks_order(hr, site_a):
    stress = PulseQuestionFactory(code="s-1", topic="stress", category="stress")
    engagement = PulseQuestionFactory(code="e-1")
    reply = hr.post(
        "/pulse/surveys/new/",
        {
            "code": "monthly",
            "name_en": "Monthly pulse",
            "name_zh": "月度脉搏",
            "questions": [stress.pk, engagement.pk],
            "target_sites": [site_a.pk],
            "share_with_team_leaders": "on",
        },
    )
    survey = PulseSurvey.objects.get(code="monthly")
    assert reply.status_code == 302
    assert list(survey.survey_questions.values_list("question__code", flat=True)) == ["e-1", "s-1"]
    assert list(survey.target_sites.all()) == [site_a]
    assert survey.share_with_team_leaders is True


def test_a_surveys_questions_are_fixed_once_it_has_run(hr):
    first, second = PulseQuestionFactory(code="e-1"), PulseQuestionFactory(code="e-2")
    survey = PulseSurveyFactory(code="monthly", questions=[first])
    PulseRoundFactory(survey=survey)
    data = {"code": "monthly", "name_en": "M", "name_zh": "月", "questions": [first.pk, second.pk]}
    assert hr.post(f"/pulse/surveys/{survey.pk}/edit/", data).status_code == 409
    data["questions"] = [first.pk]
    data["share_with_team_leaders"] = "on"
    assert hr.post(f"/pulse/surveys/{survey.pk}/edit/", data).status_code == 302
    survey.refresh_from_db()
    assert survey.share_with_team_leaders is True


def test_hr_schedules_a_survey_from_its_page(hr):
    survey = PulseSurveyFactory(code="monthly", questions=[PulseQuestionFactory(code="e-1")])
    hr.post(
        f"/pulse/surveys/{survey.pk}/schedules/",
        {"frequency": "monthly", "first_opens_at": "2026-04-01T09:00", "window_days": "14", "reminder_days": "3，7"},
    )
    schedule = PulseSchedule.objects.get()
    assert (schedule.frequency, schedule.window_days, schedule.reminder_days) == ("monthly", 14, [3, 7])
    assert timezone.localtime(schedule.next_run_at).replace(tzinfo=None) == dt.datetime(2026, 4, 1, 9, 0)
    page = hr.get(f"/pulse/surveys/{survey.pk}/").content.decode()
    assert "2026-04-01 09:00" in page


def test_an_invalid_schedule_is_reported_and_not_saved(hr):
    survey = PulseSurveyFactory(code="weekly", questions=[PulseQuestionFactory(code="e-1")])
    reply = hr.post(
        f"/pulse/surveys/{survey.pk}/schedules/",
        {"frequency": "weekly", "first_opens_at": "2026-04-01T09:00", "window_days": "9", "reminder_days": ""},
    )
    assert reply.status_code == 400
    assert not PulseSchedule.objects.exists()


def test_hr_opens_a_round_now_and_closes_it(hr, team_a):
    AgentFactory(team=team_a, user=UserFactory(username="invitee"))
    survey = PulseSurveyFactory(code="once", questions=[PulseQuestionFactory(code="e-1")])
    hr.post(f"/pulse/surveys/{survey.pk}/open/", {"window_days": "3", "reminder_days": "1"})
    pulse_round = PulseRound.objects.get()
    assert PulseParticipation.objects.filter(round=pulse_round).count() == 1
    hr.post(f"/pulse/rounds/{pulse_round.pk}/close/")
    pulse_round.refresh_from_db()
    assert pulse_round.closed_at is not None


@pytest.mark.parametrize("path", HR_PAGES)
def test_only_hr_and_administrators_build_pulses(client, path, agent_a, leader_a, quality_user, admin_user):
    for user in (agent_a.user, leader_a, quality_user):
        client.force_login(user)
        assert client.get(path).status_code == 403
    client.force_login(admin_user)
    assert client.get(path).status_code == 200


def test_the_navigation_offers_pulses_by_role(client, agent_a, hr_user):
    client.force_login(agent_a.user)
    html = client.get("/pulse/mine/").content.decode()
    assert 'href="/pulse/mine/"' in html
    assert 'href="/pulse/surveys/"' not in html
    client.force_login(hr_user)
    html = client.get("/pulse/surveys/").content.decode()
    assert 'href="/pulse/surveys/"' in html
    assert 'href="/pulse/rounds/"' in html
