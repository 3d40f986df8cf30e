"""Demo people who are not agents: the platform admin and two citizens. Idempotent."""

from allauth.account.models import EmailAddress

from guichet.accounts.models import User
from guichet.accounts.selectors import account_by_email
from guichet.core.demo import DEMO_PASSWORD


def demo_user(email: str, first_name: str, last_name: str, **flags) -> User:
    user = account_by_email(email)
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, first_name=first_name, last_name=last_name, **flags
        )
    else:
        changed = [k for k, v in flags.items() if getattr(user, k) != v]
        for key in changed:
            setattr(user, key, flags[key])
        if changed:
            user.save(update_fields=changed)
    # Demo people can sign in at once: their address counts as verified.
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(log) -> list[str]:
    demo_user("admin@example.org", "Ada", "Admin", is_staff=True, is_superuser=True)
    demo_user("camille.martin@example.org", "Camille", "Martin")
    demo_user("lucas.bernard@example.org", "Lucas", "Bernard")
    log("comptes : administrateur et usagers de démonstration")
    return [
        "",
        f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}",
        "  admin@example.org                        administrateur de la plateforme",
        "  camille.martin@example.org               usagère, habite Oullins",
        "  lucas.bernard@example.org                usager, habite Lyon",
        "  Agents et administrateur : à leur premier accès à l'espace agent ou à",
        "  l'administration, la double authentification (TOTP ou clé) leur est demandée.",
    ]
