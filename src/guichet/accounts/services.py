"""Writes about accounts: profile, sessions, GDPR export and erasure."""

from datetime import date
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.accounts.models import Dependant, PhoneNumber, Profile, User
from guichet.accounts.selectors import dependants_of, profile_of, sessions_of
from guichet.core.audit import audit_log
from guichet.core.gdpr import gdpr_parts
from guichet.core.models import AuditEntry
from guichet.core.policies import checked_by_caller, policy_exempt

PROFILE_FIELDS = (
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "address_lat",
    "address_lon",
)


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def profile_update(
    *, actor: User, user: User, data: dict[str, Any], phone_numbers: list[str]
) -> Profile:
    """Save the editable profile of ``user``.

    The commune of residence is the one chosen; when none is chosen and the address has a
    point, it is the commune containing that point. Certified names are never overwritten.
    """
    from guichet.territory.selectors import commune_at

    if actor.pk != user.pk:
        raise PermissionError("A profile is edited by its owner only.")
    profile = profile_of(user)
    if not profile.is_certified:
        user.first_name = data["first_name"].strip()
        user.last_name = data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
    for name in PROFILE_FIELDS:
        value = data.get(name)
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    residence = data.get("residence")
    if residence is None and profile.address_lat is not None and profile.address_lon is not None:
        residence = commune_at(lat=profile.address_lat, lon=profile.address_lon)
    profile.residence = residence
    profile.phone_numbers = phone_numbers
    profile.save()
    _phone_index_write(user, phone_numbers)
    audit_log(actor=actor, action="accounts.profile_updated", obj=user)
    return profile


def _phone_index_write(user: User, phone_numbers: list[str]) -> None:
    """Rewrite ``user``'s rows of the phone index (``PhoneNumber``) from their E.164 numbers."""
    digits = sorted({"".join(c for c in n if c.isdigit())[:15] for n in phone_numbers} - {""})
    PhoneNumber.objects.filter(user=user).exclude(digits__in=digits).delete()
    have = set(PhoneNumber.objects.filter(user=user).values_list("digits", flat=True))
    PhoneNumber.objects.bulk_create(
        [PhoneNumber(user=user, digits=d) for d in digits if d not in have]
    )


