"""Fuzzing the webhooks and the survey link (issue 9): malformed, oversized, wrongly encoded and
replayed bodies get 4xx (or the duplicate answer), never 5xx, and write no row. The number of
cases tried is printed.
"""

import json
import warnings

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from surveys.channels.signatures import hmac_signature
from surveys.models import Answer, Response, SmsMessage, WebhookDelivery
from tests.factories import IntegrationFactory, InvitationFactory

pytestmark = pytest.mark.django_db
TWILIO_TOKEN = "twilio-auth-token-for-tests"
SECRET = "integration-secret-for-tests"
EXAMPLES = 200
OVERSIZED = b'{"event_id": "big", "digits": "' + b"5" * (3 * 1024 * 1024) + b'"}'
TRIED: dict[str, int] = {}


def _rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Answer, Response, WebhookDelivery, SmsMessage))


@pytest.fixture(autouse=True)
def _twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN


class FuzzReport(UserWarning):
    """Carries the count of cases into pytest's warnings summary, which -n (xdist) still shows."""


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    report = f"webhook and survey fuzzing: {sum(TRIED.values())} cases tried {TRIED}"
    print(report)  # noqa: T201
    warnings.warn(report, FuzzReport, stacklevel=1)


@pytest.fixture
def ivr_invitation():
    IntegrationFactory()
    return InvitationFactory(channel="ivr", status="queued")


# Not JSON, JSON of the wrong shape, JSON in the wrong encoding, and too big.
malformed_bodies = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=512).map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=12,
    ).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {"event_id": st.text(max_size=200), "contact_id": st.text(max_size=80), "digits": st.text(max_size=40)}
    ).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"event_id": st.text(min_size=1, max_size=20), "digits": st.just("5")}).map(
        lambda v: json.dumps(v, ensure_ascii=False).encode("utf-16")
    ),
    st.just(OVERSIZED),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=malformed_bodies, signed=st.booleans())
def test_the_ivr_event_webhook_refuses_malformed_bodies(client, ivr_invitation, body, signed):
    TRIED["ivr-event"] = TRIED.get("ivr-event", 0) + 1
    before = _rows()
    headers = {"HTTP_X_SIGNATURE_SHA256": hmac_signature(SECRET, body) if signed else "sha256=00"}
    response = client.post("/hooks/ivr/events/acme-ivr/", body, content_type="application/json", **headers)
    assert 400 <= response.status_code < 500
    assert _rows() == before


form_values = st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    params=st.dictionaries(st.sampled_from(["MessageSid", "From", "Body", "To", "MessageStatus"]), form_values),
    path=st.sampled_from(["/hooks/sms/twilio/", "/hooks/sms/twilio/status/"]),
    good_signature=st.booleans(),
)
def test_the_sms_webhooks_refuse_malformed_or_unsigned_posts(client, db, params, path, good_signature):
    TRIED["sms"] = TRIED.get("sms", 0) + 1
    if good_signature:
        # A signed post still lacks what it needs: the required fields are removed.
        params = {k: v for k, v in params.items() if k not in ("MessageSid",)}
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"http://testserver{path}", params)
    else:
        signature = "not-a-signature"
    before = _rows()
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert 400 <= response.status_code < 500
    assert _rows() == before


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    position=st.text(max_size=20) | st.integers(-5, 50).map(str),
    value=st.text(max_size=200).filter(lambda v: not v.strip().isdigit()),
    raw=st.binary(max_size=512),
    use_raw=st.booleans(),
)
def test_the_survey_link_refuses_malformed_answers(client, db, position, value, raw, use_raw):
    TRIED["survey-web"] = TRIED.get("survey-web", 0) + 1
    invitation = InvitationFactory()
    url = reverse("survey-web", args=[invitation.token])
    before = _rows()
    if use_raw:
        response = client.post(url, raw, content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, {"position": position, "value": value})
    assert response.status_code < 500
    assert _rows() == before


def test_a_replayed_event_is_taken_once(client, ivr_invitation):
    TRIED["replay"] = TRIED.get("replay", 0) + 5
    body = json.dumps({"event_id": "E-replay", "contact_id": ivr_invitation.contact.external_id, "digits": "5"})
    raw = body.encode()
    headers = {"HTTP_X_SIGNATURE_SHA256": hmac_signature(SECRET, raw)}
    first = client.post("/hooks/ivr/events/acme-ivr/", raw, content_type="application/json", **headers)
    assert first.status_code == 201
    after_first = _rows()
    for _ in range(4):
        again = client.post("/hooks/ivr/events/acme-ivr/", raw, content_type="application/json", **headers)
        assert again.status_code == 200 and again.json()["duplicate"] is True
    assert _rows() == after_first


@pytest.mark.parametrize("field", ["contact_id", "event_id"])
def test_a_nul_character_in_an_ivr_event_is_a_400_with_the_reason(client, ivr_invitation, field):
    event = {"event_id": "E-nul", "contact_id": ivr_invitation.contact.external_id, "digits": "4", field: "\x00"}
    raw = json.dumps(event).encode()
    headers = {"HTTP_X_SIGNATURE_SHA256": hmac_signature("integration-secret-for-tests", raw)}
    response = client.post("/hooks/ivr/events/acme-ivr/", raw, content_type="application/json", **headers)
    assert response.status_code == 400
    assert "NUL" in json.dumps(response.json()["error"]["details"])
    assert not WebhookDelivery.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize("field", ["Body", "From", "MessageSid"])
def test_a_nul_character_in_an_sms_form_is_a_400_and_nothing_is_written(client, field):
    params = {"MessageSid": "SM-nul", "From": "+8613812345678", "Body": "5"}
    params[field] += "\x00"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://testserver/hooks/sms/twilio/", params)
    response = client.post("/hooks/sms/twilio/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 400 and b"NUL" in response.content
    assert _rows() == (0, 0, 0, 0)


def test_a_nul_character_in_a_survey_answer_is_a_400_and_nothing_is_written(client):
    invitation = InvitationFactory(channel="web")
    url = reverse("survey-web", args=[invitation.token])
    position = client.get(url).context["question"].position
    assert client.post(url, {"position": position, "value": "5\x00"}).status_code == 400
    assert _rows() == (0, 0, 0, 0)
