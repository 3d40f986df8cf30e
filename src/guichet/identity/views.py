"""A thin layer over allauth's OpenID Connect provider, and the user's consent pages.

allauth.idp.oidc does the protocol; we add what the platform's rules ask (identity.md):
PKCE S256 for every client, consent per claim that is remembered and revocable, refresh-token
families with replay detection and an absolute expiry, and codes refused once consent is gone.
"""

import time
from http import HTTPStatus

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.internal import httpkit
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.internal.clientkit import is_redirect_uri_allowed, lookup_client
from allauth.idp.oidc.internal.oauthlib import authorization_codes
from allauth.idp.oidc.internal.oauthlib.utils import (
    convert_response,
    extract_params,
    get_validator_context,
    respond_html_error,
    respond_json_error,
)
from allauth.idp.oidc.internal.resources import get_resources
from allauth.idp.oidc.models import Client, Token
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauthlib.oauth2.rfc6749 import errors

from guichet.identity import ratelimits, selectors, services
from guichet.identity.claims import API_SCOPES, SCOPE_CLAIMS, SCOPE_LABELS, claims_for_scopes
from guichet.identity.client_secrets import basic_credentials
from guichet.identity.oauth import oauth_server, session_authentication


def _ip(request) -> str | None:
    return get_account_adapter().get_client_ip(request)


def _redirect_error(redirect_uri: str, state: str | None, error: str, description: str):
    params = {"error": error, "error_description": description}
    if state:
        params["state"] = state
    return oidc_views._ClientHttpResponseRedirect(httpkit.add_query_params(redirect_uri, params))


class AuthorizationView(oidc_views.AuthorizationView):
    template_name = "identity/authorize.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        refused = self._refuse_early(request)
        if refused:
            return refused
        prompts = set(request.GET.get("prompt", "").split())
        too_old = self._sign_in_older_than_max_age(request)
        if too_old and "none" not in prompts:
            return self._reauthenticate(request)
        response = self._login_required(request)
        if response:
            return response
        orequest = extract_params(self.request)
        try:
            server = oauth_server()
            self._scopes, self._request_info = server.validate_authorization_request(*orequest)
            self._request_info["resources"] = get_resources(request)
            if "none" in prompts:
                if too_old:
                    return _redirect_error(
                        self._request_info["redirect_uri"],
                        self._request_info.get("state"),
                        "login_required",
                        "The sign-in is older than max_age.",
                    )
                oresponse = server.create_authorization_response(*orequest, scopes=self._scopes)
                return oidc_views.convert_response(*oresponse)
        except (errors.FatalClientError, ValidationError) as e:
            return respond_html_error(request, error=e)
        except errors.OAuth2Error as e:
            return oidc_views._ClientHttpResponseRedirect(e.in_uri(e.redirect_uri))
        client = self._request_info["request"].client
        # prompt=consent: the user is asked again even when their consent is remembered.
        if client.skip_consent or ("consent" not in prompts and self._consent_remembered(client)):
            return self._skip_consent()
        return super(oidc_views.AuthorizationView, self).get(request, *args, **kwargs)

    def _refuse_early(self, request: HttpRequest) -> HttpResponse | None:
        """What we refuse before oauthlib sees the request, sent back to the client with
        ``error`` and ``state`` (OIDC Core §3.1.2.6).

        Only once the client and its redirect URI are known good is the error sent back to
        the client; otherwise allauth shows its error page (never redirect to an unknown URI).
        - Only the ``code`` response type exists here (``unsupported_response_type``).
        - PKCE with S256 is required from every client, confidential ones included.
        - ``prompt=none`` cannot be combined with another value; ``max_age`` is a number of
          seconds.
        """
        client = lookup_client(request.GET.get("client_id", "") or "")
        redirect_uri = request.GET.get("redirect_uri", "")
        if not client or not redirect_uri:
            return None
        if not is_redirect_uri_allowed(
            redirect_uri, client.get_redirect_uris(), client.allow_uri_wildcards
        ):
            return None
        state = request.GET.get("state")
        if request.GET.get("response_type", "") != "code":
            return _redirect_error(
                redirect_uri,
                state,
                "unsupported_response_type",
                "Only the authorization code flow (response_type=code) is offered.",
            )
        challenge = request.GET.get("code_challenge", "")
        method = request.GET.get("code_challenge_method", "")
        if not challenge or method != "S256":
            return _redirect_error(
                redirect_uri,
                state,
                "invalid_request",
                "PKCE is required: code_challenge with code_challenge_method=S256.",
            )
        prompts = request.GET.get("prompt", "").split()
        if "none" in prompts and len(prompts) > 1:
            return _redirect_error(
                redirect_uri, state, "invalid_request", "prompt=none cannot be combined."
            )
        max_age = request.GET.get("max_age")
        if max_age is not None and not max_age.isdigit():
            return _redirect_error(
                redirect_uri, state, "invalid_request", "max_age must be a number of seconds."
            )
        return None

    def _sign_in_older_than_max_age(self, request: HttpRequest) -> bool:
        """OIDC Core §3.1.2.1 max_age: the sign-in of this session is older than asked."""
        max_age = request.GET.get("max_age")
        if max_age is None or not request.user.is_authenticated:
            return False
        auth_time = session_authentication(request, request.user)["auth_time"]
        return time.time() - auth_time > int(max_age)

    def _reauthenticate(self, request: HttpRequest) -> HttpResponse:
        # Back here without max_age once signed in again: max_age=0 would otherwise loop.
        next_url = httpkit.del_query_params(request.get_full_path(), "max_age")
        return redirect(
            httpkit.add_query_params(reverse("account_reauthenticate"), {"next": next_url})
        )

    def _consent_remembered(self, client: Client) -> bool:
        """The user already consented to every claim asked: no need to ask again."""
        wanted = set(claims_for_scopes(self._scopes))
        return wanted <= selectors.consented_claims(actor=self.request.user, client=client)

    def form_valid(self, form) -> HttpResponse:
        client = Client.objects.get(pk=self._request_info["client_id"])
        services.consent_record(
            actor=self.request.user,
            client=client,
            requested_scopes=self._scopes,
            granted_scopes=form.cleaned_data["scopes"],
            ip_address=_ip(self.request),
        )
        # allauth's form_valid, on our oauthlib server (the code records how the user signed
        # in: see GuichetRequestValidator.save_authorization_code).
        credentials = {"user": self.request.user, **self._request_info}
        credentials.pop("resources", None)
        ctx = get_validator_context()
        ctx.requested_resources = self._request_info.get("resources")
        if email := form.cleaned_data.get("email"):
            ctx.email = email
        try:
            oresponse = oauth_server().create_authorization_response(
                *extract_params(self.request),
                scopes=form.cleaned_data["scopes"],
                credentials=credentials,
            )
        except errors.FatalClientError as e:
            return respond_html_error(self.request, error=e)
        return convert_response(*oresponse)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields.get("scopes")
        if field is not None:
            # The account identifier is what signing in means: it cannot be unticked.
            field.label = _("Données transmises")
            field.choices = [
                (scope, label) for scope, label in field.choices if scope in SCOPE_CLAIMS
            ]
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_details"] = [
            {
                "scope": scope,
                "label": SCOPE_LABELS.get(scope, scope),
                "claims": [claim.label for claim in SCOPE_CLAIMS.get(scope, ())],
            }
            for scope in self._scopes
        ]
        # An API scope lets the service act on the platform, beyond receiving data: said so.
        context["acts_on_the_platform"] = any(scope in API_SCOPES for scope in self._scopes)
        return context