@transaction.atomic
@policy_exempt("the person's own profile (their residence; demo data and imports)")
def profile_set_residence(*, user: User, residence) -> Profile:
    """Set the commune of residence (demo data, imports)."""
    profile = profile_of(user)
    profile.residence = residence
    profile.save()
    return profile


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def session_end(*, actor: User, session: UserSession, ip_address: str | None = None) -> None:
    """End one of ``actor``'s sessions (the browser using it is signed out at once)."""
    if session.user_id != actor.pk:
        raise PermissionError("Not your session.")
    audit_log(
        actor=actor,
        action="accounts.session_ended",
        obj=actor,
        ip_address=ip_address,
        data={"session": session.pk},
    )
    session.end()


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@checked_by_caller("account_export")
def accounts_export(user: User) -> dict[str, Any]:
    """The accounts part of the GDPR export: identity, profile, e-mails, factors, sessions."""
    profile = profile_of(user)
    return {
        "identifiant": str(user.uuid),
        "email": user.email,
        "prenom": user.first_name,
        "nom": user.last_name,
        "inscrit_le": _iso(user.date_joined),
        "derniere_connexion": _iso(user.last_login),
        "adresses_email": [
            {"email": a.email, "verifiee": a.verified, "principale": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
        "profil": {
            "adresse": {
                "ligne1": profile.address_line1,
                "ligne2": profile.address_line2,
                "code_postal": profile.postal_code,
                "ville": profile.city,
                "pays": profile.country,
                "latitude": profile.address_lat,
                "longitude": profile.address_lon,
            },
            "commune_de_residence": (
                {"nom": profile.residence.name, "insee": profile.residence.insee_code}
                if profile.residence
                else None
            ),
            "telephones": list(profile.phone_numbers or []),
            "identite_certifiee": {
                "nom_de_naissance": profile.birth_last_name,
                "prenoms": profile.given_names,
                "sexe": profile.gender,
                "date_de_naissance": _iso(profile.birthdate),
                "lieu_de_naissance": profile.birthplace,
                "pays_de_naissance": profile.birthcountry,
                "certifiee_le": _iso(profile.certified_at),
                "certifiee_par": profile.certified_by,
            },
        },
        "personnes_representees": [
            {
                "prenom": d.first_name,
                "nom": d.last_name,
                "date_de_naissance": _iso(d.birth_date),
                "lien": d.relationship,
                "compte_lie": str(d.account.uuid) if d.account is not None else None,
                "ajoutee_le": _iso(d.created_at),
            }
            for d in dependants_of(user).select_related("account")
        ],
        "represente_par": [
            {"prenom": d.owner.first_name, "nom": d.owner.last_name, "lien": d.relationship}
            for d in Dependant.objects.filter(account=user).select_related("owner")
        ],
        "franceconnect": hasattr(user, "franceconnect"),
        "double_authentification": [
            {"type": a.type, "ajoute_le": _iso(a.created_at)}
            for a in Authenticator.objects.filter(user=user)
        ],
        "sessions": [
            {
                "ip": s.ip,
                "navigateur": s.user_agent,
                "ouverte_le": _iso(s.created_at),
                "derniere_activite": _iso(s.last_seen_at),
            }
            for s in sessions_of(user)
        ],
        "journal": [
            {"date": _iso(e.created_at), "action": e.action, "ip": e.ip_address}
            for e in AuditEntry.objects.filter(actor=user).order_by("created_at")[:1000]
        ],
    }


@checked_by_caller("account_delete")
def accounts_erase(user: User) -> None:
    """Everything the accounts app holds that would survive the deletion of the user row.

    Sessions (allauth indexes every authenticated session), admin history about the user,
    and the personal data in audit entries (the entries stay, anonymised: what happened and
    when is kept, not who).
    """
    for session in UserSession.objects.filter(user=user):
        session.end()
    # The people the user acted for (their names are a third person's data); links from
    # other users' lists to this account are cut (the FK is SET_NULL).
    Dependant.objects.filter(owner=user).delete()
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).delete()
    needles = [user.email]
    if user.get_full_name():
        needles.append(user.get_full_name())
    text_match = Q()
    for needle in needles:
        text_match |= Q(data_text__icontains=needle)
    entries = AuditEntry.objects.annotate(data_text=Cast("data", TextField())).filter(
        Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk)) | text_match
    )
    entries.update(data={"anonymised": True}, ip_address=None)


@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def account_export(*, user: User) -> dict[str, Any]:
    """The whole GDPR export of ``user``: one JSON document with every registered app part."""
    document: dict[str, Any] = {
        "format": "guichet-export-rgpd/1",
        "exporte_le": timezone.now().isoformat(),
    }
    for part in gdpr_parts():
        document[part.name] = part.export(user)
    audit_log(actor=user, action="accounts.data_exported", obj=user)
    return document


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def account_delete(*, actor: User, user: User, ip_address: str | None = None) -> None:
    """Erase ``user``: every app's erase part, then the account itself (and by cascade its
    e-mail addresses, factors, profile, tokens and consents). Irreversible."""
    if actor.pk != user.pk:
        raise PermissionError("An account is deleted by its owner only.")
    user_id = user.pk
    # Last registered first: an app's part may find the person's rows through an app it
    # builds on (public-space reports through their cases), which forgets her afterwards.
    for part in reversed(gdpr_parts()):
        if part.erase is not None:
            part.erase(user)
    user.delete()
    audit_log(
        actor=None,
        action="accounts.account_deleted",
        ip_address=None,
        data={"user_id": user_id},
    )


def _parse_date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
@checked_by_caller("franceconnect_link", "franceconnect_signup")
def franceconnect_certify(*, user: User, identity) -> Profile:
    """Copy FranceConnect's identity block into the profile; it becomes read-only there."""
    profile = profile_of(user)
    profile.birth_last_name = identity.family_name
    profile.given_names = identity.given_name
    profile.gender = identity.gender if identity.gender in Profile.Gender.values else ""
    profile.birthdate = _parse_date(identity.birthdate)
    profile.birthplace = identity.birthplace[:5]
    profile.birthcountry = identity.birthcountry[:5]
    profile.certified_at = timezone.now()
    profile.certified_by = "FranceConnect"
    profile.save()
    first = identity.given_name.split(" ")[0] if identity.given_name else user.first_name
    last = identity.preferred_username or identity.family_name or user.last_name
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return profile


