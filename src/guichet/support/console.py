"""The support console: find a person, read their account's state, and help them.

Reads go through ``person_policy`` (support agents, second factor passed, citizens only) and
write access records (``core.access``); every act is a service here that checks the policy,
takes a reason, writes the audit entry the person sees in their account's history
(``account_history``), and never shows or returns a password, a secret or a recovery code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Collate, Upper
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.models import FranceConnectIdentity, PhoneNumber, User
from guichet.accounts.selectors import has_second_factor
from guichet.cases.models import Case
from guichet.core.access import AccessDoor, access_record
from guichet.core.audit import audit_log
from guichet.core.models import AuditEntry
from guichet.core.policies import PolicyDenied
from guichet.support.policies import person_policy, support_organisation_ids

SEARCH_LIMIT = 20
# A phone number's beginning: the people holding the first numbers of the index in that range.
PHONE_CANDIDATES = 200
REFERENCE = re.compile(r"^[A-Z0-9]{2,6}-\d{4}-\d+$")

ACT_LABELS = {
    "support.resend_verification": gettext_lazy("L'assistance a renvoyé l'e-mail de vérification"),
    "support.unlock": gettext_lazy("L'assistance a débloqué la connexion"),
    "support.reset_second_factor": gettext_lazy(
        "L'assistance a réinitialisé la double authentification"
    ),
    "support.end_sessions": gettext_lazy("L'assistance a fermé vos sessions"),
    "support.terms_accepted": gettext_lazy("Vous avez accepté les conditions d'utilisation"),
    "support.terms_refused": gettext_lazy("Vous avez refusé les conditions d'utilisation"),
}


class ConsoleInputError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- reads --------------------------------------------------------------------------------------


def _byte_order(expression):
    """``expression`` compared by its characters' code points (PostgreSQL's "C" collation;
    SQLite's default): the order of the console's name indexes (support migration 0004), in
    which a prefix is a range and an ``ORDER BY`` reads the index in order."""
    return Collate(expression, "C") if connection.vendor == "postgresql" else expression


def _uppers(*texts: str) -> list[str]:
    """``texts`` upper-cased as the database's ``UPPER`` does: PostgreSQL's follows the
    database's locale (one query), SQLite's changes ASCII letters only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(["UPPER(%s)"] * len(texts)), list(texts))
            return list(cursor.fetchone())
    return [text.translate(_ASCII_UPPER) for text in texts]


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _after(prefix: str) -> str:
    """The first string after every string starting with ``prefix`` (code point order)."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last < 0xE000:  # no surrogates in UTF-8
        last = 0xE000
    return prefix[:-1] + chr(min(last, 0x10FFFF))


def _starts(field: str, prefix: str) -> Q:
    """``field`` (an upper-cased, byte-ordered name) starts with ``prefix`` (upper-cased by
    ``_uppers``): a range of the index."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": _after(prefix)})


def _phone_prefixes(query: str) -> list[str]:
    """The E.164 digits (without ``+``) a typed phone number or its beginning stands for:
    ``06 12 34`` → ``3361234``, ``+33 6 12`` / ``0033 6 12`` → ``33612``; bare digits
    (``612 34``) may be a French number without its zero or an international one."""
    digits = re.sub(r"\D", "", query)
    if query.startswith("+"):
        found = [digits]
    elif digits.startswith("00"):
        found = [digits[2:]]
    elif digits.startswith("0"):
        found = ["33" + digits[1:]]
    else:
        found = ["33" + digits, digits]
    # "+33 (0)6 ..." written with the trunk zero
    return [f"33{d[3:]}" if d.startswith("330") else d for d in found if d]


def _digits_after(prefix: str) -> str | None:
    """The first digit string after every one starting with ``prefix`` (None: none)."""
    stripped = prefix.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def _phone_match(prefixes: list[str]) -> QuerySet[PhoneNumber]:
    condition = Q()
    for prefix in prefixes:
        upper = _digits_after(prefix)
        part = Q(digits__gte=prefix) & (Q(digits__lt=upper) if upper else Q())
        condition |= part
    return PhoneNumber.objects.filter(condition)


