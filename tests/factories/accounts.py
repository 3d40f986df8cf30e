"""People: citizens who can sign in, agents of a team, the platform's administrator, and the
second factor agents and admins must have before the back-office and the admin."""

import time

import factory
from allauth.account.models import EmailAddress

from guichet.territory.models import Membership, Team
from tests.factories import MembershipFactory, UserFactory


class CitizenFactory(UserFactory):
    """A person with an account whose e-mail address is verified (they can sign in)."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


class PlatformAdminFactory(CitizenFactory):
    """The platform's administrator (Django admin, OIDC clients, every organisation)."""

    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    is_staff = True
    is_superuser = True


def agent_of(team: Team, *, role: str = Membership.Role.AGENT, **fields):
    """A person with a verified e-mail and a membership of ``team`` (``role``)."""
    user = CitizenFactory(**fields)
    MembershipFactory(user=user, team=team, role=role)
    return user


def give_second_factor(user):
    """Agents and admins must have MFA before the back-office and the admin (accounts
    middleware): give ``user`` a TOTP authenticator, as if they had set it up."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def login_with_second_factor(client, user):
    """``client.force_login(user)`` as if the sign-in had passed a TOTP second factor: allauth
    keeps a record of each authentication step in the session (what the agents' API checks)."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    give_second_factor(user)
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def totp_code(user) -> str:
    """The current TOTP code of ``user``'s authenticator (what their phone app would show)."""
    from allauth.mfa import app_settings
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