class FranceConnectLinkRefused(Exception):
    """The FranceConnect identity may not be linked to this account (the message says why)."""


def _same_person(profile: Profile, identity) -> bool:
    return (
        profile.birth_last_name.casefold() == identity.family_name.casefold()
        and profile.given_names.casefold() == identity.given_name.casefold()
        and profile.birthdate == _parse_date(identity.birthdate)
    )


@policy_exempt("the door proved the FranceConnect identity (signed proof) for the signed-in person")
def franceconnect_link(*, user: User, identity, proof: str, ip_address: str | None = None) -> None:
    """Attach a FranceConnect identity to ``user`` and certify the profile with it.

    Only once the person has proved the account is theirs (``proof``: ``signup`` for an
    account FranceConnect just created, ``password`` when they signed in to it, ``email`` for
    a fresh link sent to its address): an identity provider's e-mail claim alone is no proof.
    An account linked to another FranceConnect identity, or certified as someone else, is
    never re-linked or overwritten: FranceConnectLinkRefused (and an audit entry).
    """
    reason = _franceconnect_link_recorded(
        user=user, identity=identity, proof=proof, ip_address=ip_address
    )
    if reason:
        audit_log(
            actor=user,
            action="accounts.franceconnect_link_refused",
            obj=user,
            ip_address=ip_address,
            data={"reason": reason, "proof": proof},
        )
        raise FranceConnectLinkRefused(
            _(
                "Ce compte est déjà rattaché à une autre identité certifiée : il ne peut pas "
                "être lié à celle-ci. Contactez le support si c'est une erreur."
            )
        )


@transaction.atomic
def _franceconnect_link_recorded(*, user: User, identity, proof: str, ip_address) -> str:
    """Link and certify under the account's row lock; returns why not ("" when linked)."""
    from guichet.accounts.models import FranceConnectIdentity

    user = User.objects.select_for_update().get(pk=user.pk)
    current = FranceConnectIdentity.objects.filter(user=user).first()
    profile = profile_of(user)
    if current is not None and current.sub != identity.sub:
        return "linked to another identity"
    if profile.is_certified and current is None and not _same_person(profile, identity):
        return "certified as another person"
    FranceConnectIdentity.objects.update_or_create(
        user=user, defaults={"sub": identity.sub, "last_login_at": timezone.now()}
    )
    franceconnect_certify(user=user, identity=identity)
    audit_log(
        actor=user,
        action="accounts.franceconnect_linked",
        obj=user,
        ip_address=ip_address,
        data={"proof": proof},
    )
    return ""


@transaction.atomic
@policy_exempt("a new account from an identity FranceConnect vouched for")
def franceconnect_signup(*, identity, ip_address: str | None = None) -> User:
    """A new account from a FranceConnect identity (no password; its e-mail is verified by
    the identity provider behind FranceConnect)."""
    user = User.objects.create_user(identity.email, None)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    franceconnect_link(user=user, identity=identity, proof="signup", ip_address=ip_address)
    return user


# --- People the user acts for ---------------------------------------------------------------

MAX_DEPENDANTS = 20
_OLDEST_BIRTH_DATE = date(1900, 1, 1)


