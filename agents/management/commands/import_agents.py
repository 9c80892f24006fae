from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.services import import_agents
from satisfaction.exceptions import ValidationFailed


class Command(BaseCommand):
    help = "Import a staff list (CSV, agents format of DESIGN.md); all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_agents(file.read_bytes())
        except ValidationFailed as exc:
            lines = [str(exc.message), *(exc.details or [])]
            raise CommandError("Nothing was imported.\n" + "\n".join(lines)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged.")
        )
