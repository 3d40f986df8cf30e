"""The JSON API: one NinjaAPI at /api/v1/ assembled from each app's ``api.py`` ``router``."""

import importlib
import importlib.util

from django.apps import apps
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from guichet.cases.auth import InsufficientScope, SecondFactorRequired


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
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ScopedOpenAPISchema(self, path_prefix)


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
        router = getattr(importlib.import_module(module_name), "router", None)
        if router is not None:
            api.add_router(f"/{config.label}/", router)


_mount_app_routers()
