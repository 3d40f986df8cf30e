import uuid

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClaimConsent(models.Model):
    """A user agreed that a partner service (an OIDC client) receives one piece of data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_consents"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    claim = models.CharField(_("donnée"), max_length=64)
    granted_at = models.DateTimeField(_("accordé le"), default=timezone.now)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client", "claim"], name="identity_consent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.client_id}: {self.claim}"


class TokenFamily(models.Model):
    """The refresh tokens descended from one authorization code.

    Rotation replaces a refresh token at each use; presenting a replaced one again (replay)
    revokes the whole family. The family's ``expires_at`` is absolute: rotation never extends it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("famille de jetons")
        verbose_name_plural = _("familles de jetons")

    def __str__(self) -> str:
        return str(self.id)


class RetiredGrant(models.Model):
    """The hash of an authorization code or refresh token already exchanged."""

    class Kind(models.TextChoices):
        CODE = "code", _("code d'autorisation")
        REFRESH = "refresh", _("jeton de rafraîchissement")

    hash = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="retired")
    retired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("jeton consommé")
        verbose_name_plural = _("jetons consommés")

    def __str__(self) -> str:
        return f"{self.kind} {self.retired_at:%Y-%m-%d %H:%M}"
