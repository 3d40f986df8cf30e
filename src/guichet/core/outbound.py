"""Every HTTP request Guichet makes to another server goes through ``safe_request``.

Webhook URLs, Web Push endpoints and feed URLs are typed by people (agents, citizens'
browsers, communes' editors): left alone, a request to them reaches the server's own loopback,
the internal network or the cloud's metadata service (169.254.169.254), directly or through a
redirect, and reads or acts on what only the server can reach (SSRF). So the one function:

- accepts ``http`` and ``https`` only, without credentials in the URL;
- resolves the host *once*, refuses the request if any of its addresses is not public
  (loopback, RFC 1918, unique local fc00::/7, link-local incl. metadata, CGNAT 100.64/10,
  unspecified, multicast, reserved, documentation, and the IPv4 of IPv4-mapped/6to4/NAT64
  addresses), then connects to that verified address (the name is not resolved again, so a
  DNS answer that changes between check and connect — DNS rebinding — gains nothing) while
  sending the name as ``Host`` header and as TLS SNI, and checking the certificate for the name;
- follows redirects itself, at most ``max_redirects``, checking every hop the same way;
- never reads a proxy from the environment (``HTTP_PROXY``…): only ``OUTBOUND_PROXY``;
- has connect/read timeouts and a total deadline, and stops reading beyond ``max_bytes``.

An operator whose on-premise partner (or a test's local server) lives at a private address
lists its network in ``OUTBOUND_ALLOWED_PRIVATE_NETWORKS`` (empty by default).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "Guichet/1.0"

# Networks that are never public, whatever Python's ``is_global`` says in a given version.
_NON_PUBLIC = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(Exception):
    """A request to another server did not give a usable answer. ``str()`` is a short French
    sentence fit for a delivery log or an editor's error message."""


class DestinationRefused(OutboundError):
    """The URL is not allowed: scheme, credentials, or an address that is not public."""


class _Unresolvable(DestinationRefused):
    """The host name does not resolve (now)."""


class OutboundTimeout(OutboundError):
    """Connecting or reading took longer than allowed."""


class ResponseTooLarge(OutboundError):
    """The answer is larger than the cap: reading stopped there."""


class TooManyRedirects(OutboundError):
    """More redirects than allowed."""


class OutboundConnectionError(OutboundError):
    """The server could not be reached (refused, reset, TLS failure)."""


@dataclass
class OutboundResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str  # the final URL, after redirects
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is what it reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: Address) -> bool:
    """True for an address anyone on the internet can reach; False for loopback, private,
    link-local (cloud metadata), CGNAT, multicast, reserved, documentation ranges."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
    if any(address in network for network in _NON_PUBLIC if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


@lru_cache(maxsize=8)
def _parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def allowed_private_networks() -> tuple[Network, ...]:
    """The operator's ``OUTBOUND_ALLOWED_PRIVATE_NETWORKS`` (CIDR or single addresses)."""
    return _parse_networks(tuple(getattr(settings, "OUTBOUND_ALLOWED_PRIVATE_NETWORKS", ())))


