"""Benchmark of answer ingestion over HTTP (issue 4): web, SMS and IVR next to a bare one-row view.

Starts gunicorn on 127.0.0.1 against a scratch PostgreSQL database, and one Celery worker process
for the SMS inbox (texts are kept by the webhook and answered by the worker, surveys/sms.py);
seeds open invitations, then drives each endpoint with 20 concurrent clients for a bounded time
and prints answers per second, p50 and p99 latency per channel and the ratio to the bare view.
One request in ten is sent twice (a provider's retry). Afterwards it counts rows: zero lost, zero
duplicated.

Two kinds of phase. *Saturation*: each client sends its next request as soon as the last one is
answered, which gives the throughput (and the ratio to the bare view); its latencies are mostly
time spent queueing behind the other 19 clients, so they measure the machine's capacity, not the
endpoint. Texts the worker has not answered when a phase ends are answered before the next one
starts ("drain s"), and that time and CPU are charged to the phase ("stored ratio", CPU per
answer). *Paced* (``--rate``, answers per second over all 20 clients; an IVR post carries a whole
survey and takes the slots of all its answers): every request has a start time fixed in advance,
and its latency counts from that time, not from when a free client sent it (no coordinated
omission: a stalled server is charged for every request it delayed). p99 is read there.

The machine's speed drifts from minute to minute (shared cores), so all phases run ``--rounds``
times (default 3), each round with its own bare view, and the summary gives the medians.

    .venv/bin/python bench/ingest.py --seconds 10 --rate 100

Targets: at least 60% of the bare view's throughput; p99 under 50 ms.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import free_port, recreate_database, seed_open_invitations, start_gunicorn  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/satisfaction_bench_ingest")
# The scratch database is dropped and created afresh: the one BENCH_DATABASE_URL names, never another.
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction.settings")
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ["BENCH_BARE_VIEW"] = "1"
os.environ["TWILIO_AUTH_TOKEN"] = "bench-twilio-token"
os.environ["DEBUG"] = "false"
os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["LOG_LEVEL"] = "WARNING"
# Every client here is 127.0.0.1, unlike real customers and providers: limits high enough never to
# refuse, so the limiter's cache round trips are still paid on every request.
os.environ["RATE_LIMIT_SURVEY"] = "1000000/m"
os.environ["RATE_LIMIT_HOOKS"] = "1000000/m"
# Texts are answered by a Celery worker (surveys/sms.py's inbox): one worker process of its own
# queue runs through the whole benchmark, as a deployment runs one beside gunicorn; nothing else
# (the debounced score recomputes the answers ask for) is run, as before this worker existed.
SMS_QUEUE = "bench-sms-inbox"
os.environ["SMS_INBOX_QUEUE"] = SMS_QUEUE
DRAIN_TIMEOUT_S = 300

CLIENTS = 20
# Under /hooks/ like the webhooks, so it passes the same middleware (the rate limiter's included).
BARE_PATH = "/hooks/bench/bare/"
MAX_SECONDS = 15  # per phase
# Per channel and round: 10 s of IVR posts at up to ~450/s, then the paced phase.
INVITATIONS_PER_CHANNEL_AND_ROUND = 5000
RETRY_EVERY = 10
# Answered contacts of the past month seeded first: the answers table is never empty at a centre.
HISTORY_CONTACTS = 20_000
WARM_UP_REQUESTS = 50
SECRET = "bench-integration-secret"


def _seed(rounds: int) -> dict[str, list]:
    seeded = seed_open_invitations(
        per_channel=INVITATIONS_PER_CHANNEL_AND_ROUND * rounds,
        code="bench",
        integration="bench-ivr",
        secret=SECRET,
        history=HISTORY_CONTACTS,
    )
    return {
        channel: [(i.token, i.external_id, i.phone, seeded.forms[channel]) for i in invitations]
        for channel, invitations in seeded.invitations.items()
    }


def _start_gunicorn(port: int) -> subprocess.Popen:
    """gunicorn with the deployment's own gunicorn.conf.py; only the address differs (and BENCH_WORKERS, ...)."""
    overrides = {
        "GUNICORN_WORKERS": os.environ.get("BENCH_WORKERS", ""),
        "GUNICORN_THREADS": os.environ.get("BENCH_THREADS", ""),
    }
    # Connections kept for the whole run (the deployment's 60 s would recycle them mid-phase), so
    # the CPU probe sees every backend from the phase's start to its end.
    # No worker is replaced mid-run either (max_requests): a new one's CPU would escape the probe.
    env = {
        **os.environ,
        "CONN_MAX_AGE": "600",
        "GUNICORN_MAX_REQUESTS": "0",
        **{k: v for k, v in overrides.items() if v},
    }
    return start_gunicorn(port, env)


