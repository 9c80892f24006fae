"""The customer page's Kano chart, hidden dissatisfaction with its responses, and their scoping and exports."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from agents.models import Grievance, TicketStatus
from satisfaction.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _section(body: str, name: str) -> str:
    section = body[body.index(f'data-table="{name}"') :]
    return section[: section.index("</section>")]


def _cells(section: str, key: str) -> list[str]:
    return re.findall(rf'data-key="{key}">(?:<a href="[^"]*">)?([^<]*)<', section)


def _customer(client, centre, query: str) -> str:
    month = centre.months[-1]
    response = client.get(reverse("dashboards:customer") + f"?start={month}&{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_kano_table_per_attribute_of_the_team(client, centre):
    client.force_login(centre.users["admin"])
    section = _section(_customer(client, centre, "team=team-a"), "kano")
    # callback: O, A, M six times each: better (6 + 6) / 18, worse -(6 + 6) / 18, the tie goes to must-be.
    # wait_time: I twelve times, M six times: better 0, worse -6 / 18.
    assert _cells(section, "attribute") == ["callback", "wait_time"]
    assert _cells(section, "kano_category") == ["must-be", "indifferent"]
    assert _cells(section, "kano_better") == ["0.67", "0.00"]
    assert _cells(section, "kano_worse") == ["-0.67", "-0.33"]
    assert _cells(section, "kano_n") == ["18", "18"]


def test_kano_chart_payload_has_one_point_per_attribute(client, centre):
    client.force_login(centre.users["admin"])
    body = _customer(client, centre, "team=team-a")
    assert 'data-chart-name="kano"' in body
    payload = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', body).group(1)
    kano = next(c for c in json.loads(payload) if c["kind"] == "kano")
    assert [(p["name"], p["value"]) for p in kano["points"]] == [
        ("callback", [pytest.approx(2 / 3), pytest.approx(2 / 3)]),
        ("wait_time", [pytest.approx(1 / 3), 0.0]),
    ]


def test_no_kano_where_nobody_answered_it(client, centre):
    client.force_login(centre.users["admin"])
    assert 'data-table="kano"' not in _customer(client, centre, "team=team-b")


def test_kano_export(client, centre):
    client.force_login(centre.users["admin"])
    month = centre.months[-1]
    response = client.get(
        reverse("dashboards:export", args=["customer", "kano", "csv"]) + f"?team=team-a&start={month}"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["attribute"], r["kano_category"], r["kano_n"]) for r in rows] == [
        ("callback", "must-be", "18"),
        ("wait_time", "indifferent", "18"),
    ]
    assert float(rows[0]["kano_better"]) == pytest.approx(2 / 3)


def test_hidden_dissatisfaction_lists_the_teams_responses_behind_the_figure(client, centre):
    client.force_login(centre.users["admin"])
    body = _customer(client, centre, "team=team-a")
    section = _section(body, "hidden")
    m = f"{centre.months[-1]:%Y%m}"
    # Two negative comments (csat 5 and 4) and a disconfirmation of 2 (gap -50) on a csat 5, newest first.
    contacts = _cells(section, "contact")
    assert sorted(contacts) == sorted([f"TEAM-A-0-{m}-0", f"TEAM-A-0-{m}-1", f"TEAM-A-2-{m}-0"])
    rows = dict(
        zip(
            contacts,
            zip(
                _cells(section, "csat"),
                _cells(section, "worst_dimension"),
                _cells(section, "worst_gap"),
                _cells(section, "sentiment"),
                strict=True,
            ),
            strict=True,
        )
    )
    # Empathy: experience csat + 1 against 5 -> +16.7 for csat 5, 0.0 for csat 4; assurance 2 -> -50.
    assert rows[f"TEAM-A-0-{m}-0"] == ("5", "empathy", "16.7", "Negative")
    assert rows[f"TEAM-A-0-{m}-1"] == ("4", "empathy", "0.0", "Negative")
    assert rows[f"TEAM-A-2-{m}-0"] == ("5", "assurance", "-50.0", "—")
    assert "Waited far too long" in section
    assert reverse("dashboards:contact", args=[f"TEAM-A-0-{m}-1"]) in section
    # The count is the snapshot's figure: 3 of 18 answers of 4 or 5.
    assert "3 responses of the period count as hidden dissatisfaction" in body


def test_hidden_dissatisfaction_at_the_centre_and_per_site(client, centre):
    client.force_login(centre.users["admin"])
    assert len(_cells(_section(_customer(client, centre, ""), "hidden"), "contact")) == 4
    site_b = _section(_customer(client, centre, "site=site-b"), "hidden")
    assert _cells(site_b, "contact") == [f"TEAM-B-0-{centre.months[-1]:%Y%m}-0"]
    assert "Awful hold music" in site_b


def test_hidden_dissatisfaction_follows_the_channel_filter(client, centre):
    client.force_login(centre.users["admin"])
    # Contacts number 0 and 1 answered by IVR, number 2 on the web: all three hidden ones are IVR.
    ivr = _customer(client, centre, "team=team-a&channel=ivr")
    assert len(_cells(_section(ivr, "hidden"), "contact")) == 3
    assert "3 responses of the period count as hidden dissatisfaction" in ivr
    web = _customer(client, centre, "team=team-a&channel=web")
    assert _cells(_section(web, "hidden"), "contact") == []
    assert "0 responses of the period count" in web


def test_supervisor_never_sees_another_teams_hidden_responses(client, centre):
    client.force_login(centre.users["leader"])
    body = _customer(client, centre, "")
    section = _section(body, "hidden")
    assert "TEAM-B-" not in section and "Awful hold music" not in section
    assert len(_cells(section, "contact")) == 3
    month = centre.months[-1]
    export = client.get(reverse("dashboards:export", args=["customer", "hidden", "csv"]) + f"?start={month}")
    assert "TEAM-B-" not in export.content.decode() and "TEAM-A-0-" in export.content.decode()
    hidden_team = client.get(reverse("dashboards:export", args=["customer", "hidden", "csv"]) + "?team=team-b")
    assert hidden_team.status_code == 404


def test_an_upheld_grievance_takes_the_response_off_the_agents_list_only(client, centre):
    Grievance.objects.filter(contact__external_id=centre.contact_a).update(status=TicketStatus.UPHELD)
    client.force_login(centre.users["admin"])
    agent = centre.agents["team-a"][0].employee_number
    agent_list = _cells(_section(_customer(client, centre, f"team=team-a&agent={agent}"), "hidden"), "contact")
    assert centre.contact_a not in agent_list and len(agent_list) == 1
    team_list = _cells(_section(_customer(client, centre, "team=team-a"), "hidden"), "contact")
    assert centre.contact_a in team_list


def test_hidden_dissatisfaction_export_is_audited(client, centre):
    client.force_login(centre.users["admin"])
    month = centre.months[-1]
    response = client.get(
        reverse("dashboards:export", args=["customer", "hidden", "xlsx"]) + f"?team=team-a&start={month}"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert event.object_id == "customer/hidden.xlsx"
    assert event.detail["rows"] == 3


def _comment_contacts(body: str) -> list[str]:
    return _cells(_section(body, "comments"), "contact")


def test_comments_of_the_team_newest_first(client, centre):
    client.force_login(centre.users["admin"])
    m = f"{centre.months[-1]:%Y%m}"
    body = _customer(client, centre, "team=team-a")
    # Answered on day 17 (number 2), day 10 (number 1), day 3 (number 0, the later-stored comment first).
    assert _comment_contacts(body) == [f"TEAM-A-1-{m}-2", f"TEAM-A-0-{m}-1", f"TEAM-A-1-{m}-0", f"TEAM-A-0-{m}-0"]
    section = _section(body, "comments")
    assert _cells(section, "sentiment") == ["Neutral", "Negative", "Positive", "Negative"]
    assert _cells(section, "csat") == ["5", "4", "5", "5"]
    assert "4 comments of the period match the filters" in body
    assert reverse("dashboards:contact", args=[f"TEAM-A-1-{m}-2"]) in section


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team=team-a&sentiment=negative", ["TEAM-A-0-{m}-1", "TEAM-A-0-{m}-0"]),
        ("team=team-a&sentiment=positive", ["TEAM-A-1-{m}-0"]),
        ("team=team-a&csat=4-5&sentiment=neutral", ["TEAM-A-1-{m}-2"]),
        ("team=team-a&csat=1-2", []),
        ("team=team-a&channel=web", ["TEAM-A-1-{m}-2"]),
        ("sentiment=negative", ["TEAM-A-0-{m}-1", "TEAM-A-0-{m}-0", "TEAM-B-0-{m}-0"]),
        ("sentiment=bogus&team=team-b", ["TEAM-B-0-{m}-0"]),
    ],
)
def test_comment_filters(client, centre, query, expected):
    client.force_login(centre.users["admin"])
    m = f"{centre.months[-1]:%Y%m}"
    assert sorted(_comment_contacts(_customer(client, centre, query))) == sorted(e.format(m=m) for e in expected)


def test_comment_filters_stay_in_the_url_of_drill_down_links(client, centre):
    client.force_login(centre.users["admin"])
    body = _customer(client, centre, "site=site-a&sentiment=negative&csat=4-5")
    assert "team=team-a&amp;sentiment=negative&amp;csat=4-5" in body
    assert '<option value="negative" selected>' in body and '<option value="4-5" selected>' in body


def test_a_corrected_mark_is_the_one_filtered_on(client, centre):
    from surveys.models import Answer

    Answer.objects.filter(text="Lovely agent").update(
        sentiment="negative", sentiment_corrected_by=centre.users["admin"]
    )
    client.force_login(centre.users["admin"])
    section = _section(_customer(client, centre, "team=team-a&sentiment=negative"), "comments")
    assert "Lovely agent" in section
    assert "yes" in _cells(section, "sentiment_corrected")


def test_supervisor_never_sees_another_teams_comments(client, centre):
    client.force_login(centre.users["leader"])
    for query in ("", "sentiment=negative", "site=site-a"):
        section = _section(_customer(client, centre, query), "comments")
        assert "TEAM-B-" not in section and "Awful hold music" not in section, query
        assert "Waited far too long" in section, query
    month = centre.months[-1]
    export = client.get(reverse("dashboards:export", args=["customer", "comments", "csv"]) + f"?start={month}")
    assert "Awful hold music" not in export.content.decode("utf-8-sig")
    assert client.get(reverse("dashboards:customer") + "?team=team-b&sentiment=negative").status_code == 404


def test_comments_export_is_audited_and_matches_the_page(client, centre):
    client.force_login(centre.users["admin"])
    month = centre.months[-1]
    response = client.get(
        reverse("dashboards:export", args=["customer", "comments", "csv"])
        + f"?team=team-a&start={month}&sentiment=negative"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["comment"] for r in rows] == ["Waited far too long", "The line kept dropping"]
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert event.object_id == "customer/comments.csv" and event.detail["rows"] == 2
