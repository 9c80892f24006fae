import sys

from django.apps import AppConfig
from django.conf import settings


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = "Satisfaction"

    def ready(self) -> None:
        # Said once per process so nobody mistakes the demo fallback for production.
        if settings.EMBEDDED_DEFAULTS and "pytest" not in sys.modules:
            sys.stderr.write("Embedded default in use: " + "; ".join(settings.EMBEDDED_DEFAULTS) + ".\n")
