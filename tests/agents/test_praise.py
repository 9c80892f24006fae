"""Praise tickets (表扬件): opened from a survey comment or by a supervisor, verified by quality, recognised."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agents.models import PRAISE_POINTS, Notification, Praise
from agents.selectors import agent_performance, praise_candidates, recognition_board
from agents.services import open_praise, verify_grievance, verify_praise
from satisfaction.exceptions import Conflict, ValidationFailed
from surveys.models import Contact
from surveys.services import import_responses
from tests.factories import AgentFactory, GrievanceFactory, PraiseFactory

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"


def answered(contact: str, agent: str, csat: int, comment: str) -> Contact:
    moment = (timezone.now() - dt.timedelta(days=2)).isoformat(timespec="seconds")
    rows = f"{contact},{agent},{moment},web,csat,,{csat}\n{contact},{agent},{moment},web,comment,,{comment}\n"
    import_responses((HEADER + rows).encode())
    return Contact.objects.get(external_id=contact)


def test_praise_from_a_survey_comment_quotes_the_customer(leader_a, agent_a):
    contact = answered("P1", "A001", 5, "Very patient and kind")
    praise = open_praise(agent=agent_a, description="Patience.", opened_by=leader_a, contact=contact)
    assert (praise.source, praise.quote, praise.status) == ("survey_comment", "Very patient and kind", "open")


def test_a_supervisor_opens_praise_of_their_own(leader_a, agent_a):
    praise = open_praise(agent=agent_a, description="Helped a colleague all week.", opened_by=leader_a)
    assert (praise.source, praise.contact, praise.opened_by) == ("supervisor", None, leader_a)


def test_praise_on_another_agents_contact_is_refused(leader_a, agent_a, agent_b):
    contact = answered("P1", "B001", 5, "Great")
    with pytest.raises(ValidationFailed):
        open_praise(agent=agent_a, description="x", opened_by=leader_a, contact=contact)


def test_a_contact_takes_one_praise_ticket(leader_a, agent_a):
    contact = answered("P1", "A001", 5, "Great")
    open_praise(agent=agent_a, description="x", opened_by=leader_a, contact=contact)
    with pytest.raises(Conflict):
        open_praise(agent=agent_a, description="y", opened_by=leader_a, contact=contact)


def test_upheld_praise_earns_points_notifies_and_counts_in_performance(agent_a, quality_user):
    praise = PraiseFactory(agent=agent_a)
    verify_praise(praise, upheld=True, reason="Customer confirmed.", verified_by=quality_user)
    praise.refresh_from_db()
    assert (praise.status, praise.points, praise.verified_by) == ("upheld", PRAISE_POINTS, quality_user)
    assert Notification.objects.filter(user=agent_a.user).count() == 1
    today = timezone.localdate()
    figures = agent_performance(quality_user, agent_a, start=today - dt.timedelta(days=1), end=today)
    assert (figures["praise_upheld"], figures["points"]) == (1, PRAISE_POINTS)


def test_rejected_praise_earns_nothing(agent_a, quality_user):
    praise = PraiseFactory(agent=agent_a)
    verify_praise(praise, upheld=False, reason="Not about this agent.", verified_by=quality_user)
    praise.refresh_from_db()
    assert (praise.status, praise.points) == ("rejected", 0)
    assert recognition_board(quality_user, since=timezone.localdate()) == []


def test_the_recognition_board_adds_praise_and_grievance_points(agent_a, agent_b, quality_user):
    verify_praise(PraiseFactory(agent=agent_a), upheld=True, reason="Yes.", verified_by=quality_user)
    verify_praise(PraiseFactory(agent=agent_b), upheld=True, reason="Yes.", verified_by=quality_user)
    verify_grievance(GrievanceFactory(contact__agent=agent_b), upheld=True, reason="Abuse.", verified_by=quality_user)
    board = recognition_board(quality_user, since=timezone.localdate())
    assert [(row.agent, row.praise_upheld, row.points) for row in board] == [
        (agent_b, 1, PRAISE_POINTS + 5),
        (agent_a, 1, PRAISE_POINTS),
    ]


def test_praise_candidates_are_positive_comments_not_yet_praised(leader_a, agent_a):
    kind = answered("P1", "A001", 5, "Wonderful service")
    answered("P2", "A001", 2, "Terrible wait")
    assert [c.external_id for c in praise_candidates(leader_a)] == ["P1"]
    open_praise(agent=agent_a, description="x", opened_by=leader_a, contact=kind)
    assert praise_candidates(leader_a) == []


# --- pages --------------------------------------------------------------------------------


def test_a_supervisor_opens_praise_from_a_comment_on_the_page(client, leader_a, agent_a):
    answered("P1", "A001", 5, "So helpful")
    client.force_login(leader_a)
    listing = client.get(reverse("agents:praise_list")).content.decode()
    assert "So helpful" in listing
    response = client.post(
        reverse("agents:praise_new"), {"agent": "A001", "contact": "P1", "quote": "", "description": "Helpful."}
    )
    praise = Praise.objects.get()
    assert response["Location"] == reverse("agents:praise", args=[praise.pk])
    assert praise.quote == "So helpful"


def test_quality_verifies_praise_on_the_page_and_it_reaches_the_recognition_page(client, agent_a, quality_user):
    praise = PraiseFactory(agent=agent_a, description="Stayed late to finish a customer's refund.")
    client.force_login(quality_user)
    assert (
        client.post(reverse("agents:praise", args=[praise.pk]), {"verdict": "upheld", "reason": "OK"}).status_code
        == 302
    )
    client.force_login(agent_a.user)
    page = client.get(reverse("agents:recognition")).content.decode()
    assert "Stayed late to finish" in page
    assert agent_a.name in page


def test_agents_cannot_open_or_verify_praise(client, agent_a):
    praise = PraiseFactory(agent=agent_a)
    client.force_login(agent_a.user)
    assert client.get(reverse("agents:praise_new")).status_code == 403
    response = client.post(reverse("agents:praise", args=[praise.pk]), {"verdict": "upheld", "reason": "Me!"})
    assert response.status_code == 403
    praise.refresh_from_db()
    assert praise.status == "open"


# --- scoping ------------------------------------------------------------------------------


def test_a_team_leader_sees_only_their_teams_praise(client, leader_a, agent_a, agent_b):
    own = PraiseFactory(agent=agent_a)
    other = PraiseFactory(agent=agent_b, description="Praise of someone else entirely.")
    client.force_login(leader_a)
    page = client.get(reverse("agents:praise_list")).content.decode()
    assert reverse("agents:praise", args=[own.pk]) in page
    assert "someone else entirely" not in page
    assert client.get(reverse("agents:praise", args=[other.pk])).status_code == 404
    assert [p["id"] for p in client.get("/api/v1/praise/").json()["results"]] == [own.pk]


def test_a_team_leader_cannot_praise_another_teams_agent(client, leader_a, agent_b):
    client.force_login(leader_a)
    client.post(reverse("agents:praise_new"), {"agent": "B001", "contact": "", "quote": "", "description": "x"})
    assert not Praise.objects.exists()


def test_a_team_leader_sees_no_candidates_of_other_teams(leader_a, agent_a, agent_b):
    answered("P9", "B001", 5, "Lovely")
    assert praise_candidates(leader_a) == []


def test_recognition_is_shared_within_a_team_only(client, team_a, agent_a, agent_b, quality_user):
    colleague = AgentFactory(team=team_a, name="Colleague Wang")
    verify_praise(PraiseFactory(agent=colleague), upheld=True, reason="Yes.", verified_by=quality_user)
    verify_praise(PraiseFactory(agent=agent_b), upheld=True, reason="Yes.", verified_by=quality_user)
    client.force_login(agent_a.user)
    page = client.get(reverse("agents:recognition")).content.decode()
    assert "Colleague Wang" in page
    assert agent_b.name not in page
