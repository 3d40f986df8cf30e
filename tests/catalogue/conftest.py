import copy
from pathlib import Path

import pytest

from tests.cases.conftest import (  # noqa: F401 - shared fixtures (``place``: tests/conftest)
    _immediate_tasks,
    catalogue,
    encombrants,
)


@pytest.fixture(autouse=True)
def _test_templates(settings):
    """A probe template for the manifest tests (tests/templates)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [
        *templates[0]["DIRS"],
        Path(__file__).resolve().parents[1] / "templates",
    ]
    settings.TEMPLATES = templates