authorization = AuthorizationView.as_view()


def _no_store(response: HttpResponse) -> HttpResponse:
    # Token responses carry credentials: never cached (RFC 6749 §5.1, OIDC Core §3.1.3.3).
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _invalid_grant(description: str) -> JsonResponse:
    return _no_store(
        JsonResponse(
            {"error": "invalid_grant", "error_description": description},
            status=HTTPStatus.BAD_REQUEST,
        )
    )


def _client_id(request: HttpRequest) -> str:
    """The client the request names: from HTTP Basic (form-urlencoded, RFC 6749 §2.3.1, or
    else as sent when only that names a client), else the ``client_id`` parameter."""
    candidates = [client_id for client_id, _secret in basic_credentials(request.headers)]
    if len(candidates) > 1 and lookup_client(candidates[0]) is None:
        return candidates[1]
    return candidates[0] if candidates else request.POST.get("client_id", "")


def _token_response(request: HttpRequest) -> HttpResponse:
    """allauth's token endpoint (without its device-code branch, which we do not offer), on
    our request validator."""
    try:
        get_validator_context().requested_resources = get_resources(request)
        response = convert_response(*oauth_server().create_token_response(*extract_params(request)))
    except errors.OAuth2Error as e:
        response = JsonResponse(dict(e.twotuples), status=e.status_code)
        for name, value in e.headers.items():
            response[name] = value
    if response.status_code == HTTPStatus.UNAUTHORIZED:
        # RFC 6749 §5.2: a client that authenticated with HTTP Basic gets a Basic challenge
        # (oauthlib answers with a Bearer one, which is for resource servers).
        if request.headers.get("Authorization", "").lower().startswith("basic "):
            response["WWW-Authenticate"] = 'Basic realm="guichet", charset="UTF-8"'
        elif "WWW-Authenticate" in response:
            del response["WWW-Authenticate"]
    return _no_store(response)


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint, with a rate limit on failed requests per IP and per client
    (``ratelimits``): 429 and an OAuth error once reached."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    client_id = _client_id(request)
    retry_after = ratelimits.token_retry_after(request, client_id=client_id)
    if retry_after is not None:
        response = JsonResponse(
            {
                "error": "temporarily_unavailable",
                "error_description": "Too many failed token requests: try again later.",
            },
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
        response["Retry-After"] = str(retry_after)
        return _no_store(response)
    response = _token_exchange(request)
    if response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED):
        ratelimits.token_failure_record(request, client_id=client_id)
    return response


