import pytest


@pytest.fixture(autouse=True)
def _immediate_tasks(immediate_tasks):
    """Tasks run at once, e-mails in memory, files in a temporary root (tests/conftest.py)."""


@pytest.fixture
def sms_gateway(settings):
    """The SMS provider's stand-in: a local HTTP server behind the real ``HttpSmsBackend``,
    recording what it is asked to send (loopback allowed for this test only)."""
    from tests.localinfo.conftest import loopback_feed_server

    with loopback_feed_server(settings) as server:
        server.serve("/sms", '{"status": "queued"}', "application/json")
        settings.SMS_BACKEND = "guichet.notifications.sms.HttpSmsBackend"
        settings.SMS_HTTP_URL = server.url("/sms")
        settings.SMS_HTTP_TOKEN = "jeton"
        settings.SMS_SENDER = "Guichet"
        yield server


def sms_received(server) -> list[dict]:
    import json

    return [json.loads(body) for path, _headers, body in server.requests if path == "/sms"]
