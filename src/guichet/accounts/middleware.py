"""Agent-specific rules applied on every request: shorter sessions, mandatory MFA."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from guichet.accounts.selectors import has_second_factor, mfa_required_for

_SESSION_KIND = "guichet_session_kind"


class AgentSessionMiddleware:
    """Agents' and admins' sessions last ``AGENT_SESSION_AGE`` (8 h), citizens' the default.

    Decided once per session (the first authenticated request, i.e. right after login), so it
    covers every way in: password, passkey, FranceConnect, admin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and _SESSION_KIND not in request.session:
            if mfa_required_for(user):
                request.session.set_expiry(settings.AGENT_SESSION_AGE)
                request.session[_SESSION_KIND] = "agent"
            else:
                request.session[_SESSION_KIND] = "citizen"
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
