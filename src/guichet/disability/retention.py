"""The retention purge: what is past its duration goes, a record of what went stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from guichet.cases.models import Case
from guichet.core.audit import audit_log
from guichet.core.policies import system_only
from guichet.disability import rules
from guichet.disability.models import DisabilityFile, FilingDraft, Piece, PurgeRecord
from guichet.disability.pieces import piece_delete_stored


def _purge_record(
    *,
    obj_type: str,
    obj_id: int,
    org_id,
    reference="",
    kind="",
    created=None,
    closed=None,
    days: int,
) -> PurgeRecord:
    return PurgeRecord(
        organisation_id=org_id,
        object_type=obj_type,
        object_id=obj_id,
        case_reference=reference,
        kind=kind,
        created_on=created.date() if isinstance(created, datetime) else created,
        closed_on=closed.date() if isinstance(closed, datetime) else closed,
        retention_days=days,
    )


@system_only("the retention purge, a periodic job")
def purge_run(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Remove what is past retention (``rules.retention_days``): pieces of closed files (per
    type, counted from the closure), closed files themselves (case included, once no appeal
    is open), stale drafts. Records what it removed (ids, types, dates), never the content."""
    now = now or timezone.now()
    days = rules.retention_days()
    removed = {"piece": 0, "file": 0, "draft": 0}
    records: list[PurgeRecord] = []
    with transaction.atomic():
        for kind in rules.PIECE_KINDS:
            cutoff = now - timedelta(days=days[kind])
            pieces = Piece.objects.filter(
                kind=kind, file__case__is_closed=True, file__case__closed_at__lt=cutoff
            ).select_related("file", "file__case")[:limit]
            for piece in pieces:
                assert piece.file is not None  # the query's file__case__is_closed
                records.append(
                    _purge_record(
                        obj_type="piece",
                        obj_id=piece.pk,
                        org_id=piece.file.organisation_id,
                        reference=piece.file.case.reference,
                        kind=kind,
                        created=piece.created_at,
                        closed=piece.file.case.closed_at,
                        days=days[kind],
                    )
                )
                piece_delete_stored(piece)
                piece.delete()
                removed["piece"] += 1
        cutoff = now - timedelta(days=days["file"])
        files = (
            DisabilityFile.objects.filter(case__is_closed=True, case__closed_at__lt=cutoff)
            .exclude(appeals__case__is_closed=False)
            .select_related("case")
            .order_by("kind")[:limit]  # appeals ("appeal" < "request") before what they contest
        )
        for file in files:
            if file.appeals.exists():
                continue  # its appeal goes first (a later run)
            case = file.case
            records.append(
                _purge_record(
                    obj_type="file",
                    obj_id=file.pk,
                    org_id=file.organisation_id,
                    reference=case.reference,
                    kind=file.kind,
                    created=file.created_at,
                    closed=case.closed_at,
                    days=days["file"],
                )
            )
            for piece in file.pieces.all():
                piece_delete_stored(piece)
            Case.objects.filter(pk=case.pk).delete()  # the file and its pieces' rows with it
            removed["file"] += 1
        cutoff = now - timedelta(days=days["draft"])
        for draft in FilingDraft.objects.filter(updated_at__lt=cutoff)[:limit]:
            records.append(
                _purge_record(
                    obj_type="draft",
                    obj_id=draft.pk,
                    org_id=None,
                    created=draft.created_at,
                    days=days["draft"],
                )
            )
            for piece in draft.pieces.all():
                piece_delete_stored(piece)
            draft.delete()
            removed["draft"] += 1
        PurgeRecord.objects.bulk_create(records)
        if any(removed.values()):
            audit_log(actor=None, action="disability.purged", data=dict(removed))
    return removed
