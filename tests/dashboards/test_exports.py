"""CSV and Excel exports: the page's rows under the page's scoping, totals equal to the page."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _export(client, page: str, table: str, fmt: str, query: str = ""):
    return client.get(reverse("dashboards:export", args=[page, table, fmt]) + ("?" + query if query else ""))


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_children_export_totals_equal_the_site_figure(client, centre):
    client.force_login(centre.users["admin"])
    rows = _csv(_export(client, "customer", "children", "csv", "site=site-a"))
    assert {r["key"] for r in rows} == {"team-a", "team-a2"}
    body = client.get(reverse("dashboards:customer") + "?site=site-a").content.decode()
    total = sum(int(r["n_responses"]) for r in rows)
    assert f'data-figure="n_responses">{total}<' in body


def test_excel_export_has_the_csv_rows(client, centre):
    client.force_login(centre.users["admin"])
    rows = _csv(_export(client, "balance", "ranking", "csv"))
    response = _export(client, "balance", "ranking", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(rows[0].keys())
    assert [v[0] for v in values[1:]] == [r["name"] for r in rows]
    assert [float(v[3]) for v in values[1:]] == [float(r["customer_index"]) for r in rows]


def test_supervisor_export_holds_only_own_teams(client, centre):
    client.force_login(centre.users["leader"])
    for page, table in (("balance", "ranking"), ("customer", "children"), ("operations", "kpis")):
        text = _export(client, page, table, "csv").content.decode("utf-8-sig")
        assert "Team Alpha" in text, page
        assert "Team Bravo" not in text and "Team Aleph" not in text, page


def test_supervisor_export_of_a_hidden_team_is_404(client, centre):
    client.force_login(centre.users["leader"])
    assert _export(client, "customer", "children", "csv", "team=team-b").status_code == 404
    assert _export(client, "balance", "ranking", "xlsx", "site=site-b").status_code == 404


def test_unknown_table_or_format_is_404(client, centre):
    client.force_login(centre.users["admin"])
    assert _export(client, "balance", "nothing", "csv").status_code == 404
    assert _export(client, "balance", "ranking", "pdf").status_code == 404


def test_employee_export_leaves_hidden_teams_out_like_the_page(client, centre):
    client.force_login(centre.users["hr"])
    rows = _csv(_export(client, "employee", "teams", "csv"))
    assert sorted(r["team"] for r in rows) == ["Team Aleph", "Team Alpha", "Team Bravo"]
    assert all(int(r["respondents"]) >= 5 for r in rows)


def test_agent_cannot_export_team_dashboards(client, centre):
    client.force_login(centre.users["agent"])
    assert _export(client, "balance", "ranking", "csv").status_code == 403
    rows = _csv(_export(client, "me", "comparison", "csv"))
    assert len(rows) == 3


def test_exports_of_contacts_are_audited_and_figure_tables_are_not(client, centre):
    from satisfaction.models import AuditAction, AuditEvent

    admin = centre.users["admin"]
    client.force_login(admin)
    assert _export(client, "customer", "contacts", "csv", "team=team-a&agent=TEAM-A-0").status_code == 200
    assert _export(client, "customer", "children", "csv", "site=site-a").status_code == 200
    events = list(AuditEvent.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED))
    assert [(e.actor, e.object_id) for e in events] == [(admin, "customer/contacts.csv")]
    assert "agent=TEAM-A-0" in events[0].detail["query"] and events[0].detail["rows"] >= 1


def test_a_channel_export_totals_equal_the_channel_figure(client, centre):
    client.force_login(centre.users["admin"])
    rows = _csv(_export(client, "customer", "children", "csv", "site=site-a&channel=web"))
    # Per team and month, one web answer per agent: 6 each.
    assert [int(r["n_responses"]) for r in rows] == [6, 6]
    body = client.get(reverse("dashboards:customer") + "?site=site-a&channel=web").content.decode()
    assert 'data-figure="n_responses">12<' in body


def test_the_distribution_export_adds_up_to_the_responses(client, centre):
    client.force_login(centre.users["admin"])
    rows = _csv(_export(client, "customer", "distribution", "csv", "team=team-a"))
    assert [r["csat"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert sum(int(r["responses"]) for r in rows) == 18
    assert sum(float(r["share_pct"]) for r in rows) == pytest.approx(100)
