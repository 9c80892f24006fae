"""Locust users of the soak benchmark (bench/soak.py starts locust with this file; issue 9).

Mixed traffic against one gunicorn: customers answering on the web, by SMS and through an IVR
platform, the telephony platform posting finished contacts, and supervisors reading dashboards
and the scores API. Every answer the server acknowledged is counted per channel and written to
``SOAK_RESULT`` when the run stops, so that bench/soak.py can compare it with the rows stored.
"""

import hashlib
import hmac
import json
import os
import re
import threading
import uuid

from locust import HttpUser, between, events, task
from twilio.request_validator import RequestValidator

PLAN = json.loads(open(os.environ["SOAK_PLAN"], encoding="utf-8").read())  # noqa: SIM115
RETRY_EVERY = 10  # one SMS reply and one IVR event in ten is delivered twice, as providers retry
# Served over TLS in production; the proxy's header makes Django treat the request as secure.
SECURE = {"X-Forwarded-Proto": "https"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_lock = threading.Lock()
acknowledged = {"web": 0, "sms": 0, "ivr": 0}
contacts_posted = {"created": 0}


def _take(channel: str):
    with _lock:
        jobs = PLAN["jobs"][channel]
        return jobs.pop() if jobs else None


def _count(channel: str, answers: int) -> None:
    with _lock:
        acknowledged[channel] += answers


def _post(client, path: str, *, name: str, ok: tuple[int, ...], channel: str = "", answers: int = 0, **kwargs) -> bool:
    """POST, mark the request failed unless its status is in ``ok``, count the answers acknowledged."""
    with client.post(path, name=name, catch_response=True, **kwargs) as reply:
        if reply.status_code not in ok:
            reply.failure(f"status {reply.status_code}")
            return False
        reply.success()
    if channel:
        _count(channel, answers)
    return True


@events.test_stop.add_listener
def _write_result(**_kwargs) -> None:
    with open(os.environ["SOAK_RESULT"], "w", encoding="utf-8") as out:
        json.dump({"acknowledged": acknowledged, "contacts_created": contacts_posted["created"]}, out)


class WebRespondent(HttpUser):
    """A customer who opens the survey link and answers each question in turn."""

    weight = 4
    wait_time = between(0.2, 1.0)

    @task
    def answer(self) -> None:
        job = _take("web")
        if job is None:
            return
        token, form = job["token"], job["form"]
        self.client.get(f"/s/{token}", name="/s/<token> (open)", headers=SECURE)
        for question in form:
            value = {"fcr": "yes", "comment": "fine", "nps": "9"}.get(question["item"], "4")
            _post(
                self.client,
                f"/s/{token}",
                name="/s/<token> (answer)",
                ok=(200, 302),
                channel="web",
                answers=1,
                data={"position": question["position"], "value": value},
                headers=SECURE,
                allow_redirects=False,
            )


class SmsProvider(HttpUser):
    """Twilio delivering a customer's SMS replies, signed, some of them twice."""

    weight = 3
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.validator = RequestValidator(PLAN["twilio_token"])

    @task
    def reply(self) -> None:
        job = _take("sms")
        if job is None:
            return
        # Twilio signs the public https address it posted to.
        url = "https://" + self.host.split("://", 1)[1] + "/hooks/sms/twilio/"
        for number, item in enumerate(job["items"]):
            params = {"MessageSid": f"SM{job['token'][:20]}{number}", "From": job["phone"], "Body": item}
            headers = {**SECURE, "X-Twilio-Signature": self.validator.compute_signature(url, params)}
            for attempt in range(2 if number % RETRY_EVERY == 0 else 1):
                path = "/hooks/sms/twilio/"
                answers = 1 if attempt == 0 else 0
                _post(
                    self.client,
                    path,
                    name=path,
                    ok=(200,),
                    channel="sms",
                    answers=answers,
                    data=params,
                    headers=headers,
                )


class IvrPlatform(HttpUser):
    """A telephony platform posting a caller's keypad digits, HMAC-signed, some events twice."""

    weight = 3
    wait_time = between(0.2, 1.0)

    @task
    def event(self) -> None:
        job = _take("ivr")
        if job is None:
            return
        secret = PLAN["ivr_secret"].encode()
        body = json.dumps({"event_id": job["event_id"], "contact_id": job["external_id"], "digits": job["digits"]})
        headers = {
            **SECURE,
            "Content-Type": "application/json",
            "X-Signature-SHA256": "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest(),
        }
        for attempt in range(2 if job["retry"] else 1):
            _post(
                self.client,
                f"/hooks/ivr/events/{PLAN['ivr_integration']}/",
                name="/hooks/ivr/events/<integration>/",
                ok=(200, 201),
                channel="ivr",
                answers=job["answers"] if attempt == 0 else 0,
                data=body,
                headers=headers,
            )


class TelephonyPlatform(HttpUser):
    """Finished contacts posted to the API with an integration token; the rule decides on a survey."""

    weight = 2
    wait_time = between(0.5, 2.0)

    @task
    def contact(self) -> None:
        body = {
            "external_id": f"soak-{uuid.uuid4().hex}",
            "agent": PLAN["agent"],
            "customer_phone": f"+86137{uuid.uuid4().int % 10**8:08d}",
            "started_at": PLAN["started_at"],
            "queue": "general",
            "preferred_channel": "web",
        }
        headers = {**SECURE, "Authorization": f"Bearer {PLAN['api_token']}"}
        if _post(self.client, "/api/v1/contacts/", name="/api/v1/contacts/", ok=(201,), json=body, headers=headers):
            with _lock:
                contacts_posted["created"] += 1


class Supervisor(HttpUser):
    """A supervisor logged in through the login form, reading dashboards and the scores API."""

    weight = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        # Cookies are Secure (served over TLS in production), so they are carried by hand here.
        address = self.host.split("://", 1)[1]
        page = self.client.get("/login/", headers=SECURE, name="/login/ (form)")
        csrf = page.cookies.get("csrftoken", "")
        field = CSRF_FIELD.search(page.text)
        reply = self.client.post(
            "/login/",
            data={
                "username": PLAN["supervisor"]["username"],
                "password": PLAN["supervisor"]["password"],
                "csrfmiddlewaretoken": field.group(1) if field else "",
            },
            headers={**SECURE, "Cookie": f"csrftoken={csrf}", "Referer": f"https://{address}/login/"},
            allow_redirects=False,
            name="/login/",
        )
        self.cookie = f"sessionid={reply.cookies.get('sessionid', '')}"

    def _get(self, path: str, name: str) -> None:
        self.client.get(path, headers={**SECURE, "Cookie": self.cookie}, name=name)

    @task(3)
    def balance(self) -> None:
        self._get("/dashboards/balance/", "/dashboards/balance/")

    @task(3)
    def customer(self) -> None:
        self._get("/dashboards/customer/", "/dashboards/customer/")

    @task(1)
    def operations(self) -> None:
        self._get("/dashboards/operations/", "/dashboards/operations/")

    @task(2)
    def scores_api(self) -> None:
        self._get(f"/api/v1/scores/?level=team&key={PLAN['team']}&granularity=day", "/api/v1/scores/")
