"""The audit log: one function every service calls for what must be traceable."""

from typing import Any

from django.db import models

from guichet.core.models import AuditEntry


def audit_log(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    organisation_id: int | None = None,
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record ``action`` done by ``actor`` on ``obj``. ``actor`` may be None (system)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        organisation_id=organisation_id,
        ip_address=ip_address,
        data=data or {},
    )
