"""The antivirus step of an attachment: stored ``pending`` when clamd is configured, scanned
after the commit by a task of the worker, rescanned by a periodic job while clamd could not
answer (fail closed: a pending file is never served). An infected file's content is deleted
at once and the verdict recorded (row and audit log); the citizen sees the file refused."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from guichet.cases.models import CaseAttachment, ScanState
from guichet.core.antivirus import ScannerUnavailable, clamd_scan, scanner_configured
from guichet.core.audit import audit_log

logger = logging.getLogger(__name__)

#: a pending file younger than this is left to the task enqueued at its upload
RESCAN_AFTER = timedelta(seconds=30)


def initial_scan_state() -> str:
    """What a new upload starts as: pending until scanned, or clean without an antivirus."""
    return ScanState.PENDING if scanner_configured() else ScanState.CLEAN


def attachment_scan_later(attachment: CaseAttachment) -> None:
    """Scan a pending attachment once the upload's transaction is committed."""
    from guichet.cases.tasks import attachment_scan_task

    if attachment.scan_state == ScanState.PENDING:
        transaction.on_commit(
            lambda pk=attachment.pk: attachment_scan_task.enqueue(attachment_id=pk)
        )


def attachment_scan(*, attachment_id: int) -> str:
    """Scan one pending attachment with clamd and record the verdict; returns the new state
    (``pending`` when clamd could not answer: the periodic job tries again)."""
    with transaction.atomic():
        attachment = (
            CaseAttachment.objects.select_for_update(skip_locked=True)
            .filter(pk=attachment_id, scan_state=ScanState.PENDING)
            .first()
        )
        if attachment is None:
            return "skipped"
        with attachment.file.open("rb") as stored:
            content = stored.read()
        return scanned_file_verdict(
            attachment,
            content,
            audit_action="cases.attachment",
            organisation_id=attachment.case.organisation_id if attachment.case_id else None,
            audit_data={"sha256": attachment.sha256, "name": attachment.original_name},
        )


def scanned_file_verdict(
    row, content: bytes, *, audit_action: str, organisation_id=None, audit_data: dict
) -> str:
    """Scan ``content`` (the clear content of ``row``'s file: a row with ``scan_state``,
    ``scan_detail``, ``scanned_at`` and ``file``) and record the verdict on the row; an
    infected file is deleted at once (never served, not kept: the row keeps its hash), a
    verdict other than clean is audited (``<audit_action>_<verdict>``). Returns the new
    state (``pending`` when clamd could not answer: the periodic sweep tries again)."""
    try:
        result = clamd_scan(content)
    except ScannerUnavailable as exc:
        logger.warning("clamd unavailable, %s %s stays pending: %s", audit_action, row.pk, exc)
        return ScanState.PENDING
    row.scan_state = result.verdict
    row.scan_detail = result.detail
    row.scanned_at = timezone.now()
    fields = ["scan_state", "scan_detail", "scanned_at"]
    if result.verdict == ScanState.INFECTED:
        row.file.delete(save=False)
        fields.append("file")
    row.save(update_fields=fields)
    if result.verdict != ScanState.CLEAN:
        audit_log(
            actor=None,
            action=f"{audit_action}_{result.verdict}",
            obj=row,
            organisation_id=organisation_id,
            data={"detail": result.detail, **audit_data},
        )
    return row.scan_state


def pending_scan_sweep(model, scan_one, *, limit: int = 200) -> int:
    """Scan the rows of ``model`` (a scanned file: ``scan_state``, ``created_at``) left pending
    (clamd was down, a task was lost), oldest first, with ``scan_one(pk)``; stop at the first
    that stays pending (clamd is down: the next run tries again)."""
    if not scanner_configured():
        return 0
    due = list(
        model.objects.filter(
            scan_state=ScanState.PENDING, created_at__lte=timezone.now() - RESCAN_AFTER
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        if scan_one(pk) == ScanState.PENDING:
            break
        done += 1
    return done


def pending_attachments_scan(limit: int = 200) -> int:
    """Scan the pending attachments left behind (clamd was down, a task was lost)."""
    return pending_scan_sweep(
        CaseAttachment, lambda pk: attachment_scan(attachment_id=pk), limit=limit
    )
