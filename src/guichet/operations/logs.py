"""Logs an operator can follow: one request id from the request to the tasks it enqueued.

``RequestIdMiddleware`` takes the proxy's ``X-Request-ID`` (when it is a plausible id) or makes
one, answers it in the response's ``X-Request-ID``, and keeps it in a context variable for the
request's duration. ``RequestIdDatabaseBackend`` (the tasks backend) stores the current id with
each task it enqueues, and the worker (``operations.worker``) sets it again while the task runs: a
line logged by a task carries the id of the request that caused it. ``RequestIdFilter`` puts
the id on every log record; ``JsonFormatter`` writes one JSON object a line (``LOG_FORMAT=json``,
the default in production). Log lines carry ids and references, never personal data.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django_tasks_db.backend import DatabaseBackend

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _PLAUSIBLE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "process": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RequestIdDatabaseBackend(DatabaseBackend):
    """django-tasks-db's backend, which also records the enqueuing request's id with the task
    (beside its arguments, in the same JSON column: no schema change, one INSERT as before).
    The row is written as the pinned django-tasks-db writes it (``_task_to_db_task``)."""

    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.compat import normalize_json
        from django_tasks_db.models import DBTaskResult

        args_kwargs = {"args": args, "kwargs": kwargs}
        if request_id_var.get():
            args_kwargs["request_id"] = request_id_var.get()
        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=normalize_json(args_kwargs),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
