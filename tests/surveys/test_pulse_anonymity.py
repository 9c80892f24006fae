"""SCORING.md §5 anonymity, end to end: storage, pages, exports, API and filters."""

import re

import pytest
from django.db import connection
from rest_framework.test import APIClient

from surveys.models import PulseAnswer, PulseParticipation, PulseSubmission
from surveys.pulse_services import submit_pulse
from tests.factories import (
    AgentFactory,
    PulseAnswerFactory,
    PulseParticipationFactory,
    PulseQuestionFactory,
    PulseRoundFactory,
    PulseSubmissionFactory,
    PulseSurveyFactory,
    SiteFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Logins are made by the dozen here; real hashing would take half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Column names that would tie an answer to a person or to a moment finer than the round.
IDENTIFYING_COLUMN = re.compile(
    r"user|agent|employee|person|author|login|session|email|phone|name|ip|address|host|"
    r"created|updated|modified|time|date|_at$|_on$|answered|submitted",
    re.IGNORECASE,
)
ANSWER_TABLE_FOREIGN_KEYS = {
    PulseSubmission._meta.db_table: {"surveys_pulseround"},
    PulseAnswer._meta.db_table: {"surveys_pulsesubmission", "surveys_pulsequestion"},
}
SMALL_TEAM = "team-small"
SMALL_TEAM_NAME = "Tiny night shift"
# Comments carry a marker of their team (never its code) so that a test can tell whose they are.
MARKERS = {"team-a": "ALPHA", "team-c": "GAMMA", SMALL_TEAM: "SMALLTEAM", "team-b": "BETA"}


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [column.name for column in connection.introspection.get_table_description(cursor, table)]


def _foreign_tables(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {target for _column, target in connection.introspection.get_relations(cursor, table).values()}


# --- storage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(ANSWER_TABLE_FOREIGN_KEYS))
def test_no_column_of_the_answer_tables_identifies_a_person_or_a_time(table):
    columns = _columns(table)
    assert columns, f"{table} has no columns"
    identifying = [name for name in columns if IDENTIFYING_COLUMN.search(name.removesuffix("_id"))]
    assert identifying == [], f"{table} has identifying columns {identifying}"


@pytest.mark.parametrize(("table", "allowed"), sorted(ANSWER_TABLE_FOREIGN_KEYS.items()))
def test_the_answer_tables_refer_only_to_the_round_submission_and_question(table, allowed):
    assert _foreign_tables(table) == allowed


def test_participation_cannot_be_joined_to_the_answers():
    participation = PulseParticipation._meta.db_table
    assert _foreign_tables(participation) == {"surveys_pulseround", "agents_agent"}
    shared = set(_columns(participation)) & set(_columns(PulseSubmission._meta.db_table))
    # Round, team, site and band are what the answers keep on purpose; no key, time or order is shared.
    assert shared == {"id", "round_id", "team_code", "site_code", "tenure_band"}


def test_submissions_and_answers_have_random_keys_not_a_sequence():
    for model in (PulseSubmission, PulseAnswer):
        assert model._meta.pk.get_internal_type() == "UUIDField"


def test_a_stored_answer_keeps_round_team_site_and_band_only(agent_a):
    question = PulseQuestionFactory(code="eng-1", allows_comment=True)
    pulse_round = PulseRoundFactory(survey=PulseSurveyFactory(questions=[question]))
    PulseParticipationFactory(round=pulse_round, agent=agent_a, tenure_band="lt1y")
    submit_pulse(
        user=agent_a.user,
        round_id=pulse_round.pk,
        values={question.pk: 4},
        comments={question.pk: "More breaks please"},
        now=pulse_round.opens_at,
    )
    (submission,) = PulseSubmission.objects.values()
    assert set(submission) == {"id", "round_id", "team_code", "site_code", "tenure_band"}
    assert (submission["team_code"], submission["site_code"], submission["tenure_band"]) == ("team-a", "site-a", "lt1y")
    (answer,) = PulseAnswer.objects.values("value", "comment")
    assert answer == {"value": 4.0, "comment": "More breaks please"}
    assert PulseParticipation.objects.get().answered is True


# --- a team with 4 respondents is never shown ---------------------------------------------------------


@pytest.fixture
def centre(team_a):
    """Round with team-a (8 answers), team-c (7) and a 4-answer team in site-a, team-b (12) in site-b."""
    site_a, site_b = team_a.site, SiteFactory(code="site-b")
    team_a.name = "Alpha"
    team_a.save()
    teams = {
        "team-a": team_a,
        "team-c": TeamFactory(code="team-c", name="Gamma", site=site_a),
        SMALL_TEAM: TeamFactory(code=SMALL_TEAM, name=SMALL_TEAM_NAME, site=site_a),
        "team-b": TeamFactory(code="team-b", name="Beta", site=site_b),
    }
    engagement = PulseQuestionFactory(code="eng-proud", allows_comment=True)
    stress = PulseQuestionFactory(code="stress-load", topic="stress", category="stress", reverse=True)
    enps = PulseQuestionFactory(code="enps", topic="enps", kind="enps", category="other")
    pulse_round = PulseRoundFactory(survey=PulseSurveyFactory(questions=[engagement, stress, enps]))
    layout = [("team-a", "1to3y", 8), ("team-c", "1to3y", 7), (SMALL_TEAM, "1to3y", 4), ("team-b", "lt1y", 9)]
    layout.append(("team-b", "3yplus", 3))
    for team_code, band, count in layout:
        team = teams[team_code]
        for number in range(count):
            submission = PulseSubmissionFactory(
                round=pulse_round, team_code=team_code, site_code=team.site.code, tenure_band=band
            )
            comment = f"voice {MARKERS[team_code]} #{number}"
            PulseAnswerFactory(submission=submission, question=engagement, value=4 + number % 2, comment=comment)
            PulseAnswerFactory(submission=submission, question=stress, value=2 + number % 3)
            PulseAnswerFactory(submission=submission, question=enps, value=6 + number % 5)
        for _ in range(count + 2):
            PulseParticipationFactory(
                round=pulse_round, agent=AgentFactory(team=team), team_code=team_code, tenure_band=band
            )
    return pulse_round


def _page(client, user, pulse_round, **query):
    client.force_login(user)
    return client.get(f"/pulse/rounds/{pulse_round.pk}/results/", query)


def _csv(client, user, pulse_round, **query):
    client.force_login(user)
    return client.get(f"/pulse/rounds/{pulse_round.pk}/results.csv", query)


def _api(user, **query):
    api = APIClient()
    api.force_authenticate(user)
    return api.get("/api/v1/pulse/results/", query)


def _mentions_small_team(text: str) -> bool:
    return SMALL_TEAM in text or SMALL_TEAM_NAME in text


def test_a_team_with_four_respondents_never_appears_on_the_results_page(client, hr_user, centre):
    page = _page(client, hr_user, centre)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alpha" in html
    assert not _mentions_small_team(html)
    # Gamma is hidden too: site-a minus Alpha and Gamma would leave the four alone.
    assert "Gamma" not in html
    assert "2 teams are not shown" in html


def test_a_team_with_four_respondents_never_appears_in_the_csv_export(client, hr_user, centre):
    export = _csv(client, hr_user, centre)
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "team-a" in text
    assert not _mentions_small_team(text)
    assert "team-c" not in text


def test_a_team_with_four_respondents_never_appears_in_the_api(hr_user, centre):
    reply = _api(hr_user, round=centre.pk)
    assert reply.status_code == 200, reply.content
    body = reply.content.decode()
    assert [team["team"] for team in reply.json()["teams"]] == ["team-a", "team-b"]
    assert reply.json()["hidden_teams"] == 2
    assert not _mentions_small_team(body)


@pytest.mark.parametrize("query", [{"team": SMALL_TEAM}, {"site": "site-a", "team": SMALL_TEAM}])
def test_asking_for_the_four_respondent_team_is_refused_everywhere(client, hr_user, centre, query):
    page = _page(client, hr_user, centre, **query)
    assert "This selection is not shown" in page.content.decode()
    assert "voice " not in page.content.decode()
    assert _csv(client, hr_user, centre, **query).status_code == 403
    reply = _api(hr_user, round=centre.pk, **query)
    assert reply.status_code == 403
    assert reply.json()["error"]["details"] == {"reason": "anonymity", "k": 5}
    assert not _mentions_small_team(reply.json()["error"]["message"])


def test_the_four_respondent_team_is_not_offered_as_a_filter(client, hr_user, centre):
    html = _page(client, hr_user, centre).content.decode()
    options = re.findall(r'<option value="([^"]*)"', html)
    assert "team-a" in options
    assert SMALL_TEAM not in options


def test_comments_of_the_small_team_are_shown_only_inside_a_large_enough_cut(client, hr_user, centre):
    html = _page(client, hr_user, centre, team="team-a").content.decode()
    assert html.count("voice ALPHA") == 8
    assert "voice SMALLTEAM" not in html
    # The whole round rests on 31 people: its comments are everyone's, the small team's among them.
    whole = _page(client, hr_user, centre).content.decode()
    assert whole.count("voice ") == 31


# --- filters that isolate fewer than k by subtraction ---------------------------------------------------


def test_a_pair_of_filters_that_isolates_three_people_by_subtraction_is_refused(client, hr_user, centre):
    # site-b: 12 respondents; site-b and under one year: 9; the difference would single out 3.
    shown = _page(client, hr_user, centre, site="site-b").content.decode()
    assert "This selection is not shown" not in shown
    refused = _page(client, hr_user, centre, site="site-b", tenure_band="lt1y").content.decode()
    assert "This selection is not shown" in refused
    assert _csv(client, hr_user, centre, site="site-b", tenure_band="lt1y").status_code == 403
    assert _api(hr_user, round=centre.pk, site="site-b", tenure_band="lt1y").status_code == 403


def test_the_same_pair_is_refused_through_the_team_filter_too(hr_user, centre):
    # team-b is all of site-b, so team-b and under one year leaves the same 3 out.
    assert _api(hr_user, round=centre.pk, team="team-b").status_code == 200
    assert _api(hr_user, round=centre.pk, team="team-b", tenure_band="lt1y").status_code == 403


# --- who sees results ---------------------------------------------------------------------------------


def test_agents_and_quality_never_see_pulse_results(client, agent_a, quality_user, centre):
    for user in (agent_a.user, quality_user):
        assert _page(client, user, centre).status_code == 404
        assert _api(user, round=centre.pk).status_code == 404


def test_a_team_leader_sees_nothing_unless_hr_shares_the_survey(client, leader_a, centre):
    assert _page(client, leader_a, centre).status_code == 404
    centre.survey.share_with_team_leaders = True
    centre.survey.save()
    page = _page(client, leader_a, centre)
    assert page.status_code == 200
    assert "Alpha" in page.content.decode()


def test_a_shared_team_leader_sees_only_their_own_team(client, leader_a, centre):
    centre.survey.share_with_team_leaders = True
    centre.survey.save()
    html = _page(client, leader_a, centre).content.decode()
    assert "Beta" not in html
    assert "voice BETA" not in html
    assert _page(client, leader_a, centre, team="team-b").status_code == 404
    reply = _api(leader_a, round=centre.pk)
    assert reply.json()["filters"]["team"] == "team-a"
    assert [team["team"] for team in reply.json()["teams"]] == ["team-a"]


def test_a_leader_of_only_the_small_team_is_told_it_has_too_few_answers(client, centre):
    leader = UserFactory(role="supervisor", username="small-leader")
    small = TeamFactory(code=SMALL_TEAM)
    small.leader = leader
    small.save()
    centre.survey.share_with_team_leaders = True
    centre.survey.save()
    html = _page(client, leader, centre).content.decode()
    assert "None of your teams has enough answers to show yet." in html
    assert "voice " not in html
