"""Reads of the wallet, scoped to the person (``policies.wallet_document_policy``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from guichet.wallet.models import WalletDocument, WalletDocumentUse
from guichet.wallet.policies import wallet_document_policy
from guichet.wallet.types import DOCUMENT_TYPES, Validity


def wallet_documents_for(*, actor) -> QuerySet[WalletDocument]:
    """The documents ``actor`` may see: theirs and those of the people they act for."""
    return wallet_document_policy.scope(
        actor, WalletDocument.objects.select_related("dependant", "owner")
    )


def wallet_document_get_for(*, actor, document_id) -> WalletDocument:
    """One document, or the same 404 for missing and not theirs."""
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        raise Http404("document") from None
    document = wallet_documents_for(actor=actor).filter(pk=document_id).first()
    if document is None:
        raise Http404("document")
    return document


@dataclass(frozen=True)
class DocumentRow:
    document: WalletDocument
    validity: Validity

    @property
    def type_label(self) -> str:
        return str(DOCUMENT_TYPES[self.document.document_type].label)

    @property
    def rule_text(self) -> str:
        return DOCUMENT_TYPES[self.document.document_type].rule_text()


def with_validity(documents, *, on: datetime.date | None = None) -> list[DocumentRow]:
    on = on or timezone.localdate()
    return [DocumentRow(document=d, validity=d.validity_on(on)) for d in documents]


def wallet_choices_for_fields(*, actor, fields: list[dict]) -> dict[str, list[DocumentRow]]:
    """For each file field of ``fields`` that names a ``document_type``, the person's documents
    of that type with their validity today (valid first), in one query."""
    wanted = {
        f["key"]: f["document_type"]
        for f in fields
        if f.get("type") == "file" and f.get("document_type") in DOCUMENT_TYPES
    }
    if not wanted or not getattr(actor, "is_authenticated", False):
        return {}
    rows = with_validity(
        wallet_documents_for(actor=actor).filter(document_type__in=set(wanted.values()))
    )
    return {
        key: sorted(
            (r for r in rows if r.document.document_type == code),
            key=lambda r: (not r.validity.valid, -r.document.issued_on.toordinal()),
        )
        for key, code in wanted.items()
    }


def wallet_uses_for(*, actor, document: WalletDocument | None = None) -> QuerySet:
    """The uses of ``actor``'s documents (of one document), newest first, with their case."""
    uses = WalletDocumentUse.objects.filter(owner=actor).select_related(
        "attachment__case", "case", "document"
    )
    if document is not None:
        uses = uses.filter(document=document)
    return uses


def wallet_uses_of_deleted(*, actor) -> QuerySet:
    return wallet_uses_for(actor=actor).filter(document__isnull=True)
