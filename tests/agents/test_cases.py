"""Follow-up cases: opened from responses by the rules, the state machine and its log, escalation, scoping."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agents.models import CaseEvent, CaseStatus, FollowUpCase, FollowUpRule, Notification
from agents.services import advance_case, escalate_overdue_cases, open_complaint_case, open_followup_cases
from agents.tasks import escalate_overdue_cases_task
from satisfaction.exceptions import Conflict, ValidationFailed
from surveys.models import Response
from surveys.services import import_responses
from tests.factories import ContactFactory, FollowUpCaseFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "contact_id,agent,answered_at,channel,item,dimension,value\n"


def respond(contact: str, agent: str, *answers: tuple[str, str, object]) -> int:
    """Import one response and return its id."""
    lines = "".join(f"{contact},{agent},2026-03-02T10:00:00+08:00,web,{i},{d},{v}\n" for i, d, v in answers)
    import_responses((HEADER + lines).encode())
    return Response.objects.get(contact__external_id=contact).pk


def reasons() -> list[tuple[str, str]]:
    return sorted(FollowUpCase.objects.values_list("contact__external_id", "reason"))


@pytest.fixture
def site_supervisor(site_a):
    user = UserFactory(role="supervisor", username="sup-a", first_name="Site", last_name="Boss")
    user.supervised_sites.add(site_a)
    return user


# --- opening from responses ---------------------------------------------------------------


def test_low_csat_opens_a_case_for_the_team_leader_with_a_due_time(leader_a, agent_a):
    response_id = respond("R1", "A001", ("csat", "", 1))
    before = timezone.now()
    assert open_followup_cases(response_ids=[response_id]) == 1
    case = FollowUpCase.objects.get()
    assert (case.reason, case.status, case.assignee, case.team, case.agent) == (
        "low_csat",
        "open",
        leader_a,
        agent_a.team,
        agent_a,
    )
    assert case.contact.external_id == "R1"
    assert case.figures["csat"] == 1.0
    assert before + dt.timedelta(hours=47) < case.due_at <= timezone.now() + dt.timedelta(hours=48)
    assert list(case.events.values_list("kind", "to_status")) == [("opened", "open")]


def test_each_rule_opens_its_own_case(agent_a, agent_b):
    ids = [
        respond("LOW", "A001", ("csat", "", 2), ("nps", "", 8)),
        respond("DET", "A001", ("csat", "", 4), ("nps", "", 3)),
        respond("GAP", "B001", ("csat", "", 4), ("disconfirmation", "reliability", 1)),
        respond("OK", "B001", ("csat", "", 5), ("nps", "", 10), ("disconfirmation", "empathy", 4)),
    ]
    assert open_followup_cases(response_ids=ids) == 3
    assert reasons() == [("DET", "detractor"), ("GAP", "negative_gap"), ("LOW", "low_csat")]


def test_a_mismatch_is_marked_cause_not_captured_by_the_survey(agent_a):
    response_id = respond(
        "MIS", "A001", ("csat", "", 1), ("experience", "empathy", 6), ("experience", "reliability", 5)
    )
    open_followup_cases(response_ids=[response_id])
    assert reasons() == [("MIS", "low_csat"), ("MIS", "mismatch")]
    mismatch = FollowUpCase.objects.get(reason="mismatch")
    assert mismatch.cause_not_captured
    assert mismatch.get_reason_display() == "Overall score does not match the attributes"
    assert not FollowUpCase.objects.get(reason="low_csat").cause_not_captured


def test_opening_twice_opens_nothing_more(agent_a):
    ids = [respond("R1", "A001", ("csat", "", 1), ("nps", "", 2))]
    assert open_followup_cases(response_ids=ids) == 2
    assert open_followup_cases(response_ids=ids) == 0
    assert open_followup_cases(response_ids=ids + ids) == 0
    assert FollowUpCase.objects.count() == 2
    assert CaseEvent.objects.count() == 2


def test_a_new_answer_to_the_same_response_adds_only_the_new_reason(agent_a):
    ids = [respond("R1", "A001", ("csat", "", 2))]
    open_followup_cases(response_ids=ids)
    respond("R1", "A001", ("csat", "", 2), ("nps", "", 1))
    assert open_followup_cases(response_ids=ids) == 1
    assert reasons() == [("R1", "detractor"), ("R1", "low_csat")]


def test_rules_are_configurable(agent_a):
    FollowUpRule.objects.create(reason="low_csat", enabled=False, due_hours=48)
    FollowUpRule.objects.create(reason="detractor", enabled=True, threshold=3, due_hours=12)
    ids = [respond("R1", "A001", ("csat", "", 1), ("nps", "", 5)), respond("R2", "A001", ("nps", "", 2))]
    open_followup_cases(response_ids=ids)
    assert reasons() == [("R2", "detractor")]
    case = FollowUpCase.objects.get()
    assert case.due_at - case.opened_at == dt.timedelta(hours=12)


def test_a_mismatch_opens_a_case_even_when_its_rule_is_disabled(agent_a):
    FollowUpRule.objects.create(reason="mismatch", enabled=False, due_hours=48)
    FollowUpRule.objects.create(reason="low_csat", enabled=False, due_hours=48)
    response_id = respond("R1", "A001", ("csat", "", 2), ("disconfirmation", "empathy", 4))
    open_followup_cases(response_ids=[response_id])
    assert reasons() == [("R1", "mismatch")]


def test_unknown_or_empty_response_ids_open_nothing(agent_a):
    assert open_followup_cases(response_ids=[]) == 0
    assert open_followup_cases(response_ids=[987654]) == 0


def test_a_complaint_opens_a_case_by_hand(leader_a, agent_a):
    contact = ContactFactory(agent=agent_a)
    case = open_complaint_case(agent=agent_a, description="Billed twice.", opened_by=leader_a, contact=contact)
    assert (case.reason, case.assignee, case.opened_by, case.contact) == ("complaint", leader_a, leader_a, contact)
    assert case.events.get().actor == leader_a


def test_a_complaint_needs_a_description(agent_a):
    with pytest.raises(ValidationFailed):
        open_complaint_case(agent=agent_a, description="  ", opened_by=None)


# --- the state machine --------------------------------------------------------------------


def test_a_case_moves_through_every_state_and_logs_who_and_when(leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a)
    advance_case(case, to=CaseStatus.INVESTIGATING, actor=leader_a, note="Listened to the recording.")
    advance_case(case, to=CaseStatus.CUSTOMER_CONTACTED, actor=leader_a, note="Called back at 15:00.")
    advance_case(case, to=CaseStatus.RESOLVED, actor=leader_a, customer_told="Refunded the double charge.")
    case = advance_case(case, to=CaseStatus.ARCHIVED, actor=leader_a)
    assert case.status == "archived"
    assert case.customer_told == "Refunded the double charge."
    assert case.resolved_at is not None and case.archived_at is not None
    steps = list(case.events.values_list("from_status", "to_status", "actor__username", "note"))
    assert steps == [
        ("open", "investigating", "leader-a", "Listened to the recording."),
        ("investigating", "customer_contacted", "leader-a", "Called back at 15:00."),
        ("customer_contacted", "resolved", "leader-a", "Refunded the double charge."),
        ("resolved", "archived", "leader-a", ""),
    ]
    assert all(event.at is not None for event in case.events.all())


def test_a_case_cannot_close_without_what_the_customer_was_told(leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, status=CaseStatus.CUSTOMER_CONTACTED)
    with pytest.raises(ValidationFailed) as caught:
        advance_case(case, to=CaseStatus.RESOLVED, actor=leader_a, note="done", customer_told="   ")
    assert "what the customer was told" in str(caught.value.message)
    case.refresh_from_db()
    assert case.status == "customer_contacted"
    assert not case.events.exists()


def test_a_case_cannot_skip_steps(leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a)
    with pytest.raises(Conflict):
        advance_case(case, to=CaseStatus.RESOLVED, actor=leader_a, customer_told="Sorted.")
    with pytest.raises(Conflict):
        advance_case(case, to=CaseStatus.ARCHIVED, actor=leader_a)
    case.refresh_from_db()
    assert case.status == "open"


def test_an_archived_case_is_final(leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, status=CaseStatus.ARCHIVED, customer_told="Sorted.")
    with pytest.raises(Conflict):
        advance_case(case, to=CaseStatus.INVESTIGATING, actor=leader_a)


def test_a_contacted_customer_can_send_the_case_back_to_investigation(leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, status=CaseStatus.CUSTOMER_CONTACTED)
    assert advance_case(case, to=CaseStatus.INVESTIGATING, actor=leader_a, note="New facts.").status == "investigating"


# --- escalation ---------------------------------------------------------------------------


def overdue_case(agent, **fields):
    opened = timezone.now() - dt.timedelta(days=3)
    return FollowUpCaseFactory(agent=agent, opened_at=opened, due_at=opened + dt.timedelta(hours=48), **fields)


def test_an_overdue_case_escalates_to_the_site_supervisor(
    leader_a, agent_a, site_supervisor, django_capture_on_commit_callbacks
):
    case = overdue_case(agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_cases() == 1
    case.refresh_from_db()
    assert case.escalated_at is not None
    assert list(case.escalated_to.all()) == [site_supervisor]
    event = case.events.get(kind="escalated")
    assert "Site Boss" in event.note
    note = Notification.objects.get(user=site_supervisor)
    assert f"Case {case.pk}" in note.text
    assert note.link == reverse("agents:case", args=[case.pk])
    assert [m.to for m in mail.outbox] == [[site_supervisor.email]]
    assert not Notification.objects.filter(user=leader_a).exists()


def test_escalation_happens_once(agent_a, site_supervisor):
    overdue_case(agent_a)
    assert escalate_overdue_cases() == 1
    assert escalate_overdue_cases() == 0
    assert Notification.objects.count() == 1


def test_cases_not_yet_due_or_already_resolved_do_not_escalate(agent_a, site_supervisor):
    FollowUpCaseFactory(agent=agent_a)
    overdue_case(agent_a, status=CaseStatus.RESOLVED, customer_told="Sorted.")
    assert escalate_overdue_cases() == 0


def test_escalation_goes_only_to_the_cases_site(agent_a, agent_b, site_supervisor):
    overdue_case(agent_b)
    escalate_overdue_cases()
    assert not Notification.objects.filter(user=site_supervisor).exists()
    assert FollowUpCase.objects.get().escalated_at is not None


def test_the_beat_task_escalates_overdue_cases(agent_a, site_supervisor):
    case = overdue_case(agent_a)
    assert escalate_overdue_cases_task.delay().get() == 1
    assert list(FollowUpCase.objects.get(pk=case.pk).escalated_to.all()) == [site_supervisor]


def test_the_task_is_scheduled_by_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "agents.tasks.escalate_overdue_cases_task" in tasks


def test_an_overdue_case_shows_as_overdue_in_the_list_and_the_api(client, leader_a, agent_a):
    overdue = overdue_case(agent_a)
    FollowUpCaseFactory(agent=agent_a)
    client.force_login(leader_a)
    page = client.get(reverse("agents:cases"), {"status": "overdue"}).content.decode()
    assert f'href="{reverse("agents:case", args=[overdue.pk])}"' in page
    assert page.count('class="overdue"') == 1
    body = client.get("/api/v1/cases/").json()
    assert {c["id"]: c["overdue"] for c in body["results"]}[overdue.pk] is True
    assert sorted(c["overdue"] for c in body["results"]) == [False, True]


# --- pages and API ------------------------------------------------------------------------


def test_the_case_page_moves_a_case_and_refuses_to_close_without_a_note(client, leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, status=CaseStatus.CUSTOMER_CONTACTED)
    client.force_login(leader_a)
    url = reverse("agents:case", args=[case.pk])
    refused = client.post(url, {"action": "step", "to": "resolved", "note": "", "customer_told": ""})
    assert refused.status_code == 400
    assert "Write down what the customer was told" in refused.content.decode()
    done = client.post(url, {"action": "step", "to": "resolved", "customer_told": "Apologised and refunded."})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved"
    assert "Apologised and refunded." in client.get(url).content.decode()


def test_a_note_is_logged_without_changing_the_status(client, leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a)
    client.force_login(leader_a)
    client.post(reverse("agents:case", args=[case.pk]), {"action": "note", "note": "No answer, will retry."})
    assert list(case.events.values_list("kind", "note", "actor__username")) == [
        ("note", "No answer, will retry.", "leader-a")
    ]
    case.refresh_from_db()
    assert case.status == "open"


def test_a_complaint_case_is_opened_from_the_page(client, leader_a, agent_a):
    client.force_login(leader_a)
    response = client.post(reverse("agents:case_new"), {"agent": "A001", "contact": "", "description": "Rude."})
    case = FollowUpCase.objects.get()
    assert response["Location"] == reverse("agents:case", args=[case.pk])
    assert (case.reason, case.opened_by) == ("complaint", leader_a)


def test_the_api_advances_a_case(client, leader_a, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, status=CaseStatus.CUSTOMER_CONTACTED)
    client.force_login(leader_a)
    url = f"/api/v1/cases/{case.pk}/advance/"
    refused = client.post(url, {"to": "resolved"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
    skipped = client.post(url, {"to": "open"}, content_type="application/json")
    assert skipped.status_code == 409
    body = client.post(url, {"to": "resolved", "customer_told": "Refunded."}, content_type="application/json").json()
    assert body["status"] == "resolved"
    assert [e["to_status"] for e in body["events"]] == ["resolved"]


# --- scoping ------------------------------------------------------------------------------


def test_a_team_leader_sees_only_their_teams_cases(client, leader_a, agent_a, agent_b):
    own = FollowUpCaseFactory(agent=agent_a)
    other = FollowUpCaseFactory(agent=agent_b, description="Secret complaint about B.")
    client.force_login(leader_a)
    page = client.get(reverse("agents:cases")).content.decode()
    assert reverse("agents:case", args=[own.pk]) in page
    assert reverse("agents:case", args=[other.pk]) not in page
    hidden = client.get(reverse("agents:case", args=[other.pk]))
    assert hidden.status_code == 404
    assert "Secret complaint" not in hidden.content.decode()
    assert [c["id"] for c in client.get("/api/v1/cases/").json()["results"]] == [own.pk]
    assert client.get(f"/api/v1/cases/{other.pk}/").status_code == 404


def test_a_team_leader_cannot_move_another_teams_case(client, leader_a, agent_b):
    other = FollowUpCaseFactory(agent=agent_b)
    client.force_login(leader_a)
    page = client.post(reverse("agents:case", args=[other.pk]), {"action": "step", "to": "investigating"})
    api = client.post(f"/api/v1/cases/{other.pk}/advance/", {"to": "investigating"}, content_type="application/json")
    assert (page.status_code, api.status_code) == (404, 404)
    other.refresh_from_db()
    assert other.status == "open"
    assert not other.events.exists()


def test_a_team_leader_cannot_open_a_complaint_on_another_teams_agent(client, leader_a, agent_b):
    client.force_login(leader_a)
    response = client.post(reverse("agents:case_new"), {"agent": "B001", "contact": "", "description": "x"})
    assert response.status_code == 200
    assert not FollowUpCase.objects.exists()


def test_a_site_supervisor_sees_every_team_of_the_site(client, site_supervisor, agent_a, agent_b):
    own = FollowUpCaseFactory(agent=agent_a)
    FollowUpCaseFactory(agent=agent_b)
    client.force_login(site_supervisor)
    assert [c["id"] for c in client.get("/api/v1/cases/").json()["results"]] == [own.pk]


@pytest.mark.parametrize("role", ["agent", "hr"])
def test_agents_and_hr_do_not_see_cases(client, role, agent_a):
    case = FollowUpCaseFactory(agent=agent_a, description="The complaint in full.")
    user = agent_a.user if role == "agent" else UserFactory(role=role)
    client.force_login(user)
    for url in (reverse("agents:cases"), "/api/v1/cases/", f"/api/v1/cases/{case.pk}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "The complaint in full." not in response.content.decode()


def test_an_automatic_case_shows_its_log_with_the_system_as_actor(client, leader_a, agent_a):
    open_followup_cases(response_ids=[respond("R1", "A001", ("csat", "", 1))])
    client.force_login(leader_a)
    page = client.get(reverse("agents:case", args=[FollowUpCase.objects.get().pk])).content.decode()
    assert "<td>system</td>" in page
    assert "CSAT 1 · NPS —" in page