def people_search(*, actor, query: str, request=None) -> list[User]:
    """Citizens matching an e-mail, a name, a phone number or a case reference (at most
    ``SEARCH_LIMIT``); the search is recorded.

    Names: the people whose last name starts with what was typed (or, for two words or more,
    whose first and last names start with the first and last words), by last name, first
    name (upper case, character order), then those whose first name starts with it, by first
    name, last name. Each part is a range of an index in that order, read until the limit: a
    name shared by 25,000 accounts costs no more than a rare one."""
    query = (query or "").strip()[:200]
    if not query or "\x00" in query:
        return []
    people = person_policy.scope(actor, User.objects.all())
    upper = query.upper()
    if REFERENCE.match(upper):
        found = _by_name(
            people.filter(pk__in=Case.objects.filter(reference=upper).values("requester_id")[:1])
        )
    elif "@" in query:
        found = _by_name(people.filter(email__istartswith=query))
    elif re.fullmatch(r"[+\d][\d .()/-]{5,}", query):
        # The holders of the first numbers in the index (a number's beginning may be
        # shared by thousands), then by name.
        numbers = _phone_match(_phone_prefixes(query)).order_by("digits", "user_id")
        holders = list(numbers.values_list("user_id", flat=True)[:PHONE_CANDIDATES])
        found = _by_name(people.filter(pk__in=holders))
    else:
        found = _by_names(people, query)
    access_record(
        actor=actor,
        door=AccessDoor.SEARCH,
        organisation_ids=sorted(support_organisation_ids(actor)) or [None],
        request=request,
        query=f"assistance: {query}",
        count=len(found),
    )
    return found


def _keyed(people: QuerySet[User]) -> QuerySet[User]:
    return people.annotate(
        last_key=_byte_order(Upper("last_name")), first_key=_byte_order(Upper("first_name"))
    )


def _by_name(people: QuerySet[User]) -> list[User]:
    return list(_keyed(people).order_by("last_key", "first_key", "pk")[:SEARCH_LIMIT])


def _by_names(people: QuerySet[User], query: str) -> list[User]:
    keyed = _keyed(people)
    parts = query.split()
    whole, first, last = _uppers(query, parts[0], parts[-1])
    by_last = [_starts("last_key", whole)]
    if len(parts) >= 2:
        by_last.append(_starts("first_key", first) & _starts("last_key", last))
        by_last.append(_starts("last_key", first) & _starts("first_key", last))
    found: dict[int, User] = {}
    for condition in by_last:
        for person in keyed.filter(condition).order_by("last_key", "first_key", "pk")[
            :SEARCH_LIMIT
        ]:
            found[person.pk] = person
    ordered = sorted(found.values(), key=lambda p: (p.last_key, p.first_key, p.pk))
    ordered = ordered[:SEARCH_LIMIT]
    if len(ordered) < SEARCH_LIMIT:
        seen = {p.pk for p in ordered}
        by_first = keyed.filter(_starts("first_key", whole)).order_by("first_key", "last_key", "pk")
        for person in by_first[: SEARCH_LIMIT + len(seen)]:
            if person.pk not in seen and len(ordered) < SEARCH_LIMIT:
                ordered.append(person)
    return ordered


def person_get_for(*, actor, uuid) -> User:
    """A citizen the support agent may help; the same 404 for missing and out of reach."""
    person = person_policy.scope(actor, User.objects.all()).filter(uuid=uuid).first()
    if person is None:
        raise Http404
    return person


def _login_rate_keys(request, person: User) -> list[tuple[str, int, float]]:
    """(cache key, amount, duration) of the per-account rates of failed sign-ins."""
    from allauth.account.adapter import get_adapter
    from allauth.core.internal.ratelimit import get_cache_key, get_rates

    adapter = get_adapter(request)
    login_key = adapter._get_login_attempts_cache_key(request, email=person.email)
    keys = []
    for rate in get_rates(app="allauth.account", action="login_failed"):
        if rate.per == "key":
            key = get_cache_key(
                request, app="allauth.account", action="login_failed", rate=rate, key=login_key
            )
            keys.append((key, rate.amount, rate.duration))
    return keys


def sign_in_locked(request, person: User) -> bool:
    """Whether too many failed sign-ins lock the account now (allauth's rate limit)."""
    import time

    now = time.time()
    for key, amount, duration in _login_rate_keys(request, person):
        history = cache.get(key) or []
        if len([t for t in history if t > now - duration]) >= amount:
            return True
    return False


@dataclass
class AccountState:
    person: User
    email_verified: bool
    second_factor: bool
    locked: bool
    active: bool
    franceconnect: bool
    sessions: list = field(default_factory=list)
    consents: list = field(default_factory=list)


