"""A task for the worker's stop test: marks its start, takes a while, marks its end."""

import time
from pathlib import Path

from django_tasks import task


@task()
def slow_marked(folder: str, seconds: float) -> str:
    Path(folder, "started").write_text("1")
    time.sleep(seconds)
    Path(folder, "finished").write_text("1")
    return "done"
