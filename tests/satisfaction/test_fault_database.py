"""PostgreSQL lost under the application: 503 with Retry-After, never a traceback; back on its own (issue 9).

The test's database connection goes through a TCP proxy; stopping the proxy drops every
connection and refuses new ones, as a PostgreSQL restart does.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.db import close_old_connections, connection
from django.test import Client

from agents.models import Team
from satisfaction.tokens import create_api_token
from surveys.channels.signatures import hmac_signature
from surveys.models import Answer, Contact, Invitation, Response, WebhookDelivery
from tests.factories import IntegrationFactory, InvitationFactory
from tests.faults import ROOT, RedisServer, TcpProxy, free_port, wait_until

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


LOAD_CLIENTS = 6
LOAD_EVENTS = 400
PACE_S = 0.03


def _gunicorn_through(proxy: TcpProxy, redis_url: str, log_path) -> tuple[subprocess.Popen, str]:
    """A real gunicorn whose database connections all go through ``proxy``."""
    settings_dict = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@127.0.0.1:{proxy.port}/{settings_dict['NAME']}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "RATE_LIMIT_HOOKS": "1000000/m",
    }
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "satisfaction.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--worker-class", "gthread", "--threads", "4"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_until(lambda: _listening(port) or proc.poll() is not None, timeout=30, what="gunicorn to listen")
    if proc.poll() is not None:
        pytest.fail(f"gunicorn exited at start-up:\n{log_path.read_text()}")
    return proc, f"http://127.0.0.1:{port}"


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def _ivr_events(count: int) -> list[bytes]:
    """Open IVR invitations, each answered by one signed event of one digit."""
    first = InvitationFactory(channel="ivr", status="sent")
    contacts = Contact.objects.bulk_create(
        Contact(
            external_id=f"load-{n}",
            agent=first.contact.agent,
            team=first.contact.team,
            site=first.contact.site,
            started_at=first.contact.started_at,
        )
        for n in range(count)
    )
    Invitation.objects.bulk_create(
        Invitation(
            contact=contact,
            survey=first.survey,
            survey_version=first.survey_version,
            channel="ivr",
            language="en",
            status="sent",
            created_at=first.created_at,
            expires_at=first.expires_at,
            token=f"load-token-{n:05d}-abcdefghijklmnopqrstuvwxyz",
        )
        for n, contact in enumerate(contacts)
    )
    return [
        json.dumps({"event_id": f"E-load-{n}", "contact_id": f"load-{n}", "digits": "4"}).encode() for n in range(count)
    ]


@pytest.mark.redis
def test_a_database_restart_under_load_answers_503_and_every_event_is_stored_once(tmp_path):
    """Concurrent signed IVR events against gunicorn while PostgreSQL's connections are cut mid-flight.

    An event refused with 503 may still have committed (the connection dropped after COMMIT): the
    platform's retry then gets 200 "duplicate" and nothing is written twice.
    """
    IntegrationFactory()
    events = _ivr_events(LOAD_EVENTS)
    proxy = TcpProxy((connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432)))
    proxy.start()
    redis = RedisServer()
    redis.start()
    server, base = _gunicorn_through(proxy, redis.url, tmp_path / "gunicorn.log")
    outcomes: dict[int, list[int]] = {n: [] for n in range(LOAD_EVENTS)}
    lock = threading.Lock()
    timeline: list[int] = []

    def post(n: int) -> int:
        body = events[n]
        headers = {
            "Content-Type": "application/json",
            "X-Signature-SHA256": hmac_signature("integration-secret-for-tests", body),
        }
        status = requests.post(f"{base}/hooks/ivr/events/acme-ivr/", data=body, headers=headers, timeout=30).status_code
        with lock:
            outcomes[n].append(status)
            timeline.append(status)
        return status

    def client(share: list[int]) -> None:
        for n in share:
            post(n)
            time.sleep(PACE_S)

    try:
        threads = [
            threading.Thread(target=client, args=(list(range(i, LOAD_EVENTS, LOAD_CLIENTS)),))
            for i in range(LOAD_CLIENTS)
        ]
        for thread in threads:
            thread.start()
        # Both workers have answered (their first request loads the URLs) before the outage.
        wait_until(lambda: len(timeline) >= 40, timeout=120, what="the first answers")
        proxy.stop()  # every connection dropped, in the middle of whatever transaction it carried
        time.sleep(1.5)
        proxy.start()
        for thread in threads:
            thread.join(timeout=120)
        # The platform retries what was refused; a retry of an event already taken is a duplicate.
        refused = [n for n, statuses in outcomes.items() if statuses[-1] == 503]
        for n in refused:
            assert post(n) in (200, 201), outcomes[n]
    finally:
        server.terminate()
        server.wait(timeout=30)
        proxy.stop()
        redis.stop()

    statuses = [status for seen in outcomes.values() for status in seen]
    log = (tmp_path / "gunicorn.log").read_text()
    assert set(statuses) <= {200, 201, 503}, (sorted(set(statuses)), log[-3000:])
    assert statuses.count(503) > 0, "the outage refused no request: the test proves nothing"
    assert "Traceback" not in log
    # Nothing half-written: each event is one response with its one answer and one delivery.
    assert WebhookDelivery.objects.filter(provider="ivr:acme-ivr").count() == LOAD_EVENTS
    assert Response.objects.filter(contact__external_id__startswith="load-").count() == LOAD_EVENTS
    assert Answer.objects.filter(response__contact__external_id__startswith="load-").count() == LOAD_EVENTS
    print(f"statuses: 201 x{statuses.count(201)}, 200 x{statuses.count(200)}, 503 x{statuses.count(503)}")  # noqa: T201
