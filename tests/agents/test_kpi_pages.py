"""The KPI upload page and import history, in the browser (administrators only)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agents.models import KpiImport, KpiRecord
from tests.agents.test_kpi_import import BAD_ROWS, GOOD_ROWS, csv_bytes, xlsx_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("agents:kpi_imports")


@pytest.fixture
def admin_client(client, admin_user, agent_a, agent_b):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(("name", "encode"), [("kpi.csv", csv_bytes), ("kpi.xlsx", xlsx_bytes)])
def test_an_administrator_uploads_a_file(admin_client, name, encode):
    response = admin_client.post(URL, {"file": SimpleUploadedFile(name, encode(GOOD_ROWS))}, follow=True)
    assert KpiRecord.objects.count() == 3
    page = response.content.decode()
    assert "KPI records imported: 3 created, 0 replaced, 0 unchanged." in page
    assert name in page


def test_a_refused_upload_lists_every_bad_line_and_enters_the_history(admin_client):
    data = csv_bytes([GOOD_ROWS[0], BAD_ROWS[0][0], BAD_ROWS[1][0]])
    response = admin_client.post(URL, {"file": SimpleUploadedFile("bad.csv", data)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "line 3: unknown agent Z999" in page
    assert "line 4: handled -3 is negative" in page
    assert not KpiRecord.objects.exists()
    history = KpiImport.objects.get()
    detail = admin_client.get(reverse("agents:kpi_import", args=[history.pk])).content.decode()
    assert "line 4: handled -3 is negative" in detail
    assert "admin-user" in detail


@pytest.mark.parametrize("role", ["supervisor", "quality", "hr", "agent"])
def test_only_administrators_open_the_kpi_pages(client, role, agent_a):
    client.force_login(UserFactory(role=role))
    assert client.get(URL).status_code == 403
    upload = client.post(URL, {"file": SimpleUploadedFile("kpi.csv", csv_bytes(GOOD_ROWS[:1]))})
    assert upload.status_code == 403
    assert not KpiRecord.objects.exists()
