"""The installable app (PWA): web app manifest, the one service worker (offline shell + web push),
the offline page, and the helpers the submission doors share for idempotency keys.

See docs/pwa.md. The service worker never caches pages or API answers with personal data: it
keeps the static shell and the offline page, which is rendered without reading the user.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from guichet.core.idempotency import IdempotencyKeyError

THEME_COLOR = "#00458c"  # --brand in site.css
BACKGROUND_COLOR = "#ffffff"
START_URL = "/mon-espace/"
OFFLINE_URL = "/hors-ligne/"

# The static shell the service worker precaches (cache-first afterwards).
SHELL_STATIC = [
    "guichet/css/site.css",
    "portal/pwa-offline.js",
    "portal/pwa-icon.svg",
    "portal/pwa-icon-192.png",
    "portal/pwa-icon-512.png",
    "portal/pwa-icon-maskable-192.png",
    "portal/pwa-icon-maskable-512.png",
]


def idempotency_conflict(request, exc: IdempotencyKeyError) -> HttpResponse:
    """The HTML answer of a form door to a malformed or reused idempotency key."""
    return render(request, "portal/pwa/idempotency_error.html", {"error": exc}, status=422)


def idempotency_error_body(exc: IdempotencyKeyError) -> dict:
    """The JSON answer of an API door (same shape as the API's other errors)."""
    return {"code": exc.code, "message": exc.message, "errors": None}


@require_GET
def manifest(request):
    icons = [
        {
            "src": static(f"portal/pwa-icon{variant}-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }
        for variant, purpose in (("", "any"), ("-maskable", "maskable"))
        for size in (192, 512)
    ]
    icons.append({"src": static("portal/pwa-icon.svg"), "sizes": "any", "type": "image/svg+xml"})
    document = {
        "id": START_URL,
        "name": settings.PLATFORM_NAME,
        "short_name": "Guichet",
        "description": _(
            "Vos démarches, signalements et informations locales auprès de la Métropole et de "
            "votre commune."
        ),
        "lang": get_language() or "fr",  # the texts below follow the visitor's language
        "dir": "ltr",
        "start_url": START_URL,
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["government", "utilities"],
        "icons": icons,
        "shortcuts": [
            {"name": _("Faire une démarche"), "url": "/demarches/"},
            {"name": _("Signaler un problème"), "url": "/signalements/signaler/"},
        ],
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@lru_cache(maxsize=1)
def _shell_version() -> str:
    """Changes whenever a precached file or the worker's code changes, so that the new worker
    installs and drops the old cache (static names carry no hash in the embedded mode)."""
    digest = hashlib.sha256()
    for name in SHELL_STATIC:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    for template in ("portal/pwa/sw.js", "portal/pwa/offline.html"):
        digest.update(get_template(template).template.source.encode())
    return digest.hexdigest()[:12]


@require_GET
@never_cache
def service_worker(request):
    """The one service worker, served from the site root so that its scope is the whole site."""
    values = {
        "cache_name": f"guichet-shell-{_shell_version()}",
        "precache": [OFFLINE_URL] + [static(name) for name in SHELL_STATIC],
        "offline_url": OFFLINE_URL,
        "static_url": settings.STATIC_URL,
        "icon_url": static("portal/pwa-icon-192.png"),
    }
    # JSON literals in the script; "<" escaped so that nothing can close a tag or a comment.
    context = {k: mark_safe(json.dumps(v).replace("<", "\\u003c")) for k, v in values.items()}  # noqa: S308
    body = render_to_string("portal/pwa/sw.js", context, request=request)
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # Not needed at the root, kept explicit: the worker controls the whole site.
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request):
    """What the service worker shows when a page cannot be reached: it says what still works.
    Rendered without the user (no name, no counters, no CSRF token), since it is cached."""
    return render(request, "portal/pwa/offline.html")
