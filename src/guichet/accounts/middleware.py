"""Agent-specific rules applied on every request: shorter sessions, mandatory MFA."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from guichet.accounts.selectors import has_second_factor, mfa_required_for

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


class AgentMfaRequiredMiddleware:
    """An agent or admin without a second factor is sent to set one up before the back-office
    (``/backoffice/``) or the administration (``/admin/``)."""

    PROTECTED_PREFIXES = ("/backoffice/", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path_info.startswith(self.PROTECTED_PREFIXES)
            and user is not None
            and user.is_authenticated
            and mfa_required_for(user)
            and not has_second_factor(user)
        ):
            messages.warning(
                request,
                _(
                    "Votre compte d'agent doit être protégé par une double authentification "
                    "(application TOTP ou clé de sécurité) avant d'accéder à l'espace agent."
                ),
            )
            url = reverse("mfa_index") + "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        return self.get_response(request)
