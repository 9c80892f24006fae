"""The audit log: personal data viewed, surveys changed, tickets verified, roles changed (issue 9)."""

import pytest

from agents.services import verify_grievance
from satisfaction.audit import record_audit
from satisfaction.models import AuditAction, AuditEvent
from tests.factories import ContactFactory, GrievanceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_record_audit_keeps_actor_object_and_address(rf, admin_user):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    event = record_audit(
        actor=admin_user, action=AuditAction.PERSONAL_DATA_EXPORTED, obj=admin_user, detail={"rows": 3}, request=request
    )
    assert (event.actor, event.object_type, event.object_id, event.ip) == (
        admin_user,
        "agents.user",
        str(admin_user.pk),
        "10.1.2.3",
    )


def test_opening_a_contact_in_the_admin_is_logged(client, admin_user):
    contact = ContactFactory()
    client.force_login(admin_user)
    assert client.get(f"/admin/surveys/contact/{contact.pk}/change/").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED)
    assert event.actor == admin_user and event.object_id == str(contact.pk)


def test_verifying_a_ticket_is_logged(quality_user):
    grievance = GrievanceFactory()
    verify_grievance(grievance, upheld=True, reason="Recording confirms the abuse.", verified_by=quality_user)
    event = AuditEvent.objects.get(action=AuditAction.TICKET_VERIFIED)
    assert event.actor == quality_user
    assert (event.object_type, event.object_id, event.detail) == (
        "agents.grievance",
        str(grievance.pk),
        {"upheld": True},
    )


def test_changing_a_role_in_the_admin_is_logged(client, admin_user):
    user = UserFactory(username="promoted", role="agent")
    client.force_login(admin_user)
    page = client.get(f"/admin/agents/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "username": "promoted",
            "role": "supervisor",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("password", None)
    response = client.post(f"/admin/agents/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action=AuditAction.ROLE_CHANGED)
    assert event.actor == admin_user and event.detail["role"] == "supervisor" and "role" in event.detail["fields"]


def test_changing_a_survey_over_the_api_is_logged(client, admin_user):
    client.force_login(admin_user)
    body = {
        "code": "audit-demo",
        "name_en": "Audit demo",
        "name_zh": "审计",
        "dimensions": [],
        "questions": [{"item": "csat", "text_en": "How satisfied?", "text_zh": "满意吗？"}],
    }
    response = client.post("/api/v1/surveys/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_CHANGED)
    assert event.actor == admin_user and event.detail == {"change": "created"}


def test_the_audit_log_is_listed_for_administrators(client, admin_user):
    record_audit(actor=admin_user, action=AuditAction.ROLE_CHANGED, object_type="agents.user", object_id=1)
    client.force_login(admin_user)
    page = client.get("/admin/satisfaction/auditevent/")
    assert page.status_code == 200 and "agents.user" in page.content.decode()