def _age(birth_date: date, today: date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@policy_exempt("a computation: writes nothing")
def dependant_problems(
    *, relationship: str, birth_date: date | None, today: date
) -> dict[str, str]:
    """What is wrong with a person the user acts for (field -> French message).

    A child is a minor (parental authority ends at 18); guardianship and curatorship are
    measures for adults; anyone may be helped by an aidant.
    """
    problems: dict[str, str] = {}
    if relationship not in Dependant.Relationship.values:
        problems["relationship"] = _("Choisissez le lien qui vous unit à cette personne.")
    if birth_date is None:
        problems["birth_date"] = _("Indiquez la date de naissance.")
        return problems
    if birth_date > today:
        problems["birth_date"] = _("La date de naissance ne peut pas être dans le futur.")
    elif birth_date < _OLDEST_BIRTH_DATE:
        problems["birth_date"] = _("Vérifiez l'année de naissance.")
    elif relationship == Dependant.Relationship.CHILD and _age(birth_date, today) >= 18:
        problems["birth_date"] = _(
            "Un enfant majeur ne peut plus être représenté à ce titre : choisissez "
            "« personne aidée » ou la mesure de protection qui s'applique."
        )
    elif (
        relationship in (Dependant.Relationship.GUARDIANSHIP, Dependant.Relationship.CURATORSHIP)
        and _age(birth_date, today) < 18
    ):
        problems["birth_date"] = _("La tutelle et la curatelle concernent des personnes majeures.")
    return problems


def _dependant_check(*, owner: User, dependant: Dependant) -> None:
    dependant.first_name = dependant.first_name.strip()
    dependant.last_name = dependant.last_name.strip()
    problems = dependant_problems(
        relationship=dependant.relationship,
        birth_date=dependant.birth_date,
        today=timezone.localdate(),
    )
    if not dependant.first_name:
        problems["first_name"] = _("Indiquez le prénom.")
    if not dependant.last_name:
        problems["last_name"] = _("Indiquez le nom.")
    same = Dependant.objects.filter(
        owner=owner,
        first_name__iexact=dependant.first_name,
        last_name__iexact=dependant.last_name,
        birth_date=dependant.birth_date,
    ).exclude(pk=dependant.pk)
    if not problems and same.exists():
        problems["__all__"] = _("Cette personne est déjà dans votre liste.")
    if problems:
        raise ValidationError(problems)


def _dependant_audit(dependant: Dependant) -> dict:
    # Who the user acts for is personal data of a third person: the log keeps the link, not
    # the name (the account deletion anonymises the user's entries anyway).
    return {"dependant": dependant.pk, "relationship": dependant.relationship}


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def dependant_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    birth_date: date,
    relationship: str,
) -> Dependant:
    """Add someone ``actor`` acts for. Raises ValidationError (field -> message)."""
    # Locks the owner's row: two concurrent additions cannot both pass the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    if Dependant.objects.filter(owner=actor).count() >= MAX_DEPENDANTS:
        raise ValidationError(
            {
                "__all__": _("Vous ne pouvez pas représenter plus de %(n)d personnes.")
                % {"n": MAX_DEPENDANTS}
            }
        )
    dependant = Dependant(
        owner=actor,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        relationship=relationship,
    )
    _dependant_check(owner=actor, dependant=dependant)
    dependant.save()
    audit_log(
        actor=actor, action="accounts.dependant_added", obj=actor, data=_dependant_audit(dependant)
    )
    return dependant


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def dependant_update(
    *,
    actor: User,
    dependant: Dependant,
    first_name: str,
    last_name: str,
    birth_date: date,
    relationship: str,
) -> Dependant:
    """Correct someone ``actor`` acts for (``dependant`` from ``dependant_get_for``)."""
    if dependant.owner_id != actor.pk:
        raise PermissionDenied
    dependant.first_name, dependant.last_name = first_name, last_name
    dependant.birth_date, dependant.relationship = birth_date, relationship
    _dependant_check(owner=actor, dependant=dependant)
    dependant.save(
        update_fields=["first_name", "last_name", "birth_date", "relationship", "updated_at"]
    )
    audit_log(
        actor=actor,
        action="accounts.dependant_updated",
        obj=actor,
        data=_dependant_audit(dependant),
    )
    return dependant


@transaction.atomic
@policy_exempt("the signed-in person's own account (request.user), checked to be theirs")
def dependant_delete(*, actor: User, dependant: Dependant) -> None:
    """Remove someone from the people ``actor`` acts for. Cases already filed for them keep
    the name they were filed with (a snapshot on the case)."""
    if dependant.owner_id != actor.pk:
        raise PermissionDenied
    data = _dependant_audit(dependant)
    dependant.delete()
    audit_log(actor=actor, action="accounts.dependant_removed", obj=actor, data=data)
