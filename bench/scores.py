"""Benchmark of the scoring engine on PostgreSQL (issue: scoring engine).

Generates N answers with COPY into a scratch database, then times a full recompute and an
incremental one (one day of 20k new answers) next to the time PostgreSQL takes just to read
the same rows out (COPY ... TO STDOUT into nothing), and prints peak memory.

    .venv/bin/python bench/scores.py --answers 1000000
    .venv/bin/python bench/scores.py --answers 10000000   # the issue's target size
    .venv/bin/python bench/scores.py --answers 10000000 --reuse --workers "" --profile full.prof

The scratch database is the one ``BENCH_DATABASE_URL`` names (``satisfaction_bench`` by default);
``--reuse`` keeps what an earlier run generated there (generating 10M answers takes minutes).
``--layout`` (default ``time``) numbers responses in answer order, as live answers are stored, or
in random time order (``random``: every month's rows spread over the whole table, the worst case
and the layout of the figures measured before session 4).

Targets: full recompute within 3x the read time; incremental under 5 s; peak memory < 4 GiB.
Measured figures are in the README ("Benchmarks").
"""

import argparse
import datetime as dt
import io
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import recreate_database  # noqa: E402

os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/satisfaction_bench"
)
# The scratch database is the one BENCH_DATABASE_URL names, never a fixed one somebody else may use.
BENCH_DB = os.environ["DATABASE_URL"].rsplit("/", 1)[1].split("?", 1)[0]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")
# Workers and this process share a broker and a result backend on their own Redis databases.
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
os.environ["CELERY_RESULT_BACKEND"] = os.environ.get("BENCH_RESULT_BACKEND", "redis://127.0.0.1:6379/4")
BENCH_QUEUE = "bench-scores"
WORKER_TIMEOUT_S = 3600

SITES, TEAMS_PER_SITE, AGENTS_PER_TEAM = 3, 8, 25
ANSWERS_PER_RESPONSE = 8
DAYS = 730
INCREMENTAL_ANSWERS = 20_000
DIMENSIONS = ("convenience", "assurance", "reliability", "empathy")


def copy_rows(cursor, table: str, columns: list[str], rows: io.StringIO) -> None:
    rows.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", rows)


def organisation():
    from agents.models import Agent, Site, Team
    from surveys.services import default_survey

    default_survey()
    agents = []
    for s in range(SITES):
        site = Site.objects.create(code=f"s{s}", name=f"Site {s}")
        for t in range(TEAMS_PER_SITE):
            team = Team.objects.create(code=f"s{s}-t{t}", name=f"Team {s}.{t}", site=site)
            agents += Agent.objects.bulk_create(
                Agent(
                    employee_number=f"E{s}{t:02d}{a:03d}", name=f"Agent {a}", hire_date=dt.date(2022, 1, 1), team=team
                )
                for a in range(AGENTS_PER_TEAM)
            )
    return agents


