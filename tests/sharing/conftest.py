# The case engine's test territory and filing helper (tests/cases/conftest.py).
from tests.cases.conftest import (  # noqa: F401
    _immediate_tasks,
    catalogue,
    contact,
    contact_data,
    file_case,
)
