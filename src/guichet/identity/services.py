"""Writes about partner services: consent, token families (rotation and replay detection)."""

from datetime import timedelta

from allauth.idp.oidc import app_settings as oidc_settings
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client, Token
from django.db import transaction
from django.utils import timezone

from guichet.core.audit import audit_log
from guichet.core.policies import checked_by_caller, policy_exempt, system_only
from guichet.identity.claims import claims_for_scopes
from guichet.identity.models import ClaimConsent, RetiredGrant, TokenFamily


@transaction.atomic
@policy_exempt("the signed-in person's own consent, given on the consent screen")
def consent_record(
    *, actor, client: Client, requested_scopes, granted_scopes, ip_address: str | None = None
) -> list[str]:
    """Record what ``actor`` agreed ``client`` receives on the consent screen.

    Claims of the granted scopes are consented; claims of requested scopes the user unticked
    are withdrawn. Returns the consented claims.
    """
    granted = claims_for_scopes(granted_scopes)
    refused = [c for c in claims_for_scopes(requested_scopes) if c not in granted]
    existing = set(
        ClaimConsent.objects.filter(user=actor, client=client).values_list("claim", flat=True)
    )
    new = [c for c in granted if c not in existing]
    ClaimConsent.objects.bulk_create(
        [ClaimConsent(user=actor, client=client, claim=claim) for claim in new],
        ignore_conflicts=True,
    )
    withdrawn = ClaimConsent.objects.filter(user=actor, client=client, claim__in=refused)
    withdrawn_claims = list(withdrawn.values_list("claim", flat=True))
    withdrawn.delete()
    if new or withdrawn_claims:
        audit_log(
            actor=actor,
            action="identity.consent_given",
            obj=client,
            ip_address=ip_address,
            data={"claims": new, "withdrawn": withdrawn_claims},
        )
    return granted


@transaction.atomic
@policy_exempt("the signed-in person's own consent")
def consent_revoke(*, actor, client: Client, ip_address: str | None = None) -> None:
    """Withdraw every consent ``actor`` gave ``client``; its tokens stop working at once."""
    claims = list(
        ClaimConsent.objects.filter(user=actor, client=client).values_list("claim", flat=True)
    )
    ClaimConsent.objects.filter(user=actor, client=client).delete()
    Token.objects.filter(user=actor, client=client).delete()
    TokenFamily.objects.filter(user=actor, client=client, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason="consent_revoked"
    )
    audit_log(
        actor=actor,
        action="identity.consent_revoked",
        obj=client,
        ip_address=ip_address,
        data={"claims": claims},
    )


@policy_exempt("a computation: writes nothing")
def token_hash(value: str) -> str:
    return get_adapter().hash_token(value)


@policy_exempt("the OIDC token endpoint: the client's authentication and the grant are the proof")
def family_start(*, user, client: Client) -> TokenFamily:
    lifetime = oidc_settings.REFRESH_TOKEN_EXPIRES_IN
    return TokenFamily.objects.create(
        user=user,
        client=client,
        expires_at=timezone.now() + timedelta(seconds=lifetime) if lifetime else None,
    )


@policy_exempt("the OIDC token endpoint: the client's authentication and the grant are the proof")
def grant_retire(*, family_id, value: str, kind: str) -> None:
    """Remember that ``value`` (a code or refresh token of ``family_id``) was exchanged: one
    INSERT, a second retirement of the same value is a no-op."""
    RetiredGrant.objects.bulk_create(
        [RetiredGrant(hash=token_hash(value), family_id=family_id, kind=kind)],
        ignore_conflicts=True,
    )


@policy_exempt("the OIDC token endpoint revoking a replayed grant")
def family_revoke(*, family: TokenFamily, reason: str) -> None:
    """Revoke every token of ``family`` (replay of a code or refresh token, reuse...)."""
    Token.objects.filter(user_id=family.user_id, client_id=family.client_id).filter(
        data__family=str(family.pk)
    ).delete()
    if family.revoked_at is None:
        family.revoked_at = timezone.now()
        family.revoked_reason = reason
        family.save(update_fields=["revoked_at", "revoked_reason"])
    audit_log(
        actor=None,
        action="identity.token_family_revoked",
        obj=family.client,
        data={"reason": reason, "family": str(family.pk), "user_id": family.user_id},
    )


@policy_exempt("a read by a token's hash: the token is the proof")
def retired_grant_family(value: str) -> TokenFamily | None:
    grant = RetiredGrant.objects.select_related("family").filter(hash=token_hash(value)).first()
    return grant.family if grant else None


@system_only("the periodic sweep of expired token families")
def families_sweep_expired() -> int:
    """Forget families past their absolute expiry (and their retired hashes)."""
    deleted, _ = TokenFamily.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


@checked_by_caller("accounts.services.account_export")
def identity_export(user) -> dict:
    from guichet.identity.selectors import consents_of

    return {
        "services_partenaires": [
            {
                "service": entry.client.name,
                "identifiant_client": entry.client.pk,
                "consenti_le": entry.granted_at.isoformat(),
                "donnees": [claim for claim, _label in entry.claims],
            }
            for entry in consents_of(actor=user)
        ]
    }


@checked_by_caller("accounts.services.account_delete")
def identity_erase(user) -> None:
    ClaimConsent.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    TokenFamily.objects.filter(user=user).delete()


@transaction.atomic
@system_only("the oidc_issue_tokens management command")
def tokens_issue_by_operator(*, client: Client, user, scopes: list[str], count: int = 1) -> list:
    """Issue ``count`` independent token families (access + refresh) to ``client`` for
    ``user``, without the browser flow: for partner integration tests and benchmarks run by
    an operator with shell access. The consent is recorded as given by the operator and
    audited as such; the tokens behave exactly like ones from the code flow.
    """
    import secrets

    if not set(scopes) <= set(client.get_scopes()) or "openid" not in scopes:
        raise ValueError(f"Scopes not allowed for {client.pk}: {scopes}")
    granted = consent_record(
        actor=user, client=client, requested_scopes=scopes, granted_scopes=scopes
    )
    audit_log(
        actor=None,
        action="identity.tokens_issued_by_operator",
        obj=client,
        data={"user_id": user.pk, "claims": granted, "count": count},
    )
    now = timezone.now()
    issued = []
    for _ in range(count):
        family = family_start(user=user, client=client)
        access, refresh = secrets.token_urlsafe(64), secrets.token_urlsafe(64)
        expires_in = oidc_settings.ACCESS_TOKEN_EXPIRES_IN
        for value, kind, expires_at in (
            (access, Token.Type.ACCESS_TOKEN, now + timedelta(seconds=expires_in)),
            (refresh, Token.Type.REFRESH_TOKEN, family.expires_at),
        ):
            token = Token(client=client, user=user, type=kind, expires_at=expires_at)
            token.set_value(value)
            token.set_scopes(scopes)
            token.data = {"family": str(family.pk)}
            token.save()
        issued.append({"access_token": access, "refresh_token": refresh, "expires_in": expires_in})
    return issued
