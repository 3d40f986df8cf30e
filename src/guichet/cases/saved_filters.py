"""Named searches of the back-office queue."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guichet.cases.errors import CaseInputError
from guichet.cases.models import SavedFilter
from guichet.cases.policies import case_policy


@transaction.atomic
def saved_filter_create(*, actor, name: str, query: str) -> SavedFilter:
    """A named search of the back-office queue, the agent's own."""
    case_policy.require_back_office(actor)
    if not name.strip():
        raise CaseInputError({"name": _("Donnez un nom au filtre.")})
    return SavedFilter.objects.create(owner=actor, name=name.strip()[:100], query=query[:1000])
