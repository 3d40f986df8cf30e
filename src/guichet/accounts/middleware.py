"""Agent-specific rules applied on every request: shorter sessions, powers only with a second
factor passed."""

import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from guichet.accounts.selectors import (
    has_second_factor,
    mfa_required_for,
    session_passed_second_factor,
)
from guichet.core.permissions import second_factor_mark, second_factor_marked
from guichet.core.policies import PolicyDenied

_SESSION_KIND = "guichet_session_kind"
_SESSION_DEADLINE = "guichet_session_deadline"


class AgentSessionMiddleware:
    """Agents' and admins' sessions last at most ``AGENT_SESSION_AGE`` (8 h); citizens' the
    default (``SESSION_COOKIE_AGE``, or until the browser closes).

    Decided once per session, at its first authenticated request (right after login), so it
    covers every way in: password, passkey, FranceConnect, admin. The agent's deadline is kept
    in the session and enforced on each request, "remember me" or not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            if _SESSION_KIND not in session:
                if mfa_required_for(user):
                    session[_SESSION_KIND] = "agent"
                    session[_SESSION_DEADLINE] = time.time() + settings.AGENT_SESSION_AGE
                    if not session.get_expire_at_browser_close():
                        session.set_expiry(settings.AGENT_SESSION_AGE)
                else:
                    session[_SESSION_KIND] = "citizen"
            elif time.time() > session.get(_SESSION_DEADLINE, float("inf")):
                logout(request)
                messages.info(
                    request,
                    _("Votre session d'agent a expiré. Reconnectez-vous pour continuer."),
                )
        return self.get_response(request)


class SecondFactorMiddleware:
    """Marks the request's user with whether this session's sign-in passed a second factor.

    Agents' and admins' powers depend on that mark (``core.permissions.powers_granted``, asked
    by ``territory.selectors.agent_scope`` and ``is_platform_admin``): a session without an
    ``mfa`` authentication record (allauth's) holds no power over what an organisation holds,
    whatever the URL. This includes a session in which the agent set up their factor after
    signing in: they pass it once (``mfa_reauthenticate``) to get their powers.

    Convenience only (the refusal is the doors' own 404/403): an agent or admin refused
    without a second factor is sent to set one up or to pass it, then back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            second_factor_mark(user, passed=session_passed_second_factor(request, user))
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (Http404, PermissionDenied, PolicyDenied)):
            return second_factor_redirect(request)
        return None


def second_factor_redirect(request) -> HttpResponse | None:
    """For an agent or admin whose session did not pass a second factor: a redirect to set one
    up (none yet) or to pass it (``mfa_reauthenticate``), coming back here afterwards; None for
    anybody else."""
    user = getattr(request, "user", None)
    if not (
        user is not None
        and user.is_authenticated
        and second_factor_marked(user) is False
        and mfa_required_for(user)
    ):
        return None
    if has_second_factor(user):
        messages.warning(
            request,
            _(
                "Confirmez votre double authentification (application TOTP ou clé de sécurité) "
                "pour accéder à l'espace agent."
            ),
        )
        target = "mfa_reauthenticate"
    else:
        messages.warning(
            request,
            _(
                "Votre compte d'agent doit être protégé par une double authentification "
                "(application TOTP ou clé de sécurité) avant d'accéder à l'espace agent."
            ),
        )
        target = "mfa_index"
    next_url = request.get_full_path() if request.method == "GET" else "/"
    return redirect(reverse(target) + "?" + urlencode({"next": next_url}))


def admin_login_second_factor(login_view):
    """The admin's login view, which the admin shows staff it refuses: a staff member signed in
    without a second factor is sent to pass one instead (``second_factor_redirect``)."""

    @wraps(login_view)
    def view(request, *args, **kwargs):
        return second_factor_redirect(request) or login_view(request, *args, **kwargs)

    return view
