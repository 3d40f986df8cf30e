"""Reads about accounts: profiles, MFA state, sessions."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import QuerySet
from django.http import Http404

from guichet.accounts.models import Dependant, Profile, User
from guichet.territory.selectors import has_agent_role

# Types that count as a second factor (recovery codes alone do not).
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def profile_of(user: User) -> Profile:
    """The profile of ``user`` (an unsaved empty one when they never filled it in)."""
    try:
        return Profile.objects.select_related("residence").get(user=user)
    except Profile.DoesNotExist:
        return Profile(user=user)


def mfa_required_for(user: User) -> bool:
    """Agents (a territory membership), staff and superusers must use a second factor: their
    role, whatever this session passed (their powers are ``territory.selectors.agent_scope``'s
    and ``core.permissions.is_platform_admin``'s)."""
    return bool(
        user.is_authenticated and (user.is_superuser or user.is_staff or has_agent_role(user))
    )


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def session_passed_second_factor(request, user: User) -> bool:
    """Whether this session's sign-in passed a second factor (TOTP, security key, passkey):
    allauth records each authentication step in the session."""
    from allauth.account.authentication import get_authentication_records

    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))


def sessions_of(user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user).order_by("-last_seen_at")


def session_get_for(*, actor: User, session_id: int) -> UserSession:
    """One of ``actor``'s own sessions; the same 404 for missing and someone else's."""
    session = UserSession.objects.filter(user=actor, pk=session_id).first()
    if session is None:
        raise Http404
    return session


def dependants_of(user: User) -> QuerySet[Dependant]:
    """The people ``user`` acts for."""
    return Dependant.objects.filter(owner=user)


def dependant_get_for(*, actor: User, dependant_id) -> Dependant:
    """One of the people ``actor`` acts for; the same 404 for missing and someone else's."""
    try:
        dependant = Dependant.objects.filter(owner=actor, pk=int(dependant_id)).first()
    except (TypeError, ValueError):
        dependant = None
    if dependant is None:
        raise Http404
    return dependant


def account_by_email(
    email: str, *, verified: bool = False, active_only: bool = False
) -> User | None:
    """The account of ``email`` (case-insensitive), or None.

    ``verified``: only through an address its owner proved they hold (allauth's
    ``EmailAddress.verified``, any of the account's addresses). Anything that *links* a case,
    a message or a right to an account asks for it: an e-mail address typed by someone else (a
    partner's payload, an agent's form, a mail's ``From``) proves nothing by itself.
    ``active_only``: leave out deactivated accounts (implied by ``verified``)."""
    email = (email or "").strip()
    if not email or "\x00" in email:
        return None
    if verified:
        from allauth.account.models import EmailAddress

        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
            .select_related("user")
            .first()
        )
        return address.user if address is not None else None
    accounts = User.objects.filter(email__iexact=email)
    if active_only:
        accounts = accounts.filter(is_active=True)
    return accounts.first()
