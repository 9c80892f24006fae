"""Integration API tokens: hashed, shown once, rotated and revoked by administrators (issue 9)."""

import hashlib
import re

import pytest

from satisfaction.models import ApiToken, AuditAction, AuditEvent
from satisfaction.tokens import create_api_token, revoke_api_token, rotate_api_token

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_only_the_hash_of_a_256_bit_token_is_stored(admin_user):
    token, secret = create_api_token(name="Telephony", kind=ApiToken.Kind.TELEPHONY, created_by=admin_user)
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get(pk=token.pk).values())
    assert token.prefix == secret[:8]


def test_a_token_authenticates_api_calls_as_its_integration(client, admin_user, team_a):
    token, secret = create_api_token(name="KPI feed", kind=ApiToken.Kind.KPI, created_by=admin_user)
    response = client.get("/api/v1/teams/", **_bearer(secret))
    assert response.status_code == 200
    assert [t["code"] for t in response.json()["results"]] == ["team-a"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_unknown_token_is_refused(client, db):
    response = client.get("/api/v1/teams/", **_bearer("not-a-token"))
    assert response.status_code in (401, 403)


def test_a_revoked_token_stops_working_at_once(client, admin_user):
    token, secret = create_api_token(name="SMS", kind=ApiToken.Kind.SMS, created_by=admin_user)
    revoke_api_token(token, actor=admin_user)
    assert client.get("/api/v1/teams/", **_bearer(secret)).status_code in (401, 403)


def test_rotation_replaces_the_token_for_the_same_integration(client, admin_user):
    old, old_secret = create_api_token(name="SMS", kind=ApiToken.Kind.SMS, created_by=admin_user)
    new, new_secret = rotate_api_token(old, actor=admin_user)
    assert new.user == old.user and new.name == old.name
    assert client.get("/api/v1/teams/", **_bearer(old_secret)).status_code in (401, 403)
    assert client.get("/api/v1/teams/", **_bearer(new_secret)).status_code == 200


def test_a_token_with_a_narrow_role_is_scoped_like_a_person(client, admin_user, team_a, team_b):
    _token, secret = create_api_token(name="Wallboard", kind="other", created_by=admin_user, role="supervisor")
    response = client.get("/api/v1/teams/", **_bearer(secret))
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_token_changes_are_audited(admin_user):
    token, _secret = create_api_token(name="SMS", kind="sms", created_by=admin_user)
    rotate_api_token(token, actor=admin_user)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED,
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_ROTATED,
    ]


def test_the_admin_shows_a_new_token_once_and_keeps_only_its_hash(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/admin/satisfaction/apitoken/add/", {"name": "Telephony", "kind": "telephony"})
    assert response.status_code == 200
    secret = re.search(r'<code class="api-token">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert "no-store" in response["Cache-Control"]
    listing = client.get("/admin/satisfaction/apitoken/").content.decode()
    assert secret not in listing and token.prefix in listing


def test_the_admin_rotates_and_revokes(client, admin_user):
    token, _secret = create_api_token(name="SMS", kind="sms", created_by=admin_user)
    client.force_login(admin_user)
    url = "/admin/satisfaction/apitoken/"
    rotated = client.post(url, {"action": "rotate_tokens", "_selected_action": [token.pk]})
    assert rotated.status_code == 200 and 'class="api-token"' in rotated.content.decode()
    newest = ApiToken.objects.filter(revoked_at__isnull=True).get()
    client.post(url, {"action": "revoke_tokens", "_selected_action": [newest.pk]})
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_other_staff_cannot_see_tokens_or_the_audit_log(client, db):
    from tests.factories import UserFactory

    hr = UserFactory(role="hr", username="hr-staff", is_staff=True)
    client.force_login(hr)
    assert client.get("/admin/satisfaction/apitoken/").status_code == 403
    assert client.get("/admin/satisfaction/auditevent/").status_code == 403
