"""Grievance tickets (委屈件): filing, quality's verdict, the effect on scores (SCORING.md §7), scoping."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agents.models import GRIEVANCE_POINTS, Grievance, Notification
from agents.selectors import upheld_grievance_contact_ids, upheld_grievance_response_ids
from agents.services import file_grievance, verify_grievance
from satisfaction.exceptions import Conflict, ValidationFailed
from satisfaction.models import DirtyChunk, ScoreSnapshot
from satisfaction.services import compute_chunk
from surveys.models import Contact, Response
from surveys.services import import_responses
from tests.factories import ContactFactory, GrievanceFactory

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def contact_a(agent_a):
    return ContactFactory(agent=agent_a, external_id="CA1", started_at=timezone.now() - dt.timedelta(days=1))


def test_an_agent_files_a_grievance_on_their_own_contact(agent_a, contact_a):
    before = timezone.now()
    grievance = file_grievance(agent=agent_a, contact=contact_a, description="He threatened me.", filed_by=agent_a.user)
    assert (grievance.status, grievance.agent, grievance.filed_by) == ("open", agent_a, agent_a.user)
    assert before + dt.timedelta(hours=71) < grievance.due_at <= timezone.now() + dt.timedelta(hours=72)


def test_a_grievance_on_another_agents_contact_is_refused(agent_a, agent_b):
    other = ContactFactory(agent=agent_b)
    with pytest.raises(ValidationFailed):
        file_grievance(agent=agent_a, contact=other, description="x", filed_by=agent_a.user)
    assert not Grievance.objects.exists()


def test_a_contact_takes_one_grievance(agent_a, contact_a):
    file_grievance(agent=agent_a, contact=contact_a, description="Abuse.", filed_by=None)
    with pytest.raises(Conflict):
        file_grievance(agent=agent_a, contact=contact_a, description="Again.", filed_by=None)


def test_a_grievance_needs_a_description(agent_a, contact_a):
    with pytest.raises(ValidationFailed):
        file_grievance(agent=agent_a, contact=contact_a, description=" ", filed_by=None)


def test_quality_upholds_a_grievance_awards_points_and_notifies_the_agent(
    agent_a, contact_a, quality_user, django_capture_on_commit_callbacks
):
    grievance = GrievanceFactory(contact=contact_a)
    with django_capture_on_commit_callbacks(execute=True):
        verify_grievance(grievance, upheld=True, reason="Recording confirms abuse.", verified_by=quality_user)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.points, grievance.verified_by) == ("upheld", GRIEVANCE_POINTS, quality_user)
    assert grievance.verification_reason == "Recording confirms abuse."
    note = Notification.objects.get(user=agent_a.user)
    assert "was upheld" in note.text and "CA1" in note.text
    assert [m.to for m in mail.outbox] == [[agent_a.user.email]]


def test_a_rejected_grievance_earns_nothing_and_the_agent_is_told_why(agent_a, contact_a, quality_user):
    grievance = GrievanceFactory(contact=contact_a)
    verify_grievance(grievance, upheld=False, reason="The caller was only upset.", verified_by=quality_user)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.points) == ("rejected", 0)
    assert "was not upheld: The caller was only upset." in Notification.objects.get(user=agent_a.user).text


def test_a_verdict_needs_a_reason_and_is_given_once(contact_a, quality_user):
    grievance = GrievanceFactory(contact=contact_a)
    with pytest.raises(ValidationFailed):
        verify_grievance(grievance, upheld=True, reason="", verified_by=quality_user)
    verify_grievance(grievance, upheld=True, reason="Confirmed.", verified_by=quality_user)
    with pytest.raises(Conflict):
        verify_grievance(grievance, upheld=False, reason="Changed my mind.", verified_by=quality_user)
    grievance.refresh_from_db()
    assert grievance.status == "upheld"


# --- the effect on scores (SCORING.md §7) --------------------------------------------------


def import_two_march_responses() -> None:
    import_responses(
        (
            HEADER
            + "G1,A001,2026-03-03T10:00:00+08:00,ivr,csat,,1\n"
            + "G2,A001,2026-03-04T10:00:00+08:00,ivr,csat,,5\n"
        ).encode()
    )


def test_the_upheld_grievance_selectors_name_only_upheld_contacts(agent_a, quality_user):
    import_two_march_responses()
    upheld = GrievanceFactory(contact=Contact.objects.get(external_id="G1"))
    GrievanceFactory(contact=Contact.objects.get(external_id="G2"))  # still open
    verify_grievance(upheld, upheld=True, reason="Abuse.", verified_by=quality_user)
    assert upheld_grievance_contact_ids() == {upheld.contact_id}
    assert upheld_grievance_contact_ids(agent_ids=[upheld.agent_id + 1000]) == set()
    response = Response.objects.get(contact__external_id="G1")
    assert upheld_grievance_response_ids() == {response.pk}
    assert upheld_grievance_response_ids(response_ids=[response.pk + 1000]) == set()


def test_upholding_a_grievance_marks_the_agents_scores_stale(agent_a, quality_user):
    import_two_march_responses()
    DirtyChunk.objects.all().delete()
    grievance = GrievanceFactory(contact=Contact.objects.get(external_id="G1"))
    verify_grievance(grievance, upheld=True, reason="Abuse.", verified_by=quality_user)
    assert set(DirtyChunk.objects.values_list("site", "month")) == {("site-a", MARCH), ("centre", MARCH)}


def test_an_upheld_grievance_leaves_the_agents_scores_but_not_the_teams(agent_a, quality_user):
    import_two_march_responses()
    grievance = GrievanceFactory(contact=Contact.objects.get(external_id="G1"))
    verify_grievance(grievance, upheld=True, reason="The caller was abusive.", verified_by=quality_user)
    compute_chunk(site="site-a", month=MARCH)
    month = {"granularity": "month", "period_start": MARCH}
    agent = ScoreSnapshot.objects.get(level="agent", key="A001", **month).metrics
    team = ScoreSnapshot.objects.get(level="team", key="team-a", **month).metrics
    assert (agent["n_responses"], agent["csat_pct"]) == (1, 100.0)
    assert (team["n_responses"], team["csat_pct"]) == (2, 50.0)


def test_a_rejected_grievance_leaves_the_agents_scores_alone(agent_a, quality_user):
    import_two_march_responses()
    grievance = GrievanceFactory(contact=Contact.objects.get(external_id="G1"))
    verify_grievance(grievance, upheld=False, reason="Not abusive.", verified_by=quality_user)
    compute_chunk(site="site-a", month=MARCH)
    agent = ScoreSnapshot.objects.get(level="agent", key="A001", granularity="month", period_start=MARCH)
    assert agent.metrics["n_responses"] == 2


# --- pages --------------------------------------------------------------------------------


def test_an_agent_files_a_grievance_from_the_page(client, agent_a, contact_a):
    client.force_login(agent_a.user)
    form = client.get(reverse("agents:grievance_new")).content.decode()
    assert "CA1" in form
    response = client.post(reverse("agents:grievance_new"), {"contact": "CA1", "description": "Insults."})
    grievance = Grievance.objects.get()
    assert response["Location"] == reverse("agents:grievance", args=[grievance.pk])
    assert (grievance.agent, grievance.description) == (agent_a, "Insults.")


def test_an_agent_cannot_file_on_a_colleagues_contact_from_the_page(client, agent_a, agent_b):
    ContactFactory(agent=agent_b, external_id="CB1", started_at=timezone.now())
    client.force_login(agent_a.user)
    assert "CB1" not in client.get(reverse("agents:grievance_new")).content.decode()
    client.post(reverse("agents:grievance_new"), {"contact": "CB1", "description": "x"})
    assert not Grievance.objects.exists()


def test_quality_verifies_from_the_page(client, contact_a, quality_user):
    grievance = GrievanceFactory(contact=contact_a)
    client.force_login(quality_user)
    url = reverse("agents:grievance", args=[grievance.pk])
    assert 'name="verdict"' in client.get(url).content.decode()
    assert client.post(url, {"verdict": "upheld", "reason": "Confirmed."}).status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == "upheld"
    assert client.post(url, {"verdict": "rejected", "reason": "Again."}).status_code == 409


def test_a_team_leader_cannot_verify(client, leader_a, contact_a):
    grievance = GrievanceFactory(contact=contact_a)
    client.force_login(leader_a)
    url = reverse("agents:grievance", args=[grievance.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"verdict": "upheld", "reason": "Yes."}).status_code == 403
    grievance.refresh_from_db()
    assert grievance.status == "open"


def test_an_overdue_grievance_shows_as_overdue(client, quality_user, contact_a):
    GrievanceFactory(contact=contact_a, filed_at=timezone.now() - dt.timedelta(days=4))
    client.force_login(quality_user)
    assert "overdue" in client.get(reverse("agents:grievances"), {"status": "open"}).content.decode()


# --- scoping ------------------------------------------------------------------------------


def test_a_team_leader_sees_only_their_teams_grievances(client, leader_a, contact_a, agent_b):
    own = GrievanceFactory(contact=contact_a)
    other = GrievanceFactory(contact=ContactFactory(agent=agent_b), description="Secret grievance of B.")
    client.force_login(leader_a)
    page = client.get(reverse("agents:grievances")).content.decode()
    assert reverse("agents:grievance", args=[own.pk]) in page
    assert reverse("agents:grievance", args=[other.pk]) not in page
    hidden = client.get(reverse("agents:grievance", args=[other.pk]))
    assert hidden.status_code == 404
    assert "Secret grievance" not in hidden.content.decode()
    assert [g["id"] for g in client.get("/api/v1/grievances/").json()["results"]] == [own.pk]
    assert client.get(f"/api/v1/grievances/{other.pk}/").status_code == 404


def test_an_agent_sees_only_their_own_grievances(client, agent_a, contact_a, agent_b):
    own = GrievanceFactory(contact=contact_a)
    other = GrievanceFactory(contact=ContactFactory(agent=agent_b))
    client.force_login(agent_a.user)
    assert [g["id"] for g in client.get("/api/v1/grievances/").json()["results"]] == [own.pk]
    assert client.get(reverse("agents:grievance", args=[other.pk])).status_code == 404


def test_only_agents_file_grievances(client, leader_a):
    client.force_login(leader_a)
    assert client.get(reverse("agents:grievance_new")).status_code == 403


def test_hr_does_not_read_grievances(client, hr_user, contact_a):
    grievance = GrievanceFactory(contact=contact_a)
    client.force_login(hr_user)
    for url in (reverse("agents:grievances"), "/api/v1/grievances/", f"/api/v1/grievances/{grievance.pk}/"):
        assert client.get(url).status_code == 403
