"""Our django-allauth account adapter: audit of failed logins, French messages."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.urls import reverse

from guichet.accounts.selectors import account_by_email
from guichet.core.audit import audit_log


class AccountAdapter(DefaultAccountAdapter):
    def authentication_failed(self, request, **credentials) -> None:
        """Trace a failed login (the attempted e-mail is not stored, only the account hit)."""
        email = (credentials.get("email") or credentials.get("username") or "").strip()
        target = account_by_email(email)
        audit_log(
            actor=None,
            action="accounts.login_failed",
            obj=target,
            ip_address=self.get_client_ip(request),
            data={"known_account": target is not None},
        )

    def get_login_redirect_url(self, request) -> str:
        """Without a ``next``: a citizen lands on their space (``/mon-espace/``); agents and
        admins keep landing on ``LOGIN_REDIRECT_URL`` (the home page and its entry points)."""
        from guichet.accounts.selectors import mfa_required_for

        if mfa_required_for(request.user):
            return super().get_login_redirect_url(request)
        return reverse("portal:dashboard")

    def get_logout_redirect_url(self, request) -> str:
        """Signed in through FranceConnect: sign out there too (with ``id_token_hint``)."""
        from guichet.accounts import franceconnect
        from guichet.accounts.views_franceconnect import SESSION_ID_TOKEN

        id_token = request.session.get(SESSION_ID_TOKEN) if hasattr(request, "session") else None
        if id_token and franceconnect.enabled():
            try:
                return franceconnect.logout_url(
                    id_token=id_token,
                    post_logout_redirect_uri=request.build_absolute_uri(
                        reverse("accounts:franceconnect_logged_out")
                    ),
                )
            except franceconnect.FranceConnectError:
                pass
        return super().get_logout_redirect_url(request)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """An agent keeps at least one second factor (TOTP or security key)."""
        from guichet.accounts.selectors import SECOND_FACTOR_TYPES, mfa_required_for

        user = authenticator.user
        if authenticator.type not in SECOND_FACTOR_TYPES or not mfa_required_for(user):
            return super().can_delete_authenticator(authenticator)
        others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exclude(
            pk=authenticator.pk
        )
        return others.exists() and super().can_delete_authenticator(authenticator)
