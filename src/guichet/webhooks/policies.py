"""Who may see and manage an organisation's webhook endpoints."""

from __future__ import annotations

from django.db.models import QuerySet

from guichet.core.policies import SYSTEM, AccessPolicy, register_policy
from guichet.territory.selectors import organisation_ids_of


class WebhookEndpointPolicy(AccessPolicy):
    """An organisation's webhook endpoints: its agents (``organisation_ids_of``: memberships
    other than the auditor's, with a second factor passed) see them and manage them; anybody
    else is told they do not exist. The object is an endpoint, or, for ``"create"``, the
    organisation a new endpoint would belong to."""

    name = "webhooks.endpoint"
    actions = frozenset({"create", "set_url", "regenerate_secret", "enable"})

    @staticmethod
    def _organisation_id(obj) -> int:
        from guichet.territory.models import Organisation

        return obj.pk if isinstance(obj, Organisation) else obj.organisation_id

    def _can_view(self, actor, obj) -> bool:
        return self._organisation_id(obj) in organisation_ids_of(actor)

    def _can_act(self, actor, obj, action: str) -> bool:
        if action not in self.actions:
            raise ValueError(f"unknown webhook endpoint action: {action!r}")
        return True

    def scope(self, actor, queryset: QuerySet) -> QuerySet:
        if actor is SYSTEM:
            return queryset
        return queryset.filter(organisation_id__in=organisation_ids_of(actor))


webhook_endpoint_policy = register_policy(WebhookEndpointPolicy())