def generate(
    agents, *, responses: int, start: dt.datetime, days: int, first_id: int, rng, layout: str = "time"
) -> None:
    """COPY ``responses`` responses (8 answers each) spread over ``days`` from ``start``.

    ``layout`` "time" numbers them in the order they were answered, as live answers are stored (a
    month's rows lie together); "random" numbers them in random time order (each month's rows
    spread over the whole table: the worst case, the layout of the figures before session 4).
    """
    from django.db import connection

    from surveys.models import Survey

    survey_id = Survey.objects.get(is_default=True).id
    agent_ids = np.array([a.id for a in agents])
    team_ids = np.array([a.team_id for a in agents])
    site_of_team = dict(__import__("agents.models", fromlist=["Team"]).Team.objects.values_list("id", "site_id"))
    site_ids = np.array([site_of_team[t] for t in team_ids])
    pick = rng.integers(0, len(agents), responses)
    seconds = rng.integers(0, days * 86400, responses)
    if layout == "time":
        seconds.sort()
    moments = [start + dt.timedelta(seconds=int(s)) for s in seconds]
    ids = np.arange(first_id, first_id + responses)
    contacts, answers_rows, response_rows = io.StringIO(), io.StringIO(), io.StringIO()
    channel = np.array(["ivr", "sms", "web"])[rng.integers(0, 3, responses)]
    for i, rid in enumerate(ids):
        m = moments[i].isoformat()
        a = pick[i]
        contacts.write(f'{rid},C{rid},{agent_ids[a]},{team_ids[a]},{site_ids[a]},"",{m},,"",inbound,{channel[i]}\n')
        response_rows.write(f"{rid},{rid},{survey_id},{channel[i]},{m},{agent_ids[a]},{team_ids[a]},{site_ids[a]}\n")
    level = rng.normal(0, 1, responses)
    csat = np.clip(np.round(4 + level), 1, 5)
    nps = np.clip(np.round(8 + 2 * level), 0, 10)
    fcr = (level + rng.normal(0, 1, responses) > -0.5).astype(float)
    aid = first_id * ANSWERS_PER_RESPONSE
    for i, rid in enumerate(ids):
        rows = [("csat", "", csat[i]), ("nps", "", nps[i]), ("fcr", "", fcr[i])]
        for d in DIMENSIONS[:2]:
            rows.append(("disconfirmation", d, float(np.clip(np.round(3 + level[i] + rng.normal()), 1, 5))))
        rows.append(("expectation", DIMENSIONS[2], 5.0))
        rows.append(("experience", DIMENSIONS[2], float(np.clip(np.round(5 + level[i]), 1, 7))))
        rows.append(("ces", "", float(np.clip(np.round(5 + level[i]), 1, 7))))
        for item, dim, value in rows:
            answers_rows.write(f'{aid},{rid},{item},"{dim}",{value},"",""\n')
            aid += 1
    with connection.cursor() as cursor:
        copy_rows(
            cursor,
            "surveys_contact",
            [
                "id",
                "external_id",
                "agent_id",
                "team_id",
                "site_id",
                "customer_phone",
                "started_at",
                "ended_at",
                "queue",
                "direction",
                "preferred_channel",
            ],
            contacts,
        )
        copy_rows(
            cursor,
            "surveys_response",
            ["id", "contact_id", "survey_id", "channel", "answered_at", "agent_id", "team_id", "site_id"],
            response_rows,
        )
        copy_rows(
            cursor,
            "surveys_answer",
            ["id", "response_id", "item", "dimension", "value", "text", "sentiment"],
            answers_rows,
        )
        for table in ("surveys_contact", "surveys_response", "surveys_answer"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")


def _reusable(responses: int, layout: str) -> bool:
    """True when the scratch database holds a previous run's ``responses`` responses in ``layout``."""
    import psycopg2

    try:
        connection = psycopg2.connect(os.environ["DATABASE_URL"])
    except psycopg2.OperationalError:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT obj_description('surveys_response'::regclass, 'pg_class')")
            if cursor.fetchone()[0] != _layout_note(layout):
                return False
            cursor.execute("SELECT COUNT(*) FROM surveys_response WHERE id <= %s", [responses])
            return cursor.fetchone()[0] == responses
    except psycopg2.Error:
        return False
    finally:
        connection.close()


def _layout_note(layout: str) -> str:
    return f"bench/scores.py layout: {layout}"


def _drop_incremental_day(responses: int) -> None:
    """Remove what a previous run's incremental step added after the ``responses`` generated ones."""
    from django.db import connection

    from satisfaction.models import DirtyChunk

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM surveys_answer WHERE response_id > %s", [responses])
        cursor.execute("DELETE FROM surveys_response WHERE id > %s", [responses])
        cursor.execute("DELETE FROM surveys_contact WHERE id > %s", [responses])
    DirtyChunk.objects.all().delete()


def _read_time() -> float:
    """Seconds PostgreSQL takes to COPY the answers the engine reads out to nowhere."""
    from django.db import connection

    class Null(io.RawIOBase):
        def write(self, b):
            return len(b)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            "COPY (SELECT a.response_id, a.item, a.dimension, a.value, a.sentiment, r.agent_id, r.team_id, "
            "r.site_id, r.answered_at FROM surveys_answer a JOIN surveys_response r ON r.id = a.response_id) "
            "TO STDOUT WITH (FORMAT csv)",
            Null(),
        )
    return time.perf_counter() - started


def _clear_snapshots() -> None:
    """Empty the snapshot table, so that a full recompute writes every snapshot (the worst case)."""
    from django.db import connection

    from satisfaction.models import ScoreSnapshot

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ScoreSnapshot._meta.db_table}")


