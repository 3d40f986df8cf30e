"""core.outbound: the one function every outbound HTTP request goes through (SSRF rules)."""

import ipaddress
import socket

import pytest

from guichet.core import outbound
from guichet.core.outbound import (
    DestinationRefused,
    OutboundTimeout,
    ResponseTooLarge,
    TooManyRedirects,
    safe_request,
)
from tests.outbound_server import LocalServer


@pytest.fixture
def server():
    with LocalServer("127.0.0.1") as local:
        yield local


@pytest.fixture
def allow_loopback_one(settings):
    """What a test (or an operator with an on-premise partner) sets: 127.0.0.1 only."""
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_not_public(address):
    assert not outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_are_public(address):
    assert outbound.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/secret",
        "http://localhost:{port}/secret",  # a name resolving to loopback
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://2130706433:{port}/secret",  # 127.0.0.1 as one decimal number
        "http://0x7f.0.0.1:{port}/secret",
        "http://10.0.0.1:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_requests_to_non_public_addresses_are_refused_before_connecting(server, url):
    server.serve("/secret", b"top secret")
    with pytest.raises(DestinationRefused):
        safe_request("GET", url.format(port=server.port), timeout=2)
    assert server.requests == []  # nothing reached the local server


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.org/", "http://u:p@x.org/"]
)
def test_other_schemes_and_credentials_in_urls_are_refused(url):
    with pytest.raises(DestinationRefused):
        safe_request("GET", url)


def test_an_allowed_private_network_is_reached(server, allow_loopback_one):
    url = server.serve("/feed", b"hello", headers={"Content-Type": "text/plain"})
    response = safe_request("GET", url)
    assert (response.status, response.body) == (200, b"hello")
    assert response.headers["content-type"] == "text/plain"


def test_a_redirect_to_a_refused_address_is_refused_at_the_redirect(allow_loopback_one):
    """Server A (allowed) redirects to server B on 127.0.0.2 (not allowed): the redirect is
    checked like the first URL, and B never sees a request."""
    with LocalServer("127.0.0.1") as first, LocalServer("127.0.0.2") as second:
        second.serve("/admin", b"internal")
        first.serve("/go", status=302, headers={"Location": second.url("/admin")})
        with pytest.raises(DestinationRefused):
            safe_request("GET", first.url("/go"))
        assert [r[0] for r in first.requests] == ["/go"]
        assert second.requests == []


def test_a_redirect_to_metadata_is_refused(server, allow_loopback_one):
    server.serve(
        "/go", status=307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    with pytest.raises(DestinationRefused):
        safe_request("POST", server.url("/go"), body=b"{}")


def test_redirects_are_followed_and_counted(server, allow_loopback_one):
    server.serve("/a", status=301, headers={"Location": "/b"})
    server.serve("/b", b"arrived")
    response = safe_request("GET", server.url("/a"))
    assert response.body == b"arrived" and response.redirects == [server.url("/b")]
    server.serve("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(TooManyRedirects):
        safe_request("GET", server.url("/loop"), max_redirects=3)
    assert len(server.requests) == 2 + 4


def test_without_redirects_the_3xx_is_the_answer(server, allow_loopback_one):
    server.serve("/a", status=302, headers={"Location": "http://169.254.169.254/"})
    response = safe_request("POST", server.url("/a"), body=b"x", max_redirects=0)
    assert response.status == 302


def test_an_oversized_body_is_stopped(server, allow_loopback_one):
    url = server.serve("/big", b"x" * 200_000)
    with pytest.raises(ResponseTooLarge):
        safe_request("GET", url, max_bytes=100_000)


def test_a_slow_server_times_out(server, allow_loopback_one):
    url = server.serve("/slow", b"late", delay=3)
    with pytest.raises(OutboundTimeout):
        safe_request("GET", url, timeout=0.5)


def test_the_address_checked_is_the_address_connected_dns_rebinding(
    server, allow_loopback_one, monkeypatch
):
    """The name is resolved once: a DNS server answering an allowed address at the check and
    another one later (DNS rebinding) is never asked again; the Host header keeps the name."""
    answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2"])
    calls = []

    def fake_dns(host, port, *args, **kwargs):  # the DNS is the outside world
        try:
            ipaddress.ip_address(host)
        except ValueError:
            calls.append(host)
            host = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    url = server.serve("/hook", b"ok")
    response = safe_request("GET", url.replace("127.0.0.1", "partner.example"))
    assert response.body == b"ok"
    assert calls == ["partner.example"]
    assert server.requests[0][1]["Host"] == f"partner.example:{server.port}"


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    def fake_dns(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    with pytest.raises(DestinationRefused):
        safe_request("GET", "https://mixed.example/")


def test_the_environment_proxy_is_ignored(server, allow_loopback_one, monkeypatch):
    with LocalServer("127.0.0.1") as proxy:
        proxy.serve("/", b"proxied")
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.base_url)
        url = server.serve("/direct", b"direct")
        assert safe_request("GET", url).body == b"direct"
        assert proxy.requests == []


def test_the_configured_proxy_is_used(server, settings, allow_loopback_one):
    with LocalServer("127.0.0.1") as proxy:
        url = server.serve("/via", b"direct")
        proxy.routes[url] = (200, {}, b"from proxy", 0.0)
        settings.OUTBOUND_PROXY = proxy.base_url
        assert safe_request("GET", url).body == b"from proxy"
        assert server.requests == []


def test_authorization_is_not_forwarded_to_another_host(allow_loopback_one, settings):
    settings.OUTBOUND_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32", "127.0.0.2/32"]
    with LocalServer("127.0.0.1") as first, LocalServer("127.0.0.2") as second:
        second.serve("/b", b"ok")
        first.serve("/a", status=307, headers={"Location": second.url("/b")})
        safe_request("GET", first.url("/a"), headers={"Authorization": "Bearer secret"})
        assert first.requests[0][1]["Authorization"] == "Bearer secret"
        assert "Authorization" not in second.requests[0][1]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "non publique"),
        ("ftp://example.org/", "http"),
        ("http://nom-qui-n-existe-pas.invalid/", "inconnu"),
    ],
)
def test_validate_public_url_gives_the_reason_in_french(url, reason):
    assert reason in outbound.validate_public_url(url, require_resolution=True)


def test_a_name_that_does_not_resolve_yet_may_be_saved_but_not_fetched():
    assert outbound.validate_public_url("https://push.nom-qui-n-existe-pas.invalid/x") is None
    with pytest.raises(DestinationRefused):
        safe_request("GET", "https://push.nom-qui-n-existe-pas.invalid/x")
