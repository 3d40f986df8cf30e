"""The wallet's part of a person's GDPR export and erasure."""

from __future__ import annotations

from django.db import transaction

from guichet.wallet.models import WalletDocument, WalletDocumentUse


def export(user) -> dict:
    """What the wallet holds about the person: each document's description (not the files,
    which the person downloads from their space) and the record of their uses."""
    return {
        "documents": [
            {
                "type": d.document_type,
                "title": d.title,
                "issued_on": d.issued_on.isoformat(),
                "expires_on": d.expires_on.isoformat() if d.expires_on else None,
                "health": d.is_health,
                "file_name": d.original_name,
                "created_at": d.created_at.isoformat(),
                "last_used_at": d.last_used_at.isoformat() if d.last_used_at else None,
            }
            for d in WalletDocument.objects.filter(owner=user).order_by("created_at")
        ],
        "uses": [
            {
                "type": u.document_type,
                "title": u.document_title,
                "service": u.service_name,
                "case": u.used_by_case.reference if u.used_by_case else None,
                "used_at": u.used_at.isoformat(),
            }
            for u in WalletDocumentUse.objects.filter(owner=user).select_related(
                "attachment__case", "case"
            )
        ],
    }


def erase(user) -> None:
    """Everything goes: the documents and the record of their uses now, their files once the
    erasure is committed (a rollback keeps both). The copies attached to cases follow the
    cases' own erasure."""
    documents = WalletDocument.objects.filter(owner=user)
    names = [name for name in documents.values_list("file", flat=True) if name]
    storage = WalletDocument._meta.get_field("file").storage
    documents.delete()
    WalletDocumentUse.objects.filter(owner=user).delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
