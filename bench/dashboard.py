"""Benchmark of the dashboards (issue 8): 20 concurrent logged-in supervisors against gunicorn.

Builds (once) a scratch PostgreSQL database with N survey answers over two years through
``bench/scores.py``'s generator, queues on the contacts, monthly pulse rounds, daily KPI
records and every snapshot the engine computes; then starts gunicorn on a loopback port and
lets 20 client threads, each logged in as a site supervisor (and as one agent for the agent's
own page), request every dashboard page in turn for a bounded time. Prints p50, p95 and p99 per
page and whether p95 is under 300 ms.

    .venv/bin/python bench/dashboard.py --answers 1000000 --fresh     # build, then measure
    .venv/bin/python bench/dashboard.py --answers 10000000 --fresh    # the issue's size
    .venv/bin/python bench/dashboard.py --seconds 120                 # measure again on the same data

The database is ``satisfaction_bench_dash`` (``BENCH_DATABASE_URL`` overrides it).
"""

import argparse
import concurrent.futures
import datetime as dt
import io
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "satisfaction_bench_dash"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}")
os.environ["BENCH_DATABASE_URL"] = DATABASE_URL
from bench import scores as score_bench  # noqa: E402  (sets DATABASE_URL from BENCH_DATABASE_URL)
from bench.common import free_port, recreate_database, start_gunicorn  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ["REDIS_URL"] = REDIS_URL
os.environ.pop("CELERY_RESULT_BACKEND", None)
os.environ["DEBUG"] = "false"
os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["LOG_LEVEL"] = "WARNING"
# One loopback address logs 40 sessions in at once; the login limit is not what is measured.
os.environ["RATE_LIMIT_LOGIN"] = "off"

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CLIENTS = 20
TARGET_P95_MS = 300
# Pseudo-pages of the report: every user's first view of each page, and all later views.
FIRST, LATER = "(first views)", "(later views)"
PASSWORD = "bench-pass-2026"
QUEUES = ("billing", "sales", "support", "tech")
PULSE_ANSWER_SHARE = 0.8
CONTACT_SAMPLE = 200


def _database_ready() -> bool:
    """Whether the bench database exists and holds snapshots."""
    import psycopg2

    try:
        connection = psycopg2.connect(DATABASE_URL)
    except psycopg2.OperationalError:
        return False
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('satisfaction_scoresnapshot') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT EXISTS (SELECT 1 FROM satisfaction_scoresnapshot)")
        return cursor.fetchone()[0]


def _pulses(agents, *, first: dt.date, months: int, rng: random.Random) -> None:
    """Monthly pulse rounds (engagement and stress items), shared with team leaders."""
    from surveys.models import (
        PulseAnswer,
        PulseParticipation,
        PulseQuestion,
        PulseRound,
        PulseSubmission,
        PulseSurvey,
        PulseSurveyQuestion,
    )

    questions = [
        PulseQuestion.objects.create(
            code=code, topic=topic, kind="likert", category=topic, text_en=code, text_zh=code, reverse=False
        )
        for code, topic in (("eng-1", "engagement"), ("eng-2", "engagement"), ("str-1", "stress"))
    ]
    survey = PulseSurvey.objects.create(
        code="bench-monthly", name_en="Monthly", name_zh="每月", share_with_team_leaders=True
    )
    for position, question in enumerate(questions, start=1):
        PulseSurveyQuestion.objects.create(survey=survey, question=question, position=position)
    teams = {a.team_id: a.team for a in agents}
    month = first
    for number in range(1, months + 1):
        opens = dt.datetime.combine(month.replace(day=5), dt.time(1), tzinfo=dt.UTC)
        pulse_round = PulseRound.objects.create(
            survey=survey, number=number, opens_at=opens, closes_at=opens + dt.timedelta(days=7), closed_at=opens
        )
        participations, submissions, answers = [], [], []
        for agent in agents:
            team = teams[agent.team_id]
            answered = rng.random() < PULSE_ANSWER_SHARE
            participations.append(
                PulseParticipation(
                    round=pulse_round,
                    agent=agent,
                    team_code=team.code,
                    site_code=team.site.code,
                    tenure_band="1to3y",
                    invitation_sent=True,
                    answered=answered,
                )
            )
            if answered:
                submission = PulseSubmission(
                    round=pulse_round, team_code=team.code, site_code=team.site.code, tenure_band="1to3y"
                )
                submissions.append(submission)
                answers += [
                    PulseAnswer(submission=submission, question=q, value=rng.choice((2, 3, 4, 4, 5))) for q in questions
                ]
        PulseParticipation.objects.bulk_create(participations, batch_size=2000)
        PulseSubmission.objects.bulk_create(submissions, batch_size=2000)
        PulseAnswer.objects.bulk_create(answers, batch_size=2000)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _kpi(agents, *, first: dt.date, days: int, rng: random.Random) -> None:
    """One KPI record per agent and day, written with COPY."""
    from django.db import connection

    now = dt.datetime.now(dt.UTC).isoformat()
    rows = io.StringIO()
    for agent in agents:
        for offset in range(days):
            handled = rng.randint(30, 60)
            taken = rng.randint(0, 2)
            rows.write(
                f"{agent.id},{first + dt.timedelta(days=offset)},{handled},{handled * rng.randint(200, 400)},"
                f"{rng.randint(handled // 2, handled)},{rng.randint(0, 1)},{rng.randint(0, 2)},{taken},"
                f"{rng.randint(0, taken)},{now}\n"
            )
    columns = [
        "agent_id",
        "date",
        "handled",
        "handle_seconds",
        "resolved_first_contact",
        "complaints",
        "praise",
        "spot_tests_taken",
        "spot_tests_passed",
        "updated_at",
    ]
    with connection.cursor() as cursor:
        score_bench.copy_rows(cursor, "agents_kpirecord", columns, rows)