def _address_allowed(address: Address, extra: tuple[Network, ...]) -> bool:
    if is_public_address(address):
        return True
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(
        candidate in network
        for candidate in candidates
        for network in (*allowed_private_networks(), *extra)
        if network.version == candidate.version
    )


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (IDNA-encoded), without brackets
    port: int
    path: str  # path and query
    addresses: tuple[Address, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(_("adresse invalide")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefused(_("seules les adresses http:// et https:// sont acceptées"))
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused(_("une adresse ne peut pas contenir d'identifiants"))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DestinationRefused(_("adresse sans nom de serveur"))
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError as exc:
        raise DestinationRefused(_("nom de serveur invalide")) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _resolve(host: str, port: int) -> tuple[Address, ...]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return (literal,)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _Unresolvable(_("nom de serveur inconnu : %(host)s") % {"host": host}) from exc
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and len(sockaddr) > 3 and sockaddr[3]:
            address = ipaddress.IPv6Address(f"{address}%{sockaddr[3]}")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _Unresolvable(_("nom de serveur inconnu : %(host)s") % {"host": host})
    return tuple(addresses)


def check_url(url: str, *, allow_networks: tuple[Network, ...] = ()) -> Target:
    """Parse and resolve ``url``; DestinationRefused unless every address of its host is public
    (or in the operator's allowed private networks). Used when a URL is saved, and by
    ``safe_request`` before every connection."""
    scheme, host, port, path = _split(url)
    addresses = _resolve(host, port)
    for address in addresses:
        if not _address_allowed(address, allow_networks):
            raise DestinationRefused(
                _("adresse non publique refusée (%(host)s → %(address)s)")
                % {"host": host, "address": address}
            )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)


def validate_public_url(url: str, *, require_resolution: bool = False) -> str | None:
    """The French reason ``url`` may not be used as a destination, or None when it may (for
    forms and services checking a URL as it is saved). A name that does not resolve *now* is
    let through unless ``require_resolution``: the check at every request is the guard, this
    one gives the person an early, clear refusal."""
    try:
        check_url(url)
    except _Unresolvable as exc:
        return str(exc) if require_resolution else None
    except DestinationRefused as exc:
        return str(exc)
    return None


def _pool(target: Target, address: Address, timeout: urllib3.Timeout):
    """A one-request connection pool to the verified ``address``, TLS checked for the name."""
    tls = {}
    if target.scheme == "https":
        tls = {
            "server_hostname": target.host,
            "assert_hostname": target.host,
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": settings.OUTBOUND_CA_BUNDLE or certifi.where(),
        }
    ip = str(address).split("%")[0] if address.version == 6 and "%" in str(address) else address
    proxy = settings.OUTBOUND_PROXY
    if proxy:
        manager = urllib3.ProxyManager(proxy, timeout=timeout, retries=False)
        return manager.connection_from_host(
            str(ip), port=target.port, scheme=target.scheme, pool_kwargs=tls
        ), True
    cls = urllib3.HTTPSConnectionPool if target.scheme == "https" else urllib3.HTTPConnectionPool
    return cls(str(ip), port=target.port, timeout=timeout, retries=False, maxsize=1, **tls), False


def _read_capped(response, *, max_bytes: int, deadline: float) -> bytes:
    too_large = _("réponse trop volumineuse (plus de %(max)s octets)") % {"max": max_bytes}
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(too_large)
    size, chunks = 0, []
    # read1: whatever one read of the socket gives, so a server trickling bytes meets the
    # deadline between two reads rather than after a whole 64 KiB block.
    while chunk := response.read1(64 * 1024, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(too_large)
        if time.monotonic() > deadline:
            raise OutboundTimeout(_("délai de réponse dépassé"))
        chunks.append(chunk)
    return b"".join(chunks)


def _send_once(
    target: Target,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    *,
    connect_timeout: float,
    read_timeout: float,
    deadline: float,
    max_bytes: int,
):
    last_error: Exception | None = None
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OutboundTimeout(_("délai de réponse dépassé"))
        timeout = urllib3.Timeout(
            connect=min(connect_timeout, remaining), read=min(read_timeout, remaining)
        )
        pool, proxied = _pool(target, address, timeout)
        request_url = target.path
        if proxied and target.scheme == "http":
            host = f"[{address}]" if address.version == 6 else str(address)
            request_url = f"http://{host}:{target.port}{target.path}"
        try:
            response = pool.urlopen(
                method,
                request_url,
                body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
                timeout=timeout,
            )
        except (ConnectTimeoutError, NewConnectionError) as exc:
            last_error = exc
            continue  # the next verified address of the same name
        except MaxRetryError as exc:
            if isinstance(exc.reason, ConnectTimeoutError | NewConnectionError):
                last_error = exc
                continue
            raise _translate(exc.reason or exc) from exc
        except HTTPError as exc:
            raise _translate(exc) from exc
        try:
            data = _read_capped(response, max_bytes=max_bytes, deadline=deadline)
        except HTTPError as exc:
            raise _translate(exc) from exc
        finally:
            response.release_conn()
            pool.close()
        return response, data
    if isinstance(last_error, ConnectTimeoutError) or (
        isinstance(last_error, MaxRetryError) and isinstance(last_error.reason, ConnectTimeoutError)
    ):
        raise OutboundTimeout(_("délai de connexion dépassé")) from last_error
    raise OutboundConnectionError(
        _("serveur injoignable : %(error)s") % {"error": last_error}
    ) from last_error


def _translate(exc: BaseException) -> OutboundError:
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError | socket.timeout):
        return OutboundTimeout(_("délai de réponse dépassé"))
    if isinstance(exc, SSLError):
        return OutboundConnectionError(_("échec TLS : %(error)s") % {"error": exc})
    if isinstance(exc, ProtocolError):
        return OutboundConnectionError(_("connexion interrompue : %(error)s") % {"error": exc})
    return OutboundConnectionError(_("serveur injoignable : %(error)s") % {"error": exc})


def safe_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    connect_timeout: float = 5.0,
    timeout: float = 10.0,
    max_bytes: int = 1024 * 1024,
    max_redirects: int = 5,
    allow_networks: tuple[Network, ...] = (),
) -> OutboundResponse:
    """Send one HTTP request to ``url`` under the rules of this module and return the answer
    (any status; a 3xx only when ``max_redirects`` is 0). ``timeout`` bounds each read and the
    whole exchange, redirects included. Raises an ``OutboundError`` subclass otherwise.

    ``allow_networks`` adds private networks for one caller (the operator-configured
    FranceConnect issuer); everything else uses only ``OUTBOUND_ALLOWED_PRIVATE_NETWORKS``.
    """
    deadline = time.monotonic() + timeout
    method = method.upper()
    sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    redirects: list[str] = []
    current = url
    while True:
        target = check_url(current, allow_networks=allow_networks)
        response, data = _send_once(
            target,
            method,
            sent_headers,
            body,
            connect_timeout=connect_timeout,
            read_timeout=timeout,
            deadline=deadline,
            max_bytes=max_bytes,
        )
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location or max_redirects == 0:
            return OutboundResponse(
                status=response.status,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=data,
                url=current,
                redirects=redirects,
            )
        if len(redirects) >= max_redirects:
            raise TooManyRedirects(_("trop de redirections"))
        following = urljoin(current, location)
        if response.status in (301, 302, 303) and method != "HEAD":
            method, body = "GET", None
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() != "content-type"}
        if urlsplit(following)[:2] != urlsplit(current)[:2]:  # another scheme, host or port
            # Credentials are for the server they were given to, not for where it points.
            sent_headers = {
                k: v
                for k, v in sent_headers.items()
                if k.lower() not in ("authorization", "cookie", "proxy-authorization")
            }
        redirects.append(following)
        current = following
