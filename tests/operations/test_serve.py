"""`guichet serve`: the embedded mode, a real process answering HTTP with its worker inside."""

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from tests.operations.conftest import GUICHET


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_and_its_worker_beats(process_env):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*GUICHET, "serve", "--port", str(port), "--threads", "2"],
        env=process_env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        ready: dict = {}
        while ready.get("worker", {}).get("status") != "ok":
            assert time.monotonic() < deadline, f"not ready with its worker: {ready}"
            assert server.poll() is None, "serve died"
            time.sleep(0.3)
            try:
                status, ready = _get(f"{base}/readyz")
            except (OSError, ValueError):
                continue  # not listening yet
        assert status == 200
        assert _get(f"{base}/healthz") == (200, {"status": "ok"})
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
