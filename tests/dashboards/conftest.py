import pytest

from tests.dashboards.centre import build_centre


@pytest.fixture
def centre(db):
    """Three teams on two sites with three months of scored answers, pulses, tickets and cases."""
    return build_centre()
