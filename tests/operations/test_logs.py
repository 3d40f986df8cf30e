"""One request id from the request to its tasks' log lines; JSON lines; ADMINS; Sentry."""

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from guichet.operations.logs import JsonFormatter, RequestIdFilter, request_id_var
from guichet.operations.tasks import record_audit_ping
from guichet.operations.worker import GuichetWorker

ROOT = Path(__file__).resolve().parents[2]


def test_the_proxys_request_id_is_kept_and_answered(client):
    response = client.get("/healthz", headers={"X-Request-ID": "req-0123456789abcdef"})
    assert response["X-Request-ID"] == "req-0123456789abcdef"


@pytest.mark.parametrize("given", ["", "short", "x" * 65, "bad id with spaces", "a\nb" * 5])
def test_an_implausible_or_missing_request_id_is_replaced(client, given):
    headers = {"X-Request-ID": given} if given else {}
    answered = client.get("/healthz", headers=headers)["X-Request-ID"]
    assert answered != given and len(answered) == 32


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_under_that_requests_id(caplog):
    token = request_id_var.set("req-from-the-browser-01")
    try:
        record_audit_ping.enqueue(message="traced")
    finally:
        request_id_var.reset(token)
    row = DBTaskResult.objects.get()
    assert row.args_kwargs["request_id"] == "req-from-the-browser-01"
    assert row.task_result.kwargs == {"message": "traced"}  # the arguments are untouched

    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(getattr(record, "request_id", None))

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django_tasks")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        GuichetWorker(worker_id="traced", interval=0).run_once()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert "req-from-the-browser-01" in seen


def test_json_lines_carry_level_logger_message_and_request_id():
    record = logging.LogRecord(
        "guichet.cases", logging.WARNING, __file__, 1, "case %s", ("X",), None
    )
    token = request_id_var.set("req-json-000001")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["level"] == "WARNING" and line["logger"] == "guichet.cases"
    assert line["message"] == "case X" and line["request_id"] == "req-json-000001"


def _settings_in(env: dict, expression: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {expression}"],
        env=base
        | {"DJANGO_SETTINGS_MODULE": "guichet.settings", "PYTHONPATH": str(ROOT / "src")}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_admins_are_read_from_the_environment(tmp_path):
    printed = _settings_in(
        {
            "GUICHET_VAR_DIR": str(tmp_path),
            "ADMINS": "Jeanne Exploitation <jeanne@metropole.example.org>, ops@metropole.example.org",
        },
        "from django.conf import settings; print(settings.ADMINS)",
    )
    assert printed == (
        "[('Jeanne Exploitation', 'jeanne@metropole.example.org'), "
        "('', 'ops@metropole.example.org')]"
    )


def test_errors_reach_sentry_when_a_dsn_is_set_and_carry_no_personal_data(tmp_path):
    received = []

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                import gzip

                body = gzip.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _settings_in(
            {
                "GUICHET_VAR_DIR": str(tmp_path),
                "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/1",
            },
            "import sentry_sdk\n"
            "try:\n    raise ValueError('boom-for-sentry')\n"
            "except ValueError as e:\n    sentry_sdk.capture_exception(e)\n"
            "sentry_sdk.flush(5)",
        )
    finally:
        server.shutdown()
    body = b"".join(received)
    assert b"boom-for-sentry" in body
    assert b"ip_address" not in body and b"publickey@" not in body.split(b"\n", 1)[-1]
