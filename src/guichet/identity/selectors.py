"""Reads about partner services and what each user let them receive."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from allauth.account.models import EmailAddress
from allauth.idp.oidc.models import Client, Token
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.http import Http404

from guichet.identity.claims import CLAIM_LABELS, CONSENTABLE_CLAIMS
from guichet.identity.models import ClaimConsent


def consented_claims(*, actor, client: Client) -> set[str]:
    return set(
        ClaimConsent.objects.filter(user=actor, client=client).values_list("claim", flat=True)
    )


@dataclass(frozen=True)
class ClaimSource:
    """Everything the claims of ``user`` for ``client`` are made of, read in one query."""

    user: object
    client_id: str
    profile: object | None
    consented: frozenset[str]
    primary_email: str | None
    primary_email_verified: bool


def _consent_mask(user_ref: str, client) -> Subquery:
    """The claims consented, as a bit mask (one bit per claim of ``CONSENTABLE_CLAIMS``);
    ``client`` is the outer query's client column (an ``OuterRef``) or a client id."""
    bits = [When(claim=name, then=Value(1 << i)) for i, name in enumerate(CONSENTABLE_CLAIMS)]
    rows = (
        ClaimConsent.objects.filter(user_id=OuterRef(user_ref), client_id=client)
        .order_by()
        .values("user_id")
        .annotate(mask=Sum(Case(*bits, default=Value(0), output_field=IntegerField())))
        .values("mask")
    )
    return Subquery(rows[:1], output_field=IntegerField())


def _primary_email(user_ref: str, column: str) -> Subquery:
    rows = EmailAddress.objects.filter(user_id=OuterRef(user_ref), primary=True).order_by()
    return Subquery(rows.values(column)[:1])


def tokens_with_claim_source() -> QuerySet[Token]:
    """Tokens with their user, client, profile, consent and primary e-mail in the same row:
    what the token endpoint and userinfo need, in one query (see ``claim_source_of``)."""
    # A fresh clone of a queryset built once per process: resolving its subqueries is most of
    # the cost of the query (the database answers in a fraction of a millisecond).
    return _tokens_with_claim_source().all()


@lru_cache(maxsize=1)
def _tokens_with_claim_source() -> QuerySet[Token]:
    # The commune of residence is read only when the commune claim is released (rare): its
    # join costs every call more than the extra query costs those few.
    return (
        Token.objects.select_related("client", "user__profile")
        .annotate(
            consent_mask=_consent_mask("user_id", OuterRef("client_id")),
            primary_email=_primary_email("user_id", "email"),
            primary_email_verified=_primary_email("user_id", "verified"),
        )
        .order_by()
    )


def claim_source_of(token: Token) -> ClaimSource:
    """The claim source of a token read through ``tokens_with_claim_source``."""
    return _source(token.user, token.client_id, token)


def _users_with_claim_source(client_id: str):
    from guichet.accounts.models import User

    return User.objects.select_related("profile__residence").annotate(
        consent_mask=_consent_mask("pk", client_id),
        primary_email=_primary_email("pk", "email"),
        primary_email_verified=_primary_email("pk", "verified"),
    )


def claim_source(*, user, client: Client) -> ClaimSource:
    """The claim source of ``user`` for ``client`` (one query)."""
    row = _users_with_claim_source(client.pk).get(pk=user.pk)
    return _source(row, client.pk, row)


def claim_source_by_sub(*, sub: str, client_id: str) -> ClaimSource | None:
    """The claim source of the active account whose OIDC ``sub`` is ``sub`` (one query)."""
    try:
        row = _users_with_claim_source(client_id).filter(uuid=sub, is_active=True).first()
    except (ValueError, TypeError, ValidationError):  # not a UUID
        return None
    return _source(row, client_id, row) if row is not None else None


def _source(user, client_id: str, row) -> ClaimSource:
    mask = row.consent_mask or 0
    try:
        profile = user.profile
    except user.__class__.profile.RelatedObjectDoesNotExist:
        profile = None
    return ClaimSource(
        user=user,
        client_id=client_id,
        profile=profile,
        consented=frozenset(name for i, name in enumerate(CONSENTABLE_CLAIMS) if mask & (1 << i)),
        primary_email=row.primary_email,
        primary_email_verified=bool(row.primary_email_verified),
    )


@dataclass
class ServiceConsent:
    client: Client
    granted_at: datetime
    claims: list[tuple[str, str]] = field(default_factory=list)  # (claim, label)


def consents_of(*, actor) -> list[ServiceConsent]:
    """Every partner service ``actor`` consented to, with the data it may receive."""
    services: dict[str, ServiceConsent] = {}
    rows = (
        ClaimConsent.objects.filter(user=actor)
        .select_related("client")
        .order_by("client__name", "granted_at")
    )
    for row in rows:
        entry = services.setdefault(
            row.client_id, ServiceConsent(client=row.client, granted_at=row.granted_at)
        )
        entry.granted_at = max(entry.granted_at, row.granted_at)
        entry.claims.append((row.claim, str(CLAIM_LABELS.get(row.claim, row.claim))))
    return list(services.values())


def consented_client_get_for(*, actor, client_id: str) -> Client:
    """A client ``actor`` consented to; the same 404 for unknown and never consented."""
    client = Client.objects.filter(
        pk=client_id, pk__in=ClaimConsent.objects.filter(user=actor).values("client_id")
    ).first()
    if client is None:
        raise Http404
    return client


def token_passed_second_factor(token: Token) -> bool:
    """Whether the sign-in an access token descends from passed a second factor."""
    return "mfa" in ((token.data or {}).get("auth") or {}).get("amr", ())
