from django.core.management.base import BaseCommand

from surveys.pulse_services import load_standard_question_bank


class Command(BaseCommand):
    help = "Add the standard pulse question bank (the seed documents' topics, in English and Chinese); idempotent."

    def handle(self, *args, **options) -> None:
        added = load_standard_question_bank()
        self.stdout.write(f"Added {added} standard pulse question(s).")
