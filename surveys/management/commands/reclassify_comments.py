"""``manage.py reclassify_comments [--since DATE]``: mark comments again after the classifier improved."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from surveys.services import reclassify_comments


class Command(BaseCommand):
    help = "Mark classified comments again with the current classifier; marks a person corrected are kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=dt.date.fromisoformat, help="Only comments answered on or after this day.")

    def handle(self, *args, since: dt.date | None, **options) -> None:
        done = reclassify_comments(since=since)
        self.stdout.write(
            _(
                "%(read)d comment(s) read, %(changed)d mark(s) changed: %(to)d now negative, %(from)d no longer "
                "negative (their scores are recomputed)."
            )
            % {"read": done.read, "changed": done.changed, "to": done.to_negative, "from": done.from_negative}
        )
