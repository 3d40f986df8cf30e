"""Authentication events from django-allauth, forwarded to the audit log.

allauth announces these events only through signals; the receivers do nothing but record them.
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from guichet.core.audit import audit_log


def _ip(request) -> str | None:
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter().get_client_ip(request)
    except Exception:  # noqa: BLE001 - an unparsable proxy header must not break a login
        return None


@receiver(account_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(actor=user, action="accounts.login", obj=user, ip_address=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(actor=user, action="accounts.logout", obj=user, ip_address=_ip(request))


@receiver(account_signals.password_changed)
@receiver(account_signals.password_set)
@receiver(account_signals.password_reset)
def _password_changed(sender, request, user, **kwargs):
    audit_log(actor=user, action="accounts.password_changed", obj=user, ip_address=_ip(request))


@receiver(account_signals.email_changed)
def _email_changed(sender, request, user, **kwargs):
    audit_log(actor=user, action="accounts.email_changed", obj=user, ip_address=_ip(request))


def _mfa_audit(action: str, request, user, authenticator) -> None:
    audit_log(
        actor=user,
        action=action,
        obj=user,
        ip_address=_ip(request),
        data={"type": authenticator.type},
    )


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    _mfa_audit("accounts.mfa_added", request, user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    _mfa_audit("accounts.mfa_removed", request, user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    _mfa_audit("accounts.mfa_reset", request, user, authenticator)
