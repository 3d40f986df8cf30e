"""The Content-Security-Policy of every response (Django 5.2 has none built in).

Scripts and styles come from our own origin; nothing inline runs or applies unless it carries
this request's nonce (``request.csp_nonce``, for a template that cannot do otherwise:
``<script nonce="{{ request.csp_nonce }}">``). Our templates have no inline script, handler or
style attribute (behaviour in static files, data in ``type="application/json"`` blocks), so an
injected ``<script>`` or ``onerror=`` does not run. Map tiles load from ``MAP_TILE_URL``'s host.
"""

from __future__ import annotations

import secrets
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@cache
def _tile_source() -> str:
    """The scheme and host of the map tiles (``MAP_TILE_URL``), or nothing."""
    parts = urlsplit(settings.MAP_TILE_URL or "")
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc.replace("{s}", "*")  # Leaflet's subdomain placeholder
    return f" {parts.scheme}://{host}"


def policy_for(nonce: str) -> str:
    """The policy of a response whose inline elements, if any, carry ``nonce``."""
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        f"img-src 'self' data: blob:{_tile_source()}",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
    if settings.CSP_REPORT_URI:
        directives.append(f"report-uri {settings.CSP_REPORT_URI}")
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce and each response the policy naming it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.csp_nonce)
        return response
