"""A small clamd client (INSTREAM over a unix or TCP socket) for scanning uploaded files.

Set ``CLAMD_SOCKET`` (path of clamd's ``LocalSocket``) or ``CLAMD_TCP`` (``host:port`` of its
``TCPSocket``) and every stored upload is scanned before anyone may open it; with neither, no
antivirus is configured and files are served once the upload checks passed. The protocol is
clamd's: ``zINSTREAM\\0``, chunks each prefixed by its length (4 bytes, big-endian), a zero
length to end, then one reply: ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or did not answer in time: the file stays unscanned."""


@dataclass(frozen=True)
class ScanResult:
    verdict: str  # "clean", "infected" or "error"
    detail: str = ""  # the signature found, or clamd's error


def scanner_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_TCP", ""))


def _connect(timeout: float) -> socket.socket:
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
        return sock
    host, _sep, port = settings.CLAMD_TCP.rpartition(":")
    return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)


def parse_reply(reply: bytes) -> ScanResult:
    """clamd's answer to one INSTREAM (``stream: OK``, ``stream: Eicar-Signature FOUND``)."""
    text = reply.rstrip(b"\0\n").decode("utf-8", "replace").strip()
    _sep, _colon, verdict = text.partition(": ")
    if verdict == "OK":
        return ScanResult("clean")
    if verdict.endswith(" FOUND"):
        return ScanResult("infected", verdict[: -len(" FOUND")].strip()[:200])
    return ScanResult("error", (verdict or text)[:200])


def clamd_scan(content: bytes, *, timeout: float | None = None) -> ScanResult:
    """Scan ``content`` with clamd; raises ScannerUnavailable when it cannot answer."""
    if timeout is None:
        timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    try:
        with _connect(timeout) as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(content), CHUNK):
                    chunk = content[start : start + CHUNK]
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
            except (BrokenPipeError, ConnectionResetError):
                # clamd stops reading when a stream passes its StreamMaxLength and answers
                # "INSTREAM size limit exceeded. ERROR": read that answer below
                pass
            reply = b""
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except (OSError, ValueError) as exc:  # refused, missing socket, timeout, bad CLAMD_TCP
        raise ScannerUnavailable(str(exc)) from exc
    if not reply:
        raise ScannerUnavailable("clamd closed the connection without answering")
    return parse_reply(reply)
