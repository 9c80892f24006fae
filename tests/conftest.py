"""Shared fixtures: real services where reachable, a real Celery worker, users of every role."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import translation

from satisfaction import pagecache
from satisfaction.celery import app as celery_app
from tests.factories import AgentFactory, SiteFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
# Tests create hundreds of logins; the production hasher would spend minutes on them.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WORKER_START_TIMEOUT_S = 30


def _redis_reachable() -> str | None:
    """None when Redis answers; otherwise why not."""
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis at REDIS_URL is unreachable ({exc.__class__.__name__})"
    return None


def pytest_report_header(config) -> list[str]:
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"database: {db}; redis: {_redis_reachable() or 'reachable'}"]


@pytest.fixture(autouse=True)
def _service_marks(request):
    """Skip, with the reason printed by -ra, tests whose real service is missing."""
    # CI must run every test against the real services, so there a missing one fails.
    give_up = pytest.fail if os.environ.get("CI_REQUIRE_SERVICES") else pytest.skip
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        give_up("needs PostgreSQL: DATABASE_URL does not point at a PostgreSQL server")
    needs_redis = request.node.get_closest_marker("redis") or request.node.get_closest_marker("celery_worker")
    if needs_redis and (reason := _redis_reachable()):
        give_up(f"needs Redis: {reason}")


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages in English, the language the tests assert on (the product defaults to zh-hans)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Chunk locks and the recompute debounce per test process: xdist workers and other sessions share Redis."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{os.getpid()}"}}
    # Pages kept by an earlier test (another database, the same primary keys) are never served.
    pagecache.bump()


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The suite sends many requests from one address; tests of the limits set their own (issue 9)."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "off")


@pytest.fixture(autouse=True)
def _eager_celery_unless_worker(request):
    """Unit tests run tasks in-process; tests marked celery_worker use the real broker."""
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real ``celery worker`` process on the test database and Redis, stopped after the test."""
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", "")}
    db_name = connection.settings_dict["NAME"]
    # The worker must talk to the test database pytest-django created, not the real one.
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{db_name}"
    env["CONN_MAX_AGE"] = "0"
    # The worker's locks, debounce marks and dashboard generation are the test process's own.
    env["CACHE_KEY_PREFIX"] = f"test-{os.getpid()}"
    queue = f"test-{os.getpid()}"
    # A named node, so that a worker of another test session on the same Redis cannot answer the ping.
    node = f"{queue}@pytest"
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one blocks the worker.
    log_path = tmp_path / "celery-worker.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "satisfaction",
            "worker",
            "--pool=solo",
            "-n",
            node,
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    inspector = celery_app.control
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"the Celery worker exited at start-up:\n{log_path.read_text()}")
        replies = inspector.ping(destination=[node], timeout=0.5) or []
        if replies:
            break
    else:
        proc.kill()
        log.close()
        pytest.fail(f"the Celery worker did not answer a ping within 30 s:\n{log_path.read_text()}")
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield proc
    finally:
        celery_app.conf.task_default_queue = previous
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        # Shown by pytest with the test's other output when the test fails.
        print(f"--- celery worker log ---\n{log_path.read_text()}")  # noqa: T201


@pytest.fixture
def site_a(db):
    return SiteFactory(code="site-a", name="Site A")


@pytest.fixture
def site_b(db):
    return SiteFactory(code="site-b", name="Site B")


@pytest.fixture
def team_a(site_a):
    return TeamFactory(code="team-a", site=site_a)


@pytest.fixture
def team_b(site_b):
    return TeamFactory(code="team-b", site=site_b)


@pytest.fixture
def agent_a(team_a):
    return AgentFactory(team=team_a, employee_number="A001", user=UserFactory(role="agent", username="agent-a"))


@pytest.fixture
def agent_b(team_b):
    return AgentFactory(team=team_b, employee_number="B001", user=UserFactory(role="agent", username="agent-b"))


@pytest.fixture
def leader_a(team_a):
    """A supervisor who leads team A only."""
    user = UserFactory(role="supervisor", username="leader-a")
    team_a.leader = user
    team_a.save()
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(role="admin", username="admin-user", is_staff=True, is_superuser=True)


@pytest.fixture
def hr_user(db):
    return UserFactory(role="hr", username="hr-user")


@pytest.fixture
def quality_user(db):
    return UserFactory(role="quality", username="quality-user")
