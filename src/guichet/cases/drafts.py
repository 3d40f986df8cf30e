"""Forms being filled in, saved page by page so the citizen can resume them."""

from __future__ import annotations

from django.db import transaction

from guichet.cases.attachments import attachment_store, files_checked
from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft
from guichet.cases.policies import draft_policy
from guichet.catalogue.models import ServiceVersion
from guichet.territory.models import Organisation


@transaction.atomic
def draft_save(
    *,
    actor,
    version: ServiceVersion,
    data: dict,
    page: str,
    draft: CaseDraft | None = None,
    commune: Organisation | None = None,
    files: dict[str, list] | None = None,
) -> CaseDraft:
    """Save a form being filled in (page by page) so the citizen can resume it."""
    if draft is not None:
        draft_policy.require_act(actor, draft, "save")
    owner = actor if getattr(actor, "is_authenticated", False) else None
    clean_files, errors = files_checked(version, files or {})
    if errors:
        raise CaseInputError(errors)
    if draft is None:
        draft = CaseDraft.objects.create(
            owner=owner, version=version, data=data, page=page, commune=commune
        )
    else:
        draft.data = data
        draft.page = page
        draft.commune = commune or draft.commune
        draft.save(update_fields=["data", "page", "commune", "updated_at"])
    for key, cleans in clean_files.items():
        for clean in cleans:
            attachment_store(clean=clean, draft=draft, field_key=key, uploaded_by=owner)
    return draft
