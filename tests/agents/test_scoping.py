"""Role scoping: every role against the pages and API endpoints it must not reach."""

import pytest
from django.urls import reverse

from satisfaction import scoping
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_team_leader_sees_only_their_team(leader_a, team_a, team_b):
    assert list(scoping.visible_teams(leader_a)) == [team_a]


def test_site_supervisor_sees_every_team_of_their_site(site_a, team_a, team_b):
    supervisor = UserFactory(role="supervisor")
    supervisor.supervised_sites.add(site_a)
    assert list(scoping.visible_teams(supervisor)) == [team_a]
    assert list(scoping.visible_sites(supervisor)) == [site_a]


def test_supervisor_with_no_assignment_sees_nothing(team_a, team_b):
    assert not scoping.visible_teams(UserFactory(role="supervisor")).exists()


def test_agent_sees_only_themselves(agent_a, agent_b):
    assert list(scoping.visible_agents(agent_a.user)) == [agent_a]
    assert not scoping.visible_teams(agent_a.user).exists()


@pytest.mark.parametrize("role", ["admin", "hr", "quality"])
def test_centre_wide_roles_see_every_team(role, team_a, team_b):
    assert set(scoping.visible_teams(UserFactory(role=role))) == {team_a, team_b}


def test_supervisor_cannot_open_other_teams_page(client, leader_a, team_b, agent_b):
    client.force_login(leader_a)
    response = client.get(reverse("agents:team", args=[team_b.code]))
    assert response.status_code == 404
    assert agent_b.name not in response.content.decode()


def test_supervisor_cannot_open_other_teams_agent(client, leader_a, agent_a, agent_b):
    client.force_login(leader_a)
    assert client.get(reverse("agents:agent", args=[agent_a.employee_number])).status_code == 200
    hidden = client.get(reverse("agents:agent", args=[agent_b.employee_number]))
    assert hidden.status_code == 404
    assert agent_b.name not in hidden.content.decode()


def test_missing_and_hidden_agents_look_the_same(client, leader_a, agent_b):
    client.force_login(leader_a)
    hidden = client.get(reverse("agents:agent", args=[agent_b.employee_number]))
    missing = client.get(reverse("agents:agent", args=["NOPE"]))
    assert hidden.status_code == missing.status_code == 404


def test_supervisor_overview_lists_only_own_teams(client, leader_a, team_a, team_b):
    client.force_login(leader_a)
    page = client.get(reverse("agents:overview")).content.decode()
    assert team_a.name in page
    assert team_b.name not in page


def test_agent_cannot_open_the_overview(client, agent_a, team_b):
    client.force_login(agent_a.user)
    response = client.get(reverse("agents:overview"))
    assert response.status_code == 403
    assert team_b.name not in response.content.decode()


def test_agent_cannot_open_a_colleagues_page(client, agent_a, agent_b):
    client.force_login(agent_a.user)
    assert client.get(reverse("agents:agent", args=[agent_b.employee_number])).status_code == 404


def test_agent_lands_on_own_page(client, agent_a):
    client.force_login(agent_a.user)
    response = client.get("/", follow=True)
    assert agent_a.employee_number in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, team_a):
    response = client.get(reverse("agents:team", args=[team_a.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_agent_list_is_scoped_for_supervisor(client, leader_a, agent_a, agent_b):
    client.force_login(leader_a)
    body = client.get("/api/v1/agents/").json()
    assert [a["employee_number"] for a in body["results"]] == [agent_a.employee_number]


def test_api_agent_list_is_scoped_for_agent(client, agent_a, agent_b):
    client.force_login(agent_a.user)
    body = client.get("/api/v1/agents/").json()
    assert [a["employee_number"] for a in body["results"]] == [agent_a.employee_number]


def test_api_hidden_agent_is_404_with_error_shape(client, leader_a, agent_b):
    client.force_login(leader_a)
    response = client.get(f"/api/v1/agents/{agent_b.employee_number}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert agent_b.name not in response.content.decode()


def test_api_team_list_is_scoped(client, leader_a, team_a, team_b):
    client.force_login(leader_a)
    body = client.get("/api/v1/teams/").json()
    assert [t["code"] for t in body["results"]] == [team_a.code]


def test_api_refuses_anonymous_requests(client, team_a):
    response = client.get("/api/v1/teams/")
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize("role", ["hr", "quality", "supervisor", "agent"])
def test_only_staff_reach_the_admin(client, role, team_a):
    client.force_login(UserFactory(role=role))
    response = client.get("/admin/agents/agent/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
