from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.services import import_kpi_file
from satisfaction.exceptions import ValidationFailed


class Command(BaseCommand):
    help = "Import daily KPI records (CSV or Excel .xlsx, columns of the KPI format); all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            history = import_kpi_file(file.read_bytes(), filename=file.name)
        except ValidationFailed as exc:
            lines = [str(exc.message), *(exc.details or [])]
            raise CommandError("Nothing was imported.\n" + "\n".join(lines)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{history.created} created, {history.updated} replaced, {history.unchanged} unchanged "
                f"({history.first_date} to {history.last_date})."
            )
        )
