"""The JSON API: one NinjaAPI at /api/v1/ assembled from each app's ``api.py`` ``router``."""

import importlib
import importlib.util
import logging

from django.apps import apps
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from guichet.core.edges import (
    GuichetRateLimited,
    backend_unavailable,
    service_unavailable,
    too_many_requests,
)
from guichet.core.policies import PolicyDenied
from guichet.identity.api_auth import InsufficientScope, SecondFactorRequired

logger = logging.getLogger(__name__)

# Every error of the API has this shape (``code``, ``message``, optional ``detail``).
API_ERROR_SCHEMA = {
    "title": "ApiError",
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "detail": {},
    },
    "required": ["code", "message"],
}
# Answers any operation may give besides its own: bad input (a NUL byte), no or bad
# credentials, refused (CSRF, second factor, scope), not found, invalid, too many requests.
COMMON_ERRORS = {
    "400": "Requête invalide (caractère nul).",
    "401": "Authentification requise.",
    "403": "Refusé (CSRF, double authentification, périmètre).",
    "404": "Introuvable.",
    "422": "Paramètres ou corps invalides.",
    "429": "Trop de demandes (en-tête Retry-After).",
}


class ScopedOpenAPISchema(OpenAPISchema):
    """Ninja's OpenAPI document, with the scope each operation's token must carry in its
    security requirement (ninja leaves the list empty)."""

    def operation_security(self, operation):
        result = super().operation_security(operation)
        documented = [a for a in operation.auth_callbacks if hasattr(a, "openapi_security_schema")]
        for requirement, auth in zip(result or [], documented, strict=True):
            if hasattr(auth, "scopes_for"):
                (name,) = requirement
                requirement[name] = auth.scopes_for(operation.methods)
        return result


class GuichetAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document states the scope each operation's token must carry
    and declares the common error answers on every operation, with the one error schema
    (``ApiError``) they all follow."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schema = ScopedOpenAPISchema(self, path_prefix)
        schema.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = API_ERROR_SCHEMA
        ref = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
        }
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, description in COMMON_ERRORS.items():
                    responses.setdefault(int(status), {"description": description, **ref})
        return schema


api = GuichetAPI(
    title="Guichet API",
    version="1",
    description="API du guichet numérique métropolitain (usagers, agents, partenaires).",
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(
        request,
        {"code": "unauthenticated", "message": "Authentification requise."},
        status=401,
    )
    # RFC 6750 §3: the challenge, with invalid_token when a bearer token was presented.
    presented = request.headers.get("Authorization", "").lower().startswith("bearer ")
    response["WWW-Authenticate"] = (
        'Bearer realm="guichet", error="invalid_token"' if presented else 'Bearer realm="guichet"'
    )
    return response


@api.exception_handler(SecondFactorRequired)
def _second_factor_required(request, exc):
    return api.create_response(
        request,
        {
            "code": "second_factor_required",
            "message": _(
                "Les agents doivent s'être connectés avec une double authentification "
                "(application TOTP ou clé de sécurité) pour utiliser l'API."
            ),
        },
        status=403,
    )


@api.exception_handler(InsufficientScope)
def _insufficient_scope(request, exc):
    """RFC 6750 §3.1: a valid token not meant for this operation."""
    response = api.create_response(
        request,
        {
            "code": "insufficient_scope",
            "message": _(
                "Ce jeton d'accès ne permet pas cette opération : il faut la portée « %(scope)s »."
            )
            % {"scope": exc.scope},
            "scope": exc.scope,
        },
        status=403,
    )
    response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
    return response


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(
        request,
        {"code": "invalid", "message": "Requête invalide.", "detail": exc.errors},
        status=422,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """ninja's own refusals (a CSRF check failed: 403) in our shape, not ``{"detail": ...}``."""
    code = {403: "forbidden", 404: "not_found", 429: "rate_limited"}.get(exc.status_code, "error")
    message = str(exc) or code
    if exc.status_code == 403 and message.startswith("CSRF"):
        code = "csrf_failed"
        message = _(
            "Vérification CSRF échouée : une requête avec la session du navigateur doit "
            "porter le jeton CSRF (en-tête X-CSRFToken)."
        )
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": _("Introuvable.")}, status=404
    )


@api.exception_handler(PolicyDenied)
def _policy_denied(request, exc):
    """An access policy's refusal raised by a service: 404 (``not_found``, the same answer as
    a missing object), 403 (``forbidden``), 422 (``invalid``)."""
    status = {"not_found": 404, "forbidden": 403}.get(exc.code, 422)
    message = exc.message or {404: _("Introuvable."), 403: _("Accès refusé.")}.get(
        status, _("Action impossible.")
    )
    return api.create_response(request, {"code": exc.code, "message": message}, status=status)


@api.exception_handler(GuichetRateLimited)
def _rate_limited(request, exc):
    return too_many_requests(request, exc)


@api.exception_handler(Exception)
def _server_error(request, exc):
    """A bug: logged with its traceback, answered in the API's shape (not an HTML page). The
    database or Redis not answering is no bug: 503 with ``Retry-After``."""
    if backend_unavailable(exc):
        return service_unavailable(request, exc)
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(
        request, {"code": "server_error", "message": _("Erreur interne.")}, status=500
    )


@api.get("/health", tags=["platform"], summary="État de l'API")
def api_health(request):
    return {"status": "ok"}


def _mount_app_routers() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("guichet."):
            continue
        module_name = f"{config.name}.api"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        router = getattr(module, "router", None)
        if router is not None:
            # ``MOUNT``: a path other than the app's label (territory's ``addresses``)
            api.add_router(f"/{getattr(module, 'MOUNT', config.label)}/", router)


_mount_app_routers()
