"""PostgreSQL lost under the application: 503 with Retry-After, never a traceback; back on its own (issue 9).

The test's database connection goes through a TCP proxy; stopping the proxy drops every
connection and refuses new ones, as a PostgreSQL restart does.
"""

import json

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from agents.models import Team
from satisfaction.tokens import create_api_token
from surveys.channels.signatures import hmac_signature
from surveys.models import WebhookDelivery
from tests.factories import IntegrationFactory
from tests.faults import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def proxied_database():
    """The connection's HOST/PORT swapped for a proxy in front of the real server."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy((saved[0] or "127.0.0.1", int(saved[1] or 5432)))
    proxy.start()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", proxy.port
    try:
        yield proxy
    finally:
        proxy.stop()
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved
        connection.close()


class ServerClient(Client):
    """The test client with the request cycle's connection clean-up a real server runs.

    Django's test client switches ``close_old_connections`` off; a server calls it at the end of
    every request, which is what drops a broken connection so the next request reconnects.
    """

    def request(self, **request):
        try:
            return super().request(**request)
        finally:
            close_old_connections()


def _unavailable(response) -> None:
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert b"Traceback" not in response.content and b"OperationalError" not in response.content


def test_requests_fail_cleanly_while_the_database_is_down_and_succeed_after(proxied_database, admin_user, team_a):
    IntegrationFactory()
    _token, secret = create_api_token(name="feed", kind="kpi", created_by=admin_user)
    api = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = ServerClient(raise_request_exception=False)
    client.force_login(admin_user)
    event = json.dumps({"event_id": "E-outage", "contact_id": "nobody", "digits": "5"}).encode()
    signed = {"HTTP_X_SIGNATURE_SHA256": hmac_signature("integration-secret-for-tests", event)}
    assert client.get("/api/v1/teams/", **api).status_code == 200

    proxied_database.stop()
    api_down = client.get("/api/v1/teams/", **api)
    _unavailable(api_down)
    assert api_down.json()["error"]["code"] == "unavailable"
    hook_down = client.post("/hooks/ivr/events/acme-ivr/", event, content_type="application/json", **signed)
    _unavailable(hook_down)
    page_down = client.get("/org/overview/")
    _unavailable(page_down)
    assert b"<html" in page_down.content
    assert client.get("/healthz").status_code == 503

    proxied_database.start()
    assert client.get("/api/v1/teams/", **api).status_code == 200
    assert client.get("/org/overview/").status_code == 200
    assert client.get("/healthz").status_code == 200
    # The webhook refused during the outage wrote nothing; the provider's retry is taken once.
    assert not WebhookDelivery.objects.exists()
    retried = client.post("/hooks/ivr/events/acme-ivr/", event, content_type="application/json", **signed)
    assert retried.status_code < 500
    assert Team.objects.filter(code="team-a").exists()