@transaction.atomic
def _token_exchange(request: HttpRequest) -> HttpResponse:
    """allauth's token endpoint, wrapped to keep token families.

    - authorization_code: a code replayed revokes what it produced; a code whose consent was
      withdrawn meanwhile is refused.
    - refresh_token: the presented token is locked; a token already rotated away (replay)
      revokes its whole family; new tokens join the family and never outlive its absolute
      expiry (``oauth.GuichetRequestValidator``).
    """
    grant_type = request.POST.get("grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        # RFC 6749 §5.2: the two grants we offer, nothing else (no password, no implicit).
        error = "unsupported_grant_type" if grant_type else "invalid_request"
        return _no_store(
            JsonResponse(
                {
                    "error": error,
                    "error_description": "grant_type: authorization_code or refresh_token.",
                },
                status=HTTPStatus.BAD_REQUEST,
            )
        )
    ctx = get_validator_context()
    retire = None
    if grant_type == "authorization_code":
        code = request.POST.get("code", "")
        stored = authorization_codes.lookup(_client_id(request), code) if code else None
        if stored is None:
            replayed = services.retired_grant_family(code) if code else None
            if replayed is not None:
                services.family_revoke(family=replayed, reason="code_replay")
                return _invalid_grant("Authorization code already used.")
        else:
            source = selectors.claim_source_by_sub(sub=stored["sub"], client_id=stored["client_id"])
            if source is None or not source.consented:
                authorization_codes.invalidate(stored["client_id"], code)
                return _invalid_grant("Consent withdrawn.")
            ctx.claim_source = source
            retire = (code, "code")
    elif grant_type == "refresh_token":
        value = request.POST.get("refresh_token", "")
        current = (
            selectors.tokens_with_claim_source()
            .select_for_update(of=("self",))
            .filter(type=Token.Type.REFRESH_TOKEN, hash=services.token_hash(value))
            .first()
            if value
            else None
        )
        if current is None:
            replayed = services.retired_grant_family(value) if value else None
            if replayed is not None:
                services.family_revoke(family=replayed, reason="refresh_token_replay")
                return _invalid_grant("Refresh token already used.")
        else:
            # What the validator would read again: the token, its client, its user and claims.
            ctx.locked_refresh_token = current
            ctx.claim_source = selectors.claim_source_of(current)
            if current.client is not None:
                ctx.clients[current.client_id] = current.client
            retire = (value, "refresh")
    response = _token_response(request)
    if response.status_code != HTTPStatus.OK or retire is None:
        return response
    family_id, _expires_at = ctx.token_family
    services.grant_retire(family_id=family_id, value=retire[0], kind=retire[1])
    return response


@csrf_exempt
def revoke(request: HttpRequest) -> HttpResponse:
    """allauth's revocation endpoint (RFC 7009) on our request validator: allauth's own checks
    client secrets with the password hasher, so it refused every confidential client (their
    secrets are keyed hashes, ``client_secrets``); ours also decodes Basic credentials."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    oresponse = oauth_server().create_revocation_response(*extract_params(request))
    response = convert_response(*oresponse)
    if response.status_code == HTTPStatus.UNAUTHORIZED and request.headers.get(
        "Authorization", ""
    ).lower().startswith("basic "):
        response["WWW-Authenticate"] = 'Basic realm="guichet", charset="UTF-8"'
    return _no_store(response)


@csrf_exempt
def userinfo(request: HttpRequest) -> HttpResponse:
    """allauth's userinfo endpoint (GET and POST, OIDC Core §5.3.1) on our request validator:
    the access token, its user and the claims' data in one query."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        return convert_response(*oauth_server().create_userinfo_response(*extract_params(request)))
    except errors.OAuth2Error as e:
        error = e
    if getattr(get_validator_context(), "insufficient_scope", False):
        # RFC 6750 §3.1: a valid token without the scope userinfo needs (openid).
        return _insufficient_scope()
    response = respond_json_error(request, error)
    if not request.headers.get("Authorization") and not request.POST.get("access_token"):
        # RFC 6750 §3.1: a request without credentials gets the challenge, no error code.
        response["WWW-Authenticate"] = 'Bearer realm="guichet"'
    return response


def _insufficient_scope() -> JsonResponse:
    response = JsonResponse(
        {"error": "insufficient_scope", "error_description": "The openid scope is required."},
        status=HTTPStatus.FORBIDDEN,
    )
    response["WWW-Authenticate"] = 'Bearer error="insufficient_scope", scope="openid"'
    return response


@login_required
def consents(request: HttpRequest) -> HttpResponse:
    return render(
        request, "identity/consents.html", {"services": selectors.consents_of(actor=request.user)}
    )


@login_required
@require_POST
def consent_revoke(request: HttpRequest, client_id: str) -> HttpResponse:
    client = selectors.consented_client_get_for(actor=request.user, client_id=client_id)
    services.consent_revoke(actor=request.user, client=client, ip_address=_ip(request))
    messages.success(
        request,
        _("« %(name)s » ne reçoit plus vos données ; ses accès ont été coupés.")
        % {"name": client.name},
    )
    return redirect("identity:consents")
