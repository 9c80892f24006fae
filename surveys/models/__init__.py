"""The surveys app's models: customer surveys (``customer``) and employee pulses (``pulse``)."""

from surveys.models.customer import *  # noqa: F403
from surveys.models.pulse import *  # noqa: F403
