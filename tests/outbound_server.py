"""A real local HTTP server for the outbound-request tests (never the internet).

``routes[path] = (status, headers, body, delay)``; every request is recorded as
``(path, headers, body)``. It can listen on any loopback address (127.0.0.1, 127.0.0.2, ::1)
so that a test can tell an allowed address from a refused one.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class AnsweringHandler(BaseHTTPRequestHandler):
    """A request handler whose GET and POST are answered by ``_answer(body received)``, quietly."""

    def _answer(self, body_in: bytes) -> None:
        raise NotImplementedError

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length))

    def log_message(self, *args):
        pass


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        server = self

        class Handler(AnsweringHandler):
            def _answer(self, body_in: bytes):
                server.requests.append((self.path, dict(self.headers), body_in))
                status, headers, body, delay = server.routes.get(
                    self.path, (404, {}, b"not found", 0.0)
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if delay:
                    time.sleep(delay)
                self.wfile.write(body)

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(ThreadingHTTPServer):
            address_family = family
            daemon_threads = True

        self.httpd = Server((host, 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path, body=b"", *, status=200, headers=None, delay=0.0) -> str:
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = (status, headers or {}, body, delay)
        return self.url(path)
