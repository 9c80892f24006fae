"""The dashboard pages: what each role sees, drill-down, filters in the URL, and scoping (404 for hidden)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DASHBOARD_URLS = ("dashboards:balance", "dashboards:customer", "dashboards:operations")


def _text(response) -> str:
    return response.content.decode()


def test_supervisors_land_on_the_balance_page(client, centre):
    client.force_login(centre.users["leader"])
    response = client.get("/")
    assert response["Location"] == reverse("dashboards:balance")


def test_team_overview_stays_reachable(client, centre):
    client.force_login(centre.users["leader"])
    assert "Team Alpha" in _text(client.get(reverse("agents:overview")))


def test_balance_ranks_every_team_by_lean_for_admin(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:balance")))
    body = body[body.index('data-table="ranking"') :]
    # Bravo: C 100, E 37.5 -> lean 47.5; Alpha: 100, 83.3 -> 1.7; Aleph: 33.3, 50 -> -31.7.
    assert body.index("Team Bravo") < body.index("Team Alpha") < body.index("Team Aleph")
    assert "customer-first strain" in body and "at risk" in body and "balanced" in body


def test_balance_states_the_link_or_not_enough_data(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:balance")))
    assert "a 5-point rise in the employee index goes with" in body  # 9 team-periods at lag 0
    assert "not enough data" in body  # 6 team-periods at lag 1


def test_balance_team_links_open_the_team_customer_page(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:balance")))
    assert "team=team-b" in body
    response = client.get(reverse("dashboards:customer") + "?team=team-b")
    assert "Customers: Team Bravo" in _text(response)


def test_supervisor_never_sees_another_teams_data_on_any_page(client, centre):
    client.force_login(centre.users["leader"])
    for name in DASHBOARD_URLS:
        body = _text(client.get(reverse(name)))
        assert "Team Alpha" in body, name
        assert "Team Bravo" not in body, name
        assert "TEAM-B-" not in body, name


@pytest.mark.parametrize(
    "query",
    ["team=team-b", "site=site-b", "agent=TEAM-B-0", "team=team-a&agent=TEAM-B-0", "team=no-such-team"],
)
def test_supervisor_gets_404_for_hidden_groups(client, centre, query):
    client.force_login(centre.users["leader"])
    for name in DASHBOARD_URLS:
        assert client.get(reverse(name) + "?" + query).status_code == 404, (name, query)


def test_supervisor_gets_404_for_a_hidden_contact(client, centre):
    client.force_login(centre.users["leader"])
    assert client.get(reverse("dashboards:contact", args=[centre.contact_b])).status_code == 404
    assert client.get(reverse("dashboards:contact", args=["missing"])).status_code == 404


def test_drill_down_from_centre_to_a_contact(client, centre):
    client.force_login(centre.users["admin"])
    customer = reverse("dashboards:customer")
    assert "site=site-a" in _text(client.get(customer))
    assert "team=team-a" in _text(client.get(customer + "?site=site-a"))
    assert "agent=TEAM-A-0" in _text(client.get(customer + "?site=site-a&team=team-a"))
    agent_page = _text(client.get(customer + "?site=site-a&team=team-a&agent=TEAM-A-0"))
    contact_url = reverse("dashboards:contact", args=[centre.contact_a])
    assert contact_url in agent_page
    contact = _text(client.get(contact_url))
    assert "+86*******5678" in contact
    assert "13812345678" not in contact
    assert "Grievance" in contact and "Praise" in contact and "Overall score does not match" in contact
    assert "Customer answered" in contact  # the timeline


def test_customer_page_shows_headline_figures_and_gap_per_dimension(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?team=team-a2"))
    # Aleph: csat 3, 4, 2 -> 1 of 3 top-2 = 33.3 %, mean 3.00.
    assert 'data-figure="csat_pct">33.3<' in body
    assert "3.00 / 5" in body
    assert "empathy" in body


def test_a_filter_change_shows_in_the_figures(client, centre):
    client.force_login(centre.users["admin"])
    month = centre.months[-1]
    weekly = _text(client.get(reverse("dashboards:customer") + f"?team=team-a&granularity=week&start={month}"))
    monthly = _text(client.get(reverse("dashboards:customer") + f"?team=team-a&granularity=month&start={month}"))
    # A month holds 18 of team A's responses; its last week holds 6.
    assert 'data-figure="n_responses">18<' in monthly
    assert 'data-figure="n_responses">6<' in weekly


def test_agent_sees_own_page_and_no_team_dashboards(client, centre):
    client.force_login(centre.users["agent"])
    for name in DASHBOARD_URLS:
        assert client.get(reverse(name)).status_code == 403, name
    body = _text(client.get(reverse("dashboards:me")))
    assert "My figures against my team" in body
    assert "Calmed an upset customer" in body  # upheld praise
    assert "Overall score does not match" in body  # the case about own contact
    assert client.get(reverse("dashboards:contact", args=[centre.contact_a])).status_code == 200
    assert client.get(reverse("dashboards:contact", args=[centre.contact_b])).status_code == 404


def test_hr_reads_employee_results_under_the_anonymity_rule(client, centre):
    client.force_login(centre.users["hr"])
    body = _text(client.get(reverse("dashboards:employee")))
    assert "Team Bravo" in body
    assert "Engagement index" in body


def test_quality_cannot_read_employee_results(client, centre):
    client.force_login(centre.users["quality"])
    assert client.get(reverse("dashboards:employee")).status_code == 403


def test_leader_without_a_shared_survey_sees_no_pulse_results(client, centre):
    client.force_login(centre.users["leader"])
    body = _text(client.get(reverse("dashboards:employee")))
    assert "No pulse results you may read yet." in body
    assert "Team Bravo" not in body


def test_operations_counts_overdue_cases_of_visible_teams_only(client, centre):
    client.force_login(centre.users["leader"])
    body = _text(client.get(reverse("dashboards:operations")))
    assert 'data-figure="overdue">1<' in body
    client.force_login(centre.users["admin"])
    assert 'data-figure="overdue">2<' in _text(client.get(reverse("dashboards:operations")))


def test_opening_a_contact_is_audited_with_its_viewer(client, centre):
    from satisfaction.models import AuditAction, AuditEvent

    client.force_login(centre.users["admin"])
    assert client.get(reverse("dashboards:contact", args=[centre.contact_a])).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert (event.actor, event.object_type) == (centre.users["admin"], "surveys.contact")
    from surveys.models import Contact

    assert event.object_id == str(Contact.objects.get(external_id=centre.contact_a).pk)


def test_customer_page_shows_the_csat_distribution_beside_the_mean(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?team=team-a2"))
    # Aleph's month: six agents answered 3, 4 and 2 once each.
    section = body[body.index('data-table="distribution"') :]
    cells = re.findall(r'data-key="responses">(\d+)<', section[: section.index("</section>")])
    assert cells == ["0", "6", "6", "6", "0"]


def test_customer_page_shows_expectation_against_experience_per_dimension(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?team=team-a2"))
    section = body[body.index('data-table="dimensions"') :]
    # Expectation 5 throughout; experience csat + 1: (4 + 5 + 3) / 3 = 4.00; gap (4 - 5) / 6 * 100 = -16.7.
    assert 'data-key="expectation">5.00<' in section
    assert 'data-key="experience">4.00<' in section
    assert 'data-key="gap">-16.7<' in section


@pytest.mark.parametrize(
    ("channel", "n_responses", "csat_pct"), [("", "18", "33.3"), ("ivr", "12", "50.0"), ("web", "6", "0.0")]
)
def test_the_channel_filter_shows_that_channels_figures(client, centre, channel, n_responses, csat_pct):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + f"?team=team-a2&channel={channel}"))
    assert f'data-figure="n_responses">{n_responses}<' in body
    assert f'data-figure="csat_pct">{csat_pct}<' in body


def test_the_channel_filter_is_kept_in_drill_down_links(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?site=site-a&channel=web"))
    assert "team=team-a&amp;channel=web" in body
    assert 'id="cut-note"' in body
    assert 'data-figure="mismatch_count">—<' in body  # not kept per channel


def test_the_queue_filter_offers_the_queues_with_figures(client, centre):
    client.force_login(centre.users["admin"])
    month = centre.months[-1]
    body = _text(client.get(reverse("dashboards:customer") + f"?team=team-a&start={month}&queue=billing"))
    assert '<option value="billing" selected>' in body
    assert 'data-figure="n_responses">1<' in body  # only contact A is in the billing queue


def test_channel_and_queue_together_show_no_figures(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?team=team-a&channel=ivr&queue=billing"))
    assert "not for both together" in body
    assert 'data-figure="csat_pct">—<' in body


def test_an_unknown_channel_is_ignored(client, centre):
    client.force_login(centre.users["admin"])
    body = _text(client.get(reverse("dashboards:customer") + "?team=team-a2&channel=fax"))
    assert 'data-figure="n_responses">18<' in body
