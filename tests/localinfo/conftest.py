import threading
import time
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

import pytest

from tests.outbound_server import AnsweringHandler


class FeedServer:
    """A local HTTP server (never the internet): ``routes[path] = (status, type, body, delay)``."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes, float]] = {}
        self.requests: list = []  # (path, headers, body)
        server = self

        class Handler(AnsweringHandler):
            def _answer(self, body_in: bytes):
                server.requests.append((self.path, self.headers, body_in))
                status, ctype, body, delay = server.routes.get(
                    self.path, (404, "text/plain", b"not found", 0)
                )
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if delay:
                    self.end_headers()
                    # Trickle the body slowly: each read is quick, the whole is too slow.
                    for index in range(0, len(body), 64):
                        self.wfile.write(body[index : index + 64])
                        self.wfile.flush()
                        time.sleep(delay)
                    return
                if path_without_length := self.path.endswith("-nolength.rss"):
                    # No Content-Length: the size cap must hold while streaming.
                    self.end_headers()
                if not path_without_length:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve(self, path: str, body: bytes | str, ctype="application/xml", status=200, delay=0.0):
        if isinstance(body, str):
            body = body.encode()
        self.routes[path] = (status, ctype, body, delay)
        return self.url(path)


@contextmanager
def loopback_feed_server(settings):
    """A running ``FeedServer`` on loopback, which outbound requests refuse unless the operator
    allows it: this test's operator does. Stopped on leaving."""
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def feed_server(settings):
    """The communes' feed server, on loopback: allowed for outbound requests in these tests."""
    with loopback_feed_server(settings) as server:
        yield server


MARKET_NEWS = "Le marché du centre change d'horaires"
OTHER_COMMUNE_NEWS = "Fête des Lumières"
TOWN_HALL = "Hôtel de ville"


@pytest.fixture
def local(db):
    """A small territory with its local information: the commune has three news items
    (``MARKET_NEWS`` the latest), two events and its town hall (``TOWN_HALL``, with opening
    hours); the other commune and the metropolis have news and an event each; ``body`` is a
    public body of the metropolis (no local information pages). By role, with ``citizen``."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories.localinfo import EventFactory, NewsItemFactory, PlaceFactory
    from tests.factories.territory import BodyFactory, territory

    built = territory()
    now = timezone.now()
    commune, other, metropolis = built.commune, built.other_commune, built.metropolis
    for rank, title in enumerate([MARKET_NEWS, "Travaux de voirie", "Inscriptions scolaires"]):
        NewsItemFactory(
            organisation=commune, title=title, published_at=now - timedelta(days=rank * 3 + 1)
        )
    EventFactory.create_batch(2, organisation=commune)
    PlaceFactory(organisation=commune, name=TOWN_HALL)
    for organisation, title in ((other, OTHER_COMMUNE_NEWS), (metropolis, "Nouvelles lignes")):
        NewsItemFactory(organisation=organisation, title=title)
        EventFactory(organisation=organisation)
    return {
        "commune": commune,
        "other_commune": other,
        "metropolis": metropolis,
        "body": BodyFactory(parent=metropolis),
        "citizen": built.citizen,
    }
