import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from satisfaction import services


class Command(BaseCommand):
    help = "Recompute score snapshots: stale chunks only, or --full (optionally --since DATE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every chunk, not only stale ones.")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="With --full: from this month on.")

    def handle(self, *args, full: bool, since: dt.date | None, **options) -> None:
        chunks = services.all_chunks(since=since) if full else services.take_dirty_chunks()
        months = services.chunks_by_month(chunks)
        processes = 1
        if full:
            processes = services.pool_size(len(months))
            with tqdm(total=len(months), desc="months", unit="month", disable=not months) as bar:
                # A month per job, in one process per core (SCORES_PROCESSES).
                rows = services.compute_all(since=since, clear_marks=True, processes=processes, months_done=bar.update)
        else:
            rows = 0
            # A month's stale chunks are computed together, from one read of the month.
            for month, sites in tqdm(months, desc="months", unit="month", disable=not months):
                rows += services.compute_chunks(sites=sites, month=month, clear_marks=True, only_marked=True)
        self.stdout.write(self.style.SUCCESS(f"{len(chunks)} chunks recomputed, {rows} snapshots written."))
        if processes > 1:
            self.stdout.write(f"Months scored in {processes} processes.")
