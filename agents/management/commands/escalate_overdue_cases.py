from django.core.management.base import BaseCommand

from agents.services import escalate_overdue_cases


class Command(BaseCommand):
    help = "Escalate overdue follow-up cases to their site's supervisors (beat runs this every 5 minutes)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(self.style.SUCCESS(f"{escalate_overdue_cases()} cases escalated."))
