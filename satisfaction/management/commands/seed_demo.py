import argparse
import datetime as dt
import random
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from agents.demo import seed_operations
from satisfaction.demo import DEFAULT_SEED, DEMO_PASSWORD, DEMO_SIZES, seed_demo
from surveys.demo import seed_channels
from surveys.pulse_demo import seed_pulses

DEMO_URL = "http://127.0.0.1:8000/"


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Replace ALL sites, teams, agents, logins, surveys, contacts and answers with a reproducible "
        "demo contact centre (90 days of contacts ending at --end-date)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=DEMO_SIZES, default="small")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
        parser.add_argument(
            "--end-date", type=_iso_date, default=None, help="last day of contacts, YYYY-MM-DD (default: today)"
        )

    def handle(self, *args, size: str, seed: int, end_date: dt.date | None, **options) -> None:
        started = time.monotonic()
        summary = seed_demo(size, seed=seed, end_date=end_date)
        # Each part has its own generator, so one part's changes leave the others' data as it was.
        extra = seed_operations(rng=random.Random(f"{seed}:operations"), end=summary.end_date)
        extra |= seed_pulses(
            rng=random.Random(f"{seed}:pulses"), end=summary.end_date, strained_teams=summary.strained_teams
        )
        extra |= seed_channels(rng=random.Random(f"{seed}:channels"), end=summary.end_date)
        self.stdout.write("Computing the score snapshots ...")
        call_command("compute_scores", "--full", stdout=self.stdout)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the {summary.size} demo (seed {summary.seed}, "
                f"{summary.start_date} to {summary.end_date}) in {elapsed:.1f} s."
            )
        )
        counts = {
            "sites": summary.sites,
            "teams": summary.teams,
            "agents": summary.agents,
            "contacts": summary.contacts,
            "invitations": summary.invitations,
            "responses": summary.responses,
            # Every answer row, the Kano answers of the channels demo (listed below too) included.
            "answers": summary.answers + extra["kano_answers"],
        }
        for name, count in {**counts, **extra}.items():
            self.stdout.write(f"  {name:<22} {count:>9,}")
        self.stdout.write(
            f"Strained teams (customer scores fall about 3 weeks behind): {', '.join(summary.strained_teams)}"
        )
        self.stdout.write(f"\nDemo logins, all with the password {DEMO_PASSWORD}:")
        for login in summary.logins:
            self.stdout.write(f"  {login.username:<22} {login.role:<11} {login.scope}")
        self.stdout.write(f"\nStart the server (manage.py runserver) and open {DEMO_URL}")
