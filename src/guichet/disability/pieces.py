"""The pieces of a disability file: the one point where a piece enters (an upload checked,
or a wallet document), stored encrypted, read back only through the piece policy, rewritten
under a new key after a rotation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from guichet.core.audit import audit_log
from guichet.core.policies import SYSTEM, checked_by_caller, system_only
from guichet.core.uploads import CleanFile, check_upload
from guichet.disability import crypto, rules
from guichet.disability.errors import FilingError
from guichet.disability.models import DisabilityFile, Piece
from guichet.disability.policies import draft_policy, piece_policy

#: Where pieces are stored (encrypted), in the default storage.
STORAGE_DIR = "disability"


@dataclass(frozen=True)
class TakenPiece:
    kind: str
    clean: CleanFile
    issued_on: date | None = None


@dataclass(frozen=True)
class PiecePosted:
    """What a form posted for a piece: an upload (to keep in the wallet or not, with the
    document's dates), or the id of a document picked from the wallet."""

    kind: str
    upload: Any = None
    wallet_document: str = ""
    keep: bool = False
    issued_on: str = ""
    expires_on: str = ""


def piece_take(
    *,
    upload: Any = None,
    kind: str,
    issued_on: date | None = None,
    actor=None,
    posted: PiecePosted | None = None,
    dependant=None,
) -> TakenPiece:
    """The one point where a piece enters a file: an upload, checked (content sniffed, PDFs
    checked, antivirus), or a document of ``actor``'s wallet (``posted.wallet_document``):
    the wallet policy's "use", its type, its validity today (the filing date: an expired one
    is refused with its date and the rule), its scan; for a piece about the person concerned
    (``rules.PERSON_KINDS``) a document about that person (``dependant``, or the filer).
    An upload is kept in the wallet only when the person ticked it (``posted.keep``: health
    documents are kept only by choice). Writes nothing. Raises FilingError; PolicyDenied for a
    ``dependant`` the actor does not act for (the wallet policy answers for the document)."""
    from guichet.wallet.pieces import WalletKeep, WalletPick
    from guichet.wallet.services import wallet_piece_checked
    from guichet.wallet.types import DOCUMENT_TYPES

    if kind not in rules.PIECE_KINDS:
        raise FilingError({kind: _("Type de pièce inconnu.")})
    if dependant is not None:
        draft_policy.require_represent(actor, dependant)
    posted = posted or PiecePosted(kind=kind, upload=upload)
    in_wallet = kind in DOCUMENT_TYPES and getattr(actor, "is_authenticated", False)
    piece: Any = posted.upload
    if posted.wallet_document and in_wallet:
        chosen = posted.wallet_document
        piece = WalletPick(document_id=int(chosen) if chosen.isdigit() else 0, owner=actor)
    elif posted.keep and in_wallet and posted.upload is not None:
        piece = WalletKeep(
            upload=posted.upload,
            owner=actor,
            document_type=kind,
            issued_on=posted.issued_on or (issued_on.isoformat() if issued_on else ""),
            expires_on=posted.expires_on,
        )
    if piece is None:
        raise FilingError({kind: _("Joignez un fichier ou choisissez un document.")})
    try:
        if isinstance(piece, WalletPick | WalletKeep):
            clean = wallet_piece_checked(
                piece, field={"document_type": kind}, accept=("pdf", "image"), max_bytes=None
            )
        else:
            clean = check_upload(piece, accept=("pdf", "image"))
    except ValidationError as exc:
        raise FilingError({kind: exc.messages[0]}) from None
    if isinstance(piece, WalletPick):
        issued_on = _picked_about(kind, clean, actor=actor, dependant=dependant)
    else:
        _antivirus_check(kind, clean)
    return TakenPiece(kind=kind, clean=clean, issued_on=issued_on)


def _picked_about(kind: str, copy, *, actor, dependant) -> date:
    """A picked document's issue date, once it is about the right person: for a piece about
    the person concerned, a document about the dependant filed for (kept in the filer's
    wallet for them, or in their own account's), else the filer's own."""
    from guichet.wallet.models import WalletDocument

    document = WalletDocument.objects.select_related("dependant").get(pk=copy.document_id)
    if kind in rules.PERSON_KINDS:
        if dependant is not None:
            right = document.dependant_id == dependant.pk or (
                dependant.account_id is not None
                and document.owner_id == dependant.account_id
                and document.dependant_id is None
            )
            name = dependant.full_name
        else:
            right = document.owner_id == actor.pk and document.dependant_id is None
            name = actor.get_full_name() or actor.email
        if not right:
            raise FilingError(
                {
                    kind: _(
                        "« %(title)s » ne concerne pas la personne du dossier (%(name)s) : "
                        "choisissez un document à son nom ou joignez-le."
                    )
                    % {"title": document.title, "name": name}
                }
            )
    return document.issued_on


def _antivirus_check(kind: str, clean: CleanFile) -> None:
    """With an antivirus configured, a piece is scanned before it is encrypted (once stored,
    only a named agent's download ever decrypts it: there is no later scan)."""
    from guichet.core.antivirus import ScannerUnavailable, clamd_scan, scanner_configured

    if not scanner_configured():
        return
    try:
        result = clamd_scan(clean.content)
    except ScannerUnavailable:
        result = None
    if result is None or result.verdict == "error":
        raise FilingError(
            {kind: _("L'analyse antivirus est indisponible : réessayez dans quelques minutes.")}
        )
    if result.verdict != "clean":
        raise FilingError({kind: _("Ce fichier est refusé par l'antivirus.")})


@checked_by_caller(
    "filing_draft_save",
    "pieces_send",
    "appeal_submit",
    reason="stores a piece piece_take took, for a draft or a file its caller's policy allowed",
)
def piece_store(
    taken: TakenPiece, *, actor, file: DisabilityFile | None = None, draft=None
) -> Piece:
    """Store a taken piece, encrypted. A copy from the wallet keeps its link to the document
    (an upload the person chose to keep is kept in the wallet now); on a filed file its use
    is recorded at once, on a draft when it is filed (``file_submit``)."""
    from guichet.wallet.pieces import WalletCopy
    from guichet.wallet.services import wallet_copy_document

    document = None
    if isinstance(taken.clean, WalletCopy):
        document = wallet_copy_document(copy=taken.clean)
        if file is not None:
            file_wallet_use_record(document, file)
    name = default_storage.save(
        f"{STORAGE_DIR}/{uuid.uuid4().hex}.enc", ContentFile(crypto.encrypt(taken.clean.content))
    )
    return Piece.objects.create(
        file=file,
        draft=draft,
        kind=taken.kind,
        wallet_document=document,
        issued_on=taken.issued_on,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        storage_name=name,
        content_type=taken.clean.content_type,
        size=taken.clean.size,
        sha256=taken.clean.sha256,
    )


@checked_by_caller(
    "piece_store",
    "file_submit",
    reason="records the use of a wallet document piece_take allowed (the wallet policy's 'use')",
)
def file_wallet_use_record(document, file: DisabilityFile) -> None:
    """Record in the wallet that ``file`` used ``document`` (the person sees where it went)."""
    from guichet.wallet.services import wallet_use_record

    wallet_use_record(document=document, case=file.case, service_name=file.case.definition.name)


def piece_read(*, actor, piece: Piece) -> bytes:
    """The piece's content, decrypted, for whom the piece policy lets download it (a named
    agent of the house, a medical piece only for the medical roles; the person who filed).
    Raises PolicyDenied; ``crypto.PieceUnreadable`` when no configured key opens it (fail
    closed: never the stored bytes)."""
    piece_policy.require_act(actor, piece, "download")
    with default_storage.open(piece.storage_name, "rb") as handle:
        return crypto.decrypt(handle.read())


@checked_by_caller(
    "filing_draft_save",
    "purge_run",
    reason="removes the stored bytes of a piece its caller removes",
)
def piece_delete_stored(piece: Piece) -> None:
    """Delete the stored (encrypted) bytes once the transaction removing the piece commits."""
    if piece.storage_name:
        transaction.on_commit(partial(default_storage.delete, piece.storage_name))


@system_only("the key rotation command (disability_reencrypt)")
def pieces_reencrypt(*, batch: int = 200) -> tuple[int, int]:
    """Rewrite every stored piece under the first key (after a rotation). Returns (rewritten,
    unreadable): an unreadable piece is left as it is and counted (its key is missing)."""
    done = unreadable = 0
    for piece in Piece.objects.order_by("pk").iterator(chunk_size=batch):
        try:
            with default_storage.open(piece.storage_name, "rb") as handle:
                token = crypto.reencrypt(handle.read())
        except (crypto.PieceUnreadable, FileNotFoundError):
            unreadable += 1
            continue
        default_storage.delete(piece.storage_name)
        default_storage.save(piece.storage_name, ContentFile(token))
        done += 1
    audit_log(
        actor=SYSTEM, action="disability.reencrypted", data={"done": done, "unreadable": unreadable}
    )
    return done, unreadable
