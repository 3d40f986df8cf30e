"""Wallet API, mounted at /api/v1/wallet/: the person's documents with their validity today,
for the mobile app's picker (their ids go in ``wallet_documents`` of ``POST /api/v1/cases/``)."""

from __future__ import annotations

import datetime

from ninja import Router, Schema

from guichet.identity.api_auth import citizen_read_auth
from guichet.wallet.selectors import wallet_documents_for, with_validity

router = Router(tags=["wallet"])


class WalletDocumentOut(Schema):
    id: int
    document_type: str
    type_label: str
    title: str
    issued_on: datetime.date
    expires_on: datetime.date | None
    health: bool
    valid: bool
    valid_until: datetime.date | None
    #: why it is not valid today (French), empty when valid
    reason: str
    #: the antivirus verdict: only a "clean" document can be used
    scan_state: str
    mine: bool


@router.get(
    "/documents",
    auth=citizen_read_auth,
    response=list[WalletDocumentOut],
    summary="Mon porte-documents",
)
def wallet_documents(request, document_type: str = ""):
    documents = wallet_documents_for(actor=request.auth)
    if document_type:
        documents = documents.filter(document_type=document_type[:40])
    return [
        {
            "id": row.document.pk,
            "document_type": row.document.document_type,
            "type_label": row.type_label,
            "title": row.document.title,
            "issued_on": row.document.issued_on,
            "expires_on": row.document.expires_on,
            "health": row.document.is_health,
            "valid": row.validity.valid,
            "valid_until": row.validity.valid_until,
            "reason": row.validity.reason,
            "scan_state": row.document.scan_state,
            "mine": row.document.owner_id == request.auth.pk,
        }
        for row in with_validity(documents[:200])
    ]