def _settle() -> None:
    """CHECKPOINT: the dirty pages a phase leaves (generation, a full recompute's 500k snapshots) are
    written out before the next timed phase starts, so that no phase pays for an earlier one's writes.
    PostgreSQL's default max_wal_size (1 GB) otherwise starts a checkpoint in the middle of the next
    phase: the recompute over unchanged snapshots measured 29 s settled and 39 s right after the
    from-empty run (session 7). Each phase still pays for everything it writes itself."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _full_with_workers(count: int) -> float:
    """Seconds for the full recompute (no snapshots before) as one Celery group on ``count`` worker processes."""
    import subprocess

    from celery import group

    from satisfaction import services
    from satisfaction.celery import app
    from satisfaction.tasks import compute_month_task

    env = {**os.environ, "CONN_MAX_AGE": "0"}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "satisfaction",
                "worker",
                "--pool=solo",
                "-Q",
                BENCH_QUEUE,
                "-n",
                f"bench{i}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(count)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=1) or []) < count and time.monotonic() < deadline:
            time.sleep(0.5)
        months = services.chunks_by_month(services.all_chunks())
        _clear_snapshots()
        _settle()
        started = time.perf_counter()
        signatures = [compute_month_task.s(month.isoformat(), sites).set(queue=BENCH_QUEUE) for month, sites in months]
        group(signatures).apply_async().get(timeout=WORKER_TIMEOUT_S)
        return time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--layout",
        choices=("time", "random"),
        default="time",
        help="Response ids in answer order, as live answers are stored (time), or shuffled in time (random).",
    )
    parser.add_argument("--workers", default="1,2", help="Celery worker counts for the dispatched full recompute.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the data a previous run with the same --answers and --seed generated (drops its incremental day).",
    )
    parser.add_argument("--profile", metavar="FILE", help="Write a cProfile of the full recompute to FILE.")
    args = parser.parse_args()

    responses = args.answers // ANSWERS_PER_RESPONSE
    reuse = args.reuse and _reusable(responses, args.layout)
    if not reuse:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from satisfaction import services
    from satisfaction.models import ScoreSnapshot

    rng = np.random.default_rng(args.seed)
    end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    if reuse:
        from agents.models import Agent

        call_command("migrate", verbosity=0)

        agents = list(Agent.objects.order_by("id"))
        _drop_incremental_day(responses)
        print(f"reusing {responses * ANSWERS_PER_RESPONSE:,} answers ({args.layout} layout) in {BENCH_DB}")
    else:
        call_command("migrate", verbosity=0)
        agents = organisation()
        started = time.perf_counter()
        generate(
            agents,
            responses=responses,
            start=end - dt.timedelta(days=DAYS),
            days=DAYS,
            first_id=1,
            rng=rng,
            layout=args.layout,
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"COMMENT ON TABLE surveys_response IS '{_layout_note(args.layout)}'")
        print(
            f"generated {responses * ANSWERS_PER_RESPONSE:,} answers ({args.layout} layout)"
            f" in {time.perf_counter() - started:.1f} s"
        )

    _settle()
    read_s = min(_read_time() for _ in range(2))
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    _clear_snapshots()
    _settle()
    started = time.perf_counter()
    chunks = services.all_chunks()
    # As `compute_scores --full` does: a month's chunks (its sites' and the centre's) from one read, a
    # process per core.
    services.compute_all()
    full_s = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    snapshots = ScoreSnapshot.objects.count()
    # The nightly case: the same full recompute over the snapshots it wrote (figures unchanged).
    _settle()
    started = time.perf_counter()
    services.compute_all()
    again_s = time.perf_counter() - started

    day = end.date() - dt.timedelta(days=3)
    new = INCREMENTAL_ANSWERS // ANSWERS_PER_RESPONSE
    generate(
        agents,
        responses=new,
        start=dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC),
        days=1,
        first_id=responses + 1,
        # Its own stream, so a --reuse run adds the very answers a fresh run adds.
        rng=np.random.default_rng(args.seed + 1),
    )
    from surveys.models import Response

    _settle()
    started = time.perf_counter()
    touched = Response.objects.filter(id__gt=responses).values_list("site__code", "answered_at")
    services.mark_dirty(chunks=services.chunks_for_answers(sites_and_times=touched))
    for month, sites in services.chunks_by_month(services.take_dirty_chunks()):
        services.compute_chunks(sites=sites, month=month, clear_marks=True, only_marked=True)
    incremental_s = time.perf_counter() - started
    # The largest process: this one, or one of the full recompute's pool processes.
    peak_mib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024

    worker_times = {n: _full_with_workers(int(n)) for n in args.workers.split(",") if n}

    print(f"answers:             {args.answers:,}")
    print(f"chunks:              {len(chunks)} ({snapshots:,} snapshots)")
    print(f"read (COPY to null): {read_s:.2f} s")
    print(f"full recompute:      {full_s:.2f} s  ratio to read {full_s / read_s:.2f}x  (target <= 3x; from empty)")
    print(f"full again:          {again_s:.2f} s  ratio to read {again_s / read_s:.2f}x  (over unchanged snapshots)")
    print(f"incremental (20k):   {incremental_s:.2f} s  (target < 5 s)")
    print(f"peak memory:         {peak_mib:,.0f} MiB  (target < 4096 MiB)")
    for n, seconds in worker_times.items():
        print(f"full, Celery group, {n} worker(s): {seconds:.2f} s  ratio to read {seconds / read_s:.2f}x")


if __name__ == "__main__":
    main()
