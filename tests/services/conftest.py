from tests.cases.conftest import (  # noqa: F401 - shared fixtures
    _immediate_tasks,
    encombrants,
    users,
)
