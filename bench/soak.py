"""Soak benchmark (issue 9): mixed traffic for ten minutes with a Redis restart in the middle.

Loopback only, not part of CI. Starts, on a scratch PostgreSQL database and a redis-server of its
own (so the restart disturbs nobody else's Redis): gunicorn, a Celery worker with its beat, and
locust (bench/soak_locustfile.py) with 20 users: customers answering on the web, by SMS and
through an IVR platform (one reply or event in ten delivered twice), the telephony platform
posting contacts, supervisors reading dashboards and the scores API. Halfway through, Redis is
killed and started again after ``--redis-down`` seconds. Afterwards it prints the requests
served, the errors, the answers acknowledged against the answers stored (which must be equal,
with none duplicated), and how long the scoring took to catch up with the answers that arrived
while Redis was down.

    .venv/bin/pip install -r requirements-bench.txt     # locust
    .venv/bin/python bench/soak.py                      # 600 s
    .venv/bin/python bench/soak.py --seconds 120 --redis-down 20
"""

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import free_port, recreate_database, seed_open_invitations, start_gunicorn, wait_for_port  # noqa: E402

BENCH_DB = "satisfaction_bench_soak"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
USERS = 20
INVITATIONS_PER_CHANNEL = 20_000
CATCH_UP_TIMEOUT_S = 300
SECRET = "soak-integration-secret"
TWILIO_TOKEN = "soak-twilio-token"
SUPERVISOR = {"username": "soak-supervisor", "password": secrets.token_urlsafe(16)}


def _seed(plan_path: Path) -> None:
    """Open invitations on every channel, a supervisor and an API token; the locust users' plan."""
    from django.utils import timezone

    from agents.models import Role, User
    from satisfaction.tokens import create_api_token

    seeded = seed_open_invitations(
        per_channel=INVITATIONS_PER_CHANNEL, code="soak", integration="soak-ivr", secret=SECRET
    )
    supervisor = User.objects.create_user(username=SUPERVISOR["username"], password=SUPERVISOR["password"])
    supervisor.role = Role.SUPERVISOR
    supervisor.save()
    supervisor.supervised_sites.add(seeded.site)
    _token, api_secret = create_api_token(name="soak-telephony", kind="telephony", created_by=None)
    # Unconditional questions only: a follow-up asked on a low score is not reached with these answers.
    asked = {channel: [q for q in form if not q.ask_if_item] for channel, form in seeded.forms.items()}
    jobs = {
        "web": [
            {"token": i.token, "form": [{"position": q.position, "item": q.item} for q in asked["web"]]}
            for i in seeded.invitations["web"]
        ],
        "sms": [
            {"token": i.token, "phone": i.phone, "items": ["yes" if q.item == "fcr" else "4" for q in asked["sms"]]}
            for i in seeded.invitations["sms"]
        ],
        "ivr": [
            {
                "event_id": f"E{i.token[:24]}",
                "external_id": i.external_id,
                "digits": "4" * (len(seeded.forms["ivr"]) - 1) + "1",
                "answers": len(seeded.forms["ivr"]),
                "retry": n % 10 == 0,
            }
            for n, i in enumerate(seeded.invitations["ivr"])
        ],
    }
    plan = {
        "jobs": jobs,
        "ivr_secret": SECRET,
        "ivr_integration": "soak-ivr",
        "twilio_token": TWILIO_TOKEN,
        "api_token": api_secret,
        "supervisor": SUPERVISOR,
        "agent": seeded.agent.employee_number,
        "team": seeded.team.code,
        "started_at": timezone.now().isoformat(),
    }
    plan_path.write_text(json.dumps(plan), encoding="utf-8")


def _start_redis(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc, "redis-server")
    return proc


