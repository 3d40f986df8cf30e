"""Where requests come in: input no door may pass on, rate limits, and errors in each door's shape.

Doors answer in their own shapes: pages (HTML), the JSON API under ``/api/`` (``{"code",
"message", "detail"?}``) and the doors an app registers under a prefix (``register_door``:
Open311 under ``/open311/``, the spec's error list, registered by ``publicspace``).
``door_error`` builds a refusal in the shape of the door a request came
in by, so a rule enforced once here answers each client in the form it reads.

- ``RequestEdgeMiddleware`` refuses a NUL byte anywhere in the path, the query string, a header,
  a form field or a JSON string (PostgreSQL cannot store one in a text column, so it answered
  500 after the view had started its work), and turns a ``RateLimited`` raised by a view into
  a 429 with ``Retry-After``, and an access policy's refusal (``core.policies.PolicyDenied``)
  raised by a service into Django's own answer: 404 (``not_found``), 403 (``forbidden``) or a
  422 page (``invalid``). The API maps it the same way in ``guichet.api``.
- A database or Redis that does not answer (restarting, failed over, out of connections) is a
  503 with ``Retry-After`` in the door's shape (``service_unavailable``), not a 500: the client
  (or its retry loop, with the same idempotency key) tries again, nothing was half-saved (a
  request's writes are one transaction). ``core.views.server_error`` (``handler500``) does the
  same for such an error raised outside a view (a session saved after the response).
- ``rate_limit(request, action, key=...)``: allauth's limiter (its cache keys, its algorithm, the
  Django cache: Redis when ``REDIS_URL`` is set, so every process shares the counters) over
  our own actions, configured in ``settings.GUICHET_RATE_LIMITS``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Annotated

from allauth.core.exceptions import RateLimited
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.dispatch import Signal
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from pydantic import Field

from guichet.core.policies import PolicyDenied

logger = logging.getLogger(__name__)

NUL = "\x00"
# Query integers beyond this answer 422 (offset + limit must stay within 64 bits).
QUERY_INT_BOUND = 10**12
_JSON_NUL = re.compile(rb"\\u0000")
# Doors of their own, registered by their app: path prefix -> error(request, status, message)
_DOOR_ERRORS: dict[str, Callable[[HttpRequest, int, str], HttpResponse]] = {}


_API_STATUS_CODES = {
    400: ("invalid", _lazy("Requête invalide.")),
    403: ("forbidden", _lazy("Accès refusé.")),
    404: ("not_found", _lazy("Introuvable.")),
    405: ("method_not_allowed", _lazy("Méthode non permise ici.")),
    500: ("server_error", _lazy("Erreur interne.")),
}


class GuichetRateLimited(RateLimited):
    """A request over one of ``GUICHET_RATE_LIMITS``; ``retry_after`` in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def rate_limit(request: HttpRequest, action: str, *, key: str | None = None) -> None:
    """Count this request against ``action``'s rates and raise ``GuichetRateLimited`` when one
    is exhausted. Rates are allauth's syntax (``"20/h/ip,5/m/key"``); an empty rate is no limit.
    GET requests count too (tracking-code lookups)."""
    config = settings.GUICHET_RATE_LIMITS
    usage = allauth_ratelimit.consume(
        request, app="guichet", action=action, config=config, key=key, limit_get=True
    )
    if usage is None:
        rates = allauth_ratelimit.get_rates(app="guichet", action=action, config=config)
        # The longest window refused is an upper bound of the wait (allauth does not say which).
        raise GuichetRateLimited(math.ceil(max(rate.duration for rate in rates)))


def register_door(prefix: str, error: Callable[[HttpRequest, int, str], HttpResponse]) -> None:
    """Refusals of the requests under ``prefix`` take the shape ``error(request, status,
    message)`` gives (an app's ``ready``)."""
    _DOOR_ERRORS[prefix] = error


def door_of(request: HttpRequest) -> str:
    """``api``, a registered door's prefix or ``page``: the shape a refusal of it takes."""
    path = request.path_info
    if path.startswith("/api/"):
        return "api"
    return next((prefix for prefix in _DOOR_ERRORS if path.startswith(prefix)), "page")


def door_error(
    request: HttpRequest, status: int, code: str, message: str, *, detail=None
) -> HttpResponse:
    """A refusal in the shape of the door ``request`` came in by."""
    door = door_of(request)
    if door == "api":
        body = {"code": code, "message": message}
        if detail is not None:
            body["detail"] = detail
        return JsonResponse(body, status=status)
    if door in _DOOR_ERRORS:
        return _DOOR_ERRORS[door](request, status, message)
    return render(
        request,
        "edge_error.html",
        {"status": status, "message": message},
        status=status,
    )


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_name(pairs) -> str | None:
    """The name of the first (name, values) pair with a NUL byte in its name or a value."""
    for name, values in pairs:
        if _has_nul(name) or _has_nul(values):
            return name.replace(NUL, "\\0")
    return None


