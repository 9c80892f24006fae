"""``GET /api/v1/scores/``: snapshot figures by level, granularity and period, scoped by role (DESIGN.md)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from satisfaction.models import ScoreSnapshot
from satisfaction.services import compute_chunk
from surveys.services import import_responses
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/scores/"
MARCH = dt.date(2026, 3, 1)
MARCH_ISO = "2026-03-01"
MONTH_QUERY = {"granularity": "month", "start": "2026-03-01", "end": "2026-03-31"}
FIGURES = {"n_responses": 4, "csat_pct": 75.0, "csat_mean": 4.25, "nps": 25.0, "gap": None, "mismatch_count": 0}


def snapshot(level: str, key: str, *, granularity: str = "month", period: dt.date = MARCH, **figures) -> ScoreSnapshot:
    return ScoreSnapshot.objects.create(
        level=level, key=key, granularity=granularity, period_start=period, metrics={**FIGURES, **figures}
    )


@pytest.fixture
def snapshots(agent_a, agent_b):
    """One March snapshot per group of both teams, and one in April outside the month query."""
    for level, key in [
        ("agent", "A001"),
        ("agent", "B001"),
        ("team", "team-a"),
        ("team", "team-b"),
        ("site", "site-a"),
        ("site", "site-b"),
        ("centre", "centre"),
    ]:
        snapshot(level, key)
    snapshot("team", "team-a", period=dt.date(2026, 4, 1))


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def get(user, **query):
    return client_for(user).get(URL, query)


def keys(reply) -> list[str]:
    assert reply.status_code == 200, reply.content
    return [row["key"] for row in reply.json()["results"]]


# --- the answer shape ----------------------------------------------------------------------------


def test_the_answer_is_a_paginated_list_of_level_key_granularity_period_and_metrics(snapshots, admin_user):
    reply = get(admin_user, level="team", **MONTH_QUERY)
    assert reply.status_code == 200
    body = reply.json()
    assert body["count"] == 2
    assert body["next"] is None
    assert body["results"] == [
        {"level": "team", "key": "team-a", "granularity": "month", "period_start": "2026-03-01", "metrics": FIGURES},
        {"level": "team", "key": "team-b", "granularity": "month", "period_start": "2026-03-01", "metrics": FIGURES},
    ]


def test_computed_snapshots_are_served_with_the_section_9_names(agent_a, admin_user):
    import_responses(
        b"contact_id,agent,answered_at,channel,item,dimension,value\n"
        b"C1,A001,2026-03-02T10:00:00+08:00,web,csat,,5\n"
        b"C1,A001,2026-03-02T10:00:00+08:00,web,nps,,6\n"
        b"C1,A001,2026-03-02T10:00:00+08:00,web,disconfirmation,empathy,2\n"
    )
    compute_chunk(site="site-a", month=MARCH)
    (row,) = get(admin_user, level="agent", **MONTH_QUERY).json()["results"]
    assert [row[name] for name in ("level", "key", "granularity", "period_start")] == [
        "agent",
        "A001",
        "month",
        MARCH_ISO,
    ]
    # csat 5: 100 %; nps 6 is a detractor: -100; disconfirmation 2: gap (2 - 3) / 2 * 100 = -50, hidden.
    metrics = row["metrics"]
    assert (metrics["csat_pct"], metrics["csat_mean"], metrics["nps"]) == (100.0, 5.0, -100.0)
    assert (metrics["gap"], metrics["gap_empathy"], metrics["gap_empathy_n"]) == (-50.0, -50.0, 1)
    assert (metrics["hidden_dissatisfaction_pct"], metrics["mismatch_count"]) == (100.0, 0)
    assert metrics["fcr_pct"] is None


def test_asking_for_some_metrics_returns_exactly_those(snapshots, admin_user):
    reply = get(admin_user, level="centre", metrics="csat_pct,nps", **MONTH_QUERY)
    assert reply.status_code == 200
    assert reply.json()["results"][0]["metrics"] == {"csat_pct": 75.0, "nps": 25.0}


def test_a_metric_missing_from_a_snapshot_is_null(snapshots, admin_user):
    reply = get(admin_user, level="centre", metrics="csat_pct,gap_empathy", **MONTH_QUERY)
    assert reply.json()["results"][0]["metrics"] == {"csat_pct": 75.0, "gap_empathy": None}


def test_the_dashboard_extras_can_be_asked_for_by_name(snapshots, admin_user):
    names = (
        "csat_count_5,expectation_empathy,experience_empathy,pairs_empathy,csat_pct@channel=ivr,n_responses@queue=q1"
    )
    reply = get(admin_user, level="centre", metrics=names, **MONTH_QUERY)
    assert reply.status_code == 200
    assert set(reply.json()["results"][0]["metrics"]) == set(names.split(","))


@pytest.mark.parametrize(
    "name", ["csat_count_6", "happiness@channel=ivr", "csat_pct@region=north", "csat_pct@channel="]
)
def test_a_malformed_extra_is_refused(snapshots, admin_user, name):
    assert_bad_query(get(admin_user, level="centre", metrics=name, **MONTH_QUERY), "metrics")


def test_results_are_ordered_by_period_then_key_and_paged_with_a_next_link(agent_a, admin_user):
    ScoreSnapshot.objects.bulk_create(
        ScoreSnapshot(level="agent", key=f"E{n:03d}", granularity="day", period_start=MARCH, metrics={})
        for n in range(105)
    )
    body = get(admin_user, level="agent", granularity="day", start="2026-03-01", end="2026-03-01").json()
    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert [r["key"] for r in body["results"][:2]] == ["E000", "E001"]
    assert "page=2" in body["next"]
    second = client_for(admin_user).get(body["next"]).json()
    assert [r["key"] for r in second["results"]] == ["E100", "E101", "E102", "E103", "E104"]


# --- filters ---------------------------------------------------------------------------------------


def test_key_filters_to_one_group(snapshots, admin_user):
    assert keys(get(admin_user, level="team", key="team-b", **MONTH_QUERY)) == ["team-b"]


def test_only_periods_starting_between_start_and_end_are_returned(snapshots, admin_user):
    reply = get(admin_user, level="team", granularity="month", start="2026-03-02", end="2026-04-01")
    assert [(r["key"], r["period_start"]) for r in reply.json()["results"]] == [("team-a", "2026-04-01")]


def test_granularity_selects_the_snapshots_of_that_period_length(snapshots, admin_user):
    snapshot("team", "team-a", granularity="week", period=dt.date(2026, 3, 2))
    reply = get(admin_user, level="team", granularity="week", start="2026-03-01", end="2026-03-31")
    assert [(r["key"], r["granularity"], r["period_start"]) for r in reply.json()["results"]] == [
        ("team-a", "week", "2026-03-02")
    ]


# --- bad queries -----------------------------------------------------------------------------------


def assert_bad_query(reply, field: str) -> dict:
    assert reply.status_code == 400, reply.content
    error = reply.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "invalid"
    assert field in error["details"], error
    return error


def test_an_unknown_metric_is_refused_by_name(snapshots, admin_user):
    error = assert_bad_query(get(admin_user, level="team", metrics="csat_pct,happiness", **MONTH_QUERY), "metrics")
    assert "happiness" in str(error["details"]["metrics"])
    assert "csat_pct" not in str(error["details"]["metrics"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"level": "region", "granularity": "month"}, "level"),
        ({"granularity": "month"}, "level"),
        ({"level": "team", "granularity": "year"}, "granularity"),
        ({"level": "team"}, "granularity"),
        ({"level": "team", "granularity": "month", "start": "2026-13-01"}, "start"),
        ({"level": "team", "granularity": "month", "end": "31/03/2026"}, "end"),
        ({"level": "team", "granularity": "month", "start": "2026-04-01", "end": "2026-03-01"}, "start"),
    ],
)
def test_a_bad_level_granularity_or_date_is_refused(snapshots, admin_user, query, field):
    assert_bad_query(get(admin_user, **query), field)


# --- scoping ---------------------------------------------------------------------------------------


def test_a_team_leader_sees_only_their_team(snapshots, leader_a):
    assert keys(get(leader_a, level="team", **MONTH_QUERY)) == ["team-a"]


def test_a_team_leader_cannot_ask_for_another_team_by_key(snapshots, leader_a):
    assert keys(get(leader_a, level="team", key="team-b", **MONTH_QUERY)) == []


def test_a_team_leader_sees_only_their_teams_agents(snapshots, leader_a):
    assert keys(get(leader_a, level="agent", **MONTH_QUERY)) == ["A001"]


@pytest.mark.parametrize("level", ["site", "centre"])
def test_a_team_leader_gets_no_site_or_centre_figures(snapshots, leader_a, level):
    reply = get(leader_a, level=level, **MONTH_QUERY)
    assert reply.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_site_supervisor_sees_their_site_only(snapshots, site_a):
    supervisor = UserFactory(role="supervisor", username="site-a-supervisor")
    supervisor.supervised_sites.add(site_a)
    assert keys(get(supervisor, level="site", **MONTH_QUERY)) == ["site-a"]
    assert keys(get(supervisor, level="team", **MONTH_QUERY)) == ["team-a"]
    assert keys(get(supervisor, level="centre", **MONTH_QUERY)) == []


def test_an_agent_sees_only_their_own_agent_figures(snapshots, agent_a):
    assert keys(get(agent_a.user, level="agent", **MONTH_QUERY)) == ["A001"]
    assert keys(get(agent_a.user, level="agent", key="B001", **MONTH_QUERY)) == []


@pytest.mark.parametrize("level", ["site", "centre"])
def test_an_agent_gets_no_site_or_centre_figures(snapshots, agent_a, level):
    assert keys(get(agent_a.user, level=level, **MONTH_QUERY)) == []


@pytest.mark.parametrize("user_fixture", ["admin_user", "hr_user", "quality_user"])
def test_centre_wide_roles_see_every_team_and_the_centre(snapshots, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    assert keys(get(user, level="team", **MONTH_QUERY)) == ["team-a", "team-b"]
    assert keys(get(user, level="centre", **MONTH_QUERY)) == ["centre"]


def test_an_anonymous_caller_is_refused(snapshots):
    reply = APIClient().get(URL, {"level": "centre", **MONTH_QUERY})
    assert reply.status_code in (401, 403)
    assert "results" not in reply.json()


# --- the schema --------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_scores_endpoint_its_query_and_its_answer(db):
    reply = APIClient().get("/api/schema/", {"format": "json"})
    assert reply.status_code == 200, reply.content[:2000]
    schema = reply.json()
    operation = schema["paths"]["/api/v1/scores/"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"level", "granularity", "start", "end", "key", "metrics", "page"} <= parameters
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    page = schema["components"]["schemas"][answer]["properties"]
    assert {"count", "next", "results"} <= set(page)
    item = page["results"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][item]["properties"]) == {
        "level",
        "key",
        "granularity",
        "period_start",
        "metrics",
    }
