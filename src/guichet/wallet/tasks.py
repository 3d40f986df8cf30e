"""The antivirus step of a wallet document, as for case attachments (``cases.scanning``):
stored ``pending`` when clamd is configured, scanned after the commit, rescanned by a periodic
job while clamd could not answer; never used nor served until clean."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django_tasks import task

from guichet.cases.models import ScanState
from guichet.cases.scanning import scanned_file_verdict
from guichet.core.periodic import register_periodic

logger = logging.getLogger(__name__)


def wallet_document_scan(*, document_id: int) -> str:
    from guichet.wallet import crypto
    from guichet.wallet.models import WalletDocument

    with transaction.atomic():
        document = (
            WalletDocument.objects.select_for_update(skip_locked=True)
            .filter(pk=document_id, scan_state=ScanState.PENDING)
            .first()
        )
        if document is None:
            return "skipped"
        try:
            with document.file.open("rb") as stored:
                content = crypto.decrypt(
                    stored.read(), associated=f"wallet:{document.owner_id}".encode()
                )
        except (crypto.Undecryptable, crypto.KeyMissing):
            logger.error("wallet: document %s cannot be decrypted for its scan", document.pk)
            return ScanState.PENDING
        return scanned_file_verdict(
            document,
            content,
            audit_action="wallet.document",
            audit_data={"sha256": document.sha256},
        )


@task()
def wallet_document_scan_task(*, document_id: int) -> str:
    return wallet_document_scan(document_id=document_id)


@register_periodic("wallet.documents_scan", every=timedelta(minutes=1))
def wallet_documents_scan_sweep(limit: int = 200) -> int:
    """Scan the wallet documents still pending (clamd was unreachable when they came)."""
    from guichet.cases.scanning import pending_scan_sweep
    from guichet.wallet.models import WalletDocument

    return pending_scan_sweep(
        WalletDocument, lambda pk: wallet_document_scan(document_id=pk), limit=limit
    )