def _compute_one(chunk: tuple[str, dt.date]) -> int:
    import django

    django.setup()
    from satisfaction import services

    site, month = chunk
    return services.compute_chunk(site=site, month=month)


def _build(answers: int, *, seed: int, jobs: int) -> None:
    """The scratch database: organisation, answers, queues, pulses, KPIs, snapshots and logins."""
    import django

    recreate_database(DATABASE_URL)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from agents.models import Agent, Site, User
    from satisfaction import services
    from satisfaction.models import ScoreSnapshot

    call_command("migrate", verbosity=0)
    # DEBUG is off: pages link the hashed static files, as a deployment's collectstatic leaves them.
    call_command("collectstatic", interactive=False, verbosity=0)
    import numpy as np

    rng = np.random.default_rng(seed)
    agents = score_bench.organisation()
    responses = answers // score_bench.ANSWERS_PER_RESPONSE
    end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    start = end - dt.timedelta(days=score_bench.DAYS)
    started = time.perf_counter()
    score_bench.generate(agents, responses=responses, start=start, days=score_bench.DAYS, first_id=1, rng=rng)
    with connection.cursor() as cursor:
        queues = "ARRAY[" + ",".join(f"'{q}'" for q in QUEUES) + "]"
        cursor.execute(f"UPDATE surveys_contact SET queue = ({queues})[1 + id % {len(QUEUES)}]")
        # Each response carries its contact's queue (the generator's response ids are its contact ids).
        cursor.execute(f"UPDATE surveys_response SET queue = ({queues})[1 + contact_id % {len(QUEUES)}]")
    print(
        f"generated {responses * score_bench.ANSWERS_PER_RESPONSE:,} answers in {time.perf_counter() - started:.0f} s"
    )

    started = time.perf_counter()
    py_rng = random.Random(seed)
    agents = list(Agent.objects.select_related("team__site"))
    first_month = (start.date().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    _pulses(agents, first=first_month, months=24, rng=py_rng)
    _kpi(agents, first=start.date(), days=score_bench.DAYS, rng=py_rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"pulses and KPI records in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    chunks = services.all_chunks()
    connections.close_all()
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        written = sum(pool.map(_compute_one, chunks))
    print(
        f"computed {len(chunks)} chunks ({written:,} snapshots) with {jobs} processes "
        f"in {time.perf_counter() - started:.0f} s"
    )

    sites = list(Site.objects.order_by("code"))
    by_site: dict[int, list] = {}
    for agent in Agent.objects.select_related("team").order_by("employee_number"):
        by_site.setdefault(agent.team.site_id, []).append(agent)
    for n in range(CLIENTS):
        site = sites[n % len(sites)]
        supervisor = User.objects.create_user(f"bench-sup-{n}", password=PASSWORD, role="supervisor")
        supervisor.supervised_sites.add(site)
        agent = by_site[site.id][n]
        agent.user = User.objects.create_user(f"bench-agent-{n}", password=PASSWORD, role="agent")
        agent.save(update_fields=["user"])
    print(f"snapshots: {ScoreSnapshot.objects.count():,}")


def _start_gunicorn(port: int) -> subprocess.Popen:
    """The deployment's gunicorn.conf.py with the bench's workers and threads."""
    env = {**os.environ, "CONN_MAX_AGE": "60", "GUNICORN_WORKERS": str(WORKERS), "GUNICORN_THREADS": str(THREADS)}
    # Keep-alive longer than a client's longest pause, so a kept-alive connection is not closed under it.
    return start_gunicorn(port, env, "--keep-alive", "10")


class Client:
    """A logged-in browser stand-in: DEBUG is off, so cookies are Secure and the proxy header says HTTPS."""

    def __init__(self, base: str, username: str) -> None:
        import requests

        self.base = base
        self.http = requests.Session()
        self.headers = {"X-Forwarded-Proto": "https", "Referer": base.replace("http://", "https://") + "/login/"}
        self.cookies: dict[str, str] = {}
        self._request("GET", "/login/")
        reply = self._request(
            "POST",
            "/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies["csrftoken"]},
            allow_redirects=False,
        )
        if reply.status_code != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login of {username} failed: {reply.status_code}")

    def _request(self, method: str, path: str, **kwargs):
        headers = {**self.headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        reply = self.http.request(method, self.base + path, headers=headers, timeout=60, **kwargs)
        for name in ("csrftoken", "sessionid"):
            if name in reply.cookies:
                self.cookies[name] = reply.cookies[name]
        return reply

    def get(self, path: str):
        return self._request("GET", path, allow_redirects=False)


def _pages(site: str, team: str, agent: str, contact: str) -> dict[str, str]:
    """Every dashboard page a supervisor of ``site`` opens, by name."""
    cut = f"site={site}&team={team}"
    return {
        "balance": "/dashboards/balance/",
        "balance_week": "/dashboards/balance/?granularity=week",
        "customer_teams": "/dashboards/customer/",
        "customer_site": f"/dashboards/customer/?site={site}",
        "customer_team": f"/dashboards/customer/?{cut}",
        "customer_agent": f"/dashboards/customer/?{cut}&agent={agent}",
        "customer_channel": f"/dashboards/customer/?site={site}&channel=ivr",
        "customer_queue": f"/dashboards/customer/?{cut}&queue=billing&granularity=week",
        "contact": f"/dashboards/contacts/{contact}/",
        "employee": "/dashboards/employee/",
        "operations": "/dashboards/operations/",
        "export_csv": f"/dashboards/customer/export/children.csv?site={site}",
        "export_xlsx": "/dashboards/balance/export/ranking.xlsx",
    }


def _plans() -> list[dict]:
    """Per client: its supervisor and agent logins and the pages of its site."""
    import django

    django.setup()
    from agents.models import Agent, User
    from surveys.models import Contact

    plans = []
    for n in range(CLIENTS):
        supervisor = User.objects.get(username=f"bench-sup-{n}")
        site = supervisor.supervised_sites.get()
        agent = Agent.objects.select_related("team").get(user__username=f"bench-agent-{n}")
        contacts = list(
            Contact.objects.filter(agent=agent, response__isnull=False)
            .order_by("-started_at")
            .values_list("external_id", flat=True)[:CONTACT_SAMPLE]
        )
        plans.append(
            {
                "supervisor": supervisor.username,
                "agent": f"bench-agent-{n}",
                "contacts": contacts,
                "pages": _pages(site.code, agent.team.code, agent.employee_number, "{contact}"),
            }
        )
    return plans


def _run(plans: list[dict], *, base: str, seconds: float, think: float = 0.0) -> dict[str, list[float]]:
    """Each client requests its pages in a shuffled round until the time is up; milliseconds per page.

    With ``think``, a client pauses a random 0 .. 2 x ``think`` seconds after each page, as a
    person reading it would; without, it asks for the next page at once (the worst case).
    """
    import requests

    timings: dict[str, list[float]] = {}
    failures: list[str] = []
    lock = threading.Lock()
    clients = [(Client(base, p["supervisor"]), Client(base, p["agent"]), p) for p in plans]
    deadline = time.monotonic() + seconds

    def work(supervisor: Client, agent: Client, plan: dict, rng: random.Random) -> None:
        names = [*plan["pages"], "me"]
        seen: set[str] = set()
        while time.monotonic() < deadline:
            rng.shuffle(names)
            for name in names:
                if time.monotonic() >= deadline:
                    return
                path = "/dashboards/me/" if name == "me" else plan["pages"][name]
                path = path.replace("{contact}", rng.choice(plan["contacts"]))
                client = agent if name == "me" else supervisor
                started = time.perf_counter()
                try:
                    status = client.get(path).status_code
                except requests.RequestException as error:
                    status = f"{type(error).__name__}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status != 200:
                        failures.append(f"{name} {path}: {status}")
                    timings.setdefault(name, []).append(elapsed)
                    # A user's first view of a page is built; later ones are kept until the data changes.
                    timings.setdefault(FIRST if name not in seen else LATER, []).append(elapsed)
                seen.add(name)
                if think:
                    time.sleep(rng.uniform(0, 2 * think))

    threads = [threading.Thread(target=work, args=(s, a, p, random.Random(n))) for n, (s, a, p) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"{len(failures)} failed requests, e.g. {failures[:3]}")
    return timings


def _percentile(values: list[float], share: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]
        if len(values) > 1
        else values[0]
    )


def _sizes() -> str:
    import psycopg2

    with psycopg2.connect(DATABASE_URL) as connection, connection.cursor() as cursor:
        counts = []
        for table in ("surveys_answer", "surveys_response", "satisfaction_scoresnapshot", "agents_kpirecord"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(f"{table.split('_', 1)[1]} {cursor.fetchone()[0]:,}")
        cursor.execute("SELECT min(period_start), max(period_start) FROM satisfaction_scoresnapshot")
        first, last = cursor.fetchone()
    return ", ".join(counts) + f"; snapshot periods {first} .. {last}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="Rebuild the database even if it holds snapshots.")
    parser.add_argument("--build-only", action="store_true", help="Build the database and stop.")
    parser.add_argument("--jobs", type=int, default=2, help="Processes computing snapshots while building.")
    parser.add_argument("--seconds", type=float, default=60, help="How long the clients request pages.")
    parser.add_argument("--think", type=float, default=0, help="Mean seconds a client pauses between pages.")
    args = parser.parse_args()

    if args.fresh or not _database_ready():
        started = time.perf_counter()
        _build(args.answers, seed=args.seed, jobs=args.jobs)
        print(f"built {BENCH_DB} in {time.perf_counter() - started:.0f} s")
        if args.build_only:
            return
    print(f"data: {_sizes()}")
    plans = _plans()
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = _start_gunicorn(port)
    base = f"http://127.0.0.1:{port}"
    try:
        # Every worker loads its code, templates and connections before anything is timed.
        _run(plans[:4], base=base, seconds=5)
        from satisfaction import pagecache

        pagecache.bump()  # the timed run starts with no page kept: every user's first views are built
        timings = _run(plans, base=base, seconds=args.seconds, think=args.think)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{CLIENTS} clients, {args.seconds:.0f} s, think {args.think:g} s, "
        f"gunicorn {WORKERS} workers x {THREADS} threads; target p95 < {TARGET_P95_MS} ms"
    )
    print(f"{'page':<18}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  p95 < {TARGET_P95_MS}")
    worst = 0.0
    for name in [*sorted(n for n in timings if n not in (FIRST, LATER)), FIRST, LATER]:
        values = timings.get(name)
        if not values:
            continue
        p50, p95, p99 = (_percentile(values, q) for q in (0.50, 0.95, 0.99))
        if name not in (FIRST, LATER):
            worst = max(worst, p95)
        verdict = "yes" if p95 < TARGET_P95_MS else "NO"
        print(f"{name:<18}{len(values):>9}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}  {verdict}")
    print(f"worst p95: {worst:.0f} ms ({'met' if worst < TARGET_P95_MS else 'not met'})")


if __name__ == "__main__":
    if re.search(r"/(satisfaction_bench|sat_engine_bench)$", DATABASE_URL):
        raise SystemExit("refusing to use another benchmark's database")
    main()
