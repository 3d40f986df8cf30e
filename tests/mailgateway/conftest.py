from tests.cases.conftest import (  # noqa: F401 - shared fixtures
    _immediate_tasks,
    catalogue,
    contact,
    contact_data,
    file_case,
)
