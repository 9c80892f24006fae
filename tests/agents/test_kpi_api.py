"""The KPI API: bulk JSON import (all or nothing, per-record errors), history and records, scoped."""

import datetime as dt

import pytest
from django.utils import timezone

from agents.models import KpiImport, KpiRecord
from tests.factories import KpiRecordFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/kpi/import/"
DAY = timezone.localdate() - dt.timedelta(days=5)


def record(number: str = "A001", **changes) -> dict:
    values = {
        "employee_number": number,
        "date": DAY.isoformat(),
        "handled": 40,
        "handle_seconds": 12000,
        "resolved_first_contact": 32,
        "complaints": 1,
        "praise": 2,
        "spot_tests_taken": 2,
        "spot_tests_passed": 1,
        "adherence_pct": 96.5,
        "occupancy_pct": None,
    }
    return {**values, **changes}


@pytest.fixture
def admin_client(client, admin_user, agent_a, agent_b):
    client.force_login(admin_user)
    return client


def test_bulk_import_creates_records_and_answers_201(admin_client):
    response = admin_client.post(IMPORT_URL, [record(), record("B001")], content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["created"], body["updated"], body["unchanged"]) == ("imported", 2, 0, 0)
    assert body["source"] == "api"
    assert body["imported_by"] == "admin-user"
    assert KpiRecord.objects.get(agent__employee_number="A001").adherence_pct == 96.5


def test_bulk_import_accepts_an_object_with_records(admin_client):
    response = admin_client.post(IMPORT_URL, {"records": [record()]}, content_type="application/json")
    assert response.status_code == 201
    assert KpiRecord.objects.count() == 1


def test_bulk_import_twice_changes_nothing(admin_client):
    admin_client.post(IMPORT_URL, [record(), record("B001")], content_type="application/json")
    before = list(KpiRecord.objects.order_by("pk").values())
    body = admin_client.post(IMPORT_URL, [record(), record("B001")], content_type="application/json").json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 2)
    after = list(KpiRecord.objects.order_by("pk").values())
    assert [{k: v for k, v in r.items() if k != "updated_at"} for r in after] == [
        {k: v for k, v in r.items() if k != "updated_at"} for r in before
    ]


def test_bulk_import_with_bad_records_answers_400_with_each_and_writes_nothing(admin_client):
    records = [
        record(),
        record("Z999"),
        record(handled=5, resolved_first_contact=9),
        record("B001", date="2026/03/01", adherence_pct=120),
        record("B001", shoe_size=42),
    ]
    response = admin_client.post(IMPORT_URL, records, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"] == ["record 5: Unknown columns: shoe_size."]
    del records[4]
    details = admin_client.post(IMPORT_URL, records, content_type="application/json").json()["error"]["details"]
    assert details[0] == "record 2: unknown agent Z999"
    assert details[1].startswith("record 3: resolved_first_contact 9 is more than handled 5")
    assert details[2].startswith("record 4: date 2026/03/01 is not a date")
    assert "adherence_pct 120 is not between 0 and 100" in details[2]
    assert len(details) == 3
    assert not KpiRecord.objects.exists()
    assert KpiImport.objects.filter(status="refused").count() == 2


def test_bulk_import_refuses_something_that_is_not_a_list(admin_client):
    response = admin_client.post(IMPORT_URL, {"employee_number": "A001"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == ["record 1: Send a non-empty list of records."]


def test_bulk_import_reports_a_duplicate_record(admin_client):
    response = admin_client.post(IMPORT_URL, [record(), record()], content_type="application/json")
    assert response.json()["error"]["details"] == [f"record 2: employee_number A001 on {DAY} repeats line 1"]


@pytest.mark.parametrize("role", ["supervisor", "quality", "hr", "agent"])
def test_only_administrators_import_kpi_records(client, role, agent_a):
    client.force_login(UserFactory(role=role))
    response = client.post(IMPORT_URL, [record()], content_type="application/json")
    assert response.status_code == 403
    assert not KpiRecord.objects.exists()
    assert not KpiImport.objects.exists()


def test_the_import_history_is_for_administrators(client, admin_client, leader_a):
    admin_client.post(IMPORT_URL, [record()], content_type="application/json")
    body = admin_client.get("/api/v1/kpi/imports/").json()
    assert [(i["status"], i["created"]) for i in body["results"]] == [("imported", 1)]
    client.force_login(leader_a)
    assert client.get("/api/v1/kpi/imports/").status_code == 403


def test_kpi_records_are_scoped_to_the_team_leader(client, leader_a, agent_a, agent_b):
    KpiRecordFactory(agent=agent_a, date=DAY)
    KpiRecordFactory(agent=agent_b, date=DAY)
    client.force_login(leader_a)
    body = client.get("/api/v1/kpi/records/").json()
    assert [r["employee_number"] for r in body["results"]] == ["A001"]
    assert client.get("/api/v1/kpi/records/?agent=B001").json()["results"] == []


def test_kpi_records_of_an_agent_are_their_own(client, agent_a, agent_b):
    KpiRecordFactory(agent=agent_a, date=DAY)
    KpiRecordFactory(agent=agent_b, date=DAY)
    client.force_login(agent_a.user)
    assert [r["employee_number"] for r in client.get("/api/v1/kpi/records/").json()["results"]] == ["A001"]


def test_kpi_records_filter_by_dates(admin_client, agent_a):
    KpiRecordFactory(agent=agent_a, date=DAY)
    KpiRecordFactory(agent=agent_a, date=DAY - dt.timedelta(days=3))
    body = admin_client.get(f"/api/v1/kpi/records/?start={DAY.isoformat()}").json()
    assert [r["date"] for r in body["results"]] == [DAY.isoformat()]
    assert admin_client.get("/api/v1/kpi/records/?start=soon").status_code == 400
