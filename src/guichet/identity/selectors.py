"""Reads about partner services and what each user let them receive."""

from dataclasses import dataclass, field
from datetime import datetime

from allauth.idp.oidc.models import Client
from django.http import Http404

from guichet.identity.claims import CLAIM_LABELS
from guichet.identity.models import ClaimConsent


def consented_claims(*, user, client: Client) -> set[str]:
    return set(
        ClaimConsent.objects.filter(user=user, client=client).values_list("claim", flat=True)
    )


@dataclass
class ServiceConsent:
    client: Client
    granted_at: datetime
    claims: list[tuple[str, str]] = field(default_factory=list)  # (claim, label)


def consents_of(user) -> list[ServiceConsent]:
    """Every partner service ``user`` consented to, with the data it may receive."""
    services: dict[str, ServiceConsent] = {}
    rows = (
        ClaimConsent.objects.filter(user=user)
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


def consented_client_get_for(*, user, client_id: str) -> Client:
    """A client ``user`` consented to; the same 404 for unknown and never consented."""
    client = Client.objects.filter(
        pk=client_id, pk__in=ClaimConsent.objects.filter(user=user).values("client_id")
    ).first()
    if client is None:
        raise Http404
    return client
