from django.core.management.base import BaseCommand
from django.utils import timezone

from surveys import pulse_services


class Command(BaseCommand):
    help = (
        "Do once, now, what Celery beat does every hour for pulse surveys: close ended rounds, open due "
        "rounds and email their invitations, remind those who have not answered."
    )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        closed = pulse_services.close_due_rounds(now=now)
        # A new round's invitations go out as a task once it is committed, as when beat opens it.
        opened = pulse_services.open_due_rounds(now=now)
        reminded = pulse_services.send_due_reminders(now=now)
        self.stdout.write(f"Closed {closed} round(s), opened {len(opened)}, sent {reminded} reminder(s).")
