import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(immediate_tasks):
    """Tasks run at once, e-mails in memory, files in a temporary root (tests/conftest.py)."""
