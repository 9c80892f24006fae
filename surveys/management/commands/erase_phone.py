"""``manage.py erase_phone +8613812345678``: an erasure request for one phone number (issue 9)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from satisfaction.exceptions import ValidationFailed
from surveys.privacy import erase_phone


class Command(BaseCommand):
    help = "Remove a customer's phone number everywhere; the anonymous answers are kept."

    def add_arguments(self, parser) -> None:
        parser.add_argument("phone", help="the number, e.g. +8613812345678")

    def handle(self, *args, phone: str, **options) -> None:
        try:
            done = erase_phone(phone)
        except ValidationFailed as exc:
            raise CommandError(_("Not a phone number.")) from exc
        # Counts only: the number itself is never echoed into a terminal log.
        self.stdout.write(
            _("Erased from %(c)d contact(s), %(o)d opt-out(s) and %(t)d text(s); answers kept.")
            % {"c": done.contacts, "o": done.opt_outs, "t": done.texts}
        )
