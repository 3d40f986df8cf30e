"""Our django-allauth account adapter: audit of failed logins, French messages."""

from allauth.account.adapter import DefaultAccountAdapter

from guichet.accounts.models import User
from guichet.core.audit import audit_log


class AccountAdapter(DefaultAccountAdapter):
    def authentication_failed(self, request, **credentials) -> None:
        """Trace a failed login (the attempted e-mail is not stored, only the account hit)."""
        email = (credentials.get("email") or credentials.get("username") or "").strip()
        target = User.objects.filter(email__iexact=email).first() if email else None
        audit_log(
            actor=None,
            action="accounts.login_failed",
            obj=target,
            ip_address=self.get_client_ip(request),
            data={"known_account": target is not None},
        )
