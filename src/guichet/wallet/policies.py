"""Who sees a wallet document: its owner, and whoever acts for the owner (an
``accounts.Dependant`` of theirs linked to the owner's account by a platform admin). Nobody
else: agents never browse a wallet, they see only the copy attached to a case (cases' own
rules); the platform admin has no door here either."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from guichet.accounts.models import Dependant
from guichet.core.policies import AccessPolicy, PolicyDenied, register_policy

#: what the owner may do; a representative may use a document for the person, not delete it
OWNER_ACTIONS = {"use", "delete", "download"}
REPRESENTATIVE_ACTIONS = {"use", "download"}


def represented_account_ids(actor) -> list[int]:
    return list(
        Dependant.objects.filter(owner=actor, account__isnull=False).values_list(
            "account_id", flat=True
        )
    )


class WalletDocumentPolicy(AccessPolicy):
    """Owner and representatives of the owner only (``scope`` and ``can_view`` agree)."""

    name = "wallet.document"

    def _can_view(self, actor, obj) -> bool:
        if not getattr(actor, "is_authenticated", False):
            return False
        return obj.owner_id == actor.pk or obj.owner_id in represented_account_ids(actor)

    def _can_act(self, actor, obj, action: str) -> bool:
        if obj.owner_id == actor.pk:
            return action in OWNER_ACTIONS
        return action in REPRESENTATIVE_ACTIONS

    def require_add(self, actor) -> None:
        """A document is added to the actor's own wallet: a signed-in person's."""
        if not getattr(actor, "is_authenticated", False):
            raise PolicyDenied("not_found")

    def can_add_about(self, actor, dependant) -> bool:
        """Whether ``actor`` may keep a document about ``dependant``: one they act for."""
        return bool(getattr(actor, "is_authenticated", False) and dependant.owner_id == actor.pk)

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if getattr(actor, "is_system", False):
            return queryset
        if not getattr(actor, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(Q(owner=actor) | Q(owner_id__in=represented_account_ids(actor)))


wallet_document_policy = register_policy(WalletDocumentPolicy())
