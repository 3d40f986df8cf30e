"""Reads of disability files, scoped by ``disability.policies`` and recorded.

Every agent read of a file and of each piece writes an access record (``core.access``) under
the house's organisation, so the house's auditor reviews them on ``/backoffice/audit/``. A
refused attempt by a signed-in person (an agent of another organisation, the platform admin,
reception on a medical piece, a token not meant for it) is recorded too (door
``disability.refused``), then answered with the same 404 as a missing file.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from guichet.core.access import access_record
from guichet.disability.models import DisabilityFile, FilingDraft, Piece
from guichet.disability.policies import draft_policy, file_policy, house_roles, piece_policy

DOOR_FILE = "disability.file"
DOOR_PIECE = "disability.piece"
DOOR_LIST = "disability.list"
DOOR_REFUSED = "disability.refused"


def _files() -> QuerySet[DisabilityFile]:
    return DisabilityFile.objects.select_related(
        "case", "case__definition", "case__organisation", "case__requester", "appeal_of__case"
    )


def files_for_agent(*, actor) -> QuerySet[DisabilityFile]:
    """The files the actor is a named agent for, newest first."""
    return file_policy.scope(actor, _files()).order_by("-created_at", "-id")


def attempt_refused(request: HttpRequest | None, *, actor, reference: str, file=None, piece=None):
    """Record a refused attempt (who, which reference or piece, which door)."""
    if not getattr(actor, "is_authenticated", False):
        return
    access_record(
        actor=actor,
        door=DOOR_REFUSED,
        obj=piece if piece is not None else file,
        case=file.case if file is not None else None,
        organisation_ids=[file.organisation_id] if file is not None else [None],
        request=request,
        query=f"reference={reference[:40]}" + (f"&piece={piece.pk}" if piece else ""),
    )


def _file_by_reference(reference: str) -> DisabilityFile | None:
    reference = (reference or "").strip().upper()
    if not reference:
        return None
    return _files().filter(case__reference=reference).first()


def file_get_for_agent(*, actor, reference: str, request: HttpRequest | None = None):
    """The file, for a named agent of its house, its read recorded; else 404 (recorded)."""
    file = _file_by_reference(reference)
    if file is None or not house_roles(actor).get(file.organisation_id):
        attempt_refused(request, actor=actor, reference=reference, file=file)
        raise Http404("file")
    access_record(actor=actor, door=DOOR_FILE, obj=file, case=file.case, request=request)
    return file


def pieces_for_agent(*, actor, file: DisabilityFile) -> tuple[list[Piece], int]:
    """(pieces the actor may open, number of medical pieces hidden from their role)."""
    all_pieces = list(file.pieces.all())
    visible = [p for p in all_pieces if piece_policy.can_view(actor, p)]
    return visible, len(all_pieces) - len(visible)


def piece_get_for_agent(*, actor, reference: str, pk: int, request: HttpRequest | None = None):
    """A piece to open: a named agent of the house, a medical piece only for the medical
    roles; its read recorded. Else 404, the attempt recorded."""
    file = _file_by_reference(reference)
    piece = (
        Piece.objects.select_related("file").filter(pk=pk, file=file).first()
        if file is not None
        else None
    )
    agent = file is not None and bool(house_roles(actor).get(file.organisation_id))
    if piece is None or not agent or not piece_policy.can_view(actor, piece):
        attempt_refused(request, actor=actor, reference=reference, file=file, piece=piece)
        raise Http404("piece")
    assert file is not None  # the piece was found in it
    access_record(actor=actor, door=DOOR_PIECE, obj=piece, case=file.case, request=request)
    return file, piece


def files_for_citizen(*, actor) -> QuerySet[DisabilityFile]:
    """The files ``actor`` filed (for themselves or as a representative), newest first."""
    if not getattr(actor, "is_authenticated", False):
        return DisabilityFile.objects.none()
    return _files().filter(case__requester=actor).order_by("-created_at", "-id")


def file_get_for_citizen(*, actor, reference: str) -> DisabilityFile:
    """One of ``actor``'s files, the file policy asked; else 404 (missing and not theirs)."""
    reference = (reference or "").strip().upper()
    file = files_for_citizen(actor=actor).filter(case__reference=reference).first()
    if file is None or not file_policy.can_view(actor, file):
        raise Http404("file")
    return file


def pieces_for_citizen(*, actor, file: DisabilityFile) -> list[Piece]:
    """The pieces of ``actor``'s own file they may download (all of them: the policy says)."""
    return [p for p in file.pieces.all() if piece_policy.can_view(actor, p)]


def piece_get_for_citizen(*, actor, reference: str, pk: int, request: HttpRequest | None = None):
    """A piece of the person's own file, its read recorded under the house (its auditor sees
    it); else 404, the attempt of a signed-in person recorded like the agents' doors'."""
    try:
        file = file_get_for_citizen(actor=actor, reference=reference)
    except Http404:
        attempt_refused(
            request, actor=actor, reference=reference, file=_file_by_reference(reference)
        )
        raise
    piece = Piece.objects.select_related("file__case").filter(pk=pk, file=file).first()
    if piece is None or not piece_policy.can_view(actor, piece):
        attempt_refused(request, actor=actor, reference=reference, file=file, piece=piece)
        raise Http404("piece")
    access_record(actor=actor, door=DOOR_PIECE, obj=piece, case=file.case, request=request)
    return file, piece


def drafts_for_citizen(*, actor) -> QuerySet[FilingDraft]:
    """``actor``'s drafts (the draft policy's scope)."""
    return draft_policy.scope(actor, FilingDraft.objects.select_related("dependant"))


def draft_get_for_citizen(*, actor, token) -> FilingDraft:
    draft = drafts_for_citizen(actor=actor).filter(token=token).first()
    if draft is None:
        raise Http404("draft")
    return draft
