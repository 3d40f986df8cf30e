from tests.cases.conftest import (  # noqa: F401 - shared fixtures
    _immediate_tasks,
    encombrants,
    users,
)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _test_templates(settings):
    """A probe template for the manifest tests (tests/templates)."""
    from pathlib import Path

    import copy

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [
        *templates[0]["DIRS"],
        Path(__file__).resolve().parents[1] / "templates",
    ]
    settings.TEMPLATES = templates
