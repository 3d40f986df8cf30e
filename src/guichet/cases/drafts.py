"""Forms being filled in, saved page by page so the citizen can resume them.

The apps above the engine follow a draft through two signals (sent inside the transaction):
``draft_saved`` (``draft``, ``actor``, ``page``, ``page_title``, ``attachments``: the pieces
added) and ``draft_submitted`` (``draft``, ``case``: the case filed from it, before the draft
is deleted). The ``sharing`` app keeps a shared draft's history with them."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from guichet.cases.attachments import attachment_store, files_checked
from guichet.cases.errors import CaseInputError
from guichet.cases.models import CaseDraft
from guichet.cases.policies import draft_policy
from guichet.catalogue.models import ServiceVersion
from guichet.territory.models import Organisation

draft_saved = Signal()
draft_submitted = Signal()


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
    author = actor if getattr(actor, "is_authenticated", False) else None
    clean_files, errors = files_checked(version, files or {})
    if errors:
        raise CaseInputError(errors)
    if draft is None:
        draft = CaseDraft.objects.create(
            owner=author, version=version, data=data, page=page, commune=commune
        )
    else:
        draft.data = data
        draft.page = page
        draft.commune = commune or draft.commune
        draft.save(update_fields=["data", "page", "commune", "updated_at"])
    attachments = [
        attachment_store(clean=clean, draft=draft, field_key=key, uploaded_by=author)
        for key, cleans in clean_files.items()
        for clean in cleans
    ]
    title = next((p.get("title", "") for p in version.form["pages"] if p["key"] == page), "")
    saved = {"page": page, "page_title": title, "attachments": attachments}
    draft_saved.send(sender=CaseDraft, draft=draft, actor=author, **saved)
    return draft