def _start_sms_worker() -> subprocess.Popen:
    """One Celery worker process (prefork, concurrency 1) taking only the SMS inbox's queue."""
    env = {**os.environ, "CONN_MAX_AGE": "600"}
    command = [sys.executable, "-m", "celery", "-A", "satisfaction", "worker", "--concurrency=1"]
    command += ["-Q", SMS_QUEUE, "-n", "bench-sms@%h", "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_worker(worker: subprocess.Popen) -> None:
    from satisfaction.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"bench-sms@{os.uname().nodename}"], timeout=1):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the SMS worker did not start")


def _pending_texts() -> int:
    from surveys.models import InboundSms

    return InboundSms.objects.filter(processed_at__isnull=True).count()


def _drain_seconds() -> float:
    """Seconds until the worker has answered every text received (the inbox empty)."""
    started = time.monotonic()
    while _pending_texts():
        if time.monotonic() - started > DRAIN_TIMEOUT_S:
            raise RuntimeError(f"{_pending_texts()} texts still waiting after {DRAIN_TIMEOUT_S} s")
        time.sleep(0.05)
    return time.monotonic() - started


def _warm_up(base: str) -> None:
    """Every worker loads URLs, templates and a database connection before anything is timed."""
    import requests

    with requests.Session() as session:
        for _ in range(WARM_UP_REQUESTS):
            session.post(base + BARE_PATH, timeout=30)
            session.get(base + "/s/warm-up-unknown-token", timeout=30)


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds the processes have used (Linux /proc; 0 for a process gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuProbe:
    """CPU used by gunicorn (master and workers), the PostgreSQL backends of the bench database and
    this load generator: on shared cores, CPU per request is steadier than throughput."""

    def __init__(self, server_pid: int, worker_pid: int) -> None:
        self.server_pid = server_pid
        self.worker_pid = worker_pid

    @staticmethod
    def _family(parent: int) -> list[int]:
        """A process and its children (gunicorn's master and workers, Celery's and its pool process)."""
        pids = [parent]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    pids.append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        return pids

    def _db_pids(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cursor.fetchall()]

    def read(self) -> dict:
        return {
            "server": _cpu_seconds(self._family(self.server_pid)),
            "worker": _cpu_seconds(self._family(self.worker_pid)),
            "db": {pid: _cpu_seconds([pid]) for pid in self._db_pids()},
            "client": time.process_time(),
        }

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        """CPU seconds used between two reads. Backends are compared one by one: a connection opened
        during the phase counts from its start, one closed during it (CONN_MAX_AGE) is left out."""
        db = sum(max(cpu - before["db"].get(pid, 0.0), 0.0) for pid, cpu in after["db"].items())
        return {
            "server": after["server"] - before["server"],
            "worker": after["worker"] - before["worker"],
            "db": db,
            "client": after["client"] - before["client"],
        }


class Pacer:
    """Start times for an offered load of ``rate`` answers per second: a request is due when the
    answers sent before it have had their time (``start + answers before / rate``).

    ``due(answers)`` waits for the request's slot and returns its time, which the latency counts
    from; a client that falls behind gets past-due slots at once, so a slow server shows as
    latency. An IVR post carries a whole survey, so it takes the slots of all its answers.
    """

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.lock = threading.Lock()
        self.sent = 0
        self.start = time.perf_counter()

    def due(self, answers: int = 1) -> float:
        if self.rate is None:
            return time.perf_counter()
        with self.lock:
            at = self.start + self.sent / self.rate
            self.sent += answers
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return at


def _analyze() -> None:
    """Refresh the planner's statistics, as autovacuum does on a deployment's PostgreSQL.

    Without them (autovacuum is off on some machines), the tables the answers fill keep the
    statistics of the empty tables they started as, and the plans prepared for the answer paths
    scan them whole: every answer then costs more than the last, round after round.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _run_phase(name: str, jobs: list, send, seconds: float, probe: CpuProbe, *, rate: float | None = None) -> dict:
    """Run ``send(session, job, pacer)`` from 20 threads until the jobs or the time run out."""
    import requests

    # Before the phase's clock and pacer start: the paced latencies count from due times.
    _analyze()
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"answers": 0, "errors": 0, "requests": 0}
    queue = jobs  # popped from the end: what one phase takes, the next does not get again
    stop_at = time.monotonic() + seconds
    pacer = Pacer(rate)

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            for started, answers, ok in send(session, job, pacer):
                with lock:
                    latencies.append(time.perf_counter() - started)
                    counts["requests"] += 1
                    counts["answers"] += answers if ok else 0
                    counts["errors"] += 0 if ok else 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    cpu_before = probe.read()
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if not queue:
        # Its figures cover less time than asked: say so rather than let a short phase pass for a full one.
        print(f"warning: {name} ran out of invitations after {elapsed:.1f} s", file=sys.stderr, flush=True)
    # Texts still in the inbox are answered before the next phase starts, and their work (the
    # worker's and PostgreSQL's) is charged to this phase: "stored answers/s" counts it in time too.
    drain = _drain_seconds()
    # Database backends are read after the phase too: a connection opened during it counts from its start.
    cpu_after = probe.read()
    cpu_ms = {k: used * 1000 / max(counts["requests"], 1) for k, used in probe.used(cpu_before, cpu_after).items()}
    latencies.sort()
    return {
        "name": name,
        "rate": rate,
        "answers_per_s": counts["answers"] / elapsed,
        "stored_per_s": counts["answers"] / (elapsed + drain),
        "drain_s": drain,
        "requests_per_s": counts["requests"] / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
        "answers": counts["answers"],
        "errors": counts["errors"],
        "cpu_ms": cpu_ms,
    }


def _print_round(number: int, results: list[dict], paced: list[dict], *, rate: float) -> None:
    baseline = results[0]["answers_per_s"]
    print(f"Round {number}. Saturation (each client sends as soon as its last request is answered):")
    print(
        f"{'endpoint':<10} {'answers/s':>10} {'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'errors':>6}"
        f" {'drain s':>8} {'stored/s':>9} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r['name']:<10} {r['answers_per_s']:>10.0f} {r['requests_per_s']:>10.0f} {r['p50_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['answers_per_s'] / baseline:>6.2f} {r['errors']:>6}"
            f" {r['drain_s']:>8.2f} {r['stored_per_s']:>9.0f} {r['stored_per_s'] / baseline:>6.2f}"
        )
    print("CPU ms per request (gunicorn / SMS worker / PostgreSQL / load generator), and the server's per answer:")
    for r in results:
        cpu = r["cpu_ms"]
        per_answer = _server_ms_per_answer(r)
        print(
            f"{r['name']:<10} {cpu['server']:>6.2f} / {cpu['worker']:>5.2f} / {cpu['db']:>5.2f} / {cpu['client']:>5.2f}"
            f"   per answer {per_answer:>5.2f}"
        )
    if paced:
        print(f"Paced: {rate:.0f} answers/s offered over {CLIENTS} clients; latency from each due time:")
        print(
            f"{'endpoint':<10} {'requests/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  p99 < 50 ms {'drain s':>8}"
        )
        for r in paced:
            print(
                f"{r['name']:<10} {r['requests_per_s']:>10.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
                f"{r['errors']:>6}  {'yes' if r['p99_ms'] < 50 else 'no':<11} {r['drain_s']:>8.2f}"
            )


def _server_ms_per_answer(r: dict) -> float:
    """gunicorn's, the SMS worker's and PostgreSQL's CPU per answer stored."""
    cpu = r["cpu_ms"]
    if not r["answers_per_s"]:
        return float("nan")
    return (cpu["server"] + cpu["worker"] + cpu["db"]) * r["requests_per_s"] / r["answers_per_s"]


def _print_medians(rounds: list[tuple[list[dict], list[dict]]]) -> None:
    """Per endpoint, the median over the rounds of each figure (each ratio against its own round's bare view)."""
    names = [r["name"] for r in rounds[0][0]]
    print(f"Medians over {len(rounds)} round(s):")
    print(
        f"{'endpoint':<10} {'answers/s':>10} {'ratio':>6} {'stored ratio':>13} {'CPU ratio':>10} {'paced p99 ms':>13}"
    )
    for n, name in enumerate(names):
        saturated = [(results[n], results[0]) for results, _paced in rounds]
        paced = [p[n]["p99_ms"] for _results, p in rounds if p]
        print(
            f"{name:<10} {statistics.median(r['answers_per_s'] for r, _ in saturated):>10.0f}"
            f" {statistics.median(r['answers_per_s'] / b['answers_per_s'] for r, b in saturated):>6.2f}"
            f" {statistics.median(r['stored_per_s'] / b['answers_per_s'] for r, b in saturated):>13.2f}"
            f" {statistics.median(_server_ms_per_answer(b) / _server_ms_per_answer(r) for r, b in saturated):>10.2f}"
            f" {statistics.median(paced) if paced else float('nan'):>13.1f}"
        )
    print(
        "(ratio: answers acknowledged per second over the bare view's; stored ratio: the same answers over the\n"
        " phase and the time the SMS worker then took to answer the texts still waiting; CPU ratio: the bare\n"
        " view's server CPU (gunicorn, SMS worker, PostgreSQL) per answer over the endpoint's)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each saturation phase (at most 15).")
    parser.add_argument(
        "--rate",
        type=float,
        default=100.0,
        help="Offered load of the paced phases, answers per second over the 20 clients (0: no paced phases).",
    )
    parser.add_argument("--paced-seconds", type=float, default=10.0, help="Length of each paced phase (at most 15).")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds of all phases; the summary gives each figure's median."
    )
    args = parser.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)
    recreate_database(DATABASE_URL)
    import django

    django.setup()
    plan = _seed(args.rounds)
    from twilio.request_validator import RequestValidator

    from surveys.channels.signatures import hmac_signature

    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start_gunicorn(port)
    worker = _start_sms_worker()
    try:
        _warm_up(base)
        _wait_for_worker(worker)

        def bare(session, _job, pacer):
            started = pacer.due()
            yield started, 1, session.post(base + BARE_PATH, timeout=10).status_code == 201

        def web(session, job, pacer):
            token, _external, _phone, form = job
            for question in form:
                if question.ask_if_item:
                    continue
                value = {"fcr": "yes", "comment": "fine", "nps": "9"}.get(question.item, "4")
                started = pacer.due()
                reply = session.post(
                    f"{base}/s/{token}",
                    data={"position": question.position, "value": value},
                    allow_redirects=False,
                    timeout=10,
                )
                yield started, 1, reply.status_code in (200, 302)

        def sms(session, job, pacer):
            token, _external, phone, form = job
            url = base + "/hooks/sms/twilio/"
            for number, question in enumerate(form):
                if question.ask_if_item:
                    continue
                params = {
                    "MessageSid": f"SM{token[:20]}{number}",
                    "From": phone,
                    "Body": "yes" if question.item == "fcr" else "4",
                }
                headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
                # One text in ten, spread over the questions (not every survey's first question).
                for attempt in range(2 if (hash(token) + number) % RETRY_EVERY == 0 else 1):
                    started = pacer.due()
                    reply = session.post(url, data=params, headers=headers, timeout=10)
                    yield started, 1 if attempt == 0 else 0, reply.status_code == 200

        def ivr(session, job, pacer):
            token, external_id, _phone, form = job
            body = json.dumps(
                {"event_id": f"E{token[:24]}", "contact_id": external_id, "digits": "4" * (len(form) - 1) + "1"}
            ).encode()
            headers = {"Content-Type": "application/json", "X-Signature-SHA256": hmac_signature(SECRET, body)}
            for attempt in range(2 if hash(token) % RETRY_EVERY == 0 else 1):
                started = pacer.due(len(form))
                reply = session.post(base + "/hooks/ivr/events/bench-ivr/", data=body, headers=headers, timeout=10)
                yield started, len(form) if attempt == 0 else 0, reply.status_code in (200, 201)

        probe = CpuProbe(server.pid, worker.pid)
        queues = {"bare view": [None] * 10**6, **{channel: list(reversed(plan[channel])) for channel in plan}}
        senders = {"bare view": bare, "web": web, "sms": sms, "ivr": ivr}
        rounds = []
        for number in range(args.rounds):
            # Every round measures the bare view again, so each ratio compares phases minutes apart at most.
            results = [_run_phase(name, queues[name], send, seconds, probe) for name, send in senders.items()]
            paced = []
            if args.rate > 0:
                paced_seconds = min(args.paced_seconds, MAX_SECONDS)
                paced = [
                    _run_phase(name, queues[name], send, paced_seconds, probe, rate=args.rate)
                    for name, send in senders.items()
                ]
            rounds.append((results, paced))
            print(f"round {number + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
    from django.db.models import Count

    from surveys.models import Answer, SmsMessage

    for number, (results, paced) in enumerate(rounds, 1):
        _print_round(number, results, paced, rate=args.rate)
    _print_medians(rounds)
    expected = sum(r["answers"] for results, paced in rounds for r in [*results, *paced] if r["name"] != "bare view")
    # The seeded history (common.seed_history) is no answer of this run.
    stored = Answer.objects.exclude(response__contact__external_id__startswith="history-").count()
    # The unique key on (response, item, dimension) makes this zero by construction; "extra" would
    # catch an answer stored twice under another key or stored without being acknowledged.
    duplicated = (
        Answer.objects.values("response_id", "item", "dimension").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    print(
        f"answers acknowledged {expected}, stored {stored}: lost {max(expected - stored, 0)}, "
        f"extra {max(stored - expected, 0)}, duplicated {duplicated}"
    )
    # A retried SMS must not text the customer twice: one reply per stored SMS answer.
    sms_answers = Answer.objects.filter(response__channel="sms").count()
    replies = SmsMessage.objects.filter(direction=SmsMessage.Direction.OUTBOUND)
    sent = replies.exclude(provider_sid=None).count()
    print(f"sms replies logged {replies.count()} ({sent} sent) for {sms_answers} sms answers")


if __name__ == "__main__":
    main()