def _stored() -> dict:
    from django.db.models import Count

    from satisfaction.models import DirtyChunk
    from surveys.models import Answer, InboundSms

    per_channel = dict(Answer.objects.values_list("response__channel").annotate(n=Count("id")).order_by())
    duplicated = (
        Answer.objects.values("response_id", "item", "dimension").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    # Texts still waiting in the SMS inbox count as unfinished work too: their answers are not stored yet.
    waiting = DirtyChunk.objects.count() + InboundSms.objects.filter(processed_at__isnull=True).count()
    return {"per_channel": per_channel, "duplicated": duplicated, "stale_marks": waiting}


def _centre_responses_scored(since: dt.date) -> int:
    """Responses counted by the centre's daily snapshots since ``since`` (each counted once)."""
    from satisfaction.models import CENTRE_KEY, ScoreSnapshot

    rows = ScoreSnapshot.objects.filter(level="centre", key=CENTRE_KEY, granularity="day", period_start__gte=since)
    return sum(int(row.metrics.get("n_responses") or 0) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="length of the traffic (default 600)")
    parser.add_argument("--redis-down", type=int, default=30, help="seconds Redis stays stopped (default 30)")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server on PATH")
    locust = Path(sys.executable).with_name("locust")
    if not locust.exists():
        raise SystemExit("needs locust: .venv/bin/pip install -r requirements-bench.txt")

    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "satisfaction.settings",
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "DEBUG": "false",
        "SECRET_KEY": "soak-only-secret-key-not-for-production-" + secrets.token_hex(8),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        # Every client is 127.0.0.1: limits that never refuse, though the limiter still runs.
        "RATE_LIMIT_SURVEY": "1000000/m",
        "RATE_LIMIT_HOOKS": "1000000/m",
        "RATE_LIMIT_API_USER": "1000000/m",
        "RATE_LIMIT_LOGIN": "1000000/m",
        "SMS_BACKEND": "surveys.channels.sms_backends.ConsoleSmsBackend",
        "CONN_MAX_AGE": "60",
    }
    os.environ.update(env)
    recreate_database(DATABASE_URL)
    import django

    django.setup()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    env["SMS_OUTBOX_FILE"] = str(work / "outbox.jsonl")
    plan_path, result_path = work / "plan.json", work / "result.json"
    print("seeding ...", flush=True)
    _seed(plan_path)
    from django.utils import timezone

    started_on = timezone.localdate() - dt.timedelta(days=1)

    redis = _start_redis(redis_port)
    port = free_port()
    # Keep-alive longer than any user's pause: a kept-alive connection closed as the client reuses
    # it is a reset that no server behind a proxy would show (seen with 5 s).
    gunicorn = start_gunicorn(port, env, "--keep-alive", "10")
    worker_log = (work / "worker.log").open("w")

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "satisfaction", "worker", "-B", "--concurrency", "1"),
                *("--loglevel", "WARNING", "-s", str(work / "beat-schedule")),
            ],
            cwd=ROOT,
            env={**env, "CONN_MAX_AGE": "0"},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )

    worker = start_worker()
    worker_restarts = 0
    outage: dict[str, float] = {}
    try:
        print(f"traffic: {USERS} users for {args.seconds} s; Redis stopped at {args.seconds // 2} s", flush=True)
        load = subprocess.Popen(
            [
                *(str(locust), "-f", str(ROOT / "bench" / "soak_locustfile.py"), "--headless"),
                *("-u", str(USERS), "-r", "10", "-t", f"{args.seconds}s", "--host", f"http://127.0.0.1:{port}"),
                *("--only-summary", "--stop-timeout", "30", "--csv", str(work / "stats")),
            ],
            cwd=ROOT,
            env={**env, "SOAK_PLAN": str(plan_path), "SOAK_RESULT": str(result_path)},
            stdout=(work / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        began = time.monotonic()

        def supervise(seconds: float) -> None:
            """Wait, restarting the worker if it exits, as docker-compose's restart policy would."""
            nonlocal worker, worker_restarts
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                if worker.poll() is not None:
                    worker_restarts += 1
                    worker = start_worker()
                time.sleep(1)

        supervise(args.seconds / 2)
        redis.kill()
        redis.wait()
        outage["stopped"] = time.monotonic() - began
        supervise(args.redis_down)
        redis = _start_redis(redis_port)
        outage["started"] = time.monotonic() - began
        print(f"Redis stopped at {outage['stopped']:.0f} s, back at {outage['started']:.0f} s", flush=True)
        while load.poll() is None:
            supervise(5)
        traffic_end = time.monotonic()

        # The answers stored while Redis was down (texts: kept in the inbox) are answered and scored by
        # the beat's sweeps, on their own.
        stored = _stored()
        while stored["stale_marks"] and time.monotonic() - traffic_end < CATCH_UP_TIMEOUT_S:
            supervise(5)
            stored = _stored()
        catch_up = time.monotonic() - traffic_end
    finally:
        for proc in (locals().get("load"), gunicorn, worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=60)
        redis.kill()

    from surveys.models import Response

    result = json.loads(result_path.read_text(encoding="utf-8"))
    stats = _summary(work / "stats_stats.csv")
    acknowledged = result["acknowledged"]
    responses = Response.objects.count()
    scored = _centre_responses_scored(started_on)
    print()
    print(f"{'endpoint':<36} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in stats:
        print(
            f"{row['Name']:<36} {row['Request Count']:>9} {row['Failure Count']:>7} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    print()
    print(f"Redis stopped from {outage['stopped']:.0f} s to {outage['started']:.0f} s of {args.seconds} s")
    print(f"contacts posted through the API: {result['contacts_created']}")
    print(f"Celery worker restarted after exiting: {worker_restarts} time(s)")
    print(f"{'channel':<8} {'acknowledged':>13} {'stored':>8} {'equal':>6}")
    for channel in ("web", "sms", "ivr"):
        sent, kept = acknowledged[channel], stored["per_channel"].get(channel, 0)
        print(f"{channel:<8} {sent:>13} {kept:>8} {'yes' if sent == kept else 'NO':>6}")
    total_sent, total_kept = sum(acknowledged.values()), sum(stored["per_channel"].values())
    print(f"{'all':<8} {total_sent:>13} {total_kept:>8} {'yes' if total_sent == total_kept else 'NO':>6}")
    print(f"answers duplicated: {stored['duplicated']}")
    print(
        f"scoring caught up {catch_up:.0f} s after the traffic (stale marks left: {stored['stale_marks']}); "
        f"responses {responses}, counted by the centre's daily snapshots {scored}"
    )
    print(f"logs and locust's CSV in {work}")
    ok = total_sent == total_kept and not stored["duplicated"] and not stored["stale_marks"] and scored == responses
    raise SystemExit(0 if ok else 1)


def _summary(path: Path) -> list[dict]:
    import csv

    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


if __name__ == "__main__":
    main()