def account_state(*, actor, person: User, request) -> AccountState:
    """What the console shows of an account (no secret: states, dates, names), recorded."""
    person_policy.require_view(actor, person)
    from guichet.identity.models import ClaimConsent

    state = AccountState(
        person=person,
        email_verified=EmailAddress.objects.filter(user=person, verified=True).exists(),
        second_factor=has_second_factor(person),
        locked=sign_in_locked(request, person),
        active=person.is_active,
        franceconnect=FranceConnectIdentity.objects.filter(user=person).exists(),
        sessions=list(
            UserSession.objects.filter(user=person)
            .only("created_at", "last_seen_at", "user_agent")
            .order_by("-last_seen_at")
        ),
        consents=list(
            ClaimConsent.objects.filter(user=person)
            .select_related("client")
            .order_by("client__name", "claim")
        ),
    )
    access_record(
        actor=actor,
        door=AccessDoor.PERSON_VIEW,
        obj=person,
        organisation_ids=sorted(support_organisation_ids(actor)) or [None],
        request=request,
        query="assistance",
    )
    return state


def account_history(*, user) -> QuerySet[AuditEntry]:
    """What assistance did on ``user``'s account, and their answers to the terms (their own
    account's history page)."""
    return AuditEntry.objects.filter(
        object_type=User._meta.label_lower, object_id=str(user.pk), action__in=list(ACT_LABELS)
    ).order_by("-created_at", "-pk")


# --- acts ---------------------------------------------------------------------------------------


def _act(*, actor, person: User, act: str, reason: str, request, data: dict | None = None):
    person_policy.require_act(actor, person, act)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ConsoleInputError({"reason": _("Indiquez le motif (5 caractères au moins).")})
    audit_log(
        actor=actor,
        action=f"support.{act}",
        obj=person,
        organisation_id=min(support_organisation_ids(actor), default=None),
        ip_address=None,
        data={"reason": reason[:500], **(data or {})},
    )


@transaction.atomic
def person_resend_verification(*, actor, person: User, reason: str, request) -> None:
    """Send the e-mail verification link again (to the account's address, never elsewhere)."""
    address = EmailAddress.objects.filter(user=person, verified=False).order_by("-primary").first()
    if address is None:
        raise ConsoleInputError({"__all__": _("L'adresse e-mail de ce compte est déjà vérifiée.")})
    _act(actor=actor, person=person, act="resend_verification", reason=reason, request=request)
    transaction.on_commit(lambda: address.send_confirmation(request))


@transaction.atomic
def person_unlock(*, actor, person: User, reason: str, request) -> None:
    """Lift the lock that failed sign-ins put on the account."""
    _act(actor=actor, person=person, act="unlock", reason=reason, request=request)
    # The counters live in the cache, outside the transaction: cleared once the act is
    # recorded (a failed commit leaves the person unlocked, which is what was asked).
    cache.delete_many([key for key, _amount, _duration in _login_rate_keys(request, person)])


CHECK_CODES = {"identity_document", "case_questions", "callback"}


@transaction.atomic
def person_reset_second_factor(
    *, actor, person: User, reason: str, checks: list[str], request
) -> int:
    """Remove the account's second factors (TOTP, security keys, recovery codes) once the
    identity checks done are recorded; the person sets a new one at their next sign-in."""
    checks = sorted(set(checks or []) & CHECK_CODES)
    if not checks:
        raise ConsoleInputError({"checks": _("Cochez au moins une vérification d'identité faite.")})
    _act(
        actor=actor,
        person=person,
        act="reset_second_factor",
        reason=reason,
        request=request,
        data={"checks": checks},
    )
    deleted, _rows = Authenticator.objects.filter(user=person).delete()
    return deleted


@transaction.atomic
def person_end_sessions(*, actor, person: User, reason: str, request) -> int:
    """Sign the person out everywhere."""
    _act(actor=actor, person=person, act="end_sessions", reason=reason, request=request)
    sessions = list(UserSession.objects.filter(user=person))
    for session in sessions:
        session.end()
    return len(sessions)


ACTS = {
    "renvoyer-verification": person_resend_verification,
    "debloquer": person_unlock,
    "reinitialiser-double-authentification": person_reset_second_factor,
    "fermer-sessions": person_end_sessions,
}


def act_run(*, slug: str, **kwargs):
    act = ACTS.get(slug)
    if act is None:
        raise PolicyDenied("not_found")
    return act(**kwargs)
