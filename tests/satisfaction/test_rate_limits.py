"""Rate limits, login lockout and password hashing (issue 9)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from satisfaction.ratelimit import Rate, hit, parse_rate
from satisfaction.tokens import create_api_token
from tests.factories import UserFactory

PASSWORD = "pass-word-123"


@pytest.fixture
def limits(settings):
    """Small limits for the scope under test (the suite switches them off otherwise)."""

    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    cache.clear()
    return set_limits


def test_rates_are_parsed_from_settings_text():
    assert parse_rate("120/m") == Rate(120, 60)
    assert parse_rate("5/s") == Rate(5, 1)
    assert parse_rate("off") is None
    assert parse_rate("") is None


def test_the_window_answers_how_long_to_wait():
    rate = Rate(2, 60)
    assert hit("unit", "x", rate, now=6000.0) is None
    assert hit("unit", "x", rate, now=6001.0) is None
    assert hit("unit", "x", rate, now=6010.5) == 50
    assert hit("unit", "x", rate, now=6060.0) is None  # a new window


def test_survey_links_over_the_limit_get_429_with_retry_after(client, db, limits):
    limits(survey="3/m")
    statuses = [client.get("/s/no-such-token").status_code for _ in range(4)]
    assert statuses[:3] != [429, 429, 429] and statuses[3] == 429
    response = client.get("/s/no-such-token")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_webhooks_over_the_limit_get_429_json(client, db, limits):
    limits(hooks="2/m")
    for _ in range(2):
        assert client.post("/hooks/sms/twilio/", {}).status_code != 429
    response = client.post("/hooks/sms/twilio/", {})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_other_addresses_are_not_held_back(client, db, limits):
    limits(survey="1/m")
    client.get("/s/x", REMOTE_ADDR="10.0.0.1")
    assert client.get("/s/x", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get("/s/x", REMOTE_ADDR="10.0.0.2").status_code != 429


def test_login_attempts_are_rate_limited(client, db, limits):
    limits(login="2/m")
    for _ in range(2):
        client.post("/login/", {"username": "nobody", "password": "x"})
    response = client.post("/login/", {"username": "nobody", "password": "x"})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_api_throttles_a_token_with_429_and_retry_after(client, admin_user, limits):
    limits(api_user="3/m")
    _token, secret = create_api_token(name="feed", kind="kpi", created_by=admin_user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert [client.get("/api/v1/teams/", **headers).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/teams/", **headers)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def test_anonymous_api_callers_are_throttled_by_address(client, db, limits):
    # The schema is the API's one open endpoint (the others refuse anonymous callers first).
    limits(api_anon="2/m")
    for _ in range(2):
        assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/").status_code == 429


def test_repeated_wrong_passwords_lock_the_account_out(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="target", password=PASSWORD)
    for _ in range(3):
        client.post("/login/", {"username": "target", "password": "wrong"})
    response = client.post("/login/", {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "_auth_user_id" not in client.session


def test_a_correct_password_before_the_limit_still_logs_in(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="forgetful", password=PASSWORD)
    client.post("/login/", {"username": "forgetful", "password": "wrong"})
    response = client.post("/login/", {"username": "forgetful", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_passwords_are_hashed_with_argon2_in_production():
    # tests/conftest.py swaps in MD5 for speed; the project's own setting is read from the module.
    from satisfaction import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_argon2_hashes_and_verifies(settings):
    from django.contrib.auth.hashers import check_password, make_password

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$")
    assert check_password(PASSWORD, encoded)


@pytest.mark.redis
def test_a_window_s_counter_expires_and_costs_one_round_trip(monkeypatch):
    from satisfaction import ratelimit
    from satisfaction.rediscache import redis_client

    cache.clear()
    client, full_key = redis_client("ratelimit:unit:ttl:100")
    commands = []
    original = type(client).execute_command
    monkeypatch.setattr(
        type(client),
        "execute_command",
        lambda self, *args, **kw: commands.append(args[0]) or original(self, *args, **kw),
    )
    assert ratelimit.hit("unit", "ttl", Rate(5, 60), now=6000.0) is None
    assert commands == ["EVALSHA"]
    monkeypatch.undo()
    assert 0 < client.ttl(full_key) <= 61
    assert int(client.get(full_key)) == 1
