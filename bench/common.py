"""What the HTTP benchmarks share: a scratch database, a free port, gunicorn with the deployment's
own gunicorn.conf.py, and open invitations on every channel to answer.

Import it after the benchmark has set DATABASE_URL and friends in os.environ; the Django parts
import lazily, after ``django.setup()``.
"""

import datetime as dt
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ("web", "sms", "ivr")


def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names (never another one)."""
    import psycopg2

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    """Return once ``port`` accepts connections; exit if ``proc`` dies or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited at start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{what} did not start")


def start_gunicorn(port: int, env: dict[str, str], *extra: str) -> subprocess.Popen:
    """gunicorn with the deployment's gunicorn.conf.py; only the address (and ``extra`` flags) differ."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra),
        ],
        cwd=ROOT,
        env=env,
    )
    wait_for_port(port, proc, "gunicorn")
    return proc


@dataclass
class OpenInvitation:
    token: str
    external_id: str
    phone: str


@dataclass
class Seeded:
    agent: object
    team: object
    site: object
    invitations: dict[str, list[OpenInvitation]]
    forms: dict[str, list]  # the questions each channel asks, in order


def seed_open_invitations(*, per_channel: int, code: str, integration: str, secret: str, history: int = 0) -> Seeded:
    """Migrate, collect static files, and open ``per_channel`` sent invitations on each channel.

    One site, team and agent named ``code``; an IVR integration ``integration`` signing with
    ``secret``; ``history`` contacts of the past month already answered (``seed_history``); ANALYZE
    at the end, since the planner would otherwise take thousands of bulk-inserted invitations for a
    few dozen and scan them on every answer.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    # DEBUG is off: pages link the hashed static files, as a deployment's collectstatic leaves them.
    call_command("collectstatic", interactive=False, verbosity=0)
    from agents.models import Agent, Site, Team
    from surveys.models import Contact, Integration, Invitation
    from surveys.selectors import form_questions
    from surveys.services import default_survey
    from surveys.survey_templates import ensure_current_version

    site = Site.objects.create(code=code, name=code.title())
    team = Team.objects.create(code=f"{code}-team", name=f"{code.title()} team", site=site)
    agent = Agent.objects.create(
        employee_number=f"{code[0].upper()}0001", name=code.title(), hire_date=dt.date(2024, 1, 1), team=team
    )
    Integration.objects.create(name=integration, secret=secret)
    survey = default_survey()
    version = ensure_current_version(survey)
    now = timezone.now()
    seeded = Seeded(agent=agent, team=team, site=site, invitations={}, forms={})
    for index, channel in enumerate(CHANNELS):
        contacts = Contact.objects.bulk_create(
            Contact(
                external_id=f"{channel}-{n}",
                agent=agent,
                team=team,
                site=site,
                customer_phone=f"+86139{index}{n:07d}",
                started_at=now,
                preferred_channel=channel,
            )
            for n in range(per_channel)
        )
        invitations = Invitation.objects.bulk_create(
            Invitation(
                contact=c,
                survey=survey,
                survey_version=version,
                channel=channel,
                language="en",
                status="sent",
                created_at=now,
                expires_at=now + dt.timedelta(hours=72),
                token=secrets.token_urlsafe(32),
            )
            for c in contacts
        )
        seeded.forms[channel] = form_questions(invitations[0])
        seeded.invitations[channel] = [
            OpenInvitation(inv.token, c.external_id, c.customer_phone)
            for inv, c in zip(invitations, contacts, strict=True)
        ]
    if history:
        seed_history(seeded, contacts=history, survey=survey, version=version)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # The seeding's pages written out now, as a centre's history was long ago: otherwise the first
        # checkpoint, which falls in some phase, writes them while that phase's commits wait.
        cursor.execute("CHECKPOINT")
    return seeded


def seed_history(seeded: Seeded, *, contacts: int, survey, version) -> None:
    """``contacts`` answered web surveys of the past 30 days: a centre's database is never empty.

    Without them the answers table starts the benchmark empty, and the plans PostgreSQL caches for
    the answer paths (prepared statements, ``satisfaction/querycache.py``) are those of an empty
    table: a sequential scan of the answers under every answer, whose cost grows with each one
    until the next ANALYZE. A deployment answering its first surveys has the same plans only until
    autovacuum's first ANALYZE, after a few dozen answers.
    """
    from django.utils import timezone

    from surveys.models import Answer, Contact, Invitation, Response
    from surveys.survey_flow import FCR_YES

    now = timezone.now()
    form = [q for q in seeded.forms["web"] if not q.ask_if_item]
    batch = 2000
    for first in range(0, contacts, batch):
        count = min(batch, contacts - first)
        moments = [now - dt.timedelta(days=30 * (first + n) / contacts) for n in range(count)]
        made = Contact.objects.bulk_create(
            Contact(
                external_id=f"history-{first + n}",
                agent=seeded.agent,
                team=seeded.team,
                site=seeded.site,
                customer_phone=f"+86138{first + n:08d}",
                started_at=moment,
                preferred_channel="web",
            )
            for n, moment in enumerate(moments)
        )
        Invitation.objects.bulk_create(
            Invitation(
                contact=contact,
                survey=survey,
                survey_version=version,
                channel="web",
                language="en",
                status=Invitation.Status.DELIVERED,
                created_at=moment,
                delivered_at=moment,
                completed_at=moment,
                expires_at=moment + dt.timedelta(hours=72),
                token=secrets.token_urlsafe(32),
                last_position=form[-1].position,
            )
            for contact, moment in zip(made, moments, strict=True)
        )
        responses = Response.objects.bulk_create(
            Response(
                contact=contact,
                survey=survey,
                survey_version=version,
                channel="web",
                answered_at=moment,
                agent=seeded.agent,
                team=seeded.team,
                site=seeded.site,
            )
            for contact, moment in zip(made, moments, strict=True)
        )
        Answer.objects.bulk_create(
            (
                Answer(
                    response=response,
                    item=question.item,
                    dimension=question.dimension,
                    value={"comment": None, "fcr": FCR_YES, "nps": 9}.get(question.item, 4),
                    text="fine" if question.item == "comment" else "",
                )
                for response in responses
                for question in form
            ),
            batch_size=5000,
        )