def request_nul_field(request: HttpRequest) -> str | None:
    """Where a NUL byte is, if there is one: the path, a query or form field's name, a
    header's name, or the JSON body; None when there is none."""
    if NUL in request.path or "%00" in request.path_info:
        return "chemin"
    name = _nul_name(request.GET.lists())
    if name is None and "%00" in request.META.get("QUERY_STRING", ""):
        name = "?"
    if name is not None:
        return name
    for key, value in request.META.items():
        if key.startswith("HTTP_") and NUL in str(value):
            return key[5:].replace("_", "-").title()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _nul_name(request.POST.lists())
    if content_type.endswith("json"):
        body = request.body
        if b"\x00" in body:
            return "JSON"
        if _JSON_NUL.search(body):  # an escaped NUL in a string (or an escaped backslash)
            try:
                return "JSON" if _has_nul(json.loads(body)) else None
            except ValueError:
                return None
    return None


class RequestEdgeMiddleware:
    """Refuses input with NUL bytes (400) and answers rate limits (429), in the door's shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            nul_field = request_nul_field(request)
        except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
            # A body over Django's limits or malformed: refused here as it would have been by
            # the first reader of request.POST, but in the door's shape.
            return door_error(request, 400, "invalid", _("Requête illisible ou trop volumineuse."))
        if nul_field is not None:
            return door_error(
                request,
                400,
                "invalid",
                _(
                    "La requête contient un caractère nul (\\0), refusé dans tout champ : "
                    "« %(field)s »."
                )
                % {"field": nul_field},
            )
        response = self.get_response(request)
        if (
            response.status_code in _API_STATUS_CODES
            and door_of(request) == "api"
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            # Django's own answers under /api/ (unknown path, method not allowed): our shape.
            code, message = _API_STATUS_CODES[response.status_code]
            replaced = door_error(request, response.status_code, code, str(message))
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, GuichetRateLimited):
            return too_many_requests(request, exception)
        if isinstance(exception, PolicyDenied):
            return policy_refusal(request, exception)
        if backend_unavailable(exception):
            return service_unavailable(request, exception)
        return None


# Sent with ``backend`` ("database" or "redis") for each such 503 (counted by /metrics).
service_unavailable_answered = Signal()

# Seconds a client is told to wait when the database or Redis does not answer (a restart of
# either takes a few seconds; a failover some more).
UNAVAILABLE_RETRY_AFTER = 5


def _unavailable_errors() -> tuple[type[Exception], ...]:
    from django.db import InterfaceError, OperationalError

    errors: list[type[Exception]] = [OperationalError, InterfaceError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # Redis is optional (embedded mode)
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


def backend_unavailable(exception: BaseException | None) -> bool:
    """The database or Redis did not answer (connection refused or lost, server shutting down):
    a passing outage, not a bug of the request."""
    return exception is not None and isinstance(exception, _unavailable_errors())


def service_unavailable(request: HttpRequest, exception: BaseException | None = None):
    """503 with ``Retry-After``, in the door's shape. The page is rendered without the request's
    context processors: they would read the session and the account from the very database or
    cache that is down."""
    backend = "redis" if type(exception).__module__.startswith("redis") else "database"
    service_unavailable_answered.send(sender=None, backend=backend)
    logger.warning(
        "%s %s: backend unavailable (%s), answered 503",
        request.method,
        request.path,
        type(exception).__name__ if exception else "?",
    )
    message = _("Le service est momentanément indisponible : réessayez dans quelques instants.")
    door = door_of(request)
    if door == "page":
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    else:
        response = door_error(request, 503, "unavailable", message)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def policy_refusal(request: HttpRequest, denied: PolicyDenied) -> HttpResponse:
    """A policy's refusal as the pages answer it: ``not_found`` is the same 404 as a missing
    object, ``forbidden`` Django's 403, ``invalid`` a 422 page with the policy's message."""
    if denied.code == "not_found":
        raise Http404(denied.action or "not found") from denied
    if denied.code == "forbidden":
        raise PermissionDenied(denied.message or _("Accès refusé.")) from denied
    return door_error(request, 422, "invalid", denied.message or _("Action impossible."))


def too_many_requests(request: HttpRequest, exc: GuichetRateLimited) -> HttpResponse:
    response = door_error(
        request,
        429,
        "rate_limited",
        _("Trop de demandes en peu de temps : réessayez dans quelques minutes."),
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


# An integer query parameter of the API (offset, limit, page): bounded so that a number beyond
# what the database takes (64 bits) is a 422 from the schema, not a 500 from the database.
QueryInt = Annotated[int, Field(ge=-QUERY_INT_BOUND, le=QUERY_INT_BOUND)]
