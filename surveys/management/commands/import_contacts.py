from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satisfaction.exceptions import ValidationFailed
from surveys.invitations import import_contacts


class Command(BaseCommand):
    help = "Import finished contacts (CSV, the columns of POST /api/v1/contacts/) and decide their invitations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_contacts(file.read_bytes())
        except ValidationFailed as exc:
            raise CommandError("\n".join(["Nothing was imported.", str(exc.message), *(exc.details or [])])) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.contacts_created} contacts created ({result.invited} invited), "
                f"{result.contacts_unchanged} already known."
            )
        )
