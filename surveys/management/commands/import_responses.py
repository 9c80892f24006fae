from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satisfaction.exceptions import ValidationFailed
from surveys.services import import_responses


class Command(BaseCommand):
    help = "Import past survey answers (CSV, survey-answers format of DESIGN.md); all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            result = import_responses(file.read_bytes())
        except ValidationFailed as exc:
            raise CommandError("\n".join(["Nothing was imported.", str(exc.message), *(exc.details or [])])) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.responses_created} responses created; answers: {result.answers_created} created, "
                f"{result.answers_updated} updated, {result.answers_unchanged} unchanged."
            )
        )
